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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from amanat.analyze.claims.dates import grammar as date_grammar
from amanat.analyze.claims.numbers import lexicon_language
from amanat.check.across import Report, layout_of, linked_groups, reports, rules, words
from amanat.kb.lexicon import lexicon
from amanat.model import Claim, Evidence, Finding, Mention, StoryDocument

CHECK = "divergences"
VERSION = 1
_CLAUSE_END = re.compile(r"[;()\u2013\u2014\"“”]|:(?!\d)|,(?!\d)|\s-\s")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_DEFINITE = frozenset({"the", "this", "these"})
_PRONOUNS = frozenset({"it", "they", "he", "she", "which", "who", "that", "those", "we"})


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

    @property
    def document(self) -> StoryDocument:
        return self.report.document


@cache
def _speech(language: str) -> frozenset[str]:
    return lexicon(lexicon_language(language)).words("speech_verbs")


def _clause(text: str, sentence: tuple[int, int], claim: Claim) -> tuple[int, int]:
    """The clause a date expression dates: its sentence cut at clause punctuation; a date that
    opens its sentence ("On Tuesday, Tokayev arrived …") dates the clause after it."""
    s, e = sentence
    start = s
    for m in _CLAUSE_END.finditer(text, s, claim.start):
        start = m.end()
    stop = _CLAUSE_END.search(text, claim.end, e)
    end = stop.start() if stop else e
    if len(_WORD.findall(text[start:claim.start] + " " + text[claim.end:end])) < 2 and stop is not None:
        after = _CLAUSE_END.search(text, stop.end(), e)
        end = after.start() if after else e
    return start, end


def _named(mentions: tuple[Mention, ...], span: tuple[int, int], kinds: tuple[str, ...]) -> frozenset[str]:
    orgs = [(m.start, m.end) for m in mentions if m.kind == "organization"]
    out = set()
    for m in mentions:
        if m.kind not in kinds or not (span[0] <= m.start < span[1]) or m.nested:
            continue
        if m.kind == "place" and any(s <= m.start < e for s, e in orgs):
            continue
        out.add(m.entity_id or " ".join(m.text.casefold().split()))
    return frozenset(out)


def _subject(text: str, start: int, verb: int) -> frozenset[str]:
    """What an event word's clause tells of when it names nobody: the definite noun phrase right
    before the word ("The unrest began …" → {"noun:unrest"}); nothing for a pronoun, an
    indefinite phrase ("a protest began": another one) or a longer run of words."""
    found = _WORD.findall(text[start:verb])
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

    def read(clause: tuple[int, int], at: int) -> tuple[str, frozenset[str], frozenset[str], bool] | None:
        verbs = list(w.event_verbs.finditer(text, *clause))
        # the event word the date belongs to: the last before it, else the first after it
        verb = next((v for v in reversed(verbs) if v.end() <= at), verbs[0] if verbs else None)
        if verb is None or w.event_not_compared.search(text, *clause) or g.future.search(text, *clause):
            return None
        if any(m.group().casefold() in speech and not verb.start() <= m.start() < verb.end()
               for m in _WORD.finditer(text, *clause)):
            return None  # "said on Monday that …": the date may date the saying
        who = _named(doc.mentions, clause, ("person", "organization")) or _subject(text, clause[0], verb.start())
        if not who:
            return None
        return (w.event_types[" ".join(verb.group().casefold().split())], who,
                _named(doc.mentions, clause, ("place",)), bool(g.past.search(text, *clause)))

    out = []
    dated = [(c, _clause(text, lay.sentence(c.start), c)) for c in doc.claims if c.type == "event"]
    dated_clauses = [clause for _, clause in dated]
    for c, clause in dated:
        when = c.fields.get("date")
        if c.fields.get("precision") != "day" or not isinstance(when, str):
            continue
        if sum(1 for other in dated_clauses if other == clause) > 1:
            continue  # "arrived on 3 May and left on 5 May": two dates, a sequence or a range
        what = read(clause, c.start)
        if what is None:
            continue
        try:
            day = date.fromisoformat(when)
        except ValueError:
            continue
        out.append(_Event(report, c, clause, what[0], what[1], what[2], day, any(ch.isdigit() for ch in c.text),
                          what[3]))
    for sentence in lay.sentences:
        for verb in w.event_verbs.finditer(text, *sentence):
            clause = _clause(text, sentence, Claim("event", verb.start(), verb.end(), verb.group()))
            if any(a < clause[1] and clause[0] < b for a, b in dated_clauses):
                continue
            what = read(clause, verb.end())
            if what is not None and what[3]:
                out.append(_Event(report, Claim("event", verb.start(), verb.end(), verb.group()), clause, what[0],
                                  what[1], what[2], None, False, True))
    return out


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
    names = sorted({m.text for m in e.document.mentions if m.kind in ("person", "organization", "place")
                    and e.clause[0] <= m.start < e.clause[1] and not m.nested})
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
        for e in _events(r):
            by_event.setdefault((e.kind, e.who, e.places), []).append(e)
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
