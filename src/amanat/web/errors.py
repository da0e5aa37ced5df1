"""Every failure becomes a 4xx with one JSON shape — ``{"error": {"code", "message"}}`` —
under ``/api/``, and an HTML page elsewhere. A 500 means a bug: the test suite fails on any.

Amanat's own errors map onto statuses by kind: a bad query or input is 400, an unknown id
404, a store that cannot be used 503, something that does not verify 422. A value the
database cannot take (an integer past its columns, a NUL byte in PostgreSQL text) is the
request's fault too: 400, whichever route let it through (``BAD_VALUES``).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from amanat.errors import (
    AmanatError,
    InputError,
    NotFound,
    QueryError,
    StoreError,
    VerificationError,
)


class HttpError(Exception):
    """A request the server refuses, with its status, a stable code and a one-line message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


class LoginRequired(Exception):
    """An HTML page that needs a read token the browser has not given (renders the login form)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or "")
        self.message = message


_BY_KIND: list[tuple[type[AmanatError], int, str]] = [
    (QueryError, 400, "bad_query"),
    (NotFound, 404, "not_found"),
    (VerificationError, 422, "verification_failed"),
    (InputError, 400, "bad_input"),
    (StoreError, 503, "store_unavailable"),
]
BAD_VALUES: tuple[type[Exception], ...] = (OverflowError, DataError)
"""What drivers raise for a value they cannot bind or store: SQLite's OverflowError for an
integer past 64 bits, PostgreSQL's data exceptions (out of range, NUL in text)."""

_REASONS = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 413: "body_too_large",
    414: "query_too_long", 415: "unsupported_media_type", 429: "rate_limited",
}


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def json_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def for_amanat_error(exc: AmanatError) -> HttpError:
    for kind, status, code in _BY_KIND:
        if isinstance(exc, kind):
            return HttpError(status, code, exc.diagnosis())
    return HttpError(400, "bad_request", exc.diagnosis())


def for_bad_value(exc: Exception) -> HttpError:
    """A 400 for one of ``BAD_VALUES``: the driver's reason, one line, without the SQL."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    detail = reason[0][:200] if reason else type(exc).__name__
    return HttpError(400, "bad_value", f"a value in the request cannot be looked up: {detail}")


def describe_validation(errors: list[Any]) -> str:
    """Pydantic's error list as one line: ``limit: Input should be ... (got 'x')``."""
    parts = []
    for e in errors[:3]:
        where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "body", "path"))
        got = f" (got {e['input']!r})" if "input" in e and not isinstance(e["input"], dict | list) else ""
        parts.append(f"{where or 'request'}: {e.get('msg', 'invalid')}{got}")
    return "; ".join(parts)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def install(app: FastAPI, render_html: Any) -> None:
    """Register the handlers; ``render_html(request, status, message)`` draws HTML errors."""

    def respond(request: Request, err: HttpError) -> Response:
        if wants_json(request):
            return json_error(err.status, err.code, err.message, err.headers)
        response = render_html(request, err.status, err.message)
        for k, v in (err.headers or {}).items():
            response.headers[k] = v
        return response

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HttpError)
        return respond(request, exc)

    async def on_amanat(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AmanatError)
        return respond(request, for_amanat_error(exc))

    async def on_bad_value(request: Request, exc: Exception) -> Response:
        return respond(request, for_bad_value(exc))

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError | ValidationError)
        return respond(request, HttpError(400, "invalid_parameter", describe_validation(list(exc.errors()))))

    async def on_starlette(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = _REASONS.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such page or endpoint: {request.url.path}"
        return respond(request, HttpError(exc.status_code, code, message, dict(exc.headers or {})))

    async def on_bug(request: Request, exc: Exception) -> Response:
        return json_error(500, "internal_error", "internal error (a bug: please report it)")

    app.add_exception_handler(HttpError, on_http_error)
    app.add_exception_handler(AmanatError, on_amanat)
    for kind in BAD_VALUES:
        app.add_exception_handler(kind, on_bad_value)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(ValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_starlette)
    app.add_exception_handler(Exception, on_bug)
