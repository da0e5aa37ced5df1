"""The HTML UI in a real browser: Debian's Chromium driven by Playwright against a real uvicorn
server on 127.0.0.1 (a free port, in a thread). Skips when Chromium is absent, except on CI.

    scripts/setup --browser     installs /usr/bin/chromium
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from amanat.model import Capture, Document, PublishedDate, content_hash, document_id
from amanat.store.db import Store
from amanat.store.tokens import new_token
from amanat.web import Settings, create_app

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

V1 = ("The foreign ministry of Kazakhstan published a statement on Tuesday.\n\n"
      "It described discrepancies in the publications of certain foreign media outlets.\n\n"
      "Officials were not asked for comment.")
V2 = ("The foreign ministry of Kazakhstan published a statement on Tuesday.\n\n"
      "It described discrepancies and inaccuracies in the publications of certain foreign media outlets.\n\n"
      "Officials were not asked for comment, the ministry said.")


def _doc(url: str, text: str, title: str, published: str | None) -> tuple[Document, Capture]:
    digest = content_hash(text)
    return (
        Document(id=document_id(url, digest), url=url, canonical_url=url, source=url.split("/")[2],
                 title=title, byline=None,
                 published=PublishedDate(published, "day", "metadata") if published else None,
                 language="en", text=text, content_hash=digest, media_type="text/plain", origin=url),
        Capture(url=url, body=text.encode(), media_type="text/plain", origin=url),
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('ui') / 'ui.db'}"
    docs = [
        _doc("https://mfa.example/statement", V1, "Statement on foreign media", "2022-01-10"),
        _doc("https://mfa.example/statement", V2, "Statement on foreign media", "2022-01-10"),
        _doc("https://mag.example/reprint", V1, "Ministry statement, reprinted", "2022-01-12"),
    ]
    for day in range(1, 28, 3):
        docs.append(_doc(f"https://daily.example/{day}", f"Daily report {day} from Kazakhstan and Pakistan on trade.",
                         f"Kazakhstan–Pakistan trade, report {day}", f"2022-02-{day:02d}"))
    with Store.open(url) as store:
        with store.writer() as w:
            for doc, cap in docs:
                w.add(doc, cap)
        token = new_token(store, "ui test", "read")[1]
    return {"url": url, "v1": docs[0][0].id, "v2": docs[1][0].id, "token": token}


class _Server:
    """uvicorn on an already-bound socket (no port race), in a daemon thread."""

    def __init__(self, app) -> None:
        import uvicorn

        self.statuses: list[int] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

        async def recorded(scope, receive, send):
            async def note(message):
                if message["type"] == "http.response.start":
                    self.statuses.append(message["status"])
                await send(message)

            await app(scope, receive, note)

        self.server = uvicorn.Server(uvicorn.Config(recorded, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
        assert all(s < 500 for s in self.statuses), f"server errors: {self.statuses}"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: run scripts/setup --browser"
        if IN_CI:
            pytest.fail(reason)
        print(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def public_site(corpus) -> Iterator[str]:
    with _Server(create_app(corpus["url"], settings=Settings(public_documents=True, rate=None))) as s:
        yield s.url


@pytest.fixture(scope="module")
def private_site(corpus) -> Iterator[str]:
    with _Server(create_app(corpus["url"], settings=Settings(rate=None))) as s:
        yield s.url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_search_from_home_then_open_a_document(page, public_site, tmp_path):
    page.goto(public_site + "/")
    assert page.locator("svg.chart rect.bar").count() > 0  # the chart is server-rendered SVG
    page.fill("#home-q", "Kazakhstan trade")
    page.press("#home-q", "Enter")
    page.wait_for_url("**/search?q=Kazakhstan*")
    hits = page.locator("li.hit")
    assert hits.count() >= 3
    marks = page.locator("li.hit mark")
    assert marks.count() >= 2
    assert {m.lower() for m in marks.all_inner_texts()} <= {"kazakhstan", "trade"}
    first_title = hits.first.locator("a.title").inner_text()
    shot = tmp_path / "search.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if os.environ.get("AMANAT_SCREENSHOTS"):
        page.goto(public_site + "/")
        page.screenshot(path=str(Path(os.environ["AMANAT_SCREENSHOTS"]) / "home.png"), full_page=True)
        page.go_back()
        page.screenshot(path=str(Path(os.environ["AMANAT_SCREENSHOTS"]) / "search.png"), full_page=True)
    hits.first.locator("a.title").click()
    page.wait_for_url("**/documents/*")
    assert page.locator("h1").inner_text() == first_title
    assert "Kazakhstan" in page.locator(".document .body").inner_text()


def test_document_page_shows_versions_diff(page, public_site, corpus):
    page.goto(f"{public_site}/documents/{corpus['v2']}")
    assert page.locator("#versions ol li").count() == 2
    assert page.locator(".diff ins").all_inner_texts() == [" and inaccuracies", ", the ministry said"]
    assert page.locator(".diff del").count() == 0
    assert page.locator(".diff del, .diff ins").first.is_visible()
    assert "mag.example" not in page.locator(".copies").all_inner_texts().__str__()  # v2's text is not copied
    if os.environ.get("AMANAT_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["AMANAT_SCREENSHOTS"]) / "document.png"), full_page=True)
    page.goto(f"{public_site}/documents/{corpus['v1']}")
    assert "mag.example" in page.locator(".copies").inner_text()


def test_login_cookie_is_invisible_to_scripts(page, private_site, corpus):
    page.goto(private_site + "/search?q=ministry")  # anonymous: official items only, no coverage
    assert page.locator("li.hit").count() == 0
    page.goto(private_site + "/login?next=/search%3Fq%3Dministry")
    assert page.locator("form.login").is_visible()
    page.fill("input[name=token]", "amanat_wrong")
    page.click("form.login button")
    assert "unknown token" in page.locator(".error").inner_text()
    page.fill("input[name=token]", corpus["token"])
    page.click("form.login button")
    page.wait_for_url("**/search?q=ministry")
    assert page.locator("li.hit mark").count() >= 1
    assert page.evaluate("document.cookie") == ""  # HttpOnly: scripts cannot read the token
    page.click("text=Sign out")
    page.goto(private_site + "/search?q=ministry")
    assert page.locator("li.hit").count() == 0
    page.goto(f"{private_site}/documents/{corpus['v1']}")  # coverage asks for a token again
    assert page.locator("form.login").is_visible()
