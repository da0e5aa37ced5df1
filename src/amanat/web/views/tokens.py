"""``/tokens``: token administration for a browser signed in with an ``admin`` token — list
tokens, create one (shown once, as ``amanat tokens new`` prints it once), revoke one.

Only hashes are stored (``store.tokens``); every form carries the CSRF token (``web.csrf``).
A token cannot revoke itself here: that would sign its holder out mid-page; use another
admin token or ``amanat tokens revoke``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from amanat.errors import AmanatError
from amanat.store.tokens import SCOPES, list_tokens, new_token, revoke_token
from amanat.web import csrf
from amanat.web.auth import Viewer, signed_in_with
from amanat.web.errors import HttpError
from amanat.web.pages import render

router = APIRouter(include_in_schema=False)


def _admin(request: Request) -> Viewer:
    return signed_in_with(request, "admin", "token administration")


def _page(request: Request, who: Any, *, created: tuple[Any, str] | None = None, error: str | None = None,
          status: int = 200) -> Response:
    return render(request, "tokens.html", {
        "tokens": list_tokens(request.app.state.store), "scopes": SCOPES, "created": created, "error": error,
        "me": who.token.id, "csrf": csrf.token_for(request)}, status)


async def _form(request: Request) -> dict[str, str]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise HttpError(415, "unsupported_media_type", f"this form posts form data, not {media or 'none'!r}")
    data = await request.form(max_files=0, max_fields=8)
    csrf.check(request, str(data.get(csrf.FIELD) or ""))
    return {k: str(v) for k, v in data.items() if isinstance(v, str)}


@router.get("/tokens")
def tokens_page(request: Request) -> Response:
    return _page(request, _admin(request))


@router.post("/tokens")
async def create_token(request: Request) -> Response:
    who = _admin(request)
    form = await _form(request)
    try:
        record, secret = new_token(request.app.state.store, form.get("publisher", "").strip(), form.get("scope", ""))
    except AmanatError as exc:
        return _page(request, who, error=exc.diagnosis(), status=400)
    return _page(request, who, created=(record, secret))


@router.post("/tokens/{token_id}/revoke")
async def revoke(request: Request, token_id: str) -> Response:
    who = _admin(request)
    await _form(request)
    if who.token is not None and token_id == who.token.id:
        return _page(request, who, error="this is the token you are signed in with: revoke it from another "
                     "admin token or with `amanat tokens revoke`", status=400)
    try:
        revoke_token(request.app.state.store, token_id)
    except AmanatError as exc:
        return _page(request, who, error=exc.diagnosis(), status=404)
    return RedirectResponse("/tokens", status_code=303)
