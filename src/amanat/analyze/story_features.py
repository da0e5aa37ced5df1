"""What grouping compares: a document's salient features, its wire credit and a sketch of its
text. Pure.

Features are strings with a kind prefix, each with the weight of its kind: ``e:`` a linked
entity id (the same in every language), ``n:`` a capitalised name the base does not know, by
consonant skeleton after transliteration (so "Токаев" and "Tokayev" meet), ``w:`` a content
word of the headline or lead, ``#:`` a number of 100 or more that is not a year, ``d:`` a
day and month (MM-DD). The weights, word lists, month names and wires are data
(``data/stories.json``).
"""

from __future__ import annotations

import json
import math
import re
import zlib
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from anyascii import anyascii

from amanat.kb.names import skeleton
from amanat.model import Claim, Mention

DATA = Path(__file__).parent / "data" / "stories.json"
ENTITY_KINDS = ("person", "organization", "place", "position")
MAX_FEATURE = 200  # characters; the store keeps features in a 255-character column


@dataclass(frozen=True)
class StoryInput:
    """What grouping sees of one document (like ``check.DocumentView``, plus headline,
    canonical URL and content hash)."""

    id: str
    text: str
    title: str | None = None
    published: date | None = None
    source: str = ""
    language: str | None = None
    content_hash: str = ""
    url: str = ""  # canonical URL: versions of one article are one report
    mentions: tuple[Mention, ...] = ()
    claims: tuple[Claim, ...] = ()


@dataclass(frozen=True)
class Wire:
    name: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Settings:
    """Thresholds, weights, wires and word lists, from ``data/stories.json``."""

    thresholds: dict[str, Any]
    wires: tuple[Wire, ...]
    wire_window: int
    stopwords: frozenset[str]
    months: dict[str, int]

    def __getitem__(self, name: str) -> Any:
        return self.thresholds[name]

    @classmethod
    def load(cls, path: Path = DATA, **overrides: Any) -> Settings:
        data = json.loads(path.read_text(encoding="utf-8"))
        wires = tuple(Wire(w["name"], tuple(re.compile(p, re.I) for p in w["patterns"])) for w in data["wires"])
        stop = frozenset(w for words in data["stopwords"].values() for w in words)
        return cls({**data["thresholds"], **overrides}, wires, data["wire_window_chars"], stop, data["month_names"])


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    return Settings.load()


# --- features ---------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# a capitalised word not at the start of a sentence or line: a name the base may not know
_NAME = re.compile(r"(?<![.!?]\s)(?<![.!?]\s[\"“«(])(?<!^)\b[A-ZА-ЯЁ][a-zа-яё]+(?:-[A-ZА-ЯЁa-zа-яё]+)?", re.M)
# a day next to a word; the word is then looked up in the month names of the data file
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([^\W\d_]{3,9})\b")
_MONTH_DAY = re.compile(r"\b([^\W\d_]{3,9})\.?\s+(\d{1,2})\b")
_POSSESSIVE = re.compile(r"['’]s$")
_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:[, \u00a0\u202f]\d{3})+(?:\.\d+)?(?![\w])|(?<![\w.,])\d+(?:\.\d+)?(?![\w])")


