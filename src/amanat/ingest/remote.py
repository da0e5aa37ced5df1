"""URL inputs: fetch a page or a feed (and, when asked, the pages a feed points to)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from amanat.errors import FetchError
from amanat.ingest.fetch import Fetcher
from amanat.model import Capture, Problem

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
    "application/xml",
    "text/xml",
)


def looks_like_feed(media_type: str | None, body: bytes) -> bool:
    """A feed by its Content-Type, or by its first bytes when the server says something vague."""
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if media_type in FEED_TYPES:
        return not head.startswith((b"<!doctype html", b"<html"))
    if head.startswith(b"{"):
        return b"jsonfeed.org/version" in body[:4096]
    return head.startswith((b"<rss", b"<feed", b"<rdf")) or (
        head.startswith(b"<?xml") and any(t in head for t in (b"<rss", b"<feed", b"<rdf:rdf"))
    )


def read_url(url: str, *, fetcher: Fetcher | None = None, follow: bool = False) -> Iterator[Capture | Problem]:
    """Captures from one URL: the page itself, or a feed's entries (and their pages if ``follow``)."""
    from amanat.ingest.feeds import read_feed

    own = fetcher is None
    fetcher = fetcher or Fetcher()
    try:
        try:
            result = fetcher.fetch(url)
        except FetchError as exc:
            yield Problem(url, exc.message if exc.where else str(exc))
            return
        if not looks_like_feed(result.media_type, result.body):
            yield result.as_capture(origin=url)
            return
        for entry in read_feed(result.body, origin=url, base_url=result.final_url):
            if isinstance(entry, Problem) or not follow or not entry.url:
                yield entry
                continue
            try:
                page = fetcher.fetch(entry.url)
            except FetchError as exc:
                yield Problem(f"{url}#{entry.url}", exc.message)
                yield entry  # keep what the feed itself said
                continue
            capture = page.as_capture(origin=entry.url)
            # the feed's own metadata is better than guessing from the page
            hints = {k: v for k, v in entry.hints.items() if k in ("title", "published", "byline", "entry_id", "feed_title")}
            yield dataclasses.replace(capture, hints={**capture.hints, **hints})
    finally:
        if own:
            fetcher.close()

