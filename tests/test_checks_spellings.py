"""Names: spellings of a known person that neither a label nor a transliteration supports are
informational; other romanisations, other scripts, initials and partial names are not."""

from __future__ import annotations

import pytest

from amanat.check import DocumentView, Record
from amanat.check.spellings import SPELLINGS
from amanat.kb.index import KBIndex
from amanat.kb.model import Entity, KnowledgeBase, Label
from amanat.model import Mention

TOKAYEV, SHARIF = "Q200881", "Q3349"


@pytest.fixture(scope="module")
def record() -> Record:
    kb = KnowledgeBase()
    kb.add(Entity(TOKAYEV, "person", (Label("Kassym-Jomart Tokayev", "en"), Label("Қасым-Жомарт Тоқаев", "kk", kind="alias"),
                                      Label("Касым-Жомарт Кемелевич Токаев", "ru", kind="alias"))))
    kb.add(Entity(SHARIF, "person", (Label("Shehbaz Sharif", "en"), Label("شہباز شریف", "ur", kind="alias"))))
    return Record(kb, KBIndex.build(kb), "test")


def view(*names: tuple[str, str], method: str = "fuzzy") -> DocumentView:
    text, mentions = "", []
    for written, entity in names:
        start = len(text)
        text += f"{written} spoke. "
        mentions.append(Mention(start, start + len(written), written, "person", entity, method=method))
    return DocumentView("d1", text, None, None, "en", "test", (), tuple(mentions))


def test_a_spelling_no_label_or_transliteration_gives_is_informational(record: Record) -> None:
    [f] = SPELLINGS.run(view(("Kassym Tokaiyev", TOKAYEV), ("Kassym Tokaiyev", TOKAYEV)), record)
    assert (f.status, f.type, f.check) == ("informational", "name-spelling", "name-spellings")
    assert len(f.evidence) == 2 and "Kassym-Jomart Tokayev" in f.sentence
    assert {x["value"] for x in f.facts} >= {"Kassym-Jomart Tokayev", "Қасым-Жомарт Тоқаев"}
    [g] = SPELLINGS.run(view(("Shahbaz Shareef Khanzada", SHARIF)), record)
    assert g.key == f"{SHARIF}|shahbaz shareef khanzada"


def test_romanisations_scripts_initials_and_short_forms_are_supported(record: Record) -> None:
    for written, entity in (("Kasym-Zhomart Tokaev", TOKAYEV), ("Qasym-Jomart Toqayev", TOKAYEV),
                            ("Kassym-Jomart Kemelevich Tokayev", TOKAYEV), ("K. Tokayev", TOKAYEV),
                            ("Tokaev", TOKAYEV), ("KASSYM-JOMART TOKAYEV", TOKAYEV), ("Shahbaz Sharif", SHARIF),
                            ("Shehbaz Shareef", SHARIF), ("President Shehbaz Sharif", SHARIF)):
        assert SPELLINGS.run(view((written, entity)), record) == [], written


def test_only_fuzzy_links_to_known_people_are_looked_at(record: Record) -> None:
    assert SPELLINGS.run(view(("Kassym Tokaiyev", TOKAYEV), method="alias"), record) == []
    assert SPELLINGS.run(view(("Kassym Tokaiyev", "Q404")), record) == []
    unlinked = view(("Kassym Tokaiyev", TOKAYEV))
    mention = unlinked.mentions[0]
    bare = Mention(mention.start, mention.end, mention.text, "person", None, method="fuzzy")
    assert SPELLINGS.run(DocumentView("d1", unlinked.text, None, None, "en", "t", (), (bare,)), record) == []
