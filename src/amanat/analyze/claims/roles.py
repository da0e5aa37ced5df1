"""Roles: a person given a title ("Former President Nursultan Nazarbayev", "Yerzhan Kistafin,
Kazakhstan's ambassador to Pakistan"), and a place given one ("Almaty, then the capital"). Pure.

Most roles come from the mention analysis, which already attaches a title, its span and its
time marker to a person (``Mention.role``); this extractor turns them into claims and adds
the appositions it leaves unattached: an office phrase beside a person ("Pakistan's prime
minister, Shehbaz Sharif"), a title phrase after a name the knowledge base does not know
("Josep Borrell, the EU's foreign policy chief"), and a place's role. ``title`` is the role as
written without its marker and article ("then-Prime Minister" → "Prime Minister"), ``marker``
then/former/ex/late/acting/caretaker or ``None``, ``entity`` the person's KB id or ``None``.

A title written right before a name is read by ``role_titles.py``; titles after a name, in
apposition or before a comma, are read here; other shapes by ``role_shapes.py`` and
``role_asides.py``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache

from amanat.analyze.boundaries import Covered, Taken
from amanat.analyze.claims import Context, Extractor, role_asides
from amanat.analyze.claims import role_shapes as shapes
from amanat.analyze.claims.people import people as named_people
from amanat.analyze.claims.role_shapes import marker_of, title_part
from amanat.analyze.claims.role_titles import (
    CAP,
    NAME_RUN,
    cap_run_before,
    name_end,
    title_before,
    title_words,
    titled_runs,
    without_title,
)
from amanat.analyze.claims.tries import phrase_trie
from amanat.kb.lexicon import lexicon
from amanat.model import Claim, Mention

NAME = "roles"
VERSION = 4

# an owner before "'s": a capitalised word, or a brand written in lower case with a digit or an
# inner capital ("my6sense", "eBay")
_OWNER = r"(?:[A-Z\u00C0-\u00DE][\w’'-]*|[a-z][\w-]*\d[\w-]*|[a-z]+[A-Z][\w-]*)"


@dataclass(frozen=True)
class _Patterns:
    marker: re.Pattern[str]
    heads: re.Pattern[str]
    place: re.Pattern[str]
    apposition: re.Pattern[str]
    before_name: re.Pattern[str]
    comma_name: re.Pattern[str]
    after_name: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    lex = lexicon("en")
    markers = "|".join(sorted(map(re.escape, set(lex.mapping("markers")) | lex.words("former_words")), key=len, reverse=True))
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
                         rf"(?:\s+of\s+(?:the\s+)?{CAP}(?:\s+{CAP}){{0,3}})?)(?=\s*[,.;)]|\s*$)", re.I),
        # ", the EU's foreign policy chief," — a title phrase in apposition after a name, perhaps after an age or a party and state (", 45, a firefighter", ", D-Calif., the speaker"; the pattern starts with
        # the comma, a literal the scan finds fast), or after a copula ("…, who is the chief executive of Acme")
        apposition=re.compile(r",\s+(?:(?:\d{1,3}|[A-Z]-[A-Z][\w.]*),\s+|who\s+(?:is|was)\s+(?=(?:the|a|an)\s))?((?:the|then|a|an|former|ex-|acting|now)\b[^,;.()“”\"]{2,90}?|"
                              rf"{_OWNER}['’]s\s+[^,;.()“”\"]{{2,90}}?|"
                              # no article: ", equity strategist at Miller Tabak", ", Columbus Police Department spokesman"
                              rf"(?:{CAP}\s+){{0,4}}[a-z][\w-]*(?:\s+[^,;.()“”\"\s]+){{0,10}}?)"
                              r"(?=\s+(?:who|which|whose)\b|\s*[,;.)]|\s*$)"),
        # "Kazakhstan’s ambassador, " — a title phrase before a name
        # ", Jane Roe" — a name after a comma, with a title phrase perhaps before the comma
        comma_name=re.compile(rf",\s+({CAP}(?:\s+(?:(?:bin|ibn|al|de|van|von|ul)\s+)?(?:{CAP}|[A-Z]\.)){{0,3}})"),
        after_name=re.compile(r"\s*[,.;)]|\s+(?:said|told|says|of|from|who|has|had|was|is|will)\b|\s*$"),
        before_name=re.compile(rf"((?:(?:the|then|former)\s+)?{_OWNER}(?:\s+{CAP})*['’]s\s+[a-z][\w\s-]{{1,60}}?|"
                               # "the company's chief financial officer, …", "her lawyer, …": an owner that names no one;
                               # "a spokesperson for the ministry, …"
                               rf"(?:[Tt]he\s+|[Aa]n?\s+|(?:[Hh]is|[Hh]er|[Tt]heir|[Ii]ts)\s+)(?:[a-z][\w-]*['’]s\s+)?[a-z][\w\s-]{{1,60}}?),\s+$"),
    )



@cache
def _place_words() -> re.Pattern[str]:
    """The last words of the roles a place is given ("capital", "city"): the cheap test before
    the place pattern, which is case-blind and so has no literal to scan for."""
    lasts = {w.split()[-1] for w in lexicon("en").words("place_titles")}
    return re.compile("|".join(sorted({v for w in lasts for v in (w, w.capitalize(), w.upper())}, key=len, reverse=True)))


@cache
def _not_name_words() -> frozenset[str]:
    lex = lexicon("en")
    return (lex.words("speaker_title_heads") | lex.words("title_modifiers") | lex.words("body_heads")
            | lex.words("occupation_titles"))


def _title(text: str) -> str:
    """The role as written without its marker and leading article."""
    title = _patterns().marker.sub("", text)
    title = re.sub(r"^(?:the|a|an)\s+", "", title.strip(" ,"), flags=re.I)
    title = shapes.drop_owner(title)  # "the company’s chief operating officer": the owner names no one
    return re.sub(r"\s+", " ", title).strip(" ,")


def _claim(context: Context, start: int, end: int, fields: dict[str, object]) -> Claim:
    return Claim("role", start, end, context.text[start:end], fields, extractor=f"{NAME}@{VERSION}")


def _from_mention(context: Context, m: Mention, people: list[Mention], starts: list[int]) -> Claim | None:
    """A person's role as the mention analysis attached it (``starts``: the people's starts,
    in order, so only those inside the role are looked at)."""
    if m.role is None or m.role_start is None or m.role_end is None:
        return None
    start, end = m.role_start, m.role_end
    # "UN Secretary-General Ban Ki-moon's spokesman Stéphane Dujarric": the role is "spokesman"
    # (a role after the name keeps its owner: "Mark Zandi, chief economist at Moody's Analytics")
    for other in people[bisect_left(starts, start):bisect_left(starts, end)] if end <= m.start else ():
        if other is not m and other.end < end:
            rest = re.match(r"['’]s\s+", context.text[other.end:end])
            if rest:
                start = other.end + rest.end()
    if end <= m.start:
        # "…, Gordon Sondland and Energy Secretary Rick Perry": the role starts after the listed name
        start += shapes.after_name_list(context.text[start:end])
    role = context.text[start:end]
    if not role.strip():
        return None
    span = (min(start, m.start), max(end, m.end))
    marker = m.marker or marker_of(role)
    return _claim(context, *span, {"person": m.text, "title": _title(role), "marker": marker, "entity": m.entity_id})


_COMPLEMENT = re.compile(r"(?<![\w.-])([\w.-]+)\s+(?:to|of|for|at|in)\s+(?:the\s+)?[\w.&’'-]+(?:\s+[\w.&’'-]+){0,2}\s*$")


def _head_complement(before: str) -> bool:
    """Whether text before a comma ends in a title head and its complement: "Pakistan's
    ambassador to the US, Masood Khan", "a spokesperson for the ministry, Ali Khan"."""
    m = _COMPLEMENT.search(before)
    return m is not None and shapes.is_head(m.group(1))


