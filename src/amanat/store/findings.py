"""Findings as the store keeps them: stable ids across re-checks, first and last seen, and
reviewers' decisions that survive re-analysis.

A re-check of a document upserts what it finds (an id found again keeps its ``first_seen``),
and marks what it no longer finds as not current: nothing is deleted, so a decision stays
attached to its finding, and a finding that comes back is the same finding.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from amanat.errors import InputError, NotFound
from amanat.store import rawsql
from amanat.store import schema as t
from amanat.store.db import Store

_f, _r, _e = t.findings, t.finding_reviews, t.finding_entities
ENTITY_KEYS = ("subject", "object", "entity")  # the fact fields that name knowledge-base entities


def entities_named(facts: Sequence[Any]) -> set[str]:
    """The entity ids a finding's record facts name (as subject, object or entity)."""
    return {str(f[k]) for f in facts if isinstance(f, dict) for k in ENTITY_KEYS
            if isinstance(f.get(k), str) and f[k] and len(f[k]) <= 255}


def _index_entities(conn: Connection, found: Sequence[dict[str, Any]]) -> None:
    latest = {row["id"]: row["facts"] for row in found}  # a finding given twice: its last facts
    ids = list(latest)
    for n in range(0, len(ids), 500):
        conn.execute(sa.delete(_e).where(_e.c.finding_id.in_(ids[n:n + 500])))
    rows = [{"finding_id": fid, "entity_id": e} for fid, facts in latest.items() for e in sorted(entities_named(facts))]
    if rows:
        conn.execute(sa.insert(_e), rows)


def reindex_entities(store: Store) -> int:
    """Rebuild the finding → entity index from every stored finding's facts (after rows were
    written around ``replace``, as a bulk load or a benchmark does); how many pairs."""
    with store.engine.begin() as conn:
        conn.execute(sa.delete(_e))
        rows = [{"id": fid, "facts": json.loads(facts)} for fid, facts in conn.execute(sa.select(_f.c.id, _f.c.facts))]
        for n in range(0, len(rows), 2000):
            _index_entities(conn, rows[n:n + 2000])
        return int(conn.execute(sa.select(sa.func.count()).select_from(_e)).scalar_one())
DECISIONS = {"confirm": "confirmed", "dismiss": "dismissed"}


def replace(conn: Connection, document_id: str | None, found: Sequence[dict[str, Any]], now: datetime | None = None,
            *, checks: Sequence[str] | None = None, story_id: str | None = None) -> None:
    """Record the findings of one check run (rows as ``Finding.as_dict()``).

    The run's scope is a document (``document_id``) or a story (``story_id``, for the
    cross-source checks), narrowed to the ``checks`` that ran when given: findings of that
    scope the run did not find again are marked not current; others are left alone."""
    now = now or datetime.now(UTC)
    scope = _f.c.story_id == story_id if story_id is not None else _f.c.document_id == document_id
    if checks is not None:
        scope = sa.and_(scope, _f.c.check_name.in_(list(checks)))
    known = set(conn.execute(sa.select(_f.c.id).where(scope)).scalars())
    seen = set()
    for row in found:
        values = {"document_id": row["document_id"], "check_name": row["check"], "type": row["type"],
                  "status": row["status"], "severity": row["severity"], "sentence": row["sentence"],
                  "evidence": json.dumps(row["evidence"], ensure_ascii=False),
                  "facts": json.dumps(row["facts"], ensure_ascii=False, default=str),
                  "judged_at": row["judged_at"], "date_source": row["date_source"],
                  "story_id": row.get("story_id"), "last_seen": now, "current": True}
        exists = row["id"] in known or row["id"] in seen or (
            conn.execute(sa.select(_f.c.id).where(_f.c.id == row["id"])).first() is not None)
        if exists:
            conn.execute(sa.update(_f).where(_f.c.id == row["id"]).values(**values))
        else:
            conn.execute(sa.insert(_f).values(id=row["id"], first_seen=now, **values))
        seen.add(row["id"])
    _index_entities(conn, found)
    gone = known - seen
    if gone:
        conn.execute(sa.update(_f).where(_f.c.id.in_(gone)).values(current=False))


