"""A tantivy index beside the database: a disposable accelerator for ranked search.

Why: SQLite FTS5 must score every match with BM25, and PostgreSQL's ts_rank_cd must read
every match's tsvector, so common words cost tens (FTS5) to hundreds (PostgreSQL) of ms at
100k documents; tantivy (Rust, block-max WAND, column-stored fast fields) answers in about a
millisecond. The database stays the source of truth and its own search the always-consistent
fallback: the index lives in ``<database file>.search/`` for SQLite, in a folder of this
machine for PostgreSQL (``location``), and may be deleted at any time.

Catch-up, not hooks: documents are immutable except for ``latest``, which only changes when
a newer version arrives (a new row with ``previous_id``). So the index records the highest
``documents.seq`` it covers (``covered.json``, written after each tantivy commit, with the id
of that row as a fingerprint of the database) and ``catch_up`` indexes every newer row and
re-indexes the versions those rows superseded. That needs rows to become visible in ``seq``
order: SQLite has one writer at a time, and on PostgreSQL the store's writer serialises the
transactions that add documents (``Writer``), so a row can never appear below the mark
after the index has passed it. Rows are always indexed with the database's
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

Phrases: a positional phrase over frequent words intersects huge posting lists and checks
positions in every document holding all the words (227 ms at 1M documents). So, like
Lucene's CommonGrams, each text field has a companion field of word pairs ``a\x1fb`` for
the adjacent tokens ``a b`` that would be expensive to match by position, made in Python
from exactly the tokens the field's analyzer produces. That cost follows the share of
documents holding both words, so a pair is indexed when the product of its words' document
shares is at least ``PAIR_SHARE`` (1%: at 1M documents a cheaper pair costs under ~4 ms by
position). A 2-word phrase of such a pair is then one term of the pair field — exact, ranked
by BM25 on the pair. The same reasoning one level up gives word triples ``a\x1fb\x1fc``:
indexed when the document shares of their two (indexed) pairs multiply to ``PAIR_SHARE``,
so a 3-word phrase of the commonest words ("one of the", whose pairs are in most
documents) is one term too. A longer phrase requires its indexed triples, and its pairs
as a phrase of the pair field (pairs have positions; consecutive pairs there are a superset
of adjacency in the text), beside the positional word phrase, which tantivy's
intersection, led by its cheapest member, checks only on the documents those let through,
so it stays exact. Pairs of all words would make the term dictionary several times the
index (most pairs occur once); pairs of any two frequent words made it 3 times at 100k
documents.

Word shares are counted on a sample of the database when an index generation starts (words
in at least ``PAIR_SHARE`` of it, at most ``FREQUENT_MAX`` of them; then the indexed pairs'
shares the same way) and kept in ``frequent.json``; every document of a generation is
indexed with the same shares, and ``covered.json`` names the generation, so a query only
uses pairs and triples the whole index has. While the database is small they are counted
again (a rebuild) each time it has grown ``FREQUENT_REGROW`` times, until the sample is full
size.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import logging
import math
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from amanat.errors import StoreError
from amanat.model import whitespace_slices
from amanat.store import query as q


class Store(Protocol):
    """What the index needs of a store (``amanat.store.db.Store``), named here so that this
    module does not import the one that imports it."""

    engine: Engine
    dialect: str

SCHEMA_VERSION = 4  # 2: word-pair fields for phrases; 3: pairs with positions, word triples;
# 4: ``text`` holds the title too
TITLE_BOOST = 10.0
STATE_FILE = "covered.json"
FREQUENT_FILE = "frequent.json"
PAIR_SHARE = 0.01  # index a pair when (share of docs with a) x (share with b) is at least this
FREQUENT_MAX = 3_000  # words whose share is counted: the most widespread ones
FREQUENT_SAMPLE = 10_000  # documents read to count them
FREQUENT_REGROW = 4  # choose again when a database sampled short has grown this many times
BATCH = 5_000  # rows read from the database per step
# the part of a text that is indexed, cut back to a space: PostgreSQL's tsvector column takes
# the same 200,000 characters (migration 0001), as Lucene's LimitTokenCountFilter caps a field;
# 40 times a long article, and a 30 MB page then costs its indexing what a long article does
# (its pairs and triples with positions took ~400 MB before)
INDEXED_CHARS = 200_000
COMMIT_EVERY = 50_000  # rows per tantivy commit during a long catch-up (progress survives a kill)
_TOKEN_PATTERN = r"[\p{L}\p{N}]+"
# what that analyzer makes of ASCII text ([\p{L}\p{N}] is [A-Za-z0-9] there, folding is a
# no-op): the same tokens without a round trip through tantivy
_ASCII_TOKEN = re.compile(r"[a-z0-9]+")
PAIRS = {"title": "title_pairs", "text": "text_pairs"}  # text field → its word-pair field
TRIPLES = {"title": "title_triples", "text": "text_triples"}  # … and its word-triple field
PAIR_JOIN = "\x1f"  # in no token (letters, digits and a little ASCII-folding punctuation)
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

_HEAD = sa.text("SELECT coalesce(max(seq), 0) FROM documents")
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
DIR_SETTING = "AMANAT_SEARCH_INDEX_DIR"
SEARCH_CATCH_UP_ROWS = 20_000  # a search indexes at most this many rows before answering
_open_indexes: dict[Path, TantivyIndex] = {}
_locations: dict[tuple[str, str | None], Path | None] = {}  # a store's URL → where its index is
_writable_seen: dict[Path, tuple[float, bool]] = {}  # an index folder → (when looked at, writable)
WRITABLE_TTL = 5.0


def enabled() -> bool:
    """``AMANAT_SEARCH_INDEX``: ``tantivy`` (the default when importable) or ``fts5`` (the
    database's own search alone: FTS5 on SQLite, tsvector on PostgreSQL)."""
    setting = os.environ.get(SETTING, "tantivy").strip().lower() or "tantivy"
    if setting not in ("tantivy", "fts5"):
        raise StoreError(f"{SETTING} must be 'tantivy' or 'fts5', not {setting!r}")
    return setting == "tantivy" and available()


def index_for(store: Store) -> TantivyIndex | None:
    """The store's index (opened once per process), or None where there is none: an
    in-memory SQLite database, the setting says fts5, tantivy is missing, or the store or the
    index folder is read-only (an index is kept current by writing to it; the database's own
    search is always current)."""
    if not enabled() or getattr(store, "read_only", False):
        return None
    # asked on every search: where the index is, and whether it can be written, cost a
    # realpath and a dozen stat calls (about a millisecond under load); a store's location does
    # not change, and its writability is looked at again after WRITABLE_TTL seconds
    key = (store.engine.url.render_as_string(hide_password=False), os.environ.get(DIR_SETTING))
    path = _locations[key] if key in _locations else _locations.setdefault(key, location(store))
    if path is None or not _writable_now(path):
        return None
    index = _open_indexes.get(path)
    if index is None or not index.path.exists():
        index = _open_indexes[path] = TantivyIndex(path)
    return index


def location(store: Store) -> Path | None:
    """Where a store's index lives: beside a SQLite file (``<file>.search``); for PostgreSQL,
    on this machine under ``AMANAT_SEARCH_INDEX_DIR`` (default ``~/.cache/amanat/search``),
    one folder per database URL. Each machine that searches a shared PostgreSQL database
    keeps its own index, caught up from the database like any other."""
    url = store.engine.url
    if store.dialect == "sqlite":
        database = url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return index_dir(Path(database).resolve())
    base = os.environ.get(DIR_SETTING) or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "amanat", "search")
    name = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return Path(base, f"{store.dialect}-{name}")