def _name_before(text: str, end: int, covered: list[Mention]) -> tuple[int, int, Mention | None] | None:
    """The person named just before ``end``: a person mention, else a run of capitalised words
    that no place or organisation mention covers."""
    for m in covered:
        if m.end == end:
            return (m.start, m.end, m) if m.kind == "person" else None
    start = cap_run_before(text, end)
    if start is None or any(m.start < end and start < m.end for m in covered):
        return None
    return start, end, None


def _name_after(text: str, start: int, covered: list[Mention]) -> tuple[int, int, Mention | None] | None:
    for m in covered:
        if m.start == start:
            return (m.start, m.end, m) if m.kind == "person" else None
    return None


_ARTICLED = re.compile(rf"(?:the|then|a|an|former|ex-|acting|now)\b|{_OWNER}['’]s\s")
_WORDS = re.compile(r"[\w’'-]+")


def extract_roles(context: Context) -> list[Claim]:
    """The roles of one text, one per named person or place."""
    text = context.text
    p = _patterns()
    # one mention per kind and span: a title-and-name organisation turned person may repeat a person found inside it
    unique: dict[tuple[str, int, int], Mention] = {}
    for m in (without_title(text, m) for m in context.mentions if not m.nested):
        if (key := (m.kind, m.start, m.end)) not in unique or unique[key].role is None:
            unique[key] = m
    mentions = sorted(unique.values(), key=lambda m: m.start)
    people = [m for m in mentions if m.kind == "person"]
    # indexes of the mentions, so that no step asks every mention (or claim) for every name:
    # a text of thousands of names would make that quadratic
    starts = [m.start for m in people]
    people_at = {m.start: m for m in people}
    ending_at = {m.end: m for m in mentions}
    owners = {m.start for m in mentions if m.kind in ("place", "organization")}
    covered = Covered((m.start, m.end) for m in mentions)
    found = _Found(len(text))
    done: set[tuple[int, int]] = set()
    named = named_people(context)
    for m in people:
        claim = _from_mention(context, m, people, starts)
        start = title_before(context, m.start, owners) if m.role is None or m.role_end == m.start - 1 else None
        if start is not None and bisect_left(starts, start) < bisect_left(starts, m.start):
            start = None  # "Guterres's spokesman": another person's title is not this one's
        if start is not None and (claim is None or start < claim.start):
            # a title the mention analysis left out, or cut short ("US Secretary of State Antony Blinken")
            start += shapes.after_name_list(text[start:m.start - 1])
            role = text[start:m.start - 1]
            claim = _claim(context, start, m.end, {"person": m.text, "title": _title(role),
                                                   "marker": m.marker or marker_of(role), "entity": m.entity_id})
        if claim is not None:
            found.append(claim)
            done.add((m.start, m.end))
    # a title before a name the mention analysis did not find: "Minister of Trade and Integration Serik Zhumangarin"
    heads, modifiers, _ = title_words()
    complements = {m.start: m for m in mentions if m.kind in ("place", "organization")}
    for word, run_start, end in titled_runs(text):
        word = title_part(word)  # "ex-footballer", "president-elect": the title word
        if word not in heads and word not in modifiers and word not in ("to", "the"):
            continue  # the cheap test first
        start = run_start
        if word not in heads and word not in modifiers:
            # "ambassador to the European Union Gordon Sondland": the title's complement starts
            # the run, the name follows
            if start in complements:
                while (lead := complements.get(start)) is not None and lead.end < end:
                    start = lead.end + len(text[lead.end:end]) - len(text[lead.end:end].lstrip())
            elif word == "to" and len(names := text[start:end].split()) >= 3:
                # "ambassador to Britain Liu Xiaming", the place unknown to the base: the name is
                # the run's last two words (a title before them must still be found below)
                start = end - len(" ".join(names[-2:]))
            else:
                continue
        # a name stops at a line break and at a possessive ("President Trump's July call": Trump)
        end = min(end, start + name_end(text[start:end]))
        if covered.overlaps(start, end) or found.overlaps(start, end):
            continue
        words = text[start:end].split()
        if not words or (len(words) < 2 and start != run_start):
            continue
        if any(re.sub(r"['’]s$", "", x.casefold()) in _not_name_words() for x in words):
            continue  # "Prosecutor General's Office" is no name
        title_start = title_before(context, start, owners)
        if title_start is not None:
            role = text[title_start:start - 1]
            found.append(_claim(context, title_start, end, {"person": text[start:end], "title": _title(role),
                                                            "marker": marker_of(role), "entity": None}))
            done.add((start, end))
    # a person the text marks (claims/people.py) with a title before: "Rep. Ilhan Omar", "judge Inaba"
    for person in named:
        if person.entity or person.weak or (person.start, person.end) in done or found.overlaps(person.start, person.end):
            continue
        title_start = title_before(context, person.start, owners)
        if title_start is not None:
            role = text[title_start:person.start - 1]
            found.append(_claim(context, title_start, person.end, {"person": person.name, "title": _title(role),
                                                                   "marker": marker_of(role), "entity": None}))
            done.add((person.start, person.end))
    # a title phrase after a name: "Josep Borrell, the EU's foreign policy chief"
    for a in p.apposition.finditer(text):
        phrase, phrase_end = a.group(1), a.end(1)
        if _ARTICLED.match(phrase):
            cut = shapes.apposition_title(phrase)
            if cut is None:
                continue  # the head must end the title's first words, before a clause
            phrase, phrase_end = cut, a.start(1) + len(cut)
        elif not _headed(phrase):
            continue  # no article: the head must come first ("equity strategist at …"), no clause
        if found.overlaps(a.start(1), phrase_end):
            continue
        name = _name_before(text, a.start(), mentions) or next(
            ((x.start, x.end, None) for x in named if x.end == a.start() and not x.weak), None)
        if name is None and _ARTICLED.match(a.group(1)):  # "Peskov, Putin's spokesman, told …"
            one = role_asides.one_word_before(text, a.start(), phrase_end, covered.overlaps)
            name = (one[0], one[1], None) if one else None
        if name is None:
            continue
        who = text[name[0]:name[1]]
        found.append(_claim(context, name[0], phrase_end, {"person": who, "title": _title(phrase),
                                                         "marker": marker_of(phrase),
                                                         "entity": name[2].entity_id if name[2] else None}))
        done.add((name[0], name[1]))
    # a title phrase before a name: "Kazakhstan’s ambassador, Yerzhan Kistafin,", "Acme's founder
    # and former CEO, Jane Roe" (one role per title)
    named_spans = {(x.start, x.end) for x in named}
    for n in p.comma_name.finditer(text):
        before_comma = text[max(0, n.start() - 40):n.start()].rsplit(None, 1)
        if not before_comma or not (shapes.is_head(before_comma[-1]) or _head_complement(text[max(0, n.start() - 60):n.start()])):
            continue  # the cheap test first: a title phrase ends in a title head ("… former CEO, Jane Roe"), or its complement
        start, end = n.start(1), n.end(1)
        if text[start:end].endswith(("'s", "’s")):
            end -= 2
        person_m = people_at.get(start)
        if person_m is not None:
            end = person_m.end
        elif (start, end) not in named_spans and (
                len(text[start:end].split()) < 2 or not shapes.is_name(text[start:end])
                or covered.overlaps(start, end)):
            continue
        if (start, end) in done or not p.after_name.match(text, end):
            continue
        b = p.before_name.search(text, max(0, start - 90), start)
        if b is None or not p.heads.search(b.group(1)) or found.overlaps(b.start(1), b.end(1)):
            continue
        for offset, phrase in shapes.coordinated(b.group(1)):
            found.append(_claim(context, b.start(1) + offset, end, {
                "person": text[start:end], "title": _title(phrase), "marker": marker_of(phrase),
                "entity": person_m.entity_id if person_m else None}))
        done.add((start, end))
    # a title or a name in parentheses: "Jane Roe (chief executive of Acme)", "the minister (Jane Roe)"
    # (by the indexes, as _name_before would read the mentions: a text of thousands of
    # parentheses must not ask every mention for each)
    named_ending = {x.end: x for x in named if not x.weak}

    def name_before(end: int) -> tuple[int, int, str | None] | None:
        m = ending_at.get(end)
        if m is not None and m.kind == "person":
            return m.start, m.end, m.entity_id
        start = cap_run_before(text, end) if m is None else None
        if start is not None and not covered.overlaps(start, end):
            return start, end, None
        x = named_ending.get(end)
        return (x.start, x.end, None) if x is not None else None

    spans = [(m.start, m.end, m.entity_id) for m in people] + [(x.start, x.end, x.entity) for x in named]
    for aside in role_asides.parenthesised(text, covered.overlaps, name_before, spans):
        span = (aside.person_start, aside.person_end)
        if found.overlaps(*((span[1], aside.end) if span[0] == aside.start else (aside.start, span[0]))):
            continue  # the title's part of the span is another claim's
        found.append(_claim(context, aside.start, aside.end, {
            "person": text[span[0]:span[1]], "title": _title(aside.phrase), "marker": marker_of(aside.phrase),
            "entity": aside.entity}))
        done.add(span)
    # several people given one title, and titles given through "as"
    known = [(m.start, m.end) for m in people] + [(x.start, x.end) for x in named]
    for r in shapes.plural_before(text, mentions) + shapes.plural_after(text, mentions) + shapes.as_roles(text, mentions, known):
        if (r.person_start, r.person_end) in done and found.overlaps(r.start, r.end):
            continue
        found.append(_claim(context, r.start, r.end, {"person": text[r.person_start:r.person_end], "title": r.title,
                                                      "marker": r.marker, "entity": None}))
    # a place's role: "Almaty, then the capital of Kazakhstan"
    for a in (p.place.finditer(text) if _place_words().search(text) else ()):
        before = NAME_RUN.search(text, max(0, a.start() - 60), a.start())
        if before is None:
            continue
        before_place = ending_at.get(a.start())
        place = before_place if before_place is not None and before_place.kind == "place" else None
        if place is None and before_place is not None:
            continue
        start = place.start if place else before.start()
        phrase = a.group(1)
        found.append(_claim(context, start, a.end(1), {"place": text[start:a.start()], "title": _title(phrase),
                                                       "marker": marker_of(phrase),
                                                       "entity": place.entity_id if place else None}))
    return sorted(_offices(text, found), key=lambda c: c.start)


