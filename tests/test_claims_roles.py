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


# New shapes (issue 13, recall): each sentence written for this suite, none taken from the gold files.

def triples(text: str, index: KBIndex) -> list[tuple[str, str, str | None]]:
    return [(r["person"], r["title"], r["marker"]) for r in roles(text, index)]


def test_plural_title_before_a_list_gives_each_name_the_title(index: KBIndex) -> None:
    found = triples("The panel heard from judges Maria Lopez, Kenji Sato and Ana Ferreira on Friday.", index)
    assert sorted(found) == [("Ana Ferreira", "judge", None), ("Kenji Sato", "judge", None),
                             ("Maria Lopez", "judge", None)]


def test_plural_title_in_apposition_after_a_list(index: KBIndex) -> None:
    found = triples("Anna Berg and Lars Holm, both researchers at the Karolinska Institute, led the study.", index)
    assert sorted(found) == [("Anna Berg", "researcher at the Karolinska Institute", None),
                             ("Lars Holm", "researcher at the Karolinska Institute", None)]


def test_title_given_or_held_through_as(index: KBIndex) -> None:
    # the owner written as "the bank's" names no one: the title is what follows it
    assert triples("The board appointed Helena Marsh as the bank's chief economist.", index) == [
        ("Helena Marsh", "chief economist", None)]
    assert triples("Dmitri Orlov served as the mayor of Tver from 2010 to 2014.", index) == [
        ("Dmitri Orlov", "mayor of Tver", None)]
    # a judgement is no title: "regarded X as the best candidate"
    assert triples("He regarded Tom Hill as the best candidate for the job.", index) == []


def test_possessive_title_with_a_brand_written_in_lower_case(index: KBIndex) -> None:
    assert triples("“Sales are up,” said Priya Nair, eBay’s new head of marketing.", index) == [
        ("Priya Nair", "eBay’s new head of marketing", None)]


def test_a_title_before_and_another_in_apposition(index: KBIndex) -> None:
    assert triples("“We found nothing,” said Sgt. Tom Reyes, Dallas Police Department spokesman.", index) == [
        ("Tom Reyes", "Sgt.", None), ("Tom Reyes", "Dallas Police Department spokesman", None)]


def test_coordinated_titles_before_a_comma_each_with_its_marker(index: KBIndex) -> None:
    assert triples("The complaint names Acme's founder and former chairman, Paul Drake.", index) == [
        ("Paul Drake", "Acme's founder", None), ("Paul Drake", "chairman", "former")]


def test_ousted_and_deposed_mark_a_former_holder(index: KBIndex) -> None:
    assert triples("Ousted Nordbank CEO Karl Weiss denied the charges.", index) == [
        ("Karl Weiss", "Nordbank CEO", "former")]
    assert triples("Deposed president Omar Said left the country.", index) == [("Omar Said", "president", "former")]


def test_listed_names_each_keep_their_own_title(index: KBIndex) -> None:
    assert triples("He, Trade Minister Ali Khan and Finance Minister Sara Malik signed the deal.", index) == [
        ("Ali Khan", "Trade Minister", None), ("Sara Malik", "Finance Minister", None)]


def test_a_sentence_end_stops_a_title_read_backwards(index: KBIndex) -> None:
    assert triples("The vote was close. The late Sen. Paul Hart was honoured.", index) == [("Paul Hart", "Sen.", "late")]


def test_apposition_title_is_cut_before_a_clause(index: KBIndex) -> None:
    assert triples("Omar Said, a lawyer representing the family, declined to comment.", index) == [
        ("Omar Said", "lawyer representing the family", None)]
    assert triples("Li Wen, a nurse at Riverside Hospital where the men were treated, spoke.", index) == [
        ("Li Wen", "nurse at Riverside Hospital", None)]


