"""The claim gold files keep to their format (tests/gold/CLAIMS.md), so an evaluation never
trips over a typo: a wrong enum, a span that is not in its text, a duplicated id.

The labels themselves are human judgement and are not tested here; only their shape is.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

GOLD = Path(__file__).parent / "gold"
HANDWRITTEN = GOLD / "claims_handwritten.json"
REAL = GOLD / "claims_real.json"

CLAIM_TYPES = {"figure", "quote", "role", "event", "membership"}
MEASURES = {
    "deaths",
    "injured",
    "hospitalised",
    "arrests",
    "participants",
    "displaced",
    "money",
    "percentage",
    "count",
}
QUALIFIERS = {"about", "at least", "more than", "up to", "less than", "nearly"}
MARKERS = {"then", "former", "ex", "late", "acting", "caretaker"}
PRECISIONS = {"day": r"\d{4}-\d{2}-\d{2}", "month": r"\d{4}-\d{2}", "year": r"\d{4}"}
# keys every claim of a type has (values may be null where the format allows it)
REQUIRED = {
    "figure": {"measure", "value", "qualifier", "unit", "as_of", "attributed_to"},
    "quote": {"speaker"},
    "role": {"title", "marker"},
    "event": {"date", "precision"},
    "membership": {"group", "members"},
}
OPTIONAL = {"role": {"person", "place"}}
CASE_KEYS = {"id", "text", "date", "lang", "claims"}


def _is_date(value: str, pattern: str) -> bool:
    """A real calendar date (or month, or year) written in ISO form at the given precision."""
    if not re.fullmatch(pattern, value):
        return False
    parts = [int(p) for p in value.split("-")]
    if len(parts) >= 2 and not 1 <= parts[1] <= 12:
        return False
    if len(parts) == 3:
        try:
            date(*parts)
        except ValueError:
            return False
    return True


def _any_precision(value: Any) -> bool:
    return isinstance(value, str) and any(_is_date(value, p) for p in PRECISIONS.values())


def _written(name: Any, text: str) -> bool:
    """Names are given as written in the text (case aside: 'The ministry' at a sentence start)."""
    return isinstance(name, str) and bool(name.strip()) and name.lower() in text.lower()


def claim_problems(claim: Any, text: str) -> list[str]:
    """What is wrong with one claim of a case whose text is `text`."""
    if not isinstance(claim, dict):
        return ["claim is not an object"]
    kind = claim.get("type")
    if kind not in CLAIM_TYPES:
        return [f"type {kind!r} is not one of {sorted(CLAIM_TYPES)}"]
    problems = []
    keys = set(claim)
    missing = REQUIRED[kind] - keys
    unknown = (
        keys - REQUIRED[kind] - OPTIONAL.get(kind, set()) - {"type", "text", "occurrence", "note"}
    )
    if missing:
        problems.append(f"{kind} lacks {sorted(missing)}")
    if unknown:
        problems.append(f"{kind} has unknown keys {sorted(unknown)}")
    span = claim.get("text")
    if not isinstance(span, str) or not span:
        problems.append("text is missing or empty")
    else:
        found = text.count(span)
        occurrence = claim.get("occurrence")
        if found == 0:
            problems.append(f"text {span!r} does not occur in the case text")
        elif occurrence is None and found > 1:
            problems.append(f"text {span!r} occurs {found} times: give its occurrence")
        elif occurrence is not None and not (
            isinstance(occurrence, int) and 0 <= occurrence < found
        ):
            problems.append(f"occurrence {occurrence!r} of {span!r} does not exist ({found} found)")
    if missing:
        return problems
    if kind == "figure":
        problems += _figure_problems(claim, text)
    elif kind == "quote":
        if claim["speaker"] is not None and not _written(claim["speaker"], text):
            problems.append(f"speaker {claim['speaker']!r} is not written in the text")
    elif kind == "role":
        holders = [k for k in ("person", "place") if k in claim]
        if len(holders) != 1:
            problems.append("a role has exactly one of person or place")
        elif not _written(claim[holders[0]], text):
            problems.append(f"{holders[0]} {claim[holders[0]]!r} is not written in the text")
        if not isinstance(claim["title"], str) or not claim["title"].strip():
            problems.append("title is empty")
        if claim["marker"] is not None and claim["marker"] not in MARKERS:
            problems.append(f"marker {claim['marker']!r} is not one of {sorted(MARKERS)}")
    elif kind == "event":
        when, precision = claim["date"], claim["precision"]
        if when is None or precision is None:
            if when is not None or precision is not None:
                problems.append("an unresolved event has both date and precision null")
        elif precision not in PRECISIONS:
            problems.append(f"precision {precision!r} is not one of {sorted(PRECISIONS)}")
        elif not (isinstance(when, str) and _is_date(when, PRECISIONS[precision])):
            problems.append(f"date {when!r} is not an ISO date at {precision} precision")
    elif kind == "membership":
        if not _written(claim["group"], text):
            problems.append(f"group {claim['group']!r} is not written in the text")
        members = claim["members"]
        if not isinstance(members, list) or not members:
            problems.append("members is not a non-empty list")
        else:
            problems += [
                f"member {m!r} is not written in the text" for m in members if not _written(m, text)
            ]
    return problems


def _figure_problems(claim: dict[str, Any], text: str) -> list[str]:
    problems = []
    value = claim["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.append(f"value {value!r} is not a number")
    if claim["measure"] not in MEASURES:
        problems.append(f"measure {claim['measure']!r} is not one of {sorted(MEASURES)}")
    if claim["qualifier"] is not None and claim["qualifier"] not in QUALIFIERS:
        problems.append(f"qualifier {claim['qualifier']!r} is not one of {sorted(QUALIFIERS)}")
    unit = claim["unit"]
    if claim["measure"] == "money":
        if not (isinstance(unit, str) and re.fullmatch(r"[A-Z]{3}", unit)):
            problems.append(f"money unit {unit!r} is not an ISO currency code")
    elif claim["measure"] == "percentage":
        if unit != "%":
            problems.append(f"percentage unit {unit!r} is not '%'")
    elif unit is not None and (
        not isinstance(unit, str) or not unit.strip() or unit != unit.lower()
    ):
        problems.append(f"unit {unit!r} is not a lowercase noun or null")
    if claim["as_of"] is not None and not _any_precision(claim["as_of"]):
        problems.append(f"as_of {claim['as_of']!r} is not an ISO date, month or year")
    if claim["attributed_to"] is not None and not _written(claim["attributed_to"], text):
        problems.append(f"attributed_to {claim['attributed_to']!r} is not written in the text")
    return problems


def case_problems(case: Any) -> list[str]:
    """What is wrong with one case, each problem prefixed by where it is."""
    if not isinstance(case, dict):
        return ["case is not an object"]
    where = case.get("id", "?")
    problems = [f"{where}: lacks {k!r}" for k in sorted(CASE_KEYS - set(case))]
    if problems:
        return problems
    text = case["text"]
    if not isinstance(case["id"], str) or not case["id"]:
        problems.append(f"{where}: id is not a non-empty string")
    if not isinstance(text, str) or not text.strip():
        return [*problems, f"{where}: text is empty"]
    if case["date"] is not None and not (
        isinstance(case["date"], str) and _is_date(case["date"], PRECISIONS["day"])
    ):
        problems.append(f"{where}: date {case['date']!r} is not an ISO day or null")
    if not (isinstance(case["lang"], str) and re.fullmatch(r"[a-z]{2,3}", case["lang"])):
        problems.append(f"{where}: lang {case['lang']!r} is not a language code")
    labelled = case.get("labelled_types")
    if labelled is not None and not (isinstance(labelled, list) and set(labelled) <= CLAIM_TYPES):
        problems.append(f"{where}: labelled_types {labelled!r} names unknown types")
    if not isinstance(case["claims"], list):
        return [*problems, f"{where}: claims is not a list"]
    for i, claim in enumerate(case["claims"]):
        problems += [f"{where} claim {i}: {p}" for p in claim_problems(claim, text)]
        if labelled is not None and isinstance(claim, dict) and claim.get("type") not in labelled:
            problems.append(
                f"{where} claim {i}: type {claim.get('type')!r} is not in labelled_types"
            )
    return problems


def load(path: Path) -> list[Any]:
    cases = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(cases, list), f"{path.name}: a gold file is a JSON list of cases"
    return cases


GOLD_FILES = [
    pytest.param(HANDWRITTEN, id="handwritten"),
    pytest.param(
        REAL,
        id="real",
        marks=pytest.mark.skipif(not REAL.exists(), reason="claims_real.json not written yet"),
    ),
]


@pytest.mark.parametrize("path", GOLD_FILES)
def test_gold_file_keeps_the_format(path: Path) -> None:
    cases = load(path)
    problems = [p for case in cases for p in case_problems(case)]
    assert not problems, f"{path.name}:\n" + "\n".join(problems[:50])


@pytest.mark.parametrize("path", GOLD_FILES)
def test_case_ids_are_unique(path: Path) -> None:
    ids = [case["id"] for case in load(path)]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"{path.name}: duplicated ids {duplicates}"


def test_case_ids_are_unique_across_files() -> None:
    if not REAL.exists():
        pytest.skip("claims_real.json not written yet")
    shared = {c["id"] for c in load(HANDWRITTEN)} & {c["id"] for c in load(REAL)}
    assert not shared, f"ids in both gold files: {sorted(shared)}"


def test_handwritten_suite_covers_the_format() -> None:
    """The hand-written suite exists to cover every branch of the format: keep it that way."""
    cases = load(HANDWRITTEN)
    claims = [c for case in cases for c in case["claims"]]
    assert len(cases) >= 170
    assert sum(1 for case in cases if not case["claims"]) >= 40, "at least 40 negative cases"
    assert {c["type"] for c in claims} == CLAIM_TYPES
    figures = [c for c in claims if c["type"] == "figure"]
    assert {c["measure"] for c in figures} == MEASURES
    assert {c["qualifier"] for c in figures} - {None} == QUALIFIERS
    assert {c["marker"] for c in claims if c["type"] == "role"} - {None} == MARKERS
    assert {c["precision"] for c in claims if c["type"] == "event"} == set(PRECISIONS) | {None}
    assert any(c["type"] == "quote" and c["speaker"] is None for c in claims)
    assert any(c["type"] == "role" and "place" in c for c in claims)
    assert len({case["lang"] for case in cases}) >= 4, "cases in other languages and scripts"


def test_the_validator_catches_broken_claims() -> None:
    """The checks above would pass on anything if the validator were blind; show it is not."""
    text = "At least 225 people were killed, the ministry said on Sunday."
    good = {
        "type": "figure",
        "text": "At least 225 people were killed",
        "measure": "deaths",
        "value": 225,
        "qualifier": "at least",
        "unit": "people",
        "as_of": None,
        "attributed_to": "the ministry",
    }
    assert claim_problems(good, text) == []
    broken = [
        {**good, "text": "225 people died"},
        {**good, "measure": "fatalities"},
        {**good, "value": "225"},
        {**good, "qualifier": "some"},
        {**good, "as_of": "Sunday"},
        {**good, "attributed_to": "the health ministry"},
        {k: v for k, v in good.items() if k != "unit"},
        {"type": "event", "text": "on Sunday", "date": "2022-01", "precision": "day"},
        {"type": "event", "text": "on Sunday", "date": None, "precision": "day"},
        {
            "type": "role",
            "text": "the ministry",
            "person": "X",
            "title": "minister",
            "marker": "then-",
        },
        {"type": "claim", "text": "the ministry"},
    ]
    for claim in broken:
        assert claim_problems(claim, text), claim
