"""Office resolution (``amanat.kb.offices``) and ``kb who`` on top of it: an office the base
does not know is "unknown office" with suggestions, several that fit are "ambiguous", a
misspelling resolves only when one office is close, and one term from several sources is one
row citing them all — on the shipped base and on small bases built here."""

from __future__ import annotations

import json
from datetime import date

from typer.testing import CliRunner

from amanat.cli import app
from amanat.kb import service, starter
from amanat.kb.index import KBIndex
from amanat.kb.model import Bound, Entity, Fact, Interval, KnowledgeBase, Label, Source
from amanat.kb.offices import resolve_office
from amanat.kb.tenures import Tenure, merge_tenures

ON = date(2016, 6, 1)


def _shipped() -> KBIndex:
    return KBIndex.build(starter.load())


def _country(qid: str, name: str, *offices: tuple[str, str]) -> list[object]:
    """A country and its offices (id, label), each with its jurisdiction."""
    out: list[object] = [Entity(qid, "place", (Label(name, "en"),))]
    for pid, label in offices:
        out.append(Entity(pid, "position", (Label(label, "en"),)))
        out.append(Fact(pid, "jurisdiction", object=qid, source="t", interval=Interval()))
    return out


def _small_base(*records: object) -> KnowledgeBase:
    src = Source("t", "test", "test", as_of=date(2024, 1, 1))
    return KnowledgeBase.from_records([src, *records])  # type: ignore[list-item]


# --- unknown offices -------------------------------------------------------------------------


def test_an_unknown_jurisdiction_is_an_unknown_office_with_suggestions() -> None:
    index = _shipped()
    for phrase, title in (
        ("President of Narnia", "president"),
        ("Prime Minister of Narnia", "prime"),
    ):
        res = resolve_office(index, phrase)
        assert res.status == "unknown office" and res.position is None and not res.candidates
        assert "narnia" in (res.why or "")
        assert res.suggestions and all(
            title in _label(index, s).casefold() for s in res.suggestions
        )


def _label(index: KBIndex, pid: str) -> str:
    return next(p.label for p in index.positions if p.position_id == pid)


def test_an_office_the_country_does_not_have_is_unknown() -> None:
    index = _shipped()
    res = resolve_office(index, "Minister of Magic of Kazakhstan")
    assert res.status == "unknown office" and "magic" in (res.why or "")
    assert "Q2416315" in res.suggestions  # Prime Minister of Kazakhstan is near, not an answer
    assert resolve_office(index, "Vice President of Kazakhstan").status == "unknown office"


def test_who_on_an_unknown_office_lists_nobody_and_exits_0(store_url: str) -> None:
    runner = CliRunner()
    for phrase in (
        "President of Narnia",
        "Prime Minister of Narnia",
        "Minister of Magic of Kazakhstan",
    ):
        result = runner.invoke(
            app,
            ["--db", store_url, "kb", "who", "--position", phrase, "--on", "2016-06-01", "--json"],
        )
        assert result.exit_code == 0, result.stderr
        answer = json.loads(result.stdout)
        assert answer["status"] == "unknown office" and answer["holders"] == []
        assert answer["position"] is None and answer["suggestions"]
    table = runner.invoke(
        app,
        ["--db", store_url, "kb", "who", "--position", "President of Narnia", "--on", "2016-06-01"],
    )
    assert table.exit_code == 0 and "unknown office" in table.stdout
    assert "President of Armenia" in table.stdout  # a suggestion, said as one
    assert "Nazarbayev" not in table.stdout


# --- resolved, ambiguous ---------------------------------------------------------------------


def test_the_forms_of_one_office_resolve_to_it() -> None:
    index = _shipped()
    for phrase in (
        "President of Kazakhstan",
        "Kazakhstan's President",
        "Kazakh President",
        "president of the Republic of Kazakhstan",
    ):
        res = resolve_office(index, phrase)
        assert (res.status, res.position) == ("resolved", "Q5256775"), phrase
    assert resolve_office(index, "un secretary general").position == "Q81066"
    assert (
        resolve_office(index, "Kazakh ambassador to Pakistan").position
        == "amanat:position/kz-ambassador-to-pakistan"
    )
    # the ministry is an organisation of the base; the office is Russia's
    assert resolve_office(index, "Russian Foreign Ministry Spokesperson").status == "resolved"


def test_a_title_without_owner_is_ambiguous_not_answered() -> None:
    res = resolve_office(_shipped(), "Secretary-General")
    assert res.status == "ambiguous" and res.position is None
    assert "amanat:position/csto-secretary-general" in res.candidates and len(res.candidates) >= 4