def features(doc: StoryInput, settings: Settings) -> dict[str, float]:
    """The document's salient features, each with the weight of its kind."""
    weights = settings["weights"]
    found: dict[str, float] = {}

    def put(feature: str, kind: str) -> None:
        if len(feature) > MAX_FEATURE:  # a run of letters no headline word is this long
            return
        found[feature] = max(found.get(feature, 0.0), weights[kind])

    linked: set[tuple[int, int]] = set()
    linked_words: set[str] = set()  # a linked name is its entity, not also a word
    for m in doc.mentions:
        entity = m.holder if m.kind == "position" and m.holder else m.entity_id
        if entity and m.kind in ENTITY_KINDS:
            put("e:" + entity, "entity")
            linked.add((m.start, m.end))
            linked_words.update(_POSSESSIVE.sub("", w.lower()).replace("’", "'").strip("'-")
                                for w in _WORD.findall(m.text))
    minimum = settings["min_word_length"]
    for kind, text in (("title", doc.title or ""), ("lead", doc.text[: settings["lead_chars"]])):
        for w in _WORD.findall(text):
            word = _POSSESSIVE.sub("", w.lower()).replace("’", "'").strip("'-")
            if len(word) >= minimum and word not in settings.stopwords and word not in linked_words:
                put("w:" + word, kind)
    spans = sorted(linked)
    for hit in _NAME.finditer(doc.text):
        if _inside(spans, hit.start()) or hit.group().lower() in settings.stopwords:
            continue
        key = skeleton(anyascii(hit.group()).lower())
        if len(key) >= 3:
            put("n:" + key, "name")
    for value in _numbers(doc.text):
        put("#:" + value, "number")
    for c in doc.claims:
        if c.type == "figure" and isinstance(c.fields.get("value"), int | float) and c.fields["value"] >= 100:
            put("#:" + _number_key(float(c.fields["value"])), "number")
        if c.type == "event" and c.fields.get("date") and c.fields.get("precision") == "day":
            put("d:" + str(c.fields["date"])[5:10], "date")
    for month_day in _dates(doc.text, settings.months):
        put("d:" + month_day, "date")
    return found


def _inside(spans: list[tuple[int, int]], offset: int) -> bool:
    """Whether ``offset`` falls in one of the sorted, non-overlapping ``spans``."""
    n = bisect_right(spans, (offset, math.inf)) - 1
    return n >= 0 and spans[n][0] <= offset < spans[n][1]


def _number_key(value: float) -> str:
    return f"{value:g}"


def _numbers(text: str) -> set[str]:
    """Numbers of 100 and more (not years), whatever their digit grouping."""
    found = set()
    for m in _NUMBER.finditer(text):
        raw = re.sub(r"[, \u00a0\u202f]", "", m.group())
        try:
            value = float(raw)
        except ValueError:
            continue
        if value >= 100 and not (1900 <= value <= 2100 and "." not in raw):
            found.add(_number_key(value))
    return found


def _dates(text: str, months: dict[str, int]) -> set[str]:
    """Day-and-month dates ("9 May", "May 9", "9 мая") as MM-DD."""
    found = set()
    for pattern, day_first in ((_DAY_MONTH, True), (_MONTH_DAY, False)):
        for m in pattern.finditer(text):
            day, month = (m.group(1), m.group(2)) if day_first else (m.group(2), m.group(1))
            number = months.get(month.lower())
            if number and 1 <= int(day) <= 31:
                found.add(f"{number:02d}-{int(day):02d}")
    return found


def wire_of(text: str, settings: Settings) -> str | None:
    """The wire a text credits in its first or last lines ("(Reuters) -", "Kazinform")."""
    window = settings.wire_window
    ends = (text[:window], text[-window:])
    for wire in settings.wires:
        if any(p.search(part) for p in wire.patterns for part in ends):
            return wire.name
    return None


def sketch(text: str, settings: Settings) -> tuple[int, ...]:
    """A bottom-k MinHash sketch of the text's word shingles (crc32: stable across runs)."""
    words = [w.lower() for w in _WORD.findall(text)]
    n = settings["shingle_words"]
    grams = {" ".join(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}
    hashes = sorted({zlib.crc32(g.encode("utf-8")) for g in grams if g})
    return tuple(hashes[: settings["sketch_size"]])


def resemblance(a: tuple[int, ...], b: tuple[int, ...], k: int) -> float:
    """Jaccard estimate of two bottom-k sketches."""
    if not a or not b:
        return 0.0
    union = sorted(set(a) | set(b))[:k]
    both = set(a) & set(b)
    return sum(1 for h in union if h in both) / len(union)
