"""No public endpoint answers 5xx to any integer, string or byte sequence in a path or query.

Every route the app registers is enumerated (nothing is listed by hand, so a new route is
fuzzed the day it is added); Hypothesis fills each path parameter and each query parameter
the route declares with integers (huge and negative ones too), arbitrary text and
percent-encoded bytes, sometimes with the store's real origin, item and document ids so the
requests reach the database. The store, on SQLite and on PostgreSQL, holds a published item
in two versions and ingested documents. Beside it, a structural check: no route declares an
integer parameter without an upper bound the database can hold.
"""

from __future__ import annotations

import os
import types
import typing
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import fastapi.routing
import pytest
from annotated_types import Le
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Mount

from amanat.model import Capture, Document, content_hash, document_id
from amanat.provenance.publishing import create_publisher
from amanat.store.db import Store
from amanat.store.tokens import new_token
from amanat.web import Settings, create_app
from amanat.web.params import MAX_BIGINT
from amanat.web.views.search import FIELDS as SEARCH_PAGE_FIELDS
from conftest import IN_CI, PG_URL, _pg_available

with warnings.catch_warnings():  # Starlette nudges towards httpx2, which is not in the lock
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# Query parameters a route reads by hand (not declared, so not found by enumeration).
READ_BY_HAND = {"/search": SEARCH_PAGE_FIELDS, "/login": ("next",)}
NASTY_INTS = (0, 1, -1, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**40, 10**400)
NASTY_TEXT = ("%00", "%FF%FE", "a%00b", "%E2%80%AE", "..%2F..", "%25", "", "x" * 3000)
EXAMPLES_PER_ROUTE = 12


@dataclass
class Node:
    client: TestClient
    app: Any
    origin: str
    item_id: str
    doc_ids: list[str]
    read_token: str


