"""The one-pass trigger scan (analyze/claims/triggers.py) finds exactly what scanning every
sentence with the full number and date patterns finds: on texts made of the lexicon's own
words, digits and punctuation, run together in every case, in each language."""

from __future__ import annotations

import random
import re
from datetime import date

import pytest

from amanat.analyze.claims import dates as dates_module
from amanat.analyze.claims import triggers
from amanat.analyze.claims.dates import find_dates, number_and_date_starts
from amanat.analyze.claims.numbers import grammar as number_grammar
from amanat.analyze.claims.numbers import lexicon_language
from amanat.analyze.sentences import sentences
from amanat.kb.lexicon import lexicon


def _words(language: str) -> list[str]:
    out: set[str] = set()
    for key, value in lexicon(lexicon_language(language)).entries.items():
        if key.startswith(("date_", "number_")) and isinstance(value, (list, dict)):
            out |= {str(w) for w in value}
    return sorted(out)


def _texts(language: str, count: int) -> list[str]:
    rnd = random.Random(13)
    words = _words(language)
    pieces = [*words, "4", "12", "2022", "05.01.2022", "3rd", "4,300", "1.5", "Rs2", "$30m", "T-72",
              "10:30", "COVID-19", "the", "people", "killed", "ago", "of", "and", "-", "–",
              "\u0130n", "\u017fince", "\u212a"]  # letters re folds by its own tables: İn, ſince, K
    glue = [" ", " ", " ", ", ", ". ", "\n", "-", "", "  ", "\u00a0", " (", ") ", "“", "” ", "/"]
    out = []
    for _ in range(count):
        parts = []
        for _ in range(rnd.randint(1, 14)):
            w = rnd.choice(pieces)
            w = rnd.choice([w, w.upper(), w.title(), w.capitalize()])
            parts.append(w + rnd.choice(glue))
        out.append("".join(parts))
    return out


@pytest.mark.parametrize("language", ["en", "ru", "kk", "ar", "ur"])
def test_numbers_at_their_candidates_are_the_numbers_of_every_sentence(language: str) -> None:
    g = number_grammar(language)
    for text in _texts(language, 1500):
        starts = number_and_date_starts(text, language)[0]
        for s0, s1 in [*sentences(text, language), (0, len(text))]:
            assert g.find_at(text, starts, s0, s1) == g.find(text, s0, s1), (text, s0, s1)


@pytest.mark.parametrize("language", ["en", "ru", "kk", "ar", "ur"])
def test_dates_at_their_candidates_are_the_dates_of_every_sentence(language: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts(language, 1500)
    day = date(2022, 1, 10)
    fast = [find_dates(t, day, language, sentences(t, language)) for t in texts]

    def every_position(pattern: re.Pattern[str], text: str, starts: list[int], start: int,
                       end: int) -> list[re.Match[str]]:
        return list(pattern.finditer(text, start, end))

    monkeypatch.setattr(dates_module, "matches", every_position)
    slow = [find_dates(t, day, language, sentences(t, language)) for t in texts]
    assert fast == slow


def test_a_candidate_is_named_once_per_lead_and_in_order() -> None:
    found = triggers.candidates("In 2022, five (5 days ago) in May", ("(?:five)", r"in(?!\w)|\d+\s+days"))
    assert found[0] == [0, 3, 9, 15]
    assert found[1] == [0, 3, 15, 27]


def test_a_plain_character_in_lower_case_is_what_re_ignorecase_compares() -> None:
    """The scan reads the text in lower case with case-sensitive patterns when every
    character is "plain": then a character the case-folded pattern takes for a lexicon letter
    is that letter once lowered. Asked of ``re`` itself, over the basic plane."""
    letters = set("abcdefghijklmnopqrstuvwxyz")
    for language in ("en", "ru", "kk", "ar"):
        letters |= {ch for w in _words(language) for ch in w.lower() if ch.isalpha()}
    plane = "".join(chr(i) for i in range(0x10000) if not 0xD800 <= i < 0xE000)
    for x in sorted(letters):
        assert triggers._plain(x) and x == x.lower()
        for ch in re.findall(re.escape(x), plane, re.I):
            assert not triggers._plain(ch) or ch.lower() == x, (x, ch)
    assert not any(triggers._plain(ch) for ch in "\u017f\u0131\u0130\u212a\u03a3\u00b5")  # ſ ı İ K(elvin) Σ µ
