"""``GET /api/docs``: the interactive API reference (Swagger UI), served from this node.

FastAPI's own page loads Swagger UI from a CDN, so offline (or on a node that may not reach
one) it is a blank page. Here the bundle, its stylesheet and the few lines that start it are
static files of ours (``static/swagger-ui/``, version and licence noted there), and the page
keeps a Content-Security-Policy: scripts only from this node, none inline. Swagger UI sets
inline styles, so this one page allows them; the other pages do not.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference · Amanat</title>
<link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
</head>
<body>
<main id="swagger-ui" aria-label="API reference"><p><a href="/">Amanat</a> · the API reference needs
JavaScript; the same description is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></main>
<script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/swagger-ui/init.js"></script>
</body>
</html>
"""


@router.get("/api/docs")
def api_docs() -> HTMLResponse:
    return HTMLResponse(PAGE, headers={"Content-Security-Policy": DOCS_CSP})
