"""What is known of an outlet before anyone says: a small bundled table of well-known outlets
(``data/outlets.json``: name, country, language by registered domain), and the name and
language the outlet's own pages or feed give (og:site_name or the feed's title; the feed's
``<language>``, the page's ``<html lang>`` or its Content-Language).

The table is data, not code: facts only, null where an outlet publishes in several
languages. The writer uses it to fill an outlet's row when first seen, and only its empty
fields, so a correction made with ``amanat sources set`` or on the source list (``correct``)
is never overwritten.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from amanat.errors import InputError, NotFound
from amanat.store import schema as t

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


_COUNTRY = re.compile(r"[A-Za-z]{2}")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}")


def correct(engine: Engine, key: str, *, name: str | None, country: str | None, language: str | None) -> None:
    """A person's word on outlet ``key``, replacing all three fields (None or "" clears one:
    "not known" is a correction too). What ingest fills later never overwrites it, since
    ingest fills only empty fields — so a cleared field may be filled again by the next
    page that declares it. Bad values raise InputError, an unknown key NotFound. Takes the
    store's engine, not the store: the writer imports this module, and the store the writer."""
    name = " ".join((name or "").split()) or None
    if name is not None and len(name) > MAX_NAME:
        raise InputError(f"the name is {len(name)} characters long; at most {MAX_NAME}")
    country = (country or "").strip() or None
    if country is not None and not _COUNTRY.fullmatch(country):
        raise InputError(f"country takes a two-letter ISO 3166-1 code such as PK, not {country!r}")
    language = (language or "").strip() or None
    if language is not None and not _LANGUAGE.fullmatch(language):
        raise InputError(f"language takes an ISO 639 code such as en or ur, not {language!r}")
    s = t.sources
    with engine.begin() as conn:
        if conn.execute(sa.select(s.c.key).where(s.c.key == key)).first() is None:
            raise NotFound(f"no source {key!r} (see the source list)")
        conn.execute(sa.update(s).where(s.c.key == key).values(
            name=name, country=country.upper() if country else None, language=language.lower() if language else None))
