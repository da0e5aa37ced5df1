"""``/stories``: stories, latest coverage first, a page at a time (``since`` in the URL);
``/stories/{id}``: one story — its title, dates and outlets, a timeline of its coverage by
outlet, the figures each outlet reported over time with the divergences found marked on
them (and the same numbers as a table), its cross-source findings, and its reports with
their wire copies.

Stories quote coverage (titles, figures, the words of each report), so they need a read
token unless the node serves its documents publicly, as the document pages do.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from amanat.errors import InputError
from amanat.store import findings, stories
from amanat.store.db import Store
from amanat.store.findings import Selection
from amanat.web.auth import Viewer, page_reader
from amanat.web.pages import render
from amanat.web.storycharts import (
    coverage_timeline,
    figure_series,
    figures_chart,
    legend_marker,
    outlet_shapes,
    value_text,
)

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
MAX_PAGE = 10_000
DIVERGENCE = "figures-across-sources"


def _query(since: date | None, page: int) -> str:
    return urlencode({k: v for k, v in (("since", since.isoformat() if since else None),
                                        ("page", page if page > 1 else None)) if v})


@router.get("/stories")
def stories_page(request: Request, who: Annotated[Viewer, Depends(page_reader)]) -> Response:
    params = request.query_params
    context: dict[str, Any] = {"form": dict(params), "rows": [], "error": None}
    try:
        since = date.fromisoformat(params["since"]) if params.get("since") else None
    except ValueError:
        context["error"] = "since must be a day as YYYY-MM-DD"
        return render(request, "stories.html", context, 400)
    raw = params.get("page") or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        context["error"] = f"page must be a whole number from 1 to {MAX_PAGE}"
        return render(request, "stories.html", context, 400)
    page = int(raw)
    rows, total = stories.page_of_stories(request.app.state.store, since=since, limit=PAGE_SIZE,
                                          offset=(page - 1) * PAGE_SIZE)
    context |= {"rows": rows, "total": total, "page": page, "since": since, "first": (page - 1) * PAGE_SIZE + 1,
                "prev": f"/stories?{_query(since, page - 1)}" if page > 1 else None,
                "next": f"/stories?{_query(since, page + 1)}" if page * PAGE_SIZE < total else None}
    return render(request, "stories.html", context)


def load_story(store: Store, story_id: str) -> dict[str, Any]:
    """Everything the story page shows, read in a handful of indexed queries."""
    if len(story_id) > 64:
        raise InputError("a story id is at most 64 characters")
    story = stories.get_story(store, story_id)
    found, _ = findings.select(store, Selection(story=story["id"], review="any"), newest_first=True)
    divergences = [f for f in found if f["type"] == DIVERGENCE]
    series, rows = figure_series(stories.figures(store, story["id"]), divergences)
    shapes = outlet_shapes(series)
    timeline_svg, undated = coverage_timeline(story)
    titles = {m["document_id"]: m for m in story["timeline"]}
    for report in story["report_list"]:
        report["members"] = [titles[d] for d in report["documents"] if d in titles]
    return {"story": story, "findings": found, "divergences": divergences, "timeline": timeline_svg,
            "undated": undated, "charts": [{"series": s, "svg": figures_chart(s, shapes)} for s in series],
            "figures": rows, "shapes": {o: legend_marker(s) for o, s in shapes.items()}, "value_text": value_text}


@router.get("/stories/{story_id}")
async def story_page(request: Request, story_id: str, who: Annotated[Viewer, Depends(page_reader)]) -> Response:
    data = await run_in_threadpool(load_story, request.app.state.store, story_id)
    return render(request, "story.html", data)
