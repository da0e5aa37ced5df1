"""Quotes: direct and reported speech, the speaker resolved to a mention (analyze/claims/quotes.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from amanat.analyze.claims import Context, extract_claims
from amanat.analyze.claims.evaluate import evaluate
from amanat.analyze.claims.quotes import extract_quotes
from amanat.analyze.mentions import analyze_mentions
from amanat.kb import starter
from amanat.kb.index import KBIndex
from amanat.model import Claim

GOLD = Path(__file__).resolve().parents[1] / "tests" / "gold" / "claims_handwritten.json"
DAY = date(2022, 1, 10)


@pytest.fixture(scope="module")
def index() -> KBIndex:
    return KBIndex.build(starter.load())


def quotes(text: str, index: KBIndex) -> list[Claim]:
    return extract_quotes(Context(text, DAY, "en", tuple(analyze_mentions(text, DAY, index))))


def pairs(text: str, index: KBIndex) -> list[tuple[str, str | None]]:
    return [(q.text, q.fields["speaker"]) for q in quotes(text, index)]


def test_direct_quote_after_and_before_the_verb(index: KBIndex) -> None:
    text = "“Our borders remain open to trade,” Roman Vassilenko told journalists in Astana."
    [q] = quotes(text, index)
    assert q.text == "Our borders remain open to trade"
    assert text[q.start:q.end] == q.text
    assert q.fields == {"speaker": "Roman Vassilenko", "entity": "amanat:person/roman-vassilenko"}
    # a surname that several persons of the base share: the speaker as written, no entity
    [q] = quotes("“Our borders remain open to trade,” Vassilenko told journalists in Astana.", index)
    assert q.fields == {"speaker": "Vassilenko", "entity": None}
    assert pairs("«The border will reopen next week,» said Tokayev.", index) == [
        ("The border will reopen next week", "Tokayev")]


def test_colon_quote_and_continuation(index: KBIndex) -> None:
    assert pairs("The embassy wrote on its website: \"Visa rules have not changed.\"", index) == [
        ("Visa rules have not changed", "The embassy")]
    text = "“Exports grew,” the ministry said. “Imports fell by a fifth.”"
    assert pairs(text, index) == [("Exports grew", "the ministry"), ("Imports fell by a fifth", "the ministry")]


def test_reported_speech_forms(index: KBIndex) -> None:
    assert pairs("The central bank said on Thursday that inflation would slow.", index) == [
        ("inflation would slow", "The central bank")]
    assert pairs("Grain exports doubled last year, the agriculture ministry reported.", index) == [
        ("Grain exports doubled last year", "the agriculture ministry")]
    assert pairs("According to the customs service, the queue at the border stretched for miles.", index) == [
        ("the queue at the border stretched for miles", "the customs service")]
    assert pairs("The pipeline will be finished by 2025, says Tokayev", index) == [
        ("The pipeline will be finished by 2025", "Tokayev")]


def test_two_speakers_in_one_sentence(index: KBIndex) -> None:
    text = "Lavrov said the meeting was useful, while Blinken said little had changed."
    assert pairs(text, index) == [("the meeting was useful", "Lavrov"), ("little had changed", "Blinken")]


def test_relative_clause_and_apposition_speakers(index: KBIndex) -> None:
    text = "The decision followed a request from the regional akimat, which said the roads were unsafe."
    assert pairs(text, index) == [("the roads were unsafe", "the regional akimat")]
    text = "Russia's foreign minister, Sergei Lavrov, said the talks would resume."
    assert pairs(text, index) == [("the talks would resume", "Sergei Lavrov")]


def test_pronoun_resolved_only_when_one_person_fits(index: KBIndex) -> None:
    text = "Kassym-Jomart Tokayev visited Aktau. He said the port would be expanded."
    assert pairs(text, index) == [("the port would be expanded", "Kassym-Jomart Tokayev")]
    text = "Tokayev received Lavrov in Astana. He said relations were strong."
    assert pairs(text, index) == [("relations were strong", None)]


def test_pronoun_it_and_bare_title(index: KBIndex) -> None:
    text = "The national bank raised its base rate. It said prices were rising too fast."
    assert pairs(text, index) == [("prices were rising too fast", "The national bank")]
    text = "Shehbaz Sharif arrived in Tashkent on Monday. The minister said trade would grow."
    assert pairs(text, index)[0][1] == "Shehbaz Sharif"


def test_pronoun_goes_back_one_paragraph_only_to_one_person(index: KBIndex) -> None:
    # a paragraph that names nobody before its "she said" reads the one person of the paragraph before
    text = ("Sonya A. Zoghlin, the defendant’s attorney, spoke to reporters.\n\n"
            "“He is passionate about his beliefs,” she said in an email.")
    assert pairs(text, index) == [("He is passionate about his beliefs", "Sonya A. Zoghlin")]
    # two people before: ambiguous; two paragraphs back: too far
    text = "Tokayev met Sonya Zoghlin, the defendant’s attorney, in Almaty.\n\nShe said the vote would be fair."
    assert pairs(text, index) == [("the vote would be fair", None)]
    text = "Tokayev spoke in Almaty.\n\nThe weather was cold.\n\nHe said the vote would be fair."
    assert pairs(text, index) == [("the vote would be fair", None)]
    # an honorific gives a gender: "she" is not Mr Smith
    text = "Mr. John Smith spoke in Almaty.\n\nShe said the vote would be fair."
    assert pairs(text, index) == [("the vote would be fair", None)]


def test_speakers_the_base_does_not_know(index: KBIndex) -> None:
    # a title before the name, an abbreviation inside the phrase
    assert pairs("“Justice has been served,” said U.S. Attorney Nealy Cox.", index) == [
        ("Justice has been served", "Nealy Cox")]
    # a one-word subject, then "he said" in the next sentence
    text = ("Roth said the company could take larger payloads. SNC would be able to start missions "
            "in 2022, he said.")
    assert [s for _, s in pairs(text, index)] == ["Roth", "Roth"]
    # a quote running on after the rest of its attribution's sentence, and into the next paragraph
    text = "“He knows what he has done,” Giuffre said before the interview. “And I hope he comes clean.”"
    assert [s for _, s in pairs(text, index)] == ["Giuffre", "Giuffre"]
    text = "Cheuk Hau-yip, the district commander, said: “These rioters are criminals.\n\n“I see no other option.”"
    assert pairs(text, index) == [("These rioters are criminals", "Cheuk Hau-yip"),
                                  ("I see no other option", "Cheuk Hau-yip")]
    # a closing mark written as two apostrophes
    assert pairs("“It was an attempt to mislead voters,’’ Will Moy, chief executive of Full Fact, told the BBC.",
                 index) == [("It was an attempt to mislead voters", "Will Moy")]


def test_anonymous_speakers_are_none(index: KBIndex) -> None:
    assert pairs("Residents said the water had risen overnight.", index) == [("the water had risen overnight", None)]
    assert pairs("People familiar with the matter said the deal was close.", index) == [
        ("the deal was close", None)]
    assert pairs("An official told reporters that the border was closed.", index) == [
        ("the border was closed", None)]


@pytest.mark.parametrize("text", [
    "The exhibition “Steppe Light” opened in Almaty.",                    # a title in quotes
    "The so-called ‘reforms’ changed little.",                            # scare quotes
    "The band played “Takin’ It to the Streets.”",                        # a title with its stop
    "Tokayev spoke for an hour without notes.",                           # speaking, no content
    "The striker added a goal in the second half.",                       # "added" is no speech here
    "The company reported a loss of $3 million.",                         # nor "reported"
    "Washington, DC, United States: the mission was launched.",          # "States:" is no verb
    "The said agreement was signed in 2019.",                             # no speaker
])
def test_not_quotes(text: str, index: KBIndex) -> None:
    assert quotes(text, index) == []


def test_registered_and_pure(index: KBIndex) -> None:
    text = "“We are ready,” Tokayev said."
    result = extract_claims(text, DAY, "en", analyze_mentions(text, DAY, index))
    found = [c for c in result.claims if c.type == "quote"]
    assert [c.extractor for c in found] == ["quotes@2"]
    assert quotes(text, index) == quotes(text, index)


def test_handwritten_gold(index: KBIndex) -> None:
    if not GOLD.exists():
        pytest.skip("tests/gold/claims_handwritten.json is not in this checkout yet")

    def extract(text: str, day: date | None, language: str) -> list[Claim]:
        mentions = analyze_mentions(text, day, index) if language == "en" else []
        return extract_claims(text, day, language, mentions).claims

    report = evaluate(json.loads(GOLD.read_text()), extract, ["quote", "membership"])
    quote = report.score("quote")
    assert quote.precision >= 0.93 and quote.recall >= 0.93, report.errors
    assert quote.attributes["speaker"] / quote.tp >= 0.9
    membership = report.score("membership")
    assert membership.precision >= 0.9 and membership.recall >= 0.85, report.errors
