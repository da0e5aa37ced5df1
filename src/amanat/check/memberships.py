"""Memberships and lists against the record's ``member_of`` facts at the document's date.

A membership claim names a group and members ("The SCO's members are China, India, …",
"Pakistan, a member of the SCO"). Group and members are resolved to the record's entities by
their exact names (a mention inside the claim first, else a label or alias); a name that
resolves to nothing or to several entities is not judged.

- **A non-member listed**: a member whose every ``member_of`` term in the group surely
  excludes the document's date (joined later, or had left) is *contradicted*. A member the
  record has no term for at all is *undetermined*: the record may simply not know it — a base
  is never assumed complete.
- **A member missing from a complete list**: only a list *presented as complete* ("the
  members are A, B and C", "X comprises A and B"; never "includes", "such as", "founding
  members", "new members") is checked for what it leaves out. When every listed name
  resolved, a member whose term surely holds on the date and who is not in the list makes
  the list *contradicted*; a member who may or may not have been one that day makes it
  *undetermined* (only when nothing surely missing was found).

A sentence with its own year, or a membership with a time word (then, former, founding,
once), speaks of another time: not judged. No document date: nothing said.
"""

from __future__ import annotations

import re
from datetime import date

from amanat.check import Check, DocumentView, Record
from amanat.check.common import date_basis, entities_named, fact_row, layout, term
from amanat.kb.model import MEMBER_OF, Fact
from amanat.model import Claim, Evidence, Finding

_COMPLETE = re.compile(
    r"(?:['’]s|\bwhose|\bthe)\s+(?:current\s+)?(?:members|member\s+(?:states|countries|nations))\s+(?:are|were)\b"
    r"|\b(?:comprises|comprised|consists\s+of|consisted\s+of|is\s+made\s+up\s+of|was\s+made\s+up\s+of)\b", re.I)
_PARTIAL = re.compile(r"\b(?:includ\w*|such\s+as|among|other|others|like|notably|especially|several|some)\b", re.I)
_OTHER_TIME = re.compile(r"\b(?:then|former|formerly|founding|original|once|ex|previous|first|new|newest|"
                         r"old|later|future|prospective|will|would|observer|observers|dialogue|partners?)\b", re.I)


def _resolve(document: DocumentView, record: Record, claim: Claim, name: str, kinds: tuple[str, ...]) -> str | None:
    """The one entity a name inside the claim is: its linked mention, else its exact label."""
    for m in document.mentions:
        if claim.start <= m.start and m.end <= claim.end and m.text == name and m.entity_id and m.kind in kinds:
            return m.entity_id
    ids = entities_named(record, name, kinds)
    return next(iter(ids)) if len(ids) == 1 else None


def _span(document: DocumentView, claim: Claim, name: str) -> Evidence:
    at = document.text.find(name, claim.start, claim.end)
    if at < 0:
        return Evidence(document.id, claim.start, claim.end, claim.text, "claim")
    return Evidence(document.id, at, at + len(name), name, "claim")


def _terms(record: Record, member: str, group: str) -> list[Fact]:
    return [f for f in record.kb.facts_about(member, MEMBER_OF) if f.subject == member and f.object == group]


def _last_word_member(f: Fact, day: date) -> bool:
    """A term that surely began before ``day`` and was still open at its source's as-of date:
    the record's last word is that the member is one, so a list naming it is not set against it."""
    iv = f.interval
    return iv.start is not None and iv.start.last <= day and iv.end is None and not iv.end_unknown


def _finding(document: DocumentView, record: Record, claim: Claim, day: date, status: str, kind: str, key: str,
             sentence: str, facts: list[Fact], evidence: tuple[Evidence, ...]) -> Finding:
    return Finding(
        check="memberships-at-date", type=kind, status=status,  # type: ignore[arg-type]
        severity="high" if status == "contradicted" else "info", sentence=sentence, document_id=document.id,
        key=key, evidence=(Evidence(document.id, claim.start, claim.end, claim.text, "claim"), *evidence),
        facts=tuple(fact_row(record, f) for f in facts), judged_at=day.isoformat(),
        date_source=date_basis(document),
    )


def _judge(document: DocumentView, record: Record, claim: Claim, day: date) -> list[Finding]:
    group_name = str(claim.fields.get("group") or "")
    names = [str(x) for x in claim.fields.get("members") or []]
    group = _resolve(document, record, claim, group_name, ("organization",))
    if group is None or not names:
        return []
    all_terms = [f for f in record.kb.facts.values() if f.predicate == MEMBER_OF and f.object == group]
    if not all_terms:
        return []  # the record knows no member of this group: it cannot judge a list of it
    gname = record.index.name_of(group)
    found = []
    members = {name: _resolve(document, record, claim, name, ("place", "organization")) for name in names}
    for name, member in members.items():
        if member is None:
            continue
        terms = _terms(record, member, group)
        verdicts = [f.interval.contains(day) for f in terms]
        if any(v is True for v in verdicts) or any(_last_word_member(f, day) for f in terms):
            continue
        who = record.index.name_of(member)
        if terms and all(v is False for v in verdicts):
            status = "contradicted"
            sentence = (f"The document, dated {day.isoformat()}, lists {who} as a member of {gname}; the record has "
                        f"{who}'s membership {'; '.join(term(f.interval) for f in terms)}.")
        elif terms:
            status = "undetermined"
            sentence = (f"The record cannot tell whether {who} was a member of {gname} on {day.isoformat()}: "
                        f"it has the membership {'; '.join(term(f.interval) for f in terms)}.")
        else:
            status = "undetermined"
            sentence = (f"The document, dated {day.isoformat()}, lists {who} as a member of {gname}; the record "
                        f"has no membership of {who} in it, and may not be complete.")
        found.append(_finding(document, record, claim, day, status, "member-at-date", f"{group}|member|{member}",
                              sentence, terms, (_span(document, claim, name),)))
    if _COMPLETE.search(claim.text) and not _PARTIAL.search(claim.text) and all(members.values()):
        listed = set(members.values())
        surely = [f for f in all_terms if f.subject not in listed and f.interval.contains(day) is True]
        maybe = [f for f in all_terms if f.subject not in listed and f.interval.contains(day) is None]
        if surely or maybe:
            missing = sorted({record.index.name_of(f.subject) for f in (surely or maybe)})
            status = "contradicted" if surely else "undetermined"
            many = len(missing) > 1
            verb = ("were members" if many else "was a member") if surely else \
                ("may have been members" if many else "may have been a member")
            sentence = (f"The document, dated {day.isoformat()}, gives the members of {gname} as "
                        f"{', '.join(names)}; by the record, {', '.join(missing)} {verb} on that day too.")
            found.append(_finding(document, record, claim, day, status, "members-missing",
                                  f"{group}|missing|{'|'.join(sorted(f.subject for f in surely or maybe))}",
                                  sentence, surely or maybe, ()))
    return found


def _at_date(document: DocumentView, record: Record) -> list[Finding]:
    day = document.published
    if day is None:
        return []
    lay = layout(document)
    found = []
    for c in document.claims:
        if c.type != "membership" or lay.dates_itself(c.start):
            continue
        s, e = lay.sentence(c.start)
        if _OTHER_TIME.search(document.text, s, e):
            continue
        found.extend(_judge(document, record, c, day))
    return found


MEMBERSHIPS_AT_DATE = Check("memberships-at-date", 1, ("mentions", "membership"), _at_date,
                            "Members a document lists against the record's memberships on its date.")
