"""What a node serves to partners and to anyone: publishers, log entries, checkpoints, proofs,
items, bundles, feeds and cosignatures. Public: official items and the log are public.

The push hub and callbacks (``amanat.web.node_push``) are mounted here too, so one module
name in the app's route list serves the whole node protocol. Paths (``{origin}`` is the log origin as is, slashes included, e.g.
``/log/localhost/amanat/demo/entries``) are specified in docs/protocol.md, "Node protocol
(HTTP)". Every failure is a 4xx with ``{"error": {"code", "message"}}``, also outside
``/api/``: the routes here use a route class that answers errors in JSON itself.
"""

from __future__ import annotations

import email.utils
import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from amanat.errors import InputError, NotFound, VerificationError
from amanat.exchange import partners as records
from amanat.exchange import witness
from amanat.exchange.feeds import FeedEntry, FeedPage, atom_feed, json_feed
from amanat.provenance import jcs
from amanat.provenance.bundle import MEDIA_TYPE as BUNDLE_TYPE
from amanat.provenance.bundle import make_bundle
from amanat.provenance.keys import b64url_decode
from amanat.provenance.log import Entry, Log
from amanat.store import schema as t
from amanat.store.db import Store
from amanat.web.errors import HttpError, json_error
from amanat.web.jsonroute import JsonErrorRoute
from amanat.web.params import LogIndex, TreeSize, VersionNumber

NODE_TYPE = "amanat.node/v1"
MAX_ENTRIES = 1000  # per /entries answer
MAX_FEED = 200  # per feed page
CHECKPOINT_TYPE = "text/plain; charset=utf-8"


router = APIRouter(tags=["exchange"], route_class=JsonErrorRoute)


def _store(request: Request) -> Store:
    return request.app.state.store


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def log_path(origin: str) -> str:
    return "/log/" + quote(origin, safe="/:@-._~")


def _log(request: Request, origin: str) -> tuple[Log, dict[str, Any]]:
    log = Log(_store(request), origin)
    return log, log.info()  # NotFound → 404


def _payload(token: str) -> dict[str, Any]:
    return jcs.parse(b64url_decode(token.split(".")[1]))


# --- discovery --------------------------------------------------------------------------------


@router.get("/.well-known/amanat/publishers")
def node_document(request: Request) -> dict[str, Any]:
    """The publishers whose logs this node holds (its own, and mirrors of those it follows),
    its witness (cosigner) key, and its push hub."""
    base = _base(request)
    local: list[dict[str, Any]] = []
    mirrors: list[dict[str, Any]] = []
    for row in Log.all(_store(request)):
        summary = {"origin": row["origin"], "name": row["name"], "checkpointKey": row["checkpoint_vkey"],
                   "size": row["size"], "log": base + log_path(row["origin"]),
                   "publisher": f"{base}/.well-known/amanat/publishers/{quote(row['origin'], safe='/')}"}
        (local if row["local"] else mirrors).append(summary)
    return {"type": NODE_TYPE, "publishers": local, "mirrors": mirrors,
            "witness": witness.served_witness(_store(request)), "hub": f"{base}/exchange/hub"}


@router.get("/.well-known/amanat/publishers/{origin:path}")
def publisher_document(request: Request, origin: str) -> dict[str, Any]:
    """One publisher: its signed publisher document (log entry 0), and its keys as replayed
    from the log (informative: followers replay the log themselves)."""
    log, info = _log(request, origin)
    if info["size"] == 0:
        raise NotFound(f"log {origin} has no entries yet")
    first = log.entry(0)
    history = log.key_history()
    keys = [{"kid": r.kid, "validFrom": r.added_at, "revokedAt": None if r.revoked_at is None else r.revoked_at - 1,
             "reason": r.revoke_reason} for r in history.keys.values()]
    return {"origin": origin, "name": info["name"], "checkpointKey": info["checkpoint_vkey"], "local": info["local"],
            "size": info["size"], "token": first.token, "document": _payload(first.token), "keys": keys,
            "log": _base(request) + log_path(origin)}


