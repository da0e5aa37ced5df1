"""Checks across the documents of one story: their registry, their runner, and the date a
story lends to its undated documents. Pure.

A *story check* runs per story, not per document: ``run(documents, story_id)`` sees every
document of one story (``model.StoryDocument``: wire copies share a ``report`` key and count
once) and returns ``Finding``s with ``story_id`` set. Built-in story checks are loaded by the
same ``module:attribute`` references as third-party ones declared in the
``amanat.story_checks`` entry point group (``amanat.config.load_units``), exactly as the
per-document checks of ``amanat.check`` are, so the lead can run them with
``run_story_checks`` and version their findings with ``story_version_key``.

The story's date: the record checks judge a claim at the document's date, and leave a
document without one undetermined. A document grouped into a story whose dated reports all
fall within a short window was, in all likelihood, written within it too: ``story_date``
gives the earliest of them, and ``dated_by_story`` lends it to an undated document with
``date_source = "story"``, so the findings say where the date came from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from typing import Any, TypeVar

from amanat.analyze.claims.tries import alternation
from amanat.check import DocumentView
from amanat.check.common import Layout
from amanat.config import load_units
from amanat.model import Finding, StoryDocument

T = TypeVar("T")
STORY_ENTRY_POINT_GROUP = "amanat.story_checks"
STORY_BUILTIN = ("amanat.check.divergences:DIVERGENCES",)
STORY_DATE_SOURCE = "story"
# a story whose dated reports span more than this is not one moment: its dates lend nothing
STORY_WINDOW_DAYS = 7
PER_REPORT = 16
"""Of one measure at one time (or of one event), each report's first 16 tellings are compared
across reports. Every pair of a story's tellings is compared (``linked_groups``), so a report
repeating one count 10,000 times would cost the square of its length; no article repeats one
count or one event so often."""


@dataclass(frozen=True)
class StoryCheck:
    """A registered check over one story's documents: ``run(documents, story_id)``."""

    name: str
    version: int
    reads: tuple[str, ...]  # claim types (and "mentions") it looks at
    run: Callable[[Sequence[StoryDocument], str], list[Finding]]
    summary: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


_registry: dict[str, StoryCheck] | None = None


def story_checks() -> list[StoryCheck]:
    """Every story check: the built-in ones, then those of installed plugins."""
    global _registry
    if _registry is None:
        _registry = load_units(STORY_ENTRY_POINT_GROUP, STORY_BUILTIN, StoryCheck, "story check")
    return list(_registry.values())


def story_version_key() -> str:
    """What a story's findings depend on: every story check's name and version."""
    return "story-checks " + ",".join(sorted(c.label for c in story_checks()))


def run_story_checks(documents: Sequence[StoryDocument], story_id: str) -> list[Finding]:
    """Every story check on one story; findings in order of their document, then key."""
    found: list[Finding] = []
    for check in story_checks():
        found.extend(check.run(documents, story_id))
    return sorted(found, key=lambda f: (f.document_id, f.check, f.key))


def story_document(view: DocumentView, report: str | None = None) -> StoryDocument:
    """A stored document as the story checks see it (``check.views.views_of`` gives the
    view); ``report`` is the key its wire copies share (its own id when it has none)."""
    return StoryDocument(view.id, view.source, report or view.id, view.published, view.text, view.claims,
                         view.mentions, view.language, view.date_source)


def story_date(published: Iterable[date | None], window_days: int = STORY_WINDOW_DAYS) -> date | None:
    """The date an undated document of a story is judged at: the earliest of the story's dated
    reports, when they all fall within ``window_days`` of it; None when none is dated or the
    story spans longer (an undated piece of a month-long story could be from any of its days)."""
    days = sorted(d for d in published if d is not None)
    if not days or (days[-1] - days[0]).days > window_days:
        return None
    return days[0]


def dated_by_story(view: DocumentView, published: Iterable[date | None],
                   window_days: int = STORY_WINDOW_DAYS) -> DocumentView:
    """``view`` with the story's date when it has none of its own (unchanged otherwise, or
    when the story lends none)."""
    if view.published is not None:
        return view
    day = story_date(published, window_days)
    if day is None:
        return view
    return replace(view, published=day, date_source=STORY_DATE_SOURCE)


