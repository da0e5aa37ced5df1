"""Batched writes and bulk copies: the same rows and outcomes as one statement at a time.

The writer queues a batch's rows and sends them a few statements per flush; ``db copy`` into
PostgreSQL streams rows by COPY with secondary indexes built at the end; ``Store.seen`` keeps
one connection for its look-ups. Each must leave exactly what the plain way leaves.
"""

from __future__ import annotations

import functools

import pytest
import sqlalchemy as sa

from amanat.errors import StoreError
from amanat.model import Capture, Document, content_hash, document_id
from amanat.store.backup import copy_store
from amanat.store.db import Store
from amanat.store.search import search


def _doc(url: str, text: str, source: str | None = None) -> tuple[Document, Capture]:
    digest = content_hash(text)
    doc = Document(
        id=document_id(url, digest), url=url, canonical_url=url, source=source or url.split("/")[2], title=text[:30],
        byline=None, published=None, language="en", text=text, content_hash=digest, media_type="text/plain",
        origin=url,
    )
    return doc, Capture(url=url, body=text.encode(), media_type="text/plain", origin=url)


def _inputs() -> list[tuple[Document, Capture] | tuple[None, Capture]]:
    """New articles, versions of one within the batch and across it, copies, repeats, and
    payloads that gave no document."""
    out: list[tuple[Document, Capture] | tuple[None, Capture]] = []
    for i in range(30):
        out.append(_doc(f"https://n{i % 4}.example/{i}", f"Article number {i} about the harvest."))
        if i % 7 == 0:  # a new version of an article stored earlier in the run
            out.append(_doc(f"https://n{i % 4}.example/{i}", f"Article number {i} about the harvest, updated."))
        if i % 5 == 0:  # a reprint elsewhere, and the very same input again
            out.append(_doc(f"https://wire.example/{i}", f"Article number {i} about the harvest."))
            out.append(_doc(f"https://n{i % 4}.example/{i}", f"Article number {i} about the harvest."))
        if i % 9 == 0:
            out.append((None, Capture(url=f"https://n0.example/empty{i}", body=b"<html></html>",
                                      media_type="text/html", origin="x")))
    out.append(_doc("https://n1.example/1", "Article number 1 about the harvest, third go."))
    out.append(_doc("https://n1.example/1", "Article number 1 about the harvest, fourth go."))
    return out


def _ingest(store: Store, batch: int, later: bool = False) -> list[str | None]:
    """Every input through ``add`` (outcomes at once) or ``add_later`` (told at the commit)."""
    outcomes: list[str | None] = []
    with store.writer() as w:
        w.batch = batch
        for doc, capture in _inputs():
            if doc is None:
                w.add_nothing(capture, "skipped")
                outcomes.append(None)
            elif later:
                outcomes.append("?")
                w.add_later(doc, capture, "web", functools.partial(outcomes.__setitem__, len(outcomes) - 1))
            else:
                outcomes.append(w.add(doc, capture))
        if later:
            assert "?" in outcomes  # the last batch is told at the commit, not before
    return outcomes


def _rows(store: Store) -> tuple[list[tuple[object, ...]], ...]:
    with store.engine.connect() as conn:
        return tuple(
            [tuple(r) for r in conn.exec_driver_sql(sql)]
            for sql in (
                "SELECT id, url, version, previous_id, latest, content_hash, raw_digest, source FROM documents ORDER BY seq",
                "SELECT url, raw_digest, document_id, outcome FROM seen ORDER BY url, raw_digest",
                "SELECT digest, size, codec FROM raw ORDER BY digest",
                "SELECT key, kind FROM sources ORDER BY key",
            )
        )


@pytest.mark.parametrize(("batch", "later"), [(7, False), (200, False), (7, True), (200, True)])
def test_batched_writes_leave_what_one_commit_per_input_leaves(store_url, tmp_path, batch, later):
    """Batch 1 commits every input on its own (each add sees every earlier row in the
    database); larger batches decide from the database and the rows still queued, and
    ``add_later`` decides a whole batch at its flush."""
    with Store.open(f"sqlite:///{tmp_path / 'one.db'}") as one:
        expected = _ingest(one, batch=1)
        expected_rows = _rows(one)
    assert expected.count("version") == 7 and expected.count("copy") == 6 and expected.count("same") == 6
    with Store.open(store_url) as store:
        assert _ingest(store, batch, later) == expected
        assert _rows(store) == expected_rows
        assert _ingest(store, batch, later) == ["same" if o is not None else None for o in expected]  # idempotent
        assert _rows(store) == expected_rows


