"""The search query language, parsed once and rendered for each backend.

    tokayev astana          both words (AND is implicit)
    "deputy foreign minister"   a phrase
    kazakh*                 a prefix
    astana OR nur-sultan    either
    -almaty  /  NOT almaty  exclude

Hand-written because the backends' own syntaxes differ (FTS5 MATCH, PostgreSQL tsquery) and
neither reports errors usefully: one parser gives one behaviour, one set of error messages
(with the position of the problem), and the same tokens on SQLite and PostgreSQL. Words are
split the way the indexes split them (letters and digits), and case-folded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from amanat.errors import QueryError

MAX_QUERY_CHARS = 1000
MAX_TERMS = 32
_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r'[^\s"]+')


@dataclass(frozen=True)
class Term:
    """A word, a phrase (several words in order) or a prefix; ``negated`` excludes it."""

    words: tuple[str, ...]
    prefix: bool = False
    negated: bool = False


@dataclass(frozen=True)
class Query:
    """Alternatives (OR) of conjunctions (AND) of terms."""

    alternatives: tuple[tuple[Term, ...], ...]

    def words(self) -> list[str]:
        """The positive words, for highlighting."""
        return [w for conj in self.alternatives for t in conj if not t.negated for w in t.words]


def parse(text: str) -> Query:
    """Parse user query text; raise QueryError with the position of any problem."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}")
    alternatives: list[tuple[Term, ...]] = []
    current: list[Term] = []
    pos, n, pending_not, count = 0, len(text), False, 0
    while pos < n:
        ch = text[pos]
        if ch.isspace():
            pos += 1
            continue
        if ch == '"':
            end = text.find('"', pos + 1)
            if end < 0:
                raise QueryError(f'unclosed quote at position {pos + 1}: {text!r}')
            words = _words(text[pos + 1 : end])
            if not words:
                raise QueryError(f"empty phrase at position {pos + 1}")
            prefix = end + 1 < n and text[end + 1] == "*"
            current.append(Term(words, prefix, pending_not))
            pending_not, pos = False, end + 1 + prefix
            count += 1
            continue
        match = _TOKEN.match(text, pos)
        assert match is not None
        token, pos = match.group(), match.end()
        if token == "OR":
            if not current or pending_not:
                raise QueryError(f"OR needs a term on each side (position {match.start() + 1})")
            alternatives.append(tuple(current))
            current = []
            continue
        if token in ("AND",):
            continue
        if token == "NOT" or (token == "-" and pos < n and text[pos] == '"'):
            pending_not = True  # NOT x, or -"a phrase"
            continue
        negated = pending_not
        if token.startswith("-"):
            negated, token = True, token[1:]
        prefix = token.endswith("*")
        words = _words(token.rstrip("*"))
        if not words:
            if token.strip("*-") == "" and "*" in token:
                raise QueryError(f"a lone '*' at position {match.start() + 1} matches nothing")
            continue  # punctuation only: nothing to search for
        current.append(Term(words, prefix, negated))
        pending_not = False
        count += 1
    if pending_not:
        raise QueryError("NOT at the end of the query has nothing to exclude")
    if count > MAX_TERMS:
        raise QueryError(f"query has {count} terms; the limit is {MAX_TERMS}")
    if not current:
        if alternatives:
            raise QueryError("OR at the end of the query has nothing after it")
        raise QueryError("query has no words to search for")
    alternatives.append(tuple(current))
    for conj in alternatives:
        if all(t.negated for t in conj):
            raise QueryError("each part of a query needs a word that is not excluded")
    return Query(tuple(alternatives))


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in _WORD.findall(text))


def to_fts5(query: Query) -> str:
    """Render for SQLite FTS5 MATCH (every word quoted, so no FTS5 syntax leaks through)."""
    parts = []
    for conj in query.alternatives:
        positive = [_fts5_term(t) for t in conj if not t.negated]
        negative = [_fts5_term(t) for t in conj if t.negated]
        expr = " AND ".join(positive)
        if negative:
            expr = f"({expr}) NOT ({' OR '.join(negative)})"
        parts.append(f"({expr})")
    return " OR ".join(parts)


def _fts5_term(term: Term) -> str:
    body = '"' + " ".join(w.replace('"', '""') for w in term.words) + '"'
    return body + ("*" if term.prefix else "")


def to_tsquery(query: Query) -> str:
    """Render for PostgreSQL ``to_tsquery('simple', …)``; words are quoted lexemes."""
    parts = []
    for conj in query.alternatives:
        parts.append("(" + " & ".join(_ts_term(t) for t in conj) + ")")
    return " | ".join(parts)


def _ts_term(term: Term) -> str:
    lexemes = ["'" + w.replace("'", "''").replace("\\", "\\\\") + "'" for w in term.words]
    if term.prefix:
        lexemes[-1] += ":*"
    body = " <-> ".join(lexemes)
    if len(lexemes) > 1:
        body = f"({body})"
    return f"!{body}" if term.negated else body
