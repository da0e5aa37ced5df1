"""The ``serve`` command and the ``tokens`` sub-commands (registered by ``amanat.cli``)."""

from __future__ import annotations

import ipaddress
import json
import sys
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from amanat import config
from amanat.console import State, Table
from amanat.errors import InputError
from amanat.store.db import Store
from amanat.store.tokens import SCOPES, list_tokens, new_token, revoke_token
from amanat.web.server import HEADER_TIMEOUT, MAX_CONNECTIONS, uvicorn_options
from amanat.web.settings import Settings

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DbOption = Annotated[
    Optional[str],  # noqa: UP045 - Typer reads the annotation at run time
    typer.Option("--db", help="Database URL (sqlite:///file.db or postgresql://…); default $AMANAT_DB or ./amanat.db"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]

tokens_app = typer.Typer(help="API tokens: create, list, revoke. Only hashes are stored.", no_args_is_help=True)


def _db_url(db: str | None) -> str:
    """``--db`` on the command, else the one given before it (``amanat --db … serve``)."""
    return config.database_url(db if db is not None else State.db)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=0, max=65535)] = 8000,
    public_documents: Annotated[bool, typer.Option(
        "--public-documents", envvar="AMANAT_PUBLIC_DOCUMENTS",
        help="Serve ingested coverage (documents, search, export) without a token.")] = False,
    rate_limit: Annotated[float, typer.Option(help="Requests per second per client (0: no limit).", min=0)] = 20.0,
    burst: Annotated[int, typer.Option(help="Requests a client may make at once before the rate applies.", min=1)] = 60,
    max_body: Annotated[int, typer.Option(help="Largest request body accepted, in bytes.", min=1)] = 1 << 20,
    trusted_proxy: Annotated[Optional[list[str]], typer.Option(  # noqa: UP045 - read by Typer at run time
        "--trusted-proxy", metavar="IP",
        help="A reverse proxy (address or network) whose X-Forwarded-For and X-Forwarded-Proto are "
             "believed; repeatable. Default: none, the client is the connection's peer.")] = None,
    header_timeout: Annotated[float, typer.Option(
        help="Seconds a connection has to send a request's headers before it is closed.", min=0.1)] = HEADER_TIMEOUT,
    max_connections: Annotated[int, typer.Option(
        help="Open connections (and requests in flight) beyond which new requests get 503.", min=1)] = MAX_CONNECTIONS,
    keys: Annotated[Optional[str], typer.Option(  # noqa: UP045 - read by Typer at run time
        "--keys", help="Where this node's publishing keys are, for the publish page and POST /api/v1/items "
                       "(default $AMANAT_KEYS or ./amanat-keys); an encrypted key's passphrase is read from "
                       "$AMANAT_KEY_PASSPHRASE when the server starts.")] = None,
    db: DbOption = None,
) -> None:
    """Serve the web UI and the JSON API (/api/v1/, docs at /api/docs) until interrupted."""
    import uvicorn

    from amanat.web.app import create_app, warm

    options = uvicorn_options(trusted_proxies=trusted_proxy or (), header_timeout=header_timeout,
                              max_connections=max_connections)
    settings = Settings(public_documents=public_documents, rate=rate_limit or None, burst=burst, max_body=max_body,
                        keys_dir=keys)
    from amanat.ingest.pipeline import ingest_capture

    app = create_app(_db_url(db), settings=settings, ingest=ingest_capture)
    if public_documents and not _is_loopback(host):
        err.print(f"[yellow]warning:[/yellow] serving ingested documents publicly on {escape(host)}")
    shown = f"[{host}]" if ":" in host else host
    err.print(f"serving http://{shown}:{port}/  (documents {'public' if public_documents else 'need a read token'}; Ctrl-C stops)")
    warm(app)
    uvicorn.run(app, host=host, port=port, **options)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@tokens_app.command("new")
def tokens_new(
    publisher: Annotated[str, typer.Option(help="Who the token is for (a person, partner or service).")],
    scope: Annotated[str, typer.Option(help=f"One of: {', '.join(SCOPES)}.")] = "read",
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Create a token and print it once: only its SHA-256 hash is stored."""
    if scope not in SCOPES:
        raise InputError(f"--scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    with Store.open(_db_url(db)) as store:
        record, token = new_token(store, publisher, scope)
    if as_json:
        sys.stdout.write(json.dumps(record.as_dict() | {"token": token}) + "\n")
        return
    sys.stdout.write(token + "\n")
    err.print(f"token {record.id} for {escape(record.publisher)} (scope {record.scope}): "
              "copy it now, it is not shown again")


@tokens_app.command("list")
def tokens_list(as_json: JsonOption = False, db: DbOption = None) -> None:
    """List tokens (ids, publishers, scopes, dates; never the secrets)."""
    with Store.open(_db_url(db)) as store:
        tokens = list_tokens(store)
    if as_json:
        sys.stdout.write(json.dumps([t.as_dict() for t in tokens], indent=2) + "\n")
        return
    table = Table(title="Tokens", header_style="bold")
    for col in ("id", "publisher", "scope", "created", "revoked"):
        table.add_column(col)
    for t in tokens:
        table.add_row(t.id, escape(t.publisher), t.scope, t.created.strftime("%Y-%m-%d %H:%M"),
                      t.revoked.strftime("%Y-%m-%d %H:%M") if t.revoked else "")
    out.print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[str, typer.Argument(metavar="ID", help="The token's id (see `amanat tokens list`).")],
    db: DbOption = None,
) -> None:
    """Revoke a token: requests that present it are refused from now on."""
    with Store.open(_db_url(db)) as store:
        record = revoke_token(store, token_id)
    err.print(f"token {record.id} ({escape(record.publisher)}) revoked")
