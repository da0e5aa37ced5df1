"""The knowledge base's nouns: entities, dated facts, their sources, and three-valued time.

Everything here is plain frozen data that maps one-to-one onto tables (``Entity`` → entities,
``Label`` → labels, ``Fact`` → facts, ``Source`` → sources); no I/O, no store.

Time follows one rule set (docs/knowledge-base.md has the long form):

* An ``Interval`` is half-open, ``[start, end)``: ``start`` is the first day the fact held,
  ``end`` the first day it no longer held. Importers convert each source's convention to this
  one (Popolo ends are inclusive → +1 day; Wikidata P582 at day precision is read as the
  successor's first day, i.e. already exclusive).
* Each bound keeps the precision its source gave (day, month, year). A bound at month or year
  precision covers a whole period, and a day inside it is *undetermined*.
* A fact with no end is known only up to its source's as-of date (``Interval.as_of``); after
  that, ``contains`` answers ``None`` (undetermined), never ``False``.

``contains`` therefore answers ``True``, ``False`` or ``None`` (Kleene three-valued logic), so a
check can say "contradicted" only when the record really excludes the date.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Literal

from amanat.model import Problem

Precision = Literal["day", "month", "year"]
EntityKind = Literal["person", "organization", "place", "position", "other"]
Tier = Literal["reference", "observed"]
LabelKind = Literal["label", "alias"]

PRECISIONS: tuple[Precision, ...] = ("day", "month", "year")
ENTITY_KINDS: tuple[EntityKind, ...] = ("person", "organization", "place", "position", "other")

# Predicates used so far; a fact's predicate is a plain string so sources can add more.
POSITION_HELD = "position_held"  # subject person, object position; qualifiers acting/caretaker
NAME = "name"  # subject any, value = a name valid over the interval (renames)
OFFICIAL_NAME = "official_name"
NICKNAME = "nickname"
ACRONYM = "acronym"  # value = short name, lang = language it is used in
MEMBER_OF = "member_of"  # subject person/country, object organization (party, body)
INSTANCE_OF = "instance_of"
CAPITAL = "capital"  # subject country, object place
JURISDICTION = "jurisdiction"  # subject position, object place/country
BIRTH_DATE = "birth_date"  # subject person, value = ISO date at its precision
SAME_AS = "same_as"  # subject kept entity, value = id of a record merged into it (kb.merge)


# --- time -----------------------------------------------------------------------------------

_DATE_RE = re.compile(r"^\s*([+-]?\d{1,4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*$")


@dataclass(frozen=True, slots=True)
class Bound:
    """A date at the precision its source gave: the period that contains the instant.

    ``value`` is the period's first day (2004-09 → 2004-09-01); ``after`` is the first day
    after the period. At day precision the period is that one day.
    """

    value: date
    precision: Precision = "day"

    @classmethod
    def parse(cls, text: str) -> Bound:
        """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; ``00`` month/day (Wikidata style) lowers
        the precision instead of being read as a date. Raises ``ValueError`` on anything else.
        """
        m = _DATE_RE.match(text)
        if not m:
            raise ValueError(f"not a date: {text!r}")
        year = int(m.group(1))
        month = int(m.group(2) or 0)
        day = int(m.group(3) or 0)
        if year < 1 or month > 12:
            raise ValueError(f"not a date: {text!r}")
        if month == 0:
            return cls(date(year, 1, 1), "year")
        if day == 0:
            return cls(date(year, month, 1), "month")
        return cls(date(year, month, day), "day")

    @classmethod
    def of(cls, year: int, month: int | None = None, day: int | None = None) -> Bound:
        if month is None:
            return cls(date(year, 1, 1), "year")
        if day is None:
            return cls(date(year, month, 1), "month")
        return cls(date(year, month, day), "day")

    @property
    def after(self) -> date:
        """First day after the period."""
        v = self.value
        if self.precision == "day":
            return v + timedelta(days=1)
        if self.precision == "month":
            return date(v.year + 1, 1, 1) if v.month == 12 else date(v.year, v.month + 1, 1)
        return date(v.year + 1, 1, 1)

    @property
    def last(self) -> date:
        """Last day of the period."""
        return self.after - timedelta(days=1)

    def iso(self) -> str:
        """ISO 8601 at the bound's precision: ``2004``, ``2004-09``, ``2004-09-10``."""
        v = self.value
        if self.precision == "year":
            return f"{v.year:04d}"
        if self.precision == "month":
            return f"{v.year:04d}-{v.month:02d}"
        return v.isoformat()

    def next_day(self) -> Bound:
        """The bound one day later (day precision only; coarser bounds are returned as is).

        Used to turn an inclusive last day into an exclusive end: at month or year precision
        the period already covers both readings.
        """
        if self.precision != "day":
            return self
        return Bound(self.value + timedelta(days=1), "day")


