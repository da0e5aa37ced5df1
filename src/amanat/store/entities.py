"""What the store holds about one entity of the knowledge base: the documents whose mentions
are linked to it, counted per month of publication, and listed a page at a time.

The knowledge base itself (names, dated facts) is not in these tables; the entity page reads
it from ``amanat.kb``. Months are the first seven characters of ``published`` (ISO 8601 at its
own precision), one GROUP BY that runs the same on SQLite and PostgreSQL; a document dated
only to a year, or not at all, is counted apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from amanat.store import schema as t
from amanat.store.db import Store

_MONTH = re.compile(r"\d{4}-\d{2}")


@dataclass(frozen=True)
class MentionCounts:
    """Mentions of an entity and the documents they are in, per month of publication."""

    months: dict[str, tuple[int, int]] = field(default_factory=dict)  # "YYYY-MM" → (mentions, documents)
    undated: tuple[int, int] = (0, 0)  # no month known (undated, or dated to a year only)

    @property
    def mentions(self) -> int:
        return sum(m for m, _ in self.months.values()) + self.undated[0]

    @property
    def documents(self) -> int:
        return sum(n for _, n in self.months.values()) + self.undated[1]


def mention_counts(store: Store, entity_id: str) -> MentionCounts:
    m, d = t.mentions, t.documents
    month = sa.func.substr(d.c.published, 1, 7)
    query = (sa.select(month, sa.func.count(), sa.func.count(sa.distinct(m.c.document_id)))
             .select_from(m.join(d, d.c.id == m.c.document_id))
             .where(m.c.entity_id == entity_id).group_by(month))
    with store.engine.connect() as conn:
        rows = conn.execute(query).fetchall()
    months: dict[str, tuple[int, int]] = {}
    undated = (0, 0)
    for value, n, docs in rows:
        if value is not None and _MONTH.fullmatch(value):
            months[value] = (n, docs)
        else:
            undated = (undated[0] + n, undated[1] + docs)
    return MentionCounts(dict(sorted(months.items())), undated)


def documents_naming(store: Store, entity_id: str, *, limit: int, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """The documents with a mention linked to ``entity_id`` (newest publication first,
    undated last), with how often each names it, and how many documents there are."""
    m, d = t.mentions, t.documents
    per_doc = (sa.select(m.c.document_id, sa.func.count().label("mentions"))
               .where(m.c.entity_id == entity_id).group_by(m.c.document_id).subquery())
    query = (sa.select(d.c.id, d.c.title, d.c.source, d.c.published, d.c.language, per_doc.c.mentions)
             .select_from(per_doc.join(d, d.c.id == per_doc.c.document_id))
             .order_by(d.c.published.is_(None), d.c.published.desc(), d.c.id).limit(limit).offset(offset))
    with store.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(per_doc)).scalar_one()
        rows = [dict(r._mapping) for r in conn.execute(query)]
    return rows, total


def coverage_of(store: Store, entity_id: str, *, limit: int,
                offset: int = 0) -> tuple[MentionCounts, list[dict[str, Any]], int]:
    """``mention_counts`` and ``documents_naming`` in one read: each document naming the
    entity once, with its date and how often it names it, counted per month and ordered
    here; then only the page's documents are read whole. The two separate queries each look
    up every such document's row; an entity named in 5,000 documents paid that twice."""
    m, d = t.mentions, t.documents
    per_doc = (sa.select(m.c.document_id, sa.func.count().label("mentions"))
               .where(m.c.entity_id == entity_id).group_by(m.c.document_id).subquery())
    with store.engine.connect() as conn:
        dated = conn.execute(sa.select(d.c.id, d.c.published, per_doc.c.mentions)
                             .select_from(per_doc.join(d, d.c.id == per_doc.c.document_id))).fetchall()
        months: dict[str, tuple[int, int]] = {}
        undated = (0, 0)
        for _, published, n in dated:
            month = (published or "")[:7]
            if _MONTH.fullmatch(month):
                was = months.get(month, (0, 0))
                months[month] = (was[0] + n, was[1] + 1)
            else:
                undated = (undated[0] + n, undated[1] + 1)
        order = sorted(dated, key=lambda r: r[0])
        order.sort(key=lambda r: r[1] or "", reverse=True)  # newest first, ties by id (a stable sort)
        order.sort(key=lambda r: r[1] is None)  # undated last
        page = order[offset:offset + limit]
        named = {r[0]: r[2] for r in page}
        full = {r.id: r for r in conn.execute(sa.select(d.c.id, d.c.title, d.c.source, d.c.published, d.c.language)
                                              .where(d.c.id.in_(list(named))))} if named else {}
    docs = [{**dict(full[i]._mapping), "mentions": named[i]} for i, _, _ in page if i in full]
    return MentionCounts(dict(sorted(months.items())), undated), docs, len(dated)


def document_mentions(store: Store, document_id: str) -> list[dict[str, Any]]:
    """A document's mentions in order: span, kind, linked entity (or None), role."""
    m = t.mentions
    query = (sa.select(m.c.start, m.c.end, m.c.text, m.c.kind, m.c.entity_id, m.c.role, m.c.nested)
             .where(m.c.document_id == document_id).order_by(m.c.n))
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
