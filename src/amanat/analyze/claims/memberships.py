"""Memberships: which countries or bodies a group has as members, as the text states it. Pure.

Sentence shapes cover how news states membership, each a regular expression over the
lexicon's words (en/groups.json) and capitalised names:

- the group as subject: "The CSTO includes A, B and C", "CICA brings together 28 member
  states, including A, B and C", "The Organization of Turkic States comprises …";
- its members listed: "The EAEU's members are A, B …", "The SCO (SCO), whose members include
  …", "EU members France, Germany and Italy";
- apposition: "Pakistan, a member of the ECO", "Kazakhstan and Uzbekistan, both members of
  the SCO", "Russia, Belarus … , all CSTO members";
- a member as subject: "Kazakhstan was a founding member of the EAEU", "Iran became the
  ninth member of the SCO", "Pakistan joined the SCO as a full member";
- "As a member of the UN Human Rights Council, Kazakhstan …", "Azerbaijan, one of the six
  founding members of the Organization of Turkic States";
- a whole and its parts in apposition: "Gannett, a chain of 200 newspapers including A and B",
  "Meta, the parent company of A, B and C" (two or more);
- a counted list after a colon or a dash: "two Republican senators: Senator A and Senator B",
  "three Baltic states - A, B and C" (the count must be the list's length; titles are dropped);
- a group named just before: "The group's members are A, B …", "Its founding members A, B …",
  "Member states A and B …" — the group is the nearest group name in the sentence or the one
  before (an acronym, an organisation, a name ending in a group word, else a name of two words).

A denied membership ("is not a member", "observer status") is none. ``group`` is the
group's name as written (without its article), ``members`` the names listed.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache

from amanat.analyze.claims import Context, Extractor
from amanat.analyze.claims.people import people as named_people
from amanat.analyze.claims.role_shapes import is_name
from amanat.analyze.claims.role_shapes import words as role_words
from amanat.analyze.claims.tries import alternation, phrase_trie
from amanat.kb.lexicon import lexicon
from amanat.model import Claim

NAME = "memberships"
VERSION = 4

_CAP = r"[A-Z\u00C0-\u00DE][\w’'-]*"
# a name: capitalised words, joined by of/for/the/and inside ("Organization of Turkic States")
_NAMED = rf"{_CAP}(?:\s+(?:(?:of|for|on|and|the)\s+)*{_CAP})*"
_ITEM = rf"(?:the\s+)?{_CAP}(?:\s+(?:of\s+(?:the\s+)?)?{_CAP}){{0,3}}"
_LIST = rf"{_ITEM}(?:,\s+{_ITEM})*(?:,?\s+and\s+{_ITEM})?"
_GROUP = rf"(?:the\s+|The\s+)?(?P<group>{_NAMED})(?:\s+\((?P<abbr>[A-Z][\w-]+)\))?"


# what a sentence must contain for a shape to be tried (the lexicon's words, see _cue_words), or
# a list of names after a colon or a dash: where a counted list can be (the cheap test before its patterns)
_NEEDS = {"group-verb": {"verb"}, "which-includes": {"verb"}, "joined-group": {"join"}, "counted": {"list"},
          "counted-members": {"list", "member"}, "collective": {"whole", "introducer"}, "owner": {"owner"}}


@cache
def _cue_words() -> dict[str, tuple[str, ...]]:
    """The lexicon's cues per kind of shape (groups.json ``membership_cues``)."""
    return {cue: tuple(words) for cue, words in lexicon("en").mapping("membership_cues").items()}


@cache
def _phrases() -> dict[str, tuple[str, ...]]:
    """What a sentence with a cue must also hold for the costlier shapes: "a chain of …" (only
    beside "including …": "group" alone is common), "the owner of", "which owns"."""
    lex = lexicon("en")
    return {"whole": tuple(f"{w} of" for w in sorted(lex.words("collective_nouns"))),
            "owner": tuple(sorted({f"{w} of" for w in lex.words("owner_nouns")}
                                  | {f"which{a} {v}" for v in lex.words("owner_verbs") for a in ("", " also", " now")}))}


# where a list of names after a colon or a dash can start (literal scans, then _LIST_AFTER)
_SEPARATORS = (": ", " - ", " – ", " — ")
_LIST_AFTER = re.compile(rf"\s+{_ITEM}(?:,|\s+and)\s+(?:the\s+)?{_CAP}")


