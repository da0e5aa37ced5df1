"""Ingest: inputs (paths, URLs) → readers → analysis (in worker processes) → store.

The reader for each input is chosen by its name and, failing that, its first bytes. Every
capture is checked against the store's seen-list before the costly analysis, so a re-run (or
a run after a crash) only does what is left. Analysis runs in a process pool (spawned
workers that die with this process, see ``workers``), results are written in input order by
this process alone, and every problem becomes one line naming the input and record, counted
in the summary. The captures of all inputs go through one window of work, so a folder of
files is spread over the workers as a WARC file's records are. The pool starts only for a
run of more than a few pages (``POOL_AFTER``): a spawned worker costs a second or more of
CPU to start, and smaller runs are analysed here.

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
from amanat.model import Capture, Document, Problem, label
from amanat.store.db import Store
from amanat.store.writer import seen_key

if TYPE_CHECKING:  # the fetcher (and httpx) is imported only when a URL is read
    from amanat.ingest.fetch import Fetcher

Kind = Literal["warc", "feed", "jsonl", "html", "text", "url"]
MAX_HTML_BYTES = 32 * 1024 * 1024
PAUSE_AFTER = 0.5  # seconds of waiting for one analysis before committing what is pending
LARGE = 1024 * 1024  # bytes of a capture that take about a second or more to analyse
# Bytes of pages (about 40 articles, a second of one core's analysis) below which a run is
# analysed here: two spawned workers cost more CPU than that to start (issue 19)
POOL_AFTER = 4 * 1024 * 1024
POOL_AFTER_CAPTURES = 32  # … or this many captures to analyse, however small
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
        try:
            is_dir, is_file = path.is_dir(), path.is_file()
        except OSError as exc:  # a name too long for the file system, a loop of links …
            problems.append(Problem(label(loc), f"cannot read: {exc.strerror or exc}"))
            continue
        if "\x00" in loc:  # pathlib says "no such file" for a NUL byte; say what is wrong
            problems.append(Problem(label(loc), "a file name cannot contain a NUL byte"))
        elif is_dir:
            _expand(path, inputs, problems)
        elif is_file:
            kind = classify(path)
            if kind is None:
                problems.append(Problem(label(loc), "not a format Amanat reads (see docs/formats.md)"))
            else:
                inputs.append(Input(kind, str(path.resolve()), path.stat().st_size))
        else:
            problems.append(Problem(label(loc), "no such file or directory"))
    return inputs, problems


def _expand(directory: Path, inputs: list[Input], problems: list[Problem]) -> None:
    """The files under ``directory``. A symbolic link is read only if it points inside the
    directory: a folder of downloaded or unpacked files must not make ingest read (and store,
    and serve) a file elsewhere on this machine — ``secret -> /etc/shadow`` is refused."""
    root = directory.resolve()
    for child in sorted(directory.rglob("*")):
        if child.name.startswith("."):
            continue
        try:
            if child.is_symlink() and not child.resolve().is_relative_to(root):
                problems.append(Problem(label(str(child)), "a symbolic link to outside the directory: not read",
                                        "skipped"))
                continue
            if not child.is_file():
                continue
            kind = classify(child)
            size = child.stat().st_size
        except (OSError, RuntimeError) as exc:  # a loop of links, a file gone meanwhile
            problems.append(Problem(label(str(child)), f"cannot read: {getattr(exc, 'strerror', None) or exc}"))
            continue
        if kind is None:
            problems.append(Problem(label(str(child)), "not a format Amanat reads", "skipped"))
        else:
            inputs.append(Input(kind, str(child.resolve()), size))


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
    workers = _Workers(jobs, sum(i.size for i in inputs))
    try:
        with store.writer() as writer:
            captures = _captures_of(inputs, fetcher, follow, writer.pause)
            for capture, result in _analyze_all(
                store, captures, source, force, workers, summary, on_problem, writer.pause
            ):
                if isinstance(capture, _InputEnd):  # every capture of that input is kept
                    writer.flush()
                    on_progress(capture.item.size or 1)
                elif result is not None:
                    _keep(writer, summary, capture, result, kind, on_problem)
    finally:
        workers.shutdown()
    store.refresh_search_index()
    return summary


@dataclass(frozen=True)
class _InputEnd:
    """Marks, in the run's one stream of captures, that an input has given all of its own."""

    item: Input


def _captures_of(
    inputs: list[Input], fetcher: Fetcher | None, follow: bool, pause: Callable[[], None]
) -> Iterator[Capture | Problem | _InputEnd]:
    """The captures of every input in turn, each input followed by its ``_InputEnd``: one
    stream, so that the analysis window runs on across inputs (a folder of files is one input
    per file, and a window per input never held more than one capture)."""
    for item in inputs:
        captures = read_input(item, fetcher=fetcher, follow=follow)
        if item.kind == "url":  # every page is a network round: commit before each
            captures = _pausing(captures, pause)
        yield from captures
        yield _InputEnd(item)


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
            if not isinstance(done, Capture) or result is None:
                continue
            if _keep(writer, summary, done, result, "local" if source else "web", on_problem) is not None:
                kept = result if isinstance(result, Document) else None
        writer.flush()
    store.refresh_search_index()
    return summary, kept


