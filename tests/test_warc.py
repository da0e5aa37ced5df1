"""WARC/ARC reading: every file in shared/data/formats/warc with the behaviour SOURCES.md asks."""

from __future__ import annotations

import gzip
import io
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.warcwriter import WARCWriter

from amanat.errors import InputError
from amanat.ingest.warc import SkippedRecords, parse_content_type, read_record, read_warc
from amanat.model import Capture, Problem, RawRef
from conftest import shared_path


@dataclass
class Outcome:
    captures: list[Capture]
    failed: list[Problem]
    skipped: Counter[str]  # reason → count, from SkippedRecords and single skipped Problems


def run(path: Path | str, **kwargs: object) -> Outcome:
    captures, failed, skipped = [], [], Counter()
    for item in read_warc(path, **kwargs):
        if isinstance(item, Capture):
            captures.append(item)
        elif isinstance(item, SkippedRecords):
            skipped[item.reason] += item.count
        elif item.kind == "skipped":
            skipped[item.message] += 1
        else:
            failed.append(item)
    return Outcome(captures, failed, skipped)


def warc(*parts: str) -> Path:
    return shared_path("data", "formats", "warc", *parts)


# --- well-formed files ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["example.warc", "example.warc.gz"])
def test_example_response_and_resolved_revisit(name: str) -> None:
    out = run(warc("warcio", name))
    assert not out.failed
    response, revisit = out.captures
    assert response.url == "http://example.com/" and b"Example Domain" in response.body
    assert response.media_type == "text/html"
    assert response.fetched == datetime(2017, 3, 6, 4, 2, 6, tzinfo=UTC)
    # The revisit has no payload of its own: it is resolved to the earlier response.
    assert revisit.body == response.body
    assert revisit.hints["revisit_of"] == response.hints["record_id"]
    assert revisit.fetched > response.fetched
    assert out.skipped == Counter({"warcinfo record": 2, "request record": 2})


def test_raw_ref_rereads_the_same_payload() -> None:
    for name in ("example.warc", "example.warc.gz", "example.arc", "example.arc.gz"):
        for capture in run(warc("warcio", name)).captures:
            assert capture.raw_ref is not None
            assert read_record(capture.raw_ref) == capture.body


