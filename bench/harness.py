"""Small shared harness: time a callable several times, report medians beside a reference.

Every benchmark module ``bench/bench_<name>.py`` defines ``run(quick: bool) -> str`` that
returns a Markdown section (heading level 2, a table, and notes). ``python -m bench`` runs
them and rewrites the matching sections of ``docs/benchmarks.md``. The machine is a noisy
2-core box: always report medians of several runs and ratios against a reference measured in
the same run, never a single figure alone.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass


@contextmanager
def restored_env(*names: str) -> Iterator[None]:
    """Let the block set the environment variables ``names`` (a backend's settings between
    runs); afterwards each has its value from before, or is unset again."""
    saved = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def in_schema(url: str, schema: str) -> str:
    """The PostgreSQL ``url`` with its sessions' search_path set to ``schema``: a bench's
    tables of its own beside whatever the database holds."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


class Skipped(Exception):
    """A benchmark that cannot run here (a tool it drives is missing): ``python -m bench``
    prints why and leaves its section of the docs as it was."""


@dataclass(frozen=True)
class Timing:
    """Median and spread of repeated runs of one callable, in seconds per run."""

    runs: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def spread(self) -> float:
        """Half the range between the fastest and slowest run, relative to the median."""
        return (max(self.runs) - min(self.runs)) / 2 / self.median if self.median else 0.0


def timeit(fn: Callable[[], object], *, repeat: int = 5, warmup: int = 1) -> Timing:
    """Run ``fn`` ``warmup`` times untimed, then ``repeat`` times timed."""
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return Timing(tuple(runs))


def timeit_interleaved(
    fns: dict[str, Callable[[], object]], *, repeat: int = 5, warmup: int = 1
) -> dict[str, Timing]:
    """Like ``timeit`` for several callables, taking turns run by run.

    On a shared machine a burst of load then slows one run of every case instead of every
    run of one case, so ratios between the cases stay fair.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    runs: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            runs[name].append(time.perf_counter() - t0)
    return {name: Timing(tuple(r)) for name, r in runs.items()}


def percentiles(samples: Sequence[float], qs: Sequence[float] = (50, 95, 99)) -> list[float]:
    """Percentiles (nearest-rank) of latency samples."""
    ordered = sorted(samples)
    out = []
    for q in qs:
        k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
        out.append(ordered[k])
    return out


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        if value >= 1:
            return f"{value:.2f}"
        return f"{value:.3g}"
    return str(value)
