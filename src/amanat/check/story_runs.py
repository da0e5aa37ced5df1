"""Story grouping over the store: the documents no story holds yet join one, or start one.

``group_new_documents`` loads the grouping state of the stored stories (their features and
reports, kept as JSON in ``stories.state``), reads the new documents with their linked
mentions and their figure and event claims a batch at a time, places them in date order,
and writes the stories it changed and the new members in one transaction per batch.
Incremental: a second run finds no new document and does nothing. ``everything`` forgets
every story and groups all documents again, in date order, so a rebuild is deterministic.

``story_dates`` gives the dates a story's documents carry: what a record check of an
undated document in that story can judge at ("the date came from the story").
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from amanat.analyze.stories import (
    Grouping,
    Settings,
    StoryInput,
    StoryState,
    default_settings,
    features,
)
from amanat.check import across
from amanat.check.views import views_of
from amanat.model import Claim, Mention
from amanat.store import findings, stories
from amanat.store import schema as t
from amanat.store.db import Store

BATCH = 500  # documents read, placed and written per transaction
STORY_BATCH = 100  # stories checked per transaction
CLAIM_TYPES = ("figure", "event")  # the claims grouping reads


def group_new_documents(store: Store, doc_ids: Sequence[str] | None = None, *, everything: bool = False,
                        settings: Settings | None = None, batch: int = BATCH) -> dict[str, int]:
    """Place the documents in no story yet (or only ``doc_ids`` of them) into stories.

    Only the stories that a new document can join are loaded — those whose coverage reaches
    the window before the earliest new date, the most recent undated ones, and those holding
    a report the new documents copy — with the stored frequencies of the features at hand;
    stories whose coverage ended a window before the documents being placed leave memory.
    Returns counts: documents placed, stories started, stories joined, copies (documents
    that joined an existing report as wire copy or the same text)."""
    settings = settings or default_settings()
    if everything:
        stories.clear(store)
        ids = stories.all_in_order(store)
    elif doc_ids is not None:
        done = stories.grouped(store, doc_ids)
        ids = [i for i in dict.fromkeys(doc_ids) if i not in done]
    else:
        ids = stories.ungrouped(store)
    counts: Counter[str] = Counter(documents=0, new_stories=0, joined=0, copies=0)
    if not ids:
        return dict(counts)
    window = timedelta(days=settings["window_days"])
    earliest = _earliest(store, ids)
    loaded = [StoryState.from_json(sid, state) for sid, state in
              stories.states(store, since=earliest - window if earliest else None,
                             undated=settings["undated_stories_loaded"])]

    def load(sid: str) -> StoryState | None:
        state = stories.state_of(store, sid)
        if state is None:
            return None
        story = StoryState.from_json(sid, state)
        grouping.know(stories.frequencies(store, grouping.unknown(story.features)), story.features)
        return story

    grouping = Grouping(settings, loaded, reports=stories.total_reports(store), load=load)
    needed = {f for story in loaded for f in story.features}
    grouping.know(stories.frequencies(store, needed), needed)
    for chunk in _chunks(ids, batch):
        docs = inputs(store, chunk)
        by_hash, by_url = stories.copies_of(store, (d.content_hash for d in docs), (d.url for d in docs))
        for key, target in by_hash.items():
            grouping.by_hash.setdefault(key, target)
        for key, target in by_url.items():
            grouping.by_url.setdefault(key, target)
        found = {d.id: features(d, settings) for d in docs}
        wanted = grouping.unknown(f for fs in found.values() for f in fs)
        grouping.know(stories.frequencies(store, wanted), wanted)
        changed: dict[str, StoryState] = {}
        members = []
        for doc in docs:
            placed = grouping.add(doc, found[doc.id])
            members.append((doc.id, placed.story_id, placed.report_key))
            changed[placed.story_id] = grouping.stories[placed.story_id]
            counts["documents"] += 1
            counts["new_stories"] += placed.new_story
            counts["joined"] += not placed.new_story and not placed.copy
            counts["copies"] += placed.copy
        rows = [stories.StoryRow(s.id, s.title, _iso(s.first), _iso(s.last), s.size, s.as_json())
                for s in changed.values()]
        with store.engine.begin() as conn:
            stories.save(conn, rows, members, datetime.now(UTC))
            stories.add_frequencies(conn, grouping.take_increments())
        latest = max((d.published for d in docs if d.published), default=None)
        if latest is not None:  # documents come in date order: what ended before can no longer be joined
            grouping.evict(latest - window)
    return dict(counts)


def _earliest(store: Store, ids: Sequence[str]) -> date | None:
    """The earliest publication date among the documents; None when one of them is undated
    (an undated document may join any story, so every story is loaded)."""
    d = t.documents
    days: list[date] = []
    with store.engine.connect() as conn:
        for n in range(0, len(ids), 500):
            for value in conn.execute(sa.select(d.c.published).where(d.c.id.in_(list(ids[n:n + 500])))).scalars():
                day = _published(value)
                if day is None:
                    return None
                days.append(day)
    return min(days) if days else None


def story_dates(store: Store, story_id: str) -> list[date]:
    """The dates a story's documents give, earliest first."""
    return stories.story_dates(store, story_id)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _chunks(ids: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for n in range(0, len(ids), size):
        yield ids[n:n + size]


def inputs(store: Store, ids: Sequence[str]) -> list[StoryInput]:
    """The documents as grouping sees them, in the order of ``ids``: text, headline, date,
    outlet, canonical URL, content hash, linked mentions, figure and event claims."""
    d, m, c = t.documents, t.mentions, t.claims
    with store.engine.connect() as conn:
        docs = {r.id: r for r in conn.execute(
            sa.select(d.c.id, d.c.title, d.c.text, d.c.published, d.c.source, d.c.language, d.c.content_hash,
                      d.c.canonical_url).where(d.c.id.in_(list(ids))))}
        mentions: dict[str, list[Mention]] = {}
        for mr in conn.execute(sa.select(m.c.document_id, m.c.start, m.c.end, m.c.text, m.c.kind, m.c.entity_id,
                                        m.c.candidates).where(m.c.document_id.in_(list(ids)),
                                                              m.c.kind != "other").order_by(m.c.document_id, m.c.n)):
            mentions.setdefault(mr.document_id, []).append(_mention(mr))
        claims: dict[str, list[Claim]] = {}
        for cr in conn.execute(sa.select(c.c.document_id, c.c.type, c.c.start, c.c.end, c.c.text, c.c.fields)
                              .where(c.c.document_id.in_(list(ids)), c.c.type.in_(CLAIM_TYPES))
                              .order_by(c.c.document_id, c.c.n)):
            claims.setdefault(cr.document_id, []).append(Claim(cr.type, cr.start, cr.end, cr.text,
                                                               json.loads(cr.fields)))
    out = []
    for doc_id in ids:
        row = docs.get(doc_id)
        if row is None:
            continue
        r = row
        out.append(StoryInput(r.id, r.text, r.title, _published(r.published), r.source, r.language,
                              r.content_hash, r.canonical_url, tuple(mentions.get(r.id, ())),
                              tuple(claims.get(r.id, ()))))
    return out


def _mention(r: Any) -> Mention:
    holder = None
    if r.kind == "position":  # an office named without a person: its holder, when resolved
        extra = json.loads(r.candidates)
        if isinstance(extra, dict) and extra.get("resolution") == "held":
            holder = extra.get("holder")
    return Mention(r.start, r.end, r.text, r.kind, r.entity_id, holder=holder)


def _published(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def check_stories(store: Store, story_ids: Iterable[str]) -> dict[str, int]:
    """Run every story check (``check.across``) over each of these stories and record its
    findings, scoped to the story: a finding no longer found leaves the current list.

    Stories are read and written a batch at a time (their members in one query, their
    documents in a few): most stories of a run are small, and three queries each cost more
    than their checks."""
    names = [c.name for c in across.story_checks()]
    counts = {"stories": 0, "findings": 0}
    ordered = sorted(story_ids)
    for n in range(0, len(ordered), STORY_BATCH):
        part = ordered[n:n + STORY_BATCH]
        members = stories.members_of(store, part)
        views = {v.id: v for v in views_of(store, [d for s in part for d, _ in members.get(s, ())],
                                           with_previous=False)}
        now = datetime.now(UTC)
        with store.engine.begin() as conn:
            for story in part:
                documents = [across.story_document(views[d], report) for d, report in members.get(story, ())
                             if d in views]
                found = across.run_story_checks(documents, story) if len(documents) > 1 else []
                findings.replace(conn, None, [f.as_dict() for f in found], now, story_id=story, checks=names)
                counts["stories"] += 1
                counts["findings"] += len(found)
                for f in found:
                    counts[f.status] = counts.get(f.status, 0) + 1
    return counts
