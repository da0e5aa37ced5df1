"""Every page's server time over a store of 100,000 documents, beside the bare framework's.

The store is synthetic and built here: ~2 KB documents from a Zipf vocabulary over 200
outlets and four years of dates (written through the store's own writer, as bench_web and
bench_search build theirs), then what the checks would have left — stories of ten documents
each with figure claims, findings (record checks naming entities, cross-source divergences
in stories), mentions of one well-known entity — and the synthetic demo statement signed
into the log with a few hundred reprints of it. Those rows are written straight into their
tables: this measures reading them, not making them.

Each page is requested in-process (Starlette's TestClient, no network) ``REQUESTS`` times,
cycling through different ids where a page takes one; the table gives the median and p95
wall time per request. The reference is a bare FastAPI app with one route returning a
constant, measured the same way in the same run: what the framework and the client cost
before any page does any work.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.harness import table

REQUESTS = 60
GOAL_MS = 50.0
ENTITY = "Q1253"  # Ban Ki-moon, in the starter knowledge base
OUTLETS = 200
STORY_SIZE = 10
REPRINTS = 300


def vocabulary(rng: random.Random) -> list[str]:
    """The corpus's 5,000 words, most frequent first (the first draws of the build's seed, so
    bench http can draw them again for its queries)."""
    return ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 9))) for _ in range(5000)]


def _documents(store: Any, n: int, rng: random.Random) -> tuple[list[tuple[str, str, str]], list[str]]:
    """n documents as (id, outlet, day), and some mid-frequency words of their vocabulary."""
    from amanat.model import Capture, Document, PublishedDate, content_hash, document_id

    vocab = vocabulary(rng)
    weights = [1 / (i + 1) for i in range(len(vocab))]
    out = []
    with store.writer() as w:
        for i in range(n):
            words = rng.choices(vocab, weights, k=300)
            text, title = " ".join(words[8:]), " ".join(words[:8])
            source = f"outlet{i % OUTLETS}.example"
            url = f"https://{source}/{i}"
            day = (date(2021, 1, 1) + timedelta(days=(i * 1461) // n)).isoformat()
            digest = content_hash(text)
            doc = Document(id=document_id(url, digest), url=url, canonical_url=url, source=source, title=title,
                           byline=None, published=PublishedDate(day, "day", "metadata"), language="en", text=text,
                           content_hash=digest, media_type="text/plain", origin="bench")
            w.add(doc, Capture(url=url, body=text.encode(), media_type="text/plain", origin="bench"))
            out.append((doc.id, source, day))
    return out, vocab[20:300]


def _coverage(store: Any, docs: list[tuple[str, str, str]], rng: random.Random) -> dict[str, Any]:
    """Stories, figure claims, findings and mentions over the documents, straight into the tables."""
    import sqlalchemy as sa

    from amanat.store import schema as t
    from amanat.store import stories
    from amanat.store.stories import StoryRow

    now = datetime.now(UTC)
    story_ids, claims, found, mentions = [], [], [], []
    rows, members = [], []
    for s in range(0, len(docs) - STORY_SIZE + 1, STORY_SIZE):
        group = docs[s:s + STORY_SIZE]
        sid = f"{s:016x}"
        story_ids.append(sid)
        rows.append(StoryRow(sid, f"Story {s // STORY_SIZE}", group[0][2], group[-1][2], STORY_SIZE - 2, {"reports": {}}))
        for k, (doc_id, _, _) in enumerate(group):
            members.append((doc_id, sid, group[0][0] if k < 3 else doc_id))  # three documents are one wire report
            value = 10 + k if k % 2 else 10
            claims.append({"document_id": doc_id, "n": 0, "type": "figure", "start": 0, "end": 9,
                           "text": f"killed {value}", "extractor": "bench@1",
                           "fields": json.dumps({"measure": "deaths", "value": value, "unit": "people",
                                                 "qualifier": None, "as_of": group[k][2], "attributed_to": "police"})})
        a, b = group[3][0], group[4][0]
        facts = [{"document_id": d, "source": src, "report": d, "copies": [d], "measure": "deaths", "unit": "people",
                  "value": v, "as_of": day, "words": f"killed {v}", "published": day}
                 for (d, src, day), v in ((group[3], 13), (group[4], 10))]
        found.append(_finding(f"d{s:015x}", a, "divergences", "figures-across-sources", facts, [a, b], now, sid))
    for i, (doc_id, _, _) in enumerate(docs):
        if i % 7 == 0:
            facts = [{"subject": ENTITY if i % 14 == 0 else f"Q{i}", "property": "position held", "source": "starter"}]
            found.append(_finding(f"r{i:015x}", doc_id, "titles", "title-at-date", facts, [doc_id], now, None))
        if i % 20 == 0:
            mentions.append({"document_id": doc_id, "n": 0, "start": 0, "end": 5, "text": "Ban Ki-moon",
                             "kind": "person", "entity_id": ENTITY, "candidates": "[]", "role": None,
                             "role_start": None, "role_end": None, "marker": None, "score": 1.0,
                             "method": "bench", "nested": False, "kb_version": "bench"})
    with store.engine.begin() as conn:
        stories.save(conn, rows, members, now)
        for table_, batch in ((t.claims, claims), (t.mentions, mentions)):
            for n in range(0, len(batch), 5000):
                conn.execute(sa.insert(table_), batch[n:n + 5000])
        for n in range(0, len(found), 2000):
            conn.execute(sa.insert(t.findings), found[n:n + 2000])
    _index_findings(store)
    return {"stories": story_ids, "findings": [f["id"] for f in found]}


def _index_findings(store: Any) -> None:
    """What ``findings.replace`` does as it writes: which entities each finding names."""
    from amanat.store import findings

    if hasattr(findings, "reindex_entities"):
        findings.reindex_entities(store)


def _finding(fid: str, doc: str, check: str, kind: str, facts: list[dict[str, Any]], docs: list[str], now: datetime,
             story: str | None) -> dict[str, Any]:
    evidence = [{"document_id": d, "start": 0, "end": 9, "text": "killed 10", "role": "report"} for d in docs]
    return {"id": fid, "document_id": doc, "check_name": check, "type": kind, "status": "inconsistent",
            "severity": "medium", "sentence": f"A {kind} finding (synthetic).", "evidence": json.dumps(evidence),
            "facts": json.dumps(facts), "judged_at": None, "date_source": None, "first_seen": now, "last_seen": now,
            "current": True, "story_id": story}


def _reprints(store: Any, docs: list[tuple[str, str, str]], keys: str) -> str:
    import sqlalchemy as sa

    from amanat.provenance.demo import publish_demo_statement
    from amanat.store import schema as t

    uri = publish_demo_statement(store, keys_dir=keys)
    now = datetime.now(UTC)
    rows = []
    for k, (doc_id, _, _) in enumerate(docs[::len(docs) // REPRINTS][:REPRINTS]):
        altered = k % 3 == 0
        detail = {"item_uri": uri, "version": 1, "origin": "bench", "publisher": "demo", "document_id": doc_id,
                  "kind": "reprint", "classes": ["altered"] if altered else ["verbatim"], "share": 1.0,
                  "identical": 0.95 if altered else 1.0, "spans": [[0, 600]], "latest_version": 1, "withdrawn": None,
                  "headline_found": False, "predates": False, "attribution": None, "finding": None,
                  "differences": [{"kind": "changed", "statement_text": "evacuated 4,312", "statement_start": 127,
                                   "statement_end": 142, "document_text": "moved 3,100", "document_start": 10,
                                   "document_end": 21, "where": "", "mid_sentence": False}] if altered else []}
        rows.append({"item_uri": uri, "document_id": doc_id, "origin": "bench", "version": 1, "kind": "reprint",
                     "classes": ",".join(detail["classes"]), "share": 1.0, "detail": json.dumps(detail),
                     "first_seen": now, "last_seen": now, "current": True})
    with store.engine.begin() as conn:
        conn.execute(sa.insert(t.reprints), rows)
    return uri


def _timed(client: Any, paths: list[str], headers: dict[str, str]) -> tuple[float, float, int]:
    times, bad = [], 0
    client.get(paths[0], headers=headers)  # warm: first-use caches (templates, the knowledge base)
    for i in range(REQUESTS):
        t0 = time.perf_counter()
        r = client.get(paths[i % len(paths)], headers=headers)
        times.append((time.perf_counter() - t0) * 1000)
        bad += r.status_code != 200
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], bad


def cases(uri: str, docs: list[str], story_ids: list[str], finding_ids: list[str],
          words: list[str]) -> list[tuple[str, list[str]]]:
    """Each page measured, with the paths a run cycles through."""
    item = uri.rsplit("/", 1)[1]
    return [
        ("/", ["/"]),
        ("/search?q=WORD", [f"/search?q={w}" for w in words]),
        ("/documents/{id}", [f"/documents/{d}" for d in docs]),
        ("/sources", ["/sources"]),
        ("/findings", ["/findings", "/findings?type=title-at-date", "/findings?page=20"]),
        ("/findings/{id}", [f"/findings/{f}" for f in finding_ids]),
        ("/findings.atom", ["/findings.atom"]),
        (f"/entities/{ENTITY}", [f"/entities/{ENTITY}", f"/entities/{ENTITY}?page=3"]),
        ("/stories", ["/stories", "/stories?page=40", "/stories?since=2024-06-01"]),
        ("/stories/{id}", [f"/stories/{s}" for s in story_ids]),
        (f"/items/{{id}} ({REPRINTS} reprints)", [f"/items/{item}", f"/items/{item}?page=3"]),
        ("/items/{id}/reprints.atom", [f"/items/{item}/reprints.atom"]),
        ("/items/{id}/reprints.json", [f"/items/{item}/reprints.json"]),
        ("/api/v1/stories", ["/api/v1/stories?limit=50", "/api/v1/stories?offset=5000&limit=50"]),
        ("/api/v1/stories/{id}", [f"/api/v1/stories/{s}" for s in story_ids]),
        ("/api/v1/reprints?item=URI", [f"/api/v1/reprints?item={uri}"]),
    ]


def measure(url: str, token: str, pages: list[tuple[str, list[str]]]) -> list[list[Any]]:
    """Median and p95 of each page over the store at ``url``, between two runs of the bare
    framework's constant route."""
    from fastapi import FastAPI

    from amanat.web import Settings, create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    auth = {"Authorization": f"Bearer {token}"}
    bare = FastAPI()

    @bare.get("/constant")
    def constant() -> dict[str, str]:
        return {"ok": "yes"}

    results: list[list[Any]] = []
    with TestClient(bare) as reference:
        ref = _timed(reference, ["/constant"], {})
    results.append(["bare FastAPI route (reference)", ref[0], ref[1], "", ref[2]])
    with TestClient(create_app(url, settings=Settings(rate=None))) as web:
        for name, paths in pages:
            median, p95, bad = _timed(web, paths, auth)
            results.append([name, median, p95, "yes" if median <= GOAL_MS else "no", bad])
    with TestClient(bare) as reference:
        ref2 = _timed(reference, ["/constant"], {})
    results.append(["bare FastAPI route, again after", ref2[0], ref2[1], "", ref2[2]])
    return results


