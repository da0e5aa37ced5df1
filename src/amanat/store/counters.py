"""What the store holds, in aggregate: read from the ``counters`` table that the database's
triggers keep as rows are written (migration 0014), not counted per request.

Counting was four scans of the documents (distinct canonical URLs, contents at several URLs,
languages, undated): ~1 s at 50k documents for every ``/api/v1/stats`` and ``amanat stats``.
The triggers add each written row's share in the writing transaction, on every path that
writes documents or sources, so the figures are exact whenever a transaction is committed.
Only the first and last publication dates are not counters: each is one step down the
``published`` index. ``recount`` is the slow way, kept to check the counters against.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from amanat.store import rawsql
from amanat.store import schema as t

_LANGUAGE = "language:"


def read(engine: Engine) -> dict[str, Any]:
    """The figures ``Store.stats`` answers (without ``database``)."""
    values, ends = {}, {}
    for name, value, published in rawsql.fetch(engine, _READ):
        if value is None:
            ends[name] = published
        else:
            values[name] = value
    return _figures(values, ends.get("@first"), ends.get("@last"))


# One statement, through the driver's cursor (``rawsql``: each statement cost more in
# SQLAlchemy than in the database): the counter rows, then the first and last publication
# dates as two scalar subqueries, apart because SQLite reads min() or max() alone from the
# index's end but both at once by a scan.
_READ = ("SELECT name, value, NULL AS published FROM counters "
         "UNION ALL SELECT '@first', NULL, (SELECT min(published) FROM documents) "
         "UNION ALL SELECT '@last', NULL, (SELECT max(published) FROM documents)")


def recount(conn: Connection) -> dict[str, Any]:
    """The same figures counted from the rows: what the counters must always equal."""
    d = t.documents
    groups = sa.select(d.c.content_hash).group_by(d.c.content_hash).having(
        sa.func.count(sa.distinct(d.c.canonical_url)) > 1).subquery()
    values: dict[str, int] = {
        "documents": conn.execute(sa.select(sa.func.count()).select_from(d)).scalar_one(),
        "articles": conn.execute(sa.select(sa.func.count(sa.distinct(d.c.canonical_url)))).scalar_one(),
        "content_groups": conn.execute(sa.select(sa.func.count()).select_from(groups)).scalar_one(),
        "sources": conn.execute(sa.select(sa.func.count()).select_from(t.sources)).scalar_one(),
        "undated": conn.execute(sa.select(sa.func.count()).select_from(d).where(d.c.published.is_(None))).scalar_one(),
    }
    language = sa.func.coalesce(d.c.language, "")
    for lang, n in conn.execute(sa.select(language, sa.func.count()).group_by(language)):
        values[_LANGUAGE + lang] = n
    first, last = conn.execute(sa.select(sa.func.min(d.c.published), sa.func.max(d.c.published))).one()
    return _figures(values, first, last)


def _figures(values: dict[str, int], first: str | None, last: str | None) -> dict[str, Any]:
    languages: dict[str, int] = {}
    for name, n in values.items():
        if name.startswith(_LANGUAGE) and n > 0:
            code = name[len(_LANGUAGE):] or "und"
            languages[code] = languages.get(code, 0) + int(n)
    documents, articles = int(values.get("documents", 0)), int(values.get("articles", 0))
    return {
        "documents": documents,
        "articles": articles,
        "versions": documents - articles,
        "content_groups": int(values.get("content_groups", 0)),
        "sources": int(values.get("sources", 0)),
        "languages": dict(sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))),
        "published_first": first,
        "published_last": last,
        "undated": int(values.get("undated", 0)),
    }
