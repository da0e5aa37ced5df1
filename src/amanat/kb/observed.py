"""The *observed* tier: titles that coverage gives people, kept apart from reference facts.

A document that calls someone "Deputy Foreign Minister" is evidence of what the press says,
not of what is true; such facts go into sources of tier ``observed`` (one per document) and
are never merged with reference facts. ``reference_view`` / ``observed_view`` give the two
tiers separately, so every check can say which one it used.

A person the base does not know at all can still be named, with a title, by several outlets
("Interior Minister Erzhan Sadenov"). ``observed_entities`` keeps such a person as an
*observed entity* (id ``observed:person/<name key>``) once at least ``MIN_OUTLETS``
independent outlets named them with a title: its names are the ones written, its facts are the
titles given (``title_given``, tier ``observed``, one source per document), so a later mention
of the name links to it — and nothing about it is ever a reference fact. A single outlet is not
enough: one article's misspelling must not become an entity.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from amanat.kb.model import (
    Bound,
    Entity,
    Fact,
    Interval,
    KnowledgeBase,
    Label,
    Record,
    Source,
    qualifiers,
)
from amanat.kb.scripts import script_of

TITLE_GIVEN = "title_given"  # subject person, value = the title as written, lang = its language


def observed_source(
    doc_id: str, title: str | None, outlet: str | None, url: str | None, published: date | None
) -> Source:
    """The observed-tier source for one document (its id derives from the document's)."""
    return Source(
        id=f"observed:{doc_id}",
        title=title or doc_id,
        publisher=outlet,
        url=url,
        as_of=published,
        tier="observed",
    )


def title_fact(
    person_id: str,
    title: str,
    source: Source,
    *,
    marker: str | None = None,
    position_id: str | None = None,
    lang: str | None = "en",
) -> Fact:
    """ "``source`` called ``person_id`` ``title`` on its publication date" as a fact.

    The interval is the publication day only (what the source asserted then); a marker such
    as ``then``/``former`` is kept as a qualifier, since it says the title no longer holds.
    """
    day = Bound(source.as_of) if source.as_of else None
    return Fact(
        subject=person_id,
        predicate=TITLE_GIVEN,
        value=" ".join(title.split()),
        lang=lang,
        interval=Interval(day, day.next_day() if day else None, as_of=source.as_of),
        qualifiers=qualifiers(marker=marker, position=position_id),
        source=source.id,
    )


def record_titles(source: Source, mentions: Iterable[object]) -> list[Record]:
    """Observed records for the linked mentions of one document that carry a role.

    ``mentions`` are ``amanat.model.Mention`` (duck-typed: ``entity_id``,
    ``role``, ``marker``, ``kind``); unlinked ones teach nothing about a known person.
    """
    out: list[Record] = []
    for m in mentions:
        entity, role = getattr(m, "entity_id", None), getattr(m, "role", None)
        if entity and role and getattr(m, "kind", None) == "person":
            out.append(title_fact(entity, role, source, marker=getattr(m, "marker", None)))
    return [source, *out] if out else []


MIN_OUTLETS = 2
OBSERVED_PERSON = "observed:person/"


@dataclass(frozen=True, slots=True)
class Sighting:
    """A person mention with a title that the base could not link to anyone it knows."""

    name: str
    title: str
    doc_id: str
    outlet: str | None
    published: date | None
    marker: str | None = None


def _name_key(name: str) -> str:
    from amanat.kb.index import normalize_key  # index imports the lexicon; keep this light

    return normalize_key(name)


def observed_person_id(name: str) -> str:
    """The observed entity's id for a name: stable across runs, the same for any spelling
    that folds to the same key (case, diacritics, hyphens)."""
    return OBSERVED_PERSON + hashlib.sha256(_name_key(name).encode()).hexdigest()[:16]


def observed_entities(
    sightings: Iterable[Sighting], min_outlets: int = MIN_OUTLETS
) -> list[Entity | Fact | Source]:
    """Observed entities for the names that ``min_outlets`` or more outlets gave with a title,
    with their sources (tier ``observed``) and ``title_given`` facts; nothing for the rest."""
    by_key: dict[str, list[Sighting]] = defaultdict(list)
    for s in sightings:
        key = _name_key(s.name)
        if len(key.split()) >= 2 and s.title.strip():  # a full name, not a lone surname
            by_key[key].append(s)
    out: list[Entity | Fact | Source] = []
    for _key, group in sorted(by_key.items()):
        outlets = {s.outlet for s in group if s.outlet}
        if len(outlets) < min_outlets:
            continue
        entity_id = observed_person_id(group[0].name)
        names = sorted({s.name for s in group}, key=lambda n: (-sum(s.name == n for s in group), n))
        out.append(
            Entity(
                entity_id,
                "person",
                tuple(
                    Label(n, None, script_of(n), "label" if i == 0 else "alias")
                    for i, n in enumerate(names)
                ),
                description=f"observed in coverage: named with a title by {len(outlets)} outlets",
            )
        )
        sources: dict[str, Source] = {}
        facts = []
        for s in group:
            src = sources.setdefault(
                s.doc_id, observed_source(s.doc_id, None, s.outlet, None, s.published)
            )
            facts.append(title_fact(entity_id, s.title, src, marker=s.marker))
        out.extend(sources.values())
        out.extend(facts)
    return out


def _view(kb: KnowledgeBase, tier: str) -> KnowledgeBase:
    sources = {k: s for k, s in kb.sources.items() if s.tier == tier}
    facts = {k: f for k, f in kb.facts.items() if f.source in sources}
    return KnowledgeBase(dict(kb.entities), facts, sources)


def reference_view(kb: KnowledgeBase) -> KnowledgeBase:
    """The base with reference facts only (entities are shared)."""
    return _view(kb, "reference")


def observed_view(kb: KnowledgeBase) -> KnowledgeBase:
    """The base with observed facts only."""
    return _view(kb, "observed")
