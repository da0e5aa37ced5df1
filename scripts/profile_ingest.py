"""Where the time goes: main-text extraction and ingest, stage by stage (issue 19, "profile first").

Measures, does not optimise. Two parts, printed as Markdown tables:

1. Main text (``amanat.analyze.extract.extract_html``) on the extraction benchmark's pages
   (../shared/data/extraction): CPU time per stage (``time.process_time``, medians of
   ``--repeat`` runs, the machine is shared), beside lxml's bare parse and trafilatura's
   default ``extract`` measured in the same run; then one cProfile run of ``extract_html``,
   cumulative time grouped by stage (trafilatura's passes, htmldate, metadata, ours).
2. Ingest end to end (a folder of HTML files, a WARC.gz file, a JSONL file of pages) into a
   fresh SQLite store: pages/s with 1 and 2 workers (wall clock and this process's CPU), one
   cProfile run with 1 worker grouped by stage, and where the captures were analysed (in this
   process or in the pool).

Run from the repository root::

    PYTHONPATH=src .venv/bin/python scripts/profile_ingest.py [--repeat 3] [--limit N]
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import io
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402
from lxml import html as lxml_html  # noqa: E402
from trafilatura.utils import load_html  # noqa: E402

from amanat.analyze import extract as extract_module  # noqa: E402
from amanat.analyze.extract import extract_html  # noqa: E402
from amanat.analyze.language import detect_language  # noqa: E402
from amanat.ingest import pipeline  # noqa: E402
from amanat.ingest.decode import decode_html  # noqa: E402
from amanat.model import content_hash, document_id  # noqa: E402
from amanat.store.db import Store  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "extraction"  # ../shared beside the checkout
if not DATA.is_dir():
    sys.exit(f"profile_ingest: {DATA} is missing (the extraction pages of ../shared)")

# cProfile groups for extraction: (label, module path suffix, function name). Cumulative
# times nest (htmldate runs inside metadata, trafilatura's passes inside trafilatura_sequence),
# so the "of which" rows are parts of the row above them, not additions.
EXTRACT_GROUPS: list[tuple[str, str, str]] = [
    ("extract_html (all)", "amanat/analyze/extract.py", "extract_html"),
    ("parse: trafilatura load_html (lxml)", "trafilatura/utils.py", "load_html"),
    ("metadata: trafilatura extract_metadata", "trafilatura/metadata.py", "extract_metadata"),
    ("  of which htmldate find_date", "htmldate/core.py", "find_date"),
    ("  of which examine_meta (<meta> tags)", "trafilatura/metadata.py", "examine_meta"),
    ("  of which extract_meta_json (JSON-LD)", "trafilatura/metadata.py", "extract_meta_json"),
    ("  of which extract_title", "trafilatura/metadata.py", "extract_title"),
    ("  of which extract_author (deepcopy + prune)", "trafilatura/metadata.py", "extract_author"),
    ("  of which extract_url", "trafilatura/metadata.py", "extract_url"),
    ("  of which extract_sitename", "trafilatura/metadata.py", "extract_sitename"),
    ("  of which extract_catstags", "trafilatura/metadata.py", "extract_catstags"),
    ("  of which extract_license", "trafilatura/metadata.py", "extract_license"),
    ("main text: trafilatura_sequence", "trafilatura/core.py", "trafilatura_sequence"),
    ("  prune_unwanted_nodes, all callers (XPath prunes)", "trafilatura/htmlprocessing.py", "prune_unwanted_nodes"),
    ("  of which tree_cleaning", "trafilatura/htmlprocessing.py", "tree_cleaning"),
    ("  of which convert_tags", "trafilatura/htmlprocessing.py", "convert_tags"),
    ("  of which extract_content (main extractor)", "trafilatura/main_extractor.py", "extract_content"),
    ("  of which compare_extraction (readability + justext)", "trafilatura/external.py", "compare_extraction"),
    ("    of which readability", "trafilatura/external.py", "try_readability"),
    ("    of which justext", "trafilatura/external.py", "try_justext"),
    ("  of which forum check", "trafilatura/core.py", "_forum_thread_page"),
    ("text out: xmltotxt", "trafilatura/xml.py", "xmltotxt"),
    ("ours: canonical_url", "amanat/analyze/extract.py", "canonical_url"),
    ("ours: declared_language", "amanat/analyze/extract.py", "declared_language"),
]

INGEST_GROUPS: list[tuple[str, str, str]] = [
    ("ingest (all)", "amanat/ingest/pipeline.py", "ingest"),
    ("plan inputs (classify, sniff)", "amanat/ingest/pipeline.py", "plan"),
    ("read: HTML files", "amanat/ingest/pipeline.py", "_read_html_file"),
    ("read: WARC records (warcio)", "amanat/ingest/warc.py", "read_warc"),
    ("read: JSONL lines", "amanat/ingest/textfiles.py", "read_jsonl"),
    ("seen-list check (sha256 + query)", "amanat/store/db.py", "seen"),
    ("analyse (analyze_capture)", "amanat/ingest/document.py", "analyze_capture"),
    ("  of which decode_html", "amanat/ingest/decode.py", "decode_html"),
    ("  of which extract_html", "amanat/analyze/extract.py", "extract_html"),
    ("  of which detect_language", "amanat/analyze/language.py", "detect_language"),
    ("  of which content_hash", "amanat/model.py", "content_hash"),
    ("  of which document_id", "amanat/model.py", "document_id"),
    ("store write (writer.add)", "amanat/store/writer.py", "add"),
    ("store flush/commit (writer.flush)", "amanat/store/writer.py", "flush"),
    ("search index (refresh_search_index)", "amanat/store/db.py", "refresh_search_index"),
]


def pages(limit: int | None) -> list[tuple[str, str, bytes]]:
    """(id, url, raw bytes) of the benchmark's pages, sorted by id."""
    truth = json.loads((DATA / "ground-truth.json").read_text())
    out = []
    for key in sorted(truth)[:limit]:
        body = gzip.decompress((DATA / "html" / f"{key}.html.gz").read_bytes())
        out.append((key, truth[key]["url"], body))
    return out


