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
from amanat.kb.lexicon import lexicon
from amanat.model import Claim

NAME = "memberships"
VERSION = 1

_CAP = r"[A-Z\u00C0-\u00DE][\w’'-]*"
# a name: capitalised words, joined by of/for/the/and inside ("Organization of Turkic States")
_NAMED = rf"{_CAP}(?:\s+(?:(?:of|for|on|and|the)\s+)*{_CAP})*"
_ITEM = rf"(?:the\s+)?{_CAP}(?:\s+(?:of\s+(?:the\s+)?)?{_CAP}){{0,3}}"
_LIST = rf"{_ITEM}(?:,\s+{_ITEM})*(?:,?\s+and\s+{_ITEM})?"
_GROUP = rf"(?:the\s+|The\s+)?(?P<group>{_NAMED})(?:\s+\((?P<abbr>[A-Z][\w-]+)\))?"


def _alt(words: frozenset[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    lex = lexicon("en")
    verbs, nouns = _alt(lex.words("group_verbs")), _alt(lex.words("member_nouns"))
    kinds, joins = _alt(lex.words("member_kinds")), _alt(lex.words("join_verbs"))
    member = rf"(?:(?:{kinds})\s+)*(?:{nouns})"
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
    }
    return [(name, re.compile(pattern)) for name, pattern in shapes.items()]


@cache
def _negation() -> re.Pattern[str]:
    return re.compile(r"\b(?:" + _alt(lexicon("en").words("membership_negations")) + r")\b", re.I)


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


@cache
def _group_heads() -> frozenset[str]:
    return lexicon("en").words("group_heads")


def extract_memberships(context: Context) -> list[Claim]:
    """The memberships of one text, one claim per statement."""
    text = context.text
    found: list[Claim] = []
    for s_start, s_end in context.sentences:
        sentence = text[s_start:s_end]
        if "member" not in sentence and not any(v in sentence for v in ("includ", "compris", "consist", "together", "unite")):
            continue  # the cheap test first: most sentences state no membership
        for _name, pattern in _patterns():
            for m in pattern.finditer(sentence):
                start, end = s_start + m.start(), s_start + m.end()
                if any(c.start < end and start < c.end for c in found):
                    continue
                if _negation().search(m.group()):
                    continue
                group = m.group("group")
                if _name in ("group-verb", "which-includes") and not _is_group(context, group, s_start + m.start("group")):
                    continue
                members = [x for x in _members(m.group("members")) if x.casefold() != group.casefold()]
                if not members or len(group) < 2:
                    continue
                found.append(Claim("membership", start, end, text[start:end], {"group": group, "members": members},
                                   extractor=f"{NAME}@{VERSION}"))
    return sorted(found, key=lambda c: c.start)


EXTRACTOR = Extractor(name=NAME, version=VERSION, languages=frozenset({"en"}), writes=("membership",),
                      run=extract_memberships, summary="groups and their members, as listed or in apposition")
