"""A document against itself: one event given two dates, one measure given two counts — and the
many ways an article legitimately gives two dates or two numbers, which must stay silent."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from amanat.check import DocumentView, Record
from amanat.check.consistency import EVENTS, FIGURES
from amanat.kb.index import KBIndex
from amanat.kb.model import KnowledgeBase
from amanat.model import Claim, Mention

DAY = date(2022, 5, 9)


@pytest.fixture(scope="module")
def record() -> Record:
    kb = KnowledgeBase()
    return Record(kb, KBIndex.build(kb), "empty")


def event(text: str, fragment: str, when: str, nth: int = 0) -> Claim:
    start = -1
    for _ in range(nth + 1):
        start = text.index(fragment, start + 1)
    precision = {10: "day", 7: "month", 4: "year"}[len(when)]
    return Claim("event", start, start + len(fragment), fragment, {"date": when, "precision": precision})


def figure(text: str, fragment: str, value: float, *, measure: str = "deaths", unit: str | None = "people",
           qualifier: str | None = None, as_of: str | None = "2022-01-09", by: str | None = None) -> Claim:
    start = text.index(fragment)
    return Claim("figure", start, start + len(fragment), fragment,
                 {"measure": measure, "value": value, "qualifier": qualifier, "unit": unit, "as_of": as_of,
                  "attributed_to": by})


def doc(text: str, *claims: Claim, mentions: tuple[Mention, ...] = (), day: date | None = DAY) -> DocumentView:
    return DocumentView("d1", text, day, "metadata", "en", "test", claims, mentions)


def run(check: Any, record: Record, view: DocumentView) -> list[tuple[str, str]]:
    return [(f.type, f.status) for f in check.run(view, record)]


# --- events -----------------------------------------------------------------------------------


def test_one_event_dated_yesterday_and_on_another_day_is_inconsistent(record: Record) -> None:
    text = "Tokayev arrived in Islamabad yesterday. Talks went well.\nTokayev arrived in Islamabad on 3 May."
    view = doc(text, event(text, "yesterday", "2022-05-08"), event(text, "on 3 May", "2022-05-03"))
    [f] = EVENTS.run(view, record)
    assert (f.status, f.type) == ("inconsistent", "event-dates-in-document")
    assert [e.text for e in f.evidence] == ["yesterday", "on 3 May"] and "2022-05-08" in f.sentence


def test_dates_that_contain_each_other_or_agree_say_nothing(record: Record) -> None:
    text = "Tokayev arrived in Islamabad yesterday. Tokayev arrived in Islamabad on 8 May."
    assert run(EVENTS, record, doc(text, event(text, "yesterday", "2022-05-08"), event(text, "on 8 May", "2022-05-08"))) == []
    text = "Tokayev arrived in Islamabad in May. Tokayev arrived in Islamabad on 3 May."
    assert run(EVENTS, record, doc(text, event(text, "in May", "2022-05"), event(text, "on 3 May", "2022-05-03"))) == []


def test_different_events_repeats_and_speech_say_nothing(record: Record) -> None:
    cases = [
        # not the same words: two events
        ("Tokayev arrived in Islamabad yesterday. Tokayev left Islamabad on 3 May.", "yesterday", "on 3 May"),
        # a second visit
        ("Tokayev visited Moscow yesterday. He had also visited Moscow on 3 May.", "yesterday", "on 3 May"),
        ("Tokayev visited Moscow again yesterday. Tokayev visited Moscow on 3 May.", "yesterday", "on 3 May"),
        # saying things on two days
        ("Tokayev said yesterday that talks went well. Tokayev said on 3 May that talks would start.",
         "yesterday", "on 3 May"),
        # too few words to tell one event from another, and no name
        ("The talks began yesterday. The talks began on 3 May.", "yesterday", "on 3 May"),
    ]
    for text, x, y in cases:
        view = doc(text, event(text, x, "2022-05-08"), event(text, y, "2022-05-03"))
        assert run(EVENTS, record, view) == [], text


def test_two_dates_in_one_sentence_are_not_compared(record: Record) -> None:
    text = "Tokayev stayed in Islamabad from 3 May to 5 May."
    assert run(EVENTS, record, doc(text, event(text, "3 May", "2022-05-03"), event(text, "5 May", "2022-05-05"))) == []


def test_unresolved_dates_are_not_compared(record: Record) -> None:
    text = "Tokayev arrived in Islamabad yesterday. Tokayev arrived in Islamabad on 3 May."
    a = event(text, "yesterday", "2022-05-08")
    b = Claim("event", a.start, a.end, a.text, {"date": None, "precision": None, "why": "no document date"})
    assert run(EVENTS, record, doc(text, b, event(text, "on 3 May", "2022-05-03"), day=None)) == []


# --- figures ----------------------------------------------------------------------------------


def test_two_counts_of_one_measure_and_day_are_inconsistent(record: Record) -> None:
    text = "164 people were killed in the unrest. Officials met.\nIn all, 225 people were killed in the unrest."
    view = doc(text, figure(text, "164 people were killed", 164), figure(text, "225 people were killed", 225))
    [f] = FIGURES.run(view, record)
    assert (f.status, f.type) == ("inconsistent", "figures-in-document")
    assert "164" in f.sentence and "225" in f.sentence and len(f.evidence) == 2


def test_qualifiers_and_rounding_reconcile_counts(record: Record) -> None:
    text = "At least 164 people were killed. Officials met. 225 people were killed."
    assert run(FIGURES, record, doc(text, figure(text, "At least 164 people were killed", 164, qualifier="at least"),
                                     figure(text, "225 people were killed", 225))) == []
    text = "Some 4,300 people were killed. Officials met. 4,266 people were killed."
    assert run(FIGURES, record, doc(text, figure(text, "Some 4,300 people were killed", 4300),
                                     figure(text, "4,266 people were killed", 4266))) == []
    text = "About 200 people were killed. Officials met. 225 people were killed."
    assert run(FIGURES, record, doc(text, figure(text, "About 200 people were killed", 200, qualifier="about"),
                                     figure(text, "225 people were killed", 225))) == []


def test_other_measures_units_days_sources_places_and_parts_say_nothing(record: Record) -> None:
    text = "164 people were killed. Officials met. 225 people were killed."
    a = figure(text, "164 people were killed", 164)
    for b in (figure(text, "225 people were killed", 225, measure="injured"),
              figure(text, "225 people were killed", 225, unit="protesters"),
              figure(text, "225 people were killed", 225, as_of="2022-01-15"),
              figure(text, "225 people were killed", 225, by="the health ministry"),
              figure(text, "225 people were killed", 225, as_of="2022-01")):
        assert run(FIGURES, record, doc(text, a, b)) == [], b.fields
    no_date = figure(text, "164 people were killed", 164, as_of=None)
    assert run(FIGURES, record, doc(text, no_date, figure(text, "225 people were killed", 225, as_of=None))) == []
    text = "164 people were killed in Almaty. Officials met. 225 people were killed in Shymkent."
    ms = (Mention(text.index("Almaty"), text.index("Almaty") + 6, "Almaty", "place", "almaty"),
          Mention(text.index("Shymkent"), text.index("Shymkent") + 8, "Shymkent", "place", "shymkent"))
    view = doc(text, figure(text, "164 people were killed", 164), figure(text, "225 people were killed", 225),
               mentions=ms)
    assert run(FIGURES, record, view) == []
    for text in ("225 people were killed, including 164 people in Almaty. Officials met. 164 people were killed.",
                 "The toll rose to 225 people were killed. Officials met. 164 people were killed."):
        view = doc(text, figure(text, "225 people were killed", 225), figure(text, "164 people were killed", 164))
        assert run(FIGURES, record, view) == [], text


def test_two_counts_in_one_sentence_are_not_compared(record: Record) -> None:
    text = "164 people were killed and 225 people were killed elsewhere."
    assert run(FIGURES, record, doc(text, figure(text, "164 people were killed", 164),
                                     figure(text, "225 people were killed", 225))) == []
