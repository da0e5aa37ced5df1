"""What an operator can set for the web app; defaults are safe for a node on the internet."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """``public_documents`` opens ingested coverage (documents, search, export) to anyone;
    otherwise it needs a read token. ``rate`` is requests per second per client (None: no
    limit), with bursts up to ``burst``. Bodies and query strings past their caps are refused
    before any route sees them. ``keys_dir`` is where the publish page and ``POST
    /api/v1/items`` find the node's private keys; an encrypted key's passphrase comes from
    ``$AMANAT_KEY_PASSPHRASE`` in the server's environment, never from a request."""

    public_documents: bool = False
    rate: float | None = 20.0
    burst: int = 60
    max_body: int = 1 << 20  # bytes
    max_query: int = 4096  # bytes of query string
    max_clients: int = 10_000  # rate-limit buckets kept in memory
    keys_dir: str | None = None  # where the node's publishing keys are (None: $AMANAT_KEYS or ./amanat-keys)
