"""The command line reads as a person expects: usage lines name their arguments in capitals,
tables fit 80 columns without cutting values, the log root has one form, and a tampered
bundle says so first."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import typer

from amanat.cli import app

ROOT = Path(__file__).resolve().parents[1]
MINISTRY = "Demo Ministry of a Long Name (synthetic publisher)"


def _commands(command: click.Command, path: tuple[str, ...] = ()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_usage_lines_name_arguments_in_capitals():
    root = typer.main.get_command(app)
    seen = 0
    for path, command in _commands(root):
        ctx = click.Context(command, info_name=" ".join(("amanat", *path)))
        text = command.get_help(ctx)
        assert "<str>" not in text and "<list[" not in text and "<int" not in text, (path, text)
        usage = text.splitlines()[0]
        assert "{" not in usage, usage
        seen += 1
    assert seen > 30
    ctx = click.Context(root)
    assert root.commands["search"].get_usage(click.Context(root.commands["search"], info_name="amanat search", parent=ctx)) \
        .endswith("[OPTIONS] QUERY")
    assert root.commands["ingest"].get_usage(click.Context(root.commands["ingest"], info_name="amanat ingest", parent=ctx)) \
        .endswith("[OPTIONS] INPUT...")


def _amanat(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AMANAT_")},
           "COLUMNS": "80", "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "amanat.cli", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)


def test_tables_fit_80_columns_the_root_has_one_form_and_tampering_is_named(tmp_path):
    (tmp_path / "statement.md").write_text("A synthetic statement, for this test only.\n")
    assert _amanat(tmp_path, "keys", "new", "-p", MINISTRY).returncode == 0
    published = _amanat(tmp_path, "publish", "statement.md", "-p", MINISTRY, "--headline", "Synthetic",
                        "--lang", "en", "--out", "bundle.json")
    assert published.returncode == 0, published.stderr

    table = _amanat(tmp_path, "keys", "list")
    assert table.returncode == 0
    assert all(len(line) <= 80 for line in table.stdout.splitlines()), table.stdout
    assert "…" not in table.stdout  # nothing cut: long values fold onto the next line
    kid = json.loads(_amanat(tmp_path, "keys", "list", "--json").stdout)[0]["kid"]
    cells = "".join(line.split("│")[3].strip() for line in table.stdout.splitlines() if line.count("│") >= 6)
    assert kid in cells  # the key id, read down its column, is whole

    checkpoint_root = _amanat(tmp_path, "log", "checkpoint").stdout.splitlines()[2]
    base64.b64decode(checkpoint_root, validate=True)
    assert f"root {checkpoint_root}" in _amanat(tmp_path, "log", "audit").stdout.replace("\n", "")
    assert checkpoint_root in _amanat(tmp_path, "verify", "bundle.json").stdout.replace(" ", "").replace("\n", "")

    bundle = json.loads((tmp_path / "bundle.json").read_text())
    entry = next(e for e in bundle["entries"] if e["index"] == bundle["item"])
    head, payload, signature = entry["token"].split(".")
    item = json.loads(base64.urlsafe_b64decode(payload + "=="))
    item["headlines"][0]["value"] = "Not what was signed"
    entry["token"] = ".".join((head, base64.urlsafe_b64encode(json.dumps(item).encode()).rstrip(b"=").decode(), signature))
    (tmp_path / "tampered.json").write_text(json.dumps(bundle))
    refused = _amanat(tmp_path, "verify", "tampered.json")
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: the content of this bundle does not match what was signed")
    assert "technically:" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
