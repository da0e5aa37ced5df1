"""Event dates across sources: one event dated differently by independent reports of a story,
and an event placed impossibly against the story's own timeline. Pure.

An event claim is a date expression (``analyze/claims/events.py``); what it dates is read from
its clause: the event's *kind* from an event word of ``check/data/divergences.json`` ("arrived",
"met", "signed", "resigned" …), its *participants* from the people and organisations the
clause names (by entity, else by name), its *places* likewise. Two reports speak of the same
event only when kind, participants (at least one) and places are all the same. A clause is
not read at all when it tells of repetition or background ("again", "last", "since", "after"),
of plans ("will", "postponed", "scheduled"), of speech ("said on Monday that …": the date may
date the saying), or of negation.

Three findings, all *inconsistent*:

- ``event-date-across-sources``: the same event, two days apart or more (one day is enough
  when both dates are written out; a date read from "yesterday" or "on Tuesday" may be a day
  off through the time zone of its document's date), at most ``max_days`` apart — further, a
  story's background more likely names another occurrence.
- ``event-after-report``: a report dates an event after the publication of another report
  that already tells it as past.
- ``event-after-publication``: a document tells an event as past and dates it, with a date
  written out in full, after its own publication.

Of one event, each report's first ``PER_REPORT`` tellings are compared (every pair of a
story's tellings is, so a report that tells one event 10,000 times would cost the square of
its length). What a clause names is found by bisection over the mentions sorted once, where a
sentence cuts into clauses is found once per sentence, and what a clause says (its event
words, speech, tense, names) once per clause: 10,000 dates in one sentence rescan nothing.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from itertools import islice

from amanat.analyze.claims.dates import grammar as date_grammar
from amanat.analyze.claims.numbers import lexicon_language
from amanat.check.across import PER_REPORT, Report, layout_of, linked_groups, reports, rules, words
from amanat.kb.lexicon import lexicon
from amanat.model import Claim, Evidence, Finding, Mention, StoryDocument

CHECK = "divergences"
VERSION = 1
_CLAUSE_END = re.compile(r"[;()\u2013\u2014\"“”]|:(?!\d)|,(?!\d)|\s-\s")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_DEFINITE = frozenset({"the", "this", "these"})
_PRONOUNS = frozenset({"it", "they", "he", "she", "which", "who", "that", "those", "we"})


class _Names:
    """A document's mentions in order of start, and its organisations' spans as a running
    maximum of ends: which mentions a clause holds, and whether a place sits inside an
    organisation's name, are bisections, not a pass over every mention for each clause."""

    def __init__(self, mentions: Sequence[Mention]) -> None:
        self.mentions = sorted(mentions, key=lambda m: m.start)
        self.starts = [m.start for m in self.mentions]
        orgs = sorted((m.start, m.end) for m in mentions if m.kind == "organization")
        self.org_starts = [a for a, _ in orgs]
        self.org_reach: list[int] = []
        for _, b in orgs:
            self.org_reach.append(max(b, self.org_reach[-1]) if self.org_reach else b)

    def within(self, span: tuple[int, int]) -> list[Mention]:
        return self.mentions[bisect_left(self.starts, span[0]):bisect_left(self.starts, span[1])]

    def in_organization(self, at: int) -> bool:
        i = bisect_right(self.org_starts, at) - 1
        return i >= 0 and self.org_reach[i] > at


@dataclass(frozen=True)
class _Event:
    report: Report
    claim: Claim
    clause: tuple[int, int]
    kind: str
    who: frozenset[str]
    places: frozenset[str]
    day: date | None  # None for an undated telling ("Tokayev arrived in Islamabad.")
    written_out: bool  # the date has digits ("3 May"), not only words ("on Tuesday")
    past: bool
    names: _Names = field(compare=False, repr=False)

    @property
    def document(self) -> StoryDocument:
        return self.report.document


@cache
def _speech(language: str) -> frozenset[str]:
    return lexicon(lexicon_language(language)).words("speech_verbs")


