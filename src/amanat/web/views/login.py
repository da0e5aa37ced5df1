"""``/login`` and ``/logout``: a browser hands over a token once; an HttpOnly cookie keeps it.

The cookie is HttpOnly (scripts cannot read it), SameSite=Strict (other sites cannot make
the browser send it, which also stops cross-site form posts), and Secure over HTTPS.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from amanat.store.tokens import check_token
from amanat.web.auth import COOKIE
from amanat.web.errors import HttpError
from amanat.web.pages import render

router = APIRouter(include_in_schema=False)
COOKIE_DAYS = 7


def safe_next(target: str | None) -> str:
    """Only same-site paths: never an absolute or scheme-relative URL (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_form(request: Request) -> Response:
    return render(request, "login.html", {"message": None, "next": safe_next(request.query_params.get("next"))})


@router.post("/login")
async def login(request: Request) -> Response:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise HttpError(415, "unsupported_media_type", f"the login form posts form data, not {media or 'none'!r}")
    form = await request.form(max_files=0, max_fields=4)
    presented = str(form.get("token") or "").strip()
    target = safe_next(str(form.get("next") or "/"))
    token = check_token(request.app.state.store, presented) if presented else None
    # any valid token signs in: its scope decides what each page offers (read: coverage;
    # publish: the publish page), and the pages say which scope they need
    if token is None or token.revoked is not None:
        message = "that token was revoked" if token is not None else "unknown token"
        return render(request, "login.html", {"message": message, "next": target}, 401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, presented, max_age=COOKIE_DAYS * 86400, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response
