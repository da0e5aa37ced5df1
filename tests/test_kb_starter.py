"""The bundled starter base: built from shared data by the scope rule plus cited hand facts."""

from __future__ import annotations

import json
from datetime import date

import pytest

from amanat.errors import InputError
from amanat.kb import build, export, observed, service, starter
from amanat.kb.model import CAPITAL, NAME, Fact, KnowledgeBase, Source
from conftest import shared_path


def test_starter_loads_with_every_fact_sourced() -> None:
    kb = starter.load()
    assert len(kb.entities) > 200
    for fact in kb.facts.values():
        assert fact.source in kb.sources, fact
    assert all(s.tier == "reference" for s in kb.sources.values())


def test_manual_facts_cite_public_sources() -> None:
    """Every hand-entered source is a full citation of one page, and everything cites one."""
    doc = json.loads(build.MANUAL.read_text(encoding="utf-8"))
    ids = {s["id"] for s in doc["sources"]}
    for s in doc["sources"]:
        assert set(build.CITATION_FIELDS) <= s.keys(), s["id"]
        assert s["url"].startswith(("http://", "https://")), s["id"]
        assert s["title"].strip() and s["publisher"].strip() and s["date_kind"].strip(), s["id"]
        assert s["quote"] and all(q.strip() for q in s["quote"]), s["id"]
        assert (s["date"] is None) == s["date_kind"].startswith(build.NO_DATE), s["id"]
    for e in doc["entities"]:
        assert e["source"] in ids, e["id"]
        assert all(la.get("source", e["source"]) in ids for la in e["labels"]), e["id"]
    for f in doc["facts"]:
        assert {f["source"], *f.get("also_cites", [])} <= ids, f
    dated = {s["id"] for s in doc["sources"] if s["date"]}
    # a fact that starts and has no end is bounded by a page's date
    for f in doc["facts"]:
        if f.get("start") and not f.get("end"):
            assert f["source"] in dated or f.get("as_of"), f


def _manual(tmp_path, source: dict, fact: dict | None = None, label_source: str | None = None):
    doc = {
        "format": "amanat-kb",
        "version": 1,
        "sources": [source],
        "entities": [
            {
                "id": "x:1",
                "kind": "place",
                "source": source["id"],
                "labels": [{"text": "X", **({"source": label_source} if label_source else {})}],
            }
        ],
        "facts": [fact] if fact else [],
    }
    path = tmp_path / "manual.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


PAGE = {
    "id": "s",
    "url": "https://example.org/page",
    "title": "A page",
    "publisher": "Example",
    "date": "2020-05",
    "date_kind": "published",
    "quote": ["X became Y on 1 June 2019."],
}


def test_read_manual_keeps_the_citation_and_bounds_open_facts(tmp_path) -> None:
    fact = {
        "subject": "x:1",
        "predicate": "name",
        "value": "Y",
        "start": "2019-06-01",
        "source": "s",
    }
    records = build.read_manual(_manual(tmp_path, PAGE, fact))
    src = next(r for r in records if isinstance(r, Source))
    # a month-precision page date bounds facts from the period's first day (never later)
    assert src.as_of == date(2020, 5, 1) and src.url == PAGE["url"]
    assert "X became Y on 1 June 2019." in (src.note or "") and "published" in (src.note or "")
    (f,) = [r for r in records if isinstance(r, Fact)]
    assert f.interval.as_of == date(2020, 5, 1)
    assert f.interval.contains(date(2020, 1, 1)) is True
    assert f.interval.contains(date(2021, 1, 1)) is None


@pytest.mark.parametrize(
    ("change", "fact", "label_source", "message"),
    [
        ({"quote": []}, None, None, "quote"),
        ({"url": "example.org"}, None, None, "url"),
        ({"date": None}, None, None, "none shown"),
        ({"date": "2020-13-01"}, None, None, "not a date"),
        ({"publisher": " "}, None, None, "publisher"),
        (None, None, "nowhere", "cites no known source"),
        (
            {"date": None, "date_kind": "none shown"},
            {"subject": "x:1", "predicate": "name", "value": "Y", "start": "2019", "source": "s"},
            None,
            "no date",
        ),
        (
            {},
            {
                "subject": "x:1",
                "predicate": "name",
                "value": "Y",
                "start": "2019",
                "source": "s",
                "as_of": "2024-01-01",
            },
            None,
            "none of its pages",
        ),
        (
            {},
            {
                "subject": "x:1",
                "predicate": "name",
                "value": "Y",
                "source": "s",
                "also_cites": ["t"],
            },
            None,
            "cites no known source",
        ),
    ],
)
def test_read_manual_refuses_what_no_page_supports(tmp_path, change, fact, label_source, message):
    page = {**PAGE, **(change or {})}
    with pytest.raises(InputError, match=message):
        build.read_manual(_manual(tmp_path, page, fact, label_source))


