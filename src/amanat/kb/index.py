"""A lookup structure over a knowledge base for finding and linking mentions in text.

Three parts, each chosen so that the cost per article stays flat as the base grows:

* every alias, normalised (case folded, Latin diacritics dropped, hyphens and runs of
  spaces as one space), as token fingerprints (``packed.AliasAutomaton``): one pass over a
  text finds every known name on word boundaries, whatever the number of aliases; the
  aliases themselves are packed columns (``packed.AliasTable``: ~400 MB less at a million
  aliases than Python records and a character trie, see ``amanat.kb.packed``);
* a ``NameIndex`` over person names for fuzzy matching of spelling variants, which scores
  only the names sharing blocking keys with the query;
* per entity, the offices it held (label words, jurisdiction, interval) for context and date;
* per position, how a text may name it without a person (title words, whose office, "to"
  where) and who held it when (``tenures``), for "the President of Kazakhstan said…".

``normalize`` is shared with mention detection: the same function must produce the keys and
the text they are searched in, and it returns an offset map back to the original text.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import overload

from amanat.kb.lexicon import lexicon
from amanat.kb.model import JURISDICTION, POSITION_HELD, Entity, Interval, KnowledgeBase
from amanat.kb.names import NameIndex, parse_name
from amanat.kb.packed import AliasAutomaton, AliasTable, EntityKinds, release_free_memory
from amanat.kb.tenures import Tenure, merge_tenures

LINKABLE = ("person", "organization", "place")
_DASHES = frozenset("-‐‑‒–—―\u00ad")
_QUOTES = {"’": "'", "‘": "'", "`": "'", "ʼ": "'"}


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    if ch in _DASHES or ch.isspace():
        return " "
    if ch in _QUOTES:
        return _QUOTES[ch]
    decomposed = unicodedata.normalize("NFKD", ch)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c)) or ch
    return kept.casefold()


_SPACE_RUNS = re.compile(" {2,}")  # inside the folded text: kept as one space


class Offsets(Sequence[int]):
    """For each character of a folded text, the index of the original character — stored as
    the few stretches where that index grows one by one (between collapsed runs of spaces),
    not as one integer per character: a text of 5,000 characters has a dozen such stretches,
    and building 5,000 integers cost more than folding the text."""

    __slots__ = ("_length", "_origins", "_starts")

    def __init__(self, starts: list[int], origins: list[int], length: int) -> None:
        self._starts = starts  # folded index where each stretch begins (the first is 0)
        self._origins = origins  # original index of that character
        self._length = length

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, k: int) -> int: ...

    @overload
    def __getitem__(self, k: slice) -> list[int]: ...

    def __getitem__(self, k: int | slice) -> int | list[int]:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(self._length))]
        if k < 0:
            k += self._length
        if not 0 <= k < self._length:
            raise IndexError(k)
        j = bisect_right(self._starts, k) - 1
        return self._origins[j] + k - self._starts[j]


def normalize(text: str) -> tuple[str, Sequence[int]]:
    """Folded text and, for each of its characters, the index of the original character.

    Hand-written rather than ``str.casefold`` on the whole text because the offsets must
    survive characters that expand (ß → ss) or vanish (soft hyphen, collapsed spaces).

    Every document is normalised for the name search, so the common case runs in C: each
    distinct character is folded once and ``str.translate`` folds the whole text; Python
    touches only the runs of spaces, and the offsets are ``Offsets`` stretches. A text with a
    character that expands (… → ..., ß → ss) takes the character loop. Both give the same
    characters and offsets.
    """
    table = {ord(ch): _fold_char(ch) for ch in set(text)}
    expanding = "".join(chr(k) for k, f in table.items() if len(f) != 1)
    if expanding and any(" " in table[ord(ch)] for ch in expanding):
        return _normalize_slow(text)
    folded = text.translate(table)
    lo = len(folded) - len(folded.lstrip(" "))
    hi = len(folded.rstrip(" "))
    cuts = [(m.start() + 1, m.end()) for m in _SPACE_RUNS.finditer(folded, lo, hi)]
    pieces = list(zip([lo] + [end for _, end in cuts], [keep for keep, _ in cuts] + [max(lo, hi)], strict=True))
    out = "".join(folded[a:b] for a, b in pieces)
    if not expanding:
        starts, origins, length = [], [], 0
        for a, b in pieces:
            starts.append(length)
            origins.append(a)
            length += b - a
        return out, Offsets(starts, origins, length)
    # a character that expands (… → ..., ß → ss) repeats its index: a packed array (4 bytes a
    # character, not an int object: a list held 70 MB for a 2 MB text), built in slices
    full = array("I")
    at = 0
    for m in re.finditer(f"[{re.escape(expanding)}]", text):
        i = m.start()
        full.extend(range(at, i))
        full.extend([i] * len(table[ord(text[i])]))
        at = i + 1
    full.extend(range(at, len(text)))
    offsets = array("I")
    for a, b in pieces:
        offsets.extend(full[a:b])
    return out, offsets


def _normalize_slow(text: str) -> tuple[str, Sequence[int]]:
    """``normalize`` one character at a time, for texts with a character that expands."""
    out: list[str] = []
    offsets = array("I")
    space = True  # drop leading spaces and collapse runs
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        if folded == " ":
            if not space:
                out.append(" ")
                offsets.append(i)
            space = True
            continue
        space = False
        for c in folded:
            out.append(c)
            offsets.append(i)
    if out and out[-1] == " ":
        out.pop()
        offsets.pop()
    return "".join(out), offsets


def normalize_key(text: str) -> str:
    return normalize(text)[0]


def is_acronym(alias: str) -> bool:
    """Short all-capital aliases (UN, CSTO, ОДКБ) match only as written, never ``un``/``us``."""
    letters = [c for c in alias if c.isalpha()]
    return 1 < len(letters) <= 6 and all(c.isupper() for c in letters)


@dataclass(frozen=True, slots=True)
class Office:
    """One office an entity held: words that describe it, and when."""

    position_id: str
    label: str
    words: frozenset[str]
    interval: Interval
    acting: bool = False


@dataclass(frozen=True, slots=True)
class PositionEntry:
    """An office as a text may name it: "Minister of Foreign Affairs of Pakistan" is title
    {minister, foreign, affairs}, owners {Pakistan}; "Ambassador of Kazakhstan to Pakistan"
    is title {ambassador}, owners {Kazakhstan}, targets {Pakistan}."""

    position_id: str
    label: str
    title: frozenset[str]
    owners: frozenset[str]  # country or organisation whose office it is
    targets: frozenset[str]  # "to X": where an ambassador or representative is sent


@dataclass
class KBIndex:
    """Aliases, fuzzy person names and offices of a base, ready for ``analyze_mentions``."""

    automaton: AliasAutomaton  # folded alias → alias numbers (``iter``, ``get``)
    aliases: AliasTable  # alias number → ``Alias``
    names: NameIndex
    kinds: EntityKinds  # entity id → kind
    display: dict[str, tuple[str, str | None]]  # entity id → (name, QID)
    offices: dict[str, list[Office]] = field(default_factory=dict)
    surnames: dict[str, tuple[str, ...]] = field(default_factory=dict)  # phonetic last token → ids
    positions: list[PositionEntry] = field(default_factory=list)
    by_owner: dict[str, list[PositionEntry]] = field(default_factory=dict)  # owner id → offices
    tenures: dict[str, list[Tenure]] = field(default_factory=dict)  # position id → holders
    demonyms: dict[str, str] = field(default_factory=dict)  # "kazakh" → the place's id
    by_title_word: dict[str, list[PositionEntry]] | None = None  # for match_positions
    same_office: dict[str, str] = field(default_factory=dict)  # record → the office's id

    @classmethod
    def build(cls, kb: KnowledgeBase, *, transliterate: bool = True) -> KBIndex:
        """Index every linkable entity of ``kb`` (positions are described, not matched)."""
        entities = [e for e in kb.entities.values() if e.kind in LINKABLE]
        index = cls.from_aliases(
            (
                (e.id, e.kind, variant)
                for e in entities
                for name in e.names()
                for variant in ([name, *country_variants(name)] if e.kind == "organization" else [name])
            ),
            transliterate=transliterate,
            display={e.id: (e.name, e.qid) for e in entities},
        )
        index.offices = offices_of(kb)
        index.demonyms = demonyms_of(kb)
        entries = [
            index.position_entry(e.id, name, juris.get(e.id))
            for juris in [_jurisdictions(kb)]
            for e in kb.entities.values()
            if e.kind == "position"
            for name in e.names()
        ]
        index.same_office = same_offices(entries)
        index.positions = [
            replace(p, position_id=index.same_office.get(p.position_id, p.position_id))
            for p in entries
        ]
        by_owner: dict[str, list[PositionEntry]] = defaultdict(list)
        for p in index.positions:
            for owner in p.owners:
                by_owner[owner].append(p)
        index.by_owner = dict(by_owner)
        index.tenures = tenures_of(kb, index.same_office)
        return index

    @classmethod
    def from_aliases(
        cls,
        items: Iterable[tuple[str, str, str]],
        *,
        transliterate: bool = True,
        display: dict[str, tuple[str, str | None]] | None = None,
        fuzzy: bool = True,
    ) -> KBIndex:
        """Index ``(entity_id, kind, alias)`` triples (the benchmark feeds synthetic ones)."""
        automaton = AliasAutomaton()
        aliases = AliasTable()
        names = NameIndex(transliterate=transliterate)
        surnames: dict[str, list[str]] = defaultdict(list)
        for entity_id, kind, text in items:
            key = normalize_key(text)
            if len(key) < 2:
                continue
            automaton.add(key)
            aliases.append(entity_id, text, kind, is_acronym(text))
            if fuzzy and kind == "person":
                # parsed past the cache: a million names would only push out the ones that
                # articles bring back (and hold ~50 MB of parsed names nobody asked for)
                parsed = parse_name.__wrapped__(text, transliterate)
                names.add(text, entity_id, parsed)
                if len(parsed.tokens) >= 2:
                    surnames[parsed.tokens[-1].phonetic].append(entity_id)
        automaton.freeze()
        aliases.freeze()
        names.freeze()
        release_free_memory()
        display = display or {}
        return cls(
            automaton,
            aliases,
            names,
            EntityKinds(aliases),
            display,
            surnames={k: tuple(dict.fromkeys(ids)) for k, ids in surnames.items()},
        )

    def position_entry(
        self, position_id: str, label: str, jurisdiction: str | None
    ) -> PositionEntry:
        """Split an office's label into title words and the places/organisations it names
        (found with the alias automaton; after "to" they are targets, else owners)."""
        norm, kept = self.named_in(label)
        owners: set[str] = {jurisdiction} if jurisdiction else set()
        targets: set[str] = set()
        rest = list(norm)
        for start, end, ids in kept:
            (targets if after_to(norm, start) else owners).update(ids)
            rest[start:end] = " " * (end - start)
        title = frozenset(role_words("".join(rest)))
        return PositionEntry(position_id, label, title, frozenset(owners), frozenset(targets))

    def named_in(self, label: str) -> tuple[str, list[tuple[int, int, frozenset[str]]]]:
        """The folded ``label`` and the places and organisations it names: ``(start, end,
        ids)`` spans of the folded text in text order (the longest kept where they overlap),
        whole words only, an acronym only as written ("UN", not "un")."""
        norm, offsets = normalize(label)
        hits: list[tuple[int, int, frozenset[str]]] = []
        for end_idx, (length, alias_ids) in self.automaton.iter(norm):
            start = end_idx - length + 1
            if (start > 0 and norm[start - 1].isalnum()) or (
                end_idx + 1 < len(norm) and norm[end_idx + 1].isalnum()
            ):
                continue
            written = label[offsets[start] : offsets[end_idx] + 1]
            ids = frozenset(
                a.entity_id
                for a in (self.aliases[i] for i in alias_ids)
                if a.kind in ("place", "organization")
                and (not a.acronym or written.replace(".", "") == a.text.replace(".", ""))
            )
            if ids:
                hits.append((start, end_idx + 1, ids))
        hits.sort(key=lambda h: (h[0] - h[1], h[0]))
        kept: list[tuple[int, int, frozenset[str]]] = []
        for h in hits:
            if not any(h[0] < k[1] and k[0] < h[1] for k in kept):
                kept.append(h)
        kept.sort()
        return norm, kept

    def match_positions(
        self, title: set[str], owners: set[str], targets: set[str]
    ) -> list[PositionEntry]:
        """Offices a phrase names: same owner (and target), every title word of the phrase in
        the office's title and no rank or portfolio word more (``RANK_WORDS``: deputy, vice,
        prime …; ``PORTFOLIO_WORDS``: foreign, finance …); the closest titles only (Jaccard),
        one entry per office.

        With no owner ("the President said") the offices of *any* owner whose title has the
        words are returned: they tell that the base knows such an office, never which one is
        meant, and a caller must not link them (``amanat.analyze.offices`` takes the owner from an
        earlier mention, or reports the phrase as undetermined)."""
        if not title:
            return []
        best = 0.0
        found: dict[str, tuple[float, PositionEntry]] = {}
        if owners:
            pool = list({id(p): p for o in owners for p in self.by_owner.get(o, ())}.values())
        else:
            pool = self._titled(title)
        for p in pool:
            if (owners and not p.owners <= owners) or not title <= p.title:
                continue
            if owners and (p.title - title) & (RANK_WORDS | PORTFOLIO_WORDS):
                continue  # "Pakistan's minister" is not its Prime or Foreign Minister
            if bool(p.targets) != bool(targets) or not p.targets <= targets:
                continue
            score = len(title) / len(p.title)
            if score > found.get(p.position_id, (0.0, p))[0]:
                found[p.position_id] = (score, p)
            best = max(best, score)
        return [p for s, p in found.values() if s == best]

    def _titled(self, title: set[str]) -> list[PositionEntry]:
        """Offices of any owner whose title has every word of ``title``, through a map from
        title word to offices made on first use (a lookup, whatever the size of the base)."""
        if self.by_title_word is None:
            by_word: dict[str, list[PositionEntry]] = defaultdict(list)
            for p in self.positions:
                for w in p.title:
                    by_word[w].append(p)
            self.by_title_word = dict(by_word)
        lists = [self.by_title_word.get(w, []) for w in title]
        shortest = min(lists, key=len)
        return [p for p in shortest if title <= p.title]

    def name_of(self, entity_id: str) -> str:
        return self.display.get(entity_id, (entity_id, None))[0]

    def qid_of(self, entity_id: str) -> str | None:
        return self.display.get(entity_id, (entity_id, None))[1]


def after_to(norm: str, start: int) -> bool:
    """Whether the name at ``start`` of folded text follows "to" ("Ambassador to [the] X"):
    where an office is sent, not whose it is."""
    before = norm[:start].split()
    while before and before[-1] == "the":
        before.pop()
    return bool(before) and before[-1] == "to"


def offices_of(kb: KnowledgeBase) -> dict[str, list[Office]]:
    """For each person, the offices held: words of the office's label and its country's names."""
    juris: dict[str, str] = {}
    for f in kb.facts.values():
        if f.predicate == JURISDICTION and f.object:
            juris[f.subject] = f.object
    out: dict[str, list[Office]] = defaultdict(list)
    for f in kb.facts.values():
        if f.predicate != POSITION_HELD or not f.object:
            continue
        pos = kb.entities.get(f.object)
        label = pos.name if pos else f.object.rsplit("/", 1)[-1]
        words = set(role_words(label))
        for place_id in {f.qualifier("of"), juris.get(f.object)} - {None}:
            place = kb.entities.get(place_id or "")
            if place:
                words |= _place_words(place)
        acting = f.qualifier("acting") == "true" or f.qualifier("caretaker") == "true"
        out[f.subject].append(Office(f.object, label, frozenset(words), f.interval, acting))
    return dict(out)


def _jurisdictions(kb: KnowledgeBase) -> dict[str, str]:
    return {
        f.subject: f.object for f in kb.facts.values() if f.predicate == JURISDICTION and f.object
    }


def same_offices(entries: Iterable[PositionEntry]) -> dict[str, str]:
    """Position records that are one office: the same label (folded) of the same country or
    organisation, sent to the same place — "Prime Minister of Pakistan" from a Wikidata file
    and from a Popolo import. Maps each other record to the office's id (a QID first).
    Labels naming no owner ("Prime Minister") never join: they may be any country's."""
    groups: dict[tuple[str, frozenset[str], frozenset[str]], set[str]] = defaultdict(set)
    for p in entries:
        if p.owners:
            groups[(normalize_key(p.label), p.owners, p.targets)].add(p.position_id)
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for ids in groups.values():
        first, *rest = sorted(ids, key=_office_id_order)
        for other in rest:
            a, b = sorted((root(first), root(other)), key=_office_id_order)
            if a != b:
                parent[b] = a
    return {x: root(x) for x in parent}


