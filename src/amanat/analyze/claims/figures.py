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
files. One compiled pattern per word class per language; one pass over each sentence's numbers.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Literal

from amanat.analyze.boundaries import Marks
from amanat.analyze.claims import Context, Extractor
from amanat.analyze.claims.dates import (
    DateExpression,
    DatesByStart,
    dates_of,
    number_and_date_starts,
)
from amanat.analyze.claims.dates import grammar as date_grammar
from amanat.analyze.claims.figure_attribution import Attribution, attribution
from amanat.analyze.claims.numbers import Number, NumberGrammar, lexicon_language
from amanat.analyze.claims.numbers import grammar as number_grammar
from amanat.analyze.claims.tries import phrase_trie
from amanat.analyze.claims.triggers import case_sensitive, folded
from amanat.kb.lexicon import lexicon
from amanat.model import Claim

NAME = "figures"
VERSION = 1
LANGUAGES = frozenset({"en", "ru", "kk", "ar", "ur"})

_WORD = re.compile(r"[^\W\d_](?:[\w'’-]|\.(?=\w))*|\S")
_ARABIC_MARKS = "[\u064b-\u0652\u0670]*"
_NO_LETTER = r"(?![^\W\d_])"  # not followed by a letter (a digit may follow: "Rs2", "$30m")
_SPACES = re.compile(r"\s+")
_MARKS = re.compile(r"[\u064b-\u0652\u0670]")
_DIGIT_BEFORE = re.compile(r"\d\s+$")
_OF_AFTER = re.compile(r"\s+of\b")
_CLAUSE_START = re.compile(r"[,;“”\"]|\bthat\b")
_CLAUSE_END = re.compile(r"[,;“”\"]")
_COMPOUND_MODIFIER = re.compile(r"[^\W\d_]+-[^\W\d_]+(?:ing|ed)")  # "high-ranking", "well-armed"
_QUOTE_CLOSE = re.compile(r"[”»\"]")
_BOUNDARY = re.compile(r"[,;:!?“”\"()\[\]—–]|\.(?!\d)")


def _char(ch: str) -> str:
    """One letter of a lexicon phrase: a space matches any white space, an Arabic letter may
    carry short vowel marks."""
    return (re.escape(ch) + _ARABIC_MARKS) if "\u0600" <= ch <= "\u06ff" else (r"\s+" if ch == " " else re.escape(ch))


def _alt(words: Any, before: str = r"(?<!\w)", after: str = r"(?!\w)") -> str:
    """An alternation of lexicon phrases, longest first: spaces match any white space, and
    Arabic letters may carry short vowel marks (قُتل matches قتل). Factored by prefixes
    (``tries.py``) when it can be: these patterns run around every number."""
    phrases = {str(w) for w in words}
    if not any(_MARKS.search(w) for w in phrases):  # a written mark would make two branches match alike
        trie = phrase_trie(phrases, fold=True, piece=_char, before=lambda ch: before if ch.isalnum() else "",
                           after=lambda ch: after if ch.isalnum() else "")
        if trie is not None:
            return trie
    out = []
    for w in sorted({str(w) for w in words}, key=len, reverse=True):
        pattern = "".join(
            (re.escape(ch) + _ARABIC_MARKS) if "\u0600" <= ch <= "\u06ff" else (r"\s+" if ch == " " else re.escape(ch))
            for ch in w)
        edge_before = before if w[0].isalnum() else ""
        edge_after = after if w[-1].isalnum() else ""
        out.append(f"{edge_before}{pattern}{edge_after}")
    return "|".join(out) or "(?!x)x"


@lru_cache(maxsize=4096)
def _key(text: str) -> str:
    """A lexicon key of a phrase as written (case-folded, spaces as one, no short vowel marks):
    remembered, since the same cue, currency and unit words come back in every article."""
    return _MARKS.sub("", _SPACES.sub(" ", text.casefold())).strip()


@dataclass(frozen=True)
class FigureGrammar:
    """The word classes of figures in one language, compiled once."""

    numbers: NumberGrammar
    qualifier: re.Pattern[str]  # a qualifier ending where a number (or its currency) starts
    qualifier_after: re.Pattern[str]  # a qualifier right after the number: "a million or more"
    partitive: re.Pattern[str]  # "five of the 10 Democrats": the whole a part is counted from
    currency_before: re.Pattern[str]
    currency_after: re.Pattern[str]
    percent: re.Pattern[str]
    cue: re.Pattern[str]
    inherit_before: re.Pattern[str]
    inherit_start: re.Pattern[str]  # an elaborating parenthetical begins: ", including …"
    inherit_after: re.Pattern[str]
    not_after: re.Pattern[str]
    # cue, qualifier and currency_before compiled case-sensitively, to read the text in lower
    # case (``triggers.folded``) — several times cheaper; None when a word forbids it
    folded: tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]] | None
    words: dict[str, Any]  # the lexicon mappings by key, case-folded
    sets: dict[str, frozenset[str]]
    plural_check: bool
    adjective_endings: tuple[str, ...]


