"""Merging one person's records across sources (kb.merge): real records first, then one
constructed case per rule, including people who share a surname but are not the same."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from amanat.cli import app
from amanat.kb import build, export, popolo, service, wikidata
from amanat.kb.merge import MERGE_SOURCE, merge_persons
from amanat.kb.model import (
    BIRTH_DATE,
    JURISDICTION,
    MEMBER_OF,
    POSITION_HELD,
    SAME_AS,
    Bound,
    Entity,
    Fact,
    Interval,
    KnowledgeBase,
    Label,
    Source,
)
from conftest import shared_path

EP_PAKISTAN = ("data", "kb", "everypolitician-data-upstream", "Pakistan", "Assembly", "unstable")
NAWAZ_EP = "popolo:7304486c-f12d-4009-b2db-ee47ec4f5771"
ABBASI_EP = "popolo:ede4278d-4745-4417-b736-27aa5ff728a0"
JAMALI_EP = "popolo:69ab7319-fead-49c3-bdb8-efb5952232f7"


def _pakistan() -> tuple[KnowledgeBase, Source]:
    """Every Pakistani office-holder row of the Wikidata files, and EveryPolitician's
    Pakistani positions.csv, whose persons carry no QID."""
    root = shared_path("data", "kb")
    src = Source("ep:pakistan-positions", "EveryPolitician positions (Pakistan)", "EveryPolitician")
    records = list(build.build(root, lambda h: h.jurisdiction == "Q843"))
    records += popolo.read(shared_path(*EP_PAKISTAN, "positions.csv"), source=src)
    return KnowledgeBase.from_records(records), src


def test_everypolitician_persons_fold_into_their_wikidata_records() -> None:
    kb, src = _pakistan()
    assert NAWAZ_EP in kb.entities and "Q134068" in kb.entities  # the same man, twice
    merged, report = merge_persons(kb)
    by_old = {m.old: m for m in report.merged}
    # Nawaz Sharif: Prime Minister of Pakistan from 2013-06-05 in both files
    assert by_old[NAWAZ_EP].new == "Q134068"
    assert any("Prime Minister of Pakistan" in e for e in by_old[NAWAZ_EP].evidence)
    # Abbasi: EveryPolitician says 2017-08 (month), Wikidata 2017-08-01: the same term
    assert by_old[ABBASI_EP].new == "Q7461686"
    assert by_old[JAMALI_EP].new == "Q140144"
    assert report.ambiguous == []
    # rows without dates (Elahi, Rasheed) have nothing to corroborate the name: kept apart
    assert "popolo:d2593afd-cc24-4865-8daf-8617001974a9" in merged.entities
    assert "popolo:1a4c70fe-42ad-4d70-bd26-04c71e189901" in merged.entities
    assert NAWAZ_EP not in merged.entities
    nawaz = merged.entities["Q134068"]
    assert "Muhammad Nawaz Sharif, Prime Minister Islamic Republic of Pakistan" in nawaz.names()
    assert ("popolo", NAWAZ_EP.split(":", 1)[1]) in nawaz.external_ids
    # every fact keeps its own source: the EveryPolitician terms now sit on the QID
    ep_facts = [f for f in merged.facts.values() if f.source == src.id]
    assert len(ep_facts) == sum(1 for f in kb.facts.values() if f.source == src.id)
    terms = {
        (f.interval.start.iso() if f.interval.start else None)
        for f in ep_facts
        if f.subject == "Q134068"
    }
    assert {"1990-11-06", "1997-02-17", "2013-06-05", "1993-08-06", "2013-06-07"} <= terms
    # same surname, different people: Shehbaz Sharif held the same office, Murtaza Javed
    # Abbasi sat in the same assembly; neither receives anything
    assert {f.subject for f in ep_facts} == {
        "Q134068",
        "Q7461686",
        "Q140144",
        "popolo:d2593afd-cc24-4865-8daf-8617001974a9",
        "popolo:1a4c70fe-42ad-4d70-bd26-04c71e189901",
    }
    same = [f for f in merged.facts.values() if f.predicate == SAME_AS and f.value == NAWAZ_EP]
    assert len(same) == 1 and same[0].subject == "Q134068"
    assert same[0].source == MERGE_SOURCE.id
    sources = same[0].qualifier("sources") or ""
    assert src.id in sources and "wdoh:pakistan-ministers/html/holders21.csv" in sources
    assert len(merged.facts) == len(kb.facts) + len(report.merged)
    # the old id still finds the person; the input base is untouched; merging is idempotent
    assert service.show(merged, NAWAZ_EP).entity.id == "Q134068"
    assert NAWAZ_EP in kb.entities
    again, second = merge_persons(merged)
    assert again is merged and not second.merged


def test_popolo_and_wikidata_records_agree_on_birth_date_and_freebase_id(tmp_path: Path) -> None:
    """Real records: the Estonian Popolo file with its Wikidata ids removed (as in the
    Pakistani and Russian files, which have none), and Juhan Parts's Wikidata entity."""
    fixture = shared_path(
        "data", "formats", "popolo", "everypolitician-fixtures", "estonia-ep-popolo-v1.0.json"
    )
    doc = json.loads(fixture.read_text(encoding="utf-8"))
    for person in doc["persons"]:
        person["identifiers"] = [
            i for i in person.get("identifiers", []) if i.get("scheme") != "wikidata"
        ]
    stripped = tmp_path / "estonia.json"
    stripped.write_text(json.dumps(doc), encoding="utf-8")
    entity = shared_path("data", "formats", "wikidata", "wikisnakker-2015-2016")
    records = [*popolo.read(stripped), *wikidata.read(entity / "wbgetentities-Q312894.json")]
    kb = KnowledgeBase.from_records(records)
    assert any(f.predicate == BIRTH_DATE and f.subject == "Q312894" for f in kb.facts.values())
    assert ("freebase", "/m/01y41c") in kb.entities["Q312894"].external_ids
    merged, report = merge_persons(kb)
    assert [m.new for m in report.merged] == ["Q312894"]
    assert set(report.merged[0].evidence) == {"born 1966-08-27", "shared id freebase=/m/01y41c"}
    parts = merged.entities["Q312894"]
    assert any(f.subject == "Q312894" and f.predicate == MEMBER_OF for f in merged.facts.values())
    assert parts.kind == "person"
    assert sum(1 for e in merged.entities.values() if e.name == "Juhan Parts") == 1


