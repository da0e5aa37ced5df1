"""Reading request bodies: JSON only, under the size cap (enforced by ``RequestLimits``)."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import orjson
from fastapi import Request
from pydantic import BaseModel

from amanat.web.errors import HttpError

M = TypeVar("M", bound=BaseModel)
# control characters, tab and line breaks excepted: what a text field of a request refuses
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def printable(value: str | None) -> str | None:
    """A field validator's check: the value as given, or ValueError when it holds a control
    character (tab and line breaks allowed)."""
    if value is not None and CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


async def read_json(request: Request) -> Any:
    """The parsed JSON body; 415 for another content type, 400 for malformed JSON."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
        raise HttpError(415, "unsupported_media_type",
                        f"expected Content-Type: application/json, not {media or 'none'!r}")
    body = await request.body()
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise HttpError(400, "malformed_json", f"request body is not valid JSON: {exc}") from None


async def read_model(request: Request, model: type[M]) -> M:
    """The JSON body validated as ``model`` (a pydantic ValidationError becomes a 400)."""
    data = await read_json(request)
    if not isinstance(data, dict):
        raise HttpError(400, "invalid_body", "request body must be a JSON object")
    return model.model_validate(data)
