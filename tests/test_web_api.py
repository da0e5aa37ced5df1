"""The web app in-process, on both backends: JSON API, auth, limits, errors, HTML pages.

Every response in this module passes through ``Recorder``; an autouse fixture fails any test
during which the app answered with a 5xx, so "no request in the suite produces a 500" is
checked, not hoped for.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from amanat.model import Capture, Document, PublishedDate, content_hash, document_id
from amanat.store.db import Store
from amanat.store.tokens import new_token, revoke_token
from amanat.web import Settings, create_app
from amanat.web.ratelimit import TokenBucket

with warnings.catch_warnings():  # Starlette nudges towards httpx2, which is not in the lock
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
ROOT = Path(__file__).resolve().parents[1]


class Recorder:
    """ASGI wrapper that notes every response status."""

    def __init__(self, app) -> None:
        self.app, self.statuses = app, []

    async def __call__(self, scope, receive, send):
        async def note(message):
            if message["type"] == "http.response.start":
                self.statuses.append((scope.get("method"), scope.get("path"), message["status"]))
            await send(message)

        await self.app(scope, receive, note)


RECORDERS: list[Recorder] = []


@pytest.fixture(autouse=True)
def no_server_errors() -> Iterator[None]:
    RECORDERS.clear()
    yield
    for recorder in RECORDERS:
        recorder.app.state.store.close()
    errors = [s for r in RECORDERS for s in r.statuses if s[2] >= 500]
    assert not errors, f"requests answered with a server error: {errors}"


def make_doc(url: str, text: str, *, title: str | None = None, lang: str | None = "en",
             published: tuple[str, str] | None = None, source: str | None = None) -> tuple[Document, Capture]:
    digest = content_hash(text)
    doc = Document(
        id=document_id(url, digest), url=url, canonical_url=url,
        source=source or url.split("/")[2], title=title, byline=None,
        published=PublishedDate(published[0], published[1], "metadata") if published else None,
        language=lang, text=text, content_hash=digest, media_type="text/plain", origin=url,
    )
    return doc, Capture(url=url, body=text.encode(), media_type="text/plain", origin=url)


STORY_V1 = ("President Tokayev met the Pakistani ambassador in Astana on Monday.\n\n"
            "They discussed trade, transit routes and an exchange of authentic news.\n\n"
            "The ministry said five agreements were signed.")
STORY_V2 = ("President Tokayev met the Pakistani ambassador in Astana on Monday.\n\n"
            "They discussed trade, transit routes and an exchange of authentic news.\n\n"
            "The ministry said seven agreements were signed.\n\n"
            "A joint commission will meet in Islamabad.")
HOSTILE_TITLE = '<script>alert("t")</script> Astana & <b>friends</b>'


@pytest.fixture
def corpus(store_url: str) -> dict[str, str]:
    """A small store: one article in two versions, a copy elsewhere, several languages and
    dates, an undated and a month-dated document, and one with hostile markup."""
    docs = {
        "v1": make_doc("https://news-a.example/kz/story", STORY_V1, title="Tokayev meets envoy",
                       published=("2022-01-05", "day")),
        "v2": make_doc("https://news-a.example/kz/story", STORY_V2, title="Tokayev meets envoy",
                       published=("2022-01-05", "day")),
        "copy": make_doc("https://wire-b.example/copy-of-story", STORY_V1, title="Envoy meets Tokayev",
                         published=("2022-01-06", "day")),
        "ru": make_doc("https://ru-c.example/novosti/1", "Токаев провёл встречу с послом в Астане.",
                       title="Встреча в Астане", lang="ru", published=("2022-01-20", "day")),
        "hostile": make_doc("https://news-a.example/odd", 'Text <img src=x onerror=alert(1)> about Astana & more.',
                            title=HOSTILE_TITLE, published=("2022-03-01", "day")),
        "undated": make_doc("https://wire-b.example/undated", "An undated note on Karachi port traffic."),
        "monthly": make_doc("https://wire-b.example/monthly", "A monthly digest on Karachi and Astana.",
                            published=("2022-02", "month")),
    }
    with Store.open(store_url) as store, store.writer() as w:
        for doc, cap in docs.values():
            w.add(doc, cap)
    ids = {k: d.id for k, (d, _) in docs.items()}
    ids["url"] = store_url
    return ids


def client_for(store_url: str, **kw) -> TestClient:
    settings = kw.pop("settings", None) or Settings(rate=None, **kw)
    app = Recorder(create_app(store_url, settings=settings))
    RECORDERS.append(app)
    return TestClient(app)


@pytest.fixture
def public(corpus) -> TestClient:
    return client_for(corpus["url"], public_documents=True)


@pytest.fixture
def private(corpus) -> TestClient:
    return client_for(corpus["url"])


def token(store_url: str, scope: str) -> str:
    with Store.open(store_url) as store:
        return new_token(store, "tester", scope)[1]


def error_of(response) -> tuple[int, str]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["message"] and "\n" not in body["error"]["message"]
    return response.status_code, body["error"]["code"]


# --- documents ----------------------------------------------------------------------------


def test_document_with_versions_diff_and_copies(public, corpus):
    r = public.get(f"/api/v1/documents/{corpus['v2']}")
    assert r.status_code == 200
    d = r.json()
    assert d["id"] == corpus["v2"] and d["text"] == STORY_V2 and d["version"] == 2
    assert d["previous_id"] == corpus["v1"]
    assert [v["id"] for v in d["versions"]] == [corpus["v1"], corpus["v2"]]
    assert "diffs" not in d
    full = public.get(f"/api/v1/documents/{corpus['v2']}", params={"versions": 1}).json()
    (diff,) = full["diffs"]
    assert (diff["from"], diff["to"]) == (corpus["v1"], corpus["v2"])
    assert "-The ministry said five agreements were signed." in diff["unified"]
    assert "+The ministry said seven agreements were signed." in diff["unified"]
    assert "+A joint commission will meet in Islamabad." in diff["unified"]
    # the copy at the other URL shares version 1's text
    v1 = public.get(f"/api/v1/documents/{corpus['v1']}").json()
    assert [c["id"] for c in v1["copies"]] == [corpus["copy"]]
    assert v1["copies"][0]["url"] == "https://wire-b.example/copy-of-story"


def test_document_by_prefix_and_unknown_ids(public, corpus):
    assert public.get(f"/api/v1/documents/{corpus['ru'][:8]}").json()["id"] == corpus["ru"]
    for bad in ("0000000000000000", "zz", "x" * 500, "%00", "..%2F..%2Fetc"):
        assert error_of(public.get(f"/api/v1/documents/{bad}")) == (404, "not_found")
    assert error_of(public.get(f"/api/v1/documents/{corpus['v1']}", params={"versions": "maybe"}))[0] == 400


# --- search -------------------------------------------------------------------------------


def test_search_ranks_highlights_and_filters(public, corpus):
    r = public.get("/api/v1/search", params={"q": "Astana"})
    assert r.status_code == 200
    body = r.json()
    ids = [h["id"] for h in body["results"]]
    assert corpus["ru"] not in ids  # different word (Астане), not transliterated
    assert {corpus["v2"], corpus["copy"], corpus["hostile"]} <= set(ids)
    assert corpus["v1"] not in ids  # one result per article: its newest version
    every = public.get("/api/v1/search", params={"q": "Astana", "all_versions": "true"}).json()["results"]
    assert {corpus["v1"], corpus["v2"]} <= {h["id"] for h in every}
    for hit in body["results"]:
        assert "\x02" not in hit["snippet"] and "<b>" not in hit["snippet"].replace(HOSTILE_TITLE, "")
        assert hit["highlights"], hit
        for start, end in hit["highlights"]:
            assert hit["snippet"][start:end].lower() == "astana"
    scores = [h["score"] for h in body["results"]]
    assert scores == sorted(scores, reverse=True)

    def ids_for(**params):
        return {h["id"] for h in public.get("/api/v1/search", params={"q": "Astana", **params}).json()["results"]}

    assert ids_for(source="wire-b.example") == {corpus["copy"], corpus["monthly"]}
    assert ids_for(since="2022-01-06", until="2022-01-31") == {corpus["copy"]}
    assert ids_for(lang="ru") == set()
    assert public.get("/api/v1/search", params={"q": "Астане", "lang": "ru"}).json()["results"][0]["id"] == corpus["ru"]


def test_search_pages_and_post(public):
    whole = public.get("/api/v1/search", params={"q": "Astana OR Karachi", "limit": 100}).json()["results"]
    assert len(whole) >= 5
    first = public.get("/api/v1/search", params={"q": "Astana OR Karachi", "limit": 2}).json()
    assert first["next_offset"] == 2
    second = public.get("/api/v1/search", params={"q": "Astana OR Karachi", "limit": 2, "offset": 2}).json()
    assert [h["id"] for h in first["results"] + second["results"]] == [h["id"] for h in whole[:4]]
    posted = public.post("/api/v1/search", json={"q": "Astana OR Karachi", "limit": 2, "offset": 2}).json()
    assert posted["results"] == second["results"]
    last = public.get("/api/v1/search", params={"q": "Astana OR Karachi", "limit": 100}).json()
    assert last["next_offset"] is None


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"q": '"unclosed'}, "bad_query"),
        ({"q": "astana OR"}, "bad_query"),
        ({"q": "x" * 1001}, "invalid_parameter"),
        ({"q": ""}, "invalid_parameter"),
        ({}, "invalid_parameter"),
        ({"q": "astana", "since": "2022-13-01"}, "invalid_parameter"),
        ({"q": "astana", "until": "yesterday"}, "invalid_parameter"),
        ({"q": "astana", "since": "2022-02-01", "until": "2022-01-01"}, "invalid_parameter"),
        ({"q": "astana", "limit": "0"}, "invalid_parameter"),
        ({"q": "astana", "limit": "5000"}, "invalid_parameter"),
        ({"q": "astana", "limit": "ten"}, "invalid_parameter"),
        ({"q": "astana", "offset": "-1"}, "invalid_parameter"),
        ({"q": "astana", "offset": "99999999"}, "invalid_parameter"),
        ({"q": "astana", "source": "a\x00b"}, "invalid_parameter"),
        ({"q": "astana\x00", "lang": "en"}, "invalid_parameter"),
        ({"q": "astana", "lang": "e\x00"}, "invalid_parameter"),
    ],
)
def test_search_bad_requests(public, params, code):
    assert error_of(public.get("/api/v1/search", params=params)) == (400, code)


@pytest.mark.parametrize(
    ("content", "ctype", "expected"),
    [
        (b'{"q": "astana"', "application/json", (400, "malformed_json")),
        (b"\xff\xfe", "application/json", (400, "malformed_json")),
        (b'["astana"]', "application/json", (400, "invalid_body")),
        (b'{"q": "astana", "sort": "date"}', "application/json", (400, "invalid_parameter")),
        (b'{"q": 5}', "application/json", (400, "invalid_parameter")),
        (b'{"q": "astana"}', "text/plain", (415, "unsupported_media_type")),
        (b"q=astana", "application/x-www-form-urlencoded", (415, "unsupported_media_type")),
        (b'{"q": "astana"}', None, (415, "unsupported_media_type")),
    ],
)
def test_search_post_bad_bodies(public, content, ctype, expected):
    headers = {"content-type": ctype} if ctype else {}
    assert error_of(public.post("/api/v1/search", content=content, headers=headers)) == expected


# --- corpus, export -------------------------------------------------------------------------


def test_stats_sources_and_timeline(public, corpus):
    stats = public.get("/api/v1/stats").json()
    assert stats["documents"] == 7 and stats["versions"] == 1 and stats["content_groups"] == 1
    assert stats["languages"] == {"en": 6, "ru": 1}
    assert "database" not in stats  # no file paths or server names to the public
    sources = {s["key"]: s["documents"] for s in public.get("/api/v1/sources").json()}
    assert sources == {"news-a.example": 3, "wire-b.example": 3, "ru-c.example": 1}
    tl = public.get("/api/v1/timeline").json()
    assert tl["bin"] == "day" and tl["undated"] == 1 and tl["imprecise"] == 1
    counts = {c["start"]: c["documents"] for c in tl["counts"]}
    assert counts["2022-01-05"] == 2 and counts["2022-01-06"] == 1 and counts["2022-03-01"] == 1
    assert sum(counts.values()) == 5 and len(counts) == (31 - 5 + 1) + 28 + 1  # empty days included
    monthly = public.get("/api/v1/timeline", params={"bin": "month"}).json()["counts"]
    assert [(c["start"], c["documents"]) for c in monthly] == [("2022-01-01", 4), ("2022-02-01", 0), ("2022-03-01", 1)]
    assert error_of(public.get("/api/v1/timeline", params={"bin": "fortnight"}))[0] == 400


def test_export_streams_every_document_without_cap(corpus):
    with Store.open(corpus["url"]) as store, store.writer() as w:
        for i in range(150):  # ~150 KB: several 64 KB chunks
            w.add(*make_doc(f"https://bulk.example/{i}", f"Bulk item {i}. " + "filler words " * 80))
    client = client_for(corpus["url"], public_documents=True)
    r = client.get("/api/v1/export.jsonl")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in r.text.splitlines()]
    assert len(rows) == 157 == client.get("/api/v1/stats").json()["documents"]
    assert len({row["id"] for row in rows}) == 157
    by_id = {row["id"]: row for row in rows}
    assert by_id[corpus["v2"]]["text"] == STORY_V2 and by_id[corpus["v2"]]["url"] == "https://news-a.example/kz/story"


# --- auth -----------------------------------------------------------------------------------

PRIVATE_API = ["/api/v1/documents/{v1}", "/api/v1/stats", "/api/v1/sources", "/api/v1/timeline",
               "/api/v1/export.jsonl"]


def test_coverage_is_private_by_default(private, corpus):
    for path in PRIVATE_API:
        r = private.get(path.format(**corpus))
        assert error_of(r) == (401, "token_required"), path
        assert r.headers["www-authenticate"].startswith("Bearer")
    assert private.get("/healthz").json() == {"status": "ok"}
    assert private.get("/api/v1/openapi.json").status_code == 200
    # search is open to anyone, over documents derived from signed items only (none here)
    anonymous = private.get("/api/v1/search", params={"q": "astana"})
    assert anonymous.status_code == 200 and anonymous.json()["results"] == []
    assert anonymous.json()["official_only"] is True
    read = {"Authorization": f"Bearer {token(corpus['url'], 'read')}"}
    for path in PRIVATE_API:
        assert private.get(path.format(**corpus), headers=read).status_code == 200, path
    found = private.get("/api/v1/search", params={"q": "astana"}, headers=read).json()
    assert found["results"] and found["official_only"] is False


def test_token_scopes_and_bad_tokens(private, corpus):
    url = corpus["url"]
    assert private.get("/api/v1/stats", headers={"Authorization": f"Bearer {token(url, 'admin')}"}).status_code == 200
    assert private.get("/api/v1/stats", headers={"Authorization": f"Bearer {token(url, 'ingest')}"}).status_code == 200
    publish = {"Authorization": f"Bearer {token(url, 'publish')}"}
    assert error_of(private.get("/api/v1/stats", headers=publish)) == (403, "forbidden")
    good = token(url, "read")
    for header in (f"Bearer {good}x", f"Basic {good}", "Bearer", "Bearer amanat_000000000000_" + "A" * 43, good):
        assert error_of(private.get("/api/v1/stats", headers={"Authorization": header})) == (401, "bad_token"), header
    with Store.open(url) as store:
        revoke_token(store, good.split("_")[1])
    r = private.get("/api/v1/stats", headers={"Authorization": f"Bearer {good}"})
    assert error_of(r) == (401, "bad_token") and "revoked" in r.json()["error"]["message"]


def test_public_documents_opt_in_still_refuses_bad_tokens(public):
    assert public.get("/api/v1/stats").status_code == 200
    assert error_of(public.get("/api/v1/stats", headers={"Authorization": "Bearer nope"})) == (401, "bad_token")


def test_browser_login_sets_an_httponly_cookie(private, corpus):
    r = private.get(f"/documents/{corpus['v1']}")
    assert r.status_code == 401 and 'name="token"' in r.text and "Tokayev" not in r.text
    r = private.get("/search", params={"q": "astana"})  # official items only: no coverage
    assert r.status_code == 200 and "No results" in r.text and "<mark>" not in r.text
    assert private.get("/").status_code == 200  # the landing page says how to sign in
    bad = private.post("/login", data={"token": "amanat_nope", "next": "/search"})
    assert bad.status_code == 401 and "unknown token" in bad.text
    publish = private.post("/login", data={"token": token(corpus["url"], "publish"), "next": "/"}, follow_redirects=False)
    assert publish.status_code == 303  # a publisher signs in to publish: coverage still needs read
    assert private.get(f"/documents/{corpus['v1']}").status_code == 401
    good = token(corpus["url"], "read")
    r = private.post("/login", data={"token": good, "next": "/search?q=astana"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/search?q=astana"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and good.lower() in cookie
    page = private.get("/search", params={"q": "astana"})
    assert page.status_code == 200 and "<mark>" in page.text
    private.post("/logout", follow_redirects=False)
    assert "<mark>" not in private.get("/search", params={"q": "astana"}).text
    assert private.get(f"/documents/{corpus['v1']}").status_code == 401


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_login_never_redirects_off_site(private, corpus, target):
    r = private.post("/login", data={"token": token(corpus["url"], "read"), "next": target}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_login_needs_form_data(private):
    assert private.post("/login", content=b'{"token": "x"}', headers={"content-type": "application/json"}).status_code == 415


# --- limits and errors ----------------------------------------------------------------------


def test_size_limits(corpus):
    client = client_for(corpus["url"], public_documents=True, max_body=1000, max_query=200)
    assert error_of(client.post("/api/v1/search", content=b" " * 1001,
                                headers={"content-type": "application/json"})) == (413, "body_too_large")

    def chunks():
        for _ in range(20):
            yield b" " * 100

    r = client.post("/api/v1/search", content=chunks(), headers={"content-type": "application/json"})
    assert error_of(r) == (413, "body_too_large")
    assert error_of(client.get("/api/v1/search", params={"q": "a" * 300})) == (414, "query_too_long")
    assert client.get("/api/v1/search", params={"q": "astana"}).status_code == 200


def test_rate_limit_answers_429_with_retry_after(corpus):
    client = client_for(corpus["url"], settings=Settings(public_documents=True, rate=0.5, burst=3))
    codes = [client.get("/healthz").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    r = client.get("/api/v1/stats")
    assert error_of(r) == (429, "rate_limited") and int(r.headers["retry-after"]) >= 1


def test_token_bucket_refills_per_client():
    now = [0.0]
    bucket = TokenBucket(2.0, 2, max_clients=2, clock=lambda: now[0])
    assert [bucket.take("a") for _ in range(3)] == [0.0, 0.0, 0.5]
    assert bucket.take("b") == 0.0  # another client has its own bucket
    now[0] += 0.5
    assert bucket.take("a") == 0.0 and bucket.take("a") > 0
    bucket.take("c")  # over max_clients: the least recently seen ("b") is forgotten
    assert set(bucket._buckets) == {"a", "c"}


def test_unknown_routes_and_methods_get_json_errors(public):
    assert error_of(public.get("/api/v1/nothing")) == (404, "not_found")
    assert error_of(public.delete("/api/v1/stats")) == (405, "method_not_allowed")
    assert error_of(public.put("/api/v1/search", json={"q": "x"}))[0] == 405
    html = public.get("/no/such/page")
    assert html.status_code == 404 and html.headers["content-type"].startswith("text/html")


# --- HTML pages -------------------------------------------------------------------------------


def test_pages_escape_stored_text(public, corpus):
    page = public.get("/search", params={"q": "Astana"})
    assert page.status_code == 200
    assert "<script>" not in page.text and "<img" not in page.text and "<b>friends" not in page.text
    assert "&lt;script&gt;" in page.text
    assert re.search(r"<mark>Astana</mark>", page.text)
    doc = public.get(f"/documents/{corpus['hostile']}")
    assert doc.status_code == 200 and "<script>" not in doc.text and "&lt;img src=x" in doc.text
    assert "script-src" not in doc.headers["content-security-policy"]  # default-src 'none' covers scripts
    assert doc.headers["x-content-type-options"] == "nosniff"


UNSAFE_URLS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "\tjavascript:alert(1)",
               "java\nscript:alert(1)", "\x01javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
               "DATA:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox(1)", "  VBScript:msgbox(1)",
               "https:\t//split.example/", "//scheme-relative.example/x", "ftp://files.example/x"]


class Links(HTMLParser):
    """Every href on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [value or "" for name, value in attrs if name == "href"]


