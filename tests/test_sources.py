"""What the source list knows of each outlet: filled when an outlet is first seen, from the
bundled table of well-known outlets and from the page's own metadata; corrected by the user,
and the correction stays. On both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from amanat.ingest.pipeline import ingest_capture
from amanat.model import Capture
from amanat.store import outlets


def _page(url: str, site: str | None, words: str, lang: str = "en") -> Capture:
    meta = f'<meta property="og:site_name" content="{site}">' if site else ""
    html = (f"<html lang='{lang}'><head><title>{words}</title>{meta}</head><body><article>"
            f"<p>{words}: the foreign ministry said on Tuesday that talks in Astana went well.</p>"
            "<p>Further rounds will follow in Islamabad next month, officials told reporters.</p>"
            "</article></body></html>")
    return Capture(url=url, body=html.encode(), media_type="text/html", origin=url, fetched=datetime.now(UTC))


def _source(store, key: str) -> dict:
    return next(s for s in store.sources() if s["key"] == key)


def test_a_new_outlet_takes_its_name_and_language_from_its_pages(store):
    ingest_capture(store, _page("https://www.smallpaper.example/a", "The Small Paper", "First report", "en-GB"))
    row = _source(store, "smallpaper.example")
    assert (row["name"], row["country"], row["language"]) == ("The Small Paper", None, "en")  # <html lang>


def test_a_feed_says_its_outlets_language(store, tmp_path):
    from amanat.ingest.pipeline import ingest

    text = " ".join(["The ministry said on Tuesday that the talks in Astana had gone well and would go on."] * 8)
    feed = tmp_path / "news.rss"
    feed.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>Kazakh Wire</title>'
                    "<language>kk-KZ</language><item><title>Talks</title>"
                    f"<link>https://wire.example/talks</link><description>{text}</description></item>"
                    "</channel></rss>", encoding="utf-8")
    ingest(store, [str(feed)], jobs=1)
    row = _source(store, "wire.example")
    assert (row["name"], row["language"]) == ("Kazakh Wire", "kk")  # declared, though the text is English


def test_a_page_does_not_override_the_tables_word(store):
    ingest_capture(store, _page("https://www.dawn.com/news/2", None, "A report", "ur"))
    assert _source(store, "dawn.com")["language"] == "en"
    ingest_capture(store, _page("https://www.bbc.com/news/1", None, "A report", "cy"))
    assert _source(store, "bbc.com")["language"] is None  # many languages: one page does not say


def test_a_well_known_outlet_is_filled_from_the_bundled_table(store):
    ingest_capture(store, _page("https://www.dawn.com/news/1", "DAWN.COM", "A report"))
    row = _source(store, "dawn.com")
    assert (row["name"], row["country"], row["language"]) == ("Dawn", "PK", "en")  # the table wins over og:site_name


def test_a_correction_by_the_user_stays(store):
    ingest_capture(store, _page("https://www.smallpaper.example/a", "The Small Paper", "First report"))
    store.set_source("smallpaper.example", name="Small Paper (Karachi)", country="PK", language="ur")
    ingest_capture(store, _page("https://www.smallpaper.example/b", "Another Name", "Second report"))
    row = _source(store, "smallpaper.example")
    assert (row["name"], row["country"], row["language"]) == ("Small Paper (Karachi)", "PK", "ur")


def test_files_filed_under_a_name_are_not_one_outlet(store):
    ingest_capture(store, _page("https://a.example/x", "Site A", "Saved page"), source="my-folder")
    assert (_source(store, "my-folder")["name"], _source(store, "my-folder")["language"]) == (None, None)


def test_the_table_is_facts_by_registered_domain():
    for key, entry in outlets.table().items():
        assert key == key.lower() and "." in key and "/" not in key
        assert entry["country"] is None or (len(entry["country"]) == 2 and entry["country"].isupper())
        assert entry["language"] is None or (len(entry["language"]) == 2 and entry["language"].islower())
        assert entry["name"]
    assert outlets.known("edition.bbc.co.uk")["name"] == "BBC"  # a subdomain finds its domain's entry
    assert outlets.known("unknown.example", "  Some   Name ")["name"] == "Some Name"
