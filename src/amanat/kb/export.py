"""The knowledge base as one JSON document, and back (format in docs/knowledge-base.md).

    {"format": "amanat-kb", "version": 1,
     "sources":  [{"id", "title", "publisher", "url", "as_of", "tier", "note"}],
     "entities": [{"id", "kind", "labels": [{"text", "lang", "script", "kind"}],
                   "external_ids": [[scheme, value]], "description"}],
     "facts":    [{"id", "subject", "predicate", "object", "value", "lang",
                   "start", "end", "end_unknown", "as_of", "qualifiers": {k: v}, "source",
                   "also_sources": [further sources stating the same fact]}]}

Dates are ISO 8601 at their precision (``2004``, ``2004-09``, ``2004-09-10``): the string's
length *is* the precision, so no separate field can disagree with it. ``end`` is exclusive.
Null and empty fields are left out. ``load`` reads exactly what ``dump`` writes, so an export
re-imports to an equal base (the tests check the round trip).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import zstandard

from amanat.errors import InputError
from amanat.kb.model import Bound, Entity, Fact, Interval, Label, Record, Source

FORMAT = "amanat-kb"
VERSION = 1


def to_json(records: Iterable[Record]) -> dict[str, Any]:
    """The export document for records (Problems are not exported)."""
    out: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "sources": [],
        "entities": [],
        "facts": [],
    }
    for r in records:
        if isinstance(r, Source):
            out["sources"].append(
                _clean(
                    {
                        "id": r.id,
                        "title": r.title,
                        "publisher": r.publisher,
                        "url": r.url,
                        "as_of": r.as_of.isoformat() if r.as_of else None,
                        "tier": r.tier,
                        "note": r.note,
                    }
                )
            )
        elif isinstance(r, Entity):
            out["entities"].append(
                _clean(
                    {
                        "id": r.id,
                        "kind": r.kind,
                        "labels": [
                            _clean(
                                {
                                    "text": la.text,
                                    "lang": la.lang,
                                    "script": la.script,
                                    "kind": la.kind if la.kind != "label" else None,
                                }
                            )
                            for la in r.labels
                        ],
                        "external_ids": [list(x) for x in r.external_ids],
                        "description": r.description,
                    }
                )
            )
        elif isinstance(r, Fact):
            iv = r.interval
            out["facts"].append(
                _clean(
                    {
                        "id": r.id,
                        "subject": r.subject,
                        "predicate": r.predicate,
                        "object": r.object,
                        "value": r.value,
                        "lang": r.lang,
                        "start": iv.start.iso() if iv.start else None,
                        "end": iv.end.iso() if iv.end else None,
                        "end_unknown": iv.end_unknown or None,
                        "as_of": iv.as_of.isoformat() if iv.as_of else None,
                        "qualifiers": dict(r.qualifiers),
                        "source": r.source,
                        "also_sources": list(r.also_sources),
                    }
                )
            )
    return out


COMPRESSED = ".zst"  # a path ending so is the export, compact and zstd-compressed


def dump(records: Iterable[Record], path: str | Path) -> None:
    """Write the export document (UTF-8, keys in a fixed order): indented, or compact and
    zstd-compressed when the path ends in ``.zst`` (the bundled base: a wide base is ~15 MB
    of indented JSON and under 2 MB compressed)."""
    p = Path(path)
    if p.suffix == COMPRESSED:
        raw = orjson.dumps(to_json(records))
        p.write_bytes(zstandard.ZstdCompressor(level=19).compress(raw))
    else:
        p.write_bytes(orjson.dumps(to_json(records), option=orjson.OPT_INDENT_2))


def dumps(records: Iterable[Record]) -> bytes:
    return orjson.dumps(to_json(records), option=orjson.OPT_INDENT_2)


def load(path: str | Path) -> Iterator[Record]:
    """Records from a file written by ``dump`` (``.zst``: decompressed first)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
        if p.suffix == COMPRESSED:
            raw = zstandard.ZstdDecompressor().decompress(raw)
        doc = orjson.loads(raw)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", where=str(p)) from exc
    except zstandard.ZstdError as exc:
        raise InputError(f"not zstd-compressed: {exc}", where=str(p)) from exc
    except orjson.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc}", where=str(p)) from exc
    return from_json(doc, where=str(p))


def from_json(doc: Any, where: str = "<json>") -> Iterator[Record]:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(f'not an {FORMAT} export (no "format": "{FORMAT}")', where=where)
    if doc.get("version") != VERSION:
        raise InputError(f"unsupported {FORMAT} version {doc.get('version')!r}", where=where)
    return _records(doc, where)


def _records(doc: dict[str, Any], where: str) -> Iterator[Record]:
    try:
        for s in doc.get("sources", []):
            yield Source(
                id=s["id"],
                title=s["title"],
                publisher=s.get("publisher"),
                url=s.get("url"),
                as_of=_day(s.get("as_of")),
                tier=s.get("tier", "reference"),
                note=s.get("note"),
            )
        for e in doc.get("entities", []):
            yield Entity(
                id=e["id"],
                kind=e["kind"],
                labels=tuple(
                    Label(la["text"], la.get("lang"), la.get("script"), la.get("kind", "label"))
                    for la in e.get("labels", [])
                ),
                external_ids=tuple((str(a), str(b)) for a, b in e.get("external_ids", [])),
                description=e.get("description"),
            )
        for f in doc.get("facts", []):
            yield Fact(
                subject=f["subject"],
                predicate=f["predicate"],
                object=f.get("object"),
                value=f.get("value"),
                lang=f.get("lang"),
                interval=Interval(
                    start=Bound.parse(f["start"]) if f.get("start") else None,
                    end=Bound.parse(f["end"]) if f.get("end") else None,
                    as_of=_day(f.get("as_of")),
                    end_unknown=bool(f.get("end_unknown")),
                ),
                qualifiers=tuple(
                    sorted((str(k), str(v)) for k, v in f.get("qualifiers", {}).items())
                ),
                source=f.get("source", ""),
                also_sources=tuple(str(x) for x in f.get("also_sources", ())),
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"malformed {FORMAT} export: {exc!r}", where=where) from exc


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != [] and v != {}}