def test_a_failed_batch_stores_none_of_its_rows(store):
    told: list[str] = []
    with pytest.raises(RuntimeError), store.writer() as w:
        w.add(*_doc("https://a.example/1", "First."))
        w.add_later(*_doc("https://a.example/2", "Second."), "web", told.append)
        raise RuntimeError("interrupted")
    assert _rows(store) == ([], [], [], [])
    assert told == []  # nothing acknowledged


def test_add_after_add_later_sees_the_queued_documents(store):
    told: list[str] = []
    with store.writer() as w:
        w.add_later(*_doc("https://a.example/1", "First."), "web", told.append)
        assert w.add(*_doc("https://a.example/1", "First, corrected.")) == "version"
        assert w.add_many([_doc("https://b.example/1", "First.")]) == ["copy"]
    assert told == ["new"]


def test_a_writer_in_the_callers_transaction_writes_at_once(store):
    """Given a connection, the rows are there for the caller to read in its transaction."""
    with store.engine.begin() as conn:
        with store.writer(conn) as w:
            w.add(*_doc("https://a.example/1", "First."))
            assert conn.exec_driver_sql("SELECT count(*) FROM documents").scalar() == 1
            assert w.add_many([_doc("https://a.example/1", "Second.")]) == ["version"]
            assert conn.exec_driver_sql("SELECT count(*) FROM documents WHERE latest").scalar() == 1
        conn.rollback()
    assert store.stats()["documents"] == 0


def _source_with_many_documents(url: str, n: int) -> None:
    with Store.open(url) as source, source.writer() as w:
        for i in range(n):  # few sources, more documents than one insert batch
            w.add(*_doc(f"https://s{i % 3}.example/{i}", f"Report {i} on the grain harvest in region {i % 11}."))


def test_copy_writes_parents_before_children_beyond_one_batch(sqlite_url, tmp_path):
    """More documents than one insert batch and fewer sources: every source is written
    before the first document that refers to it."""
    _source_with_many_documents(sqlite_url, 1200)
    with Store.open(sqlite_url) as source, Store.open(f"sqlite:///{tmp_path / 'copy.db'}") as target:
        counts = copy_store(source, target)
        assert counts["documents"] == 1200 and counts["sources"] == 3
        assert _rows(target) == _rows(source)


@pytest.mark.postgres
def test_copy_into_postgresql_keeps_rows_indexes_and_search(sqlite_url, pg_url):
    _source_with_many_documents(sqlite_url, 1200)
    with Store.open(pg_url) as probe, probe.engine.connect() as conn:
        before = set(conn.exec_driver_sql(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()").scalars())
    with Store.open(sqlite_url) as source, Store.open(pg_url) as target:
        counts = copy_store(source, target)
        assert counts["documents"] == 1200 and counts["seen"] == 1200
        assert _rows(target) == _rows(source)
        with target.engine.connect() as conn:
            after = set(conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()").scalars())
            assert after == before  # dropped for the load, every one built again
            assert conn.exec_driver_sql(
                "SELECT count(*) FROM documents WHERE search @@ to_tsquery('simple', 'region & 7')").scalar() > 0
        assert {h.id for h in search(target, "harvest region 7", limit=500)} == {
            h.id for h in search(source, "harvest region 7", limit=500)}


@pytest.mark.postgres
def test_a_failed_copy_into_postgresql_leaves_the_target_as_it_was(sqlite_url, pg_url):
    _source_with_many_documents(sqlite_url, 50)
    with Store.open(sqlite_url) as source, source.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.exec_driver_sql("UPDATE documents SET source = 'nowhere.example' WHERE seq = 40")
    with Store.open(pg_url) as target, target.engine.connect() as conn:
        indexes = conn.exec_driver_sql("SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema()").scalar()
    with Store.open(sqlite_url) as source, Store.open(pg_url) as target:
        with pytest.raises((StoreError, sa.exc.IntegrityError)):
            copy_store(source, target)
        assert target.stats()["documents"] == 0 and target.sources() == []
        with target.engine.connect() as conn:
            assert conn.exec_driver_sql(
                "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema()").scalar() == indexes


@pytest.mark.postgres
def test_seen_answers_after_the_server_ended_its_connection(pg_url):
    with Store.open(pg_url) as store:
        with store.writer() as w:
            w.add(*_doc("https://a.example/1", "First."))
        digest = _rows(store)[2][0][0]
        assert store.seen("https://a.example/1", digest) == "new"
        assert store._lookup is not None
        pid = store._lookup.connection.driver_connection.info.backend_pid
        with store.engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert store.seen("https://a.example/1", digest) == "new"
        assert store.seen("https://a.example/2", digest) is None
