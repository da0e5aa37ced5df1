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

Both compare only claims that share their key (the event's words; the figure's measure, time,
source and places), and of each key only the first ``MAX_TELLINGS`` in the text: the pairs of
one key are all compared, so a hostile text that dates one event 10,000 times (or repeats one
count) would otherwise cost the square of its length in time and in findings. A clause's ends
and a sentence's places are found once, never rescanned per claim.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import cache

from amanat.check import Check, DocumentView, Record
from amanat.check.common import Layout, layout
from amanat.check.figurecompare import compatible, figure_text, places_in
from amanat.kb.lexicon import lexicon
from amanat.model import Claim, Evidence, Finding, Mention

MAX_TELLINGS = 16
"""Claims of one key compared in one document: the first 16 in the text. No article dates one
event, or gives one count of one measure at one time in one place, more often; past that the
pairs would grow with the square of a hostile text's length."""

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


class _Clauses:
    """The clause around a claim: its sentence cut at punctuation that separates clauses. The
    cuts of a sentence are found once and bisected, so 10,000 dates in one sentence cost no
    rescan of it from its start for each."""

    def __init__(self, text: str, lay: Layout) -> None:
        self.text, self.lay = text, lay
        self._cuts: dict[tuple[int, int], tuple[list[int], list[int]]] = {}

    def __call__(self, claim: Claim) -> tuple[int, int]:
        s, e = self.lay.sentence(claim.start)
        cuts = self._cuts.get((s, e))
        if cuts is None:
            found = list(_CLAUSE_END.finditer(self.text, s, e))
            cuts = self._cuts[(s, e)] = ([m.start() for m in found], [m.end() for m in found])
        starts, ends = cuts
        i = bisect_right(ends, claim.start) - 1  # the last cut that ends before the claim
        j = bisect_left(starts, claim.end)  # the first cut after it
        return (ends[i] if i >= 0 else s), (starts[j] if j < len(starts) else e)


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


def _event_key(text: str, clause: tuple[int, int], claim: Claim) -> frozenset[str] | None:
    """What an event claim dates, as the set of its clause's content words; None when the clause
    cannot tell one event from another."""
    start, end = clause
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
    clause_of = _Clauses(text, lay)
    dated = [c for c in document.claims if c.type == "event" and isinstance(c.fields.get("date"), str)]
    by_clause: dict[tuple[int, int], list[Claim]] = {}
    for c in dated:
        by_clause.setdefault(clause_of(c), []).append(c)
    by_key: dict[frozenset[str], list[tuple[int, tuple[int, int], Claim]]] = {}
    for n, (clause, claims) in enumerate(by_clause.items()):
        if len(claims) == 1:  # two dates in one clause are a range or a sequence: not compared
            key = _event_key(text, clause, claims[0])
            if key is not None:
                by_key.setdefault(key, []).append((n, clause, claims[0]))
    found: dict[str, tuple[tuple[int, int], Finding]] = {}
    for ka, same in by_key.items():
        same = same[:MAX_TELLINGS]
        for i, (na, clause, a) in enumerate(same):
            for nb, _, b in same[i + 1:]:
                if lay.sentence(a.start) == lay.sentence(b.start):
                    continue
                da, db = str(a.fields["date"]), str(b.fields["date"])
                if _compatible_dates(da, db):
                    continue
                finding_key = " ".join(sorted(ka)) + "|" + "&".join(sorted((da, db)))
                if finding_key in found:
                    continue
                what = text[slice(*clause)].strip()
                found[finding_key] = ((na, nb), Finding(
                    check="events-in-document", type="event-dates-in-document", status="inconsistent",
                    severity="medium",
                    sentence=(f"The document dates the same event twice: \"{a.text}\" ({da}) and \"{b.text}\" "
                              f"({db}), for \"{what}\"."),
                    document_id=document.id, key=finding_key,
                    evidence=(Evidence(document.id, a.start, a.end, a.text, "claim"),
                              Evidence(document.id, b.start, b.end, b.text, "claim")),
                    judged_at=document.published.isoformat() if document.published else None,
                    date_source="relative dates resolved against the document's date" if document.published else None,
                ))
    return [f for _, f in sorted(found.values(), key=lambda pair: pair[0])]


def _figure_key(c: Claim) -> tuple[str, str, str, str] | None:
    f = c.fields
    as_of = f.get("as_of")
    if not isinstance(as_of, str) or len(as_of) != 10 or not isinstance(f.get("value"), int | float):
        return None
    return (str(f.get("measure")), str(f.get("unit") or "").casefold(), as_of,
            str(f.get("attributed_to") or "").casefold().removeprefix("the "))


def _places(mentions: list[Mention], starts: list[int], span: tuple[int, int]) -> frozenset[str]:
    """The places a sentence names: the mentions inside it found by bisection (``mentions``
    sorted by start), not by a pass over every mention of the document for each sentence."""
    inside = mentions[bisect_left(starts, span[0]):bisect_left(starts, span[1])]
    return places_in(tuple(inside), span)


def _figures(document: DocumentView, record: Record) -> list[Finding]:
    text = document.text
    lay = layout(document)
    mentions = sorted(document.mentions, key=lambda m: m.start)
    starts = [m.start for m in mentions]
    places: dict[tuple[int, int], frozenset[str]] = {}
    by_key: dict[tuple[tuple[str, str, str, str], frozenset[str]], list[tuple[int, tuple[int, int], Claim]]] = {}
    for n, c in enumerate(document.claims):
        what = _figure_key(c) if c.type == "figure" else None
        if what is None:
            continue
        s, e = lay.sentence(c.start)
        if _PARTS.search(text, s, e):
            continue
        if (s, e) not in places:
            places[(s, e)] = _places(mentions, starts, (s, e))
        by_key.setdefault((what, places[(s, e)]), []).append((n, (s, e), c))
    found: dict[str, tuple[tuple[int, int], Finding]] = {}
    for ((measure, unit, as_of, _), _), same in by_key.items():
        same = same[:MAX_TELLINGS]
        for i, (na, sa, a) in enumerate(same):
            for nb, sb, b in same[i + 1:]:
                if sa == sb or compatible(a, b):
                    continue
                key = f"{measure}|{unit}|{as_of}|" + "&".join(sorted(figure_text(c) for c in (a, b)))
                if key in found and found[key][0] < (na, nb):
                    continue  # the first pair in the text speaks for the key, whichever source or places
                found[key] = ((na, nb), Finding(
                    check="figures-in-document", type="figures-in-document", status="inconsistent",
                    severity="medium",
                    sentence=(f"The document gives two counts of {measure}{f' ({unit})' if unit else ''} as of "
                              f"{as_of}: {figure_text(a)} (\"{a.text}\") and {figure_text(b)} (\"{b.text}\"); no "
                              f"qualifier lets both hold."),
                    document_id=document.id, key=key,
                    evidence=(Evidence(document.id, a.start, a.end, a.text, "claim"),
                              Evidence(document.id, b.start, b.end, b.text, "claim")),
                    judged_at=as_of, date_source="the figures' own as-of date",
                ))
    return [f for _, f in sorted(found.values(), key=lambda pair: pair[0])]


EVENTS = Check("events-in-document", 1, ("event",), _events,
               "One event must not be given two dates that cannot both hold in one article.")
FIGURES = Check("figures-in-document", 1, ("figure", "mentions"), _figures,
                "Two counts of one measure at one time in one article must be reconcilable.")