# --- misspellings ----------------------------------------------------------------------------


def test_a_transliterated_country_resolves_when_one_office_is_close() -> None:
    index = _shipped()
    for phrase in ("president of kazakstan", "Qazaqstan President"):
        res = resolve_office(index, phrase)
        assert (res.status, res.position) == ("resolved", "Q5256775"), phrase
        assert res.read_as and res.read_as[0][1] == "Kazakhstan"
    res = resolve_office(index, "Presidnet of Kazakhstan")
    assert (res.status, res.position) == ("resolved", "Q5256775")


def _slavic_base() -> KnowledgeBase:
    return _small_base(
        *_country("SK", "Slovakia", ("PSK", "President of Slovakia")),
        *_country("SI", "Slovenia", ("PSI", "President of Slovenia")),
    )


def test_a_misspelling_close_to_two_offices_is_ambiguous() -> None:
    index = KBIndex.build(_slavic_base())
    res = resolve_office(index, "President of Slovania")  # one letter from both
    assert res.status == "ambiguous" and set(res.candidates) == {"PSK", "PSI"}
    res = resolve_office(index, "President of Slovkia")  # close to Slovakia only
    assert (res.status, res.position) == ("resolved", "PSK")
    assert resolve_office(index, "President of Narnia").status == "unknown office"


# --- one term, several sources ---------------------------------------------------------------


def _two_sources_base() -> KnowledgeBase:
    a = Source("a", "cabinet file", "test", as_of=date(2022, 7, 25))
    b = Source("b", "world leaders", "test", as_of=date(2022, 10, 10))
    day = Interval(Bound.parse("2019-03-20"), None, as_of=a.as_of)
    year = Interval(Bound.parse("2019"), None, as_of=b.as_of)
    earlier = Interval(Bound.parse("1991-12-16"), Bound.parse("2019-03-20"), as_of=a.as_of)
    return KnowledgeBase.from_records(
        [
            a,
            b,
            *_country("KZ", "Kazakhstan", ("PKZ", "President of Kazakhstan")),
            Entity("T", "person", (Label("Kassym-Jomart Tokayev", "en"),)),
            Entity("N", "person", (Label("Nursultan Nazarbayev", "en"),)),
            Fact("T", "position_held", object="PKZ", source="a", interval=day),
            Fact("T", "position_held", object="PKZ", source="b", interval=year),
            Fact("N", "position_held", object="PKZ", source="a", interval=earlier),
        ]
    )


def test_one_term_from_two_sources_is_one_row_citing_both() -> None:
    kb = _two_sources_base()
    answer = service.who(kb, "President of Kazakhstan", date(2021, 1, 1))
    assert answer.status == "resolved"
    assert [(h.person.id, h.holds, h.tenure.cited()) for h in answer.holders] == [
        ("T", True, ("a", "b"))
    ]
    row = service.who_json(answer)["holders"][0]
    assert row["start"] == "2019-03-20" and [s["id"] for s in row["sources"]] == ["a", "b"]
    assert row["sources_disagree"] is False
    # within 2019 before the day: the year source cannot say, the day source can
    early = service.who(kb, "President of Kazakhstan", date(2019, 2, 1)).holders
    assert [h.person.id for h in early] == ["N"]


def test_the_shipped_base_lists_one_person_once() -> None:
    answer = service.who(starter.load(), "President of Kazakhstan", date(2021, 1, 1))
    people = [h.person.id for h in answer.holders]
    assert people == ["Q200881"] and len(answer.holders[0].tenure.cited()) >= 2


def test_sources_a_day_apart_are_one_term_undetermined_on_that_day() -> None:
    """One source ends a term on its last day, the other on the day after: one row, both
    cited; on the day between them the record cannot say, it does not pick one."""
    terms = merge_tenures(
        [
            Tenure("P", Interval(Bound.parse("2013-06-05"), Bound.parse("2017-07-28")), False, "a"),
            Tenure("P", Interval(Bound.parse("2013-06-05"), Bound.parse("2017-07-29")), False, "b"),
            Tenure("P", Interval(Bound.parse("2018-01-01"), Bound.parse("2019-01-01")), False, "a"),
        ]
    )
    assert [t.cited() for t in terms] == [("a", "b"), ("a",)]  # a second term stays apart
    assert terms[0].disagree
    assert terms[0].holds_on(date(2017, 7, 27)) is True
    assert terms[0].holds_on(date(2017, 7, 28)) is None
    assert terms[0].holds_on(date(2017, 7, 29)) is False
