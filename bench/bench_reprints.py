"""Reprint candidates: the containment index (analyze/reuse.py) against MinHash and brute force.

Everything is synthetic and labelled so. Words are drawn, with their frequencies and their
punctuation, from the shipped sample articles (src/amanat/sample/*.txt and ../shared/seeds),
shuffled into new text: 10,000 statements of 60–120 words (~600 characters) and N documents
of ~430 words (~2.6 KB). Into some documents reprints of statements are planted:

- whole: the statement alone under a dateline; embedded: inside a 2.6 KB article;
- truncated: a prefix or a suffix of 52–80% of the words (cut mid-sentence), embedded;
- altered: a word changed every 15–20 words, a number changed, a phrase removed or inserted;
- truncated and altered, embedded;
- near-miss: 20–40% of the statement embedded (contains less than half: a negative).

Recall is counted over planted documents that contain at least half of their statement's
words unchanged (by construction); precision over all candidates returned. Timings: indexing
rate (one process, one core), all reprints of every statement, and the same work by
brute-force alignment (rapidfuzz ``partial_ratio`` of every statement against every document,
timed on a sample and extrapolated), all in CPU seconds of this one process (the machine
is shared and noisy: CPU time per core is what the goals name). datasketch MinHash (128 permutations) and rensa's Rust MinHash are timed on a
sample in the same run, and MinHash-LSH (Jaccard) and LSH Ensemble (containment) are scored
on a sub-corpus (every planted document of 300 statements plus 5,000 others).

    .venv/bin/python -m bench reprints                  1,000,000 documents: ~5 min, 7 GB
    .venv/bin/python -m bench reprints --docs 100000    a quicker run (AMANAT_BENCH_DOCS)
"""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import numpy as np

from amanat.analyze.reuse import ReuseIndex, shingles
from bench.harness import table, timeit_interleaved

STATEMENTS = 10_000
PLANTED_STATEMENTS = 2_000
KINDS = ("whole", "embedded", "truncated", "altered", "truncated+altered", "near-miss")
ROOT = Path(__file__).resolve().parent.parent


