"""Pure functions behind ``amanat kb import/show/who`` (the CLI formats what they return).

``load_default`` merges the bundled starter base with files a user imported (and folds the
records of one person from several sources together, ``kb.merge``); ``who`` answers
"who held this office on that day" with the record's three-valued answer; ``show`` finds an
entity by id or by any of its names (fuzzy, across scripts) and gathers its facts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from amanat.errors import InputError, NotFound
from amanat.kb import export, merge, popolo, starter, wikidata
from amanat.kb.index import is_acronym, normalize_key, role_words
from amanat.kb.model import POSITION_HELD, SAME_AS, Entity, Fact, KnowledgeBase, Source
from amanat.kb.names import similarity


@dataclass(frozen=True, slots=True)
class Holder:
    """One answer to ``who``: a person, the office, the fact, and whether it surely held."""

    person: Entity
    position: Entity
    fact: Fact
    holds: bool | None  # True: held on the day; None: the record cannot say (undetermined)
    source: Source | None


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


def who(kb: KnowledgeBase, position_query: str, on_date: date) -> list[Holder]:
    """Holders on ``on_date`` of the offices whose label best matches ``position_query``
    ("President of Kazakhstan", "Kazakh foreign minister"); surely-not holders are left out."""
    wanted = set(role_words(_expand_acronyms(kb, position_query)))
    if not wanted:
        raise NotFound("empty position query")
    scored = []
    for e in kb.entities.values():
        if e.kind != "position":
            continue
        best = max(
            (
                len(wanted & set(role_words(n))) / len(wanted | set(role_words(n)))
                for n in e.names()
            ),
            default=0.0,
        )
        if best > 0:
            scored.append((best, e))
    if not scored:
        raise NotFound(f"no office matches {position_query!r}")
    top = max(s for s, _ in scored)
    positions = [e for s, e in scored if s == top]
    out = []
    for pos in positions:
        for fact, verdict in kb.holders(pos.id, on_date):
            person = kb.entities.get(fact.subject) or Entity(fact.subject, "person")
            out.append(Holder(person, pos, fact, verdict, kb.sources.get(fact.source)))
    out.sort(key=lambda h: (h.holds is not True, h.person.name))
    return out


def _expand_acronyms(kb: KnowledgeBase, text: str) -> str:
    """ "CSTO" → the organisation's name, so an acronym query finds the office's full label."""
    words = []
    for w in text.split():
        full = next(
            (
                e.name
                for e in kb.entities.values()
                if e.kind == "organization" and any(is_acronym(n) and n == w for n in e.names())
            ),
            None,
        )
        words.append(full or w)
    return " ".join(words)


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


def holders_json(holders: list[Holder]) -> str:
    """``who`` as JSON (for ``--json``)."""
    return json.dumps(
        [
            {
                "person": h.person.id,
                "name": h.person.name,
                "position": h.position.name,
                "start": h.fact.interval.start.iso() if h.fact.interval.start else None,
                "end": h.fact.interval.end.iso() if h.fact.interval.end else None,
                "holds": h.holds,
                "source": h.fact.source,
                "tier": h.source.tier if h.source else None,
            }
            for h in holders
            if h.fact.predicate == POSITION_HELD
        ],
        ensure_ascii=False,
        indent=1,
    )
