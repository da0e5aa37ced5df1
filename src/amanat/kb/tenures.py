"""Terms in an office, seen from the office, and the folding of one term told by several
sources into one.

Office-holder files overlap: the same Nazarbayev term comes from a cabinet file at day
precision and from a world-leaders file at year precision. Answering "who held it" once per
record lists one person once per source; answering from one record drops the others'
citations. ``merge_tenures`` keeps one term per person and term, citing every source, and
refuses to fold records whose dates disagree (that would invent a date no source gives).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from amanat.kb.model import Bound, Interval


@dataclass(frozen=True, slots=True)
class Tenure:
    """One term in an office, seen from the office: a ``position_held`` fact, or several
    that tell the same term from different sources (``merge_tenures``), then cited by all.

    ``interval`` is the term as shown (each bound as precisely as the sources agree on it);
    ``records`` keeps each source's own interval when several were merged, and ``holds_on``
    answers from all of them."""

    person: str
    interval: Interval
    acting: bool
    source: str
    records: tuple[tuple[str, Interval], ...] = ()  # (source, its interval) of a merged term

    def cited(self) -> tuple[str, ...]:
        """The sources that give this term."""
        return tuple(dict.fromkeys(s for s, _ in self.records)) or (self.source,)

    def told(self) -> tuple[tuple[str, Interval], ...]:
        """Each source with the interval it gives."""
        return self.records or ((self.source, self.interval),)

    def holds_on(self, day: date) -> bool | None:
        """Whether the term held on ``day`` by all its sources: a source that cannot say
        (a year where another gives the day) defers to one that can; sources that say
        opposite things (ends a day apart) make it undetermined, never one of them."""
        verdicts = {iv.contains(day) for _, iv in self.told()}
        if True in verdicts and False in verdicts:
            return None
        if False in verdicts:
            return False
        return True if True in verdicts else None

    @property
    def disagree(self) -> bool:
        """Whether the sources give different dates (not only different precision)."""
        told = [iv for _, iv in self.told()]
        return any(not _same_term(a, b) for a, b in itertools.combinations(told, 2))


def merge_tenures(tenures: Iterable[Tenure]) -> list[Tenure]:
    """One ``Tenure`` per term: records of the same person (same acting flag) whose intervals
    surely share a day are one term told by several sources — whether they agree (a year
    2019 beside 2019-03-20) or not (an end a day apart, one source counting the last day, the
    other the first day after). Two terms of one person never share a day and stay apart; a
    record without a start cannot be placed and stays apart too."""
    merged: list[Tenure] = []
    for t in tenures:
        for i, m in enumerate(merged):
            if (
                m.person == t.person
                and m.acting == t.acting
                and any(iv.overlaps(t.interval) is True for _, iv in m.told())
            ):
                records = (*m.told(), *t.told())
                shown = _shown([iv for _, iv in records])
                merged[i] = Tenure(m.person, shown, m.acting, m.source, records)
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
    """Whether two records give the same dates up to precision: starts agree (an unknown
    start only with another unknown one), and ends agree — an open end is known up to its
    as-of date, so it agrees with an end only when that date is not after the end's period."""
    if not _bounds_agree(a.start, b.start):
        return False
    if a.end is not None and b.end is not None:
        return _bounds_agree(a.end, b.end)
    open_one, ended = (a, b) if a.end is None else (b, a)
    if ended.end is None or open_one.end_unknown:
        return True
    return open_one.as_of is None or open_one.as_of <= ended.end.after


def _shown(intervals: list[Interval]) -> Interval:
    """The term as shown: the most precise start and end; where sources disagree, the
    earliest start and the latest end (``holds_on`` answers from every record)."""

    def pick(bounds: list[Bound], latest: bool) -> Bound | None:
        if not bounds:
            return None
        agree = all(_bounds_agree(a, b) for a in bounds for b in bounds)
        if agree:
            return min(bounds, key=lambda b: _PRECISION_RANK[b.precision])
        return max(bounds, key=lambda b: b.after) if latest else min(bounds, key=lambda b: b.value)

    starts = [iv.start for iv in intervals if iv.start is not None]
    ends = [iv.end for iv in intervals if iv.end is not None]
    open_ended = [iv for iv in intervals if iv.end is None and not iv.end_unknown]
    # the as-of date of an open end is how long its source knew the term went on
    as_ofs = [iv.as_of for iv in open_ended if iv.as_of] or [
        iv.as_of for iv in intervals if iv.as_of
    ]
    return Interval(
        pick(starts, latest=False) if len(starts) == len(intervals) else None,
        pick(ends, latest=True),
        max(as_ofs) if as_ofs else None,
        end_unknown=not ends and not open_ended,
    )
