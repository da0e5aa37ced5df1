"""``POST /api/v1/items``: publish a statement, correct one or withdraw one (``publish``
scope) — what the publish page does, for a press office's own systems.

The body is a ``PublishRequest`` (JSON); the signing is ``web.publishing.perform``, the same
``Publisher`` operations as ``amanat publish`` / ``withdraw``, with the node's keys, which stay
on the server. The answer (201) names the new log entry and the item's page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from amanat.web.auth import require, viewer
from amanat.web.bodies import read_model
from amanat.web.publishing import PublishRequest, item_id, perform

router = APIRouter(prefix="/api/v1", tags=["publishing"])


@router.post(
    "/items",
    status_code=201,
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": PublishRequest.model_json_schema()}}}},
    responses={201: {"description": "Signed and logged."}, 400: {"description": "Bad input."},
               401: {"description": "No token."}, 403: {"description": "Token lacks the publish scope, "
                                                                    "or may not sign for that publisher."},
               404: {"description": "No such item (correct, withdraw)."}},
)
async def publish_item(request: Request) -> JSONResponse:
    """Sign and log a new item (``action: publish`` with headline, body, language), a
    correction (``correct`` with uri and body) or a withdrawal (``withdraw`` with uri and
    reason). Answers the log entry (origin, index, version) and the item's page."""
    who = require("publish", viewer(request))
    req = await read_model(request, PublishRequest)
    entry = await run_in_threadpool(perform, request.app.state.store, req, who, request.app.state.settings.keys_dir)
    body: dict[str, Any] = {
        "uri": entry.item_uri, "version": entry.item_version, "pubStatus": entry.pub_status,
        "origin": entry.origin, "index": entry.index, "kid": entry.kid,
        "page": f"/items/{item_id(entry.item_uri or '')}",
    }
    return JSONResponse(body, status_code=201, headers={"Location": body["page"]})
