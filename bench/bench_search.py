"""Search latency and index size on synthetic news-like documents, for each backend.

Documents are ~3 KB of words drawn from a Zipf-distributed vocabulary (so common words are
common, as in news), with a title of 8 words. Queries are 1–3 random mid-frequency words,
and 2- and 3-word phrases taken from documents (mostly frequent words: the hard case for
positional matching, see ``fulltext`` on word pairs). Amanat's ``search`` (ranking + snippets
+ join) is timed beside the backend's raw match primitive (FTS5 MATCH / tsquery @@ with LIMIT, no
ranking), so the cost of ranking and snippets is visible.

Each database is measured twice: with its own search alone (``AMANAT_SEARCH_INDEX=fts5``: FTS5,
tsvector) and with the tantivy index beside it (built after the load, timed separately);
tantivy's raw reference is its own top-20 search without the database fetch and snippets.

Sizes: 100k documents (``--quick``: 5k). ``AMANAT_BENCH_DOCS=1000000`` for the opt-in 1M run;
``AMANAT_BENCH_SKIP_PG=1`` leaves PostgreSQL out.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from amanat.model import Capture, Document, content_hash, document_id
from amanat.store import fulltext
from amanat.store.db import Store
from amanat.store.search import Filters, search
from bench.harness import in_schema, percentiles, restored_env, table

VOCAB = 50_000
MEASURED_RUNS = 3
PG_URL = os.environ.get("AMANAT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _vocabulary(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = set()
    while len(words) < VOCAB:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(3, 10))))
    return sorted(words)


def _documents(n: int, seed: int = 7):
    """Yield (Document, Capture) pairs, then the vocabulary (numpy draws keep this cheap)."""
    import numpy as np

    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    draw = np.random.default_rng(seed)
    cdf = np.cumsum(1 / np.arange(1, VOCAB + 1))
    cdf /= cdf[-1]
    words = np.array(vocab, dtype=object)
    for i in range(n):
        picks = words[np.minimum(np.searchsorted(cdf, draw.random(488)), VOCAB - 1)]
        text = " ".join(picks[8:])
        title = " ".join(picks[:8])
        url = f"https://bench{i % 50}.example/{i}"
        digest = content_hash(text)
        doc = Document(
            id=document_id(url, digest), url=url, canonical_url=url, source=f"bench{i % 50}.example",
            title=title, byline=None, published=None, language="en", text=text,
            content_hash=digest, media_type="text/plain", origin="bench",
        )
        yield doc, Capture(url=url, body=b"", media_type="text/plain", origin="bench")
    yield vocab


def _queries(vocab: list[str], sample_texts: list[str], n: int, seed: int = 11) -> dict[str, list[str]]:
    rng = random.Random(seed)
    mid = vocab[200:5000]  # Zipf ranks 200–5000: selective but not rare
    terms = {k: [" ".join(rng.sample(mid, k)) for _ in range(n)] for k in (1, 2, 3)}
    phrases, long_phrases = [], []
    for _ in range(n):
        words = rng.choice(sample_texts).split()
        j = rng.randrange(len(words) - 2)
        phrases.append(f'"{words[j]} {words[j + 1]}"')
    for _ in range(n):  # drawn after the 2-word ones, so those stay the same as before
        words = rng.choice(sample_texts).split()
        j = rng.randrange(len(words) - 3)
        long_phrases.append('"' + " ".join(words[j : j + 3]) + '"')
    return {"1 term": terms[1], "2 terms": terms[2], "3 terms": terms[3], "phrase": phrases,
            "3-word phrase": long_phrases}


def _load(store: Store, n: int) -> tuple[float, list[str], list[str]]:
    gen = _documents(n)
    texts: list[str] = []
    t0 = time.perf_counter()
    with store.writer() as w:
        w.batch = 2000
        for item in gen:
            if isinstance(item, list):
                vocab = item
                break
            doc, cap = item
            w.add(doc, cap, "web")
            if len(texts) < 200:
                texts.append(doc.text)
    return time.perf_counter() - t0, vocab, texts


def _size(store: Store, path: Path | None) -> float:
    if path is not None:
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20
    with store.engine.connect() as conn:
        return conn.execute(sa.text(  # this schema's tables with their indexes and TOAST
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r'")).scalar_one() / 2**20


def _raw(store: Store, q: str) -> None:
    from amanat.store import query as ql

    parsed = ql.parse(q)
    index = fulltext.index_for(store)
    if index is not None:
        index.search(parsed, Filters(), limit=20, offset=0)
        return
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            conn.execute(sa.text("SELECT rowid FROM documents_fts WHERE documents_fts MATCH :m LIMIT 20"),
                         {"m": ql.to_fts5(parsed)}).fetchall()
        else:
            conn.execute(sa.text("SELECT seq FROM documents WHERE search @@ to_tsquery('simple', :m) LIMIT 20"),
                         {"m": ql.to_tsquery(parsed)}).fetchall()


def _elapsed_ms(run: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    run()
    return (time.perf_counter() - t0) * 1000


def _measure(store: Store, queries: dict[str, list[str]]) -> list[list[object]]:
    """Per kind of query: the first pass over the queries (the pages they need not yet in
    memory), then MEASURED_RUNS passes of Amanat's search and the raw match, each query in
    turn; a query's time is its median over those runs (this machine is noisy: one stall
    should not make a query slow), the percentiles are over the queries."""
    rows = []
    for kind, qs in queries.items():
        first = [_elapsed_ms(lambda q=q: search(store, q, limit=20)) for q in qs]
        ours: list[list[float]] = [[] for _ in qs]
        raw: list[list[float]] = [[] for _ in qs]
        for _ in range(MEASURED_RUNS):
            for i, q in enumerate(qs):
                ours[i].append(_elapsed_ms(lambda q=q: search(store, q, limit=20)))
                raw[i].append(_elapsed_ms(lambda q=q: _raw(store, q)))
        p50, p95 = percentiles([statistics.median(t) for t in ours], (50, 95))
        r50, r95 = percentiles([statistics.median(t) for t in raw], (50, 95))
        rows.append([kind, p50, p95, percentiles(first, (95,))[0], r50, r95])
    return rows


def _index_size(store: Store) -> float:
    path = fulltext.location(store)
    assert path is not None
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def _without_pairs(store: Store, path: Path, n: int) -> str:
    """The cost of the word pairs: the same index built with no frequent words (so no pairs),
    in the same run."""
    saved = fulltext.FREQUENT_MAX
    fulltext.FREQUENT_MAX = 0
    try:
        index = fulltext.TantivyIndex(path)
        t0 = time.perf_counter()
        assert index.catch_up(store.engine) and index.frequent is not None and not index.frequent.words
        build_s = time.perf_counter() - t0
    finally:
        fulltext.FREQUENT_MAX = saved
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20
    return (f"reference, the same index without word pairs: built in {build_s:.0f} s "
            f"({n / build_s:,.0f} docs/s), size {size:,.0f} MiB")


def run(quick: bool) -> str:
    n = 5_000 if quick else int(os.environ.get("AMANAT_BENCH_DOCS", "100000"))
    nq = 50 if quick else 200
    out_rows = []
    notes = []
    with tempfile.TemporaryDirectory() as tmp, restored_env(fulltext.SETTING, fulltext.DIR_SETTING):
        path = Path(tmp) / "bench.db"
        backends: list[tuple[str, Path | None]] = [(f"sqlite:///{path}", path)]  # (url, SQLite file)
        if os.environ.get("AMANAT_BENCH_SKIP_PG"):
            notes.append("PostgreSQL not measured: AMANAT_BENCH_SKIP_PG is set")
        else:
            try:
                import psycopg

                schema = f"bench_{os.getpid()}"
                with psycopg.connect(PG_URL, autocommit=True) as c:
                    c.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                    c.execute(f"CREATE SCHEMA {schema}")
                backends.append((in_schema(PG_URL, schema), None))
            except Exception as exc:  # no server: report it, bench SQLite alone
                notes.append(f"PostgreSQL not measured: {exc}".splitlines()[0])
        for url, file in backends:
            os.environ[fulltext.SETTING] = "fts5"  # the load must not build the index
            with Store.open(url) as store:
                load_s, vocab, texts = _load(store, n)
                if store.dialect == "postgresql":
                    with store.engine.begin() as conn:
                        conn.execute(sa.text("ANALYZE documents"))
                size = _size(store, file)
                queries = _queries(vocab, texts, nq)
                label = "SQLite FTS5" if file is not None else "PostgreSQL tsvector"
                for row in _measure(store, queries):
                    out_rows.append([label, *row])
                notes.append(f"{label}: loaded {n:,} documents in {load_s:.0f} s "
                             f"({n / load_s:,.0f} docs/s, store + index), size {size:,.0f} MiB")
                if fulltext.available():
                    os.environ[fulltext.SETTING] = "tantivy"
                    os.environ[fulltext.DIR_SETTING] = str(Path(tmp) / "indexes")
                    t0 = time.perf_counter()
                    assert store.refresh_search_index()
                    build_s = time.perf_counter() - t0
                    label = ("SQLite" if file is not None else "PostgreSQL") + " + tantivy"
                    for row in _measure(store, queries):
                        out_rows.append([label, *row])
                    notes.append(f"{label}: index built from the database in {build_s:.0f} s "
                                 f"({n / build_s:,.0f} docs/s), index size {_index_size(store):,.0f} MiB")
                    if file is not None:
                        notes.append(_without_pairs(store, Path(tmp) / "reference.search", n))
            if store.dialect == "postgresql":
                with psycopg.connect(PG_URL, autocommit=True) as c:
                    c.execute(f"DROP SCHEMA {schema} CASCADE")
    header = ["backend", "query", "Amanat p50 ms", "Amanat p95 ms", "first pass p95 ms",
              "raw match p50 ms", "raw match p95 ms"]
    return (
        f"## Search ({n:,} synthetic 3 KB documents)\n\n"
        "Amanat's `search` = parse + ranked match (BM25 / ts_rank_cd / tantivy BM25) + snippets + join, "
        "top 20; reference = the backend's raw match with LIMIT 20 and no ranking (for tantivy: its ranked "
        "top 20 without the database fetch and snippets), same queries, same run. Each query runs "
        f"once before it is measured, then {MEASURED_RUNS} times (its time is their median); "
        "\"first pass\" is that first run, when the index and table pages it needs may not be "
        "in memory yet (a store just opened, or a query unlike the others).\n\n"
        + table(header, out_rows)
        + "\n\n"
        + "\n".join(f"- {x}" for x in notes)
    )
