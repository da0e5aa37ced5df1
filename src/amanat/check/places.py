"""Places against the record's dated names and capitals, and a place's names inside one document.

A place's names change (Akmola → Astana → Nur-Sultan → Astana); the record keeps each name as
a ``name`` fact with the interval it was official, and each capital as a ``capital`` fact of its
country. Only names the record dates are judged: an alias it does not date (a Russian spelling,
"Alma-Ata") says nothing either way.

- **At the date** (``PLACES_AT_DATE``):
  * a place called "the capital" of a country ("Almaty, the capital of Kazakhstan"): when
    every term the record gives that place as the country's capital surely excludes the
    document's date, *contradicted*; when the record cannot tell (a coarse bound, an open
    end past its as-of date), or lists no such term while another capital surely held that
    day, *undetermined*. Only the plain "capital" is judged: a "financial" or "southern"
    capital, or a role with a then-/former marker, is another claim;
  * a place name the record dates, used on a day that surely falls outside every period of
    that name while another name of the place surely held — "Nur-Sultan" in 2023 —
    *informational*: old names are often used on purpose, so this is no contradiction.
  A sentence with its own year, or words that speak of naming ("formerly", "renamed",
  "then", "known as"), is about another time or about the name itself: not judged. No
  document date: nothing said.
- **Inside the document** (``PLACE_NAMES``): one place given two names in two paragraphs
  whose periods never overlap in the record ("Astana" and "Nur-Sultan" as if both were
  current) is *inconsistent*, whatever the document's date.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

from amanat.check import Check, DocumentView, Record
from amanat.check.common import Layout, date_basis, entities_named, fact_row, layout, term
from amanat.kb.index import normalize_key
from amanat.kb.model import CAPITAL, NAME, Fact
from amanat.model import Claim, Evidence, Finding, FindingStatus, Mention

# words that make a sentence speak of a name or of another time rather than use the name now
NAMING_WORDS = frozenset({
    "formerly", "former", "then", "once", "renamed", "rename", "renaming", "known", "called", "named",
    "name", "names", "old", "previously", "earlier", "until", "later", "ex",
})
# words in a place's role that put it at another time ("then the capital", "the former capital")
OTHER_TIME = frozenset({"then", "former", "formerly", "once", "ex", "old", "onetime", "erstwhile", "previous"})
_WORDS = re.compile(r"[\w’'-]+")
_CAPITAL = re.compile(
    r"^(?:(?P<owner>[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){0,3}?)(?:['’]s)?\s+)?capital"
    r"(?:\s+(?:city\s+)?of\s+(?:the\s+)?(?P<of>[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){0,3}))?$")


def _names(record: Record, place: str) -> list[Fact]:
    return record.kb.facts_about(place, NAME)


def _dated(record: Record, m: Mention) -> list[Fact]:
    """The record's dated names of the mentioned place that are written as the mention is."""
    key = normalize_key(m.text)
    return [f for f in _names(record, m.entity_id or "") if f.subject == m.entity_id and f.value
            and normalize_key(f.value) == key]


def _speaks_of_naming(text: str, start: int, end: int) -> bool:
    return any(w.casefold() in NAMING_WORDS for w in _WORDS.findall(text, start, end))


def _places(document: DocumentView) -> list[Mention]:
    return [m for m in document.mentions if m.kind == "place" and m.entity_id and not m.nested]


def _judged(document: DocumentView, lay: Layout, m: Mention) -> bool:
    """Whether a mention uses its name at the document's time: not in a sentence dated
    otherwise (a year, an event on another day), nor one about the name itself."""
    s, e = lay.sentence(m.start)
    if lay.dates_itself(m.start) or _speaks_of_naming(document.text, s, e):
        return False
    today = document.published.isoformat() if document.published else None
    return not any(c.type == "event" and s <= c.start < e and c.fields.get("date") != today for c in document.claims)


