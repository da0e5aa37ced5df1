"""Search snippets: the store marks highlights with \\x02 … \\x03; each front end renders them.

HTML gets ``<mark>`` around escaped text (the snippet is document text, so it is escaped
piece by piece and only our own tags are markup); JSON gets plain text plus character
offsets, so API clients never receive HTML they would have to sanitise.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from amanat.store.search import MARK_END, MARK_START

_MARKS = re.compile(f"([{MARK_START}{MARK_END}])")


def _pieces(snippet: str) -> list[tuple[str, bool]]:
    """(text, highlighted) runs; tolerant of unbalanced or nested markers. Split on the
    markers by one regex rather than walked a character at a time, which cost a search
    answer of ten snippets about as much as the search itself."""
    out: list[tuple[str, bool]] = []
    inside = False
    for part in _MARKS.split(snippet):
        if part in (MARK_START, MARK_END):
            inside = part == MARK_START
        elif part:
            out.append((part, inside))
    return out


def marked(snippet: str) -> Markup:
    """Snippet as safe HTML: escaped text, highlights in ``<mark>``."""
    return Markup("").join(
        Markup("<mark>{}</mark>").format(text) if hit else escape(text)
        for text, hit in _pieces(snippet)
    )


def offsets(snippet: str) -> tuple[str, list[tuple[int, int]]]:
    """Plain snippet and the [start, end) character ranges of its highlights."""
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    at = 0
    for text, hit in _pieces(snippet):
        if hit:
            spans.append((at, at + len(text)))
        plain.append(text)
        at += len(text)
    return "".join(plain), spans
