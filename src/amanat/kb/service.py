"""Pure functions behind ``amanat kb import/show/who`` (the CLI formats what they return).

``load_default`` merges the bundled starter base with files a user imported (and folds the
records of one person from several sources together, ``kb.merge``); ``who`` answers
"who held this office on that day": the office by ``kb.offices.resolve_office`` (the same
resolution office mentions use), its terms by the record's three-valued answer; ``show`` finds an
entity by id or by any of its names (fuzzy, across scripts) and gathers its facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from amanat.errors import InputError, NotFound
from amanat.kb import export, merge, popolo, starter, wikidata
from amanat.kb.index import KBIndex, normalize_key
from amanat.kb.model import SAME_AS, Entity, Fact, Interval, KnowledgeBase, Source
from amanat.kb.names import similarity
from amanat.kb.offices import OfficeResolution, office_name, resolve_office
from amanat.kb.tenures import Tenure


@dataclass(frozen=True, slots=True)
class Holder:
    """One row of ``who``: a person's term in the office (one row however many sources give
    it, ``kb.tenures``), whether it surely held on the day, and every source citing it."""

    person: Entity
    tenure: Tenure
    holds: bool | None  # True: held on the day; None: the record cannot say (undetermined)
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class WhoAnswer:
    """What ``who`` answers: how the phrase resolved (``kb.offices``), the office when it
    did, and its holders on the day — none unless resolved, never another office's."""

    query: str
    on: date
    resolution: OfficeResolution
    position: Entity | None
    holders: tuple[Holder, ...]
    index: KBIndex

    @property
    def status(self) -> str:
        return self.resolution.status

    def office_name(self, position_id: str) -> str:
        return office_name(self.index, position_id)


@dataclass(frozen=True, slots=True)
class Profile:
    """What ``show`` returns: the entity and every fact about it, with their sources."""

    entity: Entity
    facts: tuple[tuple[Fact, Source | None], ...]


def import_file(path: str | Path) -> KnowledgeBase:
    """A base from one file: an amanat-kb export, Wikidata JSON (dump or entity), or Popolo
    JSON/CSV — told apart by content, not by name. Raises ``InputError`` for anything else."""
    p = Path(path)
    if not p.exists():
        raise InputError("no such file", where=str(p))
    if p.suffix.lower() == ".csv":
        return KnowledgeBase.from_records(popolo.read(p))
    head = _head(p)
    if '"format"' in head and "amanat-kb" in head:
        return KnowledgeBase.from_records(export.load(p))
    if any(
        k in head for k in ('"claims"', '"entities"', '"sitelinks"', '"type": "item"')
    ) or p.name.endswith((".json.gz", ".json.bz2")):
        return KnowledgeBase.from_records(wikidata.read(p))
    if any(k in head for k in ('"persons"', '"memberships"', '"organizations"', '"name"')):
        return KnowledgeBase.from_records(popolo.read(p))
    raise InputError(
        "not a knowledge-base file (amanat-kb export, Wikidata JSON or Popolo)", where=str(p)
    )


def _head(p: Path, size: int = 65536) -> str:
    try:
        with p.open("rb") as fh:
            return fh.read(size).decode("utf-8", "replace")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", where=str(p)) from exc


def load_default(imports: Iterable[str | Path] = ()) -> KnowledgeBase:
    """The starter base with the user's imported files merged on top (entities united, and
    a person without a QID folded into its Wikidata record where ``merge`` is sure)."""
    kb = starter.load()
    for path in imports:
        extra = import_file(path)
        kb.add_all(extra.records())
        kb.problems.extend(extra.problems)
    return merge.merge_persons(kb)[0]


