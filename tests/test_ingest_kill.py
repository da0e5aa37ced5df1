"""A killed or frozen ingest, run as a real process: nothing of it survives, and the next run
is never blocked by it — it proceeds, or stops within its bound naming what is in the way.

The checks here read /proc and pg_locks directly rather than through Amanat's own code.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from amanat.ingest.pipeline import POOL_AFTER_CAPTURES
from amanat.store.db import Store, engine_url

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")

_KEY = "hashtextextended('amanat-documents ' || current_schema(), 0)"
# who holds the writers' advisory lock of the URL's schema (a one-bigint key: high half in
# classid, low half in objid)
_HOLDERS = f"""
    SELECT a.pid, a.application_name, a.state FROM pg_locks l
    JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid::bigint = ({_KEY} >> 32) & 4294967295 AND l.objid::bigint = {_KEY} & 4294967295
"""


def _pages(folder: Path, n: int) -> list[str]:
    """``n`` HTML files in ``folder``; the canonical URLs they carry."""
    folder.mkdir(exist_ok=True)
    urls = []
    for i in range(n):
        paras = "\n".join(f"<p>Unique story {i} text. Paragraph {j} adds more on the events.</p>" for j in range(6))
        url = f"https://pages.example/{i}"
        (folder / f"p{i:03}.html").write_text(
            f'<html><head><title>Story {i}</title><link rel="canonical" href="{url}">'
            f"</head><body><article><h1>Story {i}</h1>{paras}</article></body></html>")
        urls.append(url)
    return urls


def _records(path: Path, n: int, start: int = 0) -> list[str]:
    """A JSON lines file of ``n`` articles; their URLs."""
    urls = []
    with path.open("w") as fh:
        for i in range(start, start + n):
            text = f"Unique report {i}. " + " ".join(f"Sentence {j} of report {i} tells of the events." for j in range(8))
            url = f"https://records.example/{i}"
            fh.write(json.dumps({"url": url, "title": f"Report {i}", "text": text, "published": "2022-01-07",
                                 "source": "records.example"}) + "\n")
            urls.append(url)
    return urls


def _stored(url: str) -> list[tuple]:
    """(canonical URL, how many documents have it) for everything stored."""
    return sorted(_count(url, "SELECT canonical_url, count(*) FROM documents GROUP BY canonical_url"))


def _ingest(url: str, *inputs: object, jobs: int = 2) -> list[str]:
    return [sys.executable, "-m", "amanat.cli", "ingest", *map(str, inputs), "--jobs", str(jobs), "--quiet",
            "--json", "--db", url]


@contextmanager
def _running(cmd: list[str], **env: str) -> Iterator[subprocess.Popen[str]]:
    """A process in a session of its own; whatever of it is left is killed at the end (so a
    failing run cannot leave orphans holding the test's schema)."""
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        yield proc
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


def _finish(proc: subprocess.Popen[str], timeout: float) -> tuple[int, str, float]:
    """Exit status and stderr of ``proc``, and the seconds it took to end; fails the test
    (instead of hanging it) when it does not end within ``timeout``."""
    start = time.monotonic()
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(proc.args[3:5])} did not end within {timeout} s (blocked)")
    return proc.returncode, err, time.monotonic() - start


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state, start time) of a process, None when there is none."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # after "pid (comm) "
    return int(fields[1]), fields[0], int(fields[19])


def _descendants(root: int) -> dict[int, int]:
    """Every process below ``root`` now, with its start time (so a reused pid is not it)."""
    children: dict[int, list[tuple[int, int]]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (info := _stat(int(entry.name))):
            children.setdefault(info[0], []).append((int(entry.name), info[2]))
    found, todo = {}, [root]
    while todo:
        for pid, start in children.get(todo.pop(), []):
            found[pid] = start
            todo.append(pid)
    return found


def _alive(pid: int, start: int) -> bool:
    info = _stat(pid)
    return info is not None and info[2] == start and info[1] not in ("Z", "X")


def _count(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(engine_url(url))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(sql).fetchall()]
    except sa.exc.SQLAlchemyError:  # not created yet
        return []
    finally:
        engine.dispose()


def _documents(url: str) -> int:
    rows = _count(url, "SELECT count(*) FROM documents")
    return rows[0][0] if rows else 0


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout} s")
        time.sleep(0.1)


