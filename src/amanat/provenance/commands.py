"""Commands for publishers: keys, publish/correct/translate/withdraw, verify, and the log."""

from __future__ import annotations

import base64
import difflib
import json
import os
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape
from rich.text import Text

from amanat import config
from amanat.console import DbOption, JsonOption, State, Table, emit_json, err, open_store, out
from amanat.errors import InputError, NotFound
from amanat.provenance.bundle import Report, load_bundle, make_bundle
from amanat.provenance.bundle import verify as verify_bundle
from amanat.provenance.items import body_of, headline_of
from amanat.provenance.log import Entry, Log
from amanat.provenance.policy import AllOf, AnyOf, Origin, PinnedKey, Policy, TrustOnFirstUse
from amanat.provenance.publishing import Publisher, create_publisher
from amanat.provenance.statements import read_folder, read_text
from amanat.store.db import Store

keys_app = typer.Typer(help="Publisher identities: create, rotate, revoke and list signing keys.", no_args_is_help=True)
log_app = typer.Typer(help="The publisher's Merkle log: checkpoint, proofs, audit.", no_args_is_help=True)
publisher_app = typer.Typer(help="Settings of a publisher this node holds or follows.", no_args_is_help=True)

PublisherOption = Annotated[str, typer.Option("--publisher", "-p", help="Publisher name or log origin.")]
KeysDirOption = Annotated[Optional[str], typer.Option("--keys", help="Key directory (default $AMANAT_KEYS or ./amanat-keys).")]  # noqa: UP045
SpeaksForOption = Annotated[Optional[str], typer.Option("--speaks-for", help="The knowledge-base entity (id, e.g. a Wikidata QID) this publisher speaks for: quotes of it are checked against its items.")]  # noqa: UP045
OutOption = Annotated[Optional[Path], typer.Option("--out", help="Also write a self-contained bundle to this file.")]  # noqa: UP045


def _write_bundle(log: Log, entry: Entry, path: Path | None) -> None:
    if path is None or entry.item_uri is None:
        return
    bundle = make_bundle(log, entry.item_uri, entry.item_version)
    write_file_atomically(path, (json.dumps(bundle, indent=1) + "\n").encode("utf-8"))
    err.print(f"bundle written to {path}")


def write_file_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: a full disk leaves no half bundle that
    a partner would then fail to verify. (The log entry itself is already committed.)"""
    temporary = path.with_name(f".{path.name}.partial")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise InputError(f"the item is logged, but its bundle cannot be written: {exc.strerror or exc}",
                         where=str(path)) from None


# --- keys -----------------------------------------------------------------------------------


@keys_app.command("new")
def keys_new(
    publisher: PublisherOption,
    origin: Annotated[Optional[str], typer.Option(help="Log origin for a new publisher (default localhost/amanat/<name>).")] = None,  # noqa: UP045
    speaks_for: SpeaksForOption = None,
    keys: KeysDirOption = None,
    db: DbOption = None,
) -> None:
    """Create a publisher (first key, checkpoint key, log), or rotate: add a new signing key
    announced with a signature by the current one."""
    with open_store(db) as store:
        try:
            pub = Publisher.open(store, publisher, keys)
        except NotFound:  # a new publisher
            pub = create_publisher(store, publisher, origin=origin, keys_dir=keys)
            if speaks_for:
                set_speaks_for(store, pub.log.origin, speaks_for)
            kid = next(iter(pub.log.key_history().keys))
            err.print(f"created publisher {publisher!r}, log origin {pub.log.origin}")
            err.print(f"signing key {kid} and checkpoint key saved in {pub.keys.folder} (mode 0600)")
            out.print(f"checkpoint key (give to partners out of band): {pub.log.info()['checkpoint_vkey']}")
            return
        kid, entry = pub.rotate()
        err.print(f"added key {kid} at log index {entry.index}; revoke the old one with `amanat keys revoke`")


@keys_app.command("revoke")
def keys_revoke(
    kid: Annotated[str, typer.Argument(help="Key id (RFC 7638 thumbprint) to revoke.")],
    publisher: PublisherOption,
    reason: Annotated[str, typer.Option(help="Why (e.g. 'compromised', 'superseded').")] = "superseded",
    keys: KeysDirOption = None,
    db: DbOption = None,
) -> None:
    """Revoke a signing key: items logged after this entry no longer verify under it."""
    with open_store(db) as store:
        entry = Publisher.open(store, publisher, keys).revoke(kid, reason)
    err.print(f"revoked {kid} at log index {entry.index}")


@keys_app.command("list")
def keys_list(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Publishers in this store, with their keys and where in the log each is valid."""
    rows = []
    with open_store(db) as store:
        for pub in Log.all(store):
            history = Log(store, pub["origin"]).key_history()
            for rec in history.keys.values():
                rows.append({"publisher": pub["name"], "origin": pub["origin"], "local": pub["local"],
                             "kid": rec.kid, "valid_from": rec.added_at,
                             "revoked_at": None if rec.revoked_at is None else rec.revoked_at - 1,
                             "reason": rec.revoke_reason, "log_size": pub["size"]})
    if as_json:
        emit_json(rows)
        return
    table = Table(title="Publisher keys", header_style="bold")
    for col in ("publisher", "origin", "kid", "valid from", "revoked at", "reason"):
        table.add_column(col)
    for r in rows:
        table.add_row(escape(r["publisher"]), r["origin"], r["kid"], str(r["valid_from"]),
                      "" if r["revoked_at"] is None else str(r["revoked_at"]), escape(r["reason"] or ""))
    out.print(table)


