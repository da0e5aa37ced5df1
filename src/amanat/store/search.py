"""Ranked full-text search over stored documents, on either backend.

With the tantivy index (``fulltext``, the default where the package is installed, on both
backends): tantivy ranks (BM25, title weighted 10×) and returns the top seqs; the rows come
from the database and snippets are cut here from the stored text. Whenever the index cannot
answer exactly what the database holds (behind, and another process is writing it) or
tantivy fails, the query goes to the database's own search instead: correctness first, speed
where it is safe. The database's own search:
SQLite: FTS5 with BM25 (title weighted 10× over text) and FTS5's own snippet().
PostgreSQL: a generated ``tsvector`` with a GIN index, ``ts_rank_cd`` with the same title
weighting, and ``ts_headline`` computed for the returned page only (it re-parses the text).
Highlights are marked with \\x02 … \\x03 so each front end renders them its own way.

``Filters.items_only`` keeps only documents derived from signed items (public, like the
items themselves; see ``ITEM_DOCUMENT``): what a reader without a token may search.
"""

from __future__ import annotations

import heapq
import logging
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError, ProgrammingError

from amanat.errors import QueryError
from amanat.model import ITEM_MEDIA_TYPE
from amanat.store import fulltext
from amanat.store import query as q
from amanat.store.db import Store

log = logging.getLogger(__name__)

MARK_START, MARK_END = "\x02", "\x03"
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Filters:
    language: str | None = None
    source: str | None = None
    since: date | None = None  # published on or after
    until: date | None = None  # published on or before
    all_versions: bool = False  # every stored version, not only each article's newest
    items_only: bool = False  # only documents derived from signed items (ITEM_DOCUMENT)
    entity: str | None = None  # only documents with a mention linked to this entity id
    has_findings: bool = False  # only documents with current findings

    @property
    def beyond_index(self) -> bool:
        """True when a filter needs tables the tantivy index does not hold (items, mentions,
        findings): the database then answers, so no page comes back short."""
        return self.items_only or self.entity is not None or self.has_findings


# A document derived from a signed item: stored with the item media type (which ingest never
# produces) under a log origin as its source, and that log holds an item with the document's
# URL. No column says so; this is derived from what the log and the document store hold.
ITEM_DOCUMENT = (
    "(d.media_type = :item_media_type AND EXISTS (SELECT 1 FROM log_entries e "
    "WHERE e.origin = d.source AND e.item_uri = d.canonical_url AND e.kind = 'item'))"
)


def item_documents(store: Store, ids: list[str]) -> set[str]:
    """Which of these document ids are documents derived from signed items."""
    if not ids:
        return set()
    sql = sa.text(f"SELECT d.id FROM documents d WHERE d.id IN :ids AND {ITEM_DOCUMENT}").bindparams(
        sa.bindparam("ids", expanding=True))
    with store.engine.connect() as conn:
        return {r.id for r in conn.execute(sql, {"ids": list(ids), "item_media_type": ITEM_MEDIA_TYPE})}


@dataclass(frozen=True)
class Hit:
    id: str
    title: str | None
    url: str
    source: str
    published: str | None
    language: str | None
    score: float
    snippet: str

    def as_dict(self, *, marks: tuple[str, str] = ("<b>", "</b>")) -> dict[str, Any]:
        d = asdict(self)
        d["snippet"] = self.snippet.replace(MARK_START, marks[0]).replace(MARK_END, marks[1])
        return d


def search(
    store: Store,
    text: str,
    filters: Filters = Filters(),
    *,
    limit: int = 20,
    offset: int = 0,
) -> list[Hit]:
    """The best ``limit`` documents for a query, best first."""
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    if offset < 0:
        raise QueryError(f"offset must not be negative, not {offset}")
    parsed = q.parse(text)
    # the tantivy index knows nothing of items: it would rank coverage into the page and the
    # database would then drop it, leaving short pages; the database answers exactly
    if not filters.beyond_index and fulltext.enabled():
        hits = _search_tantivy(store, parsed, filters, limit, offset)
        if hits is not None:
            return hits
    if store.dialect == "sqlite":
        return _search_fts5(store, text, parsed, filters, limit, offset)
    where, params = _filters(filters)
    sql = f"""
        WITH hits AS (
          SELECT d.seq, ts_rank_cd('{{0.1, 0.2, 0.4, 1.0}}', d.search, query, 1) AS score
          FROM documents d, to_tsquery('simple', :match) query
          WHERE d.search @@ query {where}
          ORDER BY score DESC LIMIT :limit OFFSET :offset)
        SELECT d.id, d.title, d.url, d.source, d.published, d.language, -hits.score AS score,
               ts_headline('simple', left(d.text, 100000), to_tsquery('simple', :match),
                 'StartSel=' || chr(2) || ', StopSel=' || chr(3) ||
                 ', MaxFragments=2, MaxWords=24, MinWords=10, FragmentDelimiter=" … "') AS snip
        FROM hits JOIN documents d ON d.seq = hits.seq
        ORDER BY hits.score DESC"""
    params["match"] = q.to_tsquery(parsed)
    params.update(limit=limit, offset=offset)
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(sa.text(sql), params).fetchall()
    except (OperationalError, ProgrammingError) as exc:
        raise QueryError(f"search failed for {text!r}: {exc.orig}") from None
    return [
        Hit(r.id, r.title, r.url, r.source, r.published, r.language, -float(r.score), r.snip or "")
        for r in rows
    ]


