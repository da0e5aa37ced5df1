"""Build the knowledge base from the office-holder and Popolo files in ``shared/data/kb``.

Everything the files give goes in: every holder of every position in every
``wikidata-officeholders`` repository (cabinets since ~2000, legislatures, governors, UN and
international offices, heads of state and government of every country) and the members of the
three Popolo legislatures (``everypolitician-data-2015``, with the two upstream
``positions.csv``). ``holdings.read_officeholders`` reads the CSV shapes; each file is one
``Source`` whose as-of date is its repository's snapshot date (``data/kb/SOURCES.md``), so an
open-ended holding is known only up to that date.

One person is one entity (by QID) with all their names and tenures. The same tenure given by
several files is one fact citing all of them (``Fact.also_sources``): the finest dates win (a
day-precision start over the year a list of leaders gives), and an open-ended tenure is known
up to the latest as-of date of the files that give it. Where files disagree (one ends a term
that another, as of a later date, still has open) both facts stay.

A *scope rule* — a predicate on a ``Holding`` (position, country, dates), never a list of
people — can still narrow a build (``build(root, scope=DEFAULT_SCOPE)`` is the former sample
base: heads of state and government, foreign ministers, ambassadors of Kazakhstan, Pakistan,
Russia and their neighbours, 2015–2024).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from amanat.errors import InputError
from amanat.kb import export, merge, popolo
from amanat.kb.holdings import (  # noqa: F401  (close_gaps, snapshot_dates: re-exported)
    Holding,
    close_gaps,
    read_officeholders,
    snapshot_dates,
)
from amanat.kb.model import (
    JURISDICTION,
    MEMBER_OF,
    POSITION_HELD,
    Bound,
    Entity,
    Fact,
    Interval,
    KnowledgeBase,
    Label,
    Record,
    Source,
    qualifiers,
)
from amanat.kb.scripts import script_of

Scope = Callable[[Holding], bool]


@dataclass(frozen=True)
class ScopeRule:
    """Offices whose label matches ``positions`` in ``countries`` (or in any country when the
    label matches ``international``), held at some time in ``[since, until)``."""

    countries: frozenset[str]
    positions: re.Pattern[str]
    international: re.Pattern[str]
    since: date
    until: date

    def __call__(self, h: Holding) -> bool:
        where = (h.jurisdiction in self.countries and self.positions.search(h.position_label)) or (
            self.international.search(h.position_label)
        )
        if not where:
            return False
        period = Interval(Bound(self.since), Bound(self.until))
        return period.overlaps(Interval(h.start, h.end, as_of=self.until)) is not False


# Kazakhstan, Pakistan, Russia and their neighbours (land borders, plus the Central Asian states)
REGION = frozenset(
    {
        "Q232",
        "Q843",
        "Q159",  # KZ PK RU
        "Q265",
        "Q813",
        "Q863",
        "Q874",  # UZ KG TJ TM
        "Q148",
        "Q889",
        "Q668",
        "Q794",  # CN AF IN IR
        "Q212",
        "Q184",
        "Q230",
        "Q227",
        "Q399",  # UA BY GE AZ AM
    }
)
DEFAULT_SCOPE = ScopeRule(
    countries=REGION,
    positions=re.compile(
        r"^(president|prime minister|chairman of the (government|cabinet of ministers))\b"
        r"(?!.*\b(azad|punjab|sindh|khyber|balochistan|gilgit|province|assembly|senate|bank|"
        r"crimea|sakha|tatarstan|bashkortostan|chechen|dagestan|autonomous))"
        r"|^((first )?deputy |state )?(minister|secretary) (of|for) (foreign|external) "
        r"(affairs|relations)|^(deputy )?foreign minister|spokes?(person|man|woman)"
        r"|ambassador (of \w+ )?to (kazakhstan|pakistan|russia|uzbekistan|kyrgyzstan|tajikistan|"
        r"turkmenistan|china|afghanistan|india|iran|the united nations)"
        r"|permanent representative (of \w+ )?to the united nations"
        r"|^президент|^председатель правительства|министр иностранных дел"
        r"|посол .*(казахстан|пакистан|узбекистан|киргиз|таджикистан|туркмени|китай|афганистан|"
        r"инди|иран|оон)",
        re.I,
    ),
    international=re.compile(
        r"^secretary-general of the united nations|"
        r"(secretary[- ]general|chair(man|person)?|executive director) of the "
        r"(collective security treaty organization|shanghai cooperation organisation|"
        r"conference on interaction and confidence)",
        re.I,
    ),
    since=date(2015, 1, 1),
    until=date(2025, 1, 1),
)



def everything(h: Holding) -> bool:
    """The scope of the shipped base: every holding the files give."""
    return True


def _finer(b: Bound | None) -> int:
    return 3 if b is None else {"day": 0, "month": 1, "year": 2}[b.precision]


def _same_bound(a: Bound | None, b: Bound | None) -> bool:
    """Both unknown, or periods that overlap (2019 and 2019-03-20 may be one day)."""
    if a is None or b is None:
        return a is b
    return a.value < b.after and b.value < a.after


@dataclass
class Tenure:
    """One person in one office over one interval, with every file that says so."""

    first: Holding
    as_of: date | None
    sources: list[str]


def tenures(holdings: Iterable[Holding], as_of: dict[str, date | None]) -> list[Tenure]:
    """Holdings of the same person in the same office over the same interval folded into one
    tenure: same start and end at the finer precision, or an open end that a closed one from
    another file continues (its end after the open file's as-of date). The finest holding
    gives the dates; the others are further sources."""
    groups: dict[tuple[str, str], list[Holding]] = defaultdict(list)
    for h in holdings:
        groups[(h.person, h.position)].append(h)
    out: list[Tenure] = []
    for group in groups.values():
        group.sort(key=lambda h: (_finer(h.start), h.end is None, _finer(h.end), h.source))
        kept: list[Tenure] = []
        for h in group:
            for t in kept:
                f = t.first
                if not _same_bound(f.start, h.start):
                    continue
                if f.end is None and h.end is None:
                    pass
                elif f.end is not None and h.end is not None:
                    if not _same_bound(f.end, h.end):
                        continue
                else:  # one file still has it open: same tenure only if the other ends later
                    closed = f.end or h.end
                    open_as_of = as_of.get(h.source if h.end is None else f.source)
                    if closed is None or open_as_of is None or closed.after <= open_as_of:
                        continue
                if h.source not in t.sources:
                    t.sources.append(h.source)
                if f.end is None and h.end is None:
                    t.as_of = max((d for d in (t.as_of, as_of.get(h.source)) if d), default=None)
                break
            else:
                kept.append(Tenure(h, as_of.get(h.source), [h.source]))
        out.extend(kept)
    return out


def _person_labels(names: Counter[str]) -> tuple[Label, ...]:
    """The most frequent Latin-script name is the label (the one shown), the rest aliases."""
    def rank(item: tuple[str, int]) -> tuple[bool, int, str]:
        return (script_of(item[0]) != "Latn", -item[1], item[0])

    ordered = [n for n, _ in sorted(names.items(), key=rank)]
    return tuple(
        Label(n, None, script_of(n), "label" if i == 0 else "alias") for i, n in enumerate(ordered)
    )


def build(root: str | Path, scope: Scope = everything) -> Iterator[Record]:
    """Sources, entities (persons, positions, countries) and facts for holdings in scope."""
    root = Path(root)
    sources, holdings = read_officeholders(root)
    kept = [h for h in holdings if scope(h)]
    as_of = {s.id: s.as_of for s in sources}
    used = {h.source for h in kept}
    yield from (s for s in sources if s.id in used)
    people: dict[str, Counter[str]] = defaultdict(Counter)
    offices: dict[str, tuple[str, str | None]] = {}
    countries: dict[str, str] = {}
    for h in kept:
        for n in (h.person_label, *h.other_names):
            if n and not n.startswith("Q"):
                people[h.person][n] += 1
        offices.setdefault(h.position, (h.position_label, h.jurisdiction))
        if h.jurisdiction and h.jurisdiction_label:
            countries.setdefault(h.jurisdiction, h.jurisdiction_label)
    for qid, names in sorted(people.items()):
        yield Entity(qid, "person", _person_labels(names), (("wikidata", qid),))
    for qid, (label, _) in sorted(offices.items()):
        yield Entity(
            qid,
            "position",
            (Label(label, None, script_of(label)),),
            (("wikidata", qid),) if qid.startswith("Q") else (),
        )
    for qid, label in sorted(countries.items()):
        yield Entity(qid, "place", (Label(label, "en", script_of(label)),), (("wikidata", qid),))
    seen_juris: set[str] = set()
    for t in tenures(kept, as_of):
        h = t.first
        yield Fact(
            h.person,
            POSITION_HELD,
            object=h.position,
            source=h.source,
            also_sources=tuple(t.sources[1:]),
            interval=Interval(h.start, h.end, as_of=t.as_of if h.end is None else as_of[h.source]),
            qualifiers=qualifiers(of=h.jurisdiction),
        )
        if h.jurisdiction and h.position not in seen_juris:
            seen_juris.add(h.position)
            yield Fact(
                h.position,
                JURISDICTION,
                object=h.jurisdiction,
                source=h.source,
                interval=Interval(as_of=as_of[h.source]),
            )


# --- the Popolo legislatures ---------------------------------------------------------------

# A Popolo membership of a legislature is a seat: the Wikidata position of a member of that
# legislature (as the office-holder files name it: legislative-positions.csv), so a member is
# the same tenure as a Wikidata holder of the seat and ``kb.merge`` folds the two records.
SEATS = {
    "Q1247199": "Q21328574",  # Mazhilis → Member of the Mazhilis
    "Q1518223": "Q33512801",  # National Assembly of Pakistan (term 14) → Member of the 14th …
    "Q715641": "Q17276321",  # State Duma → member of the State Duma
}
_POPOLO_SNAPSHOT = re.compile(r"HEAD commit `([0-9a-f]{40})` \((\d{4}-\d{2}-\d{2})\)")
_UPSTREAM_COMMIT = re.compile(r"`([\w/]+/positions\.csv)` @ ([0-9a-f]{40})")


def read_legislatures(root: Path, offices: dict[str, str]) -> Iterator[Record]:
    """The Popolo legislatures and the upstream ``positions.csv`` files, as records.

    Person ids are ``ep:<EveryPolitician id>`` (the ids the name-variant files use); a seat is
    ``position_held`` of the legislature's member position (``SEATS``), dated by the term when
    the membership gives no dates; an office named by a label the office-holder files know
    (``offices``: folded label → position id) is that position, never a second one. Parties
    and constituencies are described, not linked (kind ``other``): their short names are
    ordinary words ("Independent") or shared by many places.
    """
    text = (root / "SOURCES.md").read_text(encoding="utf-8")
    snap = _POPOLO_SNAPSHOT.search(text)
    upstream = {m.group(1): m.group(2) for m in _UPSTREAM_COMMIT.finditer(text)}
    files = sorted((root / "everypolitician-data-2015").glob("*/*/ep-popolo-v1.0.json"))
    files += sorted((root / "everypolitician-data-upstream").glob("*/*/unstable/positions.csv"))
    for path in files:
        rel = path.relative_to(root).as_posix()
        if rel.startswith("everypolitician-data-2015/"):
            house = rel.split("/", 1)[1].rsplit("/", 1)[0]
            commit, as_of = (snap.group(1), date.fromisoformat(snap.group(2))) if snap else ("", None)
            repo, title = "tijmenb/everypolitician-data", f"EveryPolitician Popolo: {house}"
        else:
            house = rel.split("/", 1)[1]
            commit, as_of = upstream.get(house, ""), None  # SOURCES.md gives no date
            repo, title = "everypolitician/everypolitician-data", f"EveryPolitician positions: {house}"
        src = Source(
            id=f"ep:{rel}",
            title=title,
            publisher="EveryPolitician (Popolo)",
            url=f"https://github.com/{repo}/tree/{commit}" if commit else None,
            as_of=as_of,
        )
        for r in popolo.read(path, src, namespace="ep"):
            if isinstance(r, Entity) and r.kind in ("organization", "place") and not r.id.startswith("Q"):
                r = replace(r, kind="other")
            elif isinstance(r, Entity) and r.kind == "organization" and r.id not in SEATS:
                r = replace(r, kind="other")  # a party
            elif isinstance(r, Entity) and r.kind == "position":
                if r.name.casefold() in offices:
                    continue
            elif isinstance(r, Fact):
                if r.predicate == MEMBER_OF and r.object in SEATS:
                    r = replace(r, predicate=POSITION_HELD, object=SEATS[r.object])
                elif r.predicate == POSITION_HELD and r.object:
                    label = r.object.removeprefix("ep:position/").casefold()
                    r = replace(r, object=offices.get(label, r.object))
                if r.interval.end is None:
                    r = replace(r, interval=replace(r.interval, as_of=as_of))
            yield r


# --- hand-entered facts and the bundled starter base -----------------------------------------

DATA_DIR = Path(__file__).parent / "data"
MANUAL = DATA_DIR / "manual.json"
STARTER = DATA_DIR / "starter.json.zst"
# the repo sits beside shared/ (…/main/src/amanat/kb/build.py → …/shared/data/kb)
SHARED_KB = Path(__file__).resolve().parents[4] / "shared" / "data" / "kb"


# A manual source is a citation of one public page: where it is, what it is called, who
# published it, the page's date and what kind of date that is, and the passage that supports
# the facts. A page that shows no date says so ("none shown…"); such a page may support names
# and facts with an end, never a fact that starts and has no end (the page's date is what
# bounds how long such a fact is known to hold).
CITATION_FIELDS = ("url", "title", "publisher", "date", "date_kind", "quote")
NO_DATE = "none shown"


def check_citation(s: dict[str, object], where: str) -> date | None:
    """The page date of a manual source (first day of its period), or InputError if the
    citation is incomplete: every field of ``CITATION_FIELDS`` is required."""
    sid = s.get("id")
    missing = [k for k in CITATION_FIELDS if k not in s]
    if missing:
        raise InputError(f"source {sid!r} lacks {', '.join(missing)}", where=where)
    url = s["url"]
    if not isinstance(url, str) or not re.match(r"https?://\S+$", url):
        raise InputError(f"source {sid!r}: url must be an http(s) address", where=where)
    for k in ("title", "publisher", "date_kind"):
        value = s[k]
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"source {sid!r}: empty {k}", where=where)
    quote = s["quote"]
    if (
        not isinstance(quote, list)
        or not quote
        or not all(isinstance(q, str) and q.strip() for q in quote)
    ):
        raise InputError(f"source {sid!r}: quote must be one or more passages", where=where)
    kind = str(s["date_kind"])
    if s["date"] is None:
        if not kind.startswith(NO_DATE):
            raise InputError(
                f"source {sid!r}: no date, so date_kind must say {NO_DATE!r}", where=where
            )
        return None
    if kind.startswith(NO_DATE):
        raise InputError(f"source {sid!r}: a date with date_kind {kind!r}", where=where)
    try:
        return Bound.parse(str(s["date"])).value
    except ValueError as exc:
        raise InputError(f"source {sid!r}: {exc}", where=where) from exc


def _citation_note(s: dict[str, object]) -> str:
    """What the bundled Source keeps of the citation: note, page date and quoted passages."""
    quotes = s["quote"]  # a list of strings: check_citation saw to it
    quoted = " … ".join(f"“{q}”" for q in (quotes if isinstance(quotes, list) else [quotes]))
    date_text = s["date"] if s["date"] is not None else "not shown"
    parts = [
        str(s.get("note") or "").strip(),
        f"Page date: {date_text} ({s['date_kind']}).",
        f"Quoted: {quoted}",
    ]
    return " ".join(p for p in parts if p)


def read_manual(path: str | Path = MANUAL) -> list[Record]:
    """Hand-entered reference records (the export format, plus citations).

    Every source must be a full citation (``check_citation``); every entity, label and fact
    must cite one; a fact's ``also_cites`` lists further pages for other parts of it. A fact
    without an end is known up to its page's date: its ``as_of`` is the date of its source
    unless it gives one of the dates of the pages it cites, and one with a start and no end
    must have such a date. Anything else is refused.
    """
    p = Path(path)
    where = str(p)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read hand-entered facts: {exc}", where=where) from exc
    if not isinstance(doc, dict):
        raise InputError("hand-entered facts must be a JSON object", where=where)
    dates = {str(s.get("id")): check_citation(s, where) for s in doc.get("sources", [])}
    raw = {str(s.get("id")): s for s in doc.get("sources", [])}
    for e in doc.get("entities", []):
        own = e.get("source")
        cites = {own, *(la.get("source", own) for la in e.get("labels", []))}
        if not cites <= dates.keys():
            raise InputError(f"entity {e.get('id')!r} cites no known source", where=where)
    open_as_of: list[date | None] = []
    for f in doc.get("facts", []):
        cited = [f.get("source"), *f.get("also_cites", [])]
        if not set(cited) <= dates.keys():
            raise InputError(f"fact about {f.get('subject')!r} cites no known source", where=where)
        as_of = None
        if not f.get("end") and not f.get("end_unknown"):
            if f.get("as_of"):
                as_of = date.fromisoformat(f["as_of"])
                if as_of not in {dates[c] for c in cited}:
                    raise InputError(
                        f"fact about {f.get('subject')!r}: as_of {f['as_of']} is the date of "
                        "none of its pages",
                        where=where,
                    )
            elif dates[f["source"]] is None and f.get("start"):
                raise InputError(
                    f"open-ended fact about {f.get('subject')!r} cites a page with no date",
                    where=where,
                )
            else:
                as_of = dates[f["source"]]
        open_as_of.append(as_of)
    records = list(export.from_json(doc, where=where))
    out: list[Record] = []
    facts = iter(open_as_of)
    for r in records:
        if isinstance(r, Source):
            r = replace(r, as_of=dates[r.id], note=_citation_note(raw[r.id]))
        elif isinstance(r, Fact):
            as_of = next(facts)
            if as_of is not None:
                r = replace(r, interval=replace(r.interval, as_of=as_of))
        out.append(r)
    return out


def starter(root: str | Path = SHARED_KB, manual: str | Path = MANUAL) -> list[Record]:
    """The starter base: every office-holder file, the Popolo legislatures, then the
    hand-entered facts."""
    records = list(build(root))
    offices: dict[str, str] = {}
    for r in records:
        if isinstance(r, Entity) and r.kind == "position":
            offices.setdefault(r.name.casefold(), r.id)
    return [*records, *read_legislatures(Path(root), offices), *read_manual(manual)]


def main(argv: list[str] | None = None) -> int:
    """``python -m amanat.kb.build --out src/amanat/kb/data/starter.json.zst``"""
    parser = argparse.ArgumentParser(prog="python -m amanat.kb.build", description=__doc__)
    parser.add_argument("--root", type=Path, default=SHARED_KB, help="shared/data/kb folder")
    parser.add_argument("--manual", type=Path, default=MANUAL, help="hand-entered facts")
    parser.add_argument("--out", type=Path, default=STARTER, help="export file to write")
    args = parser.parse_args(argv)
    if not (args.root / "wikidata-officeholders").is_dir():
        print(f"{args.root}: no wikidata-officeholders folder", file=sys.stderr)
        return 2
    try:
        records = starter(args.root, args.manual)
    except InputError as exc:
        print(exc.diagnosis(), file=sys.stderr)
        return 2
    # one record per entity; a person without a QID folded into its Wikidata record (kb.merge)
    kb, report = merge.merge_persons(KnowledgeBase.from_records(records))
    records = list(kb.records())
    for line in report.lines():
        print(line, file=sys.stderr)
    export.dump(records, args.out)
    kinds = {
        k: sum(1 for r in records if type(r).__name__ == k) for k in ("Source", "Entity", "Fact")
    }
    print(
        f"{args.out}: {kinds['Source']} sources, {kinds['Entity']} entity records, "
        f"{kinds['Fact']} facts"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