@pytest.mark.parametrize("text", [
    "Prince Harald visited Oslo on Monday.",  # a rank by birth is no office
    "Sir Alan Duncan spoke at the dinner.",
    "Bergen senior Ola Nord won the race.",  # "senior" is no title without a head
    "Andrew, the king's second son, was not at the ceremony.",  # a son is no title, the king's is the owner
    "With Acme Move, the company created a speaker that sounds good.",  # a clause, not an apposition
])
def test_not_roles_of_the_new_shapes(text: str, index: KBIndex) -> None:
    assert roles(text, index) == []


def test_organisation_inside_a_title_is_no_person(index: KBIndex) -> None:
    assert triples("Nina Holt, President Kaspi Europe, said the launch went well.", index) == [
        ("Nina Holt", "President Kaspi Europe", None)]


def test_a_list_of_companies_after_a_plural_noun_is_no_list_of_people(index: KBIndex) -> None:
    # one-word items and company words are not people written in full
    assert roles("The deal was backed by investors SoftBank and Tiger Global on Monday.", index) == []
    assert roles("The firm hired Morgan Stanley Partners as lead adviser.", index) == []


def test_a_pronoun_owner_is_no_part_of_the_title(index: KBIndex) -> None:
    assert triples("The ministry named Laila Noor as its chief negotiator.", index) == [
        ("Laila Noor", "chief negotiator", None)]


def test_ambassador_to_a_place_before_the_name(index: KBIndex) -> None:
    # the place need not be known to the base: the name is the run's last two words
    assert triples("China's envoy to Kenya Zhou Ping arrived on Monday.", index) == [
        ("Zhou Ping", "China's envoy to Kenya", None)]
    assert triples("He spoke to Britain Liu Xiaming on Monday.", index) == []  # no title before "to"


def test_titles_with_an_owner_that_names_no_one_an_age_or_inside_an_organisation(index: KBIndex) -> None:
    def triples(text: str) -> list[tuple[str, str, str | None]]:
        return [(r["person"], r["title"], r["marker"]) for r in roles(text, index)]

    # a pronoun or "the company's" owns the title before a comma and a name: no part of the title
    assert triples("Her lawyer, Michael Avenatti, said she would sue.") == [("Michael Avenatti", "lawyer", None)]
    assert triples("The company's chief financial officer, Ruth Porat, said revenue rose.") == [
        ("Ruth Porat", "chief financial officer", None)]
    assert triples("His brother, John Smith, said.") == []  # a brother is no title
    # an age between the name and the apposition
    assert triples("John Smith, 45, a firefighter from Ohio, was injured.") == [
        ("John Smith", "firefighter from Ohio", None)]
    # the mention analysis reads a title and a name as one organisation: the name is a person
    assert [r["person"] for r in roles("Senate Majority Leader Mitch McConnell blocked the bill.", index)] == [
        "Mitch McConnell"]
    assert triples("Committee Chairman Bob Menendez said.") == [("Bob Menendez", "Chairman", None)]  # once


def test_an_apposition_after_a_party_tag_and_a_title_with_its_complement(index: KBIndex) -> None:
    def pairs(text: str) -> list[tuple[str, str]]:
        return [(r["person"], r["title"]) for r in roles(text, index)]

    assert pairs("Nancy Pelosi, D-Calif., the speaker of the House, said.") == [("Nancy Pelosi", "speaker of the House")]
    assert pairs("Pakistan's ambassador to the US, Masood Khan, met officials.") == [
        ("Masood Khan", "Pakistan's ambassador to the US")]
    # an owner inside a title after the name stays in it
    assert pairs("Mark Zandi, chief economist at Moody's Analytics, said.") == [
        ("Mark Zandi", "chief economist at Moody's Analytics")]
    assert pairs("Officials in Kabul, Ahmad Shah and others, met.") == []  # a place is no title's complement


def test_a_copula_after_who_and_an_indefinite_title_before_a_name(index: KBIndex) -> None:
    def pairs(text: str) -> list[tuple[str, str]]:
        return [(r["person"], r["title"]) for r in roles(text, index)]

    assert pairs("Jane Roe, who is the chief executive of Acme, resigned.") == [("Jane Roe", "chief executive of Acme")]
    assert pairs("A spokesperson for the ministry, Ali Khan, said the talks had ended.") == [
        ("Ali Khan", "spokesperson for the ministry")]
    # no title noun: no role
    assert pairs("John Smith, who is a friend of the victim, spoke.") == []
    assert pairs("A friend of the victim, John Smith, spoke.") == []


