"""Writing documents: the batch ``Writer`` that ``Store.writer()`` hands out.

Kept apart from ``db`` (opening, migrating and reading a store) because it is the one place
where ingest's rules for versions, copies and the seen-list become rows. It knows the store
only through the few attributes it uses (``WritableStore``), so it never imports ``db``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
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
_SUPERSEDE = sa.update(_d).where(_d.c.id == sa.bindparam("older")).values(latest=False)
_RELATED = sa.select(_d.c.id, _d.c.version, _d.c.canonical_url).where(
    sa.or_(
        _d.c.canonical_url == sa.bindparam("url"), _d.c.content_hash == sa.bindparam("hash")
    )
)


_RAW_COLUMNS = ("digest", "media_type", "size", "codec", "data", "ref_path", "ref_offset", "ref_length", "ref_digest")


@dataclass
class _Pending:
    """The rows of this transaction not written yet: sent a few statements per batch at the
    next flush, and consulted (with the database) to decide each new document's outcome."""

    raw: dict[str, dict[str, Any]] = field(default_factory=dict)  # by digest: the first kept
    documents: list[dict[str, Any]] = field(default_factory=list)  # in input order
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)  # the same rows by id
    versions: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # canonical URL → (id, version)
    hashes: set[str] = field(default_factory=set)
    superseded: list[dict[str, Any]] = field(default_factory=list)  # stored rows a new version replaced
    seen: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # by (url, digest): the first kept

    def __bool__(self) -> bool:
        return bool(self.raw or self.documents or self.superseded or self.seen)


@dataclass(frozen=True)
class _Later:
    """An input queued by ``add_later`` (a document) or ``add_nothing`` behind one (``doc``
    None, ``kind`` its outcome)."""

    doc: Document | None
    capture: Capture
    kind: str
    done: Callable[[Outcome], None] | None
    digest: str | None = None


