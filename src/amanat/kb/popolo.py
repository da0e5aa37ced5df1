"""Read Popolo (http://www.popoloproject.com/) JSON and EveryPolitician's Popolo CSVs.

Accepted shapes: a full export ``{persons, organizations, memberships, posts, areas, events}``
where any collection may be missing (a file with one person is valid); a single Popolo object
(person, organization, post, membership) as in the specification's examples; memberships
referenced by id (flat) or nested inside their person, organization or post (embedded).

Conventions converted to the knowledge base's (docs/knowledge-base.md):

* Popolo ``end_date`` is the last day → exclusive end = next day (at day precision only).
* Partial dates (``1920-01``, ``1954``) keep their precision.
* A membership without dates takes those of its ``legislative_period_id`` event.
* A membership with a post is ``position_held`` (object = the post); without, ``member_of``
  (object = the organization); ``on_behalf_of`` (party), area and role are qualifiers.
* Entity ids: the Wikidata QID when an ``identifiers`` entry has scheme ``wikidata``, else
  ``<namespace>:<popolo id>``; the Popolo id is kept as an external id.
* ``other_names`` become aliases; those with dates also become dated ``name`` facts.
* A person's ``birth_date`` becomes a ``birth_date`` fact (value = the date at its precision).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from amanat.errors import InputError
from amanat.kb.model import (
    BIRTH_DATE,
    MEMBER_OF,
    NAME,
    POSITION_HELD,
    Bound,
    Entity,
    EntityKind,
    Fact,
    Interval,
    Label,
    Record,
    Source,
    end_from_inclusive,
    qualifiers,
)
from amanat.kb.scripts import script_of
from amanat.model import Problem

COLLECTIONS: dict[str, EntityKind] = {
    "persons": "person",
    "organizations": "organization",
    "posts": "position",
    "areas": "place",
}


def read(
    path: str | Path, source: Source | None = None, namespace: str = "popolo"
) -> Iterator[Record]:
    """Records from a Popolo JSON file (``.json``) or an EveryPolitician CSV (``.csv``)."""
    p = Path(path)
    src = source or Source(id=f"popolo:{p.name}", title=f"Popolo data ({p.name})")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", where=str(p)) from exc
    if p.suffix.lower() == ".csv":
        yield src
        yield from read_csv(raw.decode("utf-8-sig"), src, namespace, origin=str(p))
        return
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc}", where=str(p)) from exc
    if not isinstance(doc, dict):
        raise InputError("not a Popolo object (top level is not a JSON object)", where=str(p))
    yield src
    yield from convert(doc, src, namespace, origin=str(p))


def convert(
    doc: dict[str, Any], source: Source, namespace: str = "popolo", origin: str = ""
) -> Iterator[Record]:
    """Entities and facts from one parsed Popolo document (export or single object)."""
    export = _as_export(doc)
    ids = _entity_ids(export, namespace)
    events = {e["id"]: e for e in export.get("events", []) if isinstance(e, dict) and "id" in e}
    for coll, kind in COLLECTIONS.items():
        for i, obj in enumerate(export.get(coll, [])):
            if not isinstance(obj, dict) or "id" not in obj:
                yield Problem(f"{origin}#{coll}[{i}]", "object without id", kind="skipped")
                continue
            yield from _entity(obj, kind, ids, namespace, source)
    for i, m in enumerate(export.get("memberships", [])):
        fact = _membership(m, ids, events, namespace, source) if isinstance(m, dict) else None
        if fact is None:
            yield Problem(
                f"{origin}#memberships[{i}]",
                "membership without person or organization",
                kind="skipped",
            )
        else:
            yield fact


def _as_export(doc: dict[str, Any]) -> dict[str, list[Any]]:
    """Normalise to the flat export shape: lift a single object and embedded memberships."""
    if any(k in doc for k in (*COLLECTIONS, "memberships", "events")) and "id" not in doc:
        export = {k: list(v) for k, v in doc.items() if isinstance(v, list)}
    elif (
        "label" in doc
        and "person_id" not in doc
        and ("organization_id" in doc or "organization" in doc or "role" in doc)
    ):
        export = {"posts": [doc]}
    elif "person_id" in doc or ("organization_id" in doc and "name" not in doc):
        export = {"memberships": [doc]}
    elif (
        "start_date" in doc
        and "founding_date" not in doc
        and any(k in doc for k in ("location", "status", "attendees", "organization_id"))
    ):
        export = {"events": [doc]}
    elif (
        "classification" in doc or "posts" in doc or "parent_id" in doc or _embeds(doc, "person_id")
    ):
        export = {"organizations": [doc]}
    else:
        export = {"persons": [doc]}
    out: dict[str, list[Any]] = {
        k: list(export.get(k, [])) for k in (*COLLECTIONS, "memberships", "events")
    }
    for coll, parent_key in (
        ("persons", "person_id"),
        ("organizations", "organization_id"),
        ("posts", "post_id"),
    ):
        for obj in list(out[coll]):
            if not isinstance(obj, dict):
                continue
            for m in obj.get("memberships") or []:
                if isinstance(m, dict):
                    out["memberships"].append({parent_key: obj.get("id"), **m})
            if coll == "organizations":
                out["posts"].extend(p for p in obj.get("posts") or [] if isinstance(p, dict))
                for p in obj.get("posts") or []:
                    for m in (p.get("memberships") or []) if isinstance(p, dict) else []:
                        out["memberships"].append({"post_id": p.get("id"), **m})
            if coll == "posts" and isinstance(obj.get("organization"), dict):
                out["organizations"].append(obj["organization"])
    return out


def _embeds(doc: dict[str, Any], key: str) -> bool:
    return any(isinstance(m, dict) and key in m for m in doc.get("memberships") or [])


def _qid(obj: dict[str, Any]) -> str | None:
    for ident in obj.get("identifiers") or []:
        if isinstance(ident, dict) and ident.get("scheme") == "wikidata":
            value = str(ident.get("identifier", ""))
            if value.startswith("Q") and value[1:].isdigit():
                return value
    return None


def _entity_ids(export: dict[str, list[Any]], namespace: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    for coll in COLLECTIONS:
        for obj in export.get(coll, []):
            if isinstance(obj, dict) and "id" in obj:
                ids[str(obj["id"])] = _qid(obj) or f"{namespace}:{obj['id']}"
    return ids


def _ref(local: Any, ids: dict[str, str], namespace: str) -> str | None:
    if local is None or local == "":
        return None
    return ids.get(str(local), f"{namespace}:{local}")


def _entity(
    obj: dict[str, Any], kind: EntityKind, ids: dict[str, str], namespace: str, source: Source
) -> Iterator[Record]:
    eid = ids[str(obj["id"])]
    labels: list[Label] = []
    main = obj.get("name") or obj.get("label")
    if isinstance(main, str) and main:
        labels.append(Label(main, None, script_of(main), "label"))
    if kind == "person" and obj.get("sort_name") and obj.get("sort_name") != main:
        labels.append(Label(obj["sort_name"], None, script_of(obj["sort_name"]), "alias"))
    dated: list[Fact] = []
    for other in obj.get("other_names") or []:
        if not isinstance(other, dict) or not isinstance(other.get("name"), str):
            continue
        text = other["name"]
        labels.append(Label(text, other.get("lang"), script_of(text), "alias"))
        start, end = _date(other.get("start_date")), _date(other.get("end_date"))
        if start or end:
            dated.append(
                Fact(
                    eid,
                    NAME,
                    value=text,
                    lang=other.get("lang"),
                    source=source.id,
                    interval=Interval(start, end_from_inclusive(end), source.as_of),
                    qualifiers=qualifiers(note=other.get("note")),
                )
            )
    external = [(f"{namespace}", str(obj["id"]))]
    qid = _qid(obj)
    if qid:
        external.append(("wikidata", qid))
    for ident in obj.get("identifiers") or []:
        if isinstance(ident, dict) and ident.get("scheme") not in (None, "wikidata"):
            external.append((str(ident["scheme"]), str(ident.get("identifier", ""))))
    yield Entity(eid, kind, tuple(dict.fromkeys(labels)), tuple(dict.fromkeys(external)))
    yield from dated
    born = _date(obj.get("birth_date")) if kind == "person" else None
    if born:
        yield Fact(eid, BIRTH_DATE, value=born.iso(), source=source.id)


def _membership(
    m: dict[str, Any], ids: dict[str, str], events: dict[str, Any], namespace: str, source: Source
) -> Fact | None:
    person = _ref(m.get("person_id"), ids, namespace)
    org = _ref(m.get("organization_id"), ids, namespace)
    post = _ref(m.get("post_id"), ids, namespace)
    if person is None or (org is None and post is None):
        return None
    start, end = _date(m.get("start_date")), _date(m.get("end_date"))
    period = events.get(str(m.get("legislative_period_id")))
    if isinstance(period, dict):
        start = start or _date(period.get("start_date"))
        end = end or _date(period.get("end_date"))
    quals = qualifiers(
        role=m.get("role") or None,
        on_behalf_of=_ref(m.get("on_behalf_of_id"), ids, namespace),
        area=_ref(m.get("area_id"), ids, namespace),
        organization=org if post else None,
        legislative_period=m.get("legislative_period_id"),
    )
    return Fact(
        person,
        POSITION_HELD if post else MEMBER_OF,
        object=post or org,
        source=source.id,
        interval=Interval(start, end_from_inclusive(end), source.as_of),
        qualifiers=quals,
    )


def _date(value: Any) -> Bound | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return Bound.parse(value)
    except ValueError:
        return None


# --- CSV -------------------------------------------------------------------------------------


def read_csv(
    text: str, source: Source, namespace: str = "popolo", origin: str = ""
) -> Iterator[Record]:
    """EveryPolitician CSVs: ``term-N.csv`` (memberships) and ``positions.csv`` (offices).

    term rows: ``id,name,…,group,group_id,area_id,area,chamber,term,start_date,end_date``;
    positions rows: ``id,name,position,start_date,end_date,type``. Positions are named, not
    identified, so a position entity gets the id ``<namespace>:position/<name>``.
    """
    rows = csv.DictReader(text.splitlines())
    fields = set(rows.fieldnames or [])
    if not {"id", "name"} <= fields:
        yield Problem(origin, "CSV has no id,name columns; not an EveryPolitician file")
        return
    seen: set[str] = set()
    for lineno, row in enumerate(rows, 2):
        pid = f"{namespace}:{row['id']}"
        name = (row.get("name") or "").strip()
        if pid not in seen and name:
            seen.add(pid)
            labels = [Label(name, None, script_of(name), "label")]
            sort = (row.get("sort_name") or "").strip()
            if sort and sort != name:
                labels.append(Label(sort, None, script_of(sort), "alias"))
            yield Entity(pid, "person", tuple(labels), ((namespace, row["id"]),))
            born = _date(row.get("birth_date"))
            if born:
                yield Fact(pid, BIRTH_DATE, value=born.iso(), source=source.id)
        start, end = _date(row.get("start_date")), _date(row.get("end_date"))
        interval = Interval(start, end_from_inclusive(end), source.as_of)
        if "position" in fields:
            title = (row.get("position") or "").strip()
            if not title:
                yield Problem(f"{origin}:{lineno}", "row without position", kind="skipped")
                continue
            post = f"{namespace}:position/{title}"
            if post not in seen:
                seen.add(post)
                yield Entity(post, "position", (Label(title, "en", script_of(title)),))
            yield Fact(
                pid,
                POSITION_HELD,
                object=post,
                interval=interval,
                source=source.id,
                qualifiers=qualifiers(type=row.get("type") or None),
            )
        elif "chamber" in fields:
            chamber = (row.get("chamber") or "").strip()
            org = f"{namespace}:legislature/{chamber}"
            if org not in seen and chamber:
                seen.add(org)
                yield Entity(org, "organization", (Label(chamber, None, script_of(chamber)),))
            group = (row.get("group_id") or "").strip()
            yield Fact(
                pid,
                MEMBER_OF,
                object=org,
                interval=interval,
                source=source.id,
                qualifiers=qualifiers(
                    on_behalf_of=f"{namespace}:{group}" if group else None,
                    party=(row.get("group") or None),
                    term=row.get("term") or None,
                    area=(row.get("area") or None),
                ),
            )