def _cued_sentences(context: Context) -> dict[int, set[str]]:
    """The sentences (by index) that hold a cue, with their cues: each cue is looked for once
    in the whole text (plain substring scans, far cheaper than a pattern), so sentences without
    one cost nothing."""
    text = context.text
    starts = [s for s, _ in context.sentences]
    cued: dict[int, set[str]] = {}

    def mark(at: int, cue: str) -> int:
        k = bisect_right(starts, at) - 1
        cued.setdefault(k, set()).add(cue)
        end = context.sentences[k][1] if k >= 0 else 0
        return end if end > at else at + 1  # the next sentence: one mark per sentence is enough

    for cue, words in _cue_words().items():
        for w in words:
            at = text.find(w)
            while at >= 0:
                at = text.find(w, mark(at, cue))
    for sep in _SEPARATORS:
        at = text.find(sep)
        while at >= 0:
            nxt = at + 1
            if _LIST_AFTER.match(text, at + len(sep) - 1):
                nxt = mark(at, "list")
            at = text.find(sep, nxt)
    for k, cues in cued.items():
        if k < 0 or not cues & {"introducer", "owner"}:
            continue
        sentence = text[context.sentences[k][0]:context.sentences[k][1]]
        cues.discard("owner")
        for cue in ("whole", "owner"):
            if (cue == "owner" or "introducer" in cues) and any(p in sentence for p in _phrases()[cue]):
                cues.add(cue)
    return cued


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    lex = lexicon("en")
    verbs, nouns = alternation(lex.words("group_verbs")), alternation(lex.words("member_nouns"))
    kinds, joins = alternation(lex.words("member_kinds")), alternation(lex.words("join_verbs"))
    joining = rf"(?:(?:{alternation(lex.words('membership_adverbs'))})\s+)?(?:{alternation(lex.words('join_group_verbs'))})"
    member = rf"(?:(?:{kinds})\s+)*(?:{nouns})"
    listed = alternation(lex.words("list_nouns"))
    wholes, owners = alternation(lex.words("collective_nouns")), alternation(lex.words("owner_nouns"))
    owning = alternation(lex.words("owner_verbs"))
    count = rf"(?P<count>\d{{1,2}}|(?i:{_number_words()}))\b"
    # a counted list may name people with their titles ("Senator Susan Collins and congresswoman …")
    titled = rf"(?:[a-z][\w-]*\s+)?{_ITEM}"
    titled_list = rf"{titled}(?:,\s+{titled})*(?:,?\s+and\s+{titled})?"
    shapes = {
        "group-verb": rf"{_GROUP}\s+(?:(?:currently|now|also)\s+)?(?:{verbs})\s+(?:\d[\d,]*\s+|\w+\s+)?"
                      rf"(?:(?:{nouns}),?\s+(?:including|such\s+as|among\s+them)\s+)?(?P<members>{_LIST})",
        "which-includes": rf"{_GROUP},\s+which\s+(?:(?:currently|now|also)\s+)?(?:{verbs})\s+(?P<members>{_LIST})",
        "members-are": rf"{_GROUP}['’]s\s+(?:\w+\s+)?(?:{member})\s+(?:are|were|include|included|are\s+now)\s+(?P<members>{_LIST})",
        # "Apple's founding members Steve Jobs and Steve Wozniak"
        "possessive-members": rf"{_GROUP}['’]s\s+(?:{member})\s+(?P<members>{_LIST})",
        "whose-members": rf"{_GROUP},\s+whose\s+(?:{member})\s+(?:include|included|are|were)\s+(?P<members>{_LIST})",
        "group-members": rf"(?<![\w,] )\b(?P<group>[A-Z][A-Z\d-]{{1,9}})\s+(?:{member})\s+(?P<members>{_LIST})",
        "apposition": rf"(?P<members>{_LIST}),\s+(?:(?:a|an|both|all|each|now|then|also)\s+)*(?:{member})\s+of\s+{_GROUP}",
        "all-members": rf"(?P<members>{_LIST}),\s+(?:both|all|each|fellow)\s+(?P<group>{_NAMED})\s+(?:{member})\b",
        "member-subject": rf"(?P<members>{_ITEM})\s+(?:(?:{joins})\s+)(?:a|an|the|one\s+of\s+the)\s+(?:\w+\s+)?"
                          rf"(?:{member})\s+of\s+{_GROUP}",
        # "X is one of 10 members of Y", "X, one of the six founding members of Y"
        "one-of": rf"(?P<members>{_ITEM})(?:,|\s+(?:{joins}))\s+one\s+of\s+(?:the\s+)?(?:(?:\d{{1,3}}|{_number_words()})\s+)?"
                  rf"(?:{member})\s+of\s+{_GROUP}",
        "joined": rf"(?P<members>{_ITEM})\s+{joining}\s+{_GROUP}\s+as\s+(?:a|an)\s+(?:{member})",
        "as-member": rf"\b[Aa]s\s+(?:a|an)\s+(?:{member})\s+of\s+{_GROUP},\s+(?P<members>{_ITEM})",
        # "Iran joined the SCO in 2023" (a group by its name: checked below)
        "joined-group": rf"(?P<members>{_LIST})\s+{joining}\s+{_GROUP}",
        # "members of the EAEU, including A and B"
        "members-including": rf"(?i:{member})\s+of\s+{_GROUP},?\s+(?:including|such\s+as|among\s+them|like)\s+(?P<members>{_LIST})",
        # "European Union members France and Germany" (the acronym form is "group-members")
        "named-members": rf"(?<![\w,] )\b(?:the\s+)?(?P<group>{_NAMED})\s+(?:{member})\s+(?:such\s+as\s+|including\s+)?(?P<members>{_LIST})",
        # "A, B and C are members of Y" (several members as the subject)
        "are-members": rf"(?P<members>{_LIST})\s+(?:are|were|have\s+been|remain|became)\s+(?:(?:all|both|also|now|each)\s+)?"
                       rf"(?:(?:{kinds})\s+)*(?:{nouns})\s+of\s+{_GROUP}",
        # "Gannett, a chain of 200 newspapers including A and B": a whole, then its parts
        "collective": rf"{_GROUP},\s+(?:a|an|the)\s+(?:[\w-]+\s+){{0,2}}?(?:{wholes})\s+of\s+[^;:()\n]{{1,50}}?,?\s+"
                      rf"(?:{alternation(lex.words('list_introducers'))})\s+(?P<members>{_LIST})",
        # "Meta, the parent company of A, B and C", "X, which owns A and B" (two or more: checked below)
        "owner": rf"{_GROUP},\s+(?:(?:the|a|an)\s+(?:{owners})\s+of|which\s+(?:also\s+|now\s+)?(?:{owning}))\s+(?P<members>{_LIST})",
        # "the nine CLPS companies selected …: A, B, …", "two Arab states - A and B" — counted, then
        # listed after a colon or a dash
        "counted": rf"\b{count}\s+(?:(?:{kinds})\s+)*(?:[a-z][\w-]*\s+)?"
                   rf"(?P<group>(?:{_CAP}\s+){{1,3}}(?:{listed}))\b[^:;.]{{0,80}}?(?::|\s[-–—])\s+(?P<members>{titled_list})",
        "counted-members": rf"\b{count}\s+(?:{member})\s+of\s+{_GROUP}"
                           rf"[^:;.]{{0,60}}?(?::|\s[-–—])\s+(?P<members>{titled_list})",
        # "The group's members are A, B", "Its founding members A, B", "Member states A and B": the
        # group is named before (_antecedent)
        "anaphor": rf"\b(?P<noun2>(?i:{nouns}))\s+(?:(?:are|were|include|included|such\s+as|including)\s+)?(?P<members>{_LIST})",
    }
    return [(name, re.compile(pattern)) for name, pattern in shapes.items()]


