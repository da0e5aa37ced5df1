"""The JSON API's read endpoints over HTTP at 100,000 documents, beside the bare framework's
constant route, both driven by wrk in the same run.

Load generator: ``wrk`` (C, epoll; Debian's package: ``apt-get install wrk``), one thread and
16 keep-alive connections, with a Lua script that cycles every connection through a file of
paths: thousands of distinct search queries, document ids and finding ids, so no answer is
served twice in a row and a result cache would not help. wrk spends a few percent of a core
at these rates (a Python client needs a core to itself for a few thousand requests/s and
would be what is measured). Without wrk the benchmark says so and is skipped.

Servers: each a uvicorn process started the way ``amanat serve`` starts one
(``uvicorn_options``: the HTTP protocol with its header deadline, connection cap, and
uvloop/httptools where installed), one worker. The reference is a FastAPI app with one route
returning a constant and nothing else; the measured app is ``create_app`` over the store, in
private mode (every request presents a read token, which is looked up and hashed) and with
its rate limiter on at a rate no client reaches (so its bookkeeping is in the figures). Each
endpoint is measured in ``ROUNDS`` rounds, each round the reference then the endpoint for
``SECONDS`` each; the table gives medians, and the ratio is the median of each round's ratio.

The store is ``bench pages``'s synthetic one (``AMANAT_BENCH_STORE=DIR`` reuses one built
before); its tantivy search index is brought up to date before measuring.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.harness import Skipped, table

CONNECTIONS = 16
ROUNDS = 3
SECONDS = 8
WARMUP = 2
DISTINCT = 3000  # paths per endpoint that takes an id or a query

_SERVER = """
import sys, uvicorn
from amanat.web.server import uvicorn_options
kind, url, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if kind == "bare":
    from fastapi import FastAPI
    app = FastAPI()

    @app.get("/constant")
    async def constant() -> dict[str, str]:
        return {"status": "ok"}
else:
    import sqlalchemy as sa
    from amanat.web import Settings, create_app
    app = create_app(url, settings=Settings(rate=1e9, burst=10**9))
    opened = []  # database connections the server opens (a pool keeps them: a handful in all)

    def count(*_):
        opened.append(1)
        with open(sys.argv[4], "w") as out:  # at each opening: the server is ended by a signal
            out.write(str(len(opened)))

    sa.event.listen(app.state.store.engine, "connect", count)
uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, **uvicorn_options())
"""

_LUA = r"""
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format('BENCH {"requests": %d, "micros": %d, "p50": %d, "p99": %d, "bad": %d, "errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(kind: str, url: str, report: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    server = subprocess.Popen([sys.executable, "-c", _SERVER, kind, url, str(port), str(report)], env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the {kind} server exited early")
        try:
            with urllib.request.urlopen(base + ("/constant" if kind == "bare" else "/healthz"), timeout=1):
                return server, base
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError(f"the {kind} server did not start within 120 s")


def _wrk(base: str, paths_file: Path, token: str, seconds: int, script: Path) -> dict[str, Any]:
    env = {**os.environ, "BENCH_PATHS": str(paths_file), "BENCH_TOKEN": token}
    out = subprocess.run(["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script),
                          base], env=env, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    result: dict[str, Any] = json.loads(line[6:])
    result["rps"] = result["requests"] / (result["micros"] / 1e6)
    return result


def _cases(url: str, meta: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Each endpoint measured, with the distinct paths its connections cycle through."""
    import sqlalchemy as sa

    from amanat.store import schema as t
    from amanat.store.db import Store

    rng = random.Random(19)
    with Store.open(url) as store, store.engine.connect() as conn:
        docs = list(conn.execute(sa.select(t.documents.c.id).order_by(sa.func.random()).limit(DISTINCT)).scalars())
        found = list(conn.execute(sa.select(t.findings.c.id).order_by(sa.func.random()).limit(DISTINCT)).scalars())
        types = list(conn.execute(sa.select(t.findings.c.type).distinct()).scalars())
        n_findings = conn.execute(sa.select(sa.func.count()).select_from(t.findings)).scalar_one()
    words = _words(meta)
    one = [f"/api/v1/search?q={rng.choice(words)}&limit=10" for _ in range(DISTINCT)]
    two = [f"/api/v1/search?q={rng.choice(words)}+{rng.choice(words)}&limit=10" for _ in range(DISTINCT)]
    pages = [f"/api/v1/findings?limit=20&offset={rng.randrange(n_findings // len(types))}&type={rng.choice(types)}"
             for _ in range(DISTINCT)]
    return [
        ("GET /healthz (the app's middleware and routing, no store)", ["/healthz"]),
        ("GET /api/v1/search?q=WORD", one),
        ("GET /api/v1/search?q=W1+W2", two),
        ("GET /api/v1/documents/{id}", [f"/api/v1/documents/{d}" for d in docs]),
        ("GET /api/v1/stats", ["/api/v1/stats"]),
        ("GET /api/v1/findings/{id}", [f"/api/v1/findings/{f}" for f in found]),
        ("GET /api/v1/findings?type=…&offset=…", pages),
    ]


def _words(meta: dict[str, Any]) -> list[str]:
    """Mid-frequency words of the store's vocabulary (bench pages draws it from its seed)."""
    from bench.bench_pages import vocabulary

    return vocabulary(random.Random(meta.get("seed", 5)))[20:300]


def _store() -> tuple[str, dict[str, Any], str, float, float]:
    """The 100k store (built, or reused from AMANAT_BENCH_STORE), migrated and indexed; how
    long the migration and the index catch-up took."""
    from amanat.store.db import Store
    from bench import bench_pages

    n = int(os.environ.get("AMANAT_BENCH_DOCS") or 100_000)
    kept = os.environ.get("AMANAT_BENCH_STORE")
    folder = Path(kept) if kept else Path(tempfile.mkdtemp(prefix="bench-http-"))
    meta = bench_pages.prepared(folder, n)
    t0 = time.perf_counter()
    with Store.open(meta["url"]) as store:
        migrated = time.perf_counter() - t0
        t0 = time.perf_counter()
        store.refresh_search_index()
        indexed = time.perf_counter() - t0
    return meta["url"], meta, str(folder) if not kept else "", migrated, indexed


def run(quick: bool) -> str:
    if shutil.which("wrk") is None:
        raise Skipped("bench http needs wrk, the HTTP load generator (Debian/Ubuntu: apt-get install wrk): skipped")
    if quick:
        os.environ.setdefault("AMANAT_BENCH_DOCS", "5000")
    url, meta, made, migrated, indexed = _store()
    seconds, rounds = (3, 1) if quick else (SECONDS, ROUNDS)
    try:
        rows, info = _measure(url, meta, seconds, rounds)
    finally:
        if made:
            shutil.rmtree(made, ignore_errors=True)
    return "\n".join([
        f"## HTTP API at {meta['n']:,} documents, beside the bare framework (wrk)",
        "",
        table(["endpoint", "distinct paths", "req/s", "bare req/s", "ratio", "p50 ms", "p99 ms", "non-2xx"], rows),
        "",
        f"wrk {info['wrk']}, 1 thread, {CONNECTIONS} keep-alive connections, {seconds} s per run after a "
        f"{WARMUP} s warm-up, {rounds} rounds of (bare, endpoint); medians of the rounds, the ratio the median of "
        "each round's endpoint/bare. Each connection cycles through the endpoint's distinct paths (search: 1 or 2 "
        "mid-frequency words of the corpus; ids drawn at random from the store). Both servers: one uvicorn worker "
        f"started as `amanat serve` starts it ({info['stack']}); the bare one is FastAPI with one `async def` route "
        "returning a constant (a `def` route answers about half as many: it is handed to a worker thread). The app "
        "runs in private mode (each request's read token is looked up and hashed) with its rate limiter on. Store: "
        "bench pages's synthetic SQLite store (findings, stories, mentions); search answered by its tantivy index. "
        f"The app's server opened {info['connections']} database connection(s) in the whole run (a pool; none per "
        f"request). Opening the store (migrations, if due) took {migrated:.1f} s; the index catch-up "
        f"{indexed:.0f} s. Machine load before the run: {info['load_before']}; after: {info['load_after']} "
        "(2 cores, shared with other work; server and wrk share them). Where the time goes: docs/performance.md.",
    ])


def _measure(url: str, meta: dict[str, Any], seconds: int, rounds: int) -> tuple[list[list[Any]], dict[str, str]]:
    cases = _cases(url, meta)
    info = {"load_before": _load(), "wrk": _wrk_version(), "stack": _stack()}
    rows: list[list[Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "cycle.lua"
        script.write_text(_LUA)
        bare_paths = Path(tmp) / "bare.txt"
        bare_paths.write_text("/constant\n")
        report = Path(tmp) / "connections.txt"
        bare, bare_base = _start("bare", "", report)
        app, app_base = _start("app", url, report)
        try:
            _wrk(bare_base, bare_paths, "", WARMUP, script)
            for n, (name, paths) in enumerate(cases):
                paths_file = Path(tmp) / f"case{n}.txt"
                paths_file.write_text("\n".join(paths) + "\n")
                _wrk(app_base, paths_file, meta["token"], WARMUP, script)
                refs, runs = [], []
                for _ in range(rounds):
                    refs.append(_wrk(bare_base, bare_paths, "", seconds, script))
                    runs.append(_wrk(app_base, paths_file, meta["token"], seconds, script))
                rps = statistics.median(r["rps"] for r in runs)
                ref = statistics.median(r["rps"] for r in refs)
                ratio = statistics.median(r["rps"] / b["rps"] for r, b in zip(runs, refs, strict=True))
                rows.append([name, len(set(paths)), rps, ref, ratio,
                             statistics.median(r["p50"] for r in runs) / 1000,
                             statistics.median(r["p99"] for r in runs) / 1000,
                             sum(r["bad"] + r["errors"] for r in runs)])
                print(rows[-1], flush=True)
        finally:
            for server in (bare, app):
                server.terminate()
                server.wait(timeout=30)
        info["connections"] = report.read_text() if report.exists() else "?"
    info["load_after"] = _load()
    return rows, info


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _wrk_version() -> str:
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).split()[1] if (out.stdout or out.stderr).split()[1:] else "?"


def _stack() -> str:
    import importlib.util

    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"{loop} event loop, {http} parser"
