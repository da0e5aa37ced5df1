"""Ingest: inputs (paths, URLs) → readers → analysis (in worker processes) → store.

The reader for each input is chosen by its name and, failing that, its first bytes. Every
capture is checked against the store's seen-list before the costly analysis, so a re-run (or
a run after a crash) only does what is left. Analysis runs in a process pool (spawned
workers that die with this process, see ``workers``), results are written in input order by
this process alone, and every problem becomes one line naming the input and record, counted
in the summary. The pool starts only when an input has a second capture to analyse: an
input of one capture is analysed here, since its result is awaited before the next input
is read anyway, and a spawned worker costs a second or more to start.

While this process waits — for a worker's analysis that takes more than ``PAUSE_AFTER``
seconds, for its own analysis of a capture over ``LARGE`` bytes, or for a page from the
network — it first commits what it has written: a writer transaction
holds the store's writers' lock (PostgreSQL), so sitting idle in one would make every other
writer wait, and the server ends writer sessions idle longer than the stall timeout
(``config.stall_timeout``).
"""

from __future__ import annotations

import gzip
import hashlib
import os
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from amanat.analyze.workers import analysis_pool
from amanat.errors import AmanatError, InputError
from amanat.ingest.document import analyze_capture
from amanat.model import Capture, Document, Problem
from amanat.store.db import Store
from amanat.store.writer import seen_key

if TYPE_CHECKING:  # the fetcher (and httpx) is imported only when a URL is read
    from amanat.ingest.fetch import Fetcher

Kind = Literal["warc", "feed", "jsonl", "html", "text", "url"]
MAX_HTML_BYTES = 32 * 1024 * 1024
PAUSE_AFTER = 0.5  # seconds of waiting for one analysis before committing what is pending
LARGE = 1024 * 1024  # bytes of a capture that take about a second or more to analyse
_SUFFIXES: dict[str, Kind] = {
    ".warc": "warc",
    ".arc": "warc",
    ".wet": "warc",
    ".wat": "warc",
    ".rss": "feed",
    ".atom": "feed",
    ".rdf": "feed",
    ".xml": "feed",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".markdown": "text",
}


@dataclass(frozen=True)
class Input:
    """One thing to ingest: a file of some kind, or a URL."""

    kind: Kind
    location: str
    size: int = 0


@dataclass
class Summary:
    """What a run did, for the table at its end and for ``--json``."""

    inputs: int = 0
    seen: int = 0
    new: int = 0
    versions: int = 0
    copies: int = 0
    same: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "inputs": self.inputs,
            "seen": self.seen,
            "new": self.new,
            "new_versions": self.versions,
            "copies": self.copies,
            "same": self.same,
            "unchanged": self.unchanged,
            "skipped": sum(self.skipped.values()),
            "skipped_reasons": dict(self.skipped.most_common()),
            "failed": len(self.failed),
            "failures": self.failed,
        }


def plan(locations: Iterable[str]) -> tuple[list[Input], list[Problem]]:
    """Expand directories and classify every input; unreadable paths become problems."""
    inputs: list[Input] = []
    problems: list[Problem] = []
    for loc in locations:
        if loc.startswith(("http://", "https://")):
            inputs.append(Input("url", loc))
            continue
        path = Path(loc)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if child.name.startswith("."):
                    continue
                kind = classify(child)
                if kind is None:
                    problems.append(Problem(str(child), "not a format Amanat reads", "skipped"))
                else:
                    inputs.append(Input(kind, str(child.resolve()), child.stat().st_size))
        elif path.is_file():
            kind = classify(path)
            if kind is None:
                problems.append(Problem(loc, "not a format Amanat reads (see docs/formats.md)"))
            else:
                inputs.append(Input(kind, str(path.resolve()), path.stat().st_size))
        else:
            problems.append(Problem(loc, "no such file or directory"))
    return inputs, problems


