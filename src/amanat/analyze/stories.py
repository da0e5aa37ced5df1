"""Stories: documents grouped by the event or development they report, as they arrive. Pure.

A document is reduced to *salient features*: the knowledge-base entities its mentions link
to (language-independent ids), names not in the base (their consonant skeleton, so "Токаев"
and "Tokayev" meet), the content words of its headline and lead, its numbers and its
day-and-month dates. A new document looks up the stories that share its rarest features in
an inverted index (within a time window), scores each against the story's representation
(the share of the story's reports carrying each feature), and joins the best one or starts
a new story. Nothing is compared with every document: the cost of one arrival is the size
of a few posting lists.

Features are weighted by their IDF over the corpus so far, and a join needs at least
``min_shared_distinctive`` rare shared features: two events in the same country in the
same week share the country and the president, which are frequent, and stay apart.

Wire copy counts once: a document with the content hash or canonical URL of a report, a
near-identical text, or a near-copy crediting the same wire joins that *report* as a copy,
and changes neither the story's representation nor the document frequencies. Settings,
stopwords and wire credit patterns are data (``data/stories.json``).

``StoryInput`` is a plain dataclass (pickles for pool workers and Spark executors), and the
``Grouping`` state serialises to JSON per story, so a store can keep it between runs.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from amanat.analyze.story_features import (
    Settings,
    StoryInput,
    default_settings,
    features,
    resemblance,
    sketch,
    wire_of,
)
from amanat.model import Coverage, Report, Story, story_id

__all__ = ["Assignment", "Grouping", "Settings", "StoryInput", "StoryState", "default_settings", "features",
           "group", "resemblance", "sketch", "stories_of", "wire_of"]


# --- the state ------------------------------------------------------------------------------


@dataclass
class ReportState:
    key: str
    wire: str | None
    sketch: tuple[int, ...]
    hashes: set[str] = field(default_factory=set)
    urls: set[str] = field(default_factory=set)


@dataclass
class StoryState:
    """A story as grouping keeps it: its representation and its reports."""

    id: str
    title: str
    title_date: date | None
    first: date | None
    last: date | None
    reports: dict[str, ReportState] = field(default_factory=dict)
    features: Counter[str] = field(default_factory=Counter)
    weights: dict[str, float] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.reports)

    def as_json(self) -> dict[str, Any]:
        return {"title": self.title, "title_date": _iso(self.title_date), "first": _iso(self.first),
                "last": _iso(self.last), "features": dict(sorted(self.features.items())),
                "weights": dict(sorted(self.weights.items())),
                "reports": {k: {"wire": r.wire, "sketch": list(r.sketch), "hashes": sorted(r.hashes),
                                "urls": sorted(r.urls)} for k, r in self.reports.items()}}

    @classmethod
    def from_json(cls, story: str, data: dict[str, Any]) -> StoryState:
        reports = {k: ReportState(k, r["wire"], tuple(r["sketch"]), set(r["hashes"]), set(r["urls"]))
                   for k, r in data["reports"].items()}
        return cls(story, data["title"], _day(data["title_date"]), _day(data["first"]), _day(data["last"]),
                   reports, Counter(data["features"]), dict(data["weights"]))


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Assignment:
    """Where one document went: its story, its report, and why."""

    document_id: str
    story_id: str
    report_key: str
    new_story: bool
    copy: bool  # joined an existing report as a copy
    score: float


class Grouping:
    """Stories so far, their inverted index and the document frequencies; ``add`` one
    document at a time. Document frequencies count reports (copies count once).

    Alone, it keeps everything in memory. Over a store, the runner passes what it loaded:
    the stories still open (``stories``), the total of ``reports``, the frequencies of the
    features it needs (``know``) and a ``load`` for a story a copy points to after
    ``evict`` took it out of memory; ``increments`` says what to add to the stored
    frequencies."""

    def __init__(self, settings: Settings | None = None, stories: Iterable[StoryState] = (), *,
                 reports: int | None = None, load: Callable[[str], StoryState | None] | None = None) -> None:
        self.settings = settings or default_settings()
        self.stories: dict[str, StoryState] = {}
        self.df: Counter[str] = Counter()
        self.reports = 0
        self.index: dict[str, set[str]] = {}
        self.by_hash: dict[str, tuple[str, str]] = {}
        self.by_url: dict[str, tuple[str, str]] = {}
        self.increments: Counter[str] = Counter()  # frequencies added since the last ``take_increments``
        self._load_story = load
        self._norms: dict[str, tuple[int, int, float]] = {}  # story → (size, reports, norm)
        self._idf: dict[str, float] = {}  # IDF of the arriving document's features
        external = reports is not None
        for story in stories:
            self._attach(story)
            if not external:
                self.df.update(story.features)
                self.reports += story.size
        if external:
            self.reports = reports or 0

    def _attach(self, story: StoryState) -> None:
        self.stories[story.id] = story
        for feature in story.features:
            self.index.setdefault(feature, set()).add(story.id)
        for report in story.reports.values():
            for h in report.hashes:
                self.by_hash[h] = (story.id, report.key)
            for u in report.urls:
                self.by_url[u] = (story.id, report.key)

    def know(self, frequencies: dict[str, int], features: Iterable[str]) -> None:
        """Take the stored frequencies of ``features`` not seen yet (0 when absent)."""
        for feature in features:
            if feature not in self.df:
                self.df[feature] = frequencies.get(feature, 0)

    def unknown(self, features: Iterable[str]) -> set[str]:
        return {f for f in features if f not in self.df}

    def take_increments(self) -> Counter[str]:
        taken, self.increments = self.increments, Counter()
        return taken

    def evict(self, before: date) -> list[str]:
        """Take the dated stories whose coverage ended before ``before`` out of memory: no
        dated document from then on can join them (their copies still can, via ``load``)."""
        gone = [sid for sid, s in self.stories.items() if s.last is not None and s.last < before]
        for sid in gone:
            story = self.stories.pop(sid)
            self._norms.pop(sid, None)
            for feature in story.features:
                postings = self.index.get(feature)
                if postings is not None:
                    postings.discard(sid)
                    if not postings:
                        del self.index[feature]
        return gone

    def raw_idf(self, feature: str) -> float:
        """IDF over the reports so far plus ``prior_reports`` that lack the feature: with a
        handful of documents every feature would look rare, and the first few would merge."""
        return math.log((self.reports + self.settings["prior_reports"] + 2) / (self.df.get(feature, 0) + 1))

    def idf(self, feature: str) -> float:
        return self.raw_idf(feature) + 1.0

    def add(self, doc: StoryInput, found: dict[str, float] | None = None) -> Assignment:
        """Place one document: a copy of a known report, a new report of the best story, or a
        new story."""
        known = self.by_hash.get(doc.content_hash) if doc.content_hash else None
        known = known or (self.by_url.get(doc.url) if doc.url else None)
        if known and self._present(known[0]):
            return self._copy(doc, *known, score=1.0)
        found = features(doc, self.settings) if found is None else found
        text_sketch = sketch(doc.text, self.settings)
        wire = wire_of(doc.text, self.settings)
        best, best_score = None, 0.0
        self._idf = {f: self.idf(f) for f in found}
        doc_norm = math.sqrt(sum((w * self._idf[f]) ** 2 for f, w in found.items()))
        for candidate in self._candidates(doc, found):
            copy_of = self._near_copy(candidate, text_sketch, wire)
            if copy_of:
                return self._copy(doc, candidate.id, copy_of, score=1.0)
            score = self._score(found, candidate, doc_norm)
            if score > best_score:
                best, best_score = candidate, score
        threshold = self.settings["join_score"] if doc.published else self.settings["join_score_undated"]
        if best is None or best_score < threshold:
            story = StoryState(story_id(doc.id), _headline(doc), doc.published, doc.published, doc.published)
            self.stories[story.id] = story
            new = True
        else:
            story, new = best, False
        self._add_report(story, doc, found, text_sketch, wire)
        return Assignment(doc.id, story.id, doc.id, new, False, round(best_score, 4))

    def _candidates(self, doc: StoryInput, found: dict[str, float]) -> list[StoryState]:
        ranked = sorted(found, key=lambda f: (-found[f] * self.idf(f), f))[: self.settings["candidate_features"]]
        shared: Counter[str] = Counter()
        for feature in ranked:
            for sid in self.index.get(feature, ()):
                shared[sid] += 1
        window = timedelta(days=self.settings["window_days"])
        out = []
        for sid, _ in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0])):
            story = self.stories[sid]
            if doc.published and story.first and story.last and not (
                    story.first - window <= doc.published <= story.last + window):
                continue
            out.append(story)
            if len(out) >= self.settings["candidate_stories"]:
                break
        return out

    def _near_copy(self, story: StoryState, text_sketch: tuple[int, ...], wire: str | None) -> str | None:
        k = self.settings["sketch_size"]
        for key in sorted(story.reports):
            report = story.reports[key]
            alike = resemblance(text_sketch, report.sketch, k)
            if alike >= self.settings["near_copy_jaccard"] or (
                    wire and report.wire == wire and alike >= self.settings["wire_copy_jaccard"]):
                return key
        return None

    def _score(self, found: dict[str, float], story: StoryState, doc_norm: float) -> float:
        """Cosine of the document's weighted IDF vector with the story's (the share of its
        reports that carry each feature), zero unless enough rare features are shared."""
        rare, rare_entities, dot = 0.0, 0, 0.0
        size = story.size
        lead = self.settings["weights"]["lead"]
        for feature, weight in found.items():
            count = story.features.get(feature)
            if not count:
                continue
            idf = self._idf[feature]
            dot += (weight * idf) * (weight * idf * count / size)
            if idf - 1.0 >= self.settings["distinctive_idf"]:
                # a word of the lead alone is weak evidence ("raise", "talks"): half a feature
                rare += self.settings["lead_word_evidence"] if weight == lead and feature.startswith("w:") else 1
                rare_entities += feature.startswith("e:")
        # rare shared features, and not only entities unless several: a country, its president
        # and its capital are entities every story about the country shares
        enough = rare >= self.settings["min_shared_distinctive"] and (
            rare > rare_entities or rare_entities >= self.settings["min_shared_entities_alone"])
        if not enough or dot == 0.0:
            return 0.0
        return dot / (doc_norm * self._story_norm(story))

    def _story_norm(self, story: StoryState) -> float:
        """The norm of the story's vector, computed again when the story changed or the
        corpus grew by a tenth since (IDF moves slowly: this is the hot path)."""
        cached = self._norms.get(story.id)
        if cached and cached[0] == story.size and self.reports <= cached[1] * 1.1:
            return cached[2]
        size = story.size
        norm = math.sqrt(sum((story.weights.get(f, 1.0) * self.idf(f) * c / size) ** 2
                             for f, c in story.features.items()))
        self._norms[story.id] = (size, self.reports, norm)
        return norm

    def _present(self, sid: str) -> bool:
        """Whether a story is in memory, loading it when it was evicted and can be."""
        if sid in self.stories:
            return True
        story = self._load_story(sid) if self._load_story else None
        if story is None:
            return False
        self._attach(story)
        return True

    def _add_report(self, story: StoryState, doc: StoryInput, found: dict[str, float],
                    text_sketch: tuple[int, ...], wire: str | None) -> None:
        report = ReportState(doc.id, wire, text_sketch)
        if doc.content_hash:
            report.hashes.add(doc.content_hash)
            self.by_hash[doc.content_hash] = (story.id, doc.id)
        if doc.url:
            report.urls.add(doc.url)
            self.by_url[doc.url] = (story.id, doc.id)
        story.reports[doc.id] = report
        self.reports += 1
        for feature, weight in found.items():
            story.features[feature] += 1
            story.weights[feature] = max(story.weights.get(feature, 0.0), weight)
            self.df[feature] += 1
            self.increments[feature] += 1
            self.index.setdefault(feature, set()).add(story.id)
        _widen(story, doc)

    def _copy(self, doc: StoryInput, sid: str, key: str, *, score: float) -> Assignment:
        story = self.stories[sid]
        report = story.reports[key]
        if doc.content_hash:
            report.hashes.add(doc.content_hash)
            self.by_hash.setdefault(doc.content_hash, (sid, key))
        if doc.url:
            report.urls.add(doc.url)
            self.by_url.setdefault(doc.url, (sid, key))
        _widen(story, doc)
        return Assignment(doc.id, sid, key, False, True, score)


def _headline(doc: StoryInput) -> str:
    if doc.title and doc.title.strip():
        return " ".join(doc.title.split())[:200]
    first = next((line.strip() for line in doc.text.splitlines() if line.strip()), doc.id)
    return first[:120] + ("…" if len(first) > 120 else "")


def _widen(story: StoryState, doc: StoryInput) -> None:
    """Extend the story's dates; its title is the headline of its earliest dated report."""
    day = doc.published
    if day is None:
        return
    story.first = min(story.first, day) if story.first else day
    story.last = max(story.last, day) if story.last else day
    if (story.title_date is None or day < story.title_date) and (doc.title or "").strip():
        story.title, story.title_date = _headline(doc), day


