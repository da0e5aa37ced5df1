"""API tokens on both backends: issued once, stored only as a hash, scoped, revocable; and the
``amanat tokens`` commands."""

from __future__ import annotations

import hashlib
import json

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from amanat.errors import InputError, NotFound
from amanat.store import schema
from amanat.store.tokens import SCOPES, check_token, list_tokens, new_token, revoke_token
from amanat.web.commands import tokens_app


def test_token_is_stored_only_as_its_hash(store):
    record, token = new_token(store, "Ministry of Information", "read")
    with store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(schema.tokens)).fetchall()]
    assert len(rows) == 1
    assert rows[0]["digest"] == hashlib.sha256(token.encode()).hexdigest()
    # The secret is everything after "amanat_<id>_"; it may itself contain "_".
    secret = token.split("_", 2)[2]
    assert len(secret) == 43
    assert all(secret not in str(v) for v in rows[0].values())
    assert record.id in token and rows[0]["id"] == record.id


def test_check_accepts_the_token_and_nothing_near_it(store):
    record, token = new_token(store, "partner", "read")
    assert check_token(store, token) == record
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert check_token(store, flipped) is None
    assert check_token(store, token + "x") is None
    assert check_token(store, "") is None
    assert check_token(store, "Bearer " + token) is None
    other_id = token.replace(record.id, "0" * 12)
    assert check_token(store, other_id) is None


def test_two_tokens_differ(store):
    _, one = new_token(store, "a", "read")
    _, two = new_token(store, "a", "read")
    assert one != two


@pytest.mark.parametrize(
    ("scope", "allowed"),
    [
        ("read", {"read"}),
        ("ingest", {"ingest", "read"}),
        ("publish", {"publish"}),
        ("admin", set(SCOPES)),
    ],
)
def test_scopes(sqlite_url, scope, allowed):
    from amanat.store.db import Store

    with Store.open(sqlite_url) as store:
        record, _ = new_token(store, "x", scope)
    assert {s for s in SCOPES if record.allows(s)} == allowed


def test_revoke_keeps_the_record_and_refuses_the_token(store):
    record, token = new_token(store, "newsroom", "admin")
    revoked = revoke_token(store, record.id)
    assert revoked.revoked is not None
    assert not any(revoked.allows(s) for s in SCOPES)
    assert check_token(store, token).revoked == revoked.revoked
    assert revoke_token(store, record.id).revoked == revoked.revoked  # idempotent
    assert [t.id for t in list_tokens(store)] == [record.id]
    with pytest.raises(NotFound):
        revoke_token(store, "ffffffffffff")


def test_bad_scope_and_publisher(store):
    with pytest.raises(InputError):
        new_token(store, "x", "superuser")
    with pytest.raises(InputError):
        new_token(store, "   ", "read")
    assert list_tokens(store) == []


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(tokens_app, name="tokens")

    @app.callback()
    def _root() -> None:
        pass

    return app


def test_tokens_commands(store_url):
    runner, app = CliRunner(), _cli()
    made = runner.invoke(app, ["tokens", "new", "--publisher", "Embassy", "--scope", "read", "--db", store_url])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[0]
    assert token.startswith("amanat_")
    listed = runner.invoke(app, ["tokens", "list", "--json", "--db", store_url])
    assert listed.exit_code == 0
    rows = json.loads(listed.stdout)
    assert [(r["publisher"], r["scope"], r["revoked"]) for r in rows] == [("Embassy", "read", None)]
    assert token not in listed.stdout and token.split("_", 2)[2] not in listed.stdout
    revoked = runner.invoke(app, ["tokens", "revoke", rows[0]["id"], "--db", store_url])
    assert revoked.exit_code == 0
    rows = json.loads(runner.invoke(app, ["tokens", "list", "--json", "--db", store_url]).stdout)
    assert rows[0]["revoked"] is not None
    as_json = json.loads(runner.invoke(app, ["tokens", "new", "--publisher", "B", "--scope", "admin",
                                             "--json", "--db", store_url]).stdout)
    assert as_json["scope"] == "admin" and as_json["token"].startswith("amanat_" + as_json["id"])
