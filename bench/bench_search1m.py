"""The opt-in 1M-document search run (SQLite: FTS5 and tantivy), kept as its own section so
the 100k figures with every backend stay beside it. Takes ~40 minutes on 2 cores.

    .venv/bin/python -m bench search1m
"""

from __future__ import annotations

import os

from bench import bench_search


def run(quick: bool) -> str:
    saved = {k: os.environ.get(k) for k in ("AMANAT_BENCH_DOCS", "AMANAT_BENCH_SKIP_PG")}
    os.environ["AMANAT_BENCH_DOCS"] = "20000" if quick else "1000000"
    os.environ["AMANAT_BENCH_SKIP_PG"] = "1"  # PostgreSQL at 1M would take hours to load here
    try:
        return bench_search.run(quick=False).replace("## Search (", "## Search at scale (", 1)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