@cache
def _number_words() -> str:
    """"two" … "ninety-nine", factored by prefix (tries.py): a count is tried at every word."""
    words = frozenset(w for w, v in lexicon("en").mapping("number_words").items() if isinstance(v, int) and 1 < v < 100)
    return phrase_trie(words, fold=True) or alternation(words)


@cache
def _negation() -> re.Pattern[str]:
    return re.compile(r"\b(?:" + alternation(lexicon("en").words("membership_negations")) + r")\b", re.I)


def _count(written: str) -> int | None:
    if written.isdigit():
        return int(written)
    value = lexicon("en").mapping("number_words").get(written.casefold())
    return value if isinstance(value, int) else None


def _members(listed: str) -> list[str]:
    items = re.split(r",\s+and\s+|,\s+|\s+and\s+", listed)
    return [re.sub(r"^the\s+", "", i.strip(), flags=re.I) for i in items if i.strip()]


def _is_group(context: Context, group: str, at: int) -> bool:
    """Whether a subject of "includes" names a group: an acronym, an organisation the mention
    analysis found, or a name ending in a group word ("… Council")."""
    if re.fullmatch(r"[A-Z][A-Z\d-]{1,9}", group):
        return True
    if any(m.kind == "organization" and m.start <= at < m.end for m in context.mentions):
        return True
    return group.split()[-1].casefold() in _group_heads()


