"""How faithfully a document reproduces a signed statement: alignment word by word. Pure.

A statement is usually a part of a longer article, so it is *located* first and compared
second. Location: word trigrams of the statement's body that recur in the document, merged
along diagonals into blocks of identical words, then the heaviest chain of blocks in order on
both sides; the chain is cut into *segments* where the document puts more of its own text
between two blocks than a plausible insertion (``max(MAX_INSERT, half the statement)``
words), so an article quoting two passages with its own commentary between them has two
segments, and its text around them never counts. Comparison: rapidfuzz's word-level
Levenshtein opcodes over each segment give the exact changed, removed, added and inserted
words, with both sides' offsets. Statement text outside every segment is *missing*; a cut
inside a sentence is called out.

What is not a change (``kb/data/lexicon/<lang>/reprints.json``): typographic quotes,
apostrophes and dashes; letter case (words are compared case-folded, so a quote starting
mid-sentence with a capital is the same text); white space and punctuation between words
(only words are compared); "per cent", "percent" and "%" (one canonical token). Numbers are
compared as written.

The headline is aligned on its own and only reported as found or not: newspapers rewrite
headlines as a matter of course, so a missing or new headline is not a change of the text.
Versions: the document is aligned against every version published by its date (all of them
when it has none, or when it is dated before any), and the version it reproduces best is the
one reported — a faithful copy of a version since corrected is verbatim *of that version*.
Attribution is in ``analyze/attribution.py``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np
from rapidfuzz.distance import Levenshtein

from amanat.analyze.attribution import attribution
from amanat.analyze.sentences import sentences
from amanat.kb.lexicon import lexicon
from amanat.model import (
    Claim,
    DifferenceKind,
    Mention,
    Reprint,
    ReprintClass,
    Statement,
    TextDifference,
)

K = 3  # words per anchor gram
MAX_INSERT = 40  # words of the document's own text that may stand inside one copied passage
EXTEND_MIN = 5  # an insertion this long (or a whole sentence) makes the copy *extended*
MISSING_MIN = 12  # a removal this long (or a whole sentence) is missing text, not an edit
MIN_WORDS = 10  # identical words a passage needs (unless it is a whole statement sentence)
MIN_DENSITY = 0.5  # identical words over the longer side of a passage
REPRINT_SHARE = 0.5  # a document with at least this share of the statement reprints it
HIT_BUDGET = 8  # shared-trigram pairs per word of statement and document (see ``_blocks``)

_WORD = re.compile(r"[^\W_]+(?:[.'\-][^\W_]+)*|[%&]")


@dataclass(frozen=True, slots=True)
class Word:
    """A word as compared (case-folded, folded, canonical) and where it is in its text."""

    norm: str
    start: int
    end: int


@cache
def _rules(language: str) -> tuple[dict[int, str], dict[tuple[str, ...], str], int]:
    folds: dict[int, str] = {}
    equivalents: dict[tuple[str, ...], str] = {}
    for lang in dict.fromkeys(("en", language)):
        lex = lexicon(lang)
        for target, sources in lex.mapping("reprint_character_folds").items():
            folds.update({ord(c): target for c in sources})
        for canonical, variants in lex.mapping("reprint_equivalents").items():
            for variant in variants:
                key = tuple(m.group().casefold() for m in _WORD.finditer(variant.translate(folds)))
                if key:
                    equivalents[key] = canonical.casefold()
    return folds, equivalents, max((len(k) for k in equivalents), default=1)


def words(text: str, language: str | None = "en") -> list[Word]:
    """The words of ``text`` as alignment compares them, with their character offsets.

    Read as a stream with a look-ahead of the longest equivalent phrase, each distinct word
    stored once: a list of every raw word beside the result, and a string per occurrence,
    doubled the memory of a 2 MB text's alignment (100 MB over what the chain held)."""
    folds, equivalents, longest = _rules(language or "en")
    seen: dict[str, str] = {}
    found = _WORD.finditer(text.translate(folds))
    ahead: deque[tuple[str, int, int]] = deque()
    out: list[Word] = []
    while True:
        while len(ahead) < longest:
            m = next(found, None)
            if m is None:
                break
            word = m.group().casefold()
            ahead.append((seen.setdefault(word, word), m.start(), m.end()))
        if not ahead:
            return out
        for n in range(min(longest, len(ahead)), 0, -1):
            canonical = equivalents.get(tuple(ahead[k][0] for k in range(n)))
            if canonical is not None:
                out.append(Word(canonical, ahead[0][1], ahead[n - 1][2]))
                for _ in range(n):
                    ahead.popleft()
                break
        else:
            out.append(Word(*ahead.popleft()))


