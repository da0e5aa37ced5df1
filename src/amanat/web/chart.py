"""A bar chart as inline SVG, rendered on the server: no JavaScript, readable without CSS.

Each bar carries a ``<title>`` (a native tooltip) with its period and count; the axis shows
the first and last period and the largest count.
"""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

from amanat.web.timeline import Bin

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 180, 36, 24, 8
MAX_BAR = 48


def label(start: date, unit: Bin) -> str:
    if unit == "month":
        return start.strftime("%Y-%m")
    if unit == "year":
        return str(start.year)
    if unit == "week":
        return f"week of {start.isoformat()}"
    return start.isoformat()


def bar_chart(bins: list[tuple[date, int]], unit: Bin, *, title: str, noun: str = "document",
              empty: str = "No dated documents yet.") -> Markup:
    """SVG for counts (of ``noun``) per bin; an empty chart says so."""
    if not bins:
        return Markup(
            '<svg class="chart" role="img" viewBox="0 0 {w} 40" width="100%"><title>{t}</title>'
            '<text x="8" y="24">{e}</text></svg>'
        ).format(w=WIDTH, t=title, e=empty)
    top = max(n for _, n in bins) or 1
    plot_w, plot_h = WIDTH - LEFT - 4, HEIGHT - BOTTOM - TOP
    step = plot_w / len(bins)
    gap = min(2.0, step * 0.2) if step <= MAX_BAR else step - MAX_BAR  # a few bars stay bars, not walls
    parts = [
        Markup(
            '<svg class="chart" role="img" aria-label="{t}" viewBox="0 0 {w} {h}" width="100%" '
            'xmlns="http://www.w3.org/2000/svg"><title>{t}</title>'
        ).format(t=title, w=WIDTH, h=HEIGHT),
        Markup('<line class="axis" x1="{x}" y1="{y}" x2="{x2}" y2="{y}"/>').format(
            x=LEFT, y=TOP + plot_h, x2=WIDTH - 4
        ),
        Markup('<text class="tick" x="{x}" y="{y}" text-anchor="end">{n}</text>').format(
            x=LEFT - 4, y=TOP + 10, n=top
        ),
        Markup('<text class="tick" x="{x}" y="{y}" text-anchor="end">0</text>').format(
            x=LEFT - 4, y=TOP + plot_h
        ),
    ]
    for i, (start, n) in enumerate(bins):
        h = plot_h * n / top
        parts.append(
            Markup(
                '<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}">'
                "<title>{label}: {n} {noun}{s}</title></rect>"
            ).format(
                x=LEFT + i * step + gap / 2, y=TOP + plot_h - h, w=max(step - gap, 0.5), h=h,
                label=label(start, unit), n=n, noun=noun, s="" if n == 1 else "s",
            )
        )
    y_text = HEIGHT - 6
    if step > MAX_BAR:
        # a few bars, each narrower than its slot: a date under the middle of its bar, not
        # at the edge of the chart where no bar is (wide slots leave room for the text)
        ends = [(0, bins[0][0])] + ([(len(bins) - 1, bins[-1][0])] if len(bins) > 1 else [])
        for i, start in ends:
            parts.append(Markup('<text class="tick" x="{x:.1f}" y="{y}" text-anchor="middle">{t}</text>').format(
                x=LEFT + (i + 0.5) * step, y=y_text, t=label(start, unit)))
    else:
        parts.append(
            Markup('<text class="tick" x="{x}" y="{y}">{t}</text>').format(
                x=LEFT, y=y_text, t=label(bins[0][0], unit)
            )
        )
        if len(bins) > 1:
            parts.append(
                Markup('<text class="tick" x="{x}" y="{y}" text-anchor="end">{t}</text>').format(
                    x=WIDTH - 4, y=y_text, t=label(bins[-1][0], unit)
                )
            )
    parts.append(Markup("</svg>"))
    return Markup("").join(escape(p) for p in parts)
