"""``GET /api/v1/stats``, ``/sources`` and ``/timeline``: what the store holds, in aggregate."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from amanat.web.auth import api_reader
from amanat.web.timeline import Bin, binned, timeline

router = APIRouter(prefix="/api/v1", tags=["corpus"], dependencies=[Depends(api_reader)])


@router.get("/stats")
def get_stats(request: Request) -> dict[str, Any]:
    """Counts: documents, articles, versions, content groups, sources, languages, date range."""
    stats = request.app.state.store.stats()
    stats.pop("database", None)  # where the database lives is the operator's business
    return stats


@router.get("/sources")
def get_sources(request: Request) -> list[dict[str, Any]]:
    """Every outlet with its name, country, language, kind and document count."""
    return request.app.state.store.sources()


@router.get("/timeline")
def get_timeline(
    request: Request,
    bin: Annotated[Bin | None, Query(description="day, week, month or year (default: chosen to fit ~120 bars)")] = None,
) -> dict[str, Any]:
    """Documents per period of publication, from the first dated day to the last."""
    tl = timeline(request.app.state.store)
    unit, bins = binned(tl.days, bin)
    return {
        "bin": unit,
        "counts": [{"start": start.isoformat(), "documents": n} for start, n in bins],
        "imprecise": tl.imprecise,
        "undated": tl.undated,
    }
