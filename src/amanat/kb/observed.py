"""The *observed* tier: titles that coverage gives people, kept apart from reference facts.

A document that calls someone "Deputy Foreign Minister" is evidence of what the press says,
not of what is true; such facts go into sources of tier ``observed`` (one per document) and
are never merged with reference facts. ``reference_view`` / ``observed_view`` give the two
tiers separately, so every check can say which one it used.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from amanat.kb.model import Bound, Fact, Interval, KnowledgeBase, Record, Source, qualifiers

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
