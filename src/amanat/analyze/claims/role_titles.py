"""A title written right before a name ("Kazakhstan's Minister of Trade and Integration Serik
Zhumangarin", "The late Sen. John McCain"): where it starts, read backwards over title words,
joiners, possessives and capitalised words; the capitalised runs it may stand before; and a
mention whose run swallowed its title ("WeWork CEO Adam Neumann"). Pure; used by roles.py,
which also reads the titles written after a name, in apposition.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from functools import cache

from amanat.analyze.claims import Context
from amanat.analyze.claims import role_shapes as shapes
from amanat.analyze.claims.role_shapes import title_part
from amanat.kb.lexicon import lexicon
from amanat.model import Mention

CAP = r"[A-Z\u00C0-\u00DE][\w’'-]*"
NAME_RUN = re.compile(rf"{CAP}(?:\s+(?:(?:bin|ibn|al|de|van|von|ul|of)\s+)?{CAP}){{0,4}}$")


@cache
def title_words() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Title heads, title modifiers and markers, as sets built once."""
    lex = lexicon("en")
    heads = lex.words("speaker_title_heads") | lex.words("occupation_titles") | lex.words("title_abbreviations")
    return heads, lex.words("title_modifiers"), frozenset(lex.mapping("markers")) | lex.words("former_words")


@cache
def _abbreviations() -> frozenset[str]:
    return lexicon("en").words("title_abbreviations") | lexicon("en").words("honorifics")


_INITIALS = re.compile(r"(?:[A-Za-z]\.){2,}|[A-Z]\.")


def _head_word(word: str) -> str:
    """The folded word a title head is looked up by: the last part of a hyphenated word
    ("Secretary-General" → "general", "Ex-footballer" → "footballer"), the part before a title
    suffix ("President-elect" → "president"), without its full stop."""
    return title_part(word.casefold().rstrip(".")).split("-")[-1].rstrip(".")


_TOKEN_RE = re.compile(r"\S+")
_CAP_WORD = re.compile(CAP)
_RUN_PARTICLES = frozenset({"bin", "ibn", "al", "de", "van", "von", "ul", "of"})


def cap_run_before(text: str, end: int) -> int | None:
    """Where a run of two to five capitalised words (particles between them) ending at ``end``
    starts: read backwards over the words of a short window, not by a regex anchored at the
    end, which would be tried at every position of the window."""
    tokens = list(_TOKEN_RE.finditer(text, max(0, end - 80), end))
    if not tokens or tokens[-1].end() != end:
        return None
    start, count, k = None, 0, len(tokens) - 1
    while k >= 0 and count < 5:
        word = tokens[k].group()
        if _CAP_WORD.fullmatch(word):
            start, count = tokens[k].start(), count + 1
            k -= 1
        elif word in _RUN_PARTICLES and count and k > 0 and _CAP_WORD.fullmatch(tokens[k - 1].group()):
            k -= 1
        else:
            break
    return start if count >= 2 else None


_WORD = re.compile(r"[\w’'.-]+")


def title_before(context: Context, at: int, owners: set[int]) -> int | None:
    """Where a title written right before a name starts ("Kazakhstan's Minister of Trade and
    Integration |Serik Zhumangarin"; ``owners``: where place and organisation mentions start),
    read backwards over title words, joiners, possessives and
    capitalised words; capitalised words that are none of these do not start it ("Monday")."""
    heads, modifiers, markers = title_words()
    abbreviations = _abbreviations()
    # the cheap test first: the word right before the name (most names follow no title word),
    # when it is a plain word found with string methods
    text = context.text
    seg = text[max(0, at - 120):at - 1] if at >= 2 and text[at - 1] == " " else ""
    if not seg or seg[-1].isspace():
        return None
    last = seg.rsplit(None, 1)[-1]
    if len(last) < len(seg) and _WORD.fullmatch(last):
        low = _head_word(last)
        if last.endswith(".") and low not in abbreviations and not _INITIALS.fullmatch(last):
            return None
        if not (low in heads or low in modifiers or last.casefold().split("-")[0] in markers or last[0].isupper()):
            return None
    words = list(_WORD.finditer(context.text, max(0, at - 120), at))
    if not words or words[-1].end() != at - 1 or context.text[words[-1].end():at] != " ":
        return None
    k = len(words)
    while k:
        w = words[k - 1].group()
        low = _head_word(w)
        if w.endswith(".") and low not in abbreviations and not _INITIALS.fullmatch(w):
            break  # a sentence ends there ("… the Vietnam War. The late Sen. John McCain")
        if low in heads or low in modifiers or w.casefold().split("-")[0] in markers or w[0].isupper() \
                or (low in ("of", "and", "for", "the", "to") and k < len(words)):
            if k < len(words) and context.text[words[k - 1].end():words[k].start()] != " ":
                break
            k -= 1
            continue
        break
    chosen = words[k:]
    # the title starts at its first title word, possessive or mentioned owner
    def starts(m: re.Match[str]) -> bool:
        w = m.group().casefold()
        return (_head_word(w) in heads or w in modifiers or w.split("-")[0] in markers or w.endswith(("'s", "’s"))
                or m.start() in owners)
    while chosen and not starts(chosen[0]):
        chosen = chosen[1:]
    if not chosen or not any(_head_word(m.group()) in heads for m in chosen):
        return None
    if chosen[-1].group().casefold() in ("of", "and", "for", "the", "to"):
        return None
    return chosen[0].start()