def cpu_medians(cases: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median CPU seconds of each case, cases taking turns run by run (fair under bursts)."""
    runs: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, fn in cases.items():
            t0 = time.process_time()
            fn()
            runs[name].append(time.process_time() - t0)
    return {name: statistics.median(r) for name, r in runs.items()}


def grouped(profile: cProfile.Profile, groups: list[tuple[str, str, str]]) -> list[tuple[str, float, int]]:
    """(label, cumulative seconds, calls) of each group's function in one profile."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    out = []
    for label, suffix, func in groups:
        seconds, calls = 0.0, 0
        for (filename, _line, name), (_cc, nc, _tt, ct, _callers) in stats.items():
            if name == func and filename.replace("\\", "/").endswith(suffix):
                seconds += ct
                calls += nc
        out.append((label, seconds, calls))
    return out


def callers_of(profile: cProfile.Profile, suffix: str, func: str) -> list[tuple[str, float, int]]:
    """(caller, cumulative seconds spent in ``func`` from it, calls), biggest first."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    out: dict[str, tuple[float, int]] = {}
    for (filename, _line, name), (_cc, _nc, _tt, _ct, callers) in stats.items():
        if name == func and filename.replace("\\", "/").endswith(suffix):
            for (cfile, cline, cname), value in callers.items():
                nc, ct = value[1], value[3]
                key = f"{Path(cfile).parent.name}/{Path(cfile).name}:{cline} {cname}"
                seconds, calls = out.get(key, (0.0, 0))
                out[key] = (seconds + ct, calls + nc)
    return sorted(((k, s, c) for k, (s, c) in out.items()), key=lambda r: -r[1])


def table(header: list[str], rows: Iterable[list[object]]) -> str:
    def cell(v: object) -> str:
        return f"{v:.3g}" if isinstance(v, float) and abs(v) < 100 else (f"{v:,.0f}" if isinstance(v, float) else str(v))

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _bare_extraction(tree: object, url: str) -> object:
    """trafilatura's call exactly as ``extract_html`` makes it (settings copied from there)."""
    return trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, date_extraction_params=extract_module._date_params(),
        include_comments=False, favor_precision=True, include_tables=True,
    )


