"""Roles and memberships (analyze/claims/roles.py, memberships.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from amanat.analyze.claims import Context, extract_claims
from amanat.analyze.claims.evaluate import evaluate
from amanat.analyze.claims.memberships import extract_memberships
from amanat.analyze.claims.roles import extract_roles
from amanat.analyze.mentions import analyze_mentions
from amanat.kb import starter
from amanat.kb.index import KBIndex
from amanat.model import Claim

GOLD = Path(__file__).resolve().parents[1] / "tests" / "gold" / "claims_handwritten.json"
DAY = date(2022, 1, 10)


@pytest.fixture(scope="module")
def index() -> KBIndex:
    return KBIndex.build(starter.load())


def context(text: str, index: KBIndex) -> Context:
    return Context(text, DAY, "en", tuple(analyze_mentions(text, DAY, index)))


def roles(text: str, index: KBIndex) -> list[dict[str, Any]]:
    found = extract_roles(context(text, index))
    for c in found:
        assert text[c.start:c.end] == c.text
    return [{"text": c.text, **c.fields} for c in found]


def test_title_before_name_from_the_mentions(index: KBIndex) -> None:
    [role] = roles("Former Prime Minister Karim Massimov was detained.", index)
    assert role == {"text": "Former Prime Minister Karim Massimov", "person": "Karim Massimov",
                    "title": "Prime Minister", "marker": "former", "entity": "Q209639"}


def test_then_marker_inside_a_possessive_title(index: KBIndex) -> None:
    [role] = roles("Tokayev met Pakistan's then-Prime Minister Imran Khan in Tashkent.", index)
    assert (role["person"], role["title"], role["marker"]) == ("Imran Khan", "Pakistan's Prime Minister", "then")


def test_possessor_is_not_part_of_the_title(index: KBIndex) -> None:
    found = roles("UN Secretary-General António Guterres's spokesman Stéphane Dujarric spoke.", index)
    assert [(r["person"], r["title"]) for r in found] == [
        ("António Guterres", "UN Secretary-General"), ("Stéphane Dujarric", "spokesman")]


def test_apposition_after_a_name_the_base_does_not_know(index: KBIndex) -> None:
    [role] = roles("Aigerim Bekova, a spokeswoman for the Eurasian Development Bank, declined to comment.", index)
    assert role["person"] == "Aigerim Bekova"
    assert role["title"] == "spokeswoman for the Eurasian Development Bank"
    assert role["entity"] is None


def test_office_phrase_before_a_name(index: KBIndex) -> None:
    [role] = roles("Russia's foreign minister, Sergei Lavrov, arrived on Monday.", index)
    assert (role["text"], role["person"]) == ("Russia's foreign minister, Sergei Lavrov", "Sergei Lavrov")


def test_title_cut_short_by_the_mentions_is_read_in_full(index: KBIndex) -> None:
    [role] = roles("US Secretary of State Antony Blinken called for restraint.", index)
    assert role["title"].endswith("Secretary of State") and role["person"] == "Antony Blinken"


def test_place_given_a_role(index: KBIndex) -> None:
    [role] = roles("Shymkent, then the capital of the region, grew quickly.", index)
    assert (role["place"], role["title"], role["marker"]) == ("Shymkent", "capital of the region", "then")
    [role] = roles("Rawalpindi, Pakistan's former capital, hosted the talks.", index)
    assert (role["place"], role["title"], role["marker"]) == ("Rawalpindi", "Pakistan's capital", "former")


@pytest.mark.parametrize("text", [
    "General Motors closed its office in Almaty.",
    "The Prosecutor General's Office opened a case.",
    "The minister said on Tuesday that 14 people had been arrested.",
    "The head of livestock count fell.",
    "Almaty, a city of two million, hosted the forum.",
])
def test_not_roles(text: str, index: KBIndex) -> None:
    assert roles(text, index) == []


def memberships(text: str) -> list[tuple[str, list[str]]]:
    found = extract_memberships(Context(text, DAY, "en"))
    return [(c.fields["group"], c.fields["members"]) for c in found]


def test_group_lists_its_members() -> None:
    assert memberships("The Eurasian Customs Union comprises Russia, Belarus and Kazakhstan.") == [
        ("Eurasian Customs Union", ["Russia", "Belarus", "Kazakhstan"])]
    assert memberships("NATO's members include Turkey, Norway and Canada.") == [
        ("NATO", ["Turkey", "Norway", "Canada"])]
    assert memberships("The Arab League, whose members include Egypt and Jordan, met in Cairo.") == [
        ("Arab League", ["Egypt", "Jordan"])]
    assert memberships("The SCO, which includes China, Russia and India, met in Samarkand.") == [
        ("SCO", ["China", "Russia", "India"])]


def test_member_in_apposition_or_as_subject() -> None:
    assert memberships("Azerbaijan, a founding member of the Organization of Turkic States, hosted the summit.") == [
        ("Organization of Turkic States", ["Azerbaijan"])]
    assert memberships("Mongolia became a full member of the Asian Infrastructure Investment Bank.") == [
        ("Asian Infrastructure Investment Bank", ["Mongolia"])]
    assert memberships("Kyrgyzstan and Tajikistan, both members of the CSTO, sent troops.") == [
        ("CSTO", ["Kyrgyzstan", "Tajikistan"])]


@pytest.mark.parametrize("text", [
    "Turkmenistan is not a member of the Eurasian Economic Union.",
    "Mongolia has observer status at the SCO.",
    "The agreement includes provisions on trade and transit.",
    "The Chinese delegation included Wang Yi.",
    "Delegations from Kazakhstan, Uzbekistan and Pakistan attended the talks.",
])
def test_not_memberships(text: str) -> None:
    assert memberships(text) == []


def test_handwritten_gold(index: KBIndex) -> None:
    if not GOLD.exists():
        pytest.skip("tests/gold/claims_handwritten.json is not in this checkout yet")

    def extract(text: str, day: date | None, language: str) -> list[Claim]:
        mentions = analyze_mentions(text, day, index) if language == "en" else []
        return extract_claims(text, day, language, mentions).claims

    report = evaluate(json.loads(GOLD.read_text()), extract, ["role"])
    role = report.score("role")
    assert role.precision >= 0.93 and role.recall >= 0.93, report.errors


def test_titles_of_people_the_base_does_not_know(index: KBIndex) -> None:
    def pairs(text: str) -> list[tuple[str, str]]:
        return [(r["person"], r["title"]) for r in roles(text, index)]

    # an abbreviated title, an occupation, a company before the title, a one-word name after a title
    assert pairs("The threat was against Rep. Ilhan Omar, prosecutors said.") == [("Ilhan Omar", "Rep.")]
    assert pairs("Viewers cheered when singer Ally Brooke danced.") == [("Ally Brooke", "singer")]
    assert pairs("The deal was announced by SoftBank CEO Masayoshi Son on Monday.") == [("Masayoshi Son", "CEO")]
    assert pairs("The call was made by President Trump in July.") == [("Trump", "President")]
    # an apposition without an article: the head first, then what it is of
    assert pairs("“It is risky,” said Matt Maley, equity strategist at Miller Tabak.") == [
        ("Matt Maley", "equity strategist at Miller Tabak")]
    assert pairs("Sonya A. Zoghlin, Carlineo’s attorney, told The Hill in a statement.") == [
        ("Sonya A. Zoghlin", "Carlineo’s attorney")]


def test_no_title_from_a_modifier_or_a_clause(index: KBIndex) -> None:
    # "General Motors" and "Central Asia" are no titled people; a clause after a name is no title
    assert roles("General Motors cut 4,000 jobs in Central Asia.", index) == []
    assert roles("Matt Maley, said the stock was risky.", index) == []
    assert roles("Tom Brown, when asked about the deal, declined to comment.", index) == []
