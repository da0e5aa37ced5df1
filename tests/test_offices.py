"""Offices named without a country or organisation ("The President said", "the minister
added"): taken from the earlier mentions of the same kind of office when they all name one,
else left undetermined — never guessed. Also the earlier holders a then-/former office may
mean, and explicit office phrases that must not match another office."""

from __future__ import annotations

from datetime import date

import pytest

from amanat.analyze.mentions import analyze_mentions
from amanat.kb import starter
from amanat.kb.index import KBIndex, Tenure
from amanat.kb.linking import resolve_holder
from amanat.kb.model import Bound, Entity, Fact, Interval, KnowledgeBase, Label, Source
from amanat.model import Mention
from conftest import shared_path

DAY = date(2022, 6, 1)


@pytest.fixture(scope="module")
def index() -> KBIndex:
    return KBIndex.build(starter.load())


def offices(index: KBIndex, text: str, day: date | None = DAY) -> list[Mention]:
    return [m for m in analyze_mentions(text, day, index) if m.kind == "position"]


def at(mentions: list[Mention], text: str, fragment: str) -> Mention:
    """The position mention inside the first occurrence of ``fragment``."""
    s = text.index(fragment)
    hits = [m for m in mentions if s <= m.start and m.end <= s + len(fragment)]
    assert len(hits) == 1, (fragment, [(m.text, m.start) for m in mentions])
    return hits[0]


def office_of(index: KBIndex, phrase: str) -> str:
    """The office an explicit phrase ("Kazakhstan's foreign minister") names on its own."""
    [m] = offices(index, f"{phrase} spoke.")
    assert m.entity_id is not None, phrase
    return m.entity_id


# --- the owner comes from an earlier mention ---------------------------------------------------


def test_bare_title_after_a_persons_titled_name(index: KBIndex) -> None:
    text = "Kazakh President Kassym-Jomart Tokayev spoke on Monday. The President said so."
    [m] = offices(index, text)
    assert m.text == "President" and text[m.start : m.end] == "President"
    assert m.entity_id == office_of(index, "The President of Kazakhstan")
    assert (m.holder, m.resolution) == ("Q200881", "held")  # Tokayev on that day


def test_bare_title_after_an_office_phrase(index: KBIndex) -> None:
    text = "Pakistan's foreign minister arrived in Astana. The minister said trade would grow."
    first, later = offices(index, text)
    assert later.text == "minister"
    assert later.entity_id == first.entity_id == office_of(index, "Pakistan's foreign minister")
    assert later.holder == first.holder and later.resolution == first.resolution


def test_shorter_title_keeps_the_antecedents_office(index: KBIndex) -> None:
    """After Kazakhstan's ambassador to Pakistan, "the ambassador" and "the envoy" are that
    office, not any office whose title has the word."""
    for bare in ("the ambassador", "the envoy"):
        text = f"Kazakhstan's ambassador to Pakistan spoke. Later {bare} left."
        m = at(offices(index, text), text, bare)
        assert m.entity_id == office_of(index, "Kazakhstan's ambassador to Pakistan")


def test_the_title_chain_goes_on(index: KBIndex) -> None:
    text = "The Russian Foreign Minister arrived. The minister spoke. Then the Minister left."
    ms = offices(index, text)
    assert len(ms) == 3 and len({m.entity_id for m in ms}) == 1
    assert ms[0].entity_id == office_of(index, "The Russian Foreign Minister")


def test_another_country_anywhere_before_keeps_it_open(index: KBIndex) -> None:
    """Not the nearest mention alone: every office of the kind named before must agree."""
    for first, second in (("Russian", "Kazakh"), ("Kazakh", "Russian")):
        text = f"The {first} President spoke.\n\nThe {second} President replied.\n\nThe President said."
        m = at(offices(index, text), text, "The President said")
        assert m.entity_id is None and m.resolution == "undetermined"
        assert len(m.candidates) == 2


