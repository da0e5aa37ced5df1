"""The check registry: every built-in check loads, has a stable name and a section in the guide."""

from __future__ import annotations

import re
from pathlib import Path

from amanat.check import BUILTIN, Check, checks

ROOT = Path(__file__).resolve().parents[1]


def test_every_registered_check_is_documented() -> None:
    guide = (ROOT / "docs" / "checks.md").read_text()
    for check in checks():
        assert re.search(rf"^### {re.escape(check.name)}$", guide, re.M), f"docs/checks.md lacks ### {check.name}"


def test_the_builtins_load_with_distinct_names_and_say_what_they_read() -> None:
    loaded = [c for c in checks() if c.name]
    assert len({c.name for c in loaded}) >= len(BUILTIN)
    for c in loaded:
        assert isinstance(c, Check) and c.version >= 1 and c.reads and c.summary, c.name


def test_every_check_on_the_seed_articles_with_the_starter_base() -> None:
    """The sample corpus through analysis and every check: no check fails, every finding's
    evidence is a span of its document, nothing is contradicted at a date the articles could
    bear (the wire story's January 2022) but Ban Ki-moon's title, five years after his term, and
    the misspelt names of the wire story are found."""
    from datetime import date

    from amanat.analyze.claims import extract_claims
    from amanat.analyze.mentions import analyze_mentions
    from amanat.check import DocumentView, Record, run_checks
    from amanat.kb import starter
    from amanat.kb.index import KBIndex
    from conftest import shared_path

    kb = starter.load()
    record = Record(kb, KBIndex.build(kb), "starter")
    spelt = set()
    for path in sorted(shared_path("seeds").glob("*.txt")):
        text = path.read_text()
        day = date(2022, 1, 10)
        mentions = analyze_mentions(text, day, record.index)
        claims = extract_claims(text, day, "en", mentions).claims
        view = DocumentView(path.stem, text, day, "text", "en", "seed", tuple(claims), tuple(mentions))
        for f in run_checks(view, record):
            assert f.status != "contradicted" or "Ban Ki-moon" in f.sentence, f.sentence
            for e in f.evidence:
                assert text[e.start:e.end] == e.text
            if f.check == "name-spellings":
                spelt.add(f.evidence[0].text)
    assert "Qasim Zhumart Tokayev" in spelt


def test_ban_ki_moon_beside_tokayev_is_found_from_imported_reference_data_alone(tmp_path) -> None:
    """The undated wire story's "UN Secretary-General Ban Ki-moon" beside "Kazakh President
    Tokayev" is found from the Wikidata office-holder files alone: a base built without the
    hand-entered facts (kb/data/manual.json) gives the same finding."""
    import json

    from amanat.analyze.mentions import analyze_mentions
    from amanat.check import DocumentView, Record, run_checks
    from amanat.kb.build import starter
    from amanat.kb.index import KBIndex
    from amanat.kb.model import KnowledgeBase
    from conftest import shared_path

    empty = tmp_path / "manual.json"
    empty.write_text(json.dumps({"format": "amanat-kb", "version": 1, "sources": [], "entities": [], "facts": []}))
    kb = KnowledgeBase.from_records(starter(shared_path("data", "kb"), empty))
    from amanat.kb.build import MANUAL

    manual_sources = {str(s["id"]) for s in json.loads(MANUAL.read_text())["sources"]}
    assert manual_sources and not manual_sources & set(kb.sources)
    record = Record(kb, KBIndex.build(kb), "no-manual")
    sample = ROOT / "src" / "amanat" / "sample"
    text = next(p.read_text(encoding="utf-8") for p in sorted(sample.iterdir()) if "Ban Ki-moon" in p.read_text(encoding="utf-8"))
    view = DocumentView("wire", text, None, None, "en", "sample", (), tuple(analyze_mentions(text, None, record.index)))
    found = run_checks(view, record)
    together = [f for f in found if f.check == "titles-together"]
    assert together and "Ban Ki-moon" in together[0].sentence and together[0].status == "inconsistent"
    assert not any(f.status == "contradicted" for f in found)
