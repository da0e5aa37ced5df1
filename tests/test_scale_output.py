"""The executor-side Parquet writer of `scale run` (amanat.scale.output), without Spark: the
layout `scale load` reads, rows split into Arrow batches and read back unchanged, a retried
task replacing its file's output whole, and timestamps as the Spark-written files gave them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from amanat.scale import output
from amanat.scale.job import TABLES

pytest.importorskip("pyarrow")


def _problem(n: int) -> tuple[str, tuple[object, ...]]:
    return "problems", (7, f"file.warc.gz#{n}", "failed", f"bad record {n}", n + 1)


def _files_row(problems: int) -> tuple[str, tuple[object, ...]]:
    return "files", (7, "file.warc.gz", 10, 9, 0, problems, 1.25)


def test_rows_in_batches_read_back_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from amanat.scale.load import partitions, read_partition

    monkeypatch.setattr(output, "BATCH", 3)  # 8 rows: three record batches
    rows = [_problem(n) for n in range(8)] + [_files_row(8)]
    summary = output.write_rows(tmp_path, 7, iter(rows))
    assert summary["rows"] == {"problems": 8, "files": 1}
    assert summary["file"] == dict(zip([c for c, _ in TABLES["files"]], rows[-1][1], strict=True))
    assert [p["message"] for p in summary["problems"]] == [f"bad record {n}" for n in range(8)]
    back = read_partition(tmp_path, "problems", 7)
    assert [tuple(r[c] for c, _ in TABLES["problems"]) for r in back] == [r[1] for r in rows[:8]]
    assert partitions(tmp_path) == [7]
    assert not (tmp_path / "claims").exists()  # no rows, no directory (as Spark's partitionBy)
    files = sorted(p.name for p in (tmp_path / "problems" / "file_no=7").iterdir())
    assert files == [output.PART]  # complete under its final name, no temporary left
    import pyarrow.parquet as pq

    assert pq.ParquetFile(tmp_path / "problems" / "file_no=7" / output.PART).metadata.num_row_groups == 3


def test_a_retried_task_replaces_its_output(tmp_path: Path) -> None:
    from amanat.scale.load import read_partition

    output.write_rows(tmp_path, 7, iter([_problem(n) for n in range(5)] + [_files_row(5)]))
    output.write_rows(tmp_path, 7, iter([_files_row(0)]))
    assert read_partition(tmp_path, "problems", 7) == []
    assert [r["failed"] for r in read_partition(tmp_path, "files", 7)] == [0]


def test_timestamps_come_back_as_utc_without_zone(tmp_path: Path) -> None:
    """What the Spark-written (INT96) files gave the load: naive datetimes in UTC."""
    from amanat.scale.load import read_partition

    columns = [c for c, _ in TABLES["captures"]]
    fetched = datetime(2022, 1, 10, 14, 30, 5, tzinfo=timezone(timedelta(hours=5)))
    values = {c: None for c in columns} | {"file_no": 0, "record": 0, "seen_key": "k", "fetched": fetched}
    output.write_rows(tmp_path, 0, iter([("captures", tuple(values[c] for c in columns))]))
    (row,) = read_partition(tmp_path, "captures", 0)
    assert row["fetched"] == fetched.astimezone(UTC).replace(tzinfo=None)
