"""The tantivy index beside a SQLite store: catch-up, crash consistency, versions, filters,
equivalence with FTS5, and the fallback to FTS5 whenever the index cannot answer."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amanat.errors import StoreError
from amanat.store import fulltext
from amanat.store.db import Store
from amanat.store.search import Filters, search

pytest.importorskip("tantivy")
sys.path.insert(0, str(Path(__file__).parent))
from test_store import _sample_docs, add, make_doc

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AMANAT_SEARCH_INDEX", "tantivy")
    with Store.open(request.getfixturevalue(f"{request.param}_url")) as s:
        yield s


def index_of(store: Store) -> fulltext.TantivyIndex:
    index = fulltext.index_for(store)
    assert index is not None
    return index


def ids(store: Store, query: str, filters: Filters | None = None, backend: str = "tantivy",
        monkeypatch: pytest.MonkeyPatch | None = None) -> set[str]:
    if monkeypatch is not None:
        monkeypatch.setenv("AMANAT_SEARCH_INDEX", backend)
    return {h.id for h in search(store, query, filters or Filters(), limit=1000)}


def spy_tantivy(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count searches that the tantivy index answered."""
    calls: list[int] = []
    original = fulltext.TantivyIndex.search

    def counting(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        calls.append(len(result))
        return result

    monkeypatch.setattr(fulltext.TantivyIndex, "search", counting)
    return calls


def test_search_uses_the_index_and_ingest_refreshes_it(store, monkeypatch):
    calls = spy_tantivy(monkeypatch)
    add(store, *_sample_docs())
    assert store.refresh_search_index()
    state = json.loads((index_of(store).path / fulltext.STATE_FILE).read_text())
    with store.engine.connect() as conn:
        head = conn.exec_driver_sql("SELECT max(seq), (SELECT id FROM documents ORDER BY seq DESC LIMIT 1) "
                                    "FROM documents").one()
    assert (state["seq"], state["id"]) == tuple(head)
    assert search(store, "Vassilenko") and calls


def url_of(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def test_catch_up_after_another_process_adds_rows(store):
    add(store, *_sample_docs())
    assert search(store, "Vassilenko")  # index built here
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(ROOT / 'tests')!r})
        from test_store import add, make_doc
        from amanat.store.db import Store
        with Store.open({url_of(store)!r}) as s:
            add(s, make_doc("https://other.example/1", "A zymurgical note.", title="Brewing"))
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    hits = search(store, "zymurgical")
    assert [h.title for h in hits] == ["Brewing"]
    assert index_of(store)._covered is not None and index_of(store)._covered.id == hits[0].id