def group(documents: Iterable[StoryInput], settings: Settings | None = None) -> list[Story]:
    """Group documents, in the order given, into stories (the whole pipeline in one call)."""
    grouping = Grouping(settings)
    docs = list(documents)
    placed = [grouping.add(d) for d in docs]
    return stories_of(grouping, docs, placed)


def stories_of(grouping: Grouping, docs: list[StoryInput], placed: list[Assignment]) -> list[Story]:
    """The ``Story`` nouns for the documents placed, in order of each story's first document."""
    members: dict[str, list[tuple[StoryInput, Assignment]]] = {}
    for doc, a in zip(docs, placed, strict=True):
        members.setdefault(a.story_id, []).append((doc, a))
    out = []
    for sid, items in members.items():
        state = grouping.stories[sid]
        reports: dict[str, list[str]] = {}
        for doc, a in items:
            reports.setdefault(a.report_key, []).append(doc.id)
        timeline = sorted((Coverage(d.id, _iso(d.published), d.source, d.title, a.report_key) for d, a in items),
                          key=lambda c: (c.published is None, c.published or "", c.document_id))
        out.append(Story(sid, state.title, tuple(d.id for d, _ in items),
                         tuple(Report(k, tuple(v), state.reports[k].wire if k in state.reports else None)
                               for k, v in reports.items()),
                         tuple(timeline), _iso(state.first), _iso(state.last)))
    return out
