"""What a Spark executor runs on one WARC file: pure functions, the single-machine ones.

``process_file`` reads a file with ``ingest.warc.read_warc``, turns each capture into a
document with ``ingest.pipeline.analyze_one`` (what ``amanat ingest`` runs per capture), runs
the analysis passes with ``analyze.passes.analyze_source`` (what ``amanat analyze`` runs per
document) and asks the statements' containment index (``analyze.reuse.ReuseIndex``, what
``amanat check`` asks) which signed statements each document contains a share of. Nothing
is re-implemented here: this module only turns their results into rows of the output tables
(``TABLES``) — the store's own columns, so loading is a copy, not a translation.

What every executor needs besides its file — the knowledge-base index and the statements'
index — is a ``Shipment``, pickled and broadcast once per executor, never per record.

Bad records never stop a job: the reader reports them as ``Problem``s (counted per file in
the ``problems`` and ``files`` tables), and an error the reader did not expect ends only that
file, reported the same way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from amanat.analyze.passes import PASSES, Context, Source, analyze_source
from amanat.analyze.reuse import ReuseIndex
from amanat.ingest.pipeline import analyze_one
from amanat.ingest.warc import read_warc
from amanat.model import Capture, Document, Problem
from amanat.scale.files import local_copy
from amanat.store import schema as t
from amanat.store.writer import document_columns, seen_key

# The output tables and their columns, in order; each starts with the file it came from
# (``file_no``, the partition column: a load reads one file's rows at a time, in input order).
_DOCUMENT = [c.name for c in t.documents.columns
             if c.name not in ("seq", "ingested", "raw_digest", "version", "previous_id", "latest")]
TABLES: dict[str, list[tuple[str, str]]] = {
    # every capture that gave a document, or was processed and gave none (``id`` NULL)
    "captures": [("file_no", "int"), ("record", "int"), ("seen_key", "string"), ("raw_digest", "string"),
                 ("raw_media_type", "string"), ("raw_size", "long"), ("ref_path", "string"),
                 ("ref_offset", "long"), ("ref_length", "long"), ("ref_digest", "string"), ("body", "binary"),
                 ("source_kind", "string")]
                + [(c, "timestamp" if c == "fetched" else "string") for c in _DOCUMENT],
    "analysis": [("file_no", "int"), ("document_id", "string"), ("pass_name", "string"), ("version", "string"),
                 ("status", "string")],
    "reprint_candidates": [("file_no", "int"), ("document_id", "string"), ("item_uri", "string"),
                           ("share", "double")],
    "problems": [("file_no", "int"), ("location", "string"), ("kind", "string"), ("message", "string"),
                 ("count", "long")],
    "files": [("file_no", "int"), ("location", "string"), ("captures", "long"), ("documents", "long"),
              ("skipped", "long"), ("failed", "long"), ("seconds", "double")],
}
_KINDS = {"String": "string", "Text": "string", "Integer": "int", "BigInteger": "long", "Float": "double",
          "Boolean": "bool", "DateTime": "timestamp", "LargeBinary": "binary"}
for _name, _table in (("mentions", t.mentions), ("claims", t.claims)):  # the passes' tables
    TABLES[_name] = [("file_no", "int")] + [(c.name, _KINDS[type(c.type).__name__]) for c in _table.columns]

Row = tuple[str, tuple[Any, ...]]  # (table, values in TABLES order)


@dataclass(frozen=True)
class Shipment:
    """What every executor gets once: the analysis context (knowledge-base index and version),
    the containment index of the signed statements known to the store the job ran from, and
    a key naming those statements (a load uses the candidates only if its store has the same)."""

    context: Context
    statements: ReuseIndex
    statements_key: str
    candidate_share: float

    def versions(self) -> dict[str, str]:
        return {p.name: p.version(self.context) for p in PASSES}


def statements_key(keys: list[str]) -> str:
    """A digest of the signed item versions an index holds (``uri\\x1fversion`` each)."""
    return hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:32]


def process_file(file_no: int, location: str, shipment: Shipment) -> Iterator[Row]:
    """Every output row of one input file; a file that cannot be read is a problem row."""
    started = time.perf_counter()
    tally = {"captures": 0, "documents": 0, "skipped": 0, "failed": 0}
    try:
        with local_copy(location) as path:
            local = str(path)
            yield from _rows(file_no, read_warc(path), shipment, tally,
                             lambda s: s.replace(local, location) if local != location else s)
    except Exception as exc:  # a reader bug or a lost S3 object ends this file, not the job
        tally["failed"] += 1
        last = traceback.extract_tb(exc.__traceback__)[-1]
        message = f"cannot read: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} " \
                  f"({last.filename.rsplit('/', 1)[-1]}:{last.lineno})"
        yield "problems", (file_no, location, "failed", message, 1)
    yield "files", (file_no, location, tally["captures"], tally["documents"], tally["skipped"], tally["failed"],
                    round(time.perf_counter() - started, 3))


def _rows(file_no: int, captures: Iterator[Capture | Problem], shipment: Shipment, tally: dict[str, int],
          here: Any) -> Iterator[Row]:
    versions = shipment.versions()
    analysed: set[str] = set()
    for record, capture in enumerate(captures):
        if isinstance(capture, Problem):
            yield _problem(file_no, capture, tally, here)
            continue
        capture = _located(capture, here)
        tally["captures"] += 1
        result = analyze_one(capture, None)
        if isinstance(result, Problem):
            yield _problem(file_no, result, tally, here)
            if result.kind == "skipped":  # processed, no document: the seen-list keeps it
                yield "captures", _capture_row(file_no, record, capture, None)
            continue
        tally["documents"] += 1
        yield "captures", _capture_row(file_no, record, capture, result)
        if result.id in analysed:
            continue
        analysed.add(result.id)
        yield from _analysis_rows(file_no, result, shipment, versions)


def _analysis_rows(file_no: int, doc: Document, shipment: Shipment, versions: dict[str, str]) -> Iterator[Row]:
    outputs = analyze_source(Source.of(doc), shipment.context)
    for p in PASSES:
        out = outputs[p.name]
        yield "analysis", (file_no, doc.id, p.name, versions[p.name], out.status)
        columns = [c for c, _ in TABLES[p.table][1:]]
        for row in out.rows:
            yield p.table, (file_no, *(row.get(c) for c in columns))
    if len(shipment.statements):
        for key, share in shipment.statements.containing(doc.text, min_share=shipment.candidate_share):
            yield "reprint_candidates", (file_no, doc.id, key.split("\x1f")[0], float(share))


def _located(capture: Capture, here: Any) -> Capture:
    """The capture named after where its file really is (an S3 URL, not the temporary copy)."""
    ref = capture.raw_ref
    return dataclasses.replace(capture, origin=here(capture.origin),
                               raw_ref=dataclasses.replace(ref, path=here(ref.path)) if ref else None)


def _problem(file_no: int, problem: Problem, tally: dict[str, int], here: Any) -> Row:
    count = getattr(problem, "count", 0) or 1
    tally["skipped" if problem.kind == "skipped" else "failed"] += count
    message = problem.message
    return "problems", (file_no, here(problem.origin), problem.kind, message, count)


def _capture_row(file_no: int, record: int, capture: Capture, doc: Document | None) -> tuple[Any, ...]:
    ref = capture.raw_ref
    digest = hashlib.sha256(capture.body).hexdigest()
    source_kind = "local" if doc is not None and doc.url.startswith("file:") else "web"
    columns = document_columns(doc) if doc is not None else {}
    return (file_no, record, seen_key(capture), digest, capture.media_type, len(capture.body),
            ref.path if ref else None, ref.offset if ref else None, ref.length if ref else None,
            ref.digest if ref else None, None if ref else capture.body, source_kind,
            *(columns.get(c) for c in _DOCUMENT))
