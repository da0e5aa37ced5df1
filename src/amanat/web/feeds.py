"""``/findings.atom`` and ``/findings.json``: new findings as Atom (RFC 4287) and JSON Feed 1.1,
with the findings list's filters (the same query string), so a newsroom or a press office
hears of them without opening the page.

Written with the standard library: ElementTree escapes every text and attribute, and a feed
of the newest findings needs no more than that. A feed library (feedgen) would add a
dependency for the same few elements. A feed needs the same read rights as the list; a feed
reader sends them as ``Authorization: Bearer …``, or the node serves its documents publicly.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.responses import Response

from amanat.store import findings
from amanat.web.auth import Viewer, require, viewer
from amanat.web.errors import HttpError, describe_validation
from amanat.web.findings_query import FindingFilters

router = APIRouter(include_in_schema=False)
ENTRIES = 50
ATOM = "http://www.w3.org/2005/Atom"


def feed_reader(request: Request) -> Viewer:
    return require("read", viewer(request))


def _newest(request: Request) -> tuple[FindingFilters, list[dict[str, Any]]]:
    try:
        filters = FindingFilters.from_query(dict(request.query_params))
    except ValidationError as exc:
        raise HttpError(400, "invalid_parameter", describe_validation(list(exc.errors()))) from None
    rows, _ = findings.select(request.app.state.store, filters.selection(), limit=ENTRIES, newest_first=True)
    return filters, rows


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _title(filters: FindingFilters) -> str:
    picked = [f"{k} {v}" for k in ("type", "status", "source", "story", "review") if (v := getattr(filters, k))]
    return "Amanat findings" + (f" ({', '.join(picked)})" if picked else "")


def _summary(f: dict[str, Any]) -> str:
    return f"{f['sentence']} [{f['type']}, {f['status']}; {f['source']}: {f.get('document_title') or f['document_id']}]"


@router.get("/findings.atom")
def findings_atom(request: Request, who: Annotated[Viewer, Depends(feed_reader)]) -> Response:
    filters, rows = _newest(request)
    base = _base(request)
    query = filters.query()
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    sub(feed, "id", f"{base}/findings.atom{'?' + query if query else ''}")
    sub(feed, "title", _title(filters))
    newest = max((r["last_seen"] or r["first_seen"] for r in rows), default=None)
    sub(feed, "updated", newest or datetime.now(UTC).isoformat())
    sub(feed, "link", rel="self", href=f"{base}/findings.atom{'?' + query if query else ''}")
    sub(feed, "link", rel="alternate", type="text/html", href=f"{base}/findings{'?' + query if query else ''}")
    sub(sub(feed, "author"), "name", "Amanat")
    sub(feed, "generator", "Amanat")
    for f in rows:
        entry = sub(feed, "entry")
        sub(entry, "id", f"{base}/findings/{f['id']}")
        sub(entry, "title", f["sentence"])
        sub(entry, "link", rel="alternate", type="text/html", href=f"{base}/findings/{f['id']}")
        sub(entry, "published", f["first_seen"])
        sub(entry, "updated", f["last_seen"] or f["first_seen"])
        sub(entry, "summary", _summary(f))
        sub(entry, "category", term=f["type"])
        sub(entry, "category", term=f["status"], scheme=f"{base}/findings?status=")
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/findings.json")
def findings_json_feed(request: Request, who: Annotated[Viewer, Depends(feed_reader)]) -> Response:
    filters, rows = _newest(request)
    base = _base(request)
    query = filters.query()
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": _title(filters),
        "home_page_url": f"{base}/findings{'?' + query if query else ''}",
        "feed_url": f"{base}/findings.json{'?' + query if query else ''}",
        "items": [{
            "id": f["id"], "url": f"{base}/findings/{f['id']}", "title": f["sentence"],
            "content_text": _summary(f), "date_published": f["first_seen"],
            "date_modified": f["last_seen"] or f["first_seen"], "tags": [f["type"], f["status"]],
            "_amanat": {"document_id": f["document_id"], "source": f["source"], "story_id": f["story_id"],
                        "review": f["review"]["decision"] if f["review"] else None},
        } for f in rows],
    }
    return Response(orjson.dumps(feed), media_type="application/feed+json")
