"""Feed documents (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, CDF, JSON Feed 1.0/1.1) → one ``Capture`` per entry.

XML feeds go through feedparser, which already copes with the real world: wrong declared
charsets (CP949 labelled EUC-KR, CP932 labelled Shift_JIS), undeclared encodings (chardet),
ill-formed XML (its lenient parser), HTML sanitising. JSON Feed is parsed here with ``json``:
feedparser 6.0 does not recognise JSON Feed at all (``version`` comes back empty).

Each entry becomes a ``Capture`` whose ``body`` is the entry's content (or summary) as UTF-8,
``media_type`` ``text/html`` when that content is HTML, and whose ``hints`` carry what the feed
states: ``title``, ``published`` (ISO 8601, only when the feed gives a publication date — an
``updated`` date goes to ``hints["updated"]``, never into ``published``), ``byline``,
``summary`` (as text), ``text`` (the content as text, only when it is substantial enough to be
the article rather than a teaser), ``language``, ``feed_title``. ``url`` is the entry link,
made absolute. The lead's code follows ``feed_entry_urls`` to fetch the full pages.

Skip/fail design: the document as a whole fails (one ``Problem``, no entries) when it is
refused for safety, is not a feed, or has no entries. A feed that was malformed but recovered
(feedparser's *bozo*: a wrong charset label, broken XML) is not a failure — its entries are
yielded with ``hints["feed_defect"]`` saying what was wrong, and ``ParsedFeed.malformed``
holds the same message. JSON Feed validation problems (item without ``id``, duplicate ``id``,
``next_url`` pointing at the feed itself) are reported as Problems naming the item; duplicates
are dropped after the first.

Security: feedparser parses bytes it is given, never fetches, disables external general
entities and strips every ENTITY declaration it does not consider safe. On top of that,
``dtd_refusal`` refuses, before any parsing, a document whose DTD declares an external
general entity (XXE) or entities that reference other entities or are too many/large (entity
expansion bombs), so the user gets a clear message instead of a silently mangled feed.
"""

from __future__ import annotations

import calendar
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
import lxml.etree
import lxml.html

from amanat.model import Capture, Problem

__all__ = [
    "ParsedFeed",
    "dtd_refusal",
    "feed_entry_urls",
    "html_to_text",
    "parse_feed",
    "read_feed",
]

# Entry content at least this long (as text) is taken to be the article, not a teaser.
SUBSTANTIAL_TEXT_CHARS = 500
# Limits on DTD entity declarations: generous for real feeds (a few named characters),
# far below what an expansion attack needs.
MAX_ENTITY_DECLARATIONS = 64
MAX_ENTITY_VALUE_CHARS = 4096

HTML_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})


@dataclass
class ParsedFeed:
    """A whole feed: what it says about itself, its entries, and what was wrong with it."""

    title: str | None = None
    version: str | None = None  # feedparser's names ("rss20", "atom10"), or "json10"/"json11"
    encoding: str | None = None
    language: str | None = None
    link: str | None = None
    next_url: str | None = None  # JSON Feed pagination, None when it would loop
    malformed: str | None = None  # set when the feed had to be recovered
    entries: list[Capture] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_feed(
    data: bytes,
    *,
    origin: str,
    base_url: str | None = None,
    content_type: str | None = None,
) -> Iterator[Capture | Problem]:
    """Entries of one feed document as Captures; Problems for what was refused or invalid.

    ``content_type`` is the HTTP Content-Type the feed was served with, if any: for XML its
    charset outranks the XML declaration, as RFC 7303 says and feedparser implements.
    """
    parsed = parse_feed(data, origin=origin, base_url=base_url, content_type=content_type)
    yield from parsed.problems
    yield from parsed.entries


def feed_entry_urls(
    data: bytes,
    *,
    origin: str = "feed",
    base_url: str | None = None,
    content_type: str | None = None,
) -> list[str]:
    """Absolute http(s) links of the entries, in feed order, without duplicates."""
    parsed = parse_feed(data, origin=origin, base_url=base_url, content_type=content_type)
    seen: dict[str, None] = {}
    for entry in parsed.entries:
        if entry.url and entry.url.startswith(("http://", "https://")):
            seen.setdefault(entry.url, None)
    return list(seen)


