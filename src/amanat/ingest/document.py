"""From a ``Capture`` to a ``Document``: decode, extract, date, detect language. Pure.

This is the function that runs in worker processes (and on Spark executors): bytes and hints
in, a ``Document`` or a ``Problem`` out, no I/O. It belongs to ingest, which knows bytes,
charsets and URLs; it hands analysis (``amanat.analyze``: main text, language) decoded text,
so analysis never reaches back into ingest.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime
from pathlib import PurePath

from amanat.analyze.extract import extract_html, extract_text
from amanat.analyze.language import detect_language
from amanat.ingest.decode import decode_html, decode_text
from amanat.ingest.urls import accept_canonical, canonical_url, registered_domain
from amanat.model import (
    Capture,
    DateSource,
    Document,
    Extraction,
    Problem,
    PublishedDate,
    content_hash,
    document_id,
)

HTML_TYPES = ("text/html", "application/xhtml+xml")
TEXT_TYPES = ("text/plain", "text/markdown")
MIN_WORDS = 5  # extracted HTML text shorter than this is navigation, not an article
_WORD = re.compile(r"\S+")
_ISO = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?")


def analyze_capture(capture: Capture, *, source: str | None = None) -> Document | Problem:
    """Turn one capture into a document, or say why it gives none."""
    try:
        extraction = _extract(capture)
    except (ValueError, LookupError) as exc:  # undecodable or unparsable payload
        return Problem(capture.origin, f"cannot extract text: {exc}")
    text = extraction.text.strip()
    if not text or (capture.media_type in HTML_TYPES and "text" not in capture.hints and not _has_words(text, MIN_WORDS)):
        # a page whose "main text" is a menu label is not an article
        return Problem(capture.origin, "no article text found", "skipped")
    hints = capture.hints
    url = capture.url or extraction.canonical_url or _file_url(capture.origin)
    if url.startswith("file:") and extraction.canonical_url:
        url = extraction.canonical_url  # a saved web page: its own URL is the better name
    canonical = (
        accept_canonical(url, hints.get("canonical_url") or extraction.canonical_url)
        if url.startswith(("http://", "https://"))
        else url
    )
    from_feed = "entry_id" in hints or "feed_title" in hints
    published = _hinted_date(hints.get("published"), "feed" if from_feed else "metadata")
    digest = content_hash(text)
    return Document(
        id=document_id(canonical, digest),
        url=url,
        canonical_url=canonical,
        source=source or registered_domain(canonical) or hints.get("source") or "local",
        title=_clean(hints.get("title")) or extraction.title,
        byline=_clean(hints.get("byline")) or extraction.byline,
        published=published or extraction.published,
        language=hints.get("language") or detect_language(text) or extraction.language,
        text=text,
        content_hash=digest,
        media_type=capture.media_type,
        origin=capture.origin,
        fetched=capture.fetched,
        raw_ref=capture.raw_ref,
        # an outlet's name only where the source is the outlet's domain: a folder of saved
        # pages filed under one name (--source) is not one outlet
        site_name=None if source else (_clean(hints.get("site_name")) or _clean(hints.get("feed_title"))
                                       or extraction.site_name),
        site_language=None if source else (_language_tag(hints.get("language"))
                                           or _language_tag(hints.get("content_language")) or extraction.language),
    )


_LANG_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*")


def _language_tag(value: str | None) -> str | None:
    """The lowercased primary subtag of a declared language (``"en-US"`` → ``"en"``; the first
    of a list such as Content-Language's), or None when ``value`` is not a language tag: what
    a feed's ``<language>`` or an HTTP header says, in the form the page's own declaration
    takes (``analyze.extract.declared_language``)."""
    match = _LANG_TAG.fullmatch((value or "").strip().split(",")[0].strip())
    return match.group(1).lower() if match else None


def _has_words(text: str, n: int) -> bool:
    """Whether ``text`` has at least ``n`` words, reading no further than the n-th."""
    return sum(1 for _ in itertools.islice(_WORD.finditer(text), n)) >= n


def _extract(capture: Capture) -> Extraction:
    given = capture.hints.get("text")
    if capture.media_type in TEXT_TYPES:
        text = given if given else decode_text(capture.body, capture.charset)[0]
        return extract_text(text)  # title and dateline from the text itself
    if given:
        # Text the container already extracted (a feed entry's content, a JSONL field) is
        # the author's own; re-extracting it from a fragment would only lose words.
        return Extraction(text=given)
    if capture.media_type in HTML_TYPES:
        html, _charset = decode_html(capture.body, capture.charset)
        return extract_html(html, capture.url)
    raise ValueError(f"no text in a {capture.media_type} payload")


def _hinted_date(value: object, source: DateSource) -> PublishedDate | None:
    """A date given by the container (feed entry, JSONL field) at the precision given."""
    if isinstance(value, datetime):
        return PublishedDate(value.isoformat(), "datetime", source)
    if isinstance(value, date):
        return PublishedDate(value.isoformat(), "day", source)
    if not isinstance(value, str) or not _ISO.match(value.strip()):
        return None
    value = value.strip()
    precision = {4: "year", 7: "month", 10: "day"}.get(len(value), "datetime")
    return PublishedDate(value, precision, source)  # type: ignore[arg-type]


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _file_url(origin: str) -> str:
    path = origin.split("#", 1)[0]
    return canonical_url(PurePath(path).as_uri()) if PurePath(path).is_absolute() else f"file:{path}"
