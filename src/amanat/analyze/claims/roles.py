"""Roles: a person given a title ("Former President Nursultan Nazarbayev", "Yerzhan Kistafin,
Kazakhstan's ambassador to Pakistan"), and a place given one ("Almaty, then the capital"). Pure.

Most roles come from the mention analysis, which already attaches a title, its span and its
time marker to a person (``Mention.role``); this extractor turns them into claims and adds
the appositions it leaves unattached: an office phrase beside a person ("Pakistan's prime
minister, Shehbaz Sharif"), a title phrase after a name the knowledge base does not know
("Josep Borrell, the EU's foreign policy chief"), and a place's role. ``title`` is the role as
written without its marker and article ("then-Prime Minister" → "Prime Minister"), ``marker``
then/former/ex/late/acting/caretaker or ``None``, ``entity`` the person's KB id or ``None``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache

from amanat.analyze.boundaries import Covered, Taken
from amanat.analyze.claims import Context, Extractor
from amanat.analyze.claims.people import people as named_people
from amanat.analyze.claims.tries import phrase_trie
from amanat.kb.lexicon import lexicon, marker_of
from amanat.model import Claim, Mention

NAME = "roles"
VERSION = 1

_CAP = r"[A-Z\u00C0-\u00DE][\w’'-]*"
_NAME_RUN = re.compile(rf"{_CAP}(?:\s+(?:(?:bin|ibn|al|de|van|von|ul|of)\s+)?{_CAP}){{0,4}}$")


@dataclass(frozen=True)
class _Patterns:
    marker: re.Pattern[str]
    heads: re.Pattern[str]
    place: re.Pattern[str]
    apposition: re.Pattern[str]
    before_name: re.Pattern[str]
    titled_name: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    lex = lexicon("en")
    markers = "|".join(sorted(map(re.escape, lex.mapping("markers")), key=len, reverse=True))
    head_words = lex.words("speaker_title_heads") | lex.words("occupation_titles")
    # factored by prefixes (tries.py): searched in every apposition phrase
    heads = (phrase_trie(head_words, fold=True, piece=re.escape)
             or "|".join(sorted(map(re.escape, head_words), key=len, reverse=True)))
    places = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(lex.words("place_titles"), key=len, reverse=True))
    owner = r"(?:[A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,3}['’]s\s+|[A-Z][\w-]*\s+)?"
    return _Patterns(
        marker=re.compile(rf"\b(?:{markers})\b(?:\s*-\s*|\s+)", re.I),
        heads=re.compile(rf"\b(?:{heads})\b", re.I),
        # ", then the capital of Kazakhstan" / ", Pakistan's former capital"
        place=re.compile(rf",\s+((?:(?:the|then|once|now)\s+)*{owner}(?:(?:former|then|old|ex)[\s-]+)?(?:{places})"
                         rf"(?:\s+of\s+(?:the\s+)?{_CAP}(?:\s+{_CAP}){{0,3}})?)(?=\s*[,.;)]|\s*$)", re.I),
        # ", the EU's foreign policy chief," — a title phrase in apposition after a name
        apposition=re.compile(r",\s+((?:the|then|a|an|former|ex-|acting|now)\b[^,;.()“”\"]{2,90}?|"
                              rf"{_CAP}['’]s\s+[^,;.()“”\"]{{2,90}}?|"
                              # no article: ", equity strategist at Miller Tabak", ", Columbus Police Department spokesman"
                              rf"(?:{_CAP}\s+){{0,4}}[a-z][\w-]*(?:\s+[^,;.()“”\"\s]+){{0,10}}?)"
                              r"(?=\s+(?:who|which|whose)\b|\s*[,;.)]|\s*$)"),
        # "Kazakhstan’s ambassador, " — a title phrase before a name
        # any word before a run of capitalised words; the word is checked against the title words
        # in Python (a case-insensitive alternation of them at every position costs 30x more)
        titled_name=re.compile(rf"(?<![\w’'-])([\w-]+)\s+(?=({_CAP}(?:\s+(?:(?:bin|ibn|al|de|van|von|ul)\s+)?{_CAP}){{1,3}})"
                               r"(?:[\s,.;:)]|['’]s\b|$))"),
        before_name=re.compile(rf"((?:(?:the|then|former)\s+)?{_CAP}(?:\s+{_CAP})*['’]s\s+[a-z][\w\s-]{{1,60}}?|"
                               rf"(?:[Tt]he\s+)[a-z][\w\s-]{{1,60}}?),\s+$"),
    )


@cache
def _title_words() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Title heads, title modifiers and markers, as sets built once."""
    lex = lexicon("en")
    heads = lex.words("speaker_title_heads") | lex.words("occupation_titles") | lex.words("title_abbreviations")
    return heads, lex.words("title_modifiers"), frozenset(lex.mapping("markers"))


