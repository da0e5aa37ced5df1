"""What several checks share: where a span's sentence and paragraph are, whether its sentence
dates itself, how a term reads, which entities a name is, and a fact as a finding cites it.

Kept apart from the checks so that each check module says only what it judges.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from amanat.analyze.sentences import sentences
from amanat.check import DocumentView, Record
from amanat.kb.index import normalize_key
from amanat.kb.model import Fact, Interval

# a year in a sentence ("in 2015, …") puts what it says at another time than the document's
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


class Layout:
    """Sentences and paragraphs of one text, found once, looked up by offset."""

    def __init__(self, text: str, language: str | None = None) -> None:
        self.text = text
        self.sentences = sentences(text, (language or "en").split("-")[0])
        self._starts = [s for s, _ in self.sentences]
        # a paragraph is a run of lines between line breaks: how extraction lays out the text
        self._breaks = [m.start() for m in re.finditer(r"\n", text)]
        self._dated: dict[tuple[int, int], bool] = {}

    def sentence(self, at: int) -> tuple[int, int]:
        """The sentence that holds offset ``at`` (the whole text when none does)."""
        i = bisect_right(self._starts, at) - 1
        if i >= 0 and at < self.sentences[i][1]:
            return self.sentences[i]
        return (0, len(self.text))

    def paragraph(self, at: int) -> int:
        """The number of the paragraph that holds offset ``at``."""
        return bisect_right(self._breaks, at)

    def dates_itself(self, at: int) -> bool:
        """Whether the sentence around ``at`` carries a year of its own (asked once per
        sentence: a long sentence naming thousands of people is not searched for each)."""
        span = self.sentence(at)
        if span not in self._dated:
            self._dated[span] = bool(YEAR.search(self.text, *span))
        return self._dated[span]


def layout(document: DocumentView) -> Layout:
    """The document's layout, made once for all the checks that read it (a str caches its
    hash, so the key costs nothing after the first look)."""
    return _layout(document.text, document.language)


@lru_cache(maxsize=4)
def _layout(text: str, language: str | None) -> Layout:
    return Layout(text, language)


def term(iv: Interval) -> str:
    """An interval as a person reads it: first and last day ("2007-01-01 to 2016-12-31": the
    stored end is exclusive), "2022-09-17 on (known up to …)" for an open end."""
    start = iv.start.iso() if iv.start else "an unknown date"
    if iv.end:
        last = (iv.end.value - timedelta(days=1)).isoformat() if iv.end.precision == "day" else f"before {iv.end.iso()}"
        return f"{start} to {last}" if iv.start else f"until {last}"
    if iv.end_unknown:
        return f"{start} to an unknown date"
    return f"{start} on (known up to {iv.as_of.isoformat()})" if iv.as_of else f"{start} on"


def name_of(record: Record, entity_id: str) -> str:
    """An entity's name: the base's label (offices too), else the index's display name."""
    entity = record.kb.entities.get(entity_id)
    return entity.name if entity else record.index.name_of(entity_id)


def fact_row(record: Record, f: Fact) -> dict[str, Any]:
    """A fact as findings cite it: what, when, the source and its tier."""
    source = record.kb.sources.get(f.source)
    iv = f.interval
    return {
        "subject": f.subject, "subject_name": name_of(record, f.subject), "predicate": f.predicate,
        "object": f.object, "object_name": name_of(record, f.object) if f.object else None, "value": f.value,
        "start": iv.start.iso() if iv.start else None, "end": iv.end.iso() if iv.end else None,
        "as_of": iv.as_of.isoformat() if iv.as_of else None,
        "source": f.source, "source_title": source.title if source else None,
        "tier": source.tier if source else "reference",
    }


def entities_named(record: Record, name: str, kinds: tuple[str, ...] = ("place", "organization")) -> set[str]:
    """The entities of the given kinds that have ``name`` as a label or alias, exactly (folded);
    an acronym only as written ("SCO", not "sco")."""
    key = normalize_key(name)
    hit = record.index.automaton.get(key) if key else None
    if hit is None:
        return set()
    out = set()
    for i in hit:
        alias = record.index.aliases[i]
        if alias.kind in kinds and (not alias.acronym or alias.text == name.strip()):
            out.add(alias.entity_id)
    return out


def date_basis(document: DocumentView) -> str:
    """Where the date a document's claims are judged at came from, as a finding says it: its own
    date (and how that was found), or — for a document without one — its story's
    (``check.across.dated_by_story`` sets ``date_source`` to "story")."""
    if document.date_source == "story":
        return "the story's date (its earliest dated report; the document has no date of its own)"
    return f"the document's date ({document.date_source or 'unknown source'})"


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
