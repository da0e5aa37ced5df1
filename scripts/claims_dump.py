"""Dump the claims of every gold text and of the bench corpus to JSON, or check that the
current code still gives exactly that dump — the guard for speed work that must not change
a single output.

    PYTHONPATH=src python scripts/claims_dump.py write /tmp/claims_before.json
    PYTHONPATH=src python scripts/claims_dump.py check /tmp/claims_before.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_claims import corpus  # noqa: E402

from amanat.analyze.claims import extract_claims  # noqa: E402
from amanat.analyze.mentions import analyze_mentions  # noqa: E402
from amanat.kb import starter  # noqa: E402
from amanat.kb.index import KBIndex  # noqa: E402


def dump() -> str:
    index = KBIndex.build(starter.load())
    cases = []
    for name in ("claims_real.json", "claims_handwritten.json"):
        for case in json.loads((ROOT / "tests" / "gold" / name).read_text()):
            day = date.fromisoformat(case["date"]) if case.get("date") else None
            cases.append((case["text"], day, case.get("lang") or "en"))
    cases += [(t, None, "en") for t in corpus(600)]
    cases += [(t, date(2022, 1, 10), "en") for t in corpus(120)]
    out = []
    for text, day, lang in cases:
        mentions = analyze_mentions(text, None, index)
        for given in (mentions, ()):
            result = extract_claims(text, day, lang, given)
            out.append({"claims": [dict(c.as_dict(), extractor=c.extractor) for c in result.claims],
                        "skipped": result.skipped})
    return json.dumps(out, ensure_ascii=False, sort_keys=True, default=str)


def main() -> int:
    return write_or_check(dump)


def write_or_check(dump: Callable[[], str]) -> int:
    """``write PATH``: keep the dump; ``check PATH``: compare with it (0 when identical, else 1
    and the new dump beside it as PATH.new). Shared with scripts/findings_dump.py."""
    mode, path = sys.argv[1], Path(sys.argv[2])
    got = dump()
    if mode == "write":
        path.write_text(got)
        print(f"wrote {path} ({len(got)} bytes)")
        return 0
    same = got == path.read_text()
    print("identical" if same else "DIFFERENT")
    if not same:
        Path(str(path) + ".new").write_text(got)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
