"""Phrases on the tantivy index go through pairs of frequent words: they must find exactly
the documents that hold the phrase, whichever pairs are indexed, in any script, and an index
of the layout before pairs must be rebuilt."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amanat.store import fulltext
from amanat.store.db import Store
from amanat.store.search import Filters, search

sys.path.insert(0, str(Path(__file__).parent))
from test_store import add, make_doc

tantivy = pytest.importorskip("tantivy")

# stop words, repeats, diacritics, ß, Cyrillic, Kazakh, Greek, Arabic, Chinese, digits
VOCAB = ["the", "of", "a", "to", "minister", "foreign", "Tokayév", "tokayev", "Straße", "нур",
         "Султан", "Қазақстан", "әкім", "Αθήνα", "القاهرة", "北京市", "2022", "x1"]
SEPARATORS = [" ", ", ", " - ", "; ", "… ", "\n\n", " (", ") ", "'", "/", " «", "» ", "_", "—"]


@pytest.fixture
def store(sqlite_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AMANAT_SEARCH_INDEX", "tantivy")
    with Store.open(sqlite_url) as s:
        yield s


def index_of(store: Store) -> fulltext.TantivyIndex:
    index = fulltext.index_for(store)
    assert index is not None
    return index


def join(words: list[str], seps: list[str]) -> str:
    return "".join(w + s for w, s in zip(words, seps + [""] * len(words), strict=False)).strip()


def contains(tokens: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(tokens[i : i + n] == phrase for i in range(len(tokens) - n + 1))


def truth(index: fulltext.TantivyIndex, docs: list, phrase_text: str) -> set[str]:
    """Brute force: documents whose title or text, as the index's own analyzer splits them
    (in Rust, not the Python shortcut), holds the phrase's tokens in a row."""
    phrase = list(index.analyzer.analyze(phrase_text))
    return {doc.id for doc, _ in docs
            if contains(list(index.analyzer.analyze(doc.text)), phrase)
            or contains(list(index.analyzer.analyze(doc.title or "")), phrase)}


def found(store: Store, phrase_text: str) -> set[str]:
    return {h.id for h in search(store, f'"{phrase_text}"', limit=1000)}


def use_frequent(store: Store, shares: set[str] | dict[str, float],
                 pairs: dict[str, float] | None = None) -> fulltext.Frequent:
    """Start a generation with these word (and pair) shares (a set: each word in every
    document), as catch_up does when it counts them; the next catch-up re-indexes every
    document."""
    index = index_of(store)
    if not isinstance(shares, dict):
        shares = dict.fromkeys(shares, 1.0)
    frequent = fulltext.Frequent(shares, basis=fulltext.FREQUENT_SAMPLE, pairs=pairs or {})
    writer = index._index.writer(heap_size=15_000_000, num_threads=1)
    try:
        index.start_generation(frequent)
    finally:
        del writer
    assert index.catch_up(store.engine)
    assert index.frequent == frequent
    return frequent


texts = st.lists(st.sampled_from(VOCAB), min_size=1, max_size=14).flatmap(
    lambda ws: st.tuples(st.just(ws), st.lists(st.sampled_from(SEPARATORS), min_size=len(ws), max_size=len(ws))))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    corpus=st.lists(st.tuples(texts, texts), min_size=1, max_size=12),
    phrases=st.lists(st.tuples(st.lists(st.sampled_from(VOCAB), min_size=1, max_size=4),
                               st.lists(st.sampled_from(SEPARATORS), min_size=4, max_size=4)),
                     min_size=1, max_size=6),
    shares=st.dictionaries(st.sampled_from(VOCAB), st.sampled_from([0.001, 0.05, 0.2, 1.0])),
    pair_shares=st.dictionaries(st.tuples(st.sampled_from(VOCAB), st.sampled_from(VOCAB)),
                                st.sampled_from([0.02, 0.2, 1.0])),
    take=st.integers(0, 10_000),
)
def test_phrases_find_exactly_the_documents_holding_them(corpus, phrases, shares, pair_shares, take):
    with tempfile.TemporaryDirectory() as tmp, Store.open(f"sqlite:///{tmp}/p.db") as store:
        docs = [make_doc(f"https://p.example/{i}", join(*text), title=join(*title))
                for i, (title, text) in enumerate(corpus)]
        add(store, *docs)
        # phrases that do occur (cut from a text) beside random ones
        words, seps = corpus[take % len(corpus)][1]
        start = take % len(words)
        queries = [join(ws, ss) for ws, ss in phrases] + [join(words[start : start + 1 + take % 4], seps)]
        index_of(store).catch_up(store.engine)
        # as counted on the database itself: every word has its share (1/12 at least), and
        # pairs of words found in few documents are left to positions
        assert index_of(store).frequent.words >= {t for d, _ in docs for t in index_of(store).tokens(d.text)}
        for query in queries:
            assert found(store, query) == truth(index_of(store), docs, query), query
        # then only some pairs are indexed (share products of 1, 0.2, 0.04, 0.01, 0.0025, …
        # against 0.01): a phrase mixes pairs and positions
        words_shares = {t: share for w, share in shares.items() for t in index_of(store).tokens(w)}
        use_frequent(store, words_shares)
        for query in queries:
            assert found(store, query) == truth(index_of(store), docs, query), query
        # and some triples: pairs of pairs with shares multiplying to 1% (0.02 * 0.2 is not)
        tokens = index_of(store).tokens
        pairs = {tokens(a)[-1] + fulltext.PAIR_JOIN + tokens(b)[0]: share
                 for (a, b), share in pair_shares.items() if tokens(a) and tokens(b)}
        use_frequent(store, words_shares, pairs)
        for query in queries:
            assert found(store, query) == truth(index_of(store), docs, query), query


