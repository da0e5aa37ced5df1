"""Records/s on the same WARC input: one process, the local worker pool, Spark local[2].

Every path runs the very same per-record work (``amanat.scale.job.process_file``: WARC
reading, extraction, mentions, claims, reprint candidates) over the same files, one file per
task; Spark also writes every table as Parquet, which the other two do not (so the
comparison, if anything, favours them). Spark's fixed costs are measured apart, not hidden:
JVM start and session creation, and the first run of a session (Python workers forked, the
knowledge base unpickled in each); the steady rate is the median of runs in a session that
is already up, interleaved with the pool's runs so that a burst of load on the shared
machine slows both. The input is the 91 real article pages of ../shared/data/extraction as
WARC response records, each page in ``copies`` different files (never twice in one file: a
file analyses a document id once).

    python -m bench scale                      (AMANAT_BENCH_DOCS=N for about N records)
"""

from __future__ import annotations

import io
import os
import pickle
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from bench.bench_ingest import _pages
from bench.harness import table

CORES = 2
FILES = 8
_SHIPMENT: Any = None


def _set(shipment: object) -> None:
    global _SHIPMENT
    _SHIPMENT = shipment


def _file_rows(args: tuple[int, str]) -> float:
    """Process one file as a pool task; returns the task's CPU seconds."""
    from amanat.scale.job import process_file

    cpu = time.process_time()
    for _ in process_file(args[0], args[1], _SHIPMENT):
        pass
    return time.process_time() - cpu


def _jvm_cpu(spark: Any) -> float:
    """CPU seconds the Spark JVM (driver and local executor) has used so far, from /proc."""
    pid = spark.sparkContext._gateway.proc.pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss(_: object) -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # MiB


def _write_inputs(folder: Path, pages: list[tuple[str, bytes]], copies: int, files: int) -> list[str]:
    """Page ``i``'s copy ``c`` goes to file ``(i + c) % files``: each file holds a page once."""
    paths = [folder / f"in-{f:02}.warc.gz" for f in range(files)]
    handles = [p.open("wb") for p in paths]
    writers = [WARCWriter(h, gzip=True) for h in handles]
    for c in range(copies):
        for i, (url, body) in enumerate(pages):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer = writers[(i + c) % files]
            writer.write_record(writer.create_warc_record(f"{url}?copy={c}", "response", payload=io.BytesIO(body),
                                                          http_headers=headers))
    for h in handles:
        h.close()
    return [str(p) for p in paths]


