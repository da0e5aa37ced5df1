"""Word tokens of a text and the known names in it: what every later step of mention
detection reads.

Two views of one text, kept apart on purpose. ``tokens`` cuts words as written (a trailing
dot or possessive set apart, "then-"/"ex-" split off) because capitalisation, dots and
possessives carry the signal for name-shaped runs and titles. ``known_names`` searches the
*normalised* text with the base's alias matcher (``KBIndex.automaton``), one pass
whatever the number of aliases, and maps hits back to offsets in the original text; short
all-capital aliases (UN, CSTO) match only as written, others only where the text starts
with a capital or an uncased letter ("us" is not the US).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import NamedTuple

from amanat.kb.index import KBIndex, normalize

_TOKEN = re.compile(r"[^\W\d_][\w]*(?:[-'’][\w]+)*\.?")
_POSSESSIVE = ("'s", "’s")


class Token(NamedTuple):
    """A word as written: offsets without a trailing dot or possessive, which are flags.

    ``low`` (case folded) and ``cap`` (starts with a capital or an uncased letter) are set
    once here: every later step asks them of every token, several times over. A named tuple,
    built with ``tuple.__new__``: half the cost of a dataclass's ``__init__``, on the ~700
    words of every article."""

    start: int
    end: int  # without a trailing dot or possessive
    text: str
    dot: bool = False
    possessive: bool = False
    low: str = ""
    cap: bool = False


def _cap(word: str) -> bool:
    c = word[:1]
    return c.isupper() or (c.isalpha() and not c.islower())


def tokens(text: str) -> list[Token]:
    """Word tokens with trailing dot and possessive set apart; then-/ex- split off."""
    out: list[Token] = []
    seen: dict[str, str] = {}  # one string per distinct word: a long text repeats its words
    intern = seen.setdefault
    append = out.append
    find = text.find
    new = tuple.__new__
    s = 0
    # ``findall`` and a ``find`` for the offset cost less than a match object per word; the
    # offset is exact because a word starts with a letter and no letter lies between words
    for word in _TOKEN.findall(text):
        s = find(word, s)
        after = s + len(word)
        dot = word[-1] == "."
        if dot:
            word = word[:-1]  # the pattern takes one dot at most
        possessive = word.endswith(_POSSESSIVE)
        if possessive:
            word = word[:-2]
        low = word.casefold()
        if "-" in low:
            for prefix in ("then-", "ex-"):
                if low.startswith(prefix) and len(word) > len(prefix):
                    head = word[: len(prefix) - 1]
                    append(new(Token, (s, s + len(prefix) - 1, head, False, False, head.casefold(), _cap(head))))
                    s += len(prefix)
                    word = word[len(prefix) :]
                    low = word.casefold()
                    break
        if word:
            c = word[0]
            append(new(Token, (s, s + len(word), intern(word, word), dot, possessive, intern(low, low),
                              c.isupper() or (c.isalpha() and not c.islower()))))
        s = after
    return out


@dataclass(slots=True)
class NameHit:
    """An occurrence of a known alias: the entities it may name and their kinds; ``nested``
    when it lies inside a longer name of another entity ("Kazakhstan" in "Embassy of
    Kazakhstan")."""

    start: int
    end: int
    ids: tuple[str, ...]
    kinds: tuple[str, ...]
    nested: bool = False


def known_names(text: str, index: KBIndex) -> list[NameHit]:
    """Every alias occurrence, longest first; a hit inside a longer hit of the same entity
    is dropped, inside one of another entity it is kept as nested."""
    norm, offsets = normalize(text)
    hits: list[NameHit] = []
    for end_idx, (length, alias_ids) in index.automaton.iter(norm):
        start = end_idx - length + 1
        if (start > 0 and norm[start - 1].isalnum()) or (
            end_idx + 1 < len(norm) and norm[end_idx + 1].isalnum()
        ):
            continue
        s, e = offsets[start], offsets[end_idx] + 1
        written = text[s:e]
        ids: dict[str, str] = {}
        for i in alias_ids:
            alias = index.aliases[i]
            if alias.acronym:
                if written.replace(".", "") != alias.text.replace(".", ""):
                    continue
            elif written[:1].islower():
                continue
            ids.setdefault(alias.entity_id, alias.kind)
        if ids:
            hits.append(NameHit(s, e, tuple(ids), tuple(ids.values())))
    hits.sort(key=lambda h: (h.start - h.end, h.start))
    kept: list[NameHit] = []
    starts: list[int] = []  # of ``by_start``: the kept hits in order of start
    by_start: list[NameHit] = []
    longest = hits[0].end - hits[0].start if hits else 0  # hits come longest first
    for h in hits:
        crossing = False
        # only kept hits starting less than the longest length before ``h`` can touch it (a
        # text naming one person thousands of times is not compared hit by hit)
        lo, hi = bisect_left(starts, h.start - longest + 1), bisect_left(starts, h.end)
        for k in by_start[lo:hi]:
            if k.start <= h.start and h.end <= k.end:
                if set(h.ids) & set(k.ids):
                    crossing = True
                    break
                h.nested = True
            elif h.start < k.end and k.start < h.end:
                crossing = True  # partial overlap: the longer one wins
                break
        if not crossing:
            kept.append(h)
            at = bisect_right(starts, h.start)
            starts.insert(at, h.start)
            by_start.insert(at, h)
    kept.sort(key=lambda h: h.start)
    return kept


def gap_ok(text: str, a: int, b: int) -> bool:
    """Tokens at ``a`` (end) and ``b`` (start) belong to one run: only spaces, '&' between."""
    gap = text[a:b]
    return gap.strip(" \t&") == "" and gap.count("\n") == 0 and len(gap) <= 3
