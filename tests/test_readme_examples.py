"""The README's and the getting-started page's shell examples run as written on the sample
corpus, and the searches among them find something.

Each ```sh block is run line by line in a fresh folder laid out like the repository (a
``.venv/bin/amanat`` that runs this checkout, ``examples/``, ``src/``). A line is left out only
when it needs what a reader supplies or a long-running server: an example address or a file
the reader downloads, ``make``, ``git clone``, ``serve`` (the partner-node block runs a
server in the background), ``db copy`` to a PostgreSQL server, ``scale load`` of a Spark run on
the reader's WARC files. Placeholders the text explains
(``ID`` from search results, ``FINDING`` from ``amanat findings``, ``KID`` from ``amanat keys
list``) are filled in as a reader would, from the commands' own ``--json`` output.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("README.md", "docs/getting-started.md")
NEEDS_THE_READER = re.compile(r"example\.org|example-outlet|\.warc\.gz|~/|^make |git clone|\bserve\b|db copy|postgresql://|scale load")
BLOCK = re.compile(r"```sh\n(.*?)```", re.S)
pytestmark = pytest.mark.slow


def _commands(page: str) -> list[str]:
    """The runnable lines of every sh block of ``page``, in order (a block with a server is skipped whole)."""
    lines: list[str] = []
    for block in BLOCK.findall((ROOT / page).read_text(encoding="utf-8")):
        if re.search(r"\bserve\b", block):
            continue
        for line in block.splitlines():
            if line.strip() and not line.lstrip().startswith("#") and not NEEDS_THE_READER.search(line):
                lines.append(line)
    return lines


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out like the repository after ``make demo``: the sample corpus in ./amanat.db."""
    here = tmp_path_factory.mktemp("readme")
    venv = here / ".venv" / "bin"
    venv.mkdir(parents=True)
    amanat = venv / "amanat"
    amanat.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT / "src"}" exec "{sys.executable}" -m amanat.cli "$@"\n')
    amanat.chmod(0o755)
    (venv / "activate").write_text(f'PATH="{venv}:$PATH"; export PATH\n')
    shutil.copytree(ROOT / "examples", here / "examples")
    (here / "src").symlink_to(ROOT / "src")
    demo = _run(here, ".venv/bin/amanat demo --no-serve")  # what `make demo` leaves, as the pages assume
    assert demo.returncode == 0, demo.stderr
    (here / "demo.out").write_text(demo.stdout)
    return here


def _run(folder: Path, line: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMANAT_")} | {"COLUMNS": "80", "CI": "true"}
    return subprocess.run(["bash", "-c", f". .venv/bin/activate\n{line}"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)


def _rows(found: object) -> list:
    return found["results"] if isinstance(found, dict) else list(found)  # type: ignore[call-overload,index]


def _first(folder: Path, command: str, key: str) -> str:
    result = _run(folder, command)
    assert result.returncode == 0, result.stderr
    rows = _rows(json.loads(result.stdout))
    assert rows, f"{command} found nothing to fill a placeholder with"
    return str(rows[0][key])


def test_every_shell_example_runs_and_searches_find_something(checkout):
    ran = 0
    for page in PAGES:
        for line in _commands(page):
            if re.search(r"\bID\b", line):
                line = re.sub(r"\bID\b", _first(checkout, "amanat search 'Tokayev' --json", "id")[:8], line)
            if "FINDING" in line:
                line = line.replace("FINDING", _first(checkout, "amanat findings --json", "id"))
            if "STORY" in line:
                line = line.replace("STORY", _first(checkout, "amanat stories --json", "id"))
            if "ITEM_URI" in line:  # as the demo printed it
                item = re.search(r"amanat reprints (\S+?)`", (checkout / "demo.out").read_text().replace("\n", ""))
                assert item, "the demo printed no signed item's URI"
                line = line.replace("ITEM_URI", item.group(1))
            if re.search(r"\bKID\b", line):
                line = re.sub(r"\bKID\b", _first(checkout, "amanat keys list --json", "kid"), line)
            result = _run(checkout, line)
            assert result.returncode == 0, f"{page}: {line}\n{result.stderr[-2000:]}"
            if re.search(r"amanat search ", line):
                shown = _rows(json.loads(result.stdout)) if "--json" in line else re.findall(r"^ *\d+\. ", result.stdout, re.M)
                assert shown, f"{page}: {line} printed no results"
            ran += 1
    assert ran >= 20  # the examples are there, not skipped wholesale