def test_a_killed_ingest_leaves_nothing_behind_and_the_next_one_completes(store_url, tmp_path):
    """SIGKILL an ingest with worker processes mid-run: its workers die with it (within 3 s),
    no database session of it keeps the writers' lock, and a second run stores every input
    exactly once, within its bound. (Files of many records: those are what workers analyse.)"""
    folder = tmp_path / "inputs"
    urls = _pages(folder, 10)
    folder.mkdir(exist_ok=True)
    for k in range(4):  # several writer batches (200 documents each), so a kill lands mid-run
        urls += _records(folder / f"r{k}.jsonl", 200, start=200 * k)
    cmd = _ingest(store_url, folder)
    with _running(cmd) as proc:
        # past the captures analysed in-process (a run's first POOL_AFTER_CAPTURES, while its
        # pool is not started), into those its workers analysed: they are up by then
        past = POOL_AFTER_CAPTURES + 8
        _wait_for(lambda: _documents(store_url) >= past or proc.poll() is not None, 60, "a commit of the workers' work")
        below = _descendants(proc.pid)
        assert proc.poll() is None, "the run finished before it could be killed"
        assert below, "the run has no worker processes to test"
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 3
        while any(_alive(p, s) for p, s in below.items()) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = {p: Path(f"/proc/{p}/cmdline").read_bytes()[:80] for p, s in below.items() if _alive(p, s)}
        assert not survivors, f"processes of the killed ingest still running after 3 s: {survivors}"
    assert _documents(store_url) < len(urls)
    if store_url.startswith("postgresql"):
        _wait_for(lambda: not _count(store_url, _HOLDERS), 3, "the release of the killed run's lock")

    with _running(cmd) as again:
        code, err, _ = _finish(again, 60)
    assert code == 0, err
    assert _stored(store_url) == sorted((u, 1) for u in urls)


_WATCHER = """
import os, sys, threading, time
from amanat.analyze.workers import _watch_owner
threading.Thread(target=_watch_owner, args=(os.getppid(),), daemon=True).start()
print("watching", flush=True)
time.sleep(60)
"""
_OWNER = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]])
print(child.pid, flush=True)
time.sleep(60)
"""


def test_without_the_kernel_signal_a_worker_still_exits_when_its_owner_dies():
    """The portable fallback alone (no ``prctl``): a process watching its owner exits within
    about a second of the owner's SIGKILL."""
    with _running([sys.executable, "-c", _OWNER, _WATCHER]) as owner:
        worker = int(owner.stdout.readline())
        assert owner.stdout.readline().strip() == "watching"
        start = _stat(worker)[2]
        owner.kill()
        owner.wait()
        deadline = time.monotonic() + 2
        while _alive(worker, start) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(worker, start), "the worker outlived its owner by 2 s"


@pytest.mark.postgres
def test_a_stalled_lock_holder_is_named_within_the_bound_never_waited_for_forever(pg_url, tmp_path):
    """A session holds the writers' lock and does nothing (its client frozen or gone without
    closing the socket): an ingest gives up within its bound with one line that names the
    session, exit status 2 — and, once the session is gone, ingests everything."""
    Store.open(pg_url).close()
    urls = _pages(tmp_path / "pages", 5)
    holder = psycopg.connect(pg_url, application_name="stalled holder")
    try:
        holder.execute(f"SELECT pg_advisory_xact_lock({_KEY})")  # opens a transaction, left idle
        backend = holder.info.backend_pid
        with _running(_ingest(pg_url, tmp_path / "pages"), AMANAT_STALL_TIMEOUT="2") as proc:
            code, err, _ = _finish(proc, 40)  # its bound: 2 s of stall, 2 s of slices, start-up
        assert code == 2, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), err
        assert "'stalled holder'" in lines[0] and f"backend {backend}" in lines[0], err
    finally:
        holder.close()
    with _running(_ingest(pg_url, tmp_path / "pages"), AMANAT_STALL_TIMEOUT="2") as proc:
        code, err, _ = _finish(proc, 30)
    assert code == 0, err
    assert _stored(pg_url) == sorted((u, 1) for u in urls)