def _office_id_order(position_id: str) -> tuple[bool, str]:
    return (not (position_id.startswith("Q") and position_id[1:].isdigit()), position_id)


def tenures_of(
    kb: KnowledgeBase, same_office: dict[str, str] | None = None
) -> dict[str, list[Tenure]]:
    """For each position, its terms from every ``position_held`` fact about it (the facts
    ``kb who`` reads), with interval and whether acting or caretaker; one term told by
    several sources is one ``Tenure`` citing them all (``merge_tenures``), also across the
    records of one office (``same_office``)."""
    same_office = same_office or {}
    out: dict[str, list[Tenure]] = defaultdict(list)
    for f in kb.facts.values():
        if f.predicate == POSITION_HELD and f.object:
            acting = f.qualifier("acting") == "true" or f.qualifier("caretaker") == "true"
            office = same_office.get(f.object, f.object)
            # a fact the build already merged from several files cites them all
            records = tuple((source, f.interval) for source in (f.source, *f.also_sources)) if f.also_sources else ()
            out[office].append(Tenure(f.subject, f.interval, acting, f.source, records))
    return {position: merge_tenures(terms) for position, terms in out.items()}


def demonyms_of(kb: KnowledgeBase) -> dict[str, str]:
    """Demonym → place id ("kazakh" → Kazakhstan) for every place of the base with one."""
    out: dict[str, str] = {}
    for e in kb.entities.values():
        if e.kind != "place":
            continue
        for name in e.names():
            for demonym in DEMONYMS_OF_NAME.get(name.casefold(), ()):
                out.setdefault(demonym, e.id)
    return out


