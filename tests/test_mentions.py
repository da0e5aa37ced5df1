"""Mention detection and roles on hand-written sentences, one naming or role pattern each."""

from __future__ import annotations

from datetime import date

import pytest

from amanat.analyze.mentions import analyze_mentions
from amanat.kb import starter
from amanat.kb.index import KBIndex, country_variants, normalize
from amanat.kb.model import Bound, Entity, Fact, Interval, KnowledgeBase, Label, Source
from amanat.model import Mention


@pytest.fixture(scope="module")
def index() -> KBIndex:
    return KBIndex.build(starter.load())


def find(mentions: list[Mention], text: str) -> Mention:
    hits = [m for m in mentions if m.text == text]
    assert hits, f"{text!r} not found in {[m.text for m in mentions]}"
    return hits[0]


def run(index: KBIndex, text: str, day: date | None = date(2022, 6, 1)) -> list[Mention]:
    return analyze_mentions(text, day, index)


def test_normalize_keeps_offsets_to_the_original() -> None:
    text = "Ki‑moon’s   Straße"
    norm, offsets = normalize(text)
    assert norm == "ki moon's strasse"
    assert text[offsets[norm.index("s")]] in "’s"
    assert text[offsets[-1]] == "e"


@pytest.mark.parametrize(
    ("sentence", "name", "role", "marker"),
    [
        (
            "Deputy Foreign Minister Akan Rakhmatulin spoke.",
            "Akan Rakhmatulin",
            "Deputy Foreign Minister",
            None,
        ),
        (
            "Ambassador of Kazakhstan to Pakistan, Yerzhan Kistafin has stressed the need.",
            "Yerzhan Kistafin",
            "Ambassador of Kazakhstan to Pakistan",
            None,
        ),
        (
            "He met Pakistan's then-Prime Minister Shahbaz Sharif last year.",
            "Shahbaz Sharif",
            "Pakistan's then-Prime Minister",
            "then",
        ),
        (
            "UN Secretary-General Ban Ki-moon's spokesman Stefan Dujarric told reporters.",
            "Stefan Dujarric",
            "UN Secretary-General Ban Ki-moon's spokesman",
            None,
        ),
        (
            "UN Secretary-General Ban Ki-moon's spokesman Stefan Dujarric told reporters.",
            "Ban Ki-moon",
            "UN Secretary-General",
            None,
        ),
        (
            "The talks, said Roman Vassilenko, the Deputy Minister of Foreign Affairs of "
            "Kazakhstan, went well.",
            "Roman Vassilenko",
            "the Deputy Minister of Foreign Affairs of Kazakhstan",
            None,
        ),
        (
            "Former President Nursultan Nazarbayev was absent.",
            "Nursultan Nazarbayev",
            "Former President",
            "former",
        ),
        ("Ex-Prime Minister Nawaz Sharif returned.", "Nawaz Sharif", "Ex-Prime Minister", "ex"),
        (
            "The caretaker Prime Minister Anwar Kakar arrived.",
            "Anwar Kakar",
            "caretaker Prime Minister",
            "caretaker",
        ),
        ("Acting Ambassador Dana Smith signed it.", "Dana Smith", "Acting Ambassador", "acting"),
        (
            "The late President Islam Karimov was remembered.",
            "Islam Karimov",
            "late President",
            "late",
        ),
        (
            "Russian Foreign Ministry spokeswoman Maria Zakharova said so.",
            "Maria Zakharova",
            "Russian Foreign Ministry spokeswoman",
            None,
        ),
    ],
)
def test_roles_are_captured_with_span_and_marker(
    index: KBIndex, sentence: str, name: str, role: str, marker: str | None
) -> None:
    m = find(run(index, sentence), name)
    assert m.role == role
    assert m.role_start is not None and sentence[m.role_start : m.role_end] == role
    assert m.marker == marker


@pytest.mark.parametrize(
    ("sentence", "name", "entity"),
    [
        (
            "Kazakh President Qasim Zhumart Tokayev announced it.",
            "Qasim Zhumart Tokayev",
            "Q200881",
        ),
        ("Президент Касым-Жомарт Токаев выступил.", "Касым-Жомарт Токаев", "Q200881"),
        ("Тоқаев Қасым-Жомарт Кемелұлы сөз сөйледі.", "Тоқаев Қасым-Жомарт Кемелұлы", "Q200881"),
        ("Prime Minister Shehbaz Sharif spoke.", "Shehbaz Sharif", "Q2096387"),
        ("وزیر اعظم شہباز شریف نے کہا", "شہباز شریف", "Q2096387"),
        ("The Foundation of N.A. Nazarbayev opened.", "N.A. Nazarbayev", "Q57394"),
        (
            "Spokesman Stéphane Dujarric said.",
            "Stéphane Dujarric",
            "amanat:person/stephane-dujarric",
        ),
    ],
)
def test_name_variants_across_scripts_link(
    index: KBIndex, sentence: str, name: str, entity: str
) -> None:
    assert find(run(index, sentence), name).entity_id == entity


