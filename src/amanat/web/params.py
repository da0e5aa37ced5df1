"""Bounded integer types for path and query parameters, shared by every route.

An integer in a URL is unbounded text until something limits it; a value past what the
store's columns hold (SQLite INTEGER and PostgreSQL BIGINT are signed 64-bit, INTEGER 32-bit)
makes the driver raise instead of matching nothing, and that surfaced as HTTP 500. So every
integer parameter is declared with one of these types and refused with a 400 by validation,
before any query runs; ``tests/test_web_fuzz.py`` checks that no route declares a bare ``int``.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le

MAX_BIGINT = 2**63 - 1  # a signed 64-bit column: log sizes and indexes, timestamps
MAX_INTEGER = 2**31 - 1  # a signed 32-bit column: item and document version numbers

LogIndex = Annotated[int, Ge(0), Le(MAX_BIGINT)]
"""A position in a log (0-based), or a tree size that may be 0."""

TreeSize = Annotated[int, Ge(1), Le(MAX_BIGINT)]
"""A tree size of a non-empty tree (proofs need at least one leaf)."""

VersionNumber = Annotated[int, Ge(1), Le(MAX_INTEGER)]
"""An item's version number, 1 for the first."""
