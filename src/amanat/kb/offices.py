"""Which office a phrase names: one resolution for ``kb who``, office mentions and the checks.

"President of Narnia" must not answer with fourteen other presidents, "Prime Minister of
Narnia" not with India's, "president of kazakstan" not with every president: a phrase is
read by its structure — title words, the country or organisation whose office it is
("of X", "X's", a demonym, an acronym), where it is sent ("to Y") — and every part must be
something the base knows. The answer is one of three, never a guess:

* **resolved** — exactly one office fits (``position``);
* **ambiguous** — several fit ("Secretary-General" of the UN, CSTO, SCO …; a misspelling
  close to two countries): they are listed in ``candidates``, none is chosen;
* **unknown office** — nothing fits ("President of Narnia": Narnia is no jurisdiction of
  the base; "Minister of Magic of Kazakhstan": Kazakhstan has no such office); the nearest
  known offices come back as ``suggestions``, never as answers.

A word the base does not know may be a misspelling: it is read as a country or organisation
(transliteration-aware, "kazakstan" ≈ Kazakhstan) or as a title word ("presidnet") when it is
close to one; it resolves only when the readings lead to exactly one office, and the
resolution says how it was read (``read_as``).

``resolve_named`` is the structural step alone, for callers that have already found the
owner in running text (``amanat.analyze.offices``); ``resolve_office`` parses a phrase.
Both read a ``KBIndex``, do no I/O and keep no state.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from rapidfuzz.distance import OSA, Levenshtein

from amanat.kb.index import (
    PORTFOLIO_WORDS,
    RANK_WORDS,
    KBIndex,
    after_to,
    normalize_key,
    role_words,
)
from amanat.kb.lexicon import lexicon
from amanat.kb.names import phonetic, similarity

Status = Literal["resolved", "ambiguous", "unknown office"]

CLOSE = 0.8  # a misspelt word is read as a name or title word this similar (0..1)
SUGGESTIONS = 5  # how many nearest offices an unknown office suggests
_MAX_READINGS = 16  # misspelt words close to several names: readings tried at most

_JURISDICTIONS = ("place", "organization")
_STOP = lexicon("en").words("role_stop_words")


@dataclass(frozen=True, slots=True)
class OfficeResolution:
    """What a phrase names (see the module docstring for the three statuses)."""

    status: Status
    position: str | None = None  # resolved: the office's id
    candidates: tuple[str, ...] = ()  # ambiguous: every office that fits
    suggestions: tuple[str, ...] = ()  # unknown office: the nearest known offices
    why: str | None = None  # ambiguous / unknown office: why not resolved
    read_as: tuple[tuple[str, str], ...] = ()  # (word as written, how it was read)


@dataclass(frozen=True, slots=True)
class _Reading:
    """A phrase split by structure: title words, owners, targets, and words of neither."""

    title: frozenset[str]
    owners: frozenset[str]
    targets: frozenset[str]
    unknown: tuple[tuple[str, bool], ...] = ()  # (run of unknown words, after "to")
    read_as: tuple[tuple[str, str], ...] = ()


@dataclass
class _Vocabulary:
    """What the base knows to compare a phrase with (made per query, only what is used)."""

    index: KBIndex

    @cached_property
    def title_words(self) -> frozenset[str]:
        """Every word of an office's title in the base, and the lexicon's title words."""
        en = lexicon("en")
        words = {w for p in self.index.positions for w in p.title}
        for w in en.words("title_words") | RANK_WORDS | PORTFOLIO_WORDS:
            words.update(role_words(w))
        return frozenset(words)

    @cached_property
    def acronyms(self) -> dict[str, frozenset[str]]:
        """ "un" → the UN: an acronym typed in lower case is still a name in a query (in
        running text it is not: "un" is a French word, "us" an English one)."""
        out: dict[str, set[str]] = {}
        for a in self.index.aliases:
            if a.acronym and a.kind in _JURISDICTIONS:
                out.setdefault(a.text.replace(".", "").casefold(), set()).add(a.entity_id)
        return {k: frozenset(v) for k, v in out.items()}

    @cached_property
    def jurisdiction_names(self) -> list[tuple[str, str]]:
        """(name, id) of every place and organisation, for reading a misspelt name."""
        return [
            (a.text, a.entity_id)
            for a in self.index.aliases
            if a.kind in _JURISDICTIONS and not a.acronym
        ]


def resolve_named(
    index: KBIndex, title: Iterable[str], owners: Iterable[str], targets: Iterable[str] = ()
) -> OfficeResolution:
    """The office of ``title`` words whose owner (and target) is already known — the step
    shared by ``resolve_office`` and office mentions in text. Every title word must be in
    the office's title, no rank or portfolio word more ("Pakistan's minister" is not its
    Prime Minister), closest titles only (``KBIndex.match_positions``). Without an owner the
    phrase names a kind of office, not one: offices that have an owner are then ambiguous
    even when only one fits. No suggestions here (``resolve_office`` adds them)."""
    title, owners, targets = set(title), set(owners), set(targets)
    if not title:
        return OfficeResolution("unknown office", why="the phrase names no office")
    found = index.match_positions(title, owners, targets)
    ids = tuple(sorted({p.position_id for p in found}))
    if not ids:
        why = "the base holds no such office" + (f" of {_names(index, owners)}" if owners else "")
        return OfficeResolution("unknown office", why=why)
    if not owners and not (len(ids) == 1 and _unowned_label(index, ids[0], title, targets)):
        why = "no country or organisation is named: an office of any may be meant"
        return OfficeResolution("ambiguous", candidates=ids, why=why)
    if len(ids) > 1:
        return OfficeResolution("ambiguous", candidates=ids, why="several offices fit the words")
    return OfficeResolution("resolved", position=ids[0])


def _unowned_label(index: KBIndex, position_id: str, title: set[str], targets: set[str]) -> bool:
    """Whether the office has a label that names no owner and has just these words
    ("Spokesman for the Secretary-General"): then a phrase without an owner is that label."""
    return any(
        p.position_id == position_id and not p.owners and p.title == title and p.targets == targets
        for p in index.positions
    )


def resolve_office(index: KBIndex, phrase: str) -> OfficeResolution:
    """The office ``phrase`` names ("President of Kazakhstan", "Kazakh foreign minister",
    "UN Secretary-General", "Ambassador of Kazakhstan to Pakistan"), by the rules of the
    module docstring."""
    vocab = _Vocabulary(index)
    first = _resolve_reading(index, vocab, _parse(index, vocab, phrase))
    if first.status != "unknown office":
        return first
    # "Russian Foreign Ministry Spokesperson": the ministry is an organisation of the base,
    # but the office is Russia's; read an organisation's name as words too
    split = _resolve_reading(index, vocab, _parse(index, vocab, phrase, split_organisations=True))
    return split if split.status != "unknown office" else first


def _resolve_reading(index: KBIndex, vocab: _Vocabulary, reading: _Reading) -> OfficeResolution:
    readings = _corrected(vocab, reading)
    if not readings:  # a word that is no title word, no name, and close to none
        missing = ", ".join(repr(run) for run, _ in reading.unknown)
        why = f"the base knows no country, organisation or title word {missing}"
        return _unknown(index, reading, why)
    results = [(r, resolve_named(index, r.title, r.owners, r.targets)) for r in readings]
    fits = {pid for _, res in results for pid in _ids(res)}
    read_as = tuple(dict.fromkeys(pair for r in readings for pair in r.read_as))
    if not fits:
        return _unknown(index, reading, next(res.why for _, res in results), read_as)
    if len(results) == 1:
        res = results[0][1]
        return OfficeResolution(res.status, res.position, res.candidates, (), res.why, read_as)
    why = "misspelt words are close to several names: " + "; ".join(
        f"{w!r} as {r}" for w, r in read_as
    )
    return OfficeResolution("ambiguous", candidates=tuple(sorted(fits)), why=why, read_as=read_as)


def _ids(res: OfficeResolution) -> tuple[str, ...]:
    return (res.position,) if res.position else res.candidates


def _unknown(
    index: KBIndex, reading: _Reading, why: str | None, read_as: tuple[tuple[str, str], ...] = ()
) -> OfficeResolution:
    return OfficeResolution(
        "unknown office", suggestions=_suggest(index, reading), why=why, read_as=read_as
    )


def _parse(
    index: KBIndex, vocab: _Vocabulary, phrase: str, *, split_organisations: bool = False
) -> _Reading:
    """Split ``phrase``: names the alias automaton finds (owners, or targets after "to"; an
    organisation's name read as words instead with ``split_organisations``), then word by
    word — a lower-case acronym or a demonym is an owner, a word of the title vocabulary a
    title word, a stop word a separator; runs of other words are unknown."""
    norm, hits = index.named_in(phrase)
    if split_organisations:
        hits = [h for h in hits if any(index.kinds.get(i) != "organization" for i in h[2])]
    owners: set[str] = set()
    targets: set[str] = set()
    title: set[str] = set()
    unknown: list[tuple[str, bool]] = []
    run: list[str] = []
    run_to = False
    previous = ""

    def close_run() -> None:
        if run:
            unknown.append((" ".join(run), run_to))
            run.clear()

    pos = 0
    for start, end, ids in [*hits, (len(norm), len(norm), frozenset())]:
        for raw in norm[pos:start].replace(",", " ").replace("(", " ").replace(")", " ").split():
            word = raw.removesuffix("'s").strip(".'")
            if not word:
                continue
            into = targets if previous == "to" else owners
            if word.replace(".", "") in vocab.acronyms:
                close_run()
                into.update(vocab.acronyms[word.replace(".", "")])
            elif word in index.demonyms:
                close_run()
                owners.add(index.demonyms[word])
            elif word in _STOP:
                close_run()
                if word != "the":
                    previous = word
                continue
            elif all(w in vocab.title_words for w in role_words(word)):
                close_run()
                title.update(role_words(word))
            else:
                if not run:
                    run_to = previous == "to"
                run.append(word)
            previous = word
        if ids:
            close_run()
            (targets if after_to(norm, start) else owners).update(ids)
            previous = ""
        pos = end
    close_run()
    return _Reading(frozenset(title), frozenset(owners), frozenset(targets), tuple(unknown))


def _corrected(vocab: _Vocabulary, reading: _Reading) -> list[_Reading]:
    """Every way of reading the unknown runs as misspelt names or title words (at most
    ``_MAX_READINGS``); empty when a run is close to nothing the base knows."""
    if not reading.unknown:
        return [reading]
    options: list[list[tuple[str, str, str | None]]] = []  # (written, kind, value)
    for run, to in reading.unknown:
        close = _close_names(vocab, run)
        kind = "target" if to else "owner"
        choices: list[tuple[str, str, str | None]] = [(run, kind, entity) for entity in close]
        if " " not in run:
            choices += [(run, "title", w) for w in _close_title_words(vocab, run)]
        if not choices:
            return []
        options.append(choices)
    out = []
    for combo in itertools.islice(itertools.product(*options), _MAX_READINGS):
        title, owners, targets = set(reading.title), set(reading.owners), set(reading.targets)
        read_as = []
        for written, kind, value in combo:
            assert value is not None
            {"title": title, "owner": owners, "target": targets}[kind].add(value)
            shown = value if kind == "title" else vocab.index.name_of(value)
            read_as.append((written, shown))
        out.append(
            _Reading(frozenset(title), frozenset(owners), frozenset(targets), (), tuple(read_as))
        )
    return out


def _close_names(vocab: _Vocabulary, run: str) -> list[str]:
    """Places and organisations whose name is close to ``run`` (transliteration-aware
    name similarity: "kazakstan", "Qazaqstan" ≈ Kazakhstan), best first."""
    best: dict[str, float] = {}
    for name, entity in vocab.jurisdiction_names:
        s = similarity(run, name)
        if s >= CLOSE and s > best.get(entity, 0.0):
            best[entity] = s
    return sorted(best, key=lambda e: -best[e])


def _close_title_words(vocab: _Vocabulary, word: str) -> list[str]:
    """Title words close to ``word`` by their phonetic form, a swap of two letters counting
    as one edit ("presidnet" ≈ president)."""
    if len(word) < 4:
        return []
    key = phonetic(word)
    return sorted(
        w
        for w in vocab.title_words
        if len(w) >= 4 and OSA.normalized_similarity(key, phonetic(w)) >= CLOSE
    )


def _suggest(index: KBIndex, reading: _Reading) -> tuple[str, ...]:
    """The nearest known offices: shared title words first, then the same owner, then how
    alike the labels are written — what a user who mistyped or misremembered may mean."""
    scores: dict[str, float] = {}
    phrase = " ".join(sorted(reading.title))
    unknown = " ".join(run for run, _ in reading.unknown)  # "narnia": which owner looks like it
    for p in index.positions:
        shared = len(reading.title & p.title) / len(reading.title | p.title) if p.title else 0.0
        owned = 1.0 if reading.owners and reading.owners & p.owners else 0.0
        if not (shared or owned):
            continue
        written = Levenshtein.normalized_similarity(phrase, " ".join(sorted(p.title)))
        named = max((_alike(unknown, index.name_of(o)) for o in p.owners if unknown), default=0.0)
        score = 0.5 * shared + 0.3 * owned + 0.1 * written + 0.1 * named
        scores[p.position_id] = max(scores.get(p.position_id, 0.0), score)
    ranked = sorted(scores, key=lambda pid: (-scores[pid], office_name(index, pid)))
    return tuple(ranked[:SUGGESTIONS])


def _alike(a: str, b: str) -> float:
    return Levenshtein.normalized_similarity(normalize_key(a), normalize_key(b))


def office_name(index: KBIndex, position_id: str) -> str:
    """An office's label, with its country or organisation when the label leaves it out
    ("Minister of Foreign Affairs (Pakistan)")."""
    entries = [p for p in index.positions if p.position_id == position_id]
    if not entries:
        return position_id
    p = max(entries, key=lambda e: len(e.label))
    owners = sorted(index.name_of(o) for o in p.owners)
    if any(o.casefold() in p.label.casefold() for o in owners) or not owners:
        return p.label
    return f"{p.label} ({', '.join(owners)})"


def _names(index: KBIndex, ids: Iterable[str]) -> str:
    return " and ".join(sorted(index.name_of(i) for i in ids))


__all__ = [
    "OfficeResolution",
    "Status",
    "office_name",
    "resolve_named",
    "resolve_office",
]
