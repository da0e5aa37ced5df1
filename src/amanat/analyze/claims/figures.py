"""Figures: a number of a measure — deaths, injured, hospitalised, arrests, participants,
displaced, money, percentage or a count of something else — with its qualifier, unit, as-of
date and who gives it. Pure.

Grammar, not phrase lists: a number (``numbers.py``) is a figure when, within its clause, it
carries a currency or a percent sign, or counts a plural noun ("4,300 people"), or stands
next to a word naming a measure — before it ("killed 12", "detained more than 9,900") or
after it, past auxiliaries ("18 police officers had been killed", "748 injured"). The
measure comes from that cue, else from the counted noun ("protesters"), else from the figure
it elaborates ("including 380 children", "62 of them"), else it is a count. Everything a
number can be besides a figure is refused by the same grammar: glued to letters or hyphens
(ordinals, models, scores, ages — see ``numbers.py``), a year, part of a date, followed by a
time or duration word ("3 pm", "14 days"), preceded by a label word ("page 14", "No. 1"), a
singular noun after a number above one ("the 1414 hotline", "the 2022 unrest"), "one of",
or a number word after a determiner ("the two countries").

Words are lexicon data (``kb/data/lexicon/<lang>/figures.json``); Urdu reads the Arabic-script
files. One compiled pattern per word class per language (``figure_grammar.py``); one pass over
each sentence's numbers. This module decides what a number is; the counted noun and the measure
words around it are read by ``figure_measures.py``, its as-of date by ``figure_as_of.py``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from amanat.analyze.claims import Context, Extractor
from amanat.analyze.claims.dates import DatesByStart, dates_of, number_and_date_starts
from amanat.analyze.claims.figure_as_of import Clauses, as_of_date
from amanat.analyze.claims.figure_attribution import attribution
from amanat.analyze.claims.figure_grammar import FigureGrammar, Reader, grammar, reader, word_key
from amanat.analyze.claims.figure_measures import WORD, counted_noun, cue_after, cue_before, linked
from amanat.analyze.claims.numbers import Number
from amanat.model import Claim

NAME = "figures"
VERSION = 1
LANGUAGES = frozenset({"en", "ru", "kk", "ar", "ur"})

_DIGIT_BEFORE = re.compile(r"\d\s+$")
_OF_AFTER = re.compile(r"\s+of\b")
_QUOTE_CLOSE = re.compile(r"[”»\"]")


@dataclass
class _Figure:
    start: int
    end: int
    number: Number
    measure: str
    qualifier: str | None
    unit: str | None


def _run(context: Context) -> list[Claim]:
    g = grammar(context.language)
    text = context.text
    spans = context.sentences
    dates = list(dates_of(text, context.published, context.language, tuple(spans)))
    by_start = DatesByStart(dates)
    claims: list[Claim] = []
    previous: tuple[int, int] | None = None
    # where a date stands, marked once per document: a number inside a date is no figure
    dated = bytearray(len(text) + 1)
    for d in dates:
        dated[d.start:d.end] = b"\x01" * (d.end - d.start)
    starts = number_and_date_starts(text, context.language)[0]
    quotes = _QuoteMarks(text)
    read = reader(g, text)
    for sentence in spans:
        figures = _figures(g, text, sentence, dated, starts, quotes, read)
        if figures:
            said = attribution(context, sentence, previous)
            as_of = None
            clauses = Clauses(text, sentence, by_start)
            for f in figures:
                as_of = as_of_date(context, (f.start, f.end), clauses, previous, dates, said, as_of)
                fields = {"measure": f.measure, "value": f.number.value, "qualifier": f.qualifier, "unit": f.unit,
                          "as_of": as_of, "attributed_to": said.who if said else None}
                claims.append(Claim("figure", f.start, f.end, text[f.start:f.end], fields, f"{NAME}@{VERSION}"))
        previous = sentence
    return claims


def _figures(g: FigureGrammar, text: str, sentence: tuple[int, int], dated: bytearray,
             starts: list[int], quotes: _QuoteMarks, read: Reader) -> list[_Figure]:
    """The figures of one sentence; ``dated`` marks the characters of the text's dates,
    ``starts`` where a number can start in the text (``triggers.py``)."""
    s0, s1 = sentence
    numbers = [n for n in g.numbers.find_at(text, starts, s0, s1) if not dated[n.start]]
    if not numbers:
        return []
    found: list[_Figure] = []
    counted: set[tuple[object, str | None]] = set()
    for i, n in enumerate(numbers):
        limit_before = numbers[i - 1].end if i else s0
        limit_after = numbers[i + 1].start if i + 1 < len(numbers) else s1
        figure = _figure(g, text, n, (limit_before, limit_after), sentence, found, quotes, read)
        if figure is None:
            continue
        if figure.measure == "count" and (n.value, figure.unit) in counted:
            continue  # "detained 44 people …; all 44 people were released": one figure
        counted.add((figure.number.value, figure.unit))
        found.append(figure)
    return found


def _figure(g: FigureGrammar, text: str, n: Number, limits: tuple[int, int], sentence: tuple[int, int],
            found: list[_Figure], quotes: _QuoteMarks, read: Reader) -> _Figure | None:
    left, right = limits
    sentence_start = sentence[0]
    sets = g.sets
    start, end = n.start, n.end
    measure: str | None = None
    unit: str | None = None
    cur = read.currency_before.search(read.text, max(left, start - 6), start)
    if cur:
        measure, unit, start = "money", g.words["currencies"][word_key(text[cur.start():cur.end()].strip())], cur.start()
    tail = g.percent.match(text, end, right) or None
    if measure is None and tail:
        measure, unit, end = "percentage", "%", tail.end()
    if measure is None:
        tail = g.currency_after.match(text, end, right)
        if tail:
            measure, unit, end = "money", g.words["currencies"][word_key(tail.group())], tail.end()
    if g.not_after.match(text, n.end, right):
        return None
    if _in_a_short_quote(text, n, sentence, quotes):
        return None  # the "Three Amigos", the "one country, two systems" formula: a name, not a count
    if _DIGIT_BEFORE.search(text, max(0, n.start - 3), n.start):
        return None  # "400 737 Max jets": a number right after another is a model or a label
    before_words = WORD.findall(text[max(left, start - 40):start])
    word_before = before_words[-1].casefold() if before_words else ""
    if measure is None:
        if word_before in sets["figure_label_words"] or (g.plural_check and not n.in_words and _after_a_name(
                text, before_words[-1] if before_words else "", start, sentence_start)):
            return None
        if n.value == 1 and _OF_AFTER.match(text, n.end, right):
            return None  # "one of"
    # "the two": things already counted — unless a counted noun follows ("the five companies")
    referring = measure is None and n.in_words and word_before in sets["figure_determiners"]
    qualifier = None
    q = read.qualifier.search(read.text, max(left, start - 30), start)
    q_after = g.qualifier_after.match(text, end, right)
    if q_after:
        end = q_after.end()  # "a million or more Uighurs": the counted noun comes after it
    if q:
        qualifier, start = g.words["qualifiers"][word_key(text[q.start():q.end()])], q.start()
    elif q_after:
        qualifier = g.words["qualifiers"][word_key(q_after.group())]
    elif (measure is None and not n.grouped and not n.scaled and not n.in_words and isinstance(n.value, int)
          and 1900 <= n.value <= 2100):
        return None  # a year ("the 2022 unrest", "Expo 2017"); "about 2000 troops" keeps its qualifier
    # the counted noun: the words after the number up to a function word, a cue or punctuation
    unit_end = end
    if measure is None:
        noun = counted_noun(g, text, end, right, n.value)
        if noun is False:
            return None
        whole = g.partitive.match(text, end, sentence[1]) if noun is None and n.value != 1 else None
        if whole:  # "five of the 10 Democrats", "three of those first appointments": the counted
            # noun is the whole's ("62 of them" names none, and keeps none)
            after_whole = g.numbers.pattern.match(text, whole.end(), sentence[1])
            noun = counted_noun(g, text, after_whole.end() if after_whole else whole.end(), sentence[1], 2)
            if noun:
                right = sentence[1]
        if noun:
            unit, unit_end = noun
        if referring and not noun:
            return None
        measure = g.words["cues"].get(word_key(unit)) if unit else None  # "584 deaths": the noun is the cue
    # cues before and after, the nearer one wins
    after = cue_after(g, text, read, unit_end, right, sentence[1])
    before = cue_before(g, text, read, left, start)
    if measure is None:
        chosen: tuple[str, int, int] | None
        if after and before:
            chosen = after if after[1] <= before[1] else before
        else:
            chosen = after or before
        if chosen is not None and chosen is before and chosen[1] > 0 and (unit is not None or not linked(g, text, left, start)):
            chosen = after  # "killed 12" yes; a cue further back only through a link: "the toll rose to 225"
        if chosen:
            measure = chosen[0]
            if chosen is after:
                end = max(end, chosen[2])
            else:
                start = min(start, chosen[2])
        if measure is None and unit:
            measure = g.words["units"].get(word_key(unit.split()[-1]))
        if measure is None and found and (g.inherit_before.search(text, max(left, start - 30), start)
                                          or g.inherit_after.match(text, n.end, right)):
            measure = found[-1].measure
        if measure is None and unit and n.value != 1:
            measure = "count"  # "one policeman" alone counts nothing; "One person died" had its cue
        if measure is None:
            return None
    end = max(end, unit_end)
    return _Figure(start, end, n, measure, qualifier, unit)


_OPENING, _CLOSING, _STRAIGHT = re.compile("[“«]"), re.compile("[”»]"), re.compile('"')


class _QuoteMarks:
    """Where the text's quotation marks stand, found once per document for all its numbers
    (the question below is asked of every number: a scan of the sentence each time is
    quadratic), each sentence's looked up by bisection."""

    def __init__(self, text: str) -> None:
        self.opening = [m.start() for m in _OPENING.finditer(text)]
        self.closing = [m.start() for m in _CLOSING.finditer(text)]
        self.straight = [m.start() for m in _STRAIGHT.finditer(text)]

    @staticmethod
    def last_before(marks: list[int], sentence_start: int, pos: int) -> tuple[int, int]:
        """(the last mark of the sentence before ``pos`` or -1, how many of its marks are
        before ``pos``)."""
        first = bisect_left(marks, sentence_start)
        i = bisect_left(marks, pos)
        return (marks[i - 1] if i > first else -1), i - first


