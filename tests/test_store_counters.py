"""The counters behind ``stats``: kept by triggers on both backends, always equal to counting
the rows, on every path that writes documents (one by one, in batches, restore and copy,
plain SQL deletes and updates), and filled from the rows by the migration that adds them."""

from __future__ import annotations

import random

import sqlalchemy as sa
from alembic import command

from amanat.model import Capture, Document, PublishedDate, content_hash, document_id
from amanat.store import counters
from amanat.store.backup import copy_store
from amanat.store.db import Store


def _doc(url: str, text: str, *, lang: str | None = "en", published: str | None = "2024-05-01",
         source: str = "a.example") -> tuple[Document, Capture]:
    digest = content_hash(text)
    doc = Document(id=document_id(url, digest), url=url, canonical_url=url, source=source, title=None, byline=None,
                   published=PublishedDate(published, "day", "metadata") if published else None, language=lang,
                   text=text, content_hash=digest, media_type="text/plain", origin=url)
    return doc, Capture(url=url, body=text.encode(), media_type="text/plain", origin=url)


def _mixed(seed: int, n: int) -> list[tuple[Document, Capture]]:
    """Documents that are new, later versions, copies at other URLs (and copies of copies),
    re-sent unchanged, in three languages or none, dated or not, from several outlets."""
    rng = random.Random(seed)
    texts = [f"text number {i}" for i in range(n // 3)]
    out = []
    for _ in range(n):
        url = f"https://{rng.choice('abc')}.example/{rng.randrange(n // 2)}"
        out.append(_doc(url, rng.choice(texts), lang=rng.choice(["en", "ur", "fr", None]),
                        published=rng.choice(["2024-05-01", "2023-01-09", None]),
                        source=url.split("/")[2]))
    return out


def _check(store: Store) -> dict:
    kept = counters.read(store.engine)
    with store.engine.connect() as conn:
        counted = counters.recount(conn)
    assert kept == counted
    return kept


def test_counters_follow_writes_one_by_one_and_in_batches(store):
    assert _check(store)["documents"] == 0
    a1 = _doc("https://a.example/story", "First text of the story.")
    a2 = _doc("https://a.example/story", "First text of the story, corrected.", lang=None, published=None)
    b = _doc("https://b.example/reprint", "First text of the story.", lang="ur", source="b.example")
    with store.writer() as w:
        assert [w.add(*a1), w.add(*a2), w.add(*b), w.add(*a1)] == ["new", "version", "copy", "same"]
    kept = _check(store)
    assert (kept["documents"], kept["articles"], kept["versions"], kept["content_groups"]) == (3, 2, 1, 1)
    assert kept["languages"] == {"en": 1, "und": 1, "ur": 1} and kept["undated"] == 1 and kept["sources"] == 2
    docs = _mixed(1, 300)
    with store.writer() as w:
        for pair in docs[:150]:
            w.add(*pair)
    _check(store)
    with store.writer() as w:
        for n in range(150, 300, 50):
            w.add_many(docs[n:n + 50])
    kept = _check(store)
    assert kept["content_groups"] > 10 and kept["versions"] > 10  # the mix made both


def test_counters_follow_deletes_and_updates(store):
    with store.writer() as w:
        for pair in _mixed(2, 200):
            w.add(*pair)
    d = sa.table("documents", sa.column("seq"), sa.column("canonical_url"), sa.column("content_hash"),
                 sa.column("language"), sa.column("published"), sa.column("id"))
    with store.engine.begin() as conn:
        # findings and the like are not made here: nothing refers to documents yet
        conn.execute(sa.text("DELETE FROM seen"))
        conn.execute(sa.delete(d).where(d.c.seq % 7 == 0))
        conn.execute(sa.update(d).where(d.c.seq % 5 == 0).values(canonical_url="https://moved.example/x"))
        conn.execute(sa.update(d).where(d.c.seq % 3 == 0).values(language="de", published=None))
        conn.execute(sa.update(d).where(d.c.seq % 11 == 0).values(content_hash="f" * 64))
    _check(store)
    with store.engine.begin() as conn:
        conn.execute(sa.delete(d))
    kept = _check(store)
    assert (kept["documents"], kept["articles"], kept["content_groups"], kept["languages"]) == (0, 0, 0, {})


def test_restore_and_copy_count_what_they_write(store, tmp_path):
    with store.writer() as w:
        for pair in _mixed(3, 200):
            w.add(*pair)
    expected = _check(store)
    with Store.open(f"sqlite:///{tmp_path / 'copy.db'}") as target:
        copy_store(store, target)
        assert _check(target) == expected


def test_migration_fills_the_counters_from_stored_rows(store_url):
    """A store written before the counters existed gets them right when it is upgraded."""
    engine = sa.create_engine(_engine_url(store_url))
    old = Store(engine)
    with engine.begin() as conn:
        command.upgrade(old._alembic(conn), "0013")
    with old.writer() as w:
        for pair in _mixed(4, 200):
            w.add(*pair)
    old.close()
    with Store.open(store_url) as upgraded:
        kept = _check(upgraded)
        assert kept["documents"] > 100 and kept["content_groups"] > 0
        with upgraded.writer() as w:  # and the triggers carry on from there
            for pair in _mixed(5, 100):
                w.add(*pair)
        _check(upgraded)


def _engine_url(url: str) -> str:
    from amanat.store.db import engine_url

    return engine_url(url)
