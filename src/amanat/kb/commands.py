"""Commands for the knowledge base and mentions: ``kb import/show/who/export``, ``analyze``,
``mentions``.

The node's knowledge base is the bundled starter base plus every file imported with
``amanat kb import`` (kept in the store, so a backup carries it). ``amanat analyze`` finds
and links the mentions of every document against it and stores them; run it again after an
import to re-link.
"""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer
import zstandard
from rich.markup import escape

from amanat.console import DbOption, JsonOption, Table, emit_json, err, open_store, out
from amanat.errors import InputError, NotFound
from amanat.kb import export, merge, observed, service, starter
from amanat.kb.index import KBIndex
from amanat.kb.model import KnowledgeBase
from amanat.store import schema as t
from amanat.store.db import Store

kb_app = typer.Typer(help="The knowledge base of dated facts: import, show, who held an office.", no_args_is_help=True)


# --- the node's knowledge base --------------------------------------------------------------


def load_kb(store: Store) -> tuple[KnowledgeBase, str]:
    """Starter base + the store's imports, and a version string naming exactly that set.

    Imports are stored as read; persons without a QID are folded into their Wikidata records
    here, on every load (``kb.merge``), so a later import can complete an earlier one. The
    base of a version is built once per process (the starter alone is ~17,000 entities) and
    shared: callers must not change it."""
    digest = hashlib.sha256(Path(starter.PATH).read_bytes())
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(t.kb_imports.c.id, t.kb_imports.c.data).order_by(t.kb_imports.c.id)).fetchall()
    imports = []
    for row in rows:
        data = zstandard.ZstdDecompressor().decompress(row.data)
        digest.update(data)
        imports.append((row.id, data))
    seen = observed.observed_entities(sightings(store))
    for r in seen:
        digest.update(r.id.encode())
    version = digest.hexdigest()[:16]
    with _BUILDING:  # a second caller waits for the build under way instead of starting another
        if version not in _BASES:
            kb = starter.load()
            for import_id, data in imports:
                kb.add_all(export.from_json(json.loads(data), where=f"kb import {import_id}"))
            kb = merge.merge_persons(kb)[0]
            kb.add_all(seen)
            _BASES.clear()  # one version at a time: a base is ~100 MB
            _BASES[version] = kb
        return _BASES[version], version


_BASES: dict[str, KnowledgeBase] = {}
_BUILDING = threading.Lock()
_INDEXES: dict[str, KBIndex] = {}


def indexed_kb(store: Store) -> tuple[KnowledgeBase, KBIndex, str]:
    """``load_kb`` and the base's index, built once per version and process."""
    kb, version = load_kb(store)
    if version not in _INDEXES:
        _INDEXES.clear()
        _INDEXES[version] = KBIndex.build(kb)
    return kb, _INDEXES[version], version


def sightings(store: Store) -> list[observed.Sighting]:
    """Person mentions with a title that named nobody the base knows (no candidates), or an
    observed entity already: the evidence ``observed.observed_entities`` weighs."""
    m, d = t.mentions, t.documents
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(m.c.text, m.c.role, m.c.marker, m.c.document_id, d.c.source, d.c.published)
            .select_from(m.join(d, d.c.id == m.c.document_id))
            .where(m.c.kind == "person", m.c.role.is_not(None),
                   sa.or_(sa.and_(m.c.entity_id.is_(None), m.c.candidates == "[]"),
                          m.c.entity_id.like(observed.OBSERVED_PERSON + "%")))
        ).fetchall()
    out = []
    for text, role, marker, doc_id, outlet, published in rows:
        try:
            day = date.fromisoformat(published[:10]) if published else None
        except ValueError:
            day = None
        out.append(observed.Sighting(text, role, doc_id, outlet, day, marker))
    return out


@kb_app.command("import")
def kb_import(
    file: Annotated[Path, typer.Argument(help="Wikidata JSON (dump or entities), Popolo JSON/CSV, or an amanat-kb export.")],
    db: DbOption = None,
) -> None:
    """Import a knowledge-base file into the store (merged with the starter base)."""
    imported = service.import_file(file)
    records = list(imported.records())
    data = json.dumps(export.to_json(records), ensure_ascii=False).encode()
    with open_store(db) as store:
        base, _ = load_kb(store)
        base.add_all(records)
        report = merge.merge_persons(base)[1]  # what loading the base will now fold together
        _BASES.clear()  # the shared base was changed here: build it again next time
        _INDEXES.clear()
        with store.engine.begin() as conn:
            conn.execute(sa.insert(t.kb_imports).values(
                name=str(file), imported=datetime.now(UTC), entities=len(imported.entities), facts=len(imported.facts),
                data=zstandard.ZstdCompressor(level=6).compress(data)))
    for problem in imported.problems[:20]:
        err.print(f"warning: {escape(str(problem))}")
    for line in report.lines()[:50]:
        err.print(escape(line))
    err.print(f"imported {len(imported.entities)} entities and {len(imported.facts)} facts from {file}; "
              "run `amanat analyze --all` to re-link mentions")


