"""The store: open a database (SQLite or PostgreSQL), migrate it, and read and write documents.

One class, ``Store``, is the only place that speaks SQL for documents. Writes go in
transactions that each leave the database consistent (a document, its raw payload, its
seen-row and, on SQLite, its FTS5 entry commit together or not at all), so a killed run
leaves nothing half-written and a re-run picks up where it stopped.

How PostgreSQL sessions are named, kept alive and wait for the writers' lock: ``pgsession``.

Read-only stores and full disks
    A SQLite file this process cannot write (mode 0444, a read-only directory or filesystem)
    is opened read-only (``mode=ro``; ``immutable=1`` when even the ``-shm`` index of the
    write-ahead log cannot be made), without migrations, so reading commands work on archived
    or shared copies. Every database error that means "cannot write" — read-only, disk full,
    an I/O error on write (a file-size limit gives that) — becomes a one-line ``StoreError``
    naming the store, raised from the failed statement (an engine ``handle_error`` hook), so
    no command shows a traceback for it; the transaction it broke is rolled back.
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, overload
from urllib.parse import quote

import sqlalchemy as sa
import zstandard
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from amanat.errors import NotFound, StoreError
from amanat.model import Document, PublishedDate, RawRef
from amanat.store import counters, pgsession, rawsql
from amanat.store import schema as t
from amanat.store.writer import Writer, document_columns

MIGRATIONS = Path(__file__).with_name("migrations")
_ZSTD_LEVEL = 6
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredDocument:
    """A document row as read back, with its place among versions and copies."""

    document: Document
    version: int
    previous_id: str | None
    ingested: datetime

    def as_dict(self) -> dict[str, Any]:
        """Every stored field, JSON-ready (export, ``show --json``, the API)."""
        row = document_columns(self.document)
        fetched = row.pop("fetched")
        text = row.pop("text")
        return {
            **row,
            "version": self.version,
            "previous_id": self.previous_id,
            "fetched": fetched.isoformat() if fetched else None,
            "ingested": self.ingested.isoformat(),
            "text": text,
        }


def engine_url(url: str) -> str:
    """Map user URLs onto the drivers Amanat ships (psycopg 3 for PostgreSQL)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _sqlite_read_only_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """The pragmas that do not write (the journal mode is the file's own business)."""
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def sqlite_read_only(path: Path) -> bool:
    """Whether this process can read but not write the SQLite database at ``path``.

    In WAL mode a writer needs the file and, beside it, the ``-wal`` and ``-shm`` files: so
    the directory must be writable unless both already exist and are writable.
    """
    if not path.exists():
        return False
    if not os.access(path, os.W_OK):
        return True
    if os.access(path.parent, os.W_OK):
        return False
    return not all(os.access(f"{path}{suffix}", os.W_OK) for suffix in ("-wal", "-shm"))


def _store_name(engine: Engine) -> str:
    """How messages name a store: the SQLite file, else the URL without its password."""
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return str(engine.url.database)
    return engine.url.render_as_string(hide_password=True)


# SQLSTATEs of PostgreSQL: read_only_sql_transaction; disk_full, out_of_memory, io_error
_PG_READ_ONLY = {"25006"}
_PG_NO_SPACE = {"53100": "its disk is full", "58030": "an I/O error on its disk"}


def _cannot_write(name: str, exc: BaseException) -> StoreError | None:
    """The one-line error for a database error that means "cannot write", else None."""
    code = getattr(exc, "sqlite_errorname", None) or ""
    state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    if code.startswith("SQLITE_READONLY") or state in _PG_READ_ONLY:
        return StoreError(f"the store {name} is read-only: nothing can be written to it")
    if code == "SQLITE_FULL":
        reason = "its disk is full"
    elif code.startswith("SQLITE_IOERR"):
        reason = "disk I/O error (a full disk, or a file-size limit)"
    elif state in _PG_NO_SPACE:
        reason = _PG_NO_SPACE[state]
    else:
        return None
    return StoreError(
        f"cannot write to the store {name}: {reason}; the unfinished transaction was rolled back "
        "(what was committed before is kept: run again once there is space)"
    )


