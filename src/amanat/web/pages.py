"""Rendering HTML pages: one Jinja2 environment (autoescaping on), one helper, strict CSP.

The pages use no JavaScript, so the Content-Security-Policy forbids scripts outright; the
chart is inline SVG and the only stylesheet is ours. URLs that come from stored documents are
someone else's text: the ``outlink`` filter makes one a link only when it is plainly http(s),
so a ``javascript:`` or ``data:`` URL is shown, never followed (the CSP is the second line,
not the only one).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import Request
from markupsafe import Markup, escape
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from amanat.web.chart import label as period_label
from amanat.web.entity import entity_href
from amanat.web.highlight import marked

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")

# What browsers strip from a URL before reading its scheme: leading and trailing C0 controls
# and spaces. Inside, tabs and newlines are dropped too, so any control character at all makes
# the URL text, not a link; what is left must start with http:// or https://.
_EDGES = "".join(map(chr, range(0x21)))
_WEB_URL = re.compile(r"https?://[^\x00-\x20\x7f]+", re.IGNORECASE)


def link_target(url: object) -> str | None:
    """``url`` (trimmed) when it is an absolute http(s) URL, safe as an ``href``; else None."""
    if not isinstance(url, str):
        return None
    trimmed = url.strip(_EDGES)
    return trimmed if _WEB_URL.fullmatch(trimmed) else None


def outlink(url: object) -> Markup:
    """A stored URL as a link out (no referrer, no follow) if http(s), else as plain text."""
    text = "" if url is None else str(url)
    target = link_target(url)
    if target is None:
        return escape(text)
    return Markup('<a href="{}" rel="noopener noreferrer nofollow">{}</a>').format(target, text)


_MARKDOWN: Any = None


def markdown(text: object) -> Markup:
    """Markdown (CommonMark) as HTML with raw HTML turned off: a ``<script>`` in the text is
    shown as text, link targets other than http(s), mailto and relative ones are dropped by the
    parser's link check, and images are not rendered (the CSP would block remote ones anyway)."""
    global _MARKDOWN
    if _MARKDOWN is None:
        from markdown_it import MarkdownIt

        _MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")
    return Markup(_MARKDOWN.render("" if text is None else str(text)))


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.autoescape = True
    env.filters["marked"] = marked
    env.filters["period"] = period_label
    env.filters["outlink"] = outlink
    env.filters["markdown"] = markdown
    env.filters["entity_href"] = entity_href
    env.trim_blocks = env.lstrip_blocks = True
    return templates


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    from amanat.web.auth import Viewer, viewer
    from amanat.web.errors import HttpError

    state = request.app.state
    who = getattr(request.state, "viewer", None)
    if who is None:
        try:  # every page shows who is signed in, and offers what the token's scope allows
            who = viewer(request)
        except HttpError:  # a bad Authorization header: this page is the error about it
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