def _build(folder: Path, n: int) -> dict[str, Any]:
    """Build the store in ``folder`` and say what a run needs of it (kept in meta.json)."""
    from amanat.store.db import Store
    from amanat.store.tokens import new_token

    rng = random.Random(5)
    url = f"sqlite:///{folder / 'pages.db'}"
    t0 = time.perf_counter()
    with Store.open(url) as store:
        docs, words = _documents(store, n, rng)
        made = _coverage(store, docs, rng)
        uri = _reprints(store, docs, str(folder / "keys"))
        token = new_token(store, "bench", "read")[1]
    return {"n": n, "url": url, "token": token, "uri": uri, "built": time.perf_counter() - t0,
            "stories": len(made["stories"]), "findings": len(made["findings"]),
            "docs": [d for d, _, _ in rng.sample(docs, 30)], "story_ids": rng.sample(made["stories"], 30),
            "finding_ids": rng.sample(made["findings"], 30), "words": rng.sample(words, 20)}


def prepared(folder: Path, n: int) -> dict[str, Any]:
    """The store of ``n`` documents in ``folder``: the one built there before (described by its
    meta.json), else built now."""
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else None
    if meta is None or meta["n"] != n:
        if (folder / "pages.db").exists():
            raise SystemExit(f"{folder} holds a store of another size or none described: remove it")
        folder.mkdir(parents=True, exist_ok=True)
        meta = _build(folder, n)
        meta_path.write_text(json.dumps(meta))
    return meta


