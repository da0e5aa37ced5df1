"""``/api/v1/stories`` and ``/api/v1/reprints``: documents grouped by event, and signed items
as the press reprinted them.

Both quote ingested coverage (titles, URLs, the words a reprint changed), so reading them
needs the ``read`` scope unless the node serves its documents publicly, exactly as the
documents do. The answers are the objects of ``amanat stories --json``, ``amanat story ID
--json`` (with the story's cross-source findings) and ``amanat reprints URI --json``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from amanat.store import findings, reprints, stories
from amanat.web.auth import api_reader

router = APIRouter(prefix="/api/v1", tags=["stories"])
MAX_LIMIT = 1_000
MAX_OFFSET = 10_000_000


@router.get("/stories", dependencies=[Depends(api_reader)])
def list_stories(
    request: Request,
    response: Response,
    since: Annotated[date | None, Query(description="Only stories with coverage on or after this day.")] = None,
    min_documents: Annotated[int, Query(ge=1, le=1_000_000, description="Only stories with at least this many "
                                        "documents.")] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many.")] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Skip this many first.")] = 0,
) -> list[dict[str, Any]]:
    """Stories, latest coverage first; the ``X-Total-Count`` header says how many match."""
    rows, total = stories.page_of_stories(request.app.state.store, since=since, min_documents=min_documents,
                                          limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return rows


@router.get("/stories/{story_id}", dependencies=[Depends(api_reader)])
def get_story(request: Request, story_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    """One story (an id or a unique prefix of one): its timeline, its reports with their wire
    copies, and the current findings of the checks across its documents."""
    store = request.app.state.store
    story = stories.get_story(store, story_id)
    return {**story, "findings": findings.list_findings(store, story_id=story["id"])}


@router.get("/reprints", dependencies=[Depends(api_reader)])
def item_reprints(
    request: Request,
    item: Annotated[str, Query(min_length=1, max_length=2048, description="The signed item's URI.")],
) -> dict[str, Any]:
    """A signed item's versions and every stored document that reprints or quotes it, with its
    fidelity (verbatim, truncated, altered, extended, misattributed) and the exact differences."""
    return reprints.of_item(request.app.state.store, item)
