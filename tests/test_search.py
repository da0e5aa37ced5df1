"""SQLite's own search (FTS5) in steps: FTS5 ranks a bounded top-k, the documents table
filters it, snippets are cut for the page alone. Every page, with any filter, must be exactly
what the single joined query (rank every match joined to its document) gives."""

from __future__ import annotations

import random
import sys
from datetime import date
from pathlib import Path

import pytest

from amanat.store import search as search_module
from amanat.store.db import Store
from amanat.store.search import MARK_END, MARK_START, Filters, search

sys.path.insert(0, str(Path(__file__).parent))
from test_store import add, make_doc

WORDS = ["astana", "oil", "talks", "ministry", "border", "trade", "grain", "rail", "port", "gas"]


@pytest.fixture
def store(sqlite_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AMANAT_SEARCH_INDEX", "fts5")
    rng = random.Random(3)
    docs = []
    for i in range(120):
        text = " ".join(rng.choices(WORDS, k=rng.randint(5, 40)))
        docs.append(make_doc(f"https://n{i % 7}.example/{i}", text, title=" ".join(rng.choices(WORDS, k=3)),
                             lang="en" if i % 3 else "kk", published=f"2022-0{1 + i % 9}-1{i % 10}",
                             source=f"n{i % 7}.example"))
    # newer versions: their first versions must drop out (not latest) without shortening a page
    for i in range(0, 120, 5):
        docs.append(make_doc(f"https://n{i % 7}.example/{i}", "oil oil talks " + " ".join(rng.choices(WORDS, k=9)),
                             source=f"n{i % 7}.example"))
    with Store.open(sqlite_url) as s:
        add(s, *docs)
        yield s


def _pages(store: Store, query: str, filters: Filters, limit: int) -> list[list[tuple[str, float]]]:
    out, offset = [], 0
    while offset < 200:
        hits = search(store, query, filters, limit=limit, offset=offset)
        out.append([(h.id, round(h.score, 9)) for h in hits])
        offset += limit
    return out


@pytest.mark.parametrize("filters", [
    Filters(), Filters(language="kk"), Filters(source="n3.example"), Filters(since=date(2022, 6, 1)),
    Filters(all_versions=True), Filters(source="n5.example", until=date(2022, 3, 31)),
])
@pytest.mark.parametrize("query", ["oil", "talks OR grain", '"oil talks"', "astana -gas", "rail*"])
def test_every_page_is_the_joined_querys(store, monkeypatch, filters, query):
    monkeypatch.setattr(search_module, "TOP_K_MIN", 8)  # a small k: the filters often outrun it
    stepped = _pages(store, query, filters, 5)
    monkeypatch.setattr(search_module, "TOP_K_MAX", 0)  # the single joined query, every time
    joined = _pages(store, query, filters, 5)
    assert stepped == joined
    assert any(stepped)  # the comparison means something


def test_snippets_are_marked_on_the_page(store):
    hits = search(store, "grain", limit=3)
    assert len(hits) == 3 and all(h.snippet for h in hits)
    assert any(f"{MARK_START}grain{MARK_END}" in h.snippet for h in hits)
