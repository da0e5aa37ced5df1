"""``GET /items/{uri or id}``: an official item as a person reads it — headline, body,
version, who signed it and where in the log — with every version and the diff between
consecutive ones.

Items are public like the log they come from. Each version shown was verified here against
the publisher's key history (``KeyHistory.verify_entry``), not just read from the table.
Below the versions, the item's reprints in the coverage: each with its outlet, date,
fidelity classes and share, and its exact differences from the statement's text. They quote
coverage, so they are shown only to a viewer who may read it (a read token, or a node that
serves its documents publicly); others see how many there are not, only how to sign in.
"""

from __future__ import annotations

import itertools
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.responses import Response

from amanat.errors import InputError, NotFound
from amanat.provenance.items import body_of, headline_of
from amanat.store import reprints
from amanat.web.auth import viewer
from amanat.web.diff import compare
from amanat.web.pages import render
from amanat.web.publishing import item_id, resolve_item
from amanat.web.reprintdiff import pieces

router = APIRouter(include_in_schema=False)
REPRINTS_PAGE = 50
MAX_PAGE = 10_000


def load_item(store: Any, ref: str) -> dict[str, Any]:
    log, uri = resolve_item(store, ref)
    info = log.info()
    history = log.key_history()
    versions = []
    for entry in log.item_versions(uri):
        payload = history.verify_entry(entry.index, entry.token).payload
        versions.append({"entry": entry, "item": payload, "headline": headline_of(payload), "body": body_of(payload),
                         "status": payload.get("pubStatus", "usable"),
                         "markdown": (payload.get("bodies") or [{}])[0].get("contentType") == "text/markdown"})
    changes = [{"old": a, "new": b, "blocks": compare(a["body"], b["body"])}
               for a, b in itertools.pairwise(versions) if b["status"] != "canceled"]
    changes.reverse()  # newest change first
    return {"uri": uri, "id": item_id(uri), "publisher": info, "versions": versions, "latest": versions[-1],
            "changes": changes}


def reprint_page(params: QueryParams) -> int:
    raw = params.get("page") or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise InputError(f"page must be a whole number from 1 to {MAX_PAGE}")
    return int(raw)


def load_reprints(store: Any, data: dict[str, Any], page: int) -> dict[str, Any]:
    """One page of the item's current reprints, newest document first, each with its diff
    against the version it reproduces (the words of a quote, which covers only part of it)."""
    rows = list(reversed(reprints.by_item(store, data["uri"])))
    bodies = {int(v["item"].get("version", 0)): v["body"] for v in data["versions"]}
    shown = rows[(page - 1) * REPRINTS_PAGE:page * REPRINTS_PAGE]
    for r in shown:
        statement = bodies.get(int(r["version"]), "")
        r["pieces"] = pieces(statement, r["differences"]) if r["kind"] == "reprint" else []
        r["quoted"] = []
        if r["kind"] == "quote":
            try:
                text = store.get(r["document_id"]).document.text
            except NotFound:
                text = ""
            r["quoted"] = [text[a:b] for a, b in r["spans"] if 0 <= a < b <= len(text)]
    return {"reprints": shown, "reprints_total": len(rows), "reprints_page": page,
            "reprints_first": (page - 1) * REPRINTS_PAGE + 1,
            "reprints_next": page + 1 if page * REPRINTS_PAGE < len(rows) else None}


def _item_and_reprints(store: Any, ref: str, may_read: bool, page: int) -> dict[str, Any]:
    data = load_item(store, ref)
    if may_read:
        data |= load_reprints(store, data, page)
    return data


@router.get("/items/{ref:path}")
async def item_page(request: Request, ref: str) -> Response:
    page = reprint_page(request.query_params)
    may_read = viewer(request).may("read")
    data = await run_in_threadpool(_item_and_reprints, request.app.state.store, ref, may_read, page)
    return render(request, "item.html", {**data, "may_read": may_read})
