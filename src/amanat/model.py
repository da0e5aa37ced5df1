"""The nouns of Amanat, as plain immutable data.

Data flows ``Capture`` (bytes as they arrived, with where they came from) → ``Document`` (what
analysis made of them) → store. Readers yield ``Capture`` or ``Problem``; they never raise for
one bad record, so one broken file never stops a run.

Analysis adds ``Span`` → ``Mention`` (people, organisations, places, offices, linked to the
knowledge base) and ``Claim`` (what a document asserts, with its span); checks add
``Finding`` (with ``Evidence``), ``Reprint`` (a signed statement found in a document, with
its fidelity) and ``Story`` (documents grouped). Signed news items live in
``amanat.provenance``. All refer to documents by ``Document.id`` and to text by character
offsets into ``Document.text``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

# the media type of a document made from a signed news item (its body is the item's JWS)
ITEM_MEDIA_TYPE = "application/vnd.amanat.item+jws"

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
        return f"{label(self.origin)}: {self.message}"


def label(location: str, limit: int = 200) -> str:
    """An input's name as a one-line label: control characters (a newline, a NUL in a hostile
    file name) escaped, and a very long name cut in the middle."""
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in location)
    return shown if len(shown) <= limit else f"{shown[:limit // 2]}…{shown[-limit // 2:]}"


# --- what analysis produces -----------------------------------------------------------------

DatePrecision = Literal["day", "month", "year", "datetime"]
DateSource = Literal["metadata", "feed", "dateline", "text", "unknown"]


@dataclass(frozen=True, slots=True)
class PublishedDate:
    """A publication date and how it was found; ``value`` is ISO 8601 at its precision."""

    value: str
    precision: DatePrecision
    source: DateSource

    def day(self) -> date | None:
        """The day it names, or None when it names no single day (a year or a month)."""
        try:
            return date.fromisoformat(self.value[:10])
        except ValueError:
            return None


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
    # the outlet's own name, as the page (og:site_name) or the feed (its title) gives it: it
    # fills the source list when the outlet is first seen; not stored with the document
    site_name: str | None = None
    # the language the outlet declares (a feed's <language>, the page's <html lang>, the
    # Content-Language header), not the one detected in this text: it fills the source
    # list's language the same way; not stored with the document
    site_language: str | None = None


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


# --- mentions: who and what a text names ---------------------------------------------------

MentionKind = Literal["person", "organization", "place", "position", "other"]


@dataclass(slots=True)
class Span:
    """A mention as detection found it, before linking: what ``kb.linking`` chooses an entity for."""

    start: int
    end: int
    kind: str
    ids: tuple[str, ...] = ()  # exact alias hit
    query: str | None = None  # name to look up fuzzily
    method: str = "alias"
    nested: bool = False
    role: tuple[int, int] | None = None
    honorific: bool = False
    tokens: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An entity a mention may refer to, with the linker's score."""

    entity_id: str
    name: str
    score: float


