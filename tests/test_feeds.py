"""Feed reading: every file in shared/data/formats/feeds, plus entity-bomb and XXE defences."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import feedparser
import pytest

from amanat.ingest.feeds import ParsedFeed, dtd_refusal, feed_entry_urls, parse_feed, read_feed
from amanat.model import Capture, Problem
from conftest import shared_path


def feeds(*parts: str) -> Path:
    return shared_path("data", "formats", "feeds", *parts)


def parse(path: Path) -> ParsedFeed:
    """Parse a fixture, sending the HTTP Content-Type its ``Header:`` comment names."""
    data = path.read_bytes()
    header = re.search(rb"Header:\s*content-type:\s*(.*)", data[:800], re.IGNORECASE)
    content_type = header.group(1).strip().decode() if header else None
    return parse_feed(data, origin=path.name, content_type=content_type)


def body(feed: ParsedFeed, index: int = 0) -> str:
    return feed.entries[index].body.decode("utf-8")


def clean(feed: ParsedFeed) -> bool:
    return feed.malformed is None and not any(p.kind == "failed" for p in feed.problems)


def no_entries_only(feed: ParsedFeed) -> bool:
    """A well-formed feed-level fixture: parsed cleanly, the only complaint is 'no entries'."""
    return feed.malformed is None and [p.message for p in feed.problems] == ["no entries"]


# --- feedparser's own fixtures: (path, check) — checks mirror the Expect column ------------
FEEDPARSER: dict[str, Callable[[ParsedFeed], bool]] = {
    "encoding/big5.xml": lambda f: no_entries_only(f) and f.encoding == "big5",
    "encoding/bozo_bogus_encoding.xml": lambda f: f.malformed is not None,
    "encoding/bozo_double-encoded-html.xml": lambda f: f.malformed and ord(body(f)) == 8230,
    "encoding/bozo_encoding_mismatch_crash.xml": lambda f: isinstance(f, ParsedFeed),
    "encoding/bozo_http_i18n.xml": lambda f: "character encoding" in (f.malformed or ""),
    "encoding/bozo_invalid-bytes-with-bom.xml": lambda f: f.malformed is not None,
    "encoding/bozo_linenoise.xml": lambda f: (
        f.malformed and body(f) == "\xe2\u20ac\u2122\xe2\u20ac\x9d\u0160"
    ),
    "encoding/demoronize-1.xml": lambda f: clean(f) and body(f) == "don\u2019t",
    "encoding/double-encoded-html.xml": lambda f: clean(f) and ord(body(f)) == 8230,
    "encoding/euc-kr.xml": lambda f: no_entries_only(f) and f.title == "\ub144",
    "encoding/http_application_xml_dtd_charset.xml": lambda f: (
        no_entries_only(f) and f.encoding == "us-ascii"
    ),
    "encoding/http_text_xml_charset_overrides_encoding.xml": lambda f: (
        no_entries_only(f) and f.encoding == "us-ascii"
    ),
    "encoding/no_content_type_encoding.xml": lambda f: (
        no_entries_only(f) and f.encoding == "iso-8859-1"
    ),
    "encoding/utf-16be-autodetect.xml": lambda f: no_entries_only(f) and f.encoding == "utf-16be",
    "encoding/utf-16le-bom.xml": lambda f: no_entries_only(f) and f.encoding == "utf-16le",
    "encoding/utf-32le-bom.xml": lambda f: no_entries_only(f) and f.encoding == "utf-32le",
    "encoding/utf-8-bom.xml": lambda f: no_entries_only(f) and f.encoding == "utf-8",
    "entities/hellip.xml": lambda f: f.title == "testing \u2026 entity",
    "illformed/aaa_illformed.xml": lambda f: f.malformed is not None,
    "illformed/always_strip_doctype.xml": lambda f: no_entries_only(f) and f.title == "found",
    "illformed/http_high_bit_date.xml": lambda f: isinstance(f, ParsedFeed),
    "illformed/rdf_channel_empty_textinput.xml": lambda f: (
        f.malformed and f.entries[0].hints["title"] == "crashes here"
    ),
    "illformed/rss_empty_document.xml": lambda f: (
        not f.entries and f.problems[0].message.startswith("not a feed")
    ),
    "illformed/rss_incomplete_cdata.xml": lambda f: f.malformed is not None,
    "illformed/rss_item_link_corrupted_ampersands.xml": lambda f: (
        f.entries[0].url == "http://link/get?a=1&b=2"
    ),
    "illformed/undeclared_namespace.xml": lambda f: f.malformed is not None,
    "illformed/geo/georss_point_no_coords.xml": lambda f: isinstance(f, ParsedFeed),
    "illformed/geo/georss_polygon_insufficient_coords.xml": lambda f: isinstance(f, ParsedFeed),
    "illformed/geo/gml_point.xml": lambda f: f.version == "atom10",
    "json/example.json": lambda f: (
        clean(f) and f.title == "My Example Feed" and len(f.entries) == 2
    ),
    "wellformed/amp/amp01.xml": lambda f: clean(f) and f.entries[0].hints["title"] == "&#38;",
    "wellformed/atom/atom_namespace_1.xml": lambda f: (
        no_entries_only(f) and f.title == "Example Atom"
    ),
    "wellformed/atom/entry_author_email.xml": lambda f: f.malformed is None,
    "wellformed/atom/entry_content_mode_base64.xml": lambda f: isinstance(f, ParsedFeed),
    "wellformed/atom/entry_content_mode_escaped.xml": lambda f: isinstance(f, ParsedFeed),
    "wellformed/atom10/atom10_version.xml": lambda f: no_entries_only(f) and f.version == "atom10",
    "wellformed/atom10/entry_content_base64.xml": lambda f: (
        clean(f) and body(f) == "Example <b>Atom</b>"
    ),
    "wellformed/atom10/entry_content_div_escaped_markup.xml": lambda f: (
        clean(f) and body(f) == "Example <b>Atom</b>" and f.entries[0].media_type == "text/html"
    ),
    "wellformed/atom10/entry_source_title_escaped_markup.xml": lambda f: f.malformed is None,
    "wellformed/base/entry_content_xml_base_inherit.xml": lambda f: (
        clean(f) and 'href="http://example.com/test/test.html"' in body(f)
    ),
    "wellformed/cdf/channel_title.xml": lambda f: no_entries_only(f) and f.title == "Example feed",
    "wellformed/geo/georss_point.xml": lambda f: f.malformed is None,
    "wellformed/itunes/itunes_namespace_example.xml": lambda f: no_entries_only(f),
    "wellformed/lang/channel_dc_language.xml": lambda f: no_entries_only(f) and f.language == "en",
    "wellformed/media-rss/media_group.xml": lambda f: body(f) == "Test Description",
    "wellformed/rdf/doctype_contains_entity_decl.xml": lambda f: no_entries_only(f),
    "wellformed/rdf/rss090_item_title.xml": lambda f: (
        clean(f) and f.entries[0].hints["title"] == "Item title"
    ),
    "wellformed/rdf/rss_version_10.xml": lambda f: no_entries_only(f) and f.version == "rss10",
    "wellformed/rdf/rss_version_10_not_default_ns.xml": lambda f: (
        no_entries_only(f) and f.version == "rss10"
    ),
    # The internal entity &id; is expanded (safe), the guid shows it.
    "wellformed/rss/entity_in_doctype.xml": lambda f: (
        f.malformed is None and "tag:example.com,2006-05-04:/blog/" in f.problems[0].message
    ),
    "wellformed/rss/newlocation.xml": lambda f: no_entries_only(f),
    "wellformed/rss/rss_version_090.xml": lambda f: no_entries_only(f) and f.version == "rss090",
    "wellformed/rss/rss_version_091_netscape.xml": lambda f: (
        no_entries_only(f) and f.version == "rss091n"
    ),
    "wellformed/rss/rss_version_091_userland.xml": lambda f: (
        no_entries_only(f) and f.version == "rss091u"
    ),
    "wellformed/rss/rss_version_092.xml": lambda f: no_entries_only(f) and f.version == "rss092",
    "wellformed/rss/rss_version_093.xml": lambda f: no_entries_only(f) and f.version == "rss093",
    "wellformed/rss/rss_version_094.xml": lambda f: no_entries_only(f) and f.version == "rss094",
    "wellformed/rss/rss_version_20.xml": lambda f: no_entries_only(f) and f.version == "rss20",
    "wellformed/rss/rss_version_201.xml": lambda f: no_entries_only(f) and f.version == "rss20",
    "wellformed/rss/rss_version_21.xml": lambda f: no_entries_only(f) and f.version == "rss20",
    "wellformed/rss/rss_version_missing.xml": lambda f: no_entries_only(f) and f.version == "rss",
    "wellformed/sanitize/entry_content_onclick.xml": lambda f: (
        clean(f) and body(f) == '<img src="http://www.ragingplatypus.com/i/cam-full.jpg" />'
    ),
    "wellformed/sanitize/entry_content_script.xml": lambda f: (
        clean(f) and body(f) == "safe description"
    ),
    "wellformed/sgml/charref_uppercase_x.xml": lambda f: clean(f) and body(f) == "&#x61;",
    "wellformed/xml/empty_xmlns_uri.xml": lambda f: no_entries_only(f) and f.title == "empty",
}
CHARDET_ILLFORMED = {
    "big5.xml": "big5",
    "eucjp.xml": "euc-jp",
    "euckr.xml": "euc-kr",
    "gb2312.xml": "gb2312",
    "koi8r.xml": "koi8-r",
    "shiftjis.xml": "shift_jis",
    "tis620.xml": "tis-620",
    "windows1255.xml": "windows-1255",
}


@pytest.mark.parametrize("name", sorted(FEEDPARSER))
def test_feedparser_fixture(name: str) -> None:
    feed = parse(feeds("feedparser", name))
    assert FEEDPARSER[name](feed), (feed.malformed, feed.problems, feed.entries[:1])


@pytest.mark.parametrize("name", sorted(CHARDET_ILLFORMED))
def test_undeclared_encoding_is_flagged_then_detected(name: str) -> None:
    feed = parse(feeds("feedparser", "illformed", "chardet", name))
    assert feed.malformed is not None
    assert (feed.encoding or "").lower() == CHARDET_ILLFORMED[name]
    for entry in feed.entries:
        assert entry.hints["feed_defect"] == feed.malformed  # recovered, and says so


# --- real-world feeds (chardet corpus): (path, version, entries, script of the titles) -----
REALWORLD = [
    ("windows-1251-russian/newsru.com.xml", "rss20", 30, "Cyrillic"),
    ("windows-1251-russian/aif.ru.health.xml", "rss091n", 17, "Cyrillic"),
    ("windows-1251-russian/kapranoff.ru.xml", "rss10", 15, "Cyrillic"),
    ("windows-1251-russian/janulalife.blogspot.com.xml", "atom03", 7, "Cyrillic"),
    ("KOI8-R/newsru.com.xml", "rss20", 30, "Cyrillic"),
    ("KOI8-R/koi.kinder.ru.xml", "rss20", 35, "Cyrillic"),
    ("IBM866/newsru.com.xml", "rss20", 30, "Cyrillic"),
    ("windows-1251-bulgarian/bbc.co.uk.popshow.xml", "rss10", 30, "Cyrillic"),
    ("iso-8859-7-greek/naftemporiki.gr.wld.xml", "rss20", 10, "Greek"),
    ("windows-1255-hebrew/law.co.il.xml", "rss091n", 10, "Hebrew"),
    ("GB2312/acnnewswire.net.xml", "rss20", 8, "Han"),
    ("Big5/sinica.edu.tw.xml", "atom03", 7, "Han"),
    ("EUC-JP/atom.ycf.nanet.co.jp.xml", "atom03", 15, "Japanese"),
    ("SHIFT_JIS/moon-light.ne.jp.xml", "rss20", 15, "Japanese"),
    ("SHIFT_JIS/blog.inkase.net.xml", "atom10", 15, "Japanese"),
    ("utf-8/linuxbox.hu.xml", "rss20", 15, "Latin"),
    ("ascii/howto.diveintomark.org.xml", "atom10", 4, "Latin"),
    ("CP949/ricanet.com.xml", "rss092", 10, "Hangul"),
    ("CP932/y-moto.com.xml", "atom03", 15, "Japanese"),
]
SCRIPTS = {
    "Cyrillic": r"[\u0400-\u04ff]",
    "Greek": r"[\u0370-\u03ff]",
    "Hebrew": r"[\u0590-\u05ff]",
    "Han": r"[\u4e00-\u9fff]",
    "Japanese": r"[\u3040-\u30ff\u4e00-\u9fff]",
    "Hangul": r"[\uac00-\ud7af]",
    "Latin": r"[A-Za-z]",
}


@pytest.mark.parametrize(("name", "version", "count", "script"), REALWORLD)
def test_real_world_feed(name: str, version: str, count: int, script: str) -> None:
    feed = parse(feeds("chardet-realworld", name))
    assert feed.version == version
    assert len(feed.entries) == count
    assert not [p for p in feed.problems if p.kind == "failed"]
    titles = [e.hints.get("title", "") for e in feed.entries]
    assert all("\ufffd" not in t for t in titles)
    assert sum(bool(re.search(SCRIPTS[script], t)) for t in titles) >= count // 2
    urls = [e.url for e in feed.entries if e.url]
    assert len(urls) >= count - 1  # koi.kinder.ru has one item with an empty <link>
    assert all(u.startswith("http") for u in urls)


def test_same_feed_in_three_cyrillic_encodings_gives_identical_titles() -> None:
    titles = []
    for folder in ("windows-1251-russian", "KOI8-R", "IBM866"):
        feed = parse(feeds("chardet-realworld", folder, "newsru.com.xml"))
        titles.append([e.hints["title"] for e in feed.entries])
    assert len(titles[0]) == 30 and titles[0] == titles[1] == titles[2]
    assert any('"' in t for t in titles[0])  # KOI8-R writes it as &quot;


def test_cp949_and_cp932_mislabelled_feeds_are_not_rejected() -> None:
    for name, script in (("CP949/ricanet.com.xml", "Hangul"), ("CP932/y-moto.com.xml", "Japanese")):
        feed = parse(feeds("chardet-realworld", name))
        assert "character encoding" in (feed.malformed or "")
        text = " ".join(e.body.decode("utf-8") for e in feed.entries)
        assert "\ufffd" not in text and re.search(SCRIPTS[script], text)


def test_entry_hints_are_honest() -> None:
    feed = parse(feeds("chardet-realworld", "windows-1251-russian", "newsru.com.xml"))
    first = feed.entries[0]
    assert first.hints["published"] == "2006-01-03T16:57:00+00:00"
    assert first.media_type == "text/html" and first.charset == "utf-8"
    assert first.hints["feed_title"] == "NEWSru.com"
    # kapranoff.ru (RSS 1.0) gives dc:date for some items only; never invent the rest.
    rdf = parse(feeds("chardet-realworld", "windows-1251-russian", "kapranoff.ru.xml"))
    assert all("published" not in e.hints or e.hints["published"][:2] == "20" for e in rdf.entries)


def test_substantial_content_becomes_text_hint() -> None:
    feed = parse(feeds("chardet-realworld", "utf-8", "linuxbox.hu.xml"))
    with_text = [e for e in feed.entries if "text" in e.hints]
    assert with_text and all("<" not in e.hints["text"][:200] for e in with_text)
    teasers = parse(feeds("chardet-realworld", "KOI8-R", "newsru.com.xml"))
    assert not any("text" in e.hints for e in teasers.entries)


def test_published_only_when_given(tmp_path: Path) -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>only updated</title><link href="/a"/><updated>2024-05-01T10:00:00Z</updated></entry>
<entry><title>no dates</title><link href="b.html"/></entry>
</feed>"""
    first, second = parse_feed(atom, origin="x", base_url="https://news.example/feed/").entries
    assert "published" not in first.hints and first.hints["updated"] == "2024-05-01T10:00:00+00:00"
    assert "published" not in second.hints and "updated" not in second.hints
    assert first.url == "https://news.example/a"
    assert second.url == "https://news.example/feed/b.html"


