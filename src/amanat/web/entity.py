"""An entity as the page and the API show it: its names in every script, the offices it held
(or, for an office, who held it) as dated spans, and how often the stored coverage names it.

The knowledge base is the node's (``amanat.kb.commands.load_kb``: built once per process and
version). Offices are drawn as an SVG timeline on the server; a span whose end the record
does not give is hatched, not solid, and every bar is labelled with its dates, so nothing
depends on colour. Ids are Wikidata QIDs (``Q200881``) or ``namespace:local/path`` ids, so
the routes take the id as a path and build links with ``entity_href``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape

from amanat.errors import NotFound
from amanat.kb.model import POSITION_HELD, Entity, Fact, KnowledgeBase
from amanat.store.db import Store

MAX_ENTITY_ID = 255  # the mentions table's column
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
WIDTH, LEFT, ROW, TOP = 720, 8, 40, 22


def entity_href(entity_id: str) -> str:
    """The page of an entity: the id percent-encoded, its ``:`` and ``/`` kept readable."""
    return "/entities/" + quote(entity_id, safe=":/")


def find_entity(store: Store, entity_id: str) -> tuple[KnowledgeBase, Entity]:
    """The entity with this id in the node's knowledge base; NotFound for any other text."""
    if not entity_id or len(entity_id) > MAX_ENTITY_ID or _CONTROL.search(entity_id):
        raise NotFound(f"no entity {entity_id[:MAX_ENTITY_ID]!r}")
    from amanat.kb.commands import load_kb

    kb, _ = load_kb(store)
    entity = kb.entities.get(entity_id)
    if entity is None:
        raise NotFound(f"no entity {entity_id!r} in this node's knowledge base")
    return kb, entity


@dataclass(frozen=True)
class Tenure:
    """One ``position_held`` fact as a span: who or what it names, and where it came from."""

    other_id: str  # the office (for a person) or the holder (for an office)
    other_name: str
    start: str | None  # ISO at its precision
    end: str | None  # exclusive, as the record keeps it (half-open intervals)
    last: str | None  # the last day (or month, year) held, for people to read
    open_end: bool  # the record gives no end: held at ``as_of``, or ended at an unknown date
    end_unknown: bool
    as_of: str | None
    acting: bool
    source: str
    source_title: str | None
    tier: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def names(entity: Entity) -> list[dict[str, Any]]:
    """Every label and alias, with its language and script (ISO 15924) when known."""
    return [{"text": lb.text, "lang": lb.lang, "script": lb.script, "kind": lb.kind} for lb in entity.labels]


def tenures(kb: KnowledgeBase, entity: Entity) -> list[Tenure]:
    """Offices the entity held, or holders of the entity as an office; earliest first."""
    out = []
    for f in kb.facts_about(entity.id, POSITION_HELD):
        other = f.object if f.subject == entity.id else f.subject
        if other is None:
            continue
        out.append(_tenure(kb, f, other))
    return sorted(out, key=lambda t: (t.start or "9999", t.other_name))


def _tenure(kb: KnowledgeBase, f: Fact, other: str) -> Tenure:
    iv = f.interval
    source = kb.sources.get(f.source)
    as_of = iv.as_of or (source.as_of if source else None)
    return Tenure(
        other_id=other, other_name=kb.entities[other].name if other in kb.entities else other,
        start=iv.start.iso() if iv.start else None, end=iv.end.iso() if iv.end else None,
        last=(iv.end.value - timedelta(days=1)).isoformat() if iv.end and iv.end.precision == "day"
        else (iv.end.iso() if iv.end else None),
        open_end=iv.end is None, end_unknown=iv.end_unknown, as_of=as_of.isoformat() if as_of else None,
        acting=f.qualifier("acting") == "true", source=f.source,
        source_title=source.title if source else None, tier=source.tier if source else None,
    )


def _day(iso: str | None) -> date | None:
    if not iso:
        return None
    parts = [int(p) for p in iso.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def office_timeline(spans: list[Tenure], *, title: str, today: date | None = None) -> Markup:
    """The spans as an SVG timeline: one labelled row each, solid where the record gives both
    ends, hatched to the source's as-of date (or today) where it gives no end."""
    today = today or datetime.now(UTC).date()
    placed = []
    for s in spans:
        start = _day(s.start)
        if start is None:
            continue
        end = _day(s.end) or _day(s.as_of) or today
        placed.append((s, start, max(end, start)))
    if not placed:
        return Markup('<svg class="timeline" role="img" viewBox="0 0 {w} 40" width="100%"><title>{t}</title>'
                      '<text x="8" y="24">No dated offices in the record.</text></svg>').format(w=WIDTH, t=title)
    first = min(p[1] for p in placed)
    last = max(p[2] for p in placed)
    span_days = max((last - first).days, 365)
    plot = WIDTH - 2 * LEFT
    height = TOP + ROW * len(placed) + 8

    def x(day: date) -> float:
        return LEFT + plot * (day - first).days / span_days

    parts = [
        Markup('<svg class="timeline" role="img" aria-label="{t}" viewBox="0 0 {w} {h}" width="100%" '
               'xmlns="http://www.w3.org/2000/svg"><title>{t}</title>').format(t=title, w=WIDTH, h=height),
        Markup('<defs><pattern id="open-end" width="6" height="6" patternUnits="userSpaceOnUse" '
               'patternTransform="rotate(45)"><rect width="6" height="6" class="hatch-bg"/>'
               '<line x1="0" y1="0" x2="0" y2="6" class="hatch"/></pattern></defs>'),
        Markup('<text class="tick" x="{x}" y="12">{a}</text><text class="tick" x="{x2}" y="12" '
               'text-anchor="end">{b}</text>').format(x=LEFT, a=first.year, x2=WIDTH - LEFT, b=last.year),
    ]
    for i, (s, start, end) in enumerate(placed):
        y = TOP + i * ROW
        w = max(x(end) - x(start), 2.0)
        until = s.last or ("unknown end" if s.end_unknown else f"no end known (as of {s.as_of or 'today'})")
        text = f"{s.other_name}{' (acting)' if s.acting else ''}: {s.start} – {until}"
        parts.append(Markup('<text class="row-label" x="{x}" y="{y}">{t}</text>').format(x=LEFT, y=y + 11, t=text))
        parts.append(Markup('<rect class="{c}" x="{x:.1f}" y="{y}" width="{w:.1f}" height="14"{f}>'
                            '<title>{t}</title></rect>').format(
            c="span open" if s.open_end else "span", x=x(start), y=y + 15, w=w, t=text,
            f=Markup(' fill="url(#open-end)"') if s.open_end else Markup("")))
    parts.append(Markup("</svg>"))
    return Markup("").join(escape(p) for p in parts)
