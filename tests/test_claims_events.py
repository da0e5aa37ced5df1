"""Dated events: date expressions resolved at the document's date and precision, news usage
for bare weekdays and months (the last one, or the next one in a clause about the future),
and an honest null with a reason when the document has no date."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amanat.analyze.claims import Context
from amanat.analyze.claims.dates import UNKNOWN_DOCUMENT_DATE, find_dates
from amanat.analyze.claims.evaluate import evaluate
from amanat.analyze.claims.events import EXTRACTOR

GOLD = Path(__file__).resolve().parents[1] / "tests" / "gold" / "claims_handwritten.json"
DAY = date(2022, 1, 12)  # a Wednesday


def events(text: str, day: date | None = DAY, language: str = "en") -> list[tuple[str, str | None, str | None]]:
    claims = EXTRACTOR.run(Context(text, day, language))
    for c in claims:
        assert text[c.start:c.end] == c.text
    return [(c.text, c.fields["date"], c.fields["precision"]) for c in claims]


@pytest.mark.parametrize(("text", "expected"), [
    ("On March 4 the Senate approved the amendments.", ("On March 4", "2021-03-04", "day")),
    ("Kazakhstan declared independence on December 16, 1991.", ("on December 16, 1991", "1991-12-16", "day")),
    ("The treaty was signed in Tashkent on 15 May 1992.", ("on 15 May 1992", "1992-05-15", "day")),
    ("4 January 2022 was the day the protests reached Almaty.", ("4 January 2022", "2022-01-04", "day")),
    ("On 05.01.2022 the government resigned.", ("On 05.01.2022", "2022-01-05", "day")),
    ("The attack took place on Jan. 5.", ("on Jan. 5", "2022-01-05", "day")),
    ("Relations were established in May 1992.", ("in May 1992", "1992-05", "month")),
    ("Tokayev came to power in 2019.", ("in 2019", "2019", "year")),
    ("The law was adopted in early 2021.", ("in early 2021", "2021", "year")),
    ("The summit took place last October.", ("last October", "2021-10", "month")),
    ("The agreement was signed yesterday.", ("yesterday", "2022-01-11", "day")),
    ("The summit opens today.", ("today", "2022-01-12", "day")),
    ("The president addressed the nation on Wednesday.", ("on Wednesday", "2022-01-12", "day")),
    ("Police said three officers were killed on Monday night.", ("on Monday night", "2022-01-10", "day")),
    ("Protests broke out earlier this month.", ("earlier this month", "2022-01", "month")),
    ("The bank raised its rate last month.", ("last month", "2021-12", "month")),
    ("The minister will travel to Islamabad next month.", ("next month", "2022-02", "month")),
    ("Police arrested 12 suspects two days ago.", ("two days ago", "2022-01-10", "day")),
    ("Talks were held on January 4-6.", ("on January 4-6", "2022-01-04", "day")),
    ("The agreement was signed on 2022-01-05.", ("on 2022-01-05", "2022-01-05", "day")),
    ("Prices rose at the end of 2021.", ("the end of 2021", "2021", "year")),
    ("В 1992 году Казахстан и Пакистан установили отношения.", ("В 1992 году", "1992", "year")),
])
def test_date_expressions(text: str, expected: tuple[str, str, str]) -> None:
    language = "ru" if text.startswith("В ") else "en"
    assert events(text, language=language) == [expected]


def test_a_month_without_a_year_is_the_last_one_unless_the_clause_is_about_the_future() -> None:
    day = date(2023, 6, 5)
    assert events("Direct flights were launched in July.", day) == [("in July", "2022-07", "month")]
    assert events("The ministers will meet again in July.", day) == [("in July", "2023-07", "month")]
    assert events("Sharif said he would visit Almaty in July.", date(2023, 5, 2)) == [("in July", "2023-07", "month")]
    # the future of a later clause does not move a weekday of the main one
    assert events("Tokayev announced on Wednesday that he would ask for help.", date(2022, 1, 7)) == \
        [("on Wednesday", "2022-01-05", "day")]


def test_a_clause_that_does_not_say_past_or_future_takes_the_nearer_day() -> None:
    day = date(2019, 11, 20)  # a Wednesday
    assert events("The show opens to the public on Friday.", day) == [("on Friday", "2019-11-22", "day")]
    assert events("The show opened to the public on Friday.", day) == [("on Friday", "2019-11-15", "day")]
    assert events("Tickets go on sale on Dec. 6.", day) == [("on Dec. 6", "2019-12-06", "day")]
    assert events("He was arrested on Dec. 6.", day) == [("on Dec. 6", "2018-12-06", "day")]


def test_a_weekday_in_a_name_is_no_date() -> None:
    assert events("Prices dropped before Black Friday and Cyber Monday.") == []
    assert events("Richardson told USA Today that he was sorry.") == []


def test_a_weekday_with_its_date_is_one_expression() -> None:
    assert events("On Thursday, 6 January, paratroopers landed.") == [("On Thursday, 6 January", "2022-01-06", "day")]


def test_the_previous_day_counts_from_the_date_named_before() -> None:
    text = "Tokayev addressed parliament on 11 January. The previous day, CSTO leaders held a summit."
    assert events(text, date(2022, 1, 14)) == [("on 11 January", "2022-01-11", "day"),
                                               ("The previous day", "2022-01-10", "day")]
    text = "He resigned on 5 January. On the same day, protesters seized the airport."
    assert events(text)[1] == ("On the same day", "2022-01-05", "day")
    text = "Kazakhstan flew 50 rescuers the previous day, the ministry said on Wednesday."
    assert events(text, date(2023, 2, 9))[0] == ("the previous day", "2023-02-07", "day")


def test_relative_dates_without_a_document_date_are_reported_unresolved_with_why() -> None:
    claims = EXTRACTOR.run(Context("The minister arrived in Tashkent on Monday.", None))
    assert [(c.text, c.fields) for c in claims] == [
        ("on Monday", {"date": None, "precision": None, "why": UNKNOWN_DOCUMENT_DATE})]
    assert events("Kazakhstan declared independence on December 16, 1991.", None) == \
        [("on December 16, 1991", "1991-12-16", "day")]


@pytest.mark.parametrize("text", [
    "The 2022 unrest changed Kazakhstan's politics.", "Expo 2017 left Astana a new centre.",
    "The death toll from the January unrest has risen.", "It was the highest level in 15 years.",
    "The state of emergency lasted 14 days.", "The hearing was adjourned until 3 pm.",
    "The curfew stays until 2025.", "Officials may meet again.", "As of 3 March, 4,353 people were in custody.",
    "By Friday evening, 26 people had been confirmed dead.", "So far this year, 12 journalists have been detained.",
])
def test_not_events(text: str) -> None:
    assert events(text) == []


def test_a_start_is_an_event_but_no_as_of() -> None:
    assert events("Protests have continued since 2019.") == [("since 2019", "2019", "year")]
    found = find_dates("10,000 people have been detained since January 2.", DAY, "en")
    assert [(d.role, d.event) for d in found] == [("start", True)]


def test_dates_that_bound_a_figure_are_found_but_are_not_events() -> None:
    found = find_dates("As of 3 March, 4,353 people were in custody.", date(2022, 3, 10), "en")
    assert [(d.date, d.event) for d in found] == [("2022-03-03", False)]


def test_kazakh_and_arabic_dates() -> None:
    assert events("2022 жылғы 5 қаңтарда Алматыда төтенше жағдай жарияланды.", language="kk") == \
        [("2022 жылғы 5 қаңтарда", "2022-01-05", "day")]
    assert events("وصل أكثر من 2000 جندي إلى كازاخستان يوم الخميس.", date(2022, 1, 7), "ar") == \
        [("يوم الخميس", "2022-01-06", "day")]
    assert events("تأسست المنظمة عام 1992.", language="ar") == [("عام 1992", "1992", "year")]


def _extract(text: str, day: date | None, language: str) -> list[Any]:
    return EXTRACTOR.run(Context(text, day, language))


@pytest.mark.skipif(not GOLD.exists(), reason="the hand-written claim gold is merged separately")
def test_events_on_the_hand_written_gold() -> None:
    report = evaluate(json.loads(GOLD.read_text()), _extract, ["event"])
    score = report.score("event")
    assert score.precision >= 0.95, report.errors[:20]
    assert score.recall >= 0.95, report.errors[:20]


PIECES = ["31 February", "29 February 2023", "00.00.2022", "2022-13-45", "on Monday", "the previous day", "$", "Rs",
          "1" * 400, "%", "people", "killed", "half a", "two hundred and", "one of", "٫", "۱۲", "a year ago", "since",
          "as of", ".", ",", "“", "\n", "tenge", "погибли", "5 января", "يوم الخميس", "It said", "next month",
          "yesterday", "in July", "two days ago", "5 million", "the same day"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12),
       st.sampled_from([None, date(1, 1, 1), date(2024, 2, 29), date(9999, 12, 31)]),
       st.sampled_from(["en", "ru", "kk", "ar", "ur"]))
def test_any_text_and_any_date_give_claims_whose_text_is_their_span(pieces: list[str], day: date | None,
                                                                   language: str) -> None:
    """Impossible days, days counted past year 1 or 9999, hundreds of digits: no exception,
    and every claim's text is the text at its span."""
    from amanat.analyze.claims import figures

    text = " ".join(pieces)
    context = Context(text, day, language)
    for claim in EXTRACTOR.run(context) + figures.EXTRACTOR.run(context):
        assert text[claim.start:claim.end] == claim.text


def test_a_period_between_two_years_dates_both_ends() -> None:
    assert events("There were 3,248 cases between 2010 and 2015, with 584 deaths.") == [
        ("between 2010", "2010", "year"), ("2015", "2015", "year")]
    assert events("He ran the company from 2004 – 2014.") == [("from 2004", "2004", "year"), ("2014", "2014", "year")]
    assert events("The 2014 law and 2015 rules apply.") == []
    found = find_dates("There were 26 cases between 2009 and 2018.", DAY, "en")
    assert [(d.date, d.role) for d in found] == [("2009", "start"), ("2018", "start")]
    assert events("Revenue was up 5% from 2019.") == []


def test_an_expression_repeated_in_a_sentence_for_the_same_date_is_one_event() -> None:
    text = "Chelsea have this morning paid the fee to the league this morning. They signed him this morning."
    assert events(text, day=None) == [("this morning", None, None), ("this morning", None, None)]
    assert len(events("Talks began on Monday and, on Monday night, ended.")) == 2