def test_places_orgs_and_acronyms(index: KBIndex) -> None:
    text = (
        "The CSTO sent troops to Nur-Sultan; the ОДКБ and the Shanghai Cooperation "
        "Organisation met in Astana with the U.N. and Kazakhstan's Foreign Ministry."
    )
    ms = run(index, text)
    assert find(ms, "CSTO").entity_id == find(ms, "ОДКБ").entity_id == "amanat:org/csto"
    assert find(ms, "Nur-Sultan").entity_id == find(ms, "Astana").entity_id == "Q1520"
    assert find(ms, "U.N.").entity_id == "amanat:org/un"
    assert find(ms, "Shanghai Cooperation Organisation").kind == "organization"


@pytest.mark.parametrize(
    "written", ["Kazakh Foreign Ministry", "Kazakhstan Foreign Ministry", "Kazakhstani Foreign Ministry"]
)
def test_an_organisation_named_with_its_country_or_demonym(index: KBIndex, written: str) -> None:
    ms = run(index, f"The {written} said on Monday that talks went well.")
    assert find(ms, written).entity_id == "amanat:org/mfa-kazakhstan"


def test_country_variants_change_only_a_leading_country() -> None:
    assert country_variants("Russian Foreign Ministry") == ["Russia Foreign Ministry"]
    assert country_variants("Pakistan Foreign Office") == ["Pakistani Foreign Office"]
    assert country_variants("Bank of Russia") == []
    assert country_variants("Kazakhstan") == []


def test_acronyms_match_only_as_written(index: KBIndex) -> None:
    ms = run(index, "Let us see what the un-named sources and sco fans say.")
    assert not [m for m in ms if m.entity_id]


def test_unknown_people_from_honorifics_and_roles(index: KBIndex) -> None:
    text = (
        "Mr. Abylay Asylkhan, Lead Expert, spoke. Prof. Dr. Shabir Ahmad Khan, Director, "
        "agreed. Later Shabir left. H.E. Jane Roe arrived."
    )
    ms = run(index, text)
    for name in ("Abylay Asylkhan", "Shabir Ahmad Khan", "Jane Roe"):
        m = find(ms, name)
        assert m.kind == "person" and m.entity_id is None
    assert find(ms, "Abylay Asylkhan").role == "Lead Expert"
    assert find(ms, "Shabir").method == "coref"


def test_unknown_organisations_and_their_acronyms(index: KBIndex) -> None:
    text = (
        "It was organized by the Eurasian Century Institute (ECI), Islamabad, and the "
        "Embassy of the Republic of Kazakhstan and Center for Global & Strategic Studies. "
        "ECI said so."
    )
    ms = run(index, text)
    assert find(ms, "Eurasian Century Institute").kind == "organization"
    assert len([m for m in ms if m.text == "ECI"]) == 2
    assert find(ms, "Embassy of the Republic of Kazakhstan").entity_id is None
    assert find(ms, "Center for Global & Strategic Studies").kind == "organization"
    # the country inside an organisation's name is still a mention of the country
    inner = find(ms, "Republic of Kazakhstan")
    assert inner.entity_id == "Q232"


def test_nested_known_names_are_kept_and_same_entity_inside_dropped(index: KBIndex) -> None:
    text = "The Ministry of Foreign Affairs of the Republic of Kazakhstan said."
    ms = run(index, text)
    assert find(ms, "Ministry of Foreign Affairs of the Republic of Kazakhstan").entity_id == (
        "amanat:org/mfa-kazakhstan"
    )
    assert find(ms, "Republic of Kazakhstan").nested
    assert not [m for m in ms if m.text == "Kazakhstan"]


def test_lone_surname_refers_back_within_the_document(index: KBIndex) -> None:
    ms = run(index, "Roman Vassilenko spoke. Later Vassilenko added more.")
    assert [m.entity_id for m in ms if m.text == "Vassilenko"] == ["amanat:person/roman-vassilenko"]
    assert find(ms, "Vassilenko").method == "coref"


