"""Stored documents as the checks see them: the one place that reads a document, its
mentions, claims and previous version out of the store for a check (per document, or per
story through ``check.story_runs``)."""

from __future__ import annotations

import json

import sqlalchemy as sa

from amanat.check import DocumentView, Record
from amanat.model import Claim, Mention
from amanat.store import schema as t
from amanat.store.db import Store


def record_of(store: Store) -> Record:
    """The knowledge base this store checks against (starter + its imports), indexed."""
    from amanat.kb.commands import indexed_kb

    return Record(*indexed_kb(store))


def view_of(store: Store, doc_id: str, *, with_previous: bool = True) -> DocumentView:
    """A stored document as checks see it: text, date, mentions, claims, previous version."""
    stored = store.get(doc_id)
    doc = stored.document
    with store.engine.connect() as conn:
        mentions = tuple(Mention.from_stored(r) for r in conn.execute(
            sa.select(t.mentions).where(t.mentions.c.document_id == doc.id).order_by(t.mentions.c.n)))
        claims = tuple(Claim(r.type, r.start, r.end, r.text, json.loads(r.fields), r.extractor) for r in conn.execute(
            sa.select(t.claims).where(t.claims.c.document_id == doc.id).order_by(t.claims.c.n)))
    previous = None
    if with_previous and stored.previous_id:
        previous = view_of(store, stored.previous_id, with_previous=False)
    published = doc.published.day() if doc.published else None
    return DocumentView(doc.id, doc.text, published, doc.published.source if doc.published else None,
                        doc.language, doc.source, claims, mentions, previous)
