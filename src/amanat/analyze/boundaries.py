"""Where a pattern's marks fall in one span of text (clause marks in a sentence), found once
and then looked up by bisection. Pure.

Extractors and checks ask, for every figure or date of a sentence, where its clause begins
and ends: "the last comma before this number", "the first comma after it". Asked with a
``finditer`` from the sentence start, or a ``search`` to its end, that is a scan per figure —
quadratic in a sentence with thousands of numbers and no comma (hostile text, or a table
flattened into one line). Finding the marks once per sentence makes each question a
logarithmic lookup, with the same answers.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable


class Marks:
    """The non-overlapping matches of ``pattern`` in ``text[start:end]``, in order."""

    __slots__ = ("ends", "starts")

    def __init__(self, pattern: re.Pattern[str], text: str, start: int, end: int) -> None:
        found = [(m.start(), m.end()) for m in pattern.finditer(text, start, end)]
        self.starts = [s for s, _ in found]
        self.ends = [e for _, e in found]

    def last_end_before(self, pos: int, default: int) -> int:
        """The end of the last mark that ends at or before ``pos`` (``default`` if none)."""
        i = bisect_right(self.ends, pos)
        return self.ends[i - 1] if i else default

    def first_start_from(self, pos: int, default: int) -> int:
        """The start of the first mark that starts at or after ``pos`` (``default`` if none)."""
        i = bisect_left(self.starts, pos)
        return self.starts[i] if i < len(self.starts) else default

    def any_within(self, start: int, end: int) -> bool:
        """Whether a mark lies wholly inside ``[start, end)``."""
        i = bisect_left(self.starts, start)
        return i < len(self.starts) and self.ends[i] <= end


class Covered:
    """Whether a position falls inside any of many spans, by bisection over the spans joined
    where they overlap (instead of asking every span, for every position)."""

    __slots__ = ("ends", "starts")

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        joined: list[list[int]] = []
        for a, b in sorted(spans):
            if b <= a:
                continue
            if joined and a <= joined[-1][1]:
                joined[-1][1] = max(joined[-1][1], b)
            else:
                joined.append([a, b])
        self.starts = [a for a, _ in joined]
        self.ends = [b for _, b in joined]

    def __contains__(self, pos: int) -> bool:
        i = bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.ends[i]

    def overlaps(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` shares a character with any span."""
        i = bisect_left(self.ends, start + 1)  # the first joined span ending after ``start``
        return i < len(self.starts) and self.starts[i] < end


class Taken:
    """The characters that spans found so far cover, marked one byte each: whether a new span
    is free costs its own length, not the number of spans found (which, in a text of
    thousands of claims, makes a walk through them quadratic). Spans may overlap."""

    __slots__ = ("marks",)

    def __init__(self, size: int) -> None:
        self.marks = bytearray(size + 1)

    def add(self, start: int, end: int) -> None:
        self.marks[start:end] = b"\x01" * max(0, end - start)

    def overlaps(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` shares a character with a span added."""
        return 1 in self.marks[start:end]
