"""The check registry: every built-in check loads, has a stable name and a section in the guide."""

from __future__ import annotations

import re
from pathlib import Path

from amanat.check import BUILTIN, Check, checks

ROOT = Path(__file__).resolve().parents[1]


def test_every_registered_check_is_documented() -> None:
    guide = (ROOT / "docs" / "checks.md").read_text()
    for check in checks():
        assert re.search(rf"^### {re.escape(check.name)}$", guide, re.M), f"docs/checks.md lacks ### {check.name}"


def test_the_builtins_load_with_distinct_names_and_say_what_they_read() -> None:
    loaded = [c for c in checks() if c.name]
    assert len({c.name for c in loaded}) >= len(BUILTIN)
    for c in loaded:
        assert isinstance(c, Check) and c.version >= 1 and c.reads and c.summary, c.name