# --- the log ------------------------------------------------------------------------------------


@router.get("/log/{origin:path}/entries")
def entries(request: Request, origin: str, start: Annotated[LogIndex, Query()] = 0,
            end: Annotated[LogIndex | None, Query()] = None) -> dict[str, Any]:
    """Entries ``start ≤ index < end`` (at most 1000, and never past the log's size), each
    its compact JWS; the leaf is the token's ASCII bytes."""
    log, info = _log(request, origin)
    size = int(info["size"])
    if start > size:
        raise InputError(f"start {start} is beyond the log's size {size}")
    stop = min(size, start + MAX_ENTRIES, size if end is None else end)
    if stop < start:
        raise InputError(f"end {end} is before start {start}")
    rows = [{"index": e.index, "token": e.token} for e in log.entries(start, stop)]
    return {"origin": origin, "size": size, "start": start, "end": stop, "entries": rows}


def _note_response(note_text: str) -> Response:
    return PlainTextResponse(note_text, media_type=CHECKPOINT_TYPE)


def _checkpoint_size(note_text: str) -> int:
    return int(note_text.split("\n", 2)[1])


@router.get("/log/{origin:path}/checkpoint", response_class=PlainTextResponse)
def checkpoint(request: Request, origin: str) -> Response:
    """The latest signed checkpoint note, with the cosignatures this node holds for it."""
    log, _ = _log(request, origin)
    text = log.checkpoint()
    return _note_response(witness.attach(_store(request), origin, _checkpoint_size(text), text))


@router.get("/log/{origin:path}/checkpoint/{size}", response_class=PlainTextResponse)
def checkpoint_at(request: Request, origin: str, size: LogIndex) -> Response:
    """The signed checkpoint at a tree size (404 if the log never signed one at that size)."""
    log, _ = _log(request, origin)
    return _note_response(witness.attach(_store(request), origin, size, log.checkpoint(size)))


def _b64(hashes: list[bytes]) -> list[str]:
    import base64

    return [base64.b64encode(h).decode() for h in hashes]


def _size_arg(info: dict[str, Any], size: int | None) -> int:
    have = int(info["size"])
    if size is None:
        return have
    if size > have:
        raise InputError(f"size {size} is beyond the log's size {have}")
    return size


@router.get("/log/{origin:path}/proof/inclusion")
def inclusion(request: Request, origin: str, index: Annotated[LogIndex, Query()],
              size: Annotated[TreeSize | None, Query()] = None) -> dict[str, Any]:
    """RFC 9162 inclusion proof of entry ``index`` in the tree of ``size`` (default: now)."""
    log, info = _log(request, origin)
    size = _size_arg(info, size)
    if index >= size:
        raise InputError(f"index {index} is not below size {size}")
    return {"origin": origin, "index": index, "size": size, "proof": _b64(log.inclusion_proof(index, size))}


@router.get("/log/{origin:path}/proof/consistency")
def consistency(request: Request, origin: str, first: Annotated[TreeSize, Query(alias="from")],
                second: Annotated[TreeSize | None, Query(alias="to")] = None) -> dict[str, Any]:
    """RFC 9162 consistency proof between tree sizes ``from`` and ``to`` (default: now)."""
    log, info = _log(request, origin)
    second = _size_arg(info, second)
    if first > second:
        raise InputError(f"from {first} is larger than to {second}")
    return {"origin": origin, "from": first, "to": second, "proof": _b64(log.consistency_proof(first, second))}


# --- items and bundles ----------------------------------------------------------------------------


def _item_uri(origin: str, item_id: str) -> str:
    return f"https://{origin}/items/{item_id}"


def _version(versions: list[Entry], uri: str, version: int | None) -> Entry:
    if not versions:
        raise NotFound(f"no item {uri}")
    if version is None:
        return versions[-1]
    chosen = next((e for e in versions if e.item_version == version), None)
    if chosen is None:
        raise NotFound(f"item {uri} has no version {version}")
    return chosen