@dataclass(frozen=True, slots=True)
class Mention:
    """One mention: ``text[start:end]``, its link (or candidates) and the role around it.

    ``entity_id`` is None when nothing in the base fits (unknown) or several fit equally
    (``candidates`` then lists them). ``role`` is the title attached to the mention as
    written, ``role_start``/``role_end`` its span, ``marker`` then/former/ex/late/acting/
    caretaker. ``method`` says how the mention was found: alias, fuzzy, coref, unknown,
    position.

    A mention of kind ``position`` names an office without a person: ``entity_id`` is the
    position (None when the text does not say which: ``why``), ``holder`` the person who held it on the document's date when ``resolution`` is
    "held" ("undetermined" or "unknown" otherwise, ``why`` says why), ``candidates`` the
    persons the record does not exclude. It is never a link to a person.
    """

    start: int
    end: int
    text: str
    kind: MentionKind
    entity_id: str | None = None
    candidates: tuple[Candidate, ...] = ()
    role: str | None = None
    role_start: int | None = None
    role_end: int | None = None
    marker: str | None = None
    score: float = 0.0
    method: str = "alias"
    nested: bool = False  # inside a longer mention ("Kazakhstan" in its ministry's name)
    holder: str | None = None  # kind "position": who held the office on the document's date
    resolution: str | None = None  # kind "position": held / undetermined / unknown
    why: str | None = None  # kind "position": why no holder

    def as_row(self, doc_id: str | None = None) -> dict[str, Any]:
        """A flat dict for a ``mentions`` table (candidates as a list of [id, score])."""
        return {
            "doc_id": doc_id,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "kind": self.kind,
            "entity_id": self.entity_id,
            "candidates": [[c.entity_id, round(c.score, 3)] for c in self.candidates],
            "role": self.role,
            "role_start": self.role_start,
            "role_end": self.role_end,
            "marker": self.marker,
            "score": round(self.score, 3),
            "method": self.method,
            "nested": self.nested,
            "holder": self.holder,
            "resolution": self.resolution,
            "why": self.why,
        }

    def to_stored(self, doc_id: str, n: int) -> dict[str, Any]:
        """The ``mentions`` table row (see ``from_stored``, its inverse). For an office named
        without a person (kind "position") the ``candidates`` JSON is an object: the holder, how
        it was resolved, why, and the persons the record does not exclude."""
        row = self.as_row(doc_id)
        candidates: Any = row["candidates"]
        if self.kind == "position":
            candidates = {"holder": self.holder, "resolution": self.resolution, "why": self.why, "holders": candidates}
        return {
            "document_id": doc_id, "n": n, "start": self.start, "end": self.end, "text": self.text,
            "kind": self.kind, "entity_id": self.entity_id, "candidates": json.dumps(candidates),
            "role": self.role, "role_start": self.role_start, "role_end": self.role_end, "marker": self.marker,
            "score": row["score"], "method": self.method, "nested": bool(self.nested),
        }

    @classmethod
    def from_stored(cls, row: Any) -> Mention:
        """A mention from its ``mentions`` table row (an object with the columns as attributes)."""
        candidates = json.loads(row.candidates)
        office: dict[str, Any] = {}
        if isinstance(candidates, dict):  # an office named without a person
            office = {k: candidates.get(k) for k in ("holder", "resolution", "why")}
            candidates = candidates.get("holders") or []
        return cls(row.start, row.end, row.text, row.kind, row.entity_id,
                   tuple(Candidate(c[0], c[0], c[1]) for c in candidates if isinstance(c, list)),
                   row.role, row.role_start, row.role_end, row.marker, row.score or 0.0, row.method or "alias",
                   bool(row.nested), **office)


# --- claims: what a text asserts -----------------------------------------------------------

ClaimType = Literal["quote", "role", "figure", "event", "membership"]
CLAIM_TYPES: tuple[ClaimType, ...] = ("quote", "role", "figure", "event", "membership")
QUALIFIERS = ("about", "at least", "more than", "up to", "less than", "nearly")


@dataclass(frozen=True, slots=True)
class Claim:
    """One thing a document asserts: ``text[start:end]`` says it.

    ``fields`` holds what the type adds, under names scripts depend on (docs/claims.md):
    figure — measure, value, qualifier, unit, as_of, attributed_to; quote — speaker, entity;
    role — person or place, title, marker, entity; event — date, precision (and why, when the
    date cannot be resolved); membership — group, members. ``extractor`` names the unit that
    found it, with its version, so a changed extractor re-runs on what it touched.
    """

    type: ClaimType
    start: int
    end: int
    text: str
    fields: dict[str, Any] = field(default_factory=dict)
    extractor: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The stable JSON shape: type, start, end, text, then the type's fields."""
        return {"type": self.type, "start": self.start, "end": self.end, "text": self.text, **self.fields}


# --- checks: what the record and other reports say about a claim ---------------------------