def _named_group(group: str) -> bool:
    """Whether a name is a group's by its own words: an acronym, or a last word that names a
    group or a party ("… Union", "… Party")."""
    return bool(re.fullmatch(r"[A-Z][A-Z\d-]{1,9}", group)) or group.split()[-1].casefold() in _party_heads()


@cache
def _party_heads() -> frozenset[str]:
    return lexicon("en").words("party_heads") | _group_heads()


@cache
def _group_heads() -> frozenset[str]:
    return lexicon("en").words("group_heads")


def extract_memberships(context: Context) -> list[Claim]:
    """The memberships of one text, one claim per statement."""
    text = context.text
    found: list[Claim] = []
    for k, present in sorted(_cued_sentences(context).items()):
        if k < 0:
            continue
        s_start, s_end = context.sentences[k]
        sentence = text[s_start:s_end]
        # each shape needs a word or sign of its own in the sentence: most sentences have none
        shapes = [(n, p) for n, p in _patterns() if _NEEDS.get(n, {"member"}) <= present]
        for _name, pattern in shapes:
            for m in pattern.finditer(sentence):
                start, end = s_start + m.start(), s_start + m.end()
                lead = _anaphor_lead().search(sentence, max(0, m.start() - 60), m.start()) if _name == "anaphor" else None
                if lead is not None:
                    start = s_start + lead.start()
                if any(c.start < end and start < c.end for c in found):
                    continue
                if _negation().search(text, start, end):
                    continue
                if lead is not None:
                    before = context.sentences[k - 1][0] if k else s_start
                    group = _anaphor_group(context, lead, m.group("noun2"), before, start) or ""
                else:
                    group = _clean_group(m.group("group"))
                if _name in ("group-verb", "which-includes") and not _is_group(context, group, s_start + m.start("group")):
                    continue
                if _name in ("joined-group", "named-members") and not _named_group(group):
                    continue  # "joined Google" is a job; "joined NATO", "the Labour Party" a membership
                members = [x for x in _members(m.group("members")) if x.casefold() != group.casefold()]
                if _name.startswith("counted"):
                    members = [x for x in map(_untitled, members) if x]
                if not members or len(group) < 2 or any(_not_a_member(x) for x in members):
                    continue
                if _name.startswith("counted") and _count(m.group("count")) != len(members):
                    continue  # a counted list names exactly as many as it counts
                if _name in ("owner", "collective") and ((len(members) < 2 and _name == "owner") or _is_person(context, group, start)):
                    continue  # "X, the owner of Y" alone may be a person's; a list is a group's holdings
                found.append(Claim("membership", start, end, text[start:end], {"group": group, "members": members},
                                   extractor=f"{NAME}@{VERSION}"))
    found.extend(c for c in _people_of(context) if not any(f.start < c.end and c.start < f.end for f in found))
    return sorted(found, key=lambda c: c.start)


def _clean_group(group: str) -> str:
    """A group's name without the words a capitalised run may carry around it: a sentence's
    first word, a date ("In December Tribune"), a place of origin ("Sacramento-based McClatchy")."""
    words = group.split()
    never, suffixes = _never_names(), tuple(lexicon("en").words("group_lead_suffixes"))
    while len(words) > 1 and (words[0].casefold() in never or words[0].casefold().endswith(suffixes)):
        words.pop(0)
    # and after it: "the North Atlantic Treaty Organization on Thursday"
    while len(words) > 1 and (words[-1].casefold() in never or words[-1] in _JOINERS):
        words.pop()
    return " ".join(words)


_JOINERS = ("of", "for", "on", "and", "the")


def _is_person(context: Context, name: str, start: int) -> bool:
    """Whether a group's name at ``start`` is a person's of two words or more ("Rupert
    Murdoch, the owner of …" owns, but is no group)."""
    at = context.text.find(name, start)
    return len(name.split()) >= 2 and any(p.start <= at < p.end for p in named_people(context) if not p.weak)


def _not_a_member(name: str) -> bool:
    """Whether a listed capitalised word is no member's name: a month, a weekday, a pronoun."""
    return name.casefold() in _never_names()


