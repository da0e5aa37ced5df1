"""Who says it: speaker phrases, and pronouns and bare titles resolved to a name. Pure.

The half of quote attribution that does not depend on the quote: noun phrases before and
after a speech verb, the paragraphs of a text, and the resolver that takes "he", "she",
"it" or "the minister" back to one earlier name of the same paragraph (or the previous one,
when it names exactly one person) — none when several fit. Used by ``quotes``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cache

from amanat.analyze.claims import Context
from amanat.analyze.claims.people import Person, people
from amanat.analyze.claims.tries import alternation, phrase_trie
from amanat.kb.lexicon import lexicon
from amanat.model import Claim, Mention

_TOKEN = re.compile(r"\w[\w’'-]*(?:\.\w[\w’'-]*)*|[^\w\s]")
# a word with its full stop when the stop ends an abbreviation inside a name: "U.S. Attorney", "Rep.", "A."
_ABBREVIATED = re.compile(r"(?:[A-Z]\.(?:[A-Z]\.)*|(?:[A-Z][a-z]{1,3}|[A-Z]\.[A-Z])\.)(?=\s+[A-Z])")
# A quote is at most _QUOTE_MAX characters on one line: a mark that never closes is then
# given up after that many characters, not after the rest of the line — on one long line with
# thousands of opening marks, the difference between linear and quadratic.
_QUOTE_MAX = 3000
# every branch starts with its quotation mark (the "no word before ‘" test comes after it), so
# ``re`` skips to the next mark in C instead of trying a lookbehind at every position
_QUOTE = re.compile(rf"“([^”\n]{{1,{_QUOTE_MAX}}}?)(?:”|’’)|“([^”“\n]{{1,{_QUOTE_MAX}}})(?=\n\s*“)"
                    rf"|‘(?<!\w‘)([^\n“”‘]{{1,400}}?)’(?!\w)|«([^»\n]{{1,{_QUOTE_MAX}}})»|\"([^\"\n]{{1,{_QUOTE_MAX}}})\"")
_DETERMINERS = frozenset({"the", "a", "an", "this", "that"})
_POSSESSIVES = frozenset({"his", "her", "its", "their", "our"})
_INDEFINITE = frozenset({"a", "an", "some", "several", "many", "two", "three", "one", "other", "another"})
_PREPOSITIONS = frozenset({"on", "in", "at", "during", "after", "before", "to", "of", "about", "for", "with",
                           "from", "by", "that", "as", "against", "without", "via", "through", "when", "while"})
_ARTICLES = _DETERMINERS | _POSSESSIVES | _INDEFINITE
_NP_MAX = 10
_LINKS = frozenset({"of", "for", "and", "&", "with", "from", "at", "in", "on", "to"})
_PHRASE_LINKS = frozenset({"for", "with", "from", "at", "in", "on", "to", "close"})


@dataclass(frozen=True)
class _Words:
    """The lexicon's word classes, compiled once."""

    verbs: re.Pattern[str]
    bare: frozenset[str]
    object_verbs: frozenset[str]
    adverbs: frozenset[str]
    characterise: re.Pattern[str]
    openers: frozenset[str]
    pronouns: dict[str, str]
    anonymous: frozenset[str]
    statement: re.Pattern[str]
    title_heads: frozenset[str]
    body_start: re.Pattern[str]
    stops: frozenset[str]  # clause openers and adverbs: where "said X" ends
    heads: frozenset[str]  # words that make a lower-case phrase a speaker ("police", "officials")


@cache
def _words() -> _Words:
    lex = lexicon("en")

    bodies = lex.words("body_heads")
    return _Words(
        # lower case: "United States:"; factored by prefixes (tries.py): it scans every sentence
        verbs=re.compile(r"(?<![\w-])(?:" + (phrase_trie(lex.words("speech_verbs"), fold=False)
                                              or alternation(lex.words("speech_verbs"))) + r")(?![\w-])"),
        bare=lex.words("speech_verbs_bare"),
        object_verbs=lex.words("speech_objects_verbs"),
        adverbs=lex.words("speech_adverbs"),
        characterise=re.compile(r"\b(?:" + alternation(lex.words("characterise_verbs")) + r")\b(?:[^.;“”«»\"]{0,80}?\bas)?\s*$", re.I),
        openers=lex.words("clause_openers"),
        pronouns={k.casefold(): v for k, v in lex.mapping("speaker_pronouns").items()},
        anonymous=lex.words("anonymous_speakers"),
        statement=re.compile(r"^(.+?)['’]s\s+(?:" + alternation(lex.words("statement_nouns")) + r")$", re.I),
        title_heads=lex.words("speaker_title_heads"),
        stops=lex.words("clause_openers") | lex.words("speech_adverbs"),
        heads=bodies | lex.words("speaker_title_heads") | lex.words("anonymous_speakers"),
        body_start=re.compile(r"(?:^|\n)[ \t]*((?:The|the)\s+(?:[\w’'-]+\s+){0,4}?(?:" + alternation(bodies) + r"))\b"),
    )