def parse_feed(
    data: bytes,
    *,
    origin: str,
    base_url: str | None = None,
    content_type: str | None = None,
) -> ParsedFeed:
    """Parse one feed document (any supported format) without raising for bad input."""
    if not data or not data.strip():
        return ParsedFeed(problems=[Problem(origin, "empty document, not a feed")])
    if _looks_like_json(data):
        return _parse_json_feed(data, origin, base_url)
    refusal = dtd_refusal(data)
    if refusal:
        return ParsedFeed(problems=[Problem(origin, f"refused: {refusal}; not parsed")])
    return _parse_xml_feed(data, origin, base_url, content_type)


# --- safety -----------------------------------------------------------------------------------

_ENTITY_DECL = re.compile(
    r"<!ENTITY\s+(%\s+)?([^\s\"'>]+)\s+(SYSTEM|PUBLIC|\"[^\"]*\"|'[^']*')", re.IGNORECASE
)
_ENTITY_REF = re.compile(r"[&%][A-Za-z_:][\w.:-]*;")
_FIRST_ELEMENT = re.compile(r"<[A-Za-z_]")


def dtd_refusal(data: bytes) -> str | None:
    """Why this XML document must not be parsed (XXE or entity bomb), or None when safe.

    Hand-written in the manner of defusedxml (not a dependency here): only the prolog — the
    text before the root element, where a DTD must be — is examined, decoded from whichever
    Unicode form the bytes are in so a UTF-16 feed cannot slip past.
    """
    text = _prolog(data)
    if "<!ENTITY" not in text.upper():
        return None
    declarations = _ENTITY_DECL.findall(text)
    if len(declarations) > MAX_ENTITY_DECLARATIONS:
        return f"XML entity bomb suspected ({len(declarations)} entity declarations)"
    for parameter, name, value in declarations:
        if value.upper() in ("SYSTEM", "PUBLIC"):
            if not parameter:
                return f"external XML entity &{name}; declared (XXE); it is never fetched"
            continue  # external parameter entity: feedparser strips it unread (e.g. XHTML lat1)
        if _ENTITY_REF.search(value):
            return f"XML entity bomb: entity &{name}; expands to other entities"
        if len(value) > MAX_ENTITY_VALUE_CHARS:
            return f"XML entity bomb suspected: entity &{name}; is {len(value)} characters"
    return None


def _prolog(data: bytes) -> str:
    """The document text before its first element, decoded for inspection only."""
    if data.startswith((b"\x00\x00\xfe\xff", b"\x00\x00\x00<")):
        text = data.decode("utf-32-be", errors="replace")
    elif data.startswith((b"\xff\xfe\x00\x00", b"<\x00\x00\x00")):
        text = data.decode("utf-32-le", errors="replace")
    elif data.startswith((b"\xfe\xff", b"\x00<")):
        text = data.decode("utf-16-be", errors="replace")
    elif data.startswith((b"\xff\xfe", b"<\x00")):
        text = data.decode("utf-16-le", errors="replace")
    else:
        text = data.decode("latin-1")  # every other supported encoding is ASCII-compatible
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    doctype = text.upper().find("<!DOCTYPE")
    first = _FIRST_ELEMENT.search(text)
    if doctype < 0 or (first and first.start() < doctype):
        return ""
    # The internal subset ends at "]>"; the root element comes after it.
    end = text.find("]>", doctype)
    return text[doctype : end + 2] if end >= 0 else text[doctype:]


# --- XML feeds (feedparser) -------------------------------------------------------------------


