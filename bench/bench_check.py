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
            stages: dict[str, float] = {}
            checked = run_checks_on_store(store, seconds=stages)
    stored = summary.new + summary.copies + summary.versions
    n_docs = checked["documents"]
    rows = [
        # stored = new texts + the same texts at other URLs (the corpus repeats its bodies)
        ["ingest (JSON lines → SQLite), 2 workers", stored, t_ingest, stored / t_ingest, ""],
        ["mentions + claims, 2 workers", analysed["documents"], t_analysis, analysed["documents"] / t_analysis, 1.0],
    ]
    # the stages of `amanat check` run in one process, the analysis in two: cost is compared
    # per core (seconds × processes)
    for stage, what in STAGES:
        rows.append([f"{what}, 1 process", n_docs, stages.get(stage, 0.0), n_docs / max(stages.get(stage, 0.0), 1e-9),
                     stages.get(stage, 0.0) / (2 * t_analysis)])
    whole = sum(stages.get(stage, 0.0) for stage, _ in STAGES)
    rows.append(["`amanat check` after analysis (all of the above)", n_docs, whole, n_docs / whole,
                 whole / (2 * t_analysis)])
    return (
        "## Record checks\n\n"
        f"{n:,} real-length articles, each with a publication date, in a fresh SQLite store. "
        f"The checks found {checked['findings']:,} findings in {checked['stories checked']:,} stories; "
        "the bench gives each article a made-up date, so they measure cost, not quality. "
        "`amanat check` runs its stages in order after the analysis: story grouping (so an undated "
        "document is judged at its story's date), the record checks (issue 14), reprints and quotes of "
        "signed items (none in this store: the cost of finding that nothing matches), and the checks "
        "across each story's documents (issue 15). The corpus repeats 96 bodies with their paragraphs "
        "rotated, so its stories are few and large: grouping costs more here than on real coverage. "
        "Ratio: CPU cost beside that of mentions + claims "
        "in the same run (one process against two workers: seconds × processes).\n\n"
        + table(["what", "documents", "seconds", "documents/s", "× mentions + claims"], rows)
        + "\n\nGoal (issue 14): record checks add at most 10% to the cost of mentions + claims."
    )


STAGES = (("stories", "story grouping"), ("record checks", "record checks (every registered check)"),
          ("reprints", "reprints and quotes of signed items"), ("story checks", "checks across stories"))
