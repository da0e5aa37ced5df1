"""The API under sustained concurrent reads and writes, for a fixed time, on SQLite and
PostgreSQL: throughput, p99 latency, 5xx answers, and writes lost (counted afterwards).

A uvicorn server (one worker, its own process) serves a store of synthetic documents, each
with one synthetic finding. This process — the second one — keeps ``CONCURRENCY`` requests in
flight for ``SECONDS``: reads (a document, the findings list) and writes (a review of a
finding, ``POST /api/v1/findings/{id}/review``, each to a finding of its own so every
acknowledged write can be counted afterwards). Then the store is read directly: every review
the server acknowledged (200) must be there, with its note. Loopback only, bounded in time.
PostgreSQL: a fresh schema on the server at 127.0.0.1:5432 (``AMANAT_TEST_PG`` to change),
dropped afterwards; skipped when no server answers.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import sqlalchemy as sa

from amanat.model import Evidence, Finding
from amanat.store import findings as stored_findings
from amanat.store import schema as t
from amanat.store.db import Store
from amanat.store.tokens import new_token
from bench.bench_web import _SERVER, _corpus, _free_port, _wait_ready
from bench.harness import in_schema, percentiles, table

CONCURRENCY = 16
SECONDS = 20.0
WRITE_SHARE = 0.25
PG_URL = os.environ.get("AMANAT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _findings(url: str, ids: list[str]) -> list[str]:
    """One synthetic finding per document; their ids."""
    out = []
    with Store.open(url) as store, store.engine.begin() as conn:
        for doc_id in ids:
            f = Finding("bench", "bench-finding", "informational", "info", "A synthetic finding for the load bench.",
                        doc_id, f"bench:{doc_id}", (Evidence(doc_id, 0, 5, "", "claim"),))
            stored_findings.replace(conn, doc_id, [f.as_dict()], checks=["bench"])
            out.append(f.id)
    return out


async def _drive(base: str, headers: dict[str, str], doc_ids: list[str], finding_ids: list[str],
                 seed: int) -> tuple[dict[str, list[float]], dict[str, str], int, int, float]:
    """Reads and writes for SECONDS: latencies by kind, the acknowledged writes (finding id →
    note), the count of 5xx and of other failures, and the wall time."""
    rng = random.Random(seed)
    latencies: dict[str, list[float]] = {"read": [], "write": []}
    acknowledged: dict[str, str] = {}
    free = list(finding_ids)
    rng.shuffle(free)
    server_errors = other = 0
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    deadline = time.perf_counter() + SECONDS
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal server_errors, other
            while time.perf_counter() < deadline:
                if free and rng.random() < WRITE_SHARE:
                    fid = free.pop()
                    note = f"load bench {uuid.uuid4().hex}"
                    t0 = time.perf_counter()
                    r = await client.post(f"/api/v1/findings/{fid}/review", json={"decision": "confirm", "note": note})
                    latencies["write"].append(time.perf_counter() - t0)
                    if r.status_code == 200:
                        acknowledged[fid] = note
                else:
                    path = (f"/api/v1/documents/{rng.choice(doc_ids)}" if rng.random() < 0.5
                            else "/api/v1/findings?limit=20")
                    t0 = time.perf_counter()
                    r = await client.get(path)
                    latencies["read"].append(time.perf_counter() - t0)
                if r.status_code >= 500:
                    server_errors += 1
                elif r.status_code != 200:
                    other += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        wall = time.perf_counter() - t0
    return latencies, acknowledged, server_errors, other, wall


def _lost(url: str, acknowledged: dict[str, str]) -> int:
    """Acknowledged reviews not in the store (or with another note)."""
    with Store.open(url) as store, store.engine.connect() as conn:
        stored = dict(conn.execute(sa.select(t.finding_reviews.c.finding_id, t.finding_reviews.c.note)).all())
    return sum(1 for fid, note in acknowledged.items() if stored.get(fid) != note)


def _one(backend: str, url: str, n_docs: int) -> list[object]:
    """One backend: build, serve, drive for SECONDS, count; a table row."""
    doc_ids, _ = _corpus(url, n_docs)
    finding_ids = _findings(url, doc_ids)
    with Store.open(url) as store:
        token = new_token(store, "bench", "review")[1]  # review implies read
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    server = subprocess.Popen([sys.executable, "-c", _SERVER, url, str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, server)
        latencies, acknowledged, server_errors, other, wall = asyncio.run(
            _drive(base, {"Authorization": f"Bearer {token}"}, doc_ids, finding_ids, seed=5))
    finally:
        server.terminate()
        server.wait(timeout=10)
    lost = _lost(url, acknowledged)
    reads, writes = latencies["read"], latencies["write"]
    return [backend, f"{wall:.0f}", len(reads) / wall, percentiles(reads, (99,))[0] * 1000,
            len(writes) / wall, percentiles(writes, (99,))[0] * 1000 if writes else 0.0,
            server_errors, other, f"{lost} of {len(acknowledged)}"]


def _pg_schema() -> tuple[str, str] | None:
    """A fresh schema on the PostgreSQL server, as (URL, schema); None when none answers."""
    try:
        import psycopg

        schema = "bench_" + uuid.uuid4().hex[:10]
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
    except Exception:  # no server: the PostgreSQL row is left out
        return None
    return in_schema(PG_URL, schema), schema


def run(quick: bool) -> str:
    global SECONDS
    if quick:
        SECONDS = 5.0
    n_docs = 300 if quick else 2000
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("AMANAT_SEARCH_INDEX_DIR", str(Path(tmp) / "search"))
        rows.append(_one("SQLite", f"sqlite:///{Path(tmp) / 'load.db'}", n_docs))
        pg = _pg_schema()
        if pg is not None:
            import psycopg

            try:
                rows.append(_one("PostgreSQL", pg[0], n_docs))
            finally:
                with psycopg.connect(PG_URL, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA {pg[1]} CASCADE")
    header = ["store", "seconds", "reads/s", "read p99 ms", "writes/s", "write p99 ms", "5xx", "other non-200",
              "acknowledged writes lost"]
    return "\n".join([
        "## Web API: sustained reads and writes",
        "",
        table(header, rows),
        "",
        f"`python -m bench load`. {n_docs:,} synthetic documents, each with a synthetic finding; one "
        f"uvicorn worker in its own process; this process keeps {CONCURRENCY} requests in flight over "
        f"loopback for {SECONDS:.0f} s: {1 - WRITE_SHARE:.0%} reads (`GET /api/v1/documents/{{id}}`, "
        f"`GET /api/v1/findings?limit=20`), {WRITE_SHARE:.0%} writes (`POST /api/v1/findings/{{id}}/review`, "
        "each to its own finding). Afterwards every review the server acknowledged is looked up in "
        "the store with its note. Server and client share the 2-core machine.",
    ])
