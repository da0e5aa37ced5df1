"""Plain text, Markdown and JSONL readers, with transparent and capped gzip."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from amanat.errors import InputError
from amanat.ingest.textfiles import read_bytes, read_jsonl, read_text_file
from amanat.model import Capture, Problem


def test_plain_text_and_markdown(tmp_path: Path) -> None:
    txt = tmp_path / "note.txt"
    txt.write_text("Astana, 3 May.\r\nThe ministry said.\n", encoding="utf-8")
    (capture,) = read_text_file(txt)
    assert isinstance(capture, Capture)
    assert capture.media_type == "text/plain" and capture.charset == "utf-8"
    assert capture.hints["text"] == "Astana, 3 May.\nThe ministry said.\n"
    assert capture.fetched is not None and "title" not in capture.hints

    md = tmp_path / "story.md.gz"
    md.write_bytes(gzip.compress(b"# Talks in Islamabad\n\nBody.\n"))
    (capture,) = read_text_file(md)
    assert capture.media_type == "text/markdown"
    assert capture.hints["title"] == "Talks in Islamabad"


def test_invalid_utf8_falls_back_to_detection(tmp_path: Path) -> None:
    text = "Министерство иностранных дел Республики Казахстан сообщило сегодня о визите. " * 5
    path = tmp_path / "cp1251.txt"
    path.write_bytes(text.encode("cp1251"))
    (capture,) = read_text_file(path)
    assert isinstance(capture, Capture)
    assert capture.charset and capture.charset != "utf-8"
    assert capture.hints["text"] == text


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "u16.txt"
    path.write_bytes("Ђорђе".encode("utf-16"))
    (capture,) = read_text_file(path)
    assert capture.hints["text"] == "Ђорђе"


def test_binary_file_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (problem,) = read_text_file(path)
    assert isinstance(problem, Problem) and problem.message == "binary data, not text"
    assert problem.origin == str(path)


def test_missing_and_empty(tmp_path: Path) -> None:
    (problem,) = read_text_file(tmp_path / "absent.txt")
    assert "cannot open" in problem.message
    (tmp_path / "empty.txt").write_bytes(b"  \n")
    (problem,) = read_text_file(tmp_path / "empty.txt")
    assert problem.kind == "skipped"


def test_decompressed_size_is_capped(tmp_path: Path) -> None:
    path = tmp_path / "bomb.txt.gz"
    path.write_bytes(gzip.compress(b"a" * 5_000_000))  # ~5 KB on disk
    assert path.stat().st_size < 20_000
    (problem,) = read_text_file(path, max_bytes=1_000_000)
    assert "decompressed size exceeds" in problem.message
    with pytest.raises(InputError, match="exceeds"):
        read_bytes(path, limit=1_000_000)
    assert len(read_bytes(path, limit=10_000_000)) == 5_000_000


def test_truncated_gzip_text_fails_clearly(tmp_path: Path) -> None:
    data = gzip.compress(b"Some text. " * 10_000)
    path = tmp_path / "cut.txt.gz"
    path.write_bytes(data[: len(data) // 2])
    (problem,) = read_text_file(path)
    assert isinstance(problem, Problem) and "cut short" in problem.message


def _jsonl(records: list[object]) -> bytes:
    return b"".join(
        (r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in records
    )


RECORDS = [
    {
        "url": "https://dawn.com/a",
        "title": "A",
        "published": "2023-03-01T10:00:00Z",
        "text": "First.",
        "source": "dawn.com",
        "author": "Staff",
    },
    b"{not json",
    [1, 2],
    {"url": "https://x.example/b", "title": "no text"},
    {"url": "https://x.example/c", "html": "<p>C</p>", "published": "last Tuesday"},
    b"",
    {"text": "Last line."},
]


def test_jsonl_good_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_bytes(_jsonl(RECORDS))
    items = list(read_jsonl(path))
    captures = [i for i in items if isinstance(i, Capture)]
    problems = [i for i in items if isinstance(i, Problem)]
    assert [c.url for c in captures] == ["https://dawn.com/a", "https://x.example/c", None]
    first, html, last = captures
    assert first.hints == {
        "title": "A",
        "source": "dawn.com",
        "byline": "Staff",
        "published": "2023-03-01T10:00:00+00:00",
        "text": "First.",
    }
    assert first.media_type == "text/plain" and first.body == b"First."
    assert html.media_type == "text/html" and "published" not in html.hints
    assert html.hints["published_unparsed"] == "last Tuesday"
    assert last.origin == f"{path}#line 7"
    assert [p.origin.rsplit("#", 1)[1] for p in problems] == ["line 2", "line 3", "line 4"]
    assert "invalid JSON" in problems[0].message and "JSON object" in problems[1].message


def test_jsonl_gz_truncated_keeps_lines_before_the_cut(tmp_path: Path) -> None:
    lines = [{"url": f"https://x.example/{i}", "text": f"text {i} " * 50} for i in range(400)]
    data = gzip.compress(_jsonl(lines))
    path = tmp_path / "docs.jsonl.gz"
    path.write_bytes(data[: int(len(data) * 0.6)])
    items = list(read_jsonl(path))
    captures = [i for i in items if isinstance(i, Capture)]
    assert 0 < len(captures) < 400
    assert [c.url for c in captures] == [f"https://x.example/{i}" for i in range(len(captures))]
    assert isinstance(items[-1], Problem) and "cut short" in items[-1].message
    assert f"{len(captures)} complete lines before it were read" in items[-1].message


def test_jsonl_line_and_total_caps(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_bytes(
        _jsonl([{"text": "x" * 5000}, {"text": "ok"}, {"text": "y" * 5000}, {"text": "end"}])
    )
    items = list(read_jsonl(path, max_line_bytes=1000))
    assert [i.hints["text"] for i in items if isinstance(i, Capture)] == ["ok", "end"]
    too_long = [i for i in items if isinstance(i, Problem)]
    assert [p.origin.rsplit("#", 1)[1] for p in too_long] == ["line 1", "line 3"]
    items = list(read_jsonl(path, max_bytes=100))
    assert isinstance(items[-1], Problem) and "more than 100 bytes" in items[-1].message