@kb_app.command("show")
def kb_show(
    name: Annotated[str, typer.Argument(help="An entity id (Q-number) or any of its names, in any script.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """An entity with its names, ids and every dated fact, with sources."""
    with open_store(db) as store:
        kb, _ = load_kb(store)
        profile = service.show(kb, name)
        observed = observed_titles(store, profile.entity.id)
    entity = profile.entity
    if as_json:
        emit_json({
            "id": entity.id, "kind": entity.kind, "name": entity.name, "names": entity.names(),
            "external_ids": [list(x) for x in entity.external_ids],
            "facts": [_fact_json(kb, f, s) for f, s in profile.facts],
            "observed": observed,
        })
        return
    out.print(f"[bold]{escape(entity.name)}[/bold]  {entity.id}  ({entity.kind})")
    out.print("names: " + escape(", ".join(entity.names()[:30])))
    table = Table(header_style="bold")
    for col in ("fact", "value", "from", "until", "source"):
        table.add_column(col)
    for fact, source in profile.facts:
        row = _fact_json(kb, fact, source)
        table.add_row(row["predicate"], escape(str(row["object_name"] or row["value"] or "")), row["start"] or "?",
                      row["end"] or ("open" if not row["end_unknown"] else "?"), escape(row["source_title"] or fact.source))
    out.print(table)
    if observed:
        seen = Table(title="Titles given in coverage (observed tier, not reference facts)", header_style="bold")
        for col in ("title", "marker", "outlets", "independent texts", "first", "last"):
            seen.add_column(col)
        for o in observed:
            seen.add_row(escape(o["title"]), o["marker"] or "", escape(", ".join(o["outlets"])), str(o["independent"]),
                         o["first"] or "?", o["last"] or "?")
        out.print(seen)


def observed_titles(store: Store, entity_id: str) -> list[dict[str, Any]]:
    """The observed tier for one entity, from stored mentions: each title coverage gave it,
    with the outlets, how many independent texts (content groups) and the date range.
    Kept apart from reference facts; a check that uses it says so."""
    m, d = t.mentions, t.documents
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(m.c.role, m.c.marker, d.c.source, d.c.content_hash, d.c.published)
            .select_from(m.join(d, d.c.id == m.c.document_id))
            .where(m.c.entity_id == entity_id, m.c.role.is_not(None))
        ).fetchall()
    groups: dict[tuple[str, str | None], dict[str, Any]] = {}
    for role, marker, outlet, content, published in rows:
        key = (" ".join(role.split()).lower(), marker)
        g = groups.setdefault(key, {"title": " ".join(role.split()), "marker": marker, "outlets": set(),
                                    "texts": set(), "dates": []})
        g["outlets"].add(outlet)
        g["texts"].add(content)
        if published:
            g["dates"].append(published[:10])
    return [
        {"title": g["title"], "marker": g["marker"], "outlets": sorted(g["outlets"]), "independent": len(g["texts"]),
         "first": min(g["dates"], default=None), "last": max(g["dates"], default=None), "tier": "observed"}
        for g in sorted(groups.values(), key=lambda g: (-len(g["texts"]), g["title"]))
    ]


def _fact_json(kb: KnowledgeBase, fact: Any, source: Any) -> dict[str, Any]:
    iv = fact.interval
    return {
        "predicate": fact.predicate,
        "object": fact.object,
        "object_name": kb.entities[fact.object].name if fact.object in kb.entities else None,
        "value": fact.value,
        "start": iv.start.iso() if iv.start else None,
        "end": iv.end.iso() if iv.end else None,
        "end_unknown": getattr(iv, "end_unknown", False),
        "qualifiers": dict(fact.qualifiers),
        "source": fact.source,
        "source_title": getattr(source, "title", None),
        "tier": getattr(source, "tier", None),
    }


@kb_app.command("who")
def kb_who(
    position: Annotated[str, typer.Option("--position", help='The office, e.g. "President of Kazakhstan".')],
    on: Annotated[str, typer.Option("--on", help="The date, YYYY-MM-DD.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Who held an office on a date, by the record (holds: yes, or undetermined).

    The office is resolved first: an office the base does not know answers "unknown office"
    with the nearest known ones, a phrase several offices fit "ambiguous" with them — never
    another office's holders."""
    try:
        day = date.fromisoformat(on)
    except ValueError:
        raise InputError(f"--on takes a date as YYYY-MM-DD, not {on!r}") from None
    with open_store(db) as store:
        kb, index, _ = indexed_kb(store)
    answer = service.who(kb, position, day, index)
    if as_json:
        emit_json(service.who_json(answer))
        return
    res = answer.resolution
    for written, read in res.read_as:
        out.print(f"read {escape(written)!r} as {escape(read)}")
    if res.status == "unknown office":
        out.print(f"unknown office: {escape(position)!r} ({escape(res.why or '')})")
        if res.suggestions:
            out.print("nearest known offices: " + escape("; ".join(map(answer.office_name, res.suggestions))))
        return
    if res.status == "ambiguous":
        out.print(f"ambiguous: {escape(position)!r} — {escape(res.why or '')}; name one of: "
                  + escape("; ".join(map(answer.office_name, res.candidates))))
        return
    name = answer.office_name(res.position or "")
    if not answer.holders:
        out.print(f"resolved to {escape(name)}: the record names nobody in it on {day}")
        return
    table = Table(title=f"{escape(name)} on {day} (resolved from {escape(position)!r})", header_style="bold")
    for col in ("person", "from", "until", "on that day", "sources"):
        table.add_column(col)
    for h in answer.holders:
        iv = h.tenure.interval
        table.add_row(escape(h.person.name), iv.start.iso() if iv.start else "?", iv.end.iso() if iv.end else "open",
                      "held" if h.holds else "undetermined",
                      escape("; ".join(s.title or s.id for s in h.sources) or "; ".join(h.tenure.cited())))
    out.print(table)


@kb_app.command("export")
def kb_export(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (amanat-kb JSON).")],
    db: DbOption = None,
) -> None:
    """Write the node's whole knowledge base (starter + imports) as amanat-kb JSON."""
    with open_store(db) as store:
        kb, _ = load_kb(store)
    export.dump(kb.records(), output)
    err.print(f"wrote {len(kb.entities)} entities and {len(kb.facts)} facts to {output}")


# --- mentions -------------------------------------------------------------------------------


def mentions(
    doc_id: Annotated[str, typer.Argument(metavar="ID", help="Document id (or a unique prefix).")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The mentions of a document: span, text, linked entity or candidates, attached role."""
    with open_store(db) as store:
        doc = store.get(doc_id).document
        with store.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(
                sa.select(t.mentions).where(t.mentions.c.document_id == doc.id).order_by(t.mentions.c.n))]
        if not rows:
            raise NotFound(f"no mentions stored for {doc.id}: run `amanat analyze {doc.id}`")
        kb, _ = load_kb(store)
    for r in rows:
        r["candidates"] = json.loads(r["candidates"])
        entity = kb.entities.get(r["entity_id"]) if r["entity_id"] else None
        r["entity_name"] = entity.name if entity else None
        r["qid"] = _qid(kb, r["entity_id"])
        if r["kind"] == "position" and isinstance(r["candidates"], dict):
            office = r.pop("candidates")
            holder = office.get("holder")
            r["candidates"] = office.get("holders") or []
            r["position"] = {"id": r["entity_id"], "name": r["entity_name"]} if r["entity_id"] else None
            r["holder"] = {"id": holder, "name": kb.entities[holder].name if holder in kb.entities else holder,
                           "qid": _qid(kb, holder)} if holder else None
            r["resolution"], r["why"] = office.get("resolution"), office.get("why")
    if as_json:
        emit_json(rows)
        return
    table = Table(title=f"Mentions in {doc.id}", header_style="bold")
    for col in ("span", "text", "kind", "entity", "role", "marker"):
        table.add_column(col)
    for r in rows:
        if r["kind"] == "position":
            continue
        linked = f"{r['entity_name']} ({r['qid'] or r['entity_id']})" if r["entity_id"] else (
            "unlinked: " + ", ".join(c[0] for c in r["candidates"][:3]) if r["candidates"] else "unknown")
        table.add_row(f"{r['start']}–{r['end']}", escape(r["text"]), r["kind"], escape(linked), escape(r["role"] or ""), r["marker"] or "")
    out.print(table)
    offices = [r for r in rows if r["kind"] == "position"]
    if offices:
        seen = Table(title="Offices named without a person (holder on the document's date, not a person link)",
                     header_style="bold")
        for col in ("span", "text", "office", "holder", "marker"):
            seen.add_column(col)
        for r in offices:
            office = r["entity_name"] or "several offices fit"
            holder = (f"{r['holder']['name']} ({r['holder']['qid'] or r['holder']['id']})" if r.get("holder")
                      else f"{r.get('resolution') or 'undetermined'}: {r.get('why') or ''}")
            seen.add_row(f"{r['start']}–{r['end']}", escape(r["text"]), escape(office), escape(holder), r["marker"] or "")
        out.print(seen)


def _qid(kb: KnowledgeBase, entity_id: str | None) -> str | None:
    """The Wikidata QID of an entity: its external id, or the id itself when it is one."""
    entity = kb.entities.get(entity_id) if entity_id else None
    qid = next((v for k, v in entity.external_ids if k == "wikidata"), None) if entity else None
    if qid is None and entity_id and entity_id.startswith("Q") and entity_id[1:].isdigit():
        qid = entity_id
    return qid
