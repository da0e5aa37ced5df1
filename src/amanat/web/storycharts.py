"""A story drawn as inline SVG on the server: its coverage by outlet over time, and the
figures each outlet reported, with the divergences the checks found marked on them.

Both drawings are readable without colour: outlets in the figures chart are told apart by
the shape of their marker (named in a legend), a divergence is a dashed bracket with a text
label ("D1") that the table below the chart repeats, and every mark carries a ``<title>``
with its words. An SVG with ``role="img"`` holds no links (a control inside an image is
lost to assistive technology); the table and the list of reports link each document. The numbers are always also in a table (the template's job): a chart is a
way to see them, not the only way to read them.

Wire copy counts once: a report carried by several outlets is one mark on the row of the
outlet that ran it first, labelled "+N copies", and its figures are charted once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup, escape

WIDTH = 720
LABEL_W = 190  # outlet names on the left of the coverage timeline
ROW_H = 30
TOP, BOTTOM = 12, 28
SHAPES = ("circle", "square", "triangle", "diamond", "cross", "star")
MAX_LABEL = 26
MAX_CHARTS = 6


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _short(text: str, n: int = MAX_LABEL) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


def _svg_open(cls: str, title: str, height: float) -> Markup:
    return Markup('<svg class="{c}" role="img" aria-label="{t}" viewBox="0 0 {w} {h:.0f}" width="100%" '
                  'xmlns="http://www.w3.org/2000/svg"><title>{t}</title>').format(c=cls, t=title, w=WIDTH, h=height)


class _Scale:
    """Days to x positions between ``left`` and ``right``, a day's margin on each side."""

    def __init__(self, days: list[date], left: float, right: float) -> None:
        self.first, self.last = min(days), max(days)
        self.left, self.right = left, right
        self.span = max((self.last - self.first).days, 0) + 2

    def x(self, day: date) -> float:
        return self.left + (self.right - self.left) * ((day - self.first).days + 1) / self.span


def coverage_timeline(story: dict[str, Any]) -> tuple[Markup, int]:
    """The story's reports by outlet and date: one row per outlet that ran a report first, a
    mark per report, "+N copies" beside a report that other outlets carried. Returns the SVG
    and how many documents are undated (not drawn)."""
    reports = {r["key"]: r for r in story["report_list"]}
    dated = [m for m in story["timeline"] if m["report"] == m["document_id"] or m["report"] not in reports]
    heads = [(m, _day(m["published"])) for m in dated]
    drawn = [(m, d) for m, d in heads if d is not None]
    undated = sum(1 for m in story["timeline"] if _day(m["published"]) is None)
    title = f"Coverage of the story by outlet: {len(drawn)} reports on {len({m['source'] for m, _ in drawn})} outlets"
    if not drawn:
        empty = Markup('<text x="8" y="24">No dated report in this story.</text></svg>')
        return _svg_open("timeline story-timeline", title, 40) + empty, undated
    outlets = list(dict.fromkeys(m["source"] for m, _ in drawn))
    height = TOP + ROW_H * len(outlets) + BOTTOM
    scale = _Scale([d for _, d in drawn], LABEL_W + 8, WIDTH - 60)
    parts = [_svg_open("timeline story-timeline", title, height)]
    for i, outlet in enumerate(outlets):
        y = TOP + ROW_H * i + ROW_H / 2
        parts.append(Markup('<line class="row-line" x1="{a}" y1="{y}" x2="{b}" y2="{y}"/>'
                            '<text class="row-label" x="4" y="{ty}">{name}<title>{full}</title></text>').format(
            a=LABEL_W, b=WIDTH - 4, y=y, ty=y + 4, name=_short(outlet), full=outlet))
    seen: dict[tuple[str, date], int] = defaultdict(int)
    for m, day in drawn:
        row = outlets.index(m["source"])
        nth = seen[(m["source"], day)]
        seen[(m["source"], day)] += 1
        x = scale.x(day) + nth * 9
        y = TOP + ROW_H * row + ROW_H / 2
        report = reports.get(m["report"]) or {"copies": 0, "sources": [m["source"]]}
        copies = report["copies"]
        others = [s for s in report["sources"] if s != m["source"]]
        tip = f"{day.isoformat()} · {m['source']} · {m['title'] or m['document_id']}"
        if copies:
            tip += f" (+{copies} cop{'y' if copies == 1 else 'ies'}: {', '.join(others) or m['source']})"
        parts.append(Markup('<circle class="report{c}" cx="{x:.1f}" cy="{y:.1f}" r="6"><title>{tip}</title></circle>'
                            ).format(c=" copied" if copies else "", x=x, y=y, tip=tip))
        if copies:
            parts.append(Markup('<text class="copies" x="{x:.1f}" y="{y:.1f}">+{n} cop{s}</text>').format(
                x=x + 9, y=y + 4, n=copies, s="y" if copies == 1 else "ies"))
    parts += _date_axis(scale, TOP + ROW_H * len(outlets), height)
    parts.append(Markup("</svg>"))
    return Markup("").join(parts), undated


