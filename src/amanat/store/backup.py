"""Backend-neutral backup, restore and copy: the rows of every table, in dependency order.

A backup is gzip-compressed JSON lines: a header (format, schema revision, tables), then one
``{"table": …, "row": …}`` line per row, binary columns base64-encoded. The same row stream
copies a store into another directly (``amanat db copy --to postgresql://…``). Integer
surrogate keys (``documents.seq``) are not copied: the target assigns its own and its
search index is built as rows arrive.
"""

from __future__ import annotations

import base64
import gzip
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
    counts: dict[str, int] = {table.name: 0 for table in TABLES}
    pending: dict[str, list[dict[str, Any]]] = {}
    with store.engine.begin() as conn:  # all or nothing
        for table, row in rows:
            pending.setdefault(table.name, []).append(row)
            counts[table.name] += 1
            if len(pending[table.name]) >= batch:
                conn.execute(sa.insert(table), pending.pop(table.name))
        for table in TABLES:
            if pending.get(table.name):
                conn.execute(sa.insert(table), pending[table.name])
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
