"""PostgreSQL restarted while an ingest writes to it: the run fails cleanly (one line, an exit
status, no traceback) or carries on, and a rerun stores everything exactly once.

The test starts its own PostgreSQL — ``initdb`` in a temporary directory, on a free port of
its own, as the unprivileged ``postgres`` user (``initdb`` refuses root, and CI runs as root)
— and never touches the machine's server on 5432.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.test_ingest_kill import (
    _documents,
    _finish,
    _ingest,
    _records,
    _running,
    _stored,
    _wait_for,
)

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
USER = "postgres"


def _as_user() -> list[str]:
    """How to run a command as the unprivileged user: directly when not root."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    return [runuser, "-u", USER, "--"] if runuser else ["setpriv", "--reuid", USER, "--regid", USER, "--init-groups"]


def _usable() -> str | None:
    if not BINARIES:
        return "no PostgreSQL binaries under /usr/lib/postgresql"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam(USER)
        except KeyError:
            return f"no {USER} user to run PostgreSQL as"
    return None


pytestmark = [pytest.mark.postgres, pytest.mark.skipif(_usable() is not None, reason=_usable() or "")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivatePostgres:
    """A throwaway cluster: its directory, port and the ``pg_ctl`` that drives it."""

    def __init__(self) -> None:
        self.bin = Path(BINARIES[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="amanat-pg-"))  # not under root's private tmp
        self.data = self.root / "data"
        self.port = _free_port()
        assert self.port != 5432
        if os.geteuid() == 0:
            shutil.chown(self.root, USER, USER)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "amanat", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgresql://amanat@127.0.0.1:{self.port}/postgres"

    def _run(self, *cmd: str) -> None:
        result = subprocess.run([*_as_user(), *cmd], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr + result.stdout

    def _ctl(self, *args: str) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-w", *args)

    def start(self) -> None:
        self._ctl("-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def restart(self) -> None:
        """Stop at once (clients are cut off mid-transaction, as in a crash) and start again."""
        self._ctl("-m", "immediate", "stop")
        self.start()

    def stop(self) -> None:
        subprocess.run([*_as_user(), str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        server.start()
        yield server
    finally:
        server.stop()


def test_a_restart_during_an_ingest_fails_it_cleanly_and_a_rerun_resumes(private_pg, tmp_path):
    records = tmp_path / "records.jsonl"
    urls = _records(records, 1500)
    cmd = _ingest(private_pg.url, records, jobs=1)
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    with _running(cmd, **env) as proc:
        _wait_for(lambda: _documents(private_pg.url) >= 50 or proc.poll() is not None, 120, "a first commit")
        assert proc.poll() is None, "the ingest finished before the restart"
        private_pg.restart()
        code, err, _ = _finish(proc, 120)
    print(f"the run across the restart: exit {code} {err.strip()}")  # shown with -rP
    if code != 0:  # failed: cleanly, with one line naming the cause
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), err
        assert "Traceback" not in err
    stored = _documents(private_pg.url)
    assert 50 <= stored <= len(urls)
    with _running(cmd, **env) as again:
        code, err, _ = _finish(again, 300)
    assert code == 0, err
    assert _stored(private_pg.url) == sorted((u, 1) for u in urls)