def _name_at_date(document: DocumentView, record: Record, lay: Layout, day: date) -> list[Finding]:
    found: dict[str, Finding] = {}
    for m in _places(document):
        written = _dated(record, m)
        if not written or not _judged(document, lay, m):
            continue
        if any(f.interval.contains(day) is not False for f in written):
            continue
        current = [f for f in _names(record, m.entity_id or "") if f.subject == m.entity_id and f.value
                   and normalize_key(f.value) != normalize_key(m.text) and f.interval.contains(day) is True]
        if not current:
            continue  # the record does not say what it was called that day: nothing to set beside it
        key = f"{m.entity_id}|{normalize_key(m.text)}"
        if key in found:
            continue
        periods = "; ".join(term(f.interval) for f in written)
        now = "; ".join(f"\"{f.value}\" ({term(f.interval)})" for f in current)
        found[key] = Finding(
            check="places-at-date", type="place-name-at-date", status="informational", severity="info",
            sentence=(f"The document, dated {day.isoformat()}, calls the place \"{m.text}\", a name the record "
                      f"dates {periods}; on that day the record has it as {now}."),
            document_id=document.id, key=key,
            evidence=(Evidence(document.id, m.start, m.end, m.text, "claim"),),
            facts=tuple(fact_row(record, f) for f in written + current),
            judged_at=day.isoformat(), date_source=date_basis(document),
        )
    return list(found.values())


def _country(record: Record, role: Claim, place: str) -> str | None:
    """The country a "capital" role names (its owner or "of …"), else the only country the
    record has the place as capital of. None when the role is not the plain capital."""
    title = re.sub(r"^(?:the|a|an)\s+", "", str(role.fields.get("title") or "").strip(), flags=re.I)
    m = _CAPITAL.match(title)
    if m is None:
        return None
    owner = re.sub(r"['’]s$", "", m.group("owner") or m.group("of") or "")
    if owner:
        ids = entities_named(record, owner, ("place",))
        demonym = record.index.demonyms.get(owner.casefold())
        if demonym:
            ids.add(demonym)
        return next(iter(ids)) if len(ids) == 1 else None
    countries = {f.subject for f in record.kb.facts_about(place, CAPITAL) if f.object == place}
    return next(iter(countries)) if len(countries) == 1 else None


def _capital_at_date(document: DocumentView, record: Record, lay: Layout, day: date) -> list[Finding]:
    found = []
    for c in document.claims:
        place = c.fields.get("entity")
        if c.type != "role" or "place" not in c.fields or not isinstance(place, str):
            continue
        if c.fields.get("marker") or {w.casefold() for w in _WORDS.findall(c.text)} & OTHER_TIME:
            continue
        if lay.dates_itself(c.start):
            continue
        country = _country(record, c, place)
        if country is None:
            continue
        capitals = [f for f in record.kb.facts_about(country, CAPITAL) if f.subject == country and f.object]
        own = [f for f in capitals if f.object == place]
        verdicts = [f.interval.contains(day) for f in own]
        if any(v is True for v in verdicts):
            continue
        others = [f for f in capitals if f.object != place and f.interval.contains(day) is True]
        name, land = record.index.name_of(place), record.index.name_of(country)
        written = f"\"{c.fields.get('title')}\""
        status: FindingStatus
        if own and all(v is False for v in verdicts):
            status, severity = "contradicted", "high"
            terms = "; ".join(term(f.interval) for f in own)
            sentence = (f"The record has {name} as the capital of {land} {terms}; the document, dated "
                        f"{day.isoformat()}, calls it {written}.")
        elif own or others:
            status, severity = "undetermined", "info"
            have = "; ".join(f"{record.index.name_of(f.object or '')} {term(f.interval)}" for f in own + others)
            sentence = (f"The record cannot tell whether {name} was the capital of {land} on {day.isoformat()}, "
                        f"as the document says: its capitals of {land} are {have}.")
        else:
            continue  # the record knows no capital of that country: silent
        found.append(Finding(
            check="places-at-date", type="capital-at-date", status=status, severity=severity, sentence=sentence,
            document_id=document.id, key=f"{place}|capital|{country}",
            evidence=(Evidence(document.id, c.start, c.end, c.text, "claim"),),
            facts=tuple(fact_row(record, f) for f in own + others),
            judged_at=day.isoformat(), date_source=date_basis(document),
        ))
    return found