# any word before a run of capitalised words; the word is checked against the title words
# in Python (a case-insensitive alternation of them at every position costs 30x more)
# the word before is found in Python: a pattern that starts with a word is tried at every
# letter of the text; one that starts with a space before a capital is found by a fast scan
_TITLED_NAME = re.compile(rf" (?=[A-Z\u00C0-\u00DE])(?<=[\w-] )(?=({CAP}(?:\s+(?:(?:bin|ibn|al|de|van|von|ul)\s+)?{CAP}){{1,3}})"
                          r"(?:[\s,.;:)]|['’]s\b|$))")


_WORD_SUFFIX = re.compile(r"[\w-]+$")


def titled_runs(text: str) -> Iterator[tuple[str, int, int]]:
    """Each run of two to four capitalised words with the word right before it (case-folded):
    where a title may stand before a name ("… Integration Minister |Serik Zhumangarin")."""
    for sp in _TITLED_NAME.finditer(text):
        at = sp.start()
        token = text[text.rfind(" ", max(0, at - 40), at) + 1:at]
        if "\n" in token:
            token = token.rsplit("\n", 1)[-1]
        if not token.replace("-", "").replace("_", "").isalnum():  # the cheap test first: a plain word
            word = _WORD_SUFFIX.search(token)
            if word is None or (word.start() and token[word.start() - 1] in "’'"):
                continue
            token = word.group()
        yield token.casefold(), sp.start(1), sp.end(1)


_NAME_STOP = re.compile(r"\n|['’]s\b")


def name_end(run: str) -> int:
    """Where a capitalised run stops being one name: at a line break or a possessive."""
    stop = _NAME_STOP.search(run)
    return stop.start() if stop else len(run)


def without_title(text: str, m: Mention) -> Mention:
    """A person mention whose run swallowed its title ("WeWork CEO Adam Neumann", when the
    mention analysis knows "CEO" as no title word) keeps only the name after the title; the
    title is then read before it like any other. So does an organisation mention that is a
    title and a name ("Senate Majority Leader Mitch McConnell"): the name becomes a person, and
    a person mention whose first word is a title joined to a suffix or a marker by a hyphen
    ("Minister-designate Omar Said", the rest of the title read as the mention's own)."""
    first = m.text.split(" ", 1)[0]
    if m.kind == "person" and "-" in first and m.text.count(" ") >= 2 and shapes.is_head(first) \
            and title_part(first.casefold()) != first.casefold():
        start = m.start + len(first) + len(m.text[len(first):]) - len(m.text[len(first):].lstrip())
        return replace(m, start=start, text=text[start:m.end], entity_id=None, role=None, role_start=None,
                       role_end=None, marker=None)
    if m.kind not in ("person", "organization") or m.role is not None or m.text.count(" ") < 2:
        return m
    words = list(_TOKEN_RE.finditer(m.text))
    last = max((k for k, w in enumerate(words[:-1]) if shapes.is_head(w.group())), default=-1)
    if last < 0 or len(words) - last - 1 < 2:
        return m
    start = m.start + words[last + 1].start()
    if m.kind == "organization":
        # "Senate Majority Leader Mitch McConnell" read as one organisation: a title head, then
        # a person's name of two words or more ("… Leader of the House" stays an organisation)
        name = text[start:m.end]
        if not NAME_RUN.fullmatch(name) or " of " in name or not shapes.is_name(name):
            return m
        return replace(m, kind="person", start=start, text=name, entity_id=None)
    return replace(m, start=start, text=text[start:m.end], entity_id=None)