def _writable_now(path: Path) -> bool:
    """``_writable``, as found at most ``WRITABLE_TTL`` seconds ago."""
    now = time.monotonic()
    seen = _writable_seen.get(path)
    if seen is None or now - seen[0] > WRITABLE_TTL:
        seen = _writable_seen[path] = (now, _writable(path))
    return seen[1]


def _writable(path: Path) -> bool:
    """Whether the index folder (every part of it that exists) can be written."""
    if not path.exists():
        parent = path.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        return os.access(parent, os.W_OK)
    return all(os.access(p, os.W_OK) for p in (path, *[c for c in path.iterdir() if c.is_dir()]))


def refresh(store: Store) -> bool:
    """Catch the store's index up fully; a failure is logged, never raised (the database's
    own search answers)."""
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


def _in_a_row(words: Iterable[str]) -> list[str | tuple[int, str]]:
    """Terms for tantivy's phrase queries, which take words in a row or (offset, word) pairs."""
    return list(words)


def indexed_part(text: str | None) -> str | None:
    """The start of a text that the index holds: ``INDEXED_CHARS`` at most, cut at a space."""
    if not text or len(text) <= INDEXED_CHARS:
        return text
    cut = text.rfind(" ", 0, INDEXED_CHARS + 1)
    return text[: cut if cut > 0 else INDEXED_CHARS]


