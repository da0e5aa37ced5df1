"""Publishing from the web: the statement, correction or withdrawal a signed-in publisher asks
for, carried out with the same ``Publisher`` operations as ``amanat publish`` and
``amanat withdraw`` (``provenance.publishing``); only the request is read here.

The node's private keys stay on the server (``Settings.keys_dir``); an encrypted key's
passphrase comes from the server's environment at start. A token with the ``publish`` scope
may sign for this node's own publishers; one whose publisher name names one of them (its name
or log origin) may sign for that one only, so a press office's token cannot sign for another
office hosted on the same node.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from amanat.errors import InputError, NotFound
from amanat.provenance.log import Entry, Log
from amanat.provenance.publishing import Publisher
from amanat.store.db import Store
from amanat.web.auth import Viewer
from amanat.web.bodies import CONTROL, printable
from amanat.web.errors import HttpError

MAX_BODY_CHARS = 200_000
Action = Literal["publish", "correct", "withdraw"]


class PublishRequest(BaseModel):
    """A statement to sign (``publish``), a new version of one (``correct``), or its
    withdrawal (``withdraw``, with a reason)."""

    model_config = ConfigDict(extra="forbid")
    action: Action = Field("publish", description="publish a new item, correct one, or withdraw one.")
    publisher: str | None = Field(None, max_length=255, description="Publisher name or log origin (default: the only one this token may use).")
    headline: str | None = Field(None, max_length=500, description="Required to publish; optional for a correction (keeps the old one).")
    body: str | None = Field(None, max_length=MAX_BODY_CHARS, description="The text (Markdown). Required to publish or correct.")
    language: str | None = Field(None, max_length=35, description="Language tag (en, ru, kk-Cyrl…), required to publish.")
    content_type: Literal["text/markdown", "text/plain"] = Field("text/markdown", description="How the body is written.")
    uri: str | None = Field(None, max_length=500, description="The item to correct or withdraw (its URI or id).")
    reason: str | None = Field(None, max_length=2000, description="Why it is withdrawn (published in the item).")

    @field_validator("publisher", "headline", "language", "uri", "reason")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        return printable(value)

    @field_validator("body")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        if value is not None and (CONTROL.search(value) or "\x00" in value):
            raise ValueError("control characters are not allowed")
        return value.replace("\r\n", "\n") if value is not None else None


def local_publishers(store: Store, who: Viewer) -> list[dict[str, Any]]:
    """This node's own publishers that ``who`` may sign for (name, origin)."""
    mine = [p for p in Log.all(store) if p["local"]]
    if who.token is not None:
        named = [p for p in mine if who.token.publisher in (p["name"], p["origin"])]
        if named:
            return named
    return mine


def resolve_item(store: Store, ref: str) -> tuple[Log, str]:
    """The log and URI of an item given by its URI or by its id (the URI's last part)."""
    import sqlalchemy as sa

    from amanat.store import schema as t

    e = t.log_entries
    ref = ref.strip()
    if not ref:
        raise InputError("name the item: its URI or id")
    match = sa.or_(e.c.item_uri == ref, e.c.item_uri.like(f"%/items/{_like_escape(ref)}", escape="\\"))
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(e.c.origin, e.c.item_uri).where(e.c.kind == "item", match)
                            .group_by(e.c.origin, e.c.item_uri).limit(2)).fetchall()
    if not rows:
        raise NotFound(f"no item {ref!r} in this node's logs")
    if len(rows) > 1:
        raise InputError(f"{ref!r} names more than one item: give its full URI")
    return Log(store, rows[0].origin), rows[0].item_uri


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def perform(store: Store, req: PublishRequest, who: Viewer, keys_dir: str | None) -> Entry:
    """Sign and log what ``req`` asks for; InputError/NotFound (4xx) for what cannot be done."""
    allowed = local_publishers(store, who)
    if not allowed:
        raise InputError("this node has no publisher of its own: create one with `amanat keys new --publisher NAME`")
    if req.action == "publish":
        chosen = _choose(allowed, req.publisher)
        pub = Publisher.open(store, chosen["origin"], keys_dir)
        if not (req.headline or "").strip() or not (req.body or "").strip() or not (req.language or "").strip():
            raise InputError("a statement needs a headline, a body and a language")
        return pub.publish(headline=req.headline or "", body=req.body or "", language=(req.language or "").strip(),
                           content_type=req.content_type)
    log, uri = resolve_item(store, req.uri or "")
    owner = next((p for p in allowed if p["origin"] == log.origin), None)
    if owner is None:
        raise HttpError(403, "forbidden", f"this token may not sign for the publisher of {uri}")
    pub = Publisher.open(store, log.origin, keys_dir)
    if req.action == "correct":
        if not (req.body or "").strip():
            raise InputError("a correction needs the corrected body")
        return pub.correct(uri, body=req.body or "", headline=(req.headline or "").strip() or None)
    return pub.withdraw(uri, reason=req.reason or "")


def _choose(allowed: list[dict[str, Any]], wanted: str | None) -> dict[str, Any]:
    if wanted:
        found = next((p for p in allowed if wanted in (p["name"], p["origin"])), None)
        if found is None:
            raise HttpError(403, "forbidden", f"this token may not sign for {wanted!r}")
        return found
    if len(allowed) > 1:
        raise InputError("name the publisher: this token may sign for " + ", ".join(p["name"] for p in allowed))
    return allowed[0]


def item_id(uri: str) -> str:
    """The id part of an item URI (``…/items/<id>``), for the item page's address."""
    return uri.rsplit("/items/", 1)[-1] if "/items/" in uri else uri
