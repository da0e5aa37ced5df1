"""Dated events: the date expressions that date something a sentence reports. Pure.

Each date expression found by ``dates.find_dates`` that dates an event ("On March 4",
"last October", "yesterday", "in 2019", "4 January 2022") becomes an ``event`` claim whose
span is the expression, with the date resolved against the document's date at its
precision. Dates that only bound a figure ("as of 3 March", "by Friday", "so far this
year") are the figure's as-of, not events. A relative date in a document without a date
is still reported, with ``date`` and ``precision`` null and ``why`` saying so — the reader
sees that the text dates something even when it cannot be placed. The same expression
written twice in one sentence for the same date ("have this morning paid … this morning") is
one event, as a figure repeated in a sentence is one figure.
"""

from __future__ import annotations

from amanat.analyze.claims import Context, Extractor
from amanat.analyze.claims.dates import dates_of
from amanat.model import Claim

NAME = "events"
VERSION = 1
LANGUAGES = frozenset({"en", "ru", "kk", "ar", "ur"})


def _run(context: Context) -> list[Claim]:
    claims = []
    label = f"{NAME}@{VERSION}"
    sentences = context.sentences
    index = 0
    seen: set[tuple[str, str | None]] = set()  # (expression, date) already reported in this sentence
    for d in dates_of(context.text, context.published, context.language, tuple(sentences)):
        if not d.event:
            continue
        if index < len(sentences) and d.start >= sentences[index][1]:
            while index < len(sentences) and d.start >= sentences[index][1]:
                index += 1
            seen.clear()
        key = (" ".join(context.text[d.start:d.end].casefold().split()), d.date)
        if key in seen:
            continue
        seen.add(key)
        fields: dict[str, object] = {"date": d.date, "precision": d.precision}
        if d.why:
            fields["why"] = d.why
        claims.append(Claim("event", d.start, d.end, context.text[d.start:d.end], fields, label))
    return claims


EXTRACTOR = Extractor(name=NAME, version=VERSION, languages=LANGUAGES, writes=("event",), run=_run,
                      summary="date expressions that date an event, resolved at the document's date")