def test_read_manual_requires_every_citation_field(tmp_path) -> None:
    for field in build.CITATION_FIELDS:
        page = {k: v for k, v in PAGE.items() if k != field}
        with pytest.raises(InputError, match=field):
            build.read_manual(_manual(tmp_path, page))


def test_heads_of_regional_organisations_by_date() -> None:
    kb = starter.load()

    def held(position: str, day: date) -> dict[str, bool | None]:
        return {kb.entities[f.subject].name: v for f, v in kb.holders(position, day)}

    csto = "amanat:position/csto-secretary-general"
    sco = "amanat:position/sco-secretary-general"
    cica_ed = "amanat:position/cica-executive-director"
    cica_sg = "amanat:position/cica-secretary-general"
    assert held(csto, date(2016, 6, 1)) == {"Nikolai Bordyuzha": True}
    assert held(csto, date(2017, 3, 1)) == {"Valery Semerikov": True}  # acting
    assert held(csto, date(2021, 6, 1)) == {"Stanislav Zas": True}
    assert held(csto, date(2024, 6, 1)) == {"Imangali Tasmagambetov": True}
    assert held(sco, date(2015, 6, 1)) == {"Dmitry Mezentsev": True}
    assert held(sco, date(2020, 6, 1)) == {"Vladimir Norov": True}
    assert held(sco, date(2024, 12, 31)) == {"Zhang Ming": True}
    assert held(sco, date(2025, 1, 1)) == {}
    assert held(cica_ed, date(2019, 6, 1)) == {"Habibullo Mirzoev": True}
    assert held(cica_ed, date(2021, 6, 1)) == {"Kairat Sarybay": True}
    assert held(cica_ed, date(2023, 6, 1)) == {}
    assert held(cica_sg, date(2023, 6, 1)) == {"Kairat Sarybay": True}
    # no page gives the day Gong Jianwei took office: undetermined, never "held"
    assert held(cica_ed, date(2016, 6, 1)) == {"Gong Jianwei": None}


def test_kazakh_officials_are_dated_only_as_far_as_pages_say() -> None:
    kb = starter.load()

    def terms(name: str) -> list[tuple[str, str | None, str | None]]:
        person = next(e for e in kb.entities.values() if e.name == name)
        rows = [
            (
                kb.entities[f.object or ""].name,
                f.interval.start.iso() if f.interval.start else None,
                f.interval.end.iso() if f.interval.end else None,
            )
            for f in kb.facts_about(person.id)
            if f.predicate == "position_held"
        ]
        return sorted(rows, key=str)

    assert terms("Yerzhan Kistafin") == [("Ambassador of Kazakhstan to Pakistan", "2021", None)]
    assert ("First Deputy Minister of Foreign Affairs of Kazakhstan", "2024", None) in terms(
        "Akan Rakhmetullin"
    )
    # Vassilenko's appointment date was found on no page: no start, so never "held" by date
    (vassilenko,) = terms("Roman Vassilenko")
    assert vassilenko == ("Deputy Minister of Foreign Affairs of Kazakhstan", None, None)


