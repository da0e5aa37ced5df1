"""Read Wikidata's JSON entity format — dumps, single entities, ``wbgetentities`` responses.

A dump is one JSON array with one entity per line (``[`` / ``{…},`` / ``]``), tens of GB
compressed, so it is read line by line and never held whole: memory stays bounded by the
largest entity. Small documents (one entity, an API response) are parsed whole.

Tolerated quirks of real files: the 2014–15 serialization where item values carry only
``numeric-id`` (the QID is rebuilt from it); empty maps written as ``[]``; lexemes and
properties in a dump (skipped with a Problem of kind "skipped"); time values with month/day
``00`` at year/month precision (the ``precision`` field decides, 9=year 10=month 11=day).

What is kept: labels and aliases, P31 (instance of → entity kind), P39 position held with
P580/P582 (start/end), P1365/P1366 (replaces/replaced by), P642/P1001 (of/jurisdiction), names with dates: P1448
official name, P1449 nickname, P1813 short name (acronym), P569 date of birth (``birth_date``),
and a few authority identifiers under the scheme names EveryPolitician's Popolo files use
(``IDENTIFIER_SCHEMES``), so records of one person from both can be told to be the same
(``amanat.kb.merge``). Statements ranked "deprecated" are skipped.
"""

from __future__ import annotations

import bz2
import gzip
import io
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any, cast

import orjson

from amanat.errors import InputError
from amanat.kb.model import (
    ACRONYM,
    BIRTH_DATE,
    INSTANCE_OF,
    NICKNAME,
    OFFICIAL_NAME,
    POSITION_HELD,
    Bound,
    Entity,
    EntityKind,
    Fact,
    Interval,
    Label,
    Record,
    Source,
    qualifiers,
)
from amanat.kb.scripts import script_of
from amanat.model import Problem

# P31 values that decide an entity's kind. A short, deliberate list: more specific classes
# (e.g. "city of Kazakhstan") are left "other" until a class hierarchy is imported.
KIND_OF_CLASS: dict[str, EntityKind] = {
    "Q5": "person",
    "Q43229": "organization",
    "Q484652": "organization",  # international organization
    "Q7278": "organization",  # political party
    "Q327333": "organization",  # government agency
    "Q1335818": "organization",  # supranational organisation
    "Q245065": "organization",  # intergovernmental organization
    "Q6256": "place",  # country
    "Q3624078": "place",  # sovereign state
    "Q515": "place",  # city
    "Q5119": "place",  # capital
    "Q1549591": "place",  # big city
    "Q486972": "place",  # human settlement
    "Q4164871": "position",
    "Q294414": "position",  # public office
    "Q48352": "position",  # head of state
    "Q2285706": "position",  # head of government
}

NAME_PROPERTIES = {"P1448": OFFICIAL_NAME, "P1449": NICKNAME, "P1813": ACRONYM}
POSITION_QUALIFIERS = {"P1365": "replaces", "P1366": "replaced_by", "P642": "of", "P1001": "of"}
PRECISION = {9: "year", 10: "month", 11: "day"}
# Authority identifiers kept as external ids, named as Popolo ``identifiers[].scheme`` names them.
IDENTIFIER_SCHEMES = {
    "P646": "freebase",
    "P214": "viaf",
    "P227": "gnd",
    "P244": "lcauth",
    "P213": "isni",
}
MAX_WHOLE_DOCUMENT = 64 * 1024 * 1024  # bytes; bigger non-dump files are refused, not loaded

WIKIDATA = "https://www.wikidata.org/"


def read(path: str | Path, source: Source | None = None) -> Iterator[Record]:
    """Records from one file: the Source first, then Entity and Facts per item, and a Problem
    per line or entity that was skipped. ``.gz``/``.bz2`` are decompressed on the fly.

    ``source`` defaults to one named after the file (tier "reference"); each entity's own
    ``modified`` date is its facts' as-of date, falling back to the source's.
    """
    p = Path(path)
    src = source or Source(
        id=f"wikidata:{p.name}",
        title=f"Wikidata entities ({p.name})",
        publisher="Wikidata",
        url=WIKIDATA,
    )
    yield src
    try:
        stream = _open(p)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", where=str(p)) from exc
    with stream:
        for item in iter_entities(stream, origin=str(p)):
            if isinstance(item, Problem):
                yield item
            else:
                yield from convert(item, src, origin=str(p))


def _open(p: Path) -> IO[bytes]:
    if p.suffix == ".gz":
        return cast(IO[bytes], gzip.open(p, "rb"))
    if p.suffix == ".bz2":
        return bz2.open(p, "rb")
    return p.open("rb")


