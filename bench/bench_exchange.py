"""The node protocol: read endpoints under load, publishing, and following with verification.

Node A (a publisher with N items, SQLite) is a uvicorn process; this process drives it over
loopback with CONCURRENCY requests in flight (entries pages, the checkpoint, the JSON feed,
beside ``/healthz`` as the framework-only reference). Then a follower store in this process
syncs A's whole log through the real HTTP client, verifying every signature under the keys
valid at its index, the checkpoint and the root, and storing the mirror: its items/s are set
beside the raw Ed25519 verify rate measured in the same run.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from amanat.cli import app
from amanat.exchange.sync import follow, make_fetcher, sync_partner
from amanat.provenance import keys
from amanat.provenance.log import Log
from amanat.provenance.publishing import Publisher, create_publisher
from amanat.store.db import Store
from bench.bench_web import _free_port, _wait_ready
from bench.harness import percentiles, table, timeit

PUBLISHER = "Bench ministry (bench publisher)"
SYNC_REPEAT = 3
CONCURRENCY = 16
TIME_CAP = 15.0
_SERVER = """
import sys, uvicorn
from amanat.web.app import create_app
from amanat.web.settings import Settings
app = create_app(sys.argv[1], settings=Settings(rate=None))  # ROUTES include the node protocol
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


async def _load(base: str, path: str, count: int) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    failures, sent = 0, 0
    deadline = time.perf_counter() + TIME_CAP
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal sent, failures
            while sent < count and time.perf_counter() < deadline:
                sent += 1
                t0 = time.perf_counter()
                r = await client.get(path)
                latencies.append(time.perf_counter() - t0)
                failures += r.status_code != 200

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return latencies, time.perf_counter() - t0, failures


def _verify_rate() -> tuple[float, float]:
    """Raw verifications per second of wall time and per second of CPU time."""
    key = Ed25519PrivateKey.generate()
    message = b"x" * 600
    sig = key.sign(message)
    public = key.public_key()
    n = 2000
    # the very check sync runs (libsodium through keys.ed25519_verify), on a bare message
    timing = timeit(lambda: [keys.ed25519_verify(public, sig, message) for _ in range(n)], repeat=3)
    cpu = timeit_cpu(lambda: [keys.ed25519_verify(public, sig, message) for _ in range(n)])
    return n / timing.median, n / cpu


