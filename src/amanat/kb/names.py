"""Person-name keys and matching across scripts and romanisation systems.

    parse_name("H.E. Kassym-Jomart Kemeluly Tokayev")  → tokens, patronymic, honorifics dropped
    similarity("Qasim Zhomart Tokayev", "Тоқаев Қасым-Жомарт")  → 0.0 … 1.0
    NameIndex: add names once, then ``search`` scores only candidates that share a key

How a name becomes comparable:

1. Honorifics and titles (Mr, Dr, H.E., Prof., Ambassador, г-н …) are dropped.
2. Transliteration to Latin with ``anyascii`` (one table for every script, incl. Kazakh
   ә ғ қ ң ө ұ ү һ і and Arabic/Urdu; compared with ``unidecode`` and ``transliterate`` in
   docs/names.md). ``transliterate=False`` keeps each script as written (Latin diacritics are
   still folded), so cross-script matches are then impossible by design.
3. Each token gets a *phonetic form*: a few rewrite rules that merge the spelling families of
   the romanisation systems in use for Russian/Kazakh/Urdu names (kh/h, zh/j/dzh, q/k, gh/g,
   ye/e, iy/y/i, ou/u, ee/i, w/v, doubled letters). No library covers these
   (Soundex/Metaphone are tuned for English spelling and merge too much), hence hand-written.
4. Each token also gets a *consonant skeleton* (vowels, y and w dropped, v → f): Arabic script
   writes few vowels, so Arabic/Urdu tokens are compared by skeleton only; the first four
   skeleton letters are also the blocking key of ``NameIndex``.
5. Patronymics (…ovich/…evna, Kazakh …uly/…kyzy) are set apart: they may be missing on either
   side; when both have one, a different one lowers the score (father and son).
6. Tokens are aligned one-to-one regardless of order (``SURNAME Given`` = ``Given Surname``)
   and scored with ``rapidfuzz`` (normalised Levenshtein similarity).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz.distance import Levenshtein

from amanat.kb.packed import PackedStrings, Postings
from amanat.kb.scripts import ABJADS, script_of_char


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Titles and honorifics dropped wherever they stand before the name (lower case, dots removed).
HONORIFICS = _words("""
mr mrs ms miss mister madam madame mme mlle sir dame lord lady dr prof professor he hon
honourable honorable excellency his her rev sen senator rep ambassador amb president pres
minister pm gen general col colonel maj major capt captain lt sgt adm admiral marshal
chairman chairperson secretary deputy mp mna mpa justice judge sheikh shaikh hazrat janab
sahib sahab begum hafiz haji hajji alhaj qazi maulana mufti
г г-н гн госпожа господин г-жа тов товарищ
""")
# Single tokens after a name that are not part of it.
SUFFIXES = _words("jr sr esq phd md mba ii iii iv")
# Common Pakistani name elements that honour rather than identify: matched when both sides have
# them, not penalised when one side lacks them.
WEAK = _words("""
muhammad mohammad mohammed muhammed mohd md syed sayed sayyid seyed mian ch chaudhry
chaudhary chaudhri malik rana khawaja khwaja sardar makhdoom makhdum pir sahibzada nawabzada
raja
""")
PATRONYMIC_SUFFIXES = (
    "ovich",
    "evich",
    "ovna",
    "evna",
    "ichna",
    "ovych",
    "evych",
    "ivna",
    "uly",
    "ulu",
    "kyzy",
    "qyzy",
    "kizi",
    "ogly",
    "oglu",
    "ович",
    "евич",
    "овна",
    "евна",
    "ична",
    "улы",
    "ұлы",
    "қызы",
    "кызы",
    "оглы",
)

_HONORIFIC_PHRASE = re.compile(r"^\s*(?:h\s*\.\s*e\s*\.?|his excellency|her excellency)\s+", re.I)
_SPLIT = re.compile(r"[^\w]+")
_MARKS = re.compile(r"[\u0300-\u036f]")

# Phonetic rewrite rules, applied in order to a lower-case ASCII token. Each merges spellings
# that the romanisation systems in this domain use for one sound (see module docstring).
_PHONETIC: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(a), b)
    for a, b in (
        (r"tsch|tsj|tch|cz", "ch"),  # German, Dutch, French, Polish ч
        (r"shch|sch|sj|sz", "sh"),  # щ, German ш, Dutch ш, Hungarian s
        (r"zj", "zh"),  # Dutch ж
        (r"oe", "u"),  # Dutch у (Zjoeravljov)
        (r"dzh|dj|zh", "j"),
        (r"kh", "h"),
        (r"gh", "g"),
        (r"ck|q|c(?!h)", "k"),
        (r"ph", "f"),
        (r"x", "ks"),
        (r"w", "v"),
        (r"ee", "i"),
        (r"oo|ou", "u"),
        (r"y", "i"),
        (r"(?<=[bdfgjklmnprstvz])j(?=[aeiou])", "i"),  # Zjuganov, Jurij after a consonant
        (r"^ie", "e"),  # Yerlan/Erlan (Е at the start of Russian names)
        (r"(?<=[aeou])i(?=[aeiou])", ""),  # Tokayev/Tokaev, Andreyevich/Andreevich
        (r"ng(?![aeiou])", "n"),  # Kazakh ң written ng / n
        (r"(.)\1+", r"\1"),
        (r"i+$", "i"),
    )
)
MIN_WEIGHT_BASE = 0.5
PAIR_KEYS = 4  # keys of a name whose pairs are posted (4 keys → 6 pairs)
_SKELETON_DROP = re.compile(r"[aeiouyw]")


@dataclass(frozen=True, slots=True)
class NameToken:
    """One token of a name: as written (folded), phonetic form, consonant skeleton."""

    text: str
    phonetic: str
    skeleton: str
    abjad: bool  # written in Arabic/Hebrew script: compare by skeleton only
    weak: bool = False
    initial: bool = False


@dataclass(frozen=True, slots=True)
class ParsedName:
    """A name as compared: core tokens, an optional patronymic, the dropped honorifics."""

    original: str
    tokens: tuple[NameToken, ...]
    patronymic: NameToken | None = None
    honorifics: tuple[str, ...] = ()

    @property
    def keys(self) -> set[str]:
        """Blocking keys: first four skeleton letters of every strong token."""
        keys = {t.skeleton[:4] for t in self.tokens if not t.weak and len(t.skeleton) >= 2}
        if not keys:  # a name of weak tokens only ("Muhammad Khan") still needs a key
            keys = {t.skeleton[:4] for t in self.tokens if len(t.skeleton) >= 2}
        return keys

    @property
    def pair_keys(self) -> list[str]:
        """Keys whose pairs post the name in the pair tier of ``NameIndex``: the strong keys,
        then the skeletons of weak and short tokens (Muhammad, Ali, Ume), which are too common
        to block on alone but, paired with a surname, make a rare pair. Initials carry only a
        letter and are left out. At most ``PAIR_KEYS`` keys, strong ones first."""
        strong = sorted(self.keys)
        aux = sorted(
            {t.skeleton[:4] for t in self.tokens if not t.initial and t.skeleton} - set(strong)
        )
        return (strong + aux)[:PAIR_KEYS]


def fold(text: str) -> str:
    """NFKC, case-folded, Latin diacritics removed (ä → a), other scripts untouched."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return unicodedata.normalize("NFC", _MARKS.sub("", decomposed))


