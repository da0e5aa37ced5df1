"""The lexicon: word lists as data (kb/data/lexicon/<lang>/*.json), and the one demonym table
that mention detection and the knowledge-base index both read."""

from __future__ import annotations

from datetime import date

import pytest

from amanat.analyze import vocabulary
from amanat.analyze.mentions import analyze_mentions
from amanat.errors import InputError
from amanat.kb import index as kb_index
from amanat.kb.index import KBIndex, country_variants
from amanat.kb.lexicon import Lexicon, languages, lexicon
from amanat.kb.model import Bound, Entity, Fact, Interval, KnowledgeBase, Label, Source


@pytest.mark.parametrize("language", languages())
def test_every_lexicon_loads(language: str) -> None:
    """Every file parses and no key is defined in two files (``lexicon`` raises then)."""
    lexicon.cache_clear()
    assert lexicon(language).entries


def test_word_lists_are_lower_case_words() -> None:
    """Words are compared case-folded: a capital in the data would never match."""
    en = lexicon("en")
    for key in ("honorifics", "title_words", "organisation_words", "never_names", "rank_words"):
        words = en.entries[key]
        assert words and all(w == w.casefold() and w.strip() == w for w in words), key


def test_a_table_must_map_words_to_lists() -> None:
    bad = Lexicon("xx", {"demonyms": {"kazakhstan": "kazakh"}})
    with pytest.raises(InputError, match=r"demonyms\.kazakhstan is not a list"):
        bad.table("demonyms")
    assert Lexicon("xx", {"demonyms": {"Chad": ["Chadian"]}}).table("demonyms") == {
        "chad": ("chadian",)
    }


def test_one_demonym_table_for_detection_and_the_index() -> None:
    """A demonym that makes a word a title modifier in mention detection is one the index maps
    to its country, and the other way round."""
    indexed = {d for ds in kb_index.DEMONYMS_OF_NAME.values() for d in ds}
    assert indexed == vocabulary.DEMONYMS
    assert "american" in indexed and "kazakhstani" in indexed


def _kb_us() -> KnowledgeBase:
    """A country outside the region, its President and the holder."""
    src = Source("t", "test", "test", as_of=date(2024, 1, 1))
    iv = Interval(Bound.parse("2021-01-20"), None, as_of=src.as_of)
    return KnowledgeBase.from_records(
        [
            src,
            Entity("US", "place", (Label("United States", "en"),)),
            Entity("POTUS", "position", (Label("President of the United States", "en"),)),
            Entity("J", "person", (Label("Jane Roe", "en"),)),
            Entity("MFA", "organization", (Label("British Foreign Office", "en"),)),
            Entity("UK", "place", (Label("United Kingdom", "en"),)),
            Fact("J", "position_held", object="POTUS", source="t", interval=iv),
        ]
    )


def test_a_demonym_of_the_table_names_the_owner_of_an_office() -> None:
    """The American President is the United States' one, as the Kazakh President is
    Kazakhstan's: every country in the table, not only those of the region."""
    index = KBIndex.build(_kb_us())
    assert index.demonyms["american"] == "US"
    found = [
        m
        for m in analyze_mentions("The American President spoke.", date(2022, 6, 1), index)
        if m.kind == "position"
    ]
    assert [(m.entity_id, m.holder) for m in found] == [("POTUS", "J")]
    assert country_variants("British Foreign Office") == ["United Kingdom Foreign Office"]
