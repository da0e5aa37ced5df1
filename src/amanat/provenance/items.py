"""News items as IPTC ninjs 3.1 objects: first publication, correction, translation, withdrawal.

ninjs has no relation type for corrections or translations, so Amanat names them in the
``associations`` array (each association is itself a ninjs object, named by ``name``):

- ``"name": "previous-version"`` — this item corrects the version given by the
  association's ``uri`` and ``version``; the item keeps the same ``uri``.
- ``"name": "translation-of"`` — this item is a translation of the item with that ``uri``
  (and ``version``); it has its own ``uri`` and ``language``.

A withdrawal is a new version with ``pubStatus: "canceled"``, the reason in ``edNote`` and
no body. Every version stays in the log and verifies.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from amanat.errors import InputError
from amanat.provenance.ninjs import validate_item

REL_PREVIOUS = "previous-version"
REL_TRANSLATION = "translation-of"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def new_item_uri(origin: str) -> str:
    """A fresh, unguessable item URI under the publisher's origin."""
    return f"https://{origin}/items/{uuid.uuid4()}"


def make_item(
    *,
    uri: str,
    headline: str,
    body: str,
    language: str,
    publisher: str,
    content_type: str = "text/plain",
    version: int = 1,
    first_created: str | None = None,
    associations: list[dict[str, Any]] | None = None,
    when: str | None = None,
) -> dict[str, Any]:
    """A valid ninjs item; raises InputError when it would not validate."""
    if not headline.strip():
        raise InputError("an item needs a headline")
    if not body.strip():
        raise InputError("an item needs a body")
    if not language or not language.replace("-", "").isalnum():
        raise InputError(f"--lang takes a language tag such as en or kk-Cyrl, not {language!r}")
    when = when or _now()
    item: dict[str, Any] = {
        "uri": uri,
        "type": "text",
        "version": str(version),
        "firstCreated": first_created or when,
        "versionCreated": when,
        "pubStatus": "usable",
        "language": language,
        "headlines": [{"role": "main", "contentType": "text/plain", "value": headline.strip()}],
        "bodies": [{"role": "main", "contentType": content_type, "value": body}],
        "copyrightHolder": publisher,
    }
    if associations:
        item["associations"] = associations
    validate_item(item)
    return item


def correction_of(previous: dict[str, Any], *, headline: str | None, body: str, publisher: str) -> dict[str, Any]:
    """The next version of an item, naming the version it corrects."""
    version = int(previous.get("version", "1")) + 1
    return make_item(
        uri=previous["uri"],
        headline=headline or previous["headlines"][0]["value"],
        body=body,
        language=previous.get("language", "und"),
        publisher=publisher,
        content_type=previous.get("bodies", [{}])[0].get("contentType", "text/plain"),
        version=version,
        first_created=previous.get("firstCreated"),
        associations=[{"name": REL_PREVIOUS, "uri": previous["uri"], "version": previous["version"]}],
    )


def withdrawal_of(previous: dict[str, Any], *, reason: str, publisher: str) -> dict[str, Any]:
    """A version that withdraws the item (pubStatus canceled), with the reason."""
    if not reason.strip():
        raise InputError("a withdrawal needs a reason")
    when = _now()
    item = {
        "uri": previous["uri"],
        "type": previous.get("type", "text"),
        "version": str(int(previous.get("version", "1")) + 1),
        "firstCreated": previous.get("firstCreated", when),
        "versionCreated": when,
        "pubStatus": "canceled",
        "edNote": reason.strip(),
        "language": previous.get("language", "und"),
        "headlines": previous.get("headlines", []),
        "copyrightHolder": publisher,
        "associations": [{"name": REL_PREVIOUS, "uri": previous["uri"], "version": previous["version"]}],
    }
    validate_item(item)
    return item


def translation_of(original: dict[str, Any], *, uri: str, headline: str, body: str, language: str,
                   publisher: str) -> dict[str, Any]:
    return make_item(
        uri=uri, headline=headline, body=body, language=language, publisher=publisher,
        associations=[{"name": REL_TRANSLATION, "uri": original["uri"], "version": original["version"]}],
    )


def headline_of(item: dict[str, Any]) -> str:
    heads = item.get("headlines") or []
    return heads[0].get("value", "") if heads else ""


def body_of(item: dict[str, Any]) -> str:
    bodies = item.get("bodies") or []
    return bodies[0].get("value", "") if bodies else ""
