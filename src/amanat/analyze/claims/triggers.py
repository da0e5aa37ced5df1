"""Where the claim patterns can start in a text: one pass over the document, then each
pattern is ``match``ed at its candidates only, never scanned over every sentence. Pure.

Why: ``finditer`` over a sentence enters Python's ``re`` engine at every character. The
number and date patterns both begin with a lookbehind ("no letter or digit before") and a
lookahead over a word trie, so ``re`` cannot skip ahead in C to where they could start:
measured on the bench corpus, the date pattern spent most of its time rejecting positions
inside words. Both patterns can only start at a run of digits, or at the start of a word
where a *lead* — the words they can open with — stands. One scan finds both kinds of place
for every pattern at once; it begins with a character class (a non-word character or a
digit), which ``re`` skips to in C, so the engine is entered at word boundaries only.

The answer is exactly the ``finditer``'s (``matches``): every position where a pattern
can match is a candidate, candidates are tried left to right, and a candidate inside the
last match is passed over, as ``finditer`` resumes where a match ended. What a pattern must
guarantee for that — it matches nothing empty, and only at a digit that starts a run of
digits, or at a word start (the text's start or after a non-word character) where its lead
matches — is stated by the grammar that gives the lead (``numbers.py``, ``dates.py``). A lead may also
take the runs of digits on itself (``digits``: False): then a run of digits is its candidate
only where the lead matches there, and the pattern must guarantee it matches at no digit
that follows a letter, a digit or ``_`` — a run after a non-word character is looked at by
the same lookahead as a word, a run after a word character is never a candidate.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from functools import cache, lru_cache


@cache
def _scanner(leads: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str] | None, tuple[tuple[int, ...], ...]]:
    """One pattern finding every run of digits and every word start where some of ``leads``
    match (case-insensitively); the same pattern compiled case-sensitively, for the text in
    lower case, when every letter the leads spell is a lower-case one that folds plainly
    (``_plain``); and for each group of the pattern the leads that hold when it matched.

    A non-word character is consumed (``re`` skips to it in C) and the leads are looked
    ahead at: the first lead that holds opens a branch that then asks the later ones, so a
    match names every lead that holds with no empty match at each non-word character."""
    branches = [r"(?<=\d)\d*(?P<t0>)"]  # the consumed character was a digit: every lead
    names: list[tuple[int, ...]] = [tuple(range(len(leads)))]
    for i, lead in enumerate(leads):
        body = f"(?=(?:{lead}))(?P<t{len(names)}>)"
        names.append((i,))
        for j in range(i + 1, len(leads)):
            body += f"(?:(?=(?:{leads[j]}))(?P<t{len(names)}>))?"
            names.append((j,))
        branches.append(body)
    pattern = re.compile(rf"[\W\d](?:{'|'.join(branches)})", re.I)
    return pattern, case_sensitive(pattern), tuple(names)


def case_sensitive(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``pattern`` (compiled with ``re.I``) compiled without it, for a text ``folded``:
    None unless every letter it spells is a lower-case one that folds plainly (``_plain``),
    so that it matches the folded text where ``pattern`` matches the text."""
    letters = re.sub(r"\\.|\(\?P<\w+>", "", pattern.pattern)  # what it spells, escapes and group names aside
    if not pattern.flags & re.I or not all(ch == ch.lower() and _plain(ch) for ch in letters):
        return None
    return re.compile(pattern.pattern, pattern.flags & ~re.I)


@cache
def _plain(ch: str) -> bool:
    """Whether ``ch`` in lower case (``str.lower``) is what ``re.I`` compares it as: one
    character, its cases a round trip, the same kind (letter, digit, space) — not the long
    s, the dotless i, the Kelvin sign, the capital sigma (final or not by its place)… which
    ``re`` folds to other letters by its own tables."""
    if ch.isascii():
        return True
    low, up = ch.lower(), ch.upper()
    return (ch != "Σ" and len(low) == 1 and len(up) == 1 and up.lower() == low and low.upper() == up
            and (ch.isalnum(), ch.isdecimal(), ch.isspace()) == (low.isalnum(), low.isdecimal(), low.isspace()))


@lru_cache(maxsize=8)
def folded(text: str) -> str | None:
    """``text`` in lower case, when a case-sensitive lower-case pattern matches it where the
    same pattern compiled with ``re.I`` matches ``text``: each character lowered alone, to one
    character that ``re.I`` would have compared. Case-sensitive literals are several times
    cheaper for ``re`` than case-folded ones (it can skip a branch on its first letter)."""
    low = text.lower()
    if len(low) != len(text):
        return None
    if not text.isascii() and not all(_plain(ch) for ch in set(text)):
        return None
    return low


@lru_cache(maxsize=8)
def candidates(text: str, leads: tuple[str, ...], digits: tuple[bool, ...] | None = None) -> tuple[list[int], ...]:
    """For each of ``leads`` (regex sources, matched case-insensitively), the sorted
    positions of ``text`` where a pattern with that lead may start: every run of digits
    (unless ``digits`` says False for the lead: then only the runs after a non-word
    character where the lead matches), and every word start where the lead matches (the
    text's start always, for every lead).

    Remembered for the last few texts: the figures and the events extractors both ask."""
    every = tuple(range(len(leads))) if digits is None else tuple(i for i, d in enumerate(digits) if d)
    pattern, sensitive, names = _scanner(leads)
    scanned = folded(text) if sensitive is not None else None
    if scanned is not None and sensitive is not None:
        pattern = sensitive
    found: list[list[int]] = [[0] for _ in leads]
    for m in pattern.finditer(text if scanned is None else scanned):
        groups = m.groups()
        if groups[0] is not None:  # a run of digits: it starts where the match does
            at = m.start()
            for i in every:
                if found[i][-1] != at:  # a lead that opens with a digit named it already
                    found[i].append(at)
            continue
        at = m.start() + 1  # the word after the non-word character
        for k in range(1, len(groups)):
            if groups[k] is not None:
                found[names[k][0]].append(at)
    return tuple(found)


def matches(pattern: re.Pattern[str], text: str, starts: list[int], start: int, end: int) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text, start, end)``, trying only the positions of ``starts``.

    The same matches when every position where ``pattern`` can match within the span is in
    ``starts`` (sorted) and it matches nothing empty: the leftmost candidate that matches
    is the leftmost position that does, and the search resumes at the end of each match."""
    i = bisect_left(starts, start)
    n = len(starts)
    resume = start
    match = pattern.match
    while i < n:
        at = starts[i]
        i += 1
        if at >= end:
            break
        if at < resume:
            continue
        m = match(text, at, end)
        if m is not None:
            resume = m.end()
            yield m