def classify(path: Path) -> Kind | None:
    """The kind of a file, from its name, else from its first bytes."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".lz4", ".zst", ".bad"):
        suffixes = suffixes[:-1]
    for suffix in reversed(suffixes):
        if suffix in _SUFFIXES:
            return _SUFFIXES[suffix]
        if suffix == ".json":
            return "feed" if _looks_like_json_feed(path) else "jsonl"
    return _sniff(path)


def _head(path: Path, n: int = 2048) -> bytes:
    try:
        with path.open("rb") as fh:
            head = fh.read(n)
        if head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as gz:
                return gz.read(n)
        return head
    except (OSError, EOFError):
        return b""


def _looks_like_json_feed(path: Path) -> bool:
    return b"jsonfeed.org/version" in _head(path, 4096)


def _sniff(path: Path) -> Kind | None:
    head = _head(path).lstrip(b"\xef\xbb\xbf \t\r\n")
    lower = head[:512].lower()
    if head.startswith((b"WARC/", b"filedesc://")):
        return "warc"
    if lower.startswith((b"<!doctype html", b"<html")) or b"<body" in lower:
        return "html"
    if lower.startswith(b"<?xml") or lower.startswith((b"<rss", b"<feed", b"<rdf")):
        return "feed" if any(t in lower for t in (b"<rss", b"<feed", b"<rdf", b"<channel")) else None
    if head.startswith(b"{"):
        return "jsonl"
    if head and b"\x00" not in head:
        return "text"
    return None


def read_input(item: Input, fetcher: Fetcher | None = None, follow: bool = False) -> Iterator[Capture | Problem]:
    """The captures of one input, from the reader that fits its kind (imported on first use:
    feedparser alone takes most of a second to import)."""
    path = Path(item.location)
    if item.kind == "warc":
        from amanat.ingest.warc import read_warc

        yield from read_warc(path)
    elif item.kind == "jsonl":
        from amanat.ingest.textfiles import read_jsonl

        yield from read_jsonl(path)
    elif item.kind == "text":
        from amanat.ingest.textfiles import read_text_file

        yield from read_text_file(path)
    elif item.kind == "html":
        yield from _read_html_file(path)
    elif item.kind == "feed":
        from amanat.ingest.feeds import read_feed
        from amanat.ingest.textfiles import read_bytes

        try:
            data = read_bytes(path)
        except InputError as exc:
            yield Problem(item.location, exc.message)
            return
        yield from read_feed(data, origin=item.location, base_url=None)
    elif item.kind == "url":
        from amanat.ingest.remote import read_url

        yield from read_url(item.location, fetcher=fetcher, follow=follow)


def _read_html_file(path: Path) -> Iterator[Capture | Problem]:
    from amanat.ingest import textfiles

    try:
        body = textfiles.read_bytes(path, limit=MAX_HTML_BYTES)
    except InputError as exc:
        yield Problem(str(path), exc.message)
        return
    if b"\x00" in body[:4096] and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        yield Problem(str(path), "binary data, not HTML")
        return
    yield Capture(url=None, body=body, media_type="text/html", origin=str(path.resolve()))


# --- the run --------------------------------------------------------------------------------

Analyzed = tuple[Capture, "Document | Problem"]


def analyze_one(capture: Capture, source: str | None) -> Document | Problem:
    """One capture to a document or a problem, never raising for bad input: what ingest
    runs per capture, here, in its workers and (``amanat.scale``) on Spark executors."""
    try:
        return analyze_capture(capture, source=source)
    except AmanatError as exc:
        return Problem(capture.origin, exc.message)
    except RecursionError:
        return Problem(capture.origin, "document nested too deeply to parse")


def ingest(
    store: Store,
    locations: Iterable[str],
    *,
    source: str | None = None,
    jobs: int | None = None,
    follow: bool = False,
    force: bool = False,
    fetcher: Fetcher | None = None,
    on_problem: Callable[[Problem], None] = lambda p: None,
    on_progress: Callable[[int], None] = lambda n: None,
    on_total: Callable[[int], None] = lambda n: None,
) -> Summary:
    """Ingest every input into the store and say what happened."""
    summary = Summary()
    inputs, problems = plan(locations)
    summary.inputs = len(inputs)
    on_total(sum(i.size for i in inputs) or len(inputs))
    for p in problems:
        _count_problem(summary, p, on_problem)
    jobs = jobs or min(4, os.cpu_count() or 1)
    kind = "local" if source else "web"
    workers = _Workers(jobs)
    try:
        with store.writer() as writer:
            for item in inputs:
                captures = read_input(item, fetcher=fetcher, follow=follow)
                if item.kind == "url":  # every page is a network round: commit before each
                    captures = _pausing(captures, writer.pause)
                for capture, result in _analyze_all(
                    store, captures, source, force, workers, summary, on_problem, writer.pause
                ):
                    _keep(writer, summary, capture, result, kind, on_problem)
                writer.flush()
                on_progress(item.size or 1)
    finally:
        workers.shutdown()
    store.refresh_search_index()
    return summary


def _keep(writer: Any, summary: Summary, capture: Capture, result: Document | Problem, kind: str,
          on_problem: Callable[[Problem], None]) -> str | None:
    """Store one analysed capture and count what happened; the outcome (new, version, copy,
    same), or None for a problem."""
    if isinstance(result, Problem):
        _count_problem(summary, result, on_problem, counted=True)
        if result.kind == "skipped":
            writer.add_nothing(capture, "skipped")
        return None
    outcome: str = writer.add(result, capture, "local" if kind == "local" or result.url.startswith("file:") else "web")
    if outcome == "new":
        summary.new += 1
    elif outcome == "version":
        summary.versions += 1
    elif outcome == "copy":
        summary.copies += 1
    else:
        summary.same += 1
    return outcome


def ingest_capture(store: Store, capture: Capture, *, source: str | None = None, force: bool = False,
                   on_problem: Callable[[Problem], None] = lambda p: None) -> tuple[Summary, Document | None]:
    """One document handed over whole (``POST /api/v1/documents``): the same steps, checks
    and counts as ``ingest`` gives each capture of a file or feed — seen before, analysed,
    skipped or failed with a reason, stored as new, a version, a copy or the same."""
    summary = Summary(inputs=1)
    kept: Document | None = None
    with store.writer() as writer:
        for done, result in _analyze_all(store, iter([capture]), source, force, _Workers(1), summary, on_problem):
            if _keep(writer, summary, done, result, "local" if source else "web", on_problem) is not None:
                kept = result if isinstance(result, Document) else None
        writer.flush()
    store.refresh_search_index()
    return summary, kept


def _analyze_all(
    store: Store,
    captures: Iterator[Capture | Problem],
    source: str | None,
    force: bool,
    workers: _Workers,
    summary: Summary,
    on_problem: Callable[[Problem], None],
    pause: Callable[[], None] = lambda: None,
) -> Iterator[Analyzed]:
    """Analyse captures not seen before, in a bounded window of parallel work, in order;
    ``pause`` is called before waiting long for a worker."""
    window: deque[tuple[Capture, Future[Document | Problem]]] = deque()
    limit = 4 * workers.jobs
    first: Capture | None = None  # analysed here if it stays the input's only capture
    for capture in captures:
        if isinstance(capture, Problem):
            _count_problem(summary, capture, on_problem)
            continue
        summary.seen += 1
        if not force and store.seen(seen_key(capture), hashlib.sha256(capture.body).hexdigest()):
            summary.unchanged += 1
            continue
        if workers.jobs <= 1:
            yield capture, _analyze_here(capture, source, pause)
            continue
        if first is None and not window:
            first = capture
            continue
        pool = workers.pool()
        if first is not None:
            window.append((first, pool.submit(analyze_one, first, source)))
            first = None
        window.append((capture, pool.submit(analyze_one, capture, source)))
        while len(window) >= limit:
            done, future = window.popleft()
            yield done, _result(future, pause)
    if first is not None:
        yield first, _analyze_here(first, source, pause)
    while window:
        done, future = window.popleft()
        yield done, _result(future, pause)


class _Workers:
    """The analysis pool of a run, started on first use and shut down at the run's end."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = analysis_pool(self.jobs)
        return self._pool

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


