"""Stories as the store keeps them: one row per story (with the grouping's state as JSON, so
the next run starts where this one stopped) and one row per document saying which story and
which report of it the document is in.

The store knows nothing of how documents are grouped (``amanat.analyze.stories`` does); it
keeps what grouping decided and answers: the stories since a date, one story with its
timeline and reports, the story of a document, and the dates a story's documents give.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amanat.errors import InputError, NotFound
from amanat.store import schema as t
from amanat.store.db import Store

_s, _m, _d = t.stories, t.story_documents, t.documents


@dataclass(frozen=True)
class StoryRow:
    """What a grouping run writes for one story it changed."""

    id: str
    title: str
    first_published: str | None
    last_published: str | None
    reports: int
    state: dict[str, Any]


_f = t.story_features
_IN = 500  # values per IN (…) list


def states(store: Store, *, since: date | None = None, undated: int | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Stories' ids and grouping states, in id order: what the next run starts from. With
    ``since``, only the stories whose coverage reaches that day, and the ``undated`` most
    recently updated stories without a date."""
    query = sa.select(_s.c.id, _s.c.state)
    with store.engine.connect() as conn:
        if since is None:
            rows = list(conn.execute(query.order_by(_s.c.id)))
        else:
            rows = list(conn.execute(query.where(_s.c.last_published >= since.isoformat()).order_by(_s.c.id)))
            rows += conn.execute(query.where(_s.c.last_published.is_(None))
                                 .order_by(_s.c.updated.desc(), _s.c.id).limit(undated)).fetchall()
    return [(r.id, json.loads(r.state)) for r in rows]


def state_of(store: Store, story_id: str) -> dict[str, Any] | None:
    """One story's grouping state."""
    with store.engine.connect() as conn:
        state = conn.execute(sa.select(_s.c.state).where(_s.c.id == story_id)).scalar()
    return json.loads(state) if state else None


def total_reports(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(_s.c.reports), 0))).scalar_one())


def frequencies(store: Store, features: Iterable[str]) -> dict[str, int]:
    """How many stored reports carry each of ``features`` (absent ones carry none)."""
    wanted = sorted(set(features))
    found: dict[str, int] = {}
    with store.engine.connect() as conn:
        for n in range(0, len(wanted), _IN):
            for feature, reports in conn.execute(sa.select(_f.c.feature, _f.c.reports)
                                                 .where(_f.c.feature.in_(wanted[n:n + _IN]))):
                found[feature] = reports
    return found


def add_frequencies(conn: Connection, increments: dict[str, int]) -> None:
    """Add to the stored frequencies (one upsert per feature, in this transaction)."""
    if not increments:
        return
    dialect = conn.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    rows = [{"feature": f, "reports": n} for f, n in sorted(increments.items())]
    statement = insert(_f)  # one statement for every row (executemany): compiled once, cached
    conn.execute(statement.on_conflict_do_update(index_elements=[_f.c.feature],
                                                 set_={"reports": _f.c.reports + statement.excluded.reports}), rows)


def copies_of(store: Store, hashes: Iterable[str], urls: Iterable[str]) -> tuple[dict[str, tuple[str, str]],
                                                                                  dict[str, tuple[str, str]]]:
    """Stored reports that documents with these content hashes or canonical URLs would be
    copies of: (by hash, by URL), each → (story id, report key)."""
    by_hash: dict[str, tuple[str, str]] = {}
    by_url: dict[str, tuple[str, str]] = {}
    join = _m.join(_d, _d.c.id == _m.c.document_id)
    with store.engine.connect() as conn:
        for values, column, out in ((sorted(set(hashes)), _d.c.content_hash, by_hash),
                                    (sorted(set(urls)), _d.c.canonical_url, by_url)):
            for n in range(0, len(values), _IN):
                for key, sid, report in conn.execute(
                        sa.select(column, _m.c.story_id, _m.c.report_key).select_from(join)
                        .where(column.in_(values[n:n + _IN])).order_by(_d.c.seq)):
                    out.setdefault(key, (sid, report))
    return by_hash, by_url


def ungrouped(store: Store) -> list[str]:
    """Ids of the documents in no story yet, dated ones first by date, then in ingest order."""
    query = (sa.select(_d.c.id).where(~sa.exists().where(_m.c.document_id == _d.c.id))
             .order_by(_d.c.published.is_(None), _d.c.published, _d.c.seq))
    with store.engine.connect() as conn:
        return list(conn.execute(query).scalars())


