"""Which writing system a name is in (ISO 15924 codes), from the Unicode names of its letters.

Needed to tag labels (Latn/Cyrl/Arab…) and to know when a comparison must fall back to a
consonant skeleton (abjads write few vowels). ``unicodedata`` is enough: no library needed.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import lru_cache

_PREFIXES = {
    "LATIN": "Latn",
    "CYRILLIC": "Cyrl",
    "ARABIC": "Arab",
    "HEBREW": "Hebr",
    "GREEK": "Grek",
    "DEVANAGARI": "Deva",
    "CJK": "Hani",
    "HIRAGANA": "Jpan",
    "KATAKANA": "Jpan",
    "HANGUL": "Hang",
    "GEORGIAN": "Geor",
    "ARMENIAN": "Armn",
    "THAI": "Thai",
    "BENGALI": "Beng",
    "GURMUKHI": "Guru",
    "TAMIL": "Taml",
    "SYRIAC": "Syrc",
}

# Scripts whose romanisation loses vowels: abjads write few, and Brahmic scripts' inherent
# vowel is dropped by transliteration — names in them are compared by consonant skeleton.
ABJADS = frozenset({"Arab", "Hebr", "Syrc", "Deva", "Beng", "Guru", "Taml"})


@lru_cache(maxsize=4096)
def script_of_char(ch: str) -> str | None:
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return None
    return _PREFIXES.get(name.split(" ", 1)[0])


def script_of(text: str) -> str | None:
    """The script of most letters in ``text`` (None if it has no letters)."""
    counts = Counter(s for ch in text if ch.isalpha() and (s := script_of_char(ch)))
    if not counts:
        return None
    return counts.most_common(1)[0][0]
