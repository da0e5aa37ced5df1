"""Numbers as news writes them: "4,300", "4 300", "150,5 млн", "2.5 thousand", "$30m",
"twenty-one", "two hundred", "a dozen", "۱۵۰۰". Pure.

Written here rather than taken from a library: the issue measured quantulum3 at ~6
documents/s (and it misreads "$1.5 billion"), Recognizers-Text at ~2 documents/s, and
text2num rewrites the text instead of giving spans. What figures need is narrow — one
compiled pattern per language that finds a number with its optional scale word, and a parse
of the match — so the words (number words, scales, separators) are lexicon data
(``kb/data/lexicon/<lang>/numbers.json``) and the code only composes them.

A number glued to letters, hyphens, slashes or colons ("3rd", "T-72", "COVID-19", "3-1",
"10:30", "G-6/3") is not matched: such tokens are ordinals, model names, scores and times,
never figures.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from amanat.analyze.claims.tries import NEVER, alternation
from amanat.analyze.claims.triggers import matches
from amanat.kb.lexicon import lexicon

_SPACES = " \u00a0\u202f"

# Urdu in Arabic script reads the Arabic-script word lists (kb/data/lexicon/ar/), which hold
# both languages' words: numbers, dates and figure words share the script and most signs.
SHARED_LEXICON = {"ur": "ar"}


def lexicon_language(language: str) -> str:
    """The lexicon folder whose word lists serve ``language``."""
    return SHARED_LEXICON.get(language, language)


@dataclass(frozen=True)
class Number:
    """One number found in a text: ``text[start:end]``, its value, and how it was written."""

    start: int
    end: int
    value: float | int
    in_words: bool  # "eight", "a dozen" — not digits
    scaled: bool  # a scale word or abbreviation followed ("2.5 thousand", "$30m")
    grouped: bool  # written with a thousands separator ("4,300")


def trie_alternation(words: set[str] | list[str]) -> str:
    """A regex matching any of ``words`` (spaces match any white space), factored by common
    prefixes ("j(?:an(?:uary)?|u(?:ly|ne))"): Python's ``re`` tries a plain alternation's
    branches one by one at every position, a factored one follows one branch per letter."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word.casefold():
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [(r"\s+" if ch == " " else re.escape(ch)) + emit(child) for ch, child in sorted(node.items()) if ch]
        optional = "" in node
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not optional else f"(?:{'|'.join(branches)})"
        if optional:
            body = f"(?:{'|'.join(branches)})?"
        return body

    return emit(trie) or "(?!x)x"


@dataclass(frozen=True)
class NumberGrammar:
    """The number pattern of one language, compiled once."""

    language: str
    pattern: re.Pattern[str]
    words: dict[str, float]
    multipliers: dict[str, float]
    scales: dict[str, float]
    grouping: str
    decimal: str
    # where a number in words can start (``triggers.py``): the pattern matches only at a
    # run of digits, or at a word start where this matches; None when a glued prefix ends
    # with a digit (a number could then start inside a run of digits)
    lead: str | None

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[Number]:
        """Every number in ``text[start:end]``, left to right."""
        return self._numbers(self.pattern.finditer(text, start, len(text) if end is None else end))

    def find_at(self, text: str, starts: list[int], start: int, end: int) -> list[Number]:
        """``find(text, start, end)``, the pattern tried only at ``starts`` — the candidates
        of ``triggers.candidates`` for ``lead``, found once for the whole text."""
        if self.lead is None:
            return self.find(text, start, end)
        return self._numbers(matches(self.pattern, text, starts, start, end))

    def _numbers(self, found_matches: Iterable[re.Match[str]]) -> list[Number]:
        found = []
        for m in found_matches:
            value = self.value(m)
            if value is not None:
                digits = m.group("digits")
                grouped = bool(digits) and any(sep in digits for sep in self._separators() + "٬")
                found.append(Number(m.start(), m.end(), value, digits is None, _scale(m) is not None, grouped))
        return found

    def _separators(self) -> str:
        return _SPACES if self.grouping == " " else self.grouping

    def value(self, m: re.Match[str]) -> float | int | None:
        """The value of one match of ``pattern``."""
        digits, words, scale = m.group("digits"), m.groupdict().get("words"), _scale(m)
        if digits is not None:
            raw = "".join(ch for ch in digits if ch not in self._separators() and ch != "٬")
            raw = raw.replace(self.decimal, ".").replace("٫", ".")
            try:
                value: float = float(raw)
            except ValueError:
                return None
        else:
            words_value = self._words_value(words or "")
            if words_value is None:
                return None
            value = words_value
        if scale is not None:
            value *= self.scales[re.sub(r"\s+", " ", scale.casefold())]
        if not math.isfinite(value):
            return None  # hundreds of digits: no number a figure could hold
        value = round(value, 6)
        return int(value) if value == int(value) else value

    def _words_value(self, words: str) -> float | None:
        """"two hundred and fifty" → 250, "twenty-one" → 21, "three thousand" → 3000."""
        total, current = 0.0, 0.0
        tokens = re.findall(r"[^\s-]+", words.casefold())
        i = 0
        while i < len(tokens):
            token = tokens[i]
            phrase = next((k for k in range(min(4, len(tokens) - i), 1, -1)
                           if " ".join(tokens[i:i + k]) in self.words), 0)
            if phrase:  # "a dozen", "half a million"
                current += self.words[" ".join(tokens[i:i + phrase])]
                i += phrase
                continue
            if token in self.words:
                current += self.words[token]
            elif token in self.multipliers:
                factor = self.multipliers[token]
                if factor >= 1000:
                    total += max(current, 1) * factor
                    current = 0
                else:
                    current = max(current, 1) * factor
            elif token != "and":
                return None
            i += 1
        return total + current


