"""Document text with its annotations marked in place: findings' evidence, claims, mentions.

Annotations overlap freely (a mention inside a quote inside a finding's evidence, or a span
crossing another's end), while HTML elements must nest. So the text is cut at every
annotation boundary, and each piece is wrapped in the annotations covering it, outermost
layer first; an element is closed and reopened only where a crossing forces it. Text is
escaped piece by piece: the only markup is ours.

Nothing relies on colour: mentions are underlined in a style per kind (solid, dashed,
dotted, double) and say their kind and entity in a ``title``; claims open with a short
label (``quote``, ``title``, ``figure``…); evidence is a ``<mark>`` followed by the
finding's number.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

from amanat.web.entity import entity_href

LAYERS = ("evidence", "claim", "mention")  # outermost first
CLAIM_LABELS = {"quote": "quote", "role": "title", "figure": "figure", "event": "event", "membership": "member"}
MENTION_KINDS = ("person", "organization", "place", "position")


@dataclass(frozen=True)
class Mark:
    """A span to mark: ``layer`` is one of LAYERS; ``kind`` and ``ref`` depend on it (a
    mention's kind and entity id, a claim's type, a finding's number)."""

    start: int
    end: int
    layer: str
    kind: str
    ref: str | None = None
    note: str | None = None  # a tooltip

    def _key(self) -> tuple[int, int, int]:
        return (LAYERS.index(self.layer), self.start, -self.end)

    def open(self, first: bool) -> Markup:
        title = Markup(' title="{}"').format(self.note) if self.note else Markup("")
        if self.layer == "evidence":
            return Markup('<mark class="evidence" data-finding="{}"{}>').format(self.ref or "", title)
        if self.layer == "claim":
            label = CLAIM_LABELS.get(self.kind, self.kind)
            tag = Markup('<abbr class="tag" title="claim: {}">{}</abbr>').format(self.kind, label) if first else ""
            return Markup('<span class="claim claim-{}"{}>{}').format(self.kind, title, tag)
        kind = self.kind if self.kind in MENTION_KINDS else "other"
        if self.ref:
            return Markup('<a class="mention m-{}" href="{}"{}>').format(kind, entity_href(self.ref), title)
        return Markup('<span class="mention m-{} unlinked"{}>').format(kind, title)

    def close(self, last: bool) -> Markup:
        if self.layer == "evidence":
            sup = Markup('<sup class="ev-ref"><a href="#finding-{0}">F{0}</a></sup>').format(self.ref) if last and self.ref else ""
            return Markup("</mark>{}").format(sup)
        if self.layer == "claim":
            return Markup("</span>")
        return Markup("</a>") if self.ref else Markup("</span>")


def marked_text(text: str, marks: Iterable[Mark], *, start: int = 0, end: int | None = None) -> Markup:
    """``text[start:end]`` as safe HTML, with ``marks`` (offsets into ``text``) nested."""
    end = len(text) if end is None else end
    spans = sorted({m for m in marks if m.start < m.end and m.end > start and m.start < end}, key=Mark._key)
    cuts = sorted({start, end, *(max(m.start, start) for m in spans), *(min(m.end, end) for m in spans)})
    out: list[Markup] = []
    stack: list[Mark] = []
    opened: set[Mark] = set()
    for a, b in itertools.pairwise(cuts):
        want = [m for m in spans if m.start <= a and m.end >= b]  # already in nesting order
        keep = 0
        while keep < min(len(stack), len(want)) and stack[keep] is want[keep]:
            keep += 1
        for m in reversed(stack[keep:]):
            out.append(m.close(last=m.end <= a))
        stack = stack[:keep]
        for m in want[keep:]:
            out.append(m.open(first=m not in opened))
            opened.add(m)
            stack.append(m)
        out.append(escape(text[a:b]))
    for m in reversed(stack):
        out.append(m.close(last=True))
    return Markup("").join(out)


def context_window(text: str, start: int, end: int, *, around: int = 280) -> tuple[int, int]:
    """A stretch of ``text`` around ``[start, end)`` to show it in context: up to ``around``
    characters each side, cut at a paragraph break or a space so no word is split."""
    lo = max(0, start - around)
    hi = min(len(text), end + around)
    para = text.rfind("\n", lo, start)
    if para >= 0:
        lo = para + 1
    elif lo > 0 and (space := text.find(" ", lo, start)) >= 0:
        lo = space + 1
    para = text.find("\n", end, hi)
    if para >= 0:
        hi = para
    elif hi < len(text) and (space := text.rfind(" ", end, hi)) >= 0:
        hi = space
    return lo, hi
