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
from amanat.analyze.claims.tries import NEVER
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
              "10:30", "COVID-19", "the", "people", "killed", "ago", "of", "and", "-", "–", "31st", "1999", "4-6",
              "12.13.2022", "the 5th of", "mid", "Jan.", "_7", "x9",
              "\u0130n", "\u017fince", "\u212a"]  # letters re folds by its own tables: İn, ſince, K
    # half the pieces from the parts a date is written with, so that runs like "on the 5th of
    # May" or "by 2022" or "in 3 days ago" come up often, beside near misses
    e = lexicon(lexicon_language(language)).entries
    preps = [str(p) for key in ("date_event_prepositions", "date_as_of_prepositions", "date_span_prepositions",
                                "date_start_prepositions") for p in e.get(key, [])]
    months = sorted(str(m) for m in e.get("date_months", {}))
    forms = [*preps, *months[:6], *sorted(str(u) for u in e.get("date_ago_units", {}))[:2],
             *sorted(str(p) for p in e.get("date_period_parts", []))[:3],
             "the", "of", "4", "31st", "1999", "2022", "05.01.2022", "4-6", "12", "ago"]
    glue = [" ", " ", " ", ", ", ". ", "\n", "-", "", "  ", "\u00a0", " (", ") ", "“", "” ", "/"]
    out = []
    for _ in range(count):
        parts = []
        for _ in range(rnd.randint(1, 14)):
            if rnd.random() < 0.3:  # a run of a date's parts in its order, each there or not
                w = " ".join(rnd.choice(kind) for kind in (preps, ["the"], ["4", "31st", "12", "4-6", "2022"], ["of"],
                                                            months, ["2022", "ago"]) if kind and rnd.random() < 0.5)
            else:
                w = rnd.choice(pieces if rnd.random() < 0.5 else forms)
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


@pytest.mark.parametrize("language", ["en", "ru", "kk", "ar", "ur"])
def test_every_position_a_date_matches_at_is_a_candidate(language: str) -> None:
    """The date lead is tighter than "every run of digits and every lead word": checked
    position by position, for every sentence end, not only through what ``find_dates`` keeps."""
    g = dates_module.grammar(language)
    for text in _texts(language, 400):
        starts = set(number_and_date_starts(text, language)[1])
        for _, end in [*sentences(text, language), (0, len(text))]:
            for at in range(end):
                if g.pattern.match(text, at, end) is not None:
                    assert at in starts, (text, at, end)


def test_the_date_lead_passes_over_numbers_and_prepositions_that_open_no_date() -> None:
    text = "In the end, 12 people died in May 2022 and on the 5th of June, by the 3 sites; 4 days ago, 05.01.2022 by Friday"
    found = [text[at:at + 8] for at in number_and_date_starts(text, "en")[1]]
    assert found == ["In the e", "in May 2", "May 2022", "2022 and", "on the 5", "5th of J", "June, by",
                     "4 days a", "05.01.20", "by Frida", "Friday"]
    numbers = number_and_date_starts(text, "en")[0]  # the number lead still takes every run of digits
    assert {m.start() for m in re.finditer(r"\d+", text)} <= set(numbers)


def test_a_lead_that_takes_its_digits_names_only_the_runs_it_matches() -> None:
    found = triggers.candidates("a 12 b 3 May x9 (7 May", (r"b(?!\w)", r"(?=\d)\d+\s+may"), (True, False))
    assert found[0] == [0, 2, 5, 7, 14, 17]
    assert found[1] == [0, 7, 17]


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


@pytest.mark.parametrize("language", ["en", "ru", "kk", "ar", "ur"])
def test_the_trigger_scan_reads_the_text_in_lower_case(language: str) -> None:
    """Its leads spell lower-case letters only, so the scan has a case-sensitive copy for
    the folded text: the group names it is built with ("(?P<t0>)") do not count as capitals."""
    leads = (number_grammar(language).lead or NEVER, dates_module.grammar(language).lead)
    assert triggers._scanner(leads)[1] is not None
