"""Names from input that could become paths (issue 17, "path traversal in archive or file
names"): file names in an input directory and symbolic links in it, names on the command
line, WARC record names, feed item links, publisher origins (the keys folder), partner
origins (the sync lock file), S3 object keys (the temporary copy) and the web server's static
files. Each hostile name ("../../x", an absolute path, a NUL byte, a newline, thousands of
characters, a link pointing outside) is either a harmless label or refused with a one-line
error, and nothing is written outside the folder meant for it.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from warcio.warcwriter import WARCWriter

from amanat.ingest.pipeline import ingest, plan
from amanat.model import Problem
from amanat.provenance.keystore import publisher_keys
from amanat.provenance.publishing import create_publisher
from amanat.store.db import Store

ROOT = Path(__file__).resolve().parents[1]
SECRET = "The launch codes are kept in the third drawer of the minister's desk. " * 20
ARTICLE = ("<html><head><title>Floods in the north</title></head><body><article><h1>Floods in the north</h1>"
           + "<p>Rescuers reached the flooded villages on Tuesday morning after the river rose overnight.</p>" * 8
           + "</article></body></html>")
HOSTILE_ORIGINS = ["..", ".", "../../x", "/etc/amanat", "a\x00b", "x" * 5000, "...", "ok/../../../../tmp/evil"]


def _tree(root: Path) -> set[str]:
    """Every path under ``root`` (links not followed): what a run may not add to outside."""
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def _documents(url: str) -> list[tuple[str, str]]:
    with Store.open(url) as store, store.engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.exec_driver_sql("SELECT url, text FROM documents").fetchall()]


def test_a_symlink_in_an_input_directory_pointing_outside_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.html").write_text(f"<html><body><article><p>{SECRET}</p></article></body></html>")
    (outside / "folder").mkdir()
    (outside / "folder" / "also-secret.txt").write_text(SECRET)
    inputs = tmp_path / "inputs"
    (inputs / "sub").mkdir(parents=True)
    (inputs / "sub" / "floods.html").write_text(ARTICLE)
    (inputs / "secret.html").symlink_to(outside / "secret.html")  # absolute target
    (inputs / "relative.html").symlink_to(Path("..") / "outside" / "secret.html")  # relative target
    (inputs / "folder").symlink_to(outside / "folder", target_is_directory=True)
    (inputs / "same-article.html").symlink_to(inputs / "sub" / "floods.html")  # inside: read
    (inputs / "loop.html").symlink_to(inputs / "loop.html")  # a link to itself
    url = f"sqlite:///{tmp_path / 'store.db'}"
    problems: list[Problem] = []
    with Store.open(url) as store:
        summary = ingest(store, [str(inputs)], on_problem=problems.append)
    texts = [text for _, text in _documents(url)]
    assert texts and all("launch codes" not in text for text in texts)
    assert any("Rescuers reached" in text for text in texts)
    refused = {Path(p.origin).name for p in problems if "symbolic link to outside the directory" in p.message}
    assert refused == {"secret.html", "relative.html", "folder"}, [p.line() for p in problems]
    assert all("\n" not in p.line() for p in problems)
    assert summary.as_dict()["failed"] + summary.as_dict()["skipped"] >= 3


def test_hostile_names_on_the_command_line_are_one_line_errors(tmp_path: Path) -> None:
    names = ["../../x/../../etc/nothing-here", "/nonexistent/absolute/path.html", "a" * 5000,
             "new\nline.html", "x" * 255 + "/y"]
    db = f"sqlite:///{tmp_path / 'store.db'}"
    before = _tree(tmp_path)
    done = subprocess.run([sys.executable, "-m", "amanat.cli", "--db", db, "ingest", *names], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error ")]
    assert len(errors) == len(names), done.stderr
    assert all(len(line) < 300 for line in errors)  # the 5,000-character name is cut in the middle
    assert any("File name too long" in line for line in errors)
    assert any("new\\nline.html" in line for line in errors)  # the newline shown, not obeyed
    assert _tree(tmp_path) - before <= {"store.db", "store.db.search", "store.db-wal", "store.db-shm"} | {
        p for p in _tree(tmp_path) if p.startswith("store.db.search/")}
    # a NUL byte cannot reach a process's arguments; from a list of inputs it is refused too
    inputs, problems = plan(["with\x00nul.html"])
    assert inputs == [] and problems[0].line() == "with\\x00nul.html: a file name cannot contain a NUL byte"


def test_file_names_in_a_directory_are_labels_only(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    hostile = ["..article.html", "new\nline.html", "-rf.html", "\u202eslmth.html", "q" * 240 + ".html",
               "%2e%2e%2fx.html", "space name .html"]
    for name in hostile:
        (inputs / name).write_text(ARTICLE.replace("north", f"north {len(name)}"))
    before = _tree(tmp_path)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Store.open(url) as store:
        summary = ingest(store, [str(inputs)])
    assert summary.as_dict()["failed"] == 0
    urls = [u for u, _ in _documents(url)]
    assert len(urls) == len([n for n in hostile if not n.startswith(".")])  # a dot-file is hidden: not read
    # each document is named by its file's URL: percent-encoded, inside the input folder
    assert all(u.startswith(inputs.as_uri() + "/") and "\n" not in u for u in urls), urls
    assert not any("/../" in u for u in urls)
    assert {p for p in _tree(tmp_path) - before if not p.startswith("store.db")} == set()


def test_warc_record_names_and_feed_links_are_labels_never_paths(tmp_path: Path) -> None:
    archive = tmp_path / "hostile.warc.gz"
    with archive.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for i, name in enumerate(["../../../../tmp/amanat-traversal.html", "/etc/amanat-absolute.html",
                                  "file:///etc/passwd", "http://example.com/../../x.html"]):
            body = ARTICLE.replace("north", f"north {i}").encode()
            writer.write_record(writer.create_warc_record(name, "resource", payload=io.BytesIO(body),
                                                          warc_content_type="text/html"))
    feed = tmp_path / "hostile.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>http://example.com/</link>'
        '<item><title>a</title><link>file:///etc/passwd</link><description>x</description></item>'
        '<item><title>b</title><link>../../../etc/passwd</link><description>y</description>'
        '<enclosure url="file:///etc/shadow" type="text/html" length="1"/></item></channel></rss>')
    before = _tree(tmp_path)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Store.open(url) as store:
        ingest(store, [str(archive), str(feed)], follow=True)
    documents = _documents(url)
    assert all("root:" not in text for _, text in documents)  # /etc/passwd was never read
    assert not Path("/tmp/amanat-traversal.html").exists() and not Path("/etc/amanat-absolute.html").exists()
    assert {p for p in _tree(tmp_path) - before if not p.startswith("store.db")} == set()
    # the WARC's records are stored, each named by its record's target as given: a label
    assert sorted(u for u, _ in documents) == ["../../../../tmp/amanat-traversal.html", "/etc/amanat-absolute.html",
                                               "file:///etc/passwd", "http://example.com/../../x.html"]


@pytest.mark.parametrize("origin", HOSTILE_ORIGINS, ids=["dotdot", "dot", "up-x", "absolute", "nul", "long",
                                                         "dots", "deep"])
def test_a_publisher_origin_names_one_folder_inside_the_keys_folder(tmp_path: Path, origin: str) -> None:
    keys = tmp_path / "deep" / "keys"
    folder = publisher_keys(origin, keys).folder
    assert folder.parent == keys and folder.name not in ("", ".", "..") and "/" not in folder.name
    assert len(folder.name) <= 120 and "\x00" not in folder.name
    if origin in ("..", "../../x", "ok/../../../../tmp/evil"):  # a publisher made with it keeps its keys inside
        with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
            create_publisher(store, "Hostile ministry", origin=origin, keys_dir=str(keys))
        written = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".pem", ".key")]
        assert written and all(p.parent == folder for p in written), written


@pytest.mark.parametrize("origin", HOSTILE_ORIGINS, ids=["dotdot", "dot", "up-x", "absolute", "nul", "long",
                                                         "dots", "deep"])
def test_a_partner_origin_names_one_lock_file_beside_the_database(tmp_path: Path, origin: str) -> None:
    from amanat.exchange.lock import _file_lock

    database = tmp_path / "node.db"
    with _file_lock(database, origin, 1.0) as held:
        assert held
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].parent == tmp_path / "node.db-sync", files


@pytest.mark.parametrize(("key", "suffix"), [("../../../../tmp/x.warc.gz", ".warc.gz"), ("/abs/olute.warc", ".warc"),
                                             ("a.warc.gz/../../b", ""), ("x." + "y" * 300, ""),
                                             ("odd.warc.g\x00z", ".warc"), ("news.warc.gz", ".warc.gz")])
def test_an_s3_key_gives_only_its_suffix_to_the_temporary_copy(monkeypatch: pytest.MonkeyPatch, key: str,
                                                               suffix: str) -> None:
    from amanat.scale import files

    class FakeS3:
        def download_fileobj(self, bucket: str, name: str, fh: io.BufferedWriter) -> None:
            fh.write(b"WARC/1.0\r\n")

    monkeypatch.setattr(files, "s3_client", lambda: FakeS3())
    with files.local_copy(f"s3://bucket/{key}") as path:
        assert path.parent == Path(tempfile.gettempdir()) and path.exists()
        assert path.name.startswith("amanat-") and len(path.name) < 40 and "\x00" not in path.name
        assert path.name.endswith(suffix) and not path.name.endswith("." + suffix)
        assert "".join(path.suffixes) == suffix or (not suffix and len(path.suffixes) <= 1)
    assert not path.exists()


def test_static_files_do_not_serve_outside_their_folder(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from amanat.web.app import create_app
    from amanat.web.settings import Settings

    url = f"sqlite:///{tmp_path / 'store.db'}"
    Store.open(url).close()
    with TestClient(create_app(url, settings=Settings(rate=None))) as client:
        for path in ["/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                     "/static/..%2f..%2f..%2fetc%2fpasswd", "/static//etc/passwd", "/static/%00"]:
            answer = client.get(path)
            assert answer.status_code in (400, 404), (path, answer.status_code)
            assert "root:" not in answer.text
