"""The finding → entity index behind "findings involving an entity" (both databases): kept by
``findings.replace`` as findings are written and re-checked, exact on ids (``Q1`` is not
``Q12``), and rebuilt from the stored facts by ``reindex_entities``."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from amanat.model import Capture, Document, content_hash, document_id
from amanat.store import findings
from amanat.store import schema as t
from amanat.store.db import Store


def _doc(store: Store) -> str:
    text = "A synthetic document for the finding index."
    url = "https://index.example/1"
    digest = content_hash(text)
    doc = Document(id=document_id(url, digest), url=url, canonical_url=url, source="index.example", title="t",
                   byline=None, published=None, language="en", text=text, content_hash=digest,
                   media_type="text/plain", origin=url)
    with store.writer() as w:
        w.add(doc, Capture(url=url, body=text.encode(), media_type="text/plain", origin=url))
    return doc.id


def _finding(fid: str, doc: str, facts: list[dict]) -> dict:
    return {"id": fid, "document_id": doc, "check": "titles", "type": "title-at-date", "status": "contradicted",
            "severity": "high", "sentence": "synthetic", "evidence": [], "facts": facts, "judged_at": None,
            "date_source": None}


def test_findings_involving_an_entity_follow_its_facts(store_url):
    with Store.open(store_url) as store:
        doc = _doc(store)
        now = datetime.now(UTC)
        with store.engine.begin() as conn:
            findings.replace(conn, doc, [
                _finding("a" * 16, doc, [{"subject": "Q1", "object": "Q5", "predicate": "position held"}]),
                _finding("b" * 16, doc, [{"subject": "Q12", "source": "Q1 named in a note, not a subject"}]),
                _finding("c" * 16, doc, [{"entity": "Q1"}, "not a fact object"]),
            ], now)
        assert sorted(f["id"] for f in findings.involving(store, "Q1", limit=10)[0]) == ["a" * 16, "c" * 16]
        assert findings.involving(store, "Q12", limit=10)[1] == 1
        assert findings.involving(store, "Q5", limit=10)[1] == 1
        # a re-check that no longer finds "a" leaves it out (not current), and "c" now names Q12
        with store.engine.begin() as conn:
            findings.replace(conn, doc, [_finding("b" * 16, doc, [{"subject": "Q12"}]),
                                         _finding("c" * 16, doc, [{"object": "Q12"}])], now)
        assert findings.involving(store, "Q1", limit=10) == ([], 0)
        assert sorted(f["id"] for f in findings.involving(store, "Q12", limit=10)[0]) == ["b" * 16, "c" * 16]
        with store.engine.begin() as conn:
            conn.execute(sa.delete(t.finding_entities))
        assert findings.involving(store, "Q12", limit=10)[1] == 0
        assert findings.reindex_entities(store) == 4  # a: Q1 and Q5 (kept, though not current); b, c: Q12
        assert findings.involving(store, "Q12", limit=10)[1] == 2


def test_the_tally_counts_open_and_reviewed_findings_by_type_and_status(store_url):
    with Store.open(store_url) as store:
        doc = _doc(store)
        with store.engine.begin() as conn:
            findings.replace(conn, doc, [_finding(c * 16, doc, []) for c in "abcd"], datetime.now(UTC))
        findings.review(store, "a" * 16, "confirm", "checked", "test")
        findings.review(store, "b" * 16, "dismiss", "not so", "test")
        rows = {(r["type"], r["status"], r["review"]): r["n"] for r in findings.tally(store)}
        assert rows == {("title-at-date", "contradicted", "open"): 2, ("title-at-date", "contradicted", "confirmed"): 1,
                        ("title-at-date", "contradicted", "dismissed"): 1}
        assert findings.types(store) == ["title-at-date"]
        with store.engine.begin() as conn:  # a re-check that finds nothing: none current, none counted
            findings.replace(conn, doc, [], datetime.now(UTC))
        assert findings.tally(store) == [] and findings.types(store) == []
