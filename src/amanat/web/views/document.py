"""``GET /documents/{id}``: metadata, the text with its mentions, claims and findings' evidence
marked in place, the findings beside it, its story, every version with a readable diff, and copies.

Coverage needs a read token (else the login form); a document derived from a signed item is
public, like the item, with only such versions and copies beside it. Its findings quote
coverage, so they are shown only to a viewer who may read coverage.
"""

from __future__ import annotations

import itertools
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from amanat.store import analysis, entities, findings, stories
from amanat.store.db import Store
from amanat.store.findings import Selection
from amanat.web.api.documents import load_for
from amanat.web.auth import viewer
from amanat.web.diff import compare
from amanat.web.errors import LoginRequired
from amanat.web.marks import CLAIM_LABELS, Mark, marked_text
from amanat.web.pages import render

router = APIRouter(include_in_schema=False)


def annotated(store: Store, doc_id: str, text: str, *, with_findings: bool) -> dict[str, Any]:
    """The document's findings (numbered), claims and mentions, and its text with all three
    marked: evidence outermost, then claims, then mentions linked to their entities."""
    found = findings.select(store, Selection(document=doc_id, review="any"))[0] if with_findings else []
    claims, _, _ = analysis.claims_of(store, doc_id)
    mentions = entities.document_mentions(store, doc_id)
    marks: list[Mark] = []
    for n, f in enumerate(found, 1):
        f["n"] = n
        marks += [Mark(e["start"], e["end"], "evidence", "evidence", str(n), f"finding F{n}: {e['role']}")
                  for e in f["evidence"] if e["document_id"] == doc_id and text[e["start"]:e["end"]] == e["text"]]
    marks += [Mark(c["start"], c["end"], "claim", c["type"], None, f"claim: {CLAIM_LABELS.get(c['type'], c['type'])}")
              for c in claims if 0 <= c["start"] < c["end"] <= len(text)]
    for m in mentions:
        if not 0 <= m["start"] < m["end"] <= len(text):
            continue
        who = m["entity_id"]  # the page names it; the base is not loaded for a tooltip
        note = f"{m['kind']}: {who}" if who else f"{m['kind']} (not linked)"
        marks.append(Mark(m["start"], m["end"], "mention", m["kind"], who, note))
    kinds = sorted({m["kind"] for m in mentions})
    return {"findings": found, "marked": marked_text(text, marks), "claim_kinds": sorted({c["type"] for c in claims}),
            "mention_kinds": kinds, "n_mentions": len(mentions), "n_claims": len(claims)}


@router.get("/documents/{doc_id}")
def document_page(request: Request, doc_id: str) -> Response:
    who = viewer(request)
    store = request.app.state.store
    stored, history, copies = load_for(store, doc_id, who, lambda: LoginRequired(who.cookie_problem))
    changes = [
        {"old": a, "new": b, "blocks": compare(a.document.text, b.document.text)}
        for a, b in itertools.pairwise(history)
    ]
    changes.reverse()  # newest change first
    marked = annotated(store, stored.document.id, stored.document.text, with_findings=who.may("read"))
    story = stories.story_of(store, stored.document.id) if who.may("read") else None  # stories quote coverage
    return render(request, "document.html", {
        "stored": stored, "doc": stored.document, "history": history,
        "copies": copies, "changes": changes, "story_id": story, **marked, "claim_labels": CLAIM_LABELS,
    })
