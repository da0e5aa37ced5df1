"""``GET /sources``: every outlet with its document count."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from amanat.web.auth import page_reader
from amanat.web.pages import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(page_reader)])


@router.get("/sources")
def sources_page(request: Request) -> Response:
    return render(request, "sources.html", {"sources": request.app.state.store.sources()})
