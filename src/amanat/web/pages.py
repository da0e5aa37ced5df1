"""Rendering HTML pages: one Jinja2 environment (autoescaping on), one helper, strict CSP.

The pages use no JavaScript, so the Content-Security-Policy forbids scripts outright; the
chart is inline SVG and the only stylesheet is ours.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from amanat.web.chart import label as period_label
from amanat.web.highlight import marked

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.autoescape = True
    env.filters["marked"] = marked
    env.filters["period"] = period_label
    env.trim_blocks = env.lstrip_blocks = True
    return templates


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    from amanat.web.auth import Viewer

    state = request.app.state
    who = getattr(request.state, "viewer", None)
    if who is None:
        who = Viewer(None, state.settings.public_documents)
    response = state.templates.TemplateResponse(
        request, name, {"viewer": who, "settings": state.settings, **context}, status_code=status
    )
    response.headers["Content-Security-Policy"] = CSP
    return response


def error_page(request: Request, status: int, message: str) -> Response:
    from amanat.web.errors import LoginRequired

    if status == 401 and not request.url.path.startswith("/api/"):
        return login_page(request, LoginRequired(message))
    return render(request, "error.html", {"status": status, "message": message}, status)


def login_page(request: Request, exc: Exception) -> Response:
    message = getattr(exc, "message", None)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return render(request, "login.html", {"message": message, "next": here}, 401)
