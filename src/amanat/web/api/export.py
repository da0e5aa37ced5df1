"""``GET /api/v1/export.jsonl``: every stored document with every field, streamed, no cap."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.responses import StreamingResponse

from amanat.store.db import Store
from amanat.web.auth import api_reader

router = APIRouter(prefix="/api/v1", tags=["export"], dependencies=[Depends(api_reader)])
CHUNK = 1 << 16


def lines(store: Store) -> Iterator[bytes]:
    """JSON lines in ingest order, sent in ~64 KB chunks (memory stays flat on any store size)."""
    buf = bytearray()
    for stored in store.iter_documents():
        buf += orjson.dumps(stored.as_dict())
        buf += b"\n"
        if len(buf) >= CHUNK:
            yield bytes(buf)
            buf.clear()
    if buf:
        yield bytes(buf)


@router.get("/export.jsonl", response_class=StreamingResponse,
            responses={200: {"content": {"application/x-ndjson": {}}}})
def export_jsonl(request: Request) -> StreamingResponse:
    """One JSON object per line, as ``amanat export --format jsonl`` writes them."""
    return StreamingResponse(
        lines(request.app.state.store),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="amanat-export.jsonl"'},
    )