def _parse_xml_feed(
    data: bytes, origin: str, base_url: str | None, content_type: str | None
) -> ParsedFeed:
    headers = {}
    if content_type:
        headers["content-type"] = content_type
    if base_url:
        headers["content-location"] = base_url
    # A stream, never bytes or str: feedparser treats those as a file name or URL to open.
    result = feedparser.parse(io.BytesIO(data), response_headers=headers)
    feed = result.get("feed", {})
    parsed = ParsedFeed(
        title=feed.get("title") or None,
        version=result.get("version") or None,
        encoding=result.get("encoding") or None,
        language=feed.get("language") or None,
        link=feed.get("link") or None,
    )
    if result.get("bozo"):
        parsed.malformed = _bozo_message(result.get("bozo_exception"))
    entries = result.get("entries", [])
    if not entries:
        reason = "no entries"
        if parsed.malformed and not parsed.version:
            reason = f"not a feed ({parsed.malformed})"
        elif parsed.malformed:
            reason = f"no entries (malformed: {parsed.malformed})"
        parsed.problems.append(Problem(origin, reason))
        return parsed
    base = base_url or parsed.link
    for index, entry in enumerate(entries, 1):
        where = f"{origin}#entry {index}"
        capture = _xml_entry(entry, where, base, parsed)
        if capture is None:
            named = f"entry {entry['id']!r}" if entry.get("id") else "entry"
            parsed.problems.append(
                Problem(where, f"{named} has no link, title or content", "skipped")
            )
        else:
            parsed.entries.append(capture)
    return parsed


def _bozo_message(exc: object) -> str:
    if isinstance(exc, feedparser.CharacterEncodingOverride):
        return f"declared character encoding was wrong ({' '.join(str(exc).split())})"
    text = " ".join(str(exc).split()) if exc is not None else ""
    return f"malformed XML, recovered leniently ({text[:160] or type(exc).__name__})"


def _xml_entry(entry: Any, origin: str, base: str | None, feed: ParsedFeed) -> Capture | None:
    content_value, content_type = _pick_content(entry)
    summary_html = entry.get("summary") or ""
    summary_type = (entry.get("summary_detail") or {}).get("type", "text/html")
    title = entry.get("title") or None
    link = entry.get("link") or None
    url = urljoin(base, link) if base and link else link
    if not (content_value or summary_html or title or url):
        return None

    hints: dict[str, Any] = {}
    if title:
        hints["title"] = title
    # dict.get: FeedParserDict maps a missing updated_parsed to published_parsed (and warns).
    published = _struct_to_iso(dict.get(entry, "published_parsed"))
    if published:
        hints["published"] = published
    updated = _struct_to_iso(dict.get(entry, "updated_parsed"))
    if updated:
        hints["updated"] = updated
    detail = entry.get("author_detail") or {}
    byline = detail.get("name") or entry.get("author")
    if byline:
        hints["byline"] = byline
    summary_text = _as_text(summary_html, summary_type)
    if summary_text:
        hints["summary"] = summary_text
    body_value, body_type = (
        (content_value, content_type) if content_value else (summary_html, summary_type)
    )
    text = _as_text(body_value, body_type)
    if len(text) >= SUBSTANTIAL_TEXT_CHARS:
        hints["text"] = text
    language = entry.get("language") or feed.language
    if language:
        hints["language"] = language
    if feed.title:
        hints["feed_title"] = feed.title
    if entry.get("id"):
        hints["entry_id"] = entry["id"]
    if feed.malformed:
        hints["feed_defect"] = feed.malformed
    media_type = "text/html" if _is_html(body_type) else "text/plain"
    return Capture(
        url=url,
        body=(body_value or "").encode("utf-8"),
        media_type=media_type,
        origin=origin,
        charset="utf-8",
        hints=hints,
    )


def _pick_content(entry: Any) -> tuple[str, str]:
    """The entry's full content, preferring HTML over plain text among alternatives."""
    contents = entry.get("content") or []
    best = None
    for item in contents:
        if best is None or (_is_html(item.get("type")) and not _is_html(best.get("type"))):
            best = item
    if best is None:
        return "", "text/plain"
    return best.get("value") or "", best.get("type") or "text/html"