def end_from_inclusive(last_day: Bound | None) -> Bound | None:
    """Exclusive end from a source that gives the last day the fact held (Popolo, CSV lists)."""
    return last_day.next_day() if last_day else None


@dataclass(frozen=True, slots=True)
class Interval:
    """Half-open ``[start, end)`` at its bounds' precision, known up to ``as_of``.

    ``start is None``: the start is unknown (not "since forever"). ``end is None``: the fact
    was still true at ``as_of`` (its source's date) — or, with ``end_unknown``, it ended at
    some unknown date (Wikidata's "unknown value").
    """

    start: Bound | None = None
    end: Bound | None = None
    as_of: date | None = None
    end_unknown: bool = False

    def contains(self, day: date) -> bool | None:
        """Whether the fact held on ``day``: True, False, or None when the record cannot say."""
        return _and(self._after_start(day), self._before_end(day))

    def _after_start(self, day: date) -> bool | None:
        s = self.start
        if s is None:
            return None
        if day < s.value:
            return False
        # the first day lies somewhere in the period; only its last day is certain
        return True if day >= s.last else None

    def _before_end(self, day: date) -> bool | None:
        e = self.end
        if e is not None:
            if day < e.value:
                return True
            return False if day >= e.after or e.precision == "day" else None
        if self.end_unknown:
            return None
        if self.as_of is None:
            return None
        return True if day < self.as_of else None

    def overlaps(self, other: Interval) -> bool | None:
        """Whether the two intervals can share a day (None if the bounds' precision hides it)."""
        a0, a1 = _outer(self)
        b0, b1 = _outer(other)
        if a0 is not None and b1 is not None and b1 <= a0:
            return False
        if b0 is not None and a1 is not None and a1 <= b0:
            return False
        c0, c1 = _inner(self)
        d0, d1 = _inner(other)
        if None in (c0, c1, d0, d1):
            return None
        assert c0 and c1 and d0 and d1
        return True if max(c0, d0) < min(c1, d1) else None


def _outer(iv: Interval) -> tuple[date | None, date | None]:
    """Widest reading: earliest possible start, latest possible end (None = unbounded)."""
    start = iv.start.value if iv.start else None
    end = (
        iv.end.after if iv.end and iv.end.precision != "day" else (iv.end.value if iv.end else None)
    )
    return start, end


def _inner(iv: Interval) -> tuple[date | None, date | None]:
    """Narrowest certain reading: days on which the fact surely held."""
    start = iv.start.last if iv.start else None
    if iv.end:
        end: date | None = iv.end.value
    elif iv.end_unknown:
        end = None
    else:
        end = iv.as_of
    return start, end


def _and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    if a is True and b is True:
        return True
    return None


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


# --- entities, facts, sources -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Label:
    """One name of an entity in one language/script. ``lang`` is a BCP 47 tag or None."""

    text: str
    lang: str | None = None
    script: str | None = None  # ISO 15924: Latn, Cyrl, Arab, …
    kind: LabelKind = "label"


@dataclass(frozen=True, slots=True)
class Entity:
    """A person, organisation, place or position, with its names and external ids.

    ``id`` is the Wikidata QID when known (``Q200881``), else ``<namespace>:<local id>``
    (``ep:28e035ec-…`` for an EveryPolitician person).
    """

    id: str
    kind: EntityKind
    labels: tuple[Label, ...] = ()
    external_ids: tuple[tuple[str, str], ...] = ()  # (scheme, value): ("wikidata", "Q200881")
    description: str | None = None

    @property
    def name(self) -> str:
        """Preferred display name: an English label, else any label, else the id."""
        best = None
        for label in self.labels:
            if label.kind == "label" and (label.lang or "").startswith("en"):
                return label.text
            if best is None:
                best = label.text
        return best or self.id

    def names(self) -> list[str]:
        """Every label and alias text, de-duplicated, in order."""
        return list(dict.fromkeys(label.text for label in self.labels))

    def external_id(self, scheme: str) -> str | None:
        return next((v for s, v in self.external_ids if s == scheme), None)

    @property
    def qid(self) -> str | None:
        return self.external_id("wikidata")


