"""PostgreSQL sessions: named, kept alive, and never waiting blindly for the writers' lock.

Sessions are named ``<application> pid <N>`` (``application_name``, unless the URL sets
one), so a session holding a lock can be traced to its process, and use TCP keepalives both
ways, so a peer that vanished without closing its socket is noticed in minutes, not hours.

Every writer transaction takes a transaction-level advisory lock keyed by the schema before
its first write, so writers commit one after another (see ``db.Writer``). Such a lock lasts
as long as its holder's transaction — and a holder can stop making progress without ending
it: a process frozen (Ctrl-Z, a debugger, a full disk), a host that vanished without closing
its socket, or (as before workers were spawned) a killed ingest whose forked workers kept its
connection open. Waiting on ``pg_advisory_xact_lock`` would then hang forever. So:

- a writer transaction sets ``idle_in_transaction_session_timeout`` to the stall timeout
  (``config.stall_timeout``, transaction-local): the server itself ends a writer session
  that sits idle in its transaction that long, which releases the lock;
- a writer that finds the lock taken waits for it in slices (``lock_timeout`` inside a
  savepoint, so a slice that runs out leaves its transaction usable). Between slices it
  looks the holder up (``pg_locks`` joined with ``pg_stat_activity``). While the holder
  makes progress — a live ingest changes state with every statement — it keeps waiting,
  its place in the lock's queue lost only for the moment of the look; once the holder has
  been still for longer than the stall timeout and the server has not ended it, it gives up
  with one line naming the holder (backend pid, application name — ``amanat ingest pid N``
  for Amanat's own — state and since when) and how to end it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from amanat.errors import StoreError

# the client side of keepalives (libpq): a server that vanished is noticed within ~1 minute
_PG_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}


def connect_args(url: sa.engine.URL, application: str) -> dict[str, Any]:
    """psycopg connection settings Amanat adds, never overriding what the URL says."""
    wanted: dict[str, Any] = {"application_name": f"{application} pid {os.getpid()}"[:63], **_PG_KEEPALIVES}
    return {k: v for k, v in wanted.items() if k not in url.query}


def on_connect(dbapi_connection: Any, _record: Any) -> None:
    """The server side of keepalives: probe an idle client after 60 s, give up after about
    two minutes without answer (the server's default waits two hours). Ignored on a Unix
    socket, where a dead client is noticed at once."""
    with dbapi_connection.cursor() as cur:
        cur.execute(
            "SELECT set_config('tcp_keepalives_idle', '60', false), "
            "set_config('tcp_keepalives_interval', '10', false), set_config('tcp_keepalives_count', '6', false)"
        )
    dbapi_connection.commit()


_KEY = "hashtextextended('amanat-documents ' || current_schema(), 0)"
_TRY = sa.text(
    "SELECT set_config('idle_in_transaction_session_timeout', :idle, true), "
    f"pg_try_advisory_xact_lock({_KEY})"
)
_SLICE = sa.text("SELECT set_config('lock_timeout', :slice, true)")
_WAIT = sa.text(f"SELECT pg_advisory_xact_lock({_KEY})")
_UNSLICE = sa.text("SET LOCAL lock_timeout TO DEFAULT")
_FRESH = sa.text("SELECT pg_stat_clear_snapshot()")  # else pg_stat_activity is read once per transaction
# pg_locks shows a one-bigint advisory key as classid = high half, objid = low half, objsubid = 1
_HOLDER = sa.text(
    f"""
    WITH k AS (SELECT {_KEY} AS key)
    SELECT a.pid, a.application_name, a.state, host(a.client_addr) AS client, a.state_change,
           EXTRACT(EPOCH FROM clock_timestamp() - a.state_change)::float8 AS still
    FROM pg_locks l
    CROSS JOIN k
    JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid::bigint = (k.key >> 32) & 4294967295
      AND l.objid::bigint = k.key & 4294967295
      AND l.pid <> pg_backend_pid()
    LIMIT 1
    """
)
LOCK_NOT_AVAILABLE = "55P03"  # SQLSTATE of a lock_timeout that ran out


@dataclass(frozen=True)
class Holder:
    """The session that holds the writers' lock, as the server describes it."""

    pid: int
    application: str
    state: str | None
    client: str | None
    since: datetime | None
    still: float | None  # seconds since its last change of state; None when not visible to us

    def describe(self) -> str:
        parts = [repr(self.application) if self.application else "no application name"]
        if self.state:
            parts.append(self.state + (f" since {self.since:%Y-%m-%d %H:%M:%S %Z}" if self.since else ""))
        if self.client:
            parts.append(f"from {self.client}")
        return f"PostgreSQL backend {self.pid} ({', '.join(parts)})"


def take_writers_lock(conn: Connection, stall: float) -> None:
    """Take the writers' lock for ``conn``'s transaction (its first statement), waiting as
    long as the holder makes progress; raise ``StoreError`` naming a holder still for longer
    than ``stall`` seconds."""
    got = conn.execute(_TRY, {"idle": _ms(stall)}).one()[1]
    if got:
        return
    step = min(1.0, stall / 2)
    conn.execute(_SLICE, {"slice": _ms(step)})
    started = time.monotonic()
    while True:
        try:
            with conn.begin_nested():
                conn.execute(_WAIT)
            break
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
        holder = holder_of(conn)
        if holder is None:
            continue  # released between the slice and the look: queue again
        # a holder whose progress we may not see (another role) is judged by our own wait
        still = holder.still if holder.still is not None else time.monotonic() - started
        if still > stall + 2 * step:  # the server ends its own writers at ``stall``: it did not
            raise StoreError(
                f"the store's writers' lock is held by a session that has made no progress for "
                f"{still:.0f} s (AMANAT_STALL_TIMEOUT is {stall:g} s): {holder.describe()}; stop that "
                f"process, or end its session with SELECT pg_terminate_backend({holder.pid})"
            )
    conn.execute(_UNSLICE)


def holder_of(conn: Connection) -> Holder | None:
    """The other session holding the writers' lock of ``conn``'s schema, if any."""
    conn.execute(_FRESH)
    row = conn.execute(_HOLDER).first()
    if row is None:
        return None
    return Holder(row.pid, row.application_name or "", row.state, row.client, row.state_change, row.still)


def _ms(seconds: float) -> str:
    return str(max(1, round(seconds * 1000)))