def timeit_cpu(fn: Callable[[], object], repeat: int = 3) -> float:
    """The median CPU seconds of ``fn`` (this process, all threads): what a loaded machine
    does not stretch, unlike the wall clock."""
    runs = []
    for _ in range(repeat):
        c0 = time.process_time()
        fn()
        runs.append(time.process_time() - c0)
    return sorted(runs)[len(runs) // 2]


def _publish_folder(store_url: str, folder: Path, keys_dir: str, n: int) -> float:
    """``amanat publish FOLDER`` of ``n`` Markdown statements (front matter: headline,
    language), run in-process through the CLI; items/s."""
    folder.mkdir()
    for i in range(n):
        (folder / f"{i:05}.md").write_text(f"---\nheadline: Statement {i}\nlanguage: en\n---\n"
                                           f"Statement {i}: " + "text " * 80 + "\n", encoding="utf-8")
    os.environ["AMANAT_KEYS"] = keys_dir
    t0 = time.perf_counter()
    result = CliRunner().invoke(app, ["--db", store_url, "publish", str(folder), "-p", PUBLISHER])
    wall = time.perf_counter() - t0
    assert result.exit_code == 0, result.stderr
    return n / wall


def _sync_once(base: str, origin: str, vkey: str, url: str) -> tuple[float, float, int]:
    """Wall and CPU seconds (the follower's process, verifying threads included) of one sync."""
    with Store.open(url) as follower, make_fetcher(allow="127.0.0.1") as fetcher:
        follow(follower, base, key=vkey, fetcher=fetcher)
        t0, c0 = time.perf_counter(), time.process_time()
        result = sync_partner(follower, origin, fetcher=fetcher)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert result.status == "ok", result.problems
        assert result.counts.unbalanced() == [] and result.counts.stored == result.after
        return wall, cpu, Log(follower, origin).size


def run(quick: bool) -> str:
    n_items = 200 if quick else 2000
    n_single = 50 if quick else 200
    count = 300 if quick else 2000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url_a = f"sqlite:///{root / 'a.db'}"
        keys_dir = str(root / "keys")
        with Store.open(url_a) as store:
            pub = create_publisher(store, PUBLISHER, keys_dir=keys_dir)
            origin, vkey = pub.log.origin, pub.log.info()["checkpoint_vkey"]
        batch_rate = _publish_folder(url_a, root / "statements", keys_dir, n_items)
        with Store.open(url_a) as store:
            pub = Publisher.open(store, PUBLISHER, keys_dir)
            t0 = time.perf_counter()
            for i in range(n_single):
                pub.publish(headline=f"Statement {i}", body=f"Statement {i}: " + "text " * 80, language="en")
            single_rate = n_single / (time.perf_counter() - t0)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        server = subprocess.Popen([sys.executable, "-c", _SERVER, url_a, str(port)], env=env)
        try:
            _wait_ready(base, server)
            rows = []
            cases = [("GET /healthz (reference)", "/healthz"),
                     ("GET /log/{origin}/checkpoint", f"/log/{origin}/checkpoint"),
                     ("GET /log/{origin}/entries (100 entries)", f"/log/{origin}/entries?start=0&end=100"),
                     ("GET /log/{origin}/feed.json (50 items)", f"/log/{origin}/feed.json")]
            reference = None
            for name, path in cases:
                latencies, wall, failures = asyncio.run(_load(base, path, count))
                rps = len(latencies) / wall
                reference = reference or rps
                p50, p99 = percentiles(latencies, (50, 99))
                rows.append([name, len(latencies), rps, p50 * 1000, p99 * 1000, rps / reference, failures])
            # each sync into a fresh follower store, each followed by the raw reference, so a
            # burst of load on the shared machine weighs on both sides of one ratio
            syncs, raws, sync_cpus, raw_cpus = [], [], [], []
            for rep in range(SYNC_REPEAT):
                wall, cpu, synced = _sync_once(base, origin, vkey, f"sqlite:///{root / f'b{rep}.db'}")
                syncs.append(synced / wall)
                sync_cpus.append(synced / cpu)
                raw_wall, raw_cpu = _verify_rate()
                raws.append(raw_wall)
                raw_cpus.append(raw_cpu)
        finally:
            server.terminate()
            server.wait(timeout=10)
    ratios = sorted(s / r for s, r in zip(syncs, raws, strict=True))
    ratio = ratios[len(ratios) // 2]
    cpu_ratios = sorted(s / r for s, r in zip(sync_cpus, raw_cpus, strict=True))
    cpu_ratio = cpu_ratios[len(cpu_ratios) // 2]
    sync_cpu, raw_cpu = sorted(sync_cpus)[len(sync_cpus) // 2], sorted(raw_cpus)[len(raw_cpus) // 2]
    sync_rate, verify_rate = sorted(syncs)[len(syncs) // 2], sorted(raws)[len(raws) // 2]
    header = ["endpoint", "requests", "req/s", "p50 ms", "p99 ms", "× reference", "non-200"]
    throughput = table(["measure", "per second", "note"], [
        ["items published in batch (`amanat publish FOLDER`)", batch_rate,
         f"{n_items:,} Markdown files with front matter, one transaction and checkpoint per 1,000"],
        ["items published one by one (sign, append, checkpoint)", single_rate,
         f"{n_single} items, one transaction and checkpoint each"],
        ["entries synced and verified (HTTP + verify + store)", sync_rate,
         f"{synced:,} entries, one sync; median of {SYNC_REPEAT}"],
        ["raw Ed25519 verifications (reference)", verify_rate, "libsodium (PyNaCl), 600-byte message"],
        ["entries synced per CPU second of the follower", sync_cpu,
         "process time of the same syncs (both verifying threads counted)"],
        ["raw Ed25519 verifications per CPU second (reference)", raw_cpu, "process time of the same runs"],
    ])
    return "\n".join([
        "## Exchange: node endpoints, publishing, following",
        "",
        table(header, rows),
        "",
        throughput,
        "",
        f"A publisher with {n_items + n_single:,} items (SQLite) served by one uvicorn worker in its own "
        f"process; the load comes from the benchmark process with {CONCURRENCY} requests in flight "
        "over loopback (each case capped at "
        f"{TIME_CAP:.0f} s). Syncing fetches the checkpoint, entries in pages of 1,000 and the "
        "JSON feed, verifies each entry's signature under the keys valid at its index and its "
        "ninjs payload (the compiled schema), recomputes the root and stores the mirror and the "
        "items' searchable documents in one batch each; it runs at "
        f"{ratio:.1%} of the raw verify rate (median of {SYNC_REPEAT} syncs, each beside its own "
        f"raw measurement; range {ratios[0]:.1%}–{ratios[-1]:.1%}); in CPU time of the follower's "
        f"process against CPU time of the raw check, {cpu_ratio:.1%} (range {cpu_ratios[0]:.1%}–"
        f"{cpu_ratios[-1]:.1%}), a figure a loaded machine stretches less — the rest is HTTP and the "
        "partner's answers, JSON, the store (the full-text index of each item's text) and hashing; "
        f"see docs/performance.md. Batch publishing runs {batch_rate / single_rate:.1f}× one-by-one "
        "publishing. Server and client share a noisy 2-core machine "
        f"(load average {os.getloadavg()[0]:.1f} at the end of this run).",
    ])
