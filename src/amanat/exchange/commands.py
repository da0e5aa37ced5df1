"""Commands for following partner nodes: follow, sync, partners, witness, announce.

Registered by ``amanat.cli``; also runnable alone as ``python -m amanat.exchange.commands``.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.markup import escape

from amanat.console import DbOption, JsonOption, Table, emit_json, err, open_store, out
from amanat.errors import AmanatError
from amanat.exchange import partners as records
from amanat.exchange import witness
from amanat.exchange.sync import (
    SyncCounts,
    SyncResult,
    keep_syncing,
    make_fetcher,
    parse_every,
    sync_all,
)
from amanat.exchange.sync import (
    follow as follow_partner,
)

KeysDirOption = Annotated[Optional[str], typer.Option("--keys", help="Key directory (default $AMANAT_KEYS or ./amanat-keys).")]  # noqa: UP045
TimeoutOption = Annotated[float, typer.Option("--timeout", help="Seconds to wait for a partner's answer (retries on timeouts and 5xx).", min=0.1)]


def follow(
    url: Annotated[str, typer.Argument(help="Base URL of the partner node, e.g. http://127.0.0.1:8001")],
    key: Annotated[Optional[str], typer.Option("--key", help="The partner log's checkpoint key (name+id+base64), or a key id its publisher document lists; exchanged out of band.")] = None,  # noqa: UP045
    origin: Annotated[Optional[str], typer.Option("--origin", help="Which log of the node (needed when it has several).")] = None,  # noqa: UP045
    tofu: Annotated[bool, typer.Option("--tofu", help="No key: trust what the node serves now (warned).")] = False,
    witness_key: Annotated[Optional[str], typer.Option("--witness", help="The partner's cosigner key, to collect its cosignatures on this node's logs.")] = None,  # noqa: UP045
    push_to: Annotated[Optional[str], typer.Option("--push", help="This node's public base URL: subscribe to the partner's push notifications.")] = None,  # noqa: UP045
    speaks_for: Annotated[Optional[str], typer.Option("--speaks-for", help="The knowledge-base entity id the partner's publisher speaks for (quotes of it are checked against its items).")] = None,  # noqa: UP045
    timeout: TimeoutOption = 20.0,
    db: DbOption = None,
) -> None:
    """Pin a partner node's log (origin and key) and start following it; then `amanat sync`."""
    with open_store(db) as store, make_fetcher(timeout=timeout) as fetcher:
        if speaks_for:  # checked before anything is followed
            from amanat.provenance.commands import known_entity

            known_entity(store, speaks_for)
        followed = follow_partner(store, url, key=key, origin=origin, tofu=tofu, witness_vkey=witness_key,
                                  fetcher=fetcher)
        for warning in followed.warnings:
            err.print(f"[yellow]warning:[/yellow] {escape(warning)}")
        p = followed.partner
        err.print(f"following {escape(p.origin)} at {escape(p.url)}; checkpoint key {escape(p.checkpoint_vkey)}")
        if speaks_for:
            from amanat.provenance.commands import set_speaks_for

            set_speaks_for(store, p.origin, speaks_for)
            err.print(f"{escape(p.origin)} speaks for {escape(speaks_for)}")
        if push_to:
            from amanat.exchange import push  # the web framework is imported only when needed

            push.subscribe_to(store, p.origin, push_to, fetcher=fetcher)
            err.print(f"subscribed to push notifications from {escape(p.origin)}")


