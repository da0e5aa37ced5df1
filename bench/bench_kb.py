"""The bundled starter base as every ``analyze`` run loads it: load time, index build time,
memory, and mention + linking on real article bodies.

Articles: the 91 article bodies of ``shared/data/extraction/ground-truth.json`` (news of every
kind, from many outlets). Each figure is measured in a fresh process (``--child``), so the
memory is that of the base and its index alone, not of an earlier measurement:

* load: ``starter.load()`` (read and decompress the export, build the records);
* index: ``KBIndex.build(kb)`` on that base;
* RSS: the process's resident memory after both, and its growth over the interpreter with
  the modules imported;
* articles/s: ``analyze_mentions`` over the 91 bodies (median of runs);
* person mentions linked: the share of mentions of kind ``person`` with an entity.

``python -m bench kb`` writes the table into docs/benchmarks.md; ``python -m bench.bench_kb
--child`` prints one JSON line (what docs/knowledge-base.md quotes).
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from bench.harness import table, timeit

GROUND_TRUTH = Path(__file__).resolve().parents[2] / "shared" / "data" / "extraction" / "ground-truth.json"


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20


def _articles() -> list[str]:
    doc = json.loads(GROUND_TRUTH.read_text(encoding="utf-8"))
    return [v["articleBody"] for v in doc.values() if v.get("articleBody")]


def measure(repeat: int = 3) -> dict[str, float]:
    """One process's figures (see the module docstring)."""
    from amanat.analyze.mentions import analyze_mentions
    from amanat.kb import starter
    from amanat.kb.index import KBIndex

    articles = _articles()
    gc.collect()
    before = _rss_mb()
    t0 = time.perf_counter()
    kb = starter.load()
    t1 = time.perf_counter()
    index = KBIndex.build(kb)
    t2 = time.perf_counter()
    gc.collect()
    after = _rss_mb()
    persons = linked = 0
    for text in articles:
        for m in analyze_mentions(text, date(2022, 1, 1), index):
            if m.kind == "person":
                persons += 1
                linked += bool(m.entity_id)
    t = timeit(
        lambda: [analyze_mentions(a, date(2022, 1, 1), index) for a in articles],
        repeat=repeat,
        warmup=0,
    )
    return {
        "entities": float(len(kb.entities)),
        "persons": float(sum(1 for e in kb.entities.values() if e.kind == "person")),
        "facts": float(len(kb.facts)),
        "load_s": t1 - t0,
        "index_s": t2 - t1,
        "rss_mb": after,
        "growth_mb": after - before,
        "articles": float(len(articles)),
        "art_s": len(articles) / t.median,
        "spread": t.spread,
        "person_mentions": float(persons),
        "person_linked": float(linked),
    }


def _child(repeat: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_kb", "--child", str(repeat)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool) -> str:
    r = _child(2 if quick else 5)
    rows = [
        [
            f"{int(r['entities']):,} ({int(r['persons']):,} persons)",
            f"{int(r['facts']):,}",
            f"{r['load_s']:.2f} s",
            f"{r['index_s']:.2f} s",
            f"{r['rss_mb']:.0f} MB (+{r['growth_mb']:.0f})",
            f"{r['art_s']:.1f} (±{r['spread']:.0%})",
            f"{int(r['person_linked'])}/{int(r['person_mentions'])}",
        ]
    ]
    body = table(
        [
            "entities",
            "facts",
            "load",
            "index",
            "RSS after (growth)",
            "articles/s",
            "person mentions linked",
        ],
        rows,
    )
    return (
        "## Starter base: load, index, memory, linking (91 real articles)\n\n"
        + body
        + "\n\nOne fresh process: `starter.load()`, `KBIndex.build`, then `analyze_mentions` over "
        "the 91 article bodies of `shared/data/extraction/ground-truth.json` (dated 2022-01-01)."
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(measure(int(sys.argv[2]) if len(sys.argv) > 2 else 3)))
    else:
        print(run(quick="--quick" in sys.argv))
