"""The reprint candidate index (analyze/reuse.py): containment, not similarity.

Statements and articles here are synthetic, built from the words of the shipped sample
articles; planted reprints are whole, truncated mid-sentence, altered, embedded in a longer
article, or contain less than half (must not be found).
"""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amanat.analyze.reuse import ReuseIndex, shingles, words

SAMPLE = Path(__file__).resolve().parent.parent / "src/amanat/sample"
VOCAB = sorted({w for p in SAMPLE.glob("*.txt") for w in p.read_text(encoding="utf-8").split()})


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(VOCAB) for _ in range(n))


@pytest.fixture(scope="module")
def corpus():
    rng = random.Random(15)
    statement = _text(rng, 100)  # ~600 characters, like an official statement
    w = statement.split()
    altered = list(w)
    for i in range(7, len(altered), 17):
        altered[i] = "Synthetically"
    del altered[40:43]
    docs = {
        "whole": statement,
        "truncated": statement[: len(statement) * 6 // 10 - 3],  # cut mid-word, mid-sentence
        "suffix": " ".join(w[45:]),
        "altered": " ".join(altered),
        "embedded": f"{_text(rng, 150)} {statement} {_text(rng, 180)}",  # ~2.6 KB article
        "embedded-half": f"{_text(rng, 200)} {' '.join(w[:55])} {_text(rng, 150)}",
        "less-than-half": f"{_text(rng, 200)} {' '.join(w[:30])} {_text(rng, 150)}",
        "unrelated": _text(rng, 430),
    }
    index = ReuseIndex()
    index.add_many(docs.items())
    return statement, docs, index


def test_planted_reprints_are_found_in_documents(corpus):
    statement, _, index = corpus
    found = dict(index.contained_in(statement))
    assert {"whole", "truncated", "suffix", "altered", "embedded", "embedded-half"} <= set(found)
    assert "less-than-half" not in found and "unrelated" not in found
    assert found["whole"] == pytest.approx(1.0) and found["embedded"] == pytest.approx(1.0)
    assert 0.5 <= found["truncated"] < 0.7  # the share estimates the words contained
    assert found["altered"] > 0.85  # a changed word every 17 costs that word, not n grams
    assert list(found.values()) == sorted(found.values(), reverse=True)


def test_documents_find_the_statements_they_contain(corpus):
    statement, docs, _ = corpus
    statements = ReuseIndex()
    statements.add("stmt", statement)
    statements.add("other", _text(random.Random(3), 90))
    for name in ("whole", "truncated", "suffix", "altered", "embedded", "embedded-half"):
        assert [k for k, _ in statements.containing(docs[name])] == ["stmt"], name
    for name in ("less-than-half", "unrelated"):
        assert statements.containing(docs[name]) == [], name
    assert dict(statements.containing(docs["less-than-half"], min_share=0.2))["stmt"] < 0.4


def test_min_share_is_the_threshold(corpus):
    statement, _, index = corpus
    low = {k for k, _ in index.contained_in(statement, min_share=0.2)}
    assert "less-than-half" in low and "unrelated" not in low
    # the candidate threshold is min_share x slack (0.8): a margin for close alterations
    assert {k for k, _ in index.contained_in(statement, min_share=0.95)} == {"whole", "embedded", "altered"}


def test_boilerplate_grams_are_not_counted():
    rng = random.Random(5)
    boiler = "according to the ministry of foreign affairs of the republic"
    index = ReuseIndex(max_df=3)
    index.add_many((f"d{i}", f"{boiler} {_text(rng, 50)}") for i in range(10))
    # every document shares the boilerplate, none shares the statement's own words
    assert index.contained_in(f"{boiler} {_text(rng, 40)}") == []
    # a text made only of boilerplate still finds where it is (all grams are common)
    assert len(index.contained_in(boiler)) == 10


def test_stop_word_only_grams_are_not_indexed():
    assert len(shingles("the minister of the interior said")) == 3
    assert len(shingles("minister of the and to in of the and to interior")) == 2
    # a text of stop words only keeps its grams: it must still contain itself
    assert len(shingles("of the and to in of the and to")) == 5


def test_words_normalise_and_keep_offsets():
    text = "Pakistan’s «Foreign» MINISTRY—said 1,000 ＡＢＣ"
    got = words(text)
    assert [w for _, _, w in got] == ["pakistans", "foreign", "ministry", "said", "1000", "abc"]
    assert [text[s:e] for s, e, _ in got] == ["Pakistan’s", "«Foreign»", "MINISTRY", "said", "1,000", "ＡＢＣ"]


def test_unicode_scripts_tokenise_and_match():
    kk = "Қазақстан Республикасының Сыртқы істер министрлігі мәлімдеме жасады бүгін таңертең"
    ar = "وزارة الخارجية الباكستانية أصدرت بيانا رسميا اليوم حول العلاقات الثنائية"
    assert [w for *_, w in words("Министерство иностранных дел")] == ["министерство", "иностранных", "дел"]
    assert len(words(ar)) == 10 and len(words("وَزَارَة")) == 1 and words("وَزَارَة")[0][2] == "وزارة"
    index = ReuseIndex()
    index.add("kk", f"Синтетикалық мақала. {kk} Тағы бір сөйлем.")
    index.add("ar", f"مقال اصطناعي {ar} نهاية")
    assert [k for k, _ in index.contained_in(kk)] == ["kk"]
    assert [k for k, _ in index.contained_in(ar)] == ["ar"]


def test_empty_and_tiny_texts():
    index = ReuseIndex()
    index.add("empty", "")
    index.add("punct", "— … !!")
    index.add("one", "Denied.")
    index.add("three", "We deny this")
    assert len(index) == 4
    assert index.contained_in("") == [] and index.containing("") == []
    assert [k for k, _ in index.contained_in("we DENY this!")] == ["three"]
    assert [k for k, _ in index.contained_in("denied")] == ["one"]
    # a document quoting the short statement finds it
    assert {k for k, _ in index.containing("The ministry said: we deny this. Nothing more.")} == {"three"}
    assert ReuseIndex().contained_in("anything at all here") == []
    with pytest.raises(ValueError):
        index.add("one", "again")


def test_index_pickles_and_shingles_are_stable():
    rng = random.Random(9)
    text = _text(rng, 80)
    index = ReuseIndex(n=5)
    index.add("a", text)
    clone = pickle.loads(pickle.dumps(index))
    assert clone.contained_in(text) == index.contained_in(text) == [("a", 1.0)]
    first = shingles(text)
    assert first.dtype == np.uint64 and np.array_equal(first, np.unique(first))
    assert np.array_equal(shingles(text.upper()), first)


def test_many_flushes_and_merges_keep_answers():
    rng = random.Random(2)
    texts = [_text(rng, 60) for _ in range(300)]
    index = ReuseIndex()
    for i, t in enumerate(texts):  # queries between adds: many small runs, merged
        index.add(f"d{i}", t)
        if i % 37 == 0:
            assert index.contained_in(texts[i])[0][0] == f"d{i}"
    assert all(index.contained_in(t)[0] == (f"d{i}", 1.0) for i, t in enumerate(texts))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(VOCAB), min_size=1, max_size=120))