# --- what a publisher speaks for -------------------------------------------------------------


def known_entity(store: Store, entity: str) -> str:
    """``entity`` when this node's knowledge base has it; else an InputError."""
    from amanat.kb.commands import load_kb

    entity = entity.strip()
    if not entity or entity not in load_kb(store)[0].entities:
        raise InputError(f"--speaks-for {entity!r}: no such entity in this node's knowledge base "
                         "(see `amanat kb show NAME` for ids)")
    return entity


def set_speaks_for(store: Store, publisher: str, entity: str | None) -> str:
    """Declare the knowledge-base entity a publisher speaks for (its own log, or a followed
    partner's by origin); None clears it. The entity must be in this node's base: it is set
    by an operator, never guessed from a name. Returns the log origin."""
    import sqlalchemy as sa

    from amanat.store import schema as t

    if entity is not None:
        entity = known_entity(store, entity)
    with store.engine.begin() as conn:
        partner = conn.execute(sa.select(t.partners.c.origin).where(t.partners.c.origin == publisher)).first()
        if partner is not None:
            conn.execute(sa.update(t.partners).where(t.partners.c.origin == publisher).values(speaks_for=entity))
            return publisher
    origin = Log.find(store, publisher).origin
    with store.engine.begin() as conn:
        conn.execute(sa.update(t.publishers).where(t.publishers.c.origin == origin).values(speaks_for=entity))
    return origin


@publisher_app.command("set")
def publisher_set(
    publisher: Annotated[str, typer.Argument(help="Publisher name or log origin (own or followed).")],
    speaks_for: SpeaksForOption = None,
    clear: Annotated[bool, typer.Option("--clear-speaks-for", help="Forget what it speaks for.")] = False,
    db: DbOption = None,
) -> None:
    """Set what a publisher speaks for (quotes of that entity are then checked against its items)."""
    if not speaks_for and not clear:
        raise InputError("give --speaks-for ENTITY_ID or --clear-speaks-for")
    with open_store(db) as store:
        origin = set_speaks_for(store, publisher, None if clear else speaks_for)
    err.print(f"{origin} speaks for {speaks_for}" if not clear else f"{origin} speaks for no entity")


# --- publishing -----------------------------------------------------------------------------


