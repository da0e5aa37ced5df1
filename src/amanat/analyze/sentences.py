"""Sentences with their character offsets. Pure.

Written here rather than taken from a library, measured on this machine: blingfire splits
after every abbreviation it does not know ("Dr. | Ali arrived"), with no way to teach it news
titles, and pysbd runs about 100 documents/s. News needs one rule well: a full stop, question
or exclamation mark (with closing quotes or brackets) followed by space and an upper-case
letter, digit or opening quote ends a sentence — unless the word before it is an
abbreviation of the lexicon (Mr., Gen., Jan., U.S.; тыс., млн. in Russian and Kazakh) or a
single initial. "Upper-case" is asked of the letter itself, so it holds in every cased script
(Latin, Cyrillic, Greek): "4,5 тыс. человек" runs on, "… 2022 г. Президент …" stops; a
letter of a script without case (Arabic) may start a sentence. A line break (paragraph)
always ends one.
"""

from __future__ import annotations

import re
from functools import cache

from amanat.kb.lexicon import lexicon

# "[.!?…]+[\"'”’»)\]]*(?=\s+[\"'“‘«(\[]?(?P<next>[^\W_]))|\n+", written to open with one
# character class: ``re`` then skips in C to the few characters that can end a sentence,
# instead of trying both branches at every character (the same matches: a failed try at a
# stop fails the same way whether the class consumed the stop or the branch did)
_BOUNDARY = re.compile(r"[.!?…\n](?:(?<=\n)\n*|(?<=[.!?…])[.!?…]*[\"'”’»)\]]*(?=\s+[\"'“‘«(\[]?(?P<next>[^\W_])))")
# the word before a stop: the leftmost match of "([\w.]+)[.!?…]*$" starts after no word
# character or dot, so only such places are tried (not every character of the window)
_WORD_BEFORE = re.compile(r"(?<![\w.])([\w.]+)[.!?…]*$")
_INITIALS = re.compile(r"(\w\.)+\w")  # "U.S", "a.m": initials, whose stop ends no sentence


@cache
def _abbreviations(language: str) -> frozenset[str]:
    return lexicon(language).words("abbreviations") | lexicon("en").words("abbreviations")


def sentences(text: str, language: str = "en") -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence, trimmed of surrounding white space, in order."""
    abbreviations = _abbreviations(language)
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if m.group("next") and m.group("next").islower():
            continue  # a lower-case word goes on the sentence: "4,5 тыс. человек", "approx. two"
        if m.group().startswith("."):
            before = _WORD_BEFORE.search(text[max(0, m.start() - 40):m.start() + 1])
            word = before.group(1).casefold().rstrip(".") if before else ""
            if word in abbreviations or (len(word) == 1 and word.isalpha()) or _INITIALS.fullmatch(word):
                continue
        _add(spans, text, start, m.end())
        start = m.end()
    _add(spans, text, start, len(text))
    return spans


def _add(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
