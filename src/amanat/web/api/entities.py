"""``GET /api/v1/entities/{id}``: an entity of the knowledge base and what coverage says of it.

Its names, offices and kind come from the record (public knowledge); its mention counts, the
documents naming it and the findings involving it come from ingested coverage, so the whole
answer needs the ``read`` scope unless the node serves its documents publicly, as the page
does. Ids are QIDs (``Q200881``) or ``namespace:path`` ids with slashes, taken as a path.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from amanat.store import entities, findings
from amanat.store.db import Store
from amanat.web.auth import api_reader
from amanat.web.entity import find_entity, names, tenures

router = APIRouter(prefix="/api/v1", tags=["entities"], dependencies=[Depends(api_reader)])
MAX_LIMIT = 200
MAX_OFFSET = 1_000_000


def profile(store: Store, entity_id: str, *, limit: int, offset: int) -> dict[str, Any]:
    kb, entity = find_entity(store, entity_id)
    counts, docs, n_docs = entities.coverage_of(store, entity.id, limit=limit, offset=offset)
    found, n_found = findings.involving(store, entity.id, limit=limit, offset=offset)
    return {
        "id": entity.id, "kind": entity.kind, "name": entity.name, "description": entity.description,
        "names": names(entity), "external_ids": [list(x) for x in entity.external_ids],
        "offices": [t.as_dict() for t in tenures(kb, entity)],
        "mentions": {"total": counts.mentions, "documents": counts.documents,
                     "per_month": [{"month": m, "mentions": n, "documents": d} for m, (n, d) in counts.months.items()],
                     "undated": {"mentions": counts.undated[0], "documents": counts.undated[1]}},
        "documents": {"total": n_docs, "offset": offset, "items": docs},
        "findings": {"total": n_found, "offset": offset,
                     "items": [{k: f[k] for k in ("id", "type", "status", "sentence", "document_id", "first_seen",
                                                  "review")} for f in found]},
    }


@router.get("/entities/{entity_id:path}")
async def get_entity(
    request: Request,
    entity_id: str,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Documents and findings per page.")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Skip this many documents and findings.")] = 0,
) -> dict[str, Any]:
    """An entity: names in every script, offices held (with sources and as-of dates), mentions
    per month of publication, and the documents and findings that involve it (paged)."""
    return await run_in_threadpool(profile, request.app.state.store, entity_id, limit=limit, offset=offset)
