"""Merge the records of one person that came from different sources.

A Popolo/EveryPolitician person without a Wikidata QID gets an id of its own
(``popolo:<uuid>``), so the same person can appear twice: once from the Popolo file, once as a
Wikidata office-holder. ``merge_persons`` folds a person without a QID into a person with one
only when

* their names match under ``names.similarity`` (any name against any name, across scripts; a
  trailing ", title" after a comma is also tried without it) at ``NAME_MIN`` or more, **and**
* at least one strong corroboration agrees:
  - the same birth date, both given to the day;
  - the same position held over overlapping dates: the same position entity, or positions whose
    labels are equal once folded and whose countries (``jurisdiction``) do not differ, with
    intervals that surely share a day or that start in the same period;
  - an external identifier both carry (Freebase, VIAF, a Popolo id in an export …);
* and nothing contradicts: birth dates that both records give and that differ forbid it.

A name alone never merges. A person with several such candidates stays separate and is
reported (``MergeReport.ambiguous``). Candidates are found through the corroborations first
(dictionary lookups on positions, birth dates and ids), then names are compared for those
pairs only, so the cost grows with the number of facts, not with persons squared.

A merge keeps every fact with its own source — only ids are renamed — unites names and
external ids (the merged record's id stays as an external id), and records a ``same_as`` fact
on the kept entity: value = the merged id, qualifiers = the evidence and the sources merged,
source = ``MERGE_SOURCE``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from amanat.kb.index import normalize_key
from amanat.kb.model import (
    BIRTH_DATE,
    JURISDICTION,
    POSITION_HELD,
    SAME_AS,
    Bound,
    Entity,
    Fact,
    Interval,
    KnowledgeBase,
    Source,
    merge_entities,
    qualifiers,
)
from amanat.kb.names import similarity

NAME_MIN = 0.7  # stricter than the matcher's open-set threshold (0.41): a merge is lasting
MERGE_SOURCE = Source(
    id="amanat:merge",
    title="Records of one person merged across sources (amanat.kb.merge)",
    publisher="Amanat",
    tier="reference",
    note="Derived, not cited: names match and a birth date, an office over overlapping dates "
    "or an external identifier agrees. Each merged fact keeps its own source.",
)
_QID = re.compile(r"^Q\d+$")


@dataclass(frozen=True, slots=True)
class Merge:
    """One record folded into another: why, and which sources' records were united."""

    old: str
    new: str
    name: str
    score: float
    evidence: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """A record left separate because several persons fit it."""

    entity: str
    name: str
    candidates: tuple[str, ...]


