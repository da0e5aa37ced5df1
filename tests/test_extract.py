"""Main text, metadata and dates from HTML and plain text; never an invented date."""

from __future__ import annotations

import gzip
import json
from datetime import date

import pytest
import trafilatura
from lxml import html as lxml_html

from amanat.analyze import extract
from amanat.analyze.extract import extract_html, extract_text
from amanat.analyze.textmetrics import overlap, score
from amanat.ingest.decode import decode_html
from amanat.model import PublishedDate
from conftest import shared_path

PARAGRAPHS = [
    "The Ministry of Foreign Affairs said on Friday that the talks in Astana had ended with a "
    "joint statement on trade, transport corridors and the exchange of information.",
    "Officials from both delegations described the meeting as constructive and agreed to "
    "meet again in the spring to review progress on the twelve projects listed in the annex.",
    "The statement also called for closer cooperation between the two information ministries "
    "so that news reaching readers in each country reflects events on the ground.",
]


def page(head: str = "", extra_body: str = "", lang: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f"<!DOCTYPE html><html{lang}><head><title>Talks end in Astana | Example News</title>"
        f"{head}</head><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>Talks end in Astana</h1>{body}</article>{extra_body}"
        "<footer>© 2019 Example News. All rights reserved.</footer></body></html>"
    )


def test_main_text_without_navigation_footer_or_comments() -> None:
    comments = (
        "<section id='comments' class='comments'><h2>Comments</h2>"
        "<div class='comment'><p>I completely disagree with this biased article, typical!</p>"
        "</div></section>"
    )
    result = extract_html(page(extra_body=comments), "https://news.example.com/world/talks")
    for paragraph in PARAGRAPHS:
        assert paragraph in result.text
    assert "biased article" not in result.text
    assert "All rights reserved" not in result.text
    assert "Home" not in result.text.split()


def test_metadata_from_head() -> None:
    head = (
        "<link rel='canonical' href='/world/2022/talks-end'>"
        "<meta property='og:site_name' content='Example News'>"
        "<meta name='author' content='Aigerim Nurlanovna'>"
        "<meta property='article:published_time' content='2022-01-21T09:30:00+06:00'>"
    )
    result = extract_html(page(head, lang=' lang="kk-KZ"'), "https://news.example.com/x?utm=1")
    assert result.canonical_url == "https://news.example.com/world/2022/talks-end"
    assert result.site_name == "Example News"
    assert result.byline == "Aigerim Nurlanovna"
    assert result.title is not None and "Talks end in Astana" in result.title
    assert result.language == "kk"
    assert result.published == PublishedDate("2022-01-21", "day", "metadata")


def test_og_locale_and_og_url_when_nothing_else() -> None:
    head = (
        "<meta property='og:locale' content='en_GB'>"
        "<meta property='og:url' content='https://news.example.com/a/1'>"
    )
    result = extract_html(page(head), None)
    assert result.language == "en"
    assert result.canonical_url == "https://news.example.com/a/1"


def test_no_date_is_none_not_the_copyright_year() -> None:
    # the footer says © 2019: a date search that falls back on it would invent 2019-01-01
    result = extract_html(page(), "https://news.example.com/world/talks")
    assert result.published is None


def test_date_from_a_full_url_path_has_day_precision() -> None:
    result = extract_html(page(), "https://news.example.com/2021/03/17/talks.html")
    assert result.published == PublishedDate("2021-03-17", "day", "metadata")


def test_page_without_article_text_gives_empty_text_but_keeps_title() -> None:
    html = "<html><head><title>Login required</title></head><body><form></form></body></html>"
    result = extract_html(html, "https://example.com/login")
    assert result.text == ""
    assert result.title == "Login required"
    assert extract_html("", None).text == ""
    assert extract_html("   ", None).text == ""


def test_qq_title_after_decoding() -> None:
    folder = shared_path("data", "formats", "html-charset", "readability-qq")
    expected = json.loads((folder / "expected-metadata.json").read_text())
    html, _ = decode_html((folder / "source.html").read_bytes())
    result = extract_html(html, None)
    # trafilatura drops the "_科技_腾讯网" section/site suffix that Readability keeps
    assert result.title and len(result.title) >= 10
    assert expected["title"].startswith(result.title)
    assert expected["excerpt"] in result.text or expected["excerpt"] == result.title


