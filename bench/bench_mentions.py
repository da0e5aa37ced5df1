"""Mention detection + linking throughput with 1,000 and 1,000,000 aliases, beside a naive
baseline (one regular expression per alias) measured in the same run; memory of the base.

Articles: the five bundled sample articles. Bases: the starter KB padded with synthetic
person names drawn from real name distributions (``_synthetic_names``; a fixed syllable
generator only when shared/ is absent) up to the target alias count. The former generator
(uniform pairs from a 60k-token pool) is not kept: its uniform draw of both tokens has no
realistic head or tail, and the cost it showed came from single-key lookups, not from it. The naive
baseline is measured on a smaller alias count and extrapolated linearly (its cost is one
regex search per alias per article, so it is linear by construction); the table says so.
"""

from __future__ import annotations

import csv
import gc
import json
import random
import re
import time
from collections import Counter
from itertools import accumulate
from pathlib import Path

from amanat.analyze.mentions import analyze_mentions
from amanat.kb import starter
from amanat.kb.index import KBIndex
from bench.harness import table, timeit

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "amanat" / "sample"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
NAMES = SHARED / "names" / "netransliteration_wikidata"
_PATRONYMIC = re.compile(r"(ович|евич|овна|евна|ична|улы|ұлы|қызы|кызы|ovich|evich|ovna|evna|uly)$")


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20


def _script(word: str) -> str:
    ch = next((c for c in word if c.isalpha()), "")
    if "\u0400" <= ch <= "\u04ff":
        return "cyrillic"
    if "\u0600" <= ch <= "\u06ff":
        return "arabic"
    return "latin" if ch.isascii() or "\u00c0" <= ch <= "\u024f" else "other"


