"""Memberships and lists against the record at the document's date, on a small base built here:
a group of four (two founders, one who joined later, one who left) and a country never in it."""

from __future__ import annotations

from datetime import date

import pytest

from amanat.check import DocumentView, Record
from amanat.check.memberships import MEMBERSHIPS_AT_DATE
from amanat.kb.index import KBIndex
from amanat.kb.model import MEMBER_OF, Bound, Entity, Fact, Interval, KnowledgeBase, Label, Source
from amanat.model import Claim, Mention

GROUP = "org:bloc"
COUNTRIES = {"alba": "Albania", "bela": "Belarus", "cuba": "Cuba", "dane": "Denmark", "eire": "Ireland"}


@pytest.fixture(scope="module")
def record() -> Record:
    kb = KnowledgeBase()
    kb.add(Source("s:bloc", "Members of the Bloc", as_of=date(2022, 1, 1)))
    kb.add(Entity(GROUP, "organization", (Label("Northern Bloc", "en"), Label("NB", "en", kind="alias"))))
    for cid, name in COUNTRIES.items():
        kb.add(Entity(cid, "place", (Label(name, "en"),)))
    terms = {"alba": ("2001-06-15", None), "bela": ("2001-06-15", None), "cuba": ("2017-06-09", None),
             "dane": ("2001-06-15", "2010-01-01")}
    for cid, (start, end) in terms.items():
        kb.add(Fact(cid, MEMBER_OF, GROUP, source="s:bloc", interval=Interval(
            Bound.parse(start), Bound.parse(end) if end else None, None if end else date(2022, 1, 1))))
    return Record(kb, KBIndex.build(kb), "test")


def view(text: str, day: date | None, group: str, members: list[str], *, link: bool = True) -> DocumentView:
    """A document with one membership claim over the whole first sentence, its names linked."""
    end = text.index(".") if "." in text else len(text)
    claim = Claim("membership", 0, end, text[:end], {"group": group, "members": members})
    mentions = []
    if link:
        ids = {v: k for k, v in COUNTRIES.items()}
        for name in members:
            if name in ids:
                at = text.index(name)
                mentions.append(Mention(at, at + len(name), name, "place", ids[name]))
    return DocumentView("d1", text, day, "metadata" if day else None, "en", "test", (claim,), tuple(mentions))


def found(record: Record, *args: object, **kw: object) -> list[tuple[str, str]]:
    return [(f.type, f.status) for f in MEMBERSHIPS_AT_DATE.run(view(*args, **kw), record)]  # type: ignore[arg-type]


DAY = date(2020, 5, 1)


def test_a_complete_list_that_matches_the_record_says_nothing(record: Record) -> None:
    assert found(record, "The NB's members are Albania, Belarus and Cuba.", DAY, "NB", ["Albania", "Belarus", "Cuba"]) == []
    assert found(record, "The Northern Bloc comprises Albania, Belarus and Cuba.", DAY, "Northern Bloc",
                 ["Albania", "Belarus", "Cuba"]) == []


def test_a_member_missing_from_a_complete_list_is_contradicted(record: Record) -> None:
    [f] = MEMBERSHIPS_AT_DATE.run(view("The NB's members are Albania and Belarus.", DAY, "NB", ["Albania", "Belarus"]), record)
    assert (f.type, f.status) == ("members-missing", "contradicted")
    assert "Cuba" in f.sentence and f.facts[0]["subject"] == "cuba" and f.facts[0]["source"] == "s:bloc"


def test_a_list_that_is_not_complete_misses_nobody(record: Record) -> None:
    for text in ("The NB includes Albania and Belarus.", "The NB's founding members are Albania and Belarus.",
                 "The NB's members include Albania and Belarus.", "Members such as Albania and Belarus joined the NB."):
        assert found(record, text, DAY, "NB", ["Albania", "Belarus"]) == [], text


def test_missing_members_need_every_listed_name_resolved(record: Record) -> None:
    assert found(record, "The NB's members are Albania and Belarus and Ruritania.", DAY, "NB",
                 ["Albania", "Belarus", "Ruritania"]) == []


def test_a_non_member_listed_is_contradicted_only_on_the_records_word(record: Record) -> None:
    # Cuba joined in 2017: listed in 2015 the record excludes it; Denmark left in 2010
    assert found(record, "The NB includes Albania and Cuba.", date(2015, 1, 1), "NB", ["Albania", "Cuba"]) == [
        ("member-at-date", "contradicted")]
    assert found(record, "The NB includes Albania and Denmark.", DAY, "NB", ["Albania", "Denmark"]) == [
        ("member-at-date", "contradicted")]
    # Ireland has no membership in the record: the record may not know, never contradicted
    assert found(record, "The NB includes Albania and Ireland.", DAY, "NB", ["Albania", "Ireland"]) == [
        ("member-at-date", "undetermined")]


def test_past_the_records_as_of_date_nothing_is_contradicted(record: Record) -> None:
    got = found(record, "The NB's members are Albania and Belarus.", date(2024, 1, 1), "NB", ["Albania", "Belarus"])
    assert got == [("members-missing", "undetermined")]  # Cuba may have left since 2022: the record cannot say


def test_another_time_no_date_or_an_unknown_group_say_nothing(record: Record) -> None:
    assert found(record, "In 2005, the NB's members were Albania, Belarus and Denmark.", DAY, "NB",
                 ["Albania", "Belarus", "Denmark"]) == []
    assert found(record, "The NB's members were then Albania and Denmark.", DAY, "NB", ["Albania", "Denmark"]) == []
    assert found(record, "The NB includes Albania and Cuba.", None, "NB", ["Albania", "Cuba"]) == []
    assert found(record, "The Southern Bloc includes Cuba and Denmark.", DAY, "Southern Bloc", ["Cuba", "Denmark"]) == []


def test_members_resolve_by_their_labels_without_mentions(record: Record) -> None:
    assert found(record, "The NB includes Albania and Denmark.", DAY, "NB", ["Albania", "Denmark"], link=False) == [
        ("member-at-date", "contradicted")]
    # an acronym only as written: "nb" is no group
    assert found(record, "The nb includes Albania and Denmark.", DAY, "nb", ["Albania", "Denmark"], link=False) == []
