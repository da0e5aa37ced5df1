"""Wikidata and Popolo importers on every real sample file, and the JSON export round trip."""

import bz2
from datetime import date
from pathlib import Path

import pytest

from amanat.errors import InputError
from amanat.kb import export, popolo, wikidata
from amanat.kb.model import Entity, Fact, KnowledgeBase, Source
from amanat.model import Problem
from conftest import shared_path


def formats() -> Path:
    return shared_path() / "data" / "formats"


def test_every_wikidata_sample_reads_without_exception():
    files = sorted((formats() / "wikidata").rglob("*.json"))
    assert len(files) >= 9
    for f in files:
        records = list(wikidata.read(f))
        assert isinstance(records[0], Source)
        assert all(isinstance(r, (Entity, Fact, Problem)) for r in records[1:])


def test_dump_style_p39_precision_and_old_numeric_ids():
    kb = KnowledgeBase.from_records(
        wikidata.read(formats() / "wikidata/wikisnakker-2015-2016/dump-style-politicians.json")
    )
    assert {"Q312894", "Q156469", "Q57640", "Q21856082", "Q57762"} <= set(kb.entities)
    parts = [f for f in kb.facts_about("Q312894", "position_held") if f.object == "Q737115"]
    assert (
        parts
        and parts[0].interval.start.iso() == "2003-04-10"
        and parts[0].interval.end.iso() == "2005-04-12"
    )
    assert ("replaced_by", "Q57640") in parts[0].qualifiers and ("replaces", "Q156469") in parts[
        0
    ].qualifiers
    ansip = kb.facts_about("Q57640", "position_held")
    precisions = {f.interval.start.precision for f in ansip if f.interval.start}
    assert {"month", "year"} & precisions  # +2004-09-00 / +1998-00-00 kept at their precision
    assert any(f.interval.end is None and f.interval.start for f in ansip)  # open-ended term
    assert kb.entities["Q312894"].kind == "person"
    assert any(la.script == "Cyrl" for la in kb.entities["Q312894"].labels)


def test_dump_with_empty_arrays_and_non_items(tmp_path):
    records = list(wikidata.read(formats() / "wikidata/wikidata-toolkit/mock-dump-with-bugs.json"))
    assert sum(isinstance(r, Entity) for r in records) >= 3
    assert all(r.kind == "skipped" for r in records if isinstance(r, Problem))
    lexeme = list(wikidata.read(formats() / "wikidata/wikidata-toolkit/mock-dump-for-testing.json"))
    assert any(isinstance(r, Problem) and "lexeme" in r.message for r in lexeme)
    # compressed dumps stream the same
    src = (formats() / "wikidata/wikisnakker-2015-2016/dump-style-politicians.json").read_bytes()
    packed = tmp_path / "dump.json.bz2"
    packed.write_bytes(bz2.compress(src))
    assert sum(isinstance(r, Entity) for r in wikidata.read(packed)) == 5


def test_broken_dump_line_is_a_problem_not_a_crash(tmp_path):
    f = tmp_path / "d.json"
    f.write_text(
        '[\n{"type":"item","id":"Q1","labels":{}},\n{"type":"item", BROKEN},\n{"type":"item","id":"Q2"}\n]\n'
    )
    records = list(wikidata.read(f))
    assert [r.id for r in records if isinstance(r, Entity)] == ["Q1", "Q2"]
    assert any(isinstance(r, Problem) for r in records)
    with pytest.raises(InputError):
        list(wikidata.read(tmp_path / "missing.json"))


def test_every_popolo_sample_reads():
    files = sorted((formats() / "popolo").rglob("*.json")) + sorted(
        (shared_path() / "data/kb").rglob("ep-popolo*.json")
    )
    assert len(files) >= 20
    for f in files:
        records = list(popolo.read(f))
        assert all(isinstance(r, (Source, Entity, Fact, Problem)) for r in records)


def test_popolo_embedded_and_flat_memberships_agree():
    spec = formats() / "popolo/spec-examples"
    flat = [r for r in popolo.read(spec / "membership.json") if isinstance(r, Fact)]
    nested = [r for r in popolo.read(spec / "embedding-person.json") if isinstance(r, Fact)]
    assert flat[0].interval == nested[0].interval
    assert flat[0].interval.start.precision == "month"
    assert flat[0].interval.end.value == date(1972, 1, 1)  # inclusive 1971-12-31 → exclusive
    person = [r for r in popolo.read(spec / "person.json") if isinstance(r, Fact)]
    assert (
        person
        and person[0].predicate == "name"
        and person[0].interval.contains(date(1930, 1, 1)) is True
    )


def test_popolo_real_exports():
    fx = formats() / "popolo/everypolitician-fixtures"
    kb = KnowledgeBase.from_records(popolo.read(fx / "estonia-ep-popolo-v1.0.json"))
    assert "Q312894" in kb.entities  # Juhan Parts keyed by his QID
    assert sum(1 for f in kb.facts.values() if f.predicate == "member_of") == 299
    burundi = KnowledgeBase.from_records(popolo.read(fx / "burundi-ep-popolo-v1.0.json"))
    dated = [f for f in burundi.facts.values() if f.interval.start]
    assert len(dated) > 200  # dates taken from the legislative period
    minimal = list(popolo.read(fx / "ep-popolo-v1.0.json"))
    assert [r.id for r in minimal if isinstance(r, Entity)] == ["popolo:person/123"]
    kz = KnowledgeBase.from_records(
        popolo.read(
            shared_path()
            / "data/kb/everypolitician-data-2015/Kazakhstan/Assembly/ep-popolo-v1.0.json"
        )
    )
    assert sum(1 for e in kz.entities.values() if e.kind == "person") == 107


def test_popolo_csv_positions():
    f = (
        shared_path()
        / "data/kb/everypolitician-data-upstream/Pakistan/Assembly/unstable/positions.csv"
    )
    facts = [r for r in popolo.read(f) if isinstance(r, Fact)]
    assert len(facts) == 10
    abbasi = [x for x in facts if x.interval.start and x.interval.start.iso() == "2017-08"]
    assert abbasi and abbasi[0].interval.end is None


def test_export_round_trip(tmp_path):
    recs = list(
        wikidata.read(formats() / "wikidata/wikisnakker-2015-2016/dump-style-politicians.json")
    )
    recs += list(popolo.read(formats() / "popolo/spec-examples/person.json"))
    kb = KnowledgeBase.from_records(recs)
    out = tmp_path / "kb.json"
    export.dump(kb.records(), out)
    again = KnowledgeBase.from_records(export.load(out))
    assert again.entities == kb.entities
    assert again.facts == kb.facts
    assert again.sources == kb.sources
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "other"}')
    with pytest.raises(InputError):
        list(export.load(bad))
