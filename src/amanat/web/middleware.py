"""ASGI middleware that guards every request before routing: rate limit, size caps, requests
from other sites, headers.

Pure ASGI rather than Starlette's BaseHTTPMiddleware so that bodies stream through
untouched and a refused request costs no more than a dictionary lookup.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from amanat.web.errors import HttpError, json_error
from amanat.web.ratelimit import TokenBucket

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class BodyTooLarge(HttpError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, "body_too_large", f"request body is larger than {limit} bytes")


async def _refuse(scope: Scope, receive: Receive, send: Send, err: HttpError) -> None:
    await json_error(err.status, err.code, err.message, err.headers)(scope, receive, send)


class RateLimit:
    """429 with Retry-After once a client has spent its bucket."""

    def __init__(self, app: ASGIApp, *, bucket: TokenBucket) -> None:
        self.app, self.bucket = app, bucket

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            client = scope.get("client")
            wait = self.bucket.take(client[0] if client else "local")
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                err = HttpError(429, "rate_limited", f"too many requests: retry in {seconds} s",
                                {"Retry-After": str(seconds)})
                return await _refuse(scope, receive, send, err)
        await self.app(scope, receive, send)


class RequestLimits:
    """414 for an overlong query string, 413 for a body over the cap (declared or streamed)."""

    def __init__(self, app: ASGIApp, *, max_body: int, max_query: int) -> None:
        self.app, self.max_body, self.max_query = app, max_body, max_query

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if len(scope.get("query_string", b"")) > self.max_query:
            err = HttpError(414, "query_too_long", f"query string is longer than {self.max_query} bytes")
            return await _refuse(scope, receive, send, err)
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                err = HttpError(400, "bad_request", "Content-Length is not a number")
                return await _refuse(scope, receive, send, err)
            if int(declared) > self.max_body:
                return await _refuse(scope, receive, send, BodyTooLarge(self.max_body))
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge(self.max_body)  # the app's handler answers 413
            return message

        await self.app(scope, counted, send)


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _site(netloc: str, scheme: str) -> tuple[str, int | None] | None:
    """(host, port) of ``host[:port]``, the scheme's port when none is given; None if malformed."""
    try:
        parts = urlsplit(f"//{netloc}")
        return (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None


def cross_site(scope: Scope) -> str | None:
    """Why a state-changing request looks sent by a page of another site, or None.

    A browser says where a request comes from: ``Sec-Fetch-Site`` (set by the browser, not by
    pages), else ``Origin``, else ``Referer``; each must name this host (host and port, as the
    ``Host`` header gives them; the scheme is not compared, so a TLS proxy in front needs no
    setting). A client that sends none of them is not a browser acting for someone, and is let
    through: it has no one's cookie but its own."""
    fetch_site = _header(scope, b"sec-fetch-site")
    if fetch_site is not None and fetch_site.lower() in ("cross-site", "same-site"):
        return f"refused a {fetch_site.lower()} request (Sec-Fetch-Site)"
    for name in (b"origin", b"referer"):
        claimed = _header(scope, name)
        if claimed is None:
            continue
        label = name.decode().capitalize()
        try:
            parts = urlsplit(claimed)
        except ValueError:
            return f"{label} is not a URL"
        host = _header(scope, b"host")
        theirs = _site(parts.netloc, parts.scheme) if parts.scheme in _DEFAULT_PORTS else None
        ours = _site(host, parts.scheme) if host else None
        if theirs is None or ours is None or theirs != ours:
            return f"refused a request from another site ({label}: {claimed[:100]})"
        return None
    return None


class CrossSiteGuard:
    """403, before any route runs (so no cookie is set or cleared), for a POST, PUT, PATCH or
    DELETE that a browser sent from another site: login CSRF, forced logout, and any later
    cookie-authenticated form. The cookie's SameSite=Strict is the first line; this one also
    holds for browsers that ignore SameSite and for sibling subdomains (same-site)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") in UNSAFE_METHODS and (why := cross_site(scope)):
            return await _refuse(scope, receive, send, HttpError(403, "cross_site", why))
        await self.app(scope, receive, send)


class SecurityHeaders:
    """nosniff, no framing, same-origin referrers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def _header(scope: Scope, name: bytes) -> str | None:
    headers: Any = scope.get("headers", [])
    for key, value in headers:
        if key == name:
            return value.decode("latin-1").strip()
    return None
