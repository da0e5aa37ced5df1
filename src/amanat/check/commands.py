"""Commands for checks and findings: ``check``, ``findings`` (list, export, confirm, dismiss).

``run_checks_on_store`` is the one way stored documents are checked: it first brings the
analysis passes up to date (so ``ingest`` then ``check`` is always enough), then runs every
registered check on the documents that are new, changed, or checked against another version
of the knowledge base or of a check, and records their findings.
"""

from __future__ import annotations

import csv
import io
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Optional

import sqlalchemy as sa
import typer
from rich.markup import escape

from amanat.analyze.commands import run_analysis
from amanat.check import DocumentView, checks, reprint_runs, run_checks, version_key
from amanat.check.across import dated_by_story
from amanat.check.story_runs import check_stories, group_new_documents
from amanat.check.views import record_of, views_of
from amanat.console import DbOption, JsonOption, Table, emit_json, err, open_store, out
from amanat.errors import AmanatError, InputError
from amanat.model import FINDING_STATUSES
from amanat.store import analysis, findings, stories
from amanat.store import schema as t
from amanat.store.db import Store

BATCH = 100  # documents whose findings are written in one transaction

findings_app = typer.Typer(help="Findings of the checks: list, export, confirm or dismiss.", invoke_without_command=True)


def run_checks_on_store(store: Store, *, everything: bool = False, since: datetime | None = None,
                        jobs: int = 1, on_total: Callable[[int], None] = lambda n: None,
                        progress: Callable[[], None] = lambda: None,
                        reprint_candidates: Mapping[str, Sequence[str]] | None = None,
                        analyse: bool = True, seconds: dict[str, float] | None = None) -> dict[str, int]:
    """Analyse what is missing, then check what is new or stale; record the findings.

    In order: the analysis passes; story grouping of the new documents (so an undated
    document is judged at its story's date); the record checks; reprints and quotes of signed
    items; the story checks across the documents of every story that changed.

    ``reprint_candidates``: the containment index's answers (document id → item URIs) when
    computed elsewhere; ``analyse`` False when the passes already ran elsewhere at this
    store's current versions (both from a Spark job, ``amanat.scale``). ``seconds``, when
    given, receives the wall time of each stage (what ``bench check`` reports)."""
    clock = _Stages(seconds)
    analysed = run_analysis(store, jobs=jobs) if analyse else {"documents": 0}
    clock.lap("analysis")
    grouped = group_new_documents(store, everything=everything)["documents"]
    clock.lap("stories")
    record = record_of(store)
    key = version_key(record.version)
    ids = list(analysis.all_ids(store) if everything else analysis.stale(store, {"checks": key}))
    if since is not None:
        d = t.documents
        with store.engine.connect() as conn:
            recent = set(conn.execute(sa.select(d.c.id).where(d.c.ingested >= since)).scalars())
        ids = [i for i in ids if i in recent]
    touched = stories.all_story_ids(store) if everything else stories.stories_of(store, ids)
    ids += sorted(stories.undated_members(store, touched) - set(ids))  # their story's date may have moved
    on_total(len(ids))
    counts: Counter[str] = Counter(documents=0, findings=0, failed=0, analysed=analysed["documents"])
    pending: list[tuple[str, list[dict[str, Any]]]] = []

    names = [c.name for c in checks()]

    def write() -> None:  # one transaction per batch of documents
        now = datetime.now(UTC)
        with store.engine.begin() as conn:
            for doc_id, rows in pending:
                findings.replace(conn, doc_id, rows, now, checks=names)
        pending.clear()

    def mark_checked(done: list[str]) -> None:
        """Record documents as checked — only once the whole chain (record checks, reprints,
        story checks) has run for them: a run killed before that leaves them unchecked, so
        the next run redoes their reprints and their stories' checks instead of skipping them."""
        runs = t.analysis_runs
        now = datetime.now(UTC)
        for start in range(0, len(done), BATCH):
            batch = done[start:start + BATCH]
            with store.engine.begin() as conn:
                conn.execute(sa.delete(runs).where(runs.c.document_id.in_(batch), runs.c.pass_name == "checks"))
                conn.execute(sa.insert(runs), [{"document_id": i, "pass_name": "checks", "version": key,
                                                "status": None, "analysed": now} for i in batch])

    checked: list[str] = []
    for start in range(0, len(ids), BATCH):
        for view in views_of(store, ids[start:start + BATCH]):
            try:
                found = run_checks(_dated(store, view), record)
            except (AmanatError, ValueError) as exc:
                counts["failed"] += 1
                err.print(f"[red]error[/red] {view.id}: cannot check: {escape(str(exc))}")
                progress()
                continue
            checked.append(view.id)
            pending.append((view.id, [f.as_dict() for f in found]))
            counts["documents"] += 1
            counts["findings"] += len(found)
            for f in found:
                counts[f.status] += 1
            progress()
        write()
    clock.lap("record checks")
    by_items = reprint_runs.match_items(store)
    by_documents = reprint_runs.match_documents(store, ids, reprint_candidates)
    clock.lap("reprints")
    counts["reprints"] = by_documents["reprints"] + by_items["reprints"]
    counts["quotes"] = by_documents["quotes"] + by_items["quotes"]
    across_stories = check_stories(store, touched)
    clock.lap("story checks")
    counts["grouped"] = grouped
    counts["stories checked"] = across_stories["stories"]
    for part in (by_documents, across_stories):  # their findings, by status
        counts["findings"] += part["findings"]
        for status in FINDING_STATUSES:
            counts[status] += part.get(status, 0)
    mark_checked(checked)
    clock.lap("record checks")
    return dict(counts)