@cache
def _not_name_words() -> frozenset[str]:
    lex = lexicon("en")
    return (lex.words("speaker_title_heads") | lex.words("title_modifiers") | lex.words("body_heads")
            | lex.words("occupation_titles"))


def _title(text: str) -> str:
    """The role as written without its marker and leading article."""
    title = _patterns().marker.sub("", text)
    title = re.sub(r"^(?:the|a|an)\s+", "", title.strip(" ,"), flags=re.I)
    return re.sub(r"\s+", " ", title).strip(" ,")


def _claim(context: Context, start: int, end: int, fields: dict[str, object]) -> Claim:
    return Claim("role", start, end, context.text[start:end], fields, extractor=f"{NAME}@{VERSION}")


class _Mentions:
    """A text's mentions looked up by position — which end at a point, which overlap a span,
    which people start in a range — by dictionary or bisection: asked for every name of a
    text that repeats names thousands of times, a walk through all of them is quadratic."""

    def __init__(self, mentions: list[Mention]) -> None:
        self.all = mentions  # in order of start
        self.people = [m for m in mentions if m.kind == "person"]
        self.people_starts = [m.start for m in self.people]
        self.covered = Covered((m.start, m.end) for m in mentions)
        self.by_end: dict[int, Mention] = {}
        self.by_start: dict[int, Mention] = {}
        for m in mentions:
            self.by_end.setdefault(m.end, m)
            self.by_start.setdefault(m.start, m)
        self.places_by_end: dict[int, Mention] = {}
        for m in mentions:
            if m.kind == "place":
                self.places_by_end.setdefault(m.end, m)
        self.owners = {m.start for m in mentions if m.kind in ("place", "organization")}

    def people_from(self, start: int, end: int) -> list[Mention]:
        """The people whose mention starts in ``[start, end)``."""
        return self.people[bisect_left(self.people_starts, start):bisect_left(self.people_starts, end)]


def _from_mention(context: Context, m: Mention, index: _Mentions) -> Claim | None:
    """A person's role as the mention analysis attached it."""
    if m.role is None or m.role_start is None or m.role_end is None:
        return None
    start, end = m.role_start, m.role_end
    # "UN Secretary-General Ban Ki-moon's spokesman Stéphane Dujarric": the role is "spokesman"
    for other in index.people_from(start, end):
        if other is not m and start <= other.start and other.end < end:
            rest = re.match(r"['’]s\s+", context.text[other.end:end])
            if rest:
                start = other.end + rest.end()
    role = context.text[start:end]
    if not role.strip():
        return None
    span = (min(start, m.start), max(end, m.end))
    marker = m.marker or marker_of(role)
    return _claim(context, *span, {"person": m.text, "title": _title(role), "marker": marker, "entity": m.entity_id})


def _name_before(text: str, end: int, covered: _Mentions) -> tuple[int, int, Mention | None] | None:
    """The person named just before ``end``: a person mention, else a run of capitalised words
    that no place or organisation mention covers."""
    m = covered.by_end.get(end)
    if m is not None:
        return (m.start, m.end, m) if m.kind == "person" else None
    run = _NAME_RUN.search(text, max(0, end - 80), end)
    if run is None or len(run.group().split()) < 2:
        return None
    start = run.start()
    if covered.covered.overlaps(start, end):
        return None
    return start, end, None


