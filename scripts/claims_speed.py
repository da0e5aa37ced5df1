"""CPU time per real-length article (time.process_time, best of 5) of each stage of mention
detection and linking, and of each claim extractor, on the bench corpus (bench/bench_claims.py
``corpus(600)``) with its mentions computed first. A stage's time includes the stages listed
indented under it.

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
from amanat.analyze.offices import offices  # noqa: E402
from amanat.analyze.sentences import sentences  # noqa: E402
from amanat.analyze.spans import detect_spans  # noqa: E402
from amanat.analyze.tokens import known_names, tokens  # noqa: E402
from amanat.kb import starter  # noqa: E402
from amanat.kb.index import KBIndex, normalize  # noqa: E402
from amanat.kb.linking import link  # noqa: E402
from bench.bench_claims import corpus  # noqa: E402


def _drain(results) -> None:
    """Consume and drop: results kept alive would make the collector rescan them all, and
    charge that to whichever stage allocates most (tokens)."""
    for _ in results:
        pass


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
    print("mentions+linking", ms(best(lambda: _drain(analyze_mentions(t, None, index) for t in texts), 3)))
    print("  detect_spans  ", ms(best(lambda: _drain(detect_spans(t, index) for t in texts), 3)))
    print("    known_names ", ms(best(lambda: _drain(known_names(t, index) for t in texts), 3)))
    print("      normalize ", ms(best(lambda: _drain(normalize(t) for t in texts), 3)))
    print("    tokens      ", ms(best(lambda: _drain(tokens(t) for t in texts), 3)))
    detected = [detect_spans(t, index) for t in texts]
    print("  link          ", ms(best(lambda: _drain(link(t, d[0], None, index) for t, d in zip(texts, detected, strict=True)), 3)))
    linked = [link(t, d[0], None, index) for t, d in zip(texts, detected, strict=True)]
    print("  offices       ", ms(best(lambda: _drain(offices(t, d[2], d[1], m, None, index)
                                               for t, d, m in zip(texts, detected, linked, strict=True)), 3)))
    print("sentences       ", ms(best(lambda: _drain(sentences(t, "en") for t in texts))))
    for extractor in extractors():
        # a fresh context per article, its sentences computed first: each extractor's own cost
        # (what several share — dates, people — is charged to the first that asks)
        def run(extractor=extractor) -> None:
            for t, m in zip(texts, mentions):
                c = Context(t, None, "en", m)
                c.sentences  # noqa: B018
                extractor.run(c)
        print(f"{extractor.name:16}", ms(best(run)))
    print("claims (all)    ", ms(best(lambda: _drain(extract_claims(t, None, "en", m) for t, m in zip(texts, mentions)))))


if __name__ == "__main__":
    main()
