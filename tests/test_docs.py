"""The user guide stays true to the program."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_current():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "cli_reference.py"), "--check"])
    assert result.returncode == 0, "docs/commands.md is stale: run .venv/bin/python scripts/cli_reference.py"


def test_every_doc_page_is_linked_from_the_index():
    index = (ROOT / "docs" / "index.md").read_text()
    for page in (ROOT / "docs").glob("*.md"):
        if page.name != "index.md":
            assert f"({page.name})" in index, f"docs/{page.name} is not in docs/index.md"


def test_readme_gives_the_two_commands_and_ci_runs_the_second():
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_demo_runs_and_exits_under_ci(tmp_path):
    env = {"CI": "true", "PATH": "/usr/bin:/bin", "AMANAT_DB": f"sqlite:///{tmp_path / 'demo.db'}"}
    result = subprocess.run([sys.executable, "-m", "amanat.cli", "demo"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Ingest summary" in result.stdout and "documents" in result.stdout
