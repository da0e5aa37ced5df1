"""Main text and metadata of one page: pure functions, text in, ``Extraction`` out.

HTML goes through trafilatura (main text, title, author, site name) and htmldate (the
publication date), with settings chosen by measurement on the article-extraction benchmark
(``bench/bench_extraction.py``). The page is parsed once; ``page_metadata`` asks trafilatura
only for the fields kept here and ``main_text`` runs trafilatura's cascade with its external
comparison only where it could change the text (issue 19: the same values as
``bare_extraction(with_metadata=True)`` on the benchmark, in less time):

- ``include_comments=False``: reader comments are not the article (trafilatura's ``extract``
  appends them by default);
- ``favor_precision=True``: on the benchmark's 91 development pages it scores F1 0.975
  against 0.962 for trafilatura's defaults (recall 0.985 against 0.988) and so also keeps
  cookie banners and link lists out;
- htmldate with ``original_date=True`` and ``extensive_search=False``. The extensive search
  found a date on 2 more of the 91 pages (both right), but its last resorts turn a copyright
  year or a ``/2019/11/`` URL into ``2019-01-01`` or ``2019-11-01``: a day nobody wrote.
  A date must be right or missing, so those fallbacks stay off. A date that comes only from
  a full ``/yyyy/mm/dd/`` URL path is kept (precision day).

Plain text and Markdown have no markup to lean on: the title is the first short line
before the body starts, and the date comes only from a dateline near the top ("Nur-Sultan
21 January 2022", "ASTANA, Jan 5 (Reuters) -", a date line under the headline); a dateline
without a year needs a ``reference`` date to place it, else it is left out.
"""

from __future__ import annotations

import logging
import re
from copy import copy
from dataclasses import replace
from datetime import date, datetime
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement, fromstring
from trafilatura.settings import Document as TrafilaturaDocument
from trafilatura.utils import (
    DOCTYPE_TAG,
    FAULTY_HTML,
    HTML_PARSER,
    fromstring_bytes,
    is_dubious_html,
    load_html,
)

from amanat.analyze.blocks import extract_blocks
from amanat.analyze.main_text import main_text
from amanat.analyze.main_text import options as main_text_options
from amanat.analyze.page_metadata import body_byline, head_metadata
from amanat.model import Extraction, PublishedDate

# Past this many characters trafilatura's trees (about 25 times the page in memory) are not
# worth it: the page is read as a stream of tags instead (``blocks``). Articles are far
# smaller; pages this big are archives, listings or data dumps.
LARGE_HTML = 4 * 1024 * 1024
# An element this deep means libxml2 stopped at its nesting limit (256) and dropped the rest.
_AT_DEPTH_LIMIT = "/*" * 250


def extract_html(html: str, url: str | None = None) -> Extraction:
    """Main text and metadata of an HTML page; empty ``text`` when it has no article text.

    Pages too big for trafilatura's trees, or too deep for libxml2's, go to ``extract_blocks``,
    which streams (see ``amanat.analyze.blocks``)."""
    if len(html) > LARGE_HTML:
        return extract_blocks(html, url, metadata_of)
    tree = parse_html(html) if html.strip() else None
    if tree is None:
        return Extraction(text="")
    if tree.xpath(_AT_DEPTH_LIMIT):
        return extract_blocks(html, url, metadata_of)
    meta = head_metadata(tree, url, _date_params())
    page = _extraction(tree, url, meta)  # first: the steps below prune the tree
    address = url or meta.url
    # main_text and body_byline each prune the tree they get: a copy only when both run
    text = _main_text(tree if meta.author else copy(tree), address)
    if meta.author is None:
        page = replace(page, byline=_clean(body_byline(tree)))
    return page if text is None else replace(page, text=text.strip())


LOGGER = logging.getLogger(__name__)
# What trafilatura's ``repair_faulty_html`` deletes (its INVALID_XML_CHARS), one by one
_INVALID_XML = tuple(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF))