def _date_axis(scale: _Scale, y: float, height: float) -> list[Markup]:
    out = [Markup('<line class="axis" x1="{a}" y1="{y}" x2="{b}" y2="{y}"/>').format(a=scale.left - 8, b=scale.right + 8,
                                                                                     y=y)]
    ticks = [scale.first] if scale.first == scale.last else [scale.first, scale.last]
    for day in ticks:
        out.append(Markup('<text class="tick" x="{x:.1f}" y="{y:.0f}" text-anchor="middle">{d}</text>').format(
            x=scale.x(day), y=height - 8, d=day.isoformat()))
    return out


@dataclass
class Series:
    """One measure's figures (one chart): points by date and outlet, and divergences."""

    key: str
    label: str
    points: list[dict[str, Any]] = field(default_factory=list)
    divergences: list[dict[str, Any]] = field(default_factory=list)


def series_key(measure: str, unit: str | None) -> tuple[str, str]:
    """Which chart a figure goes on: its measure; plain counts split by what they count."""
    if measure == "count":
        return f"count:{unit or '?'}", f"count of {unit or 'unnamed things'}"
    return measure, measure


def figure_series(figures: list[dict[str, Any]], divergences: list[dict[str, Any]]) -> tuple[list[Series], list[dict[str, Any]]]:
    """The story's figures, one report's copies counted once, grouped into charts; each
    divergence (a finding of type figures-across-sources) numbered D1, D2… and attached to
    the chart of its measure, and each figure it cites tagged with its number. Returns the
    charts (measures with two figures or more, or a divergence) and every row for the table."""
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str, Any, str | None]] = set()
    for f in sorted(figures, key=lambda f: f["document_id"] != f["report"]):  # a report's own document first
        once = (f["report"], f["measure"], f["value"], f["as_of"])
        if once in seen:
            continue
        seen.add(once)
        rows.append({**f, "date": f["as_of"] or f["published"], "divergences": []})
    by_key: dict[str, Series] = {}
    for f in rows:
        key, label = series_key(f["measure"], f["unit"])
        by_key.setdefault(key, Series(key, label)).points.append(f)
    for n, finding in enumerate(divergences, 1):
        ref = f"D{n}"
        finding["ref"] = ref
        cited = [x for x in finding.get("facts", []) if isinstance(x, dict) and "value" in x]
        if not cited:
            continue
        key, _ = series_key(cited[0].get("measure") or "?", cited[0].get("unit"))
        series = by_key.get(key) or next((s for s in by_key.values() if s.key.split(":")[0] == cited[0].get("measure")),
                                         None)
        if series is None:
            continue
        series.divergences.append({"ref": ref, "id": finding["id"], "date": finding.get("judged_at"),
                                   "values": [x["value"] for x in cited]})
        ids = {(x.get("document_id"), x.get("value")) for x in cited}
        copies = {c: x.get("value") for x in cited for c in x.get("copies", [])}
        for p in series.points:
            if (p["document_id"], p["value"]) in ids or copies.get(p["document_id"]) == p["value"]:
                p["divergences"].append(ref)
    charts = [s for s in by_key.values() if len(s.points) > 1 or s.divergences]
    charts.sort(key=lambda s: (not s.divergences, -len(s.points), s.key))
    diverging = {s.key for s in by_key.values() if s.divergences}
    rows.sort(key=lambda f: (series_key(f["measure"], f["unit"])[0] not in diverging,
                             series_key(f["measure"], f["unit"])[1], f["date"] or "9999", f["source"]))
    return charts[:MAX_CHARTS], rows


