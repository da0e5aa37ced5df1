"""The ``amanat`` command line: one Typer app, one function per command.

Every command that lists or reports has ``--json``. User errors (``AmanatError``) print one
line to stderr and exit with status 2 (1 when some inputs of an ingest failed); anything else
is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import re
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from rich.markup import escape
from rich.text import Text
from sqlalchemy import exc as sa_exc
from typer.core import TyperGroup

from amanat.analyze import commands as analysis
from amanat.check import commands as checks
from amanat.cli_help import plain_help
from amanat.console import DbOption, JsonOption, State, Table, err, out
from amanat.console import emit_json as _emit_json
from amanat.console import open_store as _open
from amanat.errors import AmanatError, InputError
from amanat.exchange import commands as exchange
from amanat.kb import commands as kb
from amanat.provenance import commands as provenance
from amanat.provenance.demo import DEMO_COVERAGE, publish_demo_statement
from amanat.scale import commands as scale
from amanat.store import findings as stored_findings
from amanat.store.db import Store
from amanat.web.commands import serve, tokens_app

if TYPE_CHECKING:  # the base class names the Context of the click that typer bundles
    from typer._click.core import Context as _BaseContext

# A file the command writes that the machine will not take: the user's to fix, not a bug.
_NO_ROOM = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


class _Commands(TyperGroup):
    """Renders user errors — and a full disk or a read-only file — as one line and exit
    status 2, for every command."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plain_help(self)

    def invoke(self, ctx: _BaseContext) -> Any:
        try:
            return super().invoke(ctx)
        except AmanatError as exc:
            err.print(f"[red]error:[/red] {escape(exc.diagnosis())}")
            raise typer.Exit(2) from None
        except OSError as exc:
            if exc.errno not in _NO_ROOM:
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            err.print(f"[red]error:[/red] {escape(where + (exc.strerror or str(exc)))}")
            raise typer.Exit(2) from None
        except sa_exc.OperationalError as exc:
            # the database went away mid-run (PostgreSQL restarted or shut down, the network
            # cut): what was committed stays, the rest is redone by running the command again
            cause = str(exc.orig or exc).strip().splitlines()[0] if str(exc.orig or exc).strip() else type(exc).__name__
            err.print(f"[red]error:[/red] the database connection failed: {escape(cause)} "
                      "(work committed before it is kept: run the command again to resume)")
            raise typer.Exit(2) from None