@dataclass(frozen=True)
class _Reader:
    """What the measure words are looked for in: the text in lower case with case-sensitive
    patterns when it can be (``triggers.folded``), else the text with the ``re.I`` ones.
    Spans are the same in both; the words themselves are read from the text."""

    text: str
    cue: re.Pattern[str]
    qualifier: re.Pattern[str]
    currency_before: re.Pattern[str]


def _reader(g: FigureGrammar, text: str) -> _Reader:
    low = folded(text) if g.folded is not None else None
    if low is not None and g.folded is not None:
        return _Reader(low, *g.folded)
    return _Reader(text, g.cue, g.qualifier, g.currency_before)


def _sensitive(cue: re.Pattern[str], qualifier: re.Pattern[str],
               currency_before: re.Pattern[str]) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]] | None:
    a, b, c = case_sensitive(cue), case_sensitive(qualifier), case_sensitive(currency_before)
    return (a, b, c) if a is not None and b is not None and c is not None else None


@cache
def grammar(language: str) -> FigureGrammar:
    lex = lexicon(lexicon_language(language))
    e = lex.entries
    qualifiers = lex.mapping("figure_qualifiers")
    qualifiers_after = lex.mapping("figure_qualifiers_after")
    before_cur, after_cur = lex.mapping("figure_currencies_before"), lex.mapping("figure_currencies_after")
    cues = lex.mapping("figure_cues")
    sets = {key: lex.words(key) for key in (
        "figure_time_units", "figure_label_words", "figure_place_words", "figure_function_words",
        "figure_skip_words", "figure_plural_nouns", "figure_singular_units", "figure_determiners",
        "figure_count_units", "figure_link_words", "figure_partitive_words", "figure_conjunctions")}
    sets["cue_words"] = frozenset(_key(c) for c in cues)
    words = {"qualifiers": {_key(k): v for k, v in {**qualifiers, **qualifiers_after}.items()},
             "currencies": {_key(k): v for k, v in {**before_cur, **after_cur}.items()},
             "cues": {_key(k): v for k, v in cues.items()},
             "units": {_key(k): v for k, v in lex.mapping("figure_unit_measures").items()}}
    cue = re.compile(_alt(cues), re.I)
    qualifier = re.compile(rf"(?:{_alt(qualifiers)})\s*$", re.I)
    currency_before = re.compile(rf"(?:{_alt(before_cur, after=_NO_LETTER)})\s*$", re.I)
    return FigureGrammar(
        numbers=number_grammar(language),
        qualifier=qualifier,
        qualifier_after=re.compile(rf"\s*(?:{_alt(qualifiers_after)})", re.I),
        partitive=re.compile(rf"\s+of\s+(?:{_alt(e.get('figure_partitive_determiners', []))})\s+", re.I),
        currency_before=currency_before,
        currency_after=re.compile(rf"\s*(?:{_alt(after_cur, before='')})", re.I),
        percent=re.compile(rf"\s*(?:{_alt(e.get('figure_percent', []), before='')})", re.I),
        cue=cue,
        inherit_before=re.compile(rf"(?:{_alt(e.get('figure_inherit_before', []))})\s*$", re.I),
        inherit_start=re.compile(rf"\s*(?:{_alt(e.get('figure_inherit_before', []))})", re.I),
        inherit_after=re.compile(rf"\s*(?:{_alt(e.get('figure_inherit_after', []))})", re.I),
        not_after=re.compile(rf"\s*(?:{_alt(e.get('figure_not_after', []), after=_NO_LETTER)})", re.I),
        folded=_sensitive(cue, qualifier, currency_before), words=words, sets=sets, plural_check=bool(e.get("figure_plural_check")),
        adjective_endings=tuple(str(x) for x in e.get("figure_adjective_endings", [])),
    )


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
    read = _reader(g, text)
    for sentence in spans:
        figures = _figures(g, text, sentence, dated, starts, quotes, read)
        if figures:
            said = attribution(context, sentence, previous)
            as_of = None
            clauses = _Clauses(text, sentence, by_start)
            for f in figures:
                as_of = _as_of(context, f, clauses, previous, dates, said, as_of)
                fields = {"measure": f.measure, "value": f.number.value, "qualifier": f.qualifier, "unit": f.unit,
                          "as_of": as_of, "attributed_to": said.who if said else None}
                claims.append(Claim("figure", f.start, f.end, text[f.start:f.end], fields, f"{NAME}@{VERSION}"))
        previous = sentence
    return claims


