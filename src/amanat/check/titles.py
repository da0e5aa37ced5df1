"""Titles against the dated record: at the document's date, and together in one document.

A *title claim* here is a person mention linked to the knowledge base with the title written
around it ("President Kassym-Jomart Tokayev", "Roman Vassilenko, the Deputy Foreign
Minister"). The title is matched to the offices the record says that person held (its words
within the office's words: "President" fits "President of Kazakhstan"); a title that fits
none of them, or a person the record has no office for, is left alone — the record is
silent, not contradicting.

- **At the date** (``AT_DATE``): the document's date falls in none of the person's terms in
  every office the title fits, and for each such office the record surely says so (a term
  that ended, or one not yet begun) — *contradicted*. A date the bounds' precision or an
  open-ended fact past its source's as-of date leaves unclear is *undetermined* and reported
  as such only when no term fits surely. Markers (then, former, ex, late) mean another time:
  not judged at the document's date. No date: nothing said.
- **Together** (``TOGETHER``): an article describes one moment, so the titles it gives
  without a marker must be jointly possible. Two titles whose terms surely never overlap
  (a term that ended in 2016 beside one that began in 2019) are *inconsistent* — found even
  when the document's date is unknown. A title in a sentence that carries its own past date
  ("in 2015, …") is judged apart and left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from amanat.check import Check, DocumentView, Record
from amanat.check.common import date_basis, fact_row, layout, name_of, term
from amanat.kb.index import Office, role_words
from amanat.kb.linking import resolve_holder
from amanat.kb.model import Interval
from amanat.kb.offices import OfficeResolution, resolve_office
from amanat.model import Evidence, Finding, FindingStatus, Mention

OTHER_TIME = frozenset({"then", "former", "ex", "late"})


@dataclass(frozen=True)
class Titled:
    """A linked person with a title, and the offices of theirs the title can mean."""

    mention: Mention
    offices: tuple[Office, ...]

    @property
    def span(self) -> tuple[int, int]:
        start = min(self.mention.start, self.mention.role_start if self.mention.role_start is not None else self.mention.start)
        end = max(self.mention.end, self.mention.role_end if self.mention.role_end is not None else self.mention.end)
        return start, end


def title_words(title: str) -> set[str]:
    """The words of a title as office labels are indexed ("UN" → united, nations)."""
    return {w for token in role_words(title) for w in token.split()}


def titled(document: DocumentView, record: Record) -> list[Titled]:
    """Linked persons with a title that fits at least one office the record gives them."""
    out = []
    for m in document.mentions:
        if m.kind != "person" or not m.entity_id or not m.role or m.nested:
            continue
        words = title_words(m.role) - OTHER_TIME
        if not words:
            continue
        fits = tuple(o for o in record.index.offices.get(m.entity_id, ()) if words <= o.words)
        if fits:
            out.append(Titled(m, fits))
    return out


def _facts(record: Record, person: str, offices: Iterable[Office]) -> tuple[dict[str, object], ...]:
    """The position-held facts behind the person's offices, with their sources and tier."""
    return tuple(f for o in offices for f in _position_facts(record, person, o.position_id, o.interval))


def _position_facts(record: Record, person: str, position: str,
                    interval: Interval | None = None) -> list[dict[str, object]]:
    """The person's position-held facts for one office (one term when ``interval`` is given)."""
    return [fact_row(record, f) for f in record.kb.facts_about(person, "position_held")
            if f.object == position and (interval is None or f.interval == interval)]


def _evidence(document: DocumentView, t: Titled) -> Evidence:
    start, end = t.span
    return Evidence(document.id, start, end, document.text[start:end], "claim")


def _own_date(document: DocumentView, t: Titled) -> bool:
    """Whether the title's sentence carries a year of its own ("in 2015, then-minister …")."""
    return layout(document).dates_itself(t.mention.start)


def _held_by_another(document: DocumentView, record: Record, day: date) -> list[Finding]:
    """A title naming one known office (as written: no misspelling read into it) that the
    record says someone else surely held on the day, given to a linked person the record
    has no term in it for."""
    found = []
    for m in document.mentions:
        if (m.kind != "person" or not m.entity_id or not m.role or m.nested or m.marker
                or m.marker in OTHER_TIME):
            continue
        words = title_words(m.role)
        if any(words <= o.words for o in record.index.offices.get(m.entity_id, ())):
            continue  # one of the person's own offices: judged by its terms (``_at_date``)
        office = _resolved(record, m.role)
        if office.status != "resolved" or office.read_as or not office.position:
            continue
        tenures = record.index.tenures.get(office.position, [])
        if any(t.person == m.entity_id for t in tenures):
            continue
        held = resolve_holder(tenures, day)
        if held.status != "held" or held.holder is None or held.holder == m.entity_id:
            continue
        held_term = next((t for t in tenures if t.person == held.holder and t.interval.contains(day)), None)
        label = name_of(record, office.position)
        holder, person = record.index.name_of(held.holder), record.index.name_of(m.entity_id)
        t = Titled(m, ())
        found.append(Finding(
            check="titles-at-date", type="title-at-date", status="contradicted", severity="high",
            sentence=(f"The record has {holder} as {label} on {day.isoformat()}"
                      + (f" ({term(held_term.interval)})" if held_term else "")
                      + f" and no term in it for {person}, whom the document calls \"{m.role}\"."),
            document_id=document.id, key=f"{m.entity_id}|{office.position}",
            evidence=(_evidence(document, t),),
            facts=tuple(_position_facts(record, held.holder, office.position)),
            judged_at=day.isoformat(), date_source=date_basis(document),
        ))
    return found


