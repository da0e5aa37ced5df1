"""Silent edits: a new version of an article that changes a figure, a quote or a title.

A changed article at the same URL is stored as a new version that links the previous one
(``DocumentView.previous``). Editing is normal; editing what an article *claims* without
saying so is what readers want to see. Each edit is a finding with both versions as evidence
(the previous version's span, then this one's), *informational* — the record is not asked.

What counts as the same claim in both versions:

- a **figure**: same measure and unit, in a sentence that reads the same once numbers are
  masked (at least 80% alike), with another value or qualifier ("at least 164" → "225");
- a **quote**: same speaker, words at least half alike but not the same;
- a **title**: the same person given one title in each version, and another one
  ("Foreign Minister" → "Deputy Foreign Minister").

A claim that is in both versions unchanged, or that appears or vanishes with no counterpart,
is no edit. A new version that says it was corrected or updated ("An earlier version of this
article…", "Correction:") is not silent: nothing is reported.
"""

from __future__ import annotations

import hashlib
import re
from difflib import SequenceMatcher

from amanat.check import Check, DocumentView, Record
from amanat.check.common import Layout, layout
from amanat.model import Claim, Evidence, Finding

NOTICE = re.compile(r"\b(?:correction|corrected|clarification|an\s+earlier\s+version|a\s+previous\s+version|"
                    r"(?:this|the)\s+(?:article|story|report)\s+(?:has\s+been|was)\s+(?:updated|amended|changed|edited)|"
                    r"editor['’]s\s+note|updated\s+to\s+(?:reflect|include|correct|add))\b", re.I)
_NUMBER = re.compile(r"\d[\d,.]*|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                     r"forty|fifty|hundred|thousand|million|billion|dozen|dozens|hundreds|thousands)\b", re.I)
_QUALIFIER_WORDS = re.compile(r"\b(?:at\s+least|more\s+than|over|about|around|some|nearly|almost|up\s+to|"
                              r"less\s+than|fewer\s+than|under|roughly|approximately)\b", re.I)
SAME_SENTENCE = 0.8
SAME_QUOTE = 0.5


def _masked(text: str, lay: Layout, c: Claim) -> str:
    s, e = lay.sentence(c.start)
    return _QUALIFIER_WORDS.sub("~", _NUMBER.sub("#", text[s:e]))


def _figure_value(c: Claim) -> tuple[object, str]:
    return c.fields.get("value"), str(c.fields.get("qualifier") or "")


def _shown(c: Claim) -> str:
    value, qualifier = _figure_value(c)
    return f"{qualifier} {value}".strip()


def _evidence(old: DocumentView, a: Claim, new: DocumentView, b: Claim) -> tuple[Evidence, Evidence]:
    return (Evidence(old.id, a.start, a.end, a.text, "previous version"),
            Evidence(new.id, b.start, b.end, b.text, "this version"))


def _finding(new: DocumentView, old: DocumentView, kind: str, key: str, sentence: str, a: Claim, b: Claim) -> Finding:
    return Finding(check="silent-edits", type=kind, status="informational", severity="medium", sentence=sentence,
                   document_id=new.id, key=key, evidence=_evidence(old, a, new, b),
                   judged_at=None, date_source=f"the article's previous version ({old.id})")