def word_shares(
    texts: Iterable[str], tokens: Callable[[str], list[str]], *,
    least: float | None = None, limit: int | None = None,
) -> dict[str, float]:
    """Each token's share of the texts holding it, for the tokens in at least ``least`` of
    them (and at least one): the ``limit`` most widespread."""
    least = PAIR_SHARE if least is None else least
    limit = FREQUENT_MAX if limit is None else limit
    counts: Counter[str] = Counter()
    n = 0
    for text in texts:
        counts.update(set(tokens(text)))
        n += 1
    fewest = max(1, math.ceil(least * n))
    return {w: c / n for w, c in counts.most_common(limit) if c >= fewest}


def pair_shares(
    texts: Iterable[str], tokens: Callable[[str], list[str]], frequent: Frequent, *,
    limit: int | None = None,
) -> dict[str, float]:
    """Each indexed pair's share of the texts holding it, for the pairs in at least
    ``frequent.pair_share`` of them: the ``limit`` most widespread."""
    limit = FREQUENT_MAX if limit is None else limit
    counts: Counter[str] = Counter()
    n = 0
    for text in texts:
        words = tokens(text)
        counts.update({a + PAIR_JOIN + b for a, b in itertools.pairwise(words) if frequent.indexed(a, b)})
        n += 1
    fewest = max(1, math.ceil(frequent.pair_share * n))
    return {p: c / n for p, c in counts.most_common(limit) if c >= fewest}


@dataclass(frozen=True)
class Frequent:
    """The word shares of an index generation: pair ``a b`` is indexed when
    ``shares[a] * shares[b] >= pair_share``, and triple ``a b c`` when the shares of its two
    pairs (``pairs``, counted like the words) multiply to at least ``pair_share`` too."""

    shares: Mapping[str, float]
    basis: int  # documents in the database when they were counted
    pair_share: float = PAIR_SHARE
    pairs: Mapping[str, float] = dataclasses.field(default_factory=dict)

    @property
    def words(self) -> frozenset[str]:
        return frozenset(self.shares)

    def indexed(self, a: str, b: str) -> bool:
        """Whether the pair ``a b`` is in the pair fields."""
        shares = self.shares
        return shares.get(a, 0.0) * shares.get(b, 0.0) >= self.pair_share

    def indexed_triple(self, a: str, b: str, c: str) -> bool:
        """Whether the triple ``a b c`` is in the triple fields."""
        pairs = self.pairs
        return (
            self.indexed(a, b) and self.indexed(b, c)
            and pairs.get(a + PAIR_JOIN + b, 0.0) * pairs.get(b + PAIR_JOIN + c, 0.0) >= self.pair_share
        )

    @property
    def key(self) -> str:
        """Names the shares in ``covered.json``: the same shares, the same key."""
        text = json.dumps([self.pair_share, sorted(self.shares.items()), sorted(self.pairs.items())])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class _State:
    seq: int = 0
    id: str | None = None
    schema: int = SCHEMA_VERSION
    frequent: str | None = None  # Frequent.key of the words the covered rows were indexed with


