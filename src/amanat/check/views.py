"""Stored documents as the checks see them: the one place that reads documents, their
mentions, claims and previous versions out of the store for a check (a batch of the record
checks' documents, or a batch of stories' members through ``check.story_runs``).

``views_of`` reads a batch of documents in a handful of queries (documents, then their
mentions and claims by ``IN``), not three per document: a check run over 100k documents
spent more time in per-document queries than in the checks."""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa

from amanat.check import DocumentView, Record
from amanat.model import Claim, Mention
from amanat.store import schema as t
from amanat.store.db import Store, StoredDocument

CHUNK = 500  # ids per IN (…) query


def record_of(store: Store) -> Record:
    """The knowledge base this store checks against (starter + its imports), indexed."""
    from amanat.kb.commands import indexed_kb

    return Record(*indexed_kb(store))


def views_of(store: Store, doc_ids: Sequence[str], *, with_previous: bool = True) -> list[DocumentView]:
    """The stored documents with these ids as checks see them, in the order given (ids the
    store lacks are left out)."""
    stored = store.get_many(doc_ids)
    ids = [i for i in dict.fromkeys(doc_ids) if i in stored]
    mentions: dict[str, list[Mention]] = {i: [] for i in ids}
    claims: dict[str, list[Claim]] = {i: [] for i in ids}
    m, c = t.mentions, t.claims
    with store.engine.connect() as conn:
        for n in range(0, len(ids), CHUNK):
            part = ids[n:n + CHUNK]
            for r in conn.execute(sa.select(m).where(m.c.document_id.in_(part)).order_by(m.c.document_id, m.c.n)):
                mentions[r.document_id].append(Mention.from_stored(r))
            for r in conn.execute(sa.select(c).where(c.c.document_id.in_(part)).order_by(c.c.document_id, c.c.n)):
                claims[r.document_id].append(Claim(r.type, r.start, r.end, r.text, json.loads(r.fields), r.extractor))
    previous: dict[str, DocumentView] = {}
    if with_previous:
        earlier = [s.previous_id for s in stored.values() if s.previous_id]
        previous = {v.id: v for v in views_of(store, earlier, with_previous=False)} if earlier else {}
    return [_view(stored[i], tuple(mentions[i]), tuple(claims[i]),
                  previous.get(stored[i].previous_id or "")) for i in ids]


def _view(stored: StoredDocument, mentions: tuple[Mention, ...], claims: tuple[Claim, ...],
          previous: DocumentView | None) -> DocumentView:
    doc = stored.document
    published = doc.published.day() if doc.published else None
    return DocumentView(doc.id, doc.text, published, doc.published.source if doc.published else None,
                        doc.language, doc.source, claims, mentions, previous)
