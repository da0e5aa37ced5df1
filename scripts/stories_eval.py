"""Measure story grouping: B-cubed precision, recall and F1 on the labelled set, and throughput.

usage: PYTHONPATH=src python scripts/stories_eval.py [--split dev|test|all] [--json] [--scale N] [--store]

The labelled set is built here, the same way tests/test_stories.py builds it:
- the sample corpus (src/amanat/sample: five real articles, five different events);
- synthetic variants of each sample article (analyze/story_measure.variants, spec in
  tests/gold/stories_synthetic.json), labelled synthetic, in their seed's story;
- real pages from ../shared/data/extraction (html + ground-truth.json), labelled by hand in
  tests/gold/stories_real.json (written before tuning) with its dev/test split.
Sample articles 0, 2, 4 (and their variants) are dev, 1 and 3 test.

Documents are read as ingest reads them (main text, title, date), their mentions linked with
the starter knowledge base and their claims extracted, then grouped in date order (the order
a re-run with --all uses). Throughput counts grouping alone (features, candidates, scores),
over the labelled set copied ``--scale`` times into disjoint months.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from amanat.analyze.claims import extract_claims
from amanat.analyze.mentions import analyze_mentions
from amanat.analyze.stories import Grouping, StoryInput
from amanat.analyze.story_measure import bcubed, variants
from amanat.ingest.document import analyze_capture
from amanat.kb import starter
from amanat.kb.index import KBIndex
from amanat.model import Capture, Document, content_hash

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "src" / "amanat" / "sample"
GOLD = ROOT / "tests" / "gold"


def labelled_set(index: KBIndex | None, extraction: Path | None = None) -> tuple[list[StoryInput], dict[str, str], dict[str, str]]:
    """(documents, gold story per document, split per document)."""
    docs: list[StoryInput] = []
    gold: dict[str, str] = {}
    split: dict[str, str] = {}
    spec = json.loads((GOLD / "stories_synthetic.json").read_text(encoding="utf-8"))
    for n, path in enumerate(sorted(SAMPLE.glob("*.txt"))):
        text = path.read_text(encoding="utf-8")
        doc = _read(Capture(None, text.encode(), "text/plain", str(path)), f"seed-{n}.example")
        seed = _input(doc, path.stem, index)
        docs.append(seed)
        gold[seed.id], split[seed.id] = f"seed:{path.stem}", "dev" if n % 2 == 0 else "test"
        people = [m.text for m in seed.mentions if m.kind == "person" and m.entity_id]
        for v in variants(path.stem, seed.title or "", seed.text, spec, people):
            synthetic = replace(seed, id=f"synthetic:{v.key}", text=v.text, title=v.title, source=v.source,
                                language=v.language, content_hash=content_hash(v.text), url=f"https://{v.source}/{v.key}")
            docs.append(_with_analysis(synthetic, index))
            gold[synthetic.id], split[synthetic.id] = gold[seed.id], split[seed.id]
    extraction = extraction or SHARED / "data" / "extraction"
    if (extraction / "ground-truth.json").exists():
        labels = json.loads((GOLD / "stories_real.json").read_text(encoding="utf-8"))
        truth = json.loads((extraction / "ground-truth.json").read_text(encoding="utf-8"))
        story_of = {i: k for k, s in labels["stories"].items() for i in s["ids"]} | {i: i for i in labels["singletons"]}
        for page_id, entry in sorted(truth.items()):
            html = gzip.decompress((extraction / "html" / f"{page_id}.html.gz").read_bytes())
            doc = _read(Capture(entry["url"], html, "text/html", page_id), None)
            if doc is None:
                continue
            docs.append(_input(doc, f"real:{page_id}", index))
            gold[f"real:{page_id}"] = "real:" + story_of[page_id]
            split[f"real:{page_id}"] = labels["split"][story_of[page_id]]
    return docs, gold, split


def _read(capture: Capture, source: str | None) -> Document | None:
    doc = analyze_capture(capture, source=source)
    return doc if isinstance(doc, Document) else None


def _input(doc: Document | None, key: str, index: KBIndex | None) -> StoryInput:
    assert doc is not None, key
    published = doc.published.day() if doc.published else None
    base = StoryInput(key, doc.text, doc.title, published, doc.source, doc.language, doc.content_hash, doc.canonical_url)
    return _with_analysis(base, index)


def _with_analysis(doc: StoryInput, index: KBIndex | None) -> StoryInput:
    if index is None:
        return doc
    mentions = tuple(analyze_mentions(doc.text, doc.published, index))
    claims = tuple(extract_claims(doc.text, doc.published, doc.language, list(mentions)).claims)
    return replace(doc, mentions=mentions, claims=claims)


def in_order(docs: list[StoryInput]) -> list[StoryInput]:
    """Date order, undated last, then id: the order a rebuild uses."""
    return sorted(docs, key=lambda d: (d.published is None, d.published or "", d.id))  # type: ignore[operator]


def run(docs: list[StoryInput]) -> tuple[dict[str, str], float]:
    grouping = Grouping()
    window = timedelta(days=grouping.settings["window_days"])
    start = time.process_time()  # CPU time: the machine is shared, wall time is noise
    placed = {}
    for n, d in enumerate(docs):
        placed[d.id] = grouping.add(d).story_id
        if d.published and n % 500 == 499:  # as the store runner does after each batch
            grouping.evict(d.published - window)
    return placed, time.process_time() - start


def scaled(docs: list[StoryInput], times: int) -> list[StoryInput]:
    """The set copied ``times`` times, each copy 60 days later, ids and hashes made unique."""
    out = []
    for n in range(times):
        shift = timedelta(days=60 * n)
        out.extend(replace(d, id=f"{d.id}#{n}", content_hash=f"{d.content_hash}#{n}", url=f"{d.url}#{n}",
                           published=d.published + shift if d.published else None) for d in docs)
    return out


def store_run(docs: list[StoryInput]) -> dict[str, float]:
    """The same documents in a fresh SQLite store (text, mentions, claims), grouped by the
    store runner in batches: throughput with reading and writing included."""
    import tempfile

    from amanat.analyze.passes import _mention_row
    from amanat.check.story_runs import group_new_documents
    from amanat.model import PublishedDate, document_id
    from amanat.store.analysis import AnalysisWriter, PassResult
    from amanat.store.db import Store

    stored_id: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as folder, Store.open(f"sqlite:///{folder}/stories.db") as store:
        with store.writer() as w:
            for d in docs:
                h = content_hash(d.text + d.id)
                url = d.url or f"https://{d.source}/{d.id}"
                doc = Document(document_id(url, h), url, url, d.source or "unknown", d.title, None,
                               PublishedDate(d.published.isoformat(), "day", "metadata") if d.published else None,
                               d.language, d.text, h, "text/plain", url)
                w.add(doc, Capture(url, d.text.encode(), "text/plain", url))
                stored_id[d.id] = doc.id
        with AnalysisWriter(store, batch=500) as writer:
            for d in docs:
                sid = stored_id[d.id]
                mentions = [_mention_row(sid, n, m, "eval") for n, m in enumerate(d.mentions)]
                claims = [{"document_id": sid, "n": n, "type": c.type, "start": c.start, "end": c.end, "text": c.text,
                           "fields": json.dumps(c.fields), "extractor": c.extractor} for n, c in enumerate(d.claims)]
                writer.add(sid, {"mentions": PassResult("mentions", "eval", mentions),
                                 "claims": PassResult("claims", "eval", claims)})
        start_cpu, start = time.process_time(), time.perf_counter()
        counts = group_new_documents(store)
        cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start
    return {"documents": counts["documents"], "cpu_seconds": round(cpu, 2), "wall_seconds": round(wall, 2),
            "documents_per_cpu_s": round(counts["documents"] / cpu)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="test")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--scale", type=int, default=20)
    parser.add_argument("--store", action="store_true", help="also time the store runner over a fresh SQLite store")
    args = parser.parse_args()
    index = KBIndex.build(starter.load())
    docs, gold, split = labelled_set(index)
    ordered = in_order(docs)
    predicted, _ = run(ordered)
    shuffled = ordered[:]
    random.Random(7).shuffle(shuffled)
    predicted_shuffled, _ = run(shuffled)
    results = {}
    for name in ("dev", "test", "all"):
        chosen = {d: g for d, g in gold.items() if name == "all" or split[d] == name}
        for part, prefix in (("all", ""), ("real", "real:"), ("sample+synthetic", "")):
            subset = {d: g for d, g in chosen.items() if (d.startswith(prefix) if prefix else
                                                           (part == "all" or not d.startswith("real:")))}
            score = bcubed(predicted, subset)
            results[f"{name}/{part}"] = {"documents": score.documents, "precision": round(score.precision, 3),
                                         "recall": round(score.recall, 3), "f1": round(score.f1, 3)}
        shuffled_score = bcubed(predicted_shuffled, chosen)
        results[f"{name}/all shuffled order"] = {"documents": shuffled_score.documents,
                                                 "precision": round(shuffled_score.precision, 3),
                                                 "recall": round(shuffled_score.recall, 3),
                                                 "f1": round(shuffled_score.f1, 3)}
    big = in_order(scaled(docs, args.scale))
    _, seconds = run(big)
    throughput = {"documents": len(big), "seconds": round(seconds, 3), "documents_per_s": round(len(big) / seconds)}
    stored = store_run(big) if args.store else None
    if args.json:
        json.dump({"bcubed": results, "throughput": throughput, "store": stored}, sys.stdout, indent=1)
        print()
        return 0
    print("| set | documents | B³ precision | B³ recall | B³ F1 |")
    print("|---|---:|---:|---:|---:|")
    for key, r in results.items():
        if args.split == "all" or key.startswith(args.split + "/"):
            print(f"| {key} | {r['documents']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} |")
    print(f"\ngrouping throughput: {throughput['documents']} documents in {throughput['seconds']} s = "
          f"{throughput['documents_per_s']} documents per CPU second (features, candidates, scores; analysis not counted)")
    if stored:
        print(f"store runner (SQLite, read + group + write): {stored['documents']} documents in "
              f"{stored['cpu_seconds']} CPU s ({stored['wall_seconds']} s wall) = {stored['documents_per_cpu_s']} "
              "documents per CPU second")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
