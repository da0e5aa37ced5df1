"""What every command module shares: the two consoles, common options, the store to use.

stdout (``out``) carries results — tables, or JSON with ``--json``; stderr (``err``) carries
progress and one-line messages, never wrapped, so scripts can read both.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.table import Table as _RichTable

from amanat import config
from amanat.store.db import Store

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)  # one line per message

class Table(_RichTable):
    """A rich table whose cells wrap, and fold a long id or URL onto the next line, instead of
    cutting it with "…": at 80 columns every id stays whole and can be copied (``--json``
    carries every value on one line)."""

    def add_column(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("overflow", "fold")
        super().add_column(*args, **kwargs)


DbOption = Annotated[
    Optional[str],  # noqa: UP045 - Typer reads the annotation at run time
    typer.Option("--db", help="Database URL (sqlite:///file.db or postgresql://…); default $AMANAT_DB or ./amanat.db"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


class State:
    """Options given before the command (``amanat --db URL search …``)."""

    db: str | None = None
    command: str | None = None  # the command being run (``ingest``), to name database sessions


def open_store(db: str | None = None) -> Store:
    """The store named by the command's ``--db``, else the global one, else the default; its
    PostgreSQL sessions are named after the command (``amanat ingest pid N``), so whoever
    finds one holding a lock knows what it is."""
    application = f"amanat {State.command}" if State.command else "amanat"
    return Store.open(config.database_url(db or State.db), application=application)


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")