def _figures(g: FigureGrammar, text: str, sentence: tuple[int, int], dated: bytearray,
             starts: list[int], quotes: _QuoteMarks, read: _Reader) -> list[_Figure]:
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
            found: list[_Figure], quotes: _QuoteMarks, read: _Reader) -> _Figure | None:
    left, right = limits
    sentence_start = sentence[0]
    sets = g.sets
    start, end = n.start, n.end
    measure: str | None = None
    unit: str | None = None
    cur = read.currency_before.search(read.text, max(left, start - 6), start)
    if cur:
        measure, unit, start = "money", g.words["currencies"][_key(text[cur.start():cur.end()].strip())], cur.start()
    tail = g.percent.match(text, end, right) or None
    if measure is None and tail:
        measure, unit, end = "percentage", "%", tail.end()
    if measure is None:
        tail = g.currency_after.match(text, end, right)
        if tail:
            measure, unit, end = "money", g.words["currencies"][_key(tail.group())], tail.end()
    if g.not_after.match(text, n.end, right):
        return None
    if _in_a_short_quote(text, n, sentence, quotes):
        return None  # the "Three Amigos", the "one country, two systems" formula: a name, not a count
    if _DIGIT_BEFORE.search(text, max(0, n.start - 3), n.start):
        return None  # "400 737 Max jets": a number right after another is a model or a label
    before_words = _WORD.findall(text[max(left, start - 40):start])
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
        qualifier, start = g.words["qualifiers"][_key(text[q.start():q.end()])], q.start()
    elif q_after:
        qualifier = g.words["qualifiers"][_key(q_after.group())]
    elif (measure is None and not n.grouped and not n.scaled and not n.in_words and isinstance(n.value, int)
          and 1900 <= n.value <= 2100):
        return None  # a year ("the 2022 unrest", "Expo 2017"); "about 2000 troops" keeps its qualifier
    # the counted noun: the words after the number up to a function word, a cue or punctuation
    unit_end = end
    if measure is None:
        noun = _counted_noun(g, text, end, right, n.value)
        if noun is False:
            return None
        whole = g.partitive.match(text, end, sentence[1]) if noun is None and n.value != 1 else None
        if whole:  # "five of the 10 Democrats", "three of those first appointments": the counted
            # noun is the whole's ("62 of them" names none, and keeps none)
            after_whole = g.numbers.pattern.match(text, whole.end(), sentence[1])
            noun = _counted_noun(g, text, after_whole.end() if after_whole else whole.end(), sentence[1], 2)
            if noun:
                right = sentence[1]
        if noun:
            unit, unit_end = noun
        if referring and not noun:
            return None
        measure = g.words["cues"].get(_key(unit)) if unit else None  # "584 deaths": the noun is the cue
    # cues before and after, the nearer one wins
    after = _cue_after(g, text, read, unit_end, right, sentence[1])
    before = _cue_before(g, text, read, left, start)
    if measure is None:
        chosen: tuple[str, int, int] | None
        if after and before:
            chosen = after if after[1] <= before[1] else before
        else:
            chosen = after or before
        if chosen is not None and chosen is before and chosen[1] > 0 and (unit is not None or not _linked(g, text, left, start)):
            chosen = after  # "killed 12" yes; a cue further back only through a link: "the toll rose to 225"
        if chosen:
            measure = chosen[0]
            if chosen is after:
                end = max(end, chosen[2])
            else:
                start = min(start, chosen[2])
        if measure is None and unit:
            measure = g.words["units"].get(_key(unit.split()[-1]))
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