def test_an_owner_the_base_does_not_know_keeps_it_open(index: KBIndex) -> None:
    """An article about one president that names another country's in passing: "the
    president" stays open when the first one's country is not in the base."""
    text = (
        "US President John Doe has claimed victory.\n\n"
        "Aides said Doe's request to the Ukrainian president was inappropriate.\n\n"
        "What was unusual about this call was the president's reference to investigations."
    )
    ms = offices(index, text)
    assert at(ms, text, "Ukrainian president").entity_id == office_of(index, "Ukraine's President")
    m = at(ms, text, "the president's reference")
    assert m.entity_id is None and m.holder is None and m.resolution == "undetermined"
    assert "not named" in (m.why or "")


def test_a_former_office_carries_its_marker_and_owner(index: KBIndex) -> None:
    text = "Kazakhstan's former President was absent. The former President had sent a letter."
    explicit, bare = offices(index, text)
    assert bare.text == "former President" and bare.marker == "former"
    assert bare.entity_id == explicit.entity_id == office_of(index, "The President of Kazakhstan")
    assert bare.holder is None and bare.resolution == "undetermined"
    assert bare.candidates == explicit.candidates
    assert "Q200881" not in {c.entity_id for c in bare.candidates}  # Tokayev holds it


# --- never a guess ------------------------------------------------------------------------------


def test_two_countries_in_the_nearest_paragraph_stay_undetermined(index: KBIndex) -> None:
    text = (
        "Kazakh President Kassym-Jomart Tokayev met Russian President Vladimir Putin in Moscow. "
        "The President said the talks went well."
    )
    m = at(offices(index, text), text, "The President said")
    assert m.entity_id is None and m.holder is None and m.resolution == "undetermined"
    assert m.why and m.why.startswith("several offices of this kind")
    holders = {x.holder for x in offices(index, "Kazakh President and Russian President spoke.")}
    assert {c.entity_id for c in m.candidates} == holders and len(holders) == 2


def test_two_offices_of_one_kind_stay_undetermined(index: KBIndex) -> None:
    text = "Pakistan's foreign minister and Kazakhstan's foreign minister met. The minister spoke."
    m = at(offices(index, text), text, "The minister")
    assert m.entity_id is None and m.resolution == "undetermined"
    assert len(m.candidates) == 2


def test_a_later_mention_is_not_an_antecedent(index: KBIndex) -> None:
    text = "The President said so. Kazakh President Kassym-Jomart Tokayev agreed."
    [m] = offices(index, text)
    assert m.text == "President" and m.entity_id is None and m.holder is None
    assert m.resolution == "undetermined" and "no country or organisation is named" in (m.why or "")
    assert not m.candidates


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        ("Vice President John Doe of Pakistan spoke. The President said so.", "The President"),
        (
            "Kazakh Deputy Foreign Minister Akan Rakhmatulin spoke. The Foreign Minister added.",
            "The Foreign Minister",
        ),
        ("Pakistan's Prime Minister arrived. The Minister spoke.", "The Minister"),
        (
            "Natalia German, Special Representative of the Secretary-General for Central Asia, "
            "spoke. The Secretary-General agreed.",
            "The Secretary-General",
        ),
    ],
)
def test_another_rank_of_the_office_is_not_an_antecedent(
    index: KBIndex, text: str, bare: str
) -> None:
    m = at(offices(index, text), text, bare)
    assert m.entity_id is None and m.resolution == "undetermined"
    assert "no country or organisation is named" in (m.why or "")


@pytest.mark.parametrize(
    "text",
    [
        "The Secretary-General said so.",
        "The President said the reforms would continue.",
        "Later the Foreign Minister declined to comment.",
    ],
)
def test_no_owner_anywhere_is_reported_undetermined(index: KBIndex, text: str) -> None:
    [m] = offices(index, text)
    assert m.kind == "position" and m.method == "position"
    assert (m.entity_id, m.holder, m.resolution) == (None, None, "undetermined")
    assert "no country or organisation is named" in (m.why or "") and not m.candidates
    assert m.as_row()["why"] == m.why