def test_feed_entry_urls() -> None:
    data = feeds("chardet-realworld", "windows-1251-russian", "newsru.com.xml").read_bytes()
    urls = feed_entry_urls(data)
    assert len(urls) == len(set(urls)) == 30
    assert all(u.startswith("http://www.newsru.com/") for u in urls)
    npr = feeds("jsonfeed", "real", "npr-technology-feed.json").read_bytes()
    assert len(feed_entry_urls(npr)) == 25


# --- JSON Feed ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "version", "count"),
    [
        ("spec/v1-simple.json", "json1", 2),
        ("spec/v1-podcast.json", "json1", 1),
        ("spec/v1-microblog.json", "json1", 1),
        ("spec/v1_1-simple.json", "json11", 2),
        ("spec/v1_1-podcast.json", "json11", 1),
        ("spec/v1_1-microblog.json", "json11", 1),
        ("real/npr-technology-feed.json", "json1", 25),
    ],
)
def test_json_feed(name: str, version: str, count: int) -> None:
    feed = parse(feeds("jsonfeed", name))
    assert feed.version == version and len(feed.entries) == count
    assert not feed.problems
    for entry in feed.entries:
        assert entry.url and entry.url.startswith("http")


def test_json_feed_fields() -> None:
    npr = parse(feeds("jsonfeed", "real", "npr-technology-feed.json"))
    first = npr.entries[0]
    assert first.media_type == "text/html" and first.body.startswith(b"<p>")
    assert first.hints["title"].startswith("Keller Rinaudo")
    assert first.hints["published"] == "2021-10-29T10:26:00-04:00"
    assert first.url and "\\/" not in first.url
    micro = parse(feeds("jsonfeed", "spec", "v1_1-microblog.json")).entries[0]
    assert "title" not in micro.hints and micro.media_type == "text/plain"
    assert micro.body.startswith(b"Cats are neat.")
    podcast = parse(feeds("jsonfeed", "spec", "v1_1-podcast.json")).entries[0]
    assert podcast.media_type == "text/html"


