"""The Spark driver: list the input files, ship the context once, run ``job.process_file`` on
each file in its own task, and write every output table as Parquet partitioned by file.

Also a ``spark-submit`` application::

    spark-submit --master yarn src/amanat/scale/spark.py --input 's3://…/*.warc.gz' --output DIR

One task per WARC file, as in cc-pyspark: a CC-NEWS file holds a few thousand records and takes
minutes, long enough that the task overhead is noise, and a file is read start to end by one
reader (records are not independent: a revisit points back at its response). The task that
reads a file also writes its rows of every table as Parquet (``scale.output``, Arrow batches):
the whole run is one Spark job, no row is converted for the JVM, and only a per-file summary
is collected to the driver. The context is broadcast once per session and unpickled once per
Python worker, which Spark reuses from task to task (``spark.python.worker.reuse``).

The environment: executors run this interpreter (``PYSPARK_PYTHON``, set when unset) with
the directory ``amanat`` was imported from on their ``PYTHONPATH``; the driver binds to
``SPARK_LOCAL_IP`` (127.0.0.1 when unset, which is right for ``local[N]``; set it on a
cluster). Nothing here downloads a jar: S3 is read by boto3 in the executors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from amanat.scale.job import TABLES, Shipment, process_file
from amanat.scale.output import clear, write_rows

MANIFEST = "run.json"


def prepare_environment() -> None:
    """Set what a local Spark needs and the user did not: this interpreter for the Python
    workers, a loopback address, and the path ``amanat`` is imported from."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    here = str(Path(__file__).resolve().parents[2])
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if here not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([here, *paths])


def session(master: str = "local[2]", conf: dict[str, str] | None = None) -> Any:
    """A Spark session for the job (the existing one, if this process has one)."""
    prepare_environment()
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.master(master).appName("amanat")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.python.worker.reuse", "true"))
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


@dataclass
class RunReport:
    """What a run did: per file, the captures, documents, skipped and failed records."""

    files: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    # per file, where its task ran: Python worker pid, seconds to get the shipment (its first
    # task in a worker unpickles it), CPU seconds of the whole task (processing and Parquet)
    tasks: list[dict[str, Any]] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        keys = ("captures", "documents", "skipped", "failed")
        return {k: sum(int(f[k]) for f in self.files) for k in keys}


def run(spark: Any, inputs: list[str], output: Path, shipment: Shipment) -> RunReport:
    """Process every input file and write the tables under ``output``; a manifest
    (``run.json``) says which knowledge base and statements the rows were made with.

    One Spark job: a task per file runs ``job.process_file`` and writes that file's rows of
    every table as Parquet itself (``scale.output``); only a summary per file comes back."""
    started = time.perf_counter()
    sc = spark.sparkContext
    shipped = broadcast(sc, shipment)
    output.mkdir(parents=True, exist_ok=True)
    clear(output)
    (output / MANIFEST).unlink(missing_ok=True)
    files = sc.parallelize(list(enumerate(inputs)), numSlices=max(1, len(inputs)))
    summaries = files.map(_task(shipped, str(output))).collect()
    report = RunReport()
    for s in sorted(summaries, key=lambda s: s["file"]["file_no"]):
        report.files.append(s["file"])
        report.problems.extend(s["problems"])
        for table, n in s["rows"].items():
            report.rows[table] = report.rows.get(table, 0) + n
        report.tasks.append(s["task"])
    report.seconds = round(time.perf_counter() - started, 2)
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": inputs,
        "versions": shipment.versions(),
        "kb_version": shipment.context.kb_version,
        "statements_key": shipment.statements_key,
        "tables": list(TABLES),
        "totals": report.totals(),
        "rows": report.rows,
        "seconds": report.seconds,
    }
    (output / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return report


_HELD = "_amanat_shipment"  # the attribute of a SparkContext holding (shipment, its broadcast)


def broadcast(sc: Any, shipment: Shipment) -> Any:
    """The shipment as a broadcast variable, made once per session and shipment: a second
    run with the same shipment reuses it, so Python workers that already unpickled it (they
    are reused, ``spark.python.worker.reuse``) do not load the knowledge base again. Kept on
    the context itself, so it goes when the context stops."""
    held = getattr(sc, _HELD, None)
    if held is not None and held[0] is shipment:
        return held[1]
    if held is not None:
        held[1].unpersist()
    shipped = sc.broadcast(shipment)
    setattr(sc, _HELD, (shipment, shipped))
    return shipped


def _task(shipped: Any, output: str) -> Any:
    """What a task runs on one ``(file_no, location)``: the file's rows written as Parquet,
    and its summary, with which worker process ran it, how long the shipment took to get
    there (the first task of a worker unpickles it; later ones find it loaded) and the CPU
    time the task used (on a shared machine, a measure the other processes do not distort)."""

    def task(item: tuple[int, str]) -> dict[str, Any]:
        t0, cpu = time.perf_counter(), time.process_time()
        shipment = shipped.value
        loaded = time.perf_counter() - t0
        summary = write_rows(Path(output), item[0], process_file(item[0], item[1], shipment))
        summary["task"] = {"pid": os.getpid(), "load_seconds": round(loaded, 3),
                           "cpu_seconds": round(time.process_time() - cpu, 3)}
        return summary

    return task


def shipment_of(store: Any) -> Shipment:
    """The context and statements of a store, ready to broadcast."""
    from amanat.analyze.commands import context_of
    from amanat.analyze.reuse import ReuseIndex
    from amanat.check.reprint_runs import CANDIDATE_SHARE, statements
    from amanat.scale.job import statements_key

    items = statements(store)
    keys = [f"{v.uri}\x1f{v.version}" for versions in items.values() for v in versions if v.body]
    index = ReuseIndex()
    index.add_many((f"{v.uri}\x1f{v.version}", v.body) for versions in items.values() for v in versions if v.body)
    return Shipment(context_of(store), index, statements_key(keys), CANDIDATE_SHARE)


def main(argv: list[str] | None = None) -> None:
    """``spark-submit …/spark.py --input GLOB --output DIR [--db URL]``: the job without the CLI."""
    from amanat import config
    from amanat.scale.files import list_inputs
    from amanat.store.db import Store

    parser = argparse.ArgumentParser(prog="amanat-scale", description=__doc__.splitlines()[0])
    parser.add_argument("--input", action="append", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--db", default=None, help="the store whose knowledge base and statements to use")
    args = parser.parse_args(argv)
    inputs = [f for pattern in args.input for f in list_inputs(pattern)]
    with Store.open(config.database_url(args.db)) as store:
        shipment = shipment_of(store)
    spark = session(os.environ.get("SPARK_MASTER", "local[2]"))
    report = run(spark, inputs, Path(args.output), shipment)
    print(json.dumps({"files": len(report.files), **report.totals(), "seconds": report.seconds}))


if __name__ == "__main__":
    main()
