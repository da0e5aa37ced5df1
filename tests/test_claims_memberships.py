"""Memberships beyond the group's own list (analyze/claims/memberships.py): a person of a party,
a counted list after a colon, several members as the subject, joining a group by name, the members
of a group "including" some. Sentences written for this suite, none taken from the gold files."""

from __future__ import annotations

from datetime import date

import pytest

from amanat.analyze.claims import Context
from amanat.analyze.claims.memberships import extract_memberships
from amanat.analyze.mentions import analyze_mentions
from amanat.kb import starter
from amanat.kb.index import KBIndex

DAY = date(2022, 1, 10)


@pytest.fixture(scope="module")
def index() -> KBIndex:
    return KBIndex.build(starter.load())


def memberships(text: str, index: KBIndex) -> list[tuple[str, list[str]]]:
    found = extract_memberships(Context(text, DAY, "en", tuple(analyze_mentions(text, DAY, index))))
    for c in found:
        assert text[c.start:c.end] == c.text
    return [(str(c.fields["group"]), list(c.fields["members"])) for c in found]  # type: ignore[call-overload]


def test_a_person_of_a_party(index: KBIndex) -> None:
    assert memberships("Sen. Ruth Adler of the Green Party voted against the bill.", index) == [
        ("Green Party", ["Ruth Adler"])]


def test_a_counted_list_after_a_colon(index: KBIndex) -> None:
    text = "The agency shortlisted the three Nordic carriers that bid for the route: Finnair, Norwegian and SAS."
    assert memberships(text, index) == [("Nordic carriers", ["Finnair", "Norwegian", "SAS"])]
    # the count must be the list's length: otherwise the colon introduces something else
    assert memberships(text.replace("three", "two"), index) == []


def test_several_members_as_the_subject(index: KBIndex) -> None:
    assert memberships("Belgium, Denmark and Norway are founding members of NATO.", index) == [
        ("NATO", ["Belgium", "Denmark", "Norway"])]


def test_joining_a_group_named_as_one(index: KBIndex) -> None:
    assert memberships("Montenegro joined NATO in 2017.", index) == [("NATO", ["Montenegro"])]
    assert memberships("Ivan Petrov joined Google in 2019.", index) == []  # a job, not a membership


def test_members_of_a_group_including_some(index: KBIndex) -> None:
    assert memberships("The members of the African Union, including Ghana and Kenya, backed the plan.", index) == [
        ("African Union", ["Ghana", "Kenya"])]
    assert memberships("European Union members Spain and Portugal objected to the tariff.", index) == [
        ("European Union", ["Spain", "Portugal"])]


@pytest.mark.parametrize("text", [
    "Ruth Adler of the University of Leeds spoke first.",  # of a university: no group word
    "The ministry published three reports: one in May, one in June and one in July.",
    "Officials from Ghana and Kenya met in Accra.",
])
def test_not_memberships_of_the_new_shapes(text: str, index: KBIndex) -> None:
    assert memberships(text, index) == []


def test_a_whole_and_its_parts(index: KBIndex) -> None:
    assert memberships("The Gulf Cooperation Council, a bloc of six Arab states including Saudi Arabia and Qatar, met.",
                       index) == [("Gulf Cooperation Council", ["Saudi Arabia", "Qatar"])]
    assert memberships("Alphabet, which owns Google and YouTube, reported earnings.", index) == [
        ("Alphabet", ["Google", "YouTube"])]
    # a person who owns things is no group; one thing owned is no list
    assert memberships("Rupert Murdoch, the owner of the Times, the Sun and Fox News, testified.", index) == []
    assert memberships("Tribune, the owner of the Chicago Tribune, said it would cut jobs.", index) == []


def test_members_named_after_the_group_and_its_possessive(index: KBIndex) -> None:
    assert memberships("Apple's founding members Steve Jobs and Steve Wozniak started it in a garage.", index) == [
        ("Apple", ["Steve Jobs", "Steve Wozniak"])]
    assert memberships("Members of the UN Security Council, including China and Russia, objected.", index) == [
        ("UN Security Council", ["China", "Russia"])]


def test_a_group_named_before(index: KBIndex) -> None:
    text = "NATO leaders met in Vilnius on Tuesday. Their new members Finland and Sweden were welcomed."
    assert memberships(text, index) == [("NATO", ["Finland", "Sweden"])]
    # nothing named before: no group to give the members to
    assert memberships("Member states Kazakhstan and Uzbekistan signed a transit deal.", index) == []


def test_a_counted_list_whose_count_starts_the_sentence(index: KBIndex) -> None:
    text = "Two Republican senators - Susan Collins and Lisa Murkowski - voted no."
    assert memberships(text, index) == [("Republican senators", ["Susan Collins", "Lisa Murkowski"])]


@pytest.mark.parametrize("text", [
    "Its members voted against the plan.",  # no list
    "The company's founding members Monday agreed to sell.",  # a weekday is no member
    "The SCO met on Monday. Member states also discussed Afghanistan.",
    "Pink Floyd founding member Roger Waters said he would tour.",  # a name of no group word
    "Trump's cabinet members Mike Pompeo and Steven Mnuchin attended.",
    "Three countries - China, Russia and Iran - abstained.",  # counted, but no group named
    "Smith, a father of three including Tom and Ann, testified.",  # a father is no whole of parts
])
def test_not_memberships_of_the_anaphor_and_whole_shapes(text: str, index: KBIndex) -> None:
    assert memberships(text, index) == []


def test_every_membership_word_holds_a_cue() -> None:
    """The shapes run only on sentences holding one of the lexicon's cues (groups.json
    ``membership_cues``): a word added to a shape's list without a cue would never be read."""
    from amanat.kb.lexicon import lexicon

    lex = lexicon("en")
    cues = {k: tuple(v) for k, v in lex.mapping("membership_cues").items()}
    lists = {"member": ("member_nouns",), "verb": ("group_verbs",), "join": ("join_group_verbs",),
             "introducer": ("list_introducers",), "owner": ("owner_nouns", "owner_verbs")}
    uncued = [(cue, w) for cue, keys in lists.items() for key in keys for w in lex.words(key)
              if not any(c in w for c in cues[cue])]
    assert not uncued