@router.get("/log/{origin:path}/items/{item_id}")
def item(request: Request, origin: str, item_id: str,
         version: Annotated[VersionNumber | None, Query()] = None) -> dict[str, Any]:
    """One version of an item (default: the latest): the ninjs JSON and its compact JWS,
    with the log index, and the list of all versions."""
    log, _ = _log(request, origin)
    uri = _item_uri(origin, item_id)
    versions = log.item_versions(uri)
    chosen = _version(versions, uri, version)
    return {"uri": uri, "version": chosen.item_version, "index": chosen.index, "pubStatus": chosen.pub_status,
            "item": _payload(chosen.token), "jws": chosen.token,
            "versions": [{"version": e.item_version, "index": e.index, "pubStatus": e.pub_status} for e in versions]}


@router.get("/log/{origin:path}/bundles/{item_id}")
def bundle(request: Request, origin: str, item_id: str,
           version: Annotated[VersionNumber | None, Query()] = None) -> Response:
    """A self-contained bundle of an item version, with the cosignatures held for its checkpoint."""
    log, _ = _log(request, origin)
    uri = _item_uri(origin, item_id)
    _version(log.item_versions(uri), uri, version)
    made = make_bundle(log, uri, version)
    made["checkpoint"] = witness.attach(_store(request), origin, _checkpoint_size(made["checkpoint"]),
                                        made["checkpoint"])
    return Response(jcs.canonicalize(made), media_type=BUNDLE_TYPE)


# --- feeds ------------------------------------------------------------------------------------


def _feed_rows(store: Store, origin: str, before: int | None, limit: int) -> list[Any]:
    e = t.log_entries
    query = sa.select(e.c.idx, e.c.token, e.c.created).where(e.c.origin == origin, e.c.kind == "item")
    if before is not None:
        query = query.where(e.c.idx < before)
    with store.engine.connect() as conn:
        return list(conn.execute(query.order_by(e.c.idx.desc()).limit(limit)).fetchall())


def _rfc3339(value: datetime) -> str:
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _feed(request: Request, origin: str, before: int | None, limit: int, kind: str) -> tuple[FeedPage, dict[str, str]] | Response:
    log, info = _log(request, origin)
    size = int(info["size"])
    etag = '"' + hashlib.sha256(f"{origin}\n{size}\n{before}\n{limit}\n{kind}".encode()).hexdigest()[:32] + '"'
    last = log.entry(size - 1).created if size else datetime.now(UTC)
    last = last if last.tzinfo else last.replace(tzinfo=UTC)
    headers = {"ETag": etag, "Last-Modified": email.utils.format_datetime(last.astimezone(UTC), usegmt=True),
               "Cache-Control": "no-cache"}
    match = request.headers.get("if-none-match")
    if match is not None:
        if etag in [m.strip().removeprefix("W/") for m in match.split(",")] or match.strip() == "*":
            return Response(status_code=304, headers=headers)
    elif since := request.headers.get("if-modified-since"):
        try:
            when = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            when = None
        if when is not None and when.tzinfo is not None and int(last.timestamp()) <= int(when.timestamp()):
            return Response(status_code=304, headers=headers)
    rows = _feed_rows(_store(request), origin, before, limit + 1)
    more, rows = len(rows) > limit, rows[:limit]
    path = _base(request) + log_path(origin) + f"/feed.{kind}"
    args = {"limit": str(limit)} if limit != 50 else {}
    self_url = path + ("?" + urlencode({**args, "before": before}) if before is not None else ("?" + urlencode(args) if args else ""))
    next_url = path + "?" + urlencode({**args, "before": rows[-1].idx}) if more else None
    page = FeedPage(origin=origin, title=str(info["name"]), home=_base(request), self_url=self_url, next_url=next_url,
                    entries=[FeedEntry(r.idx, r.token, _rfc3339(r.created)) for r in rows], updated=_rfc3339(last))
    return page, headers


FeedBefore = Annotated[LogIndex | None, Query(description="Only entries with a smaller log index (paging).")]
FeedLimit = Annotated[int, Query(ge=1, le=MAX_FEED)]