def test_as_row_is_flat(index: KBIndex) -> None:
    m = find(run(index, "Deputy Foreign Minister Akan Rakhmatulin spoke."), "Akan Rakhmatulin")
    row = m.as_row("doc1")
    assert row["doc_id"] == "doc1" and row["entity_id"] == "amanat:person/akan-rakhmetullin"
    assert all(isinstance(v, str | int | float | bool | list | type(None)) for v in row.values())


def test_spacy_backend_is_optional(index: KBIndex) -> None:
    from amanat.analyze.mentions import spacy_spans

    if spacy_spans("x") is None:
        with pytest.raises(RuntimeError):
            analyze_mentions("Mr. X", None, index, backend="spacy")
    assert analyze_mentions("Mr. X", None, index, backend="auto") is not None


def test_mentions_names_each_steps_entry_point() -> None:
    """Each step lives in its own module; ``amanat.analyze.mentions`` stays the one place
    callers import from, with a complete, sorted ``__all__``."""
    from amanat.analyze import mentions, offices, roles, spans, tokens

    assert mentions.__all__ == sorted(mentions.__all__)
    assert mentions.detect is spans.detect and mentions.find_role is roles.find_role
    assert mentions.known_names is tokens.known_names and mentions.offices is offices.offices
    assert all(callable(getattr(mentions, name)) for name in mentions.__all__)


# --- offices named without a person -----------------------------------------------------------


def offices(mentions: list[Mention]) -> list[Mention]:
    return [m for m in mentions if m.kind == "position"]


@pytest.mark.parametrize(
    ("day", "holder"), [(date(2016, 6, 1), "Q57394"), (date(2022, 6, 1), "Q200881")]
)
def test_office_resolves_to_its_holder_on_the_date(index: KBIndex, day: date, holder: str) -> None:
    text = "The President of Kazakhstan said the reforms would continue."
    [m] = offices(run(index, text, day))
    assert m.text == "President of Kazakhstan" and m.entity_id == "Q5256775"
    assert (m.holder, m.resolution, m.score) == (holder, "held", 1.0)
    assert m.method == "position"


@pytest.mark.parametrize(
    ("sentence", "text", "position"),
    [
        ("Pakistan's foreign minister arrived.", "Pakistan's foreign minister", "Q2332457"),
        ("The Russian Foreign Minister did not.", "Russian Foreign Minister", "Q1418873"),
        ("The Kazakh president said so.", "Kazakh president", "Q5256775"),
        (
            "It was the Secretary-General of the United Nations who spoke.",
            "Secretary-General of the United Nations",
            "Q81066",
        ),
        (
            "Kazakhstan's ambassador to Pakistan was there.",
            "Kazakhstan's ambassador to Pakistan",
            "amanat:position/kz-ambassador-to-pakistan",
        ),
    ],
)
def test_office_phrases_with_country_or_organisation(
    index: KBIndex, sentence: str, text: str, position: str
) -> None:
    [m] = offices(run(index, sentence))
    assert (m.text, m.entity_id) == (text, position)
    assert sentence[m.start : m.end] == text


def test_office_without_a_document_date_is_undetermined(index: KBIndex) -> None:
    [m] = offices(run(index, "The President of Kazakhstan said so.", None))
    assert m.holder is None and m.resolution == "undetermined"
    assert m.why == "the document has no date"
    assert {c.entity_id for c in m.candidates} == {"Q57394", "Q200881"}


def test_office_after_the_sources_as_of_date_is_undetermined(index: KBIndex) -> None:
    [m] = offices(run(index, "The President of Kazakhstan said so.", date(2030, 1, 1)))
    assert m.holder is None and m.resolution == "undetermined"
    assert [c.entity_id for c in m.candidates] == ["Q200881"]


def test_former_office_holder_is_not_the_current_one(index: KBIndex) -> None:
    [m] = offices(run(index, "Kazakhstan's former President was absent.", date(2022, 6, 1)))
    assert m.text == "Kazakhstan's former President" and m.marker == "former"
    assert m.holder is None and m.resolution == "undetermined"
    assert [c.entity_id for c in m.candidates] == ["Q57394"]  # ended before; Tokayev holds