# --- locating the statement -----------------------------------------------------------------


def _blocks(s: Sequence[str], d: Sequence[str]) -> list[tuple[int, int, int]]:
    """Runs of identical words ``(s_start, d_start, length)`` found from shared trigrams."""
    grams: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i in range(len(s) - K + 1):
        grams[tuple(s[i:i + K])].append(i)
    in_d = Counter(g for j in range(len(d) - K + 1) if (g := tuple(d[j:j + K])) in grams)
    # a trigram repeated on both sides pairs every copy with every copy: on a refrain repeated
    # thousands of times (hostile text) that is millions of hits. Within a budget linear in
    # the two lengths, the most repetitive trigrams are dropped as anchors (they locate
    # nothing); ordinary texts stay far below it and lose none.
    pairs = sorted(((len(grams[g]) * n, g) for g, n in in_d.items()), reverse=True)
    total, budget = sum(p for p, _ in pairs), HIT_BUDGET * (len(s) + len(d))
    for p, g in pairs:
        if total <= budget:
            break
        del grams[g]
        total -= p
    hits = [(i, j) for j in range(len(d) - K + 1) for i in grams.get(tuple(d[j:j + K]), ())]
    hits.sort(key=lambda h: (h[1] - h[0], h[0]))
    blocks: list[list[int]] = []
    for i, j in hits:
        last = blocks[-1] if blocks else None
        if last and last[1] - last[0] == j - i and last[0] + last[2] - K + 1 == i:
            last[2] += 1
        else:
            blocks.append([i, j, K])
    return [(b[0], b[1], b[2]) for b in blocks]


