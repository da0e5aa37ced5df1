"""What the store says of one entity (store/entities.py): mentions counted per month of
publication (undated and year-only apart), and the documents naming it paged newest first,
undated last, ties by id. On both backends, against counts made here by hand."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa

from amanat.model import PublishedDate
from amanat.store import entities
from amanat.store import schema as t

sys.path.insert(0, str(Path(__file__).parent))
from test_store import add, make_doc

DATES = ["2022-01-10", "2022-01-20", "2022-03-05", "2022", None, "2022-03-05", "2021-12-31", None, "2022-01-10"]


def _named(store) -> list[tuple[str, str | None, int]]:
    docs = []
    for i, day in enumerate(DATES):
        doc, cap = make_doc(f"https://n{i}.example/a", f"Report {i} on Ban Ki-moon.", source=f"n{i}.example")
        if day:
            doc = replace(doc, published=PublishedDate(day, "year" if len(day) == 4 else "day", "metadata"))
        docs.append((doc, cap))
    add(store, *docs)
    rows = []
    for i, (doc, _) in enumerate(docs):
        for n in range(1 + i % 3):  # 1, 2 or 3 mentions of the entity in each document
            rows.append({"document_id": doc.id, "n": n, "start": 0, "end": 5, "text": "Ban", "kind": "person",
                         "entity_id": "Q1253", "candidates": "[]", "nested": False, "kb_version": "t"})
    rows.append({"document_id": docs[0][0].id, "n": 9, "start": 0, "end": 5, "text": "Astana", "kind": "place",
                 "entity_id": "Q1520", "candidates": "[]", "nested": False, "kb_version": "t"})
    with store.engine.begin() as conn:
        conn.execute(sa.insert(t.mentions), rows)
    return [(doc.id, DATES[i], 1 + i % 3) for i, (doc, _) in enumerate(docs)]


def test_months_undated_and_pages(store):
    named = _named(store)
    months: dict[str, tuple[int, int]] = {}
    undated = (0, 0)
    for _, day, n in named:
        if day and len(day) >= 7:
            was = months.get(day[:7], (0, 0))
            months[day[:7]] = (was[0] + n, was[1] + 1)
        else:
            undated = (undated[0] + n, undated[1] + 1)
    order = sorted(named, key=lambda r: r[0])
    order.sort(key=lambda r: r[1] or "", reverse=True)
    order.sort(key=lambda r: r[1] is None)
    seen = []
    for offset in range(0, 12, 4):
        counts, docs, total = entities.coverage_of(store, "Q1253", limit=4, offset=offset)
        assert counts.months == dict(sorted(months.items())) and counts.undated == undated
        assert total == len(named) == counts.documents
        assert counts.mentions == sum(n for _, _, n in named)
        seen += [(d["id"], d["mentions"]) for d in docs]
    assert seen == [(i, n) for i, _, n in order]
    assert entities.coverage_of(store, "Q0", limit=4) == (entities.MentionCounts(), [], 0)
