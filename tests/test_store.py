"""The store on both backends: versions, copies, idempotence, search, stats, backup, copy."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from amanat.errors import NotFound, QueryError, StoreError
from amanat.model import Capture, Document, PublishedDate, content_hash, document_id
from amanat.store import schema
from amanat.store.backup import copy_store, read_backup, write_backup
from amanat.store.db import Store
from amanat.store.search import Filters, search

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "amanat" / "sample"


@pytest.fixture(params=["sqlite-tantivy", "sqlite-fts5",
                        pytest.param("postgresql-tantivy", marks=pytest.mark.postgres),
                        pytest.param("postgresql-fts5", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each backend in turn, once with the tantivy index and once with the database's own
    search alone (FTS5, tsvector)."""
    backend, _, index = request.param.partition("-")
    if index == "tantivy":
        pytest.importorskip("tantivy")
    monkeypatch.setenv("AMANAT_SEARCH_INDEX", index)
    return request.getfixturevalue("pg_url" if backend == "postgresql" else "sqlite_url")


def make_doc(url: str, text: str, *, title: str | None = None, lang: str = "en",
             published: str | None = None, source: str = "example.org") -> tuple[Document, Capture]:
    digest = content_hash(text)
    doc = Document(
        id=document_id(url, digest), url=url, canonical_url=url, source=source,
        title=title, byline=None,
        published=PublishedDate(published, "day", "metadata") if published else None,
        language=lang, text=text, content_hash=digest, media_type="text/plain", origin=url,
    )
    return doc, Capture(url=url, body=text.encode(), media_type="text/plain", origin=url)


def add(store: Store, *pairs: tuple[Document, Capture]) -> list[str]:
    with store.writer() as w:
        return [w.add(doc, cap) for doc, cap in pairs]


def test_new_version_copy_and_same(store):
    a1 = make_doc("https://a.example/story", "First text of the story.")
    a2 = make_doc("https://a.example/story", "First text of the story, corrected.")
    b = make_doc("https://b.example/reprint", "First text of the story.")
    assert add(store, a1, a2, b, a1) == ["new", "version", "copy", "same"]
    versions = store.versions("https://a.example/story")
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].previous_id == a1[0].id
    group = store.copies(a1[0].content_hash)
    assert {g.document.url for g in group} == {"https://a.example/story", "https://b.example/reprint"}
    stats = store.stats()
    assert stats["documents"] == 3 and stats["articles"] == 2 and stats["versions"] == 1
    assert stats["content_groups"] == 1


def test_seen_list_and_raw_payload_round_trip(store):
    doc, cap = make_doc("https://a.example/x", "Some text here.")
    import hashlib

    digest = hashlib.sha256(cap.body).hexdigest()
    assert store.seen(cap.url, digest) is None
    add(store, (doc, cap))
    assert store.seen(cap.url, digest) == "new"
    assert store.raw_payload(digest) == cap.body


def test_get_by_prefix_and_not_found(store):
    doc, cap = make_doc("https://a.example/x", "Some text here.")
    add(store, (doc, cap))
    assert store.get(doc.id[:8]).document.text == "Some text here."
    with pytest.raises(NotFound):
        store.get("ffffffffffffffff")