@dataclass(frozen=True, slots=True)
class Evidence:
    """A span of a document (or a signed item, by its URI) that a finding rests on."""

    document_id: str
    start: int
    end: int
    text: str
    role: str = ""  # what this evidence is in the finding: "claim", "record", "other report"…


FindingStatus = Literal["contradicted", "inconsistent", "informational", "undetermined"]
FINDING_STATUSES: tuple[FindingStatus, ...] = ("contradicted", "inconsistent", "informational", "undetermined")


@dataclass(frozen=True, slots=True)
class Finding:
    """A check's result: what the record (or the document itself) shows about a claim.

    Neutral by construction: a finding shows the claim and the record side by side, with
    the facts used and their sources; ``sentence`` says what the record shows, never that an
    outlet is false. ``key`` is what makes it the same finding when the corpus is analysed
    again (the check, the document and what was compared, not offsets or wording), so its
    ``id`` is stable and a reviewer's decision stays attached to it.
    """

    check: str  # the registered check's name
    type: str  # e.g. "title-at-date", "titles-together", "figures-in-document"
    status: FindingStatus
    severity: str  # "high", "medium", "low", "info"
    sentence: str  # one sentence a person can read
    document_id: str
    key: str
    evidence: tuple[Evidence, ...] = ()
    facts: tuple[dict[str, Any], ...] = ()  # the facts used: what, interval, sources, tier
    judged_at: str | None = None  # the date the claim was judged at (ISO), if any
    date_source: str | None = None  # where that date came from
    version: int = 1  # the check's version
    story_id: str | None = None  # set by cross-source checks: the story whose documents were compared

    @property
    def id(self) -> str:
        return hashlib.sha256(f"{self.check}\n{self.document_id}\n{self.key}".encode()).hexdigest()[:16]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "check": self.check, "type": self.type, "status": self.status,
            "severity": self.severity, "sentence": self.sentence, "document_id": self.document_id,
            "evidence": [dict(document_id=e.document_id, start=e.start, end=e.end, text=e.text, role=e.role)
                         for e in self.evidence],
            "facts": list(self.facts), "judged_at": self.judged_at, "date_source": self.date_source,
            "story_id": self.story_id,
        }


# --- reprints: a signed statement found in a document ----------------------------------------


@dataclass(frozen=True, slots=True)
class Statement:
    """One version of a signed item, as reprint matching sees it (decoded from a verified log
    entry). ``status`` is the ninjs pubStatus: "canceled" is a withdrawal (no body).
    ``speaks_for`` is the knowledge-base entity its publisher was declared to speak for."""

    uri: str
    version: int
    origin: str
    publisher: str
    headline: str
    body: str
    language: str | None = None
    published: str | None = None  # versionCreated, ISO 8601
    status: str = "usable"
    note: str | None = None  # edNote: a withdrawal's reason
    speaks_for: str | None = None


DifferenceKind = Literal["changed", "removed", "added", "inserted", "missing"]


@dataclass(frozen=True, slots=True)
class TextDifference:
    """One place where a document's copy differs from the statement, with both sides' words
    and character offsets (``statement_*`` into the statement's body, ``document_*`` into the
    document's text). ``kind``: changed (old → new words), removed (a few words left out),
    added (a few words put in), inserted (a longer passage put inside the statement's span:
    the copy is *extended*), missing (statement text the copy does not have: cut)."""

    kind: DifferenceKind
    statement_text: str
    statement_start: int
    statement_end: int
    document_text: str
    document_start: int
    document_end: int
    where: str = ""  # for missing text: "start", "end" or "inside"
    mid_sentence: bool = False  # for missing text at a cut: the cut falls inside a sentence

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


ReprintClass = Literal["verbatim", "truncated", "altered", "extended", "misattributed", "partial-quote"]