@router.get("/log/{origin:path}/feed.json")
def feed_json(request: Request, origin: str, before: FeedBefore = None, limit: FeedLimit = 50) -> Response:
    """Items newest first as JSON Feed 1.1; each item carries ``_amanat.index`` and ``.jws``."""
    made = _feed(request, origin, before, limit, "json")
    if isinstance(made, Response):
        return made
    page, headers = made
    return JSONResponse(json_feed(page), headers=headers, media_type="application/feed+json")


@router.get("/log/{origin:path}/feed.atom")
def feed_atom(request: Request, origin: str, before: FeedBefore = None, limit: FeedLimit = 50) -> Response:
    """Items newest first as Atom, with ``amanat:index`` and ``amanat:jws`` on each entry."""
    made = _feed(request, origin, before, limit, "atom")
    if isinstance(made, Response):
        return made
    page, headers = made
    return Response(atom_feed(page), headers=headers, media_type="application/atom+xml")


# --- cosignatures -------------------------------------------------------------------------------


@router.get("/log/{origin:path}/cosignatures")
def cosignatures(request: Request, origin: str, size: Annotated[LogIndex | None, Query()] = None) -> dict[str, Any]:
    """Cosignatures this node made on the log (as its witness) and received for it (from its
    witnesses), each a signature line to append to the checkpoint note of that size."""
    _log(request, origin)
    rows = records.cosignatures(_store(request), origin, size)
    return {"origin": origin, "cosignatures": [
        {"size": r["size"], "cosigner": r["cosigner"], "vkey": r["vkey"], "timestamp": r["timestamp"],
         "line": r["line"], "made": r["made"]} for r in rows]}


@router.post("/log/{origin:path}/cosignatures", status_code=201)
async def post_cosignature(request: Request, origin: str) -> dict[str, Any]:
    """A witness hands in its cosignature of one of this node's checkpoints: JSON
    ``{"size": N, "line": "— <name> <base64>\\n"}``. Accepted only from a witness key this
    node pinned for a partner (``amanat follow --witness``), and only if it verifies."""
    log, info = _log(request, origin)
    if not info["local"]:
        raise HttpError(403, "not_local", f"{origin} is not a log of this node")
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise HttpError(415, "unsupported_media_type", "send application/json")
    try:
        body = jcs.parse(await request.body())
    except InputError as exc:
        raise HttpError(400, "bad_json", exc.message) from None
    if not isinstance(body, dict) or not isinstance(body.get("size"), int) or not isinstance(body.get("line"), str):
        raise HttpError(400, "bad_request", 'expected {"size": <int>, "line": "<signature line>"}')
    text = log.checkpoint(body["size"])
    line = body["line"] if body["line"].endswith("\n") else body["line"] + "\n"
    store = _store(request)
    for partner in records.list_partners(store):
        if not partner.witness_vkey:
            continue
        try:
            stamp = witness.check_cosignature(text, info["checkpoint_vkey"], line, partner.witness_vkey)
        except VerificationError:
            continue
        name = partner.witness_vkey.split("+", 1)[0]
        new = records.save_cosignature(store, origin=origin, size=body["size"], cosigner=name,
                                       vkey=partner.witness_vkey, timestamp=stamp, line=line, made=False)
        return {"origin": origin, "size": body["size"], "cosigner": name, "timestamp": stamp, "new": new}
    raise HttpError(403, "unknown_witness", "the cosignature does not verify under any witness key this node pinned")


@router.api_route("/log/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], include_in_schema=False)
@router.api_route("/.well-known/amanat/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"],
                  include_in_schema=False)
def unknown(request: Request, rest: str) -> Response:
    """Anything else under the node protocol's paths: a JSON 404."""
    return json_error(404, "not_found", f"no such endpoint: {request.method} {request.url.path}")


from amanat.web import node_push  # noqa: E402 - after this router's own routes, which it does not overlap

router.include_router(node_push.router)
