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
    """``mention_counts`` and ``documents_naming`` in one read: the documents naming the entity
    (each once, with how often it names it and its date) are gathered once, then counted
    per month and paged by the database in the same statement; only the page's documents
    are then read whole. Two separate queries each looked up every such document; sorting
    and counting 5,000 rows in Python cost as much as the lookups."""
    d = t.documents
    # dated from the (id, published) index, not from each document's row (whose 2 KB of text
    # fill the pages a lookup reads): PostgreSQL's planner takes the index-only scan itself;
    # SQLite's prefers the unique index on id (one row, then the table) and is told
    hint = " INDEXED BY ix_documents_id_published" if store.dialect == "sqlite" else ""
    # a CTE used twice is computed once (SQLite ≥ 3.35, PostgreSQL ≥ 12 materialise it)
    sql = sa.text(f"""
        WITH named AS (
          SELECT d.id, d.published, m.mentions
          FROM (SELECT document_id, count(*) AS mentions FROM mentions WHERE entity_id = :entity
                GROUP BY document_id) m
          JOIN documents d{hint} ON d.id = m.document_id)
        SELECT 'month' AS kind, substr(published, 1, 7) AS k, count(*) AS docs, sum(mentions) AS mentions
        FROM named GROUP BY substr(published, 1, 7)
        UNION ALL
        SELECT * FROM (SELECT 'page', id, 0, mentions FROM named
                       ORDER BY published IS NULL, published DESC, id LIMIT :limit OFFSET :offset) p""")
    months: dict[str, tuple[int, int]] = {}
    undated, total, named = (0, 0), 0, {}
    with store.engine.connect() as conn:
        for kind, key, docs, mentions in conn.execute(sql, {"entity": entity_id, "limit": limit, "offset": offset}):
            if kind == "page":
                named[key] = int(mentions)
            elif key is not None and _MONTH.fullmatch(key):
                months[key] = (int(mentions), int(docs))
                total += int(docs)
            else:  # undated, or dated to a year only
                undated = (undated[0] + int(mentions), undated[1] + int(docs))
                total += int(docs)
        full = {r.id: r for r in conn.execute(sa.select(d.c.id, d.c.title, d.c.source, d.c.published, d.c.language)
                                              .where(d.c.id.in_(list(named))))} if named else {}
    # the page in the statement's order (undated last, newest first, ties by id), which a
    # UNION ALL does not promise to keep: sorted again here, twenty rows
    docs_ = sorted(({**dict(full[i]._mapping), "mentions": n} for i, n in named.items() if i in full),
                   key=lambda r: r["id"])
    docs_.sort(key=lambda r: r["published"] or "", reverse=True)
    docs_.sort(key=lambda r: r["published"] is None)
    return MentionCounts(dict(sorted(months.items())), undated), docs_, total


def document_mentions(store: Store, document_id: str) -> list[dict[str, Any]]:
    """A document's mentions in order: span, kind, linked entity (or None), role."""
    m = t.mentions
    query = (sa.select(m.c.start, m.c.end, m.c.text, m.c.kind, m.c.entity_id, m.c.role, m.c.nested)
             .where(m.c.document_id == document_id).order_by(m.c.n))
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
