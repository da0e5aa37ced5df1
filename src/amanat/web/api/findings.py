"""``/api/v1/findings``: the checks' findings, and reviewers' decisions on them.

Findings are about ingested coverage, so reading them needs the ``read`` scope (as the
documents do); confirming or dismissing one needs ``review`` (implied by ``admin``). The
answers are the same objects as ``amanat findings --json``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from amanat.errors import NotFound
from amanat.store import findings
from amanat.store.findings import Review as ReviewState
from amanat.web.auth import Viewer, api_reader, caller, require
from amanat.web.bodies import read_model
from amanat.web.errors import HttpError
from amanat.web.findings_query import FindingFilters

router = APIRouter(prefix="/api/v1", tags=["findings"])
Status = Literal["contradicted", "inconsistent", "informational", "undetermined"]
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000


@router.get("/findings", dependencies=[Depends(api_reader)])
async def list_findings(
    request: Request,
    response: Response,
    type: Annotated[str | None, Query(max_length=64, description="Only this type, e.g. title-at-date.")] = None,
    status: Annotated[Status | None, Query(description="Only this status.")] = None,
    document: Annotated[str | None, Query(max_length=64, pattern=r"^[0-9a-f]{1,64}$",
                                          description="Only findings on this document id.")] = None,
    source: Annotated[str | None, Query(max_length=255, description="Only findings on this outlet's documents.")] = None,
    story: Annotated[str | None, Query(max_length=64, description="Only findings of this story id.")] = None,
    since: Annotated[date | None, Query(description="First seen on or after this day (UTC).")] = None,
    until: Annotated[date | None, Query(description="First seen on or before this day (UTC).")] = None,
    review: Annotated[ReviewState | None, Query(description="open, confirmed, dismissed, reviewed or any "
                                           "(default: all but dismissed).")] = None,
    dismissed: Annotated[bool, Query(description="Include dismissed findings (same as review=any).")] = False,
    limit: Annotated[int | None, Query(ge=1, le=MAX_LIMIT, description="At most this many (default: all).")] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Skip this many first.")] = 0,
) -> list[dict[str, Any]]:
    """Every current finding matching the filters, oldest first; ``limit``/``offset`` page
    through them, and the ``X-Total-Count`` header says how many match in all."""
    filters = FindingFilters.model_validate({
        "type": type, "status": status, "source": source, "story": story, "since": since, "until": until,
        "review": review or ("any" if dismissed else None)})
    rows, total = await run_in_threadpool(findings.select, request.app.state.store, filters.selection(document),
                                          limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return [{k: v for k, v in r.items() if k not in ("source", "document_title")} for r in rows]


@router.get("/findings/{finding_id}", dependencies=[Depends(api_reader)])
async def get_finding(request: Request, finding_id: str) -> dict[str, Any]:
    """One finding, with its review if it has one (dismissed ones too)."""
    # one primary-key lookup: on the event loop, cheaper than a worker thread's hand-off
    valid = len(finding_id) == 16 and finding_id.isalnum()
    found = findings.get(request.app.state.store, finding_id) if valid else None
    if found is None:
        raise NotFound(f"no finding {finding_id[:16]!r}")
    return found


class Review(BaseModel):
    """A reviewer's decision: confirm or dismiss, and why."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["confirm", "dismiss"]
    note: str = Field(min_length=1, max_length=10_000)


@router.post("/findings/{finding_id}/review")
async def review_finding(request: Request, finding_id: str,
                         who: Annotated[Viewer, Depends(caller)]) -> dict[str, Any]:
    """Confirm or dismiss a finding (``review`` scope); the decision survives re-analysis."""
    require("review", who)
    body = await read_model(request, Review)
    if len(finding_id) != 16 or not finding_id.isalnum():
        raise HttpError(404, "not_found", f"no finding {finding_id[:16]!r}")
    reviewer = f"token {who.token.id}" if who.token else "unknown"
    decided = await run_in_threadpool(findings.review, request.app.state.store, finding_id, body.decision,
                                      body.note, reviewer)
    return {**decided, "decided": decided["decided"].isoformat()}
