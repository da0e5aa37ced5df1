"""Checks: claims against the dated record, and a document against itself. Pure.

A *check* is a registered unit (name, version, what it reads, ``run``) that looks at one
document — its text and date, its mentions and claims, its previous version when there is
one — and the knowledge base (``Record``), and returns ``Finding``s. Built-in checks are
loaded by the same ``module:attribute`` references as third-party ones declared in the
``amanat.checks`` entry point group (see ``amanat.config.load_units``).

Findings say what the record shows and where it comes from; a check never calls an outlet
false. When the record cannot tell (an unknown office, an unknown document date, an
open-ended fact past its source's as-of date), a check says *undetermined* or says nothing —
it never guesses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from amanat.config import load_units
from amanat.kb.index import KBIndex
from amanat.kb.model import KnowledgeBase
from amanat.model import Claim, Finding, Mention

ENTRY_POINT_GROUP = "amanat.checks"
BUILTIN = (
    "amanat.check.titles:AT_DATE",
    "amanat.check.titles:TOGETHER",
    "amanat.check.places:PLACES_AT_DATE",
    "amanat.check.places:PLACE_NAMES",
    "amanat.check.memberships:MEMBERSHIPS_AT_DATE",
    "amanat.check.consistency:EVENTS",
    "amanat.check.consistency:FIGURES",
    "amanat.check.spellings:SPELLINGS",
    "amanat.check.edits:SILENT_EDITS",
)


@dataclass(frozen=True)
class DocumentView:
    """What a check sees of one document."""

    id: str
    text: str
    published: date | None
    date_source: str | None  # how the date was found: metadata, feed, dateline, text
    language: str | None
    source: str
    claims: tuple[Claim, ...] = ()
    mentions: tuple[Mention, ...] = ()
    previous: DocumentView | None = None  # the article's previous version, for silent edits


@dataclass(frozen=True)
class Record:
    """The knowledge base a check judges against, and its version."""

    kb: KnowledgeBase
    index: KBIndex
    version: str


@dataclass(frozen=True)
class Check:
    """A registered check: ``run(document, record)`` returns its findings."""

    name: str
    version: int
    reads: tuple[str, ...]  # claim types (and "mentions") it looks at
    run: Callable[[DocumentView, Record], list[Finding]]
    summary: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


_registry: dict[str, Check] | None = None


def checks() -> list[Check]:
    """Every check: the built-in ones, then those of installed plugins."""
    global _registry
    if _registry is None:
        _registry = load_units(ENTRY_POINT_GROUP, BUILTIN, Check, "check")
    return list(_registry.values())


def version_key(record_version: str) -> str:
    """What a document's findings depend on: the record's version and every check's."""
    return f"checks kb:{record_version} " + ",".join(sorted(c.label for c in checks()))


def run_checks(document: DocumentView, record: Record) -> list[Finding]:
    """Every check on one document; findings in order of their first evidence."""
    found: list[Finding] = []
    for check in checks():
        found.extend(check.run(document, record))
    return sorted(found, key=lambda f: (f.evidence[0].start if f.evidence else -1, f.check, f.key))