@dataclass(frozen=True, slots=True)
class Source:
    """Where facts came from. ``as_of`` bounds what its open-ended facts can tell.

    ``tier`` separates reference data (curated records) from facts observed in ingested
    coverage; the two are never mixed, and checks say which one they used.
    """

    id: str
    title: str
    publisher: str | None = None
    url: str | None = None
    as_of: date | None = None
    tier: Tier = "reference"
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Fact:
    """A dated statement about ``subject``: ``object`` (an entity id) or ``value`` (a literal).

    ``qualifiers`` are sorted (key, value) pairs: ``("acting", "true")``,
    ``("replaces", "Q156469")``, ``("role", "member")``.

    ``also_sources`` are further sources that state the same fact (the same tenure in two
    office-holder files): one fact citing all of them, not one copy per file. They are not part
    of the id, so a fact keeps its id when another source confirms it.
    """

    subject: str
    predicate: str
    object: str | None = None
    value: str | None = None
    lang: str | None = None
    interval: Interval = field(default_factory=Interval)
    qualifiers: tuple[tuple[str, str], ...] = ()
    source: str = ""
    also_sources: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """Deterministic id (16 hex digits) over everything but the source's as-of date."""
        iv = self.interval
        parts = [
            self.subject,
            self.predicate,
            self.object or "",
            self.value or "",
            self.lang or "",
            iv.start.iso() if iv.start else "",
            iv.end.iso() if iv.end else "",
            "?" if iv.end_unknown else "",
            ";".join(f"{k}={v}" for k, v in self.qualifiers),
            self.source,
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]

    def qualifier(self, key: str) -> str | None:
        return next((v for k, v in self.qualifiers if k == key), None)

    @property
    def sources(self) -> tuple[str, ...]:
        """Every source that states the fact, its own first."""
        return (self.source, *self.also_sources)

    def holds_on(self, day: date) -> bool | None:
        return self.interval.contains(day)


def qualifiers(**pairs: str | None) -> tuple[tuple[str, str], ...]:
    """Sorted qualifier pairs, dropping None values."""
    return tuple(sorted((k, v) for k, v in pairs.items() if v is not None))


Record = Entity | Fact | Source | Problem


# --- an in-memory base ---------------------------------------------------------------------


@dataclass
class KnowledgeBase:
    """Entities, facts and sources held in memory; the store mirrors the same three tables."""

    entities: dict[str, Entity] = field(default_factory=dict)
    facts: dict[str, Fact] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    _about: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)
    _about_size: int = field(default=-1, repr=False, compare=False)
    _answers: dict[tuple[str, str | None], list[Fact]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_records(cls, records: Iterable[Record]) -> KnowledgeBase:
        kb = cls()
        kb.add_all(records)
        return kb

    def add_all(self, records: Iterable[Record]) -> None:
        for r in records:
            self.add(r)

    def add(self, record: Record) -> None:
        """Add one record; an entity seen again is merged (labels and ids united)."""
        if isinstance(record, Entity):
            old = self.entities.get(record.id)
            self.entities[record.id] = merge_entities(old, record) if old else record
        elif isinstance(record, Fact):
            self.facts[record.id] = record
            if self._answers:  # a fact given again under its id changes what was answered
                self._answers = {}
        elif isinstance(record, Source):
            self.sources[record.id] = record
        else:
            self.problems.append(record)

    def records(self) -> Iterator[Record]:
        """Sources, then entities, then facts — the order an importer or exporter wants."""
        yield from self.sources.values()
        yield from self.entities.values()
        yield from self.facts.values()

    def facts_about(self, entity_id: str, predicate: str | None = None) -> list[Fact]:
        """Facts whose subject or object is the entity (optionally of one predicate), in the
        order they were added: a lookup in an index of fact ids by entity, made again when
        facts were added since (checks ask this thousands of times of a base of 25,000 facts)."""
        if self._about is None or self._about_size != len(self.facts):
            about: dict[str, list[str]] = {}
            for fid, f in self.facts.items():
                about.setdefault(f.subject, []).append(fid)
                if f.object and f.object != f.subject:
                    about.setdefault(f.object, []).append(fid)
            self._about, self._about_size = about, len(self.facts)
            self._answers = {}
        key = (entity_id, predicate)
        if key not in self._answers:  # a place's names in 40 languages are asked for every mention
            found = (self.facts.get(fid) for fid in self._about.get(entity_id, ()))
            self._answers[key] = [f for f in found if f is not None and (predicate is None or f.predicate == predicate)]
        return list(self._answers[key])

    def holders(self, position_id: str, on: date) -> list[tuple[Fact, bool | None]]:
        """Facts ``position_held`` of ``position_id`` that held (True) or may have held (None)
        on ``on``; facts that surely did not hold are left out."""
        out: list[tuple[Fact, bool | None]] = []
        for f in self.facts.values():
            if f.predicate == POSITION_HELD and f.object == position_id:
                verdict = f.interval.contains(on)
                if verdict is not False:
                    out.append((f, verdict))
        return out


def merge_entities(a: Entity, b: Entity) -> Entity:
    """One entity from two records of it: labels and ids united, ``a``'s kind unless "other"."""
    labels = tuple(dict.fromkeys(a.labels + b.labels))
    ids = tuple(dict.fromkeys(a.external_ids + b.external_ids))
    kind = a.kind if a.kind != "other" else b.kind
    return replace(
        a, kind=kind, labels=labels, external_ids=ids, description=a.description or b.description
    )
