"""The word classes of figures in one language — qualifiers, currencies, percent signs, measure
cues, the words that make a number something else — compiled once from the lexicon
(``kb/data/lexicon/<lang>/figures.json``; Urdu reads the Arabic-script files), and the key a
phrase as written is looked up by. Pure; used by figures.py and figure_measures.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from amanat.analyze.claims.numbers import NumberGrammar, lexicon_language
from amanat.analyze.claims.numbers import grammar as number_grammar
from amanat.analyze.claims.tries import phrase_trie
from amanat.analyze.claims.triggers import case_sensitive, folded
from amanat.kb.lexicon import lexicon

_ARABIC_MARKS = "[\u064b-\u0652\u0670]*"
_NO_LETTER = r"(?![^\W\d_])"  # not followed by a letter (a digit may follow: "Rs2", "$30m")
_SPACES = re.compile(r"\s+")
_MARKS = re.compile(r"[\u064b-\u0652\u0670]")


def _char(ch: str) -> str:
    """One letter of a lexicon phrase: a space matches any white space, an Arabic letter may
    carry short vowel marks."""
    return (re.escape(ch) + _ARABIC_MARKS) if "\u0600" <= ch <= "\u06ff" else (r"\s+" if ch == " " else re.escape(ch))


def _alt(words: Any, before: str = r"(?<!\w)", after: str = r"(?!\w)") -> str:
    """An alternation of lexicon phrases, longest first: spaces match any white space, and
    Arabic letters may carry short vowel marks (قُتل matches قتل). Factored by prefixes
    (``tries.py``) when it can be: these patterns run around every number."""
    phrases = {str(w) for w in words}
    if not any(_MARKS.search(w) for w in phrases):  # a written mark would make two branches match alike
        trie = phrase_trie(phrases, fold=True, piece=_char, before=lambda ch: before if ch.isalnum() else "",
                           after=lambda ch: after if ch.isalnum() else "")
        if trie is not None:
            return trie
    out = []
    for w in sorted({str(w) for w in words}, key=len, reverse=True):
        pattern = "".join(
            (re.escape(ch) + _ARABIC_MARKS) if "\u0600" <= ch <= "\u06ff" else (r"\s+" if ch == " " else re.escape(ch))
            for ch in w)
        edge_before = before if w[0].isalnum() else ""
        edge_after = after if w[-1].isalnum() else ""
        out.append(f"{edge_before}{pattern}{edge_after}")
    return "|".join(out) or "(?!x)x"


@lru_cache(maxsize=4096)
def word_key(text: str) -> str:
    """A lexicon key of a phrase as written (case-folded, spaces as one, no short vowel marks):
    remembered, since the same cue, currency and unit words come back in every article."""
    return _MARKS.sub("", _SPACES.sub(" ", text.casefold())).strip()


@dataclass(frozen=True)
class FigureGrammar:
    """The word classes of figures in one language, compiled once."""

    numbers: NumberGrammar
    qualifier: re.Pattern[str]  # a qualifier ending where a number (or its currency) starts
    qualifier_after: re.Pattern[str]  # a qualifier right after the number: "a million or more"
    partitive: re.Pattern[str]  # "five of the 10 Democrats": the whole a part is counted from
    currency_before: re.Pattern[str]
    currency_after: re.Pattern[str]
    percent: re.Pattern[str]
    cue: re.Pattern[str]
    inherit_before: re.Pattern[str]
    inherit_start: re.Pattern[str]  # an elaborating parenthetical begins: ", including …"
    inherit_after: re.Pattern[str]
    not_after: re.Pattern[str]
    # cue, qualifier and currency_before compiled case-sensitively, to read the text in lower
    # case (``triggers.folded``) — several times cheaper; None when a word forbids it
    folded: tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]] | None
    words: dict[str, Any]  # the lexicon mappings by key, case-folded
    sets: dict[str, frozenset[str]]
    plural_check: bool
    adjective_endings: tuple[str, ...]


@dataclass(frozen=True)
class Reader:
    """What the measure words are looked for in: the text in lower case with case-sensitive
    patterns when it can be (``triggers.folded``), else the text with the ``re.I`` ones.
    Spans are the same in both; the words themselves are read from the text."""

    text: str
    cue: re.Pattern[str]
    qualifier: re.Pattern[str]
    currency_before: re.Pattern[str]


def reader(g: FigureGrammar, text: str) -> Reader:
    low = folded(text) if g.folded is not None else None
    if low is not None and g.folded is not None:
        return Reader(low, *g.folded)
    return Reader(text, g.cue, g.qualifier, g.currency_before)


def _sensitive(cue: re.Pattern[str], qualifier: re.Pattern[str],
               currency_before: re.Pattern[str]) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]] | None:
    a, b, c = case_sensitive(cue), case_sensitive(qualifier), case_sensitive(currency_before)
    return (a, b, c) if a is not None and b is not None and c is not None else None


@cache
def grammar(language: str) -> FigureGrammar:
    lex = lexicon(lexicon_language(language))
    e = lex.entries
    qualifiers = lex.mapping("figure_qualifiers")
    qualifiers_after = lex.mapping("figure_qualifiers_after")
    before_cur, after_cur = lex.mapping("figure_currencies_before"), lex.mapping("figure_currencies_after")
    cues = lex.mapping("figure_cues")
    sets = {key: lex.words(key) for key in (
        "figure_time_units", "figure_label_words", "figure_place_words", "figure_function_words",
        "figure_skip_words", "figure_plural_nouns", "figure_singular_units", "figure_determiners",
        "figure_count_units", "figure_link_words", "figure_partitive_words", "figure_conjunctions")}
    sets["cue_words"] = frozenset(word_key(c) for c in cues)
    words = {"qualifiers": {word_key(k): v for k, v in {**qualifiers, **qualifiers_after}.items()},
             "currencies": {word_key(k): v for k, v in {**before_cur, **after_cur}.items()},
             "cues": {word_key(k): v for k, v in cues.items()},
             "units": {word_key(k): v for k, v in lex.mapping("figure_unit_measures").items()}}
    cue = re.compile(_alt(cues), re.I)
    qualifier = re.compile(rf"(?:{_alt(qualifiers)})\s*$", re.I)
    currency_before = re.compile(rf"(?:{_alt(before_cur, after=_NO_LETTER)})\s*$", re.I)
    return FigureGrammar(
        numbers=number_grammar(language),
        qualifier=qualifier,
        qualifier_after=re.compile(rf"\s*(?:{_alt(qualifiers_after)})", re.I),
        partitive=re.compile(rf"\s+of\s+(?:{_alt(e.get('figure_partitive_determiners', []))})\s+", re.I),
        currency_before=currency_before,
        currency_after=re.compile(rf"\s*(?:{_alt(after_cur, before='')})", re.I),
        percent=re.compile(rf"\s*(?:{_alt(e.get('figure_percent', []), before='')})", re.I),
        cue=cue,
        inherit_before=re.compile(rf"(?:{_alt(e.get('figure_inherit_before', []))})\s*$", re.I),
        inherit_start=re.compile(rf"\s*(?:{_alt(e.get('figure_inherit_before', []))})", re.I),
        inherit_after=re.compile(rf"\s*(?:{_alt(e.get('figure_inherit_after', []))})", re.I),
        not_after=re.compile(rf"\s*(?:{_alt(e.get('figure_not_after', []), after=_NO_LETTER)})", re.I),
        folded=_sensitive(cue, qualifier, currency_before), words=words, sets=sets, plural_check=bool(e.get("figure_plural_check")),
        adjective_endings=tuple(str(x) for x in e.get("figure_adjective_endings", [])),
    )
