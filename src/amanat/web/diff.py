"""Differences between two versions of a text: a unified diff for machines, and a readable
word-level comparison for people (the way diffengine and NewsDiffs show silent edits).

Pure functions over strings; difflib does the matching. Paragraphs are matched first, then
words inside changed paragraphs, so a one-word edit shows as one word, not a rewritten page.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

# Word-level matching is quadratic in the worst case: past this many tokens a changed
# stretch is shown as whole paragraphs removed and added instead.
MAX_WORD_TOKENS = 20_000
_TOKEN = re.compile(r"\s+|[^\W_]+|[^\s]", re.UNICODE)


@dataclass(frozen=True)
class Piece:
    kind: Literal["same", "del", "ins"]
    text: str


@dataclass(frozen=True)
class Block:
    """A paragraph run: unchanged, changed (with pieces), or unchanged and folded away."""

    kind: Literal["same", "changed", "folded"]
    pieces: tuple[Piece, ...] = ()
    folded: int = 0  # paragraphs hidden, for kind == "folded"


def unified(old: str, new: str, old_label: str, new_label: str, *, context: int = 1) -> str:
    """A unified diff over lines, as ``diff -u`` would print it."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=old_label, tofile=new_label,
        lineterm="", n=context,
    )
    return "\n".join(lines)


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def compare(old: str, new: str, *, context: int = 1) -> list[Block]:
    """Paragraph blocks of ``new`` against ``old``, unchanged runs folded beyond ``context``."""
    a, b = paragraphs(old), paragraphs(new)
    blocks: list[Block] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    opcodes = matcher.get_opcodes()
    for i, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            same = a[i1:i2]
            head = context if i > 0 else 0
            tail = context if i < len(opcodes) - 1 else 0
            if len(same) > head + tail + 1:
                blocks += [Block("same", (Piece("same", p),)) for p in same[:head]]
                blocks.append(Block("folded", folded=len(same) - head - tail))
                blocks += [Block("same", (Piece("same", p),)) for p in same[len(same) - tail :]]
            else:
                blocks += [Block("same", (Piece("same", p),)) for p in same]
        else:
            for old_p, new_p in _pair(a[i1:i2], b[j1:j2]):
                blocks.append(Block("changed", tuple(_words(old_p, new_p))))
    return blocks


def _pair(old: list[str], new: list[str]) -> list[tuple[str, str]]:
    """Match changed paragraphs in order: each old one to the most similar new one (if any is
    at least half alike); the rest are whole paragraphs added or removed."""
    pairs: list[tuple[str, str]] = []
    j = 0
    for o in old:
        words = o.split()
        best, best_k = 0.5, -1
        for k in range(j, len(new)):
            ratio = difflib.SequenceMatcher(None, words, new[k].split(), autojunk=False).ratio()
            if ratio >= best:
                best, best_k = ratio, k
        if best_k < 0:
            pairs.append((o, ""))
            continue
        pairs += [("", n) for n in new[j:best_k]]
        pairs.append((o, new[best_k]))
        j = best_k + 1
    pairs += [("", n) for n in new[j:]]
    return pairs


def _words(old: str, new: str) -> list[Piece]:
    x, y = _TOKEN.findall(old), _TOKEN.findall(new)
    if len(x) + len(y) > MAX_WORD_TOKENS:
        return [p for p in (Piece("del", old), Piece("ins", new)) if p.text]
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, x, y, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(Piece("same", "".join(x[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("del", "".join(x[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("ins", "".join(y[j1:j2])))
    return pieces
