"""Documents per day of publication, and binning into days, weeks, months or years.

The count is one GROUP BY over the first ten characters of ``published`` (ISO 8601 at its
own precision), which works the same on SQLite and PostgreSQL. Documents dated only to a
month or a year are counted as ``imprecise`` rather than placed on a day they may not
belong to; undated ones are counted apart. (This query belongs with the store's other reads;
it lives here until the store grows a place for it.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import sqlalchemy as sa

from amanat.store import schema as t
from amanat.store.db import Store

Bin = Literal["day", "week", "month", "year"]
MAX_BINS = 120


@dataclass(frozen=True)
class Timeline:
    days: dict[date, int] = field(default_factory=dict)
    imprecise: int = 0  # dated to a month or year only
    undated: int = 0


def timeline(store: Store) -> Timeline:
    d = t.documents
    day = sa.func.substr(d.c.published, 1, 10)
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(day, sa.func.count()).group_by(day)).fetchall()
    days: dict[date, int] = {}
    imprecise = undated = 0
    for value, n in rows:
        if value is None:
            undated += n
            continue
        try:
            days[date.fromisoformat(value)] = days.get(date.fromisoformat(value), 0) + n
        except ValueError:
            imprecise += n
    return Timeline(days, imprecise, undated)


def choose_bin(first: date, last: date, max_bins: int = MAX_BINS) -> Bin:
    """The finest bin that keeps the chart within ``max_bins`` bars."""
    span = (last - first).days + 1
    if span <= max_bins:
        return "day"
    if span <= max_bins * 7:
        return "week"
    if span <= max_bins * 30:
        return "month"
    return "year"


def bin_start(day: date, unit: Bin) -> date:
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "year":
        return day.replace(month=1, day=1)
    return day


def _next(start: date, unit: Bin) -> date:
    if unit == "day":
        return start + timedelta(days=1)
    if unit == "week":
        return start + timedelta(days=7)
    if unit == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start.replace(year=start.year + 1)


def binned(days: dict[date, int], unit: Bin | None = None) -> tuple[Bin, list[tuple[date, int]]]:
    """Counts per bin from the first to the last dated day, empty bins included."""
    if not days:
        return unit or "day", []
    first, last = min(days), max(days)
    unit = unit or choose_bin(first, last)
    counts: dict[date, int] = {}
    for day, n in days.items():
        key = bin_start(day, unit)
        counts[key] = counts.get(key, 0) + n
    out, at, end = [], bin_start(first, unit), bin_start(last, unit)
    while at <= end:
        out.append((at, counts.get(at, 0)))
        at = _next(at, unit)
    return unit, out