class _Stages:
    """Wall time per stage, added into a caller's dict (nothing kept when none is given)."""

    def __init__(self, into: dict[str, float] | None) -> None:
        self.into, self.last = into, time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        if self.into is not None:
            self.into[stage] = self.into.get(stage, 0.0) + now - self.last
        self.last = now


def _dated(store: Store, view: DocumentView) -> DocumentView:
    """An undated document with its story's date, when its story lends one."""
    if view.published is not None:
        return view
    story = stories.story_of(store, view.id)
    return dated_by_story(view, stories.story_dates(store, story)) if story else view


def check(
    all_documents: Annotated[bool, typer.Option("--all", help="Check every document again.")] = False,
    since: Annotated[Optional[str], typer.Option(help="Only documents ingested on or after this date (YYYY-MM-DD).")] = None,  # noqa: UP045
    list_them: Annotated[bool, typer.Option("--list", help="Then list the current findings.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes for analysis.", min=1, max=64)] = 1,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Check claims against the dated record and documents against themselves.

    Runs the analysis that is missing or out of date first. Incremental: new and changed
    documents, and those checked against another knowledge base or check version; --all
    for everything. Exits 0 whatever it finds (1 when some documents could not be checked)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    start = _date(since, "--since") if since else None
    with open_store(db) as store, Progress(TextColumn("check"), BarColumn(), MofNCompleteColumn(), console=err,
                                           disable=as_json or not err.is_terminal, transient=True) as bar:
        task = bar.add_task("check", total=None)
        counts = run_checks_on_store(store, everything=all_documents, since=start, jobs=jobs,
                                     on_total=lambda n: bar.update(task, total=n), progress=lambda: bar.advance(task))
        rows = findings.list_findings(store) if list_them else None
    if as_json:
        emit_json({**counts, "findings_list": rows} if rows is not None else counts)
    else:
        by_status = ", ".join(f"{counts[s]} {s}" for s in FINDING_STATUSES if counts.get(s))
        err.print(f"checked {counts['documents']} documents: {counts['findings']} findings"
                  + (f" ({by_status})" if by_status else ""))
        if rows is not None:
            print_findings(rows)
    if counts["failed"]:
        raise typer.Exit(1)


def _date(text: str, option: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    except ValueError:
        raise InputError(f"{option} wants a date YYYY-MM-DD, not {text!r}") from None


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    claimreview = "claimreview"


def print_findings(rows: list[dict[str, Any]]) -> None:
    """A readable table that fits 80 columns: id, status, what, the sentence."""
    table = Table(title=f"Findings ({len(rows)})", header_style="bold", show_lines=True)
    table.add_column("id", no_wrap=True)
    table.add_column("status")
    table.add_column("finding", overflow="fold")
    for r in rows:
        quote = " / ".join(f"\u201c{e['text']}\u201d" for e in r["evidence"][:2])
        review = f"\n[{r['review']['decision']}: {escape(r['review']['note'])}]" if r["review"] else ""
        table.add_row(r["id"][:10], r["status"], escape(f"{r['sentence']}\n{quote} — document {r['document_id'][:10]}") + review)
    out.print(table)


@findings_app.callback()
def findings_cmd(
    ctx: typer.Context,
    type_: Annotated[Optional[str], typer.Option("--type", help="Only this type (e.g. title-at-date).")] = None,  # noqa: UP045
    status: Annotated[Optional[str], typer.Option(help="Only this status: contradicted, inconsistent, informational, undetermined.")] = None,  # noqa: UP045
    document: Annotated[Optional[str], typer.Option(help="Only findings on this document id.")] = None,  # noqa: UP045
    dismissed: Annotated[bool, typer.Option("--dismissed", help="Include dismissed findings.")] = False,
    fmt: Annotated[Format, typer.Option("--format", help="table, json (every finding, no cap), csv, or claimreview (schema.org JSON-LD).")] = Format.table,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The current findings (dismissed ones hidden unless --dismissed)."""
    if ctx.invoked_subcommand is not None:
        return
    if status and status not in FINDING_STATUSES:
        raise InputError(f"--status is one of {', '.join(FINDING_STATUSES)}, not {status!r}")
    with open_store(db) as store:
        doc_id = store.get(document).document.id if document else None
        rows = findings.list_findings(store, type=type_, status=status, document_id=doc_id, dismissed=dismissed)
        if fmt is Format.claimreview:
            from amanat.check.claimreview import claim_reviews

            emit_json(claim_reviews(store, rows))
            return
    if as_json or fmt is Format.json:
        emit_json(rows)
    elif fmt is Format.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["id", "status", "type", "severity", "document_id", "judged_at", "sentence", "evidence",
                         "review"])
        for r in rows:
            writer.writerow([r["id"], r["status"], r["type"], r["severity"], r["document_id"], r["judged_at"] or "",
                             r["sentence"], " | ".join(e["text"] for e in r["evidence"]),
                             r["review"]["decision"] if r["review"] else ""])
        out.print(buffer.getvalue(), end="", markup=False, highlight=False)
    else:
        print_findings(rows)


def _review(action: str, finding_id: str, note: str, db: str | None) -> None:
    import getpass

    with open_store(db) as store:
        decision = findings.review(store, finding_id, action, note, f"{getpass.getuser()} (command line)")
    err.print(f"{finding_id}: {decision['decision']}")


@findings_app.command("confirm")
def confirm(finding_id: Annotated[str, typer.Argument(metavar="ID")],
            note: Annotated[str, typer.Option(help="Why (kept with the decision).")], db: DbOption = None) -> None:
    """Confirm a finding after review; the decision survives re-analysis."""
    _review("confirm", finding_id, note, db)


@findings_app.command("dismiss")
def dismiss(finding_id: Annotated[str, typer.Argument(metavar="ID")],
            note: Annotated[str, typer.Option(help="Why (kept with the decision).")], db: DbOption = None) -> None:
    """Dismiss a finding; it stays out of the default views, and stays dismissed."""
    _review("dismiss", finding_id, note, db)


def reprints(
    item_uri: Annotated[str, typer.Argument(metavar="ITEM_URI", help="The signed item's URI.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Every stored document that reprints or quotes a signed item, with its outlet, date and
    fidelity (found by `amanat check`)."""
    from amanat.store import reprints as stored

    with open_store(db) as store:
        item = stored.of_item(store, item_uri)
    if as_json:
        emit_json(item)
        return
    rows = item["reprints"]
    status = ", ".join(f"v{v['version']}" + (" withdrawn" if v["status"] == "canceled" else "") for v in item["versions"])
    out.print(f"{escape(item_uri)}\n{escape(item['origin'])}: {status}")
    table = Table(title=f"Reprints and quotes ({len(rows)})", header_style="bold")
    table.add_column("date", no_wrap=True)
    table.add_column("outlet", overflow="fold", max_width=18)
    table.add_column("fidelity", overflow="fold")
    table.add_column("document", no_wrap=True)
    for r in rows:
        fidelity = f"{r['kind']} of v{r['version']}: {', '.join(r['classes'])} ({round(r['share'] * 100)}%)"
        changes = [d for d in r["differences"] if d["kind"] != "missing"]
        if changes:
            fidelity += f"; {len(changes)} change{'s' * (len(changes) != 1)}"
        if any(d["mid_sentence"] for d in r["differences"]):
            fidelity += "; cut mid-sentence"
        if r["withdrawn"]:
            fidelity += "; item withdrawn"
        table.add_row((r["published"] or "")[:10], escape(r["source"]), escape(fidelity), r["document_id"][:10])
    out.print(table)
