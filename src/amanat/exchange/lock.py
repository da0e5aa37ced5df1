"""One sync of a partner at a time, across threads and processes, on either backend.

A push notice makes the server sync a partner in the background while an operator may run
``amanat sync`` on the same store: two rounds that both read the mirror's size, fetch the
same entries and append them would collide (the second finds the mirror moved under it).
``partner_lock`` serialises them; the second round waits, then starts from what the first
stored, so both report the truth.

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) keyed by the schema
  and the partner's origin, held on a connection of its own in autocommit mode (no
  transaction stays open during the network round; the round's own writes use other
  connections, so a row lock would block the round itself). The server drops it if the
  process dies.
- SQLite: an exclusive ``flock`` on a lock file per partner in ``<database>-sync/`` beside
  the database (the write transaction cannot be held across a round: it would stop every
  other writer of the store for as long as the partner takes to answer). The kernel drops
  it if the process dies; flock locks of separate opens exclude each other within one
  process too, so threads are serialised as well. An in-memory database has one process:
  a process-wide lock serves.

Waiting is bounded; a caller that could not get the lock in time is told so (``False``).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import sqlalchemy as sa

from amanat.errors import StoreError
from amanat.store.db import Store

POLL = 0.05  # seconds between tries, doubling up to POLL_MAX
POLL_MAX = 0.5
_local: dict[tuple[int, str], threading.Lock] = {}
_local_guard = threading.Lock()


def _name(origin: str) -> str:
    return hashlib.sha256(origin.encode()).hexdigest()[:32]


def _acquire(try_once: Callable[[], bool], wait: float) -> bool:
    """Call ``try_once`` until it succeeds (True) or ``wait`` seconds have passed (False),
    sleeping between tries with a growing pause."""
    deadline, attempt = time.monotonic() + wait, 0
    while not try_once():
        now = time.monotonic()
        if now >= deadline:
            return False
        time.sleep(min(POLL * 2 ** min(attempt, 4), POLL_MAX, deadline - now))
        attempt += 1
    return True


@contextmanager
def partner_lock(store: Store, origin: str, *, wait: float) -> Iterator[bool]:
    """Hold the sync lock of ``origin`` in ``store`` for the block; yields whether it was
    obtained within ``wait`` seconds (when not, the block must not sync)."""
    if store.dialect == "postgresql":
        with _pg_lock(store, origin, wait) as held:
            yield held
        return
    path = store.engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        with _process_lock(store, origin, wait) as held:
            yield held
        return
    with _file_lock(Path(path), origin, wait) as held:
        yield held


@contextmanager
def _pg_lock(store: Store, origin: str, wait: float) -> Iterator[bool]:
    key = sa.text("SELECT hashtextextended('amanat-sync ' || current_schema() || ' ' || :origin, 0)")
    conn = store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        lock_id = conn.execute(key, {"origin": origin}).scalar_one()
        def try_once() -> bool:
            return conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_id}).scalar_one()

        if not _acquire(try_once, wait):
            yield False
            return
        try:
            yield True
        finally:
            try:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": lock_id})
            except sa.exc.SQLAlchemyError:
                conn.invalidate()  # never hand a connection that may hold the lock back to the pool
    finally:
        conn.close()


@contextmanager
def _file_lock(database: Path, origin: str, wait: float) -> Iterator[bool]:
    import fcntl

    folder = database.with_name(database.name + "-sync")
    try:
        folder.mkdir(exist_ok=True)  # default modes: a server and an operator may run as different users
        fh = open(folder / f"{_name(origin)}.lock", "a+b")  # noqa: SIM115 - closed below, after unlocking
    except OSError as exc:
        raise StoreError(f"cannot create the sync lock beside the database: {exc}", where=str(folder)) from None
    try:
        def try_once() -> bool:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        if not _acquire(try_once, wait):
            yield False
            return
        try:
            yield True
        finally:
            with suppress(OSError):
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    finally:
        fh.close()


@contextmanager
def _process_lock(store: Store, origin: str, wait: float) -> Iterator[bool]:
    with _local_guard:
        lock = _local.setdefault((id(store.engine), origin), threading.Lock())
    if not lock.acquire(timeout=max(wait, 0.0)):
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
