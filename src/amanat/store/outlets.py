"""What is known of an outlet before anyone says: a small bundled table of well-known outlets
(``data/outlets.json``: name, country, language by registered domain), and the name and
language the outlet's own pages or feed give (og:site_name or the feed's title; the feed's
``<language>``, the page's ``<html lang>`` or its Content-Language).

The table is data, not code: facts only, null where an outlet publishes in several
languages. The writer uses it to fill an outlet's row when first seen, and only its empty
fields, so a correction made with ``amanat sources set`` is never overwritten.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

FIELDS = ("name", "country", "language")
MAX_NAME = 200


@cache
def table() -> dict[str, dict[str, Any]]:
    """The bundled outlets by key."""
    data = json.loads(resources.files("amanat.store").joinpath("data/outlets.json").read_text(encoding="utf-8"))
    return {key: {f: entry.get(f) for f in FIELDS} for key, entry in data["outlets"].items()}


def known(key: str, site_name: str | None = None, site_language: str | None = None) -> dict[str, Any]:
    """Name, country and language of outlet ``key`` as far as known: the table first (for a
    subdomain, its parent domain's entry: ``edition.example.com`` → ``example.com``), then the
    name and language its pages give. The table's null language (an outlet publishing in
    several) is not overridden by one page's: that page speaks for itself, not the outlet."""
    found: dict[str, Any] = dict.fromkeys(FIELDS)
    parts = key.lower().split(".")
    entry = None
    for i in range(len(parts) - 1):
        entry = table().get(".".join(parts[i:]))
        if entry is not None:
            found.update(entry)
            break
    if found["name"] is None and site_name:
        found["name"] = " ".join(site_name.split())[:MAX_NAME] or None
    if entry is None and site_language:
        found["language"] = site_language.lower()[:8]
    return found
