"""``/api/v1/findings``: the checks' findings, and reviewers' decisions on them.

Findings are about ingested coverage, so reading them needs the ``read`` scope (as the
documents do); confirming or dismissing one needs ``review`` (implied by ``admin``). The
answers are the same objects as ``amanat findings --json``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from amanat.errors import NotFound
from amanat.store import findings
from amanat.web.auth import Viewer, api_reader, require, viewer
from amanat.web.bodies import read_model
from amanat.web.errors import HttpError

router = APIRouter(prefix="/api/v1", tags=["findings"])
Status = Literal["contradicted", "inconsistent", "informational", "undetermined"]


@router.get("/findings", dependencies=[Depends(api_reader)])
def list_findings(
    request: Request,
    type: Annotated[str | None, Query(max_length=64, description="Only this type, e.g. title-at-date.")] = None,
    status: Annotated[Status | None, Query(description="Only this status.")] = None,
    document: Annotated[str | None, Query(max_length=64, pattern=r"^[0-9a-f]{1,64}$",
                                          description="Only findings on this document id.")] = None,
    dismissed: Annotated[bool, Query(description="Include dismissed findings.")] = False,
) -> list[dict[str, Any]]:
    """Every current finding matching the filters (no cap), oldest first."""
    return findings.list_findings(request.app.state.store, type=type, status=status, document_id=document,
                                  dismissed=dismissed)


@router.get("/findings/{finding_id}", dependencies=[Depends(api_reader)])
def get_finding(request: Request, finding_id: str) -> dict[str, Any]:
    """One finding, with its review if it has one (dismissed ones too)."""
    valid = len(finding_id) == 16 and finding_id.isalnum()
    found = findings.list_findings(request.app.state.store, dismissed=True, finding_id=finding_id) if valid else []
    if not found:
        raise NotFound(f"no finding {finding_id[:16]!r}")
    return found[0]


class Review(BaseModel):
    """A reviewer's decision: confirm or dismiss, and why."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["confirm", "dismiss"]
    note: str = Field(min_length=1, max_length=10_000)


@router.post("/findings/{finding_id}/review")
async def review_finding(request: Request, finding_id: str,
                         who: Annotated[Viewer, Depends(viewer)]) -> dict[str, Any]:
    """Confirm or dismiss a finding (``review`` scope); the decision survives re-analysis."""
    require("review", who)
    body = await read_model(request, Review)
    if len(finding_id) != 16 or not finding_id.isalnum():
        raise HttpError(404, "not_found", f"no finding {finding_id[:16]!r}")
    reviewer = f"token {who.token.id}" if who.token else "unknown"
    decided = await run_in_threadpool(findings.review, request.app.state.store, finding_id, body.decision,
                                      body.note, reviewer)
    return {**decided, "decided": decided["decided"].isoformat()}
