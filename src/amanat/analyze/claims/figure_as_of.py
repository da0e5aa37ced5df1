"""When a figure held: its as-of date, read from the dates of its sentence and clause, of the
statement that gives it, or of the figure before it (tests/gold/CLAIMS.md gives the order).
Pure; used by figures.py, which finds the figures and their attribution first.
"""

from __future__ import annotations

import re

from amanat.analyze.boundaries import Marks
from amanat.analyze.claims import Context
from amanat.analyze.claims.dates import DateExpression, DatesByStart
from amanat.analyze.claims.dates import grammar as date_grammar
from amanat.analyze.claims.figure_attribution import Attribution
from amanat.analyze.claims.numbers import lexicon_language

_CLAUSE_START = re.compile(r"[,;“”\"]|\bthat\b")
_CLAUSE_END = re.compile(r"[,;“”\"]")


class Clauses:
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


def as_of_date(context: Context, span: tuple[int, int], clauses: Clauses, previous: tuple[int, int] | None,
           dates: list[DateExpression], said: Attribution | None, prior: str | None) -> str | None:
    """When the figure held, in the order tests/gold/CLAIMS.md gives: an as-of expression of
    the sentence ("as of 3 March", "so far this year"); a date in the figure's own clause, or
    in a clause that opens the sentence ("In 2019, 5 million tourists …"); the date of the
    statement that gives it ("…, the ministry said on Sunday"), which for "It said …" is the
    sentence before's; else that of the figure before it in the sentence, which it elaborates.
    None for a figure in a clause about the future ("spending would rise
    by 12%"), and none from a date of another clause ("the floods, which began in June, …").
    ``span``: the figure's."""
    g = date_grammar(lexicon_language(context.language))
    text = context.text
    sentence = clauses.sentence
    clause_start = clauses.starts.last_end_before(span[0], sentence[0])
    clause_end = clauses.ends.first_start_from(span[1], sentence[1])
    if clauses.future(g.future, text, clause_start, clause_end):
        return None
    here = clauses.here
    if clauses.as_of is not None:
        return clauses.as_of
    opening = clauses.ends.first_start_from(sentence[0], -1)
    for d in here:
        opens = (opening >= 0 and d.end <= opening < span[0]
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


def _in_clause_with(d: DateExpression, clauses: Clauses, said: Attribution) -> bool:
    """Whether the date stands in the clause of the speech verb that gives the figures."""
    if said.verb is None:
        return False
    sentence = clauses.sentence
    start = clauses.starts.last_end_before(min(d.start, said.verb[0]), sentence[0])
    end = clauses.ends.first_start_from(max(d.end, said.verb[1]), sentence[1])
    return start <= min(d.start, said.verb[0]) and max(d.end, said.verb[1]) <= end and not clauses.starts.any_within(
        min(d.end, said.verb[1]), max(d.start, said.verb[0]))

