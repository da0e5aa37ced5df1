"""Reprint matching over the store, on SQLite and PostgreSQL: a synthetic statement published
by a demo publisher, reprints ingested before and after it, corrections and withdrawals,
quotes of a publisher that speaks for an entity, and the `amanat reprints` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from amanat.check import reprint_runs
from amanat.ingest.pipeline import ingest
from amanat.provenance.commands import set_speaks_for
from amanat.provenance.publishing import create_publisher
from amanat.store import findings
from amanat.store import reprints as stored

ROOT = Path(__file__).resolve().parents[1]
NAME = "Demo ministry (synthetic)"
BODY = ("The Ministry of Foreign Affairs notes discrepancies and inaccuracies in the publications of certain "
        "foreign media outlets about the events of January. No official of the ministry was asked for a "
        "statement before these articles were published. The ministry calls on journalists to rely on verified "
        "sources and on official statements. It stands ready to provide comments and to arrange interviews "
        "with its officials at any time. Accreditation of foreign correspondents continues as before.")
FILLER = ("Trade between the two countries grew last year, officials said, as new rail links opened across the "
          "steppe and the first container trains reached the port. ")
QUOTED = "No official of the ministry was asked for a statement before these articles were published."


def _jsonl(path: Path, docs: dict[str, str], day: str = "2099-01-15") -> Path:
    path.write_text("".join(json.dumps({"url": f"https://www.{name}.test/story", "title": name, "published": day,
                                        "text": text}) + "\n" for name, text in docs.items()), encoding="utf-8")
    return path


def _ids(store) -> dict[str, str]:
    import sqlalchemy as sa

    from amanat.store import schema as t

    with store.engine.connect() as conn:
        return {r.source.split(".")[0]: r.id for r in conn.execute(sa.select(t.documents.c.id, t.documents.c.source))}


def _corpus() -> dict[str, str]:
    altered = BODY.replace("certain foreign media outlets", "some foreign media outlets")
    return {
        "faithful": "ASTANA — " + FILLER + BODY + "\n\n" + FILLER,
        "cut": "Magazine, issue 3. " + altered[:altered.index(" and to arrange interviews")],
        "quoting": FILLER * 8 + f"The ministry said: “{QUOTED}” " + FILLER * 8,
        "unrelated": ("The ministry of emergency situations said rain is expected in the capital and that foreign "
                      "visitors should check the forecast before travelling. ") * 4 + FILLER * 3,
    }


def test_documents_against_items_and_items_against_documents(store, tmp_path):
    pub = create_publisher(store, NAME, keys_dir=str(tmp_path / "keys"))
    uri = pub.publish(headline="Statement on foreign media reports", body=BODY, language="en").item_uri
    ingest(store, [str(_jsonl(tmp_path / "a.jsonl", _corpus()))], jobs=1)
    ids = _ids(store)
    counts = reprint_runs.match_documents(store, list(ids.values()))
    assert counts["reprints"] == 2 and counts["quotes"] == 1

    rows = {r["document_id"]: r for r in stored.by_item(store, uri)}
    assert set(rows) == {ids["faithful"], ids["cut"], ids["quoting"]}  # not the unrelated text, not the item
    assert rows[ids["faithful"]]["classes"] == ["verbatim"] and rows[ids["faithful"]]["source"] == "faithful.test"
    cut = rows[ids["cut"]]
    assert set(cut["classes"]) == {"truncated", "altered"}
    assert [(d["statement_text"], d["document_text"]) for d in cut["differences"] if d["kind"] == "changed"] == [
        ("certain", "some")]
    (missing,) = [d for d in cut["differences"] if d["kind"] == "missing"]
    assert missing["mid_sentence"] and missing["statement_text"].startswith("and to arrange interviews")
    assert rows[ids["quoting"]]["kind"] == "quote" and rows[ids["quoting"]]["share"] < 0.3

    found = findings.list_findings(store, check="reprints")
    assert [(f["document_id"], f["type"], f["status"]) for f in found] == [(ids["cut"], "altered-reprint", "inconsistent")]
    assert "‘certain’ → ‘some’" in found[0]["sentence"] and NAME in found[0]["sentence"]
    roles = {e["role"]: e for e in found[0]["evidence"]}
    assert roles["signed item"]["document_id"] == uri and roles["reprint"]["document_id"] == ids["cut"]

    # the item was matched against the corpus once: a second run has nothing new
    first = reprint_runs.match_items(store)
    assert first["items"] == 1 and first["reprints"] == 2
    assert reprint_runs.match_items(store)["items"] == 0
    assert len(findings.list_findings(store, check="reprints")) == 1  # the same finding, not a copy

    # a correction: the faithful copy stays verbatim, of version 1
    pub.correct(uri, body=BODY.replace("January", "February"))
    assert reprint_runs.match_items(store)["items"] == 1
    rows = {r["document_id"]: r for r in stored.by_item(store, uri)}
    assert rows[ids["faithful"]]["version"] == 1 and rows[ids["faithful"]]["classes"] == ["verbatim"]
    assert rows[ids["faithful"]]["latest_version"] == 2
    types = {f["document_id"]: f["type"] for f in findings.list_findings(store, check="reprints")}
    assert types[ids["faithful"]] == "reprint-of-corrected" and types[ids["cut"]] == "altered-reprint"

    # a withdrawal: every reprint says so
    pub.withdraw(uri, reason="issued in error (synthetic)")
    reprint_runs.match_items(store)
    assert all(r["withdrawn"]["reason"] == "issued in error (synthetic)" for r in stored.by_item(store, uri))
    assert stored.by_document(store, ids["unrelated"]) == []


def test_an_item_published_after_its_reprints_finds_them(store, tmp_path):
    ingest(store, [str(_jsonl(tmp_path / "b.jsonl", _corpus()))], jobs=1)
    ids = _ids(store)
    assert reprint_runs.match_documents(store, list(ids.values()))["reprints"] == 0  # nothing published yet
    pub = create_publisher(store, NAME, keys_dir=str(tmp_path / "keys"))
    uri = pub.publish(headline="Statement on foreign media reports", body=BODY, language="en").item_uri
    counts = reprint_runs.match_items(store)
    assert counts["items"] == 1 and counts["reprints"] == 2 and counts["quotes"] == 1
    assert {r["document_id"] for r in stored.by_item(store, uri)} == {ids["faithful"], ids["cut"], ids["quoting"]}
    assert [f["type"] for f in findings.list_findings(store, check="reprints")] == ["altered-reprint"]


def test_speaks_for_is_explicit_and_must_be_known(store, tmp_path):
    from amanat.errors import InputError

    pub = create_publisher(store, NAME, keys_dir=str(tmp_path / "keys"))
    with pytest.raises(InputError):
        set_speaks_for(store, NAME, "amanat:org/no-such-ministry")
    assert set_speaks_for(store, NAME, "amanat:org/mfa-kazakhstan") == pub.log.origin
    assert reprint_runs.speaks_for(store) == {pub.log.origin: "amanat:org/mfa-kazakhstan"}
    set_speaks_for(store, pub.log.origin, None)
    assert reprint_runs.speaks_for(store) == {}


def _cli(db: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "amanat.cli", "--db", db, *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=600)


def test_check_then_reprints_command_and_unverified_quotes(sqlite_url, tmp_path):
    """The real command line: publish with a declared entity, ingest, `amanat check`, `amanat reprints`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "AMANAT_KEYS": str(tmp_path / "keys"), "COLUMNS": "80"}
    statement = tmp_path / "statement.txt"
    statement.write_text(BODY, encoding="utf-8")
    r = _cli(sqlite_url, "keys", "new", "--publisher", NAME, "--speaks-for", "amanat:org/mfa-kazakhstan", env=env)
    assert r.returncode == 0, r.stderr
    r = _cli(sqlite_url, "publish", str(statement), "--publisher", NAME, "--headline", "On media reports",
             "--lang", "en", env=env)
    assert r.returncode == 0, r.stderr
    uri = r.stdout.strip()
    docs = _corpus()
    docs["unverified"] = ("ASTANA — Relations were discussed on Monday.\n\n“We will publish the full list of "
                          "accredited outlets next week,” the Ministry of Foreign Affairs of Kazakhstan said on Monday.")
    docs["verified"] = (f"ASTANA — Relations were discussed on Monday.\n\n“{QUOTED[:-1]},” the Ministry of Foreign "
                        "Affairs of Kazakhstan said on Monday.")
    assert _cli(sqlite_url, "ingest", str(_jsonl(tmp_path / "c.jsonl", docs)), "--jobs", "1", env=env).returncode == 0
    r = _cli(sqlite_url, "check", "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["reprints"] >= 2

    r = _cli(sqlite_url, "reprints", uri, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == uri  # the URI as it is, then a table that fits 80 columns
    assert max(len(line) for line in r.stdout.splitlines()[1:]) <= 80
    print(r.stdout)
    assert "faithful.test" in r.stdout and "verbatim" in r.stdout and "mid-sentence" in r.stdout
    r = _cli(sqlite_url, "reprints", uri, "--json", env=env)
    data = json.loads(r.stdout)
    by_source = {row["source"].split(".")[0]: row for row in data["reprints"]}
    assert set(by_source) >= {"faithful", "cut", "quoting"} and "unrelated" not in by_source
    assert by_source["cut"]["differences"][0]["statement_text"] == "certain"

    r = _cli(sqlite_url, "findings", "--json", env=env)
    mine = [f for f in json.loads(r.stdout) if f["check"] == "reprints"]
    unverified = [f for f in mine if f["type"] == "unverified-quote"]
    assert [f["evidence"][0]["text"] for f in unverified] == [
        "We will publish the full list of accredited outlets next week"]
    assert unverified[0]["status"] == "undetermined"

    r = _cli(sqlite_url, "reprints", "https://nowhere.test/items/none", env=env)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "no signed item" in r.stderr


def test_a_followed_partners_item_is_matched_and_its_declared_entity_checks_quotes(tmp_path, tmp_path_factory):
    """Node B follows node A: A's synced item is matched against B's corpus; B declared that
    A speaks for an entity, so a quote of that entity matching nothing A published is unverified."""
    from tests.test_exchange import Pair, follow

    pair = Pair(tmp_path_factory.mktemp("nodes"))
    try:
        follow(pair.b.store, pair.proxy.url, key=pair.pub_a.log.info()["checkpoint_vkey"], fetcher=pair.fetcher)
        set_speaks_for(pair.b.store, pair.origin_a, "amanat:org/mfa-kazakhstan")
        uri = pair.pub_a.publish(headline="On media reports", body=BODY, language="en").item_uri
        assert pair.sync_b().status == "ok"
        ingest(pair.b.store, [str(_jsonl(tmp_path / "d.jsonl", _corpus()))], jobs=1)
        counts = reprint_runs.match_items(pair.b.store)
        assert counts["items"] == 1 and counts["reprints"] == 2
        rows = stored.by_item(pair.b.store, uri)
        assert {r["source"] for r in rows} == {"faithful.test", "cut.test", "quoting.test"}
        assert {r["origin"] for r in rows} == {pair.origin_a}
        items = reprint_runs.statements(pair.b.store)
        assert items[uri][0].speaks_for == "amanat:org/mfa-kazakhstan"
    finally:
        pair.close()