def test_json_feed_missing_id_is_reported() -> None:
    feed = parse(feeds("jsonfeed", "validator-fixtures", "invalid-missing-item-id.json"))
    (problem,) = feed.problems
    assert problem.origin.endswith("#item 1") and "no id" in problem.message
    assert len(feed.entries) == 2


def test_json_feed_duplicate_ids_are_reported_and_deduplicated() -> None:
    feed = parse(feeds("jsonfeed", "validator-fixtures", "invalid-duplicate-item-id.json"))
    (problem,) = feed.problems
    assert problem.origin.endswith("#item 2") and "duplicate item id '1'" in problem.message
    assert [e.url for e in feed.entries] == ["https://example.org/second-item"]


def test_json_feed_next_url_loop_stops() -> None:
    feed = parse(feeds("jsonfeed", "validator-fixtures", "invalid-next-url-equals-feed-url.json"))
    assert feed.next_url is None
    assert any("pagination stops" in p.message for p in feed.problems)
    data = b'{"version":"https://jsonfeed.org/version/1.1","feed_url":"https://a.example/f.json",'
    data += b'"next_url":"f2.json","items":[{"id":"1","content_text":"x"}]}'
    assert parse_feed(data, origin="x").next_url == "https://a.example/f2.json"


def test_json_that_is_not_a_feed() -> None:
    (problem,) = read_feed(b'{"hello": 1}', origin="x.json")
    assert isinstance(problem, Problem) and "not a JSON Feed" in problem.message
    (problem,) = read_feed(b"{not json", origin="x.json")
    assert "invalid JSON" in problem.message


