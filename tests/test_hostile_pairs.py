"""The all-pairs steps of the checks and of the reuse index under texts written to make them
quadratic: one event dated 10,000 times in one document (and in each of a story's reports),
10,000 dates in one sentence, one count repeated 10,000 times, a 2 MB refrain queried against
a thousand indexed documents. Each runs in bounded CPU time and bounded memory (the ``tracemalloc``
peak of the step), and still reports what it should, capped as the modules say
(``consistency.MAX_TELLINGS``, ``across.PER_REPORT``, ``reuse.MAX_REPEATS``).

Before these bounds, 1,000 dated events in one document took 112 s and 500,000 findings,
400 repeated counts 76 s, and a 200 KB refrain against 1,000 documents 4 minutes and 2 GB.
The claims and mentions are written here, not extracted: the steps under test are the checks
(the extractors' own hostile texts are in ``test_hostile_analysis.py``).
"""

from __future__ import annotations

import re
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from typing import TypeVar

import numpy as np

from amanat.analyze.reuse import MAX_REPEATS, ReuseIndex, _first_repeats
from amanat.check import DocumentView, Record
from amanat.check.across import PER_REPORT
from amanat.check.consistency import EVENTS, FIGURES, MAX_TELLINGS
from amanat.check.divergences import diverge
from amanat.model import Claim, Mention, StoryDocument

T = TypeVar("T")
N = 10_000
DAY = date(2022, 1, 7)
NO_RECORD: Record = None  # type: ignore[assignment]  # the checks under test never read the record


def measured(step: Callable[[], T]) -> tuple[T, float, float]:
    """``step()``, the CPU seconds this process spent on it and its peak of traced memory in MB.

    CPU time, not wall time: the bounds are about the work our code does (a quadratic step
    takes minutes of CPU), and a machine loaded by other jobs stretches the wall clock of a
    linear step without changing the CPU it needs."""
    tracemalloc.start()
    try:
        t0 = time.process_time()
        out = step()
        seconds = time.process_time() - t0
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    return out, seconds, peak


def _spelled(d: date) -> str:
    return f"{d.day} {d.strftime('%B')} {d.year}"


def _annotated(text: str) -> tuple[tuple[Claim, ...], tuple[Mention, ...]]:
    """The event claims (every "on <day month year>") and the mentions of a made-up text."""
    claims = []
    for m in re.finditer(r"on (\d+) (\w+) (\d{4})", text):
        day = date(int(m.group(3)), time.strptime(m.group(2), "%B").tm_mon, int(m.group(1)))
        claims.append(Claim("event", m.start(), m.end(), m.group(), {"date": day.isoformat(), "precision": "day"}))
    mentions = [Mention(m.start(), m.end(), m.group(), "person", entity_id="Q1") for m in re.finditer("Tokayev", text)]
    mentions += [Mention(m.start(), m.end(), m.group(), "place", entity_id="Q2") for m in re.finditer("Islamabad", text)]
    return tuple(claims), tuple(sorted(mentions, key=lambda m: m.start))


def _one_event_dated(n: int, *, one_sentence: bool = False) -> str:
    days = [_spelled(date(2021, 12, 20) + timedelta(days=i % 15)) for i in range(n)]
    if one_sentence:
        return "Tokayev arrived in Islamabad " + ", ".join(f"on {d}" for d in days) + "."
    return " ".join(f"Tokayev arrived in Islamabad on {d}." for d in days)


def test_one_event_dated_10000_times_in_one_document() -> None:
    text = _one_event_dated(N)
    claims, mentions = _annotated(text)
    view = DocumentView("h", text, DAY, "metadata", "en", "h.example", claims, mentions)
    found, seconds, peak = measured(lambda: EVENTS.run(view, NO_RECORD))
    assert 1 <= len(found) <= MAX_TELLINGS * (MAX_TELLINGS - 1) // 2  # still reported, on the first tellings
    assert all(f.evidence[1].start < 48 * MAX_TELLINGS for f in found)
    assert seconds < 5, seconds  # CPU: ~1 s (112 s before the bound on tellings)
    assert peak < 32, peak


def test_10000_dates_in_one_sentence() -> None:
    text = _one_event_dated(N, one_sentence=True)
    claims, mentions = _annotated(text)
    view = DocumentView("h", text, DAY, "metadata", "en", "h.example", claims, mentions)
    found, seconds, peak = measured(lambda: EVENTS.run(view, NO_RECORD))
    assert found == []  # one sentence: a sequence of dates, not one event dated twice
    assert seconds < 3 and peak < 16, (seconds, peak)  # CPU: ~0.4 s
    story = [StoryDocument(d, f"{d}.example", d, DAY, text, claims, mentions, "en", "metadata") for d in "ab"]
    _, seconds, peak = measured(lambda: diverge(story, story_id="s"))
    assert seconds < 15 and peak < 48, (seconds, peak)  # CPU: ~3.4 s


