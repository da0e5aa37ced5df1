"""Findings, entity, document and dashboard pages in a real browser (Debian's Chromium driven
by Playwright against uvicorn on loopback, as tests/test_web_ui.py does), over a store with
real findings: the sample corpus and a crafted hostile article, run through the real checks.

Screenshots of every page go to the test's tmp_path (and to $AMANAT_SCREENSHOTS when set).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from amanat.store import findings
from amanat.store.db import Store
from amanat.web import Settings, create_app
from findings_corpus import build
from test_web_ui import ARGS, CHROMIUM, IN_CI, _Server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def corpus(module_store_url: str) -> dict[str, str]:
    """The sample corpus and the crafted article, checked, on each backend in turn."""
    ids = build(module_store_url)
    ids["backend"] = module_store_url.split(":", 1)[0]
    with Store.open(ids["url"]) as store:
        rows = findings.list_findings(store, document_id=ids["hostile"])
    ids["contradicted"] = next(f["id"] for f in rows if f["status"] == "contradicted")
    return ids


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} not found")
        pytest.skip(f"{CHROMIUM} not found: run scripts/setup --browser")
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
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()
    assert not dialogs, f"a script ran: {dialogs}"


def shot(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("AMANAT_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["AMANAT_SCREENSHOTS"]) / f"{name}.png"), full_page=True)
    assert path.stat().st_size > 5_000
    return path


def test_findings_list_filters_keep_their_state_in_the_url(page, public_site, tmp_path):
    page.goto(public_site + "/findings")
    everything = page.locator("li.finding-row").count()
    assert everything >= 3
    shot(page, tmp_path, "findings")
    page.select_option("select[name=status]", "contradicted")
    page.click("form.filters button")
    page.wait_for_url("**/findings?*status=contradicted*")
    rows = page.locator("li.finding-row")
    assert 1 <= rows.count() < everything
    assert all(s == "contradicted" for s in rows.locator(".status-contradicted, .badge[class*=status-]").all_inner_texts())
    assert page.locator("select[name=status]").input_value() == "contradicted"  # the form shows the filter
    page.select_option("select[name=status]", "")
    page.select_option("select[name=type]", "name-spelling")
    page.click("form.filters button")
    page.wait_for_url("**type=name-spelling*")
    assert page.locator("li.finding-row").count() >= 1
    assert set(page.locator("li.finding-row .meta").all_inner_texts()) and all(
        "name-spelling" in t for t in page.locator("li.finding-row .meta").all_inner_texts())
    page.fill("input[name=since]", "2099-01-01")
    page.click("form.filters button")
    assert page.locator("li.finding-row").count() == 0
    assert "No findings match" in page.locator("p.empty").inner_text()


def test_reviewer_confirms_a_finding_and_it_leaves_the_open_list(page, private_site, corpus, tmp_path):
    target = corpus["contradicted"]
    page.goto(f"{private_site}/login?next=/findings/{target}")
    page.fill("input[name=token]", corpus["read"])  # a reader sees the finding but no form
    page.click("form.login button")
    page.wait_for_url(f"**/findings/{target}")
    assert page.locator("form.review").count() == 0
    page.click("text=Sign out")
    page.goto(f"{private_site}/login?next=/findings/{target}")
    page.fill("input[name=token]", corpus["review"])
    page.click("form.login button")
    page.wait_for_url(f"**/findings/{target}")
    page.goto(private_site + "/findings")
    assert page.locator(f"a[href='/findings/{target}']").count() == 1
    page.goto(f"{private_site}/findings/{target}")
    shot(page, tmp_path, "finding")
    page.check("input[name=decision][value=confirm]")
    page.fill("#review-note", "The record dates his term 2007-2016; the article is dated 2022.")
    page.click("form.review button")
    page.wait_for_url(f"**/findings/{target}")
    assert "confirmed" in page.locator("table.fields").inner_text()
    page.goto(private_site + "/findings")
    assert page.locator(f"a[href='/findings/{target}']").count() == 0  # left the open list
    page.goto(private_site + "/findings?review=confirmed")
    assert page.locator(f"a[href='/findings/{target}']").count() == 1


def test_entity_page_draws_its_offices_and_mentions(page, public_site, tmp_path):
    page.goto(public_site + "/entities/Q1253")  # Ban Ki-moon: named by the wire story and the crafted one
    assert "Ban Ki-moon" in page.locator("h1").inner_text()
    spans = page.locator("svg.timeline rect.span")
    assert spans.count() >= 1
    assert "Secretary-General" in page.locator("svg.timeline").text_content()
    assert page.locator("svg.chart rect.bar").count() >= 1  # mentions per month (the crafted one is dated)
    assert page.locator("table.counts").count() == 1
    assert page.locator("ul.docs li").count() >= 2
    assert page.locator("section:has(#ef-h) li").count() >= 1  # the title-at-date finding names him
    shot(page, tmp_path, "entity")


def test_every_new_page_fits_a_phone(browser, public_site, corpus, tmp_path):
    if corpus["backend"] != "sqlite":
        pytest.skip("page widths are the browser's: checked once, on SQLite")
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    pages = {"home": "/", "findings-375": "/findings", "finding-375": f"/findings/{corpus['contradicted']}",
             "entity-375": "/entities/Q1253", "document-375": f"/documents/{corpus['hostile']}"}
    for name, path in pages.items():
        page.goto(public_site + path)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 375, f"{path} is {wide}px wide at 375px"
        shot(page, tmp_path, name)
    context.close()


def test_hostile_document_renders_inert(page, public_site, corpus, tmp_path):
    for path in (f"/findings/{corpus['contradicted']}", f"/documents/{corpus['hostile']}"):
        page.goto(public_site + path)
        assert page.locator("main script").count() == 0
        assert page.locator("main [onerror], main [onmouseover], main img").count() == 0
        assert page.locator("a[href^='javascript:' i]").count() == 0
        text = page.locator("main").inner_text()
        assert '<script>alert("x")</script>' in text  # shown as text, not run
        assert page.locator("mark.evidence").count() >= 1
        assert "UN Secretary-General Ban Ki-moon" in " ".join(page.locator("mark.evidence").all_inner_texts())
    shot(page, tmp_path, "document")
    # the document page marks mentions with links to their entities, and has a legend
    assert page.locator("a.mention[href='/entities/Q1253']").count() >= 1
    assert page.locator("details.legend dt").count() >= 2
    assert page.locator("aside.doc-findings li").count() >= 1
    assert page.dialogs == []
