"""The packed tables behind ``KBIndex``: the token automaton finds, on word boundaries,
exactly what a character Aho–Corasick automaton finds (judged by pyahocorasick itself on
random keys and texts), and the packed columns give back what was put in."""

from __future__ import annotations

import ahocorasick
from hypothesis import given, settings
from hypothesis import strategies as st

from amanat.kb.index import KBIndex, normalize, normalize_key
from amanat.kb.packed import AliasAutomaton, AliasTable, PackedStrings, Postings

# few letters, spaces and punctuation, so keys often occur in texts and touch each other
_CHARS = st.sampled_from(list("ab c.-'(_)äßЖ1 "))
_KEYS = st.lists(st.text(_CHARS, min_size=1, max_size=8), min_size=1, max_size=12)


def _bounded(norm: str, hits: list[tuple[int, int, tuple[int, ...]]]) -> set[tuple[int, int, tuple[int, ...]]]:
    """The hits a caller keeps: no letter or digit on either side."""
    return {
        (s, e, ids)
        for s, e, ids in hits
        if not (s > 0 and norm[s - 1].isalnum()) and not (e + 1 < len(norm) and norm[e + 1].isalnum())
    }


@settings(max_examples=300, deadline=None)
@given(_KEYS, st.text(_CHARS, max_size=60))
def test_token_automaton_finds_what_a_character_automaton_finds(keys: list[str], text: str) -> None:
    norm = normalize(text)[0]
    folded = [normalize_key(k) for k in keys]
    by_key: dict[str, list[int]] = {}
    tokens = AliasAutomaton()
    for i, key in enumerate(folded):
        if key:
            by_key.setdefault(key, []).append(i)
            tokens.add(key)
    tokens.freeze()
    numbers = [i for i, key in enumerate(folded) if key]  # alias number → position in keys
    chars = ahocorasick.Automaton()
    for key, idxs in by_key.items():
        chars.add_word(key, (len(key), tuple(idxs)))
    expected: list[tuple[int, int, tuple[int, ...]]] = []
    if by_key:
        chars.make_automaton()
        expected = [(e - n + 1, e, ids) for e, (n, ids) in chars.iter(norm)] if norm else []
    found = [(e - n + 1, e, tuple(numbers[i] for i in ids)) for e, (n, ids) in tokens.iter(norm)]
    assert _bounded(norm, found) == _bounded(norm, expected)
    for key, idxs in by_key.items():
        got = tokens.get(key)
        assert got is not None and [numbers[i] for i in got] == idxs


def test_packed_columns_round_trip() -> None:
    strings = PackedStrings(["Тоқаев", "", "Dujarric"])
    assert list(strings) == ["Тоқаев", "", "Dujarric"] and strings[-1] == "Dujarric"
    table = AliasTable()
    table.append("Q2", "UN", "organization", True)
    table.append("Q1", "Kazakhstan", "place", False)
    table.append("x", "Y", "event", False)
    table.freeze()
    assert [(a.entity_id, a.text, a.kind, a.acronym) for a in table] == [
        ("Q2", "UN", "organization", True),
        ("Q1", "Kazakhstan", "place", False),
        ("x", "Y", "event", False),
    ]
    assert table.kind_of("Q1") == "place" and table.kind_of("Q3") is None
    postings = Postings()
    for key, item in [(5, 1), (2, 2), (5, 3)]:
        postings.add(key, item)
    assert list(postings.get(5)) == [1, 3] and list(postings.get(4)) == []
    postings.add(4, 9)  # after a read: merged at the next one
    assert list(postings.get(4)) == [9] and list(postings.get(5)) == [1, 3]


def test_index_kinds_and_exact_lookup() -> None:
    index = KBIndex.from_aliases(
        [("Q1", "place", "Kazakhstan"), ("Q2", "organization", "UN"), ("Q3", "person", "Ann Lee")]
    )
    assert index.kinds.get("Q2") == "organization" and index.kinds.get("nope") is None
    assert len(index.kinds) == 3 and set(index.kinds) == {"Q1", "Q2", "Q3"}
    hit = index.automaton.get("kazakhstan")
    assert hit is not None and index.aliases[hit[0]].entity_id == "Q1"
    assert index.automaton.get("kazakh") is None
    assert index.surnames == {index.names.entry(0)[0].tokens[-1].phonetic: ("Q3",)}


def test_index_pickles_for_pool_workers() -> None:
    """``Context`` ships the index to worker processes by pickle."""
    import pickle

    from amanat.analyze.tokens import known_names

    index = KBIndex.from_aliases(
        [("Q1", "place", "Kazakhstan"), ("Q2", "organization", "UN"), ("Q3", "person", "Ann Lee")]
    )
    copy = pickle.loads(pickle.dumps(index))
    text = "Ann Lee of the UN visited Kazakhstan."
    assert known_names(text, copy) == known_names(text, index) and len(known_names(text, index)) == 3
    assert copy.names.search("Ann Lee")[0].ref == "Q3"
