"""A store that cannot be written: a read-only file or directory, a full disk.

Each case runs the real CLI in a subprocess with the limit applied to that process alone:
permission bits (with root's permission override dropped when the tests run as root, as CI
does) for read-only, ``RLIMIT_FSIZE`` for a full disk (writes past it fail with EFBIG, as
on a full disk, and SQLite reports an I/O error). What is checked: one line naming the store,
the exit status, reading commands still working, nothing corrupted, a later run completing.
"""

from __future__ import annotations

import ctypes
import errno
import os
import resource
import signal
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from amanat.cli import app
from amanat.errors import InputError
from amanat.provenance.commands import write_file_atomically
from amanat.store.db import Store, _cannot_write

SRC = Path(__file__).resolve().parents[1] / "src"
SAMPLE = SRC / "amanat" / "sample"
_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def _obey_permission_bits() -> None:
    """preexec_fn: make root subject to permission bits, as any other user is.

    Dropping the two override capabilities from the bounding set takes them from the program
    this child then executes; a non-root user needs nothing."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _file_size_limit(limit: int) -> Callable[[], None]:
    """preexec_fn: files may not grow past ``limit`` bytes (writes fail with EFBIG)."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def amanat(db: Path, *args: str, preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "CI": "true"}
    return subprocess.run(
        [sys.executable, "-m", "amanat.cli", "--db", f"sqlite:///{db}", *args],
        env=env, capture_output=True, text=True, timeout=120, preexec_fn=preexec,
    )


