"""The nouns of Amanat, as plain immutable data.

Data flows ``Capture`` (bytes as they arrived, with where they came from) → ``Document`` (what
analysis made of them) → store. Readers yield ``Capture`` or ``Problem``; they never raise for
one bad record, so one broken file never stops a run.

Later stages add ``Mention``, ``Claim``, ``Finding``, ``Story`` (monitoring) and ``Item``
(signed news items, see ``amanat.provenance``); they refer to documents by ``Document.id``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

# --- what readers produce -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RawRef:
    """Where the raw bytes of a capture live when they are not copied into the store.

    For WARC input: the file, the byte offset and length of the (compressed) record, and the
    record's digest, so the record can be read again for re-analysis.
    """

    path: str
    offset: int
    length: int
    digest: str | None = None


@dataclass(frozen=True, slots=True)
class Capture:
    """One input document as it arrived, before extraction.

    ``body`` holds the payload bytes (HTML, plain text, …). ``hints`` carries metadata the
    container already knew (feed entry title, JSONL fields, HTTP headers); analysis prefers
    them to guessing. ``origin`` names file and record for messages: ``feed.xml#entry 3``.
    """

    url: str | None
    body: bytes
    media_type: str  # "text/html", "text/plain", "text/markdown"
    origin: str
    charset: str | None = None  # declared by the transport (HTTP Content-Type), if any
    fetched: datetime | None = None  # WARC-Date, HTTP Date or file mtime
    raw_ref: RawRef | None = None  # set when the raw bytes stay in a WARC file
    hints: dict[str, Any] = field(default_factory=dict)
    # hint keys used so far: title, byline, published (ISO 8601 str), source, language,
    # text (already-extracted main text, e.g. a WET record or JSONL), canonical_url, summary


@dataclass(frozen=True, slots=True)
class Problem:
    """An input that was skipped (with a reason) or failed (with an error), never silently."""

    origin: str
    message: str
    kind: Literal["skipped", "failed"] = "failed"

    def line(self) -> str:
        return f"{self.origin}: {self.message}"


# --- what analysis produces -----------------------------------------------------------------

DatePrecision = Literal["day", "month", "year", "datetime"]
DateSource = Literal["metadata", "feed", "dateline", "text", "unknown"]


@dataclass(frozen=True, slots=True)
class PublishedDate:
    """A publication date and how it was found; ``value`` is ISO 8601 at its precision."""

    value: str
    precision: DatePrecision
    source: DateSource


@dataclass(frozen=True, slots=True)
class Extraction:
    """What main-text extraction found in one payload (pure function output)."""

    text: str
    title: str | None = None
    byline: str | None = None
    published: PublishedDate | None = None
    canonical_url: str | None = None
    site_name: str | None = None
    language: str | None = None  # declared by the page (html lang, og:locale), not detected
    charset: str | None = None  # the charset actually used to decode


@dataclass(frozen=True, slots=True)
class Document:
    """One version of one article, as stored.

    ``id`` is deterministic: a hash of the canonical URL and the content hash, so the same
    input always gives the same id, and changed text at the same URL gives a new id (a new
    version). ``content_hash`` is over the normalised main text, so the same text at
    another URL shares it: that is the *content group* (wire copy republished).
    """

    id: str
    url: str
    canonical_url: str
    source: str  # outlet key: registered domain ("dawn.com"), or the name given for local files
    title: str | None
    byline: str | None
    published: PublishedDate | None
    language: str | None
    text: str
    content_hash: str
    media_type: str
    origin: str
    fetched: datetime | None = None
    raw_ref: RawRef | None = None


_SPACE = re.compile(r"\s")
_FOLD_SLICE = 1 << 20


def content_hash(text: str) -> str:
    """Hash of main text with whitespace folded, so re-wrapping a text does not change it.

    The hash of ``" ".join(text.split())``, made a slice at a time (each cut at whitespace,
    which no word spans): a 27 MB text split at once made 300 MB of word objects."""
    digest = hashlib.sha256()
    separator = b""
    for piece in whitespace_slices(text, _FOLD_SLICE):
        words = piece.split()
        if words:
            digest.update(separator + " ".join(words).encode("utf-8"))
            separator = b" "
    return digest.hexdigest()


def whitespace_slices(text: str, size: int) -> Iterator[str]:
    """``text`` in pieces of about ``size`` characters, each cut just after whitespace (so a
    word is never split; a piece is longer when a word is)."""
    start = 0
    while start < len(text):
        end = start + size
        if end < len(text):
            cut = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
            if cut > start:
                end = cut + 1
            else:
                found = _SPACE.search(text, end)
                end = found.end() if found else len(text)
        yield text[start:end]
        start = end


def document_id(canonical_url: str, text_hash: str) -> str:
    """Deterministic 16-hex-digit id of one version of one document."""
    return hashlib.sha256(f"{canonical_url}\n{text_hash}".encode()).hexdigest()[:16]
