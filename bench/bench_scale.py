"""Records/s on the same WARC input: one process, the local worker pool, Spark local[N].

Each path runs the very same per-record work (``amanat.scale.job.process_file``: extraction,
mentions, claims, reprint candidates) over the same files; Spark's time is measured twice —
end to end (session already up, Parquet written) and as the sum of its tasks' own seconds —
so its overhead is stated, not hidden. Also: the pickled size of what is broadcast to every
executor and the peak RSS of one executor process holding the full knowledge base.

    PYTHONPATH=src python bench/bench_scale.py [--records 60] [--files 4] [--cores 2]
"""

from __future__ import annotations

import argparse
import pickle
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _file_rows(args: tuple[int, str]) -> tuple[int, float]:
    from amanat.scale.job import process_file

    n, started = 0, time.perf_counter()
    for _ in process_file(args[0], args[1], _SHIPMENT):
        n += 1
    return n, time.perf_counter() - started


_SHIPMENT = None


def _set(shipment: object) -> None:
    global _SHIPMENT
    _SHIPMENT = shipment


def _peak_rss(_: object) -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # MiB


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=60, help="documents per run (spread over the files)")
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    from tests.test_scale import make_warc

    from amanat.analyze.workers import analysis_pool
    from amanat.scale.spark import run, session, shipment_of
    from amanat.store.db import Store

    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    per = max(1, args.records // (6 * args.files))  # make_warc writes 6 documents
    files = []
    for f in range(args.files):
        for k in range(per):
            files.append(str(make_warc(tmp / f"f{f}-{k}.warc.gz")))
    with Store.open(f"sqlite:///{tmp / 'kb.db'}") as store:
        t0 = time.perf_counter()
        shipment = shipment_of(store)
        kb_seconds = time.perf_counter() - t0
    records = 6 * len(files)
    shipped = len(pickle.dumps(shipment))
    _set(shipment)
    t0 = time.perf_counter()
    for i, f in enumerate(files):
        _file_rows((i, f))
    one = time.perf_counter() - t0

    pool = analysis_pool(args.cores, _set, (shipment,))
    list(pool.map(_peak_rss, range(args.cores)))  # workers up and holding the context
    t0 = time.perf_counter()
    list(pool.map(_file_rows, list(enumerate(files))))
    pooled = time.perf_counter() - t0
    worker_rss = max(pool.map(_peak_rss, range(args.cores * 2)))
    pool.shutdown()

    spark = session(f"local[{args.cores}]")
    run(spark, files[:1], tmp / "warm", shipment)  # Python workers started, broadcast once
    t0 = time.perf_counter()
    report = run(spark, files, tmp / "out", shipment)
    sparked = time.perf_counter() - t0
    task_seconds = sum(f["seconds"] for f in report.files)
    executor_rss = max(spark.sparkContext.parallelize(range(args.cores * 2), args.cores * 2).map(_peak_rss).collect())
    spark.stop()

    print(f"input: {len(files)} WARC files, {records} documents; knowledge base + statements shipped: "
          f"{shipped / 1e6:.1f} MB pickled (built in {kb_seconds:.1f} s)")
    print(f"one process:        {records / one:6.1f} records/s ({one:.1f} s)")
    print(f"worker pool ({args.cores}):    {records / pooled:6.1f} records/s ({pooled:.1f} s)")
    print(f"Spark local[{args.cores}]:     {records / sparked:6.1f} records/s end to end ({sparked:.1f} s, "
          f"{task_seconds:.1f} s in tasks; {100 * (sparked - task_seconds / args.cores) / sparked:.0f}% of wall "
          f"time outside the per-record work)")
    print(f"Spark vs pool: {100 * (pooled / sparked):.0f}% of the pool's rate")
    print(f"peak RSS: pool worker {worker_rss} MiB, Spark Python executor {executor_rss} MiB")


if __name__ == "__main__":
    main()