@lru_cache(maxsize=65536)
def phonetic(token: str) -> str:
    """Phonetic form of a lower-case ASCII token (identity for other scripts)."""
    if not token.isascii():
        return token
    for pattern, repl in _PHONETIC:
        token = pattern.sub(repl, token)
    return token


@lru_cache(maxsize=65536)
def skeleton(token: str) -> str:
    """Consonant skeleton of a lower-case ASCII token: what an abjad writes of it."""
    if not token.isascii():
        return token
    t = token
    for pattern, repl in _PHONETIC[:9]:  # digraphs and k/q/c, f/ph, x — not w→v, not vowels
        t = pattern.sub(repl, t)
    t = _SKELETON_DROP.sub("", t.replace("v", "f"))
    t = re.sub(r"(.)\1+", r"\1", t)
    return t.rstrip("h") or t


@lru_cache(maxsize=65536)
def parse_name(text: str, transliterate: bool = True) -> ParsedName:
    """Split a name into comparable tokens (see module docstring for the steps)."""
    honorifics: list[str] = []
    rest = text
    while (m := _HONORIFIC_PHRASE.match(rest)) is not None:
        honorifics.append(m.group(0).strip())
        rest = rest[m.end() :]
    raw_tokens = [t for t in _SPLIT.split(fold(rest)) if t and not t.isdigit()]
    while raw_tokens and raw_tokens[0].replace(".", "") in HONORIFICS and len(raw_tokens) > 1:
        honorifics.append(raw_tokens.pop(0))
    while raw_tokens and raw_tokens[-1] in SUFFIXES and len(raw_tokens) > 1:
        raw_tokens.pop()
    tokens: list[NameToken] = []
    for raw in raw_tokens:
        abjad = any(script_of_char(ch) in ABJADS for ch in raw)
        # anyascii splits nothing here: each token is transliterated on its own
        text_ascii = anyascii(raw).lower() if transliterate else raw
        text_ascii = re.sub(r"[^\w]", "", text_ascii)
        if not text_ascii:
            continue
        tokens.append(
            NameToken(
                text=text_ascii,
                phonetic=phonetic(text_ascii),
                skeleton=skeleton(text_ascii),
                abjad=abjad and transliterate,
                weak=text_ascii in WEAK,
                initial=len(text_ascii) == 1,
            )
        )
    patronymic = None
    if len(tokens) >= 3:
        for i in range(len(tokens) - 1, 0, -1):
            if tokens[i].text.endswith(PATRONYMIC_SUFFIXES):
                patronymic = tokens.pop(i)
                break
    return ParsedName(text, tuple(tokens), patronymic, tuple(honorifics))