def _on_error(name: str) -> Any:
    def handle(context: Any) -> None:
        if context.is_pre_ping:
            return
        error = _cannot_write(name, context.original_exception)
        if error is not None:
            raise error

    return handle


def _read_only_engine(url: str, path: Path) -> Engine:
    """An engine that opens ``path`` read-only, and still reads it when no ``-shm`` can be made.

    ``mode=ro`` reads a WAL database whose ``-wal``/``-shm`` exist or can be made; in a
    read-only directory without them only ``immutable=1`` opens it, which ignores a ``-wal``
    left behind (what it holds is not seen: said in a warning).
    """
    uri = "file:" + quote(str(path.resolve()), safe="/")
    failure: Exception | None = None
    for params in ("mode=ro", "mode=ro&immutable=1"):
        connect = functools.partial(sqlite3.connect, f"{uri}?{params}", uri=True, check_same_thread=False)
        engine = sa.create_engine(url, creator=connect, pool_pre_ping=True)
        sa.event.listen(engine, "connect", _sqlite_read_only_pragmas)
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
        except OperationalError as exc:
            engine.dispose()
            failure = exc
            continue
        wal = Path(f"{path}-wal")
        if "immutable" in params and wal.exists() and wal.stat().st_size > 0:
            log.warning("%s is read-only and its write-ahead log cannot be used: showing the data "
                        "as of its last checkpoint", path)
        return engine
    orig = getattr(failure, "orig", failure)
    raise StoreError(f"cannot open the read-only store {path}: {orig}")