@pytest.mark.parametrize(
    "text",
    [
        "A minister said so.",  # not a reference back
        "UN Secretary-General Ban Ki-moon's spokesman said so.",  # a role, and someone's
        "It threatened the stability of the state for the first time.",  # not offices
        "The director of the school said so.",  # not an office the base has
        "The speaker thanked the president of the club.",  # lower case, someone else's
        "Later the spokesman declined to comment.",  # lower case: maybe no office at all
        "The Kazakh president spoke. The president of the club said.",  # another owner
    ],
)
def test_no_office_mention_for_what_is_not_one(index: KBIndex, text: str) -> None:
    ms = offices(index, text)
    assert all(m.entity_id is not None for m in ms), [(m.text, m.why) for m in ms]


@pytest.mark.parametrize(
    ("text", "not_office"),
    [
        ("Pakistan's minister spoke.", "The Prime Minister of Pakistan"),
        ("Kazakhstan's minister spoke.", "Kazakhstan's foreign minister"),
        ("Pakistan's Minister of Agriculture spoke.", "Pakistan's foreign minister"),
    ],
)
def test_explicit_owner_does_not_make_another_office(
    index: KBIndex, text: str, not_office: str
) -> None:
    """With a country named too: "minister" is not the Prime Minister or a deputy, and a
    minister "of" something the base does not know is not its foreign minister."""
    assert office_of(index, not_office) not in {m.entity_id for m in offices(index, text)}
    # the wide base holds every minister of the country: which one is meant, it cannot tell
    assert all(m.entity_id is None for m in offices(index, text))


def test_another_rank_is_not_the_earlier_office(index: KBIndex) -> None:
    """The base knows vice presidents; "the Vice President" after "the Kazakh president" is
    not the President of Kazakhstan, and names no owner: undetermined, never linked."""
    ms = offices(index, "The Kazakh president spoke. The Vice President said.")
    vice = [m for m in ms if m.text == "Vice President"]
    assert vice and all(m.entity_id is None for m in vice)


def test_a_ministry_is_not_an_office(index: KBIndex) -> None:
    assert not offices(index, "Russia's foreign ministry said it viewed the move with concern.")


def _kb_deputies() -> KnowledgeBase:
    """Two deputy foreign ministers of Pakistan at once, and Kazakhstan's President."""
    src = Source("t", "test", "test", as_of=date(2024, 1, 1))
    iv = Interval(Bound.parse("2020-01-01"), None, as_of=src.as_of)
    return KnowledgeBase.from_records(
        [
            src,
            Entity("PK", "place", (Label("Pakistan", "en"),)),
            Entity("DFM", "position", (Label("Deputy Minister of Foreign Affairs", "en"),)),
            Entity("A", "person", (Label("Amina Lodhi", "en"),)),
            Entity("B", "person", (Label("Bilal Rauf", "en"),)),
            Fact(
                "DFM", "jurisdiction", object="PK", source="t", interval=Interval(as_of=src.as_of)
            ),
            Fact("A", "position_held", object="DFM", source="t", interval=iv),
            Fact("B", "position_held", object="DFM", source="t", interval=iv),
        ]
    )


def test_the_same_persons_other_title_names_the_owner() -> None:
    """A person's bare title ("Deputy Foreign Minister Amina Lodhi") takes its country from the
    same person's fuller title before ("the Deputy Minister of Foreign Affairs of Pakistan");
    another person with the bare title is a reader's doubt, not a guess."""
    index = KBIndex.build(_kb_deputies())
    intro = "Amina Lodhi, the Deputy Minister of Foreign Affairs of Pakistan, arrived.\n\n"
    same = intro + "Deputy Foreign Minister Amina Lodhi spoke.\n\nThe Deputy Minister added more."
    m = at(offices(index, same), same, "The Deputy Minister added")
    assert m.entity_id == "DFM" and m.resolution == "undetermined"  # two deputies that day
    assert {c.entity_id for c in m.candidates} == {"A", "B"}
    other = intro + "Deputy Foreign Minister John Smith spoke.\n\nThe Deputy Minister added more."
    m = at(offices(index, other), other, "The Deputy Minister added")
    assert m.entity_id is None and "not named" in (m.why or "")
    assert not m.candidates  # the other deputy's office is unknown: anyone may be meant


# --- the earlier holders "then"/"former" may mean -----------------------------------------------


