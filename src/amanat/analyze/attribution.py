"""Who a document credits for a copied statement, and whether that is the item's publisher. Pure.

Detected: an *organisation* the knowledge base links (a mention of kind organization, not
nested in a longer name) standing within ``REACH`` characters of a word of attribution — a
speech verb ("said", "announced"), a statement noun ("statement", "press service"), or
"according to" (lexicon ``speech_verbs``, ``statement_nouns``) — in the text just before a
copied passage (``BEFORE`` characters) or just after it (``AFTER``); and the speaker of a
quote claim that overlaps the passage when that speaker is such an organisation. The copy is
*misattributed* when the publisher's declared entity (``speaks_for``, set by the operator,
never guessed from names) is known, something is credited, and none of what is credited is
that entity.

Not detected, on purpose: persons (a spokesperson or minister speaks for a ministry, and the
base does not say who speaks for whom), unlinked or ambiguous names, a wire agency or outlet
credited for the *copy* ("AP reports"), credits further away than a sentence, and anything
for a publisher without a declared entity. So a missing finding means "not detected", not
"correctly attributed".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from amanat.kb.lexicon import lexicon
from amanat.model import Claim, Mention

BEFORE = 250
AFTER = 150
REACH = 80


@cache
def _cues(language: str) -> re.Pattern[str]:
    words: set[str] = {"according to"}
    for lang in dict.fromkeys(("en", language)):
        lex = lexicon(lang)
        words |= lex.words("speech_verbs") | lex.words("statement_nouns")
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)


def credited(text: str, spans: Sequence[tuple[int, int]], mentions: Sequence[Mention],
             claims: Sequence[Claim] = (), language: str | None = "en") -> list[dict[str, Any]]:
    """Organisations the document credits next to the copied ``spans``: entity, name, offsets."""
    if not spans:
        return []
    cues = _cues(language or "en")
    orgs = [m for m in mentions if m.kind == "organization" and m.entity_id and not m.nested]
    found: dict[str, dict[str, Any]] = {}
    windows = [(max(0, spans[0][0] - BEFORE), spans[0][0]), (spans[-1][1], min(len(text), spans[-1][1] + AFTER))]
    for lo, hi in windows:
        near = [(c.start() + lo, c.end() + lo) for c in cues.finditer(text[lo:hi])]
        for m in orgs:
            if not (lo <= m.start and m.end <= hi):
                continue
            if any(m.start - REACH <= b and a <= m.end + REACH for a, b in near):
                found.setdefault(str(m.entity_id), {"entity": m.entity_id, "name": m.text, "start": m.start,
                                                     "end": m.end, "how": "attribution words"})
    org_ids = {m.entity_id for m in orgs}
    for c in claims:
        entity = c.fields.get("entity")
        if c.type == "quote" and entity in org_ids and any(c.start < b and a < c.end for a, b in spans):
            found.setdefault(str(entity), {"entity": entity, "name": c.fields.get("speaker"), "start": c.start,
                                           "end": c.end, "how": "quote speaker"})
    return sorted(found.values(), key=lambda f: f["start"])


def attribution(text: str, spans: Sequence[tuple[int, int]], mentions: Sequence[Mention], claims: Sequence[Claim],
                speaks_for: str | None, language: str | None = "en") -> dict[str, Any] | None:
    """``{"credited": [...], "speaks_for": E, "misattributed": bool}``, or None when nothing is
    credited near the copy."""
    found = credited(text, spans, mentions, claims, language)
    if not found:
        return None
    wrong = speaks_for is not None and all(f["entity"] != speaks_for for f in found)
    return {"credited": found, "speaks_for": speaks_for, "misattributed": wrong}