def run(quick: bool) -> str:
    from amanat.analyze.workers import analysis_pool
    from amanat.scale.spark import run as spark_run
    from amanat.scale.spark import session, shipment_of
    from amanat.store.db import Store

    pages = _pages()[: 24 if quick else None]
    wanted = int(os.environ.get("AMANAT_BENCH_DOCS", 0)) or (48 if quick else 2 * len(pages))
    copies = min(FILES, max(1, round(wanted / len(pages))))
    rounds = 1 if quick else 3
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    files = _write_inputs(tmp, pages, copies, FILES)
    records = copies * len(pages)
    size_mb = sum(os.path.getsize(f) for f in files) / 1e6
    raw_mb = copies * sum(len(b) for _, b in pages) / 1e6
    with Store.open(f"sqlite:///{tmp / 'kb.db'}") as store:
        shipment = shipment_of(store)
    shipped_mb = len(pickle.dumps(shipment)) / 1e6
    items = list(enumerate(files))

    _set(shipment)
    t0, c0 = time.perf_counter(), time.process_time()
    for item in items:
        _file_rows(item)
    one, cpu = time.perf_counter() - t0, time.process_time() - c0

    t0 = time.perf_counter()
    pool = analysis_pool(CORES, _set, (shipment,))
    list(pool.map(_peak_rss, range(CORES)))  # workers up and holding the context
    pool_start = time.perf_counter() - t0

    t0 = time.perf_counter()
    spark = session(f"local[{CORES}]")
    spark_start = time.perf_counter() - t0
    reuse = spark.sparkContext.getConf().get("spark.python.worker.reuse", "true (default)")
    t0 = time.perf_counter()
    first = spark_run(spark, files, tmp / "out-first", shipment)  # workers forked, broadcast loaded
    spark_first = time.perf_counter() - t0

    pooled: list[float] = []
    sparked: list[float] = []
    pool_cpu: list[float] = []
    jvm_cpu: list[float] = []
    reports = []
    for r in range(rounds):
        t0 = time.perf_counter()
        pool_cpu.append(sum(pool.map(_file_rows, items)))
        pooled.append(time.perf_counter() - t0)
        t0, j0 = time.perf_counter(), _jvm_cpu(spark)
        reports.append(spark_run(spark, files, tmp / f"out-{r}", shipment))
        sparked.append(time.perf_counter() - t0)
        jvm_cpu.append(_jvm_cpu(spark) - j0)
    worker_rss = max(pool.map(_peak_rss, range(CORES * 2)))
    pool.shutdown()

    def executor_peak(_: object) -> int:  # nested: shipped by value, the workers need not import bench
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024

    executor_rss = max(spark.sparkContext.parallelize(range(CORES * 2), CORES * 2).map(executor_peak).collect())
    spark.stop()
    shutil.rmtree(tmp, ignore_errors=True)

    load = os.getloadavg()[1]  # the last 5 minutes: what the other processes took meanwhile
    pool_s, spark_s = statistics.median(pooled), statistics.median(sparked)
    steady = reports[sorted(range(rounds), key=lambda i: sparked[i])[rounds // 2]]
    task_s = sum(f["seconds"] for f in steady.files)
    loads = [(t["pid"], t["load_seconds"]) for run_ in [first, *reports] for t in run_.tasks]
    spark_cpu = [sum(t["cpu_seconds"] for t in r.tasks) for r in reports]
    cpu_pool = statistics.median(pool_cpu) / records
    cpu_tasks = statistics.median(spark_cpu) / records
    cpu_jvm = statistics.median(jvm_cpu) / records
    unpickled = [s for _, s in loads if s >= 0.05]
    pids = {pid for pid, _ in loads}
    cold = spark_start + spark_first
    ratio = pool_s / spark_s
    rows = [
        ["one process", records / one,
         f"{one:.1f} s, one run; {1000 * cpu / records:.0f} ms of CPU per record (load-independent)"],
        [f"worker pool ({CORES} workers)", records / pool_s,
         f"median {pool_s:.1f} s of {rounds}; workers started and holding the context ({pool_start:.1f} s, not counted)"],
        [f"Spark local[{CORES}], session up", records / spark_s,
         f"median {spark_s:.1f} s of {rounds}, Parquet written; {task_s:.1f} s in the tasks' own work "
         f"({100 * max(0.0, spark_s - task_s / CORES) / spark_s:.0f}% of wall time outside it)"],
        [f"Spark local[{CORES}], first run of a session", records / spark_first,
         f"{spark_first:.1f} s: Python workers forked, knowledge base unpickled in each"],
        [f"Spark local[{CORES}], cold (JVM + session + first run)", records / cold,
         f"{cold:.1f} s, of which {spark_start:.1f} s JVM start and session creation"],
    ]
    verdict = "met" if ratio >= 0.8 else "not met"
    lines = [
        "## Spark",
        "",
        f"Input: the 91 real article pages of ../shared/data/extraction as WARC response records, "
        f"{records} records ({copies} copies, each in a different file) in {FILES} WARC.gz files, "
        f"{size_mb:.1f} MB compressed ({raw_mb:.1f} MB of HTML). One task per file on every path; "
        f"each path runs `scale.job.process_file` (reading, extraction, mentions, claims, reprint "
        f"candidates); Spark also writes the seven tables as Parquet. Medians of {rounds} runs, pool "
        f"and Spark interleaved, on {CORES} cores shared with other work (load average {load:.1f} at "
        f"the end): every wall-clock rate is depressed alike; compare ratios, and the CPU figures.",
        "",
        table(["path", "records/s", "note"], rows),
        "",
        f"Spark (session up) vs the pool: **{ratio:.2f}×** the pool's rate — goal ≥ 0.8×: {verdict}.",
        "",
        f"CPU per record, which the other processes on the shared machine do not distort: the pool's "
        f"tasks {1000 * cpu_pool:.0f} ms; Spark's Python tasks {1000 * cpu_tasks:.0f} ms (processing and "
        f"Parquet writing) plus {1000 * cpu_jvm:.0f} ms in the JVM (scheduling, the driver) — "
        f"{cpu_pool / (cpu_tasks + cpu_jvm):.2f}× the pool's rate on CPU-bound cores.",
        "",
        f"Fixed costs, stated apart: JVM start and session creation {spark_start:.1f} s (once per "
        f"application; a session reused across runs pays it once); the first run of a session "
        f"{spark_first - spark_s:+.1f} s over a later one (Python workers forked and the "
        f"{shipped_mb:.1f} MB pickled knowledge base and statements' index loaded in each; the pool "
        f"pays the same to start its workers, {pool_start:.1f} s here). "
        f"`spark.python.worker.reuse` = {reuse}: the shipment was unpickled {len(unpickled)} times "
        f"({statistics.median(unpickled or [0.0]):.1f} s each) in {len(loads)} tasks by {len(pids)} Python worker processes (once per worker, never per "
        f"task; the broadcast is made once per session and shipment). Records/s with everything "
        f"counted: {records / cold:.1f} (cold) against {records / spark_s:.1f} (session up).",
        "",
        f"Peak RSS with the full knowledge base: pool worker {worker_rss} MiB, Spark Python worker "
        f"{executor_rss} MiB.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick=False))