def test_elmundo_goose3_expectations() -> None:
    folder = shared_path("data", "formats", "html-charset", "goose3")
    expected = json.loads((folder / "test_elmondo1.json").read_text())
    html, _ = decode_html((folder / "test_elmondo1.html").read_bytes())
    result = extract_html(html, expected["url"])
    assert expected["expected"]["cleaned_text"] in result.text
    # og:url lacks its scheme ("www.elmundo.es/..."): restored, not joined as a path
    assert result.canonical_url == expected["expected"]["final_url"]
    assert result.published == PublishedDate("2012-10-28", "day", "metadata")


def test_extraction_benchmark_pages_reach_f1_090() -> None:
    folder = shared_path("data", "extraction")
    truth = json.loads((folder / "ground-truth.json").read_text())
    keys = sorted(truth)[::18][:5]  # five pages spread over the set
    overlaps = []
    for key in keys:
        html = gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()).decode()
        overlaps.append(
            overlap(truth[key]["articleBody"], extract_html(html, truth[key]["url"]).text)
        )
    assert score(overlaps).f1 >= 0.9


# --- plain text -----------------------------------------------------------------------------

SEED_EXPECTATIONS = {
    "000": ("Kazakh Envoy Stresses Exchange of Authentic Information With Pakistan", None),
    "001": (None, None),  # starts with a paragraph; "ASTANA,Kazakhstan (…) –" has no date
    "002": ("Ministerial Statement from Kazakhstan", "2022-01-21"),  # "Nur-Sultan 21 January 2022"
    "003": (None, None),  # "On 9th May 2022, a roundtable was held": an event, not a dateline
    "004": ("The United Nations has called for restraint on all sides in Kazakhstan", None),
}


@pytest.mark.parametrize("prefix", sorted(SEED_EXPECTATIONS))
def test_seed_title_and_dateline(prefix: str) -> None:
    (path,) = shared_path("seeds").glob(f"{prefix}_*.txt")
    text = path.read_text()
    result = extract_text(text)
    title, published = SEED_EXPECTATIONS[prefix]
    assert result.title == title
    assert result.published == (PublishedDate(published, "day", "dateline") if published else None)
    assert result.text == text.strip()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nur-Sultan 21 January 2022\n\nThe ministry said.", "2022-01-21"),
        ("Monday, June 5, 2023\n\nThe ministry said.", "2023-06-05"),
        ("WASHINGTON, June 5, 2023 — The State Department said.", "2023-06-05"),
        ("ALMATY, Kazakhstan, January 6, 2022 (AP) - Protesters gathered.", "2022-01-06"),
        ("Headline of the story here\n2022-01-07 14:05\nBody.", "2022-01-07"),
        ("On 9th May 2022, a roundtable was held.", None),
        ("The May 5 meeting was postponed.", None),
        ("President Tokayev on 5 January 2022 said the order was restored.", None),
        ("ASTANA, Jan 5 (Reuters) - Kazakhstan's president said.", None),  # no year, no reference
        ("Nur-Sultan 31 February 2022\n\nImpossible day.", None),
    ],
)
def test_datelines(text: str, expected: str | None) -> None:
    published = extract_text(text).published
    assert (published.value if published else None) == expected


def test_dateline_without_year_needs_a_reference() -> None:
    text = "ASTANA, Jan 5 (Reuters) - Kazakhstan's president said."
    assert extract_text(text, reference=date(2022, 1, 6)).published == PublishedDate(
        "2022-01-05", "day", "dateline"
    )
    # a January dateline read in early January of the next year, never a future date
    assert extract_text(text, reference=date(2023, 1, 3)).published.value == "2022-01-05"


def test_markdown_heading_is_the_title() -> None:
    text = "# Statement on the events\n\nA long first paragraph follows here with words."
    assert extract_text(text).title == "Statement on the events"
    assert extract_text("").title is None
    assert extract_text("").published is None


# --- pages too deep or too big for a tree -----------------------------------------------------


def test_text_nested_deeper_than_libxml2_allows_is_kept() -> None:
    sentence = "The delegations agreed in Astana to meet again in the spring to review the projects."
    for depth in (300, 100_000):
        html = ("<html><head><title>Deep page</title></head><body>" + "<div>" * depth
                + f"<p>{sentence}</p>" + "</div>" * depth + "</body></html>")
        found = extract_html(html, "https://example.org/deep")
        assert sentence in found.text and found.title == "Deep page"