# --- a story's reports -------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """One independent report of a story: its earliest copy, and how many sites carried it."""

    document: StoryDocument
    copies: tuple[str, ...]  # ids of every document of the report
    outlets: tuple[str, ...]


def reports(documents: Sequence[StoryDocument]) -> list[Report]:
    """The story's documents as independent reports: wire copies (one ``report`` key) count once."""
    by_key: dict[str, list[StoryDocument]] = {}
    for d in documents:
        by_key.setdefault(d.report or d.id, []).append(d)
    out = []
    for key in sorted(by_key):
        group = sorted(by_key[key], key=lambda d: (d.published is None, d.published or date.min, d.id))
        out.append(Report(group[0], tuple(d.id for d in group), tuple(sorted({d.source for d in group}))))
    return out


@lru_cache(maxsize=64)
def _layout(text: str, language: str | None) -> Layout:
    return Layout(text, language)


def layout_of(document: StoryDocument) -> Layout:
    """The sentences of a document, made once per text for the figures and the events."""
    return _layout(document.text, document.language)


def linked_groups(items: Sequence[T], linked: Callable[[T, T], bool]) -> list[list[T]]:
    """The groups of items that pairs satisfying ``linked`` join (items in no pair left out)."""
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    joined: set[int] = set()
    for i, a in enumerate(items):
        for j in range(i + 1, len(items)):
            if linked(a, items[j]):
                parent[root(i)] = root(j)
                joined.update((i, j))
    groups: dict[int, list[T]] = {}
    for i in sorted(joined):
        groups.setdefault(root(i), []).append(items[i])
    return list(groups.values())


# --- what the cross-source checks compare (check/data/divergences.json) ------------------------


@dataclass(frozen=True)
class Words:
    """The compiled word lists of one language for the cross-source checks."""

    old_value_adjacent: re.Pattern[str]
    old_value_in_clause: re.Pattern[str]
    increment_before: re.Pattern[str]
    increment_after: re.Pattern[str]
    part_before: re.Pattern[str]
    part_after: re.Pattern[str]
    doubt: re.Pattern[str]
    scope: re.Pattern[str]
    event_types: dict[str, str]
    event_verbs: re.Pattern[str]
    event_not_compared: re.Pattern[str]


@cache
def rules() -> dict[str, Any]:
    """The data file, read once."""
    path = resources.files("amanat.check") / "data" / "divergences.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@cache
def words(language: str | None) -> Words | None:
    """The word lists of ``language`` (None when it has none: its documents are not compared)."""
    entry = rules()["languages"].get((language or "en").split("-")[0].casefold())
    if entry is None:
        return None
    types = {" ".join(k.casefold().split()): str(v) for k, v in entry["event_types"].items()}
    return Words(
        old_value_adjacent=re.compile(rf"(?<!\w)(?:{alternation(entry['old_value_adjacent'])})\s*$", re.I),
        old_value_in_clause=re.compile(rf"(?<!\w)(?:{alternation(entry['old_value_in_clause'])})(?!\w)", re.I),
        increment_before=re.compile(rf"(?<!\w)(?:{alternation(entry['increment_before'])})\s*$", re.I),
        increment_after=re.compile(rf"\s*(?:{alternation(entry['increment_after'])})(?!\w)(?!\s+than\b)", re.I),
        part_before=re.compile(rf"(?<!\w)(?:{alternation(entry['part_before'])})(?!\w)", re.I),
        part_after=re.compile(rf"\s*(?:{alternation(entry['part_after'])})(?!\w)", re.I),
        doubt=re.compile(rf"(?<!\w)(?:{alternation(entry['doubt_in_sentence'])})(?!\w)"),  # lower case only: "May"
        scope=re.compile(rf"(?<!\w)(?:{alternation(entry['scope_words'])})(?!\w)", re.I),
        event_types=types,
        event_verbs=re.compile(rf"(?<!\w)(?:{alternation(types)})(?!\w)", re.I),
        event_not_compared=re.compile(rf"(?<!\w)(?:{alternation(entry['event_not_compared'])})(?!\w)", re.I),
    )