def in_process(db: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{db}", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def permission_bits_apply() -> None:
    probe = subprocess.run([sys.executable, "-c", "pass"], preexec_fn=_obey_permission_bits, capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot drop root's permission override in a child (no CAP_SETPCAP)")


def _pages(folder: Path, n: int, words: int = 40) -> Path:
    folder.mkdir()
    for i in range(n):
        paras = "".join(f"<p>Story {i} paragraph {j}: " + f"word{i * 7 + j} " * words + "</p>" for j in range(20))
        (folder / f"p{i:03}.html").write_text(
            f"<html><head><title>Story {i}</title></head><body><article><h1>Story {i}</h1>{paras}</article></body></html>")
    return folder


def _publisher(db: Path, keys: Path, statement: Path) -> None:
    in_process(db, "keys", "new", "-p", "mfa", "--keys", str(keys))
    in_process(db, "publish", str(statement), "-p", "mfa", "--keys", str(keys), "--headline", "First", "--lang", "en")


def _one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    for word in words:
        assert word in line, line
    return line


def _integrity(db: Path) -> tuple[str, int]:
    with sqlite3.connect(db) as con:
        return con.execute("PRAGMA integrity_check").fetchone()[0], con.execute("SELECT count(*) FROM documents").fetchone()[0]


# --- read-only --------------------------------------------------------------------------------


@pytest.fixture
def published_store(tmp_path: Path) -> Iterator[tuple[Path, Path, Path]]:
    folder = tmp_path / "store"
    folder.mkdir()
    db, keys, statement = folder / "amanat.db", tmp_path / "keys", tmp_path / "statement.txt"
    statement.write_text("The ministry states that the talks in Astana concluded on Friday.\n")
    in_process(db, "ingest", str(SAMPLE), "--source", "sample", "--jobs", "1", "--quiet")
    _publisher(db, keys, statement)
    yield db, keys, statement
    for path in (folder, *folder.iterdir()):  # let pytest clean up
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def _leave_log_behind(db: Path) -> None:
    """Copy the database while a connection holds un-checkpointed writes: the ``-wal`` and
    ``-shm`` files of a store copied from a live system, or left by a crash."""
    import shutil

    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("INSERT INTO sources (key, kind, first_seen) VALUES ('late.example', 'web', '2022-01-01')")
    con.commit()
    copy = db.with_name("copy.db")
    for suffix in ("", "-wal", "-shm"):
        shutil.copy(f"{db}{suffix}", f"{copy}{suffix}")
    con.close()
    for suffix in ("", "-wal", "-shm"):
        os.replace(f"{copy}{suffix}", f"{db}{suffix}")


@pytest.mark.parametrize("how", ["file", "directory", "directory with its log left behind"])
def test_read_only_store_reads_and_refuses_writes_in_one_line(
    published_store: tuple[Path, Path, Path], permission_bits_apply: None, how: str, tmp_path: Path,
) -> None:
    db, keys, statement = published_store
    if how == "directory with its log left behind":
        _leave_log_behind(db)
    documents = _integrity(db)[1]
    if how == "file":
        db.chmod(0o444)
    else:
        for path in db.parent.iterdir():
            path.chmod(0o444) if path.is_file() else None
        db.parent.chmod(0o555)
    drop = _obey_permission_bits

    stats = amanat(db, "stats", "--json", preexec=drop)
    assert stats.returncode == 0, stats.stderr
    assert '"documents": ' + str(documents) in stats.stdout
    search = amanat(db, "search", "Kazakhstan", "--json", preexec=drop)
    assert search.returncode == 0 and '"id"' in search.stdout, search.stderr
    assert "Traceback" not in search.stderr

    page = tmp_path / "page.html"
    page.write_text("<html><body><article><p>" + "A new page about the talks. " * 20 + "</p></article></body></html>")
    for args in (
        ("ingest", str(page)),
        ("publish", str(statement), "-p", "mfa", "--keys", str(keys), "--headline", "Second", "--lang", "en"),
        ("tokens", "new", "--publisher", "partner"),
    ):
        result = amanat(db, *args, preexec=drop)
        assert result.returncode == 2, (args, result.stderr)
        _one_line_error(result, str(db), "read-only")
        assert not result.stdout.strip()  # no token, no item URI printed for a write that never happened
    db.parent.chmod(0o755)
    db.chmod(0o644)
    assert _integrity(db) == ("ok", documents)


def test_store_that_cannot_be_created_in_a_read_only_directory(tmp_path: Path, permission_bits_apply: None) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    result = amanat(folder / "new.db", "stats", preexec=_obey_permission_bits)
    assert result.returncode == 2
    _one_line_error(result, "read-only")
    folder.chmod(0o755)


# --- a full disk ------------------------------------------------------------------------------


def test_full_disk_during_ingest_is_one_line_and_a_later_run_completes(tmp_path: Path) -> None:
    db = tmp_path / "amanat.db"
    in_process(db, "ingest", str(SAMPLE), "--source", "sample", "--jobs", "1", "--quiet")
    pages = _pages(tmp_path / "pages", 150)
    limit = db.stat().st_size + 300_000  # far less than the 150 pages need
    result = amanat(db, "ingest", str(pages), "--jobs", "1", preexec=_file_size_limit(limit))
    assert result.returncode == 2
    _one_line_error(result, str(db), "cannot write")
    check, documents = _integrity(db)
    assert check == "ok" and 5 <= documents < 5 + 150
    again = amanat(db, "ingest", str(pages), "--jobs", "1", "--quiet")  # space again
    assert again.returncode == 0, again.stderr
    assert _integrity(db) == ("ok", 5 + 150)


def test_full_disk_during_publish_leaves_the_log_whole(tmp_path: Path) -> None:
    db, keys, statement = tmp_path / "amanat.db", tmp_path / "keys", tmp_path / "statement.txt"
    statement.write_text("The ministry states that the talks concluded.\n")
    _publisher(db, keys, statement)
    big = tmp_path / "big.txt"
    big.write_text("A long statement of the ministry, sentence after sentence. " * 3000)
    before = _integrity(db)[1]
    failures = 0
    for extra in (8_192, 100_000, 250_000, 5_000_000):  # fail at different points of the write
        result = amanat(db, "publish", str(big), "-p", "mfa", "--keys", str(keys), "--headline", "Long",
                        "--lang", "en", preexec=_file_size_limit(db.stat().st_size + extra))
        if result.returncode == 0:
            break  # enough room at last: logged whole
        failures += 1
        _one_line_error(result, str(db), "cannot write")
        assert not result.stdout.strip()  # no URI of an item that was not published
        assert _integrity(db) == ("ok", before)  # neither the entry nor its document
        audit = amanat(db, "log", "audit", "--json")
        assert audit.returncode == 0 and '"entries": 2' in audit.stdout, audit.stdout + audit.stderr
    else:
        pytest.fail("no limit let the publish through")
    assert failures >= 2
    assert _integrity(db) == ("ok", before + 1)
    audit = amanat(db, "log", "audit", "--json")
    assert audit.returncode == 0 and '"entries": 3' in audit.stdout


def test_bundle_that_cannot_be_written_is_one_line(tmp_path: Path, permission_bits_apply: None) -> None:
    db, keys, statement = tmp_path / "amanat.db", tmp_path / "keys", tmp_path / "statement.txt"
    statement.write_text("The ministry states that the talks concluded.\n")
    _publisher(db, keys, statement)
    out = tmp_path / "bundles"
    out.mkdir(mode=0o555)
    result = amanat(db, "publish", str(statement), "-p", "mfa", "--keys", str(keys), "--headline", "Again",
                    "--lang", "en", "--out", str(out / "item.json"), preexec=_obey_permission_bits)
    out.chmod(0o755)
    assert result.returncode == 2, result.stderr
    _one_line_error(result, "item.json", "the item is logged")
    assert list(out.iterdir()) == []


def test_bundle_cut_by_a_full_disk_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "item.json"
    target.write_bytes(b"the previous bundle")

    def half_then_full(self: Path, data: bytes) -> int:
        with self.open("wb") as fh:
            fh.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_bytes", half_then_full)
    with pytest.raises(InputError, match="No space left"):
        write_file_atomically(target, b"x" * 1000)
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["item.json"]
    assert target.read_bytes() == b"the previous bundle"


# --- the mapping itself ------------------------------------------------------------------------


class _FakeDriverError(Exception):
    def __init__(self, sqlite_errorname: str | None = None, sqlstate: str | None = None) -> None:
        super().__init__("driver error")
        self.sqlite_errorname = sqlite_errorname
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (_FakeDriverError("SQLITE_READONLY_DIRECTORY"), "read-only"),
        (_FakeDriverError("SQLITE_FULL"), "disk is full"),
        (_FakeDriverError("SQLITE_IOERR_WRITE"), "I/O error"),
        (_FakeDriverError(sqlstate="25006"), "read-only"),
        (_FakeDriverError(sqlstate="53100"), "disk is full"),
    ],
)
def test_driver_errors_that_mean_cannot_write(error: Exception, words: str) -> None:
    found = _cannot_write("db", error)
    assert found is not None and words in found.message and "\n" not in found.message
    assert _cannot_write("db", _FakeDriverError("SQLITE_CONSTRAINT_UNIQUE")) is None
    assert _cannot_write("db", _FakeDriverError(sqlstate="23505")) is None


def test_read_only_store_opens_without_migrating(tmp_path: Path, permission_bits_apply: None) -> None:
    db = tmp_path / "amanat.db"
    Store.open(f"sqlite:///{db}").close()
    with sqlite3.connect(db) as con:
        con.execute("UPDATE alembic_version SET version_num = 'older'")
    db.chmod(0o444)
    result = amanat(db, "stats", preexec=_obey_permission_bits)
    assert result.returncode == 2
    _one_line_error(result, "read-only", "schema revision older", "db migrate")
    db.chmod(0o644)
