"""The title attached to a person's name, as written around it.

A role is text, not an office: "Pakistan's then-Prime Minister" before "Shahbaz Sharif",
"Ambassador of Kazakhstan to Pakistan," before "Yerzhan Kistafin", ", the Deputy Minister of
Foreign Affairs of Kazakhstan" after "Roman Vassilenko". This module only finds its span;
``amanat.kb.linking`` compares its words with the offices a candidate held on the document's
date, and ``amanat.kb.lexicon.marker_of`` reads its time marker (then, former, acting …).
Three shapes are tried in order because they get less certain: directly before the name,
before it with a comma, then after it as an apposition.
"""

from __future__ import annotations

import bisect
import re

from amanat.analyze.boundaries import Covered
from amanat.analyze.tokens import Token
from amanat.analyze.vocabulary import DEMONYMS, MARKERS, NEVER_NAMES, ORG_WORDS, TITLE_WORDS
from amanat.model import Span

_POSSESSIVE_START = re.compile(r"^['’]s")
_COMMA_TITLE = re.compile(r"(?:^|[.\n;:]\s*|,\s+)([A-Z][^,.;\n]{2,110}),\s*(?:the\s+|H\.?\s?E\.?\s+)?$")


def find_role(
    text: str, toks: list[Token], span: Span, hits: Covered
) -> tuple[int, int] | None:
    """The title attached to a name: before it, before it with a comma, or after it.
    ``hits``: where the text names something the knowledge base knows."""
    first = bisect.bisect_left(toks, span.start, key=lambda t: t.start)
    if first >= len(toks):
        return None
    # (a) directly before: titles, markers, demonyms, known names and possessives
    i = first - 1
    start = None
    has_title = False
    prev_start = span.start
    while i >= 0:
        t = toks[i]
        gap = text[t.end : prev_start]
        if gap != " " and (_POSSESSIVE_START.sub("", gap).strip(" -") != "" or "\n" in gap):
            break  # (one space, the usual gap, joins: no need to ask the pattern)
        low = t.low
        in_hit = t.start in hits
        if low in TITLE_WORDS or low in MARKERS:
            has_title = has_title or low in TITLE_WORDS
        elif not (
            low in DEMONYMS
            or in_hit
            or t.possessive
            or (t.cap and low not in NEVER_NAMES and i + 1 < len(toks) and toks[i + 1].possessive)
            or (t.cap and has_title is False and low in ORG_WORDS)
        ):
            break
        start = t.start
        prev_start = t.start
        i -= 1
    if start is not None and has_title:
        end = toks[first - 1].end + (2 if toks[first - 1].possessive else 0)
        return _trim_role(text, start, end)
    after = text[span.end : span.end + 2]
    # (b) before, with a comma: "Ambassador of Kazakhstan to Pakistan, Yerzhan Kistafin"
    before = text[max(0, span.start - 120) : span.start]
    # the pattern ends with a comma and at most "the" or "H.E.": most names have none before
    # them, and a string test says so without trying the pattern at each of 120 positions
    m = _COMMA_TITLE.search(before) if before.rstrip().endswith((",", "the", "E", "E.")) else None
    if m and _starts_with_title(m.group(1)):
        s = span.start - len(before) + m.start(1)
        return _trim_role(text, s, s + len(m.group(1)))
    # (c) after, as an apposition: "Roman Vassilenko, the Deputy Minister of …"
    if after.startswith(","):
        m = re.match(r",\s*((?:the\s+)?[^,.;(\n“\"]{2,140})", text[span.end :])
        if m and _starts_with_title(re.sub(r"^the\s+", "", m.group(1))):
            s = span.end + m.start(1)
            return _trim_role(text, s, s + len(m.group(1).rstrip()))
    return None


def _starts_with_title(phrase: str) -> bool:
    words = phrase.replace("-", " ").split()
    first = [re.sub(r"['’]s$", "", w.casefold()) for w in words[:3]]
    return bool(first) and (
        first[0] in TITLE_WORDS
        or first[0] in MARKERS
        or (first[0] in DEMONYMS and len(first) > 1 and first[1] in TITLE_WORDS)
    )


def _trim_role(text: str, s: int, e: int) -> tuple[int, int]:
    while e > s and text[e - 1] in " ,":
        e -= 1
    return s, e
