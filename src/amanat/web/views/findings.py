"""``/findings``: the checks' findings, filtered and paged; ``/findings/{id}``: one finding with
its evidence in context, the record facts it used, and its review.

Findings quote coverage, so they need a read token unless the node serves its documents
publicly, as the document pages do. Confirming or dismissing needs a signed-in token with the
``review`` scope; the form posts to this site only (``CrossSiteGuard`` refuses a post from
another site, and the session cookie is SameSite=Strict), and a decision is recorded as the
API's ``POST /api/v1/findings/{id}/review`` records it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from amanat.errors import NotFound
from amanat.model import FINDING_STATUSES
from amanat.store import findings
from amanat.store.db import Store
from amanat.store.findings import REVIEWS
from amanat.web.auth import Viewer, page_reader, refusal
from amanat.web.errors import HttpError, describe_validation
from amanat.web.findings_query import MAX_PAGE, PAGE_SIZE, FindingFilters
from amanat.web.marks import Mark, context_window, marked_text
from amanat.web.pages import render

router = APIRouter(include_in_schema=False)
MAX_NOTE = 10_000


def known_id(finding_id: str) -> bool:
    return len(finding_id) == 16 and finding_id.isalnum()


def one_finding(store: Store, finding_id: str) -> dict[str, Any]:
    """A current finding by id (dismissed ones too); NotFound otherwise."""
    found = findings.list_findings(store, dismissed=True, finding_id=finding_id) if known_id(finding_id) else []
    if not found:
        raise NotFound(f"no finding {finding_id[:16]!r}")
    return found[0]


@router.get("/findings")
def findings_page(request: Request, who: Annotated[Viewer, Depends(page_reader)]) -> Response:
    store = request.app.state.store
    params = dict(request.query_params)
    context: dict[str, Any] = {"form": params, "statuses": FINDING_STATUSES, "reviews": REVIEWS,
                               "types": findings.types(store),
                               "sources": store.source_keys(), "rows": [], "error": None}
    try:
        filters = FindingFilters.from_query(params, default_review="open")
        page = int(params.get("page") or 1)
        if not 1 <= page <= MAX_PAGE:
            raise ValueError
    except ValidationError as exc:
        context["error"] = describe_validation(list(exc.errors()))
        return render(request, "findings.html", context, 400)
    except ValueError:
        context["error"] = f"page must be a whole number from 1 to {MAX_PAGE}"
        return render(request, "findings.html", context, 400)
    rows, total = findings.select(store, filters.selection(), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
                                  newest_first=True)
    context |= {
        "filters": filters, "rows": rows, "total": total, "page": page, "first": (page - 1) * PAGE_SIZE + 1,
        "prev": f"/findings?{filters.query(page=page - 1)}" if page > 1 else None,
        "next": f"/findings?{filters.query(page=page + 1)}" if page * PAGE_SIZE < total else None,
        "feed_query": filters.query(),
    }
    return render(request, "findings.html", context)


def evidence_columns(store: Store, finding: dict[str, Any]) -> list[dict[str, Any]]:
    """The finding's evidence grouped by document, in the order the finding gives it: each
    document's title and outlet, and each evidence span marked in a stretch of its text."""
    columns: dict[str, dict[str, Any]] = {}
    for e in finding["evidence"]:
        col = columns.get(e["document_id"])
        if col is None:
            try:
                doc = store.get(e["document_id"]).document
            except NotFound:
                doc = None
            col = columns[e["document_id"]] = {"id": e["document_id"], "doc": doc, "spans": []}
        col["spans"].append(e)
    for col in columns.values():
        doc = col["doc"]
        col["passages"] = []
        if doc is None:
            col["passages"] = [{"html": None, "text": e["text"], "role": e["role"]} for e in col["spans"]]
            continue
        found = [e for e in col["spans"] if doc.text[e["start"]:e["end"]] == e["text"]]
        col["passages"] += [{"html": None, "text": e["text"], "role": e["role"]} for e in col["spans"] if e not in found]
        marks = [Mark(e["start"], e["end"], "evidence", "evidence", None, e["role"] or None) for e in found]
        windows: list[list[int]] = []
        for e in sorted(found, key=lambda e: e["start"]):
            lo, hi = context_window(doc.text, e["start"], e["end"])
            if windows and lo <= windows[-1][1]:
                windows[-1][1] = max(windows[-1][1], hi)
            else:
                windows.append([lo, hi])
        for lo, hi in windows:
            col["passages"].append({"html": marked_text(doc.text, marks, start=lo, end=hi),
                                    "before": lo > 0, "after": hi < len(doc.text),
                                    "roles": sorted({e["role"] for e in found if lo <= e["start"] < hi and e["role"]})})
    return list(columns.values())


@router.get("/findings/{finding_id}")
def finding_page(request: Request, finding_id: str, who: Annotated[Viewer, Depends(page_reader)]) -> Response:
    store = request.app.state.store
    finding = one_finding(store, finding_id)
    return _finding(request, who, finding, None, 200)


def _finding(request: Request, who: Viewer, finding: dict[str, Any], error: str | None, status: int) -> Response:
    store = request.app.state.store
    return render(request, "finding.html", {
        "f": finding, "columns": evidence_columns(store, finding), "may_review": who.may("review"),
        "error": error, "note": "",
    }, status)


@router.post("/findings/{finding_id}/review")
async def review_form(request: Request, finding_id: str, who: Annotated[Viewer, Depends(page_reader)]) -> Response:
    """The confirm/dismiss form: the decision and a note; back to the finding's page."""
    store = request.app.state.store
    if not who.may("review"):
        raise refusal("review", who)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise HttpError(415, "unsupported_media_type", f"the review form posts form data, not {media or 'none'!r}")
    finding = await run_in_threadpool(one_finding, store, finding_id)
    form = await request.form(max_files=0, max_fields=4)
    decision = str(form.get("decision") or "")
    note = str(form.get("note") or "").strip()
    problem = None
    if decision not in findings.DECISIONS:
        problem = "choose confirm or dismiss"
    elif not note:
        problem = "a review needs a note saying why"
    elif len(note) > MAX_NOTE:
        problem = f"the note is longer than {MAX_NOTE} characters"
    if problem:
        return _finding(request, who, finding, problem, 400)
    reviewer = f"token {who.token.id}" if who.token else "unknown"
    await run_in_threadpool(findings.review, store, finding["id"], decision, note, reviewer)
    return RedirectResponse(f"/findings/{finding['id']}", status_code=303)
