"""Findings about reprints and quotes of signed statements (check name ``reprints``). Pure.

One finding per document and signed item whose copy is not faithful: altered (words
changed, removed or added), extended (a passage put inside the statement), truncated (text
missing; a cut inside a sentence is said), misattributed (credited to another organisation
than the one the item's publisher speaks for), or an altered partial quote. Status
*inconsistent* when words were changed, added inside, or the cut falls mid-sentence;
*informational* for a clean cut at a sentence end, a misattribution alone (detected by
heuristics, see ``analyze/attribution.py``), and a faithful copy of a version since corrected
or of a withdrawn item. A faithful copy of the current version is stored as a reprint (see
``amanat reprints``), never as a finding.

Quotes: a direct quote attributed to an entity some followed publisher (or this node's own)
is declared to speak for, that matches nothing those publishers published, is an
*unverified quote* — status undetermined, never false: it may have been said where no signed
item records it. A direct quote that stops mid-sentence (an ellipsis or a word no sentence
ends with) is informational, with or without an original. Reported speech ("X said that …")
paraphrases by nature and is not compared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache

from rapidfuzz import fuzz

from amanat.analyze.fidelity import words
from amanat.analyze.sentences import sentences
from amanat.kb.lexicon import lexicon
from amanat.model import Claim, Evidence, Finding, FindingStatus, Reprint, Statement

NAME = "reprints"
VERSION = 1
QUOTE_MATCH = 90  # rapidfuzz partial_ratio of a quote's words against a statement's words
_MARKS = "\"'“”‘’«»„"


def _q(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"‘{text if len(text) <= limit else text[:limit - 1] + '…'}’"


def _last_words(text: str, n: int = 4) -> str:
    return " ".join(text.split()[-n:])


def describe(r: Reprint, statement: Statement, language: str | None = "en") -> str:
    """One neutral sentence: which item, which version, what differs."""
    what = "Quotes part of" if r.kind == "quote" else "Reprints"
    head = f"{what} signed item {r.item_uri} ({r.publisher}, version {r.version})"
    parts: list[str] = []
    changed = [d for d in r.differences if d.kind == "changed"]
    if changed:
        n = sum(len(d.statement_text.split()) for d in changed)
        parts.append(f"with {n} word{'s' * (n != 1)} changed: "
                     + ", ".join(f"{_q(d.statement_text, 40)} → {_q(d.document_text, 40)}" for d in changed[:3])
                     + (f" and {len(changed) - 3} more" if len(changed) > 3 else ""))
    removed = [d for d in r.differences if d.kind == "removed"]
    if removed:
        parts.append("without " + ", ".join(_q(d.statement_text, 40) for d in removed[:3]))
    added = [d for d in r.differences if d.kind in ("added", "inserted")]
    if added:
        parts.append("with " + ", ".join(_q(d.document_text) for d in added[:2]) + " put inside the statement")
    for d in r.differences:
        if d.kind != "missing":
            continue
        n = len(sentences(d.statement_text, language or "en"))
        where = {"end": "last", "start": "first"}.get(d.where, "")
        count = f"{n} sentences are" if n != 1 else "sentence is"
        text = f"the statement's {where + ' ' if where else ''}{count} missing"
        if d.where == "inside":
            text = f"{_q(d.statement_text)} from inside the statement is missing"
        if d.mid_sentence:
            if d.where == "start":
                text += f", cut mid-sentence before {_q(' '.join(statement.body[d.statement_end:].split()[:4]), 40)}"
            else:
                text += f", cut mid-sentence after {_q(_last_words(statement.body[:d.statement_start]), 40)}"
        parts.append(text)
    if r.attribution and r.attribution.get("misattributed"):
        names = ", ".join(str(c["name"]) for c in r.attribution["credited"])
        parts.append(f"credited to {names}, not to the entity {r.attribution['speaks_for']} the publisher speaks for")
    if r.version < r.latest_version:
        parts.append(f"a later version ({r.latest_version}) corrected it before this document's date")
    if r.withdrawn:
        parts.append(f"the item was withdrawn (version {r.withdrawn['version']}"
                     + (f", {str(r.withdrawn['published'])[:10]}" if r.withdrawn.get("published") else "")
                     + (f": {r.withdrawn['reason']}" if r.withdrawn.get("reason") else "") + ")")
    if r.kind == "quote":
        head += f" ({round(r.share * 100)}% of it)"
    if not parts:
        return head + " word for word."
    if r.verbatim:
        return head + " word for word; " + "; ".join(parts) + "."
    return head + " " + "; ".join(parts) + "."


def _evidence(r: Reprint, statement: Statement, text: str) -> tuple[Evidence, ...]:
    rows: list[Evidence] = []
    for d in r.differences[:10]:
        if d.document_text:
            rows.append(Evidence(r.document_id, d.document_start, d.document_end, d.document_text, "reprint"))
        else:  # what the document has where the statement's words are missing or were removed
            a = max(0, d.document_start - 60)
            rows.append(Evidence(r.document_id, a, d.document_start, text[a:d.document_start], "reprint"))
        if d.statement_text:
            rows.append(Evidence(statement.uri, d.statement_start, d.statement_end, d.statement_text, "signed item"))
        else:
            a = max(0, d.statement_start - 60)
            rows.append(Evidence(statement.uri, a, d.statement_start, statement.body[a:d.statement_start], "signed item"))
    if not rows and r.spans:
        a, b = r.spans[0]
        rows.append(Evidence(r.document_id, a, b, text[a:b], "reprint"))
    return tuple(rows)


def _type_and_status(r: Reprint) -> tuple[str, FindingStatus, str] | None:
    classes = set(r.classes)
    mid = any(d.mid_sentence for d in r.differences)
    if r.kind == "quote":
        if classes & {"altered", "extended"}:
            return "altered-quote", "inconsistent", "medium"
        if "misattributed" in classes:
            return "misattributed-reprint", "informational", "low"
    elif "altered" in classes:
        return "altered-reprint", "inconsistent", "medium"
    elif "extended" in classes:
        return "extended-reprint", "inconsistent", "medium"
    elif "truncated" in classes:
        return "truncated-reprint", "inconsistent" if mid else "informational", "medium" if mid else "low"
    elif "misattributed" in classes:
        return "misattributed-reprint", "informational", "low"
    if r.withdrawn:
        return "reprint-of-withdrawn", "informational", "info"
    if r.version < r.latest_version:
        return "reprint-of-corrected", "informational", "info"
    return None


def reprint_finding(r: Reprint, statement: Statement, text: str, *, published: str | None = None,
                    language: str | None = "en") -> Finding | None:
    """The finding for one reprint, or None for a faithful copy of the current version."""
    kind = _type_and_status(r)
    if kind is None:
        return None
    type_, status, severity = kind
    fact = {"what": "signed item", "uri": r.item_uri, "version": r.version, "latest_version": r.latest_version,
            "origin": r.origin, "publisher": r.publisher, "published": statement.published, "classes": list(r.classes),
            "share": round(r.share, 4), "withdrawn": r.withdrawn, "attribution": r.attribution,
            "differences": [d.as_dict() for d in r.differences]}
    return Finding(NAME, type_, status, severity, describe(r, statement, language), r.document_id, r.item_uri,
                   _evidence(r, statement, text), (fact,), judged_at=(published or "")[:10] or None,
                   date_source="document" if published else None, version=VERSION)


# --- quotes ---------------------------------------------------------------------------------


@cache
def _unfinished(language: str) -> frozenset[str]:
    return lexicon("en").words("unfinished_endings") | lexicon(language).words("unfinished_endings")


def _direct(text: str, c: Claim) -> bool:
    """A quote between marks (reported speech is a paraphrase: not compared)."""
    before = text[max(0, c.start - 2):c.start].strip()
    return bool(before) and before[-1] in _MARKS


def stops_mid_sentence(quote: str, language: str | None = "en") -> bool:
    """An ellipsis at its end, or a last word no sentence ends with."""
    q = quote.rstrip(_MARKS + " ")
    if q.endswith(("…", "...")):
        return True
    if q[-1:] in ".!?":
        return False
    ws = words(q, language)
    return bool(ws) and ws[-1].norm in _unfinished(language or "en")


def quote_findings(document_id: str, text: str, claims: Iterable[Claim], spoken_for: Mapping[str, Sequence[Statement]],
                   *, published: str | None = None, language: str | None = "en") -> list[Finding]:
    """Unverified and cut quotes of one document. ``spoken_for``: entity → the statements of
    every publisher declared to speak for it (all versions)."""
    found: list[Finding] = []
    day = (published or "")[:10] or None
    for c in claims:
        if c.type != "quote" or not _direct(text, c):
            continue
        speaker = c.fields.get("speaker") or c.fields.get("entity")
        evidence = (Evidence(document_id, c.start, c.end, c.text, "quote"),)
        if speaker and stops_mid_sentence(c.text, language):
            found.append(Finding(NAME, "quote-cut", "informational", "info",
                                 f"The quote attributed to {speaker} stops mid-sentence ({_q(_last_words(c.text, 6))}).",
                                 document_id, f"cut:{c.start}:{c.text[:80]}", evidence, judged_at=day, version=VERSION))
        entity = c.fields.get("entity")
        statements = spoken_for.get(entity) if entity else None
        if not statements or len(c.text.split()) < 4:
            continue
        quote = " ".join(w.norm for w in words(c.text, language))
        if any(fuzz.partial_ratio(quote, " ".join(w.norm for w in words(s.body, s.language))) >= QUOTE_MATCH
               for s in statements if s.body):
            continue
        publishers = sorted({s.publisher for s in statements})
        found.append(Finding(
            NAME, "unverified-quote", "undetermined", "low",
            f"The quote attributed to {speaker} matches nothing {', '.join(publishers)} published "
            f"({len({s.uri for s in statements})} signed items; the publisher speaks for {entity}).",
            document_id, f"quote:{entity}:{' '.join(c.text.split())[:200]}", evidence,
            ({"what": "publishers speaking for", "entity": entity, "publishers": publishers,
              "items": sorted({s.uri for s in statements})},), judged_at=day, version=VERSION))
    return found
