"""Push: a node announces new entries to its followers, WebSub-style (W3C WebSub 1.0).

Subscribing: the follower POSTs a form to the publisher's hub (``/exchange/hub``) with
``hub.mode=subscribe``, ``hub.topic=<log origin>``, ``hub.callback=<its URL>`` and
``hub.secret``; the hub confirms the intent by GETting the callback with ``hub.challenge``,
which the follower must echo. Announcing: for every log that grew since the last notice the
hub POSTs the latest checkpoint note to each callback, signed with
``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>``. The follower checks the HMAC
(in constant time) and then syncs **from the log**: the notice only says "look now". It
carries no authority: what is kept still rests on the pinned key, the signatures and the tree.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlencode

from fastapi import APIRouter, BackgroundTasks, Query, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from amanat.errors import FetchError, InputError, NotFound
from amanat.exchange import partners as records
from amanat.exchange.http import JsonErrorRoute
from amanat.ingest.fetch import Fetcher
from amanat.provenance.log import Log
from amanat.store.db import Store
from amanat.web.errors import HttpError

SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_SECRET = 200  # bytes; WebSub caps hub.secret below 200 bytes
router = APIRouter(tags=["exchange"], route_class=JsonErrorRoute)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(signature(secret, body), header.strip())


def callback_url(base: str, origin: str) -> str:
    return base.rstrip("/") + "/exchange/push/" + quote(origin, safe="/:@-._~")


# --- hub (publisher side) ------------------------------------------------------------------------


def _hub_fetcher() -> Fetcher:
    return Fetcher(robots=False, min_delay=0.0, read_timeout=10.0, total_timeout=20.0, max_retries=1)


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
        with _hub_fetcher() as fetcher:
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


def announce(store: Store, *, fetcher: Fetcher) -> list[dict[str, Any]]:
    """POST the latest checkpoint of every grown log to its subscribers, HMAC-signed.

    One record per notice: ``status`` (the HTTP status, or why there was none) and
    ``delivered`` (a 2xx). A subscriber that answers 410 is dropped (``unsubscribed``); one
    that could not be reached keeps its last notified size, so the next announce retries it."""
    sent = []
    for sub in records.subscribers(store):
        log = Log(store, sub["origin"])
        try:
            size = log.size
        except NotFound:
            continue
        if size <= sub["notified_size"]:
            continue
        body = log.checkpoint().encode()
        headers = {"Content-Type": "text/plain; charset=utf-8", SIGNATURE_HEADER: signature(sub["secret"], body),
                   "Link": f'<{sub["origin"]}>; rel="self"'}
        try:
            answer = fetcher.fetch(sub["callback"], method="POST", content=body, headers=headers, raise_for_status=False)
            status: Any = answer.status
        except FetchError as exc:
            status = exc.diagnosis()
        delivered = isinstance(status, int) and 200 <= status < 300
        if status == 410:
            records.unsubscribe(store, sub["origin"], sub["callback"])
        elif delivered:
            records.mark_notified(store, sub["origin"], sub["callback"], size)
        sent.append({"origin": sub["origin"], "callback": sub["callback"], "size": size, "status": status,
                     "delivered": delivered, "unsubscribed": status == 410})
    return sent


# --- subscriber (follower side) ------------------------------------------------------------------


def subscribe_to(store: Store, origin: str, my_base: str, *, fetcher: Fetcher) -> None:
    """Ask the partner's hub to push notices for ``origin`` to this node's callback."""
    partner = records.get_partner(store, origin)
    secret = secrets.token_hex(32)
    records.update_partner(store, origin, push_secret=secret)
    form = urlencode({"hub.mode": "subscribe", "hub.topic": origin, "hub.callback": callback_url(my_base, origin),
                      "hub.secret": secret}).encode()
    answer = fetcher.fetch(partner.url + "/exchange/hub", method="POST", content=form,
                           headers={"Content-Type": "application/x-www-form-urlencoded"}, raise_for_status=False)
    if answer.status >= 300:
        raise InputError(f"the hub refused the subscription (HTTP {answer.status}): "
                         f"{answer.body[:200].decode('utf-8', 'replace')}", where=partner.url)


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


def _sync_now(store: Store, origin: str) -> None:
    from amanat.exchange import sync, witness

    with sync.make_fetcher() as fetcher:
        sync.sync_partner(store, origin, fetcher=fetcher, cosigner=witness.existing_cosigner(store))


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
    tasks.add_task(_sync_now, store, origin)
    return JSONResponse({"accepted": True}, status_code=202)
