"""Candidates for text reuse: which texts contain (a share of) which others.

A reprint of an official statement is usually *part* of a longer article, so what matters
is how much of the statement the article contains, not how similar the two are: a
600-character statement inside a 2.6 KB article has a Jaccard similarity near zero and
plain MinHash-LSH misses it. This module is a passim-style inverted index of word n-gram
hashes that answers containment directly, in both directions:

- ``contained_in(statement)``: indexed documents that contain at least a share of it;
- ``containing(document)``: indexed statements of which the document contains a share.

The share is not a count of shared n-grams but the share of the query's (or the indexed
text's) *words covered* by shared n-grams: a changed word every 15 words destroys the n
n-grams over it, yet its neighbours stay covered, so an altered copy still scores close to
its true word share (≈ 14/15) instead of ≈ 1 - n/15. The estimate is a candidate filter:
every text that contains ``min_share`` of the words, with alterations at least n words
apart, is returned (no false negatives for those cases); the exact word alignment is done
afterwards, on the few candidates.

Speed and size: words are hashed once per distinct raw token (a process-wide cache, the
vocabulary of news is Zipfian), n-gram hashes are combined with vectorised uint64
arithmetic, and postings live in a few sorted numpy arrays (hash, key id, position) merged
like an LSM tree, never in Python dicts of lists. N-grams made only of stop words are not
indexed, and n-grams found in more than ``max_df`` indexed texts (boilerplate) are ignored
when counting, so candidates stay few at a million documents. Everything is pure and
picklable (a Spark executor can build or query an index); word hashes are stable across
processes (BLAKE2b, not Python's salted ``hash``).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from importlib import resources

import numpy as np

__all__ = ["DEFAULT_N", "ReuseIndex", "shingles", "words"]

DEFAULT_N = 4
"""Words per n-gram: 4 keeps "the ministry of foreign affairs"-style grams informative while
a changed word costs only 4 grams; measured against 3 and 5 in bench/bench_reprints.py."""

# Word separators besides whitespace: dashes and slashes join words without spaces
# ("Kazakhstan–Pakistan", "2022/23"). Replaced only when present: str.replace is fast,
# str.translate over non-ASCII text is not.
_SEPARATORS = ("-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "/")
_SPLIT = re.compile(r"[^\s" + "".join(re.escape(c) for c in _SEPARATORS) + r"]+")
# odd multipliers, one per position in an n-gram, and a salt per length of a short text
_MULT = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
                  0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
                 dtype=np.uint64)
_MAX_N = len(_MULT)
MAX_REPEATS = 32
"""A query's n-gram is counted at its first 32 places only (the share is then over those
places, on both sides of the ratio). A statement repeating one four-word run more often is a
refrain or an attack, and counting every repeat made ``contained_in`` cost the repeats times
the indexed texts that hold the gram: a 200 KB refrain against 1,000 documents took 4
minutes and 2 GB."""
_CACHE_LIMIT = 1 << 21
_cache: dict[str, int] = {}
_stop_words: frozenset[str] | None = None


def _load_stop_words() -> frozenset[str]:
    global _stop_words
    if _stop_words is None:
        text = resources.files("amanat.analyze").joinpath("data/reuse_stop_words.json").read_text("utf-8")
        data = json.loads(text)
        _stop_words = frozenset(w for lang, ws in data.items() if not lang.startswith("_") for w in ws)
    return _stop_words


def _normal(token: str) -> str:
    """NFKC, casefold, and only letters and digits: quotes, apostrophes, punctuation and
    combining marks (Arabic harakat) go, so "Pakistan's", "PAKISTAN’S" and "pakistans" match."""
    folded = unicodedata.normalize("NFKC", token).casefold()
    return "".join(c for c in folded if c.isalnum())


def _word_hash(token: str) -> int:
    """Stable 64-bit hash of a raw token's normal form; 0 for a token with no word in it.
    Bit 0 is set for stop words, so stop-only n-grams are found with integer arithmetic."""
    h = _cache.get(token)
    if h is None:
        word = _normal(token)
        if not word:
            h = 0
        else:
            h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            h = (h | 1) if word in _load_stop_words() else (h & ~1) or 2
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[token] = h
    return h


def words(text: str) -> list[tuple[int, int, str]]:
    """Normalised word tokens with their offsets in ``text``: (start, end, word).

    The same tokens ``shingles`` hashes: split at whitespace, dashes and slashes, then NFKC,
    casefold, letters and digits only (digits kept); tokens with no letter or digit dropped.
    """
    out = []
    for m in _SPLIT.finditer(text):
        word = _normal(m.group())
        if word:
            out.append((m.start(), m.end(), word))
    return out


def _hashes(text: str) -> np.ndarray:
    """Word hashes of ``text`` in order (the fast path of ``words``)."""
    for sep in _SEPARATORS:
        if sep in text:
            text = text.replace(sep, " ")
    raw = text.split()
    values = list(map(_cache.get, raw))
    if None in values:
        values = [_word_hash(t) if v is None else v for t, v in zip(raw, values, strict=True)]
    h = np.array(values, dtype=np.uint64)
    return h[h != 0] if 0 in values else h


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads the bits of a sum of products over the whole word."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _grams(h: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes and start positions of the counted n-grams of word hashes ``h``.

    A text shorter than n words is one gram of all its words (salted by its length, so it
    never equals an n-gram), so one-line statements index and match their exact copies.
    N-grams made only of stop words are left out, unless the text has no other.
    """
    length = len(h)
    if length == 0:
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    if length < n:
        return _short_grams(h, length), np.zeros(1, np.int64)
    m = length - n + 1
    acc = h[:m] * _MULT[0]
    for j in range(1, n):
        acc += h[j:j + m] * _MULT[j]
    grams = _mix(acc)
    stop = np.concatenate(([0], np.cumsum((h & np.uint64(1)).astype(np.int32))))
    keep = (stop[n:] - stop[:m]) < n
    if not keep.any():
        keep[:] = True  # a text of stop words only still contains itself
    pos = np.flatnonzero(keep)
    return grams[pos], pos