def _chain(blocks: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The heaviest chain of blocks in order on both sides (weight: identical words)."""
    if not blocks:
        return []
    blocks = sorted(sorted(blocks, key=lambda b: -b[2])[:2000], key=lambda b: (b[1], b[0]))
    # the quadratic step runs in numpy: each block against all before it at once (up to
    # 2,000 blocks, when a repetitive text gives that many)
    arr = np.array(blocks, dtype=np.int64).reshape(-1, 3)
    s_end, d_end = arr[:, 0] + arr[:, 2], arr[:, 1] + arr[:, 2]
    best = arr[:, 2].copy()
    back = [-1] * len(blocks)
    for k, (s, d, n) in enumerate(blocks):
        if k:
            fits = (s_end[:k] <= s) & (d_end[:k] <= d)
            if fits.any():
                scores = np.where(fits, best[:k], -1)
                p = int(scores.argmax())  # the first of the best, as the loop it replaces
                if scores[p] + n > best[k]:
                    best[k], back[k] = scores[p] + n, p
    k = int(best.argmax())
    chain = []
    while k >= 0:
        chain.append(blocks[k])
        k = back[k]
    return chain[::-1]


def _segments(chain: list[tuple[int, int, int]], statement_len: int) -> list[list[tuple[int, int, int]]]:
    limit = max(MAX_INSERT, statement_len // 2)
    segments: list[list[tuple[int, int, int]]] = []
    for block in chain:
        if segments:
            ps, pd, pn = segments[-1][-1]
            if block[1] - (pd + pn) <= max(0, block[0] - (ps + pn)) + limit:
                segments[-1].append(block)
                continue
        segments.append([block])
    return segments


def _extend(s: Sequence[str], d: Sequence[str], s0: int, s1: int, d0: int, d1: int) -> tuple[int, int, int, int]:
    """Take in the statement's last (first) one or two words when a changed word hides them
    from the trigrams: the statement's final word must appear right after (before)."""
    tail = len(s) - s1
    if 0 < tail <= 2 and s[-1] in d[d1:d1 + tail + 1]:
        d1 = d1 + d[d1:d1 + tail + 1].index(s[-1]) + 1
        s1 = len(s)
    if 0 < s0 <= 2 and s[0] in d[max(0, d0 - s0 - 1):d0]:
        window = d[max(0, d0 - s0 - 1):d0]
        d0 = d0 - len(window) + window.index(s[0])
        s0 = 0
    return s0, s1, d0, d1


@dataclass
class _Alignment:
    version: Statement
    ranges: list[tuple[int, int, int, int]]  # s0, s1, d0, d1 per passage
    opcodes: list[list[tuple[str, int, int, int, int]]]
    identical: int
    changed: int  # words on either side of changes, removals, additions, insertions


def _align(sw: list[Word], dw: list[Word], version: Statement) -> _Alignment | None:
    s = [w.norm for w in sw]
    d = [w.norm for w in dw]
    sentence_of = _sentence_index(version.body, sw, version.language)
    kept = []
    for seg in _segments(_chain(_blocks(s, d)), len(s)):
        while len(seg) > 1 and _density(seg) < MIN_DENSITY:
            # a stray common phrase at an edge ("the Ishim River" in the article's own lead)
            # must not stretch a quoted passage below density: drop the weaker edge block
            seg = seg[1:] if seg[0][2] <= seg[-1][2] else seg[:-1]
        s0, d0 = seg[0][0], seg[0][1]
        s1, d1 = seg[-1][0] + seg[-1][2], seg[-1][1] + seg[-1][2]
        same = sum(b[2] for b in seg)
        if _density(seg) < MIN_DENSITY:
            continue
        if same < MIN_WORDS and not _whole_sentence(sentence_of, s0, s1, minimum=6):
            continue
        kept.append(_extend(s, d, s0, s1, d0, d1))
    if not kept:
        return None
    ops = [[op for op in Levenshtein.opcodes(s[s0:s1], d[d0:d1])] for s0, s1, d0, d1 in kept]
    codes = [[(o.tag, o.src_start + r[0], o.src_end + r[0], o.dest_start + r[2], o.dest_end + r[2]) for o in seg]
             for seg, r in zip(ops, kept, strict=True)]
    identical = sum(c[2] - c[1] for seg in codes for c in seg if c[0] == "equal")
    changed = sum(max(c[2] - c[1], c[4] - c[3]) for seg in codes for c in seg if c[0] != "equal")
    return _Alignment(version, kept, codes, identical, changed)


def _density(seg: list[tuple[int, int, int]]) -> float:
    """Identical words over the longer side of the passage these blocks span."""
    s0, d0 = seg[0][0], seg[0][1]
    s1, d1 = seg[-1][0] + seg[-1][2], seg[-1][1] + seg[-1][2]
    return sum(b[2] for b in seg) / max(s1 - s0, d1 - d0)


def _sentence_index(body: str, sw: list[Word], language: str | None) -> list[int]:
    spans = sentences(body, language or "en")
    starts = [a for a, _ in spans]
    return [max(0, bisect_right(starts, w.start) - 1) for w in sw]


def _whole_sentence(sentence_of: list[int], s0: int, s1: int, *, minimum: int = 1) -> bool:
    """Whether words [s0, s1) hold at least one whole sentence of ``minimum`` words."""
    if s1 <= s0:
        return False
    counts: dict[int, int] = defaultdict(int)
    for k in sentence_of:
        counts[k] += 1
    inside: dict[int, int] = defaultdict(int)
    for k in sentence_of[s0:s1]:
        inside[k] += 1
    return any(n == counts[k] and n >= minimum for k, n in inside.items())


# --- differences and classes ----------------------------------------------------------------


def _text(text: str, ws: list[Word], i: int, j: int) -> tuple[str, int, int]:
    if i < j:
        return text[ws[i].start:ws[j - 1].end], ws[i].start, ws[j - 1].end
    at = ws[i].start if i < len(ws) else (ws[-1].end if ws else 0)
    return "", at, at


def _differences(al: _Alignment, sw: list[Word], dw: list[Word], doc: str, quote: bool) -> list[TextDifference]:
    body = al.version.body
    sentence_of = _sentence_index(body, sw, al.version.language)
    out: list[TextDifference] = []

    def missing(i: int, j: int, where: str, at: int, mid: bool) -> None:
        old, a, b = _text(body, sw, i, j)
        out.append(TextDifference("missing", old, a, b, "", at, at, where=where, mid_sentence=mid))

    if not quote and al.ranges[0][0] > 0:
        s0 = al.ranges[0][0]
        missing(0, s0, "start", dw[al.ranges[0][2]].start, sentence_of[s0] == sentence_of[s0 - 1])
    for n, seg in enumerate(al.opcodes):
        merged: list[list[int]] = []
        for tag, i1, i2, j1, j2 in seg:
            if tag == "equal":
                continue
            if merged and merged[-1][1] == i1 and merged[-1][3] == j1:
                merged[-1][1], merged[-1][3] = i2, j2
            else:
                merged.append([i1, i2, j1, j2])
        for i1, i2, j1, j2 in merged:
            kind: DifferenceKind
            old, a, b = _text(body, sw, i1, i2)
            new, c, e = _text(doc, dw, j1, j2)
            if i1 == i2:
                kind = "inserted" if j2 - j1 >= EXTEND_MIN else "added"
            elif j1 == j2:
                if i2 - i1 >= MISSING_MIN or _whole_sentence(sentence_of, i1, i2):
                    out.append(TextDifference("missing", old, a, b, "", c, c, where="inside"))
                    continue
                kind = "removed"
            else:
                kind = "changed"
            out.append(TextDifference(kind, old, a, b, new, c, e))
        if not quote and n + 1 < len(al.ranges):
            i, j = al.ranges[n][1], al.ranges[n + 1][0]
            if j > i:
                missing(i, j, "inside", dw[al.ranges[n][3] - 1].end, False)
    last = al.ranges[-1][1]
    if not quote and last < len(sw):
        missing(last, len(sw), "end", dw[al.ranges[-1][3] - 1].end, sentence_of[last] == sentence_of[last - 1])
    return out


def _classes(kind: str, diffs: list[TextDifference]) -> tuple[ReprintClass, ...]:
    kinds = {d.kind for d in diffs}
    classes: list[ReprintClass] = ["partial-quote"] if kind == "quote" else []
    if "missing" in kinds:
        classes.append("truncated")
    if kinds & {"changed", "removed", "added"}:
        classes.append("altered")
    if "inserted" in kinds:
        classes.append("extended")
    if not classes:
        classes.append("verbatim")
    return tuple(classes)


def _date(value: str | None) -> str | None:
    return value[:10] if value and len(value) >= 10 else None


def match(versions: Sequence[Statement], document_id: str, text: str, *, published: str | None = None,
          language: str | None = None, mentions: Sequence[Mention] = (), claims: Sequence[Claim] = ()) -> Reprint | None:
    """The statement (all versions of one item, in order) as ``text`` reproduces it, or None
    when the document has no passage of it (``published``: the document's date, ISO;
    ``mentions`` and ``claims``: the document's, for who it credits)."""
    usable = [v for v in versions if v.status != "canceled" and v.body.strip()]
    if not usable:
        return None
    dw = words(text, language or usable[-1].language)
    day = _date(published)
    eligible = [v for v in usable if day is None or (_date(v.published) or "") <= day]
    predates = not eligible
    eligible = eligible or usable
    best: tuple[tuple[int, int, int], _Alignment, list[Word]] | None = None
    for version in eligible:
        sw = words(version.body, version.language)
        al = _align(sw, dw, version)
        if al is not None:
            rank = (al.changed, -al.identical, -version.version)
            if best is None or rank < best[0]:
                best = (rank, al, sw)
    if best is None:
        return None
    _, al, sw = best
    covered = sum(s1 - s0 for s0, s1, _, _ in al.ranges)
    share = covered / len(sw)
    kind: Literal["reprint", "quote"] = "reprint" if share >= REPRINT_SHARE else "quote"
    diffs = _differences(al, sw, dw, text, kind == "quote")
    withdrawals = [v for v in versions if v.status == "canceled"]
    withdrawn = None
    if withdrawals:
        w = withdrawals[-1]
        withdrawn = {"version": w.version, "published": w.published, "reason": w.note}
    headline = words(al.version.headline, al.version.language)
    head = [w.norm for w in headline]
    norms = [w.norm for w in dw]
    headline_found = bool(head) and any(norms[i:i + len(head)] == head for i in range(len(norms) - len(head) + 1))
    spans = tuple((dw[d0].start, dw[d1 - 1].end) for _, _, d0, d1 in al.ranges)
    credit = attribution(text, spans, mentions, claims, al.version.speaks_for, language)
    classes = _classes(kind, diffs)
    if credit and credit["misattributed"]:
        classes = (*(c for c in classes if c != "verbatim"), "misattributed")
    return Reprint(
        item_uri=al.version.uri, version=al.version.version, origin=al.version.origin,
        publisher=al.version.publisher, document_id=document_id, kind=kind, classes=classes,
        share=share, identical=al.identical / len(sw),
        spans=spans, differences=tuple(diffs),
        latest_version=max(v.version for v in eligible), withdrawn=withdrawn, headline_found=headline_found,
        predates=predates, attribution=credit)