@dataclass
class MergeReport:
    merged: list[Merge] = field(default_factory=list)
    ambiguous: list[Ambiguous] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One human line per merge and per ambiguous record (for the CLI)."""
        out = [
            f"merged {m.old} ({m.name}) into {m.new}: name {m.score:.2f}; "
            + "; ".join(m.evidence)
            + f" [sources: {', '.join(m.sources)}]"
            for m in self.merged
        ]
        out += [
            f"left separate {a.entity} ({a.name}): several persons fit ({', '.join(a.candidates)})"
            for a in self.ambiguous
        ]
        return out


def has_qid(entity: Entity) -> bool:
    return bool(_QID.match(entity.id))


def name_score(a: Entity, b: Entity) -> float:
    """Best similarity between any name of ``a`` and any name of ``b``."""
    best = 0.0
    for x in _name_forms(a):
        for y in _name_forms(b):
            best = max(best, similarity(x, y))
    return best


def _name_forms(e: Entity) -> list[str]:
    """Every name, and the part before a comma ("Nawaz Sharif, Prime Minister …")."""
    out = []
    for n in e.names():
        out.append(n)
        head = n.split(",", 1)[0].strip()
        if head != n and len(head.split()) >= 2:
            out.append(head)
    return list(dict.fromkeys(out))


def _same_term(a: Interval, b: Interval) -> bool:
    """The two intervals surely share a day, or start in the same period (2017-08 / 2017-08-01)."""
    if a.overlaps(b) is True:
        return True
    if a.overlaps(b) is False or a.start is None or b.start is None:
        return False
    coarse = a.start if _rank(a.start) >= _rank(b.start) else b.start
    fine = b.start if coarse is a.start else a.start
    return coarse.value <= fine.value < coarse.after


def _rank(bound: Bound) -> int:
    return ("day", "month", "year").index(bound.precision)


def _birth(facts: Iterable[Fact]) -> set[Bound]:
    out = set()
    for f in facts:
        if f.predicate == BIRTH_DATE and f.value:
            try:
                out.add(Bound.parse(f.value))
            except ValueError:
                continue
    return out


def _births_conflict(a: set[Bound], b: set[Bound]) -> bool:
    """Both give a birth date and no pair of them can be the same day."""
    if not a or not b:
        return False
    for x in a:
        for y in b:
            lo = max(x.value, y.value)
            if lo < min(x.after, y.after):
                return False
    return True


def merge_persons(kb: KnowledgeBase) -> tuple[KnowledgeBase, MergeReport]:
    """The base with each QID-less person folded into the one QID person it surely is.

    Returns ``kb`` itself when nothing merges, else a new base; ``kb`` is never changed.
    """
    report = MergeReport()
    loose = [e for e in kb.entities.values() if e.kind == "person" and not has_qid(e)]
    if not loose:
        return kb, report
    facts_of: dict[str, list[Fact]] = defaultdict(list)
    juris: dict[str, str] = {}
    for f in kb.facts.values():
        facts_of[f.subject].append(f)
        if f.predicate == JURISDICTION and f.object:
            juris[f.subject] = f.object
    persons = {e.id for e in kb.entities.values() if e.kind == "person" and has_qid(e)}
    cache: dict[str, list[str]] = {}

    def keys(position_id: str) -> list[str]:
        if position_id not in cache:
            cache[position_id] = _label_keys(kb, position_id)
        return cache[position_id]

    # corroboration indexes over persons with a QID
    by_ext: dict[tuple[str, str], set[str]] = defaultdict(set)
    by_birth: dict[str, set[str]] = defaultdict(set)
    by_position: dict[str, list[Fact]] = defaultdict(list)  # position id → facts
    by_label: dict[str, list[Fact]] = defaultdict(list)  # folded position label → facts
    for pid in persons:
        for ext in kb.entities[pid].external_ids:
            if ext[0] != "wikidata" and ext[1]:
                by_ext[ext].add(pid)
        for f in facts_of.get(pid, ()):
            if f.predicate == BIRTH_DATE and f.value and len(f.value) == 10:
                by_birth[f.value].add(pid)
            elif f.predicate == POSITION_HELD and f.object:
                by_position[f.object].append(f)
                for key in keys(f.object):
                    by_label[key].append(f)

    def same_position(a: str, b: str) -> bool:
        if a == b:
            return True
        if not set(keys(a)) & set(keys(b)):
            return False
        ja, jb = juris.get(a), juris.get(b)
        return ja is None or jb is None or ja == jb

    rename: dict[str, Merge] = {}
    for e in sorted(loose, key=lambda x: x.id):
        own = facts_of.get(e.id, [])
        evidence: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
        for ext in e.external_ids:
            for pid in by_ext.get(ext, ()):
                evidence[pid].append((f"shared id {ext[0]}={ext[1]}", set()))
            if ext[0] == "wikidata" and ext[1] in persons:
                evidence[ext[1]].append((f"shared id wikidata={ext[1]}", set()))
        for f in own:
            if f.predicate == BIRTH_DATE and f.value and len(f.value) == 10:
                for pid in by_birth.get(f.value, ()):
                    evidence[pid].append((f"born {f.value}", {f.source}))
            elif f.predicate == POSITION_HELD and f.object:
                seen: set[str] = set()
                pool = list(by_position.get(f.object, ()))
                for key in keys(f.object):
                    pool += by_label.get(key, [])
                for g in pool:
                    if g.id in seen or not same_position(f.object, g.object or ""):
                        continue
                    seen.add(g.id)
                    if _same_term(f.interval, g.interval):
                        label = _label(kb, g.object or "")
                        start = f.interval.start.iso() if f.interval.start else "?"
                        evidence[g.subject].append(
                            (f"held {label} from {start}", {f.source, g.source})
                        )
        births = _birth(own)
        fits: list[tuple[str, float, list[tuple[str, set[str]]]]] = []
        for pid, found in sorted(evidence.items()):
            if _births_conflict(births, _birth(facts_of.get(pid, ()))):
                continue
            score = name_score(e, kb.entities[pid])
            if score >= NAME_MIN:
                fits.append((pid, score, found))
        if len(fits) > 1:
            report.ambiguous.append(Ambiguous(e.id, e.name, tuple(p for p, _, _ in fits)))
        elif fits:
            pid, score, found = fits[0]
            sources = {f.source for f in own if f.source}
            for _, srcs in found:
                sources |= srcs
            rename[e.id] = Merge(
                e.id,
                pid,
                e.name,
                round(score, 3),
                tuple(dict.fromkeys(text for text, _ in found)),
                tuple(sorted(sources)),
            )
    if not rename:
        return kb, report
    report.merged = [rename[k] for k in sorted(rename)]
    return _apply(kb, rename), report


def _label_keys(kb: KnowledgeBase, position_id: str) -> list[str]:
    pos = kb.entities.get(position_id)
    names = pos.names() if pos else [position_id.rsplit("/", 1)[-1]]
    return [k for k in (normalize_key(n) for n in names) if k]


def _label(kb: KnowledgeBase, position_id: str) -> str:
    pos = kb.entities.get(position_id)
    return pos.name if pos else position_id


def _apply(kb: KnowledgeBase, rename: dict[str, Merge]) -> KnowledgeBase:
    """A new base with the renamed records folded in and a ``same_as`` fact per merge."""
    new_id = {old: m.new for old, m in rename.items()}
    out = KnowledgeBase(problems=list(kb.problems))
    out.sources = dict(kb.sources)
    out.sources[MERGE_SOURCE.id] = MERGE_SOURCE
    for e in kb.entities.values():
        if e.id in new_id:
            continue
        out.entities[e.id] = e
    for old, m in rename.items():
        loose = kb.entities[old]
        kept = out.entities[m.new]
        ext = loose.external_ids
        if not any(value == old for _, value in ext):
            ext = (*ext, ("merged", old))
        out.entities[m.new] = merge_entities(kept, replace(loose, id=m.new, external_ids=ext))
    for f in kb.facts.values():
        g = f
        if f.subject in new_id or f.object in new_id or any(v in new_id for _, v in f.qualifiers):
            g = replace(
                f,
                subject=new_id.get(f.subject, f.subject),
                object=new_id.get(f.object, f.object) if f.object else None,
                qualifiers=tuple(sorted((k, new_id.get(v, v)) for k, v in f.qualifiers)),
            )
        out.facts[g.id] = g
    for m in rename.values():
        f = Fact(
            m.new,
            SAME_AS,
            value=m.old,
            source=MERGE_SOURCE.id,
            qualifiers=qualifiers(
                evidence="; ".join(m.evidence),
                sources=", ".join(m.sources),
                name_score=f"{m.score:.2f}",
            ),
        )
        out.facts[f.id] = f
    return out