def profile_extraction(data: list[tuple[str, str, bytes]], repeat: int) -> str:
    n = len(data)
    decoded = [(url, decode_html(body)[0]) for _, url, body in data]
    trees = [(url, load_html(html)) for url, html in decoded]
    texts = [extract_html(html, url).text for url, html in decoded]
    cases: dict[str, Callable[[], object]] = {
        "decode bytes → str (decode_html)": lambda: [decode_html(body) for _, _, body in data],
        "lxml bare parse (lxml.html.fromstring) — reference": lambda: [lxml_html.fromstring(h) for _, h in decoded],
        "trafilatura load_html (lxml parse + checks)": lambda: [load_html(h) for _, h in decoded],
        "depth check xpath (ours)": lambda: [t.xpath(extract_module._AT_DEPTH_LIMIT) for _, t in trees],
        "trafilatura.bare_extraction, our settings, on a parsed tree": lambda: [_bare_extraction(t, u) for u, t in trees],
        "  trafilatura.extract_metadata alone (incl. htmldate)": lambda: [
            trafilatura.extract_metadata(t, u, extract_module._date_params()) for u, t in trees],
        "  htmldate.find_date alone (our settings)": lambda: [_find_date(t, u) for u, t in trees],
        "ours: canonical_url + declared_language": lambda: [
            (extract_module.canonical_url(t, u), extract_module.declared_language(t)) for u, t in trees],
        "extract_html end to end (str in)": lambda: [extract_html(h, u) for u, h in decoded],
        "trafilatura.extract default (str in) — reference": lambda: [trafilatura.extract(h, url=u) for u, h in decoded],
        "trafilatura.extract fast=True (str in) — reference": lambda: [
            trafilatura.extract(h, url=u, fast=True) for u, h in decoded],
        "language id (detect_language on the text)": lambda: [detect_language(t) for t in texts],
        "hash + id (content_hash, document_id)": lambda: [document_id(u, content_hash(t)) for (_, u, _), t in zip(data, texts, strict=True)],
    }
    cpu = cpu_medians(cases, repeat)
    whole = cpu["extract_html end to end (str in)"]
    rows = [[name, s / n * 1000, n / s if s else float("inf"), f"{s / whole:.0%}"] for name, s in cpu.items()]
    prof = cProfile.Profile()
    prof.enable()
    for url, html in decoded:
        extract_html(html, url)
    prof.disable()
    groups = grouped(prof, EXTRACT_GROUPS)
    total = groups[0][1]
    prows = [[label, s / n * 1000, calls, f"{s / total:.0%}"] for label, s, calls in groups]
    prunes = callers_of(prof, "trafilatura/htmlprocessing.py", "prune_unwanted_nodes")
    return (
        f"### Main text: CPU per stage ({n} pages, medians of {repeat} runs, time.process_time)\n\n"
        + table(["stage", "ms/page", "pages/s", "share of extract_html"], rows)
        + f"\n\n### Main text: cProfile of extract_html, cumulative time by stage ({n} pages, one run)\n\n"
        + "Rows starting with \"of which\" are parts of the row above; the profiler's overhead "
        "inflates small Python functions more than C calls, so read shares, not milliseconds.\n\n"
        + table(["stage (function)", "ms/page (profiled)", "calls", "share"], prows)
        + "\n\n### Main text: trafilatura's XPath prunes (prune_unwanted_nodes) by caller\n\n"
        + table(["caller", "ms/page (profiled)", "calls", "share of extract_html"],
                [[k, s / n * 1000, c, f"{s / total:.0%}"] for k, s, c in prunes])
    )


def _find_date(tree: object, url: str) -> object:
    from htmldate import find_date

    return find_date(tree, url=url, original_date=True, extensive_search=False, max_date=date.today().isoformat())


# --- ingest ---------------------------------------------------------------------------------


