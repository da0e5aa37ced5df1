"""Read endpoints of the web app under concurrent load, beside a trivial reference endpoint.

A uvicorn server (one worker, SQLite store of synthetic documents, default private mode so
every coverage request carries and checks a read token) runs in its own process; this
process drives it over loopback with an asyncio httpx client holding ``CONCURRENCY``
requests in flight. Each endpoint gets ``ROUNDS`` rounds of a bounded number of requests (and
a time cap); the table gives the median round's throughput and latency percentiles.
``/healthz`` touches nothing, so it shows what the framework, server and client cost alone.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from amanat.model import Capture, Document, content_hash, document_id
from amanat.store.db import Store
from amanat.store.tokens import new_token
from bench.harness import percentiles, table

CONCURRENCY = 16
ROUNDS = 3
TIME_CAP = 20.0  # seconds per round, whatever the request count
_SERVER = """
import sys, uvicorn
from amanat.web import Settings, create_app
app = create_app(sys.argv[1], settings=Settings(rate=None))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


def _corpus(url: str, n: int, seed: int = 11) -> tuple[list[str], list[str]]:
    """n synthetic ~2 KB documents; return their ids and the vocabulary's common words."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 9))) for _ in range(5000)]
    weights = [1 / (i + 1) for i in range(len(vocab))]
    ids = []
    with Store.open(url) as store, store.writer() as w:
        for i in range(n):
            words = rng.choices(vocab, weights, k=300)
            text, title = " ".join(words[8:]), " ".join(words[:8])
            doc_url = f"https://bench{i % 20}.example/{i}"
            digest = content_hash(text)
            doc = Document(id=document_id(doc_url, digest), url=doc_url, canonical_url=doc_url,
                           source=f"bench{i % 20}.example", title=title, byline=None, published=None,
                           language="en", text=text, content_hash=digest, media_type="text/plain",
                           origin="bench")
            w.add(doc, Capture(url=doc_url, body=text.encode(), media_type="text/plain", origin="bench"))
            ids.append(doc.id)
    return ids, vocab[20:300]  # mid-frequency words: real matches, not every document


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _load(base: str, paths: list[str], headers: dict[str, str], count: int) -> tuple[list[float], float, int]:
    """Send ``count`` GETs (cycling through ``paths``) with CONCURRENCY in flight."""
    latencies: list[float] = []
    failures = 0
    next_i = 0
    deadline = time.perf_counter() + TIME_CAP
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal next_i, failures
            while next_i < count and time.perf_counter() < deadline:
                path = paths[next_i % len(paths)]
                next_i += 1
                t0 = time.perf_counter()
                r = await client.get(path)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    failures += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        wall = time.perf_counter() - t0
    return latencies, wall, failures


def run(quick: bool) -> str:
    n_docs = 500 if quick else 5000
    count = 300 if quick else 2000
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        ids, words = _corpus(url, n_docs)
        with Store.open(url) as store:
            token = new_token(store, "bench", "read")[1]
        port = _free_port()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        server = subprocess.Popen([sys.executable, "-c", _SERVER, url, str(port)], env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base, server)
            rng = random.Random(3)
            auth = {"Authorization": f"Bearer {token}"}
            cases = [
                ("GET /healthz (reference)", ["/healthz"], {}),
                ("GET /api/v1/documents/{id}", [f"/api/v1/documents/{rng.choice(ids)}" for _ in range(500)], auth),
                ("GET /api/v1/search?q=WORD&limit=10",
                 [f"/api/v1/search?q={rng.choice(words)}&limit=10" for _ in range(500)], auth),
                ("GET /api/v1/search?q=W1 W2&limit=10",
                 [f"/api/v1/search?q={rng.choice(words)}+{rng.choice(words)}&limit=10" for _ in range(500)], auth),
            ]
            rows = []
            reference = None
            for name, paths, headers in cases:
                rounds = [asyncio.run(_load(base, paths, headers, count)) for _ in range(ROUNDS)]
                summaries = sorted(
                    ((len(lat) / wall, *percentiles(lat, (50, 99)), fails, len(lat)) for lat, wall, fails in rounds),
                    key=lambda s: s[0],
                )
                rps, p50, p99, _, done = summaries[len(summaries) // 2]
                reference = reference or rps
                rows.append([name, done, rps, p50 * 1000, p99 * 1000, rps / reference,
                             sum(s[3] for s in summaries)])
        finally:
            server.terminate()
            server.wait(timeout=10)
    header = ["endpoint", "requests/round", "req/s", "p50 ms", "p99 ms", "× reference", "non-200"]
    return "\n".join([
        "## Web API: read endpoints under concurrent load",
        "",
        table(header, rows),
        "",
        f"{n_docs:,} synthetic ~2 KB documents in SQLite; one uvicorn worker in its own process; "
        f"the client is a second process with {CONCURRENCY} requests in flight over loopback "
        f"(keep-alive). Median of {ROUNDS} rounds (each capped at {TIME_CAP:.0f} s). Server and "
        "client share this 2-core machine, so the figures are lower bounds for a dedicated "
        "server. Coverage "
        "requests carry a read token (the default private mode: one indexed token lookup and a "
        "SHA-256 per request); `/healthz` is the framework-only reference.",
    ])


def _wait_ready(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the benchmark server exited early")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the benchmark server did not start within 30 s")
