"""Shared fixtures: the ../shared data folder, and a store on each backend.

``store_url`` is parametrised over SQLite and PostgreSQL, so every test that takes it runs on
both. PostgreSQL tests use a fresh schema on the server named by ``AMANAT_TEST_PG`` (default
the local server at 127.0.0.1:5432, database ``test``); where none is reachable they skip
with the reason — except under CI=true, where that is a failure, and so is a missing
../shared.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SHARED = Path(__file__).resolve().parents[2] / "shared"
PG_URL = os.environ.get("AMANAT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def shared_path(*parts: str) -> Path:
    """A path under ../shared; skips the test (fails on CI) when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"shared data not found: {path}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def shared() -> Path:
    return shared_path()


_pg_reason: list[str] = []


def _pg_available() -> str | None:
    """None when the server answers, else the reason it does not (checked once)."""
    if not _pg_reason:
        try:
            import psycopg

            with psycopg.connect(PG_URL.replace("postgresql://", "postgresql://", 1), connect_timeout=3):
                _pg_reason.append("")
        except Exception as exc:  # any failure to connect means: no server for these tests
            _pg_reason.append(f"PostgreSQL not reachable at {PG_URL}: {exc}".splitlines()[0])
    return _pg_reason[0] or None


@contextmanager
def pg_schema() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh, empty schema, dropped afterwards; skips
    the test (fails on CI) when no server answers. A context manager, so fixtures of any
    scope can hold one."""
    reason = _pg_available()
    if reason:
        if IN_CI:
            pytest.fail(reason)
        print(reason)
        pytest.skip(reason)
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def pg_url(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh, empty schema, dropped afterwards (its
    search index, kept on this machine, goes to a temporary folder, not ~/.cache)."""
    monkeypatch.setenv("AMANAT_SEARCH_INDEX_DIR", str(tmp_path_factory.mktemp("search")))
    with pg_schema() as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def module_store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database URL on each backend in turn, kept for a whole test module: what the browser
    tests load once and then drive a server over (``request.param`` names the backend)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'amanat.db'}"
        return
    with pytest.MonkeyPatch.context() as mp, pg_schema() as url:
        mp.setenv("AMANAT_SEARCH_INDEX_DIR", str(tmp_path_factory.mktemp("search")))
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'amanat.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """A database URL on each backend in turn."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url: str) -> Iterator[object]:
    from amanat.store.db import Store

    with Store.open(store_url) as s:
        yield s
