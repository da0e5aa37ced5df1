"""Ingest end to end through the CLI: formats, idempotence, versions, copies, bad input, kills."""

from __future__ import annotations

import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from tests.conftest import shared_path
from typer.testing import CliRunner

from amanat.cli import app

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "amanat" / "sample"
runner = CliRunner()

ARTICLE = """<html><head><title>{title}</title>
<meta property="article:published_time" content="2022-01-07T10:00:00Z">
<link rel="canonical" href="{url}"></head>
<body><nav>Home | World | Sport</nav><article><h1>{title}</h1>
{paras}</article><footer>Copyright the outlet</footer></body></html>"""


def article(url: str, title: str, body: str) -> str:
    paras = "\n".join(f"<p>{body} Paragraph {i} adds more reporting on the events.</p>" for i in range(6))
    return ARTICLE.format(url=url, title=title, paras=paras)


def amanat(db: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def cli_json(db: str, *args: str):
    code, out, err = amanat(db, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_sample_corpus_ingests_once(store_url):
    summary = cli_json(store_url, "ingest", str(SAMPLE), "--source", "sample", "--jobs", "1")
    assert summary["new"] == 5 and summary["failed"] == 0
    again = cli_json(store_url, "ingest", str(SAMPLE), "--source", "sample", "--jobs", "1")
    assert again["new"] == 0 and again["unchanged"] == 5
    stats = cli_json(store_url, "stats")
    assert stats["documents"] == 5
    assert stats["languages"] == {"en": 5}
    hits = cli_json(store_url, "search", "Ban Ki-moon")
    assert hits and "Ban" in hits[0]["snippet_marked"]


def test_versions_copies_and_show(tmp_path, sqlite_url):
    url = "https://news.example.com/2022/01/kazakhstan-unrest"
    first = tmp_path / "v1.jsonl"
    first.write_text(json.dumps({"url": url, "title": "Unrest", "published": "2022-01-06",
                                 "text": "Police detained 200 people in Almaty on Wednesday."}) + "\n")
    second = tmp_path / "v2.jsonl"
    second.write_text(json.dumps({"url": url + "?utm_source=feed", "title": "Unrest",
                                  "text": "Police detained 3,000 people in Almaty on Wednesday."}) + "\n"
                      + json.dumps({"url": "https://www.reprint.com.pk/a", "title": "Unrest",
                                    "text": "Police detained 200 people in Almaty on Wednesday."}) + "\n")
    assert cli_json(sqlite_url, "ingest", str(first))["new"] == 1
    summary = cli_json(sqlite_url, "ingest", str(second))
    assert summary["new_versions"] == 1 and summary["copies"] == 1
    rows = [json.loads(line) for line in amanat(sqlite_url, "export", "--format", "jsonl")[1].splitlines()]
    assert len(rows) == 3
    newest = next(r for r in rows if r["version"] == 2)
    assert newest["canonical_url"] == url  # tracking parameter dropped
    shown = cli_json(sqlite_url, "show", newest["id"])
    assert [v["version"] for v in shown["versions"]] == [1, 2]
    original = next(r for r in rows if r["version"] == 1 and r["url"] == url)
    assert [c["source"] for c in cli_json(sqlite_url, "show", original["id"])["copies"]] == ["reprint.com.pk"]
    code, out, _ = amanat(sqlite_url, "show", newest["id"], "--versions")
    assert code == 0
    assert "-Police detained 200" in out and "+Police detained 3,000" in out


def test_html_files_take_their_canonical_url_and_date(tmp_path, sqlite_url):
    page = tmp_path / "page.html"
    page.write_text(article("https://www.dawn.com/news/1668000", "Envoy stresses authentic news",
                            "The ambassador spoke about cooperation between the two countries."))
    assert cli_json(sqlite_url, "ingest", str(page))["new"] == 1
    (row,) = [json.loads(x) for x in amanat(sqlite_url, "export")[1].splitlines()]
    assert row["url"] == "https://www.dawn.com/news/1668000"
    assert row["source"] == "dawn.com"
    assert row["published"].startswith("2022-01-07")
    assert "Home | World" not in row["text"] and "ambassador" in row["text"]


def test_export_csv_and_sources(tmp_path, sqlite_url):
    cli_json(sqlite_url, "ingest", str(SAMPLE), "--source", "sample", "--jobs", "1")
    code, out, _ = amanat(sqlite_url, "export", "--format", "csv")
    assert code == 0
    header = out.splitlines()[0].split(",")
    assert {"id", "url", "text", "title", "published", "language"} <= set(header)
    code, _, _ = amanat(sqlite_url, "sources", "set", "sample", "--name", "Sample corpus", "--country", "kz")
    assert code == 0
    (source,) = cli_json(sqlite_url, "sources")
    assert source["name"] == "Sample corpus" and source["country"] == "KZ" and source["documents"] == 5
    code, _, err = amanat(sqlite_url, "sources", "set", "nowhere.example", "--name", "x")
    assert code == 2 and "no source" in err


def test_backup_restore_cli(tmp_path, sqlite_url):
    cli_json(sqlite_url, "ingest", str(SAMPLE), "--source", "sample", "--jobs", "1")
    backup = tmp_path / "b.amanat.gz"
    assert amanat(sqlite_url, "backup", str(backup))[0] == 0
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    assert amanat(target, "restore", str(backup))[0] == 0
    assert cli_json(target, "stats")["documents"] == 5
    code, _, err = amanat(target, "restore", str(tmp_path / "missing.gz"))
    assert code == 2 and "cannot read backup" in err


# --- bad input ------------------------------------------------------------------------------


def _bad_inputs(tmp: Path) -> dict[str, Path]:
    files = {}
    (tmp / "bad").mkdir()
    good = tmp / "bad" / "good.html"
    good.write_text(article("https://good.example/a", "A good article", "Reporting that survives the bad neighbours."))
    files["good"] = good
    p = tmp / "bad" / "invalid-utf8.txt"
    p.write_bytes("Заголовок новости\n\nТекст статьи о событиях в Алматы.".encode("cp1251"))
    files["cp1251 text"] = p
    p = tmp / "bad" / "truncated.jsonl.gz"
    data = gzip.compress(b"".join(json.dumps({"url": f"https://t.example/{i}", "text": f"Line {i} text " * 20}).encode() + b"\n" for i in range(50)))
    p.write_bytes(data[: len(data) // 2])
    files["truncated gzip"] = p
    p = tmp / "bad" / "binary.html"
    p.write_bytes(bytes(range(256)) * 64)
    files["binary html"] = p
    p = tmp / "bad" / "empty-article.html"
    p.write_text("<html><body><nav>Home</nav></body></html>")
    files["no text"] = p
    p = tmp / "bad" / "empty.rss"
    p.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>')
    files["empty feed"] = p
    p = tmp / "bad" / "bomb.rss"
    p.write_text('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                 '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
                 '<rss version="2.0"><channel><title>&d;</title><item><title>&d;</title><description>&d;</description></item></channel></rss>')
    files["entity bomb"] = p
    p = tmp / "bad" / "xxe.rss"
    p.write_text('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                 '<rss version="2.0"><channel><title>t</title><item><title>&x;</title><description>&x;</description></item></channel></rss>')
    files["xxe"] = p
    p = tmp / "bad" / "huge.html"
    with p.open("wb") as fh:
        fh.write(b"<html><body><p>")
        fh.truncate(100 * 1024 * 1024)
    files["100 MB html"] = p
    return files


def test_bad_inputs_are_reported_and_the_rest_goes_on(tmp_path, sqlite_url):
    _bad_inputs(tmp_path)
    code, out, err = amanat(sqlite_url, "ingest", str(tmp_path / "bad"), "--jobs", "1")
    assert code == 1  # some inputs failed
    assert "Traceback" not in out + err
    for name in ("truncated.jsonl.gz", "binary.html", "empty.rss", "bomb.rss", "xxe.rss", "huge.html", "empty-article.html"):
        lines = [line for line in err.splitlines() if name in line]
        assert lines, f"no message naming {name}:\n{err}"
    assert "root:" not in out + err  # the external entity was never read
    rows = [json.loads(x) for x in amanat(sqlite_url, "export")[1].splitlines()]
    urls = {r["url"] for r in rows}
    assert "https://good.example/a" in urls
    assert any("Алматы" in r["text"] for r in rows)  # cp1251 text decoded, not rejected
    assert 0 < sum(u.startswith("https://t.example/") for u in urls) < 50  # lines before the cut kept
    db = sqlite_url.removeprefix("sqlite:///")
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_malformed_warc_header_does_not_stop_the_run(tmp_path, sqlite_url):
    """A record whose Content-Length overflows every integer type is one line; the inputs
    after it are still read."""
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>x</p></body></html>"
    bad = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:1>\r\n"
           b"WARC-Date: 2022-01-07T10:00:00Z\r\nWARC-Target-URI: http://a.example/\r\n"
           b"Content-Length: 18446744073709551616\r\n\r\n" + http + b"\r\n\r\n")
    (tmp_path / "a-bad.warc.gz").write_bytes(gzip.compress(bad))
    (tmp_path / "b-good.html").write_text(article("https://good.example/b", "After the bad WARC", "Reported text."))
    code, out, err = amanat(sqlite_url, "ingest", str(tmp_path / "a-bad.warc.gz"), str(tmp_path / "b-good.html"),
                            "--jobs", "1")
    assert code == 1 and "Traceback" not in out + err
    (line,) = [x for x in err.splitlines() if "a-bad.warc.gz" in x]
    assert "record at offset 0" in line and "Content-Length" in line
    assert [json.loads(x)["url"] for x in amanat(sqlite_url, "export")[1].splitlines()] == ["https://good.example/b"]


def test_bad_command_lines_give_one_line_errors(sqlite_url, tmp_path):
    code, _, err = amanat(sqlite_url, "search", "x", "--since", "yesterday")
    assert code == 2 and "YYYY-MM-DD" in err
    code, _, err = amanat(sqlite_url, "show", "0000000000000000")
    assert code == 2 and "no document" in err
    code, _, err = amanat(sqlite_url, "export", "--format", "xml")
    assert code == 2 and "jsonl or csv" in err
    code, _, err = amanat(f"sqlite:///{tmp_path}/nodir/x.db", "stats")
    assert code == 2 and "does not exist" in err
    code, _, err = amanat(sqlite_url, "ingest", str(tmp_path / "nothing-here"))
    assert code == 1 and "no such file" in err


def test_shared_format_files_ingest_without_crashing(tmp_path, sqlite_url):
    formats = shared_path("data", "formats")
    code, out, err = amanat(sqlite_url, "ingest", str(formats / "warc"), str(formats / "feeds"), "--jobs", "2", "--json")
    assert "Traceback" not in err
    summary = json.loads(out)
    assert code == 1 and summary["failed"] > 0  # the malformed files are reported …
    assert summary["new"] > 100  # … and everything readable came in
    assert summary["skipped_reasons"]


# --- feeds over HTTP --------------------------------------------------------------------------


class _Site(BaseHTTPRequestHandler):
    pages: ClassVar[dict[str, tuple[str, bytes]]] = {}

    def do_GET(self):
        if self.path not in self.pages:
            self.send_error(404)
            return
        ctype, body = self.pages[self.path]
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_feed_url_followed_to_pages(sqlite_url, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    base = f"http://127.0.0.1:{server.server_port}"
    items = "".join(
        f"<item><title>Story {i}</title><link>{base}/story/{i}</link>"
        f"<pubDate>Fri, 07 Jan 2022 1{i}:00:00 GMT</pubDate><description>Short {i}</description></item>"
        for i in range(3)
    )
    _Site.pages = {
        "/robots.txt": ("text/plain", b"User-agent: *\nAllow: /\n"),
        "/rss.xml": ("application/rss+xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()),
        **{f"/story/{i}": ("text/html; charset=utf-8", article(f"{base}/story/{i}", f"Story {i}", f"Full page text of story number {i}.").encode()) for i in range(3)},
    }
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AMANAT_FETCH_ALLOW", "127.0.0.1")
    try:
        summary = cli_json(sqlite_url, "ingest", f"{base}/rss.xml", "--follow", "--jobs", "1")
    finally:
        server.shutdown()
    assert summary["new"] == 3 and summary["failed"] == 0
    rows = [json.loads(x) for x in amanat(sqlite_url, "export")[1].splitlines()]
    assert {r["title"] for r in rows} == {"Story 0", "Story 1", "Story 2"}
    assert all("Full page text" in r["text"] for r in rows)
    assert all(r["published_source"] == "feed" for r in rows)


def test_private_addresses_refused_without_allow_list(sqlite_url, monkeypatch):
    monkeypatch.delenv("AMANAT_FETCH_ALLOW", raising=False)
    code, _, err = amanat(sqlite_url, "ingest", "http://127.0.0.1:9/feed.xml")
    assert code == 1 and "loopback" in err


# --- crash safety -----------------------------------------------------------------------------


def test_killed_run_resumes_to_a_complete_store(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    n = 120
    for i in range(n):
        (pages / f"p{i:03}.html").write_text(article(f"https://kill.example/{i}", f"Story {i}", f"Unique story {i} text."))
    db = tmp_path / "kill.db"
    env = {**os.environ, "AMANAT_DB": f"sqlite:///{db}"}
    cmd = [sys.executable, "-m", "amanat.cli", "ingest", str(pages), "--jobs", "1", "--quiet"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until some, not all, documents are committed
        time.sleep(0.2)
        try:
            done = sqlite3.connect(db).execute("SELECT count(*) FROM documents").fetchone()[0]
        except sqlite3.Error:
            continue
        if done >= 5:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert done < n, "the run finished before it could be killed"
    assert subprocess.run(cmd, env=env, capture_output=True).returncode == 0
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("SELECT count(*), count(DISTINCT canonical_url) FROM documents").fetchone() == (n, n)
    assert con.execute("SELECT count(*) FROM documents_fts WHERE documents_fts MATCH 'unique'").fetchone() == (n,)
    assert con.execute("SELECT count(*) FROM documents d LEFT JOIN raw r ON r.digest = d.raw_digest WHERE r.digest IS NULL").fetchone() == (0,)


@pytest.mark.parametrize("name", ["example.warc.gz", "example.arc"])
def test_warc_documents_are_kept_by_reference(sqlite_url, name):
    path = shared_path("data", "formats", "warc", "warcio", name)
    summary = cli_json(sqlite_url, "ingest", str(path))
    assert summary["new"] == 1
    (row,) = [json.loads(x) for x in amanat(sqlite_url, "export")[1].splitlines()]
    assert "Example Domain" in (row["title"] or "") + row["text"]
    from amanat.store.db import Store

    with Store.open(sqlite_url) as store:
        digest = next(store.iter_documents()).document
        stored = store.get(digest.id)
        import sqlalchemy as sa

        with store.engine.connect() as conn:
            codec, raw_digest = conn.execute(sa.text("SELECT r.codec, r.digest FROM raw r JOIN documents d ON d.raw_digest = r.digest")).one()
        assert codec == "ref"
        from amanat.ingest.warc import read_record

        assert b"Example Domain" in store.raw_payload(raw_digest, read_record)
        assert stored.document.url.startswith("http://")


def test_pretty_printed_json_is_one_document_not_thousands_of_bad_lines(tmp_path, sqlite_url):
    records = [{"url": f"https://pretty.example/{i}", "title": f"T{i}", "text": f"Body {i} of a pretty-printed export."} for i in range(3)]
    (tmp_path / "export.json").write_text(json.dumps(records, indent=2))
    (tmp_path / "claim.jsonld").write_text(json.dumps({"@type": "ClaimReview", "claimReviewed": "x"}, indent=2))
    (tmp_path / "garbage.jsonl").write_text("{not json\n" * 500)
    _, out, _ = amanat(sqlite_url, "ingest", str(tmp_path), "--json", "--jobs", "1")
    summary = json.loads(out)
    assert summary["new"] == 3
    assert summary["failed"] <= 25  # one for the ClaimReview, a bounded run for the garbage
    assert any("claim.jsonld" in f and "no text" in f for f in summary["failures"])
    assert any("garbage.jsonl" in f and "gave up" in f for f in summary["failures"])


def test_db_reindex_rebuilds_the_search_index(sqlite_url, tmp_path):
    cli_json(sqlite_url, "ingest", str(SAMPLE), "--source", "sample", "--jobs", "1")
    code, _, err = amanat(sqlite_url, "db", "reindex")
    assert code == 0, err
    assert "search index rebuilt" in err
    from amanat.store.fulltext import index_dir

    assert index_dir(Path(sqlite_url.removeprefix("sqlite:///")).resolve()).is_dir()
    assert len(cli_json(sqlite_url, "search", "Vassilenko")) == 1


def test_the_counts_of_a_run_add_up_on_real_files_first_and_again(store, tmp_path):
    """Every document seen is counted exactly once: new, a new version, the same text at another
    URL, already stored, unchanged since the last run, skipped or failed — on the real WARC,
    feed and HTML files of ../shared (good and broken ones), a second run of the same inputs,
    and a forced run."""
    from amanat.ingest.pipeline import ingest
    from conftest import shared_path

    formats = shared_path("data", "formats")
    inputs = [str(formats / "warc"), str(formats / "feeds"), str(formats / "html-charset")]
    parts = ("new", "new_versions", "copies", "same", "unchanged", "skipped", "failed")
    for run in ({}, {}, {"force": True}):
        summary = ingest(store, inputs, jobs=1, **run).as_dict()
        assert summary["seen"] == sum(summary[k] for k in parts), summary
        assert summary["seen"] > 50
    assert summary["new"] == 0  # nothing new the third time, whatever it was counted as