@pytest.mark.parametrize("frequent", [set(), {"alpha", "beta", "the", "of"}, {"the", "of"}, {"alpha"}])
@pytest.mark.parametrize(("phrase", "expected"), [
    ("alpha beta", {0, 3, 4, 5}),
    ("alpha, beta", {0, 3, 4, 5}),  # punctuation between words does not matter
    ("alpha beta gamma", {3}),
    ("beta alpha", {1}),
    ("alpha alpha", {1, 4}),  # a repeated word
    ("alpha alpha alpha", set()),
    ("of the", {2, 6}),  # stop words only: indexed like any word
    ("the of the", {6}),
    ("alpha", {0, 1, 2, 3, 4, 5, 7}),  # a phrase of one word
    ("Алма ата", {7}),
    ("алма-ата", {7}),
])
def test_phrase_cases(store, frequent, phrase, expected):
    texts = [
        "alpha beta.", "beta alpha; alpha then beta later.", "most of the alpha talks",
        "alpha-beta-gamma!", "alpha alpha, beta.", "Alpha. Beta.", "the of the of", "Алма-Ата, alpha",
    ]
    docs = [make_doc(f"https://c.example/{i}", t, title=f"Doc {i}") for i, t in enumerate(texts)]
    add(store, *docs)
    assert search(store, "alpha")
    use_frequent(store, frequent)
    assert found(store, phrase) == {docs[i][0].id for i in expected}


def test_two_frequent_words_are_one_pair_term(store):
    """The point of it all: a phrase of frequent words is a term of the pair field, with a
    document frequency of its own, and ranks by it (more occurrences first)."""
    docs = [make_doc(f"https://r.example/{i}", ("red fox. " * i + "fox red. " * 3), title=f"Doc {i}")
            for i in range(1, 5)]
    add(store, *docs)
    assert search(store, "fox")
    index = index_of(store)
    assert {"red", "fox"} <= index.frequent.words
    searcher = index._index.searcher()
    assert searcher.doc_freq("text_pairs", "red\x1ffox") == 4
    assert searcher.doc_freq("text_pairs", "red\x1fred") == 0
    assert [h.id for h in search(store, '"red fox"')] == [d.id for d, _ in reversed(docs)]
    hit = search(store, '"red fox"')[0]
    assert "\x02red\x03 \x02fox\x03" in hit.snippet


def test_word_shares_and_the_pairs_they_index():
    texts = ["a b c", "a b", "a d", "a"]
    assert fulltext.word_shares(texts, str.split, least=0.5) == {"a": 1.0, "b": 0.5}
    assert fulltext.word_shares(texts, str.split, least=0.0) == {"a": 1.0, "b": 0.5, "c": 0.25, "d": 0.25}
    assert fulltext.word_shares(texts, str.split, least=0.0, limit=2) == {"a": 1.0, "b": 0.5}
    assert fulltext.word_shares([], str.split) == {}
    frequent = fulltext.Frequent({"a": 1.0, "b": 0.5, "c": 0.1, "d": 0.01}, basis=4, pair_share=0.05)
    assert frequent.indexed("a", "b") and frequent.indexed("c", "b") and frequent.indexed("a", "c")
    assert not frequent.indexed("a", "d") and not frequent.indexed("c", "c") and not frequent.indexed("a", "x")
    assert frequent.key != fulltext.Frequent({"a": 1.0, "b": 0.5, "c": 0.1, "d": 0.01}, basis=9).key


@given(st.text(max_size=300))
def test_python_tokens_equal_the_analyzer(text):
    index = _scratch_index()
    assert index.tokens(text) == list(index.analyzer.analyze(text))
    assert fulltext.PAIR_JOIN not in "".join(index.tokens(text))


