"""A log's items as JSON Feed 1.1 and Atom (RFC 4287), newest first, paged. Pure.

The feed is a *view* of the log for readers and feed tools; the log is the record. Each feed
entry carries its log index and the compact JWS of the item version, so a follower can check
the feed against the log in both directions (an item in the feed but not in the log; an item
in the log that the feed omits). Paging follows RFC 5005: ``?before=<index>`` gives entries
below that index, and each page links the next older one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from amanat.provenance.items import body_of, headline_of
from amanat.provenance.keys import b64url_decode

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
ATOM_NS = "http://www.w3.org/2005/Atom"
AMANAT_NS = "https://amanat.example/ns/feed/1"
EXTENSION = "_amanat"  # JSON Feed extension key (an underscore marks extensions)


@dataclass(frozen=True)
class FeedEntry:
    index: int
    token: str
    created: str  # when this node logged it (RFC 3339)

    @property
    def item(self) -> dict[str, Any]:
        return json.loads(b64url_decode(self.token.split(".")[1]))


@dataclass(frozen=True)
class FeedPage:
    origin: str
    title: str
    home: str  # the node's base URL
    self_url: str
    next_url: str | None
    entries: Sequence[FeedEntry]
    updated: str  # RFC 3339


def entry_id(item: dict[str, Any]) -> str:
    """One id per item version: the item URI with ``#v<version>``."""
    return f"{item.get('uri')}#v{item.get('version', 1)}"


def _extension(entry: FeedEntry, item: dict[str, Any]) -> dict[str, Any]:
    return {"index": entry.index, "uri": item.get("uri"), "version": item.get("version"),
            "pubStatus": item.get("pubStatus", "usable"), "jws": entry.token}


def json_feed(page: FeedPage) -> dict[str, Any]:
    items = []
    for entry in page.entries:
        item = entry.item
        body: dict[str, Any] = {"id": entry_id(item), "title": headline_of(item),
                                "content_text": body_of(item) or item.get("edNote", ""),
                                "date_published": item.get("firstcreated") or entry.created,
                                "date_modified": item.get("versioncreated") or entry.created}
        if item.get("language"):
            body["language"] = item["language"]
        body[EXTENSION] = _extension(entry, item)
        items.append(body)
    feed: dict[str, Any] = {"version": JSON_FEED_VERSION, "title": page.title, "home_page_url": page.home,
                            "feed_url": page.self_url, "items": items, EXTENSION: {"origin": page.origin}}
    if page.next_url:
        feed["next_url"] = page.next_url
    return feed


def atom_feed(page: FeedPage) -> bytes:
    ET.register_namespace("", ATOM_NS)
    ET.register_namespace("amanat", AMANAT_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, ns: str = ATOM_NS, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    root = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(root, "id", f"https://{page.origin}/feed")
    sub(root, "title", page.title)
    sub(root, "updated", page.updated)
    sub(root, "link", rel="self", href=page.self_url)
    sub(root, "link", rel="alternate", href=page.home)
    if page.next_url:
        sub(root, "link", rel="next", href=page.next_url)
    sub(root, "origin", page.origin, ns=AMANAT_NS)
    for entry in page.entries:
        item = entry.item
        el = sub(root, "entry")
        sub(el, "id", entry_id(item))
        sub(el, "title", headline_of(item))
        sub(el, "updated", item.get("versioncreated") or entry.created)
        sub(el, "published", item.get("firstcreated") or entry.created)
        author = sub(el, "author")
        sub(author, "name", page.title)
        sub(el, "content", body_of(item) or item.get("edNote", ""), type="text")
        ext = _extension(entry, item)
        sub(el, "index", str(ext["index"]), ns=AMANAT_NS)
        sub(el, "version", str(ext["version"]), ns=AMANAT_NS)
        sub(el, "pubStatus", str(ext["pubStatus"]), ns=AMANAT_NS)
        sub(el, "jws", entry.token, ns=AMANAT_NS)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")