def _real_person_names() -> list[str]:
    """Person names as written in shared/data: Wikidata office-holder and legislator files,
    EveryPolitician Popolo names, and the name-variant clusters (Latin, Cyrillic, Arabic)."""
    out: list[str] = []
    kb = SHARED / "kb"
    for path in sorted(kb.rglob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            cols = [
                c
                for c in ("person", "name", "personLabel", "itemLabel")
                if c in (reader.fieldnames or ())
            ]
            if path.name in ("positions.csv",) or not cols:
                continue
            for row in reader:
                value = (row.get(cols[0]) or "").strip()
                if value and not value[1:].isdigit():
                    out.append(value)
    clusters = SHARED / "names" / "everypolitician_name_clusters" / "clusters.jsonl"
    if clusters.exists():
        for line in clusters.read_text(encoding="utf-8").splitlines():
            out.extend(json.loads(line)["names"])
    return out


Pools = dict[str, tuple[Counter[str], Counter[str], Counter[str], float]]


def _name_pools() -> Pools:
    """Per script: given-name, middle-token (second given name, patronymic) and surname counts,
    and the share of names with a middle token.

    Given names and surnames are split from the real names (``Surname Given Patronymic`` when
    a patronymic ends the name, an all-capital surname first, else ``Given … Surname``).
    Surnames get the long tail: every NETransliteration token (Wikidata person-label tokens,
    Latin and their Russian/Arabic renderings) with its count in Wikidata labels."""
    given: dict[str, Counter[str]] = {}
    surname: dict[str, Counter[str]] = {}
    middle: dict[str, Counter[str]] = {}
    middles: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for name in _real_person_names():
        toks = [t for t in name.replace(",", " ").split() if t.isalpha() and len(t) > 1]
        if len(toks) < 2:
            continue
        sc = _script(toks[0])
        if sc == "other":
            continue
        surname_first = len(toks) == 3 and _PATRONYMIC.search(toks[2].lower())
        if surname_first or (toks[0].isupper() and len(toks[0]) > 2):
            g, f, rest = toks[1], toks[0], toks[2:]
        else:
            g, f, rest = toks[0], toks[-1], toks[1:-1]
        if rest:
            middle.setdefault(sc, Counter())[rest[0].capitalize()] += 1
        given.setdefault(sc, Counter())[g.capitalize()] += 1
        surname.setdefault(sc, Counter())[f.capitalize()] += 1
        totals[sc] += 1
        middles[sc] += len(toks) > 2
    for fname, target in (("wd_russian_64.tsv", "cyrillic"), ("wd_arabic_64.tsv", "arabic")):
        path = NAMES / fname
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            src, tgt, count = line.split("\t")
            if src.isalpha() and len(src) > 2:
                surname.setdefault("latin", Counter())[src.capitalize()] += int(count)
                surname.setdefault(target, Counter())[tgt.replace(" ", "").capitalize()] += int(
                    count
                )
    return {
        sc: (given[sc], middle.get(sc) or given[sc], surname[sc], middles[sc] / totals[sc])
        for sc in totals
        if given.get(sc) and surname.get(sc)
    }


def _synthetic_names(n: int, seed: int = 11) -> list[str]:
    """``n`` distinct person names drawn from real name distributions (see ``_name_pools``):
    a script with its share among the real names, a given name and a surname each by its
    frequency, and a middle given name (or patronymic-like token) as often as real names have
    one. Without shared/ a fixed syllable generator stands in (collides far more)."""
    rng = random.Random(seed)
    pools = _name_pools() if SHARED.exists() else {}
    if not pools:
        syll = ["ka", "ri", "mo", "sa", "tel", "bar", "nur", "ol", "ek", "zan", "dor", "vi", "lu"]
        words = sorted(
            {"".join(rng.choice(syll) for _ in range(3)).capitalize() for _ in range(20000)}
        )
        pools = {"latin": (Counter(words[:2000]), Counter(words[:2000]), Counter(words), 0.0)}
    scripts = sorted(pools)
    script_w = [sum(pools[sc][0].values()) for sc in scripts]

    def cumulative(counts: Counter[str]) -> tuple[list[str], list[int]]:
        keys = sorted(counts)
        return keys, list(accumulate(counts[k] for k in keys))

    draw = {sc: [cumulative(c) for c in pools[sc][:3]] for sc in scripts}
    out: dict[str, None] = {}
    while len(out) < n:
        sc = rng.choices(scripts, script_w)[0]
        (gk, gw), (mk, mw), (fk, fw) = draw[sc]
        parts = rng.choices(gk, cum_weights=gw)
        if rng.random() < pools[sc][3]:
            parts += rng.choices(mk, cum_weights=mw)
        parts += rng.choices(fk, cum_weights=fw)
        out[" ".join(dict.fromkeys(parts))] = None
    return list(out)


def _aliases(n: int) -> list[tuple[str, str, str]]:
    kb = starter.load()
    base = [
        (e.id, e.kind, name)
        for e in kb.entities.values()
        if e.kind in ("person", "organization", "place")
        for name in e.names()
    ]
    known = {name for _, _, name in base}
    extra = [name for name in _synthetic_names(n + len(base) // 2) if name not in known]
    out = base + [(f"syn:{i}", "person", name) for i, name in enumerate(extra)]
    return out[:n]


def _articles() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SAMPLE.glob("*.txt"))]


def _naive(aliases: list[tuple[str, str, str]], articles: list[str]) -> float:
    """Articles/s with one compiled regex per alias (word-bounded, case-insensitive)."""
    patterns = [re.compile(r"\b" + re.escape(a) + r"\b", re.I) for _, _, a in aliases]

    def go() -> None:
        for text in articles:
            for p in patterns:
                p.search(text)

    t = timeit(go, repeat=3, warmup=1)
    return len(articles) / t.median


def _measure(n: int, articles: list[str], quick: bool) -> dict[str, float]:
    aliases = _aliases(n)
    gc.collect()
    before = _rss_mb()
    t0 = time.perf_counter()
    index = KBIndex.from_aliases(aliases)
    kb = starter.load()
    index.offices = KBIndex.build(kb).offices
    index.display = {e.id: (e.name, e.qid) for e in kb.entities.values()}
    build_s = time.perf_counter() - t0
    mem = _rss_mb() - before
    index.names.scored = 0
    for a in articles:
        analyze_mentions(a, None, index)
    per_article = index.names.scored / len(articles)
    t = timeit(
        lambda: [analyze_mentions(a, None, index) for a in articles],
        repeat=3 if quick else 5,
        warmup=1,
    )
    queries = [
        "Qasim Zhumart Tokayev",
        "Stefan Dujarric",
        "Akan Rakhmatulin",
        "Shahbaz Sharif",
        "Natalia German",
        "Ivan Petrov",
    ]
    scored = sum(index.names.scored_count(q, fallback=False) for q in queries) / len(queries)
    gc.collect()
    mem_used = _rss_mb() - before  # with the caches that linking fills (parsed names …)
    out = {
        "aliases": float(len(aliases)),
        "build_s": build_s,
        "mem_mb": mem,
        "mem_used_mb": mem_used,
        "art_s": len(articles) / t.median,
        "spread": t.spread,
        "scored": scored,
        "per_article": per_article,
    }
    gc.collect()
    return out


def run(quick: bool) -> str:
    articles = _articles()
    sizes = [1_000, 100_000] if quick else [1_000, 1_000_000]
    results = [_measure(n, articles, quick) for n in sizes]
    naive_n = 2_000
    naive = _naive(_aliases(naive_n), articles)
    rows = []
    for r in results:
        n = int(r["aliases"])
        rows.append(
            [
                f"{n:,}",
                f"{r['art_s']:.1f} (±{r['spread']:.0%})",
                f"{r['per_article']:.1f}",
                f"{r['scored']:.1f}",
                f"{r['build_s']:.1f} s",
                f"{r['mem_mb']:.0f} MB ({r['mem_used_mb']:.0f} MB)",
                f"{naive * naive_n / n:.2f} (extrapolated)" if n != naive_n else f"{naive:.1f}",
            ]
        )
    rows.append([f"{naive_n:,} (baseline measured)", "—", "—", "—", "—", "—", f"{naive:.1f}"])
    ratio = results[0]["art_s"] / results[-1]["art_s"]
    body = table(
        [
            "aliases",
            "amanat articles/s",
            "names scored per article",
            "names scored per lookup (6 names)",
            "index build",
            "memory of loaded base, RSS (after linking)",
            "naive: one regex per alias, articles/s",
        ],
        rows,
    )
    return "\n\n".join(
        [
            "## mentions — mention detection and linking",
            "`.venv/bin/python -m bench mentions` · articles: the five bundled samples (avg "
            f"{sum(map(len, articles)) // len(articles):,} chars) · synthetic person names "
            "drawn from real name distributions (see below) added to the starter base.",
            body,
            f"- Throughput at {int(results[-1]['aliases']):,} aliases is {1 / ratio:.2f}× that at "
            f"{int(results[0]['aliases']):,}: one pass over an article's tokens does not depend on "
            "the number of aliases, and a fuzzy lookup scores only names sharing a pair of keys with "
            "it (a lone key only within a budget of 2,000 names). What grows is the number of "
            f"lookups that find something to score ({results[0]['per_article']:.0f} → "
            f"{results[-1]['per_article']:.0f} names per article): in a larger base more of an "
            "article's capitalised phrases share a pair of name keys with some name, and each "
            "is scored and rejected. The cost per lookup stays a handful of names.",
            "- Synthetic names: script chosen by its share among the real person names in "
            "shared/data (Wikidata office-holder and legislator files, EveryPolitician, the "
            "name clusters); given name, middle token (second given name or patronymic) and "
            "surname drawn by their frequency there; surnames extended with every "
            "NETransliteration token (Latin, Russian and Arabic renderings) weighted by its "
            "count in Wikidata labels — ~6k given names, ~130k Latin surnames.",
            f"- The naive baseline was measured at {naive_n:,} aliases in this run and extrapolated "
            "linearly (it runs one regex search per alias per article).",
            "- Memory is the growth of the process's resident set while building the index "
            "(automaton, alias table, name keys for fuzzy lookup) and the starter base's offices; "
            "in brackets, after the articles were linked and the name caches filled. Before the "
            "packed tables of `amanat.kb.packed` (token automaton with integer values, packed "
            "alias columns, sorted posting arrays) the 1,000,000 row read 1,051 MB.",
        ]
    )
