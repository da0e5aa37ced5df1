"""Precision and recall of claim extraction against hand-labelled gold. Pure.

Gold cases (tests/gold/CLAIMS.md) give each claim's type, the text that states it and the
type's fields, written before the extractors. A predicted claim *matches* a gold claim of the
same type when their spans overlap and the fields that make the claim what it is agree:

- figure: measure, value and qualifier (unit, as-of and attribution are scored apart, as
  the share of matched figures that have them right);
- quote: the spans overlap (detection); the speaker is scored apart (attribution), equal
  when one name contains the other, case and punctuation aside;
- role: person (or place) and title as above, and the marker;
- event: date and precision;
- membership: group as above and the same set of members.

Each gold claim matches at most one prediction and each prediction one gold claim, so a
figure reported twice counts once right and once wrong ("one claim per figure").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from amanat.model import CLAIM_TYPES, Claim

Extract = Callable[[str, date | None, str], list[Claim]]


def _norm(value: Any) -> str:
    return re.sub(r"[^\w]+", " ", str(value or "").casefold()).strip()


def _names_agree(a: Any, b: Any) -> bool:
    x, y = _norm(a), _norm(b)
    if not x or not y:
        return x == y
    return x == y or f" {x} " in f" {y} " or f" {y} " in f" {x} "


def _values_agree(a: Any, b: Any) -> bool:
    try:
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))
    except (TypeError, ValueError):
        return False


def core_match(kind: str, gold: dict[str, Any], got: dict[str, Any]) -> bool:
    """Whether a prediction states the same claim as a gold one (spans aside)."""
    if kind == "figure":
        return (gold.get("measure") == got.get("measure") and _values_agree(gold.get("value"), got.get("value"))
                and gold.get("qualifier") == got.get("qualifier"))
    if kind == "role":
        who = "place" if gold.get("place") else "person"
        return (_names_agree(gold.get(who), got.get(who)) and _names_agree(gold.get("title"), got.get("title"))
                and gold.get("marker") == got.get("marker"))
    if kind == "event":
        return gold.get("date") == got.get("date") and gold.get("precision") == got.get("precision")
    if kind == "membership":
        members = {_norm(m) for m in gold.get("members") or []}
        return _names_agree(gold.get("group"), got.get("group")) and members == {_norm(m) for m in got.get("members") or []}
    return True  # quote: detection is the span; the speaker is scored apart


ATTRIBUTES = {"figure": ("unit", "as_of", "attributed_to"), "quote": ("speaker",)}


@dataclass
class Score:
    """Counts for one claim type."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    attributes: Counter[str] = field(default_factory=Counter)  # attribute -> matched claims that have it right

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    scores: dict[str, Score] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # one line per miss or false claim, for tuning

    def score(self, kind: str) -> Score:
        return self.scores.setdefault(kind, Score())


def gold_span(case: dict[str, Any], claim: dict[str, Any]) -> tuple[int, int]:
    """Where a gold claim's text stands in its case (the ``occurrence``-th time)."""
    text, wanted = case["text"], claim["text"]
    start = -1
    for _ in range(int(claim.get("occurrence", 0)) + 1):
        start = text.find(wanted, start + 1)
        if start < 0:
            raise ValueError(f"gold case {case['id']}: {wanted!r} not in its text")
    return start, start + len(wanted)


def _attribute_ok(name: str, gold: Any, got: Any) -> bool:
    if name in ("speaker", "attributed_to"):
        return _names_agree(gold, got)
    if name == "unit":
        return _norm(gold).rstrip("s") == _norm(got).rstrip("s")
    return gold == got


def evaluate(cases: Iterable[dict[str, Any]], extract: Extract, types: Iterable[str] | None = None) -> Report:
    """Score ``extract(text, date, language)`` on gold cases, per claim type."""
    wanted = set(types) if types is not None else None
    report = Report()
    for case in cases:
        day = date.fromisoformat(case["date"]) if case.get("date") else None
        # a case may label only some types (``labelled_types``): predictions of others are not scored there
        labelled = set(case.get("labelled_types") or ()) or None
        kinds = (wanted or set(CLAIM_TYPES)) & (labelled or set(CLAIM_TYPES))
        got = [c for c in extract(case["text"], day, case.get("lang", "en")) if c.type in kinds]
        gold = [g for g in case["claims"] if g["type"] in kinds]
        used: set[int] = set()
        for g in gold:
            gs, ge = gold_span(case, g)
            score = report.score(g["type"])
            found = next((i for i, c in enumerate(got) if i not in used and c.type == g["type"]
                          and c.start < ge and gs < c.end and core_match(g["type"], g, c.fields)), None)
            if found is None:
                score.fn += 1
                report.errors.append(f"{case['id']}: missed {g['type']} {g['text']!r} {_fields(g)}")
                continue
            used.add(found)
            score.tp += 1
            for name in ATTRIBUTES.get(g["type"], ()):
                if _attribute_ok(name, g.get(name), got[found].fields.get(name)):
                    score.attributes[name] += 1
                else:
                    report.errors.append(f"{case['id']}: {g['type']} {name} {got[found].fields.get(name)!r}, "
                                         f"expected {g.get(name)!r}")
        for i, c in enumerate(got):
            if i not in used:
                report.score(c.type).fp += 1
                report.errors.append(f"{case['id']}: false {c.type} {c.text!r} {_fields(c.fields)}")
    return report


def _fields(claim: dict[str, Any]) -> str:
    return str({k: v for k, v in claim.items() if k not in ("type", "text", "start", "end", "occurrence")})


def table(report: Report) -> list[dict[str, Any]]:
    """Rows for docs and the CLI: per type, counts, precision, recall, and attribute accuracy."""
    rows = []
    for kind in sorted(report.scores):
        s = report.scores[kind]
        row: dict[str, Any] = {"type": kind, "gold": s.tp + s.fn, "predicted": s.tp + s.fp, "tp": s.tp,
                               "precision": round(s.precision, 3), "recall": round(s.recall, 3), "f1": round(s.f1, 3)}
        for name in ATTRIBUTES.get(kind, ()):
            row[name] = round(s.attributes[name] / s.tp, 3) if s.tp else None
        rows.append(row)
    return rows