class _Clauses:
    """The clause a date expression (or an event word) dates: its sentence cut at clause
    punctuation; a date that opens its sentence ("On Tuesday, Tokayev arrived …") dates the
    clause after it. A sentence's cuts are found once and bisected."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._cuts: dict[tuple[int, int], tuple[list[int], list[int]]] = {}

    def __call__(self, sentence: tuple[int, int], claim: Claim) -> tuple[int, int]:
        text = self.text
        s, e = sentence
        cuts = self._cuts.get(sentence)
        if cuts is None:
            found = list(_CLAUSE_END.finditer(text, s, e))
            cuts = self._cuts[sentence] = ([m.start() for m in found], [m.end() for m in found])
        starts, ends = cuts
        i = bisect_right(ends, claim.start) - 1
        start = ends[i] if i >= 0 else s
        if claim.start > s and text[claim.start - 1] in ",:" and start < claim.start:
            start = claim.start  # a cut right before the claim, as a search that stops there sees it
        j = bisect_left(starts, claim.end)
        stop = j if j < len(starts) else None
        end = starts[stop] if stop is not None else e
        if stop is not None and _few_words(text, (start, claim.start), (claim.end, end)):
            end = starts[stop + 1] if stop + 1 < len(starts) else e
        return start, end


def _few_words(text: str, *spans: tuple[int, int]) -> bool:
    """Whether the spans hold fewer than two words (counted no further than two)."""
    return sum(len(list(islice(_WORD.finditer(text, *span), 2))) for span in spans) < 2


def _named(names: _Names, span: tuple[int, int], kinds: tuple[str, ...]) -> frozenset[str]:
    out = set()
    for m in names.within(span):
        if m.kind not in kinds or m.nested:
            continue
        if m.kind == "place" and names.in_organization(m.start):
            continue
        out.add(m.entity_id or " ".join(m.text.casefold().split()))
    return frozenset(out)


def _subject(text: str, start: int, verb: int) -> frozenset[str]:
    """What an event word's clause tells of when it names nobody: the definite noun phrase right
    before the word ("The unrest began …" → {"noun:unrest"}); nothing for a pronoun, an
    indefinite phrase ("a protest began": another one) or a longer run of words."""
    found = [m.group() for m in islice(_WORD.finditer(text, start, verb), 5)]
    if not found or len(found) > 4 or found[0].casefold() not in _DEFINITE:
        return frozenset()
    nouns = [w.casefold() for w in found[1:]]
    if not nouns or any(n in _PRONOUNS or n[:1].isupper() for n in found[1:]):
        return frozenset()
    return frozenset({"noun:" + " ".join(nouns)})


def _events(report: Report) -> list[_Event]:
    """The report's dated events, then its undated tellings of past events (the clauses with an
    event word and no date, which say only that the event had happened by publication)."""
    doc = report.document
    w = words(doc.language)
    if w is None:
        return []
    language = (doc.language or "en").split("-")[0]
    g = date_grammar(lexicon_language(language))
    speech = _speech(language)
    lay = layout_of(doc)
    text = doc.text
    names = _Names(doc.mentions)
    clause_of = _Clauses(text)
    said: dict[tuple[int, int], _Said] = {}

    def read(clause: tuple[int, int], at: int) -> tuple[str, frozenset[str], frozenset[str], bool] | None:
        facts = said.get(clause)
        if facts is None:
            facts = said[clause] = _Said(text, clause, w.event_verbs, speech, names)
        verbs = facts.verbs
        # the event word the date belongs to: the last before it, else the first after it
        before = bisect_right(facts.verb_ends, at)
        verb = verbs[before - 1] if before else (verbs[0] if verbs else None)
        if verb is None or w.event_not_compared.search(text, *clause) or g.future.search(text, *clause):
            return None
        if facts.speech_outside(verb.start(), verb.end()):
            return None  # "said on Monday that …": the date may date the saying
        who = facts.who or _subject(text, clause[0], verb.start())
        if not who:
            return None
        return (w.event_types[" ".join(verb.group().casefold().split())], who, facts.places,
                bool(g.past.search(text, *clause)))

    out = []
    dated = [(c, clause_of(lay.sentence(c.start), c)) for c in doc.claims if c.type == "event"]
    clauses_dated = Counter(clause for _, clause in dated)
    for c, clause in dated:
        when = c.fields.get("date")
        if c.fields.get("precision") != "day" or not isinstance(when, str):
            continue
        if clauses_dated[clause] > 1:
            continue  # "arrived on 3 May and left on 5 May": two dates, a sequence or a range
        what = read(clause, c.start)
        if what is None:
            continue
        try:
            day = date.fromisoformat(when)
        except ValueError:
            continue
        out.append(_Event(report, c, clause, what[0], what[1], what[2], day, any(ch.isdigit() for ch in c.text),
                          what[3], names))
    # the dated clauses as starts in order with the furthest end so far: does a span meet one?
    spans = sorted(clauses_dated)
    span_starts = [a for a, _ in spans]
    reach: list[int] = []
    for _, b in spans:
        reach.append(max(b, reach[-1]) if reach else b)
    for sentence in lay.sentences:
        for verb in w.event_verbs.finditer(text, *sentence):
            clause = clause_of(sentence, Claim("event", verb.start(), verb.end(), verb.group()))
            i = bisect_left(span_starts, clause[1]) - 1
            if i >= 0 and reach[i] > clause[0]:
                continue
            what = read(clause, verb.end())
            if what is not None and what[3]:
                out.append(_Event(report, Claim("event", verb.start(), verb.end(), verb.group()), clause, what[0],
                                  what[1], what[2], None, False, True, names))
    return out


class _Said:
    """What one clause says, read once however many dates or event words it holds: its event
    words, where its speech words are, and whom and which places it names."""

    def __init__(self, text: str, clause: tuple[int, int], verbs: re.Pattern[str], speech: frozenset[str],
                 names: _Names) -> None:
        self.verbs = list(verbs.finditer(text, *clause))
        self.verb_ends = [v.end() for v in self.verbs]
        self.speech = [m.start() for m in _WORD.finditer(text, *clause) if m.group().casefold() in speech]
        self.who = _named(names, clause, ("person", "organization"))
        self.places = _named(names, clause, ("place",))

    def speech_outside(self, start: int, end: int) -> bool:
        """Whether a speech word of the clause lies outside the event word at [start, end)."""
        inside = bisect_left(self.speech, end) - bisect_left(self.speech, start)
        return len(self.speech) > inside


def _independent(a: _Event, b: _Event) -> bool:
    return a.report is not b.report and not set(a.report.outlets) & set(b.report.outlets)


def _dated_apart(a: _Event, b: _Event) -> bool:
    """Whether two datings of one event cannot both hold, by the rules' windows."""
    if a.day is None or b.day is None:
        return False
    limits = rules()["event_days"]
    gap = abs((a.day - b.day).days)
    least = 1 if a.written_out and b.written_out else int(limits["relative_min_days"])
    return least <= gap <= int(limits["max_days"])