def test_a_text_contains_itself(ws):
    text = " ".join(ws)
    index = ReuseIndex()
    index.add("self", text)
    if words(text):
        assert dict(index.contained_in(text)).get("self") == pytest.approx(1.0)
        assert dict(index.containing(text)).get("self") == pytest.approx(1.0)


@settings(max_examples=25, deadline=None)
@given(st.integers(20, 120), st.floats(0.5, 1.0), st.integers(0, 10**6))
def test_half_prefix_embedded_in_random_text_is_found(length, keep, seed):
    rng = random.Random(seed)
    statement = _text(rng, length)
    w = statement.split()
    part = " ".join(w[: -(-int(len(w) * keep * 1000) // 1000)])  # at least half of the words
    doc = f"{_text(rng, rng.randint(0, 200))} {part} {_text(rng, rng.randint(0, 200))}"
    index = ReuseIndex()
    index.add("doc", doc)
    index.add("other", _text(rng, 300))
    assert "doc" in dict(index.contained_in(statement))
    statements = ReuseIndex()
    statements.add("stmt", statement)
    assert "stmt" in dict(statements.containing(doc))


def test_answers_span_many_posting_runs(monkeypatch):
    from amanat.analyze import reuse

    monkeypatch.setattr(reuse, "_FLUSH_POSTINGS", 500)
    monkeypatch.setattr(reuse, "_MERGE_LIMIT", 500)
    rng = random.Random(4)
    texts = [_text(rng, 60) for _ in range(100)]
    index = ReuseIndex()
    index.add_many((f"d{i}", t) for i, t in enumerate(texts))
    index.add("copy", texts[3])
    assert len(index._segments) > 5
    assert {k for k, _ in index.contained_in(texts[3])} == {"d3", "copy"}
    statements = ReuseIndex()
    statements.add_many((f"s{i}", t) for i, t in enumerate(texts))
    assert [k for k, _ in statements.containing(f"{_text(rng, 50)} {texts[7]} {_text(rng, 50)}")] == ["s7"]
