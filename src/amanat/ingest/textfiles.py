"""Plain text, Markdown and JSONL files (each optionally ``.gz``) → ``Capture`` / ``Problem``.

Compressed input is read transparently, with a cap on the *decompressed* size so a small
gzip bomb cannot fill memory. A gzip stream that is cut short is reported as such; for JSONL
every complete line before the cut is still read, for a single text document the file fails
(half a document would silently pass for a whole one).

JSONL: one JSON object per line with ``url``, ``title``, ``published``, ``text`` (or
``html``), ``source`` — and optionally ``byline``/``author`` and ``language``. A bad line
yields a Problem naming the line number and the rest of the file goes on.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from amanat.errors import InputError
from amanat.model import Capture, Problem

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_JSONL_BYTES",
    "MAX_LINE_BYTES",
    "read_bytes",
    "read_jsonl",
    "read_text_file",
]

MiB = 1 << 20
DEFAULT_MAX_BYTES = 64 * MiB  # one document
DEFAULT_MAX_JSONL_BYTES = 4096 * MiB  # a whole JSONL file, decompressed
MAX_LINE_BYTES = 16 * MiB  # one JSONL record
_CHUNK = 1 * MiB
_GZIP_MAGIC = b"\x1f\x8b"
_MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd"})


def read_bytes(path: Path | str, *, limit: int = DEFAULT_MAX_BYTES) -> bytes:
    """The whole (decompressed) content of a file; ``InputError`` if unreadable or over ``limit``."""
    path = Path(path)
    parts: list[bytes] = []
    size = 0
    for chunk in _chunks(path):
        size += len(chunk)
        if size > limit:
            what = "decompressed size" if _is_gzip(path) else "size"
            raise InputError(f"{what} exceeds the {limit} byte limit", where=str(path))
        parts.append(chunk)
    return b"".join(parts)


def read_text_file(
    path: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Capture | Problem]:
    """One ``.txt``/``.md`` file (or ``.gz`` of one) as one Capture, or a Problem saying why not."""
    path = Path(path)
    origin = str(path)
    try:
        data = read_bytes(path, limit=max_bytes)
    except InputError as exc:
        yield Problem(origin, exc.message)
        return
    if not data.strip():
        yield Problem(origin, "empty file", "skipped")
        return
    decoded = _decode_text(data)
    if decoded is None:
        yield Problem(origin, "binary data, not text")
        return
    text, charset = decoded
    suffix = _logical_suffix(path)
    media_type = "text/markdown" if suffix in _MARKDOWN_SUFFIXES else "text/plain"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    hints: dict[str, Any] = {"text": text}
    if media_type == "text/markdown":
        title = _markdown_title(text)
        if title:
            hints["title"] = title
    yield Capture(
        url=None,
        body=data,
        media_type=media_type,
        origin=origin,
        charset=charset,
        fetched=_mtime(path),
        hints=hints,
    )


def read_jsonl(
    path: Path | str,
    *,
    max_bytes: int = DEFAULT_MAX_JSONL_BYTES,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[Capture | Problem]:
    """One Capture per JSON line; a Problem per bad line; streams, so size is no obstacle.

    A file that is one pretty-printed JSON document rather than JSON lines (an object, or an
    array of objects) is read as such; after ``_MAX_BAD_RUN`` bad lines in a row the file is
    given up with one message rather than thousands.
    """
    path = Path(path)
    name = str(path)
    document = _whole_json_document(path)
    if document is not None:
        yield from document
        return
    bad_run = 0
    lineno = 0
    total = 0
    pending = b""
    oversized = False  # inside a line already reported as too long
    try:
        for chunk in _chunks(path):
            total += len(chunk)
            if total > max_bytes:
                yield Problem(name, f"stopped at line {lineno + 1}: more than {max_bytes} bytes")
                return
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            for line in lines:
                lineno += 1
                if oversized:  # the tail of an overlong line, already reported
                    oversized = False
                    continue
                for result in _jsonl_line(line, name, lineno, max_line_bytes):
                    bad_run = bad_run + 1 if isinstance(result, Problem) and result.kind == "failed" else 0
                    yield result
                if bad_run >= _MAX_BAD_RUN:
                    yield Problem(name, f"gave up at line {lineno}: {bad_run} bad lines in a row, not JSON lines?")
                    return
            if oversized:
                pending = b""
            elif len(pending) > max_line_bytes:
                yield Problem(
                    f"{name}#line {lineno + 1}", f"line longer than {max_line_bytes} bytes"
                )
                pending, oversized = b"", True
    except InputError as exc:
        yield Problem(name, f"{exc.message}; {lineno} complete lines before it were read")
        return
    if pending.strip() and not oversized:
        yield from _jsonl_line(pending, name, lineno + 1, max_line_bytes)


# --- helpers ----------------------------------------------------------------------------------

_MAX_BAD_RUN = 20
_MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


def _whole_json_document(path: Path) -> list[Capture | Problem] | None:
    """The records of a file holding one JSON document (object or array), or None when the
    file is JSON lines (its first line parses on its own) or too large to be one document."""
    name = str(path)
    try:
        first = b""
        for chunk in _chunks(path):
            first += chunk
            if b"\n" in first or len(first) > 1 << 16:
                break
        head = first.split(b"\n", 1)[0].strip()
        if head[:1] not in (b"{", b"["):
            return None
        try:
            json.loads(head)
            return None  # a complete value on the first line: JSON lines
        except ValueError:
            pass
        data = read_bytes(path, limit=_MAX_DOCUMENT_BYTES)
    except InputError:
        return None
    try:
        value = json.loads(data)
    except ValueError:
        return None
    items = value if isinstance(value, list) else [value]
    out: list[Capture | Problem] = []
    for i, item in enumerate(items, 1):
        out.extend(_jsonl_line(json.dumps(item).encode(), name, i, _MAX_DOCUMENT_BYTES))
    if not out:
        out.append(Problem(name, "empty JSON document"))
    return out



def _is_gzip(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(2) == _GZIP_MAGIC
    except OSError:
        return False


def _chunks(path: Path) -> Iterator[bytes]:
    """Decompressed content in chunks; ``InputError`` (after the good chunks) on damage.

    ``read1`` rather than ``read``: a buffered ``read`` that meets a cut gzip stream raises
    and discards what it had already inflated, while ``read1`` hands that over first.
    """
    where = str(path)
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror or exc}", where=where) from exc
    with fh:
        if fh.read(2) != _GZIP_MAGIC:
            fh.seek(0)
            while chunk := fh.read(_CHUNK):
                yield chunk
            return
        fh.seek(0)
        with gzip.GzipFile(fileobj=fh) as stream:
            while True:
                try:
                    chunk = stream.read1(_CHUNK)
                except EOFError as exc:
                    raise InputError(
                        "gzip stream is cut short (truncated file)", where=where
                    ) from exc
                except (gzip.BadGzipFile, zlib.error, OSError) as exc:
                    raise InputError(f"corrupt gzip data: {exc}", where=where) from exc
                if not chunk:
                    return
                yield chunk


def _logical_suffix(path: Path) -> str:
    """``notes.md.gz`` → ``.md``: the suffix of what is inside the compression."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def _decode_text(data: bytes) -> tuple[str, str] | None:
    """Text and its charset, or None for binary data.

    UTF-8 first (by far the common case, and a clean UTF-8 decode is almost never wrong);
    then UTF-16/32 by BOM; then charset-normalizer's best guess.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and not data.startswith(b"\xff\xfe\x00\x00"):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    if _looks_binary(data):
        return None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[: 4 * MiB]).best()
    if best is None:
        return None
    try:
        return data.decode(best.encoding), best.encoding
    except (UnicodeDecodeError, LookupError):
        return None


def _looks_binary(data: bytes) -> bool:
    """NUL bytes, or many control characters, in the first 8 KB: not a text file."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > len(head) // 20