def _sample_docs() -> list[tuple[Document, Capture]]:
    docs = []
    for path in sorted(SAMPLE.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        title = next(line for line in text.splitlines() if line.strip())
        docs.append(make_doc(f"https://sample.example/{path.stem}", text, title=title,
                             published=f"2022-01-{10 + len(docs):02d}"))
    return docs


# Queries with the sample document that must rank first, on every backend.
RELEVANCE = [
    ("Ban Ki-moon spokesman", "004"),
    ('"Shabir Ahmad Khan"', "003"),
    ("Vassilenko", "001"),
    ("European Parliament resolution", "002"),
    ("Eurasian Century Institute", "000"),
    ("Dujarric OR Zakharova", "004"),
    ("kistafin -roundtable", "000"),
    ("Vassil*", "001"),
]


@pytest.mark.parametrize(("query", "expected"), RELEVANCE)
def test_relevance_fixture(store, query, expected):
    add(store, *_sample_docs())
    hits = search(store, query)
    assert hits, query
    assert hits[0].url.endswith(expected + "_" + hits[0].url.rsplit("_", 1)[-1])
    assert "\x02" in hits[0].snippet or "\x02" in (hits[0].title or "") or query.endswith("*")


def test_search_filters(store):
    add(store, *_sample_docs())
    all_hits = search(store, "Kazakhstan")
    assert len(all_hits) == 5
    assert len(search(store, "Kazakhstan", Filters(since=date(2022, 1, 12)))) == 3
    assert len(search(store, "Kazakhstan", Filters(until=date(2022, 1, 11)))) == 2
    assert search(store, "Kazakhstan", Filters(language="ru")) == []
    assert search(store, "Kazakhstan", Filters(source="nowhere.example")) == []
    assert len(search(store, "Kazakhstan", limit=2)) == 2
    assert [h.id for h in search(store, "Kazakhstan", limit=2, offset=2)] == [h.id for h in all_hits[2:4]]


def test_search_errors(store):
    with pytest.raises(QueryError):
        search(store, '"unclosed')
    with pytest.raises(QueryError):
        search(store, "x", limit=0)


def test_schema_matches_migrations(store):
    inspector = sa.inspect(store.engine)
    for table in schema.metadata.sorted_tables:
        have = {c["name"] for c in inspector.get_columns(table.name)}
        want = {c.name for c in table.columns}
        assert want <= have, (table.name, want - have)


def test_backup_restore_and_copy_across_backends(tmp_path, store, sqlite_url):
    add(store, *_sample_docs())
    backup = tmp_path / "store.amanat.gz"
    counts = write_backup(store, backup)
    assert counts["documents"] == 5
    with Store.open(f"sqlite:///{tmp_path / 'restored.db'}") as restored:
        assert read_backup(restored, backup)["documents"] == 5
        assert search(restored, "Vassilenko")[0].title == search(store, "Vassilenko")[0].title
        with pytest.raises(StoreError):
            read_backup(restored, backup)  # not empty any more
    with Store.open(f"sqlite:///{tmp_path / 'copy.db'}") as target:
        assert copy_store(store, target)["documents"] == 5
        assert target.stats()["documents"] == 5


def test_backup_and_copy_carry_every_table_of_the_schema():
    from amanat.store import backup
    from amanat.store import schema as t

    ordered = [table.name for table in backup.TABLES]
    missing = set(t.metadata.tables) - set(ordered) - backup.DERIVED
    assert not missing, f"backup, restore and db copy leave out: {sorted(missing)}"
    for table in backup.TABLES:  # parents before children
        for fk in table.foreign_keys:
            assert ordered.index(fk.column.table.name) < ordered.index(table.name), (table.name, fk.target_fullname)


@pytest.mark.postgres
def test_sqlite_store_moves_into_postgresql(sqlite_url, pg_url):
    with Store.open(sqlite_url) as source, Store.open(pg_url) as target:
        add(source, *_sample_docs())
        copy_store(source, target)
        assert target.stats()["documents"] == 5
        assert search(target, "Vassilenko")[0].id == search(source, "Vassilenko")[0].id


def test_bad_database_urls(tmp_path):
    with pytest.raises(StoreError):
        Store.open(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    with pytest.raises(StoreError):
        Store.open("mysql://nobody@127.0.0.1/none")


def test_migrations_keep_the_search_index_in_step(sqlite_url):
    """A migration that rebuilds the documents table on SQLite would drop the FTS triggers:
    after every migration, a new document must still be found."""
    with Store.open(sqlite_url) as store:
        add(store, make_doc("https://a.example/late", "A quinquagenarian document.", title="Late"))
        assert [h.title for h in search(store, "quinquagenarian")] == ["Late"]
        with store.engine.connect() as conn:
            triggers = {r[0] for r in conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))}
        assert {"documents_fts_ai", "documents_fts_ad", "documents_fts_au"} <= triggers


def _batch() -> tuple[list[tuple[Document, Capture]], list[tuple[Document, Capture]]]:
    """Stored first, then a batch with every outcome, some decided by rows of the same batch."""
    stored = [make_doc("https://a.example/story", "First text of the story."),
              make_doc("https://c.example/old", "An older article.")]
    batch = [
        make_doc("https://a.example/story", "First text of the story."),  # same (stored)
        make_doc("https://a.example/story", "First text, corrected."),  # version 2 of a stored row
        make_doc("https://a.example/story", "First text, corrected twice."),  # version 3 of a batch row
        make_doc("https://b.example/reprint", "First text, corrected."),  # copy of a batch row
        make_doc("https://d.example/new", "A new article."),  # new
        make_doc("https://d.example/new", "A new article."),  # same (a batch row)
        make_doc("https://e.example/x", "An older article."),  # copy of a stored row
    ]
    return stored, batch


def _rows(store: Store) -> tuple[list[tuple], list[tuple], list[str]]:
    with store.engine.connect() as conn:
        docs = conn.exec_driver_sql("SELECT id, url, version, previous_id, latest, content_hash, raw_digest, source "
                                    "FROM documents ORDER BY seq").fetchall()
        seen = conn.exec_driver_sql("SELECT url, raw_digest, document_id, outcome FROM seen ORDER BY url").fetchall()
        raw = conn.exec_driver_sql("SELECT digest FROM raw ORDER BY digest").fetchall()
    return [tuple(r) for r in docs], [tuple(r) for r in seen], [r[0] for r in raw]


def test_add_many_is_add_one_by_one(tmp_path):
    stored, batch = _batch()
    results = []
    for name, many in (("one.db", False), ("many.db", True)):
        with Store.open(f"sqlite:///{tmp_path / name}") as s:
            add(s, *stored)
            with s.writer() as w:
                outcomes = w.add_many(batch) if many else [w.add(d, c) for d, c in batch]
            results.append((outcomes, _rows(s)))
    assert results[0] == results[1]
    assert results[1][0] == ["same", "version", "version", "copy", "new", "same", "copy"]


def test_add_many_on_every_backend(store):
    stored, batch = _batch()
    add(store, *stored)
    with store.writer() as w:
        assert w.add_many(batch) == ["same", "version", "version", "copy", "new", "same", "copy"]
    versions = store.versions("https://a.example/story")
    assert [v.version for v in versions] == [1, 2, 3]
    assert [v.previous_id for v in versions][1:] == [versions[0].document.id, versions[1].document.id]
