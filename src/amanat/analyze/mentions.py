"""Mentions of people, organisations and places in a text, with the titles around them.

Pure: ``analyze_mentions(text, published, kb_index)`` takes a text, its publication date and a
``KBIndex`` and returns ``Mention``s; no I/O, so it runs in a worker pool or on Spark.

Steps, one module each (docs/mentions.md has the long form):

1. **Known names** (``tokens``) — one pass over the tokens of the normalised text finds every
   alias of the base (``KBIndex.automaton``); short all-capital aliases (UN, CSTO) match only
   as written, other aliases only where the text starts with a capital or an uncased letter.
2. **Name-shaped spans** (``spans``) — runs of capitalised tokens (with particles like *of*,
   *bin*, *de*) are cut at known names, stripped of honorifics (Mr, Dr, Prof, H.E.) and
   titles; what is left is looked up in the fuzzy ``NameIndex`` (blocking keys first, so
   cost stays flat), which catches spelling variants (Qasim Zhumart Tokayev, Stefan Dujarric).
3. **Unknown mentions** (``spans``) — a run with an honorific or a title before it, or a role
   after it, is a person; a run containing an organisation word (Institute, Ministry,
   Council…) is an organisation; an acronym defined in brackets after a name refers back to it.
4. **Roles** (``roles``) — the title before a name ("Pakistan's then-Prime Minister Shahbaz
   Sharif", "UN Secretary-General Ban Ki-moon's spokesman Stefan Dujarric"), before it with a
   comma ("Ambassador of Kazakhstan to Pakistan, Yerzhan Kistafin") or after it as an
   apposition ("Roman Vassilenko, the Deputy Minister of Foreign Affairs of Kazakhstan"), with
   its span and marker (then, former, ex, late, acting, caretaker).
5. **Linking** — ``amanat.kb.linking`` chooses among candidates with the role and the date.
6. **Offices without a person** (``offices``) — "the President of Kazakhstan said",
   "Pakistan's foreign minister", "the Russian Foreign Minister": a run of title words with a
   country or organisation before it (possessive, demonym, name) or after it ("of …",
   "to …"), matched to a position of the base and resolved to its holder on the document's
   date (kind ``position``). A title that is a person's role is never one of these. A bare
   title ("The President said") takes its office from the mentions of that kind of office
   before it in the document when they all name one; else it stays undetermined.

The words these rules compare with (honorifics, titles, organisation words, demonyms …) are
lexicon data, read once through ``vocabulary``. This module keeps the entry point, the
optional spaCy backend, and the names callers import from it.

An optional spaCy backend (``backend="spacy"``) adds the pipeline's PERSON/ORG/GPE spans
as unknown mentions when spaCy and a pipeline are installed; the default needs neither.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, Literal

from amanat.analyze.offices import office_phrases, offices
from amanat.analyze.roles import find_role
from amanat.analyze.spans import detect, detect_spans
from amanat.analyze.tokens import known_names, tokens
from amanat.kb.index import KBIndex
from amanat.kb.lexicon import marker_of
from amanat.kb.linking import link
from amanat.model import Mention, Span

__all__ = [
    "analyze_mentions",
    "detect",
    "find_role",
    "known_names",
    "office_phrases",
    "offices",
    "spacy_spans",
    "tokens",
]


# --- optional spaCy backend -------------------------------------------------------------------


def spacy_spans(text: str, model: str = "en_core_web_sm") -> list[Span] | None:
    """PERSON/ORG/GPE spans from a spaCy pipeline, or None when spaCy or the pipeline is absent
    (nothing is ever downloaded)."""
    try:
        import spacy

        nlp = _SPACY.get(model) or _SPACY.setdefault(model, spacy.load(model))
    except Exception:  # not installed, or no such pipeline: the rule backend stays in charge
        return None
    kinds = {"PERSON": "person", "ORG": "organization", "GPE": "place", "LOC": "place"}
    return [
        Span(ent.start_char, ent.end_char, kinds[ent.label_], method="unknown")
        for ent in nlp(text).ents
        if ent.label_ in kinds
    ]


_SPACY: dict[str, Any] = {}


# --- the entry point --------------------------------------------------------------------------


def analyze_mentions(
    text: str,
    published: date | None,
    kb_index: KBIndex,
    *,
    backend: Literal["rules", "spacy", "auto"] = "rules",
) -> list[Mention]:
    """Mentions in ``text``, linked to ``kb_index`` as of ``published`` (see module doc)."""
    spans, hits, toks = detect_spans(text, kb_index)
    if backend in ("spacy", "auto"):
        extra = spacy_spans(text)
        if extra is None and backend == "spacy":
            raise RuntimeError("spaCy backend requested but spaCy or its pipeline is missing")
        for sp in extra or []:
            if not any(s.start < sp.end and sp.start < s.end for s in spans):
                spans.append(sp)
        spans.sort(key=lambda s: (s.start, -s.end))
    mentions = link(text, spans, published, kb_index)
    mentions = [
        replace(m, marker=marker_of(m.role)) if m.role and not m.marker else m for m in mentions
    ]
    found = offices(text, toks, hits, mentions, published, kb_index)
    if found:
        mentions = sorted([*mentions, *found], key=lambda m: (m.start, -m.end))
    return mentions
