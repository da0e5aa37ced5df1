"""Titles against the dated record (titles-at-date) and together in one article
(titles-together), on a small base built here: Ban Ki-moon as UN Secretary-General 2007–2016,
Tokayev as President of Kazakhstan from 2019 (known up to 2022-07-25), and an acting term."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from amanat.check import DocumentView, Record
from amanat.check.titles import AT_DATE, TOGETHER
from amanat.kb.index import KBIndex
from amanat.kb.model import (
    JURISDICTION,
    POSITION_HELD,
    Bound,
    Entity,
    Fact,
    Interval,
    KnowledgeBase,
    Label,
    Source,
)
from amanat.model import Mention

BAN, TOKAYEV, ACTING = "Q1", "Q2", "Q3"
SG, PRES = "P:sg", "P:pres"


@pytest.fixture(scope="module")
def record() -> Record:
    kb = KnowledgeBase()
    kb.add(Source("s:un", "UN Secretaries-General", as_of=date(2022, 7, 25)))
    kb.add(Source("s:kz", "Presidents of Kazakhstan", as_of=date(2022, 7, 25)))
    kb.add(Entity(BAN, "person", (Label("Ban Ki-moon", "en"),)))
    kb.add(Entity(TOKAYEV, "person", (Label("Kassym-Jomart Tokayev", "en"),)))
    kb.add(Entity(ACTING, "person", (Label("Dariga Nazarbayeva", "en"),)))
    kb.add(Entity("Q232", "place", (Label("Kazakhstan", "en"),)))
    kb.add(Entity(SG, "position", (Label("Secretary-General of the United Nations", "en"),)))
    kb.add(Entity(PRES, "position", (Label("President of Kazakhstan", "en"),)))
    kb.add(Fact(PRES, JURISDICTION, "Q232", source="s:kz"))
    kb.add(Fact(BAN, POSITION_HELD, SG, source="s:un",
                interval=Interval(Bound.parse("2007-01-01"), Bound.parse("2017-01-01"))))
    kb.add(Fact(TOKAYEV, POSITION_HELD, PRES, source="s:kz",
                interval=Interval(Bound.parse("2019-03-20"), None, date(2022, 7, 25))))
    kb.add(Fact(ACTING, POSITION_HELD, PRES, source="s:kz", qualifiers=(("acting", "true"),),
                interval=Interval(Bound.parse("2019-03-19"), Bound.parse("2019-03-21"))))
    return Record(kb, KBIndex.build(kb), "test")


def titled(text: str, role: str, name: str, entity: str, marker: str | None = None) -> Mention:
    """The person mention of ``role + " " + name`` in ``text``, with its title attached."""
    at = text.index(f"{role} {name}")
    start = at + len(role) + 1
    written = role if marker is None else role.split(" ", 1)[1] if " " in role else role
    return Mention(start, start + len(name), name, "person", entity, role=written, role_start=at,
                   role_end=at + len(role), marker=marker)


def doc(text: str, day: date | None, *mentions: Mention) -> DocumentView:
    return DocumentView("d1", text, day, "metadata" if day else None, "en", "test", (), mentions)


def run(check: Any, record: Record, view: DocumentView) -> list[tuple[str, str]]:
    return [(f.type, f.status) for f in check.run(view, record)]


BAN_TEXT = "Secretary-General Ban Ki-moon's spokesman said President Kassym-Jomart Tokayev had called."


def _ban_and_tokayev(text: str = BAN_TEXT) -> tuple[Mention, Mention]:
    return (titled(text, "Secretary-General", "Ban Ki-moon", BAN),
            titled(text, "President", "Kassym-Jomart Tokayev", TOKAYEV))


def test_a_title_after_the_term_ended_is_contradicted(record: Record) -> None:
    ban, tok = _ban_and_tokayev()
    [f] = AT_DATE.run(doc(BAN_TEXT, date(2022, 1, 6), ban, tok), record)
    assert (f.type, f.status, f.severity) == ("title-at-date", "contradicted", "high")
    assert "2007-01-01 to 2016-12-31" in f.sentence and f.facts[0]["source"] == "s:un"
    assert f.evidence[0].text == "Secretary-General Ban Ki-moon" and f.judged_at == "2022-01-06"
    assert f.key == f"{BAN}|general secretary"


def test_a_title_in_its_term_says_nothing(record: Record) -> None:
    ban, tok = _ban_and_tokayev()
    assert run(AT_DATE, record, doc(BAN_TEXT, date(2010, 5, 1), ban)) == []
    assert run(AT_DATE, record, doc(BAN_TEXT, date(2021, 5, 1), tok)) == []


def test_then_and_former_markers_are_another_time(record: Record) -> None:
    for marker, role in (("former", "former Secretary-General"), ("then", "then-Secretary-General")):
        text = f"{role} Ban Ki-moon spoke, and President Kassym-Jomart Tokayev replied."
        ban = Mention(text.index("Ban"), text.index("Ban") + 11, "Ban Ki-moon", "person", BAN,
                      role="Secretary-General", role_start=0, role_end=len(role), marker=marker)
        tok = titled(text, "President", "Kassym-Jomart Tokayev", TOKAYEV)
        assert run(AT_DATE, record, doc(text, date(2022, 1, 6), ban, tok)) == [], marker
        assert run(TOGETHER, record, doc(text, date(2022, 1, 6), ban, tok)) == [], marker


def test_an_acting_term_fits_its_days(record: Record) -> None:
    text = "President Dariga Nazarbayeva signed the decree."
    m = titled(text, "President", "Dariga Nazarbayeva", ACTING)
    assert run(AT_DATE, record, doc(text, date(2019, 3, 20), m)) == []
    acting = Mention(m.start, m.end, m.text, "person", ACTING, role="President", role_start=m.role_start,
                     role_end=m.role_end, marker="acting")
    assert run(AT_DATE, record, doc(text, date(2019, 3, 20), acting)) == []
    assert run(AT_DATE, record, doc(text, date(2020, 3, 20), m)) == [("title-at-date", "contradicted")]


def test_an_open_term_past_its_sources_as_of_date_is_undetermined(record: Record) -> None:
    text = "President Kassym-Jomart Tokayev spoke."
    tok = titled(text, "President", "Kassym-Jomart Tokayev", TOKAYEV)
    [f] = AT_DATE.run(doc(text, date(2024, 1, 1), tok), record)
    assert (f.status, f.severity) == ("undetermined", "info") and "known up to 2022-07-25" in f.sentence


def test_an_unknown_document_date_says_nothing_at_the_date(record: Record) -> None:
    ban, tok = _ban_and_tokayev()
    assert run(AT_DATE, record, doc(BAN_TEXT, None, ban, tok)) == []


def test_a_year_in_the_sentence_is_judged_apart(record: Record) -> None:
    text = "In 2015, Secretary-General Ban Ki-moon visited Astana. President Kassym-Jomart Tokayev met us."
    ban = titled(text, "Secretary-General", "Ban Ki-moon", BAN)
    tok = titled(text, "President", "Kassym-Jomart Tokayev", TOKAYEV)
    assert run(AT_DATE, record, doc(text, date(2022, 1, 6), ban, tok)) == []
    assert run(TOGETHER, record, doc(text, date(2022, 1, 6), ban, tok)) == []


def test_ban_ki_moon_beside_tokayev_is_inconsistent_even_without_a_date(record: Record) -> None:
    ban, tok = _ban_and_tokayev()
    for day in (date(2022, 1, 6), None):
        [f] = TOGETHER.run(doc(BAN_TEXT, day, ban, tok), record)
        assert (f.type, f.status) == ("titles-together", "inconsistent")
        assert [e.text for e in f.evidence] == ["Secretary-General Ban Ki-moon", "President Kassym-Jomart Tokayev"]
        assert {x["subject"] for x in f.facts} == {BAN, TOKAYEV}
        assert f.key == "&".join(sorted([f"{BAN}|general secretary", f"{TOKAYEV}|president"]))


def test_titles_that_may_overlap_or_fit_no_office_say_nothing(record: Record) -> None:
    text = "President Dariga Nazarbayeva and President Kassym-Jomart Tokayev met."
    a = titled(text, "President", "Dariga Nazarbayeva", ACTING)
    b = titled(text, "President", "Kassym-Jomart Tokayev", TOKAYEV)
    assert run(TOGETHER, record, doc(text, None, a, b)) == []  # 2019-03-20 is in both terms
    text = "Ambassador Ban Ki-moon spoke."
    assert run(AT_DATE, record, doc(text, date(2022, 1, 6), titled(text, "Ambassador", "Ban Ki-moon", BAN))) == []