def _counted_noun(g: FigureGrammar, text: str, pos: int, right: int, value: float) -> tuple[str, int] | Literal[False] | None:
    """The unit noun after a number, as ``(unit, end)``; None when none; False when the words
    after make the number something other than a figure (a duration, an address, a label)."""
    sets = g.sets
    tokens = list(_WORD.finditer(text, pos, min(right, pos + 90)))[:8]
    run: list[re.Match[str]] = []
    joined = False  # a conjunction was crossed: "maintenance and cleaning workers", "lawyers and investigators"
    for i, t in enumerate(tokens):
        word = _key(t.group())
        if not run and word in sets["figure_partitive_words"]:
            continue  # Arabic "٨ من عناصر": eight of the members
        if len(run) >= (7 if joined else 4):
            break
        if (run and not joined and word in sets["figure_conjunctions"] and i + 1 < len(tokens)
                and tokens[i + 1].group()[0].isalpha() and _key(tokens[i + 1].group()) not in sets["figure_function_words"]
                and (not any(_plural(g, _key(r.group())) for r in run) or _plural(g, _key(tokens[i + 1].group())))):
            joined = True
            run.append(t)
            continue
        if not run and word in sets["cue_words"] and word.endswith("s") and _plural(g, word):
            return t.group().casefold(), t.end()  # "584 deaths", "120 detainees": the counted noun names the measure
        if not t.group()[0].isalpha() or word in sets["figure_function_words"] or word in sets["cue_words"]:
            break
        if word in sets["figure_time_units"]:
            if not run:
                return False  # "14 days", "3 pm", "20 degrees"
            break
        if word in sets["figure_place_words"] and not any(_plural(g, _key(r.group())) for r in run):
            return False  # "12 Ataturk Avenue": an address
        run.append(t)
        if not g.plural_check:
            break
    if not run:
        return None
    if not g.plural_check:
        word = _key(run[0].group())
        if word in sets["figure_count_units"] or word in g.words["units"]:
            return run[0].group().casefold(), run[0].end()
        return None
    # the counted noun is the first plural ("CSTO troops", "small businesses"), or an
    # uncountable-looking plural and the plural after it ("police officers", "crew members")
    while run and _key(run[-1].group()) in sets["figure_conjunctions"]:
        run.pop()
    head = next((i for i, t in enumerate(run) if _key(t.group()) not in sets["figure_conjunctions"]
                 and _plural(g, _key(t.group()))), None)
    if head is None:
        if value == 1 and run[0].group().islower():
            return run[0].group(), run[0].end()  # "one policeman"
        return False if value != 1 else None  # "the 1414 hotline", "the 2022 unrest"
    if (head + 1 < len(run) and _key(run[head].group()) in sets["figure_plural_nouns"]
            and _plural(g, _key(run[head + 1].group()))):
        head += 1
    if (head + 2 < len(run) and _key(run[head + 1].group()) in sets["figure_conjunctions"]
            and _plural(g, _key(run[head + 2].group()))):
        head += 2  # "20 lawyers and investigators": both nouns are counted
    words = run[: head + 1]
    if len(words) > 1 and all(w.group()[0].isupper() for w in words):
        return False  # "16 Erik Jones": a rank before a name, not a count ("12 Pakistanis" is one)
    while len(words) > 1 and (words[0].group()[0].isupper() or words[0].group().casefold().endswith(g.adjective_endings)
                              or _COMPOUND_MODIFIER.fullmatch(words[0].group())):
        words = words[1:]  # "Pakistani students", "international observers", "high-ranking insurgents": the noun
    return " ".join(w.group().casefold() for w in words), words[-1].end()


def _plural(g: FigureGrammar, word: str) -> bool:
    """Whether an English noun can be what a number above one counts ("people", "tonnes", "head")."""
    return (word in g.sets["figure_plural_nouns"] or word in g.sets["figure_singular_units"]
            or (len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "sis"))))


def _linked(g: FigureGrammar, text: str, left: int, start: int) -> bool:
    """Whether the word before a bare number links it to a measure named earlier ("rose to",
    "stood at", "reached")."""
    words = _WORD.findall(text[max(left, start - 20):start])
    return bool(words) and _key(words[-1]) in g.sets["figure_link_words"]


def _distance(g: FigureGrammar, gap: str) -> int:
    return sum(1 for w in _WORD.findall(gap) if w[0].isalnum() and _key(w) not in g.sets["figure_skip_words"])


def _cue_after(g: FigureGrammar, text: str, read: _Reader, pos: int, right: int,
               sentence_end: int) -> tuple[str, int, int] | None:
    """The first measure word after ``pos`` in the clause: (measure, distance in words, end).
    A parenthetical that elaborates the figure is stepped over: "225 people, including 19
    officers, had died". The cue is looked for through ``read`` (``_Reader``)."""
    stop = _BOUNDARY.search(text, pos, right)
    end = stop.start() if stop else right
    m = read.cue.search(read.text, pos, end)
    if m:
        return g.words["cues"][_key(text[m.start():m.end()])], _distance(g, text[pos:m.start()]), m.end()
    if stop is None or stop.group() != "," or not g.inherit_start.match(text, stop.end(), sentence_end):
        return None
    close = text.find(",", stop.end(), sentence_end)
    if close < 0:
        return None
    resume = _BOUNDARY.search(text, close + 1, sentence_end)
    m = read.cue.search(read.text, close + 1, resume.start() if resume else sentence_end)
    if not m:
        return None
    return g.words["cues"][_key(text[m.start():m.end()])], _distance(g, text[close + 1:m.start()]), pos  # the span stays tight