def publish(
    file: Annotated[Path, typer.Argument(help="The statement (UTF-8 text or Markdown), or a folder of them, each with headline and language in front matter.")],
    publisher: PublisherOption,
    headline: Annotated[Optional[str], typer.Option(help="Headline (required unless --corrects or a folder).")] = None,  # noqa: UP045
    lang: Annotated[Optional[str], typer.Option(help="Language tag, e.g. en, ru, kk (for a folder: where front matter names none).")] = None,  # noqa: UP045
    corrects: Annotated[Optional[str], typer.Option(help="Publish as a correction of this item URI.")] = None,  # noqa: UP045
    translates: Annotated[Optional[str], typer.Option(help="Publish as a translation of this item URI.")] = None,  # noqa: UP045
    batch: Annotated[int, typer.Option(min=1, help="For a folder: items per transaction and checkpoint.")] = 1000,
    out_file: OutOption = None,
    keys: KeysDirOption = None,
    db: DbOption = None,
) -> None:
    """Sign a statement as a ninjs item, append it to the log, and print its URI."""
    if file.is_dir():
        if headline or corrects or translates or out_file:
            raise InputError("a folder is published as new items: --headline, --corrects, --translates and --out "
                             "take one file")
        _publish_folder(file, publisher, lang, batch, keys, db)
        return
    body, content_type = read_text(file)
    if corrects and translates:
        raise InputError("--corrects and --translates exclude each other")
    with open_store(db) as store:
        pub = Publisher.open(store, publisher, keys)
        if corrects:
            entry = pub.correct(corrects, body=body, headline=headline)
        else:
            if not headline or not lang:
                raise InputError("--headline and --lang are required for a new item")
            if translates:
                entry = pub.translate(translates, headline=headline, body=body, language=lang)
            else:
                entry = pub.publish(headline=headline, body=body, language=lang, content_type=content_type)
        _write_bundle(pub.log, entry, out_file)
    err.print(f"logged at index {entry.index} of {pub.log.origin}, version {entry.item_version}")
    out.print(entry.item_uri)


