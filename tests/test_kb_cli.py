"""The knowledge-base and mention commands against a real store, on both backends."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import shared_path
from typer.testing import CliRunner

from amanat.cli import app

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "amanat" / "sample"
runner = CliRunner()


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, *args])
    return result.exit_code, result.stdout, result.stderr


def test_who_show_import(store_url):
    code, out, err = run(store_url, "kb", "who", "--position", "President of Kazakhstan", "--on", "2016-06-01", "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["status"] == "resolved" and answer["position"]["id"] == "Q5256775"
    assert {h["name"] for h in answer["holders"] if h["holds"]} == {"Nursultan Nazarbayev"}
    code, out, _ = run(store_url, "kb", "show", "Токаев", "--json")
    assert code == 0 and json.loads(out)["id"] == "Q200881"
    code, _, err = run(store_url, "kb", "who", "--position", "President of Kazakhstan", "--on", "June 2016")
    assert code == 2 and "YYYY-MM-DD" in err
    popolo = shared_path("data", "formats", "popolo", "everypolitician-fixtures", "estonia-ep-popolo-v1.0.json")
    code, _, err = run(store_url, "kb", "import", str(popolo))
    assert code == 0, err
    code, out, _ = run(store_url, "kb", "show", "Juhan Parts", "--json")
    assert code == 0 and json.loads(out)["id"] == "Q312894"
    code, _, err = run(store_url, "kb", "import", str(SAMPLE / next(p.name for p in SAMPLE.iterdir())))
    assert code == 2 and "not a knowledge-base file" in err


def test_analyze_and_mentions(store_url):
    assert run(store_url, "ingest", str(SAMPLE), "--source", "sample", "--jobs", "1", "--json")[0] == 0
    code, out, err = run(store_url, "analyze", "--all", "--json")
    assert code == 0, err
    counts = json.loads(out)
    assert counts["documents"] == 5 and counts["linked"] > 50
    docs = [json.loads(x) for x in run(store_url, "export")[1].splitlines()]
    statement = next(d for d in docs if "Vassilenko" in d["text"])
    code, out, _ = run(store_url, "mentions", statement["id"], "--json")
    rows = json.loads(out)
    tokayev = [m for m in rows if m["entity_id"] == "Q200881"]
    assert tokayev and tokayev[0]["qid"] == "Q200881"
    sharif = [m for m in rows if "Sharif" in m["text"]]
    assert sharif and sharif[0]["marker"] == "then"
    # re-analysis replaces, it does not add
    assert json.loads(run(store_url, "analyze", "--all", "--json")[1])["mentions"] == counts["mentions"]
    # without ids or --all, only what is new or stale: nothing here
    code, out, err = run(store_url, "analyze", "--json")
    assert code == 0 and json.loads(out)["documents"] == 0, err
    code, _, err = run(store_url, "analyze", statement["id"], "--all")
    assert code == 2 and "not both" in err


def test_observed_titles_are_a_separate_tier(store_url):
    run(store_url, "ingest", str(SAMPLE), "--source", "sample", "--jobs", "1", "--json")
    run(store_url, "analyze", "--all", "--json")
    code, out, _ = run(store_url, "kb", "show", "Roman Vassilenko", "--json")
    profile = json.loads(out)
    assert code == 0
    observed = profile["observed"]
    assert observed and all(o["tier"] == "observed" for o in observed)
    assert any("Deputy" in o["title"] for o in observed)
    assert all(o["outlets"] == ["sample"] for o in observed)
    # reference facts are untouched by what coverage says
    assert all(f["tier"] != "observed" for f in profile["facts"])


def test_mentions_show_offices_named_without_a_person(store_url):
    assert run(store_url, "ingest", str(SAMPLE), "--source", "sample", "--jobs", "1", "--json")[0] == 0
    code, out, err = run(store_url, "analyze", "--all", "--json")
    assert code == 0, err
    assert json.loads(out)["positions"] >= 3
    docs = [json.loads(x) for x in run(store_url, "export")[1].splitlines()]
    doc = next(d for d in docs if "The Kazakh president said" in d["text"])
    code, out, _ = run(store_url, "mentions", doc["id"], "--json")
    rows = json.loads(out)
    [office] = [r for r in rows if r["kind"] == "position" and r["text"] == "Kazakh president"]
    assert office["position"] == {"id": "Q5256775", "name": "President of Kazakhstan"}
    assert office["resolution"] in ("held", "undetermined")
    if office["resolution"] == "held":  # the document's own date decides
        assert office["holder"]["id"] in {"Q57394", "Q200881"} and office["why"] is None
    else:
        assert office["holder"] is None and office["why"]
    # stored apart from person links: no person mention carries the office's span
    assert not [r for r in rows if r["kind"] == "person" and r["start"] < office["end"] and office["start"] < r["end"]]
    code, out, _ = run(store_url, "mentions", doc["id"])
    assert code == 0 and "Offices named without a person" in out and "Kazakh president" in out
