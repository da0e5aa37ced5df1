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


def test_same_tenure_from_several_files_is_one_fact_citing_all() -> None:
    """The finest dates win; an open tenure is known up to the latest file's as-of date; a
    tenure that ends before another file's as-of, with that file still open, stays apart."""
    from amanat.kb.build import tenures

    def h(start: str | None, end: str | None, source: str) -> Holding:
        return Holding(
            "Q1", "A B", "Q9", "President of X", "Q5", "X",
            Bound.parse(start) if start else None, Bound.parse(end) if end else None, source,
        )  # fmt: skip

    as_of = {"a": date(2022, 7, 25), "b": date(2022, 10, 10), "c": date(2023, 1, 10)}
    (t,) = tenures([h("2019", None, "b"), h("2019-03-20", None, "a")], as_of)
    assert t.first.start == Bound(date(2019, 3, 20)) and t.sources == ["a", "b"]
    assert t.as_of == date(2022, 10, 10)
    # closed after the open file's date: the same tenure, now with its end
    (t,) = tenures([h("2019-03-20", None, "a"), h("2019-03-20", "2022-09-01", "c")], as_of)
    assert t.first.end == Bound(date(2022, 9, 1)) and set(t.sources) == {"a", "c"}
    # closed before the open file's date: the files disagree, both facts stay
    assert len(tenures([h("2019-03-20", None, "b"), h("2019-03-20", "2022-09-01", "c")], as_of)) == 2


def test_running_name_turns_list_order_around() -> None:
    from amanat.kb.holdings import running_name

    assert running_name("Черкесов, Виктор Васильевич") == "Виктор Васильевич Черкесов"
    assert running_name("Martin Luther King, Jr.") == "Martin Luther King, Jr."
    assert running_name("Ban Ki-moon") == "Ban Ki-moon"


def test_build_takes_every_office_holder_and_legislator() -> None:
    """Not only the former sample scope: interior ministers, speakers, prosecutors,
    legislators of every country the files cover, each person once."""
    kb = KnowledgeBase.from_records(build(shared_path("data", "kb")))
    persons = [e for e in kb.entities.values() if e.kind == "person"]
    assert len(persons) > 10_000 and len({e.id for e in persons}) == len(persons)
    labels = {e.name for e in kb.entities.values() if e.kind == "position"}
    assert {"member of the State Duma", "People's Deputy of Ukraine"} <= labels
    assert any("Interior" in la or "Internal Affairs" in la for la in labels)
    # Tokayev's presidency: one fact, cited by every file that gives it
    (term,) = [
        f for f in kb.facts.values()
        if f.subject == "Q200881" and f.object == "Q5256775" and f.interval.start
        and f.interval.start.value.year == 2019
    ]  # fmt: skip
    assert len(term.sources) >= 2 and term.interval.as_of == max(
        kb.sources[s].as_of for s in term.sources
    )