app = typer.Typer(
    name="amanat",
    cls=_Commands,
    help="Authentic news exchange, and checking what the press reports against the record.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
sources_app = typer.Typer(help="List outlets and set their name, country and language.", no_args_is_help=False)
db_app = typer.Typer(help="Database maintenance: migrate, copy to another backend.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
app.add_typer(db_app, name="db")
app.add_typer(provenance.keys_app, name="keys")
app.add_typer(provenance.log_app, name="log")
app.command()(provenance.publish)
app.command()(provenance.withdraw)
app.command()(provenance.verify)
app.command()(serve)
app.add_typer(tokens_app, name="tokens")
app.add_typer(kb.kb_app, name="kb")
app.command()(analysis.analyze)
app.command()(analysis.claims)
app.command()(analysis.stories)
app.command()(analysis.story)
app.command()(checks.check)
app.command()(checks.reprints)
app.add_typer(provenance.publisher_app, name="publisher")
app.add_typer(checks.findings_app, name="findings")
app.add_typer(scale.scale_app, name="scale")
app.command()(kb.mentions)
app.command()(exchange.follow)
app.command()(exchange.sync)
app.command()(exchange.partners)
app.command("witness")(exchange.witness_key)
app.command("announce")(exchange.announce_cmd)

@app.callback()
def _main(ctx: typer.Context, db: DbOption = None) -> None:
    State.db = db
    State.command = ctx.invoked_subcommand


# --- ingest ---------------------------------------------------------------------------------


@app.command()
def ingest(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT", help="Files, directories or URLs (HTML, text, Markdown, JSONL, RSS/Atom/JSON Feed, WARC/ARC; .gz read transparently).")],
    source: Annotated[Optional[str], typer.Option(help="Outlet name for local files without a URL.")] = None,  # noqa: UP045
    follow: Annotated[bool, typer.Option("--follow", help="Follow feed entries to their pages.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Re-analyse inputs already seen.")] = False,
    jobs: Annotated[int, typer.Option(help="Worker processes for analysis (0 = one per core).")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or problem lines.")] = False,
    analyze: Annotated[bool, typer.Option("--analyze", help="Then find mentions and claims in the new documents (as `amanat analyze`).")] = False,
    check: Annotated[bool, typer.Option("--check", help="Then analyse and check the new documents (as `amanat check`).")] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Ingest news: files, directories, feeds and web pages into the store."""
    summary = run_ingest(inputs, db=db, source=source, follow=follow, force=force, jobs=jobs, quiet=quiet or as_json)
    analysed = checked = None
    workers = jobs or min(4, os.cpu_count() or 1)
    if analyze or check:
        with _open(db) as store:
            analysed = analysis.run_analysis(store, jobs=workers)
            checked = checks.run_checks_on_store(store, jobs=workers) if check else None
    if as_json:
        _emit_json(summary.as_dict() | ({"analysis": analysed} if analysed is not None else {})
                   | ({"check": checked} if checked is not None else {}))
    else:
        _print_summary(summary, quiet=quiet)
        if analysed is not None:
            err.print(f"analyzed {analysed['documents']} documents: {analysed['mentions']} mentions, "
                      f"{analysed['claims']} claims")
        if checked is not None:
            err.print(f"checked {checked['documents']} documents: {checked['findings']} findings "
                      "(see `amanat findings`)")
    if summary.failed:
        raise typer.Exit(1)


def run_ingest(inputs: list[str], *, db: str | None = None, source: str | None = None, follow: bool = False,
               force: bool = False, jobs: int = 0, quiet: bool = False):
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    from amanat.ingest.pipeline import ingest as run

    store = _open(db)
    progress = Progress(
        TextColumn("ingest"), BarColumn(), DownloadColumn(), TimeElapsedColumn(),
        console=err, disable=quiet or not err.is_terminal, transient=True,
    )
    task = progress.add_task("ingest", total=None)

    def on_problem(p: Any) -> None:
        if quiet:
            return
        if p.kind == "failed":
            progress.console.print(f"[red]error[/red] {escape(p.line())}", highlight=False)
        else:  # one line per input (a WARC file's skipped records come tallied by reason)
            progress.console.print(f"[dim]skipped {escape(p.line())}[/dim]", highlight=False)

    with store, progress:
        return run(
            store, inputs, source=source, follow=follow, force=force, jobs=jobs or None,
            on_problem=on_problem,
            on_total=lambda n: progress.update(task, total=n),
            on_progress=lambda n: progress.advance(task, n),
        )


def _print_summary(summary: Any, *, quiet: bool = False) -> None:
    d = summary.as_dict()
    table = Table(title="Ingest summary", show_header=True, header_style="bold")
    table.add_column("", style="bold")
    table.add_column("count", justify="right")
    for label, key in (("inputs", "inputs"), ("records seen", "seen"), ("new", "new"),
                       ("new versions", "new_versions"), ("same text at another URL", "copies"),
                       ("already stored", "same"), ("unchanged since last run", "unchanged"),
                       ("skipped", "skipped"), ("failed", "failed")):
        table.add_row(label, str(d[key]))
    out.print(table)
    if d["skipped_reasons"]:
        reasons = Table(title="Skipped, by reason", header_style="bold")
        reasons.add_column("reason")
        reasons.add_column("count", justify="right")
        for reason, n in list(d["skipped_reasons"].items())[:15]:
            reasons.add_row(escape(reason), str(n))
        out.print(reasons)
    if quiet:  # otherwise each failure was already printed as it happened
        for line in d["failures"][:20]:
            err.print(f"failed: {escape(line)}")
        if len(d["failures"]) > 20:
            err.print(f"… and {len(d['failures']) - 20} more failures")


# --- search and reading ---------------------------------------------------------------------


def _parse_date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--{name} takes a date as YYYY-MM-DD, not {value!r}") from None


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words, "phrases", prefix*, OR, -exclude.')],
    lang: Annotated[Optional[str], typer.Option(help="Only this language (ISO 639-1).")] = None,  # noqa: UP045
    source: Annotated[Optional[str], typer.Option(help="Only this outlet.")] = None,  # noqa: UP045
    since: Annotated[Optional[str], typer.Option(help="Published on or after YYYY-MM-DD.")] = None,  # noqa: UP045
    until: Annotated[Optional[str], typer.Option(help="Published on or before YYYY-MM-DD.")] = None,  # noqa: UP045
    limit: Annotated[int, typer.Option(help="How many results.")] = 20,
    all_versions: Annotated[bool, typer.Option("--all-versions", help="Match every stored version, not only each article's newest.")] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Full-text search, ranked, with highlighted snippets (one result per article)."""
    from amanat.store.search import MARK_END, MARK_START, Filters
    from amanat.store.search import search as run

    filters = Filters(lang, source, _parse_date(since, "since"), _parse_date(until, "until"), all_versions)
    with _open(db) as store:
        hits = run(store, query, filters, limit=limit)
    if as_json:
        _emit_json([h.as_dict(marks=("", "")) | {"snippet_marked": h.as_dict()["snippet"]} for h in hits])
        return
    if not hits:
        err.print("no results")
        return
    for rank, hit in enumerate(hits, 1):
        out.print(Text.assemble((f"{rank:>2}. ", "dim"), (hit.title or "(untitled)", "bold"), ("  " + hit.id, "cyan")))
        meta = " · ".join(x for x in (hit.source, hit.published or "undated", hit.language or "und") if x)
        out.print(Text("    " + meta + "  " + hit.url, style="dim"))
        snippet = Text("    ")
        for i, part in enumerate(hit.snippet.replace(MARK_END, MARK_START).split(MARK_START)):
            snippet.append(re.sub(r"\s+", " ", part), style="bold yellow" if i % 2 else None)
        out.print(snippet)


@app.command()
def show(
    doc_id: Annotated[str, typer.Argument(metavar="ID", help="Document id (or a unique prefix of 6+ characters).")],
    versions: Annotated[bool, typer.Option("--versions", help="All versions of the article, with diffs.")] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show a document (metadata, text, versions, copies at other URLs), or a published item's
    versions with their diffs when ID is an item URI."""
    import difflib

    if "://" in doc_id:
        provenance.show_item(doc_id, db, as_json)
        return
    with _open(db) as store:
        stored = store.get(doc_id)
        doc = stored.document
        history = store.versions(doc.canonical_url)
        copies = [c for c in store.copies(doc.content_hash) if c.document.canonical_url != doc.canonical_url]
    if as_json:
        _emit_json(stored.as_dict() | {
            "versions": [{"id": v.document.id, "version": v.version, "ingested": v.ingested.isoformat()} for v in history],
            "copies": [{"id": c.document.id, "url": c.document.url, "source": c.document.source} for c in copies],
        })
        return
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    for key, value in stored.as_dict().items():
        if key != "text" and value is not None:
            table.add_row(key, escape(str(value)))
    table.add_row("versions", f"{len(history)} (this is {stored.version})")
    table.add_row("copies elsewhere", ", ".join(f"{c.document.id} {c.document.source}" for c in copies) or "none")
    out.print(table)
    if not versions:
        out.print()
        out.print(escape(doc.text))
        return
    for older, newer in itertools.pairwise(history):
        out.print(f"\n[bold]version {older.version} → {newer.version}[/bold]  ({older.document.id} → {newer.document.id})")
        diff = difflib.unified_diff(
            older.document.text.splitlines(), newer.document.text.splitlines(),
            fromfile=f"v{older.version}", tofile=f"v{newer.version}", lineterm="", n=1,
        )
        for line in diff:
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim" if line.startswith("@@") else ""
            out.print(Text(line, style=style))
    if len(history) == 1:
        out.print("\nonly one version stored")


@app.command()
def stats(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Counts: documents, sources, languages, date range."""
    with _open(db) as store:
        s = store.stats()
        read_only = store.read_only
    if as_json:
        _emit_json(s)
        return
    table = Table(title="Amanat store", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for key in ("documents", "articles", "versions", "content_groups", "sources", "undated"):
        table.add_row(key.replace("_", " "), str(s[key]))
    table.add_row("published", f"{s['published_first'] or '?'} … {s['published_last'] or '?'}")
    table.add_row("languages", ", ".join(f"{k} {v}" for k, v in s["languages"].items()) or "none")
    table.add_row("database", s["database"] + (" (read-only)" if read_only else ""))
    out.print(table)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv")] = "jsonl",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write (default stdout).")] = None,  # noqa: UP045
    db: DbOption = None,
) -> None:
    """Export every stored document with every field (no cap)."""
    import csv

    if fmt not in ("jsonl", "csv"):
        raise InputError(f"--format must be jsonl or csv, not {fmt!r}")
    fh = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    n = 0
    try:
        with _open(db) as store:
            writer = None
            for stored in store.iter_documents():
                row = stored.as_dict()
                if fmt == "jsonl":
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                else:
                    if writer is None:
                        writer = csv.DictWriter(fh, fieldnames=list(row))
                        writer.writeheader()
                    writer.writerow(row)
                n += 1
    finally:
        if output:
            fh.close()
    if output:
        err.print(f"exported {n} documents to {output}")


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="Backup file to write (.amanat.gz).")],
    db: DbOption = None,
) -> None:
    """Write a backend-neutral backup of the whole store."""
    from amanat.store.backup import write_backup

    with _open(db) as store:
        counts = write_backup(store, file)
    err.print(f"backup written to {file}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="Backup file written by `amanat backup`.")],
    db: DbOption = None,
) -> None:
    """Restore a backup into an empty store (SQLite or PostgreSQL)."""
    from amanat.store.backup import read_backup

    with _open(db) as store:
        counts = read_backup(store, file)
    err.print(f"restored from {file}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


# --- sources --------------------------------------------------------------------------------


@sources_app.callback(invoke_without_command=True)
def sources_list(
    ctx: typer.Context,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List outlets with their document counts."""
    if ctx.invoked_subcommand:
        return
    with _open(db) as store:
        rows = store.sources()
    if as_json:
        _emit_json(rows)
        return
    table = Table(title="Sources", header_style="bold")
    for col in ("key", "name", "country", "language", "kind", "documents"):
        table.add_column(col, justify="right" if col == "documents" else "left")
    for r in rows:
        table.add_row(*(escape(str(r[c] or "")) for c in ("key", "name", "country", "language", "kind", "documents")))
    out.print(table)


@sources_app.command("set")
def sources_set(
    key: Annotated[str, typer.Argument(help="The outlet key, e.g. dawn.com")],
    name: Annotated[Optional[str], typer.Option(help="Display name.")] = None,  # noqa: UP045
    country: Annotated[Optional[str], typer.Option(help="ISO 3166-1 alpha-2 code.")] = None,  # noqa: UP045
    language: Annotated[Optional[str], typer.Option(help="Main language, ISO 639-1.")] = None,  # noqa: UP045
    db: DbOption = None,
) -> None:
    """Set an outlet's name, country or language."""
    if country is not None and not (len(country) == 2 and country.isalpha()):
        raise InputError(f"--country takes a two-letter ISO 3166-1 code, not {country!r}")
    with _open(db) as store:
        store.set_source(key, name=name, country=country.upper() if country else None, language=language)
    err.print(f"updated source {key}")


# --- database -------------------------------------------------------------------------------


@db_app.command("migrate")
def db_migrate(db: DbOption = None) -> None:
    """Bring the database schema to the newest revision."""
    with _open(db) as store:
        err.print(f"database at revision {store.revision()}")


@db_app.command("reindex")
def db_reindex(db: DbOption = None) -> None:
    """Rebuild the tantivy search index from the database (it is derived data)."""
    from amanat.store import fulltext

    with _open(db) as store:
        index = fulltext.index_for(store)
        if index is None:
            err.print("this store has no separate search index (in-memory, or AMANAT_SEARCH_INDEX=fts5): nothing to do")
            return
        index.rebuild(store.engine)
    err.print(f"search index rebuilt in {index.path}")


@db_app.command("copy")
def db_copy(
    to: Annotated[str, typer.Option("--to", help="Target database URL, e.g. postgresql://user@host/db")],
    db: DbOption = None,
) -> None:
    """Copy every row of this store into another (empty) one, e.g. SQLite into PostgreSQL."""
    from amanat.store.backup import copy_store

    with _open(db) as source, Store.open(to) as target:
        counts = copy_store(source, target)
    err.print(f"copied into {to}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


# --- demo -----------------------------------------------------------------------------------


@app.command()
def demo(
    serve_ui: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the web UI after ingesting (default: yes unless CI=true).")] = True,
    port: Annotated[int, typer.Option(help="Port for the web UI.")] = 8000,
    db: DbOption = None,
) -> None:
    """Ingest the bundled sample corpus and show what came in, what the checks find, the
    stories, and how faithfully the press reprinted a synthetic signed statement."""
    from amanat.analyze.commands import print_stories
    from amanat.store import stories

    with _open(db) as store:
        item = publish_demo_statement(store)
    summary = run_ingest([str(Path(__file__).with_name("sample"))], db=db, source="sample", quiet=False)
    _print_summary(summary)
    _print_summary(run_ingest([str(DEMO_COVERAGE)], db=db, quiet=True))
    stats(as_json=False, db=db)
    with _open(db) as store:
        counts = analysis.run_analysis(store)
        _show_claims(store)
        checks.run_checks_on_store(store)
        found = stored_findings.list_findings(store)
        grouped = [s for s in stories.list_stories(store) if s["documents"] > 1]
    out.print(f"\nLinked {counts['linked']} of {counts['mentions']} mentions to the knowledge base "
              f"(see `amanat mentions ID`); found {counts['claims']} claims (see `amanat claims ID`).")
    out.print("\nStories with more than one document (see `amanat stories`, `amanat story ID`):")
    print_stories(grouped)
    out.print(f"\nThe demo publisher's signed statement (synthetic) as the press reprinted it (`amanat reprints {item}`):")
    checks.reprints(item, as_json=False, db=db)
    out.print("\nWhat the checks found, with the evidence and the record's sources (see `amanat findings`):")
    checks.print_findings(found)
    out.print("\nTry: [bold]amanat search \"Kazakhstan Pakistan\"[/bold]")
    search("Kazakhstan Pakistan", lang=None, source=None, since=None, until=None, limit=3, all_versions=False,
           as_json=False, db=db)
    if os.environ.get("CI", "").lower() in ("1", "true", "yes") or not serve_ui:
        return
    out.print("\nServing the sample corpus (public on this machine only); Ctrl-C stops.")
    serve(host="127.0.0.1", port=port, public_documents=True, db=db)


def _show_claims(store: Store, per_type: int = 2) -> None:
    """A few claims of each type from the sample corpus, with the document they come from."""
    import sqlalchemy as sa

    from amanat.store import schema as t

    c = t.claims
    table = Table(title="Some claims in the sample corpus", header_style="bold")
    for col in ("document", "type", "text", "what"):
        table.add_column(col, overflow="fold")
    with store.engine.connect() as conn:
        for kind in ("figure", "quote", "role", "event", "membership"):
            rows = conn.execute(sa.select(c).where(c.c.type == kind).order_by(c.c.document_id, c.c.n).limit(per_type))
            for r in rows:
                claim = {"type": r.type, "text": r.text, **json.loads(r.fields)}
                table.add_row(r.document_id[:8], kind, escape(analysis.clip(r.text, 48)), escape(analysis.describe(claim)))
    out.print(table)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
