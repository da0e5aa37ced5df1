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
