"""``GET|POST /api/v1/search``: ranked full-text search with highlighted snippets.

GET takes query parameters; POST takes the same fields as a JSON object (for long queries
or clients that prefer bodies). Snippets come as plain text with highlight offsets. Without a
read token only documents derived from signed items are searched (they are public);
``official_only`` in the answer says so.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated, Any, Self

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from starlette.concurrency import run_in_threadpool

from amanat.store.db import Store
from amanat.store.query import MAX_QUERY_CHARS
from amanat.store.search import MAX_LIMIT, Filters, Hit, search
from amanat.web.auth import Viewer, caller, official_only
from amanat.web.bodies import printable, read_model
from amanat.web.highlight import offsets

router = APIRouter(prefix="/api/v1", tags=["search"])
MAX_OFFSET = 10_000  # deep pages rank everything before them; use export for bulk reads


class SearchRequest(BaseModel):
    """A search: query text in Amanat's query language, filters, and the page wanted."""

    model_config = ConfigDict(extra="forbid")
    q: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, description='Words, "phrases", prefix*, OR, -exclude.')
    lang: str | None = Field(None, max_length=16, description="Only this language (ISO 639-1).")
    source: str | None = Field(None, max_length=255, description="Only this outlet (its key).")
    since: date | None = Field(None, description="Published on or after (YYYY-MM-DD).")
    until: date | None = Field(None, description="Published on or before (YYYY-MM-DD).")
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    all_versions: bool = Field(False, description="Match every stored version, not only each article's newest.")
    entity: str | None = Field(None, max_length=255, description="Only documents with a mention linked to this entity id (e.g. Q232).")
    has_findings: bool = Field(False, description="Only documents with current findings.")

    @field_validator("q", "lang", "source", "entity")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        return printable(value)

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        return self

    def filters(self, who: Viewer | None = None) -> Filters:
        """The store's filters; only documents from signed items for a viewer without read."""
        made = Filters(self.lang or None, self.source or None, self.since, self.until, self.all_versions,
                       entity=self.entity or None, has_findings=self.has_findings)
        return dataclasses.replace(made, items_only=True) if who is not None and official_only(who) else made


def hit_json(hit: Hit) -> dict[str, Any]:
    snippet, spans = offsets(hit.snippet)
    return {
        "id": hit.id, "title": hit.title, "url": hit.url, "source": hit.source,
        "published": hit.published, "language": hit.language, "score": hit.score,
        "snippet": snippet, "highlights": [list(s) for s in spans],
    }


def run(store: Store, req: SearchRequest, who: Viewer) -> dict[str, Any]:
    filters = req.filters(who)
    hits = search(store, req.q, filters, limit=req.limit, offset=req.offset)
    more = len(hits) == req.limit and req.offset + req.limit <= MAX_OFFSET
    return {
        "query": req.q,
        "filters": req.model_dump(mode="json", include={"lang", "source", "since", "until", "all_versions", "entity", "has_findings"}),
        "official_only": filters.items_only,
        "limit": req.limit,
        "offset": req.offset,
        "count": len(hits),
        "next_offset": req.offset + req.limit if more else None,
        "results": [hit_json(h) for h in hits],
    }


@router.get("/search")
async def search_get(
    request: Request,
    who: Annotated[Viewer, Depends(caller)],
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description='Words, "phrases", prefix*, OR, -exclude.')],
    lang: Annotated[str | None, Query(max_length=16)] = None,
    source: Annotated[str | None, Query(max_length=255)] = None,
    since: date | None = None,
    until: date | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    all_versions: bool = False,
    entity: Annotated[str | None, Query(max_length=255, description="Only documents with a mention linked to this entity id.")] = None,
    has_findings: Annotated[bool, Query(description="Only documents with current findings.")] = False,
) -> dict[str, Any]:
    """Ranked results (best first) with snippets, one per article unless ``all_versions``;
    ``next_offset`` is set while more may follow. Without a read token: official items only."""
    req = SearchRequest(q=q, lang=lang, source=source, since=since, until=until, limit=limit, offset=offset,
                        all_versions=all_versions, entity=entity, has_findings=has_findings)
    # the search in one worker thread (the database's own search can take tens of ms, which
    # must not hold the event loop); the token check and the answer's encoding stay on it
    return await run_in_threadpool(run, request.app.state.store, req, who)


@router.post(
    "/search",
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": SearchRequest.model_json_schema()}}}},
)
async def search_post(request: Request, who: Annotated[Viewer, Depends(caller)]) -> dict[str, Any]:
    """The same search with a JSON body: ``{"q": …, "lang": …, "limit": …}``."""
    req = await read_model(request, SearchRequest)
    return await run_in_threadpool(run, request.app.state.store, req, who)
