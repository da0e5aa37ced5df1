"""Commands that run analysis over the store and show what it found: ``analyze``, ``claims``.

``run_analysis`` is the one way stored documents are analysed — by ``amanat analyze``, by
``ingest --analyze`` and by the demo: documents are read from the store, handed to the pure
passes (``amanat.analyze.passes``) in this process or a worker pool, and their rows written
back in batches, with the version each pass ran at.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape

from amanat.analyze.passes import PASSES, Context, Source, run_local
from amanat.console import DbOption, JsonOption, Table, emit_json, err, open_store, out
from amanat.errors import InputError
from amanat.store import analysis
from amanat.store.db import Store


def context_of(store: Store) -> Context:
    """The knowledge base this store links against (starter + its imports), indexed."""
    from amanat.kb.commands import indexed_kb

    _, index, version = indexed_kb(store)
    return Context(index, version)


def _sources(store: Store, ids: Iterable[str]) -> Iterator[Source]:
    for doc_id in ids:
        yield Source.of(store.get(doc_id).document)


def run_analysis(store: Store, ids: list[str] | None = None, *, everything: bool = False, jobs: int = 1,
                 on_total: Callable[[int], None] = lambda n: None,
                 progress: Callable[[], None] = lambda: None) -> dict[str, int]:
    """Analyse the named documents, else every document (``everything``), else those that
    are new or were analysed by an older version of a pass; store the results."""
    context = context_of(store)
    versions = {p.name: p.version(context) for p in PASSES}
    if ids:
        chosen = [store.get(i).document.id for i in ids]
    else:
        chosen = list(analysis.all_ids(store) if everything else analysis.stale(store, versions))
    on_total(len(chosen))
    counts: Counter[str] = Counter(documents=0, mentions=0, linked=0, positions=0, claims=0, not_analysed=0)
    with analysis.AnalysisWriter(store) as writer:
        for source, outputs in run_local(_sources(store, chosen), context, jobs):
            writer.add(source.id, {p.name: analysis.PassResult(p.table, versions[p.name], outputs[p.name].rows,
                                                               outputs[p.name].status) for p in PASSES})
            rows = outputs["mentions"].rows
            counts["documents"] += 1
            counts["mentions"] += len(rows)
            counts["linked"] += sum(1 for r in rows if r["entity_id"] and r["kind"] != "position")
            counts["positions"] += sum(1 for r in rows if r["kind"] == "position")
            counts["claims"] += len(outputs["claims"].rows)
            counts["not_analysed"] += outputs["claims"].status is not None
            for row in outputs["claims"].rows:
                counts["claims_" + row["type"]] += 1
            progress()
    return dict(counts)


def analyze(
    ids: Annotated[Optional[list[str]], typer.Argument(metavar="ID", help="Document ids (default: new and changed documents).")] = None,  # noqa: UP045
    all_documents: Annotated[bool, typer.Option("--all", help="Every stored document, analysed again.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes.", min=1, max=64)] = 1,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Find mentions (linked to the knowledge base) and claims in documents; store them.

    Incremental: without ids, only documents not yet analysed, or analysed by an older
    version of the analysis or of the knowledge base; --all for every document."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    if ids and all_documents:
        raise InputError("name document ids or give --all, not both")
    with open_store(db) as store, Progress(
        TextColumn("analyze"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err,
        disable=as_json or not err.is_terminal, transient=True,
    ) as bar:
        task = bar.add_task("analyze", total=None)
        counts = run_analysis(store, ids, everything=all_documents, jobs=jobs,
                              on_total=lambda n: bar.update(task, total=n), progress=lambda: bar.advance(task))
    if as_json:
        emit_json(counts)
        return
    kinds = ", ".join(f"{counts[k]} {k[7:]}" for k in sorted(counts) if k.startswith("claims_"))
    err.print(f"analyzed {counts['documents']} documents: {counts['mentions']} mentions, {counts['linked']} linked; "
              f"{counts['claims']} claims" + (f" ({kinds})" if kinds else "")
              + (f"; {counts['not_analysed']} not analysed for claims (language)" if counts["not_analysed"] else ""))


def claims(
    doc_id: Annotated[str, typer.Argument(metavar="ID", help="Document id (or a unique prefix).")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The claims of a document — quotes, roles, figures, dated events, memberships — each
    with its span in the document's text."""
    with open_store(db) as store:
        doc = store.get(doc_id).document
        found, status, ran = analysis.claims_of(store, doc.id)
    if not ran:
        err.print(f"{doc.id}: not analysed yet: run `amanat analyze {doc.id}`")
    elif status:
        err.print(f"{doc.id}: {status}")
    if as_json:
        emit_json(found)
        return
    table = Table(title=f"Claims in {doc.id}", header_style="bold")
    for col in ("span", "type", "text", "what"):
        table.add_column(col, overflow="fold")
    for c in found:
        table.add_row(f"{c['start']}–{c['end']}", c["type"], escape(clip(c["text"])), escape(describe(c)))
    out.print(table)


def clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def describe(claim: dict[str, object]) -> str:
    """One short line of what a claim says, for tables."""
    kind = claim["type"]
    if kind == "figure":
        bits = [str(claim.get("qualifier") or ""), f"{claim.get('value'):g}" if isinstance(claim.get("value"), int | float) else "",
                str(claim.get("unit") or ""), f"({claim.get('measure')})"]
        if claim.get("as_of"):
            bits.append(f"as of {claim['as_of']}")
        if claim.get("attributed_to"):
            bits.append(f"per {claim['attributed_to']}")
        return " ".join(b for b in bits if b)
    if kind == "quote":
        return f"said by {claim.get('speaker') or 'unknown'}"
    if kind == "role":
        marker = f"{claim['marker']} " if claim.get("marker") else ""
        return f"{claim.get('person') or claim.get('place')}: {marker}{claim.get('title')}"
    if kind == "event":
        return f"{claim.get('date') or 'unresolved'} ({claim.get('precision') or claim.get('why') or ''})"
    if kind == "membership":
        members = claim.get("members")
        return f"{claim.get('group')}: {', '.join(map(str, members if isinstance(members, list) else []))}"
    return json.dumps({k: v for k, v in claim.items() if k not in ("type", "start", "end", "text")})


# --- stories ----------------------------------------------------------------------------


def stories(
    since: Annotated[Optional[str], typer.Option(help="Only stories with coverage on or after this date (YYYY-MM-DD).")] = None,  # noqa: UP045
    regroup: Annotated[bool, typer.Option("--regroup", help="Group every document again first (deterministic).")] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Stories: documents grouped by the event they report, across outlets and languages.

    Latest coverage first; wire copy counts once (reports). `amanat check` groups new
    documents; --regroup groups every stored document again, in date order."""
    from amanat.check.story_runs import group_new_documents
    from amanat.store import stories as stored

    start = _iso_date(since, "--since") if since else None
    with open_store(db) as store:
        if regroup:
            group_new_documents(store, everything=True)
        rows = stored.list_stories(store, since=start)
        documents = store.stats().get("documents", 0) if not rows else 0
    if as_json:
        emit_json(rows)
        return
    if not rows:
        err.print("no stories yet: run `amanat check` to group the documents" if documents else "no stories")
        return
    print_stories(rows)


def print_stories(rows: list[dict[str, Any]]) -> None:
    """Stories as a table of 80 columns: id, latest coverage, documents, reports, sources, title."""
    table = Table(title=f"Stories ({len(rows)})", header_style="bold")
    table.add_column("id", no_wrap=True)
    table.add_column("latest", no_wrap=True)
    table.add_column("docs", justify="right")
    table.add_column("rep", justify="right")
    table.add_column("src", justify="right")
    table.add_column("title", overflow="fold")
    for r in rows:
        table.add_row(r["id"][:10], r["last_published"] or "undated", str(r["documents"]), str(r["reports"]),
                      str(r["sources"]), escape(clip(r["title"], 70)))
    out.print(table, width=min(out.width, 80))


def story(
    story_id: Annotated[str, typer.Argument(metavar="ID", help="Story id (or a unique prefix).")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """One story: its title, the timeline of its coverage (date, outlet, headline), its
    sources, and its reports with their copies."""
    from amanat.store import stories as stored

    with open_store(db) as store:
        found = stored.get_story(store, story_id)
    if as_json:
        emit_json(found)
        return
    span = found["first_published"] or "undated"
    if found["last_published"] and found["last_published"] != found["first_published"]:
        span += f" – {found['last_published']}"
    out.print(f"[bold]{escape(found['title'])}[/bold]", width=min(out.width, 80))
    out.print(f"story {found['id']}  ·  {span}  ·  {_count(found['documents'], 'document')}, "
              f"{_count(found['reports'], 'report')}, {_count(found['sources'], 'source')}",
              width=min(out.width, 80), highlight=False)
    out.print("sources: " + escape(", ".join(found["source_list"])), width=min(out.width, 80), highlight=False)
    per_day = Counter(e["published"] or "undated" for e in found["timeline"])
    widest = max(per_day.values())
    out.print("\ncoverage per day", highlight=False)
    for day in sorted(per_day, key=lambda d: (d == "undated", d)):
        bar = "█" * max(1, round(per_day[day] * 40 / widest))
        out.print(f"  {day:<10} {bar} {per_day[day]}", highlight=False)
    table = Table(title="Timeline", header_style="bold")
    table.add_column("date", no_wrap=True)
    table.add_column("outlet", overflow="fold", max_width=20)
    table.add_column("headline", overflow="fold")
    table.add_column("copy of", no_wrap=True)
    for e in found["timeline"]:
        copy_of = "" if e["report"] == e["document_id"] else e["report"][:8]
        table.add_row(e["published"] or "undated", escape(e["source"]), escape(clip(e["title"] or "(no headline)", 60)),
                      copy_of)
    out.print(table, width=min(out.width, 80))
    out.print("reports (wire copy counts once)", highlight=False)
    for r in found["report_list"]:
        wire = f" credits {r['wire']}" if r["wire"] else ""
        copies = f", {r['copies']} copies" if r["copies"] else ""
        out.print(escape(f"  {r['key']}{wire}{copies}: {', '.join(r['sources'])}"), width=min(out.width, 80),
                  highlight=False)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _iso_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} wants a date YYYY-MM-DD, not {text!r}") from None
