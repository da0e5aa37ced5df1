"""``GET /entities/{id}``: an entity's names in every script, its offices as a timeline, how
often the coverage names it per month (a chart and the same numbers as a table), and the
documents and findings involving it, a page at a time. Same access as the API's entity."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from amanat.web.api.entities import profile
from amanat.web.auth import page_reader
from amanat.web.chart import bar_chart
from amanat.web.entity import find_entity, office_timeline, tenures
from amanat.web.errors import HttpError
from amanat.web.pages import render
from amanat.web.timeline import binned

router = APIRouter(include_in_schema=False, dependencies=[Depends(page_reader)])
PAGE_SIZE = 20
MAX_PAGE = 10_000


@router.get("/entities/{entity_id:path}")
async def entity_page(request: Request, entity_id: str) -> Response:
    raw = request.query_params.get("page") or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise HttpError(400, "invalid_parameter", f"page must be a whole number from 1 to {MAX_PAGE}")
    page = int(raw)
    store = request.app.state.store
    data: dict[str, Any] = await run_in_threadpool(profile, store, entity_id, limit=PAGE_SIZE,
                                                   offset=(page - 1) * PAGE_SIZE)
    kb, entity = find_entity(store, entity_id)
    spans = tenures(kb, entity)
    holder_view = any(t.other_id != entity.id for t in spans) and entity.kind == "position"
    title = f"Holders of {entity.name}" if holder_view else f"Offices held by {entity.name}"
    months = {date.fromisoformat(m["month"] + "-01"): m["mentions"] for m in data["mentions"]["per_month"]}
    unit, bins = binned(months, "month")
    chart = bar_chart(bins, unit, title=f"Mentions of {entity.name} per month of publication", noun="mention",
                      empty="No dated document mentions it yet.")
    more = max(data["documents"]["total"], data["findings"]["total"]) > page * PAGE_SIZE
    return render(request, "entity.html", {
        "e": data, "timeline": office_timeline(spans, title=title), "timeline_title": title, "spans": spans,
        "chart": chart, "page": page, "prev": page - 1 if page > 1 else None, "next": page + 1 if more else None,
    })
