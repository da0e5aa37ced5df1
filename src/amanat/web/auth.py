"""Who is asking: a bearer token (API clients) or the login cookie (browsers).

Ingested coverage needs the ``read`` scope unless the operator opened it with
``public_documents``. Documents derived from signed items are public like the items and the
log they come from (``/log/…``): anyone may read and search them (``official_only``). A
malformed, unknown or revoked token in the Authorization header is always refused (401), even
where no token is needed, so a client learns at once that its credentials are wrong; a stale
cookie is only ignored, so a browser still sees public pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from amanat.store.tokens import Token, check_token
from amanat.web.errors import HttpError, LoginRequired

COOKIE = "amanat_token"
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="amanat"'}


@dataclass(frozen=True)
class Viewer:
    token: Token | None
    public_documents: bool
    cookie_problem: str | None = None  # why a cookie was ignored, for the login page

    def may(self, scope: str) -> bool:
        if scope == "read" and self.public_documents:
            return True
        return self.token is not None and self.token.allows(scope)


def _bad_token(message: str) -> HttpError:
    return HttpError(401, "bad_token", message, CHALLENGE)


def viewer(request: Request) -> Viewer:
    """Resolve the caller once per request (cached on ``request.state``)."""
    cached = getattr(request.state, "viewer", None)
    if cached is not None:
        return cached
    app = request.app.state
    header = request.headers.get("authorization")
    token: Token | None = None
    problem = None
    if header is not None:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise _bad_token("Authorization header must be 'Bearer <token>'")
        token = check_token(app.store, value.strip())
        if token is None:
            raise _bad_token("unknown token")
        if token.revoked is not None:
            raise _bad_token(f"token {token.id} was revoked")
    elif cookie := request.cookies.get(COOKIE):
        token = check_token(app.store, cookie)
        if token is None or token.revoked is not None:
            token, problem = None, "your saved token is no longer valid; sign in again"
    result = Viewer(token, app.settings.public_documents, problem)
    request.state.viewer = result
    return result


def refusal(scope: str, who: Viewer) -> HttpError:
    """Why ``who`` may not use ``scope``: 401 without a token, 403 when its token lacks it."""
    if who.token is None:
        return HttpError(401, "token_required", f"this needs a token with the {scope!r} scope "
                         "(Authorization: Bearer <token>)", CHALLENGE)
    return HttpError(403, "forbidden", f"token {who.token.id} has scope {who.token.scope!r}, "
                     f"which does not allow {scope!r}")


def require(scope: str, who: Viewer) -> Viewer:
    """The viewer if it may use ``scope``; else 401 (no token) or 403 (token lacks scope)."""
    if who.may(scope):
        return who
    raise refusal(scope, who)


def signed_in_with(request: Request, scope: str, doing: str) -> Viewer:
    """For pages: the viewer if it may use ``scope``; without a token, the sign-in page saying
    that ``doing`` needs one; with a token that lacks the scope, 403."""
    who = viewer(request)
    if who.token is None:
        raise LoginRequired(f"{doing} needs a token with the {scope} scope: sign in with one")
    return require(scope, who)


def official_only(who: Viewer) -> bool:
    """True when ``who`` may see only documents derived from signed items, not coverage."""
    return not who.may("read")


async def caller(request: Request) -> Viewer:
    """``viewer`` as a FastAPI dependency of the API's routes. Async so that it runs on the
    event loop: FastAPI hands every sync dependency to a worker thread and back, which costs
    more than the check itself (one primary-key lookup and a SHA-256) and, with the route and
    its response each taking another hand-off, halved the requests/s a route could answer."""
    return viewer(request)


async def api_reader(request: Request) -> Viewer:
    """FastAPI dependency for API routes over ingested coverage (on the event loop, as ``caller``)."""
    return require("read", viewer(request))


def page_reader(request: Request) -> Viewer:
    """FastAPI dependency for HTML pages over ingested coverage: shows the login form if needed."""
    who = viewer(request)
    if not who.may("read"):
        raise LoginRequired(who.cookie_problem)
    return who