# --- bad input and security -----------------------------------------------------------------
def test_empty_feed() -> None:
    (problem,) = read_feed(b"", origin="empty.xml")
    assert problem.kind == "failed"
    rss = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    (problem,) = read_feed(rss, origin="empty.xml")
    assert problem.message == "no entries" and problem.origin == "empty.xml"


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>http://x.example/</link></item></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title>
<item><title>&xxe;</title><description>&xxe;</description></item></channel></rss>"""


def test_entity_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xml"
    path.write_bytes(BOMB)
    items = list(read_feed(path.read_bytes(), origin=str(path)))
    (problem,) = items
    assert isinstance(problem, Problem) and "entity bomb" in problem.message
    assert problem.origin == str(path)
    # A flat but huge entity (linear blow-up) is refused too.
    wide = BOMB.replace(b'"lol"', b'"' + b"x" * 10_000 + b'"', 1)
    assert "entity bomb" in (dtd_refusal(wide) or "")


def test_external_entity_is_refused_and_never_read() -> None:
    (problem,) = read_feed(XXE, origin="xxe.xml")
    assert "external XML entity &xxe;" in problem.message
    # The same in UTF-16 cannot slip past the check.
    utf16 = XXE.decode().replace('version="1.0"?', 'version="1.0" encoding="utf-16"?')
    assert "XXE" in (dtd_refusal(utf16.encode("utf-16")) or "")


def test_feedparser_itself_neither_expands_nor_fetches() -> None:
    """Defence in depth: even without our guard, feedparser drops unsafe declarations."""
    for data in (XXE, BOMB):
        result = feedparser.parse(io.BytesIO(data))
        text = repr(result.get("entries")) + repr(result.get("feed"))
        assert "root:" not in text and "lollol" not in text
        assert len(text) < 5_000


def test_harmless_doctypes_still_parse() -> None:
    netscape = feeds("chardet-realworld", "windows-1251-russian", "aif.ru.health.xml")
    assert dtd_refusal(netscape.read_bytes()) is None
    assert (
        dtd_refusal(feeds("feedparser", "wellformed", "rss", "entity_in_doctype.xml").read_bytes())
        is None
    )
    decl = feeds("feedparser", "wellformed", "rdf", "doctype_contains_entity_decl.xml")
    assert dtd_refusal(decl.read_bytes()) is None


def test_bytes_are_never_taken_for_a_file_name() -> None:
    (problem,) = read_feed(b"/etc/passwd", origin="x")
    assert isinstance(problem, Problem)
    assert "root" not in problem.message


def test_read_feed_yields_captures() -> None:
    items = list(read_feed(feeds("feedparser", "json", "example.json").read_bytes(), origin="e"))
    assert all(isinstance(i, Capture) for i in items) and items[0].origin == "e#item 1"


def test_every_sample_file_has_a_test() -> None:
    root = feeds()
    listed = set(FEEDPARSER) | {f"illformed/chardet/{n}" for n in CHARDET_ILLFORMED}
    listed |= {f"chardet-realworld/{n}" for n, *_ in REALWORLD}
    source = Path(__file__).read_text(encoding="utf-8")
    for path in root.rglob("*"):
        if not path.is_file() or path.name == "SOURCES.md":
            continue
        rel = path.relative_to(root).as_posix()
        inner = rel.split("/", 1)[1]
        assert inner in listed or f'"{path.name}"' in source or path.name in source, rel