def _tenure(person: str, start: str | None, end: str | None, **kw: object) -> Tenure:
    iv = Interval(
        Bound.parse(start) if start else None,
        Bound.parse(end) if end else None,
        as_of=kw.pop("as_of", date(2024, 1, 1)),  # type: ignore[arg-type]
        end_unknown=bool(kw.pop("end_unknown", False)),
    )
    return Tenure(person, iv, bool(kw.pop("acting", False)), "t")


TERMS = [
    _tenure("OLD", None, "2010-05-01"),  # start unknown, surely ended
    _tenure("MID", "2010-05-01", "2015-03"),  # ended at month precision
    _tenure("BACK", "2015-03-20", "2018-01-01"),  # held before, and again now
    _tenure("BACK", "2021-01-01", None),
    _tenure("NOW", "2018-01-01", "2021-01-01"),
    _tenure("LATER", "2023-01-01", None),  # began after the day
]


def test_former_lists_earlier_holders_most_recent_first() -> None:
    res = resolve_holder(TERMS, date(2022, 6, 1), "former")
    assert res.holder is None and res.status == "undetermined"
    assert res.possible == (("NOW", 1.0), ("MID", 1.0), ("OLD", 1.0))
    # in the month the term ended, the record cannot say whether it had ended yet
    early = resolve_holder(TERMS, date(2015, 3, 10), "ex")
    assert early.possible == (("MID", 0.5), ("OLD", 1.0))


def test_then_includes_the_holder_of_the_day() -> None:
    res = resolve_holder(TERMS, date(2022, 6, 1), "then")
    assert res.status == "undetermined"
    assert [p for p, _ in res.possible] == ["BACK", "NOW", "MID", "OLD"]
    assert dict(res.possible)["BACK"] == 1.0 and "LATER" not in dict(res.possible)


def test_former_after_the_sources_as_of_date_may_be_the_last_holder() -> None:
    res = resolve_holder(TERMS, date(2030, 1, 1), "former")
    assert dict(res.possible)["LATER"] == 0.5 and dict(res.possible)["NOW"] == 1.0
    assert dict(res.possible)["BACK"] == 0.5  # held it before; may have left after 2024


# --- the five seed articles -----------------------------------------------------------------------

# Bare titles in the seeds, as a reader resolves them: (file prefix, the words around the
# title, the explicit phrase naming the same office).
SEED_REFERENCES = [
    ("000", "The envoy gave", "Kazakhstan's ambassador to Pakistan"),
    (
        "001",
        "The Deputy Minister expressed",
        "the Deputy Minister of Foreign Affairs of Kazakhstan",
    ),
    ("004", "on behalf of the Secretary-General", "the Secretary-General of the United Nations"),
    ("004", "stormed the president’s residence", "the Kazakh president"),
]


def seed(prefix: str) -> str:
    (path,) = shared_path("seeds").glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("prefix", "context", "explicit"), SEED_REFERENCES)
def test_bare_titles_in_the_seeds(index: KBIndex, prefix: str, context: str, explicit: str) -> None:
    text = seed(prefix)
    m = at(offices(index, text), text, context)
    assert m.entity_id == office_of(index, explicit)


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_office_mentions_stay_apart_from_people(index: KBIndex, prefix: str) -> None:
    """In every seed: each position mention is an office (or undetermined with a reason), sits
    on the text it names, and never overlaps a person or a person's title."""
    text = seed(prefix)
    kb = starter.load()
    ms = analyze_mentions(text, DAY, index)
    spans = [(m.start, m.end) for m in ms if m.kind == "person"] + [
        (m.role_start, m.role_end)
        for m in ms
        if m.kind == "person" and m.role_start is not None and m.role_end is not None
    ]
    for m in ms:
        if m.kind != "position":
            continue
        assert text[m.start : m.end] == m.text
        assert not any(s < m.end and m.start < e for s, e in spans), m
        assert m.entity_id is None or kb.entities[m.entity_id].kind == "position"
        assert m.holder is None or kb.entities[m.holder].kind == "person"
        assert m.entity_id is not None or m.why