def _name_after(text: str, start: int, covered: _Mentions) -> tuple[int, int, Mention | None] | None:
    m = covered.by_start.get(start)
    if m is not None:
        return (m.start, m.end, m) if m.kind == "person" else None
    return None


_WORD = re.compile(r"[\w’'.-]+")
_ARTICLED = re.compile(r"(?:the|then|a|an|former|ex-|acting|now)\b|[A-Z][\w-]*['’]s\s")
_WORDS = re.compile(r"[\w’'-]+")


def _title_before(context: Context, at: int, mentions: _Mentions) -> int | None:
    """Where a title written right before a name starts ("Kazakhstan's Minister of Trade and
    Integration |Serik Zhumangarin"), read backwards over title words, joiners, possessives and
    capitalised words; capitalised words that are none of these do not start it ("Monday")."""
    heads, modifiers, markers = _title_words()
    words = list(_WORD.finditer(context.text, max(0, at - 120), at))
    if not words or words[-1].end() != at - 1 or context.text[words[-1].end():at] != " ":
        return None
    k = len(words)
    while k:
        w = words[k - 1].group()
        low = w.casefold().split("-")[-1].rstrip(".")
        if low in heads or low in modifiers or w.casefold().split("-")[0] in markers or w[0].isupper() \
                or (low in ("of", "and", "for", "the") and k < len(words)):
            if k < len(words) and context.text[words[k - 1].end():words[k].start()] != " ":
                break
            k -= 1
            continue
        break
    chosen = words[k:]
    # the title starts at its first title word, possessive or mentioned owner
    def starts(m: re.Match[str]) -> bool:
        w = m.group().casefold()
        return (w.split("-")[-1].rstrip(".") in heads or w in modifiers or w.split("-")[0] in markers or w.endswith(("'s", "’s"))
                or m.start() in mentions.owners)
    while chosen and not starts(chosen[0]):
        chosen = chosen[1:]
    if not chosen or not any(m.group().casefold().split("-")[-1].rstrip(".") in heads for m in chosen):
        return None
    if chosen[-1].group().casefold() in ("of", "and", "for", "the"):
        return None
    return chosen[0].start()