def test_a_story_whose_reports_date_one_event_10000_times() -> None:
    text = _one_event_dated(N)
    claims, mentions = _annotated(text)
    story = [StoryDocument(d, f"{d}.example", d, DAY, text, claims, mentions, "en", "metadata") for d in "ab"]
    found, seconds, peak = measured(lambda: diverge(story, story_id="s"))
    across = [f for f in found if f.type == "event-date-across-sources"]
    assert across, "the two reports date the event differently: still found"
    assert all(len(f.evidence) <= 2 * PER_REPORT for f in found)
    assert seconds < 30, seconds  # CPU: ~6.3 s under tracemalloc, which slows this step about twofold
    assert peak < 64, peak


def _one_count_repeated(n: int) -> tuple[str, tuple[Claim, ...], tuple[Mention, ...]]:
    text = " ".join(f"Police in Almaty said {100 + i} people were killed." for i in range(n))
    claims = tuple(Claim("figure", m.start(), m.end(), m.group(),
                         {"measure": "deaths", "value": int(m.group(1)), "qualifier": None, "unit": "people",
                          "as_of": "2022-01-06", "attributed_to": "Police"})
                   for m in re.finditer(r"(\d+) people were killed", text))
    mentions = tuple(Mention(m.start(), m.end(), m.group(), "place", entity_id="Q3")
                     for m in re.finditer("Almaty", text))
    return text, claims, mentions


def test_one_count_repeated_10000_times() -> None:
    text, claims, mentions = _one_count_repeated(N)
    view = DocumentView("h", text, DAY, "metadata", "en", "h.example", claims, mentions)
    found, seconds, peak = measured(lambda: FIGURES.run(view, NO_RECORD))
    assert 1 <= len(found) <= MAX_TELLINGS * (MAX_TELLINGS - 1) // 2
    assert seconds < 5 and peak < 32, (seconds, peak)  # CPU: ~0.8 s (76 s before the bound)
    other = text.replace("Police", "The health ministry").replace("killed", "killed, it said")
    story = [StoryDocument("a", "a.example", "a", DAY, text, claims, mentions, "en", "metadata"),
             StoryDocument("b", "b.example", "b", DAY, other, *_one_count_repeated(N)[1:], "en", "metadata")]
    found, seconds, peak = measured(lambda: diverge(story, story_id="s"))
    assert all(len(f.evidence) <= 2 * PER_REPORT for f in found)
    assert seconds < 30 and peak < 64, (seconds, peak)  # CPU: ~8 s under tracemalloc


# --- the reuse index --------------------------------------------------------------------------

BODY = ("The Ministry of Foreign Affairs notes discrepancies and inaccuracies in the publications of certain "
        "foreign media outlets about the events of January.")


def test_a_2_mb_refrain_queried_against_a_thousand_documents() -> None:
    index = ReuseIndex()
    for i in range(1_000):
        index.add(f"d{i}", f"Report {i}. {BODY} More words {i} here.")
    index.contained_in(BODY)  # postings sorted before the clock starts
    refrain = (BODY + " ") * (2_000_000 // (len(BODY) + 1))
    found, seconds, peak = measured(lambda: index.contained_in(refrain))
    assert len(found) == 1_000 and all(share > 0.99 for _, share in found)  # each holds the whole refrain
    assert seconds < 6, seconds  # CPU: ~1.1 s (4 minutes for a 200 KB refrain before)
    assert peak < 128, peak
    found, seconds, peak = measured(lambda: index.containing(refrain))
    assert len(found) == 1_000 and seconds < 4 and peak < 96, (seconds, peak)  # CPU: ~0.4 s


def test_only_a_gram_repeated_past_the_limit_is_cut() -> None:
    grams = np.array([7, 5, 7, 7, 5, 9], np.uint64)
    pos = np.arange(6)
    inv = np.unique(grams, return_inverse=True)[1]
    same = _first_repeats(grams, pos, inv, 3)
    assert all(np.array_equal(a, b) for a, b in zip(same, (grams, pos, inv), strict=True))
    cut_grams, cut_pos, _ = _first_repeats(grams, pos, inv, 2)
    assert cut_pos.tolist() == [0, 1, 2, 4, 5] and cut_grams.tolist() == [7, 5, 7, 5, 9]
    assert MAX_REPEATS >= 16  # a statement may well repeat a formula a few times
