"""Building a scoped knowledge base from the office-holder files."""

from datetime import date

from amanat.kb.build import DEFAULT_SCOPE, Holding, build, close_gaps
from amanat.kb.model import Bound, KnowledgeBase
from conftest import shared_path


def _holding(start, end, person="Q1"):
    return Holding(
        person,
        "X",
        "P",
        "President of Kazakhstan",
        "Q232",
        "Kazakhstan",
        Bound.parse(start),
        Bound.parse(end) if end else None,
        "s",
    )


def test_scope_rule_is_about_offices_places_and_dates():
    assert DEFAULT_SCOPE(_holding("2019-03-20", None))
    assert not DEFAULT_SCOPE(_holding("1991-12-16", "2014-03-20"))
    assert not DEFAULT_SCOPE(
        Holding(
            "Q1",
            "X",
            "P",
            "President of Germany",
            "Q183",
            "Germany",
            Bound.parse("2019"),
            None,
            "s",
        )
    )
    assert not DEFAULT_SCOPE(
        Holding(
            "Q1",
            "X",
            "P",
            "Deputy Prime Minister",
            "Q232",
            "Kazakhstan",
            Bound.parse("2019"),
            None,
            "s",
        )
    )


def test_close_gaps_moves_last_day_to_handover():
    a = _holding("1997-01-01", "2006-12-31", "Q1")
    b = _holding("2007-01-01", "2017-01-01", "Q2")
    fixed = close_gaps([a, b])
    assert fixed[0].end == Bound(date(2007, 1, 1))
    assert fixed[1].end == Bound(date(2017, 1, 1))  # no successor starts 2017-01-02


def test_build_from_shared_data():
    kb = KnowledgeBase.from_records(build(shared_path("data", "kb")))
    assert kb.sources and all(s.as_of for s in kb.sources.values())
    assert all(f.source in kb.sources for f in kb.facts.values())
    president = "Q5256775"
    on_2022 = {
        kb.entities[f.subject].name for f, v in kb.holders(president, date(2022, 1, 15)) if v
    }
    assert on_2022 == {"Kassym-Jomart Tokayev"}
    sg = next(
        e.id for e in kb.entities.values() if e.name == "Secretary-General of the United Nations"
    )
    assert {kb.entities[f.subject].name for f, v in kb.holders(sg, date(2022, 1, 15)) if v} == {
        "António Guterres"
    }
    assert {kb.entities[f.subject].name for f, v in kb.holders(sg, date(2016, 12, 31)) if v} == {
        "Ban Ki-moon"
    }
