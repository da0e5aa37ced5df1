"""Whether two counts of one measure can both hold: what a qualifier allows, what rounding
allows, and which places a figure's sentence names. Pure.

Shared by the check of one document against itself (``consistency.FIGURES``) and the check of
a story's reports against each other (``divergences.FIGURES_ACROSS``), so the two can never
disagree about when "at least 150" and "172" agree. How far each qualifier reaches is data
(``check/data/figures.json``, with the reasons for its values), not code.

A figure is read as an *interval* of values it allows, each end open or closed: "more than
100" is (100, ∞), "nearly 100" is [75, 100), "between 150 and 200" is [150, 200], an
unqualified "4,300" is [4,250, 4,350). Two figures are compatible when their intervals meet.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from amanat.model import Claim, Mention

# the low end of a range written before the figure: "between 150 and [200]", "150 to [200]"
_DATELINE_END = re.compile(r"\s[-–—]\s|/[A-Z]{2,}/\.?\s*")
_AGENCY = re.compile(r"\([A-Za-z .]{2,30}\)|/[A-Z]{2,}/")
_CAPITALS = re.compile(r"\s*[A-Z]{3,}\b")
_RANGE_BEFORE = re.compile(r"(?:between\s+)?(\d[\d,]*(?:\.\d+)?)\s*(?:and|to|or|-|–)\s*$", re.I)


@dataclass(frozen=True)
class Bounds:
    """The values a figure allows."""

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False

    def meets(self, other: Bounds) -> bool:
        """Whether some value lies in both."""
        if self.low != other.low:
            low, low_open = max((self.low, self.low_open), (other.low, other.low_open))
        else:
            low, low_open = self.low, self.low_open or other.low_open
        if self.high != other.high:
            high, high_open = min((self.high, self.high_open), (other.high, other.high_open))
        else:
            high, high_open = self.high, self.high_open or other.high_open
        return low < high or (low == high and not low_open and not high_open)


@cache
def _table() -> dict[str, Any]:
    path = resources.files("amanat.check") / "data" / "figures.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def qualifiers() -> frozenset[str]:
    """The qualifiers whose reach is known; a figure with another one is not compared."""
    return frozenset(_table()["qualifiers"])


def _rounded(value: float) -> Bounds | None:
    """The values an unqualified round number may stand for ("4,300" → [4,250, 4,350))."""
    if value < _table()["rounding_from"] or value != int(value):
        return None
    digits = str(int(value))
    zeros = len(digits) - len(digits.rstrip("0"))
    if zeros == 0:
        return None
    half = 10 ** zeros / 2
    return Bounds(value - half, value + half, False, True)


def bounds(value: float, qualifier: str | None, low: float | None = None) -> Bounds | None:
    """The values a figure allows; ``low`` is the low end of a written range ("150 to 200").
    None for a qualifier whose reach is not known."""
    if low is not None and low < value:
        return Bounds(low, value)
    if not qualifier:
        return _rounded(value) or Bounds(value, value)
    reach = _table()["qualifiers"].get(qualifier.casefold())
    if reach is None:
        return None
    lo, hi, lo_open, hi_open = reach
    return Bounds(value * lo, math.inf if hi is None else value * hi, bool(lo_open), bool(hi_open))


def range_low(text: str, claim: Claim, sentence_start: int) -> float | None:
    """The low end of a range the text writes just before the figure, if any."""
    if claim.fields.get("qualifier"):
        return None
    m = _RANGE_BEFORE.search(text, max(sentence_start, claim.start - 30), claim.start)
    if not m:
        return None
    try:
        return float(m.group(1).replace(",", ""))
    except ValueError:
        return None


def claim_bounds(claim: Claim, low: float | None = None) -> Bounds | None:
    """The values a figure claim allows (None when its value or qualifier cannot be read)."""
    value = claim.fields.get("value")
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    q = claim.fields.get("qualifier")
    return bounds(float(value), q if isinstance(q, str) else None, low)


def compatible(a: Claim, b: Claim, low_a: float | None = None, low_b: float | None = None) -> bool:
    """Whether two figures can both hold (True when either cannot be read: never a guess)."""
    ba, bb = claim_bounds(a, low_a), claim_bounds(b, low_b)
    if ba is None or bb is None:
        return True
    return ba.meets(bb)


def figure_text(c: Claim) -> str:
    """A figure as a person reads it: "at least 164"."""
    value = c.fields["value"]
    shown = f"{value:,}" if isinstance(value, int) else f"{value:,g}"
    return " ".join(x for x in (c.fields.get("qualifier"), shown) if x)


def dateline_end(text: str) -> int:
    """Where a wire dateline ends ("ALMATY (Reuters) - ", "MOSCOW, January 6. /TASS/. "), 0 when
    the text opens with none: the dateline's place is where the report was filed, not where
    its figures were counted."""
    head = text[:120]
    m = _DATELINE_END.search(head)
    if m and (_AGENCY.search(head, 0, m.end()) or _CAPITALS.match(head)):
        return m.end()
    return 0


def places_in(mentions: tuple[Mention, ...], span: tuple[int, int], text: str = "",
              attributed_to: str | None = None, skip: Sequence[tuple[int, int]] = ()) -> frozenset[str]:
    """The places a span names, by entity (or by name when unlinked) — where a figure was
    counted. A place inside an organisation's name ("the Interior Ministry of Kazakhstan"),
    inside who gives the figure ("Kazakhstan's health ministry said") or in a wire dateline is
    not where it was counted, and is left out when ``text`` is given; so is one in a ``skip``
    span (the part of a total: "164 killed, including 103 in Almaty")."""
    orgs = [(m.start, m.end) for m in mentions if m.kind == "organization"]
    said: tuple[int, int] | None = None
    if text and attributed_to:
        at = text.find(attributed_to, span[0], span[1])
        if at >= 0:
            said = (at, at + len(attributed_to))
    filed = dateline_end(text) if text else 0
    out = set()
    for m in mentions:
        if m.kind != "place" or not (span[0] <= m.start < span[1]) or m.start < filed:
            continue
        if text and (m.nested or any(s <= m.start < e for s, e in orgs)):
            continue
        if (said and said[0] <= m.start < said[1]) or any(a <= m.start < b for a, b in skip):
            continue
        out.add(m.entity_id or m.text.casefold())
    return frozenset(out)
