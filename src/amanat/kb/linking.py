"""Choose the entity a mention refers to, using its name, its role and the document's date.

For each span from ``amanat.analyze.spans.detect``:

* **candidates** come from the exact alias hit, or from the fuzzy ``NameIndex`` (a full name),
  or — for a lone surname or given name — first from the people already named in full in the
  same document (in-document coreference), then from the base's surnames;
* each candidate is scored: name similarity, plus agreement of the role written around the
  mention with an office the candidate held *on the document's date* (a role marked then-,
  former, ex- or late may refer to an office that had ended);
* the best candidate is linked when its score clears ``LINK_MIN`` and beats the next one by
  ``MARGIN``; otherwise the mention stays unlinked with its candidates — an ambiguous mention
  is never guessed.

An office named without a person ("the President of Kazakhstan said") is resolved to its
holder on the document's date by ``resolve_holder``, from the same ``position_held`` facts and
three-valued dates as ``amanat kb who``; when the record cannot single one person out it says
*undetermined* (or *unknown* when it names nobody), never a guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from amanat.kb.index import KBIndex, Tenure, role_words
from amanat.kb.lexicon import marker_of
from amanat.kb.names import parse_name
from amanat.model import Candidate, Mention, Span

FUZZY_MIN = 0.55  # below this a name is not a candidate at all
LINK_MIN = 0.68  # a fuzzy name must reach this (with context) to be linked
MARGIN = 0.08  # the best candidate must lead the next by this much
CONTEXT_WEIGHT = 0.3
PAST_MARKERS = frozenset({"then", "former", "ex", "late"})


def context_score(
    index: KBIndex, entity_id: str, role: str | None, published: date | None
) -> float:
    """0..1: how well ``role`` fits an office ``entity_id`` held at ``published``."""
    if not role:
        return 0.0
    marker = marker_of(role)
    words = set(role_words(role)) - {"then", "former", "ex", "late", "acting", "caretaker"}
    if not words:
        return 0.0
    best = 0.0
    for office in index.offices.get(entity_id, ()):
        overlap = len(words & office.words) / len(words)
        if not overlap:
            continue
        if published is None:
            when = 0.7
        else:
            held = office.interval.contains(published)
            if marker in PAST_MARKERS:
                start = office.interval.start
                when = 1.0 if start is None or start.value <= published else 0.2
            else:
                when = {True: 1.0, None: 0.6, False: 0.15}[held]
        best = max(best, overlap * when)
    return best


def _candidates(index: KBIndex, query: str) -> dict[str, float]:
    """Best fuzzy name score per entity for a full name."""
    out: dict[str, float] = {}
    for m in index.names.search(query, limit=10, threshold=FUZZY_MIN, fallback=False):
        ref = str(m.ref)
        out[ref] = max(out.get(ref, 0.0), m.score)
    return out


def _surname_candidates(index: KBIndex, token: str) -> dict[str, float]:
    """People in the base whose surname (last token of a name) sounds like ``token``: one
    dictionary lookup on the phonetic form, whatever the size of the base. A surname shared
    by more than ``max_bucket`` people is too common to say anything alone."""
    q = parse_name(token, index.names.transliterate)
    if len(q.tokens) != 1:
        return {}
    ids = index.surnames.get(q.tokens[0].phonetic, ())
    if len(ids) > index.names.max_bucket:
        return {}
    return dict.fromkeys(sorted(ids), 0.75)


def _choose(
    index: KBIndex, names: dict[str, float], role: str | None, published: date | None
) -> tuple[str | None, tuple[Candidate, ...], float]:
    scored = sorted(
        (
            (s + CONTEXT_WEIGHT * context_score(index, e, role, published), e)
            for e, s in names.items()
        ),
        reverse=True,
    )
    cands = tuple(Candidate(e, index.name_of(e), round(s, 3)) for s, e in scored[:5])
    if not scored:
        return None, (), 0.0
    best, entity = scored[0]
    runner = scored[1][0] if len(scored) > 1 else 0.0
    if best >= LINK_MIN and best - runner >= MARGIN:
        return entity, cands, best
    return None, cands, best


def link(text: str, spans: list[Span], published: date | None, index: KBIndex) -> list[Mention]:
    """Mentions for ``spans`` (see module docstring); order and spans are kept."""
    role_of = {id(s): (text[s.role[0] : s.role[1]] if s.role else None) for s in spans}
    results: dict[int, Mention] = {}
    in_doc: dict[str, set[str]] = {}  # linked person → folded tokens of how it was written
    unknown_people: set[str] = set()
    # a name is often written the same way several times in one article: look it up once
    fuzzy: dict[str, dict[str, float]] = {}

    def note(m: Mention, s: Span) -> None:
        if m.entity_id and m.kind == "person":
            in_doc.setdefault(m.entity_id, set()).update(
                t.casefold() for t in text[m.start : m.end].replace("-", " ").split()
            )
        elif m.kind == "person" and s.tokens:
            unknown_people.update(t.casefold() for t in s.tokens)

    def mention(s: Span, **kw: object) -> Mention:
        role = role_of[id(s)]
        base = dict(
            start=s.start,
            end=s.end,
            text=text[s.start : s.end],
            kind=s.kind,
            role=role,
            role_start=s.role[0] if s.role else None,
            role_end=s.role[1] if s.role else None,
            method=s.method,
            nested=s.nested,
        )
        base.update(kw)
        return Mention(**base)  # type: ignore[arg-type]

    # pass 1: alias hits and full names; pass 2: lone tokens (they may refer back)
    for pass_no in (1, 2):
        for s in spans:
            single = s.method == "fuzzy" and len(s.tokens) == 1
            if (pass_no == 2) != single:
                continue
            role = role_of[id(s)]
            if s.method == "unknown":
                results[id(s)] = mention(s)
                continue
            if s.ids:
                if len(s.ids) == 1:
                    m = mention(
                        s,
                        entity_id=s.ids[0],
                        score=1.0,
                        candidates=(Candidate(s.ids[0], index.name_of(s.ids[0]), 1.0),),
                    )
                else:
                    entity, cands, score = _choose(
                        index, dict.fromkeys(s.ids, 1.0), role, published
                    )
                    m = mention(s, entity_id=entity, candidates=cands, score=score)
                results[id(s)] = m
                note(m, s)
                continue
            if single:
                tok = s.tokens[0].casefold()
                refs = [e for e, toks in in_doc.items() if tok in toks]
                if len(refs) == 1:
                    m = mention(
                        s,
                        entity_id=refs[0],
                        method="coref",
                        score=0.9,
                        candidates=(Candidate(refs[0], index.name_of(refs[0]), 0.9),),
                    )
                    results[id(s)] = m
                    continue
                if tok in unknown_people and not refs:
                    results[id(s)] = mention(s, method="coref")
                    continue
                names = _surname_candidates(index, s.tokens[0])
                if not names:
                    continue
                if not (s.honorific or role or len(names) == 1):
                    # a surname several persons of the base share, with nothing to choose by:
                    # a person all the same (quote attribution must count them), never linked
                    cands = tuple(sorted((Candidate(e, index.name_of(e), round(v, 3)) for e, v in names.items()),
                                         key=lambda c: -c.score))[:5]
                    results[id(s)] = mention(s, candidates=cands, score=0.0, method="fuzzy")
                    continue
            else:
                query = s.query or text[s.start : s.end]
                if query not in fuzzy:
                    fuzzy[query] = _candidates(index, query)
                names = dict(fuzzy[query])
            entity, cands, score = _choose(index, names, role, published)
            if entity is None and not cands and not (s.honorific or role):
                continue  # a capitalised phrase with nothing to say it is a person
            m = mention(
                s,
                entity_id=entity,
                candidates=cands,
                score=score,
                method="fuzzy" if entity or cands else "unknown",
            )
            results[id(s)] = m
            note(m, s)
    return [results[id(s)] for s in spans if id(s) in results]


Resolved = Literal["held", "undetermined", "unknown"]


@dataclass(frozen=True, slots=True)
class Resolution:
    """Who held an office a text names: ``holder`` only when ``status`` is "held".

    ``possible`` lists the persons the record does not exclude (1.0 surely held on the day,
    0.5 may have held; for then/former: 1.0 surely an earlier holder, 0.5 may be one),
    ``why`` says why it is not held.
    """

    holder: str | None
    status: Resolved
    why: str | None
    possible: tuple[tuple[str, float], ...]


def resolve_holder(
    tenures: Iterable[Tenure], published: date | None, marker: str | None = None
) -> Resolution:
    """The holder of an office on ``published`` by the record (see ``Resolution``).

    * no date: undetermined;
    * then/former/ex/late: the office as held at another time — undetermined; ``possible``
      lists, most recent first, the earlier holders (former/ex/late: terms ended by the day,
      the person not holding it again that day) or, for "then", everyone who held it up to
      the day (see ``_earlier``);
    * acting/caretaker: held only when exactly one acting or caretaker term surely covers the
      day (the regular holder is not the acting one);
    * otherwise: held when exactly one person surely held it and nobody else may have;
      several (an acting term beside a regular one, co-holders) or an open-ended term after
      its source's as-of date → undetermined; nobody → unknown.
    """
    tenures = list(tenures)
    if published is None:
        people = dict.fromkeys(t.person for t in tenures)
        return Resolution(None, "undetermined", "the document has no date", _possible(people, 0.5))
    if marker in PAST_MARKERS:
        why = (
            "'then': the time meant is not the document's date"
            if marker == "then"
            else f"'{marker}': an earlier holder, the record cannot say which"
        )
        return Resolution(None, "undetermined", why, _earlier(tenures, published, marker))
    verdict: dict[str, bool | None] = {}
    acting: dict[str, bool | None] = {}
    for t in tenures:
        v = t.holds_on(published)
        if v is False:
            continue
        verdict[t.person] = True if v or verdict.get(t.person) else None
        if t.acting:
            acting[t.person] = True if v or acting.get(t.person) else None
    possible = tuple(
        (p, 1.0 if v else 0.5) for p, v in sorted(verdict.items(), key=lambda x: x[1] is not True)
    )
    if marker in ("acting", "caretaker"):
        if len(acting) == 1 and next(iter(acting.values())) is True:
            return Resolution(next(iter(acting)), "held", None, possible)
        why = (
            f"'{marker}': no {marker} term is recorded on that day"
            if not acting
            else f"several {marker} terms may cover that day"
        )
        return Resolution(None, "undetermined", why, possible)
    if not verdict:
        return Resolution(None, "unknown", "the record names nobody in this office on that day", ())
    if len(verdict) > 1:
        return Resolution(None, "undetermined", "several holders overlap on that day", possible)
    person, held = next(iter(verdict.items()))
    if held:
        return Resolution(person, "held", None, possible)
    return Resolution(
        None,
        "undetermined",
        "the record cannot say (open-ended after its source's as-of date, or an imprecise date)",
        possible,
    )


def _possible(people: Iterable[str], score: float) -> tuple[tuple[str, float], ...]:
    return tuple((p, score) for p in people)


def _earlier(tenures: list[Tenure], published: date, marker: str) -> tuple[tuple[str, float], ...]:
    """Who a then-/former/ex-/late office may mean on ``published``, most recent first.

    "then": anyone who held it at some time up to the day, the holder of the day included
    (1.0 when a term surely began by then, 0.5 when its start is unknown). former/ex/late:
    anyone whose term ended by the day and who does not surely hold it again that day (1.0
    when the end is surely past, 0.5 when it may be: an imprecise end, an end the source
    does not know, or a term open at its source's as-of date that may have ended since).
    """
    found: dict[str, tuple[float, date]] = {}
    holding = {t.person for t in tenures if t.holds_on(published) is True}
    maybe = {t.person for t in tenures if t.holds_on(published) is None}
    for t in tenures:
        iv = t.interval
        if iv.start is not None and iv.start.value > published:
            continue  # began after the day
        end = iv.end
        if marker == "then":
            sure = (iv.start is not None and iv.start.last <= published) or (
                end is not None and end.value <= published
            )
            score, when = (1.0 if sure else 0.5), min(end.value if end else published, published)
        else:
            if t.person in holding:
                continue
            if end is not None:
                if end.value > published:
                    continue  # still in office on the day
                gone = published >= (end.value if end.precision == "day" else end.after)
                score, when = (1.0 if gone else 0.5), end.value
            elif iv.end_unknown or (iv.as_of is not None and published >= iv.as_of):
                score, when = 0.5, iv.as_of or published
            else:
                continue
            if t.person in maybe:  # may hold it again that day
                score = 0.5
        if score > found.get(t.person, (0.0, when))[0] or (
            score == found[t.person][0] and when > found[t.person][1]
        ):
            found[t.person] = (score, when)
    order = sorted(found.items(), key=lambda kv: (kv[1][1], kv[1][0]), reverse=True)
    return tuple((p, s) for p, (s, _) in order)