# --- one rule at a time, on minimal records --------------------------------------------------

SRC_A = Source("a", "file A", "A", as_of=date(2022, 1, 1))
SRC_B = Source("b", "file B", "B", as_of=date(2022, 1, 1))
PM_PK = Entity("Q735575", "position", (Label("Prime Minister of Pakistan", "en"),))
PM_EP = Entity("ep:pm", "position", (Label("Prime Minister of Pakistan", "en"),))
PM_IN = Entity("Q192711", "position", (Label("Prime Minister of Pakistan", "en"),))


def _person(pid: str, name: str) -> Entity:
    return Entity(
        pid, "person", (Label(name, "en"),), (("wikidata", pid),) if pid[0] == "Q" else ()
    )


def _held(pid: str, pos: str, start: str, end: str | None, src: Source) -> Fact:
    iv = Interval(Bound.parse(start), Bound.parse(end) if end else None, as_of=src.as_of)
    return Fact(pid, POSITION_HELD, object=pos, interval=iv, source=src.id)


def _born(pid: str, day: str, src: Source) -> Fact:
    return Fact(pid, BIRTH_DATE, value=day, source=src.id)


def _kb(*records: object) -> KnowledgeBase:
    return KnowledgeBase.from_records([SRC_A, SRC_B, PM_PK, PM_EP, *records])  # type: ignore[list-item]


def test_a_name_alone_never_merges() -> None:
    kb = _kb(
        _person("Q1", "Nawaz Sharif"),
        _person("ep:1", "Nawaz Sharif"),
        Fact("ep:1", MEMBER_OF, object="ep:assembly", source="b"),
        _held("Q1", "Q735575", "2013-06-05", "2017-07-28", SRC_A),
    )
    merged, report = merge_persons(kb)
    assert merged is kb and not report.merged and not report.ambiguous


