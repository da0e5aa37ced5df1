"""Every office holding and seat the office-holder files in ``shared/data/kb`` give, as rows.

The ``every-politician-scrapers`` repositories (layout in ``data/kb/SOURCES.md``) write the
same kind of statement — *this person held this office from … to …* — in several CSV shapes.
``read_officeholders`` reads all of them into one shape, ``Holding``, each tied to the
``Source`` of its file (as-of = the repository's snapshot date, so an open-ended holding is
known only up to it):

==========================================  =====================================================
file                                        columns used
==========================================  =====================================================
``html/holders21.csv``, ``legislators.csv``  position *label*, person, personID, start, end
``html/current.csv`` (no ``end`` column)    position label, person, personID, start
``html/officeholders.csv``                  position QID, officeholder QID, start, end
``wikidata/results/current-cabinet.csv``    item, itemLabel, position, positionLabel, start
``sources/**/wikidata.csv`` (with meta)     item, itemLabel, startDate, endDate; position in meta
``sources/official/wikidata.csv``           wdid, wdLabel, name, pid, position, start
``sources/**`` lists of current holders     person|item, …Label, position, positionLabel, start
``world-leaders-2021/data/*.csv``           officeholder, …label, position, …label, start/end year
==========================================  =====================================================

An office named by a label only is found by that label among the position QIDs the repository
lists (``html/positions.csv``, ``wikidata/*-positions.csv``; "President" → "President of
Kazakhstan"); one still unknown gets the id ``wdoh:<repo>/<label>``. A position's English
name comes from those lists where they give one (``position_titles``), so a ruwiki-derived
file does not name the office in Russian when another file names it in English. Names in the
"Surname, Given Patronymic" order of Russian lists are turned into running order
(``running_name``), the order a text writes them.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from amanat.kb.model import Bound, Source

REPO_URL = "https://github.com/every-politician-scrapers/{repo}/tree/{commit}"
PUBLISHER = "every-politician-scrapers (Wikidata query results)"


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
    other_names: tuple[str, ...] = ()  # further names the row gives (an official list's spelling)


def snapshot_dates(sources_md: Path) -> dict[str, tuple[str, date | None]]:
    """``repo → (commit, date)`` from the table in data/kb/SOURCES.md."""
    out: dict[str, tuple[str, date | None]] = {}
    row = re.compile(r"^\|\s*([\w-]+)[^|]*\|\s*([0-9a-f]{40})\s*\|\s*(\d{4}-\d{2}-\d{2})\s*\|")
    for line in sources_md.read_text(encoding="utf-8").splitlines():
        if m := row.match(line):
            out[m.group(1)] = (m.group(2), date.fromisoformat(m.group(3)))
    return out


def bound(text: str | None) -> Bound | None:
    """A date cell at its precision, or None when empty or not a date."""
    if not text or not text.strip():
        return None
    try:
        return Bound.parse(text.strip()[:10])
    except ValueError:
        return None


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def meta(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


_QID = re.compile(r"^Q\d+$")


def running_name(name: str) -> str:
    """"Черкесов, Виктор Васильевич" → "Виктор Васильевич Черкесов" (a list's sort order back
    to the order a text writes); any other name unchanged, "Jr." or a title after a comma too."""
    surname, comma, given = name.partition(", ")
    if not comma or " " in surname.strip() or not given.strip() or "," in given:
        return name
    if not given[:1].isupper() or given.rstrip(".").casefold() in {"jr", "sr", "ii", "iii"}:
        return name
    return f"{given.strip()} {surname.strip()}"


def _english(label: str) -> bool:
    """A label written in Latin letters (the files' English labels; a QID is no label)."""
    letters = [c for c in label if c.isalpha()]
    return bool(letters) and not _QID.match(label) and all(c.isascii() or "\u00c0" <= c <= "\u024f" for c in letters)


def position_titles(offices: Path) -> dict[str, str]:
    """Position QID → English label, from every repository's lists of positions (a label
    only where it is in Latin letters: the Kyrgyz list names offices in Kyrgyz)."""
    out: dict[str, str] = {}
    for repo_dir in sorted(p for p in offices.iterdir() if p.is_dir()):
        files = [repo_dir / "html" / "positions.csv", *sorted((repo_dir / "wikidata").glob("*-positions.csv"))]
        files.append(repo_dir / "wikidata" / "results" / "position-info.csv")
        for path in files:
            if not path.exists():
                continue
            for r in rows(path):
                qid = r.get("id") or r.get("position") or ""
                label = r.get("positionLabel") or r.get("position") if "id" in r else r.get("title") or r.get("positionLabel")
                if _QID.match(qid) and label and _english(label) and qid not in out:
                    out[qid] = label
    return out


class _Repo:
    """One repository's context: its country, its positions by label, its sources."""

    def __init__(self, root: Path, repo_dir: Path, snap: tuple[str, date | None], titles: dict[str, str]) -> None:
        self.root, self.dir, self.name = root, repo_dir, repo_dir.name
        self.commit, self.as_of = snap
        self.titles = titles
        juris = meta(repo_dir / "meta.json").get("jurisdiction")
        self.country = juris.get("id") if isinstance(juris, dict) else None
        self.country_label = juris.get("name") if isinstance(juris, dict) else None
        self.by_label: dict[str, tuple[str, str | None]] = {}  # label → (QID, jurisdiction)
        self.juris_of: dict[str, str | None] = {}
        pos_file = repo_dir / "html" / "positions.csv"
        for r in rows(pos_file) if pos_file.exists() else []:
            pj = r.get("country") or r.get("jurisdiction") or self.country  # the state, not its government
            self.by_label[r["position"]] = (r["id"], pj)
            self.juris_of[r["id"]] = pj
        for path in sorted((repo_dir / "wikidata").glob("*-positions.csv")):
            for r in rows(path):
                if _QID.match(r.get("position", "")) and r.get("title"):
                    self.by_label.setdefault(r["title"], (r["position"], self.country))
        self.sources: list[Source] = []

    def source(self, path: Path, title: str) -> Source:
        rel = path.relative_to(self.dir).as_posix()
        url = REPO_URL.format(repo=self.name, commit=self.commit) + f"/{rel}" if self.commit else None
        src = Source(f"wdoh:{self.name}/{rel}", title, PUBLISHER, url, self.as_of, "reference")
        self.sources.append(src)
        return src

    def position(self, short: str) -> tuple[str, str, str | None]:
        """(id, English label, jurisdiction) of an office a file names by label only."""
        hit = self.by_label.get(short)
        if hit is None and self.country_label:
            hit = self.by_label.get(f"{short} of {self.country_label}")
        if hit is None:
            starts = [v for label, v in self.by_label.items() if label.startswith(f"{short} of ")]
            hit = starts[0] if len(starts) == 1 else None
        if hit is None:
            return f"wdoh:{self.name}/{short}", short, self.country
        qid, pj = hit
        return qid, self.titles.get(qid, short), pj or self.country

    def label_of(self, qid: str, given: str | None, fallback: str) -> str:
        """An office's English label: the lists', else the file's, else ``fallback``."""
        if qid in self.titles:
            return self.titles[qid]
        return given if given else fallback

    def holding(self, person: str, label: str, pos: str, pos_label: str, juris: str | None,
                start: Bound | None, end: Bound | None, src: Source, *,
                juris_label: str | None = None, others: Iterable[str] = ()) -> Holding:
        if juris_label is None and juris == self.country:
            juris_label = self.country_label
        name = running_name(label.strip())
        more = tuple(dict.fromkeys(n for n in (running_name(o.strip()) for o in others) if n and n != name))
        return Holding(person, name, pos, pos_label, juris or None, juris_label, start, end, src.id, more)


def _labelled(repo: _Repo, path: Path, what: str, has_end: bool = True) -> Iterable[Holding]:
    """holders21.csv, legislators.csv, current.csv: offices by label."""
    src = repo.source(path, f"{what} ({repo.name})")
    for r in rows(path):
        if not _QID.match(r.get("personID") or ""):
            continue
        pos, pos_label, pj = repo.position(r["position"])
        yield repo.holding(r["personID"], r.get("person", ""), pos, pos_label, pj,
                           bound(r.get("start")), bound(r.get("end")) if has_end else None, src)


def _source_file(repo: _Repo, path: Path) -> Iterable[Holding]:
    """One ``sources/**/wikidata.csv``, whatever its shape."""
    table = rows(path)
    if not table:
        return
    m = meta(path.parent / "meta.json")
    head = table[0].keys()
    if "item" in head and "startDate" in head and isinstance(m.get("position"), str):
        pos = str(m["position"])
        label = repo.label_of(pos, None, path.parent.name)
        src = repo.source(path, f"Holders of {label} ({repo.name})")
        for r in table:
            if _QID.match(r.get("item") or ""):
                yield repo.holding(r["item"], r.get("itemLabel", ""), pos, label, repo.juris_of.get(pos, repo.country),
                                   bound(r.get("startDate")), bound(r.get("endDate")), src)
    elif "wdid" in head and "pid" in head:  # an official list of the cabinet
        src = repo.source(path, f"Cabinet as the government lists it ({repo.name})")
        for r in table:
            if _QID.match(r.get("wdid") or "") and _QID.match(r.get("pid") or ""):
                pos = r["pid"]
                label = repo.label_of(pos, r.get("position") if _english(r.get("position", "")) else None, pos)
                yield repo.holding(r["wdid"], r.get("wdLabel") or r.get("name", ""), pos, label,
                                   repo.juris_of.get(pos, repo.country), bound(r.get("start")), None, src,
                                   others=[r.get("name", "")])
    elif "position" in head and "positionLabel" in head:  # current holders, one per office
        person_col = "person" if "person" in head else "item"
        name_col = next((c for c in ("personLabel", "name", "itemLabel") if c in head), person_col)
        src = repo.source(path, f"Current holders ({path.parent.name}, {repo.name})")
        for r in table:
            if not (_QID.match(r.get(person_col) or "") and _QID.match(r.get("position") or "")):
                continue
            juris = r.get("country") or repo.country
            juris_label = r.get("countryLabel") if r.get("country") else None
            label = repo.label_of(r["position"], r.get("positionLabel"), r["position"])
            if r.get("countryLabel") and r["countryLabel"].casefold() not in label.casefold():
                label = f"{label} of {r['countryLabel']}"
            yield repo.holding(r[person_col], r.get(name_col, ""), r["position"], label, juris,
                               bound(r.get("start")), None, src, juris_label=juris_label)


def _leaders(repo: _Repo, path: Path) -> Iterable[Holding]:
    """world-leaders-2021: heads of state and government, years only."""
    src = repo.source(path, f"Heads of state and government ({path.name}, {repo.name})")
    for r in rows(path):
        person = r.get("officeholder") or ""
        if not (_QID.match(person) and _QID.match(r.get("position") or "")):
            continue
        label = r.get("positionLabel") or r.get("positionlabel") or r["position"]
        yield repo.holding(person, r.get("officeholderLabel") or r.get("officeholderlabel") or "", r["position"],
                           repo.label_of(r["position"], label, label), r.get("countryid") or None,
                           bound(r.get("start_year")), bound(r.get("end_year")), src,
                           juris_label=r.get("country") if r.get("countryid") else None)


def read_officeholders(root: Path) -> tuple[list[Source], list[Holding]]:
    """Every holding in ``root`` (= data/kb), each tied to the Source of its file."""
    offices = root / "wikidata-officeholders"
    snaps = snapshot_dates(root / "SOURCES.md")
    titles = position_titles(offices)
    sources: list[Source] = []
    holdings: list[Holding] = []
    for repo_dir in sorted(p for p in offices.iterdir() if p.is_dir()):
        repo = _Repo(root, repo_dir, snaps.get(repo_dir.name, ("", None)), titles)
        html = repo_dir / "html"
        for name, what, has_end in (
            ("holders21.csv", "Office holders since ~2000", True),
            ("legislators.csv", "Legislators", True),
            ("current.csv", "Office holders at the snapshot", "end" in (rows(html / "current.csv") or [{}])[0]
             if (html / "current.csv").exists() else False),
        ):
            if (html / name).exists():
                holdings.extend(_labelled(repo, html / name, what, bool(has_end)))
        if (html / "officeholders.csv").exists():
            src = repo.source(html / "officeholders.csv", f"Office holders by QID ({repo.name})")
            names = {r["id"]: r["name"] for r in rows(html / "bio.csv")} if (html / "bio.csv").exists() else {}
            for r in rows(html / "officeholders.csv"):
                if _QID.match(r.get("officeholder") or "") and _QID.match(r.get("position") or ""):
                    pos = r["position"]
                    holdings.append(repo.holding(r["officeholder"], names.get(r["officeholder"], ""), pos,
                                                 repo.label_of(pos, None, pos), repo.juris_of.get(pos),
                                                 bound(r.get("start")), bound(r.get("end")), src))
        cabinet = repo_dir / "wikidata" / "results" / "current-cabinet.csv"
        if cabinet.exists():
            src = repo.source(cabinet, f"Cabinet at the snapshot ({repo.name})")
            for r in rows(cabinet):
                if _QID.match(r.get("item") or "") and _QID.match(r.get("position") or ""):
                    pos = r["position"]
                    holdings.append(repo.holding(r["item"], r.get("itemLabel", ""), pos,
                                                 repo.label_of(pos, r.get("positionLabel"), pos),
                                                 repo.juris_of.get(pos, repo.country), bound(r.get("start")), None, src))
        if (repo_dir / "sources").exists():
            for wd in sorted((repo_dir / "sources").rglob("wikidata.csv")):
                holdings.extend(_source_file(repo, wd))
        for name in ("wikidata.csv", "wikipedia.csv"):
            if (repo_dir / "data" / name).exists():
                holdings.extend(_leaders(repo, repo_dir / "data" / name))
        sources.extend(repo.sources)
    return sources, close_gaps(holdings)


def close_gaps(holdings: Iterable[Holding]) -> list[Holding]:
    """Move a day-precision end one day forward when the next holder of the same office (in
    the same file) starts on that next day: the file gave the last day, not the hand-over."""
    out = list(holdings)
    by_office: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, h in enumerate(out):
        by_office[(h.source, h.position)].append(i)
    for idxs in by_office.values():
        starts = {start.value for i in idxs if (start := out[i].start) and start.precision == "day"}
        for i in idxs:
            end = out[i].end
            if end and end.precision == "day" and end.value + timedelta(days=1) in starts:
                out[i] = replace(out[i], end=Bound(end.value + timedelta(days=1)))
    return out
