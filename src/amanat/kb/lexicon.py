"""Word lists as data: one lexicon per language, read from ``kb/data/lexicon/<lang>/*.json``.

Analysis needs closed classes of words — title markers, demonyms, title and organisation
words, figure qualifiers, measure words, speech verbs, number words. They live in data files,
one folder per language and one file per topic, so adding a language (or a word) touches no
code, and two topics never edit the same file. Every file is a JSON object; a key starting
with ``_`` is a comment. Keys of different files of one language must not collide.

Pure and cached: the files ship inside the package and are read once per process.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from amanat.errors import InputError


@dataclass(frozen=True)
class Lexicon:
    """The word lists of one language, by topic key."""

    language: str
    entries: dict[str, Any]

    def words(self, key: str) -> frozenset[str]:
        """A list (or the keys of a mapping) as a set of case-folded words."""
        value = self.entries.get(key, ())
        return frozenset(str(w).casefold() for w in value)

    def mapping(self, key: str) -> dict[str, Any]:
        value = self.entries.get(key, {})
        if not isinstance(value, dict):
            raise InputError(f"lexicon {self.language}: {key} is not a mapping")
        return value

    def table(self, key: str) -> dict[str, tuple[str, ...]]:
        """A mapping of words to lists of words (a country to its demonyms), case-folded on
        both sides, so that one table can serve every analyser that needs it."""
        value = self.mapping(key)
        out: dict[str, tuple[str, ...]] = {}
        for word, words in value.items():
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise InputError(f"lexicon {self.language}: {key}.{word} is not a list of words")
            out[str(word).casefold()] = tuple(w.casefold() for w in words)
        return out


def languages() -> list[str]:
    """The languages that have a lexicon."""
    root = resources.files("amanat.kb") / "data" / "lexicon"
    return sorted(p.name for p in root.iterdir() if p.is_dir())


@cache
def lexicon(language: str = "en") -> Lexicon:
    """The lexicon of ``language`` (an empty one when there is none)."""
    folder = resources.files("amanat.kb") / "data" / "lexicon" / language
    entries: dict[str, Any] = {}
    if not folder.is_dir():
        return Lexicon(language, entries)
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".json"):
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        for key, value in data.items():
            if key.startswith("_"):
                continue
            if key in entries:
                raise InputError(f"lexicon {language}: {key} is defined twice", where=path.name)
            entries[key] = value
    return Lexicon(language, entries)


@cache
def _marker_re() -> re.Pattern[str]:
    words = sorted(lexicon("en").mapping("markers"), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b[\s-]?", re.I)


def marker_of(role: str | None) -> str | None:
    """The time marker of a title as written ("then-Prime Minister" → then, "former" …)."""
    if not role:
        return None
    m = _marker_re().search(role)
    return lexicon("en").mapping("markers")[m.group(1).casefold()] if m else None
