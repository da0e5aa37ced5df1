"""The HTTP side of push (WebSub): the hub a follower subscribes at, and the callback a hub
confirms and notifies. The protocol itself — signatures, announcing, subscribing — is
``amanat.exchange.push``; see docs/protocol.md.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, BackgroundTasks, Query, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from amanat.errors import FetchError
from amanat.exchange import partners as records
from amanat.exchange.push import MAX_SECRET, SIGNATURE_HEADER, hub_fetcher, signature_ok, sync_now
from amanat.provenance.log import Log
from amanat.store.db import Store
from amanat.web.errors import HttpError
from amanat.web.jsonroute import JsonErrorRoute

router = APIRouter(tags=["exchange"], route_class=JsonErrorRoute)


@router.post("/exchange/hub", status_code=202)
async def hub(request: Request) -> dict[str, Any]:
    """Subscribe or unsubscribe a callback to a log of this node (form-encoded, WebSub)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise HttpError(415, "unsupported_media_type", "send application/x-www-form-urlencoded")
    try:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8"), strict_parsing=False).items()}
    except UnicodeDecodeError:
        raise HttpError(400, "bad_request", "form is not UTF-8") from None
    mode, topic, callback = form.get("hub.mode"), form.get("hub.topic"), form.get("hub.callback")
    secret = form.get("hub.secret", "")
    if mode not in ("subscribe", "unsubscribe") or not topic or not callback:
        raise HttpError(400, "bad_request", "need hub.mode (subscribe|unsubscribe), hub.topic and hub.callback")
    if not callback.startswith(("http://", "https://")):
        raise HttpError(400, "bad_request", "hub.callback must be an http(s) URL")
    if mode == "subscribe" and not 16 <= len(secret.encode()) < MAX_SECRET:
        raise HttpError(400, "bad_request", f"hub.secret must have 16 to {MAX_SECRET - 1} bytes")
    store: Store = request.app.state.store
    info = Log(store, topic).info()
    if not info["local"]:
        raise HttpError(404, "not_found", f"{topic} is not a log of this node")
    challenge = secrets.token_urlsafe(24)
    query = urlencode({"hub.mode": mode, "hub.topic": topic, "hub.challenge": challenge})
    import anyio

    def confirm() -> bool:
        with hub_fetcher() as fetcher:
            try:
                answer = fetcher.fetch(callback + ("&" if "?" in callback else "?") + query, raise_for_status=False)
            except FetchError:
                return False
        return 200 <= answer.status < 300 and answer.body.decode("utf-8", "replace").strip() == challenge

    if not await anyio.to_thread.run_sync(confirm):
        raise HttpError(400, "callback_not_verified", "the callback did not echo hub.challenge")
    if mode == "subscribe":
        records.subscribe(store, topic, callback, secret, int(info["size"]))
    else:
        records.unsubscribe(store, topic, callback)
    return {"mode": mode, "topic": topic, "callback": callback}


@router.get("/exchange/push/{origin:path}")
def confirm_subscription(origin: str, mode: Annotated[str, Query(alias="hub.mode")],
                         topic: Annotated[str, Query(alias="hub.topic")],
                         challenge: Annotated[str, Query(alias="hub.challenge", max_length=200)],
                         request: Request) -> Response:
    """Echo the hub's challenge when this node did ask to (un)subscribe to ``origin``."""
    partner = records.get_partner(request.app.state.store, origin)
    if topic != origin or partner.push_secret is None or mode not in ("subscribe", "unsubscribe"):
        raise HttpError(404, "not_found", f"no subscription pending for {topic}")
    return PlainTextResponse(challenge)


@router.post("/exchange/push/{origin:path}", status_code=202)
async def notification(origin: str, request: Request, tasks: BackgroundTasks) -> Response:
    """A hub's notice that ``origin`` grew: check the HMAC, then sync in the background.
    A notice whose signature does not match is acknowledged and ignored (WebSub §8)."""
    store: Store = request.app.state.store
    partner = records.get_partner(store, origin)
    body = await request.body()
    if partner.push_secret is None or not signature_ok(partner.push_secret, body, request.headers.get(SIGNATURE_HEADER)):
        records.record_problem(store, origin, "bad_push", "a push notice with a wrong or missing HMAC was ignored")
        return JSONResponse({"accepted": False}, status_code=202)
    tasks.add_task(sync_now, store, origin)
    return JSONResponse({"accepted": True}, status_code=202)