def test_catch_up_after_an_ingest_in_another_process(store, tmp_path, monkeypatch):
    add(store, *_sample_docs())
    assert search(store, "Vassilenko")
    page = tmp_path / "note.txt"
    page.write_text("Quokka census\n\nThe quokka census found many quokkas on the island.\n")
    script = textwrap.dedent(f"""
        from amanat.ingest.pipeline import ingest
        from amanat.store.db import Store
        with Store.open({url_of(store)!r}) as s:
            ingest(s, [{str(page)!r}], source="local", jobs=1)
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    calls = spy_tantivy(monkeypatch)
    assert len(search(store, "quokka")) == 1
    assert calls == [1]  # the other process caught the index up; this one only reloaded


def test_deleted_index_is_rebuilt(store):
    add(store, *_sample_docs())
    before = [h.id for h in search(store, "Kazakhstan")]
    shutil.rmtree(index_of(store).path)
    assert [h.id for h in search(store, "Kazakhstan")] == before
    assert (index_of(store).path / fulltext.STATE_FILE).exists()


def test_stale_state_is_redone_without_duplicates(store):
    add(store, *_sample_docs())
    before = [h.id for h in search(store, "Kazakhstan")]
    index = index_of(store)
    # a crash after the tantivy commit, before the state file: the index holds more than it says
    with store.engine.connect() as conn:
        second = conn.exec_driver_sql("SELECT id FROM documents WHERE seq = 2").scalar_one()
    state = json.loads((index.path / fulltext.STATE_FILE).read_text())
    (index.path / fulltext.STATE_FILE).write_text(json.dumps({**state, "seq": 2, "id": second}))
    index._covered = None
    add(store, make_doc("https://k.example/late", "Kazakhstan again, later.", title="Late"))
    after = [h.id for h in search(store, "Kazakhstan")]
    assert len(after) == len(set(after)) == len(before) + 1
    assert set(before) < set(after)
    assert index._index.searcher().num_docs == 6


def test_replaced_database_means_rebuild(tmp_path, monkeypatch):
    monkeypatch.setenv("AMANAT_SEARCH_INDEX", "tantivy")
    url = f"sqlite:///{tmp_path / 'a.db'}"
    with Store.open(url) as s:
        add(s, *_sample_docs())
        assert search(s, "Vassilenko")
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / f"a.db{suffix}").unlink(missing_ok=True)
    with Store.open(url) as s:
        add(s, make_doc("https://n.example/1", "Vassilenko elsewhere.", title="New"))
        assert [h.title for h in search(s, "Vassilenko")] == ["New"]


def test_new_version_replaces_the_old_in_results(store):
    v1 = make_doc("https://a.example/story", "The ombudsman resigned on Monday.")
    add(store, v1)
    assert ids(store, "ombudsman") == {v1[0].id}
    v2 = make_doc("https://a.example/story", "The ombudsman resigned on Tuesday.")
    add(store, v2)
    assert ids(store, "ombudsman") == {v2[0].id}
    assert ids(store, "monday") == set()
    assert ids(store, "ombudsman", Filters(all_versions=True)) == {v1[0].id, v2[0].id}
    assert ids(store, "monday", Filters(all_versions=True)) == {v1[0].id}


def _corpus(n: int = 120, *, accents: bool = True) -> list:
    rng = random.Random(5)
    vocab = ["astana", "almaty", "tokayev", "Tokayév", "minister", "deputy", "foreign", "nur",
             "sultan", "kazakh", "kazakhstan", "kazakhs", "vote", "oil", "gas", "Straße", "élection"]
    if not accents:
        vocab = [w for w in vocab if w.isascii()]
    docs = []
    for i in range(n):
        words = [rng.choice(vocab) for _ in range(rng.randint(5, 30))]
        if i % 7 == 0:
            words[2:2] = ["deputy", "foreign", "minister"]
        title = " ".join(rng.choice(vocab) for _ in range(3)).capitalize()
        docs.append(make_doc(f"https://s{i % 4}.example/{i}", ", ".join(words) + ".", title=title,
                             lang="en" if i % 3 else "ru", source=f"s{i % 4}.example",
                             published=f"2022-01-{1 + i % 28:02d}" if i % 5 else None))
    return docs


QUERIES = ["tokayev", "astana almaty", '"deputy foreign minister"', '"foreign deputy"', "kazakh*",
           "kaz*", "astana OR oil", "astana -almaty", "NOT vote gas", '"nur sultan"', "nur-sultan",
           "election", "tokayev OR astana -gas", '"foreign min"*']


def test_same_hits_as_fts5(store, monkeypatch):
    # PostgreSQL's 'simple' tsvector does not fold diacritics (tantivy and FTS5 do): compare
    # it on words without any
    pg = store.dialect == "postgresql"
    add(store, *_corpus(accents=not pg))
    for query in QUERIES:
        fts5 = ids(store, query, backend="fts5", monkeypatch=monkeypatch)
        assert ids(store, query, backend="tantivy", monkeypatch=monkeypatch) == fts5, query
    assert ids(store, "tokayev", backend="tantivy", monkeypatch=monkeypatch)
    if pg:
        return
    # the one documented difference: ASCII folding also maps letters FTS5 keeps (ß → ss)
    assert ids(store, "strasse", backend="tantivy", monkeypatch=monkeypatch) > ids(
        store, "strasse", backend="fts5", monkeypatch=monkeypatch)


@pytest.mark.parametrize("filters", [
    Filters(language="ru"), Filters(source="s1.example"), Filters(since=date(2022, 1, 10)),
    Filters(until=date(2022, 1, 10)), Filters(since=date(2022, 1, 5), until=date(2022, 1, 6)),
    Filters(language="en", source="s2.example", since=date(2022, 1, 20)),
])
def test_filters_agree_with_fts5(store, monkeypatch, filters):
    add(store, *_corpus())
    fts5 = ids(store, "astana OR oil", filters, backend="fts5", monkeypatch=monkeypatch)
    assert fts5  # the comparison means something
    assert ids(store, "astana OR oil", filters, backend="tantivy", monkeypatch=monkeypatch) == fts5


def test_date_key_orders_like_the_sql_filters():
    values = ["2021-12-31", "2022", "2022-01", "2022-01-01", "2022-01-01T10:00:00+00:00", "2022-02"]
    for a in values:
        for b in values:
            assert (fulltext.date_key(a) >= fulltext.date_key(b[:10])) == (a >= b[:10]) or len(b) > 10
    assert fulltext.date_key("unknown") is None


def test_snippets_mark_folded_and_prefixed_words(store):
    add(store, make_doc("https://a.example/1", "Long before. " * 30 + "President Tokayév met the "
                        "Kazakhstani delegation. " + "After words. " * 30, title="Meeting"))
    (hit,) = search(store, "tokayev kazakh*")
    assert "\x02Tokayév\x03" in hit.snippet and "\x02Kazakhstani\x03" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.snippet.split()) <= 26


def test_fallback_when_tantivy_raises(store, monkeypatch):
    add(store, *_sample_docs())
    expected = ids(store, "Kazakhstan", backend="fts5", monkeypatch=monkeypatch)
    monkeypatch.setenv("AMANAT_SEARCH_INDEX", "tantivy")

    def broken(*args, **kwargs):
        raise ValueError("index corrupted")

    monkeypatch.setattr(fulltext.TantivyIndex, "search", broken)
    assert ids(store, "Kazakhstan") == expected


def test_behind_and_writer_busy_means_fts5(store, monkeypatch):
    add(store, *_sample_docs())
    assert search(store, "Vassilenko")
    calls = spy_tantivy(monkeypatch)
    holder = fulltext.TantivyIndex(index_of(store).path)._index.writer(heap_size=15_000_000, num_threads=1)
    try:
        add(store, make_doc("https://b.example/1", "An anemometer reading.", title="Wind"))
        assert [h.title for h in search(store, "anemometer")] == ["Wind"]
        assert calls == []
    finally:
        del holder
    assert [h.title for h in search(store, "anemometer")] == ["Wind"]
    assert calls == [1]


def test_setting(store, monkeypatch):
    monkeypatch.setenv("AMANAT_SEARCH_INDEX", "fts5")
    assert fulltext.index_for(store) is None and not store.refresh_search_index()
    monkeypatch.setenv("AMANAT_SEARCH_INDEX", "elastic")
    with pytest.raises(StoreError, match="AMANAT_SEARCH_INDEX"):
        search(store, "x")


def test_phrases_and_negated_phrases_match_fts5(store, monkeypatch):
    """Only true phrase matches, the same sets as FTS5, also when most documents hold both
    words apart."""
    docs = []
    for i in range(24):
        adjacent = i % 3 == 0
        text = f"Report {i}: " + ("the alpha beta accord was signed." if adjacent
                                  else "alpha talks went on; beta was absent.") + " Filler words here."
        docs.append(make_doc(f"https://phrase.example/{i}", text, title=f"Report {i}"))
    add(store, *docs)
    truth = {d.id for d, _ in docs if "alpha beta" in d.text}
    assert ids(store, '"alpha beta"') == truth == ids(store, '"alpha beta"', backend="fts5", monkeypatch=monkeypatch)
    monkeypatch.setenv("AMANAT_SEARCH_INDEX", "tantivy")
    everything_else = {d.id for d, _ in docs} - truth
    assert ids(store, 'alpha -"alpha beta"') == everything_else
    assert ids(store, '"alpha beta" OR absent') == truth | everything_else


@pytest.mark.postgres
def test_postgresql_rows_committed_out_of_order_are_not_missed(pg_url, monkeypatch):
    """Two ingests at once on PostgreSQL: the later-starting one must not commit a higher seq
    while the earlier is open, or the index would pass the earlier's row and never see it."""
    import threading

    monkeypatch.setenv("AMANAT_SEARCH_INDEX", "tantivy")
    with Store.open(pg_url) as store:
        add(store, make_doc("https://a.example/0", "A first note."))
        first = store.writer().__enter__()
        first.add(*make_doc("https://a.example/1", "The aardvark report."))  # seq taken, open
        second_done = threading.Event()

        def second() -> None:
            add(store, make_doc("https://b.example/2", "The bandicoot report."))
            second_done.set()

        thread = threading.Thread(target=second)
        thread.start()
        try:
            assert not second_done.wait(1.0)  # it waits for the first transaction
            assert search(store, "report") == []  # the index catches up meanwhile
        finally:
            first.__exit__(None, None, None)
            thread.join(30)
        assert second_done.is_set()
        assert {h.url for h in search(store, "report")} == {"https://a.example/1", "https://b.example/2"}
        assert index_of(store)._covered is not None


def _reference_snippet(text: str, exact: set[str], prefixes: list[str]) -> str:
    """The snippet rule written out plainly: every query word counted, nothing lazy."""
    word = re.compile(r"[^\W_]+")
    found = [(m.start(), m.end(), m.group().lower()) for m in word.finditer(text)]
    matches = [(s, e, w) for s, e, w in found if w in exact or any(w.startswith(p) for p in prefixes)]
    anchor = matches[0][0] if matches else 0
    if len(exact) + len(prefixes) > 1:
        best = -1
        for s, _, _ in matches[:64]:
            near = len({w for s2, _, w in matches if s <= s2 < s + 160})
            if near > best:
                best, anchor = near, s
    before = [s for s, _, _ in found if max(0, anchor - 200) <= s < anchor][-3:]
    start = before[0] if before else anchor
    after = [e for s, e, _ in found if s >= start][:24]
    end = after[-1] if after else start
    out, pos = "", start
    for s, e, _ in matches:
        if s >= start and e <= end:
            out += text[pos:s] + "\x02" + text[s:e] + "\x03"
            pos = e
    body = " ".join((out + text[pos:end]).split())
    return ("…" if start > 0 else "") + body + ("…" if any(s >= end for s, _, _ in found) else "")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    # a run of one word first (so the densest window may lie past many matches), then a mix
    words=st.tuples(st.integers(0, 90), st.lists(st.sampled_from(
        ["the", "of", "oil", "gas", "Oil", "thesis", "office", "x"]), max_size=300)).map(
        lambda t: ["the", "x"] * t[0] + t[1]),
    seps=st.lists(st.sampled_from([" ", ", ", ". ", " - ", "_", "\n\n"]), min_size=1, max_size=5),
    query=st.lists(st.sampled_from(["the", "oil", "gas", "of*", "the*"]), min_size=1, max_size=3),
)
def test_snippet_follows_the_rule(store, words, seps, query):
    """Anchor at the densest of the first 64 matches, 24 words, every query word in it marked —
    also when matches run into the hundreds (the lazy scan must not change the result)."""
    from amanat.store import query as q
    from amanat.store.search import _Marker

    text = "".join(w + seps[i % len(seps)] for i, w in enumerate(words))
    parsed = q.parse(" ".join(query))
    exact = {w for w in query if not w.endswith("*")}
    prefixes = [w[:-1] for w in query if w.endswith("*")]
    marker = _Marker(index_of(store), parsed)
    assert marker.snippet(text) == _reference_snippet(text, exact, prefixes)


@pytest.mark.postgres
def test_postgresql_concurrent_writers_never_deadlock(pg_url):
    """Both writers touch the same article (new versions supersede the same row): the second
    waits for the writers' lock before writing anything, so neither holds what the other needs."""
    import threading

    with Store.open(pg_url) as store:
        add(store, make_doc("https://a.example/story", "Version one."))
        first = store.writer().__enter__()
        first.add(*make_doc("https://a.example/other", "Something else."))
        errors: list[BaseException] = []

        def second() -> None:
            try:
                add(store, make_doc("https://a.example/story", "Version two."))
            except BaseException as exc:  # reported below
                errors.append(exc)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.5)
        try:
            first.add(*make_doc("https://a.example/story", "Version three."))
        finally:
            first.__exit__(None, None, None)
        thread.join(30)
        assert not errors
        with store.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT version, latest FROM documents WHERE url = 'https://a.example/story' ORDER BY version"
            ).fetchall()
        assert [tuple(r) for r in rows] == [(1, False), (2, False), (3, True)]
