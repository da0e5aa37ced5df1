"""Divergences across sources: a story's independent reports set against each other.

Every case is a set of short articles run through the real analysis (mentions with the starter
base, then every claim extractor), grouped as one story; the check sees what the store would
give it. The cases that must stay silent — growing tolls, compatible qualifiers, one wire copy
on ten sites, two outlets citing one ministry, killed beside injured, counts of two places — are
as many as the ones that must speak: precision matters most.
"""

from __future__ import annotations

from datetime import date

import pytest

from amanat.analyze.claims import extract_claims
from amanat.analyze.mentions import analyze_mentions
from amanat.check import DocumentView
from amanat.check.across import (
    STORY_DATE_SOURCE,
    StoryCheck,
    dated_by_story,
    run_story_checks,
    story_checks,
    story_date,
    story_document,
    story_version_key,
)
from amanat.check.divergences import diverge
from amanat.check.figurecompare import bounds
from amanat.kb.index import KBIndex
from amanat.model import Claim, Finding, StoryDocument

STORY = "story-1"


@pytest.fixture(scope="module")
def index() -> KBIndex:
    from amanat.kb import starter

    return KBIndex.build(starter.load())


class Story:
    """Documents analysed as ingest would: mentions, then claims, at each document's date."""

    def __init__(self, index: KBIndex) -> None:
        self.index = index
        self.documents: list[StoryDocument] = []

    def add(self, source: str, day: date | None, text: str, report: str | None = None) -> StoryDocument:
        mentions = tuple(analyze_mentions(text, day, self.index))
        claims = tuple(extract_claims(text, day, "en", mentions).claims)
        doc_id = f"{source}-{len(self.documents)}"
        doc = StoryDocument(doc_id, source, report or doc_id, day, text, claims, mentions, "en", "metadata")
        self.documents.append(doc)
        return doc

    def findings(self) -> list[Finding]:
        found = diverge(self.documents, story_id=STORY)
        for f in found:  # every finding's evidence is its document's own words
            assert f.story_id == STORY and f.check == "divergences" and f.status == "inconsistent"
            texts = {d.id: d.text for d in self.documents}
            for e in f.evidence:
                assert texts[e.document_id][e.start:e.end] == e.text
        return found


@pytest.fixture
def story(index: KBIndex) -> Story:
    return Story(index)


def types(found: list[Finding]) -> list[str]:
    return [f.type for f in found]


# --- figures that diverge --------------------------------------------------------------------

QUAKE = date(2023, 2, 7)


def test_about_4300_and_3040_killed_the_same_day_diverge(story: Story) -> None:
    a = story.add("aljazeera.com", QUAKE,
                  "Rescue teams worked through the night. The earthquake has killed about 4,300 people, "
                  "the disaster agency said on Tuesday.")
    b = story.add("dawn.com", QUAKE,
                  "Survivors slept in cars. Health officials said on Tuesday that 3,040 people had been killed "
                  "in the earthquake.")
    [f] = story.findings()
    assert f.type == "figures-across-sources"
    assert "about 4,300" in f.sentence and "3,040" in f.sentence
    assert "aljazeera.com" in f.sentence and "dawn.com" in f.sentence
    assert {e.document_id for e in f.evidence} == {a.id, b.id}
    assert {r["attributed_to"] for r in f.facts} == {"the disaster agency", "Health officials"}
    assert {r["as_of"] for r in f.facts} == {"2023-02-07"}
    assert f.document_id == min(a.id, b.id)  # both of one day: the first by id
    # the key names what was compared, not where: the same finding on a second run
    assert f.key == story.findings()[0].key and "deaths" in f.key and "2023" not in f.key


def test_more_than_100_and_nearly_100_injured_diverge(story: Story) -> None:
    day = date(2022, 1, 6)
    story.add("tass.com", day, "More than 100 police officers were injured in the clashes, the interior ministry "
                               "said on Thursday.")
    story.add("rferl.org", day, "Nearly 100 police officers were injured in the clashes, local officials said "
                                "on Thursday.")
    [f] = story.findings()
    assert "more than 100" in f.sentence and "nearly 100" in f.sentence and "police officers" in f.sentence


def test_crowd_counts_of_police_and_organisers_diverge(story: Story) -> None:
    day = date(2022, 1, 5)
    story.add("a.example", day, "Police said 10,000 people took part in the rally in the square.")
    story.add("b.example", day, "Organisers said 50,000 people took part in the rally in the square.")
    [f] = story.findings()
    assert "10,000" in f.sentence and "50,000" in f.sentence