def test_read_record_detects_a_changed_file(tmp_path: Path) -> None:
    capture = run(warc("warcio", "example.warc")).captures[0]
    ref = capture.raw_ref
    assert ref is not None
    with pytest.raises(InputError, match="digest"):
        read_record(
            RawRef(ref.path, ref.offset, ref.length, "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        )
    with pytest.raises(InputError):
        read_record(RawRef(str(tmp_path / "gone.warc"), 0, 10))


def test_chunked_transfer_encoding_is_undone() -> None:
    out = run(warc("warcio", "example-iana.org-chunked.warc"))
    (page,) = out.captures
    assert page.body.startswith(b"<!doctype html>") and b"iana" in page.body.lower()
    assert page.charset == "utf-8"


def test_resource_record_without_http_headers() -> None:
    (page,) = run(warc("warcio", "example-resource.warc.gz")).captures
    assert len(page.body) == 1303 and page.body.startswith(b"<!DOCTYPE html>")
    assert page.charset == "utf-8"


def test_wget_angle_brackets_are_stripped_and_manifests_counted() -> None:
    out = run(warc("warcio", "example-wget-bad-target-uri.warc.gz"))
    (page,) = out.captures
    assert page.url == "http://example.com/"
    assert out.skipped["text/plain resource"] == 2 and out.skipped["metadata record"] == 1


def test_spaces_in_target_uri_are_percent_encoded(tmp_path: Path) -> None:
    out = run(warc("warcio", "example-space-in-target-uri.warc.gz"))
    assert out.skipped == Counter({"warcinfo record": 1, "image/png resource": 1})
    # The same quirk on an HTML resource, so the URL is visible in a Capture.
    path = tmp_path / "spaces.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        record = writer.create_warc_record(
            "http://example.com/a page.html",
            "resource",
            payload=io.BytesIO(b"<html><body>spaced</body></html>"),
            warc_content_type="text/html",
        )
        writer.write_record(record)
    (page,) = run(path).captures
    assert page.url == "http://example.com/a%20page.html"


def test_post_exchange_has_no_documents() -> None:
    out = run(warc("warcio", "post-test.warc.gz"))
    assert not out.captures and not out.failed
    assert out.skipped == Counter({"request record": 3, "application/json response": 3})


@pytest.mark.parametrize("name", ["example.arc", "example.arc.gz"])
def test_arc_files(name: str) -> None:
    out = run(warc("warcio", name))
    (page,) = out.captures
    assert page.url == "http://example.com/" and b"Example Domain" in page.body
    assert page.fetched == datetime(2014, 2, 16, 5, 2, 21, tzinfo=UTC)


def test_space_in_arc_url() -> None:
    out = run(warc("warcio", "example-space-in-url.arc"))
    (page,) = out.captures
    assert " " not in page.url and "Examples%20From%20The%20Live%20Web" in page.url
    # The ARC length field says 1591 bytes, the file holds 1579: reported, page still kept.
    assert [p.message for p in out.failed] == ["record truncated: 1579 of 1591 bytes present"]


def test_common_crawl_body_is_not_decoded_twice() -> None:
    (page,) = run(warc("jwarc", "cc.warc.gz")).captures
    assert page.url == "http://commoncrawl.org/"
    assert page.body.lstrip().startswith(b"<!DOCTYPE html>")  # X-Crawler-Content-Encoding: gzip
    assert page.charset == "utf-8"
    assert page.fetched == datetime(2019, 12, 10, 10, 0, 1, tzinfo=UTC)


def test_gzip_extra_field_is_skipped() -> None:
    out = run(warc("jwarc", "gzip_extra_sl.warc.gz"))
    assert not out.failed and out.skipped == Counter({"warcinfo record": 1})


def test_common_crawl_triplets() -> None:
    out = run(warc("resiliparse", "warcfile.warc.gz"))
    assert not out.failed
    assert len(out.captures) == 16
    assert out.skipped == Counter(
        {"request record": 17, "metadata record": 16, "warcinfo record": 1}
    )
    charsets = {c.charset for c in out.captures}
    assert {"gb2312", "windows-1251", "utf-8", None} <= charsets
    # The page that lies about GB2312 is passed on as bytes with the declared charset: the
    # decoder, not the container reader, decides.
    liar = next(c for c in out.captures if "096355.com" in (c.url or ""))
    assert liar.body and liar.charset is None


def test_whirlwind_warc_wat_wet() -> None:
    out = run(warc("commoncrawl-whirlwind", "whirlwind.warc.gz"))
    (page,) = out.captures
    assert page.url == "https://an.wikipedia.org/wiki/Escopete" and page.charset == "utf-8"
    assert out.skipped == Counter({"warcinfo record": 1, "request record": 1, "metadata record": 1})

    wat = run(warc("commoncrawl-whirlwind", "whirlwind.warc.wat.gz"))
    assert not wat.captures and wat.skipped == Counter({"warcinfo record": 1, "metadata record": 1})

    (text,) = run(warc("commoncrawl-whirlwind", "whirlwind.warc.wet.gz")).captures
    assert text.media_type == "text/plain" and text.url == page.url
    assert text.hints["text"].startswith("Escopete") and text.hints["identified_languages"] == "spa"


def test_clueweb_quirks() -> None:
    out = run(warc("resiliparse", "clueweb-quirk.warc.gz"))
    # Payload digest equal to the (verified) block digest is ClueWeb's habit, not damage.
    assert not out.failed
    assert len(out.captures) == 29
    for page in out.captures:
        assert page.body.lstrip().startswith(b"<")  # "Content-Encoding: gzip" was a lie
        assert page.charset == "euc-jp"
        # WARC-Date "2008-10-294T05:21:46-0700" is invalid; the HTTP Date stands in.
        assert page.fetched is not None and page.fetched.year == 2009


def test_unknown_record_types_are_counted() -> None:
    out = run(warc("resiliparse", "block-sized-records.warc.gz"))
    assert not out.failed and out.skipped == Counter({"unknown record": 3})


def test_multiple_headers_and_empty_reason_phrase() -> None:
    out = run(warc("webarchive-commons", "mutliple-headers.warc"))
    (page,) = out.captures
    assert page.hints["http_status"] == "200" and page.charset == "utf-8"
    assert not out.failed


def test_wget_crawl_counts_every_record() -> None:
    out = run(warc("webarchive-commons", "IAH-urls-wget.warc.gz"))
    assert not out.failed
    assert [c.url for c in out.captures] == ["https://archive.org/", "https://archive.org/"]
    assert len(out.captures) + sum(out.skipped.values()) == 36
    assert out.skipped["HTTP 302 response"] == 7 and out.skipped["image/png response"] == 1


# --- malformed files ------------------------------------------------------------------------


def test_digest_check_reports_exactly_one_failure() -> None:
    out = run(warc("warcio", "example-digest.warc"))
    assert len(out.failed) == 1 and "payload digest mismatch" in out.failed[0].message
    assert "#record 1 " in out.failed[0].origin
    assert out.skipped == Counter({"request record": 4})
    assert not run(warc("warcio", "example-digest.warc"), check_digests=False).failed


def test_truncated_record_is_reported_and_reader_resyncs() -> None:
    out = run(warc("warcio", "example-trunc.warc"))
    (page,) = out.captures
    messages = " | ".join(p.message for p in out.failed)
    assert "digest mismatch" in messages and "not followed by the blank line" in messages
    assert page.hints["defects"]
    assert out.skipped["request record"] == 1  # the record after the bad one was still read


def test_clipped_record_keeps_partial_html() -> None:
    out = run(warc("resiliparse", "clipped.warc.gz"))
    (page,) = out.captures
    (problem,) = out.failed
    assert "record truncated" in problem.message and "of 88275 bytes" in problem.message
    assert b"houstonpress" in page.body.lower() or b"<html" in page.body.lower()
    assert page.hints["defects"] == [problem.message]


def test_wrong_gzip_chunks_fail_clearly_without_looping() -> None:
    out = run(warc("warcio", "example-wrong-chunks.warc.gz"))
    assert out.failed
    assert any("gzip members do not match record boundaries" in p.message for p in out.failed)
    assert len(out.failed) <= 3


@pytest.mark.parametrize(
    ("name", "documents"), [("example-bad-non-chunked.warc.gz", 1), ("example-bad.warc.gz.bad", 1)]
)
def test_non_chunked_gzip_is_reported_then_read_whole(name: str, documents: int) -> None:
    out = run(warc("warcio", name))
    assert any("not per-record gzip" in p.message for p in out.failed)
    assert len(out.captures) == documents
    assert all(c.raw_ref is None for c in out.captures)  # not addressable by offset
    assert len(out.captures) + sum(out.skipped.values()) == 6


def test_lz4_is_an_unsupported_compression() -> None:
    out = run(warc("resiliparse", "block-sized-records.warc.lz4"))
    (problem,) = out.failed
    assert "unsupported compression" in problem.message and "LZ4" in problem.message
    assert not out.captures


def test_bad_arc_does_not_crash() -> None:
    out = run(warc("warcio", "bad.arc"))
    assert not out.captures
    assert sum(out.skipped.values()) == 4  # filedesc + the 3 responses warcio finds


def test_heritrix_arc_without_newlines_between_records() -> None:
    out = run(warc("webarchive-commons", "IAH-20080430204825-00000-blackbook-truncated.arc"))
    # All 9 records are read (warcio alone stops after the first) ...
    assert len(out.captures) + sum(out.skipped.values()) == 9
    assert [c.url for c in out.captures] == [
        "http://www.archive.org/",
        "http://www.archive.org/index.php",
    ]
    assert (
        out.skipped["text/xml response"] == 1
        and out.skipped["dns: response without HTTP headers"] == 1
    )
    # ... and the defect is reported once, not once per record.
    (problem,) = out.failed
    assert "not followed by the blank line" in problem.message


def test_hand_edited_content_lengths_resync() -> None:
    out = run(warc("webarchive-commons", "link-extraction-test.warc"))
    assert len(out.captures) == 6  # strict readers stop after 3
    assert any("lacks WARC-Record-ID, WARC-Target-URI" in p.message for p in out.failed)


@pytest.mark.parametrize("cut", [200, 1000, 5000, 70000])
def test_gzip_cut_mid_file_keeps_earlier_records(tmp_path: Path, cut: int) -> None:
    data = warc("resiliparse", "warcfile.warc.gz").read_bytes()
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(data[:cut])
    whole = run(warc("resiliparse", "warcfile.warc.gz"))
    out = run(path)
    assert out.failed, "a truncated file must be reported"
    assert any("truncated" in p.message for p in out.failed)
    kept = [c.url for c in out.captures if not c.hints.get("defects")]
    assert kept == [c.url for c in whole.captures][: len(kept)]
    if cut == 70000:
        assert len(kept) == 7


def test_oversized_record_is_skipped_with_a_problem() -> None:
    out = run(warc("resiliparse", "warcfile.warc.gz"), max_record_bytes=20_000)
    too_big = [reason for reason in out.skipped if "byte cap" in reason]
    assert too_big and all(len(c.body) <= 20_000 for c in out.captures)
    assert len(out.captures) + sum(out.skipped[r] for r in too_big) == 16


def test_missing_and_empty_files(tmp_path: Path) -> None:
    assert "cannot open" in run(tmp_path / "nope.warc").failed[0].message
    (tmp_path / "empty.warc").write_bytes(b"")
    assert "empty file" in run(tmp_path / "empty.warc").failed[0].message


def test_garbage_file_fails_once(tmp_path: Path) -> None:
    path = tmp_path / "junk.warc"
    path.write_bytes(b"this is not an archive\n" * 100)
    out = run(path)
    assert len(out.failed) == 1 and not out.captures


def _record(url: str, length: str | None = None) -> bytes:
    """One WARC response record; ``length`` replaces its true Content-Length."""
    http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
            b"<html><body><p>Page at " + url.encode() + b" with its text.</p></body></html>")
    head = ("WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:" + url[-1] + ">\r\n"
            "WARC-Date: 2022-01-07T10:00:00Z\r\nWARC-Target-URI: " + url + "\r\n"
            "Content-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http) if length is None else length}\r\n\r\n")
    return head.encode() + http + b"\r\n\r\n"


