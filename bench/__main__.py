"""Run benchmarks and rewrite their sections of docs/benchmarks.md.

    python -m bench                 every bench/bench_*.py
    python -m bench search ingest   only those
    python -m bench --quick         smaller sizes, for a smoke run
    python -m bench reprints --docs 100000   a corpus size (AMANAT_BENCH_DOCS) for benches that take one
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import re
import sys
from pathlib import Path

from bench.harness import Skipped

HERE = Path(__file__).resolve().parent
DOC = HERE.parent / "docs" / "benchmarks.md"
HEAD = """# Benchmarks

Measured on the development machine (2 cores, noisy): figures are medians of several runs,
each beside a reference measured in the same run. Re-run with `make bench` (all) or
`.venv/bin/python -m bench NAME` (one); each section says its own command. Where the time
goes inside extraction and ingest, stage by stage: [performance.md](performance.md).
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--no-write", action="store_true", help="print, do not update docs")
    parser.add_argument("--docs", type=int, help="corpus size for benches that take one (sets AMANAT_BENCH_DOCS)")
    args = parser.parse_args(argv)
    if args.docs:
        os.environ["AMANAT_BENCH_DOCS"] = str(args.docs)
    available = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    names = args.names or available
    unknown = [n for n in names if n not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; have: {', '.join(available)}")
        return 2
    results: dict[str, str] = {}
    for name in names:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"bench.bench_{name}")
        try:
            text = module.run(quick=args.quick).strip()
        except Skipped as why:
            print(why, flush=True)
            continue
        text += f"\n\n_Command: `.venv/bin/python -m bench {name}`; Python {platform.python_version()}._\n"
        print(text, flush=True)
        results[name] = text
        if not args.no_write and not args.quick:
            # re-read just before writing: other benchmarks may have run meanwhile
            _write_sections({**_read_sections(), name: text})
    return 0


def _read_sections() -> dict[str, str]:
    if not DOC.exists():
        return {}
    parts = re.split(r"<!-- bench:(\w+) -->\n", DOC.read_text())
    out = {}
    for i in range(1, len(parts) - 1, 2):
        out[parts[i]] = parts[i + 1].split("<!-- /bench -->")[0].strip()
    return out


def _write_sections(sections: dict[str, str]) -> None:
    body = [HEAD]
    for name in sorted(sections):
        body.append(f"<!-- bench:{name} -->\n{sections[name]}\n<!-- /bench -->\n")
    DOC.write_text("\n".join(body))


if __name__ == "__main__":
    sys.exit(main())