@dataclass(frozen=True, slots=True)
class Reprint:
    """A signed statement found in a document, aligned word by word: what of it the document
    has, in which version, and every difference.

    ``share`` is the part of the statement's body the document reproduces (faithfully or
    not); ``identical`` the part it reproduces word for word. ``kind`` is "reprint" when the
    document has at least half of the statement, "quote" when it quotes less. ``version`` is
    the version matched best; ``latest_version`` the newest one the document could have
    known; ``withdrawn`` says when and why the item was withdrawn, if it was.
    """

    item_uri: str
    version: int
    origin: str
    publisher: str
    document_id: str
    kind: Literal["reprint", "quote"]
    classes: tuple[ReprintClass, ...]
    share: float
    identical: float
    spans: tuple[tuple[int, int], ...]  # where the statement is in the document (characters)
    differences: tuple[TextDifference, ...] = ()
    latest_version: int = 1
    withdrawn: dict[str, Any] | None = None  # {"version", "published", "reason"}
    headline_found: bool = False
    predates: bool = False  # the document is dated before the matched version was published
    attribution: dict[str, Any] | None = None  # who the document credits near the copy

    @property
    def verbatim(self) -> bool:
        return "verbatim" in self.classes

    def as_dict(self) -> dict[str, Any]:
        return {
            "item_uri": self.item_uri, "version": self.version, "origin": self.origin, "publisher": self.publisher,
            "document_id": self.document_id, "kind": self.kind, "classes": list(self.classes),
            "share": round(self.share, 4), "identical": round(self.identical, 4),
            "spans": [list(s) for s in self.spans], "differences": [d.as_dict() for d in self.differences],
            "latest_version": self.latest_version, "withdrawn": self.withdrawn,
            "headline_found": self.headline_found, "predates": self.predates, "attribution": self.attribution,
        }


@dataclass(frozen=True, slots=True)
class Report:
    """One report of a story: a text and its copies, which count once.

    Copies are the same text at other URLs (the same ``content_hash``: a content group),
    other versions of the same article, near-identical texts, and near-copies that credit
    the same wire ("(Reuters) -", "Kazinform"). ``key`` is the id of the document that
    started the report; ``document_ids`` lists it first, then its copies in arrival order."""

    key: str
    document_ids: tuple[str, ...]
    wire: str | None = None  # the wire the report credits, when it credits one

    @property
    def copies(self) -> int:
        return len(self.document_ids) - 1


@dataclass(frozen=True, slots=True)
class Coverage:
    """One document in a story's timeline: when, by which outlet, under which headline."""

    document_id: str
    published: str | None  # ISO date, None when the document's date is unknown
    source: str
    title: str | None
    report_key: str


@dataclass(frozen=True, slots=True)
class Story:
    """Documents about the same event or development, grouped across outlets and languages.

    ``id`` is the hash of the id of the document that started it, so it is stable across
    runs over the same documents in the same order. ``reports`` counts wire copy once;
    ``timeline`` lists every document by date (undated ones last)."""

    id: str
    title: str
    document_ids: tuple[str, ...] = ()
    reports: tuple[Report, ...] = ()
    timeline: tuple[Coverage, ...] = ()
    first_published: str | None = None
    last_published: str | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        """The outlets that carried it, each once, in order of first coverage."""
        return tuple(dict.fromkeys(c.source for c in self.timeline))


def story_id(first_document_id: str) -> str:
    """The id of the story a document started: stable, and distinct from document ids."""
    return hashlib.sha256(f"story\n{first_document_id}".encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class StoryDocument:
    """One document of a story as the cross-source checks see it.

    ``report`` names the report the document carries: copies of one wire report republished
    on several sites share it and count once, as one source. ``source`` is the outlet.
    ``published`` is the document's own date (None when unknown), ``date_source`` how it was
    found.
    """

    id: str
    source: str
    report: str
    published: date | None
    text: str
    claims: tuple[Claim, ...] = ()
    mentions: tuple[Mention, ...] = ()
    language: str | None = "en"
    date_source: str | None = None
