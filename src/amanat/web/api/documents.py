"""``GET /api/v1/documents/{id}``: one stored document, its versions and its copies elsewhere."""

from __future__ import annotations

import itertools
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from amanat.errors import NotFound
from amanat.store.db import Store, StoredDocument
from amanat.web.auth import api_reader
from amanat.web.diff import unified

router = APIRouter(prefix="/api/v1", tags=["documents"], dependencies=[Depends(api_reader)])
MAX_ID = 64
_ID = re.compile(rf"[0-9A-Za-z]{{1,{MAX_ID}}}")


def load(store: Store, doc_id: str) -> tuple[StoredDocument, list[StoredDocument], list[StoredDocument]]:
    """The document, every version of its article (oldest first), and its copies at other URLs."""
    if not _ID.fullmatch(doc_id):  # ids are hex; anything else (NUL bytes too) is unknown
        raise NotFound(f"no document with id {doc_id[:MAX_ID]!r}")
    stored = store.get(doc_id)
    doc = stored.document
    history = store.versions(doc.canonical_url)
    copies = [c for c in store.copies(doc.content_hash) if c.document.canonical_url != doc.canonical_url]
    return stored, history, copies


def version_entry(v: StoredDocument, *, full: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": v.document.id, "version": v.version, "ingested": v.ingested.isoformat()}
    if full:
        entry |= {"title": v.document.title, "content_hash": v.document.content_hash,
                  "previous_id": v.previous_id}
    return entry


@router.get("/documents/{doc_id}")
def get_document(
    request: Request,
    doc_id: str,
    versions: Annotated[bool, Query(description="Include every version's metadata and the "
                                    "unified diffs between consecutive versions.")] = False,
) -> dict[str, Any]:
    """A document by id (or a unique prefix of 6+ characters) with every stored field."""
    stored, history, copies = load(request.app.state.store, doc_id)
    body = stored.as_dict()
    body["versions"] = [version_entry(v, full=versions) for v in history]
    body["copies"] = [
        {"id": c.document.id, "url": c.document.url, "source": c.document.source,
         "title": c.document.title} for c in copies
    ]
    if versions:
        body["diffs"] = [
            {"from": a.document.id, "to": b.document.id, "from_version": a.version,
             "to_version": b.version,
             "unified": unified(a.document.text, b.document.text, f"v{a.version}", f"v{b.version}")}
            for a, b in itertools.pairwise(history)
        ]
    return body
