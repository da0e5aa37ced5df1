"""Backend-neutral backup, restore and copy: the rows of every table, in dependency order.

A backup is gzip-compressed JSON lines: a header (format, schema revision, tables), then one
``{"table": …, "row": …}`` line per row, binary columns base64-encoded. The same row stream
copies a store into another directly (``amanat db copy --to postgresql://…``). Integer
surrogate keys (``documents.seq``) are not copied: the target assigns its own and its
search index is built as rows arrive.

Into PostgreSQL, rows go by ``COPY`` (one stream per table) with the tables' secondary
indexes dropped first and built again at the end, all in the one transaction: building a
GIN index over every tsvector at once is several times cheaper than growing it row by row,
and ``COPY`` spares the per-row statement work of ``INSERT``. The tsvector column itself is
computed as each row arrives (a generated column), which is what a copy then mostly waits
for (docs/performance.md).
"""

from __future__ import annotations

import base64
import gzip
import itertools
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from amanat.errors import InputError, StoreError
from amanat.store import schema as t
from amanat.store.db import Store, iter_rows

FORMAT = "amanat-backup/1"
TABLES = [  # parents before children
    t.sources, t.raw, t.documents, t.seen, t.tokens,
    t.publishers, t.log_entries, t.log_subtrees, t.checkpoints,
    t.kb_imports, t.mentions, t.claims, t.analysis_runs, t.findings, t.finding_reviews,
    t.finding_entities,
    t.partners, t.cosignatures, t.exchange_problems, t.subscriptions, t.witness_keys,
    t.reprints, t.reprint_matched,
    t.stories, t.story_documents, t.story_features,
]
DERIVED = {"counters"}  # kept by triggers as the rows above are written: the target counts its own
_SKIP = {"documents": {"seq"}, "kb_imports": {"id"}, "exchange_problems": {"id"}}  # surrogate keys the target assigns


def _encode(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if key in _SKIP.get(table.name, ()):
            continue
        if isinstance(value, bytes | memoryview):
            value = {"$b64": base64.b64encode(bytes(value)).decode()}
        elif isinstance(value, datetime):
            value = {"$dt": value.isoformat()}
        out[key] = value
    return out


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if isinstance(value, dict) and "$b64" in value:
            value = base64.b64decode(value["$b64"])
        elif isinstance(value, dict) and "$dt" in value:
            value = datetime.fromisoformat(value["$dt"])
        out[key] = value
    return out


def _rows(store: Store) -> Iterator[tuple[sa.Table, dict[str, Any]]]:
    for table in TABLES:
        for row in iter_rows(store, table):
            yield table, row


def _require_empty(store: Store) -> None:
    with store.engine.connect() as conn:
        for table in TABLES:
            if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one():
                raise StoreError(f"target store is not empty (table {table.name} has rows)")


def _insert_all(store: Store, rows: Iterator[tuple[sa.Table, dict[str, Any]]], batch: int = 500) -> dict[str, int]:
    """Write every row into ``store`` in one transaction (all or nothing); rows come table by
    table, parents first."""
    if store.dialect == "postgresql":
        return _copy_all(store, rows)
    counts: dict[str, int] = {table.name: 0 for table in TABLES}
    pending: list[dict[str, Any]] = []
    current: sa.Table | None = None
    with store.engine.begin() as conn:  # all or nothing
        for table, row in rows:
            if table is not current or len(pending) >= batch:
                # a table's rows are all written before the next table's, whose rows may refer to them
                if pending and current is not None:
                    conn.execute(sa.insert(current), pending)
                pending, current = [], table
            pending.append(row)
            counts[table.name] += 1
        if pending and current is not None:
            conn.execute(sa.insert(current), pending)
    return counts


_SECONDARY_INDEXES = sa.text(
    """
    SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS ddl
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relname = ANY(:tables)
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
    ORDER BY 1
    """
)


def _copy_all(store: Store, rows: Iterator[tuple[sa.Table, dict[str, Any]]]) -> dict[str, int]:
    """``_insert_all`` for PostgreSQL: ``COPY`` per table, secondary indexes built at the end
    (primary keys and unique constraints stay: foreign keys need them)."""
    import psycopg

    counts: dict[str, int] = {table.name: 0 for table in TABLES}
    table_name = "(none)"
    with store.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")  # index builds sort in memory
        indexes = conn.execute(_SECONDARY_INDEXES, {"tables": [table.name for table in TABLES]}).fetchall()
        for index in indexes:
            conn.exec_driver_sql(f"DROP INDEX {index.name}")
        driver = conn.connection.driver_connection
        assert isinstance(driver, psycopg.Connection)
        try:
            with driver.cursor() as cursor:
                # a new COPY where the table or the row's columns change (backups written by
                # one revision give every row of a table the same columns)
                for (table, columns), group in itertools.groupby(rows, key=lambda tr: (tr[0], tuple(tr[1]))):
                    table_name = table.name
                    names = ", ".join(f'"{c}"' for c in columns)
                    n = 0
                    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                        for _, row in group:
                            copy.write_row(tuple(row.values()))
                            n += 1
                    counts[table.name] += n
        except psycopg.Error as exc:
            raise StoreError(f"cannot copy the rows of table {table_name} into {store.name}: {exc}".splitlines()[0]) from None
        for index in indexes:
            conn.exec_driver_sql(index.ddl)
    return counts


def write_backup(store: Store, path: Path) -> dict[str, int]:
    counts: dict[str, int] = {table.name: 0 for table in TABLES}
    tmp = path.with_name(path.name + ".partial")
    with gzip.open(tmp, "wt", encoding="utf-8") as fh:
        header = {"format": FORMAT, "revision": store.revision(), "tables": [x.name for x in TABLES]}
        fh.write(json.dumps(header) + "\n")
        for table, row in _rows(store):
            fh.write(json.dumps({"table": table.name, "row": _encode(table, row)}, ensure_ascii=False) + "\n")
            counts[table.name] += 1
    tmp.replace(path)  # a backup file is complete or absent
    return counts


def read_backup(store: Store, path: Path) -> dict[str, int]:
    if not path.is_file():
        raise InputError("cannot read backup: no such file", where=str(path))
    _require_empty(store)
    by_name = {table.name: table for table in TABLES}

    def rows() -> Iterator[tuple[sa.Table, dict[str, Any]]]:
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                header = json.loads(fh.readline() or "{}")
                if header.get("format") != FORMAT:
                    raise InputError(f"not an Amanat backup (format {header.get('format')!r})", where=str(path))
                if header.get("revision") != store.revision():
                    raise InputError(
                        f"backup is at schema revision {header.get('revision')}, the store at {store.revision()}",
                        where=str(path),
                    )
                for lineno, line in enumerate(fh, 2):
                    try:
                        entry = json.loads(line)
                        table = by_name[entry["table"]]
                    except (ValueError, KeyError, TypeError):
                        raise InputError(f"line {lineno} is not a backup row", where=str(path)) from None
                    yield table, _decode(entry["row"])
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise InputError(f"cannot read backup: {exc}", where=str(path)) from None

    return _insert_all(store, rows())


def copy_store(source: Store, target: Store) -> dict[str, int]:
    _require_empty(target)
    if source.revision() != target.revision():
        raise StoreError("source and target are at different schema revisions; migrate both first")
    return _insert_all(target, ((table, {k: v for k, v in row.items() if k not in _SKIP.get(table.name, ())}) for table, row in _rows(source)))