def test_a_toll_that_falls_at_a_later_stated_date_diverges(story: Story) -> None:
    story.add("a.example", date(2022, 1, 10), "164 people were killed in the unrest, the health ministry said on Sunday.")
    story.add("b.example", date(2022, 1, 16), "100 people were killed in the unrest, prosecutors said on Saturday.")
    [f] = story.findings()
    assert "2022-01-09" in f.sentence and "2022-01-15" in f.sentence


def test_a_range_reconciles_what_is_inside_it_only(story: Story) -> None:
    day = date(2022, 1, 10)
    story.add("a.example", day, "Between 150 and 200 people were killed in the unrest, officials said on Sunday.")
    story.add("b.example", day, "172 people were killed in the unrest, the health ministry said on Sunday.")
    assert story.findings() == []
    story.add("c.example", day, "230 people were killed in the unrest, rights groups said on Sunday.")
    [f] = story.findings()  # 230 meets neither the range nor 172
    assert "150 to 200" in f.sentence and "230" in f.sentence and len(f.evidence) == 3


# --- figures that must stay silent -----------------------------------------------------------


def test_compatible_qualifiers_say_nothing(story: Story) -> None:
    day = date(2022, 1, 10)
    story.add("a.example", day, "At least 150 people were killed in the unrest, officials said on Sunday.")
    story.add("b.example", day, "172 people were killed in the unrest, the health ministry said on Sunday.")
    story.add("c.example", day, "Some 4,300 people were detained, police said on Sunday.")
    story.add("d.example", day, "The interior ministry said on Sunday that 4,266 people had been detained.")
    assert story.findings() == []


def test_a_growing_toll_with_its_dates_is_a_timeline(story: Story) -> None:
    story.add("a.example", date(2022, 1, 6), "At least 18 people were killed in the unrest, police said on Thursday.")
    story.add("b.example", date(2022, 1, 10), "164 people were killed in the unrest, the health ministry said on Sunday.")
    story.add("c.example", date(2022, 1, 16), "225 people were killed in the unrest, prosecutors said on Saturday.")
    assert story.findings() == []


def test_one_wire_copy_on_ten_sites_counts_once(story: Story) -> None:
    wire = ("ALMATY (Reuters) - 164 people were killed in the unrest, the health ministry said on Sunday. "
            "Officials later retracted the figure.")
    for n in range(10):
        story.add(f"site{n}.example", date(2022, 1, 9 + n % 2), wire, report="reuters-1")
    assert story.findings() == []
    # beside an independent report that diverges, the ten copies are one report
    story.add("other.example", date(2022, 1, 10), "Rights groups said on Sunday that 40 people were killed in the unrest.")
    [f] = story.findings()
    assert len(f.evidence) == 2 and "10 sites" in f.sentence
    copies = next(r for r in f.facts if r["report"] == "reuters-1")["copies"]
    assert sorted(copies) == sorted(f"site{n}.example-{n}" for n in range(10))


def test_two_outlets_citing_one_ministry_are_one_source(story: Story) -> None:
    day = date(2022, 1, 10)
    story.add("a.example", day, "Kazakhstan's health ministry said on Sunday that 164 people had been killed.")
    story.add("b.example", day, "According to the health ministry, 146 people were killed, it said on Sunday.")
    assert story.findings() == []


def test_killed_and_injured_are_different_measures(story: Story) -> None:
    day = date(2022, 1, 10)
    story.add("a.example", day, "164 people were killed in the unrest, officials said on Sunday.")
    story.add("b.example", day, "2,200 people were injured in the unrest, the health ministry said on Sunday.")
    story.add("c.example", day, "18 police officers were killed in the unrest, the interior ministry said on Sunday.")
    story.add("d.example", day, "Police said on Sunday that 300 protesters had been detained.")
    story.add("e.example", day, "Police said on Sunday that 5,800 people had been detained.")
    assert story.findings() == []


def test_figures_about_different_places_are_different_measures(story: Story) -> None:
    day = date(2022, 1, 10)
    story.add("a.example", day, "103 people were killed in Almaty, officials said on Sunday.")
    story.add("b.example", day, "164 people were killed in Kazakhstan, the health ministry said on Sunday.")
    story.add("c.example", day, "In the capital alone, 60 people were killed, police said on Sunday.")
    assert story.findings() == []


