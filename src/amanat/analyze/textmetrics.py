"""How close an extracted main text is to a reference text: shingle precision and recall.

This is the metric of the article-extraction benchmark (scrapinghub/article-extraction-
benchmark), written here from its description so the benchmark and the tests score Amanat
the way the published figures were scored: tokens are ``\\w+`` matches, each text becomes a
multiset of 4-token shingles, and true/false positives and negatives are multiset overlaps.
Precision and recall are computed per document and then averaged, so long pages do not
dominate; F1 is the harmonic mean of the two averages. *Accuracy* is the share of documents
whose token sequence equals the reference exactly.

Hand-written because the benchmark ships scripts, not a library; it is a dozen lines.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

_TOKEN = re.compile(r"\w+")
SHINGLE = 4


@dataclass(frozen=True, slots=True)
class Overlap:
    """Shingle counts for one document: right, extra, and missed."""

    tp: int
    fp: int
    fn: int
    exact: bool  # the token sequences are identical

    # An empty prediction has no false positives: precision 1, recall 0. This is the
    # convention that reproduces the benchmark's published figures for extractors that
    # return nothing on some pages (Diffbot 0.959 on this split), see bench_extraction.

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass(frozen=True, slots=True)
class Score:
    """Averages over a set of documents."""

    precision: float
    recall: float
    f1: float
    accuracy: float
    documents: int


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def shingles(words: Sequence[str], n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    """Multiset of n-token shingles; a text shorter than n tokens is one short shingle."""
    if not words:
        return Counter()
    return Counter(tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1)))


def overlap(reference: str, predicted: str) -> Overlap:
    """Compare one predicted text with its reference."""
    ref_words, pred_words = tokens(reference), tokens(predicted)
    ref, pred = shingles(ref_words), shingles(pred_words)
    return Overlap(
        tp=sum((ref & pred).values()),
        fp=sum((pred - ref).values()),
        fn=sum((ref - pred).values()),
        exact=ref_words == pred_words,
    )


def score(overlaps: Sequence[Overlap]) -> Score:
    """Per-document precision and recall averaged; F1 of the averages."""
    if not overlaps:
        return Score(0.0, 0.0, 0.0, 0.0, 0)
    n = len(overlaps)
    p = sum(o.precision for o in overlaps) / n
    r = sum(o.recall for o in overlaps) / n
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Score(p, r, f1, sum(o.exact for o in overlaps) / n, n)


def bootstrap_f1(
    overlaps: Sequence[Overlap], *, resamples: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """95% bootstrap confidence interval of F1, resampling documents with replacement."""
    rng = random.Random(seed)
    n = len(overlaps)
    f1s = sorted(score([overlaps[rng.randrange(n)] for _ in range(n)]).f1 for _ in range(resamples))
    return f1s[int(0.025 * resamples)], f1s[min(resamples - 1, int(0.975 * resamples))]


def bootstrap_f1_difference(
    first: Sequence[Overlap], second: Sequence[Overlap], *, resamples: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """95% interval of F1(first) − F1(second) over the same pages, resampled together.

    Paired, so page difficulty cancels out: the interval says whether one extractor beats
    the other on these pages, which two overlapping marginal intervals cannot.
    """
    if len(first) != len(second):
        raise ValueError("both extractors must be scored on the same pages")
    rng = random.Random(seed)
    n = len(first)
    diffs = []
    for _ in range(resamples):
        picks = [rng.randrange(n) for _ in range(n)]
        diffs.append(score([first[i] for i in picks]).f1 - score([second[i] for i in picks]).f1)
    diffs.sort()
    return diffs[int(0.025 * resamples)], diffs[min(resamples - 1, int(0.975 * resamples))]
