"""Settings from the environment, read in one place.

``AMANAT_DB``           database URL: ``sqlite:///path/file.db`` or ``postgresql://…``
                        (default: ``sqlite:///amanat.db`` in the current directory)
``AMANAT_FETCH_ALLOW``  hosts or networks the fetcher may reach although private
                        (comma-separated, e.g. ``127.0.0.1,10.0.0.0/8``)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEFAULT_DB = "sqlite:///amanat.db"


def database_url(explicit: str | None = None) -> str:
    """The database URL: the explicit one, else ``AMANAT_DB``, else ``amanat.db`` here."""
    return explicit or os.environ.get("AMANAT_DB") or DEFAULT_DB


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for other databases and in-memory SQLite)."""
    if not url.startswith("sqlite:///"):
        return None
    path = url[len("sqlite:///"):].split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def load_units(group: str | None, builtin: tuple[str, ...], kind: type, what: str) -> dict[str, Any]:
    """Registered units of one kind (claim extractors, checks) by name: the built-in ones,
    then those that installed packages declare in the entry point ``group``, all loaded by
    the same ``module:attribute`` references (a plugin may replace a built-in by its name)."""
    import importlib
    from importlib.metadata import entry_points

    from amanat.errors import InputError

    found: dict[str, Any] = {}
    for reference in [*builtin, *(ep.value for ep in (entry_points(group=group) if group else ()))]:
        module, _, attribute = reference.partition(":")
        try:
            unit = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError) as exc:
            raise InputError(f"cannot load {what} {reference}: {exc}") from None
        if not isinstance(unit, kind):
            raise InputError(f"{reference} is not an amanat {what}")
        found[unit.name] = unit
    return found
