"""The story, stories, item-with-reprints and dashboard pages in a real browser (Debian's
Chromium driven by Playwright against uvicorn on loopback, as tests/test_web_ui.py does),
over the synthetic demo: the demo publisher's signed statement, the coverage that reprints,
truncates, alters and quotes it, and two reports whose death tolls diverge, run through the
real checks.

Screenshots of every page go to a temporary folder (or $AMANAT_SCREENSHOTS when set).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from amanat.check.commands import run_checks_on_store
from amanat.ingest.pipeline import ingest
from amanat.provenance.demo import DEMO_COVERAGE, publish_demo_statement
from amanat.store import stories
from amanat.store.db import Store
from amanat.web import Settings, create_app
from test_web_ui import AXE, PHONE, _Server, _signed_in, browser, shots  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(module_store_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The synthetic demo, checked, on each backend in turn."""
    folder = tmp_path_factory.mktemp("stories-ui")
    url = module_store_url
    with Store.open(url) as store:
        item = publish_demo_statement(store, keys_dir=str(folder / "keys"))
        ingest(store, [str(DEMO_COVERAGE)], jobs=1)
        run_checks_on_store(store)
        (flood,) = [s for s in stories.list_stories(store, min_documents=2) if "synthetic" in s["title"]]
    return {"url": url, "backend": url.split(":", 1)[0], "item": item.rsplit("/", 1)[1], "story": flood["id"]}


@pytest.fixture(scope="module")
def site(demo) -> Iterator[str]:
    with _Server(create_app(demo["url"], settings=Settings(public_documents=True, rate=None))) as s:
        yield s.url


def _shot(page, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000


def test_the_story_page_shows_its_timeline_and_the_marked_divergence(browser, site, demo, shots):  # noqa: F811
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(f"{site}/stories/{demo['story']}")
    timeline = page.locator("svg.story-timeline")
    assert timeline.count() == 1
    assert timeline.locator("circle.report").count() >= 5
    assert "+1 copy" in timeline.text_content()
    assert timeline.locator("circle.report").first.bounding_box()["width"] > 4  # drawn, not hidden
    chart = page.locator("svg.figures:has(g.divergence)")
    assert chart.count() == 1
    bracket = chart.locator("g.divergence path.bracket").bounding_box()
    assert bracket and bracket["height"] > 10  # spans the two diverging tolls
    assert chart.locator("g.point.diverging").count() == 2
    assert "D1" in chart.locator("g.divergence").text_content()
    rows = page.locator("table.figures-table tr.diverging")
    assert sorted(rows.locator("td.num").all_inner_texts()) == ["11 people", "3 people"]
    page.locator("section.story-findings a[href^='/findings/']").first.click()
    page.wait_for_url("**/findings/*")
    assert "deaths" in page.locator("main").inner_text()
    _shot(page, shots, "story-finding")
    page.goto(f"{site}/stories/{demo['story']}")
    _shot(page, shots, "story")
    context.close()


def test_the_item_page_shows_the_altered_reprints_changed_words(browser, site, demo, shots):  # noqa: F811
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(f"{site}/items/{demo['item']}")
    altered = page.locator("li.reprint:has(.fidelity-altered)")
    assert altered.count() == 1
    assert "morning-post.example" in altered.inner_text()
    assert altered.locator("del").first.inner_text() == "evacuated 4,312"
    assert "moved 3,100" in altered.locator(".reprint-diff ins").all_inner_texts()
    labels = altered.locator(".reprint-diff .lbl").all_inner_texts()
    assert any("changed from" in x.lower() for x in labels) and any("cut mid-sentence" in x.lower() for x in labels)
    assert page.locator("li.reprint .fidelity-verbatim").count() == 2
    _shot(page, shots, "item-reprints")
    context.close()


def test_every_new_page_passes_axe_and_fits_a_phone(browser, site, demo, shots):  # noqa: F811
    if demo["backend"] != "sqlite":
        pytest.skip("accessibility and page widths are the HTML's: checked once, on SQLite")
    pages = {"stories": "/stories", "stories-empty": "/stories?since=2099-01-01", "story": f"/stories/{demo['story']}",
             "item-reprints": f"/items/{demo['item']}", "home-stories": "/"}
    problems: list[str] = []
    for width, viewport in (("wide", {"width": 1100, "height": 900}), ("phone", PHONE)):
        context, page = _signed_in(browser, site, "", viewport)
        for name, path in pages.items():
            page.goto(site + path)
            page.wait_for_load_state()
            _shot(page, shots, f"{name}-{width}")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                problems.append(f"{name} at {viewport['width']} px scrolls sideways by {overflow} px")
            if width == "wide":
                page.add_script_tag(path=str(AXE))
                result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
                for v in result["violations"]:
                    if v["impact"] in ("serious", "critical"):
                        problems.append(f"{name}: {v['impact']} {v['id']} ({v['help']}) at "
                                        f"{[n['target'] for n in v['nodes'][:3]]}")
        context.close()
    assert not problems, "\n".join(problems)