def sync(
    partner: Annotated[Optional[str], typer.Option("--partner", help="Only this partner (its log origin).")] = None,  # noqa: UP045
    every: Annotated[Optional[str], typer.Option("--every", help="Keep syncing at this interval (30s, 5m, 1h) until interrupted.")] = None,  # noqa: UP045
    cosign: Annotated[bool, typer.Option("--cosign/--no-cosign", help="Cosign verified checkpoints as this node's witness.")] = True,
    announce: Annotated[bool, typer.Option("--announce/--no-announce", help="Also notify this node's push subscribers of new entries.")] = True,
    timeout: TimeoutOption = 20.0,
    keys: KeysDirOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Fetch, verify and keep what followed partners published since the last sync."""
    interval = parse_every(every) if every else None
    failed = False

    def once() -> None:
        nonlocal failed
        with open_store(db) as store, make_fetcher(timeout=timeout) as fetcher:
            signer = witness.local_cosigner(store, keys) if cosign else None
            results = sync_all(store, fetcher=fetcher, cosigner=signer, only=partner)
            if announce:
                from amanat.exchange import push

                push.announce(store, fetcher=fetcher)
        failed = any(r.status in ("problem", "error") for r in results)  # skipped: another sync did it
        _report(results, as_json)

    if interval is None:
        once()
        if failed:
            raise typer.Exit(1)
        return
    err.print(f"syncing every {interval:g} s; Ctrl-C stops")
    try:
        keep_syncing(once, interval)
    except KeyboardInterrupt:
        err.print("stopped")


def _report(results: list[SyncResult], as_json: bool) -> None:
    if as_json:
        emit_json([r.as_dict() for r in results])
        return
    if not results:
        err.print("no partners followed (see `amanat follow`)")
    for r in results:
        colour = {"ok": "green", "problem": "red", "error": "yellow", "skipped": "cyan"}[r.status]
        if r.status == "skipped":
            err.print(f"[{colour}]skipped[/{colour}] {escape(r.origin)}: {escape(r.note or '')}")
            continue
        extra = f", cosigned size {r.cosigned}" if r.cosigned else ""
        extra += f", collected {r.collected} cosignature(s)" if r.collected else ""
        extra += f", after waiting {r.waited:g} s for another sync of it" if r.waited >= 1 else ""
        err.print(f"[{colour}]{r.status}[/{colour}] {escape(r.origin)}: log {r.before} → {r.after} "
                  f"({r.items} new item version(s)){extra}")
        for p in r.problems:
            where = f" [entry {p.index}]" if p.index is not None else ""
            err.print(f"  {p.kind}{where}: {escape(p.message)}")
        if r.counts.received:
            out.print(_counts_table(r))


def _counts_table(r: SyncResult) -> Table:
    """The round's counts, parts indented under their whole (they add up: ``SyncCounts``);
    two narrow columns, so the table fits 80 columns whatever the origin's length."""
    table = Table(header_style="bold")
    table.add_column(f"sync of {escape(r.origin)}", max_width=40)  # a long origin folds
    table.add_column("count", justify="right")
    counts = r.counts.as_dict()
    for label, key, depth in SyncCounts.ROWS:
        table.add_row(("  " * depth) + label, str(counts[key]), style=None if depth else "bold")
    return table


def partners(
    show_problems: Annotated[bool, typer.Option("--problems", help="Also list what sync found wrong.")] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List followed partner nodes and the state of their logs here."""
    with open_store(db) as store:
        rows = records.list_partners(store)
        problems = records.problems(store) if show_problems or as_json else []
        own = witness.served_witness(store)
    if as_json:
        emit_json({"partners": [p.as_dict() for p in rows], "problems": problems, "witness": own})
        return
    table = Table(title="Partners", header_style="bold")
    for col in ("origin", "url", "pinned", "verified size", "verified at", "last sync", "status"):
        table.add_column(col)
    for p in rows:
        pinned = "tofu" if p.tofu else ("key id" if p.pinned_kid else "checkpoint key")
        table.add_row(escape(p.origin), escape(p.url), pinned, str(p.verified_size),
                      p.verified_at.strftime("%Y-%m-%d %H:%M:%S") if p.verified_at else "",
                      p.last_sync.strftime("%Y-%m-%d %H:%M:%S") if p.last_sync else "",
                      (p.last_status or "never") + (f": {escape(p.last_error)}" if p.last_error else ""))
    out.print(table)
    for problem in problems:
        out.print(f"{problem['at'][:19]} {escape(problem['origin'])} {problem['kind']}: {escape(problem['message'])}")


def witness_key(keys: KeysDirOption = None, db: DbOption = None) -> None:
    """Print this node's cosigner (witness) key, creating it on first use; give it to partners."""
    with open_store(db) as store:
        signer = witness.local_cosigner(store, keys)
    out.print(signer.verifier().vkey())


def announce_cmd(timeout: TimeoutOption = 20.0, as_json: JsonOption = False, db: DbOption = None) -> None:
    """Notify push subscribers of this node's logs that have grown since the last notice."""
    from amanat.exchange import push

    with open_store(db) as store, make_fetcher(timeout=timeout) as fetcher:
        sent = push.announce(store, fetcher=fetcher)
    failed = [s for s in sent if not s["delivered"] and not s["unsubscribed"]]
    if as_json:
        emit_json(sent)
    elif not sent:
        err.print("nothing to announce: no subscribed log has grown since its last notice")
    for s in [] if as_json else sent:
        where = f"{escape(s['origin'])} size {s['size']} → {escape(s['callback'])}"
        if s["delivered"]:
            err.print(f"[green]delivered[/green] {where} (HTTP {s['status']})")
        elif s["unsubscribed"]:
            err.print(f"[yellow]unsubscribed[/yellow] {where} (HTTP 410: the subscriber is gone)")
        else:
            err.print(f"[red]not delivered[/red] {where}: {escape(str(s['status']))} (retried at the next announce)")
    if failed:
        raise typer.Exit(1)


app = typer.Typer(help="Follow partner nodes.", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
app.command()(follow)
app.command()(sync)
app.command()(partners)
app.command("witness")(witness_key)
app.command("announce")(announce_cmd)


def main() -> None:
    """Run the commands alone, with the main CLI's treatment of user errors (exit 2)."""
    try:
        app()
    except AmanatError as exc:
        err.print(f"[red]error:[/red] {escape(exc.diagnosis())}")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
