"""PostgreSQL beside SQLite: ingest of the same input, and ``amanat db copy`` beside a raw COPY.

- **Ingest**: the same JSONL file of synthetic news-like text records (~3 KB of Zipf-drawn
  words in sentences, a title, a date, an outlet) ingested end to end — read, analyse, store,
  search index — into a fresh SQLite store and a fresh PostgreSQL schema, taking turns run by
  run; docs/s medians and their ratio. Measured with the tantivy index (the default) and with
  the databases' own search alone (``AMANAT_SEARCH_INDEX=fts5``), where the stores' share of
  the time is largest.
- **db copy**: a SQLite store of synthetic documents (``bench_search``'s) copied into a fresh
  PostgreSQL schema by ``copy_store`` (what ``amanat db copy`` runs). References in the same
  run: psycopg ``COPY`` of the same document rows into a bare table (no generated column, no
  index: the transfer alone), and PostgreSQL's ``to_tsvector`` alone over the same texts (the
  generated search column's work, which every way of loading a row pays). Where the server
  runs on this machine, the CPU seconds its backend spent are read from ``/proc``, so the
  figures can be told apart from the load of the machine.

PostgreSQL: ``AMANAT_BENCH_PG`` (default ``AMANAT_TEST_PG``, else the local server's ``test``
database); each run uses a schema of its own, dropped afterwards. Sizes: 2,000 records and
10,000 documents (``--quick``: 300 and 2,000).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from amanat.ingest.pipeline import ingest
from amanat.store import fulltext
from amanat.store.backup import copy_store
from amanat.store.db import Store
from bench.harness import in_schema, restored_env, table

PG_URL = os.environ.get("AMANAT_BENCH_PG") or os.environ.get(
    "AMANAT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REPEAT = 3
_TSVECTOR = ("setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
             "setweight(to_tsvector('simple', left(text, 200000)), 'B')")  # migration 0001's column


def _records(path: Path, n: int, seed: int = 7) -> None:
    """``n`` JSONL text records: 480 Zipf-drawn words in sentences and paragraphs each."""
    import numpy as np

    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = sorted({"".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(20_000)})
    draw = np.random.default_rng(seed)
    cdf = np.cumsum(1 / np.arange(1, len(vocab) + 1))
    cdf /= cdf[-1]
    words = np.array(vocab, dtype=object)
    with path.open("w") as fh:
        for i in range(n):
            picks = words[np.minimum(np.searchsorted(cdf, draw.random(488)), len(vocab) - 1)]
            sentences = [" ".join(picks[j:j + 16]).capitalize() + "." for j in range(8, 488, 16)]
            text = "\n\n".join(" ".join(sentences[k:k + 5]) for k in range(0, len(sentences), 5))
            fh.write(json.dumps({
                "url": f"https://outlet{i % 50}.example/news/{i}", "title": " ".join(picks[:8]).title(),
                "published": f"2024-03-{1 + i % 28:02}", "source": f"outlet{i % 50}.example", "language": "en",
                "text": text}) + "\n")


@contextmanager
def _pg_schema(tag: str) -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped afterwards."""
    import psycopg

    schema = f"bench_pg_{tag}_{os.getpid()}"
    with psycopg.connect(PG_URL, autocommit=True) as c:
        c.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        c.execute(f"CREATE SCHEMA {schema}")
    try:
        yield in_schema(PG_URL, schema)
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as c:
            c.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _cpu_of(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) of these processes, where /proc shows them."""
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def _backends(store: Store) -> list[int]:
    """The server processes of this program's sessions (named ``amanat pid N``)."""
    with store.engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                                 {"name": f"amanat pid {os.getpid()}"}).scalars())


def _ingest_run(url: str, records: Path, tmp: Path) -> tuple[float, float]:
    """Wall seconds of one ingest, and the CPU seconds it cost: this process's, plus the
    PostgreSQL backends' serving it (what the load of a shared machine does not change)."""
    os.environ[fulltext.DIR_SETTING] = str(tmp / f"index-{time.monotonic_ns()}")
    with Store.open(url) as store:
        postgres = store.dialect == "postgresql"
        before = _cpu_of(_backends(store)) if postgres else {}
        c0, t0 = time.process_time(), time.perf_counter()
        summary = ingest(store, [str(records)], jobs=1)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        if postgres:
            cpu += sum(v - before.get(pid, 0.0) for pid, v in _cpu_of(_backends(store)).items())
    assert summary.new > 0 and not summary.failed, summary.as_dict()
    return elapsed, cpu


def _ingest_rows(n: int, tmp: Path, repeat: int) -> list[list[object]]:
    records = tmp / "records.jsonl"
    _records(records, n)
    rows = []
    with restored_env(fulltext.SETTING, fulltext.DIR_SETTING):
        for mode in ("tantivy", "fts5"):
            os.environ[fulltext.SETTING] = mode
            runs: dict[str, list[tuple[float, float]]] = {"sqlite": [], "postgresql": []}
            for r in range(repeat):  # taking turns: a burst of load slows one run of each
                runs["sqlite"].append(_ingest_run(f"sqlite:///{tmp}/ingest-{mode}-{r}.db", records, tmp))
                with _pg_schema(f"ingest{r}") as url:
                    runs["postgresql"].append(_ingest_run(url, records, tmp))
            lite, pg = (n / statistics.median(w for w, _ in runs[k]) for k in ("sqlite", "postgresql"))
            lite_cpu, pg_cpu = (n / statistics.median(c for _, c in runs[k]) for k in ("sqlite", "postgresql"))
            label = "tantivy index (default)" if mode == "tantivy" else "database search only (fts5)"
            rows.append([f"JSONL text records, {label}", lite, pg, pg / lite, lite_cpu, pg_cpu, pg_cpu / lite_cpu])
    return rows