def _short_grams(h: np.ndarray, k: int) -> np.ndarray:
    """Every k-gram of ``h`` salted as a whole short text of k words (k < n)."""
    m = len(h) - k + 1
    if m <= 0:
        return np.empty(0, np.uint64)
    acc = np.full(m, (k * 0xA0761D6478BD642F) & 0xFFFFFFFFFFFFFFFF, dtype=np.uint64)
    for j in range(k):
        acc += h[j:j + m] * _MULT[j]
    return _mix(acc ^ np.uint64(0xE7037ED1A0B428DB))


def shingles(text: str, n: int = DEFAULT_N) -> np.ndarray:
    """Distinct uint64 hashes of the counted word n-grams of ``text``, sorted."""
    _check_n(n)
    return np.unique(_grams(_hashes(text), n)[0])


def _check_n(n: int) -> None:
    if not 1 <= n <= _MAX_N:
        raise ValueError(f"n must be between 1 and {_MAX_N}, not {n}")


def _first_repeats(grams: np.ndarray, pos: np.ndarray, inv: np.ndarray,
                   limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The grams (with their positions and their index among the distinct grams ``inv``) at
    no more than the first ``limit`` places of each distinct gram."""
    counts = np.bincount(inv)
    if not len(counts) or counts.max() <= limit:
        return grams, pos, inv
    order = np.argsort(inv, kind="stable")
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.empty(len(inv), np.int64)
    rank[order] = np.arange(len(inv)) - first[inv[order]]
    keep = rank < limit
    return grams[keep], pos[keep], inv[keep]


def _extent(pos: np.ndarray, width: int) -> int:
    """Words covered by grams of ``width`` words starting at sorted ``pos``."""
    if not len(pos):
        return 0
    if int(pos[-1]) - int(pos[0]) == len(pos) - 1:  # no gap: the usual case
        return len(pos) - 1 + width
    return int(np.minimum(np.diff(pos), width).sum()) + width


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated aranges [s, s + c) for every (s, c): posting slices in one gather."""
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, np.int64)
    ends = np.cumsum(counts)
    offsets = np.repeat(starts - (ends - counts), counts)
    return offsets + np.arange(total)


