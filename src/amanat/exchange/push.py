"""Push: a node announces new entries to its followers, WebSub-style (W3C WebSub 1.0).

Subscribing: the follower POSTs a form to the publisher's hub (``/exchange/hub``) with
``hub.mode=subscribe``, ``hub.topic=<log origin>``, ``hub.callback=<its URL>`` and
``hub.secret``; the hub confirms the intent by GETting the callback with ``hub.challenge``,
which the follower must echo. Announcing: for every log that grew since the last notice the
hub POSTs the latest checkpoint note to each callback, signed with
``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>``. The follower checks the HMAC
(in constant time) and then syncs **from the log**: the notice only says "look now". It
carries no authority: what is kept still rests on the pinned key, the signatures and the tree.

This module is the protocol's logic (signatures, announcing, subscribing); the HTTP routes
of the hub and of the callbacks are served by ``amanat.web.node_push``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any
from urllib.parse import quote, urlencode

from amanat.errors import FetchError, InputError, NotFound
from amanat.exchange import partners as records
from amanat.ingest.fetch import Fetcher
from amanat.provenance.log import Log
from amanat.store.db import Store

SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_SECRET = 200  # bytes; WebSub caps hub.secret below 200 bytes


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(signature(secret, body), header.strip())


def callback_url(base: str, origin: str) -> str:
    return base.rstrip("/") + "/exchange/push/" + quote(origin, safe="/:@-._~")


# --- hub (publisher side) ------------------------------------------------------------------------


def hub_fetcher() -> Fetcher:
    return Fetcher(robots=False, min_delay=0.0, read_timeout=10.0, total_timeout=20.0, max_retries=1)


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


def sync_now(store: Store, origin: str) -> None:
    """Sync one partner now (a push notice said its log grew)."""
    from amanat.exchange import sync, witness

    with sync.make_fetcher() as fetcher:
        sync.sync_partner(store, origin, fetcher=fetcher, cosigner=witness.existing_cosigner(store))