# --- SQLite's FTS5 --------------------------------------------------------------------------

TOP_K_MIN = 200  # candidates ranked by FTS5 alone before the documents' filters are applied
TOP_K_MAX = 4000  # deeper pages than a quarter of this go straight to the joined query
_BM25 = "bm25(documents_fts, 10.0, 1.0)"  # title weighted 10× over text


def _search_fts5(store: Store, text: str, parsed: q.Query, filters: Filters, limit: int,
                 offset: int) -> list[Hit]:
    """FTS5 ranks; the documents table filters; snippets are cut for the page's rows only.

    Why in steps: joining every match to its document row (for ``latest`` and the filters)
    cost three times the ranking itself — 100k documents of ~2 KB, a word in 30,000 of them:
    the join reads 30,000 rows scattered over the file. So FTS5 first ranks on its own index
    (BM25 over every match is unavoidable, but nothing else) and keeps the best ``k``; only
    those are looked up and filtered. When at least ``offset + limit`` of them pass, the
    page is exactly the joined query's (ordered by score, then ``seq``, so ties cannot
    reorder across the cut); when the filters drop too many (a rare outlet, a narrow date
    range), the joined query answers, as before. snippet() re-reads and re-tokenises a
    document's text, so it runs on the page's rows alone, in a second MATCH on their rowids.
    """
    where, params = _filters(filters)
    params["match"] = q.to_fts5(parsed)
    wanted = offset + limit
    columns = "d.seq, d.id, d.title, d.url, d.source, d.published, d.language"
    try:
        with store.engine.connect() as conn:
            page: list[tuple[Any, float]] | None = None
            if 4 * wanted <= TOP_K_MAX:
                k = max(TOP_K_MIN, 4 * wanted)
                ranked = conn.execute(sa.text(
                    f"SELECT rowid AS seq, {_BM25} AS score FROM documents_fts WHERE documents_fts MATCH :match "
                    "ORDER BY score, rowid LIMIT :k"), {"match": params["match"], "k": k}).fetchall()
                found = {r.seq: r for r in conn.execute(sa.text(
                    f"SELECT {columns} FROM documents d WHERE d.seq IN :seqs {where}").bindparams(
                    sa.bindparam("seqs", expanding=True)), {**params, "seqs": [r.seq for r in ranked]})} if ranked else {}
                kept = [(found[r.seq], float(r.score)) for r in ranked if r.seq in found]
                if len(kept) >= wanted or len(ranked) < k:  # enough passed, or every match was ranked
                    page = kept[offset:wanted]
            if page is None:
                rows = conn.execute(sa.text(
                    f"SELECT {columns}, {_BM25} AS score FROM documents_fts JOIN documents d ON d.seq = documents_fts.rowid "
                    f"WHERE documents_fts MATCH :match {where} ORDER BY score, d.seq LIMIT :limit OFFSET :offset"),
                    {**params, "limit": limit, "offset": offset}).fetchall()
                page = [(r, float(r.score)) for r in rows]
            snippets = {r.rowid: r.snip for r in conn.execute(sa.text(
                "SELECT rowid, snippet(documents_fts, 1, char(2), char(3), '…', 24) AS snip FROM documents_fts "
                "WHERE documents_fts MATCH :match AND rowid IN :seqs").bindparams(
                sa.bindparam("seqs", expanding=True)), {"match": params["match"], "seqs": [r.seq for r, _ in page]})
            } if page else {}
    except (OperationalError, ProgrammingError) as exc:
        raise QueryError(f"search failed for {text!r}: {exc.orig}") from None
    return [Hit(r.id, r.title, r.url, r.source, r.published, r.language, -score, snippets.get(r.seq) or "")
            for r, score in page]


