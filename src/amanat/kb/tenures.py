"""Terms in an office, seen from the office, and the folding of one term told by several
sources into one.

Office-holder files overlap: the same Nazarbayev term comes from a cabinet file at day
precision and from a world-leaders file at year precision. Answering "who held it" once per
record lists one person once per source; answering from one record drops the others'
citations. ``merge_tenures`` keeps one term per person and term, citing every source, and
refuses to fold records whose dates disagree (that would invent a date no source gives).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from amanat.kb.model import Bound, Interval


@dataclass(frozen=True, slots=True)
class Tenure:
    """One term in an office, seen from the office: a ``position_held`` fact, or several
    that tell the same term from different sources (``merge_tenures``), then cited by all."""

    person: str
    interval: Interval
    acting: bool
    source: str
    sources: tuple[str, ...] = ()  # every source of a merged term; empty: ``source`` alone

    def cited(self) -> tuple[str, ...]:
        """The sources that give this term."""
        return self.sources or (self.source,)


def merge_tenures(tenures: Iterable[Tenure]) -> list[Tenure]:
    """One ``Tenure`` per term: records of the same person's term (same acting flag) whose
    bounds agree — each start and end inside the other's period, as a year-precision 2019
    holds 2019-03-20 — become one, with the most precise bounds and every source.

    Records that disagree stay apart (two terms of one person, or sources giving different
    days): folding them would invent a date no source gives. Where they agree the most
    precise bound is what every source allows, so its three-valued answer is theirs."""
    merged: list[Tenure] = []
    for t in tenures:
        for i, m in enumerate(merged):
            if m.person == t.person and m.acting == t.acting and _same_term(m.interval, t.interval):
                merged[i] = Tenure(
                    m.person,
                    _finer(m.interval, t.interval),
                    m.acting,
                    m.source,
                    tuple(dict.fromkeys((*m.cited(), *t.cited()))),
                )
                break
        else:
            merged.append(t)
    return merged


_PRECISION_RANK = {"day": 0, "month": 1, "year": 2}


def _bounds_agree(a: Bound | None, b: Bound | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.value < b.after and b.value < a.after


def _same_term(a: Interval, b: Interval) -> bool:
    """Whether two records can be one term: starts agree (an unknown start only with another
    unknown one), and ends agree — an open end is known up to its as-of date, so it agrees
    with an end only when that date is not after the end's period."""
    if not _bounds_agree(a.start, b.start):
        return False
    if a.end is not None and b.end is not None:
        return _bounds_agree(a.end, b.end)
    open_one, ended = (a, b) if a.end is None else (b, a)
    if ended.end is None or open_one.end_unknown:
        return True
    return open_one.as_of is None or open_one.as_of <= ended.end.after


def _finer(a: Interval, b: Interval) -> Interval:
    """The interval with the most precise of each bound (of agreeing records)."""

    def pick(x: Bound | None, y: Bound | None) -> Bound | None:
        if x is None or y is None:
            return x or y
        return x if _PRECISION_RANK[x.precision] <= _PRECISION_RANK[y.precision] else y

    end = pick(a.end, b.end)
    # the as-of date of an open end is how long its source knew the term went on
    as_ofs = [iv.as_of for iv in (a, b) if iv.as_of and iv.end is None and not iv.end_unknown]
    as_ofs = as_ofs or [iv.as_of for iv in (a, b) if iv.as_of]
    return Interval(
        pick(a.start, b.start),
        end,
        max(as_ofs) if as_ofs else None,
        end_unknown=end is None and a.end_unknown and b.end_unknown,
    )