def _after_report(told: _Event, dated: _Event) -> bool:
    """Whether ``dated`` puts the event after ``told``'s publication, which tells it as past."""
    published = told.document.published
    limits = rules()["event_days"]
    if not (told.past and dated.written_out and published is not None and dated.day is not None):
        return False
    if told.day is not None and told.day > published + timedelta(days=int(limits["slack_days"])):
        return False  # told as past and dated after its own publication: the finding below
    late = (dated.day - published).days
    return int(limits["slack_days"]) < late <= int(limits["max_days"])


def _words_of(e: _Event) -> str:
    return " ".join(e.document.text[e.clause[0]:e.clause[1]].split())


def _participants(e: _Event) -> str:
    names = sorted({m.text for m in e.names.within(e.clause) if m.kind in ("person", "organization", "place")
                    and not m.nested})
    return ", ".join(names) or ", ".join(sorted(w.removeprefix("noun:") for w in e.who))


def _evidence(e: _Event) -> Evidence:
    return Evidence(e.document.id, e.clause[0], e.clause[1], e.document.text[e.clause[0]:e.clause[1]], "report")


def _fact(e: _Event) -> dict[str, object]:
    return {"document_id": e.document.id, "source": e.document.source, "report": e.document.report,
            "copies": list(e.report.copies), "published": e.document.published.isoformat()
            if e.document.published else None, "words": _words_of(e), "date": e.day.isoformat() if e.day else None,
            "kind": e.kind, "past": e.past}