def _patronymic_stem(token: NameToken) -> str:
    for suffix in PATRONYMIC_SUFFIXES:
        if token.text.endswith(suffix):
            return phonetic(token.text[: -len(suffix)])
    return token.phonetic


def token_similarity(a: NameToken, b: NameToken) -> float:
    """0..1 similarity of two tokens; abjad tokens by skeleton, initials by first letter."""
    if a.initial or b.initial:
        return 0.9 if a.phonetic[:1] == b.phonetic[:1] else 0.0
    if a.abjad or b.abjad:
        if a.skeleton == b.skeleton:
            return 1.0
        return 0.9 * Levenshtein.normalized_similarity(a.skeleton, b.skeleton)
    return Levenshtein.normalized_similarity(a.phonetic, b.phonetic)


def score(a: ParsedName, b: ParsedName) -> float:
    """0..1 similarity of two parsed names (order-free token alignment)."""
    ta, tb = a.tokens, b.tokens
    if not ta or not tb:
        return 0.0
    pairs = sorted(
        ((token_similarity(x, y), i, j) for i, x in enumerate(ta) for j, y in enumerate(tb)),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    matched: list[tuple[float, NameToken, NameToken]] = []
    for sim, i, j in pairs:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        matched.append((sim, ta[i], tb[j]))
    # weight by token length so a two-letter particle cannot outvote a surname
    weights = [
        max(len(x.phonetic), len(y.phonetic)) * (0.5 if x.weak and y.weak else 1.0)
        for _, x, y in matched
    ]
    value = sum(s * w for (s, _, _), w in zip(matched, weights, strict=True)) / sum(weights)
    strong_sims = [sm for sm, x, y in matched if not (x.weak or y.weak or x.initial or y.initial)]
    if strong_sims:
        # every strong token must agree: one different surname is a different person
        value *= MIN_WEIGHT_BASE + (1 - MIN_WEIGHT_BASE) * min(strong_sims)
    strong_left = [t for k, t in enumerate(ta) if k not in used_a and not (t.weak or t.initial)]
    strong_left += [t for k, t in enumerate(tb) if k not in used_b and not (t.weak or t.initial)]
    value -= 0.04 * len(strong_left)
    strong_matched = sum(1 for s, x, y in matched if s >= 0.5 and not (x.weak and y.weak))
    if strong_matched < 2 and max(len(ta), len(tb)) >= 2:
        value *= 0.8  # one shared token (a surname) is weak evidence of the same person
    if a.patronymic and b.patronymic:
        same = Levenshtein.normalized_similarity(
            _patronymic_stem(a.patronymic), _patronymic_stem(b.patronymic)
        )
        value *= 0.85 + 0.15 * same
    return max(0.0, min(1.0, value))


def similarity(a: str, b: str, *, transliterate: bool = True) -> float:
    """0..1 similarity of two names as written."""
    return score(parse_name(a, transliterate), parse_name(b, transliterate))


@dataclass(frozen=True, slots=True)
class Match:
    score: float
    name: str
    ref: Hashable


class NameIndex:
    """Names → refs, with blocking indexes on skeleton keys so lookup cost stays flat.

    Two tiers of blocking. Every name with two or more ``pair_keys`` (strong keys, plus the
    skeletons of weak and short tokens: Muhammad, Ali) is posted under every *pair* of them;
    a multi-token query is first scored only against names sharing a pair with it. Only when
    that finds nothing good enough (``pair_enough``) does ``search`` fall back to single keys.

    Cost bound: posting lists are taken rarest first, and a list that would bring the number
    of names to score above ``max_bucket`` is left out with every commoner one. A key (or pair)
    held by that many names is the weakest evidence the query has — at that count the name
    alone cannot single out a person — so skipping it costs no link that a margin could decide,
    and no lookup ever scores more than ``max_bucket`` names, whatever the size of the base.
    The single-key fallback keeps its rarest list whole (it serves offline matching, where
    recall matters more than cost); ``fallback=False``, used on running text, never exceeds
    the budget.
    """

    def __init__(
        self, *, transliterate: bool = True, max_bucket: int = 2000, pair_enough: float = 0.7
    ) -> None:
        self.transliterate = transliterate
        self.max_bucket = max_bucket
        self.pair_enough = pair_enough
        self.scored = 0  # names scored so far by this index (what the benchmarks report)
        # Names are kept as written (packed UTF-8) and parsed again (cached) when scored: a
        # million parsed names would hold ~10 objects each, and a heap that size slows every
        # allocation of the process (measured in bench/bench_mentions.py). A key is a number
        # (a pair: two numbers in one), its postings one slice of a sorted array: a list or
        # dictionary entry per key and pair cost ~250 MB at a million names.
        self._texts = PackedStrings()
        self._refs: list[Hashable] = []
        self._key_ids: dict[str, int] = {}
        self._postings = Postings()
        self._pairs = Postings()

    def __len__(self) -> int:
        return len(self._texts)

    def entry(self, idx: int) -> tuple[ParsedName, Hashable]:
        """The parsed name and ref stored at ``idx`` (as returned by ``candidates``)."""
        return parse_name(self._texts[idx], self.transliterate), self._refs[idx]

    def add(self, name: str, ref: Hashable, parsed: ParsedName | None = None) -> None:
        """Index ``name`` for ``ref``; ``parsed``: its ``parse_name`` if the caller has it."""
        parsed = parsed or parse_name(name, self.transliterate)
        idx = len(self._texts)
        self._texts.append(name)
        self._refs.append(ref)
        for key in parsed.keys:
            self._postings.add(self._key_id(key), idx)
        for a, b in _pairs(parsed.pair_keys):
            self._pairs.add(self._key_id(a) << 32 | self._key_id(b), idx)

    def _key_id(self, key: str) -> int:
        return self._key_ids.setdefault(key, len(self._key_ids))

    def _single(self, key: str) -> Sequence[int]:
        n = self._key_ids.get(key)
        return () if n is None else self._postings.get(n)

    def _pair(self, a: str, b: str) -> Sequence[int]:
        x, y = self._key_ids.get(a), self._key_ids.get(b)
        return () if x is None or y is None else self._pairs.get(x << 32 | y)

    def freeze(self) -> None:
        """Sort the postings now (else the first lookup does): after a bulk ``add``."""
        len(self._postings)
        len(self._pairs)

    def add_all(self, items: Iterable[tuple[str, Hashable]]) -> None:
        for name, ref in items:
            self.add(name, ref)

    def pair_candidates(self, name: str | ParsedName) -> set[int]:
        """Names sharing a pair of keys with ``name``, within the ``max_bucket`` budget
        (empty for a name with fewer than two pair keys)."""
        parsed = name if isinstance(name, ParsedName) else parse_name(name, self.transliterate)
        lists = [self._pair(a, b) for a, b in _pairs(parsed.pair_keys)]
        return self._within_budget(lists)

    def candidates(self, name: str | ParsedName, *, bounded: bool = False) -> set[int]:
        """Names sharing at least one blocking key, rarest keys first, common ones capped.

        ``bounded=True`` applies the ``max_bucket`` budget to the rarest key too."""
        parsed = name if isinstance(name, ParsedName) else parse_name(name, self.transliterate)
        lists = [self._single(k) for k in parsed.keys]
        if bounded:
            return self._within_budget(lists)
        lists.sort(key=len)
        out: set[int] = set()
        for i, postings in enumerate(lists):
            if i and len(postings) > self.max_bucket:
                break
            out.update(postings)
        return out

    def _within_budget(self, lists: Sequence[Sequence[int]]) -> set[int]:
        """Union of posting lists, rarest first, stopping before the ``max_bucket`` budget."""
        out: set[int] = set()
        total = 0
        for postings in sorted(lists, key=len):
            total += len(postings)
            if total > self.max_bucket:
                break
            out.update(postings)
        return out

    def search(
        self,
        name: str,
        *,
        limit: int = 5,
        threshold: float = 0.0,
        exclude: tuple[str, Hashable] | None = None,
        fallback: bool = True,
    ) -> list[Match]:
        """Best matches above ``threshold``, best first; ``exclude`` skips one (name, ref).

        ``fallback=False`` never leaves the pair tier for a name with two or more pair keys,
        and scores a lone key's names only within the budget: the setting for scanning text,
        where most capitalised phrases are not in the base.
        """
        parsed = parse_name(name, self.transliterate)
        if len(parsed.pair_keys) < 2:
            idxs = self.candidates(parsed, bounded=not fallback)
            return self._score(parsed, idxs, threshold, exclude)[:limit]
        scored = self._score(parsed, self.pair_candidates(parsed), threshold, exclude)
        if fallback and (not scored or scored[0].score < self.pair_enough):
            scored = self._score(parsed, self.candidates(parsed), threshold, exclude)
        return scored[:limit]

    def scored_count(self, name: str, *, fallback: bool = True) -> int:
        """How many names ``search`` scores for ``name`` (the cost the benchmarks report)."""
        parsed = parse_name(name, self.transliterate)
        if len(parsed.pair_keys) < 2:
            return len(self.candidates(parsed, bounded=not fallback))
        pairs = self.pair_candidates(parsed)
        best = max((score(parsed, self.entry(i)[0]) for i in pairs), default=0.0)
        if not fallback or best >= self.pair_enough:
            return len(pairs)
        return len(pairs) + len(self.candidates(parsed))

    def _score(
        self,
        parsed: ParsedName,
        idxs: set[int],
        threshold: float,
        exclude: tuple[str, Hashable] | None,
    ) -> list[Match]:
        scored = []
        for idx in idxs:
            cand, ref = self.entry(idx)
            if exclude is not None and (cand.original, ref) == exclude:
                continue
            s = score(parsed, cand)
            self.scored += 1
            if s >= threshold:
                scored.append(Match(s, cand.original, ref))
        scored.sort(key=lambda m: (-m.score, m.name))
        return scored


def _pairs(keys: list[str]) -> list[tuple[str, str]]:
    """Unordered pairs of keys, each in sorted order."""
    return [(min(a, b), max(a, b)) for i, a in enumerate(keys) for b in keys[i + 1 :]]