class Store:
    """A database of documents; open with ``Store.open(url)``."""

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.read_only = read_only
        self.name = _store_name(engine)
        self._zc = zstandard.ZstdCompressor(level=_ZSTD_LEVEL)
        self._lookup: Connection | None = None  # see ``seen``
        self._lookup_lock = threading.Lock()

    # --- lifecycle -------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, *, migrate: bool = True, application: str = "amanat",
             connections: int | None = None) -> Store:
        """Connect, and bring the schema to the newest migration unless ``migrate`` is off
        or the store is read-only (then it must already be at the newest); ``application``
        names this program's PostgreSQL sessions (e.g. ``amanat ingest``). ``connections``
        is how many the pool keeps open (SQLAlchemy's default is 5, and each one used beyond
        them is opened and closed again: a server running requests in many threads at once
        gives its own number)."""
        url = engine_url(url)
        try:
            parsed = sa.engine.make_url(url)
            backend = parsed.get_backend_name()
            if backend not in ("sqlite", "postgresql"):
                raise StoreError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
            connect_args = pgsession.connect_args(parsed, application) if backend == "postgresql" else {}
            # a ping before each use finds a PostgreSQL connection the server dropped; a SQLite
            # file cannot drop one, and the ping was a query of its own on every checkout
            pooled = {"pool_size": connections} if connections and parsed.database not in (None, "", ":memory:") else {}
            engine = sa.create_engine(url, pool_pre_ping=backend == "postgresql", connect_args=connect_args, **pooled)
        except (SQLAlchemyError, ValueError, ImportError) as exc:
            raise StoreError(f"cannot use database URL {url!r}: {exc}") from None
        if engine.dialect.name == "postgresql":
            sa.event.listen(engine, "connect", pgsession.on_connect)
        read_only = False
        if engine.dialect.name == "sqlite":
            path = engine.url.database or ""
            file = path not in ("", ":memory:") and not path.startswith("file:")
            if file and not Path(path).parent.exists():
                raise StoreError(f"directory of the database does not exist: {path}")
            if file and not Path(path).exists() and not os.access(Path(path).parent, os.W_OK):
                raise StoreError(f"cannot create the store {path}: its directory is read-only")
            read_only = bool(file) and sqlite_read_only(Path(path))
            if read_only:
                engine.dispose()
                engine = _read_only_engine(url, Path(path))
            else:
                sa.event.listen(engine, "connect", _sqlite_pragmas)
        store = cls(engine, read_only=read_only)
        sa.event.listen(engine, "handle_error", _on_error(store.name))
        try:
            if migrate and not read_only:
                store.migrate()
            else:
                store.check_revision()
        except OperationalError as exc:
            raise StoreError(f"cannot open database {engine.url!r}: {exc.orig}") from None
        return store

    def close(self) -> None:
        with self._lookup_lock:
            if self._lookup is not None:
                self._lookup.close()
                self._lookup = None
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _alembic(self, connection: Connection) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = connection
        return cfg

    def migrate(self) -> None:
        """Upgrade the schema to the newest revision (a no-op when already there)."""
        with self.engine.begin() as conn:
            if self.revision(conn) != self.head_revision():
                command.upgrade(self._alembic(conn), "head")

    def head_revision(self) -> str | None:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        return ScriptDirectory.from_config(cfg).get_current_head()

    def revision(self, conn: Connection | None = None) -> str | None:
        if conn is None:
            with self.engine.connect() as c:
                return MigrationContext.configure(c).get_current_revision()
        return MigrationContext.configure(conn).get_current_revision()

    def check_revision(self) -> None:
        have, want = self.revision(), self.head_revision()
        if have != want and self.read_only:
            raise StoreError(
                f"the store {self.name} is read-only and at schema revision {have}, this Amanat needs "
                f"{want}: run `amanat db migrate` once where it can be written"
            )
        if have != want:
            raise StoreError(f"database is at schema revision {have}, this Amanat needs {want}")

    # --- writes ----------------------------------------------------------------------------

    def seen(self, url: str, raw_digest: str) -> str | None:
        """The outcome recorded for this payload at this URL, or None if never processed.

        Asked once per input before it is analysed. On PostgreSQL a connection from the pool
        costs four round trips (the pool's ping, BEGIN, the query, the ROLLBACK on return) —
        more than the look-up itself, and a large part of an ingest's store time: so one
        connection in autocommit is kept for these look-ups, one round trip each; if the
        server dropped it, the look-up is asked again on a new one. A thread that finds it in
        use by another takes one from the pool instead."""
        query = sa.select(t.seen.c.outcome).where(t.seen.c.url == url, t.seen.c.raw_digest == raw_digest)
        if self.dialect != "postgresql" or not self._lookup_lock.acquire(blocking=False):
            with self.engine.connect() as conn:
                return conn.execute(query).scalar()
        try:
            try:
                return self._lookup_connection().execute(query).scalar()
            except sa.exc.DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                # the server dropped it (a restart, a terminated session): once more on a new one
                return self._lookup_connection().execute(query).scalar()
        finally:
            self._lookup_lock.release()

    def _lookup_connection(self) -> Connection:
        """The connection kept for ``seen`` (the caller holds ``_lookup_lock``)."""
        if self._lookup is not None and self._lookup.invalidated:
            self._lookup.close()
            self._lookup = None
        if self._lookup is None:
            self._lookup = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._lookup

    def writer(self, connection: Connection | None = None) -> Writer:
        """A batch writer: ``with store.writer() as w: w.add(...)`` commits in batches; given
        a ``connection`` in a transaction, it writes in that transaction and commits nothing.

        Refused at once on a read-only store, before any input is read or analysed."""
        self.require_writable()
        return Writer(self, connection=connection)

    def require_writable(self) -> None:
        """Raise the read-only ``StoreError`` now, for commands about to write."""
        if self.read_only:
            raise StoreError(f"the store {self.name} is read-only: nothing can be written to it")

    def refresh_search_index(self) -> bool:
        """Bring the tantivy search index up to date with the database, so the next search
        is fast; False where there is none or another process is writing it."""
        from amanat.store import fulltext

        return fulltext.refresh(self)

    def compress(self, body: bytes) -> bytes:
        return self._zc.compress(body)

    # --- reads -----------------------------------------------------------------------------

    def get(self, doc_id: str) -> StoredDocument:
        """A document by id, or by an unambiguous id prefix of at least 6 characters."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.documents).where(t.documents.c.id == doc_id)).fetchall()
            if not rows and len(doc_id) >= 6:
                # a prefix: SQLite compares bytes, so a range uses the id index; PostgreSQL's
                # collation may not sort that way, so it gets LIKE
                d = t.documents
                if self.dialect == "sqlite":
                    match = sa.and_(d.c.id >= doc_id, d.c.id < doc_id + "\x7f")
                else:
                    match = d.c.id.startswith(doc_id, autoescape=True)
                rows = conn.execute(sa.select(d).where(match).limit(2)).fetchall()
        if not rows:
            raise NotFound(f"no document with id {doc_id!r}")
        if len(rows) > 1:
            raise NotFound(f"id prefix {doc_id!r} matches more than one document")
        return _row_to_stored(rows[0]._mapping)

    def with_related(self, doc_id: str) -> tuple[StoredDocument, list[StoredDocument], list[StoredDocument]]:
        """A document (as ``get`` finds it), every version of its article (oldest first) and
        every document with its content (``copies``), read in one statement where the id is
        exact: each statement costs the API more in the driver than in the database."""
        rows = [_row_to_stored(r) for r in rawsql.fetch_mappings(self.engine, _RELATED, {"id": doc_id},
                                                                   timestamps=("fetched", "ingested"))]
        found = next((r for r in rows if r.document.id == doc_id), None)
        if found is None:  # a prefix, or no such document
            found = self.get(doc_id)
            return found, self.versions(found.document.canonical_url), self.copies(found.document.content_hash)
        url, digest = found.document.canonical_url, found.document.content_hash
        versions = sorted((r for r in rows if r.document.canonical_url == url), key=lambda r: r.version)
        copies = [r for r in rows if r.document.content_hash == digest]
        return found, versions, copies

    def get_many(self, doc_ids: Sequence[str]) -> dict[str, StoredDocument]:
        """The documents with these exact ids (no prefixes), by id; absent ids are left out."""
        out: dict[str, StoredDocument] = {}
        d = t.documents
        with self.engine.connect() as conn:
            for n in range(0, len(doc_ids), 500):
                for r in conn.execute(sa.select(d).where(d.c.id.in_(list(doc_ids[n:n + 500])))):
                    out[r.id] = _row_to_stored(r._mapping)
        return out

    def versions(self, canonical_url: str) -> list[StoredDocument]:
        """All versions stored for one canonical URL, oldest first."""
        d = t.documents
        return self._documents(d.c.canonical_url == canonical_url, d.c.version)

    def copies(self, content_hash: str) -> list[StoredDocument]:
        """Every document with this content (its content group), in ingest order."""
        d = t.documents
        return self._documents(d.c.content_hash == content_hash, d.c.seq)

    def _documents(self, where: Any, order: Any) -> list[StoredDocument]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.documents).where(where).order_by(order)).fetchall()
        return [_row_to_stored(r._mapping) for r in rows]

    def iter_documents(self, *, batch: int = 500) -> Iterator[StoredDocument]:
        """Every document, in ingest order, streamed in batches (no cap)."""
        last = 0
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    sa.select(t.documents)
                    .where(t.documents.c.seq > last)
                    .order_by(t.documents.c.seq)
                    .limit(batch)
                ).fetchall()
            if not rows:
                return
            for r in rows:
                yield _row_to_stored(r._mapping)
            last = rows[-1].seq

    def raw_payload(self, digest: str, read_ref: Callable[[RawRef], bytes] | None = None) -> bytes:
        """The original bytes of a payload: decompressed, or re-read from the WARC file it is
        kept in by ``read_ref`` (``amanat.ingest.warc.read_record``: reading a container is
        ingest's business, not the store's)."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.raw).where(t.raw.c.digest == digest)).first()
        if row is None:
            raise NotFound(f"no raw payload {digest}")
        if row.codec == "zstd":
            return zstandard.ZstdDecompressor().decompress(row.data)
        if row.codec == "none":
            return bytes(row.data)
        ref = RawRef(row.ref_path, row.ref_offset, row.ref_length, row.ref_digest)
        if read_ref is None:
            raise StoreError(f"payload {digest} is kept in {ref.path} at byte {ref.offset}: give a reader for it")
        return read_ref(ref)

    def stats(self) -> dict[str, Any]:
        """Documents, articles, versions, content groups, sources, languages and the date
        range: read from the counters the database keeps as rows are written (``counters``)."""
        figures = counters.read(self.engine)
        return {**figures, "database": self.engine.url.render_as_string(hide_password=True)}

    def sources(self) -> list[dict[str, Any]]:
        """Every source with how many documents came from it, most first. The counts are one
        GROUP BY over the documents' source index (a join grouped by every source column
        costs three times as much at 100k documents)."""
        s, d = t.sources, t.documents
        with self.engine.connect() as conn:
            counts: dict[str, int] = {key: n for key, n in conn.execute(
                sa.select(d.c.source, sa.func.count()).group_by(d.c.source))}
            rows = conn.execute(sa.select(s)).fetchall()
        out = [
            {**dict(r._mapping), "first_seen": r.first_seen.isoformat() if r.first_seen else None,
             "documents": counts.get(r.key, 0)}
            for r in rows
        ]
        return sorted(out, key=lambda x: (-x["documents"], x["key"]))

    def source_keys(self) -> list[str]:
        """The sources' keys, sorted: what a filter offers, without counting documents."""
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(t.sources.c.key).order_by(t.sources.c.key)).scalars())

    def set_source(self, key: str, **fields: str | None) -> None:
        """Set an outlet's name, country or language (fields given as None are left alone)."""
        values = {k: v for k, v in fields.items() if v is not None}
        with self.engine.begin() as conn:
            found = conn.execute(sa.select(t.sources.c.key).where(t.sources.c.key == key)).first()
            if not found:
                raise NotFound(f"no source {key!r} (see `amanat sources`)")
            if values:
                conn.execute(sa.update(t.sources).where(t.sources.c.key == key).values(**values))


