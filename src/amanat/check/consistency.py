"""A document against itself: one event given two dates, one measure given two counts.

Neither check needs the record or the document's date; both are *inconsistent* findings, and
both are written to stay silent unless the two claims surely speak of the same thing — an
article may well report two visits, two tolls from two sources, or a toll and its part.

- **Events** (``EVENTS``): two event claims in different sentences whose clauses say the same
  thing once the date expression is taken out — the same words, at least three of them, one a
  name ("Tokayev arrived in Islamabad yesterday" / "Tokayev arrived in Islamabad on 3 May",
  in an article dated 9 May) — with dates that cannot both hold (neither contains the other
  at its precision). A clause with words of repetition (again, first, another, also …) or with
  speech alone ("he said on Monday") is not compared.
- **Figures** (``FIGURES``): two figure claims in different sentences with the same measure,
  unit, as-of date at day precision and attribution, in sentences naming the same places,
  whose values no qualifier reconciles ("at least 164" and "225" can both hold; "164" and
  "225" cannot; "4,300" is "4,266" rounded) — judged by ``figurecompare``, which the
  cross-source check shares. A sentence that breaks a total down ("including",
  "of whom") or tells a change ("rose to", "up from") is not compared.
"""

from __future__ import annotations

import re
from functools import cache

from amanat.check import Check, DocumentView, Record
from amanat.check.common import Layout, layout
from amanat.check.figurecompare import compatible, figure_text, places_in
from amanat.kb.lexicon import lexicon
from amanat.model import Claim, Evidence, Finding

_WORD = re.compile(r"[\w’'-]+")
_CLAUSE_END = re.compile(r"[;:,()\u2013\u2014\"“”]|\s-\s")
_REPEATED = frozenset({"again", "first", "second", "third", "another", "also", "previous", "previously", "earlier",
                       "later", "next", "last", "once", "twice", "every", "each", "since", "until", "before",
                       "after", "while", "when", "both", "other", "others", "and", "or"})
_STOP = frozenset({"the", "a", "an", "of", "to", "in", "on", "at", "by", "for", "from", "with", "into", "was", "were",
                   "is", "are", "had", "has", "have", "been", "be", "that", "this", "it", "its", "their", "his",
                   "her", "they", "he", "she", "we", "there"})
_PARTS = re.compile(r"\b(?:including|included|includes|of\s+whom|of\s+them|of\s+which|among\s+them|among\s+whom|"
                    r"among|plus|besides|in\s+addition|another|more|further|additional|other|others|"
                    r"rose|risen|rising|increased|grew|climbed|fell|dropped|up\s+from|down\s+from|from\s+\S+\s+to)\b",
                    re.I)
_NO_CAP = frozenset({"on", "in", "at", "by"})


@cache
def _speech() -> frozenset[str]:
    return lexicon("en").words("speech_verbs")


def _clause(text: str, lay: Layout, claim: Claim) -> tuple[int, int]:
    """The clause around a claim: its sentence cut at punctuation that separates clauses."""
    s, e = lay.sentence(claim.start)
    start = s
    for m in _CLAUSE_END.finditer(text, s, claim.start):
        start = m.end()
    stop = _CLAUSE_END.search(text, claim.end, e)
    return start, (stop.start() if stop else e)


def _words(text: str, start: int, end: int, skip: tuple[int, int]) -> tuple[list[str], bool]:
    """Folded words of ``text[start:end]`` outside ``skip``, and whether one is a name (capitalised
    past the clause's first word)."""
    words, named = [], False
    for i, m in enumerate(_WORD.finditer(text, start, end)):
        if skip[0] <= m.start() < skip[1]:
            continue
        w = m.group()
        if i > 0 and w[:1].isupper() and w.casefold() not in _NO_CAP:
            named = True
        words.append(w.casefold().rstrip(".").replace("’", "'"))
    return words, named


def _event_key(text: str, lay: Layout, claim: Claim) -> frozenset[str] | None:
    """What an event claim dates, as the set of its clause's content words; None when the clause
    cannot tell one event from another."""
    start, end = _clause(text, lay, claim)
    words, named = _words(text, start, end, (claim.start, claim.end))
    if not named or set(words) & _REPEATED:
        return None
    content = frozenset(w for w in words if w not in _STOP and not w.isdigit())
    if len(content) < 3 or not content - _speech():
        return None
    if len(content - _speech()) < 2:
        return None  # "Tokayev said on Monday": what was said is another thing
    return content


