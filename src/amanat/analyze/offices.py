"""Offices named without a person, resolved to their holder on the document's date.

"The President of Kazakhstan said", "Pakistan's foreign minister", "the Russian Foreign
Minister": a run of title words with a country or organisation before it (possessive,
demonym, known name) or after it ("of …", "to …") is matched to a position of the base and
resolved to whoever held it on the publication date (kind ``position``). The press names
offices this way as often as people, and a wrong holder here is exactly the error the
checks look for, so the rules refuse to guess:

* a title that is a person's role ("Kazakh President Kassym-Jomart Tokayev") is not an
  office mention of its own, but it tells later bare titles whose office they are;
* a bare title ("The President said", "the minister added") takes its office from the
  mentions of that kind of office *before* it in the document when they all name one
  (``_antecedent``); when they disagree, or none names an owner, it stays undetermined.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from amanat.analyze.boundaries import Covered
from amanat.analyze.tokens import NameHit, Token
from amanat.analyze.vocabulary import (
    HEAD_SYNONYMS,
    MARKERS,
    NEVER_NAMES,
    OFFICE_HEADS,
    ORG_WORDS,
    RANK_WORDS,
    TITLE_JOINERS,
    TITLE_WORDS,
)
from amanat.kb.index import KBIndex, Tenure, role_words
from amanat.kb.linking import resolve_holder
from amanat.kb.offices import office_name, resolve_named
from amanat.model import Candidate, Mention


def _title_word(low: str) -> bool:
    return low in TITLE_WORDS or ("-" in low and all(p in TITLE_WORDS for p in low.split("-")))


def _joined(text: str, a: int, b: int) -> bool:
    """Nothing but spaces or one hyphen between offsets ``a`` and ``b`` (same line)."""
    gap = text[a:b]
    return "\n" not in gap and gap.strip(" -") == "" and len(gap) <= 3


def _tok_end(t: Token) -> int:
    return t.end + (1 if t.dot else 0) + (2 if t.possessive else 0)


def _head(run: list[Token]) -> str | None:
    """The office noun of a run of title words: its last title word before "of"/"for"."""
    words: list[str] = []
    for t in run:
        if t.low in ("of", "for"):
            break
        if _title_word(t.low):
            words.append(t.low)
    if not words:
        return None
    last = words[-1]
    if last == "general" and len(words) > 1 and words[-2] == "secretary":
        last = "secretary general"
    return HEAD_SYNONYMS.get(last, last)


@dataclass(slots=True)
class _Office:
    start: int
    end: int
    title: str
    title_start: int
    title_end: int
    owners: set[str]
    targets: set[str]
    marker: str | None
    head: str | None = None
    definite: bool = False  # "the" right before it (markers aside): "the President said"
    possessed: bool = False  # someone's office: "Ban Ki-moon's spokesman"
    before_name: bool = False  # directly followed by a name: that person's role
    unknown_owner: bool = False  # "of"/"for" something the base does not know


def office_phrases(
    text: str, toks: list[Token], hits: list[NameHit], index: KBIndex
) -> list[_Office]:
    """Runs of title words, with a country/organisation before ("Pakistan's", "Russian",
    "UN") or after them ("of Kazakhstan", "to Pakistan") when the text names one, and a
    marker (former, acting …). Runs naming no owner, and runs that are a person's role (a
    name follows), are returned too, flagged: ``offices`` reads them as antecedents."""
    linkable = ("place", "organization")
    lows = [t.low for t in toks]
    titled = [_title_word(low) for low in lows]
    if not any(titled):
        return []
    ending = {h.end: h for h in hits}
    starting = {h.start: h for h in hits}
    at = {t.start: i for i, t in enumerate(toks)}
    in_name = [False] * len(toks)  # inside a known name: "Foreign Ministry" of an org's name
    for h in hits:
        k = bisect.bisect_left(toks, h.start, key=lambda t: t.start)
        while k < len(toks) and toks[k].start < h.end:
            in_name[k] = True
            k += 1
    out: list[_Office] = []
    i = 0
    while i < len(toks):
        if not titled[i] or in_name[i]:
            i += 1
            continue
        last = i  # last title word of the run
        j = i + 1
        while j < len(toks) and not toks[j - 1].possessive and not toks[j - 1].dot:
            t = toks[j]
            if not _joined(text, _tok_end(toks[j - 1]), t.start):
                break
            if titled[j]:
                last = j
            elif not (lows[j] in TITLE_JOINERS or lows[j] in ORG_WORDS):
                break
            j += 1
        run = toks[i : last + 1]
        nxt_org = toks[last + 1] if last + 1 < len(toks) else None
        if (
            nxt_org is not None
            and nxt_org.low in ORG_WORDS
            and not toks[last].possessive
            and _joined(text, _tok_end(toks[last]), nxt_org.start)
        ):
            i = last + 1  # "Russia's foreign ministry", "the State Department": an organisation
            continue
        title = text[run[0].start : run[-1].end]
        start, end = run[0].start, run[-1].end
        owners: set[str] = set()
        targets: set[str] = set()
        marker = None
        lead: Token | None = None  # the word before the phrase, when joined to it
        # before: markers, then one place/organisation or demonym, then markers again
        k = i - 1
        modifier = False
        while k >= 0 and _joined(text, _tok_end(toks[k]), start):
            t = toks[k]
            hit = ending.get(t.end)
            if t.low in MARKERS and marker is None:
                marker = MARKERS[t.low]
            elif not modifier and hit is not None and set(hit.kinds) & set(linkable):
                owners |= {e for e, kd in zip(hit.ids, hit.kinds, strict=True) if kd in linkable}
                modifier = True
                start = hit.start
                k = at.get(hit.start, k)
            elif not modifier and t.low in index.demonyms and not t.possessive:
                owners.add(index.demonyms[t.low])
                modifier = True
            else:
                lead = t
                break
            start = min(start, t.start)
            k -= 1
        # after: "of [the] X", then "to [the] Y"
        r = last + 1
        unknown_owner = False
        if not run[-1].possessive:
            for word, into in (("of", owners), ("for", owners), ("to", targets)):
                if r >= len(toks) or toks[r].low != word:
                    continue
                if not _joined(text, _tok_end(toks[r - 1]), toks[r].start):
                    break
                q = r + 1
                if q < len(toks) and toks[q].low == "the":
                    q += 1
                hit = starting.get(toks[q].start) if q < len(toks) else None
                if hit is None or not set(hit.kinds) & set(linkable):
                    # "the president of the company": someone's office the base cannot name
                    unknown_owner = word != "to"
                    break
                into |= {e for e, kd in zip(hit.ids, hit.kinds, strict=True) if kd in linkable}
                end = hit.end
                r = q
                while r < len(toks) and toks[r].start < hit.end:
                    r += 1
        i = max(last + 1, r)
        # a title directly before a name is that person's role, not an office on its own
        after = bisect.bisect_left(toks, end, key=lambda t: t.start)
        nxt = toks[after] if after < len(toks) else None
        before_name = (
            nxt is not None
            and nxt.cap
            and nxt.low not in NEVER_NAMES
            and text[end : nxt.start].strip(" ") == ""
            and "\n" not in text[end : nxt.start]
            and not text[end:].startswith(("'s", "’s"))
        )
        out.append(
            _Office(
                start,
                end,
                title,
                run[0].start,
                run[-1].end,
                owners,
                targets,
                marker,
                head=_head(run),
                definite=lead is not None and lead.low == "the" and not modifier,
                possessed=lead is not None and lead.possessive and not modifier,
                before_name=before_name,
                unknown_owner=unknown_owner,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class _Reading:
    """Which office a phrase names: the positions that fit (empty when the base holds none),
    and whose office it is."""

    ids: frozenset[str]
    owners: frozenset[str]
    targets: frozenset[str]


@dataclass(slots=True)
class _Seen:
    """An office phrase read so far, as a possible antecedent of a later bare title."""

    start: int
    head: str | None
    words: frozenset[str]
    targets: frozenset[str]
    reading: _Reading | None  # None: the text does not say whose office it is


def _compatible(words: frozenset[str], head: str | None, targets: frozenset[str], s: _Seen) -> bool:
    """``s`` names the same kind of office as a bare title: same head noun, every word of the
    title in it, no rank word more ("the President" is not the Vice President)."""
    return (
        head is not None
        and s.head == head
        and words <= s.words
        and not (s.words - words) & RANK_WORDS
        and targets <= s.targets
    )


@dataclass(slots=True)
class _Referent:
    """What a bare title refers back to (``_antecedent``)."""

    status: Literal["one", "several", "none", "elsewhere"]
    reading: _Reading | None = None  # "one": the office
    readings: tuple[_Reading, ...] = ()  # "several": the offices of the base among them
    unnamed: bool = False  # "several": one of them names no country or organisation
    words: frozenset[str] = frozenset()  # "one": the title's words with the antecedent's


def _antecedent(
    seen: list[_Seen], words: frozenset[str], head: str | None, targets: frozenset[str]
) -> _Referent:
    """The office a bare title refers back to: every mention of an office of this kind before
    it in the document must name the same one ("one"). "several" when they disagree or one
    of them names no country or organisation the base knows ("US President Donald Trump",
    "President John Doe"); "none" when nothing before fits; "elsewhere" when they agree on
    an office the base does not hold.

    The whole text before it counts, not the nearest paragraph: an article about the US
    president that names the Ukrainian one in passing must not make "the president" Ukraine's
    because the base does not know the US."""
    fit = [s for s in seen if _compatible(words, head, targets, s)]
    if not fit:
        return _Referent("none", words=words)
    group = fit
    known = [s.reading for s in group if s.reading is not None]
    held = {r.ids for r in known if r.ids}
    offices = tuple({r.ids: r for r in known if r.ids}.values())
    unnamed = len(known) < len(group)
    if unnamed or len(held) > 1:
        return _Referent("several", readings=offices, unnamed=unnamed, words=words)
    if not held:
        return _Referent("elsewhere", words=words)
    chosen = offices[0]
    # a mention naming only the country ("Kazakh Envoy") agrees with a fuller one
    if any(not (r.owners <= chosen.owners and r.targets <= chosen.targets) for r in known):
        return _Referent("several", readings=offices, words=words)
    merged = words.union(*(s.words for s in group if s.reading and s.reading.ids == chosen.ids))
    return _Referent("one", chosen, (chosen,), words=merged)


_NO_OWNER = "no country or organisation is named, here or before for such an office"


def offices(
    text: str,
    toks: list[Token],
    hits: list[NameHit],
    taken: list[Mention],
    published: date | None,
    index: KBIndex,
) -> list[Mention]:
    """Mentions of kind ``position`` for offices named without a person, each resolved to
    its holder on ``published`` (``amanat.kb.linking.resolve_holder``).

    A title with no country or organisation ("The President said", "the minister added")
    takes its office from the earlier mentions of the same kind of office in the document —
    persons' titles ("Kazakh President Kassym-Jomart Tokayev") and office phrases — when they
    all name one office (``_antecedent``); otherwise it stays undetermined, never guessed.
    """
    if not index.positions:
        return []
    people: list[tuple[int, int, str | None]] = []  # persons and their roles
    orgs: list[tuple[int, int]] = []  # organisations: only the title words ("Institute under
    for m in taken:  # the President of …"), not the "UN" of "UN Secretary-General"
        if m.kind == "person":
            people.append((m.start, m.end, m.entity_id))
            if m.role_start is not None and m.role_end is not None:
                people.append((m.role_start, m.role_end, m.entity_id))
        elif m.kind == "organization":
            orgs.append((m.start, m.end))
    seen: list[_Seen] = []
    by_person: dict[str, list[_Seen]] = {}  # a linked person's roles that name an owner
    out = []
    in_orgs = Covered(orgs)
    # people by start, to find those overlapping a phrase by bisection (not one by one)
    order = sorted(range(len(people)), key=lambda i: people[i][0])
    starts = [people[i][0] for i in order]
    longest = max((e - s for s, e, _ in people), default=0)
    for o in office_phrases(text, toks, hits, index):
        if o.title_end > o.title_start and in_orgs.overlaps(o.title_start, o.title_end):
            continue
        words = frozenset(role_words(o.title)) - set(MARKERS)
        if not words:
            continue
        targets = frozenset(o.targets)
        near = sorted(order[bisect.bisect_left(starts, o.start - longest):bisect.bisect_left(starts, o.end)])
        persons = [people[i][2] for i in near if o.start < people[i][1] and people[i][0] < o.end]
        role = bool(persons) or o.before_name
        if o.owners:
            # "Pakistan's Minister of Agriculture": an office more precise than its words here
            named = (
                None if o.unknown_owner else resolve_named(index, words, o.owners, o.targets)
            )
            found = (named.position,) if named and named.position else ()
            reading = _Reading(
                frozenset(found or (named.candidates if named else ())),
                frozenset(o.owners),
                targets,
            )
            entry = _Seen(o.start, o.head, words, targets, reading)
            seen.append(entry)
            for p in persons:
                if p:
                    by_person.setdefault(p, []).append(entry)
            if role:
                continue
            ref = _Referent("one" if reading.ids else "elsewhere", reading)
        elif role:
            # a person's title with no owner ("President Tokayev"): whose office it is comes
            # only from the same person's titled mention earlier ("Kazakh President Tokayev")
            same = [
                s
                for p in persons
                if p
                for s in by_person.get(p, ())
                if _compatible(words, o.head, targets, s)
            ]
            readings = {s.reading.ids: s.reading for s in same if s.reading}
            only = next(iter(readings.values())) if len(readings) == 1 else None
            seen.append(_Seen(o.start, o.head, words, targets, only))
            continue
        elif o.definite and not o.possessed and not o.unknown_owner:
            ref = _antecedent(seen, words, o.head, targets)
            if ref.reading is not None:  # a bare title left open says nothing to later ones
                seen.append(_Seen(o.start, o.head, ref.words, targets, ref.reading))
        else:
            continue  # "a minister", "his spokesman": not a reference this can follow
        mention = _office_mention(text, o, ref, words, published, index)
        if mention is not None:
            out.append(mention)
    return out


def _office_mention(
    text: str,
    o: _Office,
    ref: _Referent,
    words: frozenset[str],
    published: date | None,
    index: KBIndex,
) -> Mention | None:
    """The ``position`` mention of an office phrase, once ``ref`` says which office it is."""

    def holders(ids: Iterable[str]) -> list[Tenure]:
        return [t for pid in sorted(ids) for t in index.tenures.get(pid, ())]

    kw: dict[str, Any] = dict(marker=o.marker, method="position")
    if ref.status == "elsewhere":
        return None  # an office the base does not hold: nothing to report
    if ref.status == "one" and ref.reading is not None:
        ids = sorted(ref.reading.ids)
        res = resolve_holder(holders(ids), published, o.marker)
        single = len(ids) == 1
        return Mention(
            o.start,
            o.end,
            text[o.start : o.end],
            "position",
            entity_id=ids[0] if single else None,
            candidates=tuple(Candidate(p, index.name_of(p), s) for p, s in res.possible),
            score=1.0 if res.status == "held" and single else 0.0,
            holder=res.holder if single else None,
            resolution=res.status if single else "undetermined",
            why=res.why if single else "several offices fit the words",
            **kw,
        )
    # no owner anywhere, or several: undetermined, reported when it is an office of the base,
    # with the persons who held each office named before
    possible: dict[str, float] = {}
    if not ref.readings:
        # only a title written as one ("The President", not "the speaker" of a conference)
        capital = text[o.title_start : o.title_start + 1].isupper()
        if not capital or o.head not in OFFICE_HEADS:
            return None
        if not index.match_positions(set(words), set(), o.targets):
            return None
        why = _NO_OWNER
    else:
        names = sorted({office_name(index, i) for r in ref.readings for i in r.ids})
        why = "several offices of this kind are named before: " + "; ".join(names)
        if ref.unnamed:
            why += "; and one whose country or organisation is not named"
        for r in () if ref.unnamed else ref.readings:  # an unnamed one: anyone may be meant
            for p, s in resolve_holder(holders(r.ids), published, o.marker).possible:
                possible[p] = max(possible.get(p, 0.0), s)
    return Mention(
        o.start,
        o.end,
        text[o.start : o.end],
        "position",
        candidates=tuple(Candidate(p, index.name_of(p), s) for p, s in possible.items()),
        resolution="undetermined",
        why=why,
        **kw,
    )
