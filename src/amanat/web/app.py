"""The web application: the JSON API under ``/api/v1/`` and the HTML pages, over one store.

Routes live in modules, one per kind of page or endpoint, each exposing ``router``;
``ROUTES`` lists the built-in ones and ``create_app`` mounts them in order. Later features
(partner endpoints: publisher document, items, feed, checkpoint, proofs) add a module and a
line here, or pass their own list.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from amanat.store.db import Store
from amanat.web import errors
from amanat.web.middleware import CrossSiteGuard, RateLimit, RequestLimits, SecurityHeaders
from amanat.web.pages import STATIC, error_page, login_page, make_templates
from amanat.web.ratelimit import TokenBucket
from amanat.web.settings import Settings

log = logging.getLogger(__name__)
WORKER_THREADS = 40  # anyio's default for run_in_threadpool, where sync routes and slow reads run

ROUTES: tuple[str, ...] = (
    "amanat.web.api.health",
    "amanat.web.api.documents",
    "amanat.web.api.search",
    "amanat.web.api.corpus",
    "amanat.web.api.export",
    "amanat.web.api.findings",
    "amanat.web.api.items",
    "amanat.web.api.ingest",
    "amanat.web.api.stories",
    "amanat.web.api.entities",
    "amanat.web.views.home",
    "amanat.web.views.search",
    "amanat.web.views.document",
    "amanat.web.views.sources",
    "amanat.web.feeds",
    "amanat.web.views.findings",
    "amanat.web.views.entities",
    "amanat.web.views.stories",
    "amanat.web.views.login",
    "amanat.web.views.apidocs",
    "amanat.web.views.publish",
    "amanat.web.views.items",
    "amanat.web.views.tokens",
    "amanat.web.node",
)


def create_app(
    store_url: str,
    *,
    public_documents: bool = False,
    settings: Settings | None = None,
    routes: Sequence[str] = ROUTES,
    ingest: Callable[..., Any] | None = None,
) -> FastAPI:
    """An ASGI app serving the store at ``store_url`` (opened, and migrated, here).

    ``ingest`` is the pipeline's one-document entry (``amanat.ingest.pipeline.ingest_capture``)
    for ``POST /api/v1/documents``: handed in by whoever starts the server (``amanat serve``),
    since the web layer does not import the ingest layer; without it that route answers 503."""
    settings = settings or Settings()
    if public_documents:
        settings = Settings(**{**settings.__dict__, "public_documents": True})
    # as many pooled connections as requests can use at once: the worker threads (anyio's
    # default limit) and the event loop's own reads; none is opened per request
    store = Store.open(store_url, connections=WORKER_THREADS + 1)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        title="Amanat",
        version=_version(),
        description="Stored news coverage: documents, versions, search and export. "
        "Ingested coverage needs a read token (`Authorization: Bearer …`) unless the node "
        "serves it publicly. Errors are `{\"error\": {\"code\", \"message\"}}`.",
        docs_url=None,  # served from local files by views.apidocs
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.ingest = ingest
    app.state.settings = settings
    app.state.templates = make_templates()
    errors.install(app, error_page)
    app.add_exception_handler(errors.LoginRequired, login_page)
    for name in routes:
        app.include_router(importlib.import_module(name).router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    # added innermost first: headers wrap everything, then the rate limit, then requests from
    # other sites, then size caps
    app.add_middleware(RequestLimits, max_body=settings.max_body, max_query=settings.max_query)
    app.add_middleware(CrossSiteGuard)
    if settings.rate:
        bucket = TokenBucket(settings.rate, settings.burst, max_clients=settings.max_clients)
        app.add_middleware(RateLimit, bucket=bucket)
    app.add_middleware(SecurityHeaders)
    return app


def warm(app: FastAPI) -> threading.Thread:
    """Build the knowledge base the entity and document pages read, in the background, as the
    server starts: the starter alone is ~17,000 entities, seconds of work that would
    otherwise fall on the first visitor of an entity page (tens of seconds on a busy
    machine). ``load_kb`` builds once and makes a request that comes meanwhile wait for that
    build. Not done in ``create_app``: the tests make hundreds of apps that never need it."""

    def build() -> None:
        from amanat.kb.commands import load_kb

        try:
            load_kb(app.state.store)
        except Exception:  # a page that needs the base will build it, and report what fails
            log.warning("could not build the knowledge base at start", exc_info=True)

    thread = threading.Thread(target=build, name="amanat-kb-warm", daemon=True)
    thread.start()
    return thread


def _version() -> str:
    try:
        return importlib.metadata.version("amanat")
    except importlib.metadata.PackageNotFoundError:
        return "0"