def _source_store(path: Path, n: int) -> None:
    from bench.bench_search import _documents

    with Store.open(f"sqlite:///{path}") as store, store.writer() as w:
        w.batch = 2000
        for item in _documents(n):
            if isinstance(item, list):
                break
            w.add(*item, "web")


def _timed_cpu(store: Store, run: Callable[[], object]) -> tuple[float, float | None]:
    """Wall seconds of ``run`` and the CPU seconds this program's server backends spent."""
    before = _cpu_of(_backends(store))
    t0 = time.perf_counter()
    run()
    wall = time.perf_counter() - t0
    after = _cpu_of(_backends(store))
    return wall, (sum(v - before.get(pid, 0.0) for pid, v in after.items()) if after else None)


def _copy_rows(n: int, tmp: Path, repeat: int) -> tuple[list[list[object]], list[str]]:
    import psycopg

    source_path = tmp / "source.db"
    _source_store(source_path, n)
    cols = ["id", "url", "canonical_url", "source", "title", "text", "content_hash", "media_type", "origin"]
    with Store.open(f"sqlite:///{source_path}") as source, source.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(f"SELECT {', '.join(cols)} FROM documents ORDER BY seq"))]
    runs: dict[str, list[tuple[float, float | None]]] = {"copy": [], "bare": [], "tsvector": []}
    for r in range(repeat):
        with _pg_schema(f"copy{r}") as url, Store.open(url) as target, \
                Store.open(f"sqlite:///{source_path}") as source:
            runs["copy"].append(_timed_cpu(target, lambda: copy_store(source, target)))
            with target.engine.begin() as c:  # the same rows into a bare table, by COPY
                c.exec_driver_sql(f"CREATE TABLE bare AS SELECT {', '.join(cols)} FROM documents WHERE false")

            def bare() -> None:
                with target.engine.begin() as c:
                    driver = c.connection.driver_connection
                    assert isinstance(driver, psycopg.Connection)
                    with driver.cursor() as cur, cur.copy(f"COPY bare ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)

            def tsvector() -> None:
                with target.engine.connect() as c:
                    c.exec_driver_sql(f"SELECT count({_TSVECTOR}) FROM bare").scalar()

            runs["bare"].append(_timed_cpu(target, bare))
            runs["tsvector"].append(_timed_cpu(target, tsvector))
    out = []
    labels = {"copy": "`copy_store` (amanat db copy) SQLite → PostgreSQL",
              "bare": "reference: psycopg COPY of the document rows into a bare table",
              "tsvector": "reference: PostgreSQL `to_tsvector` alone over the same texts"}
    for key, label in labels.items():
        wall = statistics.median(w for w, _ in runs[key])
        cpus = [c for _, c in runs[key] if c is not None]
        cpu = statistics.median(cpus) if cpus else None
        out.append([label, n / wall, n / cpu if cpu else "n/a"])
    notes = [f"source: a SQLite store of {n:,} synthetic ~3 KB documents (bench_search's), {n:,} seen-rows"]
    return out, notes


def run(quick: bool) -> str:
    n_ingest, n_copy = (300, 2_000) if quick else (2_000, 10_000)
    repeat = 1 if quick else REPEAT
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        ingest_rows = _ingest_rows(n_ingest, tmp, repeat)
        copy_rows, notes = _copy_rows(n_copy, tmp, repeat)
    load_after = os.getloadavg()
    return (
        f"## PostgreSQL beside SQLite\n\n"
        f"Ingest: {n_ingest:,} JSONL text records (synthetic, ~3 KB each), end to end into a fresh store of "
        f"each backend, taking turns; medians of {repeat} runs. Goal (issue 19): PostgreSQL ≥ 0.8× SQLite. "
        "Wall-clock rates, then the same per CPU-second spent (this process, plus on PostgreSQL its server "
        "backends, from /proc): on a loaded machine every round trip to the server waits for a core, "
        "which the CPU figures leave out.\n\n"
        + table(["input", "SQLite docs/s", "PostgreSQL docs/s", "PostgreSQL / SQLite",
                 "SQLite docs per CPU-s", "PostgreSQL docs per CPU-s (client + server)", "ratio (CPU)"],
                ingest_rows)
        + f"\n\n`amanat db copy` of {n_copy:,} documents into PostgreSQL beside raw references in the same run "
        f"(medians of {repeat}); \"per server CPU-second\" divides by the CPU time the PostgreSQL backend spent "
        "(from /proc), which the machine's load does not change. Goal: ≥ 5,000 documents/s.\n\n"
        + table(["what", "docs/s (wall)", "docs per server CPU-second"], copy_rows)
        + "\n\n" + "\n".join(f"- {x}" for x in notes)
        + f"\n- load average (1, 5, 15 min) before: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, "
        f"after: {load_after[0]:.1f} {load_after[1]:.1f} {load_after[2]:.1f} (2 cores)"
    )
