#!/usr/bin/env python3
"""Precision and recall of claim extraction on gold files (tests/gold/claims_*.json).

usage: .venv/bin/python scripts/claims_eval.py [GOLD.json …] [--type figure] [--errors N]

Runs mentions (with the bundled knowledge base) and claims on every case, prints one row per
claim type, and with --errors the first N misses and false claims, for tuning. The numbers in
docs/claims.md come from this script.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from amanat.analyze.claims import extract_claims  # noqa: E402
from amanat.analyze.claims.evaluate import evaluate, table  # noqa: E402
from amanat.model import Claim  # noqa: E402


@cache
def _index():
    from amanat.kb import starter
    from amanat.kb.index import KBIndex

    return KBIndex.build(starter.load())


def extract(text: str, day: date | None, language: str) -> list[Claim]:
    from amanat.analyze.mentions import analyze_mentions

    mentions = analyze_mentions(text, day, _index()) if language == "en" else []
    return extract_claims(text, day, language, mentions).claims


def split_of(case: dict) -> str:
    """dev or test, by the case's article (its ``source``), so sentences of one article stay together."""
    import hashlib

    key = case.get("source") or case["id"]
    return "dev" if hashlib.sha256(key.encode()).digest()[0] % 2 == 0 else "test"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="*", type=Path,
                        default=[ROOT / "tests/gold/claims_handwritten.json", ROOT / "tests/gold/claims_real.json"])
    parser.add_argument("--type", action="append", dest="types")
    parser.add_argument("--errors", type=int, default=0)
    parser.add_argument("--split", choices=("dev", "test"),
                        help="real gold only: the dev half (for looking at errors) or the test half (for "
                             "reporting), split by article so no article is in both")
    args = parser.parse_args()
    for path in args.gold:
        if not path.exists():
            print(f"{path}: not found", file=sys.stderr)
            continue
        cases = json.loads(path.read_text())
        if args.split:
            cases = [c for c in cases if split_of(c) == args.split]
        report = evaluate(cases, extract, args.types)
        print(f"\n{path.name}" + (f" ({args.split} half)" if args.split else ""))
        for row in table(report):
            extra = "  ".join(f"{k} {v}" for k, v in row.items() if k not in ("type", "gold", "predicted", "tp", "precision", "recall", "f1"))
            print(f"  {row['type']:<11} gold {row['gold']:>4}  P {row['precision']:.3f}  R {row['recall']:.3f}  F1 {row['f1']:.3f}  {extra}")
        for line in report.errors[: args.errors]:
            print("   ", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
