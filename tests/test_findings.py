"""Checking stored documents: incremental `check`, findings with stable ids, triage that
survives re-analysis, the export formats, and the findings API with its review scope."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from amanat.cli import app
from amanat.store.db import Store
from amanat.store.tokens import new_token

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "amanat" / "sample"
runner = CliRunner()

# schema.org ClaimReview as Google's fact-check markup asks for it: the properties a
# consumer needs, with their types (https://schema.org/ClaimReview, /Rating, /Claim)
CLAIM_REVIEW = {
    "type": "object",
    "required": ["@context", "@type", "url", "author", "claimReviewed", "reviewRating", "itemReviewed"],
    "properties": {
        "@context": {"const": "https://schema.org"},
        "@type": {"const": "ClaimReview"},
        "url": {"type": "string", "minLength": 1},
        "datePublished": {"type": ["string", "null"]},
        "claimReviewed": {"type": "string", "minLength": 1},
        "author": {"type": "object", "required": ["@type", "name"]},
        "reviewRating": {
            "type": "object", "required": ["@type", "alternateName"],
            "properties": {"@type": {"const": "Rating"}, "alternateName": {"type": "string", "minLength": 1}},
        },
        "itemReviewed": {
            "type": "object", "required": ["@type", "appearance"],
            "properties": {"@type": {"const": "Claim"},
                           "appearance": {"type": "array", "minItems": 1,
                                          "items": {"type": "object", "required": ["@type", "url"]}}},
        },
    },
}


def run(store_url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", store_url, *args])
    return result.exit_code, result.stdout, result.stderr


def test_check_finds_the_impossible_titles_of_the_sample_and_keeps_decisions(store_url):
    assert run(store_url, "ingest", str(SAMPLE), "--source", "sample", "--jobs", "1")[0] == 0
    code, out, err = run(store_url, "check", "--json")  # analysis first, then the checks
    assert code == 0, err
    counts = json.loads(out)
    assert counts["analysed"] == 5 and counts["documents"] == 5
    code, out, _ = run(store_url, "findings", "--json")
    found = json.loads(out)
    together = [f for f in found if f["type"] == "titles-together"]
    assert together and "Ban Ki-moon" in together[0]["sentence"]
    assert {e["text"] for e in together[0]["evidence"]} >= {"UN Secretary-General Ban Ki-moon"}
    assert all(f["status"] != "contradicted" for f in found)  # nothing correct is flagged
    assert all(fact["source"] and fact["tier"] for f in found for fact in f["facts"])
    finding = together[0]
    # incremental: nothing new, nothing checked; --all keeps every id
    assert json.loads(run(store_url, "check", "--json")[1])["documents"] == 0
    code, _, err = run(store_url, "findings", "dismiss", finding["id"], "--note", "known reprint of an old text")
    assert code == 0, err
    assert finding["id"] not in {f["id"] for f in json.loads(run(store_url, "findings", "--json")[1])}
    assert json.loads(run(store_url, "check", "--all", "--json")[1])["documents"] == 5
    again = {f["id"]: f for f in json.loads(run(store_url, "findings", "--dismissed", "--json")[1])}
    assert again[finding["id"]]["review"]["decision"] == "dismissed"
    assert again[finding["id"]]["first_seen"] == finding["first_seen"]
    code, _, err = run(store_url, "findings", "confirm", "0000000000000000", "--note", "x")
    assert code == 2 and "no finding" in err
    code, _, err = run(store_url, "findings", "--status", "false")
    assert code == 2 and "--status" in err


def test_findings_export_formats(sqlite_url):
    run(sqlite_url, "ingest", str(SAMPLE), "--source", "sample", "--jobs", "1", "--check")
    rows = json.loads(run(sqlite_url, "findings", "--format", "json")[1])
    assert rows
    code, out, _ = run(sqlite_url, "findings", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["id"] for r in table] == [r["id"] for r in rows]
    code, out, _ = run(sqlite_url, "findings", "--format", "claimreview")
    reviews = json.loads(out)
    assert code == 0 and len(reviews) == len(rows)
    for review in reviews:
        jsonschema.validate(review, CLAIM_REVIEW)
        assert "false" not in review["reviewRating"]["alternateName"].lower()
    code, out, _ = run(sqlite_url, "findings")
    assert code == 0 and all(len(line) <= 80 for line in out.splitlines())


def test_findings_api_and_the_review_scope(store_url):
    from amanat.web.app import create_app

    run(store_url, "ingest", str(SAMPLE), "--source", "sample", "--jobs", "1", "--check")
    with Store.open(store_url) as store:
        reader = new_token(store, "test newsroom", "read")[1]
        reviewer = new_token(store, "test desk", "review")[1]
    with TestClient(create_app(store_url)) as client:
        assert client.get("/api/v1/findings").status_code == 401
        listed = client.get("/api/v1/findings", headers={"Authorization": f"Bearer {reader}"})
        assert listed.status_code == 200 and listed.json()
        fid = listed.json()[0]["id"]
        one = client.get(f"/api/v1/findings/{fid}", headers={"Authorization": f"Bearer {reader}"})
        assert one.status_code == 200 and one.json()["id"] == fid
        body = {"decision": "confirm", "note": "checked against the UN's list"}
        refused = client.post(f"/api/v1/findings/{fid}/review", json=body, headers={"Authorization": f"Bearer {reader}"})
        assert refused.status_code == 403
        done = client.post(f"/api/v1/findings/{fid}/review", json=body, headers={"Authorization": f"Bearer {reviewer}"})
        assert done.status_code == 200 and done.json()["decision"] == "confirmed"
        bad = client.post(f"/api/v1/findings/{fid}/review", json={"decision": "false"},
                          headers={"Authorization": f"Bearer {reviewer}"})
        assert bad.status_code == 400
        assert client.get("/api/v1/findings?status=wrong", headers={"Authorization": f"Bearer {reader}"}).status_code in (400, 422)
        gone = client.get("/api/v1/findings/ffffffffffffffff", headers={"Authorization": f"Bearer {reader}"})
        assert gone.status_code == 404


def test_titles_against_the_shipped_record():
    """Pure checks on the shipped base: a title whose office someone else held that day, a
    title before its holder's term, and what must stay silent (a former title, a right one)."""
    from datetime import date

    from amanat.analyze.mentions import analyze_mentions
    from amanat.check import DocumentView, Record, run_checks
    from amanat.kb import starter
    from amanat.kb.index import KBIndex

    kb = starter.load()
    record = Record(kb, KBIndex.build(kb), "test")

    def statuses(text: str, day: date | None) -> list[str]:
        mentions = tuple(analyze_mentions(text, day, record.index))
        view = DocumentView("d", text, day, "metadata", "en", "test", (), mentions)
        return [f.status for f in run_checks(view, record)]

    assert statuses("Pakistan's Foreign Minister Shehbaz Sharif said talks would resume.", date(2021, 6, 1)) == ["contradicted"]
    assert statuses("Kazakh President Kassym-Jomart Tokayev met the delegation.", date(2016, 6, 1)) == ["contradicted"]
    assert statuses("Kazakh President Kassym-Jomart Tokayev met the delegation.", date(2021, 6, 1)) == []
    assert statuses("Kazakh President Kassym-Jomart Tokayev met the delegation.", None) == []
    assert statuses("Former Kazakh President Nursultan Nazarbayev met the delegation.", date(2021, 6, 1)) == []
    assert statuses("In 2016, Kazakh President Kassym-Jomart Tokayev met the delegation.", date(2021, 6, 1)) == []


def test_concurrent_reviews_of_one_finding_leave_one_decision(store):
    """Reviewers deciding on the same finding at once: every call succeeds, one decision stays."""
    import threading

    from amanat.model import Evidence, Finding
    from amanat.store import findings as stored
    from test_store import add, make_doc

    doc, capture = make_doc("https://r.example/1", "A text with a finding.")
    add(store, (doc, capture))
    finding = Finding("demo", "demo-type", "informational", "info", "A sentence.", doc.id, "k",
                      (Evidence(doc.id, 0, 6, "A text"),))
    with store.engine.begin() as conn:
        stored.replace(conn, doc.id, [finding.as_dict()])
    errors: list[BaseException] = []

    def decide(n: int) -> None:
        try:
            stored.review(store, finding.id, "confirm" if n % 2 else "dismiss", f"note {n}", f"reviewer {n}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=decide, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    (row,) = stored.list_findings(store, dismissed=True, finding_id=finding.id)
    assert row["review"]["note"].startswith("note ")
