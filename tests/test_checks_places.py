"""Places against the record: dated names and capitals at the document's date, and one place's
names inside one document — on a small base built here (Astana's names, Kazakhstan's capitals)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from amanat.check import DocumentView, Record
from amanat.check.places import PLACE_NAMES, PLACES_AT_DATE
from amanat.kb.index import KBIndex
from amanat.kb.model import (
    CAPITAL,
    NAME,
    Bound,
    Entity,
    Fact,
    Interval,
    KnowledgeBase,
    Label,
    Source,
)
from amanat.model import Claim, Mention

ASTANA, ALMATY, KZ, PK = "Q1520", "almaty", "Q232", "Q843"


def _iv(start: str | None, end: str | None = None, as_of: str | None = None) -> Interval:
    return Interval(Bound.parse(start) if start else None, Bound.parse(end) if end else None,
                    date.fromisoformat(as_of) if as_of else None)


@pytest.fixture(scope="module")
def record() -> Record:
    kb = KnowledgeBase()
    kb.add(Source("s:names", "Names of Astana", as_of=date(2025, 1, 5)))
    kb.add(Source("s:capitals", "Capitals", as_of=date(2025, 1, 5)))
    kb.add(Entity(ASTANA, "place", (Label("Astana", "en"), Label("Nur-Sultan", "en", kind="alias"),
                                    Label("Akmola", "en", kind="alias"), Label("Астана", "ru", kind="alias"))))
    kb.add(Entity(ALMATY, "place", (Label("Almaty", "en"), Label("Alma-Ata", "en", kind="alias"))))
    kb.add(Entity(KZ, "place", (Label("Kazakhstan", "en"),)))
    kb.add(Entity(PK, "place", (Label("Pakistan", "en"),)))
    for value, iv in (("Akmola", _iv(None, "1998-05-06")), ("Astana", _iv("1998-05-06", "2019-03-23")),
                      ("Nur-Sultan", _iv("2019-03-23", "2022-09-17")),
                      ("Astana", _iv("2022-09-17", None, "2025-01-05"))):
        kb.add(Fact(ASTANA, NAME, value=value, lang="en", interval=iv, source="s:names"))
    kb.add(Fact(KZ, CAPITAL, ALMATY, interval=_iv(None, "1997-12-10"), source="s:capitals"))
    kb.add(Fact(KZ, CAPITAL, ASTANA, interval=_iv("1997-12-10", None, "2025-01-05"), source="s:capitals"))
    return Record(kb, KBIndex.build(kb), "test")


def place(text: str, fragment: str, entity: str, nth: int = 0) -> Mention:
    start = -1
    for _ in range(nth + 1):
        start = text.index(fragment, start + 1)
    return Mention(start, start + len(fragment), fragment, "place", entity)


def role(text: str, fragment: str, name: str, entity: str, title: str, marker: str | None = None) -> Claim:
    start = text.index(fragment)
    return Claim("role", start, start + len(fragment), fragment,
                 {"place": name, "title": title, "marker": marker, "entity": entity})


def doc(text: str, day: date | None, mentions: tuple[Mention, ...] = (), claims: tuple[Claim, ...] = (),
        **kw: Any) -> DocumentView:
    return DocumentView("d1", text, day, "metadata" if day else None, "en", "test", claims, mentions, **kw)


def statuses(found: list[Any]) -> list[tuple[str, str]]:
    return [(f.type, f.status) for f in found]


# --- the capital at the date ------------------------------------------------------------------


def test_a_former_capital_called_the_capital_is_contradicted(record: Record) -> None:
    text = "Talks were held in Almaty, the capital of Kazakhstan, on Monday."
    c = role(text, "Almaty, the capital of Kazakhstan", "Almaty", ALMATY, "capital of Kazakhstan")
    [f] = PLACES_AT_DATE.run(doc(text, date(2020, 5, 4), (place(text, "Almaty", ALMATY),), (c,)), record)
    assert (f.status, f.type) == ("contradicted", "capital-at-date")
    assert "until 1997-12-09" in f.sentence and f.facts[0]["source"] == "s:capitals"
    assert f.evidence[0].text == c.text


def test_owner_as_demonym_or_possessive_and_no_owner(record: Record) -> None:
    for fragment, title in (("Almaty, the Kazakh capital", "Kazakh capital"),
                            ("Almaty, Kazakhstan's capital", "Kazakhstan's capital"),
                            ("Almaty, the capital", "capital")):
        text = f"They met in {fragment}, on Monday."
        c = role(text, fragment, "Almaty", ALMATY, title)
        assert statuses(PLACES_AT_DATE.run(doc(text, date(2020, 5, 4), (), (c,)), record)) == [
            ("capital-at-date", "contradicted")], fragment


def test_the_capital_when_it_was_one_says_nothing(record: Record) -> None:
    text = "They met in Almaty, the capital of Kazakhstan."
    c = role(text, "Almaty, the capital of Kazakhstan", "Almaty", ALMATY, "capital of Kazakhstan")
    # the record does not say when Almaty became the capital: at most undetermined before 1997
    assert statuses(PLACES_AT_DATE.run(doc(text, date(1995, 5, 4), (), (c,)), record)) == [
        ("capital-at-date", "undetermined")]
    text = "They met in Astana, the capital of Kazakhstan."
    c = role(text, "Astana, the capital of Kazakhstan", "Astana", ASTANA, "capital of Kazakhstan")
    assert PLACES_AT_DATE.run(doc(text, date(2024, 5, 4), (), (c,)), record) == []


def test_markers_other_capitals_and_a_year_are_not_judged(record: Record) -> None:
    day = date(2020, 5, 4)
    cases = [("Almaty, then the capital", "capital", "then"),
             ("Almaty, the former capital", "former capital", None),
             ("Almaty, once the capital", "capital", None),
             ("Almaty, the financial capital", "financial capital", None),
             ("Almaty, the southern capital of Kazakhstan", "southern capital of Kazakhstan", None)]
    for fragment, title, marker in cases:
        text = f"They met in {fragment}."
        c = role(text, fragment, "Almaty", ALMATY, title, marker)
        assert PLACES_AT_DATE.run(doc(text, day, (), (c,)), record) == [], fragment
    text = "In 1995 they met in Almaty, the capital of Kazakhstan."
    c = role(text, "Almaty, the capital of Kazakhstan", "Almaty", ALMATY, "capital of Kazakhstan")
    assert PLACES_AT_DATE.run(doc(text, day, (), (c,)), record) == []


def test_past_the_as_of_date_or_unknown_country_is_never_contradicted(record: Record) -> None:
    text = "They met in Astana, the capital of Kazakhstan."
    c = role(text, "Astana, the capital of Kazakhstan", "Astana", ASTANA, "capital of Kazakhstan")
    # an open-ended fact past its source's as-of date: the record cannot tell
    assert statuses(PLACES_AT_DATE.run(doc(text, date(2030, 1, 1), (), (c,)), record)) == [
        ("capital-at-date", "undetermined")]
    text = "They met in Almaty, the capital of Pakistan."
    c = role(text, "Almaty, the capital of Pakistan", "Almaty", ALMATY, "capital of Pakistan")
    assert PLACES_AT_DATE.run(doc(text, date(2020, 1, 1), (), (c,)), record) == []  # no capital of Pakistan known


def test_a_place_the_record_never_lists_as_capital_is_at_most_undetermined(record: Record) -> None:
    kb = KnowledgeBase(dict(record.kb.entities), dict(record.kb.facts), dict(record.kb.sources))
    kb.add(Entity("shymkent", "place", (Label("Shymkent", "en"),)))
    rec = Record(kb, KBIndex.build(kb), "test")
    text = "They met in Shymkent, the capital of Kazakhstan."
    c = role(text, "Shymkent, the capital of Kazakhstan", "Shymkent", "shymkent", "capital of Kazakhstan")
    assert statuses(PLACES_AT_DATE.run(doc(text, date(2020, 1, 1), (), (c,)), rec)) == [
        ("capital-at-date", "undetermined")]


def test_no_document_date_says_nothing(record: Record) -> None:
    text = "They met in Almaty, the capital of Kazakhstan. Nur-Sultan was quiet."
    c = role(text, "Almaty, the capital of Kazakhstan", "Almaty", ALMATY, "capital of Kazakhstan")
    assert PLACES_AT_DATE.run(doc(text, None, (place(text, "Nur-Sultan", ASTANA),), (c,)), record) == []


# --- a dated name at the date -----------------------------------------------------------------


def test_a_name_outside_its_period_is_informational(record: Record) -> None:
    text = "Leaders gathered in Nur-Sultan for the summit."
    [f] = PLACES_AT_DATE.run(doc(text, date(2023, 10, 2), (place(text, "Nur-Sultan", ASTANA),)), record)
    assert (f.status, f.type) == ("informational", "place-name-at-date")
    assert "2019-03-23 to 2022-09-16" in f.sentence and "\"Astana\"" in f.sentence
    text = "Leaders gathered in Astana for the summit."
    [f] = PLACES_AT_DATE.run(doc(text, date(2020, 10, 2), (place(text, "Astana", ASTANA),)), record)
    assert f.status == "informational" and "Nur-Sultan" in f.sentence


def test_a_name_in_its_period_undated_aliases_and_naming_sentences_say_nothing(record: Record) -> None:
    for text, name, day in (("Leaders gathered in Nur-Sultan.", "Nur-Sultan", date(2021, 10, 2)),
                            ("Leaders gathered in Astana.", "Astana", date(2023, 10, 2)),
                            ("Leaders gathered in Астана.", "Астана", date(2020, 10, 2)),  # an alias the record does not date
                            ("Astana, formerly Nur-Sultan, hosted it.", "Nur-Sultan", date(2023, 10, 2)),
                            ("The city was renamed Nur-Sultan.", "Nur-Sultan", date(2023, 10, 2)),
                            ("In 2021 leaders gathered in Nur-Sultan.", "Nur-Sultan", date(2023, 10, 2)),
                            ("Leaders gathered in Astana.", "Astana", date(2031, 1, 1))):  # past the source's as-of date
        assert PLACES_AT_DATE.run(doc(text, day, (place(text, name, ASTANA),)), record) == [], text


def test_a_sentence_with_an_event_on_another_day_is_not_judged(record: Record) -> None:
    text = "Leaders gathered in Nur-Sultan last October."
    event = Claim("event", text.index("last October"), len(text) - 1, "last October",
                  {"date": "2022-10", "precision": "month"})
    assert PLACES_AT_DATE.run(doc(text, date(2023, 3, 2), (place(text, "Nur-Sultan", ASTANA),), (event,)), record) == []


# --- two names inside one document ------------------------------------------------------------


def test_two_names_of_different_periods_in_two_paragraphs_are_inconsistent(record: Record) -> None:
    text = "Leaders gathered in Astana on Monday.\nThe talks in Nur-Sultan went on into the night."
    ms = (place(text, "Astana", ASTANA), place(text, "Nur-Sultan", ASTANA))
    for day in (date(2021, 1, 1), None):
        [f] = PLACE_NAMES.run(doc(text, day, ms), record)
        assert (f.status, f.type) == ("inconsistent", "place-names-in-document")
        assert [e.text for e in f.evidence] == ["Astana", "Nur-Sultan"]


def test_two_names_in_one_paragraph_or_explained_say_nothing(record: Record) -> None:
    text = "Leaders gathered in Astana on Monday. The talks in Nur-Sultan went on."
    ms = (place(text, "Astana", ASTANA), place(text, "Nur-Sultan", ASTANA))
    assert PLACE_NAMES.run(doc(text, date(2021, 1, 1), ms), record) == []
    text = "Leaders gathered in Astana.\nThe city was called Nur-Sultan until last year."
    ms = (place(text, "Astana", ASTANA), place(text, "Nur-Sultan", ASTANA))
    assert PLACE_NAMES.run(doc(text, date(2023, 1, 1), ms), record) == []


def test_names_whose_periods_may_overlap_or_are_undated_say_nothing(record: Record) -> None:
    text = "Leaders gathered in Astana.\nThe talks in Астана went on."  # one dated name, one undated alias
    ms = (place(text, "Astana", ASTANA), place(text, "Астана", ASTANA))
    assert PLACE_NAMES.run(doc(text, None, ms), record) == []
    kb = KnowledgeBase(dict(record.kb.entities), dict(record.kb.facts), dict(record.kb.sources))
    kb.add(Fact(ASTANA, NAME, value="Akmola", lang="en", interval=_iv("1998-05"), source="s:names"))
    rec = Record(kb, KBIndex.build(kb), "test")  # a second Akmola period, open-ended: may overlap Astana
    text = "Leaders gathered in Astana.\nThe talks in Akmola went on."
    ms = (place(text, "Astana", ASTANA), place(text, "Akmola", ASTANA))
    assert PLACE_NAMES.run(doc(text, None, ms), rec) == []


def test_the_first_pair_in_two_paragraphs_speaks_for_the_names(record: Record) -> None:
    text = "In Astana and in Nur-Sultan alike.\nThe talks in Nur-Sultan went on.\nAstana again."
    ms = (place(text, "Astana", ASTANA), place(text, "Nur-Sultan", ASTANA), place(text, "Nur-Sultan", ASTANA, 1),
          place(text, "Astana", ASTANA, 1))
    [f] = PLACE_NAMES.run(doc(text, date(2021, 1, 1), ms), record)
    assert [(e.text, e.start) for e in f.evidence] == [("Astana", ms[0].start), ("Nur-Sultan", ms[2].start)]


def test_two_names_used_5000_times_each_are_compared_in_linear_time(record: Record) -> None:
    import time

    text = "Leaders gathered in Astana on Monday.\nThe talks in Nur-Sultan went on.\n" * 5_000
    ms = tuple(Mention(m.start(), m.end(), m.group(), "place", ASTANA) for m in re.finditer("Astana|Nur-Sultan", text))
    t0 = time.process_time()  # CPU, not wall: a loaded machine stretches the wall clock
    [f] = PLACE_NAMES.run(doc(text, date(2021, 1, 1), ms), record)
    assert time.process_time() - t0 < 10  # every pair of uses was listed: 25 million
    assert [e.text for e in f.evidence] == ["Astana", "Nur-Sultan"] and f.evidence[0].start == ms[0].start
