"""Figures: a number of a measure with its qualifier, unit, as-of date and source — and every
other kind of number (years, dates, times, ages, ordinals, labels, addresses, scores,
durations, vague quantities) refused."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from amanat.analyze.claims import Context, extract_claims
from amanat.analyze.claims.evaluate import evaluate
from amanat.analyze.claims.figures import EXTRACTOR
from amanat.analyze.claims.numbers import grammar
from amanat.model import Mention

GOLD = Path(__file__).resolve().parents[1] / "tests" / "gold" / "claims_handwritten.json"
DAY = date(2022, 1, 12)  # a Wednesday


def figures(text: str, day: date | None = DAY, language: str = "en", mentions: tuple[Mention, ...] = ()) -> list[dict[str, Any]]:
    claims = EXTRACTOR.run(Context(text, day, language, mentions))
    for c in claims:
        assert text[c.start:c.end] == c.text
    return [c.as_dict() for c in claims]


def one(text: str, **kwargs: Any) -> dict[str, Any]:
    found = figures(text, **kwargs)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(("written", "value"), [
    ("4,300", 4300), ("2.5 thousand", 2500), ("$30m", 30_000_000), ("$1.5 billion", 1_500_000_000),
    ("eight", 8), ("twenty-one", 21), ("two hundred", 200), ("a dozen", 12), ("Sixty-two", 62),
    ("one hundred and fifty", 150), ("half a million", 500_000), ("8.1 million", 8_100_000), ("$2bn", 2_000_000_000),
])
def test_numbers_as_written(written: str, value: float) -> None:
    found = grammar("en").find(f"They counted {written} of them.")
    assert [n.value for n in found] == [value]


@pytest.mark.parametrize("written", ["3rd", "T-72", "3-1", "10:30", "COVID-19", "two-hour", "45-year-old", "G-6/3"])
def test_numbers_glued_to_letters_hyphens_or_colons_are_not_numbers(written: str) -> None:
    assert grammar("en").find(f"It was {written} then.") == []


def test_russian_groups_with_spaces_and_marks_decimals_with_a_comma() -> None:
    assert [n.value for n in grammar("ru").find("вышли 4 300 человек, 150,5 млн долларов")] == [4300, 150_500_000]


def test_measure_from_a_cue_after_the_counted_noun() -> None:
    f = one("At least 164 people were killed in the unrest.")
    assert (f["measure"], f["value"], f["qualifier"], f["unit"]) == ("deaths", 164, "at least", "people")
    assert f["text"].startswith("At least 164 people")


def test_measure_from_a_cue_before_the_number() -> None:
    f = one("Police detained 9,900 people across the country.")
    assert (f["measure"], f["value"], f["unit"]) == ("arrests", 9900, "people")


def test_two_figures_in_one_sentence_take_the_nearer_cue_each() -> None:
    found = figures("The explosion killed 12 people and injured 30 in Taraz.")
    assert [(f["measure"], f["value"]) for f in found] == [("deaths", 12), ("injured", 30)]
    found = figures("The interior ministry said 18 police officers had been killed and 748 injured.")
    assert [(f["measure"], f["value"], f["unit"]) for f in found] == [("deaths", 18, "police officers"), ("injured", 748, None)]


def test_the_verb_wins_over_the_counted_noun() -> None:
    assert one("Two hundred protesters were detained outside the akimat.")["measure"] == "arrests"
    assert one("Some 4,500 protesters gathered in the square.")["measure"] == "participants"
    assert one("Up to 2,500 CSTO troops will be deployed.")["unit"] == "troops"


def test_a_bare_number_elaborating_a_figure_takes_its_measure() -> None:
    found = figures("More than 2,000 people were injured, including 1,300 members of the security forces.")
    assert [(f["measure"], f["value"], f["qualifier"]) for f in found] == [("injured", 2000, "more than"), ("injured", 1300, None)]
    found = figures("Authorities said 225 people, including 19 law enforcement officers, had died.")
    assert [(f["text"], f["measure"]) for f in found] == [("225 people", "deaths"), ("19 law enforcement officers", "deaths")]
    found = figures("Of the 225 people killed, 19 were members of the police.")
    assert [(f["measure"], f["value"]) for f in found] == [("deaths", 225), ("deaths", 19)]


def test_a_bare_number_after_a_measure_noun() -> None:
    f = one("The death toll from the January unrest has risen to 225.")
    assert (f["measure"], f["value"], f["unit"]) == ("deaths", 225, None)
    assert one("The number of people detained stood at more than 5,000.")["measure"] == "arrests"
    assert one("Two dozen protesters were detained.")["value"] == 24


def test_money_in_currencies_and_codes() -> None:
    cases = {"China has invested $1.5 billion in the railway.": (1_500_000_000, "USD"),
             "Pakistan will receive Rs 2 billion from the fund.": (2_000_000_000, "PKR"),
             "The government approved a Rs2bn package.": (2_000_000_000, "PKR"),
             "The government allocated 15 million tenge to each family.": (15_000_000, "KZT"),
             "The EU set aside €40 million for water projects.": (40_000_000, "EUR"),
             "Russian companies invested 5 billion roubles.": (5_000_000_000, "RUB")}
    for text, (value, unit) in cases.items():
        f = one(text)
        assert (f["measure"], f["value"], f["unit"]) == ("money", value, unit), text


def test_percentages_and_qualifiers() -> None:
    assert [(f["value"], f["qualifier"]) for f in figures("Under 5% of those detained were charged.")] == [(5, "less than")]
    assert one("Unemployment fell to 4.8 per cent.")["value"] == 4.8
    assert one("Inflation reached 24.5pc.")["unit"] == "%"
    assert one("Damage was put at in excess of 90 billion tenge.")["qualifier"] == "more than"
    assert one("An estimated 10,000 demonstrators filled the square.")["qualifier"] == "about"
    assert one("Close to 400 people were wounded.")["qualifier"] == "nearly"


def test_a_plural_counted_noun_is_a_count() -> None:
    assert (one("Almost 1,000 vehicles were torched.")["measure"], one("Six candidates ran.")["value"]) == ("count", 6)
    assert one("Wheat exports were over 1.2 million tonnes.")["unit"] == "tonnes"


def test_the_counted_noun_is_the_first_plural_and_may_be_capitalised() -> None:
    assert one("Police arrested 12 Pakistanis near the border.")["unit"] == "pakistanis"
    assert one("The plane carried six crew members and a pilot.")["unit"] == "crew members"
    assert one("Some 150 Pakistani students study in Almaty.")["unit"] == "students"
    assert one("About 800 international observers monitored the vote.")["unit"] == "observers"
    assert one("They freed three high-ranking insurgents.")["unit"] == "insurgents"


def test_a_number_repeated_as_the_same_figure_is_one_claim() -> None:
    assert len(figures("Police detained 44 people in Taraz; all 44 people were later released.")) == 1
    assert len(figures("12 people were killed in Taraz and 12 people were killed in Taldykorgan.")) == 2


@pytest.mark.parametrize("text", [
    "The 45-year-old protester was released.", "She is 32 years old.", "The detainee, 19, was a student.",
    "The curfew runs from 11 pm to 7 am.", "The meeting began at 10:30 local time.",
    "Kazakhstan ranked 3rd in the region.", "The team finished fourth.", "The team was ranked No. 1 in its group.",
    "Kairat beat Astana 3-1 in the final.", "The score was 2:0 at half-time.", "Pakistan were all out for 147 in the second innings.",
    "It was adopted at the 76th session.", "The embassy is at 12 Ataturk Avenue, Islamabad.", "For visas call +92 51 2611 870.",
    "Citizens can call the 1414 hotline.", "Postal code 050000 covers central Almaty.", "The talks took place in room 305.",
    "The Il-76 transport planes landed.", "The Boeing 767 was grounded.", "Flight KC 921 to Lahore was cancelled.",
    "The portal was updated to version 3.2.", "The details are on page 14 of the report.",
    "Article 4 of the treaty allows members to request help.", "Almaty is one of the largest cities.",
    "One of the protesters climbed the monument.", "The 2022 unrest changed politics.", "Expo 2017 left a new centre.",
    "The state of emergency lasted 14 days.", "The two-hour meeting ended.", "Dozens of people were injured.",
    "Hundreds of protesters gathered.", "Thousands of people lined the streets.", "Tens of thousands were left without power.",
    "Several journalists were detained.", "The two signed a treaty.", "Both the two were released.", "The temperature dropped to minus 20 degrees.",
    "Protests broke out on 5 January 2022.", "In 2019, Tokayev came to power.",
    "15 Ryan Newman 2219 0 0 3 14 16 Erik Jones 2194 1 0 10", "Its fleet of roughly 400 737 Max jets was grounded.",
    "It runs at 30fps in Red Dead Redemption 2.", "The Galaxy Note 10 Plus costs less.", "The initial dozen offerings were revealed.",
])
def test_numbers_that_are_not_figures(text: str) -> None:
    assert figures(text) == []


def test_as_of_is_the_nearest_date_of_the_sentence() -> None:
    assert one("At least 164 people were killed, the health ministry said on Sunday.")["as_of"] == "2022-01-09"
    assert one("As of 3 March, 4,353 people were still in custody.", day=date(2022, 3, 10))["as_of"] == "2022-03-03"
    assert one("So far this year, 12 journalists have been detained.")["as_of"] == "2022"
    assert one("Trade reached $150 million last year.")["as_of"] == "2021"
    assert one("Some 2,000 people remained in hospital.")["as_of"] is None
    assert one("33 million people have been affected since June.")["as_of"] is None


def test_as_of_comes_from_the_figures_clause_or_the_statement_not_from_another_clause() -> None:
    assert one("The floods, which began in June, have killed 1,100 people.")["as_of"] is None
    assert one("In 2019, 5 million tourists visited Kazakhstan.")["as_of"] == "2019"
    assert one("Police said on Monday that the attack killed 12 people.")["as_of"] == "2022-01-10"
    found = figures("Around 300 people remained in hospital on Friday, 62 of them in intensive care.")
    assert [f["as_of"] for f in found] == ["2022-01-07", "2022-01-07"]


def test_no_as_of_in_a_clause_about_the_future() -> None:
    assert one("The 12% VAT rate will not change next year.")["as_of"] is None


def test_a_sentence_reporting_what_was_said_takes_the_date_of_the_one_before() -> None:
    text = "The health ministry updated its figures on Thursday. It said 4,578 people had been injured."
    f = one(text)
    assert (f["as_of"], f["attributed_to"]) == ("2022-01-06", "The health ministry")


def test_attribution() -> None:
    assert one("Police detained 9,900 people, the interior minister told reporters.")["attributed_to"] == "the interior minister"
    assert one("The death toll rose to 225, according to the Prosecutor General's Office.")["attributed_to"] == \
        "the Prosecutor General's Office"
    assert one("At least 30 people were detained on Thursday, police said.")["attributed_to"] == "police"
    assert one("An estimated 10,000 demonstrators filled the square.")["attributed_to"] is None


def test_a_pronoun_resolves_to_the_person_named_before() -> None:
    text = "Health Minister Azhar Giniyat briefed the Mazhilis. She said 2,567 people had been injured."
    person = Mention(16, 29, "Azhar Giniyat", "person", role="Health Minister")
    assert one(text, mentions=(person,))["attributed_to"] == "Azhar Giniyat"
    text = "Interior Minister Erlan Turgumbayev spoke on Monday. The minister said 16 police officers had died."
    person = Mention(18, 35, "Erlan Turgumbayev", "person", role="Interior Minister")
    f = one(text, mentions=(person,))
    assert (f["attributed_to"], f["as_of"]) == ("Erlan Turgumbayev", "2022-01-10")


def test_russian_kazakh_arabic_and_urdu() -> None:
    f = one("По данным Минздрава, погибли 225 человек.", language="ru")
    assert (f["measure"], f["value"], f["unit"], f["attributed_to"]) == ("deaths", 225, "человек", "Минздрава")
    assert one("5 января в Алматы были задержаны более 4 тысяч человек.", language="ru")["value"] == 4000
    assert one("Қаңтар оқиғаларында 238 адам қаза тапты.", language="kk")["measure"] == "deaths"
    f = one("قُتل ٨ من عناصر الأمن في الاشتباكات.", language="ar")
    assert (f["measure"], f["value"]) == ("deaths", 8)
    assert one("سیلاب سے ۱۵۰۰ مکانات تباہ ہوگئے۔", language="ur")["value"] == 1500
    assert figures("Задержанному 45 лет.", language="ru") == []


def test_the_extractor_runs_through_the_registry_for_its_languages() -> None:
    assert {"en", "ru", "kk", "ar", "ur"} <= EXTRACTOR.languages
    claims = extract_claims("Police detained 44 people.", DAY, "en").claims
    assert [c.type for c in claims if c.extractor.startswith("figures@")] == ["figure"]


def _extract(text: str, day: date | None, language: str) -> list[Any]:
    return EXTRACTOR.run(Context(text, day, language))


@pytest.mark.skipif(not GOLD.exists(), reason="the hand-written claim gold is merged separately")
def test_figures_on_the_hand_written_gold() -> None:
    report = evaluate(json.loads(GOLD.read_text()), _extract, ["figure"])
    score = report.score("figure")
    assert score.precision >= 0.95, report.errors[:20]
    assert score.recall >= 0.95, report.errors[:20]


def test_a_number_word_after_a_determiner_counts_when_a_counted_noun_follows() -> None:
    f = one("The five companies were selected from the bidders.")
    assert (f["measure"], f["value"], f["unit"]) == ("count", 5, "companies")
    assert one("They join the original nine CLPS companies.")["value"] == 9
    assert figures("The two were released on bail.") == []


def test_a_part_of_a_counted_whole_counts_the_wholes_noun() -> None:
    found = figures("Five of the 10 Democrats on stage will serve as jurors.")
    assert [(f["measure"], f["value"], f["unit"]) for f in found] == [("count", 5, "democrats"), ("count", 10, "democrats")]
    f = one("Three of those protesters were later killed.")
    assert (f["measure"], f["value"], f["unit"]) == ("deaths", 3, "protesters")


def test_coordinated_counted_nouns_and_modifiers() -> None:
    f = one("The firm hired close to 1,000 maintenance and cleaning workers.")
    assert (f["value"], f["qualifier"], f["unit"]) == (1000, "nearly", "maintenance and cleaning workers")
    assert one("It took over 20 lawyers and investigators.")["unit"] == "lawyers and investigators"
    assert [f["value"] for f in figures("Police killed 12 and injured 30.")] == [12, 30]


def test_a_qualifier_after_the_number() -> None:
    f = one("Officials detained a million or more Uighurs in camps.")
    assert (f["measure"], f["value"], f["qualifier"], f["unit"]) == ("arrests", 1_000_000, "at least", "uighurs")
    assert one("The fund lost $5 million or so.")["qualifier"] == "about"


def test_a_plural_measure_noun_is_the_counted_noun() -> None:
    found = figures("There were 3,248 cases reported worldwide, with 584 deaths.")
    assert [(f["measure"], f["value"], f["unit"]) for f in found] == [("count", 3248, "cases"), ("deaths", 584, "deaths")]
    f = one("Some 120 detainees were released.")
    assert (f["measure"], f["unit"]) == ("arrests", "detainees")


def test_more_currencies_and_units_of_measurement() -> None:
    assert (one("VIP seats cost 60,000₩.")["unit"], one("It raised ₹500 crore.")["unit"]) == ("KRW", "INR")
    assert one("The car is 16 feet long.")["unit"] == "feet"
    assert [f["unit"] for f in figures("It has 71 kWh of capacity and 355 horsepower.")] == ["kwh", "horsepower"]


def test_a_number_in_a_short_quoted_name_is_no_figure_but_a_quoted_figure_is() -> None:
    assert figures('They were known as the "Three Amigos."') == []
    assert figures("China backs the “one country, two systems” formula.") == []
    assert one("“We detained 44 people in Taraz on Friday night,” he said.")["value"] == 44
