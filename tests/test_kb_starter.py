"""The bundled starter base: built from shared data by the scope rule plus cited hand facts."""

from __future__ import annotations

import json
from datetime import date

from amanat.kb import build, export, observed, service, starter
from amanat.kb.model import NAME, KnowledgeBase, Source
from conftest import shared_path


def test_starter_loads_with_every_fact_sourced() -> None:
    kb = starter.load()
    assert len(kb.entities) > 200
    for fact in kb.facts.values():
        assert fact.source in kb.sources, fact
    assert all(s.tier == "reference" for s in kb.sources.values())


def test_manual_facts_cite_public_sources() -> None:
    doc = json.loads(build.MANUAL.read_text(encoding="utf-8"))
    ids = {s["id"] for s in doc["sources"]}
    for s in doc["sources"]:
        assert s["title"] and s["publisher"], s
    for e in doc["entities"]:
        assert e["source"] in ids, e["id"]
    for f in doc["facts"]:
        assert f["source"] in ids, f


def test_capital_renames_follow_the_dates() -> None:
    kb = starter.load()
    names = [f for f in kb.facts.values() if f.subject == "Q1520" and f.predicate == NAME]

    def called(day: date) -> list[str]:
        return [f.value or "" for f in names if f.interval.contains(day)]

    assert called(date(2020, 1, 1)) == ["Nur-Sultan"]
    assert called(date(2015, 1, 1)) == ["Astana"]
    assert called(date(2022, 9, 16)) == ["Nur-Sultan"]
    # the 2022 law is the source's as-of date: after it, "Astana" is undetermined (open-ended),
    # and "Nur-Sultan" is surely over
    verdicts = {
        f.value: f.interval.contains(date(2023, 1, 1))
        for f in names
        if (f.interval.start and f.interval.start.value.year == 2022) or f.value == "Nur-Sultan"
    }
    assert verdicts == {"Astana": None, "Nur-Sultan": False}


def test_starter_json_is_what_the_build_produces(tmp_path) -> None:
    root = shared_path("data", "kb")
    out = tmp_path / "starter.json"
    assert build.main(["--root", str(root), "--out", str(out)]) == 0
    rebuilt = KnowledgeBase.from_records(export.load(out))
    bundled = starter.load()
    assert set(rebuilt.facts) == set(bundled.facts)
    assert set(rebuilt.entities) == set(bundled.entities)


def test_scope_includes_spokespeople_by_rule() -> None:
    kb = starter.load()
    # Maria Zakharova comes from the Russian cabinet file ("Foreign Ministry Spokeperson")
    assert any(
        f.subject == "Q20812953" and f.predicate == "position_held" for f in kb.facts.values()
    )


def test_who_answers_by_date() -> None:
    kb = service.load_default()
    assert [h.person.id for h in service.who(kb, "President of Kazakhstan", date(2016, 1, 1))] == [
        "Q57394"
    ]
    in_2021 = {h.person.id for h in service.who(kb, "President of Kazakhstan", date(2021, 1, 1))}
    assert in_2021 == {"Q200881"}
    # after the files' as-of dates an open-ended term is undetermined, never "true"
    assert all(
        h.holds is None for h in service.who(kb, "President of Kazakhstan", date(2030, 1, 1))
    )


def test_show_finds_across_scripts() -> None:
    kb = service.load_default()
    assert service.show(kb, "Тоқаев Қасым-Жомарт").entity.id == "Q200881"
    assert service.show(kb, "Q1520").entity.name == "Astana"


def test_observed_titles_are_a_separate_tier() -> None:
    kb = starter.load()
    src = observed.observed_source("doc1", "t", "example.com", None, date(2022, 1, 7))
    fact = observed.title_fact("Q1253", "UN Secretary-General", src)
    kb.add_all([src, fact])
    assert fact.id in observed.observed_view(kb).facts
    assert fact.id not in observed.reference_view(kb).facts
    assert src.tier == "observed" and isinstance(src, Source)
    assert fact.interval.contains(date(2022, 1, 7)) is True
