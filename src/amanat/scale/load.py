"""Bulk-loading a Spark job's Parquet into the store, idempotently, then the corpus-wide steps.

Documents go through the store's own ``Writer`` — the rules for versions, copies and the
seen-list that ``amanat ingest`` applies — one input file at a time, in input order, so the
documents, their versions and their ``seq`` order come out as a single-machine ingest of the
same files would make them. A capture already on the seen-list is skipped before anything is
written; the passes' rows go through ``AnalysisWriter`` only for documents on which a pass
has not run at the job's version. Loading twice therefore adds nothing.

Then ``check.commands.run_checks_on_store`` runs, as after an ingest: its analysis step finds
nothing left to do (the job did it), and the steps that must see everything at once run in
the store — story grouping (incremental, in document order: each document joins a story
made of the documents before it, so it is sequential by nature, and at a few thousand
documents per second not the bottleneck), the record checks, the reprint alignment and the
story checks. The one corpus-wide step the job does ship out is the costly half of reprint
matching: each executor asks the statements' containment index which statements a document
contains a share of, and the load hands those candidates to the store's reprint matcher when
the store holds the very statements the job indexed (else the matcher finds them itself).

Parquet is read with pyarrow, so a load needs no Java and no Spark.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from amanat.errors import InputError
from amanat.model import Capture, Document, PublishedDate, RawRef
from amanat.scale.job import TABLES
from amanat.store import analysis
from amanat.store import schema as t
from amanat.store.db import Store

MANIFEST = "run.json"
_PASS_TABLES = {"mentions": "mentions", "claims": "claims"}


def manifest(directory: Path) -> dict[str, Any]:
    """The job's manifest: without it the directory is not (yet) a finished job's output."""
    path = directory / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{directory}: no {MANIFEST}: not the output of a finished `amanat scale run`") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: unreadable manifest: {exc}") from None


def partitions(directory: Path) -> list[int]:
    """The input files (their numbers) that have rows, in input order."""
    found = {int(p.name.split("=", 1)[1]) for table in TABLES for p in (directory / table).glob("file_no=*")}
    return sorted(found)


def read_partition(directory: Path, table: str, file_no: int) -> list[dict[str, Any]]:
    """One file's rows of one table, as dicts (the partition column added back)."""
    import pyarrow.parquet as pq

    where = directory / table / f"file_no={file_no}"
    if not where.is_dir():
        return []
    rows = pq.read_table(where).to_pylist()
    for row in rows:
        row["file_no"] = file_no
    return rows


def load(store: Store, directory: Path, *, on_file: Callable[[int], None] = lambda n: None) -> dict[str, Any]:
    """Load a job's output; returns counts (new documents, versions, copies, unchanged…) and
    the candidates the reprint matcher may use (``None`` when the statements differ)."""
    meta = manifest(directory)
    from amanat.analyze.commands import context_of

    # The knowledge base grows with the corpus (observed entities come from stored mentions),
    # so it is compared before loading: the job's analysis is what `check` would have run
    # here exactly when the job ran against this store's base as it is now.
    current = context_of(store).kb_version == meta.get("kb_version")
    counts: dict[str, int] = defaultdict(int)
    candidates: dict[str, list[str]] = defaultdict(list)
    for file_no in partitions(directory):
        _load_file(store, directory, file_no, counts, candidates)
        on_file(file_no)
    store.refresh_search_index()
    from amanat.scale.spark import shipment_of

    same = shipment_of(store).statements_key == meta.get("statements_key")
    return {"counts": dict(counts), "candidates": dict(candidates) if same else None, "manifest": meta,
            "analysis_current": current}