def _finding(kind: str, sentence: str, events: list[_Event], story_id: str) -> Finding:
    events = sorted(events, key=lambda e: (e.document.published or date.max, e.document.id, e.claim.start))
    first = events[0]
    key = "|".join((kind, first.kind, ",".join(sorted(first.who)), ",".join(sorted(first.places)),
                    "&".join(sorted({e.document.report or e.document.id for e in events}))))
    return Finding(check=CHECK, type=kind, status="inconsistent", severity="medium", sentence=sentence,
                   document_id=first.document.id, key=key, evidence=tuple(_evidence(e) for e in events),
                   facts=tuple(_fact(e) for e in events), judged_at=None,
                   date_source="each report's own dating, resolved against its publication date",
                   version=VERSION, story_id=story_id)


def event_findings(documents: Sequence[StoryDocument], story_id: str) -> list[Finding]:
    """Findings on the dates of one story's events (see the module's docstring)."""
    by_event: dict[tuple[str, frozenset[str], frozenset[str]], list[_Event]] = {}
    for r in reports(documents):
        tellings: Counter[tuple[str, frozenset[str], frozenset[str]]] = Counter()
        for e in _events(r):
            event = (e.kind, e.who, e.places)
            tellings[event] += 1
            if tellings[event] <= PER_REPORT:
                by_event.setdefault(event, []).append(e)
    events = [e for same in by_event.values() for e in same]
    found = []
    groups = [g for same in by_event.values() if len(same) > 1
              for g in linked_groups(same, lambda a, b: _independent(a, b) and _dated_apart(a, b))]
    for group in groups:
        said = "; ".join(f"{e.document.source} says \"{_words_of(e)}\" ({e.day})" for e in group)
        found.append(_finding(
            "event-date-across-sources",
            f"Independent reports tell the same event ({group[0].kind}: {_participants(group[0])}) and date it "
            f"differently: {said}.", group, story_id))
    seen: set[str] = set()
    for same in by_event.values():
        for told, dated in ((a, b) for a in same for b in same if a is not b):
            if not _independent(told, dated) or _dated_apart(told, dated) or not _after_report(told, dated):
                continue
            told_on = told.document.published.isoformat() if told.document.published else "?"
            f = _finding(
                "event-after-report",
                f"{dated.document.source} dates the event ({dated.kind}: {_participants(dated)}) "
                f"{dated.day} (\"{_words_of(dated)}\"), after {told.document.source} had already told it "
                f"as past on {told_on} (\"{_words_of(told)}\").", [told, dated], story_id)
            if f.key not in seen:
                seen.add(f.key)
                found.append(f)
    slack = timedelta(days=int(rules()["event_days"]["slack_days"]))
    for e in events:
        published = e.document.published
        if e.past and e.written_out and published is not None and e.day is not None and e.day > published + slack:
            found.append(Finding(
                check=CHECK, type="event-after-publication", status="inconsistent", severity="medium",
                sentence=(f"{e.document.source}, published {published.isoformat()}, tells as past an event dated "
                          f"{e.day}: \"{_words_of(e)}\"."),
                document_id=e.document.id, key=f"event-after-publication|{e.kind}|{','.join(sorted(e.who))}|"
                f"{e.day}|{e.document.report or e.document.id}",
                evidence=(_evidence(e),), facts=(_fact(e),), judged_at=published.isoformat(),
                date_source=f"the document's date ({e.document.date_source or 'unknown source'})",
                version=VERSION, story_id=story_id))
    return found