def _offices(text: str, found: list[Claim]) -> list[Claim]:
    """The roles that name an office held by a person: not a rank by birth ("Prince Andrew"),
    not a title without a head ("senior David Garcia"), and not a "person" standing inside
    another person's title after that person's name ("Rob Goldman, President Ascom North
    America": Ascom is what he is president of)."""
    if not found:
        return found
    kept = []
    ordered = sorted(found, key=lambda c: c.start)
    starts = [c.start for c in ordered]
    longest = max(c.end - c.start for c in found)
    for c in found:
        if "person" not in c.fields:
            kept.append(c)
            continue
        if not shapes.holds_office(str(c.fields["title"])):
            continue
        person = str(c.fields["person"]).rstrip("'’")
        at = text.find(person, c.start, c.end)
        # a claim holding the name starts at most ``longest`` before it
        near = ordered[bisect_left(starts, at - longest):bisect_left(starts, at)]
        inside = any(o is not c and "person" in o.fields and o.start < at and at + len(person) <= o.end
                     and text.find(str(o.fields["person"]), o.start, o.end) == o.start
                     and shapes.holds_office(text[o.start + len(str(o.fields["person"])):at])
                     and not re.match(r"['’]s\b", text[at + len(person):]) for o in near)
        if not inside:
            kept.append(c)
    return kept


