"""``POST /api/v1/documents``: a newsroom's system pushes one document (``ingest`` scope).

It goes through the same pipeline as ``amanat ingest`` gives each document of a file or feed
(``ingest.pipeline.ingest_capture``, handed to ``create_app`` by ``amanat serve``): the same extraction, language detection, limits,
duplicate and version detection, and the same counts in the answer (``new``,
``new_versions``, ``copies``, ``same``, ``unchanged``, ``skipped``, ``failed`` with reasons).
The body is capped by the server's ``--max-body``, as every request is.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from amanat.model import Capture
from amanat.web.auth import require, viewer
from amanat.web.bodies import printable, read_model
from amanat.web.errors import HttpError
from amanat.web.pages import link_target

router = APIRouter(prefix="/api/v1", tags=["documents"])
_SOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")


class PushedDocument(BaseModel):
    """One document: its address and its content (a page's HTML, or text), with whatever
    metadata the sender knows; missing metadata is extracted or detected as on ingest."""

    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2048, description="Where it was published (http or https).")
    content: str = Field(min_length=1, description="The page's HTML, or the text.")
    media_type: Literal["text/html", "text/plain", "text/markdown"] = Field("text/html")
    title: str | None = Field(None, max_length=1000)
    published: str | None = Field(None, max_length=40, description="ISO 8601 date or date-time.")
    byline: str | None = Field(None, max_length=500)
    language: str | None = Field(None, max_length=16, description="ISO 639-1, when the sender knows it.")
    source: str | None = Field(None, max_length=255, description="Outlet key (default: from the URL's domain).")

    @field_validator("url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        if link_target(value) != value:
            raise ValueError("must be an absolute http(s) URL without spaces or control characters")
        return value

    @field_validator("title", "published", "byline", "language")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        return printable(value)

    @field_validator("source")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        if value is not None and not _SOURCE.fullmatch(value):
            raise ValueError("an outlet key is letters, digits, dots, dashes and underscores")
        return value

    def capture(self) -> Capture:
        hints: dict[str, Any] = {k: v for k, v in (("title", self.title), ("published", self.published),
                                                   ("byline", self.byline), ("language", self.language)) if v}
        return Capture(url=self.url, body=self.content.encode("utf-8"), media_type=self.media_type,
                       origin=f"POST /api/v1/documents {self.url}", charset="utf-8",
                       fetched=datetime.now(UTC), hints=hints)


@router.post(
    "/documents",
    status_code=201,
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": PushedDocument.model_json_schema()}}}},
    responses={201: {"description": "Stored (new, a new version or a copy)."},
               200: {"description": "Nothing new: seen before, the same text, or skipped with a reason."},
               400: {"description": "Bad input."}, 401: {"description": "No token."},
               403: {"description": "Token lacks the ingest scope."}},
)
async def push_document(request: Request) -> JSONResponse:
    """Ingest one document as ``amanat ingest`` would: answers the ingest summary (the same
    fields as ``amanat ingest --json``) and, when stored, the document's id."""
    require("ingest", viewer(request))
    pushed = await read_model(request, PushedDocument)
    ingest_capture = request.app.state.ingest
    if ingest_capture is None:
        raise HttpError(503, "ingest_unavailable", "this server was started without document ingest")
    summary, document = await run_in_threadpool(ingest_capture, request.app.state.store, pushed.capture(),
                                                source=pushed.source)
    stored = summary.new + summary.versions + summary.copies
    body = {**summary.as_dict(), "id": document.id if document is not None else None}
    headers = {"Location": f"/api/v1/documents/{document.id}"} if document is not None and stored else None
    return JSONResponse(body, status_code=201 if stored else 200, headers=headers)
