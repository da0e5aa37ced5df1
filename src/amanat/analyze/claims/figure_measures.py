"""What the words around a number say of it: the noun it counts ("4,300 people", "20 lawyers
and investigators"), or that it is no figure ("14 days", "12 Ataturk Avenue"), and the measure
words before and after it in its clause ("killed 12", "18 police officers had been killed").
Pure; used by figures.py, which weighs them.
"""

from __future__ import annotations

import re
from typing import Literal

from amanat.analyze.claims.figure_grammar import FigureGrammar, Reader, word_key

WORD = re.compile(r"[^\W\d_](?:[\w'’-]|\.(?=\w))*|\S")
_COMPOUND_MODIFIER = re.compile(r"[^\W\d_]+-[^\W\d_]+(?:ing|ed)")  # "high-ranking", "well-armed"
_BOUNDARY = re.compile(r"[,;:!?“”\"()\[\]—–]|\.(?!\d)")


def counted_noun(g: FigureGrammar, text: str, pos: int, right: int, value: float) -> tuple[str, int] | Literal[False] | None:
    """The unit noun after a number, as ``(unit, end)``; None when none; False when the words
    after make the number something other than a figure (a duration, an address, a label)."""
    sets = g.sets
    tokens = list(WORD.finditer(text, pos, min(right, pos + 90)))[:8]
    run: list[re.Match[str]] = []
    joined = False  # a conjunction was crossed: "maintenance and cleaning workers", "lawyers and investigators"
    for i, t in enumerate(tokens):
        word = word_key(t.group())
        if not run and word in sets["figure_partitive_words"]:
            continue  # Arabic "٨ من عناصر": eight of the members
        if len(run) >= (7 if joined else 4):
            break
        if (run and not joined and word in sets["figure_conjunctions"] and i + 1 < len(tokens)
                and tokens[i + 1].group()[0].isalpha() and word_key(tokens[i + 1].group()) not in sets["figure_function_words"]
                and (not any(_plural(g, word_key(r.group())) for r in run) or _plural(g, word_key(tokens[i + 1].group())))):
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
        if word in sets["figure_place_words"] and not any(_plural(g, word_key(r.group())) for r in run):
            return False  # "12 Ataturk Avenue": an address
        run.append(t)
        if not g.plural_check:
            break
    if not run:
        return None
    if not g.plural_check:
        word = word_key(run[0].group())
        if word in sets["figure_count_units"] or word in g.words["units"]:
            return run[0].group().casefold(), run[0].end()
        return None
    # the counted noun is the first plural ("CSTO troops", "small businesses"), or an
    # uncountable-looking plural and the plural after it ("police officers", "crew members")
    while run and word_key(run[-1].group()) in sets["figure_conjunctions"]:
        run.pop()
    head = next((i for i, t in enumerate(run) if word_key(t.group()) not in sets["figure_conjunctions"]
                 and _plural(g, word_key(t.group()))), None)
    if head is None:
        if value == 1 and run[0].group().islower():
            return run[0].group(), run[0].end()  # "one policeman"
        return False if value != 1 else None  # "the 1414 hotline", "the 2022 unrest"
    if (head + 1 < len(run) and word_key(run[head].group()) in sets["figure_plural_nouns"]
            and _plural(g, word_key(run[head + 1].group()))):
        head += 1
    if (head + 2 < len(run) and word_key(run[head + 1].group()) in sets["figure_conjunctions"]
            and _plural(g, word_key(run[head + 2].group()))):
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


def linked(g: FigureGrammar, text: str, left: int, start: int) -> bool:
    """Whether the word before a bare number links it to a measure named earlier ("rose to",
    "stood at", "reached")."""
    words = WORD.findall(text[max(left, start - 20):start])
    return bool(words) and word_key(words[-1]) in g.sets["figure_link_words"]


def _distance(g: FigureGrammar, gap: str) -> int:
    return sum(1 for w in WORD.findall(gap) if w[0].isalnum() and word_key(w) not in g.sets["figure_skip_words"])


def cue_after(g: FigureGrammar, text: str, read: Reader, pos: int, right: int,
               sentence_end: int) -> tuple[str, int, int] | None:
    """The first measure word after ``pos`` in the clause: (measure, distance in words, end).
    A parenthetical that elaborates the figure is stepped over: "225 people, including 19
    officers, had died". The cue is looked for through ``read`` (``Reader``)."""
    stop = _BOUNDARY.search(text, pos, right)
    end = stop.start() if stop else right
    m = read.cue.search(read.text, pos, end)
    if m:
        return g.words["cues"][word_key(text[m.start():m.end()])], _distance(g, text[pos:m.start()]), m.end()
    if stop is None or stop.group() != "," or not g.inherit_start.match(text, stop.end(), sentence_end):
        return None
    close = text.find(",", stop.end(), sentence_end)
    if close < 0:
        return None
    resume = _BOUNDARY.search(text, close + 1, sentence_end)
    m = read.cue.search(read.text, close + 1, resume.start() if resume else sentence_end)
    if not m:
        return None
    return g.words["cues"][word_key(text[m.start():m.end()])], _distance(g, text[close + 1:m.start()]), pos  # the span stays tight


def cue_before(g: FigureGrammar, text: str, read: Reader, left: int, pos: int) -> tuple[str, int, int] | None:
    """The last measure word before ``pos`` in the clause: (measure, distance in words, start)."""
    for b in _BOUNDARY.finditer(text, left, pos):
        left = b.end()
    last = None
    for m in read.cue.finditer(read.text, left, pos):
        last = m
    if last is None:
        return None
    return g.words["cues"][word_key(text[last.start():last.end()])], _distance(g, text[last.end():pos]), last.start()

