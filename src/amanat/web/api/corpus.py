"""``GET /api/v1/stats``, ``/sources`` and ``/timeline``: what the store holds, in aggregate;
``PUT /api/v1/sources/{key}``: an ``admin`` corrects what is known of an outlet, as the source
list's form does."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from amanat.store import outlets
from amanat.web.auth import Viewer, api_reader, caller, require
from amanat.web.bodies import read_model
from amanat.web.timeline import Bin, binned, timeline

router = APIRouter(prefix="/api/v1", tags=["corpus"], dependencies=[Depends(api_reader)])


@router.get("/stats")
async def get_stats(request: Request) -> dict[str, Any]:
    """Counts: documents, articles, versions, content groups, sources, languages, date range."""
    # on the event loop: the store reads a few counter rows and two index ends (about a
    # millisecond), less than handing the call to a worker thread and back costs
    stats = request.app.state.store.stats()
    stats.pop("database", None)  # where the database lives is the operator's business
    return stats


@router.get("/sources")
def get_sources(request: Request) -> list[dict[str, Any]]:
    """Every outlet with its name, country, language, kind and document count."""
    return request.app.state.store.sources()


class SourceFacts(BaseModel):
    """What is known of an outlet; null (or "") for "not known". All three are replaced."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=outlets.MAX_NAME)
    country: str | None = Field(default=None, max_length=2, description="ISO 3166-1 alpha-2, e.g. PK")
    language: str | None = Field(default=None, max_length=3, description="ISO 639, e.g. ur")


@router.put("/sources/{key:path}")
async def put_source(request: Request, key: str, who: Annotated[Viewer, Depends(caller)]) -> dict[str, Any]:
    """Correct an outlet's name, country and language (``admin`` scope); ingest never
    overwrites a correction. Answers the outlet as ``GET /api/v1/sources`` lists it."""
    require("admin", who)
    body = await read_model(request, SourceFacts)
    store = request.app.state.store
    # a bad code is InputError (400 bad_input), an unknown key NotFound (404), as everywhere
    await run_in_threadpool(outlets.correct, store.engine, key, name=body.name, country=body.country,
                            language=body.language)
    return next(s for s in await run_in_threadpool(store.sources) if s["key"] == key)


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