def test_same_office_over_overlapping_dates_merges_across_position_ids() -> None:
    kb = _kb(
        _person("Q1", "Nawaz Sharif"),
        _person("ep:1", "Mian Muhammad Nawaz Sharif"),
        _held("Q1", "Q735575", "2013-06-05", "2017-07-28", SRC_A),
        _held("ep:1", "ep:pm", "2013-06-05", "2017-07-29", SRC_B),
    )
    merged, report = merge_persons(kb)
    assert [(m.old, m.new) for m in report.merged] == [("ep:1", "Q1")]
    assert {f.source for f in merged.facts.values() if f.subject == "Q1"} >= {"a", "b"}


def test_same_office_at_other_dates_or_in_another_country_does_not_merge() -> None:
    kb = _kb(
        PM_IN,
        _person("Q1", "Nawaz Sharif"),
        _person("ep:1", "Nawaz Sharif"),
        _person("ep:2", "Nawaz Sharif"),
        _held("Q1", "Q735575", "2013-06-05", "2017-07-28", SRC_A),
        _held("ep:1", "ep:pm", "1990-11-06", "1993-04-19", SRC_B),  # an earlier term only
        _held("ep:2", "Q192711", "2013-06-05", None, SRC_B),  # same label, India's office
        Fact("Q735575", JURISDICTION, object="Q843", source="a"),
        Fact("Q192711", JURISDICTION, object="Q668", source="a"),
    )
    assert not merge_persons(kb)[1].merged


def test_same_surname_same_office_is_not_the_same_person() -> None:
    kb = _kb(
        _person("Q2096387", "Shehbaz Sharif"),
        _person("Q134068", "Nawaz Sharif"),
        _person("ep:1", "Nawaz Sharif"),
        _person("ep:2", "Shahid Khaqan Abbasi"),
        _person("Q15983338", "Murtaza Javed Abbasi"),
        _held("Q2096387", "Q735575", "2022-04-11", None, SRC_A),
        _held("Q134068", "Q735575", "2013-06-05", "2017-07-28", SRC_A),
        _held("ep:1", "ep:pm", "2022-04-11", None, SRC_B),  # Shehbaz's term, Nawaz's name
        _held("ep:2", "ep:pm", "2017-08", None, SRC_B),
        _held("Q15983338", "Q735575", "2017-08-01", "2018-06-01", SRC_A),  # made-up overlap
    )
    merged, report = merge_persons(kb)
    assert not report.merged
    assert {"ep:1", "ep:2"} <= set(merged.entities)


def test_birth_dates_corroborate_and_contradict() -> None:
    base = [
        _person("Q1", "Juhan Parts"),
        _person("ep:1", "Juhan Parts"),
        _born("Q1", "1966-08-27", SRC_A),
    ]
    same = _kb(*base, _born("ep:1", "1966-08-27", SRC_B))
    assert [m.new for m in merge_persons(same)[1].merged] == ["Q1"]
    year_only = _kb(*base, _born("ep:1", "1966", SRC_B))  # agrees, but too coarse alone
    assert not merge_persons(year_only)[1].merged
    # a different birth date vetoes even a shared office over the same term
    other = _kb(
        *base,
        _born("ep:1", "1971-02-03", SRC_B),
        _held("Q1", "Q735575", "2013-06-05", "2017-07-28", SRC_A),
        _held("ep:1", "ep:pm", "2013-06-05", "2017-07-28", SRC_B),
    )
    assert not merge_persons(other)[1].merged


def test_a_shared_external_identifier_corroborates() -> None:
    q = Entity("Q1", "person", (Label("Juhan Parts"),), (("wikidata", "Q1"), ("viaf", "123")))
    ep = Entity("ep:1", "person", (Label("Parts, Juhan"),), (("ep", "1"), ("viaf", "123")))
    other = Entity("ep:2", "person", (Label("Jaan Parts"),), (("ep", "2"), ("viaf", "123")))
    merged, report = merge_persons(_kb(q, ep, other))
    assert [(m.old, m.evidence) for m in report.merged] == [("ep:1", ("shared id viaf=123",))]
    assert "ep:2" in merged.entities  # the id agrees but the name does not