def _coverage(group: np.ndarray, pos: np.ndarray, width: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Words covered by grams starting at ``pos`` (each ``width`` words), per group.

    Input sorted by (group, pos) and without repeats; returns (groups, covered words).
    """
    if len(group) == 0:
        return group, np.empty(0, np.int64)
    contrib = width.astype(np.int64)
    if len(group) > 1:
        same = group[1:] == group[:-1]
        gap = (pos[1:] - pos[:-1]).astype(np.int64)
        contrib[:-1] = np.where(same, np.minimum(gap, contrib[:-1]), contrib[:-1])
        starts = np.flatnonzero(np.concatenate(([True], ~same)))
    else:
        starts = np.zeros(1, np.int64)
    return group[starts], np.add.reduceat(contrib, starts)


class _Segment:
    """One sorted run of postings: gram hash, key id, start of the gram in the key's text."""

    __slots__ = ("hashes", "ids", "pos")

    def __init__(self, hashes: np.ndarray, ids: np.ndarray, pos: np.ndarray) -> None:
        self.hashes, self.ids, self.pos = hashes, ids, pos

    def __len__(self) -> int:
        return len(self.hashes)

    def __getstate__(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.hashes, self.ids, self.pos

    def __setstate__(self, state: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        self.hashes, self.ids, self.pos = state

    def lookup(self, grams: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First posting and number of postings of each gram (most grams of a query miss:
        the right edge is searched only for those that hit)."""
        lo = np.searchsorted(self.hashes, grams, "left")
        count = np.zeros(len(grams), np.int64)
        if len(self.hashes):
            hit = np.flatnonzero(self.hashes[np.minimum(lo, len(self.hashes) - 1)] == grams)
            count[hit] = np.searchsorted(self.hashes, grams[hit], "right") - lo[hit]
        return lo, count

    @staticmethod
    def merge(a: _Segment, b: _Segment) -> _Segment:
        """Merge two sorted runs in linear time (no re-sort)."""
        at = np.searchsorted(a.hashes, b.hashes, "right") + np.arange(len(b))
        from_a = np.ones(len(a) + len(b), bool)
        from_a[at] = False
        out = []
        for x, y in ((a.hashes, b.hashes), (a.ids, b.ids), (a.pos, b.pos)):
            z = np.empty(len(from_a), x.dtype)
            z[from_a] = x
            z[at] = y
            out.append(z)
        return _Segment(*out)


_FLUSH_POSTINGS = 8_000_000
# Only short runs (left by queries between adds) are merged: full runs stay apart, since a
# lookup in 50 runs costs less than copying every posting log(runs) times while indexing.
_MERGE_LIMIT = _FLUSH_POSTINGS


class ReuseIndex:
    """An inverted index of word n-gram hashes (passim-style) answering *containment*: which
    indexed texts contain at least a share of a query text, not Jaccard similarity.

    ``max_df``: n-grams in more indexed texts than this are boilerplate, ignored when
    counting (the share is then estimated over the query's other words). ``slack``: a text
    is a candidate when its estimated share is at least ``min_share * slack``: the margin
    for alterations closer than n words and for tokens cut mid-word.
    """

    def __init__(self, n: int = DEFAULT_N, *, max_df: int = 1000, slack: float = 0.8) -> None:
        _check_n(n)
        self.n = n
        self.max_df = max_df
        self.slack = slack
        self._keys: list[str] = []
        self._ids: dict[str, int] = {}
        self._extent: list[int] = []  # words covered by the text's counted grams
        self._width: list[int] = []  # words per gram: n, or the length of a short text
        self._short: set[int] = set()  # lengths of indexed texts shorter than n words
        self._pending: list[tuple[np.ndarray, int, np.ndarray]] = []
        self._pending_size = 0
        self._segments: list[_Segment] = []
        self._per_key: tuple[np.ndarray, np.ndarray] | None = None  # (width, extent) as arrays

    def __len__(self) -> int:
        return len(self._keys)

    def __getstate__(self) -> dict:
        self._flush()
        return self.__dict__.copy()

    @property
    def postings(self) -> int:
        """Number of (n-gram, text) postings held: the index's size in entries."""
        return sum(len(s) for s in self._segments) + self._pending_size

    @property
    def nbytes(self) -> int:
        """Bytes held by the posting arrays (the bulk of the index's memory)."""
        self._flush()
        return sum(s.hashes.nbytes + s.ids.nbytes + s.pos.nbytes for s in self._segments)

    def add(self, key: str, text: str) -> None:
        """Index a text (a document, or a statement) under ``key``, which must be new."""
        if key in self._ids:
            raise ValueError(f"{key!r} is already indexed")
        h = _hashes(text)
        grams, pos = _grams(h, self.n)
        ident = len(self._keys)
        self._per_key = None
        self._keys.append(key)
        self._ids[key] = ident
        width = min(self.n, len(h))
        self._width.append(width)
        if 0 < len(h) < self.n:
            self._short.add(len(h))
        self._extent.append(_extent(pos, width))
        if len(grams):
            self._pending.append((grams, ident, pos))
            self._pending_size += len(grams)
            if self._pending_size >= _FLUSH_POSTINGS:
                self._flush()

    def add_many(self, items: Iterable[tuple[str, str]]) -> None:
        """Index many (key, text) pairs: the bulk path (postings sorted once per batch)."""
        for key, text in items:
            self.add(key, text)

    def _flush(self) -> None:
        if not self._pending:
            return
        grams = np.concatenate([g for g, _, _ in self._pending])
        ids = np.repeat(np.array([i for _, i, _ in self._pending], np.uint32),
                        [len(g) for g, _, _ in self._pending])
        pos = np.minimum(np.concatenate([p for _, _, p in self._pending]), 0xFFFF).astype(np.uint16)
        self._pending.clear()
        self._pending_size = 0
        order = np.argsort(grams)
        self._segments.append(_Segment(grams[order], ids[order], pos[order]))
        segs = self._segments
        while len(segs) > 1 and len(segs[-1]) * 2 >= len(segs[-2]) and len(segs[-2]) + len(segs[-1]) <= _MERGE_LIMIT:
            b = segs.pop()
            segs[-1] = _Segment.merge(segs[-1], b)

    def _postings(self, grams: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For distinct ``grams``: which are counted (in at most ``max_df`` texts), and their
        postings as (gram index, key id, position in the key)."""
        self._flush()
        looked = [seg.lookup(grams) for seg in self._segments]
        df = sum((c for _, c in looked), np.zeros(len(grams), np.int64))
        usable = df <= self.max_df
        if not usable.any() and df.any():
            usable[:] = True  # all boilerplate: still answer, at the cost of long lists
        gram_ix, ids, pos = [], [], []
        for seg, (lo, cnt) in zip(self._segments, looked, strict=True):
            cnt = np.where(usable, cnt, 0)
            at = _ranges(lo, cnt)
            gram_ix.append(np.repeat(np.arange(len(grams)), cnt))
            ids.append(seg.ids[at])
            pos.append(seg.pos[at])
        if not gram_ix:
            empty = np.empty(0, np.int64)
            return usable, empty, empty, empty
        return usable, np.concatenate(gram_ix), np.concatenate(ids), np.concatenate(pos)

    def contained_in(self, text: str, *, min_share: float = 0.5) -> list[tuple[str, float]]:
        """Indexed texts that contain at least ~``min_share`` of ``text``'s words (query: a
        statement; indexed: documents), as (key, estimated share), best first.

        The share is over the words covered by the query's counted n-grams (boilerplate
        grams in more than ``max_df`` texts left out of both sides). A query shorter than n
        words matches only indexed texts of exactly its words: longer texts index n-grams.
        """
        h = _hashes(text)
        grams, qpos = _grams(h, self.n)
        if not len(grams) or not self._keys:
            return []
        width = min(self.n, len(h))
        uniq, inv = np.unique(grams, return_inverse=True)
        grams, qpos, inv = _first_repeats(grams, qpos, inv, MAX_REPEATS)
        usable, gram_ix, ids, _ = self._postings(uniq)
        total = _extent(qpos[usable[inv]], width)
        if not len(ids) or total == 0:
            return []
        # one (gram, text) pair however often the text repeats the gram: what a text covers is
        # the query positions of the grams it has, and expanding every posting to every query
        # position multiplied a refrain's repeats on both sides (a 2 MB text of one repeated
        # phrase, indexed and queried: 6 billion pairs)
        pairs = np.unique((gram_ix.astype(np.uint64) << np.uint64(32)) | ids.astype(np.uint64))
        gram_ix, ids = (pairs >> np.uint64(32)).astype(np.int64), (pairs & np.uint64(0xFFFFFFFF)).astype(np.int64)
        # every query position of each gram: a gram may occur twice in the query
        order = np.argsort(inv, kind="stable")
        first = np.searchsorted(inv[order], np.arange(len(uniq)))
        reps = np.bincount(inv, minlength=len(uniq))
        at = _ranges(first[gram_ix], reps[gram_ix])
        key_of = np.repeat(ids.astype(np.uint64), reps[gram_ix])
        pair = np.unique((key_of << np.uint64(32)) | qpos[order][at].astype(np.uint64))
        group, covered = _coverage(pair >> np.uint64(32), (pair & np.uint64(0xFFFFFFFF)).astype(np.int64),
                                   np.full(len(pair), width))
        return self._answer(group, covered / total, min_share)

    def containing(self, text: str, *, min_share: float = 0.5) -> list[tuple[str, float]]:
        """Indexed texts of which ``text`` contains at least ~``min_share`` of the words
        (query: a new document; indexed: statements), as (key, estimated share), best first.

        Indexed texts shorter than n words are matched too (the query's k-grams for each
        such length k are looked up). The share is over the indexed text's counted words, so
        grams shared by more than ``max_df`` indexed texts, not counted, can only lower it:
        keep ``max_df`` above the number of statements that repeat one formula. Positions
        past 65,535 words are clipped, so a longer indexed text is under-estimated.
        """
        h = _hashes(text)
        grams = _grams(h, self.n)[0]
        extra = [_short_grams(h, k) for k in sorted(self._short)]
        grams = np.unique(np.concatenate([grams, *extra]))
        if not len(grams) or not self._keys:
            return []
        _, _, ids, pos = self._postings(grams)
        if not len(ids):
            return []
        pair = np.unique((ids.astype(np.uint64) << np.uint64(32)) | pos.astype(np.uint64))
        group = (pair >> np.uint64(32)).astype(np.int64)
        if self._per_key is None:
            self._per_key = (np.asarray(self._width, np.int64), np.asarray(self._extent, np.float64))
        widths, extents = self._per_key
        group, covered = _coverage(group, (pair & np.uint64(0xFFFF)).astype(np.int64), widths[group])
        extent = extents[group]
        return self._answer(group, np.minimum(covered / np.maximum(extent, 1), 1.0), min_share)

    def _answer(self, group: np.ndarray, share: np.ndarray, min_share: float) -> list[tuple[str, float]]:
        keep = np.flatnonzero(share >= min_share * self.slack)
        keep = keep[np.argsort(-share[keep], kind="stable")]
        keys = self._keys
        return [(keys[int(group[i])], round(float(share[i]), 4)) for i in keep]