# Role recall (issue 13): the shapes the extractor missed — a title joined to a marker or a
# suffix by a hyphen, a title or a name in parentheses, one word of a name before an apposition.
# Each sentence written for this suite, none taken from the gold files.

def test_a_marker_joined_to_the_title_by_a_hyphen(index: KBIndex) -> None:
    assert triples("Ex-footballer Carl Brenner said the broadcaster had been wrong.", index) == [
        ("Carl Brenner", "footballer", "ex")]
    assert triples("The show was hosted by ex-footballer Carl Brenner.", index) == [("Carl Brenner", "footballer", "ex")]
    assert triples("Former footballer Carl Brenner said the broadcaster had been wrong.", index) == [
        ("Carl Brenner", "footballer", "former")]


def test_a_title_suffix_after_a_hyphen(index: KBIndex) -> None:
    assert triples("The meeting with President-elect Jane Roe was postponed.", index) == [
        ("Jane Roe", "President-elect", None)]
    assert triples("Prime Minister-designate Omar Said named his cabinet.", index) == [
        ("Omar Said", "Prime Minister-designate", None)]


def test_the_speaker_of_a_hyphen_titled_name_is_the_name_alone(index: KBIndex) -> None:
    from amanat.analyze.claims.people import people

    text = "Ex-footballer Carl Brenner said the broadcaster had been wrong."
    assert [p.name for p in people(context(text, index))] == ["Carl Brenner"]


def test_a_title_in_parentheses_after_a_name(index: KBIndex) -> None:
    assert triples("Jane Roe (chief executive of Nordfisk) said sales fell.", index) == [
        ("Jane Roe", "chief executive of Nordfisk", None)]
    assert triples("The bill was backed by Tom Hale (Labour leader in the council).", index) == [
        ("Tom Hale", "Labour leader in the council", None)]


def test_a_name_in_parentheses_after_a_title(index: KBIndex) -> None:
    assert triples("The health minister (Jane Roe) said the hospitals were full.", index) == [
        ("Jane Roe", "health minister", None)]
    assert triples("Nordfisk's former chief executive (Tom Hale) declined to comment.", index) == [
        ("Tom Hale", "Nordfisk's chief executive", "former")]


def test_one_word_of_a_name_before_an_apposition(index: KBIndex) -> None:
    assert triples("Kowalczyk, the firm's chief financial officer, said the results were weak.", index) == [
        ("Kowalczyk", "chief financial officer", None)]
    # one word before a title with no speech verb after it is as often a company or a place
    assert triples("Tribune, the former owner of the paper, sold its stake.", index) == []
    assert triples("Nordfisk, a global producer of fish oil, cut jobs.", index) == []
    assert triples("Brenner, Nordfisk's spokesman, told reporters the talks had stalled.", index) == [
        ("Brenner", "Nordfisk's spokesman", None)]


@pytest.mark.parametrize("text", [
    "Jane Roe (pictured) said sales fell.",  # no title head in the parentheses
    "Jane Roe (Labour) said the vote was close.",  # a party is no title (tests/gold/CLAIMS.md: a title needs a head)
    "The company (Nordfisk) said sales fell.",  # a company is no office
    "Sales rose 4% (see chart) in the quarter.",
    "Meanwhile, the firm's spokesman declined to comment.",  # a sentence adverb is no name
    "Separately, the firm's chief financial officer, Jane Roe, declined to comment.",
    "Andrew, the king's second son, was not at the ceremony.",
])
def test_not_roles_of_the_recall_shapes(text: str, index: KBIndex) -> None:
    found = triples(text, index)
    assert all(person not in ("Meanwhile", "Separately", "Andrew", "Nordfisk") for person, _, _ in found)
    assert all("(" not in text or title not in ("pictured", "Labour", "company", "see chart") for _, title, _ in found)