def all_in_order(store: Store) -> list[str]:
    """Every document id in the order a rebuild groups them: by date (undated last), then seq."""
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(_d.c.id).order_by(_d.c.published.is_(None), _d.c.published, _d.c.seq))
                    .scalars())


def grouped(store: Store, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` are in a story already."""
    ids = list(ids)
    found: set[str] = set()
    with store.engine.connect() as conn:
        for n in range(0, len(ids), 500):
            found.update(conn.execute(sa.select(_m.c.document_id).where(_m.c.document_id.in_(ids[n:n + 500])))
                         .scalars())
    return found


def clear(store: Store) -> None:
    """Forget every story (a rebuild starts from nothing)."""
    with store.engine.begin() as conn:
        conn.execute(sa.delete(_m))
        conn.execute(sa.delete(_s))
        conn.execute(sa.delete(_f))


def save(conn: Connection, changed: Sequence[StoryRow], members: Sequence[tuple[str, str, str]],
         now: datetime | None = None) -> None:
    """Write the stories a run changed and its new members, (document, story, report key);
    the counts of documents and sources are recounted from the members."""
    now = now or datetime.now(UTC)
    ids = [s.id for s in changed]
    known = set(conn.execute(sa.select(_s.c.id).where(_s.c.id.in_(ids))).scalars()) if ids else set()
    updates, inserts = [], []
    for s in changed:
        values = {"title": s.title, "first_published": s.first_published, "last_published": s.last_published,
                  "reports": s.reports, "updated": now,
                  "state": json.dumps(s.state, ensure_ascii=False, separators=(",", ":"))}
        if s.id in known:
            updates.append({"story": s.id, **{"v_" + k: v for k, v in values.items()}})
        else:
            inserts.append({"id": s.id, "documents": 0, "sources": 0, **values})
    if updates:  # executemany: one compiled statement for the batch
        conn.execute(sa.update(_s).where(_s.c.id == sa.bindparam("story"))
                     .values({k[2:]: sa.bindparam(k) for k in updates[0] if k != "story"}), updates)
    if inserts:
        conn.execute(sa.insert(_s), inserts)
    if members:
        conn.execute(sa.insert(_m), [{"document_id": d, "story_id": s, "report_key": r, "joined": now}
                                     for d, s, r in members])
    for n in range(0, len(ids), 500):
        chunk = ids[n:n + 500]
        counts = conn.execute(
            sa.select(_m.c.story_id, sa.func.count(), sa.func.count(sa.distinct(_d.c.source)))
            .select_from(_m.join(_d, _d.c.id == _m.c.document_id))
            .where(_m.c.story_id.in_(chunk)).group_by(_m.c.story_id)).fetchall()
        if counts:
            conn.execute(sa.update(_s).where(_s.c.id == sa.bindparam("story"))
                         .values(documents=sa.bindparam("n_documents"), sources=sa.bindparam("n_sources")),
                         [{"story": sid, "n_documents": d, "n_sources": n} for sid, d, n in counts])


def _summary(r: Any) -> dict[str, Any]:
    return {"id": r.id, "title": r.title, "first_published": r.first_published,
            "last_published": r.last_published, "documents": r.documents, "reports": r.reports,
            "sources": r.sources, "updated": r.updated.isoformat() if r.updated else None}


def _listing(since: date | None, min_documents: int) -> list[Any]:
    conds: list[Any] = [_s.c.documents >= min_documents]
    if since is not None:
        conds.append(_s.c.last_published >= since.isoformat())
    return conds


def list_stories(store: Store, *, since: date | None = None, min_documents: int = 1) -> list[dict[str, Any]]:
    """Stories, latest coverage first; ``since``: those with coverage on or after that date
    (undated stories are listed only without ``since``). No cap."""
    return page_of_stories(store, since=since, min_documents=min_documents)[0]


def page_of_stories(store: Store, *, since: date | None = None, min_documents: int = 1, limit: int | None = None,
                    offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """One page of ``list_stories`` and how many stories match in all: the database pages
    (on the ``last_published`` index), so a page costs the same with ten or a million stories."""
    conds = _listing(since, min_documents)
    query = sa.select(_s.c.id, _s.c.title, _s.c.first_published, _s.c.last_published, _s.c.documents,
                      _s.c.reports, _s.c.sources, _s.c.updated).where(*conds)
    query = query.order_by(_s.c.last_published.is_(None), _s.c.last_published.desc(), _s.c.reports.desc(), _s.c.id)
    if limit is not None:
        query = query.limit(limit)
    with store.engine.connect() as conn:
        rows = [_summary(r) for r in conn.execute(query.offset(offset))]
        total = conn.execute(sa.select(sa.func.count()).select_from(_s).where(*conds)).scalar_one()
    return rows, int(total)


def figures(store: Store, story_id: str) -> list[dict[str, Any]]:
    """The figure claims of a story's documents (measure, value, qualifier, unit, as-of, the
    words), each with its document's outlet, date and report: what the story's chart of
    reported figures draws. One query over the story's members and their claims."""
    c = t.claims
    out = []
    with store.engine.connect() as conn:
        # the story's members first (its index), then their claims by document (the claims'
        # primary key): one join lets a planner start from every figure claim of the store
        members = {r.document_id: r for r in conn.execute(
            sa.select(_m.c.document_id, _m.c.report_key, _d.c.source, _d.c.published)
            .select_from(_m.join(_d, _d.c.id == _m.c.document_id)).where(_m.c.story_id == story_id))}
        rows: list[Any] = []
        ids = sorted(members)
        for n in range(0, len(ids), _IN):
            rows += conn.execute(sa.select(c.c.document_id, c.c.n, c.c.start, c.c.end, c.c.text, c.c.type, c.c.fields)
                                 .where(c.c.document_id.in_(ids[n:n + _IN]))).fetchall()
        rows = [r for r in rows if r.type == "figure"]
        rows.sort(key=lambda r: (members[r.document_id].published or "", r.document_id, r.n))
        for r in rows:
            m = members[r.document_id]
            fields = json.loads(r.fields)
            if not isinstance(fields.get("value"), int | float) or not fields.get("measure"):
                continue
            out.append({"document_id": r.document_id, "source": m.source, "report": m.report_key,
                        "published": m.published[:10] if m.published else None, "start": r.start, "end": r.end,
                        "words": r.text, "measure": fields["measure"], "value": fields["value"],
                        "qualifier": fields.get("qualifier"), "unit": fields.get("unit"),
                        "as_of": fields.get("as_of"), "attributed_to": fields.get("attributed_to")})
    return out


def in_motion(store: Store, *, days: int = 7, limit: int = 5) -> tuple[list[dict[str, Any]], str | None]:
    """Stories with coverage in the last ``days`` days before the store's latest publication
    date, most documents in that window first, and that latest date. Two indexed queries: the
    newest date, then the window's documents grouped by story."""
    from datetime import timedelta

    with store.engine.connect() as conn:
        latest = conn.execute(sa.select(sa.func.max(_s.c.last_published))).scalar()
        if not latest:
            return [], None
        try:
            start = (date.fromisoformat(latest[:10]) - timedelta(days=days - 1)).isoformat()
        except ValueError:
            return [], latest
        recent = sa.func.count().label("recent")
        window = sa.select(_d.c.id).where(_d.c.published >= start)  # the date index: only the window's documents
        counts = (sa.select(_m.c.story_id, recent).where(_m.c.document_id.in_(window)).group_by(_m.c.story_id)
                  .order_by(recent.desc(), _m.c.story_id).limit(limit)).subquery()
        rows = conn.execute(sa.select(_s.c.id, _s.c.title, _s.c.first_published, _s.c.last_published,
                                      _s.c.documents, _s.c.reports, _s.c.sources, _s.c.updated, counts.c.recent)
                            .select_from(_s.join(counts, counts.c.story_id == _s.c.id))
                            .order_by(counts.c.recent.desc(), _s.c.id)).fetchall()
    return [{**_summary(r), "recent": r.recent} for r in rows], latest[:10]


def resolve(conn: Connection, story_id: str) -> str:
    """A story id from its id or a unique prefix of it."""
    if not story_id or len(story_id) < 4 or not all(c in "0123456789abcdef" for c in story_id.lower()):
        raise InputError(f"a story id is hex, at least 4 digits: not {story_id!r} (see `amanat stories`)")
    found = list(conn.execute(sa.select(_s.c.id).where(_s.c.id.like(story_id.lower() + "%")).limit(2)).scalars())
    if not found:
        raise NotFound(f"no story {story_id!r} (see `amanat stories`)")
    if len(found) > 1:
        raise InputError(f"story id prefix {story_id!r} is ambiguous: give more digits")
    return found[0]


def get_story(store: Store, story_id: str) -> dict[str, Any]:
    """One story: its summary, its timeline (every document with date, outlet and headline,
    undated last) and its reports, each with its copies."""
    with store.engine.connect() as conn:
        sid = resolve(conn, story_id)
        row = conn.execute(sa.select(_s).where(_s.c.id == sid)).one()
        members = conn.execute(
            sa.select(_m.c.document_id, _m.c.report_key, _d.c.published, _d.c.source, _d.c.title, _d.c.url, _d.c.seq)
            .select_from(_m.join(_d, _d.c.id == _m.c.document_id)).where(_m.c.story_id == sid)
            .order_by(_d.c.published.is_(None), _d.c.published, _d.c.seq)).fetchall()
    wires = {k: r.get("wire") for k, r in json.loads(row.state).get("reports", {}).items()}
    timeline = [{"document_id": m.document_id, "published": m.published[:10] if m.published else None,
                 "source": m.source, "title": m.title, "url": m.url, "report": m.report_key} for m in members]
    reports: dict[str, dict[str, Any]] = {}
    for m in members:
        report = reports.setdefault(m.report_key, {"key": m.report_key, "wire": wires.get(m.report_key),
                                                   "documents": [], "sources": []})
        report["documents"].append(m.document_id)
        if m.source not in report["sources"]:
            report["sources"].append(m.source)
    for report in reports.values():  # the report's first document first
        if report["key"] in report["documents"]:
            report["documents"].remove(report["key"])
            report["documents"].insert(0, report["key"])
        report["copies"] = len(report["documents"]) - 1
    return {**_summary(row), "source_list": list(dict.fromkeys(m.source for m in members)),
            "timeline": timeline, "report_list": list(reports.values())}


def story_of(store: Store, document_id: str) -> str | None:
    """The story a document is in, if it is in one yet."""
    with store.engine.connect() as conn:
        return conn.execute(sa.select(_m.c.story_id).where(_m.c.document_id == document_id)).scalar()


def story_dates(store: Store, story_id: str) -> list[date]:
    """The publication dates a story's documents give, earliest first (undated ones give none):
    what the record checks of an undated document of the story can judge at."""
    with store.engine.connect() as conn:
        values = conn.execute(sa.select(_d.c.published).select_from(_m.join(_d, _d.c.id == _m.c.document_id))
                              .where(_m.c.story_id == story_id, _d.c.published.is_not(None))).scalars()
        days = set()
        for value in values:
            try:
                days.add(date.fromisoformat(value[:10]))
            except ValueError:
                continue
    return sorted(days)


def stories_of(store: Store, document_ids: Iterable[str]) -> set[str]:
    """The stories that hold any of these documents."""
    ids = list(document_ids)
    found: set[str] = set()
    with store.engine.connect() as conn:
        for n in range(0, len(ids), 500):
            found.update(conn.execute(sa.select(_m.c.story_id).where(_m.c.document_id.in_(ids[n:n + 500]))).scalars())
    return found


def all_story_ids(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(_s.c.id).order_by(_s.c.id)).scalars())


def members_of(store: Store, story_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """The documents of each of these stories as (document id, report key), in the order they
    joined; a story without documents is left out."""
    out: dict[str, list[tuple[str, str]]] = {}
    with store.engine.connect() as conn:
        for n in range(0, len(story_ids), 500):
            for r in conn.execute(sa.select(_m.c.story_id, _m.c.document_id, _m.c.report_key)
                                  .where(_m.c.story_id.in_(list(story_ids[n:n + 500])))
                                  .order_by(_m.c.story_id, _m.c.joined, _m.c.document_id)):
                out.setdefault(r.story_id, []).append((r.document_id, r.report_key))
    return out


def undated_members(store: Store, story_ids: Iterable[str]) -> set[str]:
    """The documents without a date of their own in these stories: their record checks are
    judged at the story's date, which changes as the story grows."""
    ids = list(story_ids)
    found: set[str] = set()
    with store.engine.connect() as conn:
        for n in range(0, len(ids), 500):
            found.update(conn.execute(
                sa.select(_m.c.document_id).select_from(_m.join(_d, _d.c.id == _m.c.document_id))
                .where(_m.c.story_id.in_(ids[n:n + 500]), _d.c.published.is_(None))).scalars())
    return found