def test_a_title_before_a_name_is_a_role_not_an_office(index: KBIndex) -> None:
    for text in (
        "Kazakh President Kassym-Jomart Tokayev said so.",
        "The President of Kazakhstan Kassym-Jomart Tokayev said so.",
        "Roman Vassilenko, the Deputy Minister of Foreign Affairs of Kazakhstan, said so.",
    ):
        assert not offices(run(index, text)), text


def _kb_acting() -> KnowledgeBase:
    """Pakistan's Prime Minister, one regular and one acting term overlapping, and an
    office nobody in the base held."""
    src = Source("t", "test", "test", as_of=date(2024, 1, 1))

    def term(person: str, start: str, end: str | None, **quals: str) -> Fact:
        iv = Interval(Bound.parse(start), Bound.parse(end) if end else None, as_of=src.as_of)
        return Fact(
            person, "position_held", object="PM", source="t", interval=iv,
            qualifiers=tuple(sorted(quals.items())),
        )  # fmt: skip

    return KnowledgeBase.from_records(
        [
            src,
            Entity("PK", "place", (Label("Pakistan", "en"),)),
            Entity("PM", "position", (Label("Prime Minister of Pakistan", "en"),)),
            Entity("FM", "position", (Label("Foreign Minister of Pakistan", "en"),)),
            Entity("A", "person", (Label("Amir Qadir", "en"),)),
            Entity("B", "person", (Label("Bilal Rauf", "en"),)),
            Fact("PM", "jurisdiction", object="PK", source="t", interval=Interval(as_of=src.as_of)),
            Fact("FM", "jurisdiction", object="PK", source="t", interval=Interval(as_of=src.as_of)),
            term("A", "2018-08-18", "2023-08-14"),
            term("B", "2023-03-01", "2023-03-20", acting="true"),
        ]
    )


def test_acting_office_holder() -> None:
    index = KBIndex.build(_kb_acting())
    day = date(2023, 3, 10)
    [acting] = offices(analyze_mentions("Pakistan's acting Prime Minister spoke.", day, index))
    assert (acting.marker, acting.holder, acting.resolution) == ("acting", "B", "held")
    # without "acting", two holders overlap on that day: the record cannot pick one
    [plain] = offices(analyze_mentions("Pakistan's Prime Minister spoke.", day, index))
    assert plain.holder is None and plain.resolution == "undetermined"
    assert {c.entity_id for c in plain.candidates} == {"A", "B"}
    # on a day with no acting term, "acting" does not fall back to the regular holder
    [later] = offices(
        analyze_mentions("Pakistan's acting Prime Minister spoke.", date(2022, 1, 1), index)
    )
    assert later.holder is None and later.resolution == "undetermined"


def test_acting_prime_minister_in_the_starter_base_is_undetermined(index: KBIndex) -> None:
    [m] = offices(run(index, "The acting Prime Minister of Pakistan arrived.", date(2016, 6, 1)))
    assert m.marker == "acting" and m.holder is None and m.resolution == "undetermined"


def test_office_whose_holder_the_base_does_not_know() -> None:
    index = KBIndex.build(_kb_acting())
    [m] = offices(analyze_mentions("Pakistan's foreign minister spoke.", date(2023, 3, 10), index))
    assert m.entity_id == "FM" and m.holder is None and m.resolution == "unknown"
    assert not m.candidates


def test_office_mentions_are_stored_flat(index: KBIndex) -> None:
    [m] = offices(run(index, "The President of Kazakhstan said so.", date(2016, 6, 1)))
    row = m.as_row("doc1")
    assert (row["kind"], row["entity_id"], row["holder"]) == ("position", "Q5256775", "Q57394")
    assert row["resolution"] == "held" and row["candidates"] == [["Q57394", 1.0]]


def test_a_stored_mention_reads_back_as_it_was_written():
    """``Mention.to_stored`` and ``from_stored`` are inverses, positions' office data included."""
    from types import SimpleNamespace

    from amanat.model import Candidate, Mention

    person = Mention(4, 15, "Ivan Petrov", "person", None, (Candidate("Q1", "Q1", 0.5), Candidate("Q2", "Q2", 0.5)),
                     "minister", 0, 3, "former", 0.5, "fuzzy", False)
    office = Mention(20, 41, "the foreign minister", "position", "Q9", (Candidate("Q3", "Q3", 1.0),),
                     score=1.0, method="position", holder="Q3", resolution="held", why=None)
    for mention in (person, office):
        row = SimpleNamespace(**mention.to_stored("doc", 0))
        assert Mention.from_stored(row) == mention