@cache
def grammar(language: str) -> NumberGrammar:
    """The number grammar of ``language`` (digits only when it has no number lexicon)."""
    lex = lexicon(lexicon_language(language))
    words = {k.casefold(): float(v) for k, v in lex.mapping("number_words").items()}
    multipliers = {k.casefold(): float(v) for k, v in lex.mapping("number_multipliers").items()}
    scales = {k.casefold(): float(v) for k, v in lex.mapping("number_scales").items()}
    grouping = str(lex.entries.get("number_grouping", ","))
    decimal = str(lex.entries.get("number_decimal", "."))
    sep = f"[{_SPACES}]" if grouping == " " else re.escape(grouping) + "|٬"
    digits = (rf"\d{{1,3}}(?:(?:{sep})\d{{3}})+(?:(?:{re.escape(decimal)}|٫)\d+)?"
              rf"|\d+(?:(?:{re.escape(decimal)}|٫)\d+)?")
    parts = [rf"(?P<digits>{digits})"]
    if words:
        word = trie_alternation(list(words))
        unit = f"(?:{word}|{trie_alternation(list(multipliers))})" if multipliers else f"(?:{word})"
        parts.append(rf"(?P<words>\b(?:{word})(?:(?:[\s-]+|\s+and\s+){unit}\b)*)")
    # long scale words may stand after a space; short abbreviations (m, bn, k) only glued on
    long_scales = [s for s in scales if len(s) > 3 or not s.isascii()]
    short_scales = [s for s in scales if s not in long_scales]
    scale = []
    if long_scales:
        scale.append(rf"[{_SPACES}]*(?P<scale>{alternation(long_scales)})(?![\w])")
    if short_scales:
        scale.append(rf"(?P<short>{alternation(short_scales)})(?![\w])")
    scale_re = "|".join(scale)
    glued_after = "".join(f"(?={re.escape(p)}(?!\\w))|" for p in lex.entries.get("number_glued_suffixes", []))
    # a number starts with a digit or the first letter of a number word, after no letter,
    # digit or joiner — or glued to a prefix ("Rs2"). The common case is tried first and alone:
    # each lookbehind tried at every position costs (the prefixes' ones doubled the scan).
    # A prefix ending in a letter can only glue digits: a number word after it has no \b.
    starts = "".join(sorted({re.escape(w[0]) for w in words}))
    prefixes = [str(p) for p in lex.entries.get("number_glued_prefixes", [])]
    to_digits = "|".join(rf"(?<={re.escape(p)})" for p in prefixes if re.fullmatch(r".*\w", p))
    to_any = "|".join(rf"(?<={re.escape(p)})" for p in prefixes if not re.fullmatch(r".*\w", p))
    glued = (rf"|(?=\d)(?:{to_digits})" if to_digits else "") + (rf"|(?=[\d{starts}])(?:{to_any})" if to_any else "")
    pattern = (rf"(?:(?<![\w.,/+#№:\-])(?=[\d{starts}]){glued})(?:{'|'.join(parts)})"
               + (rf"(?:{scale_re})?" if scale_re else "")
               + rf"(?:{glued_after}(?![\w/:]|-\w|[.,٫]\d))")
    lead = None if any(re.fullmatch(r".*\d", p) for p in prefixes) else f"(?:{word})" if words else NEVER
    return NumberGrammar(language, re.compile(pattern, re.I), words, multipliers, scales, grouping, decimal, lead)


def _scale(m: re.Match[str]) -> str | None:
    """The scale word of a match: a long one after a space or a short one glued on."""
    groups = m.groupdict()
    return groups.get("scale") or groups.get("short")