def iter_entities(
    stream: IO[bytes], origin: str = "<stream>"
) -> Iterator[dict[str, Any] | Problem]:
    """Raw entity objects from a dump (line framed), one entity, or a wbgetentities reply."""
    buffered = cast(io.BufferedReader, stream if hasattr(stream, "peek") else io.BufferedReader(cast(io.RawIOBase, stream)))
    head = buffered.peek(64)[:64].lstrip()
    if head.startswith(b"{"):
        data = buffered.read(MAX_WHOLE_DOCUMENT + 1)
        if len(data) > MAX_WHOLE_DOCUMENT:
            yield Problem(origin, "single JSON document too large; expected a line-framed dump")
            return
        yield from _whole(data, origin)
        return
    yield from _lines(buffered, origin)


def _whole(data: bytes, origin: str) -> Iterator[dict[str, Any] | Problem]:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield Problem(origin, f"not JSON: {exc}")
        return
    if isinstance(doc, dict) and isinstance(doc.get("entities"), dict):
        for key, ent in doc["entities"].items():
            if isinstance(ent, dict) and "missing" not in ent:
                yield ent
            else:
                yield Problem(f"{origin}#{key}", "missing entity", kind="skipped")
    elif isinstance(doc, dict):
        yield doc
    elif isinstance(doc, list):
        yield from (e for e in doc if isinstance(e, dict))
    else:
        yield Problem(origin, "JSON is neither an entity nor a list of entities")


def _lines(stream: Iterable[bytes], origin: str) -> Iterator[dict[str, Any] | Problem]:
    pending: list[bytes] = []  # lines of a pretty-printed array element, joined until it parses
    for lineno, raw in enumerate(stream, 1):
        line = raw.strip()
        if not pending and line in (b"[", b"]", b""):
            continue
        if line.endswith(b","):
            line = line[:-1]
        if pending or not (line.startswith(b"{") and line.endswith(b"}")):
            pending.append(raw)
            if len(pending) > 100_000:
                yield Problem(f"{origin}:{lineno}", "unterminated entity; giving up on this file")
                return
            joined = b"".join(pending).strip().rstrip(b",").lstrip(b"[").strip()
            if joined.endswith(b"]"):
                joined = joined[:-1].rstrip().rstrip(b",")
            try:
                obj = orjson.loads(joined)
            except orjson.JSONDecodeError:
                continue
            pending.clear()
            if isinstance(obj, dict):
                yield obj
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield Problem(f"{origin}:{lineno}", f"bad JSON line: {exc}")
            continue
        if isinstance(obj, dict):
            yield obj
        else:
            yield Problem(f"{origin}:{lineno}", "line is not a JSON object")
    if pending:
        yield Problem(origin, "file ends inside an entity")


# --- one entity → records ----------------------------------------------------------------


def convert(ent: dict[str, Any], source: Source, origin: str = "") -> Iterator[Record]:
    """Entity and Facts for one raw entity; non-items are skipped with a Problem."""
    eid = ent.get("id")
    etype = ent.get("type")
    where = f"{origin}#{eid}" if origin else str(eid)
    if etype != "item" or not isinstance(eid, str) or not eid.startswith("Q"):
        yield Problem(where, f"skipped {etype or 'untyped'} entity", kind="skipped")
        return
    claims = _map(ent.get("claims"))
    as_of = _modified(ent) or source.as_of
    kind = _kind(claims)
    labels = _labels(ent)
    desc = _map(ent.get("descriptions")).get("en")
    yield Entity(
        id=eid,
        kind=kind,
        labels=labels,
        external_ids=(("wikidata", eid), *_identifiers(claims)),
        description=desc.get("value") if isinstance(desc, dict) else None,
    )
    for stmt in _statements(claims, "P569"):
        born = parse_time(_value(stmt.get("mainsnak")))
        if born:
            yield Fact(eid, BIRTH_DATE, value=born.iso(), source=source.id)
    for stmt in _statements(claims, "P31"):
        target = _item(stmt.get("mainsnak"))
        if target:
            yield Fact(
                eid, INSTANCE_OF, object=target, source=source.id, interval=Interval(as_of=as_of)
            )
    for stmt in _statements(claims, "P39"):
        target = _item(stmt.get("mainsnak"))
        if not target:
            continue
        quals = _map(stmt.get("qualifiers"))
        extra = {name: _item(_first(quals, prop)) for prop, name in POSITION_QUALIFIERS.items()}
        yield Fact(
            eid,
            POSITION_HELD,
            object=target,
            source=source.id,
            interval=_interval(quals, as_of),
            qualifiers=qualifiers(**extra),
        )
    for prop, predicate in NAME_PROPERTIES.items():
        for stmt in _statements(claims, prop):
            text = _monolingual(stmt.get("mainsnak"))
            if text:
                yield Fact(
                    eid,
                    predicate,
                    value=text[0],
                    lang=text[1],
                    source=source.id,
                    interval=_interval(_map(stmt.get("qualifiers")), as_of),
                )


