"""Claims throughput: mentions + linking + claims, beside mentions + linking alone and the
ingest rate, measured in the same run, with one worker and two.

Articles: the 91 real article bodies of shared/data/extraction (news and blogs of many
outlets, median ~4 KB) and the five sample articles, repeated with their paragraphs rotated
until there are 10,000 of them (rotation changes each text; nothing in analysis caches by
text). The knowledge base is the bundled starter base. Rates are articles per second of wall
time; "per core" divides the two-worker rate by two. The issue's goals: claims add at most a
third to mentions + linking (full rate ≥ 0.75× the mentions-only rate) and the full rate is
≥ 200 articles/s per core.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from amanat.analyze.claims import extract_claims
from amanat.analyze.mentions import analyze_mentions
from amanat.analyze.passes import PASSES, Context, MentionsPass, Source, run_local
from amanat.kb import starter
from amanat.kb.index import KBIndex
from amanat.model import Capture
from bench.harness import table

ROOT = Path(__file__).resolve().parents[1]
TRUTH = ROOT.parent / "shared" / "data" / "extraction" / "ground-truth.json"
SAMPLE = ROOT / "src" / "amanat" / "sample"


def corpus(n: int) -> list[str]:
    """``n`` real-length article texts (see the module docstring)."""
    bodies: list[str] = []
    if TRUTH.exists():
        bodies = [v["articleBody"] for v in json.loads(TRUTH.read_text()).values()]
    bodies += [p.read_text(encoding="utf-8") for p in sorted(SAMPLE.iterdir()) if p.suffix == ".txt"]
    out: list[str] = []
    turn = 0
    while len(out) < n:
        for body in bodies:
            paragraphs = body.split("\n")
            k = turn % max(1, len(paragraphs))
            out.append("\n".join(paragraphs[k:] + paragraphs[:k]))
            if len(out) == n:
                break
        turn += 1
    return out


def _rate(texts: list[str], context: Context, jobs: int, passes: tuple) -> float:
    """Articles per second through the runner, its workers' start-up included."""
    sources = [Source(str(i), t) for i, t in enumerate(texts)]
    t0 = time.perf_counter()
    for _ in run_local(sources, context, jobs, passes):
        pass
    return len(texts) / (time.perf_counter() - t0)


def _ingest_rate(texts: list[str]) -> float:
    """Plain-text captures through ingest's extraction, written into a fresh SQLite store."""
    from amanat.ingest.pipeline import analyze_one as _analyze
    from amanat.store.db import Store

    with tempfile.TemporaryDirectory() as tmp, Store.open(f"sqlite:///{tmp}/bench.db") as store:
        t0 = time.perf_counter()
        with store.writer() as writer:
            for i, text in enumerate(texts):
                capture = Capture(f"https://bench.example/{i}", text.encode(), "text/plain", f"bench#{i}")
                writer.add(_analyze(capture, "bench"), capture, "local")
        return len(texts) / (time.perf_counter() - t0)


def run(quick: bool) -> str:
    n = 600 if quick else 10_000
    texts = corpus(n)
    context = Context(KBIndex.build(starter.load()), "bench")
    mentions_only = (MentionsPass(),)
    # warm up imports, lexicons and regexes in this process
    extract_claims(texts[0], None, "en", analyze_mentions(texts[0], None, context.kb_index))
    rows = []
    rates: dict[tuple[str, int], float] = {}
    for jobs in (1, 2):
        for label, passes in (("mentions + linking", mentions_only), ("mentions + linking + claims", PASSES)):
            rates[label, jobs] = _rate(texts, context, jobs, passes)
    ingest = _ingest_rate(texts[: min(n, 2000)])
    for jobs in (1, 2):
        full, alone = rates["mentions + linking + claims", jobs], rates["mentions + linking", jobs]
        rows.append([f"mentions + linking, {jobs} worker(s)", alone, alone / jobs, 1.0])
        rows.append([f"mentions + linking + claims, {jobs} worker(s)", full, full / jobs, full / alone])
    rows.append(["ingest (plain text → SQLite), 1 process", ingest, ingest, None])
    chars = sum(map(len, texts)) / len(texts)
    return (
        "## Claims throughput\n\n"
        f"{n:,} real-length articles (mean {chars:,.0f} characters; the 91 real bodies of "
        "shared/data/extraction and the 5 samples, paragraphs rotated), starter knowledge base. "
        "Ratio: the rate beside the mentions-only rate of the same worker count, measured in the same run.\n\n"
        + table(["what", "articles/s", "per core", "× mentions only"], [[r[0], r[1], r[2], "" if r[3] is None else r[3]] for r in rows])
        + "\n\nGoals (issue 13): full rate ≥ 0.75× mentions only, and ≥ 200 articles/s per core."
    )
