"""Settings from the environment, read in one place.

``AMANAT_DB``           database URL: ``sqlite:///path/file.db`` or ``postgresql://…``
                        (default: ``sqlite:///amanat.db`` in the current directory)
``AMANAT_FETCH_ALLOW``  hosts or networks the fetcher may reach although private
                        (comma-separated, e.g. ``127.0.0.1,10.0.0.0/8``)
``AMANAT_STALL_TIMEOUT`` seconds a PostgreSQL writer may hold the writers' lock without
                        progress before it counts as stalled (default 60): the server ends
                        such a session, and a writer waiting for the lock gives up with a
                        message naming the holder
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from amanat.errors import StoreError

DEFAULT_DB = "sqlite:///amanat.db"
DEFAULT_STALL_TIMEOUT = 60.0


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
        found[getattr(unit, "name")] = unit  # every unit kind has a name  # noqa: B009
    return found


def stall_timeout() -> float:
    """Seconds without progress after which a lock-holding writer counts as stalled.

    Long enough that a live ingest never reaches it (it commits before every long wait),
    short enough that a frozen or vanished one does not stop the others for long.
    """
    value = os.environ.get("AMANAT_STALL_TIMEOUT", "").strip()
    if not value:
        return DEFAULT_STALL_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise StoreError(f"AMANAT_STALL_TIMEOUT must be a positive number of seconds, not {value!r}")
    return seconds
