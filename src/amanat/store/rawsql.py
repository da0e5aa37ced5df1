"""The few hottest reads, through the driver's own cursor on a pooled connection.

Why: every API request checks its token (one primary-key lookup) and ``/api/v1/stats`` reads
a dozen counter rows; SQLAlchemy spent ~200 µs of Python around each such statement — its
cache key, execution context and result object — where the driver and the database took
~20 µs (bench http; docs/performance.md). Only for small fixed statements whose values need
no conversion beyond what the caller does (SQLite gives timestamps as text: ``timestamp``).
Everything else goes through SQLAlchemy as before; the connections are the engine's own
pool's, so none is opened per request and PostgreSQL's are pinged as the engine does.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

_NAMED = re.compile(r"(?<![:\w]):(\w+)")


@functools.cache
def _for(dialect: str, sql: str) -> str:
    """``:name`` parameters as the driver takes them: sqlite3 takes them as they are,
    psycopg as ``%(name)s``."""
    return _NAMED.sub(r"%(\1)s", sql) if dialect == "postgresql" else sql


def _execute(engine: Engine, sql: str, params: dict[str, Any] | None) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The column names and every row of ``sql`` (with ``:name`` parameters), on a pooled
    connection given back at once."""
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        try:
            cursor.execute(_for(engine.dialect.name, sql), params or {})
            return [c[0] for c in cursor.description or ()], list(cursor.fetchall())
        finally:
            cursor.close()
    finally:
        conn.close()  # back to the pool


def fetch(engine: Engine, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Every row of ``sql`` (with ``:name`` parameters), as the driver gives them."""
    return _execute(engine, sql, params)[1]


def fetch_mappings(engine: Engine, sql: str, params: dict[str, Any] | None = None,
                   timestamps: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """``fetch``, each row a dict by column name, the ``timestamps`` columns made datetimes
    as SQLAlchemy gives them (SQLite's without a zone, as stored)."""
    names, found = _execute(engine, sql, params)
    rows = [dict(zip(names, row, strict=True)) for row in found]
    for row in rows:
        for name in timestamps:
            if isinstance(row[name], str):
                row[name] = datetime.fromisoformat(row[name])
    return rows


def timestamp(value: datetime | str | None) -> datetime | None:
    """A stored timestamp as an aware datetime: SQLite keeps SQLAlchemy's ISO text, without
    a zone (UTC, as the store writes them); PostgreSQL gives a datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