def who(kb: KnowledgeBase, position_query: str, on_date: date, index: KBIndex | None = None) -> WhoAnswer:
    """Who held the office ``position_query`` names on ``on_date``: the phrase is resolved
    by ``kb.offices.resolve_office`` (an unknown or ambiguous office answers no holders,
    with suggestions or candidates), then its terms on the day, surely-not ones left out."""
    if not position_query.strip():
        raise InputError("--position is empty: name an office, e.g. 'President of Kazakhstan'")
    index = index or KBIndex.build(kb)
    resolution = resolve_office(index, position_query)
    if resolution.position is None:
        return WhoAnswer(position_query, on_date, resolution, None, (), index)
    pid = resolution.position
    position = kb.entities.get(pid) or Entity(pid, "position")
    holders = []
    for tenure in index.tenures.get(pid, ()):
        verdict = tenure.holds_on(on_date)
        if verdict is False:
            continue
        person = kb.entities.get(tenure.person) or Entity(tenure.person, "person")
        cited = tuple(s for s in (kb.sources.get(c) for c in tenure.cited()) if s is not None)
        holders.append(Holder(person, tenure, verdict, cited))
    holders.sort(key=lambda h: (h.holds is not True, h.person.name))
    return WhoAnswer(position_query, on_date, resolution, position, tuple(holders), index)


def show(kb: KnowledgeBase, name: str) -> Profile:
    """The entity with id ``name``, or the one whose names best match it."""
    entity = kb.entities.get(name)
    if entity is None:  # an id merged into another record (kb.merge) still finds it
        kept = next(
            (f.subject for f in kb.facts.values() if f.predicate == SAME_AS and f.value == name),
            None,
        )
        entity = kb.entities.get(kept) if kept else None
    if entity is None:
        key = normalize_key(name)
        exact = [e for e in kb.entities.values() if any(normalize_key(n) == key for n in e.names())]
        if exact:
            entity = exact[0]
        else:
            best = max(
                (
                    (max((similarity(name, n) for n in e.names()), default=0.0), e)
                    for e in kb.entities.values()
                    if e.kind == "person"
                ),
                key=lambda x: x[0],
                default=(0.0, None),
            )
            if best[1] is None or best[0] < 0.6:
                raise NotFound(f"no entity named {name!r}")
            entity = best[1]
    facts = sorted(kb.facts_about(entity.id), key=lambda f: (f.predicate, _start(f)))
    return Profile(entity, tuple((f, kb.sources.get(f.source)) for f in facts))


def _start(f: Fact) -> str:
    return f.interval.start.iso() if f.interval.start else ""


def _told_json(h: Holder, source_id: str, interval: Interval) -> dict[str, Any]:
    """One source of a term with the dates it gives."""
    source = next((s for s in h.sources if s.id == source_id), None)
    return {
        "id": source_id,
        "title": source.title if source else None,
        "tier": source.tier if source else None,
        "start": interval.start.iso() if interval.start else None,
        "end": interval.end.iso() if interval.end else None,
    }


def who_json(answer: WhoAnswer) -> dict[str, Any]:
    """``who`` as JSON (for ``--json``): ``status``, ``position``, ``holders`` (one per
    term, with all its sources), ``candidates`` (ambiguous), ``suggestions`` (unknown office),
    ``why`` and ``read_as`` (misspelt words and how they were read)."""
    res = answer.resolution

    def office(pid: str) -> dict[str, str]:
        return {"id": pid, "name": answer.office_name(pid)}

    return {
        "status": res.status,
        "query": answer.query,
        "on": answer.on.isoformat(),
        "position": office(res.position) if res.position else None,
        "holders": [
            {
                "person": h.person.id,
                "name": h.person.name,
                "start": h.tenure.interval.start.iso() if h.tenure.interval.start else None,
                "end": h.tenure.interval.end.iso() if h.tenure.interval.end else None,
                "holds": h.holds,
                "acting": h.tenure.acting,
                "sources": [
                    _told_json(h, source, interval) for source, interval in h.tenure.told()
                ],
                "sources_disagree": h.tenure.disagree,
            }
            for h in answer.holders
        ],
        "candidates": [office(p) for p in res.candidates],
        "suggestions": [office(p) for p in res.suggestions],
        "why": res.why,
        "read_as": [{"written": w, "read": r} for w, r in res.read_as],
    }
