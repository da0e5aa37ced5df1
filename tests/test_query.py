"""The search query language: parsing, errors, and rendering for both backends."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amanat.errors import QueryError
from amanat.store.query import parse, to_fts5, to_tsquery


def test_words_phrases_prefix_or_not():
    q = parse('tokayev "foreign minister" kazakh* OR astana -almaty')
    assert len(q.alternatives) == 2
    first, second = q.alternatives
    assert [t.words for t in first] == [("tokayev",), ("foreign", "minister"), ("kazakh",)]
    assert first[2].prefix
    assert second[1].negated and second[1].words == ("almaty",)
    assert q.words() == ["tokayev", "foreign", "minister", "kazakh", "astana"]


def test_hyphenated_word_becomes_phrase_and_case_folds():
    (term,) = parse("Nur-Sultan").alternatives[0]
    assert term.words == ("nur", "sultan")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"unclosed', "unclosed quote"),
        ("OR astana", "OR needs a term"),
        ("astana OR", "nothing after it"),
        ("-almaty", "not excluded"),
        ("NOT", "nothing to exclude"),
        ("*", "lone '*'"),
        ("", "no words"),
        ('""', "empty phrase"),
        ("x" * 2000, "limit"),
    ],
)
def test_bad_queries_give_one_line_errors(text, message):
    with pytest.raises(QueryError) as info:
        parse(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_fts5_rendering_quotes_every_word():
    assert to_fts5(parse('a "b c" d*')) == '("a" AND "b c" AND "d"*)'
    assert to_fts5(parse("a -b")) == '(("a") NOT ("b"))'


def test_tsquery_rendering():
    assert to_tsquery(parse('a "b c" d* -e')) == "('a' & ('b' <-> 'c') & 'd':* & !'e')"
    assert to_tsquery(parse("it's")) == "(('it' <-> 's'))"


@given(st.text(max_size=200))
def test_any_text_parses_or_raises_query_error(text):
    try:
        q = parse(text)
    except QueryError:
        return
    assert to_fts5(q) and to_tsquery(q)


def test_negated_phrase_with_a_minus():
    (conj,) = parse('alpha -"alpha beta"').alternatives
    assert conj[1].negated and conj[1].words == ("alpha", "beta")
    assert to_fts5(parse('alpha -"alpha beta"')) == '(("alpha") NOT ("alpha beta"))'
