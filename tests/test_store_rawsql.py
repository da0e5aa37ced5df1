"""The reads that go through the driver's cursor (``rawsql``) give what SQLAlchemy gave, on
both backends: a document with its versions and copies, a token, a finding with its review."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from amanat.model import Capture, Document, content_hash, document_id
from amanat.store import findings, rawsql
from amanat.store import schema as t
from amanat.store.tokens import check_token, new_token, revoke_token


def _doc(url: str, text: str) -> tuple[Document, Capture]:
    digest = content_hash(text)
    doc = Document(id=document_id(url, digest), url=url, canonical_url=url, source="a.example", title="T",
                   byline=None, published=None, language="en", text=text, content_hash=digest,
                   media_type="text/plain", origin=url)
    return doc, Capture(url=url, body=text.encode(), media_type="text/plain", origin=url)


def test_document_with_its_versions_and_copies(store):
    v1, v2 = _doc("https://a.example/s", "one text"), _doc("https://a.example/s", "two text")
    copy, other = _doc("https://b.example/c", "two text"), _doc("https://c.example/o", "unrelated")
    with store.writer() as w:
        for pair in (v1, v2, copy, other):
            w.add(*pair)
    found, versions, group = store.with_related(v2[0].id)
    assert found == store.get(v2[0].id)
    assert versions == store.versions(v2[0].canonical_url)
    assert group == store.copies(v2[0].content_hash)
    assert [v.version for v in versions] == [1, 2] and len(group) == 2
    assert store.with_related(v2[0].id[:8])[0] == found  # a prefix takes the long way, same answer


def test_token_check_and_revocation(store):
    token, secret = new_token(store, "newsroom", "read")
    assert check_token(store, secret) == token
    assert check_token(store, secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    revoke_token(store, token.id)
    checked = check_token(store, secret)
    assert checked is not None and checked.revoked is not None and not checked.allows("read")


def test_one_finding_as_the_list_gives_it(store):
    with store.writer() as w:
        w.add(*_doc("https://a.example/f", "a finding's document"))
    doc_id = _doc("https://a.example/f", "a finding's document")[0].id
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        conn.execute(sa.insert(t.findings), [
            {"id": f"{n:016x}", "document_id": doc_id, "check_name": "titles", "type": "title-at-date",
             "status": "inconsistent", "severity": "medium", "sentence": "S.", "evidence": json.dumps([]),
             "facts": json.dumps([{"subject": "Q1"}]), "judged_at": None, "date_source": None, "first_seen": now,
             "last_seen": now, "current": n != 2, "story_id": None} for n in range(3)])
    findings.review(store, f"{1:016x}", "dismiss", "not so", "tester")
    for n in range(2):
        assert findings.get(store, f"{n:016x}") == findings.list_findings(store, dismissed=True,
                                                                        finding_id=f"{n:016x}")[0]
    assert findings.get(store, f"{1:016x}")["review"]["decision"] == "dismissed"
    assert findings.get(store, f"{2:016x}") is None  # no longer current
    assert findings.get(store, "0" * 15 + "9") is None


def test_named_parameters_as_each_driver_takes_them():
    sql = "SELECT a FROM b WHERE c = :c AND e::text = :e"
    assert rawsql._for("sqlite", sql) == sql
    assert rawsql._for("postgresql", sql) == "SELECT a FROM b WHERE c = %(c)s AND e::text = %(e)s"
