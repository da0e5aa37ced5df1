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
from amanat.provenance.publishing import create_publisher
from amanat.store.db import Store
from amanat.store.tokens import new_token
from amanat.web import Settings, create_app
from amanat.web.app import warm

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

V1 = ("The foreign ministry of Kazakhstan published a statement on Tuesday.\n\n"
      "It described discrepancies in the publications of certain foreign media outlets.\n\n"
      "Officials were not asked for comment.")
PUBLISHER = "Demo Office (synthetic)"  # no "ministry": the anonymous search below finds no item
STATEMENT = ("The Demo Office **welcomes** accurate reporting.\n\n"
             "This synthetic statement exists only for the browser tests.")
URDU = "قازقستان کے سفیر نے پاکستان کے ساتھ مستند خبروں کے تبادلے پر زور دیا۔"
RUSSIAN = "Токаев провёл встречу с послом Пакистана в Астане; Қазақстан және Пәкістан."
V2 = ("The foreign ministry of Kazakhstan published a statement on Tuesday.\n\n"
      "It described discrepancies and inaccuracies in the publications of certain foreign media outlets.\n\n"
      "Officials were not asked for comment, the ministry said.")


def _doc(url: str, text: str, title: str, published: str | None, language: str = "en") -> tuple[Document, Capture]:
    digest = content_hash(text)
    return (
        Document(id=document_id(url, digest), url=url, canonical_url=url, source=url.split("/")[2],
                 title=title, byline=None,
                 published=PublishedDate(published, "day", "metadata") if published else None,
                 language=language, text=text, content_hash=digest, media_type="text/plain", origin=url),
        Capture(url=url, body=text.encode(), media_type="text/plain", origin=url),
    )


