"""Name-shaped spans: where a text names someone or something, known to the base or not.

Runs of capitalised tokens (joined by particles: of, bin, de …) are cut at known names
(``tokens.known_names``) and stripped of honorifics (Mr, Dr, H.E.) and titles; what is left
is a query for the base's fuzzy ``NameIndex``, which catches spelling variants (Qasim
Zhumart Tokayev). A run with an honorific or a title is a person; a run with an organisation
word (Institute, Ministry, Council) outside any known name is an unknown organisation, and an
acronym defined in brackets after it ("Eurasian Century Institute (ECI)") refers back to it.
Words, not a tagger: the rules need no model, run the same everywhere and can be read.
"""

from __future__ import annotations

import re

from amanat.analyze.boundaries import Covered
from amanat.analyze.roles import find_role
from amanat.analyze.tokens import NameHit, Token, gap_ok, known_names, tokens
from amanat.analyze.vocabulary import (
    DEMONYMS,
    HONORIFICS,
    MARKERS,
    NAME_PARTICLES,
    NEVER_NAMES,
    ORG_WORDS,
    PARTICLES,
    TITLE_WORDS,
)
from amanat.kb.index import KBIndex
from amanat.model import Span


def detect(text: str, index: KBIndex) -> list[Span]:
    """Known, fuzzy-candidate and unknown mention spans, with their role spans."""
    return detect_spans(text, index)[0]


def detect_spans(text: str, index: KBIndex) -> tuple[list[Span], list[NameHit], list[Token]]:
    """``detect``, with the known-name hits and tokens it read: office detection
    (``offices.offices``) reads the same ones rather than cutting the text again."""
    hits = known_names(text, index)
    toks = tokens(text)
    covered = _coverage(hits, len(text))
    spans: list[Span] = [
        Span(
            h.start,
            h.end,
            h.kinds[0] if len(set(h.kinds)) == 1 else "other",
            h.ids,
            nested=h.nested,
        )
        for h in hits
    ]
    # runs of capitalised tokens joined by particles
    runs: list[list[int]] = []
    cur: list[int] = []
    for i, t in enumerate(toks):
        joinable = t.cap or (t.low in PARTICLES and cur)
        if (
            cur
            and joinable
            and gap_ok(
                text,
                toks[cur[-1]].end
                + (1 if toks[cur[-1]].dot else 0)
                + (2 if toks[cur[-1]].possessive else 0),
                t.start,
            )
            and not _ends_sentence(toks[cur[-1]])
        ):
            cur.append(i)
        else:
            if cur:
                runs.append(cur)
            cur = [i] if t.cap else []
        if t.possessive and cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    acronyms: dict[str, Span] = {}
    for run in runs:
        while run and toks[run[-1]].low in PARTICLES:
            run = run[:-1]
        if not run:
            continue
        _org_span(text, toks, run, covered, spans, acronyms)
        for seg in _segments(toks, run, covered):
            span = _name_span(text, toks, seg, covered)
            if span is not None:
                spans.append(span)
    # bracketed acronyms after an organisation: "Eurasian Century Institute (ECI)"
    for m in re.finditer(r"\b([A-Z][A-Z&]{1,7})\b", text):
        if covered[m.start()]:
            continue
        org = acronyms.get(m.group(1))
        if org is not None:
            spans.append(Span(m.start(), m.end(), "organization", org.ids, method=org.method))
    spans.sort(key=lambda s: (s.start, -s.end))
    out = []
    named = Covered((h.start, h.end) for h in hits)
    for s in spans:
        if s.kind == "person" or s.method == "fuzzy":
            s.role = find_role(text, toks, s, named)
        out.append(s)
    return out, hits, toks


def _coverage(hits: list[NameHit], n: int) -> bytearray:
    """Which characters a known name covers: a byte each (a list held 8 bytes a character,
    16 MB for a 2 MB text)."""
    covered = bytearray(n + 1)
    for h in hits:
        covered[h.start:h.end] = b"\x01" * (h.end - h.start)
    return covered


def _ends_sentence(t: Token) -> bool:
    return t.dot and len(t.text) > 2 and t.low not in HONORIFICS


