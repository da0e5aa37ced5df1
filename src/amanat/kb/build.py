"""Build a knowledge base from the office-holder and Popolo files in ``shared/data/kb``.

What goes in is decided by a *scope rule* — a predicate on a ``Holding`` (position, country,
dates) — never by a list of people. ``DEFAULT_SCOPE`` is the issue's rule for the sample
domain: heads of state and government, foreign ministers, their deputies and spokespeople,
ambassadors, of Kazakhstan, Pakistan, Russia and their neighbours, the UN Secretary-General,
in office at some time in 2015–2024.

Files read (layout in ``data/kb/SOURCES.md``): every ``wikidata-officeholders/<repo>/``
``html/holders21.csv``, ``sources/**/wikidata.csv`` (with the folder's ``meta.json``),
``world-leaders-2021/data/wikidata.csv`` and ``world/sources/foreign/wikidata.csv``. Each file
is one ``Source`` (as-of = the repository snapshot date from SOURCES.md), so every fact keeps
where it came from. Day-precision ends are read as exclusive (Wikidata's "successor starts"
convention); where a holder's end is the day *before* the next holder's start, the end is
moved to that start (``close_gaps``), since both files mean the same hand-over.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from amanat.errors import InputError
from amanat.kb import export, merge
from amanat.kb.model import (
    JURISDICTION,
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

REPO_URL = "https://github.com/every-politician-scrapers/{repo}/tree/{commit}"


@dataclass(frozen=True, slots=True)
class Holding:
    """One person in one office, as a row of an office-holder file says it."""

    person: str  # QID
    person_label: str
    position: str  # QID, or "wdoh:<repo>/<label>" when the file names the office only
    position_label: str
    jurisdiction: str | None  # country QID
    jurisdiction_label: str | None
    start: Bound | None
    end: Bound | None  # exclusive
    source: str  # Source.id


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


def snapshot_dates(sources_md: Path) -> dict[str, tuple[str, date]]:
    """``repo → (commit, date)`` from the table in data/kb/SOURCES.md."""
    out = {}
    row = re.compile(r"^\|\s*([\w-]+)[^|]*\|\s*([0-9a-f]{40})\s*\|\s*(\d{4}-\d{2}-\d{2})\s*\|")
    for line in sources_md.read_text(encoding="utf-8").splitlines():
        if m := row.match(line):
            out[m.group(1)] = (m.group(2), date.fromisoformat(m.group(3)))
    return out


def _bound(text: str | None) -> Bound | None:
    if not text or not text.strip():
        return None
    try:
        return Bound.parse(text.strip()[:10])
    except ValueError:
        return None


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _meta(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_officeholders(root: Path) -> tuple[list[Source], list[Holding]]:
    """Every holding in ``root`` (= data/kb), each tied to the Source of its file."""
    offices = root / "wikidata-officeholders"
    snaps = snapshot_dates(root / "SOURCES.md")
    sources: list[Source] = []
    holdings: list[Holding] = []
    for repo_dir in sorted(p for p in offices.iterdir() if p.is_dir()):
        repo = repo_dir.name
        commit, as_of = snaps.get(repo, ("", None))  # type: ignore[assignment]

        def source_for(
            path: Path,
            title: str,
            repo: str = repo,
            commit: str = commit,
            as_of: date | None = as_of,
        ) -> Source:
            rel = path.relative_to(offices / repo).as_posix()
            src = Source(
                id=f"wdoh:{repo}/{rel}",
                title=title,
                publisher="every-politician-scrapers (Wikidata query results)",
                url=REPO_URL.format(repo=repo, commit=commit) + f"/{rel}" if commit else None,
                as_of=as_of,
                tier="reference",
            )
            sources.append(src)
            return src

        meta = _meta(repo_dir / "meta.json")
        juris = meta.get("jurisdiction") if isinstance(meta.get("jurisdiction"), dict) else {}
        country = juris.get("id") if isinstance(juris, dict) else None
        country_label = juris.get("name") if isinstance(juris, dict) else None
        positions = {}  # label → (QID, jurisdiction)
        labels_by_qid = {}
        pos_file = repo_dir / "html" / "positions.csv"
        if pos_file.exists():
            for r in _rows(pos_file):
                positions[r["position"]] = (
                    r["id"],
                    r.get("jurisdiction") or r.get("country") or country,
                )
                labels_by_qid[r["id"]] = r["position"]
        holders = repo_dir / "html" / "holders21.csv"
        if holders.exists():
            src = source_for(holders, f"Office holders since ~2000 ({repo})")
            for r in _rows(holders):
                if not r.get("personID"):
                    continue
                qid, pj = _position_for(r["position"], positions, country_label)
                holdings.append(
                    Holding(
                        r["personID"],
                        r["person"],
                        qid or f"wdoh:{repo}/{r['position']}",
                        _full_label(r["position"], qid, labels_by_qid, country_label),
                        pj or country,
                        country_label if (pj or country) == country else None,
                        _bound(r.get("start")),
                        _bound(r.get("end")),
                        src.id,
                    )
                )
        for wd in (
            sorted((repo_dir / "sources").rglob("wikidata.csv"))
            if (repo_dir / "sources").exists()
            else []
        ):
            m = _meta(wd.parent / "meta.json")
            pos = m.get("position")
            rows = _rows(wd)
            if isinstance(pos, str) and rows and "item" in rows[0]:
                label = labels_by_qid.get(pos, wd.parent.name)
                src = source_for(wd, f"Holders of {label} ({repo})")
                for r in rows:
                    if r.get("item"):
                        holdings.append(
                            Holding(
                                r["item"],
                                r.get("itemLabel", ""),
                                pos,
                                label,
                                country,
                                country_label,
                                _bound(r.get("startDate")),
                                _bound(r.get("endDate")),
                                src.id,
                            )
                        )
            elif rows and "positionLabel" in rows[0] and "person" in rows[0]:  # world/foreign
                src = source_for(wd, f"Foreign ministers ({repo})")
                for r in rows:
                    if r.get("person"):
                        holdings.append(
                            Holding(
                                r["person"],
                                r.get("name", ""),
                                r["position"],
                                _with_country(r["positionLabel"], r.get("countryLabel", "")),
                                r.get("country") or None,
                                r.get("countryLabel") or None,
                                _bound(r.get("start")),
                                None,
                                src.id,
                            )
                        )
        leaders = repo_dir / "data" / "wikidata.csv"
        if leaders.exists():
            src = source_for(leaders, "Heads of state and government (world-leaders-2021)")
            for r in _rows(leaders):
                if r.get("officeholder"):
                    holdings.append(
                        Holding(
                            r["officeholder"],
                            r.get("officeholderLabel", ""),
                            r["position"],
                            r.get("positionLabel", ""),
                            r.get("countryid") or None,
                            r.get("country") or None,
                            _bound(r.get("start_year")),
                            _bound(r.get("end_year")),
                            src.id,
                        )
                    )
    return sources, close_gaps(holdings)


def _position_for(
    short: str, positions: dict[str, tuple[str, str | None]], country: str | None
) -> tuple[str | None, str | None]:
    """Position QID for a short label (``President`` → ``President of Kazakhstan``)."""
    if short in positions:
        return positions[short]
    for label, value in positions.items():
        if country and label == f"{short} of {country}":
            return value
    matches = [v for label, v in positions.items() if label.startswith(f"{short} of ")]
    return matches[0] if len(matches) == 1 else (None, None)


def _full_label(short: str, qid: str | None, labels: dict[str, str], country: str | None) -> str:
    if qid and qid in labels:
        return labels[qid]
    return short


def _with_country(label: str, country: str) -> str:
    return label if not country or country.lower() in label.lower() else f"{label} of {country}"


def close_gaps(holdings: Iterable[Holding]) -> list[Holding]:
    """Move a day-precision end one day forward when the next holder of the same office (in
    the same file) starts on that next day: the file gave the last day, not the hand-over."""
    out = list(holdings)
    by_office: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, h in enumerate(out):
        by_office[(h.source, h.position)].append(i)
    for idxs in by_office.values():
        starts = {
            out[i].start.value for i in idxs if out[i].start and out[i].start.precision == "day"
        }
        for i in idxs:
            end = out[i].end
            if end and end.precision == "day" and end.value + timedelta(days=1) in starts:
                out[i] = replace(out[i], end=Bound(end.value + timedelta(days=1)))
    return out


def build(root: str | Path, scope: Scope = DEFAULT_SCOPE) -> Iterator[Record]:
    """Sources, entities (persons, positions, countries) and facts for holdings in scope."""
    root = Path(root)
    sources, holdings = read_officeholders(root)
    kept = [h for h in holdings if scope(h)]
    used = {h.source for h in kept}
    by_id = {s.id: s for s in sources}
    yield from (s for s in sources if s.id in used)
    people: dict[str, set[str]] = defaultdict(set)
    offices: dict[str, tuple[str, str | None]] = {}
    countries: dict[str, str] = {}
    for h in kept:
        if h.person_label:
            people[h.person].add(h.person_label)
        offices.setdefault(h.position, (h.position_label, h.jurisdiction))
        if h.jurisdiction and h.jurisdiction_label:
            countries.setdefault(h.jurisdiction, h.jurisdiction_label)
    for qid, names in sorted(people.items()):
        yield Entity(
            qid,
            "person",
            tuple(
                Label(n, None, script_of(n), "label" if i == 0 else "alias")
                for i, n in enumerate(sorted(names))
            ),
            (("wikidata", qid),) if qid.startswith("Q") else (),
        )
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
    for h in kept:
        src = by_id[h.source]
        yield Fact(
            h.person,
            POSITION_HELD,
            object=h.position,
            source=h.source,
            interval=Interval(h.start, h.end, as_of=src.as_of),
            qualifiers=qualifiers(of=h.jurisdiction),
        )
        if h.jurisdiction and h.position not in seen_juris:
            seen_juris.add(h.position)
            yield Fact(
                h.position,
                JURISDICTION,
                object=h.jurisdiction,
                source=h.source,
                interval=Interval(as_of=src.as_of),
            )


# --- hand-entered facts and the bundled starter base -----------------------------------------

DATA_DIR = Path(__file__).parent / "data"
MANUAL = DATA_DIR / "manual.json"
STARTER = DATA_DIR / "starter.json"
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
        if not isinstance(s[k], str) or not s[k].strip():
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
    quoted = " … ".join(f"“{q}”" for q in s["quote"])  # type: ignore[union-attr]
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
        cites = [f.get("source"), *f.get("also_cites", [])]
        if not set(cites) <= dates.keys():
            raise InputError(f"fact about {f.get('subject')!r} cites no known source", where=where)
        as_of = None
        if not f.get("end") and not f.get("end_unknown"):
            if f.get("as_of"):
                as_of = date.fromisoformat(f["as_of"])
                if as_of not in {dates[c] for c in cites}:
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
    """The starter base: office-holder files in scope, then the hand-entered facts."""
    return [*build(root), *read_manual(manual)]


def main(argv: list[str] | None = None) -> int:
    """``python -m amanat.kb.build --out src/amanat/kb/data/starter.json``"""
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