def _figures(new: DocumentView, old: DocumentView) -> list[Finding]:
    def sig(c: Claim) -> tuple[str, str]:
        return str(c.fields.get("measure")), str(c.fields.get("unit") or "").casefold()

    olds = [c for c in old.claims if c.type == "figure"]
    news = [c for c in new.claims if c.type == "figure"]
    kept = {(sig(c), _figure_value(c)) for c in olds} & {(sig(c), _figure_value(c)) for c in news}
    olds = [c for c in olds if (sig(c), _figure_value(c)) not in kept]
    news = [c for c in news if (sig(c), _figure_value(c)) not in kept]
    lay_old, lay_new = layout(old), layout(new)
    found, used = [], set()
    for b in news:
        context = _masked(new.text, lay_new, b)
        best, best_ratio = None, SAME_SENTENCE
        for i, a in enumerate(olds):
            if i in used or sig(a) != sig(b):
                continue
            ratio = SequenceMatcher(None, _masked(old.text, lay_old, a), context).ratio()
            if ratio >= best_ratio:
                best, best_ratio = i, ratio
        if best is None:
            continue
        used.add(best)
        a = olds[best]
        measure, unit = sig(b)
        found.append(_finding(
            new, old, "figure-edited", f"figure|{measure}|{unit}|{_shown(a)}->{_shown(b)}",
            f"The new version of the article changes a figure of {measure} from {_shown(a)} (\"{a.text}\") to "
            f"{_shown(b)} (\"{b.text}\") without a note of correction.", a, b))
    return found


def _speaker(c: Claim) -> str:
    return str(c.fields.get("entity") or c.fields.get("speaker") or "").casefold()


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _quotes(new: DocumentView, old: DocumentView) -> list[Finding]:
    olds = [c for c in old.claims if c.type == "quote" and _speaker(c)]
    news = [c for c in new.claims if c.type == "quote" and _speaker(c)]
    same = {(_speaker(c), tuple(_words(c.text))) for c in olds} & {(_speaker(c), tuple(_words(c.text))) for c in news}
    olds = [c for c in olds if (_speaker(c), tuple(_words(c.text))) not in same]
    news = [c for c in news if (_speaker(c), tuple(_words(c.text))) not in same]
    found, used = [], set()
    for b in news:
        best, best_ratio = None, SAME_QUOTE
        for i, a in enumerate(olds):
            if i in used or _speaker(a) != _speaker(b):
                continue
            ratio = SequenceMatcher(None, _words(a.text), _words(b.text)).ratio()
            if ratio >= best_ratio:
                best, best_ratio = i, ratio
        if best is None:
            continue
        used.add(best)
        a = olds[best]
        digest = hashlib.sha256(f"{a.text}\n{b.text}".encode()).hexdigest()[:12]
        who = b.fields.get("speaker") or b.fields.get("entity")
        found.append(_finding(
            new, old, "quote-edited", f"quote|{_speaker(b)}|{digest}",
            f"The new version of the article changes the words quoted from {who}: \"{a.text}\" became "
            f"\"{b.text}\", without a note of correction.", a, b))
    return found


def _titles(new: DocumentView, old: DocumentView) -> list[Finding]:
    def by_person(view: DocumentView) -> dict[str, list[Claim]]:
        out: dict[str, list[Claim]] = {}
        for c in view.claims:
            if c.type == "role" and c.fields.get("person"):
                person = str(c.fields.get("entity") or c.fields.get("person")).casefold()
                out.setdefault(person, []).append(c)
        return out

    def title(c: Claim) -> str:
        return " ".join(x for x in (c.fields.get("marker"), c.fields.get("title")) if x).casefold()

    found = []
    olds, news = by_person(old), by_person(new)
    for person, claims in news.items():
        before = olds.get(person, [])
        titles_new, titles_old = {title(c) for c in claims}, {title(c) for c in before}
        if len(titles_new) != 1 or len(titles_old) != 1 or titles_new == titles_old:
            continue
        a, b = before[0], claims[0]
        name = b.fields.get("person")
        found.append(_finding(
            new, old, "title-edited", f"title|{person}|{title(a)}->{title(b)}",
            f"The new version of the article calls {name} \"{b.fields.get('title')}\" where the previous one said "
            f"\"{a.fields.get('title')}\", without a note of correction.", a, b))
    return found


def _edits(document: DocumentView, record: Record) -> list[Finding]:
    old = document.previous
    if old is None or NOTICE.search(document.text):
        return []
    return _figures(document, old) + _quotes(document, old) + _titles(document, old)


SILENT_EDITS = Check("silent-edits", 1, ("figure", "quote", "role"), _edits,
                     "A new version of an article that changes a figure, a quote or a title without saying so.")
