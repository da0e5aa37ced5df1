"""``/findings.atom`` and ``/findings.json``: new findings as Atom (RFC 4287) and JSON Feed 1.1,
with the findings list's filters (the same query string), so a newsroom or a press office
hears of them without opening the page. ``/items/{uri or id}/reprints.atom|.json``: the new
reprints and quotes of one official item, newest first, so its press office hears of them.

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

from amanat.store import findings, reprints
from amanat.web.auth import Viewer, require, viewer
from amanat.web.errors import HttpError, describe_validation
from amanat.web.findings_query import FindingFilters
from amanat.web.publishing import item_id, resolve_item

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


def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """An Atom element under ``parent``, with its text (escaped by ElementTree)."""
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


@router.get("/findings.atom")
def findings_atom(request: Request, who: Annotated[Viewer, Depends(feed_reader)]) -> Response:
    filters, rows = _newest(request)
    base = _base(request)
    query = filters.query()
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

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


def _new_reprints(request: Request, ref: str) -> tuple[str, str, list[dict[str, Any]]]:
    """The item's URI, its page's address and its newest ``ENTRIES`` current reprints (by
    when they were first found)."""
    store = request.app.state.store
    _, uri = resolve_item(store, ref)
    rows = sorted(reprints.by_item(store, uri), key=lambda r: (r["first_seen"] or "", r["document_id"]), reverse=True)
    return uri, f"{_base(request)}/items/{item_id(uri)}", rows[:ENTRIES]


def _reprint_title(r: dict[str, Any]) -> str:
    return f"{r['source']}: {', '.join(r['classes'])} {r['kind']} ({round(100 * r['share'])}% of the statement)"


def _reprint_summary(r: dict[str, Any]) -> str:
    changes = [f"{d['kind']}: {d['statement_text'] or '—'} → {d['document_text'] or '—'}" for d in r["differences"][:5]]
    more = len(r["differences"]) - len(changes)
    head = f"{r.get('title') or r['document_id']} ({r['source']}, {(r.get('published') or 'undated')[:10]})"
    return head + (": " + "; ".join(changes) + (f"; {more} more" if more > 0 else "") if changes else "")


@router.get("/items/{ref:path}/reprints.atom")
def reprints_atom(request: Request, ref: str, who: Annotated[Viewer, Depends(feed_reader)]) -> Response:
    uri, page, rows = _new_reprints(request, ref)
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

    sub(feed, "id", f"{page}/reprints.atom")
    sub(feed, "title", f"Amanat: reprints of {uri}")
    sub(feed, "updated", max((r["first_seen"] for r in rows if r["first_seen"]), default=None)
        or datetime.now(UTC).isoformat())
    sub(feed, "link", rel="self", href=f"{page}/reprints.atom")
    sub(feed, "link", rel="alternate", type="text/html", href=f"{page}#reprints")
    sub(sub(feed, "author"), "name", "Amanat")
    sub(feed, "generator", "Amanat")
    base = _base(request)
    for r in rows:
        entry = sub(feed, "entry")
        sub(entry, "id", f"{page}#reprint-{r['document_id']}")
        sub(entry, "title", _reprint_title(r))
        sub(entry, "link", rel="alternate", type="text/html", href=f"{base}/documents/{r['document_id']}")
        sub(entry, "published", r["first_seen"])
        sub(entry, "updated", r["last_seen"] or r["first_seen"])
        sub(entry, "summary", _reprint_summary(r))
        for c in r["classes"]:
            sub(entry, "category", term=c)
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/items/{ref:path}/reprints.json")
def reprints_json_feed(request: Request, ref: str, who: Annotated[Viewer, Depends(feed_reader)]) -> Response:
    uri, page, rows = _new_reprints(request, ref)
    base = _base(request)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"Amanat: reprints of {uri}",
        "home_page_url": f"{page}#reprints",
        "feed_url": f"{page}/reprints.json",
        "items": [{
            "id": f"{page}#reprint-{r['document_id']}", "url": f"{base}/documents/{r['document_id']}",
            "title": _reprint_title(r), "content_text": _reprint_summary(r), "date_published": r["first_seen"],
            "date_modified": r["last_seen"] or r["first_seen"], "tags": list(r["classes"]),
            "_amanat": {"item_uri": uri, "document_id": r["document_id"], "source": r["source"], "kind": r["kind"],
                        "version": r["version"], "share": r["share"], "differences": r["differences"],
                        "withdrawn": r["withdrawn"]},
        } for r in rows],
    }
    return Response(orjson.dumps(feed), media_type="application/feed+json")
