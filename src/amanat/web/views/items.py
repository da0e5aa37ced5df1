"""``GET /items/{uri or id}``: an official item as a person reads it — headline, body,
version, who signed it and where in the log — with every version and the diff between
consecutive ones.

Items are public like the log they come from. Each version shown was verified here against
the publisher's key history (``KeyHistory.verify_entry``), not just read from the table.
The reprints of the item (issue 15) get their own section below the versions.
"""

from __future__ import annotations

import itertools
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from amanat.provenance.items import body_of, headline_of
from amanat.web.diff import compare
from amanat.web.pages import render
from amanat.web.publishing import item_id, resolve_item

router = APIRouter(include_in_schema=False)


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


@router.get("/items/{ref:path}")
async def item_page(request: Request, ref: str) -> Response:
    data = await run_in_threadpool(load_item, request.app.state.store, ref)
    return render(request, "item.html", data)
