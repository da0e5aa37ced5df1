"""Dated events: the date expressions that date something a sentence reports. Pure.

Each date expression found by ``dates.find_dates`` that dates an event ("On March 4",
"last October", "yesterday", "in 2019", "4 January 2022") becomes an ``event`` claim whose
span is the expression, with the date resolved against the document's date at its
precision. Dates that only bound a figure ("as of 3 March", "by Friday", "so far this
year") are the figure's as-of, not events. A relative date in a document without a date
is still reported, with ``date`` and ``precision`` null and ``why`` saying so — the reader
sees that the text dates something even when it cannot be placed.
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
    for d in dates_of(context.text, context.published, context.language, tuple(context.sentences)):
        if not d.event:
            continue
        fields: dict[str, object] = {"date": d.date, "precision": d.precision}
        if d.why:
            fields["why"] = d.why
        claims.append(Claim("event", d.start, d.end, context.text[d.start:d.end], fields, label))
    return claims


EXTRACTOR = Extractor(name=NAME, version=VERSION, languages=LANGUAGES, writes=("event",), run=_run,
                      summary="date expressions that date an event, resolved at the document's date")
