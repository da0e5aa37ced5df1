"""The protocol client: GETs and POSTs against one partner node, answers decoded strictly.

Kept apart from the round (``sync``) so that following, pushing and syncing share one
client, and a node's answers are read as I-JSON everywhere.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from amanat.errors import InputError
from amanat.ingest.fetch import Fetcher
from amanat.provenance import jcs


def make_fetcher(*, timeout: float = 20.0, total: float = 60.0, retries: int = 3, backoff: float = 0.5,
                 allow: str | None = None) -> Fetcher:
    """The protocol client: no robots.txt (this is not crawling), no pacing between calls,
    retries with backoff on timeouts and 5xx, the address guard as configured."""
    return Fetcher(robots=False, min_delay=0.0, read_timeout=timeout, connect_timeout=min(timeout, 10.0),
                   total_timeout=total, max_retries=retries, backoff=backoff, allow=allow)


class Client:
    """GETs against one partner node, decoded strictly (I-JSON)."""

    def __init__(self, fetcher: Fetcher, base_url: str) -> None:
        self.fetcher, self.base = fetcher, base_url.rstrip("/")

    def url(self, path: str, **query: Any) -> str:
        args = {k: v for k, v in query.items() if v is not None}
        return self.base + path + ("?" + urlencode(args) if args else "")

    def text(self, path: str, **query: Any) -> str:
        result = self.fetcher.fetch(self.url(path, **query), headers={"Accept": "text/plain"})
        try:
            return result.body.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("answer is not UTF-8", where=result.url) from None

    def json(self, path: str, **query: Any) -> Any:
        result = self.fetcher.fetch(self.url(path, **query), headers={"Accept": "application/json"})
        try:
            return jcs.parse(result.body)
        except InputError as exc:
            raise InputError(f"answer is not valid JSON: {exc.message}", where=result.url) from None

    def post_json(self, path: str, body: Any) -> Any:
        result = self.fetcher.fetch(self.url(path), method="POST", content=json.dumps(body).encode(),
                                    headers={"Content-Type": "application/json"}, raise_for_status=False)
        return result.status


def log_path(origin: str) -> str:
    return "/log/" + quote(origin, safe="/:@-._~")