def _document(url: str, text: str) -> tuple[Document, Capture]:
    digest = content_hash(text)
    doc = Document(id=document_id(url, digest), url=url, canonical_url=url, source=url.split("/")[2],
                   title="Wheat", byline=None, published=None, language="en", text=text,
                   content_hash=digest, media_type="text/plain", origin=url)
    return doc, Capture(url=url, body=text.encode(), media_type="text/plain", origin=url)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def node(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """One app per backend for the whole module (fuzzing needs many requests, not many stores)."""
    root = tmp_path_factory.mktemp("fuzz")
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{root / 'fuzz.db'}"
    else:
        reason = _pg_available()
        if reason:
            if IN_CI:
                pytest.fail(reason)
            pytest.skip(reason)
        import psycopg

        schema = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    saved = os.environ.get("AMANAT_SEARCH_INDEX_DIR")
    os.environ["AMANAT_SEARCH_INDEX_DIR"] = str(root / "search")
    try:
        with Store.open(url) as store:
            publisher = create_publisher(store, "Fuzz ministry (test)", keys_dir=str(Path(root) / "keys"))
            uri = publisher.publish(headline="Wheat harvest", body="The wheat harvest was a record.",
                                    language="en").item_uri
            publisher.correct(uri, body="The wheat harvest was a record, after rain.")
            docs = [_document("https://news.example/wheat", "Wheat prices fell on Tuesday."),
                    _document("https://wire.example/wheat", "Wheat exports rose in May.")]
            with store.writer() as writer:
                for doc, capture in docs:
                    writer.add(doc, capture)
            read_token = new_token(store, "fuzzer", "read")[1]
            origin = publisher.log.origin
        app = create_app(url, settings=Settings(rate=None))
        client = TestClient(app, raise_server_exceptions=False)
        yield Node(client, app, origin, uri.rsplit("/", 1)[1], [d.id for d, _ in docs], read_token)
        app.state.store.close()
    finally:
        if saved is None:
            os.environ.pop("AMANAT_SEARCH_INDEX_DIR", None)
        else:
            os.environ["AMANAT_SEARCH_INDEX_DIR"] = saved
        if schema:
            import psycopg

            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _params(dependant: Any, kind: str) -> list[Any]:
    """The route's ``path_params`` or ``query_params``, its dependencies' included."""
    return [*getattr(dependant, kind), *(f for d in dependant.dependencies for f in _params(d, kind))]


def _served(app: Any) -> list[Any]:
    """The app's routes with their full paths (FastAPI ≥ 0.16x keeps included routers lazy)."""
    walk = getattr(fastapi.routing, "iter_route_contexts", None)
    return list(walk(app.routes)) if walk else list(app.routes)


def _routes(app: Any) -> list[tuple[str, list[str], list[str], list[str]]]:
    """Every (path template, methods, path parameters, query parameters) the app serves."""
    found = []
    for route in _served(app):
        if isinstance(getattr(route, "original_route", route), Mount):
            found.append((route.path + "/{path:path}", ["GET"], ["path"], []))
            continue
        methods = sorted(getattr(route, "methods", None) or {"GET"})
        path_params = list(getattr(route, "param_convertors", {}))
        query: list[str] = list(READ_BY_HAND.get(route.path, ()))
        if getattr(route, "dependant", None) is not None:
            query += [f.alias for f in _params(route.dependant, "query_params")]
        found.append((route.path, methods, path_params, query))
    return found


def _bytes(raw: bytes) -> str:
    return "".join(f"%{b:02X}" for b in raw)


INTS = st.one_of(st.sampled_from(NASTY_INTS), st.integers()).map(str)
TEXT = st.text(max_size=30).map(lambda s: quote(s, safe=""))
VALUE = st.one_of(INTS, TEXT, st.binary(max_size=24).map(_bytes))


def _real(node: Node) -> dict[str, str]:
    """A value per path parameter that exists in the store, so requests get past the lookup."""
    return {"origin": quote(node.origin, safe="/"), "item_id": node.item_id, "doc_id": node.doc_ids[0],
            "rest": quote(node.origin, safe="/") + "/entries", "path": "style.css"}


def _path_value(name: str, node: Node) -> st.SearchStrategy[str]:
    real = _real(node)
    fuzzed = st.one_of(VALUE, st.lists(VALUE, min_size=1, max_size=4).map("/".join)) \
        if name in ("origin", "rest", "path") else VALUE
    if name in real:
        return st.one_of(st.just(real[name]), fuzzed)
    return fuzzed


def _fill(template: str, values: dict[str, str]) -> str:
    path = template
    for name, value in values.items():
        path = path.replace("{" + name + ":path}", value).replace("{" + name + "}", value)
    return path


def _auth(node: Node) -> st.SearchStrategy[dict[str, str]]:
    return st.sampled_from([{}, {"Authorization": f"Bearer {node.read_token}"},
                            {"Authorization": "Bearer nope"}, {"Cookie": f"amanat_token={node.read_token}"}])


def _fuzz(node: Node, template: str, methods: list[str], path_params: list[str], query_params: list[str]) -> None:
    """Hypothesis over one route: raises AssertionError with the (shrunk) request that got a 5xx."""

    @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def one(data: st.DataObject) -> None:
        values = {name: data.draw(_path_value(name, node), label=name) for name in path_params}
        query = [(name, data.draw(VALUE, label=name)) for name in query_params
                 if data.draw(st.booleans(), label=f"send {name}")]
        url = _fill(template, values) + ("?" + "&".join(f"{quote(k)}={v}" for k, v in query) if query else "")
        method = data.draw(st.sampled_from(methods), label="method")
        answer = node.client.request(method, url, headers=data.draw(_auth(node), label="auth"))
        assert answer.status_code < 500, f"{method} {url} -> {answer.status_code}: {answer.text[:300]}"

    one()


def _sweep(node: Node, template: str, methods: list[str], path_params: list[str], query_params: list[str]) -> list[str]:
    """Every nasty integer and string in each parameter in turn, the others real: the
    requests a fuzzer might take many examples to stumble on."""
    failures = []
    real = _real(node)
    base = {name: real.get(name, "1") for name in path_params}
    trials = [(_fill(template, base | {name: str(v)}), "") for name in path_params for v in (*NASTY_INTS, *NASTY_TEXT)]
    trials += [(_fill(template, base), f"?{quote(name)}={v}") for name in query_params for v in (*NASTY_INTS, *NASTY_TEXT)]
    for path, query in trials:
        for method in methods:
            answer = node.client.request(method, path + query, headers={"Authorization": f"Bearer {node.read_token}"})
            if answer.status_code >= 500:
                failures.append(f"{method} {path + query} -> {answer.status_code}: {answer.text[:200]}")
    return failures


def test_every_route_answers_below_500_to_any_parameter(node: Node) -> None:
    routes = _routes(node.app)
    assert len(routes) > 20 and any("{size}" in r[0] for r in routes)
    failures: list[str] = []
    for route in routes:
        failures += _sweep(node, *route)
        try:
            _fuzz(node, *route)
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
    assert not failures, "\n".join(failures)


def _upper_bounds(annotation: Any, metadata: list[Any]) -> tuple[bool, list[Any]]:
    """Whether ``annotation`` admits an int, and every ``Le`` bound found on the way to it."""
    bounds = [m.le for m in metadata if isinstance(m, Le)]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        is_int, more = _upper_bounds(inner, list(extra))
        return is_int, bounds + more
    if origin in (typing.Union, types.UnionType):
        parts = [_upper_bounds(a, []) for a in typing.get_args(annotation)]
        return any(p[0] for p in parts), bounds + [b for p in parts for b in p[1]]
    for meta in metadata:  # Query(le=…) lands in the field's metadata
        bounds += [m.le for m in getattr(meta, "metadata", []) if isinstance(m, Le)]
    return annotation is int, bounds


def test_no_route_declares_an_unbounded_integer(node: Node) -> None:
    unbounded = []
    for route in _served(node.app):
        if getattr(route, "dependant", None) is None:
            continue
        for field in [*_params(route.dependant, "path_params"), *_params(route.dependant, "query_params")]:
            is_int, bounds = _upper_bounds(field.field_info.annotation, list(field.field_info.metadata))
            if is_int and not any(b <= MAX_BIGINT for b in bounds):
                unbounded.append(f"{route.path} {field.alias}")
    assert not unbounded, f"integer parameters without a bound the database can hold: {unbounded}"
