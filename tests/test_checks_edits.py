"""Silent edits: a new version of an article that changes a figure, a quote or a title is
reported with both versions as evidence; unchanged claims, new material and noted corrections
are not."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from amanat.check import DocumentView, Record
from amanat.check.edits import SILENT_EDITS
from amanat.kb.index import KBIndex
from amanat.kb.model import KnowledgeBase
from amanat.model import Claim


@pytest.fixture(scope="module")
def record() -> Record:
    kb = KnowledgeBase()
    return Record(kb, KBIndex.build(kb), "empty")


def figure(text: str, fragment: str, value: int, qualifier: str | None = None, measure: str = "deaths") -> Claim:
    at = text.index(fragment)
    return Claim("figure", at, at + len(fragment), fragment, {"measure": measure, "value": value, "qualifier": qualifier,
                                                              "unit": "people", "as_of": None, "attributed_to": None})


def quote(text: str, fragment: str, speaker: str, entity: str | None = None) -> Claim:
    at = text.index(fragment)
    return Claim("quote", at, at + len(fragment), fragment, {"speaker": speaker, "entity": entity})


def role(text: str, fragment: str, person: str, title: str, entity: str | None = None) -> Claim:
    at = text.index(fragment)
    return Claim("role", at, at + len(fragment), fragment, {"person": person, "title": title, "marker": None,
                                                            "entity": entity})


def versions(old_text: str, old_claims: list[Claim], new_text: str, new_claims: list[Claim]) -> DocumentView:
    old = DocumentView("v1", old_text, date(2022, 1, 9), "metadata", "en", "test", tuple(old_claims))
    return DocumentView("v2", new_text, date(2022, 1, 9), "metadata", "en", "test", tuple(new_claims), previous=old)


def run(record: Record, view: DocumentView) -> list[Any]:
    return SILENT_EDITS.run(view, record)


def test_a_changed_figure_is_reported_with_both_versions(record: Record) -> None:
    old = "At least 164 people were killed in the unrest, officials said."
    new = "At least 225 people were killed in the unrest, officials said."
    [f] = run(record, versions(old, [figure(old, "At least 164 people were killed", 164, "at least")],
                               new, [figure(new, "At least 225 people were killed", 225, "at least")]))
    assert (f.status, f.type, f.check) == ("informational", "figure-edited", "silent-edits")
    assert [(e.document_id, e.role) for e in f.evidence] == [("v1", "previous version"), ("v2", "this version")]
    assert [e.text for e in f.evidence] == ["At least 164 people were killed", "At least 225 people were killed"]
    assert "at least 164" in f.sentence and "at least 225" in f.sentence


def test_a_changed_qualifier_is_an_edit_too(record: Record) -> None:
    old, new = "164 people were killed in the unrest.", "More than 164 people were killed in the unrest."
    [f] = run(record, versions(old, [figure(old, "164 people were killed", 164)],
                               new, [figure(new, "More than 164 people were killed", 164, "more than")]))
    assert f.type == "figure-edited"


def test_unchanged_figures_new_sentences_and_other_measures_are_no_edit(record: Record) -> None:
    old = "164 people were killed in the unrest."
    new = "164 people were killed in the unrest. Police detained 9,900 people across the country."
    assert run(record, versions(old, [figure(old, "164 people were killed", 164)],
                                new, [figure(new, "164 people were killed", 164),
                                      figure(new, "detained 9,900 people", 9900, measure="arrests")])) == []
    old, new = "164 people were killed in the unrest.", "225 people were injured in the unrest."
    assert run(record, versions(old, [figure(old, "164 people were killed", 164)],
                                new, [figure(new, "225 people were injured", 225, measure="injured")])) == []
    old = "164 people were killed in the unrest."
    new = "The health ministry on Monday gave a new and far higher toll: 225 people dead across three regions."
    assert run(record, versions(old, [figure(old, "164 people were killed", 164)],
                                new, [figure(new, "225 people dead", 225)])) == []


def test_a_changed_quote_by_the_same_speaker(record: Record) -> None:
    old = "\"We will restore order within days,\" Tokayev said."
    new = "\"We will restore order,\" Tokayev said."
    [f] = run(record, versions(old, [quote(old, "We will restore order within days", "Tokayev", "Q1")],
                               new, [quote(new, "We will restore order", "Tokayev", "Q1")]))
    assert f.type == "quote-edited" and "within days" in f.evidence[0].text


def test_same_quote_other_speaker_or_unrelated_words_are_no_edit(record: Record) -> None:
    old = "\"We will restore order within days,\" Tokayev said."
    assert run(record, versions(old, [quote(old, "We will restore order within days", "Tokayev")],
                                old, [quote(old, "We will restore order within days", "Tokayev")])) == []
    new = "\"We will restore order within days,\" Smailov said."
    assert run(record, versions(old, [quote(old, "We will restore order within days", "Tokayev")],
                                new, [quote(new, "We will restore order within days", "Smailov")])) == []
    new = "\"Talks with the protesters are over,\" Tokayev said."
    assert run(record, versions(old, [quote(old, "We will restore order within days", "Tokayev")],
                                new, [quote(new, "Talks with the protesters are over", "Tokayev")])) == []


def test_a_changed_title(record: Record) -> None:
    old, new = "Foreign Minister Mukhtar Tileuberdi spoke.", "Deputy Foreign Minister Mukhtar Tileuberdi spoke."
    [f] = run(record, versions(old, [role(old, "Foreign Minister Mukhtar Tileuberdi", "Mukhtar Tileuberdi", "Foreign Minister", "Q9")],
                               new, [role(new, "Deputy Foreign Minister Mukhtar Tileuberdi", "Mukhtar Tileuberdi",
                                          "Deputy Foreign Minister", "Q9")]))
    assert f.type == "title-edited" and "Deputy Foreign Minister" in f.sentence


def test_a_noted_correction_or_no_previous_version_says_nothing(record: Record) -> None:
    old = "At least 164 people were killed in the unrest."
    new = "At least 225 people were killed in the unrest.\nCorrection: an earlier version gave the toll as 164."
    assert run(record, versions(old, [figure(old, "At least 164 people were killed", 164, "at least")],
                                new, [figure(new, "At least 225 people were killed", 225, "at least")])) == []
    alone = DocumentView("v2", new, None, None, "en", "test", (figure(new, "At least 225 people were killed", 225),))
    assert run(record, alone) == []