def _row(r: Any) -> dict[str, Any]:
    return {
        "id": r.id, "check": r.check_name, "type": r.type, "status": r.status, "severity": r.severity,
        "sentence": r.sentence, "document_id": r.document_id, "evidence": json.loads(r.evidence),
        "facts": json.loads(r.facts), "judged_at": r.judged_at, "date_source": r.date_source,
        "story_id": r.story_id, "first_seen": r.first_seen.isoformat() if r.first_seen else None,
        "last_seen": r.last_seen.isoformat() if r.last_seen else None,
        "review": None if r.decision is None else {"decision": r.decision, "note": r.note, "reviewer": r.reviewer,
                                                   "decided": r.decided.isoformat() if r.decided else None},
    }


def list_findings(store: Store, *, type: str | None = None, status: str | None = None,
                  document_id: str | None = None, dismissed: bool = False,
                  since: datetime | None = None, finding_id: str | None = None,
                  story_id: str | None = None, check: str | None = None) -> list[dict[str, Any]]:
    """Current findings, oldest first; dismissed ones only when asked for. No cap."""
    query = (sa.select(_f, _r.c.decision, _r.c.note, _r.c.reviewer, _r.c.decided)
             .select_from(_f.outerjoin(_r, _r.c.finding_id == _f.c.id)).where(_f.c.current.is_(True)))
    if type:
        query = query.where(_f.c.type == type)
    if status:
        query = query.where(_f.c.status == status)
    if document_id:
        query = query.where(_f.c.document_id == document_id)
    if finding_id:
        query = query.where(_f.c.id == finding_id)
    if story_id:
        query = query.where(_f.c.story_id == story_id)
    if check:
        query = query.where(_f.c.check_name == check)
    if since:
        query = query.where(_f.c.first_seen >= since)
    if not dismissed:
        query = query.where(sa.or_(_r.c.decision.is_(None), _r.c.decision != "dismissed"))
    with store.engine.connect() as conn:
        return [_row(r) for r in conn.execute(query.order_by(_f.c.first_seen, _f.c.id))]


def get(store: Store, finding_id: str) -> dict[str, Any] | None:
    """One finding as ``list_findings(dismissed=True, finding_id=…)`` has it:
    (current ones only, dismissed ones too); None when there is none. A statement built once:
    the API asks for one finding at a time, and building the general query each time cost
    more than running it."""
    rows = rawsql.fetch_mappings(store.engine, _BY_ID, {"id": finding_id},
                                 timestamps=("first_seen", "last_seen", "decided"))
    return _row(SimpleNamespace(**rows[0])) if rows else None


# through the driver's cursor (``rawsql``): the API reads findings one at a time
_BY_ID = (f"SELECT {', '.join('f.' + c.name for c in _f.columns)}, r.decision, r.note, r.reviewer, r.decided "
          "FROM findings f LEFT JOIN finding_reviews r ON r.finding_id = f.id WHERE f.current AND f.id = :id")


def review(store: Store, finding_id: str, action: str, note: str, reviewer: str) -> dict[str, Any]:
    """Confirm or dismiss a finding; the decision replaces an earlier one."""
    if action not in DECISIONS:
        raise InputError(f"a review is {' or '.join(DECISIONS)}, not {action!r}")
    if not note.strip():
        raise InputError("a review needs a --note saying why")
    with store.engine.begin() as conn:
        if conn.execute(sa.select(_f.c.id).where(_f.c.id == finding_id)).first() is None:
            raise NotFound(f"no finding {finding_id!r} (see `amanat findings`)")
        values = {"finding_id": finding_id, "decision": DECISIONS[action], "note": note.strip(),
                  "reviewer": reviewer, "decided": datetime.now(UTC)}
        # one statement that inserts or replaces: two reviewers deciding at the same moment
        # cannot both insert (a delete then an insert could, and the second would fail)
        insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(_r).values(**values)
        conn.execute(insert.on_conflict_do_update(index_elements=[_r.c.finding_id],
                                                  set_={k: v for k, v in values.items() if k != "finding_id"}))
    return values