def figures_chart(series: Series, shapes: dict[str, str]) -> Markup:
    """One measure's figures over time: a marker per figure (its outlet's shape), the value
    axis from zero, and each divergence as a dashed bracket over its values, labelled."""
    height = 170
    left, right, top, bottom = 60, WIDTH - 70, 16, height - BOTTOM
    dated = [(p, _day(p["date"])) for p in series.points]
    days = [d for _, d in dated if d is not None] + [d for v in series.divergences if (d := _day(v["date"]))]
    title = f"Figures reported for {series.label}, by outlet and date"
    if not days:
        return _svg_open("chart figures", title, 40) + Markup('<text x="8" y="24">No dated figure.</text></svg>')
    scale = _Scale(days, left, right)
    top_value = max([float(p["value"]) for p in series.points] + [v for d in series.divergences for v in d["values"]])
    top_value = top_value or 1.0

    def y(value: float) -> float:
        return bottom - (bottom - top) * value / top_value

    parts = [_svg_open("chart figures", title, height),
             Markup('<line class="axis" x1="{l}" y1="{b}" x2="{r}" y2="{b}"/>'
                    '<line class="axis" x1="{l}" y1="{t}" x2="{l}" y2="{b}"/>'
                    '<text class="tick" x="{tx}" y="{ty}" text-anchor="end">{top}</text>'
                    '<text class="tick" x="{tx}" y="{b}" text-anchor="end">0</text>').format(
                 l=left, r=right + 8, t=top, b=bottom, tx=left - 4, ty=top + 8, top=_num(top_value))]
    for div in series.divergences:
        x = scale.x(_day(div["date"]) or min(days)) - 12
        lo, hi = y(min(div["values"])), y(max(div["values"]))
        parts.append(Markup(
            '<g class="divergence"><title>divergence {ref}: values {vals} cannot all be true</title>'
            '<path class="bracket" d="M{x1:.1f} {lo:.1f} H{x:.1f} V{hi:.1f} H{x1:.1f}"/>'
            '<text class="div-label" x="{tx:.1f}" y="{ty:.1f}" text-anchor="end">{ref}</text></g>').format(
            ref=div["ref"], vals=", ".join(_num(v) for v in div["values"]), x=x, x1=x + 6, lo=lo, hi=hi,
            tx=x - 3, ty=(lo + hi) / 2 + 4))
    stacked: dict[tuple[date, float], int] = defaultdict(int)
    for p, day in dated:
        if day is None:
            continue
        nth = stacked[(day, float(p["value"]))]
        stacked[(day, float(p["value"]))] += 1
        x, yy = scale.x(day) + nth * 10, y(float(p["value"]))
        refs = " ".join(p["divergences"])
        tip = (f"{p['source']}: {p['words']} ({_value(p)}"
               f"{', ' + p['attributed_to'] if p['attributed_to'] else ''}, {p['date']}){' — ' + refs if refs else ''}")
        parts.append(Markup('<g class="point{c}">{shape}<title>{tip}</title></g>').format(
            c=" diverging" if refs else "", shape=marker(shapes.get(p["source"], "circle"), x, yy), tip=tip))
        if not nth:  # one label per value and day, however many outlets gave it
            parts.append(Markup('<text class="value" x="{x:.1f}" y="{y:.1f}">{v}</text>').format(
                x=x - 4, y=yy - 9, v=_num(float(p["value"]))))
    parts += _date_axis(scale, bottom, height)
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def marker(shape: str, x: float, y: float, r: float = 6) -> Markup:
    """An outlet's marker: a shape, so outlets differ without colour."""
    if shape == "square":
        return Markup('<rect class="mk" x="{a:.1f}" y="{b:.1f}" width="{s:.1f}" height="{s:.1f}"/>').format(
            a=x - r * .85, b=y - r * .85, s=r * 1.7)
    if shape == "triangle":
        return Markup('<path class="mk" d="M{x:.1f} {a:.1f} L{c:.1f} {b:.1f} L{d:.1f} {b:.1f} Z"/>').format(
            x=x, a=y - r, b=y + r * .8, c=x + r, d=x - r)
    if shape == "diamond":
        return Markup('<path class="mk" d="M{x:.1f} {a:.1f} L{c:.1f} {y:.1f} L{x:.1f} {b:.1f} L{d:.1f} {y:.1f} Z"/>'
                      ).format(x=x, y=y, a=y - r, b=y + r, c=x + r, d=x - r)
    if shape == "cross":
        return Markup('<path class="mk cross" d="M{a:.1f} {c:.1f} L{b:.1f} {d:.1f} M{a:.1f} {d:.1f} L{b:.1f} {c:.1f}"/>'
                      ).format(a=x - r, b=x + r, c=y - r, d=y + r)
    if shape == "star":
        return Markup('<path class="mk" d="M{x:.1f} {a:.1f} L{p:.1f} {q:.1f} L{c:.1f} {q:.1f} L{s:.1f} {t:.1f} '
                      'L{u:.1f} {b:.1f} L{x:.1f} {v:.1f} L{w:.1f} {b:.1f} L{z:.1f} {t:.1f} L{d:.1f} {q:.1f} '
                      'L{o:.1f} {q:.1f} Z"/>').format(
            x=x, a=y - r, p=x + r * .3, q=y - r * .3, c=x + r, s=x + r * .45, t=y + r * .2, u=x + r * .6, b=y + r,
            v=y + r * .5, w=x - r * .6, z=x - r * .45, d=x - r, o=x - r * .3)
    return Markup('<circle class="mk" cx="{x:.1f}" cy="{y:.1f}" r="{r}"/>').format(x=x, y=y, r=r)


def legend_marker(shape: str) -> Markup:
    """A small standalone SVG of an outlet's marker, for the legend."""
    return (Markup('<svg class="legend-mk" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">')
            + marker(shape, 8, 8, 6) + Markup("</svg>"))


def outlet_shapes(series: list[Series]) -> dict[str, str]:
    """A shape per outlet charted, in order of first appearance (shapes repeat past six)."""
    outlets = list(dict.fromkeys(p["source"] for s in series for p in s.points))
    return {o: SHAPES[i % len(SHAPES)] for i, o in enumerate(outlets)}


def _num(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def _value(p: dict[str, Any]) -> str:
    text = _num(float(p["value"]))
    return f"{p['qualifier']} {text}" if p.get("qualifier") else text


def value_text(p: dict[str, Any]) -> str:
    """A figure as a person reads it: qualifier, number, unit."""
    return escape(_value(p) + (f" {p['unit']}" if p.get("unit") else ""))
