"""Writes through the web: publishing (page and ``POST /api/v1/items``), documents pushed by a
newsroom (``POST /api/v1/documents``), and the search filters over mentions and findings, on
both backends. Every response passes through ``Recorder``: a 5xx fails the test.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from tests.test_web_api import Recorder, error_of, make_doc

from amanat.ingest.pipeline import ingest_capture
from amanat.provenance.publishing import create_publisher
from amanat.store import schema as t
from amanat.store.db import Store
from amanat.store.tokens import new_token
from amanat.web import Settings, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
MINISTRY = "Demo Ministry (synthetic)"
OTHER = "Other Office (synthetic)"
ARTICLE = ("<html lang='en'><head><title>Talks in Astana</title></head><body><article>"
           "<p>The foreign ministry of Kazakhstan said on Tuesday that the talks in Astana went well.</p>"
           "<p>More rounds of talks will follow in Islamabad next month, officials said.</p>"
           "</article></body></html>")


@pytest.fixture
def node(store_url: str, tmp_path) -> Iterator[dict]:
    """A node with two publishers of its own, tokens of every kind, and an app that ingests."""
    keys = str(tmp_path / "keys")
    with Store.open(store_url) as store:
        create_publisher(store, MINISTRY, keys_dir=keys)
        create_publisher(store, OTHER, keys_dir=keys)
        tokens = {scope: new_token(store, MINISTRY, scope)[1] for scope in ("read", "ingest", "publish", "admin")}
        tokens["anyone"] = new_token(store, "a press officer of no publisher here", "publish")[1]
    apps: list[Recorder] = []

    def client(**kw) -> TestClient:
        ingest = kw.pop("ingest", ingest_capture)
        app = Recorder(create_app(store_url, settings=Settings(rate=None, keys_dir=keys, **kw), ingest=ingest))
        apps.append(app)
        return TestClient(app)

    yield {"url": store_url, "keys": keys, "tokens": tokens, "client": client}
    for app in apps:
        app.app.state.store.close()
    # 503 from an app built without ingest (that test asks for it) is the one 5xx allowed
    errors = [s for a in apps for s in a.statuses if s[2] >= 500 and s[1:] != ("/api/v1/documents", 503)]
    assert not errors, f"requests answered with a server error: {errors}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- POST /api/v1/items -------------------------------------------------------------------


def test_publish_correct_and_withdraw_through_the_api(node):
    api, tok = node["client"](), node["tokens"]
    r = api.post("/api/v1/items", headers=bearer(tok["publish"]),
                 json={"headline": "Synthetic statement", "body": "First text.\n\nSecond paragraph.", "language": "en"})
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["version"] == 1 and made["pubStatus"] == "usable" and r.headers["location"] == made["page"]
    # the token names the ministry: it signs for the ministry, not for the other office
    assert made["origin"] == "localhost/amanat/demo-ministry-synthetic"
    fixed = api.post("/api/v1/items", headers=bearer(tok["publish"]),
                     json={"action": "correct", "uri": made["uri"], "body": "First text, corrected.\n\nSecond paragraph."})
    assert fixed.status_code == 201 and fixed.json()["version"] == 2 and fixed.json()["index"] == made["index"] + 1
    page = api.get(made["page"])
    assert page.status_code == 200 and "version</th><td>2 of 2" in page.text
    assert re.search(r"<ins>[^<]*corrected[^<]*</ins>", page.text)  # the diff between the versions
    assert re.search(r"<del>First text\.</del>", page.text)
    by_uri = api.get("/items/" + made["uri"])
    assert by_uri.status_code == 200 and "Synthetic statement" in by_uri.text
    gone = api.post("/api/v1/items", headers=bearer(tok["publish"]),
                    json={"action": "withdraw", "uri": made["uri"].rsplit("/", 1)[1], "reason": "issued in error"})
    assert gone.status_code == 201 and gone.json()["pubStatus"] == "canceled"
    page = api.get(made["page"]).text
    assert "Withdrawn in version 3" in page and "issued in error" in page and "First text, corrected." in page


@pytest.mark.parametrize("body", [
    {},
    {"headline": "h", "language": "en"},
    {"headline": " ", "body": "b", "language": "en"},
    {"headline": "h", "body": "b", "language": "e n"},
    {"headline": "h", "body": "b", "language": "en", "extra": 1},
    {"action": "publish-now", "headline": "h", "body": "b", "language": "en"},
    {"action": "correct", "uri": "no-such-item", "body": "b"},
    {"action": "correct", "body": "b"},
    {"action": "withdraw", "uri": "no-such-item", "reason": "r"},
    {"headline": "h\x00", "body": "b", "language": "en"},
    {"headline": "h", "body": "b" * 200_001, "language": "en"},
    {"headline": ["h"], "body": "b", "language": "en"},
])
def test_bad_publish_requests_are_4xx_with_one_line(node, body):
    api = node["client"](max_body=4 << 20)
    r = api.post("/api/v1/items", headers=bearer(node["tokens"]["publish"]), json=body)
    assert 400 <= r.status_code < 500
    error_of(r)


def test_publishing_is_refused_without_the_scope(node):
    api, tok = node["client"](), node["tokens"]
    body = {"headline": "h", "body": "b", "language": "en"}
    assert error_of(api.post("/api/v1/items", json=body)) == (401, "token_required")
    for scope in ("read", "ingest"):
        assert error_of(api.post("/api/v1/items", headers=bearer(tok[scope]), json=body)) == (403, "forbidden")
    # a token named for the ministry may not sign for the other office on the same node
    r = api.post("/api/v1/items", headers=bearer(tok["publish"]), json={**body, "publisher": OTHER})
    assert error_of(r) == (403, "forbidden")
    # a token named for no publisher here must say which of the two
    assert error_of(api.post("/api/v1/items", headers=bearer(tok["anyone"]), json=body))[0] == 400
    ok = api.post("/api/v1/items", headers=bearer(tok["anyone"]), json={**body, "publisher": OTHER})
    assert ok.status_code == 201 and ok.json()["origin"].endswith("other-office-synthetic")
    assert error_of(api.post("/api/v1/items", headers={**bearer(tok["publish"]), "content-type": "text/plain"},
                             content=b"{}")) == (415, "unsupported_media_type")
    assert error_of(api.post("/api/v1/items", headers={**bearer(tok["publish"]), "content-type": "application/json"},
                             content=b"{not json")) == (400, "malformed_json")


# --- the publish page ------------------------------------------------------------------------


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "the form carries no CSRF token"
    return found.group(1)


def test_publish_page_previews_then_publishes(node):
    web, tok = node["client"](), node["tokens"]
    assert web.get("/publish").status_code == 401  # the sign-in form
    web.post("/login", data={"token": tok["read"], "next": "/"})
    assert web.get("/publish").status_code == 403  # signed in, but the token cannot publish
    web.post("/logout")
    r = web.post("/login", data={"token": tok["publish"], "next": "/publish"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/publish"
    form = web.get("/publish")
    assert form.status_code == 200 and 'href="/publish"' in form.text
    fields = {"action": "publish", "publisher": MINISTRY, "headline": "Synthetic <b>statement</b>",
              "body": "Hello *world* <script>alert(1)</script> [x](javascript:alert(1))", "language": "en"}
    # no CSRF token, or another browser's: refused before anything is read
    for forged in ({}, {"csrf": "0" * 64}):
        refused = web.post("/publish", data={**fields, "step": "publish", **forged})
        assert refused.status_code == 403 and "reload the page" in refused.text
    token = _csrf(form.text)
    preview = web.post("/publish", data={**fields, "step": "preview", "csrf": token})
    assert preview.status_code == 200 and "<em>world</em>" in preview.text
    assert "<script>alert" not in preview.text and "&lt;script&gt;" in preview.text
    assert 'href="javascript:' not in preview.text
    assert "Synthetic &lt;b&gt;statement&lt;/b&gt;" in preview.text
    with Store.open(node["url"]) as store, store.engine.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(t.log_entries)).scalar_one()
    assert before == 2  # a preview signs nothing: only the two publisher documents are logged
    done = web.post("/publish", data={**fields, "step": "publish", "csrf": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/items/")
    item = web.get(done.headers["location"])
    assert item.status_code == 200 and "Synthetic &lt;b&gt;statement&lt;/b&gt;" in item.text
    assert "<script>alert" not in item.text and "Publish a correction" in item.text
    bad = web.post("/publish", data={**fields, "language": "", "step": "publish", "csrf": token})
    assert bad.status_code == 400 and 'class="error"' in bad.text and "<form" in bad.text


def test_item_page_for_an_unknown_item_is_404(node):
    web = node["client"]()
    assert web.get("/items/not-an-item").status_code == 404
    assert web.get("/items/%25").status_code == 404


# --- POST /api/v1/documents ------------------------------------------------------------------


def test_a_pushed_document_goes_through_the_ingest_pipeline(node):
    api, tok = node["client"](), node["tokens"]
    body = {"url": "https://news.example/kz/talks", "content": ARTICLE}
    r = api.post("/api/v1/documents", headers=bearer(tok["ingest"]), json=body)
    assert r.status_code == 201, r.text
    answer = r.json()
    assert answer["new"] == 1 and answer["failed"] == 0 and r.headers["location"] == f"/api/v1/documents/{answer['id']}"
    doc = api.get(f"/api/v1/documents/{answer['id']}", headers=bearer(tok["read"])).json()
    assert doc["title"] == "Talks in Astana" and doc["source"] == "news.example" and doc["language"] == "en"
    again = api.post("/api/v1/documents", headers=bearer(tok["ingest"]), json=body)
    assert again.status_code == 200 and again.json()["unchanged"] == 1 and again.json()["id"] is None
    changed = api.post("/api/v1/documents", headers=bearer(tok["ingest"]),
                       json={**body, "content": ARTICLE.replace("went well", "went very well")})
    assert changed.status_code == 201 and changed.json()["new_versions"] == 1
    hits = api.get("/api/v1/search", params={"q": "islamabad"}, headers=bearer(tok["read"])).json()["results"]
    assert [h["id"] for h in hits] == [changed.json()["id"]]
    empty = api.post("/api/v1/documents", headers=bearer(tok["ingest"]),
                     json={"url": "https://news.example/empty", "content": "<html><body></body></html>"})
    assert empty.status_code == 200 and empty.json()["skipped"] + empty.json()["failed"] == 1


@pytest.mark.parametrize("body", [
    {"url": "javascript:alert(1)", "content": "x"},
    {"url": "https://news.example/a"},
    {"url": "https://news.example/a", "content": ""},
    {"url": "https://news.example/a", "content": "x", "media_type": "application/pdf"},
    {"url": "https://news.example/a", "content": "x", "source": "../etc"},
    {"url": "https://news.example/a b", "content": "x"},
    {"url": "https://news.example/a", "content": "x", "title": "t\x07"},
    [],
])
def test_bad_pushed_documents_are_4xx(node, body):
    api = node["client"]()
    error_of(api.post("/api/v1/documents", headers=bearer(node["tokens"]["ingest"]), json=body))


def test_pushing_needs_the_ingest_scope_and_an_ingesting_server(node):
    api, tok = node["client"](), node["tokens"]
    body = {"url": "https://news.example/a", "content": ARTICLE}
    assert error_of(api.post("/api/v1/documents", json=body)) == (401, "token_required")
    for scope in ("read", "publish"):
        assert error_of(api.post("/api/v1/documents", headers=bearer(tok[scope]), json=body)) == (403, "forbidden")
    assert api.post("/api/v1/documents", headers=bearer(tok["admin"]), json=body).status_code == 201
    without = node["client"](ingest=None)
    assert error_of(without.post("/api/v1/documents", headers=bearer(tok["ingest"]), json=body)) == (503, "ingest_unavailable")


# --- search filters over mentions and findings ---------------------------------------------


def test_search_filters_by_entity_and_findings(node):
    docs = {k: make_doc(f"https://paper.example/{k}", f"Astana talks report {k}: the envoy met officials.",
                        title=f"Report {k}") for k in ("a", "b", "c")}
    now = datetime.now(UTC)
    with Store.open(node["url"]) as store:
        with store.writer() as w:
            for doc, cap in docs.values():
                w.add(doc, cap)
        with store.engine.begin() as conn:
            for n, key in enumerate(("a", "b")):
                conn.execute(sa.insert(t.mentions).values(
                    document_id=docs[key][0].id, n=n, start=0, end=6, text="Astana", kind="place",
                    entity_id="Q1520" if key == "a" else "Q232", candidates="[]", nested=False, kb_version="test"))
            for key, current in (("b", True), ("c", False)):
                conn.execute(sa.insert(t.findings).values(
                    id=f"f{key}", document_id=docs[key][0].id, check_name="test", type="title-at-date",
                    status="informational", severity="low", sentence="s", evidence="[]", facts="[]",
                    first_seen=now, last_seen=now, current=current))
    api, read = node["client"](), bearer(node["tokens"]["read"])

    def ids(**params) -> set[str]:
        r = api.get("/api/v1/search", params={"q": "astana", **params}, headers=read)
        assert r.status_code == 200, r.text
        return {h["id"] for h in r.json()["results"]}

    everything = {d.id for d, _ in docs.values()}
    assert ids() == everything
    assert ids(entity="Q1520") == {docs["a"][0].id}
    assert ids(entity="Q232") == {docs["b"][0].id}
    assert ids(entity="Q0") == set()
    assert ids(has_findings="true") == {docs["b"][0].id}  # c's finding is no longer current
    assert ids(entity="Q1520", has_findings="true") == set()
    page = api.get("/search", params={"q": "astana", "entity": "Q232", "has_findings": "on"}, headers=read)
    assert page.status_code == 200 and page.text.count('class="hit"') == 1
    assert 'name="has_findings" value="on" checked' in page.text and 'value="Q232"' in page.text


# --- token administration ------------------------------------------------------------------


def test_an_admin_creates_and_revokes_tokens_in_the_browser(node):
    web, tok = node["client"](), node["tokens"]
    assert web.get("/tokens").status_code == 401
    web.post("/login", data={"token": tok["publish"], "next": "/"})
    assert web.get("/tokens").status_code == 403
    web.post("/login", data={"token": tok["admin"], "next": "/"})
    page = web.get("/tokens")
    assert page.status_code == 200 and 'href="/tokens"' in page.text
    token = _csrf(page.text)
    refused = web.post("/tokens", data={"publisher": "Partner desk", "scope": "read"})
    assert refused.status_code == 403
    bad = web.post("/tokens", data={"publisher": "Partner desk", "scope": "everything", "csrf": token})
    assert bad.status_code == 400 and "scope must be one of" in bad.text
    made = web.post("/tokens", data={"publisher": "Partner desk <b>", "scope": "read", "csrf": token})
    secret = re.search(r'id="new-token" readonly value="(amanat_[0-9a-f]{12}_[^"]+)"', made.text).group(1)
    assert "Partner desk &lt;b&gt;" in made.text
    api = node["client"]()
    assert api.get("/api/v1/stats", headers=bearer(secret)).status_code == 200
    new_id = secret.split("_")[1]
    gone = web.post(f"/tokens/{new_id}/revoke", data={"csrf": token}, follow_redirects=False)
    assert gone.status_code == 303
    assert error_of(api.get("/api/v1/stats", headers=bearer(secret))) == (401, "bad_token")
    admin_id = tok["admin"].split("_")[1]
    assert web.post(f"/tokens/{admin_id}/revoke", data={"csrf": token}).status_code == 400  # not itself
    assert web.post("/tokens/000000000000/revoke", data={"csrf": token}).status_code == 404


# --- the source list, corrected by an admin ------------------------------------------------


def test_an_admin_corrects_a_source_and_ingest_leaves_it(node):
    web, tok = node["client"](ingest=ingest_capture), node["tokens"]
    with Store.open(node["url"]) as store:
        ingest_capture(store, make_page("https://www.smallpaper.example/a"))
    web.post("/login", data={"token": tok["read"], "next": "/"})
    listing = web.get("/sources")
    assert "smallpaper.example" in listing.text and "/sources/edit" not in listing.text  # a reader sees no form
    assert web.get("/sources/edit?key=smallpaper.example").status_code == 403
    web.post("/login", data={"token": tok["admin"], "next": "/"})
    assert 'href="/sources/edit?key=smallpaper.example"' in web.get("/sources").text
    form = web.get("/sources/edit?key=smallpaper.example")
    assert form.status_code == 200 and 'value="en"' in form.text  # the page's <html lang>, filled at ingest
    token = _csrf(form.text)
    fields = {"key": "smallpaper.example", "name": "Small Paper (Karachi)", "country": "pk", "language": "ur"}
    assert web.post("/sources/edit", data=fields).status_code == 403  # no CSRF token
    bad = web.post("/sources/edit", data={**fields, "country": "Pakistan", "csrf": token})
    assert bad.status_code == 400 and "two-letter" in bad.text and 'value="Pakistan"' in bad.text
    assert web.post("/sources/edit", data={**fields, "key": "nowhere.example", "csrf": token}).status_code == 404
    done = web.post("/sources/edit", data={**fields, "csrf": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/sources"
    with Store.open(node["url"]) as store:
        ingest_capture(store, make_page("https://www.smallpaper.example/b"))
        row = next(s for s in store.sources() if s["key"] == "smallpaper.example")
    assert (row["name"], row["country"], row["language"]) == ("Small Paper (Karachi)", "PK", "ur")
    assert "Small Paper (Karachi)" in web.get("/sources").text
    assert web.get("/sources/edit?key=nowhere.example").status_code == 404


def make_page(url: str):
    from amanat.model import Capture

    body = ARTICLE.replace("Talks in Astana", f"Talks in Astana ({url.rsplit('/', 1)[1]})")
    return Capture(url=url, body=body.encode(), media_type="text/html", origin=url, fetched=datetime.now(UTC))


def test_the_source_list_pages(node, monkeypatch):
    from amanat.web.views import sources as view

    monkeypatch.setattr(view, "PAGE_SIZE", 2)
    with Store.open(node["url"]) as store:
        for i in range(5):
            ingest_capture(store, make_page(f"https://www.paper{i}.example/a"))
        total = len(store.sources())
    web = node["client"](public_documents=True)
    first, last = web.get("/sources"), web.get(f"/sources?page={(total + 1) // 2}")
    assert first.status_code == 200 and 'rel="next"' in first.text and 'rel="prev"' not in first.text
    assert f"Sources 1–2 of {total}" in first.text and total >= 5
    assert last.status_code == 200 and 'rel="prev"' in last.text and 'rel="next"' not in last.text
    assert web.get("/sources?page=0").status_code == 400
    assert web.get("/sources?page=x").status_code == 400


def test_an_admin_corrects_a_source_through_the_api(node):
    with Store.open(node["url"]) as store:
        ingest_capture(store, make_page("https://www.smallpaper.example/a"))
    api, tok = node["client"](), node["tokens"]
    body = {"name": "Small Paper", "country": "pk", "language": "ur"}
    assert error_of(api.put("/api/v1/sources/smallpaper.example", json=body))[0] == 401
    assert error_of(api.put("/api/v1/sources/smallpaper.example", headers=bearer(tok["ingest"]), json=body)) == (
        403, "forbidden")
    admin = bearer(tok["admin"])
    assert error_of(api.put("/api/v1/sources/smallpaper.example", headers=admin,
                            json={**body, "country": "PKR"}))[0] == 400
    assert error_of(api.put("/api/v1/sources/smallpaper.example", headers=admin,
                            json={**body, "language": "u1"})) == (400, "bad_input")
    assert error_of(api.put("/api/v1/sources/nowhere.example", headers=admin, json=body)) == (404, "not_found")
    done = api.put("/api/v1/sources/smallpaper.example", headers=admin, json=body)
    assert done.status_code == 200
    assert {k: done.json()[k] for k in ("key", "name", "country", "language")} == {
        "key": "smallpaper.example", "name": "Small Paper", "country": "PK", "language": "ur"}
    cleared = api.put("/api/v1/sources/smallpaper.example", headers=admin, json={"name": "Small Paper"})
    assert (cleared.json()["country"], cleared.json()["language"]) == (None, None)
