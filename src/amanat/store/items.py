"""Official items as lists show them: the newest versions in the logs this store keeps, the
node's own publishers' and its partners' alike, with each one's headline and status.

The headline is read from the logged JWS's payload without checking its signature again:
every entry was verified when it was written (``amanat.provenance.log``) and a list only
names it; the item's own page verifies each version it shows.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import sqlalchemy as sa

from amanat.store import schema as t
from amanat.store.db import Store

_e, _p = t.log_entries, t.publishers


def _payload(token: str) -> dict[str, Any]:
    try:
        part = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def latest_items(store: Store, *, limit: int = 5) -> list[dict[str, Any]]:
    """The ``limit`` most recently logged items (each item once, at its newest version), newest
    first: URI, version, status, headline, language, when logged, publisher and whether it is
    this node's own (``local``) or a partner's."""
    query = (sa.select(_e.c.origin, _e.c.idx, _e.c.item_uri, _e.c.item_version, _e.c.pub_status, _e.c.created,
                       _e.c.token, _p.c.name, _p.c.local)
             .select_from(_e.join(_p, _p.c.origin == _e.c.origin)).where(_e.c.kind == "item")
             .order_by(_e.c.created.desc(), _e.c.idx.desc()).limit(limit * 4))
    out: dict[str, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        for r in conn.execute(query):
            if r.item_uri in out:
                continue
            item = _payload(r.token)
            heads = item.get("headlines") or [{}]
            out[r.item_uri] = {"uri": r.item_uri, "version": r.item_version, "status": r.pub_status or "usable",
                               "headline": heads[0].get("value", "") if isinstance(heads[0], dict) else "",
                               "language": item.get("language"), "published": item.get("versionCreated"), "logged": r.created.isoformat() if r.created else None,
                               "origin": r.origin, "publisher": r.name, "local": bool(r.local)}
            if len(out) == limit:
                break
    return list(out.values())
