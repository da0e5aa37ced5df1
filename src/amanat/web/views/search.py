"""``GET /search``: the search form, and ranked results with highlighted snippets.

Every filter is a query parameter (``lang``, ``source``, ``since``, ``until``, ``entity``,
``has_findings``), so a filtered search is a link that can be bookmarked or shared, and the
pages of results keep the filters.

Without a read token the search covers only documents derived from signed items (public).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from amanat.errors import QueryError
from amanat.web.api.search import SearchRequest
from amanat.web.auth import official_only, viewer
from amanat.web.errors import describe_validation
from amanat.web.pages import render

router = APIRouter(include_in_schema=False)
FIELDS = ("q", "lang", "source", "since", "until", "entity", "has_findings", "limit", "offset")
_YES = ("on", "1", "true", "yes")


@router.get("/search")
def search_page(request: Request) -> Response:
    who = viewer(request)
    form = {k: request.query_params.get(k, "") for k in FIELDS}
    context: dict[str, Any] = {"form": form, "hits": None, "error": None, "official_only": official_only(who)}
    if not form["q"].strip():
        return render(request, "search.html", context)
    try:
        given: dict[str, Any] = {k: v for k, v in form.items() if v != ""}
        if "has_findings" in given:  # a checkbox sends "on", or nothing
            given["has_findings"] = given["has_findings"].lower() in _YES
        req = SearchRequest.model_validate(given)
        from amanat.store.search import search

        hits = search(request.app.state.store, req.q, req.filters(who), limit=req.limit, offset=req.offset)
    except ValidationError as exc:
        context["error"] = describe_validation(list(exc.errors()))
        return render(request, "search.html", context, 400)
    except QueryError as exc:
        context["error"] = exc.diagnosis()
        return render(request, "search.html", context, 400)
    context |= {"hits": hits, "req": req,
                "prev": _page(request, max(req.offset - req.limit, 0)) if req.offset else None,
                "next": _page(request, req.offset + req.limit) if len(hits) == req.limit else None}
    return render(request, "search.html", context)


def _page(request: Request, offset: int) -> str:
    params = {k: v for k, v in request.query_params.items() if v} | {"offset": str(offset)}
    return f"{request.url.path}?{urlencode(params)}"
