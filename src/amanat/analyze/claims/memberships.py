"""Memberships: which countries or bodies a group has as members, as the text states it. Pure.

Five sentence shapes cover how news states membership, each a regular expression over the
lexicon's words (en/groups.json) and capitalised names:

- the group as subject: "The CSTO includes A, B and C", "CICA brings together 28 member
  states, including A, B and C", "The Organization of Turkic States comprises …";
- its members listed: "The EAEU's members are A, B …", "The SCO (SCO), whose members include
  …", "EU members France, Germany and Italy";
- apposition: "Pakistan, a member of the ECO", "Kazakhstan and Uzbekistan, both members of
  the SCO", "Russia, Belarus … , all CSTO members";
- a member as subject: "Kazakhstan was a founding member of the EAEU", "Iran became the
  ninth member of the SCO", "Pakistan joined the SCO as a full member";
- "As a member of the UN Human Rights Council, Kazakhstan …".

A denied membership ("is not a member", "observer status") is none. ``group`` is the
group's name as written (without its article), ``members`` the names listed.
"""

from __future__ import annotations

import re
from functools import cache

from amanat.analyze.claims import Context, Extractor
from amanat.analyze.claims.people import people as named_people
from amanat.analyze.claims.role_shapes import is_name
from amanat.analyze.claims.tries import alternation
from amanat.kb.lexicon import lexicon
from amanat.model import Claim

NAME = "memberships"
VERSION = 2

_CAP = r"[A-Z\u00C0-\u00DE][\w’'-]*"
# a name: capitalised words, joined by of/for/the/and inside ("Organization of Turkic States")
_NAMED = rf"{_CAP}(?:\s+(?:(?:of|for|on|and|the)\s+)*{_CAP})*"
_ITEM = rf"(?:the\s+)?{_CAP}(?:\s+(?:of\s+(?:the\s+)?)?{_CAP}){{0,3}}"
_LIST = rf"{_ITEM}(?:,\s+{_ITEM})*(?:,?\s+and\s+{_ITEM})?"
_GROUP = rf"(?:the\s+|The\s+)?(?P<group>{_NAMED})(?:\s+\((?P<abbr>[A-Z][\w-]+)\))?"


# what a sentence must contain for a shape to be tried: the member nouns ("member", "states
# parties"), the group verbs, "join", a list after a colon
_CUE_WORDS = {"member": ("member", "states parties"), "verb": ("includ", "compris", "consist", "together", "unite", "group"),
              "join": ("join",)}
_CUES = tuple(w for words in _CUE_WORDS.values() for w in words)
_NEEDS = {"group-verb": {"verb"}, "which-includes": {"verb"}, "joined-group": {"join"}, "counted": {"list"},
          "counted-members": {"list", "member"}}
