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
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from amanat.exchange.sync import follow, make_fetcher, sync_partner
from amanat.provenance import keys
from amanat.provenance.log import Log
from amanat.provenance.publishing import create_publisher
from amanat.store.db import Store
from bench.bench_web import _free_port, _wait_ready
from bench.harness import percentiles, table, timeit

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


def _verify_rate() -> float:
    key = Ed25519PrivateKey.generate()
    message = b"x" * 600
    sig = key.sign(message)
    public = key.public_key()
    n = 2000
    # the very check sync runs (libsodium through keys.ed25519_verify), on a bare message
    timing = timeit(lambda: [keys.ed25519_verify(public, sig, message) for _ in range(n)], repeat=3)
    return n / timing.median


def run(quick: bool) -> str:
    n_items = 200 if quick else 2000
    count = 300 if quick else 2000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url_a, url_b = f"sqlite:///{root / 'a.db'}", f"sqlite:///{root / 'b.db'}"
        with Store.open(url_a) as store:
            pub = create_publisher(store, "Bench ministry (bench publisher)", keys_dir=str(root / "keys"))
            t0 = time.perf_counter()
            for i in range(n_items):
                pub.publish(headline=f"Statement {i}", body=f"Statement {i}: " + "text " * 80, language="en")
            publish_rate = n_items / (time.perf_counter() - t0)
            origin, vkey = pub.log.origin, pub.log.info()["checkpoint_vkey"]
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
            with Store.open(url_b) as follower, make_fetcher(allow="127.0.0.1") as fetcher:
                follow(follower, base, key=vkey, fetcher=fetcher)
                t0 = time.perf_counter()
                result = sync_partner(follower, origin, fetcher=fetcher)
                sync_wall = time.perf_counter() - t0
                assert result.status == "ok", result.problems
                synced = Log(follower, origin).size
        finally:
            server.terminate()
            server.wait(timeout=10)
    verify_rate = _verify_rate()
    sync_rate = synced / sync_wall
    header = ["endpoint", "requests", "req/s", "p50 ms", "p99 ms", "× reference", "non-200"]
    throughput = table(["measure", "per second", "note"], [
        ["items published (sign, append, checkpoint)", publish_rate, "SQLite, one transaction per item"],
        ["entries synced and verified (HTTP + verify + store)", sync_rate, f"{synced:,} entries, one sync"],
        ["raw Ed25519 verifications (reference)", verify_rate, "libsodium (PyNaCl), 600-byte message"],
    ])
    return "\n".join([
        "## Exchange: node endpoints, publishing, following",
        "",
        table(header, rows),
        "",
        throughput,
        "",
        f"A publisher with {n_items:,} items (SQLite) served by one uvicorn worker in its own "
        f"process; the load comes from the benchmark process with {CONCURRENCY} requests in flight "
        "over loopback (each case capped at "
        f"{TIME_CAP:.0f} s). Syncing fetches the checkpoint, entries in pages of 1,000 and the "
        "JSON feed, verifies each entry's signature under the keys valid at its index and its "
        "ninjs payload, recomputes the root and stores the mirror in one transaction; it runs "
        f"at {sync_rate / verify_rate:.1%} of the raw verify rate — the rest is HTTP, JSON, ninjs "
        "schema validation and the store. Server and client share a noisy 2-core machine.",
    ])
