"""One input file's rows written as Parquet by the task that made them, in Arrow batches.

Why the executor writes, not Spark SQL: the rows are made in Python. Handing them to the JVM
(``createDataFrame`` over an RDD of tuples) converts every row twice — pickled by Python,
unpickled and type-checked row by row in the JVM — and writing seven tables took seven Spark
jobs, each re-reading the persisted rows through a Python worker. On a small input that was
95% of the job's wall time. Here the task that processed a file groups its rows by table
into column lists, turns every ``BATCH`` rows into an Arrow record batch and appends it to
that table's Parquet file; the only thing that goes back to the driver is a small summary
(the ``files`` row, the problems, the row counts). One Spark job, no row crosses into the JVM.

The layout is the one Spark's ``partitionBy("file_no")`` made and ``scale.load`` reads:
``OUTPUT/<table>/file_no=<N>/part-00000.zstd.parquet`` (the partition column is the
directory, not a column of the file; a table without rows for a file has no directory).
A file is written under a dot-name and renamed when complete, so a retried or speculative
task replaces it whole and a reader never sees half a file; the output directory must be one
that the driver and every executor see (a shared disk; on a cluster, a mounted one).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from amanat.scale.job import TABLES, Row

BATCH = 2000  # rows per Arrow record batch (a Parquet row group): bounded memory per task
PART = "part-00000.zstd.parquet"
_ARROW = {"string": "string", "int": "int32", "long": "int64", "double": "float64", "bool": "bool_",
          "binary": "binary"}


def arrow_schema(table: str) -> Any:
    """The table's columns as Arrow types, without the partition column ``file_no``.
    Timestamps are UTC without a zone, as Spark's Parquet (INT96) read back by pyarrow."""
    import pyarrow as pa

    return pa.schema([(name, pa.timestamp("us") if kind == "timestamp" else getattr(pa, _ARROW[kind])())
                      for name, kind in TABLES[table][1:]])


def clear(output: Path) -> None:
    """Remove the tables of an earlier run in ``output`` (a run replaces its output)."""
    for table in TABLES:
        shutil.rmtree(output / table, ignore_errors=True)


class FileTables:
    """The Parquet files of one input file, one per table, appended to a batch at a time."""

    def __init__(self, output: Path, file_no: int) -> None:
        self.output = output
        self.file_no = file_no
        self.pending: dict[str, list[tuple[Any, ...]]] = {table: [] for table in TABLES}
        self.writers: dict[str, Any] = {}
        self.counts: dict[str, int] = dict.fromkeys(TABLES, 0)
        for table in TABLES:  # a retried task starts from nothing
            shutil.rmtree(self._directory(table), ignore_errors=True)

    def _directory(self, table: str) -> Path:
        return self.output / table / f"file_no={self.file_no}"

    def add(self, row: Row) -> None:
        table, values = row
        pending = self.pending[table]
        pending.append(values[1:])  # file_no is the directory
        self.counts[table] += 1
        if len(pending) >= BATCH:
            self._flush(table)

    def _flush(self, table: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = self.pending[table]
        if not rows:
            return
        schema = arrow_schema(table)
        batch = pa.record_batch([pa.array(list(column), type=field.type)
                                 for column, field in zip(zip(*rows, strict=True), schema, strict=True)],
                                schema=schema)
        writer = self.writers.get(table)
        if writer is None:
            where = self._directory(table)
            where.mkdir(parents=True, exist_ok=True)
            writer = self.writers[table] = pq.ParquetWriter(str(where / f".{PART}"), schema, compression="zstd")
        writer.write_batch(batch)
        self.pending[table] = []

    def close(self) -> dict[str, int]:
        """Write what is pending, close every file and give it its final name."""
        for table in TABLES:
            self._flush(table)
        for table, writer in self.writers.items():
            writer.close()
            where = self._directory(table)
            os.replace(where / f".{PART}", where / PART)
        self.writers = {}
        return self.counts


def write_rows(output: Path, file_no: int, rows: Iterable[Row]) -> dict[str, Any]:
    """Write one file's rows; returns what the driver needs: its ``files`` row, its
    ``problems`` rows (both as dicts, without ``file_no``) and the row count of each table."""
    tables = FileTables(output, file_no)
    summary: dict[str, Any] = {"file": None, "problems": []}
    names = {table: [c for c, _ in TABLES[table]] for table in ("files", "problems")}
    for row in rows:
        tables.add(row)
        if row[0] in names:
            values = dict(zip(names[row[0]], row[1], strict=True))
            if row[0] == "files":
                summary["file"] = values
            else:
                summary["problems"].append(values)
    summary["rows"] = {table: n for table, n in tables.close().items() if n}
    return summary