@pytest.fixture(scope="module")
def corpus(module_store_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The UI's store, on each backend in turn (``module_store_url``): the same pages, searches
    and forms must work over SQLite's FTS5 and PostgreSQL's tsvector alike."""
    url = module_store_url
    docs = [
        _doc("https://mfa.example/statement", V1, "Statement on foreign media", "2022-01-10"),
        _doc("https://mfa.example/statement", V2, "Statement on foreign media", "2022-01-10"),
        _doc("https://mag.example/reprint", V1, "Ministry statement, reprinted", "2022-01-12"),
    ]
    docs.append(_doc("https://urdu.example/1", URDU, "پاکستان اور قازقستان کے تعلقات", "2022-03-01", "ur"))
    docs.append(_doc("https://ru.example/1", RUSSIAN, "Встреча в Астане", "2022-03-02", "ru"))
    for day in range(1, 28, 3):
        docs.append(_doc(f"https://daily.example/{day}", f"Daily report {day} from Kazakhstan and Pakistan on trade.",
                         f"Kazakhstan–Pakistan trade, report {day}", f"2022-02-{day:02d}"))
    with Store.open(url) as store:
        with store.writer() as w:
            for doc, cap in docs:
                w.add(doc, cap)
        token = new_token(store, "ui test", "read")[1]
        keys = str(tmp_path_factory.mktemp("keys"))
        publisher = create_publisher(store, PUBLISHER, keys_dir=keys)
        entry = publisher.publish(headline="Synthetic statement on media", body=STATEMENT, language="en",
                                  content_type="text/markdown")
        publish_token = new_token(store, PUBLISHER, "publish")[1]
        admin_token = new_token(store, "ui admin", "admin")[1]
    return {"url": url, "backend": url.split(":", 1)[0], "v1": docs[0][0].id, "v2": docs[1][0].id, "token": token, "keys": keys,
            "publish_token": publish_token, "admin_token": admin_token, "item": entry.item_uri, "urdu": docs[3][0].id, "russian": docs[4][0].id}


class _Server:
    """uvicorn on an already-bound socket (no port race), in a daemon thread."""

    def __init__(self, app) -> None:
        import uvicorn

        self.app = app
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
        warm(self.app)  # as `amanat serve` does: the knowledge base builds while pages are visited
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
    with _Server(create_app(corpus["url"], settings=Settings(public_documents=True, rate=None,
                                                             keys_dir=corpus["keys"]))) as s:
        yield s.url


@pytest.fixture(scope="module")
def private_site(corpus) -> Iterator[str]:
    with _Server(create_app(corpus["url"], settings=Settings(rate=None, keys_dir=corpus["keys"]))) as s:
        yield s.url


def sqlite_only(corpus: dict[str, str], why: str) -> None:
    """Skip a check whose result cannot depend on the database (the same HTML, fonts and
    scripts over either), so the PostgreSQL run stays short."""
    if corpus["backend"] != "sqlite":
        pytest.skip(f"{why}: checked once, on SQLite")


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


# --- every page: accessibility (axe-core), phone width, screenshots -------------------------

AXE = Path(__file__).with_name("data") / "axe.min.js"  # axe-core 4.14.1 (MPL-2.0), see tests/data/
PHONE = {"width": 375, "height": 800}


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $AMANAT_SCREENSHOTS, else a temporary folder (printed)."""
    folder = Path(os.environ.get("AMANAT_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {folder}")
    return folder


def _signed_in(browser, site: str, token: str, viewport: dict[str, int]):
    # axe is injected as a script: this context bypasses the CSP for it (the pages' own CSP
    # is checked by the HTTP tests, and no page needs scripts)
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    page = context.new_page()
    if token:
        page.goto(site + "/login")
        page.fill("input[name=token]", token)
        page.click("form.login button")
        page.wait_for_load_state()
    return context, page


def _pages(corpus) -> dict[str, tuple[str, str]]:
    """name → (path, who): every kind of page this node serves, signed in as needed."""
    item = corpus["item"].rsplit("/", 1)[1]
    return {
        "home": ("/", "reader"),
        "search": ("/search?q=Kazakhstan&lang=en&since=2022-01-01", "reader"),
        "search-empty": ("/search", "reader"),
        "search-none": ("/search?q=nothingmatchesthis", "reader"),
        "document": (f"/documents/{corpus['v2']}", "reader"),
        "document-urdu": (f"/documents/{corpus['urdu']}", "reader"),
        "document-russian": (f"/documents/{corpus['russian']}", "reader"),
        "sources": ("/sources", "reader"),
        "login": ("/login", ""),
        "item": (f"/items/{item}", ""),
        "publish": ("/publish", "publisher"),
        "publish-correct": (f"/publish?action=correct&uri={item}", "publisher"),
        "not-found": ("/documents/0000000000000000", "reader"),
        "tokens": ("/tokens", "admin"),
        "sources-admin": ("/sources", "admin"),
        "source-edit": ("/sources/edit?key=mfa.example", "admin"),
        "findings": ("/findings", "reader"),  # empty here: its full states are in test_web_findings_ui
        "entity-unknown": ("/entities/Q0", "reader"),
    }


def test_every_page_passes_axe_and_fits_a_phone(browser, private_site, corpus, shots):
    """Every page renders for the user it is meant for. On SQLite also at phone width and
    through axe-core; on PostgreSQL once, wide (the HTML is the same; the data under it is not)."""
    tokens = {"reader": corpus["token"], "publisher": corpus["publish_token"], "admin": corpus["admin_token"], "": ""}
    sqlite = corpus["backend"] == "sqlite"
    widths = (("wide", {"width": 1100, "height": 900}), ("phone", PHONE)) if sqlite else (
        ("wide", {"width": 1100, "height": 900}),)
    prefix = "" if sqlite else f"{corpus['backend']}-"
    problems: list[str] = []
    for who in ("reader", "publisher", "admin", ""):
        for width, viewport in widths:
            context, page = _signed_in(browser, private_site, tokens[who], viewport)
            for name, (path, needs) in _pages(corpus).items():
                if needs != who:
                    continue
                response = page.goto(private_site + path)
                page.wait_for_load_state()
                page.screenshot(path=str(shots / f"{prefix}{name}-{width}.png"), full_page=True)
                expected = 404 if name.startswith("not-found") or name == "entity-unknown" else 200
                if response is None or response.status != expected:
                    problems.append(f"{name}: HTTP {response.status if response else None}, not {expected}")
                if not page.locator("main h1").count():
                    problems.append(f"{name}: no heading in main")
                overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                if overflow > 0:
                    problems.append(f"{name} at {viewport['width']} px scrolls sideways by {overflow} px")
                if width == "wide" and sqlite:
                    page.add_script_tag(path=str(AXE))
                    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
                    for v in result["violations"]:
                        if v["impact"] in ("serious", "critical"):
                            where = [n["target"] for n in v["nodes"][:3]]
                            problems.append(f"{name}: {v['impact']} {v['id']} ({v['help']}) at {where}")
            context.close()
    assert not problems, "\n".join(problems)


def test_right_to_left_and_cyrillic_text_use_the_local_fonts(browser, public_site, corpus):
    sqlite_only(corpus, "fonts and text direction are the browser's")
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(f"{public_site}/documents/{corpus['urdu']}")
    body = page.locator(".document .body")
    assert body.get_attribute("dir") == "auto"
    assert body.evaluate("e => getComputedStyle(e).direction") == "rtl"  # dir=auto found Arabic script
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px \"Amanat Naskh\"', 'پاکستان')")
    page.goto(f"{public_site}/documents/{corpus['russian']}")
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px \"Amanat Cyrillic\"', 'Қазақстан')")
    assert page.locator(".document .body").evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert any("/static/fonts/noto-naskh-arabic" in u for u in fetched)
    assert all(u.startswith(public_site) for u in fetched), [u for u in fetched if not u.startswith(public_site)]
    context.close()