def _cue_before(g: FigureGrammar, text: str, read: _Reader, left: int, pos: int) -> tuple[str, int, int] | None:
    """The last measure word before ``pos`` in the clause: (measure, distance in words, start)."""
    for b in _BOUNDARY.finditer(text, left, pos):
        left = b.end()
    last = None
    for m in read.cue.finditer(read.text, left, pos):
        last = m
    if last is None:
        return None
    return g.words["cues"][_key(text[last.start():last.end()])], _distance(g, text[last.end():pos]), last.start()


class _Clauses:
    """One sentence's clause marks and dated expressions, found once for all its figures
    (a sentence may hold thousands of numbers: each lookup must not rescan it)."""

    def __init__(self, text: str, sentence: tuple[int, int], dates: DatesByStart) -> None:
        self.sentence = sentence
        self.starts = Marks(_CLAUSE_START, text, *sentence)
        self.ends = Marks(_CLAUSE_END, text, *sentence)
        self.here = [d for d in dates.within(sentence) if d.date
                     and d.role in ("event", "as_of")]
        self.as_of = next((d.date for d in self.here if d.role == "as_of"), None)
        self._future: dict[tuple[int, int], bool] = {}

    def future(self, pattern: re.Pattern[str], text: str, start: int, end: int) -> bool:
        if (start, end) not in self._future:
            self._future[start, end] = pattern.search(text, start, end) is not None
        return self._future[start, end]


def _as_of(context: Context, f: _Figure, clauses: _Clauses, previous: tuple[int, int] | None,
           dates: list[DateExpression], said: Attribution | None, prior: str | None) -> str | None:
    """When the figure held, in the order tests/gold/CLAIMS.md gives: an as-of expression of
    the sentence ("as of 3 March", "so far this year"); a date in the figure's own clause, or
    in a clause that opens the sentence ("In 2019, 5 million tourists …"); the date of the
    statement that gives it ("…, the ministry said on Sunday"), which for "It said …" is the
    sentence before's; else that of the figure before it in the sentence, which it elaborates.
    None for a figure in a clause about the future ("spending would rise
    by 12%"), and none from a date of another clause ("the floods, which began in June, …")."""
    g = date_grammar(lexicon_language(context.language))
    text = context.text
    sentence = clauses.sentence
    clause_start = clauses.starts.last_end_before(f.start, sentence[0])
    clause_end = clauses.ends.first_start_from(f.end, sentence[1])
    if clauses.future(g.future, text, clause_start, clause_end):
        return None
    here = clauses.here
    if clauses.as_of is not None:
        return clauses.as_of
    opening = clauses.ends.first_start_from(sentence[0], -1)
    for d in here:
        opens = (opening >= 0 and d.end <= opening < f.start
                 and not text[sentence[0]:d.start].strip(" \"“‘("))  # the sentence opens with the date
        if clause_start <= d.start < clause_end or opens:
            return d.date
    if prior is not None:
        return prior  # "…on Friday, 62 of them in intensive care", "…in 2022, up 12 percent"
    for d in here:
        if said is not None and _in_clause_with(d, clauses, said):
            return d.date
    if not here and said is not None and said.anaphoric and previous is not None:
        before = [d for d in dates if previous[0] <= d.start < previous[1] and d.date and d.role in ("event", "as_of")]
        return before[-1].date if before else None
    return None


def _in_clause_with(d: DateExpression, clauses: _Clauses, said: Attribution) -> bool:
    """Whether the date stands in the clause of the speech verb that gives the figures."""
    if said.verb is None:
        return False
    sentence = clauses.sentence
    start = clauses.starts.last_end_before(min(d.start, said.verb[0]), sentence[0])
    end = clauses.ends.first_start_from(max(d.end, said.verb[1]), sentence[1])
    return start <= min(d.start, said.verb[0]) and max(d.end, said.verb[1]) <= end and not clauses.starts.any_within(
        min(d.end, said.verb[1]), max(d.start, said.verb[0]))


EXTRACTOR = Extractor(name=NAME, version=VERSION, languages=LANGUAGES, writes=("figure",), run=_run,
                      reads=("mentions",),
                      summary="numbers of a measure with qualifier, unit, as-of date and attribution")