_resolved_for: list[tuple[object, dict[str, OfficeResolution]]] = []  # (the index, its answers)


def _resolved(record: Record, phrase: str) -> OfficeResolution:
    """``resolve_office`` remembered for the current base (held by reference, so another
    base is never answered from it): a corpus gives the same titles again and again, and
    resolving an unknown one, with its suggestions, costs milliseconds."""
    if not _resolved_for or _resolved_for[0][0] is not record.index:
        _resolved_for[:] = [(record.index, {})]
    known = _resolved_for[0][1]
    if phrase not in known:
        known[phrase] = resolve_office(record.index, phrase)
    return known[phrase]


def _at_date(document: DocumentView, record: Record) -> list[Finding]:
    day: date | None = document.published
    if day is None:
        return []
    found = _held_by_another(document, record, day)
    for t in titled(document, record):
        m = t.mention
        if m.marker in OTHER_TIME or _own_date(document, t):
            continue
        verdicts = [o.interval.contains(day) for o in t.offices]
        if any(v is True for v in verdicts):
            continue  # consistent with the record
        person = record.index.name_of(m.entity_id or "")
        terms = "; ".join(f"{o.label} {term(o.interval)}" for o in t.offices)
        status: FindingStatus
        if all(v is False for v in verdicts):
            status, severity = "contradicted", "high"
            sentence = (f"The record has {person} as {terms}; the document, dated {day.isoformat()}, "
                        f"calls them \"{m.role}\".")
        else:
            status, severity = "undetermined", "info"
            sentence = (f"The record cannot tell whether {person} was \"{m.role}\" on {day.isoformat()}: "
                        f"it has {terms}.")
        found.append(Finding(
            check="titles-at-date", type="title-at-date", status=status, severity=severity, sentence=sentence,
            document_id=document.id, key=f"{m.entity_id}|{' '.join(sorted(title_words(m.role or '')))}",
            evidence=(_evidence(document, t),), facts=_facts(record, m.entity_id or "", t.offices),
            judged_at=day.isoformat(), date_source=date_basis(document),
        ))
    return found


def _possible_together(a: Titled, b: Titled) -> bool:
    """False only when no term of one can share a day with any term of the other."""
    return any(x.interval.overlaps(y.interval) is not False for x in a.offices for y in b.offices)


def _together(document: DocumentView, record: Record) -> list[Finding]:
    claims = [t for t in titled(document, record)
              if t.mention.marker not in OTHER_TIME and not _own_date(document, t)]
    # one claim per person and title: the same title repeated is one claim
    unique: dict[tuple[str, frozenset[str]], Titled] = {}
    for t in claims:
        unique.setdefault((t.mention.entity_id or "", frozenset(title_words(t.mention.role or ""))), t)
    claims = list(unique.values())
    conflicts = {i: [j for j in range(len(claims)) if j != i and not _possible_together(claims[i], claims[j])]
                 for i in range(len(claims))}
    found = []
    reported: set[frozenset[int]] = set()
    # the claim that conflicts with the most others is named as the one at odds with the rest
    for i in sorted(conflicts, key=lambda k: -len(conflicts[k])):
        for j in conflicts[i]:
            pair = frozenset((i, j))
            if pair in reported:
                continue
            reported.add(pair)
            a, b = claims[i], claims[j]
            name_a, name_b = record.index.name_of(a.mention.entity_id or ""), record.index.name_of(b.mention.entity_id or "")
            terms_a = "; ".join(f"{o.label} {term(o.interval)}" for o in a.offices)
            terms_b = "; ".join(f"{o.label} {term(o.interval)}" for o in b.offices)
            sentence = (f"The document calls {name_a} \"{a.mention.role}\" and {name_b} \"{b.mention.role}\" "
                        f"without a then- or former marker, but the record's terms never overlap: "
                        f"{name_a} was {terms_a}; {name_b} was {terms_b}.")
            keys = sorted(f"{t.mention.entity_id}|{' '.join(sorted(title_words(t.mention.role or '')))}" for t in (a, b))
            found.append(Finding(
                check="titles-together", type="titles-together", status="inconsistent", severity="high",
                sentence=sentence, document_id=document.id, key="&".join(keys),
                evidence=(_evidence(document, a), _evidence(document, b)),
                facts=_facts(record, a.mention.entity_id or "", a.offices) + _facts(record, b.mention.entity_id or "", b.offices),
                judged_at=None, date_source="one moment: the titles of one article must hold together",
            ))
    return found


AT_DATE = Check("titles-at-date", 1, ("mentions", "role"), _at_date,
                "A person's title against the record's terms on the document's date.")
TOGETHER = Check("titles-together", 1, ("mentions", "role"), _together,
                 "The titles one article gives must be jointly possible.")
