"""The user guide stays true to the program."""

import json
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
    env = {"CI": "true", "PATH": "/usr/bin:/bin", "AMANAT_DB": f"sqlite:///{tmp_path / 'demo.db'}",
           "AMANAT_KEYS": str(tmp_path / "keys"), "COLUMNS": "80"}
    result = subprocess.run([sys.executable, "-m", "amanat.cli", "demo"], env=env, capture_output=True, text=True,
                            timeout=180, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Ingest summary" in out and "documents" in out
    assert "Stories with more than one document" in out and "partial-quote" in out

    def cli(*args: str) -> object:
        done = subprocess.run([sys.executable, "-m", "amanat.cli", *args, "--json"], env=env, capture_output=True,
                              text=True, timeout=120, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    found = cli("findings")
    # the synthetic statement's reprint that was cut and altered, with the exact words
    (altered,) = [f for f in found if f["check"] == "reprints" and "→" in f["sentence"]]
    assert "‘evacuated 4,312’ → ‘moved 3,100’" in altered["sentence"] and "mid-sentence" in altered["sentence"]
    # the diverging death tolls of the synthetic coverage, each source with its words
    (tolls,) = [f for f in found if f["type"] == "figures-across-sources"]
    assert {"killed 3 people", "killed 11 people"} <= {e["text"].split(" in ")[0].removeprefix("Floodwaters ")
                                                        for e in tolls["evidence"]}
    (flood,) = [s for s in cli("stories") if "synthetic" in s["title"] and s["documents"] > 1]
    assert flood["reports"] < flood["documents"]  # the wire copy on two sites counts once
    again = subprocess.run([sys.executable, "-m", "amanat.cli", "demo"], env=env, capture_output=True, text=True,
                           timeout=180, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("Demo Ministry of Emergencies") == out.count("Demo Ministry of Emergencies")  # signed once