def parse_html(html: str) -> HtmlElement | None:
    """The tree ``trafilatura.utils.load_html(html)`` gives, without its regex pass over the whole
    page for characters XML forbids when the page has none (nearly always; the pass was a third
    of the parse): looking for each of them with ``in`` is a few memchr scans."""
    if any(char in html for char in _INVALID_XML):
        return load_html(html)
    # load_html for a str, step by step, its repair_faulty_html without the deletion
    beginning = html[:50].lower()
    check_flag = is_dubious_html(beginning)
    if "doctype" in beginning:
        firstline, _, rest = html.partition("\n")
        html = DOCTYPE_TAG.sub("", firstline, count=1) + "\n" + rest
    for line in html[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            html = FAULTY_HTML.sub(r"\1>", html, count=1)
            break
    tree: HtmlElement | None = None
    fallback_parse = False
    try:
        tree = fromstring(html, parser=HTML_PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        tree = fromstring_bytes(html)
        fallback_parse = True
    except Exception as err:  # as load_html: a page lxml refuses has no tree
        LOGGER.error("lxml parsing failed: %s", err)
    if (tree is None or len(tree) < 1) and not fallback_parse:
        tree = fromstring_bytes(html)
    if tree is not None and check_flag and len(tree) < 2:
        tree = None  # load_html's rejection: not HTML at all
    return tree


def _main_text(tree: HtmlElement, url: str | None) -> str | None:
    try:
        return main_text(tree, url, main_text_options(url))
    except (TypeError, ValueError):  # what bare_extraction turns into "no text"
        return None


def metadata_of(html: str, url: str | None = None) -> Extraction:
    """What a page says about itself (no text): title, author, date, canonical URL, language."""
    tree = parse_html(html) if html.strip() else None
    return Extraction(text="") if tree is None else _metadata(tree, url)


def _metadata(tree: HtmlElement, url: str | None) -> Extraction:
    meta = head_metadata(tree, url, _date_params())
    page = _extraction(tree, url, meta)
    if meta.author is None:
        page = replace(page, byline=_clean(body_byline(tree)))
    return page


def _extraction(tree: HtmlElement, url: str | None, meta: TrafilaturaDocument) -> Extraction:
    """Everything but the text; ``byline`` only from the head (``body_byline`` fills it later)."""
    return Extraction(
        text="",
        title=_clean(meta.title),
        byline=_clean(meta.author),
        published=PublishedDate(meta.date, "day", "metadata") if meta.date else None,
        canonical_url=canonical_url(tree, url),
        site_name=_clean(meta.sitename),
        language=declared_language(tree),
    )


def _date_params() -> dict[str, object]:
    return {
        "original_date": True,
        "extensive_search": False,
        "max_date": date.today().isoformat(),
    }


def canonical_url(tree: HtmlElement, url: str | None = None) -> str | None:
    """The page's own idea of its address: ``<link rel=canonical>``, else ``og:url``."""
    candidates = [
        link.get("href")
        for link in tree.iterfind(".//link[@rel]")
        if "canonical" in link.get("rel", "").lower().split()
    ]
    candidates += [
        meta.get("content")
        for meta in tree.iterfind(".//meta[@property]")
        if meta.get("property", "").lower() == "og:url"
    ]
    base = urlsplit(url) if url else None
    for href in candidates:
        href = (href or "").strip()
        if not href:
            continue
        if base and base.hostname and href.lower().startswith(base.hostname + "/"):
            href = f"{base.scheme}://{href}"  # "www.example.com/a.html": the scheme was lost
        absolute = urljoin(url or "", href)
        if absolute.startswith(("http://", "https://")):
            return absolute
    return None


_LANG_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*$")


def declared_language(tree: HtmlElement) -> str | None:
    """Language the page declares (``<html lang>``, Content-Language, ``og:locale``), lowercased
    primary subtag such as ``"en"``; None when absent or not a language tag."""
    root = tree.getroottree().getroot()
    values = [root.get("lang"), root.get("xml:lang")]
    for meta in tree.iterfind(".//meta"):
        key = (meta.get("http-equiv") or meta.get("property") or meta.get("name") or "").lower()
        if key in ("content-language", "og:locale", "dc.language", "language"):
            values.append(meta.get("content"))
    for value in values:
        match = _LANG_TAG.match((value or "").strip().split(",")[0].strip())
        if match:
            return match.group(1).lower()
    return None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


# --- plain text and Markdown ----------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
# Hand-written rather than dateparser: dateparser fills a missing year or day from today's
# date, which is exactly the invented date this module must never produce.
_DATE_FORMS = (
    _WEEKDAY + _DAY + r"\s+" + _MONTH + r",?(?:\s+" + _YEAR + r")?",  # 21 January 2022
    _WEEKDAY + _MONTH + r"\s+" + _DAY + r"(?:,?\s+" + _YEAR + r")?",  # Monday, June 5, 2023
    r"(?P<iso>" + _YEAR + r"-(?P<imonth>[01]\d)-(?P<iday>[0-3]\d))",  # 2023-06-05
)


def _any_date(tag: str) -> str:
    """All date forms as one alternation; group names get ``tag_<form>_`` (re needs them unique)."""
    return (
        "(?:"
        + "|".join(
            "(?:" + form.replace("(?P<", f"(?P<{tag}_f{i}_") + ")"
            for i, form in enumerate(_DATE_FORMS)
        )
        + ")"
    )


# A date alone on its line, perhaps with a time after it.
_DATE_LINE = re.compile(
    r"^\s*" + _any_date("b") + r"(?:\s*(?:at\s+)?\d{1,2}[:.]\d\d.*)?\s*$", re.IGNORECASE
)
# Datelines. A wire dateline has the place in capitals and the story or agency after the
# date ("ASTANA, Jan 5 (Reuters) -", "WASHINGTON, June 5, 2023 — "); a statement's dateline is
# a title-case place and a date alone on their line ("Nur-Sultan 21 January 2022"). Sentences
# that merely start with a date ("On 9th May 2022, a roundtable…") are neither.
_CAPS_WORD = r"[A-Z][A-Z'’.-]+"
_WIRE_DATELINE = re.compile(
    rf"^\s*{_CAPS_WORD}(?:[ -]{_CAPS_WORD}){{0,3}}(?:,\s*[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*)?)?,?\s+"
    + "(?i:"
    + _any_date("w")
    + ")"
    + r"(?=\s*(?:$|\(|[-–—:]))"
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NOT_A_PLACE = "|".join((*_WEEKDAYS, *_MONTHS, "on", "the"))
_PLACE_DATELINE = re.compile(
    rf"^\s*(?!(?i:{_NOT_A_PLACE})\b)[A-Z][\w'’.-]*(?:[ -][A-Z][\w'’.-]*){{0,3}},?\s+"
    + "(?i:"
    + _any_date("p")
    + r")\s*$"
)
_HEAD_LINES = 12
_TITLE_MAX = 160


def extract_text(text: str, *, reference: date | datetime | None = None) -> Extraction:
    """Title and dateline of a plain-text or Markdown article; the text itself is the body.

    ``reference`` (for example the capture date) places a dateline that has no year, such as
    Reuters' "ASTANA, Jan 5 (Reuters) -", in the latest year that is not after it.
    """
    body = text.strip()
    lines = [line.strip() for line in body.splitlines() if line.strip()][:_HEAD_LINES]
    return Extraction(
        text=body,
        title=_text_title(lines),
        published=_dateline(lines, reference),
    )


def _text_title(lines: list[str]) -> str | None:
    for line in lines:
        heading = re.match(r"^#{1,6}\s+(.+?)\s*#*$", line)
        if heading:
            return heading.group(1)
        if _is_paragraph(line):
            return None  # the body has started: no headline above it
        if any(p.match(line) for p in (_DATE_LINE, _WIRE_DATELINE, _PLACE_DATELINE)):
            continue
        # Lines of one to three words at the top of pasted web text are section labels or
        # breadcrumbs ("World", "Must read"); headlines are longer.
        if len(line.split()) >= 4 and len(line) <= _TITLE_MAX:
            return line.rstrip(" .")
    return None


def _is_paragraph(line: str) -> bool:
    return len(line) > _TITLE_MAX or (len(line.split()) > 25 and line.endswith((".", "”", '"')))


def _dateline(lines: list[str], reference: date | datetime | None) -> PublishedDate | None:
    # A place-and-date dateline is what wires and ministries write; a bare date line comes
    # second, because one above the headline is often the site's "today" banner.
    for pattern in (_WIRE_DATELINE, _PLACE_DATELINE, _DATE_LINE):
        for line in lines:
            match = pattern.match(line)
            if match:
                found = _date_value(match, reference)
                if found is not None:
                    return PublishedDate(found, "day", "dateline")
    return None


def _date_value(match: re.Match[str], reference: date | datetime | None) -> str | None:
    # only one date form matched, so its groups' short names are unique
    groups = {k.split("_", 2)[-1]: v for k, v in match.groupdict().items() if v is not None}
    try:
        if "iso" in groups:
            found = date(int(groups["year"]), int(groups["imonth"]), int(groups["iday"]))
            return found.isoformat()
        month = _MONTHS[groups["month"].lower()]
        day = int(groups["day"])
        if "year" in groups:
            return date(int(groups["year"]), month, day).isoformat()
        if reference is None:
            return None
        ref = reference.date() if isinstance(reference, datetime) else reference
        candidate = date(ref.year, month, day)
        if candidate > ref:
            candidate = date(ref.year - 1, month, day)
        return candidate.isoformat()
    except (KeyError, ValueError):
        return None