def country_variants(name: str) -> list[str]:
    """An organisation's name with its leading country written the other ways the press
    writes it: "Kazakh Foreign Ministry" is also "Kazakhstan Foreign Ministry" and
    "Kazakhstani Foreign Ministry" (only the first word: "Bank of Russia" stays as it is)."""
    first, _, rest = name.partition(" ")
    if not rest:
        return []
    low = first.casefold()
    country = low if low in DEMONYMS_OF_NAME else _COUNTRY_OF_DEMONYM.get(low)
    if country is None:
        return []
    forms = {country, *DEMONYMS_OF_NAME[country]} - {low}
    return [f"{form.title()} {rest}" for form in sorted(forms)]


def _place_words(place: Entity) -> set[str]:
    words: set[str] = set()
    for name in place.names():
        words |= set(role_words(name))
        # "UN" for the United Nations, "Kazakh" for Kazakhstan: demonyms and acronyms help
    for name in place.names():
        if name.casefold() in DEMONYM_OF:
            words.add(DEMONYM_OF[name.casefold()])
    return words


# The vocabulary below is lexicon data (kb/data/lexicon/en/titles.json, demonyms.json,
# function_words.json); these names are the sets the code compares with.
_EN = lexicon("en")
# Words that make another office of the same noun: "the President" is not the Vice President,
# "Pakistan's minister" not its Prime Minister, "the Secretary-General" not an Under-Secretary-
# General (folded as ``role_words`` folds them).
RANK_WORDS = _EN.words("rank_words")
# A ministry's or an office's field: "Kazakhstan's minister" is not its foreign minister (an
# earlier "foreign minister" may be shortened to "the minister", a rank never is).
PORTFOLIO_WORDS = _EN.words("portfolio_words")
# Words of a role that say nothing about which office it is.
_ROLE_STOP = _EN.words("role_stop_words")
# Synonyms folded together when comparing a role as written with an office's label.
_ROLE_SYNONYMS: dict[str, str] = _EN.mapping("role_synonyms")
# Every demonym a text may put before an office ("the Kazakhstani foreign minister"), by the
# country's name: the one table mention detection reads too.
DEMONYMS_OF_NAME: dict[str, tuple[str, ...]] = _EN.table("demonyms")
# The usual demonym (and short form) of a country or organisation, so "Kazakh President"
# matches "President of Kazakhstan" and "UN Secretary-General" the United Nations' one.
DEMONYM_OF = {name: ds[0] for name, ds in DEMONYMS_OF_NAME.items() if ds} | _EN.mapping(
    "owner_short_forms"
)

_COUNTRY_OF_DEMONYM = {d: name for name, ds in DEMONYMS_OF_NAME.items() for d in ds}


def role_words(text: str) -> list[str]:
    """Comparable words of a role or office label (folded, synonyms merged, stop words out)."""
    out = []
    folded = normalize_key(text.replace("’s", "").replace("'s", ""))
    for w in folded.replace(",", " ").replace("(", " ").replace(")", " ").split():
        w = w.strip(".'")
        if not w or w in _ROLE_STOP:
            continue
        out.append(_ROLE_SYNONYMS.get(w, w))
    return out
