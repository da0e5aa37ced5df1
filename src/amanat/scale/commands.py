"""``amanat scale run`` and ``amanat scale load``: the Spark job and the bulk load of its output.

PySpark (and boto3, pyarrow) come with the ``scale`` extra; without it ``scale run`` says so in
one line and exits 2 rather than failing on an import deep inside.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from amanat.console import DbOption, JsonOption, emit_json, err, open_store, out
from amanat.errors import InputError

scale_app = typer.Typer(help="Scale-out on Apache Spark: run the job over WARC files, load its Parquet.",
                        no_args_is_help=True)
EXTRA = "pip install 'amanat[scale]'"


def require(module: str) -> None:
    """Exit 2 with one line when a module of the ``scale`` extra is missing."""
    try:
        importlib.import_module(module)
    except ImportError:
        err.print(f"[red]error[/red] {module} is not installed: {escape(EXTRA)} (the 'scale' extra)")
        raise typer.Exit(2) from None


@scale_app.command("run")
def run_cmd(
    inputs: Annotated[list[str], typer.Option("--input", "-i", help="WARC files: a local glob or s3://bucket/prefix/*.warc.gz (repeatable).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory for the Parquet tables (replaced).")],
    master: Annotated[str, typer.Option(help="Spark master: local[N], yarn, k8s://…, spark://…")] = "local[2]",
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Read WARC files on Spark: extract, analyse and find reprint candidates with the same
    functions as `ingest` and `analyze`; write documents, mentions, claims and candidates as
    Parquet. The knowledge base and signed statements are those of the store (--db)."""
    require("pyspark")
    from amanat.scale import spark
    from amanat.scale.files import list_inputs

    files = [f for pattern in inputs for f in list_inputs(pattern)]
    if any(f.startswith("s3://") for f in files):
        require("boto3")
    with open_store(db) as store:
        shipment = spark.shipment_of(store)
    session = spark.session(master)
    report = spark.run(session, files, output.resolve(), shipment)
    totals = report.totals()
    if as_json:
        emit_json({"output": str(output), "seconds": report.seconds, **totals, "files": report.files,
                   "problems": report.problems})
        return
    table = Table(title=f"scale run: {len(files)} files in {report.seconds:g} s", header_style="bold")
    for col in ("file", "captures", "documents", "skipped", "failed"):
        table.add_column(col, overflow="fold")
    for f in report.files:
        table.add_row(escape(f["location"]), *(str(f[k]) for k in ("captures", "documents", "skipped", "failed")))
    out.print(table)
    for p in report.problems:
        if p["kind"] == "failed":
            err.print(f"[yellow]failed[/yellow] {escape(p['location'])}: {escape(p['message'])}")
    err.print(f"{totals['documents']} documents from {totals['captures']} captures; "
              f"{totals['failed']} bad records; Parquet in {output}; next: amanat scale load {output}")


@scale_app.command("load")
def load_cmd(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="The output of `amanat scale run`.")],
    check: Annotated[bool, typer.Option("--check/--no-check", help="Then run the checks (stories, record, reprints, across sources).")] = True,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Bulk-load a Spark job's Parquet into the store (loading twice adds nothing), then run
    the corpus-wide steps of `amanat check` over it."""
    require("pyarrow")
    from amanat.check.commands import run_checks_on_store
    from amanat.scale.load import load

    if not directory.is_dir():
        raise InputError(f"{directory}: no such directory")
    with open_store(db) as store:
        loaded = load(store, directory)
        checked = (run_checks_on_store(store, reprint_candidates=loaded["candidates"],
                                       analyse=not loaded["analysis_current"]) if check else None)
    counts = loaded["counts"]
    if as_json:
        emit_json({"loaded": counts, "checked": checked})
        return
    err.print(f"loaded {counts.get('new', 0)} new documents, {counts.get('versions', 0)} new versions, "
              f"{counts.get('copies', 0)} copies; {counts.get('unchanged', 0)} already loaded; "
              f"{counts.get('analysed', 0)} analysed")
    if checked is not None:
        err.print(f"checked {checked['documents']} documents: {checked['findings']} findings")