def _markdown_title(text: str) -> str | None:
    for line in text.splitlines()[:50]:
        stripped = line.strip()
        if stripped.startswith("# "):
            return stripped[2:].strip().rstrip("#").strip() or None
    return None


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        return None


def _jsonl_line(line: bytes, name: str, lineno: int, limit: int) -> Iterator[Capture | Problem]:
    origin = f"{name}#line {lineno}"
    if not line.strip():
        return
    if len(line) > limit:
        yield Problem(origin, f"line longer than {limit} bytes")
        return
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        yield Problem(origin, f"invalid JSON: {exc}")
        return
    if not isinstance(record, dict):
        yield Problem(origin, f"expected a JSON object, found {type(record).__name__}")
        return
    html = _field(record, "html")
    text = _field(record, "text")
    if not (html or text):
        yield Problem(origin, "record has no text (needs a 'text' or 'html' field)")
        return
    hints: dict[str, Any] = {}
    for key in ("title", "source", "language"):
        value = _field(record, key)
        if value:
            hints[key] = value
    byline = _field(record, "byline") or _field(record, "author")
    if byline:
        hints["byline"] = byline
    published = _field(record, "published")
    if published:
        iso = _iso_date(published)
        if iso:
            hints["published"] = iso
        else:
            hints["published_unparsed"] = published
    if text:
        hints["text"] = text
    body, media_type = (html, "text/html") if html else (text, "text/plain")
    yield Capture(
        url=_field(record, "url"),
        body=(body or "").encode("utf-8"),
        media_type=media_type,
        origin=origin,
        charset="utf-8",
        hints=hints,
    )


def _field(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if isinstance(value, str):
        return value.strip() or None
    return None


def _iso_date(value: str) -> str | None:
    """An ISO 8601 date or datetime, normalised; None when it is not one (never guessed)."""
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return None