def _big_page(paragraphs: int) -> str:
    body = "".join(
        f"<p>Paragraph {i}: {PARAGRAPHS[i % 3]}</p>"
        + (f"<table><tr><td>Row {i}</td><td>{i * 7} tonnes</td></tr></table>" if i % 10 == 9 else "")
        for i in range(paragraphs)
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><title>Talks end in Astana | Example News</title>"
        "<meta property='article:published_time' content='2022-01-07T10:00:00Z'>"
        "<link rel='canonical' href='https://example.org/talks'></head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><script>var junk = 1;</script>"
        f"<article><h1>Talks end in Astana</h1>{body}</article>"
        "<footer>© 2019 Example News. All rights reserved.</footer></body></html>"
    )


def test_page_over_the_tree_size_limit_is_read_as_a_stream() -> None:
    html = _big_page(30_000)
    assert len(html) > extract.LARGE_HTML
    found = extract_html(html, "https://example.org/talks")
    assert found.text.startswith("Talks end in Astana\nParagraph 0: The Ministry")
    assert "Paragraph 29999:" in found.text and "Row 9 63 tonnes" in found.text
    assert "Home" not in found.text and "junk" not in found.text and "All rights reserved" not in found.text
    assert found.title == "Talks end in Astana"
    assert found.published == PublishedDate("2022-01-07", "day", "metadata")
    assert found.canonical_url == "https://example.org/talks" and found.language == "en"


def test_analysing_a_30_mb_page_stays_within_300_mb(tmp_path) -> None:
    """Peak memory of the whole analysis (decode, extract, language, hash) of one page just
    under the 32 MiB HTML cap, in a fresh process (trafilatura took 1.6 GB on such a page)."""
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "big.html"
    path.write_text(_big_page(150_000), encoding="utf-8")
    assert 25_000_000 < path.stat().st_size < 32 * 1024 * 1024
    # VmHWM, the peak of this process's own memory: ru_maxrss would also count the RSS of
    # the test runner it was forked from, which the new program inherits as its high-water mark
    code = (
        "import sys\n"
        "def hwm():\n"
        "    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "from amanat.ingest.document import analyze_capture\n"
        "from amanat.model import Capture\n"
        "before = hwm()\n"
        "doc = analyze_capture(Capture(url=None, body=open(sys.argv[1], 'rb').read(),"
        " media_type='text/html', origin=sys.argv[1]))\n"
        "assert 'Paragraph 149999:' in doc.text, doc\n"
        "print(before // 1024, hwm() // 1024)\n"
    )
    src = Path(__file__).resolve().parents[1] / "src"
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=300,
                            env={**__import__("os").environ, "PYTHONPATH": str(src)})
    assert result.returncode == 0, result.stderr
    _imports, peak = map(int, result.stdout.split())
    assert peak < 300, f"peak RSS {peak} MB"


# --- issue 19: the faster path keeps bare_extraction's values ---------------------------------


def _benchmark_pages(step: int) -> list[tuple[str, str]]:
    folder = shared_path("data", "extraction")
    truth = json.loads((folder / "ground-truth.json").read_text())
    return [
        (gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()).decode(), truth[key]["url"])
        for key in sorted(truth)[::step]
    ]


def test_same_text_and_metadata_as_trafilatura_bare_extraction() -> None:
    # main_text writes trafilatura's cascade out and skips the external comparison where it
    # cannot change the text; page_metadata asks only for the kept fields: the values must be
    # what bare_extraction(with_metadata=True) gives with the same settings
    for html, url in _benchmark_pages(9):
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            date_extraction_params=extract._date_params(),
            include_comments=False,
            favor_precision=True,
            include_tables=True,
        )
        result = extract_html(html, url)
        assert doc is not None
        assert result.text == (doc.text or "").strip()
        assert result.title == extract._clean(doc.title)
        assert result.byline == extract._clean(doc.author)
        assert result.site_name == extract._clean(doc.sitename)
        assert (result.published.value if result.published else None) == doc.date


def test_short_main_text_goes_to_the_external_comparison() -> None:
    from lxml import etree

    from amanat.analyze.main_text import needs_comparison, options

    settings = options(None)
    tree = lxml_html.fromstring("<html><body><p>" + "word " * 400 + "</p></body></html>")
    body = etree.Element("body")
    etree.SubElement(body, "p").text = "Too short to be sure."
    assert needs_comparison(body, "Too short to be sure.", tree, settings)
    long_text = "word " * 300
    body[0].text = long_text
    assert not needs_comparison(body, long_text, tree, settings)  # most of the page: kept
    body[0].tag = "table"
    assert needs_comparison(body, long_text, tree, settings)  # no paragraph: readability may win
