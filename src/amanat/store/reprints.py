"""Reprints as the store keeps them: one row per document and signed item, kept across
re-matching (first and last seen; ``current`` false once a match no longer finds it), and
which item versions were matched against the corpus.

Rows are written as ``Reprint.as_dict()`` plus the finding they gave (``finding``), so a
document's reprint findings can be rebuilt from its rows whichever item was matched last.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amanat.errors import NotFound
from amanat.store import schema as t
from amanat.store.db import Store

_r = t.reprints


def record(conn: Connection, rows: Sequence[dict[str, Any]], now: datetime | None = None, *,
           document_id: str | None = None, item_uri: str | None = None) -> None:
    """Upsert reprint rows (``Reprint.as_dict()``, optionally with ``finding``), then mark the
    scope's other rows not current: the rows of ``document_id`` (a document matched against
    every item) or of ``item_uri`` (an item matched against the corpus)."""
    now = now or datetime.now(UTC)
    seen = set()
    for row in rows:
        key = (row["item_uri"], row["document_id"])
        values = {"origin": row["origin"], "version": row["version"], "kind": row["kind"],
                  "classes": ",".join(row["classes"]), "share": row["share"],
                  "detail": json.dumps(row, ensure_ascii=False, default=str), "last_seen": now, "current": True}
        where = sa.and_(_r.c.item_uri == key[0], _r.c.document_id == key[1])
        if conn.execute(sa.select(_r.c.item_uri).where(where)).first() is not None:
            conn.execute(sa.update(_r).where(where).values(**values))
        else:
            conn.execute(sa.insert(_r).values(item_uri=key[0], document_id=key[1], first_seen=now, **values))
        seen.add(key)
    if document_id is None and item_uri is None:
        return
    scope = _r.c.document_id == document_id if document_id is not None else _r.c.item_uri == item_uri
    for uri, doc in conn.execute(sa.select(_r.c.item_uri, _r.c.document_id).where(scope, _r.c.current.is_(True))):
        if (uri, doc) not in seen:
            conn.execute(sa.update(_r).where(_r.c.item_uri == uri, _r.c.document_id == doc).values(current=False))


def _row(r: Any) -> dict[str, Any]:
    detail = json.loads(r.detail)
    return {**detail, "first_seen": r.first_seen.isoformat() if r.first_seen else None,
            "last_seen": r.last_seen.isoformat() if r.last_seen else None}


def _query(where: Any, with_documents: bool) -> Any:
    if not with_documents:
        return sa.select(_r).where(where, _r.c.current.is_(True))
    d = t.documents
    return (sa.select(_r, d.c.source, d.c.url, d.c.title, d.c.published).select_from(_r.join(d, d.c.id == _r.c.document_id))
            .where(where, _r.c.current.is_(True)))


def by_item(store: Store, item_uri: str) -> list[dict[str, Any]]:
    """Current reprints of one item, with each document's outlet, URL, title and date; by date."""
    with store.engine.connect() as conn:
        rows = conn.execute(_query(_r.c.item_uri == item_uri, True)).fetchall()
    out = [{**_row(r), "source": r.source, "url": r.url, "title": r.title, "published": r.published} for r in rows]
    return sorted(out, key=lambda x: (x["published"] or "", x["document_id"]))


def by_document(store: Store, document_id: str) -> list[dict[str, Any]]:
    """Current reprints and quotes of signed items in one document."""
    with store.engine.connect() as conn:
        return of_document(conn, document_id)


def of_document(conn: Connection, document_id: str) -> list[dict[str, Any]]:
    """``by_document`` inside a transaction."""
    return [_row(r) for r in conn.execute(_query(_r.c.document_id == document_id, False))]


def matched_entries(conn: Connection) -> set[tuple[str, int]]:
    """Item versions (origin, log index) already matched against the corpus."""
    m = t.reprint_matched
    return {(r.origin, int(r.idx)) for r in conn.execute(sa.select(m.c.origin, m.c.idx))}


def mark_matched(conn: Connection, entries: Iterable[tuple[str, int]], documents_seq: int,
                 now: datetime | None = None) -> None:
    m = t.reprint_matched
    rows = [{"origin": o, "idx": i, "documents_seq": documents_seq, "matched": now or datetime.now(UTC)}
            for o, i in entries]
    if rows:
        conn.execute(sa.delete(m).where(sa.tuple_(m.c.origin, m.c.idx).in_([(r["origin"], r["idx"]) for r in rows])))
        conn.execute(sa.insert(m), rows)


def of_item(store: Store, item_uri: str) -> dict[str, Any]:
    """A signed item's versions (origin, version, status) and its current reprints and quotes
    with each document's outlet, URL, title and date; NotFound for an item this store lacks."""
    e = t.log_entries
    with store.engine.connect() as conn:
        versions = conn.execute(sa.select(e.c.origin, e.c.item_version, e.c.pub_status)
                                .where(e.c.item_uri == item_uri).order_by(e.c.idx)).fetchall()
    if not versions:
        raise NotFound(f"no signed item {item_uri!r} in this store (see `amanat log` or `amanat partners`)")
    return {"item_uri": item_uri, "origin": versions[0].origin,
            "versions": [{"version": v.item_version, "status": v.pub_status} for v in versions],
            "reprints": by_item(store, item_uri)}
