"""Open-set evaluation of name matching on clusters of name variants (one cluster = one person).

For every variant in a part of the data, the best match among *all* names of *all* clusters
(every script, itself excluded) is taken; it counts as accepted when its score reaches the
threshold. A query is *answerable* when its cluster has another name. Then:

    precision = accepted and right / accepted        recall = accepted and right / answerable

so a single-name cluster whose name is matched to someone else is a false positive, as in
real use. Hard negatives come free: clusters sharing a surname are in the pool. The threshold
is chosen on the ``tune`` part (clusters split by a hash of their id) and reported on ``test``.
Used by ``bench/bench_names.py`` and by the tests.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from amanat.kb.names import NameIndex, parse_name, score

Part = str  # "tune" | "test"


@dataclass(frozen=True, slots=True)
class Cluster:
    id: str
    legislature: str
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    """Top-1 result for one query variant."""

    name: str
    cluster: str
    answerable: bool
    score: float  # of the best match, 0 when no candidate
    right: bool  # best match is in the same cluster
    blocked: bool  # some other name of the cluster was among the candidates


@dataclass(frozen=True, slots=True)
class Scores:
    threshold: float
    precision: float
    recall: float
    queries: int
    answerable: int
    accepted: int

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_clusters(path: str | Path) -> list[Cluster]:
    """``clusters.jsonl`` lines → clusters (duplicate spellings inside a cluster removed)."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            names = tuple(dict.fromkeys(n.strip() for n in rec["names"] if n.strip()))
            out.append(Cluster(rec["cluster_id"], rec.get("legislature", ""), names))
    return out


def part_of(cluster_id: str) -> Part:
    """Deterministic half split by cluster (sha256, unlike the data's own sha1 split)."""
    return "tune" if hashlib.sha256(cluster_id.encode()).digest()[0] % 2 == 0 else "test"


def build_index(clusters: Iterable[Cluster], *, transliterate: bool = True) -> NameIndex:
    index = NameIndex(transliterate=transliterate)
    for c in clusters:
        for n in c.names:
            index.add(n, c.id)
    return index


def run_queries(index: NameIndex, clusters: Iterable[Cluster], part: Part | None) -> list[Outcome]:
    """Top-1 outcome for every name of the clusters in ``part`` (None = all)."""
    outcomes = []
    for c in clusters:
        if part is not None and part_of(c.id) != part:
            continue
        for n in c.names:
            best = index.search(n, limit=1, exclude=(n, c.id))
            cand_refs = {index.entry(i)[1] for i in index.candidates(n)}
            outcomes.append(
                Outcome(
                    name=n,
                    cluster=c.id,
                    answerable=len(c.names) > 1,
                    score=best[0].score if best else 0.0,
                    right=bool(best) and best[0].ref == c.id,
                    blocked=len(c.names) > 1 and c.id in cand_refs,
                )
            )
    return outcomes


def measure(outcomes: Sequence[Outcome], threshold: float) -> Scores:
    accepted = [o for o in outcomes if o.score >= threshold and o.score > 0]
    right = sum(1 for o in accepted if o.right)
    answerable = sum(1 for o in outcomes if o.answerable)
    return Scores(
        threshold=threshold,
        precision=right / len(accepted) if accepted else 1.0,
        recall=right / answerable if answerable else 0.0,
        queries=len(outcomes),
        answerable=answerable,
        accepted=len(accepted),
    )


def choose_threshold(outcomes: Sequence[Outcome], min_precision: float = 0.95) -> Scores:
    """Highest recall with precision ≥ ``min_precision``; best F1 if none reaches it."""
    grid = [i / 100 for i in range(30, 100)]
    results = [measure(outcomes, t) for t in grid]
    ok = [r for r in results if r.precision >= min_precision]
    if ok:
        return max(ok, key=lambda r: (r.recall, -r.threshold))
    return max(results, key=lambda r: r.f1)


def hard_negatives(
    clusters: Sequence[Cluster], *, transliterate: bool = True, part: Part | None = "test"
) -> list[float]:
    """Scores of name pairs from *different* clusters that share a surname-like token.

    Pairs are found through the blocking keys; a shared token is an identical phonetic form
    of at least four letters. These are the same-surname, different-person cases.
    """
    index = build_index(clusters, transliterate=transliterate)
    scores = []
    for c in clusters:
        if part is not None and part_of(c.id) != part:
            continue
        for n in c.names:
            pa = parse_name(n, transliterate)
            forms = {t.phonetic for t in pa.tokens if len(t.phonetic) >= 4 and not t.weak}
            for i in index.candidates(pa):
                cand, ref = index.entry(i)
                if ref == c.id:
                    continue
                if forms & {t.phonetic for t in cand.tokens}:
                    scores.append(score(pa, cand))
    return scores
