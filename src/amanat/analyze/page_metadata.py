"""What an HTML page says about itself: title, author, date, site name (issue 19).

``trafilatura.extract_metadata`` computes these and more (categories, tags, licence, hostname,
image, description) that Amanat throws away; on the article-extraction benchmark it was a
quarter of ``extract_html``'s time, and its author search deep-copies the whole tree when the
page has no ``<meta>`` author. This module calls the same trafilatura parts in the same order
for only the fields Amanat keeps, so the values are the same (checked field by field on the
benchmark's pages), and lets the caller run the body-byline search last, on a tree it no
longer needs, instead of on a deep copy.

The steps below are written out rather than called as one function because trafilatura
offers no narrower public entry; each is one of ``trafilatura.metadata``'s own functions.
"""

from __future__ import annotations

import logging
from html import unescape
from typing import Any

from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.json_metadata import normalize_authors
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_meta_json,
    extract_metainfo,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document
from trafilatura.utils import line_processing

from amanat.analyze.selectors import AUTHOR, AUTHOR_DISCARD

LOGGER = logging.getLogger(__name__)


def head_metadata(tree: HtmlElement, url: str | None, date_params: dict[str, Any]) -> Document:
    """Title, author (from ``<meta>`` and JSON-LD only), date, site name and URL of a page.

    Mirrors ``trafilatura.extract_metadata`` step by step, without the fields Amanat does not
    keep and without the body-byline search (``body_byline``), which the caller runs when
    ``author`` is still None. Does not change ``tree``."""
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None  # trafilatura's own rule: a one-word <meta> author is a handle
    try:
        meta = extract_meta_json(tree, meta)
    except Exception as err:  # trafilatura guards its JSON-LD parser the same way
        LOGGER.warning("error in JSON metadata extraction: %s", err)
    if not meta.title:
        meta.title = extract_title(tree)
    if not meta.url:
        meta.url = extract_url(tree, url)
    meta.date = find_date(tree, url=meta.url, **date_params)
    if not meta.sitename:
        meta.sitename = extract_sitename(tree)
    if meta.sitename:
        meta.sitename = meta.sitename.lstrip("@")
        if meta.sitename and "." not in meta.sitename and not meta.sitename[0].isupper():
            meta.sitename = meta.sitename.title()
    elif meta.url:
        match = META_URL.match(meta.url)
        if match:
            meta.sitename = match[1]
    meta.clean_and_trim()
    return meta


def body_byline(tree: HtmlElement) -> str | None:
    """The author named in the page body ("By …" lines, author boxes), as trafilatura finds it.

    Prunes ``tree`` in place (trafilatura's ``extract_author`` prunes a deep copy): call it
    last, on a tree nothing else will read."""
    # trafilatura's AUTHOR_DISCARD_XPATHS and AUTHOR_XPATHS as Python selectors: the same elements, faster
    pruned = prune_unwanted_nodes(tree, AUTHOR_DISCARD)
    author = extract_metainfo(pruned, AUTHOR, len_limit=120)
    if not author:
        return None
    author = normalize_authors(None, author)
    # the same trim as ``Document.clean_and_trim`` gives the other fields
    return line_processing(unescape(author)) if author else None