def test_several_fitting_persons_stay_separate_and_are_reported() -> None:
    kb = _kb(
        _person("Q1", "Ali Khan"),
        _person("Q2", "Ali Khan"),
        _person("ep:1", "Ali Khan"),
        _born("Q1", "1950-01-01", SRC_A),
        _born("Q2", "1950-01-01", SRC_A),
        _born("ep:1", "1950-01-01", SRC_B),
    )
    merged, report = merge_persons(kb)
    assert not report.merged and merged is kb
    assert [(a.entity, a.candidates) for a in report.ambiguous] == [("ep:1", ("Q1", "Q2"))]
    assert "left separate ep:1" in report.lines()[0]


# --- where it applies: the starter build and `amanat kb import` --------------------------------


def test_starter_build_applies_the_merge(tmp_path: Path) -> None:
    """A hand-entered person without a QID who held an office of the files over the same
    term is folded into the Wikidata record by ``python -m amanat.kb.build``; the bundled
    inputs hold no such person, so the starter itself is unchanged by the rule."""
    manual = tmp_path / "manual.json"
    manual.write_text(
        json.dumps(
            {
                "format": "amanat-kb",
                "version": 1,
                "sources": [
                    {
                        "id": "cite",
                        "url": "https://example.org/prime-ministers",
                        "title": "A page",
                        "publisher": "Someone",
                        "date": "2018-01-01",
                        "date_kind": "last updated",
                        "quote": ["Nawaz Sharif was Prime Minister from 2013 to 2017."],
                    }
                ],
                "entities": [
                    {
                        "id": "amanat:person/nawaz",
                        "kind": "person",
                        "labels": [{"text": "Mian Muhammad Nawaz Sharif"}],
                        "source": "cite",
                    }
                ],
                "facts": [
                    {
                        "subject": "amanat:person/nawaz",
                        "predicate": "position_held",
                        "object": "Q735575",
                        "start": "2013-06-05",
                        "end": "2017-07-28",
                        "source": "cite",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "starter.json"
    root = str(shared_path("data", "kb"))
    assert build.main(["--root", root, "--manual", str(manual), "--out", str(out)]) == 0
    kb = KnowledgeBase.from_records(export.load(out))
    assert "amanat:person/nawaz" not in kb.entities
    assert "Mian Muhammad Nawaz Sharif" in kb.entities["Q134068"].names()
    assert any(f.source == "cite" and f.subject == "Q134068" for f in kb.facts.values())
    assert merge_persons(service.load_default())[1].merged == []


def test_kb_import_reports_and_applies_merges(store_url: str) -> None:
    runner = CliRunner()
    positions = shared_path(*EP_PAKISTAN, "positions.csv")
    result = runner.invoke(app, ["--db", store_url, "kb", "import", str(positions)])
    assert result.exit_code == 0, result.stderr
    assert f"merged {NAWAZ_EP}" in result.stderr and "into Q134068" in result.stderr
    assert f"merged {ABBASI_EP}" in result.stderr
    result = runner.invoke(app, ["--db", store_url, "kb", "show", NAWAZ_EP, "--json"])
    shown = json.loads(result.stdout)
    assert shown["id"] == "Q134068"
    assert any(f["source"].startswith("popolo:") for f in shown["facts"])
    result = runner.invoke(
        app,
        ["--db", store_url, "kb", "who", "--position", "Prime Minister of Pakistan",
         "--on", "2016-01-01", "--json"],
    )  # fmt: skip
    holders = json.loads(result.stdout)["holders"]
    assert {h["person"] for h in holders if h["holds"]} == {"Q134068"}
    # one term, one person: one row citing every source that gives it (the Wikidata file, and
    # the EveryPolitician file both in the starter base and imported again)
    rows = [h for h in holders if h["person"] == "Q134068"]
    assert len(rows) == 1
    cited = {s["id"] if isinstance(s, dict) else s for s in rows[0]["sources"]}
    assert any(s.startswith("popolo:") for s in cited) and any(s.startswith("wdoh:") for s in cited)
