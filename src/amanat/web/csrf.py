"""CSRF tokens for the forms that change something (publish): a hidden field bound to the
browser's sign-in cookie.

The token is an HMAC, under a key made when the app starts, of the cookie's token value: a
page of another site can neither read it (same-origin policy) nor compute it (it knows
neither the key nor the cookie). It is the third line, after the SameSite=Strict cookie and
the cross-site guard (``middleware.CrossSiteGuard``), for browsers that send neither
``Sec-Fetch-Site`` nor ``Origin``. A restart makes open forms stale: the page says to reload.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from amanat.web.auth import COOKIE
from amanat.web.errors import HttpError

FIELD = "csrf"


def _key(request: Request) -> bytes:
    state = request.app.state
    if getattr(state, "csrf_key", None) is None:
        state.csrf_key = secrets.token_bytes(32)
    return state.csrf_key


def token_for(request: Request) -> str:
    """The CSRF token to put in a form for this browser ("" without a sign-in cookie)."""
    cookie = request.cookies.get(COOKIE, "")
    return hmac.new(_key(request), cookie.encode(), hashlib.sha256).hexdigest() if cookie else ""


def check(request: Request, presented: str | None) -> None:
    """403 unless ``presented`` is this browser's token."""
    expected = token_for(request)
    if not expected or not presented or not hmac.compare_digest(expected, presented):
        raise HttpError(403, "bad_csrf_token", "this form is stale or was not sent from this site: reload the page "
                        "and submit it again")
