"""``GET /api/v1/documents/{id}``: one stored document, its versions and its copies elsewhere.

Coverage needs the ``read`` scope; a document derived from a signed item is public, like the
item (without the scope, only such versions and copies are listed beside it).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from amanat.errors import NotFound
from amanat.store import analysis
from amanat.store.db import Store, StoredDocument
from amanat.store.search import item_documents
from amanat.web.auth import Viewer, caller, official_only, refusal
from amanat.web.diff import unified

router = APIRouter(prefix="/api/v1", tags=["documents"])
MAX_ID = 64
_ID = re.compile(rf"[0-9A-Za-z]{{1,{MAX_ID}}}")


def load(store: Store, doc_id: str) -> tuple[StoredDocument, list[StoredDocument], list[StoredDocument]]:
    """The document, every version of its article (oldest first), and its copies at other URLs."""
    if not _ID.fullmatch(doc_id):  # ids are hex; anything else (NUL bytes too) is unknown
        raise NotFound(f"no document with id {doc_id[:MAX_ID]!r}")
    stored, history, group = store.with_related(doc_id)
    copies = [c for c in group if c.document.canonical_url != stored.document.canonical_url]
    return stored, history, copies


Loaded = tuple[StoredDocument, list[StoredDocument], list[StoredDocument]]


def load_for(store: Store, doc_id: str, who: Viewer, refused: Callable[[], Exception]) -> Loaded:
    """``load`` as ``who`` may see it: everything with the read scope; otherwise a document
    derived from a signed item, with only such versions and copies. Anything else — an unknown
    id too — raises ``refused()`` alike, so that no one learns without a token which coverage
    the store holds."""
    if not official_only(who):
        return load(store, doc_id)
    try:
        stored, history, copies = load(store, doc_id)
    except NotFound:
        raise refused() from None
    public = item_documents(store, [stored.document.id, *(v.document.id for v in history),
                                    *(c.document.id for c in copies)])
    if stored.document.id not in public:
        raise refused()
    return (stored, [v for v in history if v.document.id in public],
            [c for c in copies if c.document.id in public])


def version_entry(v: StoredDocument, *, full: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": v.document.id, "version": v.version, "ingested": v.ingested.isoformat()}
    if full:
        entry |= {"title": v.document.title, "content_hash": v.document.content_hash,
                  "previous_id": v.previous_id}
    return entry


@router.get("/documents/{doc_id}")
async def get_document(
    request: Request,
    doc_id: str,
    who: Annotated[Viewer, Depends(caller)],
    versions: Annotated[bool, Query(description="Include every version's metadata and the "
                                    "unified diffs between consecutive versions.")] = False,
) -> dict[str, Any]:
    """A document by id (or a unique prefix of 6+ characters) with every stored field.
    Coverage needs a read token; documents derived from signed items are public."""
    store = request.app.state.store
    if versions:  # diffs of long texts: a worker thread, so the server goes on meanwhile
        return await run_in_threadpool(document_body, store, doc_id, who, versions)
    # three indexed lookups (the document, its article's versions, its copies): on the event
    # loop, as that costs less than handing them to a worker thread and back
    return document_body(store, doc_id, who, versions)


def document_body(store: Store, doc_id: str, who: Viewer, versions: bool) -> dict[str, Any]:
    """What ``GET /api/v1/documents/{id}`` answers."""
    stored, history, copies = load_for(store, doc_id, who, lambda: refusal("read", who))
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


@router.get("/documents/{doc_id}/claims")
def get_claims(request: Request, response: Response, doc_id: str,
               who: Annotated[Viewer, Depends(caller)]) -> list[dict[str, Any]]:
    """The claims of a document (a list, as ``amanat claims ID --json``): type, start, end
    (offsets into the document's text), text, and the type's fields. Empty when the document
    has none, was not analysed for its language, or not analysed yet: the
    ``X-Amanat-Analysis`` header then says which. Same access as the document itself."""
    store = request.app.state.store
    stored, _, _ = load_for(store, doc_id, who, lambda: refusal("read", who))
    found, status, ran = analysis.claims_of(store, stored.document.id)
    if not ran:
        response.headers["X-Amanat-Analysis"] = "not analysed yet"
    elif status:
        response.headers["X-Amanat-Analysis"] = status
    return found
