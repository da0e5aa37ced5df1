"""Help text that reads as a person expects: ``QUERY`` and ``INPUT...``, ``--db TEXT``.

Typer renders required arguments as ``{query}`` on the usage line and types as ``<str>`` or
``<list[str]>``, which look like template placeholders and Python internals. This pass walks
the built command tree once and gives every argument an upper-case metavar (``...`` when it
takes several) and every option a plain type word, as Click and most Unix tools write them.
An explicit ``metavar=`` in a command's declaration is kept.
"""

from __future__ import annotations

import re
from typing import Any

import click

_TYPE_WORDS = {"str": "TEXT", "int": "INTEGER", "float": "FLOAT", "int range": "INTEGER",
               "float range": "FLOAT", "file": "PATH", "directory": "PATH", "path": "PATH",
               "datetime": "DATE", "uuid": "UUID", "bool": "BOOLEAN"}
_LIST = re.compile(r"^list\[(.*)\]$")


def _word(display: str | None) -> str | None:
    """``<list[str]>`` → ``TEXT``; ``<a|b>`` → ``[a|b]``; unknown shapes stay as they are."""
    if not display:
        return display
    inner = display[1:-1] if display.startswith("<") and display.endswith(">") else display
    inner = _LIST.sub(r"\1", inner)
    if "|" in inner:
        return f"[{inner}]"
    return _TYPE_WORDS.get(inner, inner.upper())


def _argument(param: Any) -> None:
    name = param.metavar or (param.name or "arg").upper()
    many = param.nargs != 1
    param.metavar = name
    usage = f"{name}..." if many else name
    if not param.required:
        usage = f"[{usage}]"
    # instance attributes: this one parameter's rendering, nothing shared is patched
    param.get_usage_pieces = lambda ctx: [usage]
    param.display_type_rich = lambda ctx: None
    param._rich_display_name = lambda: f"{name}..." if many else name


def _option(param: Any, ctx: click.Context) -> None:
    if param.metavar is not None or getattr(param, "is_flag", False) or getattr(param, "count", False):
        return
    try:
        param.metavar = _word(param.display_type(ctx))
    except Exception:  # a parameter shape this pass does not know: leave Typer's rendering
        return


def plain_help(command: Any) -> None:
    """Give ``command`` and every sub-command plain metavars (idempotent).

    ``command`` is a click command of either click: typer's commands derive from the copy of
    click that typer bundles (``typer._click``), not from the ``click`` package, and both have
    the attributes read here."""
    ctx = click.Context(command)
    for param in command.params:
        if param.param_type_name == "argument":
            _argument(param)
        elif param.param_type_name == "option":
            _option(param, ctx)
    for sub in getattr(command, "commands", {}).values():
        plain_help(sub)
