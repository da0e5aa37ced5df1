"""Write docs/commands.md from the real ``--help`` output of every command.

    .venv/bin/python scripts/cli_reference.py          # rewrite docs/commands.md
    .venv/bin/python scripts/cli_reference.py --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from amanat.cli import app

DOC = Path(__file__).resolve().parents[1] / "docs" / "commands.md"
INTRO = """# Commands

Generated from `amanat … --help` by `scripts/cli_reference.py`; a test fails when this page
and the program disagree. Every command takes `--db URL` (default `$AMANAT_DB`, else
`sqlite:///amanat.db`). User errors print one line and exit with status 2; `ingest` exits
with 1 when some inputs failed.
"""


def _paths(command: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix]
    # a group by what it has, not by class: Typer ships its own copy of click's classes
    if isinstance(getattr(command, "commands", None), dict):
        for name in sorted(command.commands):
            out.extend(_paths(command.commands[name], (*prefix, name)))
    return out


def render() -> str:
    root = typer.main.get_command(app)
    runner = CliRunner()
    parts = [INTRO]
    for path in _paths(root):
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "100", "TERM": "dumb"}, terminal_width=100)
        title = "amanat " + " ".join(path) if path else "amanat"
        parts.append(f"## `{title.strip()}`\n\n```text\n{result.stdout.rstrip()}\n```\n")
    return "\n".join(parts)


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        return 0 if DOC.exists() and DOC.read_text() == text else 1
    DOC.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
