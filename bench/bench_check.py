"""Record checks over a stored corpus, beside the ingest and the analysis of the same
documents in the same run.

Documents: the real-length articles of ``bench_claims.corpus`` (the 91 real bodies of
shared/data/extraction and the 5 samples, paragraphs rotated), ingested as JSON lines with
a publication date each (so the checks judge titles at a date), into a fresh SQLite store.
Then ``amanat analyze`` (mentions + claims, two workers) and ``amanat check`` (every
registered check) run on them. The issue's goal: checks add at most 10% to the cost of
mentions + claims.
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench.bench_claims import corpus
from bench.harness import table


def run(quick: bool) -> str:
    from amanat.analyze.commands import run_analysis
    from amanat.check.commands import run_checks_on_store
    from amanat.ingest.pipeline import ingest
    from amanat.store.db import Store

    n = 2_000 if quick else 100_000
    texts = corpus(n)
    with tempfile.TemporaryDirectory() as tmp:
        lines = Path(tmp) / "corpus.jsonl"
        with lines.open("w", encoding="utf-8") as fh:
            for i, text in enumerate(texts):
                day = date(2019, 1, 1) + timedelta(days=i % 1500)
                fh.write(json.dumps({"url": f"https://bench.example/{i}", "text": text,
                                     "published": day.isoformat(), "title": f"Article {i}"}) + "\n")
        with Store.open(f"sqlite:///{tmp}/bench.db") as store:
            t0 = time.perf_counter()
            summary = ingest(store, [str(lines)], source="bench", jobs=2)
            t_ingest = time.perf_counter() - t0
            t0 = time.perf_counter()
            analysed = run_analysis(store, jobs=2)
            t_analysis = time.perf_counter() - t0
            t0 = time.perf_counter()
            checked = run_checks_on_store(store)
            t_check = time.perf_counter() - t0
    stored = summary.new + summary.copies + summary.versions
    rows = [
        # stored = new texts + the same texts at other URLs (the corpus repeats its bodies)
        ["ingest (JSON lines → SQLite), 2 workers", stored, t_ingest, stored / t_ingest, ""],
        ["mentions + claims, 2 workers", analysed["documents"], t_analysis, analysed["documents"] / t_analysis, 1.0],
        # the checks run in one process, the analysis in two: cost is compared per core
        ["record checks (every registered check), 1 process", checked["documents"], t_check,
         checked["documents"] / t_check, t_check / (2 * t_analysis)],
    ]
    return (
        "## Record checks\n\n"
        f"{n:,} real-length articles, each with a publication date, in a fresh SQLite store. "
        f"The checks found {checked['findings']:,} findings. Ratio: CPU cost beside that of mentions + claims "
        "in the same run (checks in one process against analysis in two workers: seconds × processes).\n\n"
        + table(["what", "documents", "seconds", "documents/s", "× mentions + claims"], rows)
        + "\n\nGoal (issue 14): record checks add at most 10% to the cost of mentions + claims."
    )
