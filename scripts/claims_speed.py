"""CPU time of each claim extractor per real-length article (time.process_time, best of 5),
on the bench corpus (bench/bench_claims.py ``corpus(600)``) with its mentions computed first.

    PYTHONPATH=src python scripts/claims_speed.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from amanat.analyze.claims import Context, extract_claims, extractors  # noqa: E402
from amanat.analyze.mentions import analyze_mentions  # noqa: E402
from amanat.analyze.sentences import sentences  # noqa: E402
from amanat.kb import starter  # noqa: E402
from amanat.kb.index import KBIndex  # noqa: E402
from bench.bench_claims import corpus  # noqa: E402


def best(run, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.process_time()
        run()
        times.append(time.process_time() - t0)
    return min(times)


def main() -> None:
    index = KBIndex.build(starter.load())
    texts = corpus(600)
    mentions = [tuple(analyze_mentions(t, None, index)) for t in texts]
    n = len(texts)
    ms = lambda s: f"{s / n * 1000:6.3f} ms"  # noqa: E731
    print("mentions+linking", ms(best(lambda: [analyze_mentions(t, None, index) for t in texts], 3)))
    print("sentences       ", ms(best(lambda: [sentences(t, "en") for t in texts])))
    for extractor in extractors():
        # a fresh context per article, its sentences computed first: each extractor's own cost
        # (what several share — dates, people — is charged to the first that asks)
        def run(extractor=extractor) -> None:
            for t, m in zip(texts, mentions):
                c = Context(t, None, "en", m)
                c.sentences  # noqa: B018
                extractor.run(c)
        print(f"{extractor.name:16}", ms(best(run)))
    print("claims (all)    ", ms(best(lambda: [extract_claims(t, None, "en", m) for t, m in zip(texts, mentions)])))


if __name__ == "__main__":
    main()