def _identifiers(claims: dict[str, Any]) -> list[tuple[str, str]]:
    """(scheme, value) of the authority identifiers in ``IDENTIFIER_SCHEMES``."""
    out = []
    for prop, scheme in IDENTIFIER_SCHEMES.items():
        for stmt in _statements(claims, prop):
            value = _value(stmt.get("mainsnak"))
            if isinstance(value, str) and value:
                out.append((scheme, value))
    return list(dict.fromkeys(out))


def _map(value: Any) -> dict[str, Any]:
    """A JSON object, or empty for the ``[]`` the 2014–15 dumps wrote for empty maps."""
    return value if isinstance(value, dict) else {}


def _modified(ent: dict[str, Any]) -> date | None:
    mod = ent.get("modified")
    if isinstance(mod, str) and len(mod) >= 10:
        try:
            return date.fromisoformat(mod[:10])
        except ValueError:
            return None
    return None


def _labels(ent: dict[str, Any]) -> tuple[Label, ...]:
    out: list[Label] = []
    for lang, lab in _map(ent.get("labels")).items():
        if isinstance(lab, dict) and isinstance(lab.get("value"), str):
            out.append(Label(lab["value"], lang, script_of(lab["value"]), "label"))
    for lang, items in _map(ent.get("aliases")).items():
        for al in items if isinstance(items, list) else []:
            if isinstance(al, dict) and isinstance(al.get("value"), str):
                out.append(Label(al["value"], lang, script_of(al["value"]), "alias"))
    return tuple(out)


def _kind(claims: dict[str, Any]) -> EntityKind:
    for stmt in _statements(claims, "P31"):
        kind = KIND_OF_CLASS.get(_item(stmt.get("mainsnak")) or "")
        if kind:
            return kind
    if claims.get("P39"):
        return "person"
    return "other"


def _statements(claims: dict[str, Any], prop: str) -> Iterator[dict[str, Any]]:
    for stmt in claims.get(prop) or ():
        if isinstance(stmt, dict) and stmt.get("rank") != "deprecated":
            yield stmt


def _first(quals: dict[str, Any], prop: str) -> dict[str, Any] | None:
    snaks = quals.get(prop)
    return snaks[0] if isinstance(snaks, list) and snaks and isinstance(snaks[0], dict) else None


def _value(snak: Any) -> Any:
    if not isinstance(snak, dict) or snak.get("snaktype", "value") != "value":
        return None
    dv = snak.get("datavalue")
    return dv.get("value") if isinstance(dv, dict) else None


def _item(snak: Any) -> str | None:
    """QID of an item value, from ``id`` or (old serialization) ``numeric-id``."""
    v = _value(snak)
    if not isinstance(v, dict):
        return None
    if isinstance(v.get("id"), str):
        return v["id"]
    num = v.get("numeric-id")
    if isinstance(num, int) and v.get("entity-type", "item") == "item":
        return f"Q{num}"
    return None


def _monolingual(snak: Any) -> tuple[str, str | None] | None:
    v = _value(snak)
    if isinstance(v, dict) and isinstance(v.get("text"), str):
        return v["text"], v.get("language")
    return None


def parse_time(value: Any) -> Bound | None:
    """A Wikidata time value as a Bound, or None when it is coarser than a year, BCE, or bad.

    ``+2004-09-00T00:00:00Z`` with precision 10 is September 2004: the precision decides,
    the zero day is never read as a date.
    """
    if not isinstance(value, dict):
        return None
    text, prec = value.get("time"), value.get("precision")
    precision = PRECISION.get(prec) if isinstance(prec, int) else None
    if not isinstance(text, str) or precision is None or not text.startswith("+"):
        return None
    try:
        year, month, day = (int(x) for x in text[1:11].split("-"))
        if precision == "year":
            return Bound.of(year)
        if precision == "month":
            return Bound.of(year, month or 1)
        return Bound.of(year, month, day)
    except ValueError:
        return None


def _interval(quals: dict[str, Any], as_of: date | None) -> Interval:
    start = parse_time(_value(_first(quals, "P580")))
    end_snak = _first(quals, "P582")
    # Wikidata's end is read as exclusive: its editors enter the successor's first day
    # (Ban Ki-moon ends 2017-01-01). See docs/knowledge-base.md for the gap-closing rule.
    end = parse_time(_value(end_snak))
    end_unknown = (
        end is None
        and isinstance(end_snak, dict)
        and end_snak.get("snaktype") in ("somevalue", "value")
    )
    return Interval(start=start, end=end, as_of=as_of, end_unknown=end_unknown)