_SCRATCH: list[fulltext.TantivyIndex] = []


def _scratch_index() -> fulltext.TantivyIndex:
    if not _SCRATCH:
        _SCRATCH.append(fulltext.TantivyIndex(Path(tempfile.mkdtemp()) / "scratch.search"))
    return _SCRATCH[0]


def test_the_frequent_words_are_chosen_again_as_the_database_grows(store):
    first = [make_doc(f"https://g.example/{i}", f"common words {i} here") for i in range(2)]
    add(store, *first)
    assert found(store, "common words") == {d.id for d, _ in first}
    index = index_of(store)
    assert index.frequent.basis == 2
    more = [make_doc(f"https://g.example/n{i}", f"fresh phrase {i}, common words") for i in range(8)]
    add(store, *more)
    assert found(store, "fresh phrase") == {d.id for d, _ in more}
    assert index.frequent.basis == 10 and "fresh" in index.frequent.words
    state = json.loads((index.path / fulltext.STATE_FILE).read_text())
    assert state["frequent"] == index.frequent.key and state["seq"] == 10


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


def test_another_process_changing_the_frequent_words_is_noticed(store, monkeypatch):
    docs = [make_doc(f"https://o.example/{i}", f"alpha beta {i}. beta alpha.") for i in range(6)]
    add(store, *docs)
    assert found(store, "alpha beta") == {d.id for d, _ in docs}
    mine = index_of(store)
    other = fulltext.TantivyIndex(mine.path)  # as another process would open it
    writer = other._index.writer(heap_size=15_000_000, num_threads=1)
    calls = spy_tantivy(monkeypatch)
    try:
        other.start_generation(fulltext.Frequent({"alpha": 1.0}, basis=fulltext.FREQUENT_SAMPLE))
        # it has not re-indexed yet: this process must not trust the index, FTS5 answers
        assert found(store, "alpha beta") == {d.id for d, _ in docs}
        assert calls == []
    finally:
        del writer
    assert found(store, "alpha beta") == {d.id for d, _ in docs}  # re-indexed here
    assert calls == [6]
    assert mine.frequent is not None and mine.frequent.words == {"alpha"}
    assert mine._index.searcher().doc_freq("text_pairs", "alpha\x1fbeta") == 0


@pytest.mark.parametrize("recorded", [1, fulltext.SCHEMA_VERSION])  # 1: as written; else damaged
def test_an_index_of_the_old_layout_is_rebuilt(store, recorded):
    docs = [make_doc(f"https://l.example/{i}", f"alpha beta gamma {i}", title=f"Doc {i}") for i in range(3)]
    add(store, *docs)
    path = fulltext.index_dir(Path(store.engine.url.database).resolve())
    shutil.rmtree(path, ignore_errors=True)
    # schema 1, as the previous release wrote it: no pair fields
    b = tantivy.SchemaBuilder()
    b.add_unsigned_field("seq", stored=True, indexed=True, fast=True)
    for name in ("title", "text", "language", "source"):
        b.add_text_field(name)
    b.add_unsigned_field("published", indexed=True, fast=True)
    b.add_unsigned_field("latest", indexed=True)
    (path / "index").mkdir(parents=True)
    old = tantivy.Index(b.build(), path=str(path / "index"))
    writer = old.writer(heap_size=15_000_000, num_threads=1)
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT seq, id, text FROM documents ORDER BY seq").fetchall()
    for row in rows:
        doc = tantivy.Document()
        doc.add_unsigned("seq", row.seq)
        doc.add_text("text", row.text)
        doc.add_unsigned("latest", 1)
        writer.add_document(doc)
    writer.commit()
    del writer
    (path / fulltext.STATE_FILE).write_text(json.dumps({"seq": rows[-1].seq, "id": rows[-1].id, "schema": recorded}))
    fulltext._open_indexes.clear()
    assert found(store, "beta gamma") == {d.id for d, _ in docs}
    state = json.loads((path / fulltext.STATE_FILE).read_text())
    assert state["schema"] == fulltext.SCHEMA_VERSION and state["frequent"]
    assert index_of(store)._index.searcher().doc_freq("text_pairs", "beta\x1fgamma") == 3


@pytest.mark.parametrize("filters", [
    Filters(), Filters(language="ru"), Filters(all_versions=True),
    Filters(source="s1.example", since=date(2022, 1, 3)),
])
@pytest.mark.parametrize("query", ['"alpha beta"', "alpha", '"alpha beta gamma"', 'alpha OR "beta gamma"',
                                   '"beta gamma" -delta', '"gamma alpha"'])
