"""A reprint's exact differences from the signed statement, as pieces a template renders:
the statement's words in order, with what the copy left out as ``del`` and what it put in as
``ins``, each with a text label (screen readers do not announce ``<del>``/``<ins>``, and the
page must not rely on their colour).

The differences come from the reprint alignment (``model.TextDifference``, offsets into the
statement's body): this module only lays them over the statement's text, it aligns nothing.
"""

from __future__ import annotations

from typing import Any

LABELS = {"changed": ("changed from", "to"), "removed": ("removed", None), "added": (None, "added"),
          "inserted": (None, "inserted"), "missing": ("missing from the copy", None)}


def pieces(statement: str, differences: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The statement as same/del/ins pieces: ``{"kind", "text", "label"}``. A difference that
    overlaps one already laid (or points outside the statement) is left out of the running
    text; the differences table beside it still lists it."""
    out: list[dict[str, str]] = []
    at = 0
    for d in sorted(differences, key=lambda d: (d.get("statement_start", 0), d.get("statement_end", 0))):
        start, end = int(d.get("statement_start", 0)), int(d.get("statement_end", 0))
        if start < at or end > len(statement) or start > end:
            continue
        if start > at:
            out.append({"kind": "same", "text": statement[at:start], "label": ""})
        old_label, new_label = LABELS.get(d.get("kind", ""), ("removed", "added"))
        if d.get("statement_text") and end > start:
            label = old_label or "removed"
            if d.get("kind") == "missing" and d.get("mid_sentence"):
                label += ", cut mid-sentence"
            out.append({"kind": "del", "text": statement[start:end], "label": label})
        if d.get("document_text"):
            out.append({"kind": "ins", "text": d["document_text"], "label": new_label or "added"})
        at = end
    if at < len(statement):
        out.append({"kind": "same", "text": statement[at:], "label": ""})
    return out
