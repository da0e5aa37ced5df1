"""Official items as documents: every verified item version in a log — this node's own or a
partner's — is also stored as a document, so the press can be searched and later checked
against the official text with the same machinery as any other coverage.

The document's URL is the item URI (so a correction is a new *version* of it), its source is
the publisher's log origin (kind ``official``), and its raw input is the signed JWS itself.
A withdrawal adds no document: the log, not the document store, is the record of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Connection

from amanat.model import (
    ITEM_MEDIA_TYPE,
    Capture,
    Document,
    PublishedDate,
    content_hash,
    document_id,
)
from amanat.provenance.items import body_of, headline_of
from amanat.store.db import Store

MEDIA_TYPE = ITEM_MEDIA_TYPE


def item_document(origin: str, index: int, token: str, item: dict[str, Any]) -> tuple[Document, Capture] | None:
    """The document for one verified item version, or None for a withdrawal."""
    if item.get("pubStatus") == "canceled":
        return None
    uri = str(item["uri"])
    text = body_of(item).strip()
    if not text:
        return None
    digest = content_hash(text)
    when = item.get("versionCreated") or item.get("firstCreated")
    where = f"{origin}#entry {index}"
    doc = Document(
        id=document_id(uri, digest), url=uri, canonical_url=uri, source=origin, title=headline_of(item) or None,
        byline=item.get("copyrightHolder"),
        published=PublishedDate(str(when), "datetime", "metadata") if when else None,
        language=item.get("language"), text=text, content_hash=digest, media_type=MEDIA_TYPE, origin=where,
    )
    return doc, Capture(url=uri, body=token.encode("ascii"), media_type=MEDIA_TYPE, origin=where)


ITEM_OUTCOMES = ("new", "version", "copy", "same", "withdrawn", "empty")


def store_items(store: Store, origin: str, entries: Iterable[tuple[int, str, dict[str, Any]]],
                connection: Connection | None = None) -> dict[str, int]:
    """Store the documents of verified item entries (index, token, payload); returns what
    became of each item, counted by outcome (``ITEM_OUTCOMES``: the writer's new, version,
    copy or same, else no document for a withdrawal or an empty body), so that a run can
    report counts that add up to the items it stored.
    With ``connection``, inside its transaction (a publish: entry and document, or neither)."""
    counts = dict.fromkeys(ITEM_OUTCOMES, 0)
    pairs = []
    for index, token, payload in entries:
        pair = item_document(origin, index, token, payload)
        if pair is None:
            counts["withdrawn" if payload.get("pubStatus") == "canceled" else "empty"] += 1
        else:
            pairs.append(pair)
    with store.writer(connection) as writer:
        for outcome in writer.add_many(pairs, source_kind="official"):  # a sync's or a folder's items: one batch
            counts[outcome] += 1
    return counts