def test_lone_terms_and_filters_agree_with_fts5(store, monkeypatch, filters, query):
    """A query of one term is sent to tantivy flatter than others: with filters beside it,
    and with superseded versions to leave out, it must still find what FTS5 finds."""
    docs = []
    for i in range(12):
        words = ["alpha beta gamma", "gamma alpha beta", "beta gamma delta", "alpha, beta"][i % 4]
        docs.append(make_doc(f"https://s{i % 2}.example/{i % 6}", f"{words} number {i}.", title=f"T {i}",
                             lang="ru" if i % 3 else "en", source=f"s{i % 2}.example",
                             published=f"2022-01-{1 + i:02d}"))
    assert add(store, *docs).count("version") == 6
    monkeypatch.setenv("AMANAT_SEARCH_INDEX", "fts5")
    expected = {h.id for h in search(store, query, filters, limit=1000)}
    monkeypatch.setenv("AMANAT_SEARCH_INDEX", "tantivy")
    assert expected or filters != Filters()  # the comparison means something
    assert {h.id for h in search(store, query, filters, limit=1000)} == expected
    assert index_of(store).frequent is not None and "alpha" in index_of(store).frequent.words


@pytest.mark.parametrize("query", ["north beta", "north south", "gamma -north", "north -report", "south OR delta",
                                   '"north beta"', '"report beta"', "nor* beta", '"north report" gamma'])
def test_a_word_of_the_title_counts_in_every_kind_of_query(store, monkeypatch, query):
    """The index's ``text`` holds the title as well (a conjunction is one term per word): a
    word required or excluded may be in either, and no phrase spans title and text — FTS5,
    with title and text as columns, must find the same."""
    docs = [make_doc(f"https://t.example/{i}", text, title=title) for i, (title, text) in enumerate([
        ("North report", "beta gamma."), ("South", "north beta."), ("Beta", "north south."),
        ("Other", "gamma only."), ("North beta", "delta.")])]
    add(store, *docs)
    monkeypatch.setenv("AMANAT_SEARCH_INDEX", "fts5")
    expected = {h.id for h in search(store, query, limit=100)}
    monkeypatch.setenv("AMANAT_SEARCH_INDEX", "tantivy")
    assert expected != {d.id for d, _ in docs} and (expected or query == '"report beta"')
    assert {h.id for h in search(store, query, limit=100)} == expected
    use_frequent(store, {"north", "beta", "report"})  # again with the words as pairs
    assert {h.id for h in search(store, query, limit=100)} == expected


def test_the_index_holds_the_first_indexed_chars_of_a_text(store, monkeypatch):
    """A text is indexed up to ``INDEXED_CHARS`` (cut at a space), as PostgreSQL's tsvector
    column is: words past it are not found, words before it are, phrases included."""
    monkeypatch.setattr(fulltext, "INDEXED_CHARS", 1000)
    filler = "lorem ipsum " * 200  # 2,400 characters
    doc, capture = make_doc("https://long.example/1", "early bird sings " + filler + "late owl hoots")
    add(store, (doc, capture))
    assert found(store, "early bird") == {doc.id} and found(store, "lorem ipsum") == {doc.id}
    assert found(store, "owl") == set() and found(store, "late owl") == set()
    assert fulltext.indexed_part("a" * 5 + " " + "b" * 2000) == "a" * 5
    assert fulltext.indexed_part("short text") == "short text" and fulltext.indexed_part(None) is None


def test_ingesting_a_30_mb_page_stays_within_400_mb(tmp_path):
    """The whole of ingest in one process — analysis, the store's write, its search index — of
    one page just under the 32 MiB HTML cap (it took 886 MB, then 728 MB, when the index held
    every word pair and triple of the page)."""
    import subprocess

    from test_extract import _big_page

    page = tmp_path / "big.html"
    page.write_text(_big_page(150_000), encoding="utf-8")
    code = (
        "import sys\n"
        "from amanat.ingest.document import analyze_capture\n"
        "from amanat.model import Capture\n"
        "from amanat.store.db import Store\n"
        "capture = Capture(url=None, body=open(sys.argv[1], 'rb').read(), media_type='text/html', origin='big')\n"
        "doc = analyze_capture(capture)\n"
        "store = Store.open(sys.argv[2])\n"
        "with store.writer() as w:\n"
        "    w.add(doc, capture)\n"
        "del doc, capture\n"
        "assert store.refresh_search_index()\n"
        "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')) // 1024)\n"
    )
    src = Path(__file__).resolve().parents[1] / "src"
    result = subprocess.run([sys.executable, "-c", code, str(page), f"sqlite:///{tmp_path / 'big.db'}"],
                            capture_output=True, text=True, timeout=300,
                            env={**__import__("os").environ, "PYTHONPATH": str(src)})
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) < 400, f"peak RSS {result.stdout.strip()} MB"
