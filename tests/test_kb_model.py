"""Time logic of the knowledge base: half-open intervals, precision, as-of horizon."""

from datetime import date

import pytest

from amanat.kb.model import Bound, Entity, Fact, Interval, KnowledgeBase, Label, end_from_inclusive


def test_bound_parses_precision_and_zero_fields():
    assert Bound.parse("2004-09-00") == Bound(date(2004, 9, 1), "month")
    assert Bound.parse("1998-00-00") == Bound(date(1998, 1, 1), "year")
    assert Bound.parse("2017").after == date(2018, 1, 1)
    assert Bound.parse("2004-12").after == date(2005, 1, 1)
    with pytest.raises(ValueError):
        Bound.parse("yesterday")


def test_half_open_day_interval():
    ban = Interval(Bound.parse("2007-01-01"), Bound.parse("2017-01-01"))
    assert ban.contains(date(2016, 12, 31)) is True
    assert ban.contains(date(2017, 1, 1)) is False
    assert ban.contains(date(2006, 12, 31)) is False


def test_coarse_bounds_are_undetermined_inside_their_period():
    iv = Interval(Bound.parse("2004-09"), Bound.parse("2017"))
    assert iv.contains(date(2004, 8, 31)) is False
    assert iv.contains(date(2004, 9, 15)) is None
    assert iv.contains(date(2004, 10, 1)) is True
    assert iv.contains(date(2017, 6, 1)) is None
    assert iv.contains(date(2018, 1, 1)) is False


def test_open_end_known_only_until_as_of():
    iv = Interval(Bound.parse("2019-03-20"), None, as_of=date(2022, 7, 25))
    assert iv.contains(date(2022, 7, 24)) is True
    assert iv.contains(date(2023, 1, 1)) is None  # never False after the horizon
    assert Interval(Bound.parse("2019"), None, end_unknown=True).contains(date(2030, 1, 1)) is None


def test_inclusive_end_becomes_exclusive():
    end = end_from_inclusive(Bound.parse("1971-12-31"))
    assert end == Bound(date(1972, 1, 1))
    assert end_from_inclusive(Bound.parse("1971-12")) == Bound.parse("1971-12")


def test_overlap_three_valued():
    a = Interval(Bound.parse("2010-01-01"), Bound.parse("2012-01-01"))
    assert a.overlaps(Interval(Bound.parse("2012-01-01"), Bound.parse("2013-01-01"))) is False
    assert a.overlaps(Interval(Bound.parse("2011-01-01"), Bound.parse("2013-01-01"))) is True


def test_holders_and_entity_merge():
    kb = KnowledgeBase()
    kb.add(Entity("Q1", "person", (Label("A", "en"),)))
    kb.add(Entity("Q1", "other", (Label("А", "ru"),), (("wikidata", "Q1"),)))
    assert kb.entities["Q1"].names() == ["A", "А"] and kb.entities["Q1"].qid == "Q1"
    kb.add(
        Fact(
            "Q1",
            "position_held",
            object="P",
            interval=Interval(Bound.parse("2000"), Bound.parse("2005-05-05")),
        )
    )
    assert [v for _, v in kb.holders("P", date(2003, 1, 1))] == [True]
    assert [v for _, v in kb.holders("P", date(2000, 6, 1))] == [None]
    assert kb.holders("P", date(2006, 1, 1)) == []
