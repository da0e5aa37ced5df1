"""The web application (JSON API and HTML pages) and the ``serve`` and ``tokens`` commands.

Names are loaded on first use, so the CLI can import ``amanat.web.commands`` without paying
for FastAPI on every command.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["ROUTES", "Settings", "create_app"]
_WHERE = {"ROUTES": "amanat.web.app", "create_app": "amanat.web.app", "Settings": "amanat.web.settings"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'amanat.web' has no attribute {name!r}")
