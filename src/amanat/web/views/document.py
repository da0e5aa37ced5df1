"""``GET /documents/{id}``: metadata, text, every version with a readable diff, and copies."""

from __future__ import annotations

import itertools

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from amanat.web.api.documents import load
from amanat.web.auth import page_reader
from amanat.web.diff import compare
from amanat.web.pages import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(page_reader)])


@router.get("/documents/{doc_id}")
def document_page(request: Request, doc_id: str) -> Response:
    stored, history, copies = load(request.app.state.store, doc_id)
    changes = [
        {"old": a, "new": b, "blocks": compare(a.document.text, b.document.text)}
        for a, b in itertools.pairwise(history)
    ]
    changes.reverse()  # newest change first
    return render(request, "document.html", {
        "stored": stored, "doc": stored.document, "history": history,
        "copies": copies, "changes": changes,
    })