@overload
def _aware(value: datetime) -> datetime: ...
@overload
def _aware(value: None) -> None: ...
def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


# A document's versions and copies, found from its id: what the API's document answer reads,
# through the driver's cursor (``rawsql``: SQLAlchemy's statement and result machinery, and
# its conversion of every row, cost several times the query)
_RELATED = (f"SELECT {', '.join(c.name for c in t.documents.columns if c.name != 'latest')} FROM documents "
            "WHERE canonical_url = (SELECT canonical_url FROM documents WHERE id = :id) "
            "OR content_hash = (SELECT content_hash FROM documents WHERE id = :id) ORDER BY seq")


def _row_to_stored(row: Any) -> StoredDocument:
    published = (
        PublishedDate(row["published"], row["published_precision"], row["published_source"])
        if row["published"]
        else None
    )
    doc = Document(
        id=row["id"],
        url=row["url"],
        canonical_url=row["canonical_url"],
        source=row["source"],
        title=row["title"],
        byline=row["byline"],
        published=published,
        language=row["language"],
        text=row["text"],
        content_hash=row["content_hash"],
        media_type=row["media_type"],
        origin=row["origin"],
        fetched=_aware(row["fetched"]),
    )
    return StoredDocument(doc, row["version"], row["previous_id"], _aware(row["ingested"]))


def iter_rows(store: Store, table: sa.Table, *, batch: int = 1000) -> Iterable[dict[str, Any]]:
    """Every row of a table, streamed in primary-key order (for backup and copy)."""
    pk = list(table.primary_key.columns)
    with store.engine.connect() as conn:
        result = conn.execution_options(yield_per=batch).execute(sa.select(table).order_by(*pk))
        for row in result:
            yield dict(row._mapping)