def hrefs(page: str) -> list[str]:
    parser = Links()
    parser.feed(page)
    return parser.hrefs


def test_only_http_urls_from_documents_become_links(store_url):
    """A document's URL is someone else's text: javascript:, data:, vbscript: in any case or
    with leading blanks or controls are shown as text on every page, never as an href."""
    docs = [make_doc(url, f"Zanzibarword report number {i}.", source="odd.example")
            for i, url in enumerate(UNSAFE_URLS)]
    docs.append(make_doc("https://safe.example/report", "Zanzibarword report, the safe one."))
    with Store.open(store_url) as store, store.writer() as w:
        for doc, cap in docs:
            w.add(doc, cap)
    client = client_for(store_url, public_documents=True)
    search = client.get("/search", params={"q": "zanzibarword", "limit": 50})
    pages = [search.text, *(client.get(f"/documents/{doc.id}").text for doc, _ in docs)]
    assert search.status_code == 200 and search.text.count('class="hit"') == len(docs)
    for page in pages:
        for href in hrefs(page):
            assert (href.startswith("/") and not href.startswith("//")) or href == "https://safe.example/report", href
    assert "https://safe.example/report" in hrefs(search.text)
    assert "javascript:alert(1)" in search.text and "vbscript:msgbox(1)" in search.text  # shown, as text
    assert "https://safe.example/report" in hrefs(client.get(f"/documents/{docs[-1][0].id}").text)


