"""Linking: the gold file of the five seed articles, and choices made by role and date."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from amanat.analyze.mentions import analyze_mentions
from amanat.kb import starter
from amanat.kb.index import KBIndex
from amanat.kb.model import Bound, Entity, Fact, Interval, KnowledgeBase, Label, Source

GOLD = Path(__file__).parent / "gold" / "seed_entities.json"
SAMPLE = Path(__file__).resolve().parents[1] / "src" / "amanat" / "sample"


@pytest.fixture(scope="module")
def index() -> KBIndex:
    return KBIndex.build(starter.load())


def evaluate(index: KBIndex) -> tuple[int, int, int, int, list[str]]:
    """(correct links, wrong links, in-scope gold found, in-scope gold total, misses)."""
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    ok = wrong = found = total = 0
    misses = []
    for name, doc in gold["documents"].items():
        text = (SAMPLE / name).read_text(encoding="utf-8")
        # offices named without a person (kind "position") are not links to a person or to
        # anything the gold lists; test_offices_are_not_person_links checks them apart
        mentions = [m for m in analyze_mentions(text, None, index) if m.kind != "position"]
        spans = doc["mentions"]
        for m in mentions:
            if m.entity_id is None:
                continue
            if any(
                g["entity"] == m.entity_id and g["start"] < m.end and m.start < g["end"]
                for g in spans
            ):
                ok += 1
            else:
                wrong += 1
                misses.append(f"wrong {name} {m.text!r} → {m.entity_id}")
        for g in spans:
            if gold["entities"][g["entity"]].get("out_of_scope"):
                continue
            total += 1
            if any(
                m.entity_id == g["entity"] and g["start"] < m.end and m.start < g["end"]
                for m in mentions
            ):
                found += 1
            else:
                misses.append(f"missed {name} {g['text']!r} ({g['entity']})")
    return ok, wrong, found, total, misses


def test_gold_was_written_before_the_linker_and_matches_the_sample() -> None:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    assert gold["written_before_linker"] is True
    for name, doc in gold["documents"].items():
        text = (SAMPLE / name).read_text(encoding="utf-8")
        for g in doc["mentions"]:
            assert text[g["start"] : g["end"]] == g["text"], (name, g)
            assert g["entity"] in gold["entities"]


def test_seed_gold_precision_and_recall(index: KBIndex) -> None:
    ok, wrong, found, total, misses = evaluate(index)
    precision = ok / (ok + wrong)
    recall = found / total
    assert total > 150
    assert precision >= 0.95, misses
    assert recall >= 0.90, misses


def _kb_two_presidents() -> KnowledgeBase:
    """A toy base: two people sharing a surname, in one office at different times."""
    src = Source("t", "test", "test", as_of=date(2024, 1, 1))
    kb = KnowledgeBase.from_records(
        [
            src,
            Entity("P", "position", (Label("Prime Minister of Pakistan", "en"),)),
            Entity("C", "place", (Label("Pakistan", "en"),)),
            Entity("N", "person", (Label("Nawaz Sharif", "en"),)),
            Entity("S", "person", (Label("Shehbaz Sharif", "en"),)),
            Fact("P", "jurisdiction", object="C", source="t", interval=Interval(as_of=src.as_of)),
            Fact(
                "N",
                "position_held",
                object="P",
                source="t",
                interval=Interval(Bound.parse("2013-06-05"), Bound.parse("2017-07-28")),
            ),
            Fact(
                "S",
                "position_held",
                object="P",
                source="t",
                interval=Interval(Bound.parse("2022-04-11"), None, as_of=src.as_of),
            ),
        ]
    )
    return kb


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2016, 3, 1), "N"), (date(2023, 3, 1), "S"), (None, None)],
)
def test_the_date_decides_who_the_prime_minister_was(
    day: date | None, expected: str | None
) -> None:
    index = KBIndex.build(_kb_two_presidents())
    text = "Pakistani Prime Minister Sharif visited Astana."
    m = next(m for m in analyze_mentions(text, day, index) if m.text == "Sharif")
    assert m.entity_id == expected
    assert {c.entity_id for c in m.candidates} == {"N", "S"}


def test_then_marker_looks_back_in_time() -> None:
    index = KBIndex.build(_kb_two_presidents())
    text = "The then-Prime Minister Sharif of Pakistan had visited."
    m = next(m for m in analyze_mentions(text, date(2016, 3, 1), index) if m.text == "Sharif")
    # in 2016 only Nawaz Sharif had held the office: "then" cannot mean a later holder
    assert m.entity_id == "N"


def test_ambiguous_name_without_context_stays_unlinked() -> None:
    index = KBIndex.build(_kb_two_presidents())
    m = next(
        m
        for m in analyze_mentions("Mr. Sharif spoke.", date(2023, 3, 1), index)
        if m.text == "Sharif"
    )
    assert m.entity_id is None and len(m.candidates) == 2


def test_no_special_casing_of_seed_texts(index: KBIndex) -> None:
    """The same sentence shape with other names behaves the same way (unknown stays unknown)."""
    text = "UN Secretary-General Jan Kowalski's spokesman Piotr Nowak told reporters."
    ms = {m.text: m for m in analyze_mentions(text, date(2022, 1, 6), index)}
    assert ms["Piotr Nowak"].entity_id is None
    assert ms["Piotr Nowak"].role == "UN Secretary-General Jan Kowalski's spokesman"


def test_offices_are_not_person_links(index: KBIndex) -> None:
    """In the seed articles, offices named without a person ("the President of Kazakhstan")
    are kind "position": linked to the office, never to a person, and never over a gold
    person mention — so leaving them out of precision/recall hides no person link."""
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    kb = starter.load()
    found = 0
    for name, doc in gold["documents"].items():
        text = (SAMPLE / name).read_text(encoding="utf-8")
        people = [
            g for g in doc["mentions"] if gold["entities"][g["entity"]].get("kind") == "person"
        ]
        for m in analyze_mentions(text, date(2022, 6, 1), index):
            if m.kind != "position":
                continue
            found += 1
            assert m.entity_id is None or kb.entities[m.entity_id].kind == "position", m
            assert m.holder is None or kb.entities[m.holder].kind == "person"
            assert not any(g["start"] < m.end and m.start < g["end"] for g in people), m
    assert found >= 3
