"""Writing documents: the batch ``Writer`` that ``Store.writer()`` hands out.

Kept apart from ``db`` (opening, migrating and reading a store) because it is the one place
where ingest's rules for versions, copies and the seen-list become rows. It knows the store
only through the few attributes it uses (``WritableStore``), so it never imports ``db``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from amanat import config
from amanat.errors import StoreError
from amanat.model import Capture, Document
from amanat.store import outlets, pgsession
from amanat.store import schema as t
from amanat.store.bulk import insert_rows

Outcome = Literal["new", "version", "copy", "same"]


class WritableStore(Protocol):
    """What a writer needs of a store."""

    engine: Engine
    dialect: str

    def compress(self, body: bytes) -> bytes: ...


def document_columns(d: Document) -> dict[str, Any]:
    """The ``documents`` columns a Document fills (the store adds version, ingest time, raw)."""
    return {
        "id": d.id,
        "url": d.url,
        "canonical_url": d.canonical_url,
        "source": d.source,
        "title": d.title,
        "byline": d.byline,
        "published": d.published.value if d.published else None,
        "published_precision": d.published.precision if d.published else None,
        "published_source": d.published.source if d.published else None,
        "language": d.language,
        "media_type": d.media_type,
        "content_hash": d.content_hash,
        "origin": d.origin,
        "fetched": d.fetched,
        "text": d.text,
    }


# Statements built once: building them per row costs more than running them.
_d = t.documents
_INSERT_DOCUMENT = sa.insert(_d)
_SUPERSEDE = sa.update(_d).where(_d.c.id == sa.bindparam("older")).values(latest=False)
_RELATED = sa.select(_d.c.id, _d.c.version, _d.c.canonical_url).where(
    sa.or_(
        _d.c.canonical_url == sa.bindparam("url"), _d.c.content_hash == sa.bindparam("hash")
    )
)


class Writer:
    """Adds documents in batched transactions; use as a context manager.

    Everything about one input (source, raw bytes, document, seen-row) goes into the same
    transaction, so an interrupted run never leaves a document without its raw payload or a
    seen-row without its document.

    On PostgreSQL each writer transaction first takes a transaction-level advisory lock, so
    they commit one after another and rows become visible in ``seq`` order, as on SQLite: what
    lets the search index catch up by ``seq`` (``fulltext``) without ever missing a row
    committed late. Concurrent ingests take turns per batch; taking the lock before any other
    write means two of them never wait for each other's rows (no deadlock). A holder that
    stalls does not make the others wait forever (``pgsession``); call ``pause`` before this
    process waits for anything else, so it never holds the lock idle.
    """

    def __init__(self, store: WritableStore, batch: int = 200, *, connection: Connection | None = None) -> None:
        self.store = store
        self.batch = batch
        self._conn: Connection | None = connection
        self._borrowed = connection is not None  # the caller's transaction: it commits
        self._pending = 0
        self._sources: set[str] = set()
        self._serialised = False  # this transaction holds the document-writers lock
        self._stall = config.stall_timeout() if store.dialect == "postgresql" else 0.0

    def __enter__(self) -> Writer:
        if not self._borrowed:
            self._conn = self.store.engine.connect()
            self._conn.begin()
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        assert self._conn is not None
        if self._borrowed:
            return
        try:
            if exc_type is None:
                with self._session():
                    self._conn.commit()
            else:
                self._conn.rollback()
        finally:
            self._conn.close()
            self._conn = None
            self._serialised = False

    @contextlib.contextmanager
    def _session(self) -> Iterator[None]:
        """Turn the loss of this writer's connection (the server ended a session that sat
        idle in its transaction past the stall timeout, or went away) into one line."""
        try:
            yield
        except sa.exc.DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            why = (f"idle in a transaction longer than AMANAT_STALL_TIMEOUT, {self._stall:g} s, or the server "
                   "went away" if self._stall else "the connection was lost")
            raise StoreError(
                f"the database ended this writer's session ({why}): what it had not committed was not "
                f"stored; run the same command again to finish ({exc.orig})".splitlines()[0]
            ) from None

    def _tick(self) -> None:
        self._pending += 1
        if self._pending >= self.batch:
            self.flush()

    def flush(self) -> None:
        assert self._conn is not None
        if self._borrowed:
            return
        with self._session():
            self._conn.commit()
        self._conn.begin()
        self._pending = 0
        self._serialised = False

    def pause(self) -> None:
        """Commit what is pending, before this process waits for something other than the
        database: the transaction would hold the writers' lock idle all that time."""
        if self._pending or self._serialised:
            self.flush()

    def add(self, doc: Document, capture: Capture, source_kind: str = "web", *,
            digest: str | None = None, size: int | None = None) -> Outcome:
        """Store one document version; say whether it was new, a new version, a copy or the same.

        ``digest`` and ``size`` describe the payload when ``capture.body`` does not hold it: a
        bulk load of records kept by reference (``raw_ref``) carries their digest, not their
        bytes (see ``amanat.scale``)."""
        conn = self._conn
        assert conn is not None
        with self._session():
            return self._add(conn, doc, capture, source_kind, digest, size)

    def _add(self, conn: Connection, doc: Document, capture: Capture, source_kind: str,
             given: str | None = None, size: int | None = None) -> Outcome:
        self._serialise(conn)
        now = datetime.now(UTC)
        self._ensure_source(conn, doc.source, source_kind, now, doc.site_name, doc.site_language)
        digest = self._ensure_raw(conn, capture, given, size)
        # one query answers all three questions: stored already? older versions? copies?
        related = conn.execute(
            _RELATED, {"url": doc.canonical_url, "hash": doc.content_hash}
        ).fetchall()
        same_url = [r for r in related if r.canonical_url == doc.canonical_url]
        if any(r.id == doc.id for r in same_url):
            outcome: Outcome = "same"
        else:
            if same_url:
                latest = max(same_url, key=lambda r: r.version)
                outcome, version, previous = "version", latest.version + 1, latest.id
                conn.execute(_SUPERSEDE, {"older": latest.id})
            else:
                outcome, version, previous = ("copy" if related else "new"), 1, None
            conn.execute(
                _INSERT_DOCUMENT,
                {**document_columns(doc), "ingested": now, "raw_digest": digest, "version": version,
                 "previous_id": previous},
            )
        self._mark_seen(conn, capture, digest, doc.id, outcome, now)
        self._tick()
        return outcome

    def add_many(self, pairs: Sequence[tuple[Document, Capture]], source_kind: str = "web") -> list[Outcome]:
        """Store many document versions with a few statements per batch instead of ~5 per
        document; the outcomes and rows are those of calling ``add`` on each in order.

        For inputs whose bytes are at hand (``capture.body``): a partner's verified items, a
        folder of statements. One query finds every stored row sharing a URL or a content
        hash; versions within the batch are then decided in memory in input order, and the
        rows written with multi-row statements (documents before the updates that mark
        older versions superseded, as the final state of one-by-one adds has it)."""
        conn = self._conn
        assert conn is not None
        if any(c.raw_ref is not None for _, c in pairs):
            # records kept by reference carry no bytes to hash here: the one-by-one path
            return [self.add(d, c, source_kind) for d, c in pairs]
        if not pairs:
            return []
        with self._session():
            self._serialise(conn)
            now = datetime.now(UTC)
            for doc, _ in pairs:
                self._ensure_source(conn, doc.source, source_kind, now, doc.site_name)
            raws: dict[str, dict[str, Any]] = {}
            digests: list[str] = []
            for _, capture in pairs:
                digest = hashlib.sha256(capture.body).hexdigest()
                digests.append(digest)
                raws.setdefault(digest, {"digest": digest, "media_type": capture.media_type, "size": len(capture.body),
                                         "codec": "zstd", "data": self.store.compress(capture.body)})
            insert_rows(conn, t.raw, list(raws.values()), ignore=True, statement=_insert_ignore(conn.dialect.name, "raw"))
            by_url: dict[str, list[tuple[str, int]]] = {}
            hashes: set[str] = set()
            urls = sorted({str(d.canonical_url) for d, _ in pairs})  # NOT NULL in the schema
            wanted = sorted({d.content_hash for d, _ in pairs})
            for chunk in range(0, max(len(urls), len(wanted)), 400):
                query = sa.select(_d.c.id, _d.c.version, _d.c.canonical_url, _d.c.content_hash).where(sa.or_(
                    _d.c.canonical_url.in_(urls[chunk:chunk + 400]), _d.c.content_hash.in_(wanted[chunk:chunk + 400])))
                for row in conn.execute(query):
                    if row.canonical_url is not None:
                        versions = by_url.setdefault(row.canonical_url, [])
                        if (row.id, row.version) not in versions:
                            versions.append((row.id, row.version))
                    hashes.add(row.content_hash)
            outcomes: list[Outcome] = []
            documents, superseded, seen = [], [], []
            for (doc, capture), digest in zip(pairs, digests, strict=True):
                url = str(doc.canonical_url)
                same_url = by_url.get(url, [])
                outcome: Outcome
                if any(id_ == doc.id for id_, _ in same_url):
                    outcome = "same"
                else:
                    if same_url:
                        previous, latest = max(same_url, key=lambda v: v[1])
                        outcome, version = "version", latest + 1
                        superseded.append({"older": previous})
                    else:
                        outcome, version, previous = ("copy" if doc.content_hash in hashes else "new"), 1, None
                    documents.append({**document_columns(doc), "ingested": now, "raw_digest": digest,
                                      "version": version, "previous_id": previous})
                    by_url.setdefault(url, []).append((doc.id, version))
                    hashes.add(doc.content_hash)
                outcomes.append(outcome)
                seen.append({"url": seen_key(capture), "raw_digest": digest, "document_id": doc.id,
                             "outcome": outcome, "at": now})
            insert_rows(conn, _d, documents, statement=_INSERT_DOCUMENT)  # before the older versions' updates
            if superseded:
                conn.execute(_SUPERSEDE, superseded)
            insert_rows(conn, t.seen, seen, ignore=True, statement=_insert_ignore(conn.dialect.name, "seen"))
            self._pending += len(pairs)
            if self._pending >= self.batch:
                self.flush()
        return outcomes

    def add_nothing(self, capture: Capture, outcome: str, *, digest: str | None = None) -> None:
        """Record that a payload was processed and gave no document (e.g. no article text)."""
        conn = self._conn
        assert conn is not None
        with self._session():
            self._serialise(conn)
            digest = digest or hashlib.sha256(capture.body).hexdigest()
            self._mark_seen(conn, capture, digest, None, outcome, datetime.now(UTC))
            self._tick()

    def _serialise(self, conn: Connection) -> None:
        """On PostgreSQL, take the writers' lock before this transaction's first write (before
        any row lock, so two writers can never wait for each other)."""
        if not self._serialised and conn.dialect.name == "postgresql":
            pgsession.take_writers_lock(conn, self._stall)
            self._serialised = True

    def _ensure_source(self, conn: Connection, key: str, kind: str, now: datetime, site_name: str | None,
                       site_language: str | None = None) -> None:
        """The outlet's row, created when first seen; what is known of it (the bundled table
        of well-known outlets, else the name and language the page or feed gives) fills only
        what is empty, so a correction made with ``amanat sources set`` stays."""
        if key in self._sources:
            return
        s = t.sources
        row = conn.execute(sa.select(s.c.name, s.c.country, s.c.language).where(s.c.key == key)).first()
        known = {k: v for k, v in outlets.known(key, site_name, site_language).items()
                 if v is not None and (row is None or getattr(row, k) is None)}
        if row is None:
            conn.execute(sa.insert(s).values(key=key, kind=kind, first_seen=now, **known))
        elif known:
            conn.execute(sa.update(s).where(s.c.key == key).values(**known))
        self._sources.add(key)

    def _ensure_raw(self, conn: Connection, capture: Capture, digest: str | None = None,
                    size: int | None = None) -> str:
        ref = capture.raw_ref
        if digest is None or ref is None:  # bytes kept in the store are always the ones hashed
            digest, size = hashlib.sha256(capture.body).hexdigest(), len(capture.body)
        values: dict[str, Any] = {
            "digest": digest,
            "media_type": capture.media_type,
            "size": len(capture.body) if size is None else size,
        }
        if ref is not None:
            values.update(
                codec="ref",
                ref_path=ref.path,
                ref_offset=ref.offset,
                ref_length=ref.length,
                ref_digest=ref.digest,
            )
        else:
            values.update(codec="zstd", data=self.store.compress(capture.body))
        conn.execute(_insert_ignore(conn.dialect.name, "raw"), values)
        return digest

    def _mark_seen(
        self,
        conn: Connection,
        capture: Capture,
        digest: str,
        doc_id: str | None,
        outcome: str,
        now: datetime,
    ) -> None:
        key = seen_key(capture)
        conn.execute(
            _insert_ignore(conn.dialect.name, "seen"),
            {"url": key, "raw_digest": digest, "document_id": doc_id, "outcome": outcome, "at": now},
        )


@functools.cache
def _insert_ignore(dialect: str, table_name: str) -> Any:
    """INSERT that does nothing when a row with the same primary key exists."""
    from sqlalchemy.dialects import postgresql, sqlite

    table = t.metadata.tables[table_name]
    keys = [c.name for c in table.primary_key.columns]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=keys)


def seen_key(capture: Capture) -> str:
    """What identifies an input for the seen-list: its URL, else where it came from."""
    return capture.url or capture.origin