def write_records(path: Path, records: list[bytes]) -> Path:
    """Records into ``path``, one gzip member each when it ends in .gz."""
    gz = path.suffix == ".gz"
    path.write_bytes(b"".join(gzip.compress(r) if gz else r for r in records))
    return path


@pytest.mark.parametrize("suffix", [".warc", ".warc.gz"])
@pytest.mark.parametrize(
    "length", ["18446744073709551616", "9" * 30, "-5", "abc", "12 34", "", "\u0661\u0662"]
)
def test_malformed_content_length_is_one_problem_and_the_rest_is_read(
    tmp_path: Path, suffix: str, length: str
) -> None:
    good = _record("http://a.example/1")
    path = write_records(
        tmp_path / f"bad{suffix}", [good, _record("http://a.example/2", length), _record("http://a.example/3")]
    )
    out = run(path)
    assert [c.url for c in out.captures] == ["http://a.example/1", "http://a.example/3"]
    (problem,) = out.failed
    offset = len(gzip.compress(good)) if suffix.endswith(".gz") else len(good)
    assert problem.line().startswith(f"{path}: record at offset {offset}: ")
    assert "Content-Length" in problem.message and "\n" not in problem.line()


def test_truncated_last_record_is_one_problem(tmp_path: Path) -> None:
    whole = _record("http://a.example/2")
    path = write_records(tmp_path / "cut.warc", [_record("http://a.example/1"), whole[:-60]])
    out = run(path)
    assert out.captures[0].url == "http://a.example/1"
    assert any("record truncated" in p.message for p in out.failed)


def test_parse_content_type() -> None:
    assert parse_content_type('text/html; charset="UTF-8"') == ("text/html", "utf-8")
    assert parse_content_type("TEXT/HTML;foo=bar") == ("text/html", None)
    assert parse_content_type("  ") == (None, None)


def test_every_sample_file_has_a_test() -> None:
    """A new file in formats/warc must get a test here (names are checked, not contents)."""
    tested = Path(__file__).read_text(encoding="utf-8")
    for path in warc().rglob("*"):
        if path.is_file() and path.name != "SOURCES.md":
            assert f'"{path.name}"' in tested, path.name