def _filters(f: Filters) -> tuple[str, dict[str, Any]]:
    clauses, params = [], {}
    if not f.all_versions:
        clauses.append("d.latest")
    if f.language:
        clauses.append("d.language = :language")
        params["language"] = f.language
    if f.source:
        clauses.append("d.source = :source")
        params["source"] = f.source
    if f.since:
        clauses.append("d.published >= :since")
        params["since"] = f.since.isoformat()
    if f.until:
        # published is ISO text at its precision: compare its date part
        clauses.append("substr(d.published, 1, 10) <= :until")
        params["until"] = f.until.isoformat()
    if f.items_only:
        clauses.append(ITEM_DOCUMENT)
        params["item_media_type"] = ITEM_MEDIA_TYPE
    if f.entity is not None:
        clauses.append("EXISTS (SELECT 1 FROM mentions m WHERE m.document_id = d.id AND m.entity_id = :entity)")
        params["entity"] = f.entity
    if f.has_findings:
        clauses.append("EXISTS (SELECT 1 FROM findings f WHERE f.document_id = d.id AND f.current)")
    return "".join(f" AND {c}" for c in clauses), params


# --- with the tantivy index -----------------------------------------------------------

SNIPPET_WORDS = 24
ANCHORS = 64  # a snippet starts at one of the first this many matches
ANCHOR_WINDOW = 160  # characters after a match in which distinct query words are counted
SNIPPET_SCAN_CHARS = 200_000  # snippets come from the start of very long texts
_WORD = re.compile(r"[^\W_]+")
_WORDS_BEFORE = re.compile(r"(?:[\W_]*[^\W_]+){1,3}")
_SNIPPET_SPAN = re.compile(rf"(?:[\W_]*[^\W_]+){{1,{SNIPPET_WORDS}}}")
# character → its one-character folded form (ASCII capitals, then non-ASCII as met)
_FOLD: dict[int, str] = {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_LONG: set[str] = set()  # characters that fold into several (ß → ss)


def _search_tantivy(
    store: Store, parsed: q.Query, filters: Filters, limit: int, offset: int
) -> list[Hit] | None:
    """Hits from the tantivy index, or None when it cannot answer (then the database does)."""
    try:
        index = fulltext.index_for(store)
        if index is None:
            return None
        with store.engine.connect() as conn:
            if not index.catch_up(store.engine, max_rows=fulltext.SEARCH_CATCH_UP_ROWS, conn=conn):
                return None
            ranked = index.search(parsed, filters, limit=limit, offset=offset)
            if not ranked:
                return []
            where, params = _filters(filters)  # again, as a safeguard: the database decides
            sql = sa.text(f"""
                SELECT d.seq, d.id, d.title, d.url, d.source, d.published, d.language,
                       substr(d.text, 1, {SNIPPET_SCAN_CHARS}) AS text
                FROM documents d WHERE d.seq IN :seqs {where}""").bindparams(
                sa.bindparam("seqs", expanding=True))
            rows = {r.seq: r for r in conn.execute(sql, {**params, "seqs": [s for s, _ in ranked]})}
        marker = _Marker(index, parsed)
    except Exception:  # any failure of the accelerator: log it, answer from the database
        log.warning("tantivy search failed; using the database's own search", exc_info=True)
        return None
    return [
        Hit(r.id, r.title, r.url, r.source, r.published, r.language, score, marker.snippet(r.text))
        for seq, score in ranked
        if (r := rows.get(seq)) is not None
    ]


class _Marker:
    """Cuts a snippet of ~24 words around the densest matches and marks the matched words.

    Hand-written because FTS5's snippet() needs its own index: the window is anchored at the
    match with the most distinct query words close after it. Matching searches a copy of
    the text folded character by character the way the index folds words (lowercase, ASCII
    folding) — same length, so match offsets hold for the original — with ``str.find`` per
    query word (a C substring search, 2–3× faster than one regex alternation of the words).
    Texts with a letter that folds into several (ß → ss) are matched word by word instead.
    """

    def __init__(self, index: fulltext.TantivyIndex, parsed: q.Query) -> None:
        self._index = index
        self._exact: set[str] = set()
        self._prefixes: list[str] = []
        for conj in parsed.alternatives:
            for term in conj:
                if term.negated:
                    continue
                tokens = [t for w in term.words for t in index.tokens(w)]
                if term.prefix and tokens:
                    self._prefixes.append(tokens.pop())
                self._exact.update(tokens)
        self._sought = [(w, False) for w in sorted(self._exact)] + [(p, True) for p in self._prefixes]
        self._norm: dict[str, str] = {}

    def _classify(self, chars: set[str]) -> bool:
        """Learn how new non-ASCII characters fold; False if one folds into several."""
        for c in chars:
            if ord(c) < 128 or ord(c) in _FOLD:
                continue
            if c in _LONG:
                return False
            tokens = self._index.tokens(c)
            if not tokens:
                _FOLD[ord(c)] = c
            elif len(tokens[0]) == 1:
                _FOLD[ord(c)] = tokens[0]
            else:
                _LONG.add(c)
                return False
        return True

    def _matches(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, folded word) of each query word in ``text``, in order, lazily: a
        snippet needs the first few, and common words occur hundreds of times."""
        if not self._sought:
            return
        if text.isascii():
            folded = text.lower()  # on ASCII the fold is lowercasing, and lower() is faster
        elif self._classify(set(text)):
            folded = text.translate(_FOLD)
        else:
            yield from self._word_by_word(text)
            return
        if len(self._sought) == 1:
            yield from _occurrences(folded, *self._sought[0])
            return
        last = 0
        for start, end, word in heapq.merge(*(_occurrences(folded, w, p) for w, p in self._sought)):
            if start >= last:  # whole words overlap only as the same word (exact, prefix)
                last = end
                yield start, end, word

    def _word_by_word(self, text: str) -> Iterator[tuple[int, int, str]]:
        for m in _WORD.finditer(text):
            word = m.group()
            norm = self._norm.get(word)
            if norm is None:
                norm = self._norm[word] = "".join(self._index.tokens(word))
            if norm in self._exact or any(norm.startswith(p) for p in self._prefixes):
                yield m.start(), m.end(), norm

    def snippet(self, text: str) -> str:
        found = self._matches(text)
        matches: list[tuple[int, int, str]] = []

        def upto(pos: int) -> None:
            """Collect matches until one starts at ``pos`` or later (or there are no more)."""
            while not matches or matches[-1][0] < pos:
                m = next(found, None)
                if m is None:
                    return
                matches.append(m)

        anchor = 0
        upto(0)
        if matches and len(self._exact) + len(self._prefixes) > 1:
            # the window of 160 characters from each of the first 64 matches with the most
            # distinct words, slid along with counts; all the query's words: look no further
            everything = len(self._exact) if not self._prefixes else None
            counts: dict[str, int] = {}
            best, j = -1, 0
            for i in range(ANCHORS):
                if i == len(matches):
                    upto(matches[-1][0] + 1)
                    if i == len(matches):
                        break
                start_i = matches[i][0]
                upto(start_i + ANCHOR_WINDOW)
                while j < len(matches) and matches[j][0] < start_i + ANCHOR_WINDOW:
                    counts[matches[j][2]] = counts.get(matches[j][2], 0) + 1
                    j += 1
                if len(counts) > best:
                    best, anchor = len(counts), start_i
                    if best == everything:
                        break
                key = matches[i][2]
                counts[key] -= 1
                if not counts[key]:
                    del counts[key]
        elif matches:
            anchor = matches[0][0]  # one query word: every window is as dense as the first
        # three words before the anchor, then SNIPPET_WORDS words: one regex match each (the
        # words before matched on the reversed text), far cheaper than iterating the words
        lead = _WORDS_BEFORE.match(text[max(0, anchor - 200):anchor][::-1])
        start = anchor - lead.end() if lead else anchor
        span = _SNIPPET_SPAN.match(text, start)
        end = span.end() if span else start
        upto(end)
        parts, pos = [], start
        for s, e, _ in matches:
            if s >= start and e <= end:
                parts += [text[pos:s], MARK_START, text[s:e], MARK_END]
                pos = e
        parts.append(text[pos:end])
        body = " ".join("".join(parts).split())
        more = _WORD.search(text, end) is not None
        return ("…" if start > 0 else "") + body + ("…" if more else "")


def _occurrences(folded: str, word: str, prefix: bool) -> Iterator[tuple[int, int, str]]:
    """Where ``word`` occurs as a whole word in ``folded`` (as a word's start if ``prefix``):
    (start, end, the word found)."""
    size, length, find = len(word), len(folded), folded.find
    start = find(word)
    while start >= 0:
        end = start + size
        if start == 0 or not folded[start - 1].isalnum():  # isalnum() is [^\W_]
            if prefix:
                whole = _WORD.match(folded, start)
                end = whole.end() if whole else end
                yield start, end, folded[start:end]
            elif end == length or not folded[end].isalnum():
                yield start, end, word
        # from the next character: an occurrence inside this one has a letter before it
        start = find(word, start + 1)
