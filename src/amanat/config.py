"""Settings from the environment, read in one place.

``AMANAT_DB``           database URL: ``sqlite:///path/file.db`` or ``postgresql://…``
                        (default: ``sqlite:///amanat.db`` in the current directory)
``AMANAT_FETCH_ALLOW``  hosts or networks the fetcher may reach although private
                        (comma-separated, e.g. ``127.0.0.1,10.0.0.0/8``)
"""

from __future__ import annotations

import os
from pathlib import Path

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