def _publish_folder(folder: Path, publisher: str, lang: str | None, batch: int, keys: str | None,
                    db: str | None) -> None:
    """Every statement file of ``folder`` as a new item, ``batch`` per transaction and checkpoint;
    all files are read and checked before the first is signed."""
    statements = read_folder(folder, language=lang)
    logged = []
    with open_store(db) as store:
        pub = Publisher.open(store, publisher, keys)
        for first in range(0, len(statements), batch):
            done = pub.publish_many([st for _, st in statements[first:first + batch]])
            for entry in done:  # as each batch commits: what is printed is logged
                out.print(entry.item_uri)
            logged += done
    batches = -(-len(statements) // batch)
    err.print(f"logged {len(logged)} items at indices {logged[0].index}–{logged[-1].index} of {pub.log.origin} "
              f"({batches} checkpoint{'s' if batches > 1 else ''})")


def withdraw(
    uri: Annotated[str, typer.Argument(help="The item URI to withdraw.")],
    publisher: PublisherOption,
    reason: Annotated[str, typer.Option(help="Why it is withdrawn (published in the item).")],
    out_file: OutOption = None,
    keys: KeysDirOption = None,
    db: DbOption = None,
) -> None:
    """Withdraw an item: a new version with pubStatus canceled and the reason."""
    with open_store(db) as store:
        pub = Publisher.open(store, publisher, keys)
        entry = pub.withdraw(uri, reason=reason)
        _write_bundle(pub.log, entry, out_file)
    err.print(f"withdrawn at log index {entry.index}, version {entry.item_version}")


# --- verification ---------------------------------------------------------------------------


def _find_item(store: Any, target: str) -> tuple[Log, str]:
    import sqlalchemy as sa

    from amanat.store import schema as t

    with store.engine.connect() as conn:
        row = conn.execute(sa.select(t.log_entries.c.origin).where(t.log_entries.c.item_uri == target).limit(1)).first()
    if row is None:
        raise InputError(f"{target!r} is neither a bundle file nor an item URI in this store")
    return Log(store, row.origin), target


def _store_anchor(db: str | None, origin: str) -> Policy:
    """The keys the node's own store holds for ``origin`` (its publishers, followed partners).

    Never creates a store: an absent one anchors nothing, and the message says what to give.
    """
    url = config.database_url(db or State.db)
    how = "give --key KID (a key id of the publisher's, obtained out of band, e.g. from `amanat keys list` on its node)"
    path = config.sqlite_path(url)
    if path is not None and not path.exists():
        raise InputError(f"nothing to verify against: no store at {path} knows the publisher's keys; {how}, "
                         "or --db a store that follows the publisher")
    with Store.open(url, migrate=False) as store:
        if not any(p["origin"] == origin for p in Log.all(store)):
            raise InputError(f"this store knows no keys for log {origin!r} (an origin names a log, not an identity); "
                             f"{how}, or follow the publisher (`amanat follow`)")
        return Log(store, origin).known_publisher()


def verify(
    target: Annotated[str, typer.Argument(help="A bundle file, or an item URI in the store.")],
    key: Annotated[Optional[list[str]], typer.Option("--key", help="Trust this key id (RFC 7638 thumbprint) of the publisher's, obtained out of band; repeat for several.")] = None,  # noqa: UP045
    origin: Annotated[Optional[str], typer.Option(help="Also require this log origin (a constraint, not a trust anchor).")] = None,  # noqa: UP045
    trust_on_first_use: Annotated[bool, typer.Option("--trust-on-first-use", help="Accept the bundle's own keys, which nothing vouches for (warns).")] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Verify an item offline from its bundle, or from the store: signature, key validity in log
    order, inclusion in a signed checkpoint, under a key you trust; report later versions,
    withdrawal, revocation.

    The trust anchor is --key, else the keys the store (--db, $AMANAT_DB) holds for the
    item's log: its own publishers and followed partners. A name or an origin is not one."""
    path = Path(target)
    if path.is_file():
        bundle = load_bundle(path.read_bytes(), where=str(path))
    else:
        with open_store(db) as store:
            log, uri = _find_item(store, target)
            bundle = make_bundle(log, uri)
    if key:
        anchor: Policy = AnyOf(*(PinnedKey(k) for k in key))
    elif trust_on_first_use:
        anchor = TrustOnFirstUse()
    else:
        anchor = _store_anchor(db, str(bundle.get("origin")))
    report = verify_bundle(bundle, AllOf(Origin(origin), anchor) if origin else anchor)
    if as_json:
        emit_json({"verified": True, **report.as_dict()})
        return
    _print_report(report)


def _print_report(r: Report) -> None:
    item = r.item
    out.print(Text.assemble(("verified ", "bold green"), (headline_of(item), "bold")))
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("item", f"{item.get('uri')} version {item.get('version')} ({item.get('language')})")
    table.add_row("publisher", f"{escape(r.publisher)} — log {r.origin}")
    table.add_row("signed by", f"key {r.kid}")
    table.add_row("vouched for by", escape(r.anchor))
    table.add_row("log index", f"{r.index} of a checkpoint of size {r.checkpoint_size}, root {r.root_hash}")
    table.add_row("published", str(item.get("versionCreated")))
    if r.later_versions:
        table.add_row("later versions", ", ".join(f"v{v['version']} at {v['index']}" for v in r.later_versions))
    if r.withdrawn:
        table.add_row("[red]withdrawn[/red]", f"at log index {r.withdrawn['index']}: {escape(str(r.withdrawn.get('reason')))}")
    if r.key_revoked_at is not None:
        table.add_row("[yellow]key revoked[/yellow]", f"later, at log index {r.key_revoked_at} ({escape(r.key_revoke_reason or '')}); this item was logged before and stays valid")
    if r.cosignatures:
        table.add_row("cosigned by", ", ".join(r.cosignatures))
    table.add_row("as of", f"checkpoint of size {r.checkpoint_size}: a snapshot; later versions or a revocation "
                  "may exist beyond it (verify the item URI against a store synced with the publisher)")
    out.print(table)
    if not r.vouched:
        err.print("[yellow]warning:[/yellow] trusted on first use: nothing vouches that this key is the publisher's; "
                  "pin it with --key only once you have checked it out of band")


def show_item(target: str, db: str | None, as_json: bool) -> None:
    """All versions of an item, with the text diff between consecutive versions."""
    with open_store(db) as store:
        log, uri = _find_item(store, target)
        history = log.key_history()
        versions = [(e, history.verify_entry(e.index, e.token).payload) for e in log.item_versions(uri)]
    if as_json:
        emit_json([{"index": e.index, "kid": e.kid, **item} for e, item in versions])
        return
    previous: dict[str, Any] | None = None
    for entry, item in versions:
        status = item.get("pubStatus", "usable")
        out.print(Text.assemble((f"version {item.get('version')}", "bold"), f"  log index {entry.index}  {item.get('versionCreated')}  ",
                                (status, "red" if status == "canceled" else "green")))
        if status == "canceled":
            out.print(f"  withdrawn: {escape(str(item.get('edNote')))}")
        elif previous is None:
            out.print(Text(f"  {headline_of(item)}\n\n{body_of(item)}"))
        else:
            for line in difflib.unified_diff(body_of(previous).splitlines(), body_of(item).splitlines(), lineterm="", n=1):
                if not line.startswith(("---", "+++")):
                    out.print(Text("  " + line, style="green" if line.startswith("+") else "red" if line.startswith("-") else "dim"))
        previous = item


# --- the log --------------------------------------------------------------------------------


def _log(store: Any, publisher: str | None) -> Log:
    if publisher:
        return Log.find(store, publisher)
    logs = Log.all(store)
    if len(logs) != 1:
        raise InputError("name the log with --publisher (this store has " + str(len(logs)) + " logs)")
    return Log(store, logs[0]["origin"])


@log_app.command("checkpoint")
def log_checkpoint(publisher: Annotated[Optional[str], typer.Option("--publisher", "-p")] = None, db: DbOption = None) -> None:  # noqa: UP045
    """Print the latest signed checkpoint note."""
    with open_store(db) as store:
        out.print(_log(store, publisher).checkpoint(), end="", markup=False)


@log_app.command("prove")
def log_prove(
    item: Annotated[str, typer.Argument(help="An item URI (latest version) or a log index.")],
    publisher: Annotated[Optional[str], typer.Option("--publisher", "-p")] = None,  # noqa: UP045
    size: Annotated[Optional[int], typer.Option(help="Tree size to prove against (default latest).")] = None,  # noqa: UP045
    db: DbOption = None,
) -> None:
    """Print the inclusion proof of an entry (JSON)."""
    with open_store(db) as store:
        if item.isdigit():
            log, index = _log(store, publisher), int(item)
        else:
            log, uri = _find_item(store, item)
            index = log.item_versions(uri)[-1].index
        size = size or log.size
        if not 0 <= index < size:
            raise InputError(f"index {index} is not in a tree of size {size}")
        entry = log.entry(index)
        emit_json({"origin": log.origin, "index": index, "size": size,
                   "leaf_hash": base64.b64encode(entry.leaf_hash).decode(),
                   "root_hash": base64.b64encode(log.root(size)).decode(),
                   "proof": [base64.b64encode(h).decode() for h in log.inclusion_proof(index, size)]})


@log_app.command("audit")
def log_audit(publisher: Annotated[Optional[str], typer.Option("--publisher", "-p")] = None, as_json: JsonOption = False, db: DbOption = None) -> None:  # noqa: UP045
    """Recompute every leaf, signature, subtree, checkpoint and consistency proof; compare."""
    with open_store(db) as store:
        logs = [Log.find(store, publisher)] if publisher else [Log(store, p["origin"]) for p in Log.all(store)]
        results = [log.audit() for log in logs]
    if as_json:
        emit_json(results)
        return
    for r in results:
        out.print(f"[green]ok[/green] {r['origin']}: {r['entries']} entries, {r['checkpoints']} checkpoints, root {r['root']}")