Review = Literal["open", "confirmed", "dismissed", "reviewed", "any"]
REVIEWS: tuple[str, ...] = ("open", "confirmed", "dismissed", "reviewed", "any")


@dataclass(frozen=True)
class Selection:
    """Which current findings a page, a feed or an API call wants.

    ``review`` is ``open`` (no decision yet), ``confirmed``, ``dismissed``, ``reviewed``
    (either decision), or ``any``; ``None`` keeps the API's old default (everything but
    dismissed). ``since``/``until`` are days on which a finding was first seen (UTC),
    both included; ``source`` is the outlet of the finding's document."""

    type: str | None = None
    status: str | None = None
    source: str | None = None
    story: str | None = None
    document: str | None = None
    since: date | None = None
    until: date | None = None
    review: Review | None = None

    def where(self) -> list[Any]:
        """The conditions on a finding joined to its review (outer join)."""
        review = self.review_condition()
        return self.base() + ([review] if review is not None else [])

    def review_condition(self) -> Any:
        decided = {"confirmed": ["confirmed"], "dismissed": ["dismissed"], "reviewed": ["confirmed", "dismissed"]}
        if self.review == "open":
            return _r.c.decision.is_(None)
        if self.review in decided:
            return _r.c.decision.in_(decided[self.review])
        if self.review is None:
            return sa.or_(_r.c.decision.is_(None), _r.c.decision != "dismissed")
        return None

    def base(self) -> list[Any]:
        """The conditions on the finding alone (not its review)."""
        d = t.documents
        conds: list[Any] = [_f.c.current.is_(True)]
        for column, value in ((_f.c.type, self.type), (_f.c.status, self.status), (_f.c.story_id, self.story),
                              (_f.c.document_id, self.document)):
            if value:
                conds.append(column == value)
        if self.source:
            conds.append(_f.c.document_id.in_(sa.select(d.c.id).where(d.c.source == self.source)))
        if self.since:
            conds.append(_f.c.first_seen >= datetime.combine(self.since, time(), UTC))
        if self.until:
            conds.append(_f.c.first_seen < datetime.combine(self.until + timedelta(days=1), time(), UTC))
        return conds

    def count(self, conn: Connection) -> int:
        """How many findings this selects. Reviews are few and findings many: the findings are
        counted on their own (from an index where the filters allow) and the reviewed ones
        the review state leaves out are taken away, counted from the reviews' side — rather
        than joining every finding to its review."""
        base = self.base()
        # driven from the reviews (a planner without statistics would walk the findings instead)
        reviewed = sa.select(sa.func.count()).select_from(_r).where(
            sa.exists().where(_f.c.id == _r.c.finding_id, *base))
        if self.review == "any":
            return int(conn.execute(sa.select(sa.func.count()).select_from(_f).where(*base)).scalar_one())
        if self.review in ("confirmed", "dismissed", "reviewed"):
            return int(conn.execute(reviewed.where(self.review_condition())).scalar_one())
        everything = conn.execute(sa.select(sa.func.count()).select_from(_f).where(*base)).scalar_one()
        gone = reviewed if self.review == "open" else reviewed.where(_r.c.decision == "dismissed")
        return int(everything - conn.execute(gone).scalar_one())