class TantivyIndex:
    """The index of one store; ``catch_up`` before ``search``."""

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
        # pairs are made in Python and joined by spaces: split on spaces, nothing else
        self.pair_analyzer = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
        self.schema = self._schema()
        self._covered: _State | None = None  # what this process's reader is known to cover
        self.frequent: Frequent | None = None  # as last read from (or written to) frequent.json
        self._frequent_stamp: tuple[int, int, int] | None = None
        self._index = self._open()

    # --- layout ----------------------------------------------------------------------------

    def _schema(self) -> Any:
        b = self._t.SchemaBuilder()
        b.add_unsigned_field("seq", stored=True, indexed=True, fast=True)
        b.add_text_field("title", tokenizer_name="amanat")
        b.add_text_field("text", tokenizer_name="amanat")
        for pair_field in PAIRS.values():  # positions: consecutive pairs make longer phrases
            b.add_text_field(pair_field, tokenizer_name="amanat_pairs")
        for triple_field in TRIPLES.values():  # a triple is matched as a term
            b.add_text_field(triple_field, tokenizer_name="amanat_pairs", index_option="freq")
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
        try:
            index = self._t.Index(self.schema, path=str(self._tantivy_dir), reuse=True)
        except ValueError:  # a layout its state file does not describe (a damaged index)
            log.warning("search index at %s has another layout: rebuilding it", self.path)
            shutil.rmtree(self.path, ignore_errors=True)
            self._tantivy_dir.mkdir(parents=True, exist_ok=True)
            index = self._t.Index(self.schema, path=str(self._tantivy_dir), reuse=True)
        index.register_tokenizer("amanat", self.analyzer)
        index.register_tokenizer("amanat_pairs", self.pair_analyzer)
        return index

    def _read_state(self) -> _State | None:
        try:
            data = json.loads((self.path / STATE_FILE).read_text())
            return _State(int(data["seq"]), data.get("id"), int(data["schema"]), data.get("frequent"))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write_state(self, state: _State) -> None:
        self._write_json(STATE_FILE, {"seq": state.seq, "id": state.id, "schema": state.schema,
                                      "frequent": state.frequent})

    def _write_json(self, name: str, data: dict[str, Any]) -> None:
        tmp = self.path / (name + ".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.path / name)

    def _load_frequent(self) -> Frequent | None:
        """The generation's frequent words, re-read when the file changed (another process
        started a generation: then what this process knew the index covers is void)."""
        try:
            st = os.stat(self.path / FREQUENT_FILE)
        except OSError:
            self.frequent = self._frequent_stamp = None
            return None
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if stamp != self._frequent_stamp:
            try:
                data = json.loads((self.path / FREQUENT_FILE).read_text())
                frequent = Frequent(dict(data["shares"]), int(data["basis"]), float(data["pair_share"]),
                                    dict(data.get("pairs", {})))
            except (OSError, ValueError, KeyError, TypeError):
                return None
            if self.frequent is None or frequent.key != self.frequent.key:
                self._covered = None
            self.frequent, self._frequent_stamp = frequent, stamp
        return self.frequent

    def start_generation(self, frequent: Frequent) -> None:
        """Record the frequent words the documents indexed from now on are indexed with; the
        caller holds the writer and re-indexes everything if the words changed."""
        self._write_json(FREQUENT_FILE, {"schema": SCHEMA_VERSION, "basis": frequent.basis,
                                         "pair_share": frequent.pair_share,
                                         "shares": dict(sorted(frequent.shares.items())),
                                         "pairs": dict(sorted(frequent.pairs.items()))})
        self._load_frequent()  # from the file, as every other process will see them

    def _choose_frequent(self, engine: Engine, head: int) -> Frequent:
        """Count word shares on up to FREQUENT_SAMPLE rows spread over the database."""
        step = max(1, head // FREQUENT_SAMPLE)
        seqs = list(range(step, head + 1, step))[:FREQUENT_SAMPLE]
        sql = sa.text("SELECT title, substr(text, 1, 20000) AS text FROM documents "
                      "WHERE seq IN :seqs").bindparams(sa.bindparam("seqs", expanding=True))

        def texts() -> Iterator[str]:
            with engine.connect() as conn:
                for i in range(0, len(seqs), 500):
                    for row in conn.execute(sql, {"seqs": seqs[i : i + 500]}):
                        yield (row.title or "") + "\n" + row.text

        words = Frequent(word_shares(texts(), self.tokens), head)
        return replace(words, pairs=pair_shares(texts(), self.tokens, words))

    # --- keeping up with the database -----------------------------------------------------

    def catch_up(
        self, engine: Engine, *, max_rows: int | None = None, conn: Connection | None = None
    ) -> bool:
        """Index what the database has and the index lacks; True when it covers the database.

        False, leaving the index as it was, when more than ``max_rows`` rows are missing (a
        search should not stall on a long build) or another process holds the writer. A
        search passes the connection it will read the rows with (``conn``): one checkout less,
        and on SQLite the rows then come from the snapshot the index was checked against.
        """
        if conn is None:
            with engine.connect() as own:
                head = own.execute(_HEAD).scalar_one()
        else:
            head = conn.execute(_HEAD).scalar_one()
        frequent = self._load_frequent()
        if self._covered is not None and self._covered.seq == head and frequent is not None:
            return True
        state = self._read_state() or _State()
        current = self._current(engine, state, frequent)
        if current and state.seq == head:
            self._index.reload()
            self._covered = state
            return True
        if max_rows is not None:
            missing = head - (state.seq if current else 0)
            if missing > max_rows:
                return False
        try:
            writer = self._index.writer(heap_size=64_000_000 if head - state.seq < BATCH else 256_000_000,
                                        num_threads=1 if head - state.seq < BATCH else 2)
        except ValueError:  # LockBusy: another process is writing
            return False
        try:
            state = self._read_state() or _State()  # it may have moved while we waited
            frequent = self._load_frequent()
            if frequent is None or (
                frequent.basis < FREQUENT_SAMPLE and head >= FREQUENT_REGROW * max(frequent.basis, 1)
                and (max_rows is None or head <= max_rows)
            ):
                frequent = self._choose_frequent(engine, head)
                self.start_generation(frequent)
            if not self._current(engine, state, frequent):
                writer.delete_all_documents()
                state = _State(frequent=frequent.key)
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

    def _current(self, engine: Engine, state: _State, frequent: Frequent | None) -> bool:
        """Whether the index holds this database's rows up to ``state.seq``, indexed with
        these frequent words."""
        return frequent is not None and state.frequent == frequent.key and self._matches(engine, state)

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
            state = _State(rows[-1].seq, rows[-1].id, frequent=state.frequent)
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
        # ``text`` is the whole document, title first (a separate value: tantivy leaves a
        # position between values, so no phrase or pair spans the two), and ``title`` the
        # title again, for its boost; see ``_term``
        for value, fields in ((row.title, ("text", "title")), (indexed_part(row.text), ("text",))):
            if not value:
                continue
            pairs, triples = self.grams(value)
            for field in fields:
                doc.add_text(field, value)
                doc.add_text(PAIRS[field], pairs)
                doc.add_text(TRIPLES[field], triples)
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
        Occ = self._t.Occur
        required = self._filters(filters)
        clauses = self._query(query)
        (first, *others), *alternatives = query.alternatives
        if not others and not alternatives and all(o != Occ.Must for o, _ in required):
            # one term: its text and title clauses go to the top level (with no Must beside
            # them, one must match), a flatter query that tantivy runs about a quarter faster
            # — it matters for terms in most documents, such as a pair of frequent words
            fields = self._term(first)
            if fields is not None:
                clauses = [(Occ.Should, fields[0]), (Occ.Should, fields[1])]
        searcher = self._index.searcher()
        result = searcher.search(
            self._t.Query.boolean_query(clauses + required), limit=limit, offset=offset, count=False
        )
        if not result.hits:
            return []
        seqs = searcher.fast_field_values("seq", [address for _, address in result.hits])
        return [(seq, score) for seq, (score, _) in zip(seqs, result.hits, strict=True)]

    def tokens(self, text: str) -> list[str]:
        """A query word (or any text) as the index stores it: its tokens, in order."""
        if text.isascii():
            return _ASCII_TOKEN.findall(text.lower())
        return list(self.analyzer.analyze(text))

    def grams(self, text: str) -> tuple[str, str]:
        """The pair and triple fields' values for a text: its adjacent token pairs and
        triples that are indexed.

        Made a slice of the text at a time (cut at whitespace, which no token spans, with
        the last two tokens carried over), so a huge document costs the pairs it yields,
        not lists of millions of tokens: a 27 MB text took 1 GB at once."""
        frequent = self.frequent
        if frequent is None or not frequent.shares:
            return "", ""
        pairs: list[str] = []
        triples: list[str] = []
        carried: list[str] = []
        for piece in whitespace_slices(text, _GRAMS_SLICE):
            tokens = carried + self.tokens(piece)
            chunk_pairs, chunk_triples = self._grams_of(tokens, frequent, len(carried))
            pairs.append(chunk_pairs)
            triples.append(chunk_triples)
            carried = tokens[-2:]
        return " ".join(p for p in pairs if p), " ".join(t for t in triples if t)

    @staticmethod
    def _grams_of(tokens: list[str], frequent: Frequent, carried: int = 0) -> tuple[str, str]:
        """Pairs and triples of ``tokens`` that end past its first ``carried`` tokens (those
        that do not were made with the previous slice)."""
        get, least = frequent.shares.get, frequent.pair_share
        shares = [get(t, 0.0) for t in tokens]
        pairs = [
            tokens[i] + PAIR_JOIN + tokens[i + 1] if shares[i] * shares[i + 1] >= least else None
            for i in range(len(tokens) - 1)
        ]
        triples = []
        if frequent.pairs:
            known = frequent.pairs.get
            weights = [known(p, 0.0) if p else 0.0 for p in pairs]
            triples = [
                pair + PAIR_JOIN + tokens[i + 2]
                for i in range(max(carried - 2, 0), len(pairs) - 1)
                if (pair := pairs[i]) is not None and weights[i] * weights[i + 1] >= least
            ]
        return " ".join([p for p in pairs[max(carried - 1, 0):] if p]), " ".join(triples)

    def _query(self, query: q.Query) -> list[tuple[Any, Any]]:
        """The query as clauses of a boolean query (filters may be added beside them)."""
        Q, Occ = self._t.Query, self._t.Occur
        alternatives = []
        for conj in query.alternatives:
            clauses = []
            for term in conj:
                fields = self._term(term)
                if fields is None:
                    if not term.negated:  # excluding a word that cannot be indexed excludes nothing
                        clauses.append((Occ.Must, Q.empty_query()))
                elif term.negated:
                    clauses.append((Occ.MustNot, fields[0]))
                else:
                    clauses += [(Occ.Must, fields[0]), (Occ.Should, fields[1])]
            alternatives.append(clauses)
        if len(alternatives) == 1:
            return alternatives[0]
        return [(Occ.Must, Q.boolean_query([(Occ.Should, Q.boolean_query(c)) for c in alternatives]))]

    def _term(self, term: q.Term) -> tuple[Any, Any] | None:
        """One term as (its match in ``text``, its match in ``title`` boosted); None when it
        has no indexable token.

        ``text`` holds the title too, so a term occurs in a document exactly when its
        ``text`` query matches: a conjunction intersects one posting list per term, with the
        title query beside it only adding to the score (the same score as a title-or-text
        disjunction per term, to within the title's words counted once more in ``text``).
        tantivy intersects plain term postings by skipping through them; a conjunction of
        per-term disjunctions has to merge each term's two lists first.
        """
        Q = self._t.Query
        words = [tok for w in term.words for tok in self.tokens(w)]
        if not words:
            return None
        per_field = []
        for field, boost in (("text", 1.0), ("title", TITLE_BOOST)):
            if term.prefix and len(words) == 1:
                # a regex over the term dictionary matches every expansion (a phrase-prefix
                # query would stop at 50); its score is constant, like a filter
                fq = Q.regex_query(self.schema, field, re.escape(words[0]) + ".*")
            elif term.prefix:
                fq = Q.phrase_prefix_query(self.schema, field, _in_a_row(words))
            elif len(words) > 1:
                fq = self._phrase(field, words)
            else:
                fq = Q.term_query(self.schema, field, words[0])
            per_field.append(Q.boost_query(fq, boost) if boost != 1.0 else fq)
        return per_field[0], per_field[1]

    def _phrase(self, field: str, words: list[str]) -> Any:
        """Words in order in one field, through its indexed pairs where there are any (see
        the module docstring); exact either way."""
        Q, Occ = self._t.Query, self._t.Occur
        frequent = self.frequent
        pairs = [a + PAIR_JOIN + b for a, b in itertools.pairwise(words)
                 if frequent is not None and frequent.indexed(a, b)]
        if len(words) == 2 and pairs:
            return Q.term_query(self.schema, PAIRS[field], pairs[0])
        triples = [PAIR_JOIN.join(w) for w in zip(words, words[1:], words[2:], strict=False)
                   if frequent is not None and frequent.indexed_triple(*w)]
        if len(words) == 3 and triples:
            return Q.term_query(self.schema, TRIPLES[field], triples[0])
        phrase = Q.phrase_query(self.schema, field, _in_a_row(words))
        if not pairs:
            return phrase
        if triples:  # longer phrases: their triples are selective, cheap terms
            phrase = Q.boolean_query(
                [(Occ.Must, Q.const_score_query(Q.term_query(self.schema, TRIPLES[field], t), 0.0))
                 for t in dict.fromkeys(triples)] + [(Occ.Must, phrase)])
        if len(pairs) == len(words) - 1:
            # every adjacent pair indexed: they follow one another in the pair field too
            # (a superset: pairs skipped between them leave no gap), far fewer positions to
            # check than the words' — the exact phrase then confirms
            needed = [(Occ.Must, Q.const_score_query(Q.phrase_query(self.schema, PAIRS[field], _in_a_row(pairs)), 0.0))]
        else:
            needed = [(Occ.Must, Q.const_score_query(Q.term_query(self.schema, PAIRS[field], pair), 0.0))
                      for pair in dict.fromkeys(pairs)]
        return Q.boolean_query([*needed, (Occ.Must, phrase)])

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


_GRAMS_SLICE = 1 << 20  # characters of text turned into pairs and triples at a time


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