def _org_span(
    text: str,
    toks: list[Token],
    run: list[int],
    covered: bytearray,
    spans: list[Span],
    acronyms: dict[str, Span],
) -> None:
    """A run with an organisation word outside any known name is an unknown organisation.

    The run is cut at "and"/"&" where the part after it is another organisation or a known
    name ("Embassy of … and Center for …", "Chamber of Commerce and Kazakhstan"), and
    leading function words and titles are dropped ("Head of the International Relations
    Department" → "International Relations Department").
    """
    parts: list[list[Token]] = [[]]
    for i in run:
        t = toks[i]
        if t.low == "and" or (parts[-1] and text[parts[-1][-1].end : t.start].strip() == "&"):
            parts.append([] if t.low == "and" else [t])
        else:
            parts[-1].append(t)
    merged: list[list[Token]] = []
    for part in parts:
        if not part:
            continue
        own = any(t.low in ORG_WORDS and not covered[t.start] for t in part)
        known = all(covered[t.start] for t in part)
        person = part[0].low in HONORIFICS
        if merged and not own and not known and not person:
            merged[-1] = merged[-1] + part  # "Institute of World Economics and Politics"
        elif merged and own and not _has_org(merged[-1], covered):
            merged[-1] = merged[-1] + part
        else:
            merged.append(part)
    for words in merged:
        if not _has_org(words, covered):
            continue
        while words and (words[0].low in NEVER_NAMES or words[0].low in HONORIFICS):
            words = words[1:]
        # "Head of the …", "Deputy Director of the …": a title, then the organisation
        k = 0
        while k < len(words) and words[k].low in TITLE_WORDS:
            k += 1
        if 0 < k < len(words) and words[k].low in PARTICLES:
            while k < len(words) and words[k].low in PARTICLES:
                k += 1
            words = words[k:]
        while words and (
            words[-1].low in PARTICLES
            or (covered[words[-1].start] and not any(t.low in ORG_WORDS for t in words[-1:]))
        ):
            if words[-1].low not in PARTICLES and len(words) > 1 and words[-2].low in PARTICLES:
                break  # "Parliament of Kazakhstan": the place belongs to the name
            words = words[:-1]
        if not words or (len(words) == 1 and words[0].low in ORG_WORDS):
            continue  # a bare "Institute" or "Ministry" is a reference, not a name
        start, end = words[0].start, words[-1].end
        if all(covered[i] for i in range(start, end)):
            continue
        span = Span(start, end, "organization", method="unknown")
        spans.append(span)
        m = re.match(r"\s*\(([A-Z][A-Z&]{1,7})\)", text[end : end + 12])
        if m:
            acronyms[m.group(1)] = span


def _has_org(words: list[Token], covered: bytearray) -> bool:
    return any(t.low in ORG_WORDS and not covered[t.start] for t in words)


def _segments(toks: list[Token], run: list[int], covered: bytearray) -> list[list[int]]:
    """Parts of a run outside known names and not cut by lower-case particles."""
    segs: list[list[int]] = []
    cur: list[int] = []
    for i in run:
        t = toks[i]
        if covered[t.start] or (t.low in PARTICLES and t.low not in NAME_PARTICLES):
            if cur:
                segs.append(cur)
            cur = []
            continue
        cur.append(i)
    if cur:
        segs.append(cur)
    return segs


def _name_span(text: str, toks: list[Token], seg: list[int], covered: bytearray) -> Span | None:
    """Strip honorifics and titles off a segment; what is left may be a person's name."""
    words = list(seg)
    honorific = False
    title = False
    while words:
        t = toks[words[0]]
        low = t.low
        if low in HONORIFICS or (low == "h" and t.dot):
            honorific = True
        elif low == "e" and honorific:
            pass
        elif low in TITLE_WORDS or low in DEMONYMS or low in MARKERS:
            title = True
        elif low in NEVER_NAMES or low in ORG_WORDS:
            pass
        else:
            break
        words = words[1:]
    # a name has no organisation or title words inside it
    if not words or any(toks[i].low in ORG_WORDS or toks[i].low in TITLE_WORDS for i in words):
        return None
    if len(words) > 5:
        return None
    start, end = toks[words[0]].start, toks[words[-1]].end
    query = text[start:end]
    single = len(words) == 1
    before = toks[seg[0] - 1] if seg[0] > 0 else None
    title = title or (
        before is not None
        and before.low in TITLE_WORDS
        and gap_ok(text, before.end, toks[seg[0]].start)
    )
    if single and len(query) < 3:
        return None
    return Span(
        start,
        end,
        "person",
        query=query,
        method="fuzzy",
        honorific=honorific or title,
        tokens=tuple(toks[i].text for i in words),
    )