@pytest.mark.postgres
def test_a_frozen_ingest_holding_the_lock_is_ended_and_the_next_proceeds(pg_url, tmp_path):
    """Freeze (SIGSTOP) an ingest while its transaction holds the writers' lock: the server
    ends its session after the stall timeout, so a second ingest of the same input proceeds
    and completes; the frozen one, thawed, stops with one line (exit 2); every record is
    stored exactly once."""
    Store.open(pg_url).close()
    records = tmp_path / "records.jsonl"
    urls = _records(records, 400)
    cmd = _ingest(pg_url, records, jobs=1)
    stall = {"AMANAT_STALL_TIMEOUT": "2"}
    with _running(cmd, **stall) as frozen:
        def frozen_holding_the_lock() -> bool:
            if frozen.poll() is not None:
                pytest.fail(f"the first run ended before it could be frozen: {frozen.stderr.read()}")
            os.kill(frozen.pid, signal.SIGSTOP)
            time.sleep(0.3)
            if _count(pg_url, _HOLDERS):  # nothing else writes to this schema
                return True
            os.kill(frozen.pid, signal.SIGCONT)
            return False

        _wait_for(frozen_holding_the_lock, 30, "the first run holding the lock")
        with _running(cmd, **stall) as second:
            code, err, _ = _finish(second, 60)
        assert code == 0, err
        os.kill(frozen.pid, signal.SIGCONT)
        code, err, _ = _finish(frozen, 30)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "ended this writer's session" in lines[0], err
    assert _stored(pg_url) == sorted((u, 1) for u in urls)


@pytest.mark.postgres
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_slow_analysis_never_leaves_a_live_ingest_idle_holding_the_lock(pg_url, tmp_path, jobs):
    """A record that takes seconds to analyse, with a stall timeout shorter than that: the
    ingest commits before it waits (in a worker or here), so the server never ends its
    session as stalled, and everything is stored."""
    Store.open(pg_url).close()
    records = tmp_path / "records.jsonl"
    urls = _records(records, 3)
    paras = "".join(f"<p>Paragraph {i} of a very long report on the events in the capital city.</p>" for i in range(35_000))
    with records.open("a") as fh:  # ~3 MB of HTML: seconds of analysis
        fh.write(json.dumps({"url": "https://records.example/long", "title": "A long report",
                             "html": f"<html><body><article><h1>A long report</h1>{paras}</article></body></html>"}) + "\n")
    _records(tmp_path / "more.jsonl", 3, start=3)
    with records.open("a") as fh:
        fh.write((tmp_path / "more.jsonl").read_text())
    urls += ["https://records.example/long", *(f"https://records.example/{i}" for i in range(3, 6))]
    with _running(_ingest(pg_url, records, jobs=jobs), AMANAT_STALL_TIMEOUT="1.5") as proc:
        code, err, _ = _finish(proc, 60)
    assert code == 0, err
    assert _stored(pg_url) == sorted((u, 1) for u in urls)


@pytest.mark.postgres
def test_a_bad_stall_timeout_is_one_line(pg_url, tmp_path):
    """``AMANAT_STALL_TIMEOUT`` that is not a positive number of seconds: exit 2, one line."""
    _pages(tmp_path / "pages", 1)
    with _running(_ingest(pg_url, tmp_path / "pages"), AMANAT_STALL_TIMEOUT="soon") as proc:
        code, err, _ = _finish(proc, 30)
    assert code == 2 and err.count("\n") == 1 and "AMANAT_STALL_TIMEOUT" in err, err