def test_capital_renames_follow_the_dates() -> None:
    kb = starter.load()
    names = [f for f in kb.facts.values() if f.subject == "Q1520" and f.predicate == NAME]

    def called(day: date) -> list[str]:
        return [f.value or "" for f in names if f.interval.contains(day)]

    # "Akmola" has no start on any page: before 1998-05-06 it is undetermined, after it over
    assert called(date(1998, 1, 1)) == []
    assert called(date(1998, 6, 1)) == ["Astana"]
    assert called(date(2015, 1, 1)) == ["Astana"]
    assert called(date(2020, 1, 1)) == ["Nur-Sultan"]
    assert called(date(2022, 9, 16)) == ["Nur-Sultan"]
    assert called(date(2023, 1, 1)) == ["Astana"]

    # "Astana" (2022) is open-ended: known up to its latest cited page (2025-01-05), then
    # undetermined; "Nur-Sultan" is surely over
    def verdicts(day: date) -> dict[str, bool | None]:
        return {
            f.value or "": f.interval.contains(day)
            for f in names
            if (f.interval.start and f.interval.start.value.year == 2022) or f.value == "Nur-Sultan"
        }

    assert verdicts(date(2023, 1, 1)) == {"Astana": True, "Nur-Sultan": False}
    assert verdicts(date(2026, 1, 1)) == {"Astana": None, "Nur-Sultan": False}


def test_capitals_and_their_renames_are_dated_where_a_page_says() -> None:
    kb = starter.load()

    def capital(country: str, day: date) -> dict[str, bool | None]:
        return {
            kb.entities[f.object or ""].name: f.interval.contains(day)
            for f in kb.facts.values()
            if f.subject == country and f.predicate == CAPITAL
        }

    # Islamabad from 14 August 1967, Moscow from 12 March 1918 (day precision)
    assert capital("Q843", date(1967, 8, 13)) == {"Islamabad": False}
    assert capital("Q843", date(2020, 1, 1)) == {"Islamabad": True}
    assert capital("Q159", date(1918, 3, 11)) == {"Moscow": False}
    assert capital("Q159", date(2000, 1, 1)) == {"Moscow": True}
    # independent Tajikistan's capital from 1991 (year precision: undetermined inside it)
    assert capital("Q863", date(1991, 6, 1)) == {"Dushanbe": None}
    assert capital("Q863", date(2005, 1, 1)) == {"Dushanbe": True}
    # open-ended: known only up to the cited page's date (2012-08-09), never "true" after it
    assert capital("Q159", date(2020, 1, 1)) == {"Moscow": None}
    # no page dates Bishkek as the capital: undetermined, never a guess
    assert capital("Q813", date(2020, 1, 1)) == {"Bishkek": None}

    def called(place: str, day: date) -> list[str]:
        return sorted(
            f.value or ""
            for f in kb.facts.values()
            if f.subject == place and f.predicate == NAME and f.interval.contains(day)
        )

    assert called("amanat:place/dushanbe", date(1950, 1, 1)) == ["Stalinabad"]
    assert called("amanat:place/dushanbe", date(1961, 6, 1)) == []  # the year of the rename
    assert called("amanat:place/dushanbe", date(1970, 1, 1)) == ["Dushanbe"]
    assert called("amanat:place/bishkek", date(1980, 1, 1)) == ["Frunze"]
    assert called("amanat:place/bishkek", date(2000, 1, 1)) == ["Bishkek"]


def test_heads_change_on_the_handover_day() -> None:
    kb = starter.load()

    def held(position: str, day: date) -> dict[str, bool | None]:
        return {kb.entities[f.subject].name: v for f, v in kb.holders(position, day)}

    cica_ed = "amanat:position/cica-executive-director"
    # appointed (and, for Sarybay, taking up the post) at the ministerial meetings
    assert held(cica_ed, date(2018, 9, 23)) == {"Gong Jianwei": None}
    assert held(cica_ed, date(2018, 9, 24)) == {"Habibullo Mirzoev": True}
    assert held(cica_ed, date(2020, 9, 24)) == {"Kairat Sarybay": True}
    # the CSTO deputy acted again from the day Khachaturov was dismissed
    csto = "amanat:position/csto-secretary-general"
    assert held(csto, date(2018, 11, 1)) == {"Yuri Khachaturov": True}
    assert held(csto, date(2018, 11, 2)) == {"Valery Semerikov": True}


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
    def holders(on: date) -> tuple[service.Holder, ...]:
        return service.who(kb, "President of Kazakhstan", on).holders

    assert [h.person.id for h in holders(date(2016, 1, 1))] == ["Q57394"]
    assert {h.person.id for h in holders(date(2021, 1, 1))} == {"Q200881"}
    # after the files' as-of dates an open-ended term is undetermined, never "true"
    assert all(h.holds is None for h in holders(date(2030, 1, 1)))


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
