"""Offline validation of IPTC ninjs 3.1 news items against the official JSON Schema.

The schema (``schemas/ninjs-schema_3.1.json``, IPTC, CC BY 4.0) refers to GeoJSON by its
remote URL for ``places[].geoJSON``; a local copy is registered under that URL with
``referencing`` so validation never touches the network. On top of the schema, the
``date-time`` format is checked (jsonschema only checks it when an optional package is
installed, and a signed item with an unreadable date is worth refusing early). ``uri`` is not
checked, as in IPTC's own test runner: IPTC's user-guide examples use relative uris.

Every item a follower syncs is validated, so the verdict comes from the schema compiled to
Python (``schemacheck``, ~50x faster than walking it with ``jsonschema``); ``jsonschema``
still words the message when an item is refused, and has the last word: an item is refused
only when it finds an error too (the tests hold both to the same verdict).

API::

    NINJS_SCHEMA_ID                     the 3.1 schema's canonical URL
    validate_item(obj) -> None          raises InputError naming the JSON pointer of the problem
    is_valid_item(obj) -> bool          the verdict alone
    item_errors(obj) -> list[str]       every problem, "pointer: message", for reports
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

from amanat.errors import InputError
from amanat.provenance.schemacheck import Check, compile_schema

__all__ = ["GEOJSON_SCHEMA_ID", "NINJS_SCHEMA_ID", "is_valid_item", "item_errors", "validate_item"]

NINJS_SCHEMA_ID = "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json"
GEOJSON_SCHEMA_ID = "https://geojson.org/schema/GeoJSON.json"

# RFC 3339 §5.6 date-time; the calendar check is left to datetime.
_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})\Z"
)

_formats = FormatChecker(formats=())


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    text = value.upper().replace("Z", "+00:00")
    if text[17:19] == "60":  # leap second: valid RFC 3339, unknown to datetime
        text = text[:17] + "59" + text[19:]
    datetime.fromisoformat(text)
    return True


# registered by a call, not as a decorator: jsonschema's decorator is untyped and would hide
# the function's own signature from the type checker
_formats.checks("date-time", raises=ValueError)(_is_date_time)


def _load(name: str) -> dict[str, Any]:
    data = resources.files("amanat.provenance").joinpath("schemas", name).read_text("utf-8")
    schema = json.loads(data)
    if not isinstance(schema, dict):
        raise TypeError(f"schema {name} is not a JSON object")
    return schema


@cache
def _validator() -> Draft202012Validator:
    ninjs = _load("ninjs-schema_3.1.json")
    geojson = _load("GeoJSON-schema.json")
    registry: Registry = Registry().with_resources(
        [
            (GEOJSON_SCHEMA_ID, Resource.from_contents(geojson)),
            (NINJS_SCHEMA_ID, Resource.from_contents(ninjs)),
        ]
    )
    return Draft202012Validator(ninjs, registry=registry, format_checker=_formats)


@cache
def _fast() -> Check:
    return compile_schema(_load("ninjs-schema_3.1.json"), resources={GEOJSON_SCHEMA_ID: _load("GeoJSON-schema.json")},
                          formats={"date-time": _is_date_time})


def is_valid_item(obj: Any) -> bool:
    """Whether ``obj`` is a valid ninjs 3.1 item (the compiled schema: no message, fast)."""
    return _fast()(obj)


def _pointer(error: ValidationError) -> str:
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in error.absolute_path]
    return "/" + "/".join(parts) if parts else "/"


def _message(error: ValidationError) -> str:
    message = str(error.message)
    return message if len(message) <= 200 else message[:197] + "..."


def validate_item(obj: Any) -> None:
    """Raise InputError unless ``obj`` is a valid ninjs 3.1 item; the message names where."""
    if _fast()(obj):
        return
    error = best_match(_validator().iter_errors(obj))
    if error is not None:
        raise InputError(f"not a valid ninjs 3.1 item at {_pointer(error)}: {_message(error)}")


def item_errors(obj: Any) -> list[str]:
    """Every schema problem of ``obj``, as "pointer: message", in document order."""
    errors = sorted(_validator().iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{_pointer(e)}: {_message(e)}" for e in errors]