def select(store: Store, selection: Selection, *, limit: int | None = None, offset: int = 0,
           newest_first: bool = False) -> tuple[list[dict[str, Any]], int]:
    """One page of the findings ``selection`` picks, and how many it picks in all.

    Oldest first (the API's order), or newest first (pages and feeds: what is new on top).
    Each row also names its document's ``source`` and ``title``. The page's ids are chosen
    on narrow rows first (id and first seen), then only those findings are read whole: a
    database that sorts rather than walking the first-seen index then sorts ids, not every
    finding's evidence and facts."""
    d = t.documents
    joined = _f.outerjoin(_r, _r.c.finding_id == _f.c.id)
    conds = selection.where()
    order = [_f.c.first_seen.desc(), _f.c.id.desc()] if newest_first else [_f.c.first_seen, _f.c.id]
    page = sa.select(_f.c.id).select_from(joined).where(*conds).order_by(*order).offset(offset)
    if limit is not None:
        page = page.limit(limit)
    with store.engine.connect() as conn:
        total = selection.count(conn)
        ids = list(conn.execute(page).scalars())
        rows = []
        for n in range(0, len(ids), 500):
            query = (sa.select(_f, _r.c.decision, _r.c.note, _r.c.reviewer, _r.c.decided,
                               d.c.source.label("doc_source"), d.c.title.label("doc_title"))
                     .select_from(joined.join(d, d.c.id == _f.c.document_id)).where(_f.c.id.in_(ids[n:n + 500])))
            rows += [{**_row(r), "source": r.doc_source, "document_title": r.doc_title} for r in conn.execute(query)]
    at = {fid: i for i, fid in enumerate(ids)}
    rows.sort(key=lambda r: at[r["id"]])
    return rows, total


def tally(store: Store) -> list[dict[str, Any]]:
    """Current findings counted by type, status and review (``open``, ``confirmed`` or
    ``dismissed``): what the dashboard sums up. Counted as all findings per type and status
    (the ``type, status, current`` index alone) less the reviewed ones (from the reviews,
    which are few), rather than by joining every finding to its review."""
    counts = (sa.select(_f.c.type, _f.c.status, sa.func.count().label("n")).where(_f.c.current.is_(True))
              .group_by(_f.c.type, _f.c.status))
    reviewed = (sa.select(_f.c.type, _f.c.status, _r.c.decision, sa.func.count().label("n"))
                .select_from(_r.join(_f, _f.c.id == _r.c.finding_id)).where(_f.c.current.is_(True))
                .group_by(_f.c.type, _f.c.status, _r.c.decision))
    with store.engine.connect() as conn:
        totals = {(r.type, r.status): r.n for r in conn.execute(counts)}
        decided = [(r.type, r.status, r.decision, r.n) for r in conn.execute(reviewed)]
    out: dict[tuple[str, str, str], int] = {}
    for kind, status, decision, n in decided:
        out[(kind, status, decision)] = n
        totals[(kind, status)] -= n
    out |= {(kind, status, "open"): n for (kind, status), n in totals.items() if n > 0}
    return [{"type": k, "status": s, "review": r, "n": n} for (k, s, r), n in sorted(out.items())]


def types(store: Store) -> list[str]:
    """The types of the current findings, sorted: what a filter offers."""
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(_f.c.type).where(_f.c.current.is_(True)).distinct()
                                 .order_by(_f.c.type)).scalars())


def involving(store: Store, entity_id: str, *, limit: int, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Current findings whose record facts name ``entity_id`` (as subject, object or entity),
    newest first, and how many there are: read through the ``finding_entities`` index that
    ``replace`` keeps, so the cost follows the entity's findings, not all findings. The page's
    ids are chosen on narrow rows first, then only those findings are read whole."""
    d = t.documents
    cond = sa.and_(_e.c.entity_id == entity_id, _f.c.current.is_(True))
    named = _e.join(_f, _f.c.id == _e.c.finding_id)
    page = (sa.select(_f.c.id).select_from(named).where(cond)
            .order_by(_f.c.first_seen.desc(), _f.c.id.desc()).limit(limit).offset(offset))
    with store.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(named).where(cond)).scalar_one()
        ids = list(conn.execute(page).scalars())
        query = (sa.select(_f, _r.c.decision, _r.c.note, _r.c.reviewer, _r.c.decided,
                           d.c.source.label("doc_source"), d.c.title.label("doc_title"))
                 .select_from(_f.outerjoin(_r, _r.c.finding_id == _f.c.id).join(d, d.c.id == _f.c.document_id))
                 .where(_f.c.id.in_(ids)).order_by(_f.c.first_seen.desc(), _f.c.id.desc()))
        rows = [{**_row(r), "source": r.doc_source, "document_title": r.doc_title}
                for r in conn.execute(query)] if ids else []
    return rows, total
