"""``GET /documents/{id}``: metadata, text, every version with a readable diff, and copies.

Coverage needs a read token (else the login form); a document derived from a signed item is
public, like the item, with only such versions and copies beside it.
"""

from __future__ import annotations

import itertools

from fastapi import APIRouter, Request
from starlette.responses import Response

from amanat.web.api.documents import load_for
from amanat.web.auth import viewer
from amanat.web.diff import compare
from amanat.web.errors import LoginRequired
from amanat.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/documents/{doc_id}")
def document_page(request: Request, doc_id: str) -> Response:
    who = viewer(request)
    stored, history, copies = load_for(request.app.state.store, doc_id, who,
                                       lambda: LoginRequired(who.cookie_problem))
    changes = [
        {"old": a, "new": b, "blocks": compare(a.document.text, b.document.text)}
        for a, b in itertools.pairwise(history)
    ]
    changes.reverse()  # newest change first
    return render(request, "document.html", {
        "stored": stored, "doc": stored.document, "history": history,
        "copies": copies, "changes": changes,
    })
