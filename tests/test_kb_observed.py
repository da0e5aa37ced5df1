"""Observed entities: a person the base does not know, named with a title by several outlets."""

from __future__ import annotations

from datetime import date

from amanat.analyze.mentions import analyze_mentions
from amanat.kb import observed
from amanat.kb.index import KBIndex
from amanat.kb.model import Entity, Fact, KnowledgeBase, Source

NAME = "Zhanibek Tulegenovich Ormanbekov"  # nobody in the base


def _seen(outlet: str, doc: str, name: str = NAME) -> observed.Sighting:
    return observed.Sighting(name, "Deputy Interior Minister", doc, outlet, date(2023, 3, 1))


def test_two_outlets_make_an_observed_entity_with_its_titles_and_sources() -> None:
    records = observed.observed_entities([_seen("a.kz", "d1"), _seen("b.com", "d2")])
    (entity,) = [r for r in records if isinstance(r, Entity)]
    assert entity.id.startswith(observed.OBSERVED_PERSON) and entity.name == NAME
    sources = [r for r in records if isinstance(r, Source)]
    assert {s.publisher for s in sources} == {"a.kz", "b.com"}
    assert all(s.tier == "observed" for s in sources)
    facts = [r for r in records if isinstance(r, Fact)]
    assert {f.value for f in facts} == {"Deputy Interior Minister"}
    assert all(f.predicate == observed.TITLE_GIVEN and f.subject == entity.id for f in facts)


def test_one_outlet_is_not_enough() -> None:
    # the same outlet twice, and a lone surname from two outlets: no entity
    assert observed.observed_entities([_seen("a.kz", "d1"), _seen("a.kz", "d2")]) == []
    lone = [_seen("a.kz", "d1", "Ormanbekov"), _seen("b.com", "d2", "Ormanbekov")]
    assert observed.observed_entities(lone) == []


def test_spellings_that_fold_together_are_one_entity() -> None:
    records = observed.observed_entities(
        [_seen("a.kz", "d1"), _seen("b.com", "d2", NAME.upper().replace(" ", "  "))]
    )
    assert len([r for r in records if isinstance(r, Entity)]) == 1


def test_later_mentions_link_to_it_and_it_stays_out_of_the_reference_tier() -> None:
    kb = KnowledgeBase()
    kb.add_all(observed.observed_entities([_seen("a.kz", "d1"), _seen("b.com", "d2")]))
    index = KBIndex.build(kb)
    text = f"{NAME} said the talks would go on."
    linked = [m for m in analyze_mentions(text, date(2023, 4, 1), index) if m.kind == "person"]
    assert [m.entity_id for m in linked] == [observed.observed_person_id(NAME)]
    assert not observed.reference_view(kb).facts
    assert len(observed.observed_view(kb).facts) == 2


def test_the_node_base_reads_sightings_from_stored_mentions(store_url: str) -> None:
    """``load_kb`` asks the store for titled, unlinked person mentions (none yet here)."""
    from amanat.kb.commands import load_kb, sightings
    from amanat.store.db import Store

    with Store.open(store_url) as store:
        assert sightings(store) == []
        kb, version = load_kb(store)
    assert not any(e.startswith(observed.OBSERVED_PERSON) for e in kb.entities) and version


def test_from_coverage_to_an_observed_link_end_to_end(tmp_path) -> None:
    """The observed tier through the store: two outlets name an unknown official with a title
    (synthetic articles), analysis stores those mentions, the next load of the base holds the
    observed entity, and a later article's mention of the name links to it — while the
    reference tier knows nothing of that person."""
    import sqlalchemy as sa

    from amanat.analyze.commands import run_analysis
    from amanat.kb.commands import load_kb
    from amanat.store import schema as t
    from amanat.store.db import Store
    from test_store import add, make_doc

    store = Store.open(f"sqlite:///{tmp_path / 'observed.db'}")
    first = [make_doc(f"https://{site}/news/1", f"Deputy Interior Minister {NAME} told reporters in Astana "
                      "on Tuesday that the new border posts would open in May.", source=site,
                      published="2023-03-01") for site in ("a-news.kz", "b-daily.com")]
    add(store, *first)
    run_analysis(store)
    kb, version = load_kb(store)
    (entity,) = [e for e in kb.entities.values() if e.id.startswith(observed.OBSERVED_PERSON)]
    assert entity.name == NAME
    assert {f.value for f in kb.facts_about(entity.id)} == {"Deputy Interior Minister"}
    assert all(kb.sources[f.source].tier == "observed" for f in kb.facts_about(entity.id))

    later = make_doc("https://c-post.kz/news/2", f"{NAME} met the delegation from Tashkent on "
                     "Wednesday to discuss the border posts.", source="c-post.kz", published="2023-03-08")
    add(store, later)
    run_analysis(store)
    with store.engine.connect() as conn:
        linked = conn.execute(sa.select(t.mentions.c.entity_id).where(
            t.mentions.c.document_id == later[0].id, t.mentions.c.kind == "person")).scalars().all()
    assert entity.id in linked
    assert load_kb(store)[1] == version  # the later mention has no title: nothing new observed