def test_document_page_shows_the_word_diff_and_copies(public, corpus):
    page = public.get(f"/documents/{corpus['v2']}").text
    assert "<del>five</del>" in page and "<ins>seven</ins>" in page
    assert "<ins>A joint commission will meet in Islamabad.</ins>" in page
    v1 = public.get(f"/documents/{corpus['v1']}").text
    assert f'href="/documents/{corpus["copy"]}"' in v1


def test_home_chart_and_sources_pages(public):
    home = public.get("/").text
    assert "<svg" in home and home.count('class="bar"') == 56  # 5 Jan … 1 Mar, one bar a day
    assert ">7<" in home  # documents count
    sources = public.get("/sources").text
    assert "news-a.example" in sources and "ru-c.example" in sources


def test_search_page_reports_bad_input_inline(public):
    for params in ({"q": '"unclosed'}, {"q": "astana", "since": "2022-99-01"}, {"q": "astana", "limit": "x"}):
        page = public.get("/search", params=params)
        assert page.status_code == 400 and 'class="error"' in page.text and "<form" in page.text


def test_every_endpoint_is_documented(public):
    doc = (ROOT / "docs" / "api.md").read_text()
    paths = public.get("/api/v1/openapi.json").json()["paths"]
    assert paths
    for path, methods in paths.items():
        for method in methods:
            assert f"{method.upper()} {path}" in doc, f"docs/api.md lacks {method.upper()} {path}"


def test_serve_command_builds_the_app_it_was_asked_for(corpus, monkeypatch):
    import typer
    import uvicorn
    from typer.testing import CliRunner

    from amanat.web.commands import serve

    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app, **kw))
    cli = typer.Typer()
    cli.command()(serve)
    result = CliRunner().invoke(cli, ["--db", corpus["url"], "--port", "8123", "--public-documents",
                                      "--rate-limit", "5", "--burst", "7"])
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"]) == ("127.0.0.1", 8123)
    settings = served["app"].state.settings
    assert (settings.public_documents, settings.rate, settings.burst) == (True, 5.0, 7)
    client = TestClient(served["app"])
    assert client.get("/api/v1/stats").json()["documents"] == 7