def run(quick: bool) -> str:
    """Build a store (or, with ``AMANAT_BENCH_STORE=DIR``, reuse the one built there before: the
    100k store takes minutes to build, the measuring one) and measure every page over it."""
    n = 5_000 if quick else int(os.environ.get("AMANAT_BENCH_DOCS") or 100_000)
    kept = os.environ.get("AMANAT_BENCH_STORE")
    with tempfile.TemporaryDirectory() as tmp:
        meta = prepared(Path(kept or tmp), n)
        results = measure(meta["url"], meta["token"], cases(meta["uri"], meta["docs"], meta["story_ids"],
                                                            meta["finding_ids"], meta["words"]))
    built = meta["built"]
    return "\n".join([
        f"## Web pages at {n:,} documents",
        "",
        table(["page", "median ms", "p95 ms", f"median ≤ {GOAL_MS:.0f} ms", "non-200"], results),
        "",
        f"A synthetic SQLite store of {n:,} ~2 KB documents over {OUTLETS} outlets and four years, with "
        f"{meta['stories']:,} stories of {STORY_SIZE} documents (figure claims in each, three documents "
        f"of each one wire report), {meta['findings']:,} findings (record checks, a sixth of them naming "
        f"{ENTITY}; one cross-source divergence per story), {n // 20:,} mentions of {ENTITY}, and the demo's "
        f"signed statement with {REPRINTS} reprints; built in {built:.0f} s. Each page requested "
        f"{REQUESTS} times in-process (TestClient, no network; private mode, so every request carries and "
        "checks a read token), cycling through different ids; the reference is a bare FastAPI app whose one "
        "route returns a constant, measured the same way before and after. Goal (issue 16): every page "
        f"≤ {GOAL_MS:.0f} ms server time at 100k documents.",
        "",
        "The search words are mid-frequency words of the corpus (each in 10–80% of the documents), "
        "answered by SQLite's FTS5 (no tantivy index is built here). FTS5 has no top-k pruning: it scores "
        "every match with BM25, the case \"Search at scale\" measures (1 term, p95 ~0.5 s at 1M; tantivy "
        "answers it in a few milliseconds there). Since issue 16's last gaps it does only that, on its own "
        "index, keeps the best 200, looks up and filters only those documents, and cuts snippets for the "
        "page's 20 alone; before, every match was joined to its 2 KB document row to be filtered. "
        f"{ENTITY} is named in 5% of the documents and {(n + 13) // 14:,} findings: an entity as present as "
        "a head of state. Its page now dates those documents from a covering (id, published) index, counts "
        "and pages them in one statement, and reads its findings through a covering (id, current, "
        "first_seen) index.",
        "",
        "Before and after those changes, on the same 100k store, alternating, in one window of a heavily "
        "loaded machine (the bare route at 4–10 ms instead of ~0.9, `/` at 76–238 ms): search 266 and 304 ms "
        "median before, 122 and 85 after (p95 829–892 before, 210–300 after); the entity page 300 and 268 "
        "before, 128 and 120 after. On the quieter machine of the earlier run (bare route 0.85 ms) the "
        "same pages took 54.5 ms (search) and 44.9 ms (entity) before. `AMANAT_BENCH_STORE=DIR` builds the "
        "store in DIR once and measures it again on later runs.",
    ])
