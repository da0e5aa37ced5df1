"""What analysis passes stored: their rows per document, and which version ran where.

``stale`` lists the documents a set of passes has not yet run on at their current version
(new documents, or a pass whose version changed); ``AnalysisWriter`` replaces a document's
rows of each pass and records the run, many documents per transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amanat.store import schema as t
from amanat.store.db import Store

_runs = t.analysis_runs


@dataclass(frozen=True)
class PassResult:
    """One pass's output for one document, as the store keeps it."""

    table: str
    version: str
    rows: Sequence[dict[str, Any]]
    status: str | None = None


def stale(store: Store, versions: Mapping[str, str], *, batch: int = 1000) -> Iterator[str]:
    """Ids of documents on which some pass has not run at its version, in ingest order."""
    d = t.documents
    fresh = [
        sa.exists().where(_runs.c.document_id == d.c.id, _runs.c.pass_name == name, _runs.c.version == version)
        for name, version in versions.items()
    ]
    last = 0
    while True:
        with store.engine.connect() as conn:
            rows = conn.execute(
                sa.select(d.c.id, d.c.seq).where(d.c.seq > last, sa.not_(sa.and_(*fresh)))
                .order_by(d.c.seq).limit(batch)
            ).fetchall()
        if not rows:
            return
        yield from (r.id for r in rows)
        last = rows[-1].seq


def all_ids(store: Store) -> Iterator[str]:
    d = t.documents
    with store.engine.connect() as conn:
        yield from conn.execute(sa.select(d.c.id).order_by(d.c.seq)).scalars().all()


class AnalysisWriter:
    """Writes passes' results, ``batch`` documents per transaction; use as a context manager."""

    def __init__(self, store: Store, batch: int = 100) -> None:
        self.store, self.batch = store, batch
        self._pending: list[tuple[str, Mapping[str, PassResult]]] = []

    def __enter__(self) -> AnalysisWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.flush()

    def add(self, document_id: str, results: Mapping[str, PassResult]) -> None:
        self._pending.append((document_id, results))
        if len(self._pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        with self.store.engine.begin() as conn:
            for document_id, results in self._pending:
                _replace(conn, document_id, results)
        self._pending = []


def _replace(conn: Connection, document_id: str, results: Mapping[str, PassResult]) -> None:
    now = datetime.now(UTC)
    for name, result in results.items():
        table = t.metadata.tables[result.table]
        conn.execute(sa.delete(table).where(table.c.document_id == document_id))
        if result.rows:
            conn.execute(sa.insert(table), list(result.rows))
        conn.execute(sa.delete(_runs).where(_runs.c.document_id == document_id, _runs.c.pass_name == name))
        conn.execute(sa.insert(_runs).values(document_id=document_id, pass_name=name, version=result.version,
                                             status=result.status, analysed=now))


def claims_of(store: Store, document_id: str) -> tuple[list[dict[str, Any]], str | None, bool]:
    """A document's claims in the stable JSON shape, the claims pass's status, and whether
    that pass ran on it at all."""
    c = t.claims
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(c).where(c.c.document_id == document_id).order_by(c.c.n)).fetchall()
        run = conn.execute(sa.select(_runs.c.status).where(
            _runs.c.document_id == document_id, _runs.c.pass_name == "claims")).first()
    first = _first_seen(store, document_id)
    claims = [{"type": r.type, "start": r.start, "end": r.end, "text": r.text, **json.loads(r.fields),
               "first_seen": first.get((r.type, r.text)) or first[None]} for r in rows]
    return claims, (run.status if run else None), run is not None


def _first_seen(store: Store, document_id: str) -> dict[Any, dict[str, str]]:
    """Where and when each claim of a document was first seen: the earliest stored version of
    the same article whose claims include the same type and text (None: this document)."""
    d, c = t.documents, t.claims
    with store.engine.connect() as conn:
        me = conn.execute(sa.select(d.c.canonical_url, d.c.ingested).where(d.c.id == document_id)).one()
        versions = conn.execute(sa.select(d.c.id, d.c.ingested).where(d.c.canonical_url == me.canonical_url)
                                .order_by(d.c.version)).fetchall()
        seen: dict[Any, dict[str, str]] = {None: {"document_id": document_id, "ingested": me.ingested.isoformat()}}
        for v in versions:
            if v.id == document_id:
                break
            for kind, text in conn.execute(sa.select(c.c.type, c.c.text).where(c.c.document_id == v.id)):
                seen.setdefault((kind, text), {"document_id": v.id, "ingested": v.ingested.isoformat()})
    return seen