def _headed(phrase: str) -> bool:
    """Whether a phrase without an article is a title: a title head among its first words, before
    any preposition, and no verb or clause word in it."""
    heads, _, _ = title_words()
    words = _WORDS.findall(phrase.casefold())
    lead = words[:next((k for k, w in enumerate(words) if w in ("at", "of", "for", "in", "with")), len(words))]
    # the head first (most phrases after a comma have none), then the clause words
    return 0 < len(lead) <= 5 and lead[-1] in heads and _clause_words().isdisjoint(words)


@cache
def _clause_words() -> frozenset[str]:
    lex = lexicon("en")
    return (lex.words("clause_openers") | lex.words("speech_verbs")) - {"of", "for", "in", "on", "at", "to", "and", "with", "from", "by"}


class _Found(list[Claim]):
    """The claims found so far, and the characters they cover (``Taken``): whether a span is
    free costs its length, not the number of claims."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.taken = Taken(size)

    def append(self, claim: Claim) -> None:
        super().append(claim)
        self.taken.add(claim.start, claim.end)

    def overlaps(self, start: int, end: int) -> bool:
        return self.taken.overlaps(start, end)


EXTRACTOR = Extractor(name=NAME, version=VERSION, languages=frozenset({"en"}), writes=("role",),
                      run=extract_roles, reads=("mentions",),
                      summary="titles given to people (from the mentions, and appositions) and to places")