def test_a_count_broken_down_by_place_is_not_a_total(story: Story) -> None:
    day = date(2023, 2, 7)
    story.add("a.example", day, "The earthquake killed 7,200 people in Turkey and Syria, officials said on Tuesday.")
    story.add("b.example", day, "Rescuers said on Tuesday that 812 people were killed in Syria and 1,020 in Turkey.")
    story.add("c.example", day, "In Syria, at least 812 people were killed in government-held areas, officials said "
                                "on Tuesday.")
    assert story.findings() == []


def test_older_values_increments_parts_and_doubts_are_not_totals(story: Story) -> None:
    day = date(2022, 1, 16)
    story.add("a.example", day, "225 people were killed in the unrest, prosecutors said on Saturday.")
    story.add("b.example", day, "The toll rose to 225 on Saturday, up from 164, officials said.")
    story.add("c.example", day, "Another 20 people were killed on Saturday, officials said.")
    story.add("d.example", day, "On Saturday, 225 people, including 19 police officers, were killed, officials said.")
    story.add("e.example", day, "Officials denied on Saturday that 500 people had been killed.")
    story.add("f.example", day, "Officials said on Saturday that the toll could rise to 400.")
    assert story.findings() == []


def test_one_outlet_updating_its_own_count_is_not_two_sources(story: Story) -> None:
    day = date(2022, 1, 10)
    story.add("a.example", day, "164 people were killed in the unrest, officials said on Sunday.")
    story.add("a.example", day, "Officials said on Sunday that 26 people were killed in the unrest.")
    assert story.findings() == []


def test_a_growing_toll_the_same_day_without_named_sources_says_nothing(story: Story) -> None:
    day = date(2023, 2, 6)
    story.add("a.example", day, "The earthquake killed 1,500 people.")
    story.add("b.example", day, "The earthquake killed 2,300 people.")
    assert story.findings() == []


# --- event dates -----------------------------------------------------------------------------

VISIT = date(2022, 5, 9)


def test_the_same_arrival_dated_two_days_apart_diverges(story: Story) -> None:
    story.add("a.example", VISIT, "Kazakh President Kassym-Jomart Tokayev arrived in Islamabad on 3 May for talks.")
    story.add("b.example", VISIT, "President Tokayev arrived in Islamabad on 5 May for talks.")
    [f] = story.findings()
    assert f.type == "event-date-across-sources"
    assert "2022-05-03" in f.sentence and "2022-05-05" in f.sentence and "visit" in f.sentence
    assert all("Islamabad" in e.text for e in f.evidence)


def test_the_same_day_in_other_words_or_a_day_off_by_a_relative_date_says_nothing(story: Story) -> None:
    story.add("a.example", date(2022, 5, 4), "Tokayev arrived in Islamabad yesterday for talks.")
    story.add("b.example", VISIT, "Tokayev arrived in Islamabad on 3 May for talks.")
    story.add("c.example", date(2022, 5, 5), "Tokayev arrived in Islamabad yesterday, officials in Islamabad noted.")
    assert types(story.findings()) == []


def test_other_events_and_background_say_nothing(story: Story) -> None:
    story.add("a.example", VISIT, "Tokayev arrived in Islamabad on 3 May for talks.")
    story.add("b.example", VISIT, "Tokayev left Islamabad on 5 May after the talks.")
    story.add("c.example", VISIT, "Tokayev had last visited Islamabad on 1 May 2021.")
    story.add("d.example", VISIT, "Tokayev will arrive in Islamabad on 12 May for talks.")
    story.add("e.example", VISIT, "Officials said Tokayev arrived in Islamabad on 6 May.")
    story.add("f.example", VISIT, "Tokayev arrived in Islamabad on 3 May and left Islamabad on 5 May.")
    story.add("g.example", VISIT, "Tokayev arrived in Islamabad on 3 May, and signed agreements on 4 May.")
    assert story.findings() == []


def test_an_event_dated_after_a_report_that_tells_it_as_past(story: Story) -> None:
    story.add("a.example", date(2022, 5, 2), "President Tokayev arrived in Islamabad for talks with Pakistani leaders.")
    story.add("b.example", date(2022, 5, 9), "President Tokayev arrived in Islamabad on 5 May for talks.")
    [f] = story.findings()
    assert f.type == "event-after-report" and "2022-05-02" in f.sentence and "2022-05-05" in f.sentence


def test_an_event_told_as_past_after_its_own_publication(story: Story) -> None:
    story.add("a.example", date(2022, 5, 2), "President Tokayev arrived in Islamabad on 5 May 2022 for talks.")
    [f] = story.findings()
    assert f.type == "event-after-publication" and "2022-05-05" in f.sentence