def _compatible_dates(a: str, b: str) -> bool:
    """Two ISO dates at their precision can both hold when one contains the other."""
    return a.startswith(b) or b.startswith(a)


def _events(document: DocumentView, record: Record) -> list[Finding]:
    text = document.text
    lay = layout(document)
    dated = [c for c in document.claims if c.type == "event" and isinstance(c.fields.get("date"), str)]
    by_clause: dict[tuple[int, int], list[Claim]] = {}
    for c in dated:
        by_clause.setdefault(_clause(text, lay, c), []).append(c)
    keyed = []
    for claims in by_clause.values():
        if len(claims) == 1:  # two dates in one clause are a range or a sequence: not compared
            key = _event_key(text, lay, claims[0])
            if key is not None:
                keyed.append((key, claims[0]))
    found: dict[str, Finding] = {}
    for i, (ka, a) in enumerate(keyed):
        for kb, b in keyed[i + 1:]:
            if ka != kb or lay.sentence(a.start) == lay.sentence(b.start):
                continue
            da, db = str(a.fields["date"]), str(b.fields["date"])
            if _compatible_dates(da, db):
                continue
            finding_key = " ".join(sorted(ka)) + "|" + "&".join(sorted((da, db)))
            what = text[slice(*_clause(text, lay, a))].strip()
            found.setdefault(finding_key, Finding(
                check="events-in-document", type="event-dates-in-document", status="inconsistent",
                severity="medium",
                sentence=(f"The document dates the same event twice: \"{a.text}\" ({da}) and \"{b.text}\" ({db}), "
                          f"for \"{what}\"."),
                document_id=document.id, key=finding_key,
                evidence=(Evidence(document.id, a.start, a.end, a.text, "claim"),
                          Evidence(document.id, b.start, b.end, b.text, "claim")),
                judged_at=document.published.isoformat() if document.published else None,
                date_source="relative dates resolved against the document's date" if document.published else None,
            ))
    return list(found.values())


def _figure_key(c: Claim) -> tuple[str, str, str, str] | None:
    f = c.fields
    as_of = f.get("as_of")
    if not isinstance(as_of, str) or len(as_of) != 10 or not isinstance(f.get("value"), int | float):
        return None
    return (str(f.get("measure")), str(f.get("unit") or "").casefold(), as_of,
            str(f.get("attributed_to") or "").casefold().removeprefix("the "))


def _figures(document: DocumentView, record: Record) -> list[Finding]:
    text = document.text
    lay = layout(document)
    usable = []
    for c in document.claims:
        if c.type != "figure" or _figure_key(c) is None:
            continue
        s, e = lay.sentence(c.start)
        if _PARTS.search(text, s, e):
            continue
        usable.append(c)
    found: dict[str, Finding] = {}
    for i, a in enumerate(usable):
        for b in usable[i + 1:]:
            sa, sb = lay.sentence(a.start), lay.sentence(b.start)
            if _figure_key(a) != _figure_key(b) or sa == sb or places_in(document.mentions, sa) != places_in(document.mentions, sb):
                continue
            if compatible(a, b):
                continue
            measure, unit, as_of, _ = _figure_key(a) or ("", "", "", "")
            key = f"{measure}|{unit}|{as_of}|" + "&".join(sorted(figure_text(c) for c in (a, b)))
            found.setdefault(key, Finding(
                check="figures-in-document", type="figures-in-document", status="inconsistent", severity="medium",
                sentence=(f"The document gives two counts of {measure}{f' ({unit})' if unit else ''} as of {as_of}: "
                          f"{figure_text(a)} (\"{a.text}\") and {figure_text(b)} (\"{b.text}\"); no qualifier "
                          f"lets both hold."),
                document_id=document.id, key=key,
                evidence=(Evidence(document.id, a.start, a.end, a.text, "claim"),
                          Evidence(document.id, b.start, b.end, b.text, "claim")),
                judged_at=as_of, date_source="the figures' own as-of date",
            ))
    return list(found.values())


EVENTS = Check("events-in-document", 1, ("event",), _events,
               "One event must not be given two dates that cannot both hold in one article.")
FIGURES = Check("figures-in-document", 1, ("figure", "mentions"), _figures,
                "Two counts of one measure at one time in one article must be reconcilable.")
