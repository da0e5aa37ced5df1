"""Name matching: open-set precision/recall on the name-variant clusters, and lookup cost.

Threshold chosen on the ``tune`` half of the clusters (split by a hash of the cluster id),
figures reported on the ``test`` half; the pool searched is every name of every cluster.
Lookup cost is measured with the clusters alone and with synthetic distractor names built
from the NETransliteration token lists, to show that blocking keeps it nearly flat.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from rapidfuzz import fuzz, process

from amanat.kb.name_eval import (
    build_index,
    choose_threshold,
    hard_negatives,
    load_clusters,
    measure,
    part_of,
    run_queries,
)
from bench.harness import percentiles, table

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "names"


def _baseline(clusters, threshold_part="tune"):
    """Plain rapidfuzz token_sort_ratio over case-folded strings, full scan, no keys."""
    pool = [(n.casefold(), c.id) for c in clusters for n in c.names]
    names = [p[0] for p in pool]
    rows = {}
    for part in ("tune", "test"):
        outs = []
        for c in clusters:
            if part_of(c.id) != part:
                continue
            for n in c.names:
                best = None
                for _, s, i in process.extract(
                    n.casefold(), names, scorer=fuzz.token_sort_ratio, limit=3
                ):
                    if names[i] == n.casefold() and pool[i][1] == c.id:
                        continue
                    best = (s / 100, pool[i][1])
                    break
                outs.append((best, c.id, len(c.names) > 1))
        rows[part] = outs
    from amanat.kb.name_eval import Outcome

    conv = {
        part: [
            Outcome(c, c, a, b[0] if b else 0.0, bool(b) and b[1] == c, True) for b, c, a in outs
        ]
        for part, outs in rows.items()
    }
    chosen = choose_threshold(conv["tune"])
    return measure(conv["test"], chosen.threshold)


def _distractors(n: int) -> list[str]:
    rng = random.Random(7)
    tokens: list[str] = []
    for name in ("wd_russian_64.tsv", "wd_arabic_64.tsv"):
        path = DATA / "netransliteration_wikidata" / name
        for line in path.read_text(encoding="utf-8").splitlines()[:40000]:
            src, tgt, _ = line.split("\t")
            tokens.append(src.capitalize())
            tokens.append(tgt.replace(" ", "").capitalize())
    return [f"{rng.choice(tokens)} {rng.choice(tokens)}" for _ in range(n)]


def run(quick: bool) -> str:
    clusters = load_clusters(DATA / "everypolitician_name_clusters" / "clusters.jsonl")
    rows = []
    notes = []
    for label, tl in (
        ("keys + transliteration (anyascii)", True),
        ("keys, transliteration off", False),
    ):
        index = build_index(clusters, transliterate=tl)
        t0 = time.perf_counter()
        tune = run_queries(index, clusters, "tune")
        test = run_queries(index, clusters, "test")
        elapsed = time.perf_counter() - t0
        chosen = choose_threshold(tune)
        held = measure(test, chosen.threshold)
        hn = hard_negatives(clusters, transliterate=tl)
        fa = sum(1 for s in hn if s >= chosen.threshold)
        answerable = [o for o in test if o.answerable]
        blocked = sum(o.blocked for o in answerable) / len(answerable)
        rows.append(
            [
                label,
                f"{chosen.threshold:.2f}",
                f"{chosen.precision:.3f}",
                f"{chosen.recall:.3f}",
                f"{held.precision:.3f}",
                f"{held.recall:.3f}",
                f"{blocked:.3f}",
                f"{fa}/{len(hn)}",
                f"{(len(tune) + len(test)) / elapsed:,.0f}",
            ]
        )
    base = _baseline(clusters)
    rows.append(
        [
            "baseline: rapidfuzz token_sort_ratio, full scan",
            "—",
            "—",
            "—",
            f"{base.precision:.3f}",
            f"{base.recall:.3f}",
            "1 (scan)",
            "—",
            "—",
        ]
    )
    header = [
        "method",
        "threshold (tune)",
        "P tune",
        "R tune",
        "P test",
        "R test",
        "blocking recall",
        "hard negatives accepted",
        "queries/s",
    ]

    # lookup latency as the base grows
    sizes = [0, 20_000] if quick else [0, 20_000, 100_000]
    queries = [n for c in clusters for n in c.names][::7][:200]
    lat_rows = []
    for extra in sizes:
        index = build_index(clusters)
        for i, name in enumerate(_distractors(extra)):
            index.add(name, f"x{i}")
        samples = []
        cands = 0
        for q in queries:
            t0 = time.perf_counter()
            index.search(q, limit=1)
            samples.append(time.perf_counter() - t0)
            cands += len(index.candidates(q))
        p50, p95, _ = percentiles(samples)
        lat_rows.append(
            [
                f"{len(index):,}",
                f"{cands / len(queries):,.0f}",
                f"{p50 * 1e3:.2f}",
                f"{p95 * 1e3:.2f}",
            ]
        )
    notes.append(
        "Data: `shared/data/names/everypolitician_name_clusters/clusters.jsonl` (the 70% development "
        "split; 567 clusters, 2,034 distinct names in Latin, Cyrillic, Arabic/Urdu and other scripts). "
        "Clusters are halved by `sha256(cluster_id)[0] % 2`; every name is a query, its top-1 match is "
        "searched among all names of all clusters (itself excluded). Precision = accepted top-1 in the "
        "right cluster / accepted; recall = accepted and right / queries whose cluster has another name. "
        "Threshold: highest recall with precision ≥ 0.95 on the tune half. Hard negatives: pairs of "
        "names of different clusters sharing a surname-like token (≥4 letters), test half."
    )
    return "\n\n".join(
        [
            "## names — name matching across scripts",
            table(header, rows),
            "Lookup latency (one query, top-1) as the base grows with synthetic distractor names:",
            table(["names in base", "candidates scored (mean)", "p50 ms", "p95 ms"], lat_rows),
            *notes,
        ]
    )