# --- a week of coverage ------------------------------------------------------------------------

UNREST = [
    ("reuters.com", date(2022, 1, 6),
     "ALMATY, Jan 6 (Reuters) - Dozens of anti-government protesters were killed in Almaty overnight, police said on "
     "Thursday, as Russian paratroopers arrived. Eighteen security officers were killed and 748 injured, TASS reported, "
     "citing the interior ministry. More than 2,000 people were detained, the ministry said."),
    ("aljazeera.com", date(2022, 1, 6),
     "Kazakhstan's interior ministry said 18 members of the security forces had been killed and 748 injured. It said "
     "2,298 people had been detained on Thursday. Russia sent 2,500 troops. President Kassym-Jomart Tokayev declared "
     "a state of emergency on Wednesday."),
    ("tass.com", date(2022, 1, 7),
     "Some 3,000 Russian paratroopers were deployed to Kazakhstan, the ministry said on Friday. The number of "
     "detainees rose to 3,811, the interior ministry said on Friday. Tokayev declared a state of emergency on "
     "January 5."),
    ("bbc.com", date(2022, 1, 9),
     "The health ministry said 164 people had been killed, including 103 in Almaty. More than 5,800 people have been "
     "detained, the president's office said on Sunday. Tokayev ordered troops to shoot to kill without warning on "
     "Friday."),
    ("theguardian.com", date(2022, 1, 10),
     "At least 164 people have been killed and nearly 8,000 detained, officials said on Monday. The unrest began on "
     "2 January in the western town of Zhanaozen over a rise in fuel prices."),
    ("apnews.com", date(2022, 1, 11),
     "Authorities said 9,900 people had been arrested. The health ministry earlier reported 164 deaths but later "
     "withdrew the figure. The protests began on January 2 in Zhanaozen."),
    ("rferl.org", date(2022, 1, 16),
     "Prosecutor-General Berik Asylov said on Saturday that 225 people, including 19 law enforcement officers, had "
     "been killed during the unrest. The unrest started on January 4 in Zhanaozen, he said."),
]


def test_a_week_of_coverage_gives_the_one_real_divergence(story: Story) -> None:
    """Growing tolls and arrest counts, one ministry quoted by several outlets, a state of
    emergency dated "on Wednesday" and "on January 5", a withdrawn figure: all silent. The day
    the unrest began, given as 2 and 4 January, is the one divergence."""
    for source, day, text in UNREST:
        story.add(source, day, text)
    [f] = story.findings()
    assert f.type == "event-date-across-sources" and "unrest" in f.sentence
    assert "2022-01-02" in f.sentence and "2022-01-04" in f.sentence
    assert {e.document_id for e in f.evidence} == {"theguardian.com-4", "rferl.org-6"}
    assert f.document_id == "theguardian.com-4"  # the earlier report