class Corpus:
    """Synthetic statements and documents with planted reprints (all labelled synthetic)."""

    def __init__(self, n_docs: int, seed: int = 15) -> None:
        self.rng = np.random.default_rng(seed)
        tokens: list[str] = []
        for folder in (ROOT / "src/amanat/sample", ROOT.parent / "shared/seeds"):
            for path in sorted(folder.glob("*.txt")):
                tokens += path.read_text(encoding="utf-8").split()
        vocab, counts = np.unique(np.array(tokens, dtype=object), return_counts=True)
        self.vocab = vocab
        self.cdf = np.cumsum(counts / counts.sum())
        self.n_docs = n_docs
        self.statements = [self._text(int(self.rng.integers(60, 121))) for _ in range(STATEMENTS)]
        n_planted = min(PLANTED_STATEMENTS, max(10, n_docs // (3 * len(KINDS))))
        slots = self.rng.choice(n_docs, size=n_planted * len(KINDS), replace=False)
        self.planted: dict[int, tuple[int, str, bool]] = {}  # doc -> (statement, kind, >= half)
        self.planted_text: dict[int, str] = {}
        for k, doc in enumerate(slots.tolist()):
            s, kind = k // len(KINDS), KINDS[k % len(KINDS)]
            text, share = self._reprint(self.statements[s], kind)
            self.planted[doc] = (s, kind, share >= 0.5)
            self.planted_text[doc] = text

    def _words(self, n: int) -> list[str]:
        ix = np.minimum(np.searchsorted(self.cdf, self.rng.random(n)), len(self.vocab) - 1)
        return self.vocab[ix].tolist()

    def _text(self, n: int) -> str:
        return " ".join(self._words(n))

    def documents(self, chunk: int = 2_000):
        """Yield lists of (key, text), ``chunk`` documents at a time."""
        for start in range(0, self.n_docs, chunk):
            n = min(chunk, self.n_docs - start)
            picks = self.vocab[np.minimum(np.searchsorted(self.cdf, self.rng.random(n * 430)), len(self.vocab) - 1)]
            rows = picks.reshape(n, 430)
            out = []
            for i in range(n):
                doc = start + i
                text = self.planted_text.get(doc) or " ".join(rows[i].tolist())
                out.append((f"doc{doc}", text))
            yield out

    def _reprint(self, statement: str, kind: str) -> tuple[str, float]:
        """A planted document for ``kind`` and the share of the statement's words it keeps."""
        words = statement.split()
        n = len(words)
        rng = self.rng
        kept = n
        if kind in ("truncated", "truncated+altered", "near-miss"):
            lo, hi = {"truncated": (0.52, 0.8), "truncated+altered": (0.62, 0.8), "near-miss": (0.2, 0.4)}[kind]
            keep = int(n * rng.uniform(lo, hi))
            words = words[:keep] if rng.random() < 0.5 else words[n - keep:]
            kept = keep
        if kind in ("altered", "truncated+altered"):
            words, changed = self._alter(words)
            kept -= changed
        body = " ".join(words)
        if kind == "whole":
            return f"ASTANA (synthetic) — {body}", kept / n
        head = self._text(int(rng.integers(20, 300)))
        tail = self._text(max(10, 430 - len(words) - len(head.split())))
        return f"{head} {body} {tail}", kept / n

    def _alter(self, words: list[str]) -> tuple[list[str], int]:
        """Change a word every 15–20 words and one number, remove a phrase of 3 words or
        insert one; return the words and how many of the original words were lost."""
        rng = self.rng
        out = list(words)
        lost = 0
        i = int(rng.integers(5, 15))
        while i < len(out):
            out[i] = self._words(1)[0] + "x"
            lost += 1
            i += int(rng.integers(15, 21))
        out.insert(int(rng.integers(0, len(out))), str(int(rng.integers(2, 9999))))  # a number changed/added
        at = int(rng.integers(0, max(1, len(out) - 3)))
        if rng.random() < 0.5:
            lost += len(out[at:at + 3])
            del out[at:at + 3]
        else:
            out[at:at] = ["reportedly", "(synthetic)", "insert"]
        return out, lost


def _minhash(text: str):
    from datasketch import MinHash

    m = MinHash(num_perm=128)
    m.update_batch([h.tobytes() for h in shingles(text)])
    return m


def _rminhash(text: str):
    """rensa's MinHash (Rust), fed the same word 4-grams as strings, its natural input."""
    from rensa import RMinHash

    words = text.split()
    m = RMinHash(num_perm=128, seed=42)
    m.update([" ".join(words[i:i + 4]) for i in range(max(1, len(words) - 3))])
    return m


def _build(items: list[tuple[str, str]]) -> ReuseIndex:
    index = ReuseIndex()
    index.add_many(items)
    index.nbytes  # noqa: B018 - flushes the postings into sorted arrays: part of indexing
    return index


def _brute_force_pair_seconds(corpus: Corpus, sample_docs: list[str]) -> float:
    from rapidfuzz import fuzz

    stmts = corpus.statements[:20]

    def run() -> None:
        for s in stmts:
            for d in sample_docs:
                fuzz.partial_ratio(s, d)

    t0 = time.process_time()
    run()
    return (time.process_time() - t0) / (len(stmts) * len(sample_docs))


def _score(found: set[tuple[int, int]], corpus: Corpus, docs: set[int] | None = None) -> tuple[float, float, int]:
    positives = {(s, d) for d, (s, _, half) in corpus.planted.items() if half and (docs is None or d in docs)}
    recall = len(positives & found) / len(positives) if positives else 1.0
    precision = len(positives & found) / len(found) if found else 1.0
    return recall, precision, len(found)


def _lsh_comparison(corpus: Corpus, statements: range, sample: list[tuple[str, str]]) -> list[list[object]]:
    """MinHash-LSH (Jaccard 0.5) and LSH Ensemble (containment 0.5) on a sub-corpus."""
    from datasketch import MinHashLSH, MinHashLSHEnsemble

    docs = {int(k[3:]) for k, _ in sample}
    mh = {k: _minhash(t) for k, t in sample}
    size = {k: len(shingles(t)) for k, t in sample}
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    for k, m in mh.items():
        lsh.insert(k, m)
    ens = MinHashLSHEnsemble(threshold=0.5, num_perm=128, num_part=16)
    ens.index([(k, m, size[k]) for k, m in mh.items()])
    index = _build(sample)
    found: dict[str, set[tuple[int, int]]] = {"ReuseIndex": set(), "MinHash-LSH": set(), "LSH Ensemble": set()}
    for s in statements:
        text = corpus.statements[s]
        q = _minhash(text)
        found["MinHash-LSH"] |= {(s, int(k[3:])) for k in lsh.query(q)}
        found["LSH Ensemble"] |= {(s, int(k[3:])) for k in ens.query(q, max(1, len(shingles(text))))}
        found["ReuseIndex"] |= {(s, int(k[3:])) for k, _ in index.contained_in(text)}
    statements_index = ReuseIndex()
    statements_index.add_many((str(s), t) for s, t in enumerate(corpus.statements))  # all 10k
    t0 = time.process_time()
    found["ReuseIndex, containing (statements indexed)"] = {
        (int(k), int(d[3:])) for d, t in sample for k, _ in statements_index.containing(t)}
    containing_rate = len(sample) / (time.process_time() - t0)
    for n in (3, 5):
        other = ReuseIndex(n=n)
        other.add_many(sample)
        found[f"ReuseIndex, n={n}"] = {(s, int(k[3:])) for s in statements
                                       for k, _ in other.contained_in(corpus.statements[s])}
    rows = []
    for name, pairs in found.items():
        pairs = {p for p in pairs if p[0] in statements}
        recall, precision, n = _score(pairs, corpus, docs & {d for d, v in corpus.planted.items() if v[0] in statements})
        rows.append([name, f"{recall:.3f}", f"{precision:.3f}", n])
    rows[-3][0] += f" — {containing_rate:,.0f} docs/s matched against all {len(corpus.statements):,} statements"
    return rows


def run(quick: bool) -> str:
    n_docs = 20_000 if quick else int(os.environ.get("AMANAT_BENCH_DOCS", "1000000"))
    t_start = time.perf_counter()
    corpus = Corpus(n_docs)
    index = ReuseIndex()
    index_seconds = 0.0
    background: list[tuple[str, str]] = []
    rate_sample: list[tuple[str, str]] = []
    for batch in corpus.documents():
        if len(rate_sample) < 10_000:
            rate_sample += batch
        if len(background) < 5_000:
            background += [(k, t) for k, t in batch if int(k[3:]) not in corpus.planted][:500]
        t0 = time.process_time()
        index.add_many(batch)
        index_seconds += time.process_time() - t0
    t0 = time.process_time()
    index.nbytes  # noqa: B018 - flushes the last batch: part of indexing
    index_seconds += time.process_time() - t0

    # rates on a 2,000-document sample, interleaved: ReuseIndex beside datasketch MinHash
    sample = rate_sample[:2_000]
    rates = timeit_interleaved({
        "ReuseIndex": lambda: _build(sample),
        "MinHash": lambda: [_minhash(t) for _, t in sample],
        "rensa": lambda: [_rminhash(t) for _, t in sample],
    }, repeat=3)

    t0 = time.process_time()
    found: set[tuple[int, int]] = set()
    for s, text in enumerate(corpus.statements):
        found |= {(s, int(k[3:])) for k, _ in index.contained_in(text)}
    query_seconds = time.process_time() - t0
    recall, precision, n_found = _score(found, corpus)
    by_kind = {}
    for d, (s, kind, _half) in corpus.planted.items():
        hit = (s, d) in found
        total, hits = by_kind.get(kind, (0, 0))
        by_kind[kind] = (total + 1, hits + hit)

    pair_s = _brute_force_pair_seconds(corpus, [t for _, t in background[:50]])
    brute = pair_s * STATEMENTS * n_docs
    ours = index_seconds + query_seconds

    sub_statements = range(min(300, len({v[0] for v in corpus.planted.values()})))
    sub = [(f"doc{d}", corpus.planted_text[d]) for d, v in corpus.planted.items() if v[0] in sub_statements]
    lsh_rows = _lsh_comparison(corpus, sub_statements, sub + background[:5_000])

    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    rate_rows = [
        ["ReuseIndex, full corpus (one run)", f"{n_docs / index_seconds:,.0f}", "—"],
        ["ReuseIndex, 2,000-doc sample (median of 3)", f"{len(sample) / rates['ReuseIndex'].median:,.0f}",
         f"{rates['MinHash'].median / rates['ReuseIndex'].median:.1f}×"],
        ["datasketch MinHash, 128 perm, same sample", f"{len(sample) / rates['MinHash'].median:,.0f}", "1×"],
        ["rensa RMinHash (Rust), 128 perm, same sample", f"{len(sample) / rates['rensa'].median:,.0f}",
         f"{rates['MinHash'].median / rates['rensa'].median:.1f}×"],
    ]
    kinds = [[k, by_kind[k][0], f"{by_kind[k][1] / by_kind[k][0]:.3f}"] for k in KINDS if k in by_kind]
    return "\n\n".join([
        f"## Reprint candidates ({n_docs:,} synthetic documents, {STATEMENTS:,} synthetic statements)",
        f"ReuseIndex (analyze/reuse.py, n={index.n}, max_df={index.max_df}, slack={index.slack}); "
        f"{len(corpus.planted):,} planted documents ({len(corpus.planted) // len(KINDS):,} statements × "
        f"{len(KINDS)} kinds). One process, one core; times are CPU seconds (the 2,000-document "
        f"sample rates: wall-clock medians of 3 interleaved runs).",
        "### Indexing rate (documents/s)",
        table(["", "docs/s", "vs MinHash"], rate_rows),
        "### All reprints of every statement",
        table(["", "value"], [
            ["index build", f"{index_seconds:.1f} s"],
            [f"{STATEMENTS:,} containment queries (min_share 0.5)", f"{query_seconds:.1f} s "
             f"({query_seconds / STATEMENTS * 1e3:.2f} ms each)"],
            ["postings / index memory", f"{index.postings:,} / {index.nbytes / 1e9:.2f} GB (peak RSS {rss_gb:.1f} GB)"],
            ["brute force: partial_ratio per pair (20 × 50 sample)", f"{pair_s * 1e6:.0f} µs"],
            ["brute force, extrapolated to every pair", f"{brute / 3600:,.0f} h"],
            ["speed-up, queries only", f"{brute / query_seconds:,.0f}×"],
            ["speed-up, index build + queries", f"{brute / ours:,.0f}×"],
            ["recall (planted, ≥ half of the statement)", f"{recall:.3f}"],
            ["precision of candidates", f"{precision:.3f} ({n_found:,} candidates)"],
        ]),
        "Recall by planted kind (near-miss: share of them returned, not required):",
        table(["kind", "planted", "returned"], kinds),
        f"### Against MinHash-LSH and LSH Ensemble ({len(sub):,} planted + 5,000 other documents, "
        f"{len(sub_statements)} statements)",
        table(["index", "recall", "precision", "candidates"], lsh_rows),
        "ReuseIndex rows use n=4 unless named; the containing row indexes the statements and "
        "streams the documents through it (how new documents are matched as they arrive). "
        f"MinHash-LSH at Jaccard 0.5 misses the embedded reprints (a 600-character statement in a "
        f"2.6 KB article has Jaccard ≈ 0.1); LSH Ensemble (containment 0.5, 16 partitions) is "
        f"probabilistic. The background text draws words independently (unigram frequencies "
        f"of the sample articles), so it repeats fewer phrases than real news: precision on real "
        f"coverage will be lower, and `max_df` bounds what common phrases cost. Whole run {time.perf_counter() - t_start:.0f} s (generation included).",
    ])
