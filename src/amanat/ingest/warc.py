"""WARC, WARC.gz and ARC files → ``Capture`` per document record, ``Problem`` per defect.

warcio's ``ArchiveIterator`` does the parsing and streams one record at a time, so memory is
bounded by one record's payload (capped by ``max_record_bytes``), never by the file. What this
module adds on top of warcio is the *policy*: which records are documents, what counts as a
defect, and how to get past a broken record instead of abandoning the rest of the file.

Which records are documents
    ``response`` with a 2xx HTTP status and an HTML payload, ``resource`` with an HTML payload
    (both → ``text/html``, bytes as stored, charset from the HTTP ``Content-Type``), and WET
    ``conversion`` records (→ ``text/plain`` with ``hints["text"]``). A ``revisit`` is resolved
    to the earlier response in the same file (by ``WARC-Refers-To`` or payload digest) and
    re-read from disk; otherwise it is skipped with a reason.

Skip/fail design
    Records that are *not documents* (request, metadata, warcinfo, unknown types, images, JSON,
    redirects, …) are routine — a Common Crawl file is two-thirds of them — so they are not
    reported one by one: they are counted per reason, and at the end of each file the reader
    yields one ``SkippedRecords`` (a ``Problem`` with ``kind="skipped"``, plus ``reason`` and
    ``count``) per reason. Everything else is a ``Problem`` of its own naming the file and the
    record (``path#record 3 @1197``): a ``kind="failed"`` Problem for a *defect* (digest
    mismatch, truncated record, record not followed by its blank lines, an unparseable stretch
    that had to be skipped, a non-per-record gzip, unsupported compression) and a
    ``kind="skipped"`` Problem for a single document that could not be used (over the size
    cap, undecodable payload). A defective record that still holds a document is yielded too,
    after its Problem, with ``hints["defects"]`` listing what was wrong — the extractor may
    still use a truncated page, and nothing is dropped silently.

Recovery
    After a parse error the reader scans forward for the next plausible record start (a gzip
    member header in compressed files, a ``WARC/`` line or an ARC header line otherwise) and
    starts a fresh iterator there; every restart moves strictly forward, so a broken file can
    cost at most one scan, never a loop. A ``.warc.gz`` that is one gzip stream instead of one
    member per record is reported and then read by decompressing the whole stream (still
    streaming); those records get no ``raw_ref`` because they cannot be re-read by offset.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import re
import zlib
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeadersParserException

from amanat.errors import InputError
from amanat.model import Capture, Problem, RawRef

__all__ = [
    "DEFAULT_MAX_RECORD_BYTES",
    "SkippedRecords",
    "parse_content_type",
    "read_record",
    "read_warc",
]

MiB = 1 << 20
DEFAULT_MAX_RECORD_BYTES = 50 * MiB
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Past this many reported defects a file is hopeless; stop rather than flood the summary.
MAX_DEFECTS_PER_FILE = 200
_SCAN_CHUNK = 1 * MiB

_GZIP_MAGIC = b"\x1f\x8b\x08"
# What warcio and the decompressors raise for bytes that are not what they claim to be.
_READ_ERRORS = (
    ArchiveLoadFailed,
    StatusAndHeadersParserException,
    zlib.error,
    EOFError,
    OSError,
    ValueError,  # MalformedHeader too
    OverflowError,  # a length warcio's buffers cannot index
    # warcio itself trips over some malformed headers (a record without WARC-Target-URI).
    AttributeError,
    TypeError,
    IndexError,
    KeyError,
)
# Compressions warcio cannot read: name them instead of failing with "unknown format".
_OTHER_MAGIC = {
    b"\x04\x22\x4d\x18": "LZ4 frame",
    b"\x28\xb5\x2f\xfd": "Zstandard",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
}
# Record starts, for resynchronising. Not anchored to line starts: Heritrix 1.14 wrote ARC
# records with no newline between them, so a header can follow the last body byte directly.
# ARC v1 header: URL, IP address, 14-digit date, MIME type, length.
_ARC_HEADER = re.compile(
    rb"[a-z][a-z0-9+.\-]*:[^\s]* \d{1,3}(?:\.\d{1,3}){3} \d{14} [^\s]* \d+\r?\n"
)
_WARC_LINE = re.compile(rb"WARC/[01]\.\d+\r?\n[A-Za-z][A-Za-z0-9-]*:")
_BYTE_COUNT = re.compile(r"[0-9]+")  # ASCII digits only: int() would take "-5", " 7", "١٢"
# A record longer than this cannot be in any file (a file offset is a signed 64-bit number).
_MAX_RECORD_LENGTH = (1 << 63) - 1


class MalformedHeader(ValueError):
    """A record header that cannot be followed: its length is not a usable byte count."""


class _CheckedLoader(ArcWarcRecordLoader):
    """warcio's loader, refusing a WARC record whose length is not a byte count.

    warcio reads a non-numeric or negative ``Content-Length`` as 0 (and then parses the
    record's block as the next record), and one of 2**63 or more overflows deep in its
    buffered reader. Either way a WARC record cannot be delimited, so it is refused here,
    before anything past its header is read, and the reader resynchronises at the next record
    start. An ARC header is one line followed by its body, and old ARC writers put ``-1`` or
    junk in the length field, so there warcio's reading (an empty record) is kept and the
    record reported as defective (``_defects``); only an impossible length is refused.
    """

    def _detect_type_load_headers(self, stream: Any, statusline: Any = None, known_format: Any = None) -> Any:
        the_format, headers = super()._detect_type_load_headers(stream, statusline, known_format)
        value = headers.get_header("length" if the_format == "arc" else "Content-Length")
        problem = _bad_length(value)
        if problem and (the_format == "warc" or "larger than" in problem):
            raise MalformedHeader(problem)
        return the_format, headers


def _bad_length(value: str | None) -> str | None:
    """What is wrong with a record's length field, or None when it is a usable byte count."""
    if value is None:
        return None  # a missing length is named by ``_describe_header``
    value = value.strip()
    shown = value if len(value) <= 40 else value[:40] + "…"
    if not _BYTE_COUNT.fullmatch(value):
        return f"Content-Length {shown!r} is not a byte count"
    if int(value) > _MAX_RECORD_LENGTH:
        return f"Content-Length {shown} is larger than any file"
    return None


def _archive_iterator(stream: Any, check_digests: bool) -> ArchiveIterator:
    """warcio's iterator over ``stream`` with the length-checking loader."""
    it = ArchiveIterator(stream, arc2warc=True, check_digests=check_digests)
    it.loader = _CheckedLoader(verify_http=False, arc2warc=True)
    return it


@dataclass(frozen=True, slots=True)
class SkippedRecords(Problem):
    """``count`` records of one file skipped for the same ``reason`` (one Problem per reason).

    Subclasses ``Problem`` so callers that only know ``Problem`` still show a sensible line;
    callers that tally (the ingest summary) read ``reason`` and ``count``.
    """

    reason: str = ""
    count: int = 0

    @classmethod
    def of(cls, origin: str, reason: str, count: int) -> SkippedRecords:
        return cls(origin, f"{reason}: {count} skipped", "skipped", reason, count)


def parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """``"text/html; charset=UTF-8"`` → ``("text/html", "utf-8")``; tolerant of junk.

    Hand-written because ``email.message`` silently turns a malformed type into
    ``text/plain``, which would make non-HTML look like a document.
    """
    if not value:
        return None, None
    head, *params = value.split(";")
    mime = head.strip().lower() or None
    charset = None
    for param in params:
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset":
            charset = val.strip().strip("\"'").strip().lower() or None
    return mime, charset


def read_warc(
    path: Path | str,
    *,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    check_digests: bool = True,
) -> Iterator[Capture | Problem]:
    """Stream the documents of one WARC/ARC file (plain or gzip), never raising for bad input."""
    path = Path(path)
    try:
        fh = path.open("rb")
    except OSError as exc:
        yield Problem(str(path), f"cannot open: {exc.strerror or exc}")
        return
    with fh:
        head = fh.read(8)
        if not head:
            yield Problem(str(path), "empty file, no WARC records")
            return
        for magic, name in _OTHER_MAGIC.items():
            if head.startswith(magic):
                yield Problem(
                    str(path),
                    f"unsupported compression: {name} (decompress it, or recompress with gzip)",
                )
                return
        fh.seek(0)
        yield from _FileReader(path, fh, head, max_record_bytes, check_digests).run()


def read_record(ref: RawRef, *, max_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> bytes:
    """Re-read the payload of the record at ``ref`` — the same bytes ``read_warc`` gave as body.

    Raises ``InputError`` when the file is gone or changed (the digest no longer matches).
    """
    where = f"{ref.path}@{ref.offset}"
    try:
        with Path(ref.path).open("rb") as fh:
            fh.seek(ref.offset)
            it = _archive_iterator(fh, check_digests=True)
            record = _quiet(lambda: next(iter(it), None))
            if record is None:
                raise InputError("no record at this offset", where=where)
            found = _record_digest(record)
            if ref.digest and found and found != ref.digest:
                raise InputError(f"record digest is {found}, expected {ref.digest}", where=where)
            body, _ = _read_payload(record, max_bytes)
    except OSError as exc:
        raise InputError(f"cannot re-read record: {exc.strerror or exc}", where=where) from exc
    except (ArchiveLoadFailed, StatusAndHeadersParserException, zlib.error, EOFError,
            MalformedHeader) as exc:
        raise InputError(f"cannot re-read record: {_one_line(exc)}", where=where) from exc
    if body is None:
        raise InputError(f"record payload is larger than {max_bytes} bytes", where=where)
    return body


# --- implementation ---------------------------------------------------------------------------

T = TypeVar("T")


def _quiet(fn: Callable[[], T]) -> T:
    """Call a warcio function with its stderr chatter captured.

    warcio writes multi-line warnings ("Record not followed by newline") straight to
    ``sys.stderr``; we report the same facts as Problems instead. The redirect is process-wide
    for the duration of one call, which is why it wraps single calls, never a whole loop.
    """
    with contextlib.redirect_stderr(io.StringIO()):
        return fn()


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__


def _record_digest(record: ArcWarcRecord) -> str | None:
    headers = record.rec_headers
    return headers.get_header("WARC-Payload-Digest") or headers.get_header("WARC-Block-Digest")


def _read_payload(record: ArcWarcRecord, limit: int) -> tuple[bytes | None, str | None]:
    """Read the HTTP payload de-chunked and content-decoded; ``None`` when over ``limit``.

    warcio undoes ``Transfer-Encoding: chunked`` and ``Content-Encoding`` and falls back to the
    stored bytes when they do not decompress (ClueWeb09 says ``Content-Encoding: gzip`` over a
    plain body). Common Crawl renames the headers to ``X-Crawler-*`` because it stores the
    body already decoded, so warcio correctly leaves those alone. Returns a note when the
    encoding could not be undone.
    """
    try:
        body = record.content_stream().read(limit + 1)
    except (zlib.error, OSError, ValueError, EOFError) as exc:
        # A decoder gave up half-way; the rest of the raw stream is still consumed by warcio.
        return b"", f"payload cannot be decoded ({_one_line(exc)})"
    if len(body) > limit:
        return None, None
    return body, None


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _looks_like_html(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


class _EOFWatch:
    """File wrapper that remembers a truncated-gzip ``EOFError`` that warcio would swallow.

    warcio treats ``EOFError`` while reading a record as the normal end of the archive.
    ``read1`` matters: a buffered ``read(n)`` that hits the cut raises and loses the bytes it
    had already decompressed, while ``read1`` returns them first.
    """

    def __init__(self, stream: gzip.GzipFile) -> None:
        self.stream = stream
        self.cut: str | None = None

    def tell(self) -> int:
        return self.stream.tell()

    def read(self, size: int = -1) -> bytes:
        try:
            return self.stream.read1(size)
        except EOFError as exc:
            self.cut = str(exc)
            return b""

    def readline(self, size: int = -1) -> bytes:
        try:
            return self.stream.readline(size)
        except EOFError as exc:
            self.cut = str(exc)
            return b""


@dataclass(frozen=True, slots=True)
class _Original:
    """What a later revisit record needs to know about the response it repeats."""

    ref: RawRef | None
    media_type: str
    charset: str | None
    record_id: str | None


class _FileReader:
    """State of one pass over one file: skip tallies, revisit index, defect count."""

    def __init__(
        self, path: Path, fh: BinaryIO, head: bytes, max_bytes: int, check_digests: bool
    ) -> None:
        self.path = path
        self.name = str(path)
        self.fh = fh
        self.gzipped = head.startswith(_GZIP_MAGIC)
        self.max_bytes = max_bytes
        self.check_digests = check_digests
        self.skips: Counter[str] = Counter()
        self.originals: dict[str, _Original] = {}
        self.defects = 0
        self.unterminated = 0
        self.bad_lengths: list[str] = []  # ARC records whose length field is junk
        self.records = 0  # records handled so far (for the whole-stream gzip fallback)
        self.last_unterminated = False

    # -- driving ----------------------------------------------------------------------------

    def run(self) -> Iterator[Capture | Problem]:
        start: int | None = 0
        while start is not None:
            if self.defects >= MAX_DEFECTS_PER_FILE:
                yield Problem(self.name, f"gave up after {self.defects} defects")
                break
            start = yield from self._pass_from(start)
        # Length defects are reported once per file: junk read as ARC has one per line.
        tally = []
        if self.bad_lengths:
            tally.append(
                f"{len(self.bad_lengths)} ARC record(s) whose length is not a byte count, read "
                f"as empty (first at {self.bad_lengths[0]})"
            )
        if self.unterminated:
            tally.append(
                f"{self.unterminated} record(s) not followed by the blank line the format "
                "requires (wrong Content-Length or ARC length); resynchronised at the next record"
            )
        if tally:
            yield Problem(self.name, "; ".join(tally))
        for reason, count in sorted(self.skips.items()):
            yield SkippedRecords.of(self.name, reason, count)

    def _pass_from(self, start: int) -> Generator[Capture | Problem, None, int | None]:
        """Read records from byte ``start``; return where to resume after an error, or None."""
        self.fh.seek(start)
        it = _archive_iterator(self.fh, self.check_digests)
        records = iter(it)
        last_end, read_any = start, False
        while True:
            failed_at = it.offset
            try:
                record = _quiet(lambda: next(records, None))
            except _READ_ERRORS as exc:
                message = _one_line(exc)
                if "non-chunked gzip" in message:
                    yield from self._whole_stream_gzip()
                    return None
                # Uncompressed: the failing record may start right at the last record's end
                # (warcio swallowed its header line); gzip: the failing member is at last_end.
                scan_from = last_end if read_any and not self.gzipped else failed_at + 1
                quirk = read_any and self.last_unterminated
                return (yield from self._resync(exc, failed_at, scan_from, quirk))
            if record is None:
                yield from self._check_tail(it.offset)
                return None
            try:
                yield from self._handle(record, it)
            except _READ_ERRORS as exc:
                # The record's tail could not be consumed (e.g. gzip cut mid-member).
                scan_from = max(last_end, failed_at) + 1
                return (yield from self._resync(exc, failed_at, scan_from))
            read_any = True
            offset, length = it.get_record_offset(), it.get_record_length()
            last_end = it.offset if self.gzipped else offset + length

    def _resync(
        self, exc: BaseException, failed_at: int, scan_from: int, quirk: bool = False
    ) -> Generator[Problem, None, int | None]:
        """Report an unreadable stretch; return the next record start at or after ``scan_from``.

        ``scan_from`` is always past the start of the pass that failed, so restarts only move
        forward and a broken file ends after one scan at most. ``quirk``: the previous record
        ran into this one without the separating newline; when the next record starts exactly
        where the previous one ended, that is already counted and nothing was lost.
        """
        nxt = self._next_record_start(scan_from)
        if quirk and nxt == scan_from:
            return nxt
        if nxt == failed_at:  # restarting on the record that just failed would fail again
            nxt = self._next_record_start(failed_at + 1)
        self.defects += 1
        origin = f"{self.name}: record at offset {failed_at}"
        reason = _one_line(exc)
        if isinstance(exc, MalformedHeader):
            pass  # already says what is wrong with the header
        elif self.gzipped and (cut := self._cut_member(failed_at)):
            reason = cut
        elif not isinstance(exc, ArchiveLoadFailed | StatusAndHeadersParserException | OSError):
            reason = self._describe_header(failed_at) or reason
        elif self.gzipped and "Unknown archive format" in reason:
            reason += " (gzip members do not match record boundaries)"
        if nxt is None:
            yield Problem(origin, f"unreadable record, no further records found: {reason}")
            return None
        yield Problem(origin, f"unreadable record, skipped to byte {nxt}: {reason}")
        return nxt

    def _check_tail(self, end: int) -> Iterator[Problem]:
        """warcio ends quietly when the last gzip member is cut short; say so."""
        if not self.gzipped:
            return
        self.fh.seek(end)
        if not self.fh.read(1):
            return
        self.defects += 1
        message = self._cut_member(end) or "trailing bytes that are not a WARC record"
        yield Problem(f"{self.name}: record at offset {end}", message)

    def _cut_member(self, pos: int) -> str | None:
        """Describe the gzip member at ``pos`` if it is cut short (a truncated file)."""
        self.fh.seek(pos)
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        try:
            while not inflater.eof:
                chunk = self.fh.read(_SCAN_CHUNK)
                if not chunk:
                    return f"file ends inside a gzip member starting at byte {pos} (truncated file)"
                inflater.decompress(chunk, 1)  # output is discarded; bound it
                while inflater.unconsumed_tail and not inflater.eof:
                    inflater.decompress(inflater.unconsumed_tail, _SCAN_CHUNK)
        except zlib.error as exc:
            return f"corrupt gzip member at byte {pos}: {exc}"
        return None

    def _describe_header(self, pos: int) -> str | None:
        """Name what is missing when warcio crashed on a record header (it assumes fields)."""
        if self.gzipped:
            return None
        self.fh.seek(pos)
        head = self.fh.read(64 * 1024).split(b"\r\n\r\n", 1)[0].lower()
        required = ["WARC-Type", "WARC-Record-ID", "WARC-Date", "Content-Length"]
        if b"warc-type: warcinfo" not in head:
            required.append("WARC-Target-URI")
        missing = [name for name in required if f"\n{name.lower()}:".encode() not in head]
        if not missing:
            return None
        names = ", ".join(missing)
        return f"record header lacks {names}"

    def _next_record_start(self, pos: int) -> int | None:
        """Offset of the next gzip member / WARC line / ARC header at or after ``pos``."""
        overlap = 4096
        while True:
            self.fh.seek(max(pos - 1, 0))
            chunk = self.fh.read(_SCAN_CHUNK + overlap)
            base = max(pos - 1, 0)
            if len(chunk) <= (1 if pos > 0 else 0):
                return None
            found = self._find(chunk, pos - base)
            if found is not None:
                return base + found
            if len(chunk) < _SCAN_CHUNK + overlap:
                return None
            pos = base + _SCAN_CHUNK

    def _find(self, chunk: bytes, start: int) -> int | None:
        if self.gzipped:
            idx = chunk.find(_GZIP_MAGIC, start)
            return idx if idx >= 0 else None
        # ``^`` in a search from ``start`` only matches after a newline, as it should.
        hits = [m.start() for p in (_WARC_LINE, _ARC_HEADER) if (m := p.search(chunk, start))]
        return min(hits) if hits else None

    def _whole_stream_gzip(self) -> Iterator[Capture | Problem]:
        """Fallback for a .warc.gz written as one gzip stream: read it decompressed."""
        self.defects += 1
        done = self.records
        yield Problem(
            self.name,
            "not per-record gzip (the whole file is one gzip stream, so records cannot be "
            "addressed by offset); read by decompressing the whole stream",
        )
        with gzip.open(self.path, "rb") as gz:
            stream = _EOFWatch(gz)
            it = _archive_iterator(stream, self.check_digests)
            records = iter(it)
            index = 0
            while True:
                try:
                    record = _quiet(lambda: next(records, None))
                except _READ_ERRORS as exc:
                    yield Problem(self.name, f"decompressed stream unreadable: {_one_line(exc)}")
                    return
                if record is None:
                    if stream.cut:
                        yield Problem(self.name, f"gzip stream is cut short: {stream.cut}")
                    return
                index += 1
                if index <= done:
                    continue  # already handled in the per-member pass
                try:
                    yield from self._handle(record, it, addressable=False)
                except _READ_ERRORS as exc:
                    yield Problem(self.name, f"decompressed stream unreadable: {_one_line(exc)}")
                    return

    # -- one record -------------------------------------------------------------------------

    def _handle(
        self, record: ArcWarcRecord, it: ArchiveIterator, addressable: bool = True
    ) -> Iterator[Capture | Problem]:
        self.records += 1
        rec_type = (record.rec_type or "untyped").lower()
        headers = record.rec_headers
        uri = headers.get_header("WARC-Target-URI")
        kind, skip = self._classify(record, rec_type)

        body: bytes | None = None
        notes: list[str] = []
        if kind is not None:
            body, note = _read_payload(record, self.max_bytes)
            if note:
                notes.append(note)
        before = it.err_count
        offset = _quiet(it.get_record_offset)  # consumes the rest of the record
        length = it.get_record_length()
        where = f"@{offset}" if addressable else f"(at byte {offset} of the decompressed stream)"
        origin = f"{self.name}#record {self.records} {where}"
        self.last_unterminated = it.err_count > before
        self.unterminated += self.last_unterminated
        bad_length = _bad_length(headers.get_header("Content-Length"))
        if bad_length:  # an ARC record (a WARC one was refused), read as empty: tallied
            self.bad_lengths.append(f"offset {offset}: {bad_length}")

        defects = self._defects(record)
        if defects:
            self.defects += 1
            yield Problem(origin, "; ".join(defects))

        if kind is None:
            if rec_type == "revisit":
                yield from self._revisit(record, origin, uri)
            else:
                self.skips[skip or f"{rec_type} record"] += 1
            return
        if body is None:
            yield Problem(origin, f"payload larger than the {self.max_bytes} byte cap", "skipped")
            return
        if notes:
            yield Problem(origin, "; ".join(notes), "skipped")
            return
        if not body.strip():
            self.skips[f"empty {rec_type}"] += 1
            return
        if kind == "sniff" and not _looks_like_html(body):
            self.skips[f"untyped non-HTML {rec_type}"] += 1
            return

        digest = _record_digest(record)
        ref = RawRef(self.name, offset, length, digest) if addressable else None
        fetched = self._fetched(record)
        http = record.http_headers
        hints: dict[str, Any] = {}
        record_id = headers.get_header("WARC-Record-ID")
        if record_id:
            hints["record_id"] = record_id
        if defects:
            hints["defects"] = defects
        if http is not None:
            hints["http_status"] = http.get_statuscode()
            language = http.get_header("Content-Language")
            if language:
                hints["content_language"] = language

        if kind == "text":
            text = body.decode("utf-8", errors="replace")
            hints["text"] = text
            languages = headers.get_header("WARC-Identified-Content-Language")
            if languages:
                hints["identified_languages"] = languages  # ISO 639-3, comma-separated
            yield Capture(uri, body, "text/plain", origin, "utf-8", fetched, ref, hints)
            return

        _, charset = parse_content_type(
            http.get_header("Content-Type")
            if http is not None
            else headers.get_header("Content-Type")
        )
        if rec_type == "response" and record_id:
            original = _Original(ref, "text/html", charset, record_id)
            self.originals[record_id] = original
            payload_digest = headers.get_header("WARC-Payload-Digest")
            if payload_digest:
                self.originals.setdefault(payload_digest, original)
        yield Capture(uri, body, "text/html", origin, charset, fetched, ref, hints)

    def _classify(self, record: ArcWarcRecord, rec_type: str) -> tuple[str | None, str | None]:
        """``("html"|"text", None)`` for a document, ``(None, skip reason)`` otherwise."""
        if rec_type == "conversion":
            mime, _ = parse_content_type(record.rec_headers.get_header("Content-Type"))
            if mime in (None, "text/plain"):
                return "text", None
            return None, f"{mime} conversion"
        if rec_type == "resource":
            mime, _ = parse_content_type(record.rec_headers.get_header("Content-Type"))
            return ("html", None) if mime in HTML_TYPES else (None, f"{mime} resource")
        if rec_type != "response":
            return None, None
        http = record.http_headers
        if http is None:
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            scheme = uri.partition(":")[0] or "unknown"
            return None, f"{scheme}: response without HTTP headers"
        status = http.get_statuscode() or ""
        if not status.startswith("2"):
            return None, f"HTTP {status or 'unknown status'} response"
        mime, _ = parse_content_type(http.get_header("Content-Type"))
        if mime is None:
            identified = record.rec_headers.get_header("WARC-Identified-Payload-Type")
            mime, _ = parse_content_type(identified)
        if mime is None:
            return "sniff", None  # no declared type: decided from the first bytes
        return ("html", None) if mime in HTML_TYPES else (None, f"{mime} response")

    def _defects(self, record: ArcWarcRecord) -> list[str]:
        defects = []
        raw = record.raw_stream
        missing = getattr(raw, "limit", 0)
        if isinstance(missing, int) and missing > 0:
            declared = record.length or 0
            defects.append(f"record truncated: {declared - missing} of {declared} bytes present")
        checker = record.digest_checker
        if self.check_digests and checker is not None:
            for problem in checker.problems:
                if problem.startswith("payload") and self._payload_is_block_digest(record):
                    continue
                defects.append(problem.replace(" failed", " mismatch").rstrip(":"))
        return defects

    @staticmethod
    def _payload_is_block_digest(record: ArcWarcRecord) -> bool:
        """ClueWeb09 (WARC/0.18) wrote the *block* digest into WARC-Payload-Digest too.

        When the two headers are equal and the block digest verified, the record is intact.
        """
        headers = record.rec_headers
        block = headers.get_header("WARC-Block-Digest")
        checker = record.digest_checker
        return (
            block is not None
            and block == headers.get_header("WARC-Payload-Digest")
            and not any(p.startswith("block") for p in checker.problems)
        )

    def _fetched(self, record: ArcWarcRecord) -> datetime | None:
        fetched = _parse_date(record.rec_headers.get_header("WARC-Date"))
        if fetched is None and record.http_headers is not None:
            fetched = _http_date(record.http_headers.get_header("Date"))
        return fetched

    def _revisit(self, record: ArcWarcRecord, origin: str, uri: str | None) -> Iterator[Capture]:
        headers = record.rec_headers
        original = None
        for key in (
            headers.get_header("WARC-Refers-To"),
            headers.get_header("WARC-Payload-Digest"),
        ):
            if key and key in self.originals:
                original = self.originals[key]
                break
        if original is None:
            self.skips["revisit of a record not in this file (or not a document)"] += 1
            return
        if original.ref is None:
            self.skips["revisit of a record that cannot be re-read"] += 1
            return
        try:
            body = read_record(original.ref, max_bytes=self.max_bytes)
        except InputError:
            self.skips["revisit whose original cannot be re-read"] += 1
            return
        hints: dict[str, Any] = {"revisit_of": original.record_id}
        record_id = headers.get_header("WARC-Record-ID")
        if record_id:
            hints["record_id"] = record_id
        yield Capture(
            uri,
            body,
            original.media_type,
            origin,
            original.charset,
            self._fetched(record),
            original.ref,
            hints,
        )