def test_the_demo_coverage_gives_its_two_diverging_tolls_only(story: Story) -> None:
    """The synthetic demo coverage: a wire copy on two sites, a reprint with a changed figure
    (the ministry's own words: one source), a toll that later rises, an unrelated story — and
    two reports of one day's flood deaths, 3 and 11, from the akimat and from the police."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "src" / "amanat" / "demo" / "coverage.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        wire = "Steppe Wire" in row["text"]
        story.add(row["source"], date.fromisoformat(row["published"]), row["text"], report="wire" if wire else None)
    [f] = story.findings()
    assert f.type == "figures-across-sources" and "killed 11 people" in f.sentence and "killed 3 people" in f.sentence
    assert {r["attributed_to"] for r in f.facts} == {"police", "the regional akimat"}
    assert "14" not in f.sentence  # the risen toll, two days later, is a timeline


# --- compatibility, as data ------------------------------------------------------------------


def test_qualifier_bounds_follow_the_words() -> None:
    assert bounds(150, "at least").meets(bounds(172, None))  # type: ignore[union-attr, arg-type]
    assert not bounds(4300, "about").meets(bounds(3040, None))  # type: ignore[union-attr, arg-type]
    assert not bounds(100, "more than").meets(bounds(100, "nearly"))  # type: ignore[union-attr, arg-type]
    assert bounds(100, "at least").meets(bounds(100, "up to"))  # type: ignore[union-attr, arg-type]
    assert bounds(4300, None).meets(bounds(4266, None))  # type: ignore[union-attr, arg-type]
    assert not bounds(225, None).meets(bounds(230, None))  # type: ignore[union-attr, arg-type]
    assert bounds(200, None, low=150).meets(bounds(172, None))  # type: ignore[union-attr, arg-type]
    assert bounds(100, "umpteen") is None


def test_a_figure_with_an_unknown_qualifier_or_language_is_not_compared() -> None:
    day = date(2022, 1, 10)
    text = "164 people were killed."
    a = Claim("figure", 0, 22, "164 people were killed", {"measure": "deaths", "value": 164, "qualifier": "umpteen",
                                                             "unit": "people", "as_of": None, "attributed_to": None})
    b = Claim("figure", 0, 22, "164 people were killed", {"measure": "deaths", "value": 5, "qualifier": None,
                                                             "unit": "people", "as_of": "2022-01-09", "attributed_to": None})
    docs = [StoryDocument("a", "a", "a", day, text, (a,), (), "en"), StoryDocument("b", "b", "b", day, text, (b,), (), "en")]
    assert diverge(docs, story_id=STORY) == []
    c = Claim("figure", 0, 22, "164 people were killed", {**a.fields, "qualifier": None, "as_of": "2022-01-09"})
    docs[0] = StoryDocument("a", "a", "a", day, text, (c,), (), "en")
    assert len(diverge(docs, story_id=STORY)) == 1
    docs[0] = StoryDocument("a", "a", "a", day, text, (c,), (), "xx")
    assert diverge(docs, story_id=STORY) == []


# --- the registry and the story's date --------------------------------------------------------


def test_the_story_checks_are_registered_and_run(story: Story) -> None:
    [check] = story_checks()
    assert isinstance(check, StoryCheck) and check.name == "divergences" and check.summary
    assert "divergences@1" in story_version_key()
    story.add("a.example", VISIT, "President Tokayev arrived in Islamabad on 3 May for talks.")
    story.add("b.example", VISIT, "President Tokayev arrived in Islamabad on 5 May for talks.")
    assert [f.type for f in run_story_checks(story.documents, STORY)] == ["event-date-across-sources"]


def test_a_short_story_lends_its_earliest_date_to_an_undated_document() -> None:
    days = [date(2022, 1, 7), None, date(2022, 1, 5), date(2022, 1, 9)]
    assert story_date(days) == date(2022, 1, 5)
    assert story_date([date(2022, 1, 5), date(2022, 3, 1)]) is None  # too long a story to tell
    assert story_date([None, None]) is None
    view = DocumentView("d", "text", None, None, "en", "wire")
    lent = dated_by_story(view, days)
    assert lent.published == date(2022, 1, 5) and lent.date_source == STORY_DATE_SOURCE
    dated = DocumentView("d", "text", date(2022, 1, 8), "metadata", "en", "wire")
    assert dated_by_story(dated, days) is dated
    seen = story_document(dated, "reuters-1")
    assert (seen.id, seen.source, seen.report, seen.published) == ("d", "wire", "reuters-1", date(2022, 1, 8))
    assert story_document(dated).report == "d"


def test_an_undated_wire_story_is_judged_at_its_story_s_date(index: KBIndex) -> None:
    """The sample wire story has no date: alone, no title can be judged; in a story whose dated
    reports are of 7 and 8 January 2022, "UN Secretary-General Ban Ki-moon" is judged at
    7 January 2022, and the finding says the date came from the story."""
    from amanat.check import Record, run_checks
    from amanat.kb import starter
    from conftest import shared_path

    kb = starter.load()
    record = Record(kb, index, "starter")
    text = shared_path("seeds", "004_b72334b22d1b3fbd.txt").read_text()
    mentions = tuple(analyze_mentions(text, None, index))
    view = DocumentView("wire", text, None, None, "en", "sample", (), mentions)
    assert not [f for f in run_checks(view, record) if f.check == "titles-at-date"]
    lent = dated_by_story(view, [date(2022, 1, 8), None, date(2022, 1, 7)])
    at_date = [f for f in run_checks(lent, record) if f.check == "titles-at-date" and "Ban Ki-moon" in f.sentence]
    assert at_date and all(f.judged_at == "2022-01-07" and "story" in (f.date_source or "") for f in at_date)


def test_every_story_check_and_finding_type_is_documented() -> None:
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[1] / "docs" / "findings.md").read_text()
    assert "## Divergences across sources" in guide
    for check in story_checks():
        assert f"`{check.name}`" in guide
    for kind in ("figures-across-sources", "event-date-across-sources", "event-after-report",
                 "event-after-publication"):
        assert f"`{kind}`" in guide, kind
