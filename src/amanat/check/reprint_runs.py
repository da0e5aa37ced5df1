"""Reprint matching over the store: new documents against every signed item, new items (and
new versions) against the stored corpus. Each pair is aligned (``analyze.fidelity``), the
alignment kept in ``reprints`` and its finding, if any, in ``findings`` (check "reprints").

Signed items are every item version in a log this store holds — its own publishers' and the
followed partners' mirrored logs (``log_entries`` kind "item") — decoded by verifying each
token under the keys valid at its log index, so only what verifies is matched.

Candidates come from ``analyze.reuse.ReuseIndex``, a containment index of word n-gram
hashes, in both directions: for new documents, an index of the statements, asked which of
them each document contains a share of; for new items, the stored documents indexed in
batches of ``BATCH``, asked which contain a share of each new statement. The store's
full-text phrase search was the alternative for the corpus side and was not chosen: it ranks
and caps its answers (a statement reprinted in more documents than the cap loses the rest),
a reprint altered in every sentence shares no long phrase with the statement, and the
choice of query phrases would be a second, weaker candidate filter beside the index that
new documents already use. Indexing the corpus costs one pass over the stored text per run
that has new items (at the index's several thousand documents/s); runs with no new item
version do not touch the corpus. Which item versions were matched, and up to which document,
is kept in ``reprint_matched``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from amanat.analyze.fidelity import match
from amanat.analyze.reuse import ReuseIndex
from amanat.check.reprints import NAME, quote_findings, reprint_finding
from amanat.errors import AmanatError
from amanat.model import ITEM_MEDIA_TYPE, Claim, Mention, Statement
from amanat.provenance.items import body_of, headline_of
from amanat.provenance.log import Log
from amanat.store import findings
from amanat.store import reprints as stored
from amanat.store import schema as t
from amanat.store.db import Store

CANDIDATE_SHARE = 0.15  # a quote of one or two sentences is a small share of a statement
BATCH = 5000  # documents indexed at once when new items are matched against the corpus


@dataclass(frozen=True)
class _Doc:
    id: str
    seq: int
    text: str
    published: str | None
    language: str | None


# --- what the store holds -------------------------------------------------------------------


def speaks_for(store: Store) -> dict[str, str]:
    """Log origin → the knowledge-base entity its publisher was declared to speak for."""
    p, q = t.publishers, t.partners
    with store.engine.connect() as conn:
        out = {r.origin: r.speaks_for for r in conn.execute(sa.select(p.c.origin, p.c.speaks_for)) if r.speaks_for}
        out.update({r.origin: r.speaks_for for r in conn.execute(sa.select(q.c.origin, q.c.speaks_for))
                    if r.speaks_for})
    return out


def statements(store: Store, uris: Iterable[str] | None = None) -> dict[str, list[Statement]]:
    """Item URI → every verified version of it, in log order (withdrawals included)."""
    e, p = t.log_entries, t.publishers
    query = (sa.select(e.c.origin, e.c.idx, e.c.token, p.c.name).select_from(e.join(p, p.c.origin == e.c.origin))
             .where(e.c.kind == "item").order_by(e.c.origin, e.c.idx))
    if uris is not None:
        query = query.where(e.c.item_uri.in_(list(uris)))
    entity = speaks_for(store)
    histories: dict[str, Any] = {}
    out: dict[str, list[Statement]] = defaultdict(list)
    with store.engine.connect() as conn:
        rows = conn.execute(query).fetchall()
    for r in rows:
        if r.origin not in histories:
            histories[r.origin] = Log(store, r.origin).key_history()
        try:
            item = histories[r.origin].verify_entry(int(r.idx), r.token).payload
        except AmanatError:
            continue  # kept logs verified when written; a token that no longer does is not matched
        try:
            version = int(item.get("version", "1"))
        except ValueError:
            continue
        out[str(item["uri"])].append(Statement(
            uri=str(item["uri"]), version=version, origin=r.origin, publisher=r.name, headline=headline_of(item),
            body=body_of(item), language=item.get("language"), published=item.get("versionCreated"),
            status=str(item.get("pubStatus", "usable")), note=item.get("edNote"), speaks_for=entity.get(r.origin)))
    return dict(out)


def _documents(store: Store, where: Any) -> Iterator[list[_Doc]]:
    d = t.documents
    query = (sa.select(d.c.id, d.c.seq, d.c.text, d.c.published, d.c.language)
             .where(where, d.c.media_type != ITEM_MEDIA_TYPE).order_by(d.c.seq))
    last = 0
    while True:
        with store.engine.connect() as conn:
            rows = conn.execute(query.where(d.c.seq > last).limit(BATCH)).fetchall()
        if not rows:
            return
        yield [_Doc(r.id, r.seq, r.text, r.published, r.language) for r in rows]
        last = rows[-1].seq


def _mentions(conn: Any, doc_ids: Sequence[str]) -> dict[str, list[Mention]]:
    m = t.mentions
    out: dict[str, list[Mention]] = {i: [] for i in doc_ids}
    for n in range(0, len(doc_ids), 500):
        for r in conn.execute(sa.select(m.c.document_id, m.c.start, m.c.end, m.c.text, m.c.kind, m.c.entity_id,
                                        m.c.nested).where(m.c.document_id.in_(doc_ids[n:n + 500]))):
            out[r.document_id].append(Mention(r.start, r.end, r.text, r.kind, r.entity_id, nested=bool(r.nested)))
    return out


def _quotes(conn: Any, doc_ids: Sequence[str]) -> dict[str, list[Claim]]:
    c = t.claims
    out: dict[str, list[Claim]] = {i: [] for i in doc_ids}
    for n in range(0, len(doc_ids), 500):
        for r in conn.execute(sa.select(c).where(c.c.document_id.in_(doc_ids[n:n + 500]), c.c.type == "quote")):
            out[r.document_id].append(Claim(r.type, r.start, r.end, r.text, json.loads(r.fields), r.extractor))
    return out


def _with_history(conn: Any, doc_ids: Sequence[str]) -> set[str]:
    """Of these documents, those with a current reprint row or a current reprint finding: the
    only ones a run that matches nothing for them has to touch."""
    r_, f = t.reprints, t.findings
    out: set[str] = set()
    for n in range(0, len(doc_ids), 500):
        part = doc_ids[n:n + 500]
        out.update(conn.execute(sa.select(r_.c.document_id).where(r_.c.document_id.in_(part),
                                                                   r_.c.current.is_(True))).scalars())
        out.update(conn.execute(sa.select(f.c.document_id).where(f.c.document_id.in_(part), f.c.check_name == NAME,
                                                                 f.c.current.is_(True))).scalars())
    return out


def _spoken_for(items: dict[str, list[Statement]]) -> dict[str, list[Statement]]:
    out: dict[str, list[Statement]] = defaultdict(list)
    for versions in items.values():
        for v in versions:
            if v.speaks_for and v.body:
                out[v.speaks_for].append(v)
    return dict(out)


# --- matching -------------------------------------------------------------------------------


def _match_pairs(doc: _Doc, uris: Iterable[str], items: dict[str, list[Statement]],
                 mentions: list[Mention], claims: list[Claim]) -> list[dict[str, Any]]:
    """The reprint rows (with their findings) of one document against some items."""
    rows = []
    for uri in sorted(set(uris)):
        versions = items.get(uri) or []
        r = match(versions, doc.id, doc.text, published=doc.published, language=doc.language,
                  mentions=mentions, claims=claims)
        if r is None:
            continue
        statement = next(v for v in versions if v.version == r.version)
        finding = reprint_finding(r, statement, doc.text, published=doc.published, language=doc.language)
        rows.append({**r.as_dict(), "finding": finding.as_dict() if finding else None})
    return rows


def _findings_of(doc: _Doc, current: Sequence[dict[str, Any]], quotes: Sequence[Claim],
                 spoken_for: dict[str, list[Statement]]) -> list[dict[str, Any]]:
    """A document's reprint findings: those of its current reprint rows, then its quotes'."""
    rows = [r["finding"] for r in current if r.get("finding")]
    rows += [f.as_dict() for f in quote_findings(doc.id, doc.text, quotes, spoken_for, published=doc.published,
                                                   language=doc.language)]
    return rows


def match_documents(store: Store, doc_ids: Sequence[str],
                    candidates: Mapping[str, Sequence[str]] | None = None) -> dict[str, int]:
    """Match these (new) documents against every signed item in the store; record reprints
    and findings. Returns counts: documents, reprints, quotes, findings.

    ``candidates`` (document id → item URIs) are the index's answers computed elsewhere — by
    Spark executors over the same statements (``amanat.scale``); a document not in it is
    asked here."""
    counts = {"documents": 0, "reprints": 0, "quotes": 0, "findings": 0}
    if not doc_ids:
        return counts
    items = statements(store)
    spoken_for = _spoken_for(items)
    index = ReuseIndex()
    index.add_many((f"{v.uri}\x1f{v.version}", v.body) for versions in items.values() for v in versions if v.body)
    ids = list(doc_ids)
    for start in range(0, len(ids), BATCH):
        for docs in _documents(store, t.documents.c.id.in_(ids[start:start + BATCH])):
            now = datetime.now(UTC)
            wanted: dict[str, list[str]] = {}
            for doc in docs:
                if candidates is not None and doc.id in candidates:
                    wanted[doc.id] = sorted(set(candidates[doc.id]))
                elif len(index):
                    wanted[doc.id] = sorted({key.split("\x1f")[0] for key, _ in
                                             index.containing(doc.text, min_share=CANDIDATE_SHARE)})
            batch_ids = [doc.id for doc in docs]
            with store.engine.begin() as conn:
                # one query each for the batch: most documents match nothing, have no quote
                # and no earlier reprint, and then cost no statement of their own
                quotes = _quotes(conn, batch_ids)
                mentions = _mentions(conn, [i for i in batch_ids if wanted.get(i)])
                history = _with_history(conn, batch_ids)
                for doc in docs:
                    rows = _match_pairs(doc, wanted.get(doc.id, ()), items, mentions.get(doc.id, []),
                                        quotes[doc.id]) if wanted.get(doc.id) else []
                    if rows or doc.id in history:
                        stored.record(conn, rows, now, document_id=doc.id)
                    found = _findings_of(doc, rows, quotes[doc.id], spoken_for)
                    if found or doc.id in history:
                        findings.replace(conn, doc.id, found, now, checks=[NAME])
                    counts["documents"] += 1
                    counts["reprints"] += sum(r["kind"] == "reprint" for r in rows)
                    counts["quotes"] += sum(r["kind"] == "quote" for r in rows)
                    for row in found:
                        counts["findings"] += 1
                        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts


def match_items(store: Store) -> dict[str, int]:
    """Match item versions not matched yet (new items, corrections, withdrawals, newly synced
    partner items) against the stored corpus; record reprints and rebuild the findings of the
    documents they touch. Returns counts: items, documents (touched), reprints, quotes."""
    e, d = t.log_entries, t.documents
    with store.engine.connect() as conn:
        entries = {(r.origin, int(r.idx)): r.item_uri for r in conn.execute(
            sa.select(e.c.origin, e.c.idx, e.c.item_uri).where(e.c.kind == "item"))}
        done = stored.matched_entries(conn)
        head = conn.execute(sa.select(sa.func.max(d.c.seq))).scalar() or 0
    new = {key: uri for key, uri in entries.items() if key not in done and uri}
    counts = {"items": 0, "documents": 0, "reprints": 0, "quotes": 0}
    if not new:
        return counts
    uris = set(new.values())
    items = statements(store)
    fresh = {u: items.get(u, []) for u in uris}
    candidates: dict[str, set[str]] = defaultdict(set)
    for docs in _documents(store, d.c.seq <= head):
        index = ReuseIndex(max_df=BATCH)
        index.add_many((doc.id, doc.text) for doc in docs)
        for uri, versions in fresh.items():
            for v in versions:
                if v.body:
                    candidates[uri].update(key for key, _ in index.contained_in(v.body, min_share=CANDIDATE_SHARE))
    spoken_for = _spoken_for(items)
    entities = {v.speaks_for for vs in fresh.values() for v in vs if v.speaks_for}
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        r_ = t.reprints
        before = {row.document_id for row in conn.execute(
            sa.select(r_.c.document_id).where(r_.c.item_uri.in_(list(uris)), r_.c.current.is_(True)))}
        touched: set[str] = set(before) | {i for c in candidates.values() for i in c}
        if entities:  # documents whose quotes of these entities may now be verified
            c = t.claims
            for entity in entities:
                touched.update(conn.execute(sa.select(c.c.document_id).where(
                    c.c.type == "quote", c.c.fields.like(f'%"entity": {json.dumps(entity, ensure_ascii=False)}%'))).scalars())
    docs_by_id = {doc.id: doc for batch in _documents(store, d.c.id.in_(list(touched))) for doc in batch} if touched else {}
    with store.engine.begin() as conn:
        for uri in sorted(uris):
            rows: list[dict[str, Any]] = []
            matched = [i for i in sorted(candidates.get(uri, ())) if i in docs_by_id]
            mentions, quotes = _mentions(conn, matched), _quotes(conn, matched)
            for doc_id in matched:
                rows += _match_pairs(docs_by_id[doc_id], [uri], items, mentions[doc_id], quotes[doc_id])
            stored.record(conn, rows, now, item_uri=uri)
            counts["reprints"] += sum(r["kind"] == "reprint" for r in rows)
            counts["quotes"] += sum(r["kind"] == "quote" for r in rows)
        quotes = _quotes(conn, list(docs_by_id))
        for doc in docs_by_id.values():
            findings.replace(conn, doc.id, _findings_of(doc, stored.of_document(conn, doc.id), quotes[doc.id],
                                                        spoken_for), now, checks=[NAME])
        stored.mark_matched(conn, new.keys(), head, now)
    counts["items"] = len(uris)
    counts["documents"] = len(docs_by_id)
    return counts