def _analyze_all(
    store: Store,
    captures: Iterator[Capture | Problem | _InputEnd],
    source: str | None,
    force: bool,
    workers: _Workers,
    summary: Summary,
    on_problem: Callable[[Problem], None],
    pause: Callable[[], None] = lambda: None,
) -> Iterator[tuple[Capture | _InputEnd, Document | Problem | None]]:
    """Analyse captures not seen before, in a bounded window of parallel work, in order;
    ``_InputEnd`` marks pass through in their place (with None). ``pause`` is called before
    waiting long for a worker.

    With more than one job the pool is started at the run's second capture to analyse, once
    the run is known to hold ``POOL_AFTER`` bytes (its files' sizes from ``plan``, else the
    captures read so far) or ``POOL_AFTER_CAPTURES`` captures: a run of one capture, or of a
    few pages, never pays for it. Until the pool is started, this process analyses the
    captures itself, oldest first, whenever the window is full; from then on every capture
    goes to the pool and this process only reads and writes."""
    window = _Window(workers, source, pause)
    to_analyse = 0
    queued = workers.planned_bytes  # what the run will read, as far as is known up front
    for capture in captures:
        if isinstance(capture, _InputEnd):
            window.add(capture, capture)
        elif isinstance(capture, Problem):
            _count_problem(summary, capture, on_problem)
            continue
        else:
            summary.seen += 1
            if not force and store.seen(seen_key(capture), hashlib.sha256(capture.body).hexdigest()):
                summary.unchanged += 1
                continue
            if workers.jobs <= 1:
                window.add(capture, _analyze_here(capture, source, pause))
            else:
                to_analyse += 1
                queued += len(capture.body)
                if to_analyse >= 2 and (queued >= POOL_AFTER or to_analyse >= POOL_AFTER_CAPTURES):
                    workers.start()
                window.add(capture, None)
        yield from window.ready(full=window.full())
    while window:
        yield from window.ready(full=True)


_Outcome = Future["Document | Problem"] | Document | Problem | _InputEnd | None


class _Window:
    """Captures (and input ends) in run order with their analysis: not started (None), in a
    worker (a Future), or done."""

    def __init__(self, workers: _Workers, source: str | None, pause: Callable[[], None]) -> None:
        self.workers = workers
        self.source = source
        self.pause = pause
        self.limit = 4 * workers.jobs
        self.entries: deque[list[Any]] = deque()  # [capture or _InputEnd, _Outcome]

    def __bool__(self) -> bool:
        return bool(self.entries)

    def add(self, capture: Capture | _InputEnd, outcome: _Outcome) -> None:
        self.entries.append([capture, outcome])

    def full(self) -> bool:
        return len(self.entries) >= self.limit

    def ready(self, full: bool) -> Iterator[tuple[Capture | _InputEnd, Document | Problem | None]]:
        """The entries done at the head of the window; when ``full``, at least the head,
        analysed here if the pool is not started, else awaited from its worker."""
        if self.workers.ready():
            pool = self.workers.pool()
            for entry in self.entries:
                if entry[1] is None:
                    entry[1] = pool.submit(analyze_one, entry[0], self.source)
        while self.entries:
            capture, outcome = self.entries[0]
            if outcome is None:
                if not full:
                    return
                outcome = _analyze_here(capture, self.source, self.pause)
            elif isinstance(outcome, Future):
                if not (full or outcome.done()):
                    return
                outcome = _result(outcome, self.pause)
            self.entries.popleft()
            full = False  # the head is out: room for the next capture
            yield capture, None if isinstance(outcome, _InputEnd) else outcome


class _Workers:
    """The analysis pool of a run: started on demand, shut down at the run's end."""

    def __init__(self, jobs: int, planned_bytes: int = 0) -> None:
        self.jobs = jobs
        self.planned_bytes = planned_bytes
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Spawn the workers (a second or more each before they take work)."""
        if self._pool is None and self.jobs > 1:
            self._pool = analysis_pool(self.jobs)

    def ready(self) -> bool:
        """Whether captures go to the pool: once it is started. (Analysing here while the
        workers start was measured too: a worker killed with this process while still
        importing outlives it until its imports end, and that window then held commits.)"""
        return self._pool is not None

    def pool(self) -> ProcessPoolExecutor:
        self.start()
        assert self._pool is not None, "a pool of one job is never started"
        return self._pool

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


def _analyze_here(capture: Capture | _InputEnd, source: str | None, pause: Callable[[], None]) -> Document | Problem:
    """Analyse in this process, pausing first when the capture is large enough to take a while."""
    assert isinstance(capture, Capture)
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