# a list of names after a colon: where a counted list can be (the cheap test before its patterns)
_COLON_LIST = re.compile(rf":\s+{_ITEM},\s+{_ITEM}")


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    lex = lexicon("en")
    verbs, nouns = alternation(lex.words("group_verbs")), alternation(lex.words("member_nouns"))
    kinds, joins = alternation(lex.words("member_kinds")), alternation(lex.words("join_verbs"))
    member = rf"(?:(?:{kinds})\s+)*(?:{nouns})"
    listed = alternation(lex.words("list_nouns"))
    shapes = {
        "group-verb": rf"{_GROUP}\s+(?:(?:currently|now|also)\s+)?(?:{verbs})\s+(?:\d[\d,]*\s+|\w+\s+)?"
                      rf"(?:(?:{nouns}),?\s+(?:including|such\s+as|among\s+them)\s+)?(?P<members>{_LIST})",
        "which-includes": rf"{_GROUP},\s+which\s+(?:(?:currently|now|also)\s+)?(?:{verbs})\s+(?P<members>{_LIST})",
        "members-are": rf"{_GROUP}['’]s\s+(?:\w+\s+)?(?:{member})\s+(?:are|were|include|included|are\s+now)\s+(?P<members>{_LIST})",
        "whose-members": rf"{_GROUP},\s+whose\s+(?:{member})\s+(?:include|included|are|were)\s+(?P<members>{_LIST})",
        "group-members": rf"(?<![\w,] )\b(?P<group>[A-Z][A-Z\d-]{{1,9}})\s+(?:{member})\s+(?P<members>{_LIST})",
        "apposition": rf"(?P<members>{_LIST}),\s+(?:(?:a|an|both|all|each|now|then|also)\s+)*(?:{member})\s+of\s+{_GROUP}",
        "all-members": rf"(?P<members>{_LIST}),\s+(?:both|all|each|fellow)\s+(?P<group>{_NAMED})\s+(?:{member})\b",
        "member-subject": rf"(?P<members>{_ITEM})\s+(?:(?:{joins})\s+)(?:a|an|the|one\s+of\s+the)\s+(?:\w+\s+)?"
                          rf"(?:{member})\s+of\s+{_GROUP}",
        "joined": rf"(?P<members>{_ITEM})\s+(?:joined|joins|has\s+joined|had\s+joined)\s+{_GROUP}\s+as\s+(?:a|an)\s+(?:{member})",
        "as-member": rf"\b[Aa]s\s+(?:a|an)\s+(?:{member})\s+of\s+{_GROUP},\s+(?P<members>{_ITEM})",
        # "Iran joined the SCO in 2023" (a group by its name: checked below)
        "joined-group": rf"(?P<members>{_LIST})\s+(?:joined|joins|has\s+joined|had\s+joined|will\s+join|formally\s+joined)\s+{_GROUP}",
        # "members of the EAEU, including A and B"
        "members-including": rf"(?:{member})\s+of\s+{_GROUP},?\s+(?:including|such\s+as|among\s+them|like)\s+(?P<members>{_LIST})",
        # "European Union members France and Germany" (the acronym form is "group-members")
        "named-members": rf"(?<![\w,] )\b(?:the\s+)?(?P<group>{_NAMED})\s+(?:{member})\s+(?:such\s+as\s+|including\s+)?(?P<members>{_LIST})",
        # "A, B and C are members of Y" (several members as the subject)
        "are-members": rf"(?P<members>{_LIST})\s+(?:are|were|have\s+been|remain|became)\s+(?:(?:all|both|also|now|each)\s+)?"
                       rf"(?:(?:{kinds})\s+)*(?:{nouns})\s+of\s+{_GROUP}",
        # "the nine CLPS companies selected …: A, B, …" — counted, then listed after a colon
        "counted": rf"\b(?:(?:{kinds})\s+)*(?P<count>\d{{1,2}}|{_number_words()})\s+(?:(?:{kinds})\s+)*"
                   rf"(?P<group>(?:{_CAP}\s+){{1,3}}(?:{listed}))\b[^:;.]{{0,80}}:\s+(?P<members>{_LIST})",
        "counted-members": rf"\b(?P<count>\d{{1,2}}|{_number_words()})\s+(?:{member})\s+of\s+{_GROUP}"
                           rf"[^:;.]{{0,60}}:\s+(?P<members>{_LIST})",
    }
    return [(name, re.compile(pattern)) for name, pattern in shapes.items()]


@cache
def _number_words() -> str:
    return alternation(frozenset(w for w, v in lexicon("en").mapping("number_words").items() if isinstance(v, int) and 1 < v < 100))


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
    if not any(v in text for v in _CUES) and not _COLON_LIST.search(text):
        return _people_of(context)  # the cheap test first: most texts state no membership
    # a cue word absent from the text is absent from each of its sentences: asked once
    in_text = {cue: kept for cue, words in _CUE_WORDS.items() if (kept := tuple(w for w in words if w in text))}
    for s_start, s_end in context.sentences:
        sentence = text[s_start:s_end]
        # each shape needs a word or sign of its own in the sentence: most sentences have none
        present = {cue for cue, words in in_text.items() if any(w in sentence for w in words)}
        if _COLON_LIST.search(sentence):
            present.add("list")
        if not present:
            continue
        shapes = [(n, p) for n, p in _patterns() if _NEEDS.get(n, {"member"}) <= present]
        for _name, pattern in shapes:
            for m in pattern.finditer(sentence):
                start, end = s_start + m.start(), s_start + m.end()
                if any(c.start < end and start < c.end for c in found):
                    continue
                if _negation().search(m.group()):
                    continue
                group = m.group("group")
                if _name in ("group-verb", "which-includes") and not _is_group(context, group, s_start + m.start("group")):
                    continue
                if _name in ("joined-group", "named-members") and not _named_group(group):
                    continue  # "joined Google" is a job; "joined NATO", "the Labour Party" a membership
                members = [x for x in _members(m.group("members")) if x.casefold() != group.casefold()]
                if not members or len(group) < 2:
                    continue
                if _name.startswith("counted") and _count(m.group("count")) != len(members):
                    continue  # a counted list names exactly as many as it counts
                found.append(Claim("membership", start, end, text[start:end], {"group": group, "members": members},
                                   extractor=f"{NAME}@{VERSION}"))
    found.extend(c for c in _people_of(context) if not any(f.start < c.end and c.start < f.end for f in found))
    return sorted(found, key=lambda c: c.start)


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
