"""``GET /``: what the store holds, with a chart of documents per period of publication."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from amanat.web.auth import viewer
from amanat.web.chart import bar_chart
from amanat.web.pages import render
from amanat.web.timeline import binned, timeline

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request) -> Response:
    who = viewer(request)
    if not who.may("read"):
        return render(request, "home.html", {"stats": None})
    store = request.app.state.store
    stats = store.stats()
    tl = timeline(store)
    unit, bins = binned(tl.days)
    chart = bar_chart(bins, unit, title=f"Documents per {unit} of publication")
    return render(request, "home.html", {"stats": stats, "chart": chart, "unit": unit, "timeline": tl})
