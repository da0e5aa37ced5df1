"""A tantivy index beside a SQLite store: a disposable accelerator for ranked search.

Why: SQLite FTS5 must score every match with BM25, so common words cost tens of ms at 100k
documents; tantivy (Rust, block-max WAND, column-stored fast fields) answers in about a
millisecond. The database stays the source of truth and FTS5 the always-consistent fallback:
this index lives in ``<database file>.search/`` and may be deleted at any time.

Catch-up, not hooks: documents are immutable except for ``latest``, which only changes when
a newer version arrives (a new row with ``previous_id``). So the index records the highest
``documents.seq`` it covers (``covered.json``, written after each tantivy commit, with the id
of that row as a fingerprint of the database) and ``catch_up`` indexes every newer row and
re-indexes the versions those rows superseded. Rows are always indexed with the database's
current values, each after a delete by ``seq``, so redoing a batch after a crash between the
tantivy commit and the state file is harmless. A replaced database (fingerprint mismatch) or
another schema version means a rebuild from scratch.

Concurrency: tantivy allows one writer per directory (a lock file). A process that cannot
get it while the index is behind answers from FTS5 instead; readers reload when the state
file says a newer commit exists.

Tokens: a regex tokenizer with the query parser's notion of a word (letters and digits,
``[^\\W_]+`` there, ``[\\p{L}\\p{N}]+`` here) then lowercase and ASCII folding — FTS5's
``unicode61 remove_diacritics 2`` folds diacritics the same way, and query words pass
through the same analyzer, so a query word always meets its indexed form.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from amanat.errors import StoreError
from amanat.store import query as q

if TYPE_CHECKING:
    from amanat.store.db import Store

SCHEMA_VERSION = 1
TITLE_BOOST = 10.0
STATE_FILE = "covered.json"
BATCH = 5_000  # rows read from the database per step
COMMIT_EVERY = 50_000  # rows per tantivy commit during a long catch-up (progress survives a kill)
_TOKEN_PATTERN = r"[\p{L}\p{N}]+"
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

_ROWS = """SELECT seq, id, title, text, language, source, published, latest FROM documents
           WHERE seq > :after ORDER BY seq LIMIT :limit"""


def available() -> bool:
    """Whether the tantivy package can be imported (it is optional: FTS5 always works)."""
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return False
    return True


log = logging.getLogger(__name__)
SETTING = "AMANAT_SEARCH_INDEX"
SEARCH_CATCH_UP_ROWS = 20_000  # a search indexes at most this many rows before answering
_open_indexes: dict[Path, TantivyIndex] = {}


def enabled() -> bool:
    """``AMANAT_SEARCH_INDEX``: ``tantivy`` (the default when importable) or ``fts5``."""
    setting = os.environ.get(SETTING, "tantivy").strip().lower() or "tantivy"
    if setting not in ("tantivy", "fts5"):
        raise StoreError(f"{SETTING} must be 'tantivy' or 'fts5', not {setting!r}")
    return setting == "tantivy" and available()


def index_for(store: Store) -> TantivyIndex | None:
    """The index of a SQLite file store (opened once per process), or None where there is
    none: PostgreSQL, an in-memory database, the setting says fts5, or tantivy is missing."""
    if store.dialect != "sqlite" or not enabled():
        return None
    database = store.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = index_dir(Path(database).resolve())
    index = _open_indexes.get(path)
    if index is None or not index.path.exists():
        index = _open_indexes[path] = TantivyIndex(path)
    return index


def refresh(store: Store) -> bool:
    """Catch the store's index up fully; a failure is logged, never raised (FTS5 answers)."""
    enabled()  # a bad setting is the user's to fix: let its StoreError through
    try:
        index = index_for(store)
        return index is not None and index.catch_up(store.engine)
    except Exception:  # the accelerator must never fail an ingest
        log.warning("could not update the search index of %s", store.engine.url, exc_info=True)
        return False


def index_dir(database: str | os.PathLike[str]) -> Path:
    """Where the index of a SQLite database file lives."""
    return Path(str(database) + ".search")


def date_key(published: str | None) -> int | None:
    """An ISO date of any precision as YYYYMMDD, missing parts 00 — so integer order equals
    the SQL filters' string order ('2022-01' sorts before '2022-01-01')."""
    m = _DATE.match(published or "")
    if not m:
        return None
    year, month, day = m.group(1), m.group(2) or "00", m.group(3) or "00"
    return int(year + month + day)


@dataclass
class _State:
    seq: int = 0
    id: str | None = None
    schema: int = SCHEMA_VERSION