def extract_roles(context: Context) -> list[Claim]:
    """The roles of one text, one per named person or place."""
    text = context.text
    p = _patterns()
    mentions = _Mentions(sorted((m for m in context.mentions if not m.nested), key=lambda m: m.start))
    people = mentions.people
    found: list[Claim] = []
    taken = Taken(len(text))
    done: set[tuple[int, int]] = set()
    named = named_people(context)
    for m in people:
        claim = _from_mention(context, m, mentions)
        start = _title_before(context, m.start, mentions) if m.role is None or m.role_end == m.start - 1 else None
        if start is not None and mentions.people_from(start, m.start):
            start = None  # "Guterres's spokesman": another person's title is not this one's
        if start is not None and (claim is None or start < claim.start):
            # a title the mention analysis left out, or cut short ("US Secretary of State Antony Blinken")
            role = text[start:m.start - 1]
            claim = _claim(context, start, m.end, {"person": m.text, "title": _title(role),
                                                   "marker": m.marker or marker_of(role), "entity": m.entity_id})
        if claim is not None:
            found.append(claim)
            taken.add(claim.start, claim.end)
            done.add((m.start, m.end))
    # a title before a name the mention analysis did not find: "Minister of Trade and Integration Serik Zhumangarin"
    heads, modifiers, _ = _title_words()
    for n in _patterns().titled_name.finditer(text):
        if n.group(1).casefold() not in heads and n.group(1).casefold() not in modifiers:
            continue
        start, end = n.start(2), n.end(2)
        if mentions.covered.overlaps(start, end) or taken.overlaps(start, end):
            continue
        words = n.group(2).split()
        if any(re.sub(r"['’]s$", "", x.casefold()) in _not_name_words() for x in words):
            continue  # "Prosecutor General's Office" is no name
        title_start = _title_before(context, start, mentions)
        if title_start is not None:
            role = text[title_start:start - 1]
            found.append(_claim(context, title_start, end, {"person": n.group(2), "title": _title(role),
                                                            "marker": marker_of(role), "entity": None}))
            taken.add(title_start, end)
            done.add((start, end))
    # a person the text marks (claims/people.py) with a title before: "Rep. Ilhan Omar", "judge Inaba"
    for person in named:
        if person.entity or person.weak or (person.start, person.end) in done or taken.overlaps(person.start, person.end):
            continue
        title_start = _title_before(context, person.start, mentions)
        if title_start is not None:
            role = text[title_start:person.start - 1]
            found.append(_claim(context, title_start, person.end, {"person": person.name, "title": _title(role),
                                                                   "marker": marker_of(role), "entity": None}))
            taken.add(title_start, person.end)
            done.add((person.start, person.end))
    # a title phrase after a name: "Josep Borrell, the EU's foreign policy chief"
    for a in p.apposition.finditer(text):
        phrase = a.group(1)
        if _ARTICLED.match(phrase):
            if not p.heads.search(phrase):
                continue
        elif not _headed(phrase):
            continue  # no article: the head must come first ("equity strategist at …"), no clause
        if taken.overlaps(a.start(1), a.end(1)):
            continue
        name = _name_before(text, a.start(), mentions) or next(
            ((x.start, x.end, None) for x in named if x.end == a.start() and not x.weak), None)
        if name is None or (name[0], name[1]) in done:
            continue
        found.append(_claim(context, name[0], a.end(1), {"person": text[name[0]:name[1]], "title": _title(phrase),
                                                         "marker": marker_of(phrase),
                                                         "entity": name[2].entity_id if name[2] else None}))
        taken.add(name[0], a.end(1))
        done.add((name[0], name[1]))
    # a title phrase before a name: "Kazakhstan’s ambassador, Yerzhan Kistafin,"
    for m in people:
        if (m.start, m.end) in done or not re.match(r"\s*[,.;)]|\s*(?:said|told)\b|\s*$", text[m.end:]):
            continue
        b = p.before_name.search(text, max(0, m.start - 90), m.start)
        if b is None or not p.heads.search(b.group(1)) or taken.overlaps(b.start(1), b.end(1)):
            continue
        phrase = b.group(1)
        found.append(_claim(context, b.start(1), m.end, {"person": m.text, "title": _title(phrase),
                                                         "marker": marker_of(phrase), "entity": m.entity_id}))
        taken.add(b.start(1), m.end)
        done.add((m.start, m.end))
    # a place's role: "Almaty, then the capital of Kazakhstan"
    for a in p.place.finditer(text):
        before = _NAME_RUN.search(text, max(0, a.start() - 60), a.start())
        if before is None:
            continue
        place = mentions.places_by_end.get(a.start())
        if place is None and a.start() in mentions.by_end:
            continue
        start = place.start if place else before.start()
        phrase = a.group(1)
        found.append(_claim(context, start, a.end(1), {"place": text[start:a.start()], "title": _title(phrase),
                                                       "marker": marker_of(phrase),
                                                       "entity": place.entity_id if place else None}))
    return sorted(found, key=lambda c: c.start)


def _headed(phrase: str) -> bool:
    """Whether a phrase without an article is a title: a title head among its first words, before
    any preposition, and no verb or clause word in it."""
    heads, _, _ = _title_words()
    words = _WORDS.findall(phrase.casefold())
    if not words or any(w in _clause_words() for w in words):
        return False
    lead = words[:next((k for k, w in enumerate(words) if w in ("at", "of", "for", "in", "with")), len(words))]
    return 0 < len(lead) <= 5 and lead[-1] in heads


@cache
def _clause_words() -> frozenset[str]:
    lex = lexicon("en")
    return (lex.words("clause_openers") | lex.words("speech_verbs")) - {"of", "for", "in", "on", "at", "to", "and", "with", "from", "by"}


EXTRACTOR = Extractor(name=NAME, version=VERSION, languages=frozenset({"en"}), writes=("role",),
                      run=extract_roles, reads=("mentions",),
                      summary="titles given to people (from the mentions, and appositions) and to places")
