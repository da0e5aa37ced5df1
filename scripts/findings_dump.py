"""Dump the findings of every record check and of the cross-source divergences on the bench
corpus and the gold texts, or check that the current code still gives exactly that dump — the
guard for work on the checks' speed or bounds that must not change a finding on real text.

    PYTHONPATH=src python scripts/findings_dump.py write /tmp/findings_before.json
    PYTHONPATH=src python scripts/findings_dump.py check /tmp/findings_before.json
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_claims import corpus  # noqa: E402
from scripts.claims_dump import write_or_check  # noqa: E402

from amanat.analyze.claims import extract_claims  # noqa: E402
from amanat.analyze.mentions import analyze_mentions  # noqa: E402
from amanat.check import DocumentView, Record, run_checks  # noqa: E402
from amanat.check.divergences import diverge  # noqa: E402
from amanat.kb import starter  # noqa: E402
from amanat.kb.index import KBIndex  # noqa: E402
from amanat.model import StoryDocument  # noqa: E402

STORY = 4  # documents per made-up story: neighbours in the corpus, two outlets, days apart


def dump() -> str:
    kb = starter.load()
    index = KBIndex.build(kb)
    record = Record(kb, index, "starter")
    texts = [case["text"] for name in ("claims_real.json", "claims_handwritten.json")
             for case in json.loads((ROOT / "tests" / "gold" / name).read_text())]
    texts += corpus(400)
    out: list[object] = []
    story: list[StoryDocument] = []
    for i, text in enumerate(texts):
        day = date(2022, 1, 3) + timedelta(days=i % 9)
        mentions = tuple(analyze_mentions(text, day, index))
        claims = tuple(extract_claims(text, day, "en", mentions).claims)
        view = DocumentView(f"d{i}", text, day, "metadata", "en", f"s{i % 3}.example", claims, mentions)
        out.append([f.as_dict() for f in run_checks(view, record)])
        story.append(StoryDocument(f"d{i}", f"s{i % 3}.example", f"r{i}", day, text, claims, mentions, "en",
                                   "metadata"))
        if len(story) == STORY:
            # the story's first report retold by another outlet the same day, its numbers changed
            first = story[0]
            retold = re.sub(r"\b(\d{2,3})\b", lambda m: str(int(m.group()) * 2 + 3), first.text)
            later = first.published
            m2 = tuple(analyze_mentions(retold, later, index))
            story.append(StoryDocument(first.id + "x", "other.example", first.id + "x", later, retold,
                                       tuple(extract_claims(retold, later, "en", m2).claims), m2, "en", "metadata"))
            out.append([f.as_dict() for f in diverge(story, story_id=f"story{i}")])
            story = []
    return json.dumps(out, ensure_ascii=False, sort_keys=True, default=str)


def main() -> int:
    return write_or_check(dump)


if __name__ == "__main__":
    sys.exit(main())