def _in_a_short_quote(text: str, n: Number, sentence: tuple[int, int], quotes: _QuoteMarks) -> bool:
    """Whether the number stands inside a quoted phrase of at most four words — a nickname,
    a slogan or a title (the "Three Amigos"), not a quote that reports a figure."""
    s0 = sentence[0]
    opened, _ = quotes.last_before(quotes.opening, s0, n.start)
    closed, _ = quotes.last_before(quotes.closing, s0, n.start)
    if opened < 0 or closed > opened:
        straight, count = quotes.last_before(quotes.straight, s0, n.start)
        if count % 2 == 0:
            return False
        opened = straight
    close = _QUOTE_CLOSE.search(text, n.end, min(sentence[1], n.end + 60))
    if close is None:
        return False
    return len(text[opened + 1:close.start()].split()) <= 4


def _after_a_name(text: str, word: str, start: int, sentence_start: int) -> bool:
    """Whether digits follow a capitalised word inside the sentence ("Galaxy Note 10",
    "Resolution 2254", "Boeing 767"): a name or a label, not a figure. A possessive is no
    name ("The ECO's 10 members")."""
    if not word or not word[0].isupper() or word.endswith(("'s", "’s")):
        return False
    word_start = text.rfind(word, sentence_start, start)
    return bool(text[sentence_start:word_start].strip())



EXTRACTOR = Extractor(name=NAME, version=VERSION, languages=LANGUAGES, writes=("figure",), run=_run,
                      reads=("mentions",),
                      summary="numbers of a measure with qualifier, unit, as-of date and attribution")
