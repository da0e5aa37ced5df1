"""Claims stay fast on the texts that made them slow: long sentences, many numbers, and the
shortcuts (pre-filters, one pass per document) giving the same claims as the full patterns.

The bounds are wall time, set far above what the code takes (tens of milliseconds) and far
below what a pattern that is quadratic in a sentence's length took (seconds), so a loaded
machine does not fail them and a quadratic pattern does."""

from __future__ import annotations

import time

import pytest

from amanat.analyze.claims import Context, extract_claims
from amanat.analyze.claims import figure_attribution as attribution_module
from amanat.kb.lexicon import Lexicon, lexicon


def _seconds(text: str) -> float:
    t0 = time.perf_counter()
    extract_claims(text, None, "en", ())
    return time.perf_counter() - t0


def test_a_long_sentence_with_a_figure_is_not_quadratic() -> None:
    # one 19 KB sentence: who gives its figure was looked for from every start (3.9 s)
    text = "Officials said 12 people were killed " + "and the rescuers kept working through the night " * 400
    assert _seconds(text) < 1.0


def test_according_to_after_a_name_still_attributes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A language whose lexicon has "… according to"-after phrases still finds the source
    before them (the phrase is looked for first, then the full pattern)."""
    base = lexicon("en")
    entries = dict(base.entries, figure_according_to_after=["reports"])
    monkeypatch.setattr(attribution_module, "lexicon", lambda language: Lexicon(language, entries))
    attribution_module._patterns.cache_clear()
    try:
        text = "At least 12 people were killed, the health ministry reports."
        context = Context(text, None, "en", ())
        found = attribution_module.attribution(context, (0, len(text)), None)
        assert found is not None and found.who == "the health ministry"
        text = "At least 12 people were killed on Monday."
        assert attribution_module.attribution(Context(text, None, "en", ()), (0, len(text)), None) is None
    finally:
        attribution_module._patterns.cache_clear()
