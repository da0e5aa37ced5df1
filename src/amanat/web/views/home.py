"""``GET /``: the dashboard. What the store holds (counts, a chart of documents per period of
publication), the latest official items (own and partners'), the findings by type and status
with the latest few, the stories in motion (most coverage in the last week of the store's
dates), the sources and how much came from each, and the sync with partner nodes (last sync
per partner, recent problems).

All of it describes ingested coverage or the node's own exchange, so it needs a read token
unless the node serves its documents publicly; without one the page says how to sign in.

The counts of the whole corpus (distinct articles, copy groups, languages, documents per
day) scan every document: at 100k documents they cost ~300 ms. Documents are only ever
appended (a changed article is a new version; nothing deletes a document or changes what
these count), so the counts are kept per app, keyed by the documents' newest ``seq`` (one
index lookup), and recomputed when it moves.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from starlette.responses import Response

from amanat.exchange.partners import list_partners, problems
from amanat.model import FINDING_STATUSES
from amanat.store import findings, items, stories
from amanat.store import schema as t
from amanat.store.db import Store
from amanat.store.findings import Selection
from amanat.web.auth import viewer
from amanat.web.chart import bar_chart
from amanat.web.pages import render
from amanat.web.timeline import binned, timeline

router = APIRouter(include_in_schema=False)
LATEST = 5
TOP_SOURCES = 10
PROBLEMS = 5
LATEST_ITEMS = 5
IN_MOTION_DAYS = 7


def finding_summary(store: Store) -> dict[str, Any]:
    """Counts per type and status (open and all), totals by review, and the newest open few."""
    by_type: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    reviews: dict[str, int] = defaultdict(int)
    for row in findings.tally(store):
        reviews[row["review"]] += row["n"]
        if row["review"] == "open":
            by_type[row["type"]][row["status"]] += row["n"]
        by_type[row["type"]]["all"] += row["n"]
    latest, open_total = findings.select(store, Selection(review="open"), limit=LATEST, newest_first=True)
    return {"by_type": {k: dict(v) for k, v in sorted(by_type.items())}, "reviews": dict(reviews),
            "latest": latest, "open": open_total, "statuses": FINDING_STATUSES}


def corpus_overview(store: Store, state: Any) -> tuple[dict[str, Any], Any]:
    """``store.stats()`` and the documents-per-day timeline, recomputed only when documents
    were added since the last time (kept on ``state``, the app's state)."""
    d = t.documents
    with store.engine.connect() as conn:
        mark = conn.execute(sa.select(sa.func.max(d.c.seq))).scalar()
    kept = getattr(state, "corpus_overview", None)
    if kept is not None and kept[0] == mark:
        return kept[1], kept[2]
    stats, tl = store.stats(), timeline(store)
    state.corpus_overview = (mark, stats, tl)
    return stats, tl


@router.get("/")
def home(request: Request) -> Response:
    who = viewer(request)
    if not who.may("read"):
        return render(request, "home.html", {"stats": None, "items": items.latest_items(request.app.state.store,
                                                                                          limit=LATEST_ITEMS)})
    store = request.app.state.store
    sources = sorted(store.sources(), key=lambda s: (-s["documents"], s["key"]))
    stats, tl = corpus_overview(store, request.app.state)
    stats = {**stats, "sources": len(sources)}  # sources are edited without new documents
    unit, bins = binned(tl.days)
    chart = bar_chart(bins, unit, title=f"Documents per {unit} of publication")
    in_motion, until = stories.in_motion(store, days=IN_MOTION_DAYS, limit=LATEST)
    return render(request, "home.html", {
        "stats": stats, "chart": chart, "unit": unit, "timeline": tl,
        "findings": finding_summary(store), "sources": sources[:TOP_SOURCES], "more_sources": len(sources) - TOP_SOURCES,
        "partners": list_partners(store), "problems": problems(store, limit=PROBLEMS),
        "items": items.latest_items(store, limit=LATEST_ITEMS), "in_motion": in_motion, "motion_until": until,
        "motion_days": IN_MOTION_DAYS,
    })
