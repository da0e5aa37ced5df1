"""``GET /sources``: every outlet with what is known of it (name, country, language — from the
bundled table, the outlet's feed and pages, or a person) and its document count.

``/sources/edit?key=…``: a signed-in ``admin`` corrects an outlet's name, country and
language (a form with the CSRF token, as the token pages have); what ingest learns later
never overwrites it. The key is a query parameter, not a path segment: local sources are
named freely and may hold slashes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from amanat.errors import AmanatError, NotFound
from amanat.store import outlets
from amanat.web import csrf
from amanat.web.auth import Viewer, page_reader, signed_in_with, viewer
from amanat.web.errors import HttpError
from amanat.web.pages import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(page_reader)])
PAGE_SIZE = 100
MAX_PAGE = 10_000


@router.get("/sources")
def sources_page(request: Request) -> Response:
    """The outlets, most documents first, a hundred a page (a year of CC-NEWS names thousands)."""
    raw = request.query_params.get("page") or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise HttpError(400, "invalid_parameter", f"page must be a whole number from 1 to {MAX_PAGE}")
    page = int(raw)
    every = request.app.state.store.sources()
    shown = every[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    return render(request, "sources.html", {
        "sources": shown, "total": len(every), "first": (page - 1) * PAGE_SIZE + 1,
        "prev": page - 1 if page > 1 else None, "next": page + 1 if page * PAGE_SIZE < len(every) else None,
        "may_correct": viewer(request).may("admin")})


def _admin(request: Request) -> Viewer:
    return signed_in_with(request, "admin", "correcting a source")


def _source(request: Request, key: str) -> dict[str, Any]:
    found = next((s for s in request.app.state.store.sources() if s["key"] == key), None)
    if found is None:
        raise HttpError(404, "not_found", f"no source {key!r}")
    return found


def _form_page(request: Request, source: dict[str, Any], error: str | None = None, status: int = 200) -> Response:
    return render(request, "source_edit.html", {"s": source, "error": error, "csrf": csrf.token_for(request)}, status)


@router.get("/sources/edit")
def edit_page(request: Request) -> Response:
    _admin(request)
    return _form_page(request, _source(request, request.query_params.get("key", "")))


@router.post("/sources/edit")
async def correct(request: Request) -> Response:
    _admin(request)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise HttpError(415, "unsupported_media_type", f"this form posts form data, not {media or 'none'!r}")
    data = await request.form(max_files=0, max_fields=8)
    csrf.check(request, str(data.get(csrf.FIELD) or ""))
    form = {k: str(v) for k, v in data.items() if isinstance(v, str)}
    key = form.get("key", "")
    try:
        outlets.correct(request.app.state.store.engine, key, name=form.get("name"), country=form.get("country"),
                        language=form.get("language"))
    except NotFound as exc:
        raise HttpError(404, "not_found", exc.diagnosis()) from None
    except AmanatError as exc:
        typed = {**_source(request, key), **{k: form.get(k) for k in ("name", "country", "language")}}
        return _form_page(request, typed, exc.diagnosis(), 400)
    return RedirectResponse("/sources", status_code=303)
