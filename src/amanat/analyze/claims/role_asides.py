"""Roles written aside: in parentheses, or after one word of a name. Pure; used by roles.py.

- a title phrase in parentheses right after a name: "Jane Roe (chief executive of Acme)";
- a name in parentheses right after a title phrase: "the health minister (Jane Roe)",
  "Acme's former chief executive (Jane Roe)";
- one capitalised word before an apposition with an article or an owner that states a title,
  when the apposition closes the subject of a speech verb ("Peskov, Putin's spokesman, told
  reporters …"; a word any earlier full name holds is already a person, people.py) and the
  word is no sentence word, title or demonym, nor a brand written with a capital inside
  ("SoftBank, its largest investor, said"). Without the verb, one word before a title is as
  often a company or a place ("Tribune, the former owner of The Times").

What stands in the parentheses or the apposition must be a title with a head
(role_shapes.headed / apposition_title): "(pictured)", "(Labour)" or "(see chart)" are none
(tests/gold/CLAIMS.md: a title needs a head; a party is a membership, not an office).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from amanat.analyze.claims import role_shapes as shapes
from amanat.analyze.claims.speakers import _words as speech_words
from amanat.kb.lexicon import lexicon

_CAP = r"[A-Z\u00C0-\u00DE][\w’'-]*"
_OWNER = r"(?:[A-Z\u00C0-\u00DE][\w’'-]*|[a-z][\w-]*\d[\w-]*|[a-z]+[A-Z][\w-]*)"
# a literal first: the scan skips to the next " (" in C
_PAREN = re.compile(r" \(([^()\n]{2,90})\)")
_ARTICLED = re.compile(rf"(?:the|then|a|an|former|ex-|acting|now)\b|{_OWNER}['’]s\s", re.I)
# the title phrase that ends right before " (": an owner's or an article's ("Acme's former chief
# executive", "the health minister")
_TITLE_BEFORE = re.compile(rf"((?:(?:the|then|former)\s+)?{_OWNER}(?:\s+{_CAP})*['’]s\s+[a-z][\w\s-]{{1,60}}?|"
                           rf"(?:[Tt]he\s+|[Aa]n?\s+|(?:[Hh]is|[Hh]er|[Tt]heir|[Ii]ts)\s+)(?:[a-z][\w-]*['’]s\s+)?"
                           rf"[a-z][\w\s-]{{1,60}}?)$")
_NAME = re.compile(rf"{_CAP}(?:\s+(?:{_CAP}|[A-Z]\.)){{1,3}}")
_ONE_WORD = re.compile(r"(?<![\w’'.-])[A-Z\u00C0-\u00DE][a-z\u00DF-\u024F][\w’'-]*$")
_CLOSED = re.compile(r",\s+(?=[a-z])")

# the name before a span's start: (start, end, entity) or None — given by roles.py, which
# knows the mentions and the people of the text
NameBefore = Callable[[int], tuple[int, int, str | None] | None]
# whether a span overlaps a mention (by bisection, boundaries.Covered: a text of thousands of
# parentheses and names asks it once per parenthesis, never every mention)
Overlaps = Callable[[int, int], bool]


@dataclass(frozen=True)
class Aside:
    """A role found aside: the claim's span, the person's, the title phrase as written."""

    start: int
    end: int
    person_start: int
    person_end: int
    phrase: str
    entity: str | None


def _title(phrase: str) -> bool:
    """Whether a phrase is a title: with an article or an owner, its title words (cut before no
    clause: the whole phrase); without, a head among its first words."""
    if _ARTICLED.match(phrase):
        return shapes.apposition_title(phrase) == phrase
    return shapes.headed(phrase)


def parenthesised(text: str, mentioned: Overlaps, name_before: NameBefore,
                  people: Iterable[tuple[int, int, str | None]]) -> list[Aside]:
    """Titles in parentheses after a name, and names in parentheses after a title
    (``people``: the spans and entities of the people the text names; ``mentioned``: whether a
    span overlaps a mention)."""
    if " (" not in text:
        return []  # the cheap test first
    named = {(s, e): entity for s, e, entity in people}
    found: list[Aside] = []
    for p in _PAREN.finditer(text):
        inner, at = p.group(1), p.start()
        name = name_before(at)
        if name is not None and _title(inner):
            found.append(Aside(name[0], p.end(), name[0], name[1], inner, name[2]))
            continue
        span = (p.start(1), p.end(1))
        if span not in named and (not _NAME.fullmatch(inner) or not shapes.is_name(inner) or mentioned(*span)):
            continue
        before = _TITLE_BEFORE.search(text, max(0, at - 90), at)
        if before is None or shapes.apposition_title(before.group(1)) is None:
            continue
        found.append(Aside(before.start(1), p.end(), span[0], span[1], before.group(1), named.get(span)))
    return found


def one_word_before(text: str, at: int, phrase_end: int, mentioned: Overlaps) -> tuple[int, int] | None:
    """The span of one capitalised word that ends at ``at`` (the apposition's comma), when the
    apposition, ending at ``phrase_end``, closes the subject (see the module docstring)."""
    closed = _CLOSED.match(text, phrase_end)
    if closed is None or not speech_words().verbs.match(text, closed.end()):
        return None
    word = _ONE_WORD.search(text, max(0, at - 40), at)
    if word is None:
        return None
    start = word.start()
    w = shapes.words()
    low = word.group().casefold()
    if low in w.lead_not_names or not shapes.is_name(word.group()) or mentioned(start, at):
        return None
    if _INNER_CAPITAL.search(word.group()) and not word.group().startswith(_glued_prefixes()):
        return None  # "SoftBank, its largest investor": a brand
    return start, at


_INNER_CAPITAL = re.compile(r"[a-z][A-Z]")


@cache
def _glued_prefixes() -> tuple[str, ...]:
    return tuple(sorted(lexicon("en").words("glued_name_prefixes")))