def _write_inputs(data: list[tuple[str, str, bytes]], tmp: Path, copies: int) -> dict[str, Path]:
    """The pages ``copies`` times over (each copy its own address) as HTML files, one WARC.gz
    and one JSONL file."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    folder = tmp / "pages"
    folder.mkdir()
    for c in range(copies):
        for i, (_key, _url, body) in enumerate(data):
            (folder / f"{c}-{i:03}.html").write_bytes(body)
    warc = tmp / "pages.warc.gz"
    with warc.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for c in range(copies):
            for _key, url, body in data:
                headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
                record = writer.create_warc_record(f"{url}?copy={c}", "response", payload=io.BytesIO(body),
                                                   http_headers=headers)
                writer.write_record(record)
    jsonl = tmp / "pages.jsonl"
    with jsonl.open("w") as fh:
        for c in range(copies):
            for _key, url, body in data:
                fh.write(json.dumps({"url": f"{url}?copy={c}", "html": body.decode("utf-8", "replace")}) + "\n")
    return {"HTML files": folder, "WARC.gz": warc, "JSONL (html field)": jsonl}


class _Where:
    """Counts where ``ingest`` analysed captures: here (``_analyze_here``) or in the pool."""

    def __init__(self) -> None:
        self.here = 0
        self.pool = 0

    def __enter__(self) -> _Where:
        self._here, self._submit_pool = pipeline._analyze_here, pipeline._Workers.pool
        where = self

        def here(*args: object, **kwargs: object) -> object:
            where.here += 1
            return self._here(*args, **kwargs)  # type: ignore[arg-type]

        def pool(workers: pipeline._Workers) -> object:
            executor = where._submit_pool(workers)
            if getattr(executor, "_counted", False):  # pool() is called once per capture
                return executor
            executor._counted = True  # type: ignore[attr-defined]
            submit = executor.submit

            def counted(*args: object, **kwargs: object) -> object:
                where.pool += 1
                return submit(*args, **kwargs)

            executor.submit = counted  # type: ignore[method-assign]
            return executor

        pipeline._analyze_here = here  # type: ignore[assignment]
        pipeline._Workers.pool = pool  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        pipeline._analyze_here = self._here  # type: ignore[assignment]
        pipeline._Workers.pool = self._submit_pool  # type: ignore[method-assign]


def _ingest(path: Path, jobs: int, profile: cProfile.Profile | None = None) -> tuple[float, float, int, _Where]:
    """(wall seconds, this process's CPU seconds, new documents, where analysed) of one run."""
    with tempfile.TemporaryDirectory() as tmp, Store.open(f"sqlite:///{tmp}/p.db") as store, _Where() as where:
        w0, c0 = time.perf_counter(), time.process_time()
        if profile is not None:
            profile.enable()
        summary = pipeline.ingest(store, [str(path)], jobs=jobs)
        if profile is not None:
            profile.disable()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        if summary.failed:
            raise SystemExit(f"ingest failed: {summary.failed[:3]}")
        return wall, cpu, summary.new, where


def profile_ingest(data: list[tuple[str, str, bytes]], repeat: int, copies: int = 1) -> str:
    n = len(data) * copies
    rows: list[list[object]] = []
    stage_tables = []
    with tempfile.TemporaryDirectory() as tmp:
        inputs = _write_inputs(data, Path(tmp), copies)
        for kind, path in inputs.items():
            _ingest(path, 1)  # warm: first-use imports of the reader, the store's schema
            base = None
            for jobs in (1, 2):
                runs = [_ingest(path, jobs) for _ in range(repeat)]
                wall = statistics.median(r[0] for r in runs)
                cpu = statistics.median(r[1] for r in runs)
                new, where = runs[-1][2], runs[-1][3]
                base = base or wall
                rows.append([f"{kind}, {jobs} worker(s)", new, n / wall, n / cpu if cpu else float("inf"),
                             f"{base / wall:.2f}×", where.here, where.pool])
            prof = cProfile.Profile()
            _ingest(path, 1, prof)
            groups = grouped(prof, INGEST_GROUPS)
            total = groups[0][1]
            stage_tables.append(
                f"#### {kind}, 1 worker\n\n"
                + table(["stage (function)", "ms/page (profiled)", "share"],
                        [[label, s / n * 1000, f"{s / total:.0%}"] for label, s, _ in groups if s > 0])
            )
    return (
        f"### Ingest end to end ({n} pages: {len(data)} × {copies}, fresh SQLite store, medians of {repeat} runs)\n\n"
        "pages/s (CPU) counts this process's CPU only: with 2 workers the pool's CPU is not in it.\n\n"
        + table(["input", "documents", "pages/s (wall)", "pages/s (this process's CPU)", "speed-up vs 1 worker",
                 "analysed in-process", "sent to the pool"], rows)
        + "\n\n### Ingest: cProfile by stage, 1 worker (one run each)\n\n"
        + "\n\n".join(stage_tables)
    )


def pool_startup(data: list[tuple[str, str, bytes]]) -> str:
    """Wall seconds from starting a 2-worker pool to two pages analysed in it, beside the same
    two pages analysed in this process: the fixed cost a run pays before the pool helps."""
    from amanat.analyze.workers import analysis_pool
    from amanat.model import Capture

    captures = [Capture(url=url, body=body, media_type="text/html", origin=key) for key, url, body in data[:2]]
    t0 = time.perf_counter()
    for capture in captures:
        pipeline.analyze_one(capture, None)
    here = time.perf_counter() - t0
    t0 = time.perf_counter()
    pool = analysis_pool(2)
    try:
        for future in [pool.submit(pipeline.analyze_one, c, None) for c in captures]:
            future.result()
        started = time.perf_counter() - t0
        t0 = time.perf_counter()
        for future in [pool.submit(pipeline.analyze_one, c, None) for c in captures]:
            future.result()
        warm = time.perf_counter() - t0
    finally:
        pool.shutdown()
    return (
        "### Pool start-up (2 spawned workers, 2 pages)\n\n"
        + table(["case", "wall seconds"], [
            ["2 pages analysed in this process", here],
            ["start a 2-worker pool + the same 2 pages in it", started],
            ["the same 2 pages again in the started pool", warm],
        ])
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per case (medians)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--copies", type=int, default=1, help="ingest the pages this many times over (each its own address)")
    parser.add_argument("--part", choices=("extract", "ingest", "pool", "all"), default="all")
    args = parser.parse_args(argv)
    if not (DATA / "ground-truth.json").is_file():
        print(f"error: no extraction benchmark at {DATA}", file=sys.stderr)
        return 2
    data = pages(args.limit)
    extract_html(data[0][2].decode("utf-8", "replace"), data[0][1])  # imports and caches warm
    if args.part in ("extract", "all"):
        print(profile_extraction(data, args.repeat), end="\n\n", flush=True)
    if args.part in ("pool", "ingest", "all"):
        print(pool_startup(data), end="\n\n", flush=True)
    if args.part in ("ingest", "all"):
        print(profile_ingest(data, args.repeat, args.copies), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