def _untitled(item: str) -> str | None:
    """A counted list's person without the title before the name ("Senator Susan Collins" →
    "Susan Collins"), or None when a lower-case word that is no title leads the item."""
    words = item.split()
    lead = role_words().lead_not_names
    while len(words) > 1 and (len(words) > 2 or words[0][:1].islower()) and words[0].casefold().rstrip(".") in lead:
        words.pop(0)
    return None if words[0][:1].islower() else " ".join(words)


@cache
def _anaphor_lead() -> re.Pattern[str]:
    """What stands before an anaphor's member noun: a word that points back, kinds of member."""
    kinds = alternation(lexicon("en").words("member_kinds"))
    return re.compile(rf"(?:\b(?P<pointer>[Ii]ts|[Tt]heir|[Tt]he\s+(?P<noun>[a-z]+)['’]s)\s+)?(?P<kinds>(?:\b(?i:{kinds})\s+)*)$")


def _anaphor_group(context: Context, lead: re.Match[str], noun: str, before: int, at: int) -> str | None:
    """The group of "The group's members are A, B", "Its founding members A, B", "Member states
    A and B": only with a word that points back (its, their, the group's), a kind of member
    (founding) or a member noun of two words (member states) — "members Tom and Ann" alone may be
    of anything — and only after no name of its own ("Labour members …" is another shape's)."""
    if lead.group("noun") is not None and lead.group("noun").casefold() not in lexicon("en").words("anaphor_nouns"):
        return None
    if not (lead.group("pointer") or lead.group("kinds") or " " in noun):
        return None
    word = re.search(r"(\S+)\s*$", context.text[max(before, at - 40):at])
    if word and word.group(1)[:1].isupper() and not word.group(1).endswith((".", "!", "?", ":", "\"", "”")):
        return None
    return _antecedent(context, before, at)


_RUN = re.compile(_NAMED)


def _antecedent(context: Context, begin: int, at: int) -> str | None:
    """The nearest group named in ``text[begin:at]``: an acronym, an organisation mention or a
    name ending in a group word; else the nearest name of two words or more that is no person's
    or place's ("The Doobie Brothers … the band's founding members")."""
    named = [(m.start, m.end, m.kind) for m in context.mentions if m.start < at and begin < m.end]
    group = other = None
    for r in _RUN.finditer(context.text, begin, at):
        name = _clean_group(r.group())
        if not name or name.casefold() in _never_names():
            continue
        kinds = {kind for s, e, kind in named if s < r.end() and r.start() < e}
        if _is_group(context, name, r.start()) or "organization" in kinds:
            group = name
        elif not kinds & {"person", "place"} and len(name.split()) >= 2:
            other = name
    return group or other


@cache
def _never_names() -> frozenset[str]:
    return lexicon("en").words("never_names")


@cache
def _of_group() -> re.Pattern[str]:
    lex = lexicon("en")
    heads = alternation(lex.words("party_heads") | lex.words("group_heads"))
    return re.compile(rf"\s+of\s+(?:the\s+)?(?P<group>{_NAMED}(?:\s+(?:{heads}))?)\b")


def _people_of(context: Context) -> list[Claim]:
    """"Tsai Ing-wen of the Democratic Progressive party": a person, then "of" a party or a body
    whose name ends in a group word — the person is one of its members."""
    heads = _party_heads()
    text = context.text
    people = [(p.start, p.end, p.name) for p in named_people(context) if not p.weak]
    # the mention analysis may read "Ruth Adler of the Green Party" as one organisation's name:
    # a person's name before "of the" is no part of it
    for m in context.mentions:
        if m.kind == "organization" and " of " in m.text:
            name = m.text[:m.text.index(" of ")]
            if len(name.split()) >= 2 and is_name(name) and not any(w[:1].islower() for w in name.split()):
                people.append((m.start, m.start + len(name), name))
    found = []
    for start, end, name in people:
        of = _of_group().match(text, end)
        if of is None or of.group("group").split()[-1].casefold() not in heads:
            continue
        found.append(Claim("membership", start, of.end(), text[start:of.end()],
                           {"group": of.group("group"), "members": [name]}, extractor=f"{NAME}@{VERSION}"))
    return found


EXTRACTOR = Extractor(name=NAME, version=VERSION, languages=frozenset({"en"}), writes=("membership",),
                      run=extract_memberships, summary="groups and their members, as listed or in apposition")