def _analyze_here(capture: Capture, source: str | None, pause: Callable[[], None]) -> Document | Problem:
    """Analyse in this process, pausing first when the capture is large enough to take a while."""
    if len(capture.body) > LARGE:
        pause()
    return analyze_one(capture, source)


def _result(future: Future[Document | Problem], pause: Callable[[], None]) -> Document | Problem:
    """The analysis's result; if it is not ready within ``PAUSE_AFTER`` seconds, ``pause``
    first (commit), then wait as long as it takes."""
    try:
        return future.result(timeout=PAUSE_AFTER)
    except TimeoutError:
        pause()
        return future.result()


def _pausing(captures: Iterator[Capture | Problem], pause: Callable[[], None]) -> Iterator[Capture | Problem]:
    """``captures``, with ``pause`` called before each is read."""
    while True:
        pause()
        try:
            item = next(captures)
        except StopIteration:
            return
        yield item


def _count_problem(summary: Summary, problem: Problem, on_problem: Callable[[Problem], None], *,
                   counted: bool = False) -> None:
    """Count a problem as skipped or failed, and as seen unless its capture was (``counted``):
    so that seen = new + versions + copies + same + unchanged + skipped + failed."""
    n = 1
    if problem.kind == "skipped":
        # a reader may tally many records under one reason (WARC request records, say)
        n = getattr(problem, "count", 1) or 1
        summary.skipped[getattr(problem, "reason", "") or problem.message] += n
    else:
        summary.failed.append(problem.line())
    if not counted:
        summary.seen += n
    on_problem(problem)