def _load_file(store: Store, directory: Path, file_no: int, counts: dict[str, int],
               candidates: dict[str, list[str]]) -> None:
    loaded: list[str] = []
    with store.writer() as writer:
        taken: set[tuple[str, str]] = set()  # this run's own captures, not committed yet
        for row in sorted(read_partition(directory, "captures", file_no), key=lambda r: r["record"]):
            key = (row["seen_key"], row["raw_digest"])
            counts["captures"] += 1
            if key in taken or store.seen(*key):
                counts["unchanged"] += 1
                continue
            taken.add(key)
            capture = _capture(row)
            if row["id"] is None:
                writer.add_nothing(capture, "skipped", digest=row["raw_digest"])
                counts["skipped"] += 1
                continue
            outcome = writer.add(_document(row), capture, row["source_kind"], digest=row["raw_digest"],
                                 size=row["raw_size"])
            counts[{"new": "new", "version": "versions", "copy": "copies"}.get(outcome, "same")] += 1
            loaded.append(row["id"])
    for problem in read_partition(directory, "problems", file_no):
        counts["failed" if problem["kind"] == "failed" else "skipped_records"] += int(problem["count"] or 1)
    _load_analysis(store, directory, file_no, counts)
    for doc_id in loaded:  # asked on the executor: no row means the index found nothing
        candidates.setdefault(doc_id, [])
    for row in read_partition(directory, "reprint_candidates", file_no):
        if row["item_uri"] not in candidates[row["document_id"]]:
            candidates[row["document_id"]].append(row["item_uri"])


def _load_analysis(store: Store, directory: Path, file_no: int, counts: dict[str, int]) -> None:
    runs = read_partition(directory, "analysis", file_no)
    if not runs:
        return
    ids = sorted({r["document_id"] for r in runs})
    done = _current_runs(store, ids)
    rows: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for table in _PASS_TABLES.values():
        columns = [c.name for c in t.metadata.tables[table].columns]
        for row in read_partition(directory, table, file_no):
            rows[(table, row["document_id"])].append({c: row[c] for c in columns})
    by_doc: dict[str, dict[str, analysis.PassResult]] = defaultdict(dict)
    for run in runs:
        name, doc_id = run["pass_name"], run["document_id"]
        if (doc_id, name) in done or name in by_doc[doc_id]:  # analysed here already: keep it
            continue
        table = _PASS_TABLES[name]
        found = sorted(rows.get((table, doc_id), ()), key=lambda r: r["n"])
        by_doc[doc_id][name] = analysis.PassResult(table, run["version"], found, run["status"])
    with analysis.AnalysisWriter(store) as writer:
        for doc_id, results in by_doc.items():
            if results:
                writer.add(doc_id, results)
                counts["analysed"] += 1


def _current_runs(store: Store, ids: list[str]) -> set[tuple[str, str]]:
    """The (document, pass) pairs the store has run already, at whatever version: a newer
    run there (the knowledge base moved) is never replaced by the job's older one."""
    r = t.analysis_runs
    found: set[tuple[str, str]] = set()
    with store.engine.connect() as conn:
        for start in range(0, len(ids), 500):
            found.update((row.document_id, row.pass_name) for row in conn.execute(
                sa.select(r.c.document_id, r.c.pass_name).where(r.c.document_id.in_(ids[start:start + 500]))))
    return found


def _capture(row: dict[str, Any]) -> Capture:
    """The capture as the writer needs it: where its raw bytes are (a reference into the WARC
    file, or the bytes themselves when the record cannot be re-read by offset)."""
    ref = RawRef(row["ref_path"], row["ref_offset"], row["ref_length"], row["ref_digest"]) if row["ref_path"] else None
    # the writer reads the seen-list key as ``url or origin``: the key itself serves as both
    return Capture(url=row["seen_key"], body=row["body"] or b"", media_type=row["raw_media_type"],
                   origin=row["seen_key"], raw_ref=ref)


def _document(row: dict[str, Any]) -> Document:
    published = (PublishedDate(row["published"], row["published_precision"], row["published_source"])
                 if row["published"] else None)
    return Document(id=row["id"], url=row["url"], canonical_url=row["canonical_url"], source=row["source"],
                    title=row["title"], byline=row["byline"], published=published, language=row["language"],
                    text=row["text"], content_hash=row["content_hash"], media_type=row["media_type"],
                    origin=row["origin"], fetched=row["fetched"])


def rows_of(directory: Path, table: str) -> Iterator[dict[str, Any]]:
    """Every row of one table, file by file (for inspection and tests)."""
    for file_no in partitions(directory):
        yield from read_partition(directory, table, file_no)