def _at_date(document: DocumentView, record: Record) -> list[Finding]:
    day = document.published
    if day is None:
        return []
    lay = layout(document)
    return _capital_at_date(document, record, lay, day) + _name_at_date(document, record, lay, day)


def _first_pair(ma: list[Mention], mb: list[Mention], lay: Layout) -> tuple[Mention, Mention] | None:
    """Of the pairs (x of ``ma``, y of ``mb``) in different paragraphs, the first whose earlier
    mention comes first — found without listing every pair (a text using each of two names
    5,000 times has 25 million): the earliest mention with a partner in another paragraph,
    and its first such partner."""
    pa, pb = [lay.paragraph(m.start) for m in ma], [lay.paragraph(m.start) for m in mb]
    sa, sb = set(pa), set(pb)
    best: tuple[Mention, int, bool] | None = None
    for mentions, paragraphs, other, first in ((ma, pa, sb, True), (mb, pb, sa, False)):
        for m, p in zip(mentions, paragraphs, strict=True):
            if (len(other) > 1 or p not in other) and (best is None or m.start < best[0].start):
                best = (m, p, first)
    if best is None:
        return None
    m, p, first = best
    if first:
        return m, next(y for y, q in zip(mb, pb, strict=True) if q != p)
    return next(x for x, q in zip(ma, pa, strict=True) if q != p), m


def _in_document(document: DocumentView, record: Record) -> list[Finding]:
    lay = layout(document)
    # place → folded name → (its dated facts, the mentions using it now)
    uses: dict[str, dict[str, tuple[list[Fact], list[Mention]]]] = defaultdict(dict)
    for m in _places(document):
        written = _dated(record, m)
        if written and _judged(document, lay, m):
            uses[m.entity_id or ""].setdefault(normalize_key(m.text), (written, []))[1].append(m)
    found = []
    for place, by_name in uses.items():
        names = sorted(by_name)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                (fa, ma), (fb, mb) = by_name[a], by_name[b]
                if any(x.interval.overlaps(y.interval) is not False for x in fa for y in fb):
                    continue  # both names could be current on one day
                pair = _first_pair(ma, mb, lay)
                if pair is None:
                    continue  # one paragraph giving both names is explaining the rename
                x, y = pair
                first, second = sorted((x, y), key=lambda m: m.start)
                f_first, f_second = (fa, fb) if first is x else (fb, fa)
                name = record.index.name_of(place)
                sentence = (f"The document calls one place, {name}, both \"{first.text}\" and \"{second.text}\" "
                            f"without saying they are of different times, but the record's periods for the two "
                            f"names never overlap: \"{first.text}\" {'; '.join(term(f.interval) for f in f_first)}, "
                            f"\"{second.text}\" {'; '.join(term(f.interval) for f in f_second)}.")
                found.append(Finding(
                    check="place-names-in-document", type="place-names-in-document", status="inconsistent",
                    severity="medium", sentence=sentence, document_id=document.id, key=f"{place}|{a}&{b}",
                    evidence=(Evidence(document.id, first.start, first.end, first.text, "claim"),
                              Evidence(document.id, second.start, second.end, second.text, "claim")),
                    facts=tuple(fact_row(record, f) for f in f_first + f_second),
                    judged_at=None, date_source="one moment: the names one article gives a place must hold together",
                ))
    return found


PLACES_AT_DATE = Check("places-at-date", 1, ("mentions", "role"), _at_date,
                       "A place's name and its role as capital against the record on the document's date.")
PLACE_NAMES = Check("place-names-in-document", 1, ("mentions",), _in_document,
                    "One place must not be given two names of different periods in one article.")