class Writer:
    """Adds documents in batched transactions; use as a context manager.

    Everything about one input (source, raw bytes, document, seen-row) goes into the same
    transaction, so an interrupted run never leaves a document without its raw payload or a
    seen-row without its document.

    Rows are written a batch at a time: ``add`` asks the database one question (stored rows
    sharing the URL or the content hash), decides the outcome with what this transaction has
    queued, and queues the rows; ``flush`` (every ``batch`` inputs, ``pause`` and the end)
    sends them as a few multi-row statements — raw payloads, documents, the older versions
    marked superseded, seen-rows — and commits. One-by-one statements cost a round trip each,
    five per document: on PostgreSQL that, not the work, was most of an ingest's store time
    (docs/performance.md). Nothing is acknowledged before its commit either way. Given a
    caller's ``connection``, each call writes its rows at once (the caller commits, and may
    read them back in its transaction).

    On PostgreSQL each writer transaction first takes a transaction-level advisory lock, so
    they commit one after another and rows become visible in ``seq`` order, as on SQLite: what
    lets the search index catch up by ``seq`` (``fulltext``) without ever missing a row
    committed late. Concurrent ingests take turns per batch; taking the lock before any other
    read or write means two of them never decide an outcome on rows the other is about to
    change, nor wait for each other's rows (no deadlock). A holder that stalls does not make
    the others wait forever (``pgsession``); call ``pause`` before this process waits for
    anything else, so it never holds the lock idle.
    """

    def __init__(self, store: WritableStore, batch: int = 200, *, connection: Connection | None = None) -> None:
        self.store = store
        self.batch = batch
        self._conn: Connection | None = connection
        self._borrowed = connection is not None  # the caller's transaction: it commits
        self._pending = 0
        self._rows = _Pending()
        self._later: list[_Later] = []  # add_later's inputs, decided at the next flush
        self._decided: list[tuple[Callable[[Outcome], None], Outcome]] = []  # told after the commit
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
                    self._write(self._conn)
                    self._conn.commit()
                self._report()
            else:
                self._conn.rollback()
        finally:
            self._rows = _Pending()
            self._later = []
            self._decided = []
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

    def _tick(self, n: int = 1) -> None:
        self._pending += n
        if self._borrowed:
            assert self._conn is not None
            self._write(self._conn)
            self._report()
        elif self._pending >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Write what is queued and commit (in a caller's transaction: nothing is queued)."""
        assert self._conn is not None
        if self._borrowed:
            return
        with self._session():
            self._write(self._conn)
            self._conn.commit()
        self._conn.begin()
        self._pending = 0
        self._serialised = False
        self._report()

    def pause(self) -> None:
        """Commit what is pending, before this process waits for something other than the
        database: the transaction would hold the writers' lock idle all that time."""
        if self._pending or self._serialised:
            self.flush()

    def _report(self) -> None:
        """Tell ``add_later``'s callers the outcomes now committed (or written into the
        caller's transaction)."""
        decided, self._decided = self._decided, []
        for done, outcome in decided:
            done(outcome)

    def add(self, doc: Document, capture: Capture, source_kind: str = "web", *,
            digest: str | None = None, size: int | None = None) -> Outcome:
        """Store one document version; say whether it was new, a new version, a copy or the same.

        ``digest`` and ``size`` describe the payload when ``capture.body`` does not hold it: a
        bulk load of records kept by reference (``raw_ref``) carries their digest, not their
        bytes (see ``amanat.scale``)."""
        conn = self._conn
        assert conn is not None
        with self._session():
            self._resolve(conn)  # documents queued by add_later come first
            self._serialise(conn)
            now = datetime.now(UTC)
            self._ensure_source(conn, doc.source, source_kind, now, doc.site_name, doc.site_language)
            digest = self._queue_raw(capture, digest, size)
            # one query answers all three questions: stored already? older versions? copies?
            related = conn.execute(_RELATED, {"url": doc.canonical_url, "hash": doc.content_hash}).fetchall()
            stored = [(r.id, r.version) for r in related if r.canonical_url == doc.canonical_url]
            outcome = self._queue_document(doc, digest, now, stored, copies=bool(related))
            self._queue_seen(capture, digest, doc.id, outcome, now)
            self._tick()
        return outcome

    def add_many(self, pairs: Sequence[tuple[Document, Capture]], source_kind: str = "web") -> list[Outcome]:
        """Store many document versions with one look-up per 400 instead of one per document;
        the outcomes and rows are those of calling ``add`` on each in order.

        For inputs whose bytes are at hand (``capture.body``): a partner's verified items, a
        folder of statements. One query finds every stored row sharing a URL or a content
        hash; versions within the batch are then decided in memory in input order, as
        ``add`` decides them with what is queued."""
        conn = self._conn
        assert conn is not None
        if any(c.raw_ref is not None for _, c in pairs):
            # records kept by reference carry no bytes to hash here: the one-by-one path
            return [self.add(d, c, source_kind) for d, c in pairs]
        if not pairs:
            return []
        with self._session():
            self._resolve(conn)  # documents queued by add_later come first
            self._serialise(conn)
            now = datetime.now(UTC)
            for doc, _ in pairs:
                self._ensure_source(conn, doc.source, source_kind, now, doc.site_name)
            outcomes = self._decide(conn, pairs, now)
            self._tick(len(pairs))
        return outcomes

    def _decide(self, conn: Connection, pairs: Sequence[tuple[Document, Capture]], now: datetime) -> list[Outcome]:
        """Queue the rows of ``pairs`` with the outcomes ``add`` would give each in order,
        from one query per 400 documents for the stored rows sharing a URL or a hash."""
        stored: dict[str, list[tuple[str, int]]] = {}
        hashes: set[str] = set()
        urls = sorted({str(d.canonical_url) for d, _ in pairs})  # NOT NULL in the schema
        wanted = sorted({d.content_hash for d, _ in pairs})
        for chunk in range(0, max(len(urls), len(wanted)), 400):
            query = sa.select(_d.c.id, _d.c.version, _d.c.canonical_url, _d.c.content_hash).where(sa.or_(
                _d.c.canonical_url.in_(urls[chunk:chunk + 400]), _d.c.content_hash.in_(wanted[chunk:chunk + 400])))
            for row in conn.execute(query):
                versions = stored.setdefault(row.canonical_url, [])
                if (row.id, row.version) not in versions:
                    versions.append((row.id, row.version))
                hashes.add(row.content_hash)
        outcomes: list[Outcome] = []
        for doc, capture in pairs:
            digest = self._queue_raw(capture)
            outcome = self._queue_document(doc, digest, now, stored.get(str(doc.canonical_url), []),
                                           copies=doc.content_hash in hashes)
            self._queue_seen(capture, digest, doc.id, outcome, now)
            outcomes.append(outcome)
        return outcomes

    def add_later(self, doc: Document, capture: Capture, source_kind: str,
                  done: Callable[[Outcome], None]) -> None:
        """Store one document version as ``add`` does, deciding its outcome with the rest of
        its batch at the next flush, where ``done`` is told it once the batch is committed.

        What ingest uses: ``add`` asks the database one question per document, and on
        PostgreSQL that round trip costs more than writing the row; here a batch asks one
        query per 400 documents (``add_many``'s), under the writers' lock taken at the
        flush, so nothing is held while documents are analysed. The outcomes are those of
        calling ``add`` on each in order."""
        assert self._conn is not None
        self._later.append(_Later(doc, capture, source_kind, done))
        with self._session():
            self._tick()

    def add_nothing(self, capture: Capture, outcome: str, *, digest: str | None = None) -> None:
        """Record that a payload was processed and gave no document (e.g. no article text)."""
        conn = self._conn
        assert conn is not None
        if self._later:  # in input order with the documents waiting for their batch
            self._later.append(_Later(None, capture, outcome, None, digest))
            with self._session():
                self._tick()
            return
        with self._session():
            self._serialise(conn)
            digest = digest or hashlib.sha256(capture.body).hexdigest()
            self._queue_seen(capture, digest, None, outcome, datetime.now(UTC))
            self._tick()

    def _serialise(self, conn: Connection) -> None:
        """On PostgreSQL, take the writers' lock before this transaction's first read or write
        (before any row lock, so two writers can never wait for each other)."""
        if not self._serialised and conn.dialect.name == "postgresql":
            pgsession.take_writers_lock(conn, self._stall)
            self._serialised = True

    def _ensure_source(self, conn: Connection, key: str, kind: str, now: datetime, site_name: str | None,
                       site_language: str | None = None) -> None:
        """The outlet's row, created when first seen; what is known of it (the bundled table
        of well-known outlets, else the name and language the page or feed gives) fills only
        what is empty, so a correction made with ``amanat sources set`` stays. Written at
        once: new outlets are few, and the documents queued after it refer to it."""
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

    def _queue_raw(self, capture: Capture, digest: str | None = None, size: int | None = None) -> str:
        """Queue the payload's row (kept once per digest: stored rows win at the insert) and
        return its digest."""
        ref = capture.raw_ref
        if digest is None or ref is None:  # bytes kept in the store are always the ones hashed
            digest, size = hashlib.sha256(capture.body).hexdigest(), len(capture.body)
        if digest in self._rows.raw:
            return digest
        values: dict[str, Any] = dict.fromkeys(_RAW_COLUMNS)  # every row the same keys: one statement
        values.update(digest=digest, media_type=capture.media_type, size=len(capture.body) if size is None else size)
        if ref is not None:
            values.update(codec="ref", ref_path=ref.path, ref_offset=ref.offset, ref_length=ref.length,
                          ref_digest=ref.digest)
        else:
            values.update(codec="zstd", data=self.store.compress(capture.body))
        self._rows.raw[digest] = values
        return digest

    def _queue_document(self, doc: Document, digest: str, now: datetime, stored: list[tuple[str, int]], *,
                        copies: bool) -> Outcome:
        """Decide the document's outcome from the ``stored`` versions of its URL (id, version),
        whether stored rows share its content (``copies``) and what is queued; queue its row."""
        rows = self._rows
        url = str(doc.canonical_url)
        versions = stored + rows.versions.get(url, [])
        if any(id_ == doc.id for id_, _ in versions):
            return "same"
        outcome: Outcome
        previous: str | None = None
        if versions:
            previous, latest = max(versions, key=lambda v: v[1])
            outcome, version = "version", latest + 1
            if previous in rows.by_id:
                rows.by_id[previous]["latest"] = False
            else:
                rows.superseded.append({"older": previous})
        else:
            outcome, version = ("copy" if copies or doc.content_hash in rows.hashes else "new"), 1
        row = {**document_columns(doc), "ingested": now, "raw_digest": digest, "version": version,
               "previous_id": previous, "latest": True}
        rows.documents.append(row)
        rows.by_id[doc.id] = row
        rows.versions.setdefault(url, []).append((doc.id, version))
        rows.hashes.add(doc.content_hash)
        return outcome

    def _queue_seen(self, capture: Capture, digest: str, doc_id: str | None, outcome: str, now: datetime) -> None:
        key = (seen_key(capture), digest)
        self._rows.seen.setdefault(
            key, {"url": key[0], "raw_digest": digest, "document_id": doc_id, "outcome": outcome, "at": now})

    def _write(self, conn: Connection) -> None:
        """Decide ``add_later``'s documents, then send the queued rows: payloads before the
        documents that refer to them, documents before the updates that mark older versions
        superseded (the final state of one-by-one adds), then the seen-rows."""
        self._resolve(conn)
        rows = self._rows
        if not rows:
            return
        dialect = conn.dialect.name
        if rows.raw:
            _insert(conn, t.raw, list(rows.raw.values()), ignore=True)
        if rows.documents:
            _insert(conn, _d, rows.documents)
        if rows.superseded:
            if dialect == "postgresql":
                older = [r["older"] for r in rows.superseded]
                for n in range(0, len(older), _ROWS_PER_STATEMENT):
                    conn.execute(sa.update(_d).where(_d.c.id.in_(older[n:n + _ROWS_PER_STATEMENT])).values(latest=False))
            else:
                conn.execute(_SUPERSEDE, rows.superseded)
        if rows.seen:
            _insert(conn, t.seen, list(rows.seen.values()), ignore=True)
        self._rows = _Pending()

    def _resolve(self, conn: Connection) -> None:
        """Decide and queue ``add_later``'s inputs, in input order, a run of documents at a time."""
        later, self._later = self._later, []
        if not later:
            return
        self._serialise(conn)
        now = datetime.now(UTC)
        for is_document, run in itertools.groupby(later, key=lambda item: item.doc is not None):
            items = list(run)
            if not is_document:
                for item in items:
                    self._queue_seen(item.capture, item.digest or hashlib.sha256(item.capture.body).hexdigest(),
                                     None, item.kind, now)
                continue
            pairs = [(item.doc, item.capture) for item in items if item.doc is not None]
            for item in items:
                assert item.doc is not None
                self._ensure_source(conn, item.doc.source, item.kind, now, item.doc.site_name, item.doc.site_language)
            outcomes = self._decide(conn, pairs, now)
            self._decided += [(item.done, outcome) for item, outcome in zip(items, outcomes, strict=True) if item.done]


_ROWS_PER_STATEMENT = 1000  # 21 columns a document: well under PostgreSQL's 65,535 parameters


def _insert(conn: Connection, table: sa.Table, rows: list[dict[str, Any]], *, ignore: bool = False) -> None:
    """Insert ``rows`` (with ``ignore``, skipping those whose primary key is stored): on
    PostgreSQL as multi-row ``INSERT … VALUES`` statements rather than psycopg's
    ``executemany``, whose pipeline, when the server ends the session mid-batch, prints a
    warning of its own beside the one-line error; on SQLite through the driver
    (``store.bulk.insert_rows``: the expression language's per-row work cost more there than
    SQLite's own inserts)."""
    statement = _insert_ignore(conn.dialect.name, table.name) if ignore else sa.insert(table)
    if conn.dialect.name != "postgresql":
        insert_rows(conn, table, rows, ignore=ignore, statement=statement)
        return
    for n in range(0, len(rows), _ROWS_PER_STATEMENT):
        conn.execute(statement.values(rows[n:n + _ROWS_PER_STATEMENT]))


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