def _struct_to_iso(value: Any) -> str | None:
    """feedparser's UTC ``time.struct_time`` → ISO 8601 string."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC).isoformat()
    except (OverflowError, ValueError, TypeError):
        return None


def _is_html(media_type: str | None) -> bool:
    return (media_type or "").split(";")[0].strip().lower() in HTML_CONTENT_TYPES


def _as_text(value: str, media_type: str | None) -> str:
    if not value:
        return ""
    return html_to_text(value) if _is_html(media_type) else " ".join(value.split())


_BLOCKS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
    | {"tr", "table", "section", "article", "figure"}
)


def html_to_text(fragment: str) -> str:
    """Visible text of an HTML fragment, one line per block, whitespace folded."""
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return " ".join(fragment.split())
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)


# --- JSON Feed --------------------------------------------------------------------------------


def _looks_like_json(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _parse_json_feed(data: bytes, origin: str, base_url: str | None) -> ParsedFeed:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return ParsedFeed(problems=[Problem(origin, f"invalid JSON: {exc}")])
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(version, str) or not version.startswith("https://jsonfeed.org/version/"):
        return ParsedFeed(problems=[Problem(origin, "JSON document is not a JSON Feed")])
    number = version.rsplit("/", 1)[-1]
    parsed = ParsedFeed(
        title=_str(doc.get("title")),
        version="json" + number.replace(".", ""),
        encoding="utf-8",
        language=_str(doc.get("language")),
        link=_str(doc.get("home_page_url")),
    )
    feed_url = _str(doc.get("feed_url"))
    base = base_url or feed_url or parsed.link
    next_url = _str(doc.get("next_url"))
    if next_url:
        absolute = urljoin(base, next_url) if base else next_url
        if absolute in {feed_url, base_url}:
            parsed.problems.append(
                Problem(origin, "next_url points back to the feed itself; pagination stops")
            )
        else:
            parsed.next_url = absolute
    items = doc.get("items")
    if not isinstance(items, list) or not items:
        parsed.problems.append(Problem(origin, "no entries"))
        return parsed
    seen_ids: set[str] = set()
    for index, item in enumerate(items, 1):
        where = f"{origin}#item {index}"
        if not isinstance(item, dict):
            parsed.problems.append(Problem(where, "item is not a JSON object", "skipped"))
            continue
        item_id = item.get("id")
        if item_id is None or item_id == "":
            parsed.problems.append(Problem(where, "item has no id (required by JSON Feed)"))
        else:
            key = str(item_id)
            if key in seen_ids:
                parsed.problems.append(
                    Problem(where, f"duplicate item id {key!r}; later copy dropped", "skipped")
                )
                continue
            seen_ids.add(key)
        capture = _json_item(item, where, base, parsed)
        if capture is None:
            parsed.problems.append(Problem(where, "item has no link, title or content", "skipped"))
        else:
            parsed.entries.append(capture)
    return parsed


def _str(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _json_item(
    item: dict[str, Any], origin: str, base: str | None, feed: ParsedFeed
) -> Capture | None:
    link = _str(item.get("url")) or _str(item.get("external_url"))
    url = urljoin(base, link) if base and link else link
    title = _str(item.get("title"))
    html = _str(item.get("content_html"))
    plain = _str(item.get("content_text"))
    summary = _str(item.get("summary"))
    if not (html or plain or summary or title or url):
        return None
    hints: dict[str, Any] = {}
    if title:
        hints["title"] = title
    for key, hint in (("date_published", "published"), ("date_modified", "updated")):
        when = _rfc3339(item.get(key))
        if when:
            hints[hint] = when
    authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
    names = [name for a in authors if isinstance(a, dict) and (name := _str(a.get("name")))]
    if names:
        hints["byline"] = ", ".join(names)
    if summary:
        hints["summary"] = summary
    text = html_to_text(html) if html else (plain or "")
    if len(text) >= SUBSTANTIAL_TEXT_CHARS:
        hints["text"] = text
    language = _str(item.get("language")) or feed.language
    if language:
        hints["language"] = language
    if feed.title:
        hints["feed_title"] = feed.title
    if item.get("id") not in (None, ""):
        hints["entry_id"] = str(item["id"])
    tags = [t for t in item.get("tags") or [] if isinstance(t, str)]
    if tags:
        hints["tags"] = tags
    body, media_type = (html, "text/html") if html else (plain or summary or "", "text/plain")
    return Capture(url, body.encode("utf-8"), media_type, origin, "utf-8", hints=hints)


def _rfc3339(value: Any) -> str | None:
    """A JSON Feed date (RFC 3339) as ISO 8601, or None when it is not a valid date."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).isoformat()
    except ValueError:
        return None
