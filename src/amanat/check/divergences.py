"""Divergences across sources: one story's independent reports giving counts of the same
measure at the same time that cannot all hold, or dating the same event differently. Pure.

The check ``divergences`` runs over the documents of one story (``model.StoryDocument``) and
returns *inconsistent* findings that show each source's words side by side; it never says
which report is right. Figures are compared here; event dates in ``eventdates``.

**Independent reports.** Copies of one wire report (documents sharing a ``report`` key) are one
report: the earliest copy speaks for all. Two reports of one outlet are not independent of each
other, and neither are two figures attributed to the same source ("the health ministry" and
"Kazakhstan's health ministry"): two outlets repeating one ministry's figure are one source of it.

**The same measure.** Two figures are compared only when they surely count the same thing: the
same measure of ``comparable_measures`` (deaths, injured, arrests …; never money, percentages
or bare counts), the same counted noun ("people", or none, count the same; "police officers" and
"protesters" each make their own measure), the same places named in the sentence (a count in
Almaty is not one in Kazakhstan) and the same words of scope ("in the capital alone"). A figure
is left out when its sentence casts doubt on it (denied, could, feared), or when it is an older
value ("up from 164", "initially"), an increment ("another 20", "20 more") or a part
("including 19 officers", "62 of them").

**The same time.** Figures are compared at one moment: the same stated as-of date, or — when a
figure states none — the same day of publication. A count that only grows (``cumulative_measures``:
deaths, injured, arrests) and is higher at a later stated date is a timeline, not a divergence;
one that is *lower* at a later stated date cannot follow the earlier one and is reported. Two
counts of a growing toll published the same day without a stated time are compared only when
both name their source (a toll rises within a day; two named sources disputing it is news).

**Compatible values** are decided by ``figurecompare`` (the qualifiers' reach, rounding, ranges),
the same rules the one-document check uses: "at least 150" and "172" agree; "about 4,300" and
"3,040" do not.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from amanat.analyze.boundaries import Marks
from amanat.check.across import (
    PER_REPORT,
    Report,
    StoryCheck,
    Words,
    layout_of,
    linked_groups,
    reports,
    rules,
    words,
)
from amanat.check.eventdates import event_findings
from amanat.check.figurecompare import claim_bounds, figure_text, places_in, qualifiers, range_low
from amanat.model import Claim, Evidence, Finding, Mention, StoryDocument

CHECK = "divergences"
VERSION = 1
_CLAUSE_BREAK = re.compile(r"[,;()\u2013\u2014“”\"]|:(?!\d)")
# a number written as a number, not glued to a word ("45-year-old", "G20") nor a time ("4:17")
_BARE_NUMBER = re.compile(r"(?<![\w.,:-])\d[\d,]*(?:\.\d+)?(?![\w-]|:\d|[.,]\d)")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?(?:\s+(?:million|billion|thousand))?", re.I)
_ARTICLES = frozenset({"the", "a", "an", "its", "their", "his", "her", "of", "in", "and", "for", "on"})
_WORD = re.compile(r"[^\W\d_][\w'’-]*")


@dataclass(frozen=True)
class _Figure:
    report: Report
    claim: Claim
    sentence: tuple[int, int]
    what: tuple[str, str, frozenset[str], frozenset[str]]  # measure, counted noun, places, scope words
    low: float | None  # low end of a written range
    as_of: str | None
    attribution: frozenset[str]

    @property
    def document(self) -> StoryDocument:
        return self.report.document

    @property
    def day(self) -> date | None:
        """The day the figure held: its stated as-of day, else (when it states none) the day
        it was published; None at another precision."""
        if self.as_of is None:
            return self.document.published
        return date.fromisoformat(self.as_of) if len(self.as_of) == 10 else None


def _unit(claim: Claim) -> str:
    unit = str(claim.fields.get("unit") or "").casefold().strip()
    return "people" if not unit or unit in rules()["generic_units"] else unit


def _place_words(document: StoryDocument) -> frozenset[str]:
    """The words of every place the document names (found once per document, not per figure)."""
    return frozenset(w.casefold() for m in document.mentions if m.kind == "place" for w in _WORD.findall(m.text))


def _source_words(who: object, places: frozenset[str]) -> frozenset[str]:
    """Who gives a figure, as words without articles and place names (``places``, the words
    of the document's places): "Kazakhstan's health ministry" and "the health ministry" are one
    source ({health, ministry})."""
    if not isinstance(who, str):
        return frozenset()
    out = set()
    for w in _WORD.findall(who):
        w = re.sub(r"['’]s$", "", w.casefold())
        if w not in _ARTICLES and w not in places:
            out.add(w)
    return frozenset(out)


def _number_at(text: str, claim: Claim) -> tuple[int, int]:
    """Where the figure's number is written inside its claim (its first word when in words)."""
    m = _NUMBER.search(text, claim.start, claim.end)
    if m:
        return m.start(), m.end()
    first = _WORD.search(text, claim.start, claim.end)  # a number in words: "two more roads"
    return (first.start(), first.end()) if first else (claim.start, claim.end)


class _Sentence:
    """What every figure of one sentence asks of it, found once: whether it doubts, where its
    clauses break, the parts of a total and the scope words it names, and its mentions (a
    sentence of thousands of figures must not be rescanned for each)."""

    def __init__(self, w: Words, doc: StoryDocument, sentence: tuple[int, int], mentions: tuple[Mention, ...]) -> None:
        text = doc.text
        self.doubt = w.doubt.search(text, *sentence) is not None
        self.breaks = Marks(_CLAUSE_BREAK, text, *sentence)
        self.parts = [(m.start(), self.breaks.first_start_from(m.end(), sentence[1]))
                      for m in w.part_before.finditer(text, *sentence)]
        self.scope = [(m.start(), " ".join(m.group().casefold().split())) for m in w.scope.finditer(text, *sentence)]
        lo = bisect_left(mentions, sentence[0], key=lambda m: m.start)  # ``mentions`` in order of start
        hi = bisect_left(mentions, sentence[1], key=lambda m: m.start)
        self.mentions = mentions[lo:hi]


def _not_a_total(w: Words, text: str, claim: Claim, sentence: tuple[int, int], facts: _Sentence) -> bool:
    """Whether a figure is something else than the current total of its measure: an older
    value, an increment, a part of a total, or a figure its sentence doubts."""
    s0, s1 = sentence
    if facts.doubt:
        return True
    n0, n1 = _number_at(text, claim)
    before = text[max(s0, n0 - 40):n0]
    clause_start = facts.breaks.last_end_before(n0, s0)
    return bool(
        w.old_value_adjacent.search(before) or w.increment_before.search(before)
        or w.old_value_in_clause.search(text, clause_start, n0) or w.part_before.search(text, clause_start, n0)
        or w.increment_after.match(text, claim.end, s1) or w.increment_after.match(text, n1, s1)
        or w.part_after.match(text, n1, s1)
        or w.part_after.match(text, claim.end, s1))


def _figures(report: Report) -> list[_Figure]:
    doc = report.document
    w = words(doc.language)
    if w is None:
        return []
    measures = set(rules()["comparable_measures"])
    known = qualifiers()
    lay = layout_of(doc)
    totals: dict[tuple[int, int], list[Claim]] = {}
    facts: dict[tuple[int, int], _Sentence] = {}
    ordered = tuple(sorted(doc.mentions, key=lambda m: m.start))
    for c in doc.claims:
        f = c.fields
        if c.type != "figure" or f.get("measure") not in measures or claim_bounds(c) is None:
            continue
        if f.get("qualifier") and str(f["qualifier"]).casefold() not in known:
            continue
        sentence = lay.sentence(c.start)
        if sentence not in facts:
            facts[sentence] = _Sentence(w, doc, sentence, ordered)
        if not _not_a_total(w, doc.text, c, sentence, facts[sentence]):
            totals.setdefault(sentence, []).append(c)
    out = []
    by_start = _ByStart(doc.claims)
    places_named = _place_words(doc)
    for sentence, claims in totals.items():
        if _breakdown(doc, sentence, claims, by_start):
            continue
        for c in claims:
            out.append(_figure(report, w, c, sentence, facts[sentence], places_named))
    return out


def _breakdown(doc: StoryDocument, sentence: tuple[int, int], totals: list[Claim], claims: _ByStart) -> bool:
    """Whether a sentence breaks a count down rather than gives one ("812 in government-held
    areas and 1,020 in rebel-held areas"): two totals of one measure, or a number that no
    claim explains (the second of a list the figure extractor did not take)."""
    kinds = [(str(c.fields.get("measure")), _unit(c)) for c in totals]
    if len(set(kinds)) < len(kinds):
        return True
    covered = _merged([(c.start - (30 if c.type == "figure" and range_low(doc.text, c, sentence[0]) is not None
                                   else 0), c.end)
                       for c in claims.within(sentence) if c.type in ("figure", "event")])
    starts = [a for a, _ in covered]
    for m in _BARE_NUMBER.finditer(doc.text, *sentence):
        try:
            value = float(m.group().replace(",", ""))
        except ValueError:
            continue
        if value < 10 or (1900 <= value <= 2100 and "," not in m.group()):
            continue
        i = bisect_right(starts, m.start()) - 1
        if i < 0 or m.start() >= covered[i][1]:
            return True
    return False


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans joined, in order: one bisection then tells whether a point is in any."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


class _ByStart:
    """A document's claims in order of start: a sentence's claims by bisection, not a pass over
    every claim of the document for each sentence."""

    def __init__(self, claims: Sequence[Claim]) -> None:
        self.claims = sorted(claims, key=lambda c: c.start)
        self.starts = [c.start for c in self.claims]

    def within(self, span: tuple[int, int]) -> list[Claim]:
        return self.claims[bisect_left(self.starts, span[0]):bisect_left(self.starts, span[1])]


def _figure(report: Report, w: Words, c: Claim, sentence: tuple[int, int], facts: _Sentence,
            places_named: frozenset[str]) -> _Figure:
    """A total as compared: what it counts, where, when, and who gives it."""
    doc = report.document
    f = c.fields
    who = f.get("attributed_to")
    parts = facts.parts  # "…, including 103 in Almaty": where a part was counted, not the total
    places = places_in(facts.mentions, sentence, doc.text, who if isinstance(who, str) else None, parts)
    said = doc.text.find(who, *sentence) if isinstance(who, str) and who else -1
    said_span = (said, said + len(who)) if said >= 0 and isinstance(who, str) else (0, 0)
    scope = frozenset(phrase for at, phrase in facts.scope
                      if not said_span[0] <= at < said_span[1])  # "the regional akimat said"
    as_of = f.get("as_of") if isinstance(f.get("as_of"), str) else None
    return _Figure(report, c, sentence, (str(f["measure"]), _unit(c), places, scope),
                   range_low(doc.text, c, sentence[0]), as_of, _source_words(who, places_named))


def _independent(a: _Figure, b: _Figure) -> bool:
    """Whether two figures come from sources independent of each other."""
    if a.report is b.report or set(a.report.outlets) & set(b.report.outlets):
        return False
    # two outlets repeating one source's figure are one source of it
    return not (a.attribution and b.attribution
                and (a.attribution <= b.attribution or b.attribution <= a.attribution))


def _values_disagree(a: _Figure, b: _Figure) -> bool:
    ba, bb = claim_bounds(a.claim, a.low), claim_bounds(b.claim, b.low)
    return ba is not None and bb is not None and not ba.meets(bb)


def _same_time(a: _Figure, b: _Figure) -> bool:
    """Whether two disagreeing figures speak of one moment (or of a growing count that fell)."""
    cumulative = a.what[0] in rules()["cumulative_measures"]
    if a.as_of is not None and b.as_of is not None:
        if a.as_of == b.as_of:
            return True
        if not (cumulative and len(a.as_of) == 10 and len(b.as_of) == 10):
            return False
        earlier, later = sorted((a, b), key=lambda f: f.as_of or "")
        be, bl = claim_bounds(earlier.claim, earlier.low), claim_bounds(later.claim, later.low)
        return be is not None and bl is not None and (bl.high < be.low or (bl.high == be.low and bl.high_open))
    if (a.as_of is not None and len(a.as_of) != 10) or (b.as_of is not None and len(b.as_of) != 10):
        return False  # "in 2021" against a day
    if a.day is None or a.day != b.day:
        return False
    return not cumulative or bool(a.attribution and b.attribution)


def _conflicting(a: _Figure, b: _Figure) -> bool:
    """Whether two figures count one thing at one moment, independently, and cannot both hold."""
    return a.what == b.what and _independent(a, b) and _values_disagree(a, b) and _same_time(a, b)


def _described(f: _Figure) -> str:
    who = f.claim.fields.get("attributed_to")
    parts = [figure_text(f.claim) if f.low is None else f"{f.low:,g} to {figure_text(f.claim)}",
             f"giving {who}" if who else "naming no source"]
    if f.as_of:
        parts.append(f"as of {f.as_of}")
    elif f.document.published:
        parts.append(f"published {f.document.published.isoformat()}")
    if len(f.report.copies) > 1:
        parts.append(f"a report carried by {len(f.report.copies)} sites")
    return f"{f.document.source} says \"{f.claim.text}\" ({', '.join(parts)})"


def _measure_words(what: tuple[str, str, frozenset[str], frozenset[str]], first: _Figure) -> str:
    measure, unit, places, scope = what
    counted = measure if unit == "people" else f"{measure} ({unit})"
    named = sorted({m.text for m in first.document.mentions if m.kind == "place"
                    and (m.entity_id or m.text.casefold()) in places})
    where = f" in {', '.join(named)}" if named else ""
    return counted + where + (f" (scope: {', '.join(sorted(scope))})" if scope else "")


def figure_findings(documents: Sequence[StoryDocument], story_id: str) -> list[Finding]:
    """Counts of one measure at one time from independent reports that cannot all hold."""
    by_measure: dict[tuple[str, str, frozenset[str], frozenset[str]], list[_Figure]] = {}
    for r in reports(documents):
        told: dict[tuple[str, str, frozenset[str], frozenset[str]], int] = {}
        for f in _figures(r):
            told[f.what] = told.get(f.what, 0) + 1
            if told[f.what] <= PER_REPORT:
                by_measure.setdefault(f.what, []).append(f)
    groups = [g for figures in by_measure.values() if len(figures) > 1 for g in linked_groups(figures, _conflicting)]
    found = []
    for group in groups:
        group.sort(key=lambda f: (f.document.published or date.max, f.document.id, f.claim.start))
        first = group[0]
        dates = sorted({f.as_of for f in group if f.as_of} or {f.document.published.isoformat() for f in group
                                                                 if f.document.published})
        said = "; ".join(_described(f) for f in group)
        when = f"as of {dates[0]}" if len(dates) == 1 else f"from {dates[0]} to {dates[-1]}, a count that only grows"
        sentence = (f"{len({f.report.document.id for f in group})} independent reports count "
                    f"{_measure_words(first.what, first)} {when}, with values no qualifier reconciles: {said}.")
        measure, unit, places, scope = first.what
        key = "|".join((measure, unit, ",".join(sorted(places)), ",".join(sorted(scope)),
                        "&".join(sorted({f.report.document.report or f.document.id for f in group}))))
        found.append(Finding(
            check=CHECK, type="figures-across-sources", status="inconsistent", severity="medium",
            sentence=sentence, document_id=first.document.id, key=key,
            evidence=tuple(Evidence(f.document.id, f.sentence[0], f.sentence[1],
                                    f.document.text[f.sentence[0]:f.sentence[1]], "report") for f in group),
            facts=tuple({"document_id": f.document.id, "source": f.document.source, "report": f.document.report,
                         "copies": list(f.report.copies), "published": f.document.published.isoformat()
                         if f.document.published else None, "words": f.claim.text,
                         "measure": f.claim.fields.get("measure"), "unit": f.claim.fields.get("unit"),
                         "value": f.claim.fields.get("value"), "qualifier": f.claim.fields.get("qualifier"),
                         "range_from": f.low, "figure": figure_text(f.claim),
                         "as_of": f.as_of, "attributed_to": f.claim.fields.get("attributed_to")} for f in group),
            judged_at=dates[0] if dates else None,
            date_source="the figures' as-of dates, else their reports' publication dates",
            version=VERSION, story_id=story_id,
        ))
    return found


def diverge(documents: Sequence[StoryDocument], *, story_id: str) -> list[Finding]:
    """Every divergence between the independent reports of one story: figures, event dates."""
    found = figure_findings(documents, story_id) + event_findings(documents, story_id)
    return sorted(found, key=lambda f: (f.document_id, f.type, f.key))


DIVERGENCES = StoryCheck(
    CHECK, VERSION, ("figure", "event", "mentions"), lambda documents, story_id: diverge(documents, story_id=story_id),
    "Independent reports of one story must not give counts of one measure at one time, or dates of one event, "
    "that cannot all hold.")