class TantivyIndex:
    """The index of one SQLite store; ``catch_up`` before ``search``."""

    def __init__(self, path: Path) -> None:
        import tantivy

        self._t = tantivy
        self.path = path
        self._tantivy_dir = path / "index"
        self.analyzer = (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(_TOKEN_PATTERN))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
            .build()
        )
        self.schema = self._schema()
        self._covered: _State | None = None  # what this process's reader is known to cover
        self._index = self._open()

    # --- layout ----------------------------------------------------------------------------

    def _schema(self) -> Any:
        b = self._t.SchemaBuilder()
        b.add_unsigned_field("seq", stored=True, indexed=True, fast=True)
        b.add_text_field("title", tokenizer_name="amanat")
        b.add_text_field("text", tokenizer_name="amanat")
        b.add_text_field("language", tokenizer_name="raw")
        b.add_text_field("source", tokenizer_name="raw")
        b.add_unsigned_field("published", indexed=True, fast=True)  # date_key
        b.add_unsigned_field("latest", indexed=True)  # 1 newest version, 0 superseded
        return b.build()

    def _open(self) -> Any:
        state = self._read_state()
        if state is None or state.schema != SCHEMA_VERSION:
            shutil.rmtree(self.path, ignore_errors=True)
        self._tantivy_dir.mkdir(parents=True, exist_ok=True)
        index = self._t.Index(self.schema, path=str(self._tantivy_dir), reuse=True)
        index.register_tokenizer("amanat", self.analyzer)
        return index

    def _read_state(self) -> _State | None:
        try:
            data = json.loads((self.path / STATE_FILE).read_text())
            return _State(int(data["seq"]), data.get("id"), int(data["schema"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write_state(self, state: _State) -> None:
        tmp = self.path / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps({"seq": state.seq, "id": state.id, "schema": state.schema}))
        os.replace(tmp, self.path / STATE_FILE)

    # --- keeping up with the database -----------------------------------------------------

    def catch_up(self, engine: Engine, *, max_rows: int | None = None) -> bool:
        """Index what the database has and the index lacks; True when it covers the database.

        False, leaving the index as it was, when more than ``max_rows`` rows are missing (a
        search should not stall on a long build) or another process holds the writer.
        """
        with engine.connect() as conn:
            head = conn.execute(sa.text("SELECT coalesce(max(seq), 0) FROM documents")).scalar_one()
        if self._covered is not None and self._covered.seq == head:
            return True
        state = self._read_state() or _State()
        if state.seq == head and self._matches(engine, state):
            self._index.reload()
            self._covered = state
            return True
        if max_rows is not None:
            missing = head - (state.seq if self._matches(engine, state) else 0)
            if missing > max_rows:
                return False
        try:
            writer = self._index.writer(heap_size=64_000_000 if head - state.seq < BATCH else 256_000_000,
                                        num_threads=1 if head - state.seq < BATCH else 2)
        except ValueError:  # LockBusy: another process is writing
            return False
        try:
            state = self._read_state() or _State()  # it may have moved while we waited
            if not self._matches(engine, state):
                writer.delete_all_documents()
                state = _State()
            self._index_rows(engine, writer, state)
        finally:
            del writer  # drops the lock
        self._index.reload()
        self._covered = self._read_state()
        return True

    def rebuild(self, engine: Engine) -> None:
        """Throw the index away and build it again from the database."""
        shutil.rmtree(self.path, ignore_errors=True)
        self._covered = None
        self._index = self._open()
        self.catch_up(engine)

    def _matches(self, engine: Engine, state: _State) -> bool:
        """Whether the state describes this database: the covered row still has its id."""
        if state.seq == 0:
            return True
        with engine.connect() as conn:
            found = conn.execute(
                sa.text("SELECT id FROM documents WHERE seq = :seq"), {"seq": state.seq}
            ).scalar()
        return found == state.id

    def _index_rows(self, engine: Engine, writer: Any, state: _State) -> None:
        Q = self._t.Query
        # rows above the recorded mark may already be in the index (a crash after the tantivy
        # commit, before the state file): only then must each add delete its seq first
        searcher = self._index.searcher()
        ahead = Q.range_query(self.schema, "seq", self._t.FieldType.Unsigned, state.seq + 1, None)
        dirty = searcher.search(ahead, limit=1, count=False).hits != []
        pending = 0
        for rows, superseded in _batches(engine, state.seq):
            for row in superseded:
                writer.delete_documents_by_query(Q.term_query(self.schema, "seq", row.seq))
                writer.add_document(self._document(row))
            for row in rows:
                if dirty:
                    writer.delete_documents_by_query(Q.term_query(self.schema, "seq", row.seq))
                writer.add_document(self._document(row))
            state = _State(rows[-1].seq, rows[-1].id)
            pending += len(rows)
            if pending >= COMMIT_EVERY:
                writer.commit()
                self._write_state(state)
                pending = 0
        writer.commit()
        self._write_state(state)

    def _document(self, row: Any) -> Any:
        doc = self._t.Document()
        doc.add_unsigned("seq", row.seq)
        if row.title:
            doc.add_text("title", row.title)
        doc.add_text("text", row.text)
        if row.language:
            doc.add_text("language", row.language)
        doc.add_text("source", row.source)
        key = date_key(row.published)
        if key is not None:
            doc.add_unsigned("published", key)
        doc.add_unsigned("latest", 1 if row.latest else 0)
        return doc

    # --- searching -------------------------------------------------------------------------

    def search(
        self, query: q.Query, filters: Any, *, limit: int, offset: int
    ) -> list[tuple[int, float]]:
        """(seq, score) of the best matches, best first; filters as in ``search.Filters``."""
        clauses = [(self._t.Occur.Must, self._query(query))]
        clauses += self._filters(filters)
        searcher = self._index.searcher()
        result = searcher.search(
            self._t.Query.boolean_query(clauses), limit=limit, offset=offset, count=False
        )
        if not result.hits:
            return []
        seqs = searcher.fast_field_values("seq", [address for _, address in result.hits])
        return [(seq, score) for seq, (score, _) in zip(seqs, result.hits, strict=True)]

    def tokens(self, word: str) -> list[str]:
        """A query word as the index stores it (may split into several tokens, or none)."""
        return list(self.analyzer.analyze(word))

    def _query(self, query: q.Query) -> Any:
        Q, Occ = self._t.Query, self._t.Occur
        alternatives = []
        for conj in query.alternatives:
            clauses = []
            for term in conj:
                tq = self._term(term)
                if tq is None:
                    if term.negated:
                        continue  # excluding a word that cannot be indexed excludes nothing
                    tq = Q.empty_query()
                clauses.append((Occ.MustNot if term.negated else Occ.Must, tq))
            alternatives.append((Occ.Should, Q.boolean_query(clauses)))
        return alternatives[0][1] if len(alternatives) == 1 else Q.boolean_query(alternatives)

    def _term(self, term: q.Term) -> Any | None:
        """One term over title (boosted) and text; None when it has no indexable token."""
        Q, Occ = self._t.Query, self._t.Occur
        words = [tok for w in term.words for tok in self.tokens(w)]
        if not words:
            return None
        per_field = []
        for field, boost in (("title", TITLE_BOOST), ("text", 1.0)):
            if term.prefix and len(words) == 1:
                # a regex over the term dictionary matches every expansion (a phrase-prefix
                # query would stop at 50); its score is constant, like a filter
                fq = Q.regex_query(self.schema, field, re.escape(words[0]) + ".*")
            elif term.prefix:
                fq = Q.phrase_prefix_query(self.schema, field, words)
            elif len(words) > 1:
                fq = Q.phrase_query(self.schema, field, words)
            else:
                fq = Q.term_query(self.schema, field, words[0])
            per_field.append((Occ.Should, Q.boost_query(fq, boost) if boost != 1.0 else fq))
        return Q.boolean_query(per_field)

    def _filters(self, f: Any) -> list[tuple[Any, Any]]:
        Q, Occ, s = self._t.Query, self._t.Occur, self.schema
        out = []
        if not f.all_versions:
            # excluding the few superseded versions is cheaper than requiring latest
            out.append((Occ.MustNot, Q.term_query(s, "latest", 0)))
        for field, value in (("language", f.language), ("source", f.source)):
            if value:
                out.append((Occ.Must, Q.const_score_query(Q.term_query(s, field, value), 0.0)))
        if f.since or f.until:
            lower = date_key(f.since.isoformat()) if f.since else None
            upper = date_key(f.until.isoformat()) if f.until else None
            span = Q.range_query(s, "published", self._t.FieldType.Unsigned, lower, upper)
            out.append((Occ.Must, Q.const_score_query(span, 0.0)))
        return out


def _batches(engine: Engine, after: int) -> Iterator[tuple[Sequence[Any], Sequence[Any]]]:
    """Rows newer than ``after`` in batches, each with the older versions they superseded
    (read in the same transaction, so their ``latest`` is consistent with the new rows)."""
    while True:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(_ROWS), {"after": after, "limit": BATCH}).fetchall()
            if not rows:
                return
            previous = conn.execute(
                sa.text(
                    "SELECT o.seq, o.id, o.title, o.text, o.language, o.source, o.published, "
                    "o.latest FROM documents n JOIN documents o ON o.id = n.previous_id "
                    "WHERE n.seq > :after AND n.seq <= :last AND o.seq <= :after"
                ),
                {"after": after, "last": rows[-1].seq},
            ).fetchall()
        yield rows, previous
        after = rows[-1].seq