@dataclass
class _Speaker:
    """A speaker phrase: its span, the text reported, and the KB entity when linked."""

    start: int
    end: int
    name: str | None
    entity: str | None = None
    person: bool = False


@dataclass
class _Paragraph:
    """What one paragraph has said so far: the last speaker, for "he added"."""

    start: int
    end: int
    last: _Speaker | None = None
    claims: list[Claim] = field(default_factory=list)


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in re.finditer(r"\n", text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [s for s in spans if s[1] > s[0]]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without surrounding space, quote marks and trailing punctuation."""
    while start < end and (text[start].isspace() or text[start] in "“‘«\"'…,:;—–-"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",.;:”’»\"'…—–-"):
        end -= 1
    return start, end


class _Tok:
    """A token as ``_TOKEN`` would give it, for an abbreviation kept with its full stop."""

    __slots__ = ("_start", "_text")

    def __init__(self, start: int, text: str) -> None:
        self._start, self._text = start, text

    def group(self) -> str:
        return self._text

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._start + len(self._text)


def _tokens(text: str, lo: int, hi: int) -> list[re.Match[str] | _Tok]:
    """The tokens between ``lo`` and ``hi``; an abbreviation's full stop stays on its word
    ("said U.S. Attorney Nealy Cox" is one phrase, not "U.S")."""
    out: list[re.Match[str] | _Tok] = []
    for t in _TOKEN.finditer(text, lo, hi):
        if out and t.group() == ".":  # the word before is read only at a stop
            short = _ABBREVIATED.match(text, out[-1].start(), hi)
            if short and short.end() == t.end():
                word = out[-1].group().casefold().replace(".", "")
                if len(word) == 1 or word in _abbreviations():
                    out[-1] = _Tok(out[-1].start(), out[-1].group() + ".")
                    continue
        out.append(t)
    return out


@cache
def _abbreviations() -> frozenset[str]:
    lex = lexicon("en")
    return frozenset(w.replace(".", "") for w in lex.words("abbreviations") | lex.words("title_abbreviations"))


# How far a speaker phrase is read first: the tokens of a window this long before (or after)
# the verb, not of the whole sentence or paragraph; only a phrase that reaches the window's
# edge is read again over the whole span (the same tokens, so the same phrase).
_NP_WINDOW = 200
_FURTHER = (-1, -1)  # what a window's reading returns when the phrase may go on before it


def _np_before(text: str, lo: int, hi: int) -> tuple[int, int] | None:
    """The noun phrase that ends at ``hi`` (a speaker before its verb), read backwards to a
    clause boundary: punctuation or a clause opener ("that", "while", "in" …)."""
    # from a space, the tokens are those of the whole span (no token holds a space, and no
    # abbreviation's stop follows one)
    at = text.rfind(" ", lo, hi - _NP_WINDOW) if hi - lo > _NP_WINDOW else -1
    if at >= 0:
        found = _np_before_in(_tokens(text, at, hi), True)
        if found != _FURTHER:
            return found
    return _np_before_in(_tokens(text, lo, hi), False)


def _np_before_in(toks: list[re.Match[str] | _Tok], windowed: bool) -> tuple[int, int] | None:
    """``_np_before`` over ``toks``; ``_FURTHER`` when the tokens are a window and the phrase
    reaches its start (what lies before could change it)."""
    w = _words()
    i = len(toks)
    while i and toks[i - 1].group().casefold() in w.adverbs:
        i -= 1
    j = i
    while j and toks[j - 1].group()[0].isalnum() and toks[j - 1].group().casefold() not in w.openers:
        j -= 1
    if windowed and j <= 1:
        return _FURTHER
    words = [t.group().casefold() for t in toks[j:i]]
    # "On Friday the ministry said": the phrase starts at its own article
    cut = next((k for k in range(1, len(words)) if words[k] in _DETERMINERS and words[k - 1] not in _LINKS), 0)
    j += cut
    if not cut and 1 < j < i and toks[j - 1].group().casefold() in _PHRASE_LINKS:
        # "people familiar with the matter said": the phrase goes on before its preposition
        k = j - 1
        while k and toks[k - 1].group()[0].isalnum() and toks[k - 1].group().casefold() not in w.openers:
            k -= 1
        if windowed and k == 0:
            return _FURTHER
        if k < j - 1 and j - 1 - k <= 3 and (k == 0 or not toks[k - 1].group()[0].isalnum() or k == j - 2):
            j = k
    if i - j == 0 or i - j > _NP_MAX or all(t.group().casefold() in _DETERMINERS for t in toks[j:i]):
        return None
    first = toks[j].group()
    if not (first[0].isupper() or first.casefold() in _ARTICLES
            or first.casefold() in w.pronouns or not w.heads.isdisjoint(t.group().casefold() for t in toks[j:i])):
        return None  # "30 times your said": no speaker
    return toks[j].start(), toks[i - 1].end()


def _np_after(text: str, lo: int, hi: int) -> tuple[int, int] | None:
    """The noun phrase that starts at ``lo`` (a speaker after its verb: "said X")."""
    w = _words()
    # the tokens of a window first: the phrase is at most _NP_MAX tokens; near the window's end
    # a token (or an abbreviation's stop) may be cut, so a phrase that reads that far is read again
    at = text.find(" ", lo + _NP_WINDOW, hi) if hi - lo > _NP_WINDOW else -1
    toks = _tokens(text, lo, at if at >= 0 else hi)
    n = 0
    while n < len(toks) and toks[n].group()[0].isalnum() and (
            n == 0 or toks[n].group().casefold() not in w.stops):
        n += 1
    if at >= 0 and n + 3 > len(toks):
        toks = _tokens(text, lo, hi)
        n = 0
        while n < len(toks) and toks[n].group()[0].isalnum() and (
                n == 0 or toks[n].group().casefold() not in w.stops):
            n += 1
    if n == 0 or n > _NP_MAX or toks[0].group().casefold() in w.openers:
        return None
    return toks[0].start(), toks[n - 1].end()


class _Resolver:
    """Turns a speaker phrase into the reported name and entity, using the mentions."""

    def __init__(self, context: Context, paragraphs: list[_Paragraph]) -> None:
        self.text = context.text
        self.mentions = sorted((m for m in context.mentions if not m.nested), key=lambda m: m.start)
        self._starts = [m.start for m in self.mentions]
        self.people = people(context)  # linked or not: "Giuffre" is a person the base does not know
        self.paragraphs = paragraphs

    def inside(self, start: int, end: int, kinds: tuple[str, ...]) -> list[Mention]:
        """The mentions of ``kinds`` within [start, end), found by bisection (a text naming
        thousands of people asks this for each speaker)."""
        near = self.mentions[bisect_left(self._starts, start):bisect_right(self._starts, end)]
        return [m for m in near if m.kind in kinds and m.end <= end]

    def resolve(self, start: int, end: int, para: _Paragraph) -> _Speaker:
        w = _words()
        phrase = self.text[start:end]
        words = phrase.split()
        lower = [x.casefold() for x in words]
        people = self.inside(start, end, ("person",))
        if people:  # the head person of "UN Secretary-General Ban Ki-moon's spokesman Stéphane Dujarric"
            m = people[-1]
            return _Speaker(start, end, m.text, m.entity_id, person=True)
        if len(lower) == 1 and lower[0] in w.pronouns:
            return self._pronoun(start, end, w.pronouns[lower[0]], para, lower[0])
        named = [p for p in self.people if start <= p.start and p.end <= end
                 and not re.match(r"['’]s\b", self.text[p.end:p.end + 3])]  # not "Carlineo’s attorney"
        if named:
            head = named[0] if "," in phrase else named[-1]  # "Will Moy, chief executive of Full Fact"
            return _Speaker(start, end, head.name, head.entity, person=True)
        link = next((k for k, x in enumerate(lower) if x in _LINKS - {"&"}), len(lower))  # before "of/with …"
        if not w.anonymous.isdisjoint(lower[:link]) and (lower[0] in _INDEFINITE or lower[0] not in _ARTICLES) \
                and not any(x[0].isupper() for x in words[1:link]):
            return _Speaker(start, end, None)  # "a source", "witnesses", "people familiar with the matter"
        said = w.statement.match(phrase)
        if said:  # "the ministry's statement" speaks for the ministry
            return self.resolve(start, start + len(said.group(1)), para)
        if lower[0] in _DETERMINERS and lower[-1] in w.title_heads and not any(x[0].isupper() for x in words[1:]):
            person = self._title_antecedent(start, lower, para)
            if person is not None:
                return _Speaker(start, end, person.text, person.entity_id, person=True)
        org = [m for m in self.inside(start, end, ("organization", "place", "position"))]
        entity = org[-1].entity_id if len(org) == 1 and org[0].end == end else None
        return _Speaker(start, end, phrase, entity)

    def _earlier(self, para: _Paragraph, before: int, kinds: tuple[str, ...]) -> list[Mention]:
        return [m for m in self.mentions if m.kind in kinds and para.start <= m.start and m.end <= before]

    def _distinct(self, found: list[Mention]) -> list[Mention]:
        """One mention per entity (its longest form: "Roman Vassilenko" before "Vassilenko")."""
        by: dict[str, Mention] = {}
        for m in found:
            key = m.entity_id or m.text.split()[-1].casefold()
            if key not in by or len(m.text) > len(by[key].text):
                by[key] = m
        return list(by.values())

    def _pronoun(self, start: int, end: int, kind: str, para: _Paragraph, word: str = "") -> _Speaker:
        if kind == "person":
            if para.last is not None and para.last.person and para.last.name:
                return _Speaker(start, end, para.last.name, para.last.entity, person=True)
            person = self._antecedent(para.start, start, word)
            if person is not None:
                return _Speaker(start, end, person.name, person.entity, person=True)
        elif kind == "body":
            bodies = {m.text.casefold(): (m.text, m.entity_id)
                      for m in self._earlier(para, start, ("organization",))}
            for m in _words().body_start.finditer(self.text, para.start, start):
                bodies.setdefault(re.sub(r"^the ", "", m.group(1).casefold()), (m.group(1), None))
            if len(bodies) == 1:
                name, entity = next(iter(bodies.values()))
                return _Speaker(start, end, name, entity)
        return _Speaker(start, end, None)

    def _antecedent(self, lo: int, at: int, word: str) -> Person | None:
        """The one person "he"/"she" at ``at`` can mean: the one named earlier in its paragraph
        (from ``lo``); with nobody there, the one speaker or the one person of the paragraph
        before ("…,” she said in an email" opening a paragraph after the speaker's own)."""
        unlike = "f" if word == "he" else "m" if word == "she" else None
        found = self._candidates(lo, at, unlike)
        if len(found) == 1:
            return found[0]
        if found:
            return None
        before = next((q for q in reversed(self.paragraphs) if q.end < lo), None)
        if before is None:
            return None
        if before.last is not None and before.last.person and before.last.name:
            return Person(before.last.start, before.last.end, before.last.name, before.last.entity)
        found = self._candidates(before.start, before.end, unlike)
        return found[0] if len(found) == 1 else None

    def _candidates(self, lo: int, hi: int, unlike: str | None) -> list[Person]:
        """The distinct people named between ``lo`` and ``hi``: those marked as people, else
        (when there are none) the one-word subjects and speakers."""
        strong = {p.key: p for p in self.people if lo <= p.start and p.end <= hi and p.gender != unlike and not p.weak}
        if strong:
            return list(strong.values())
        return list({p.key: p for p in self.people if lo <= p.start and p.end <= hi and p.gender != unlike}.values())

    def _title_antecedent(self, start: int, lower: list[str], para: _Paragraph) -> Mention | None:
        """"the minister" → the one person of the paragraph titled so before (or, for a bare
        "the <title>", the one person named before when nobody before has a title)."""
        earlier = self._distinct(self._earlier(para, start, ("person",)))
        titled = [m for m in earlier if m.role and lower[-1] in m.role.casefold()]
        if len(titled) == 1:
            return titled[0]
        if not titled and len(lower) == 2 and len(earlier) == 1 and not earlier[0].role:
            return earlier[0]
        return None