def test_api_reference_renders_offline_from_local_files(browser, public_site, corpus, shots):
    sqlite_only(corpus, "the API reference is static files")
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(public_site + "/api/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "Amanat" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock-summary-path", has_text="/api/v1/search").count() >= 1
    page.screenshot(path=str(shots / "api-docs.png"))
    assert fetched and all(u.startswith(public_site) for u in fetched), fetched
    context.close()


def test_search_filters_live_in_the_url(page, public_site):
    page.goto(public_site + "/search")
    page.fill("#search-q", "Kazakhstan")
    page.fill("input[name=since]", "2022-02-01")
    page.fill("input[name=until]", "2022-02-15")
    page.fill("input[name=lang]", "en")
    page.click("form.search button[type=submit]")
    page.wait_for_url("**/search?*")
    url = page.url
    assert "since=2022-02-01" in url and "until=2022-02-15" in url and "lang=en" in url
    dates = [d.split(" · ")[1] for d in page.locator("li.hit .meta").all_inner_texts()]
    assert dates and all("2022-02-01" <= d <= "2022-02-15" for d in dates)
    assert "undated ones are left out" in page.locator(".note").inner_text()
    page.goto(url)  # the same address gives the same filtered page, form filled in
    assert page.input_value("input[name=since]") == "2022-02-01"
    assert page.input_value("#search-q") == "Kazakhstan"
    page.check("input[name=has_findings]")
    page.click("form.search button[type=submit]")
    page.wait_for_url("**has_findings=on*")
    assert page.locator("li.hit").count() == 0 and "No results" in page.locator("main").inner_text()
    assert page.is_checked("input[name=has_findings]")


def test_a_publisher_publishes_a_correction_that_shows_as_a_new_version(browser, private_site, corpus, shots):
    context, page = _signed_in(browser, private_site, corpus["publish_token"], {"width": 1100, "height": 900})
    item = corpus["item"].rsplit("/", 1)[1]
    page.goto(f"{private_site}/items/{item}")
    assert page.locator("h1").inner_text() == "Synthetic statement on media"
    page.click("text=Publish a correction")
    page.wait_for_url("**/publish?**")
    assert page.is_checked("input[name=action][value=correct]")
    body = page.input_value("textarea[name=body]")
    assert "welcomes" in body  # the form starts from the current text
    page.fill("textarea[name=body]", body.replace("accurate reporting", "accurate and timely reporting"))
    page.click("button[value=preview]")
    assert "accurate and timely reporting" in page.locator(".preview").inner_text()
    page.screenshot(path=str(shots / "publish-preview.png"), full_page=True)
    page.click("button[value=publish]")
    page.wait_for_url(f"**/items/{item}?published=2")
    assert "2 of 2" in page.locator("table.fields").inner_text()
    assert page.locator(".diff ins").count() >= 1
    assert "timely" in " ".join(page.locator(".diff ins").all_inner_texts())
    assert page.locator("#versions ol li").count() == 2
    page.screenshot(path=str(shots / "item-corrected.png"), full_page=True)
    context.close()
