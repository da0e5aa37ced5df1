"""How well stories are grouped: B-cubed precision and recall, and the synthetic variants of a
seed document the labelled set is built from. Pure.

B-cubed (Bagga and Baldwin, 1998) scores every document: precision is the share of the
documents in its predicted story that belong to its gold story, recall the share of its gold
story that is in its predicted story; both are averaged over documents, so a big story does
not hide the singletons and merging two events costs precision on every document of both.

Synthetic variants rewrite one seed as other outlets would — paragraphs reordered and cut,
another headline, a wire credit, copies on several sites, a version in another language
that keeps only names, numbers and dates — and are labelled ``synthetic`` wherever they go.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BCubed:
    precision: float
    recall: float
    documents: int

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def bcubed(predicted: Mapping[str, str], gold: Mapping[str, str]) -> BCubed:
    """B-cubed precision and recall of ``predicted`` (document → story) against ``gold``
    (document → label), over the documents ``gold`` labels."""
    docs = [d for d in gold if d in predicted]
    if not docs:
        return BCubed(0.0, 0.0, 0)
    pair = Counter((predicted[d], gold[d]) for d in docs)
    by_pred = Counter(predicted[d] for d in docs)
    by_gold = Counter(gold[d] for d in docs)
    precision = sum(pair[(predicted[d], gold[d])] / by_pred[predicted[d]] for d in docs) / len(docs)
    recall = sum(pair[(predicted[d], gold[d])] / by_gold[gold[d]] for d in docs) / len(docs)
    return BCubed(precision, recall, len(docs))


@dataclass(frozen=True)
class Variant:
    """One synthetic document: ``kind`` says how it was made from its seed."""

    key: str
    kind: str  # rewrite | wire | wire-copy | wire-trimmed | translated
    source: str
    title: str
    text: str
    language: str = "en"


_PARAGRAPHS = re.compile(r"\n\s*\n|\n")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+\b")
_FIGURE = re.compile(r"\b\d[\d,]*\b")
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Z][a-z]+)\b")


def variants(key: str, title: str, text: str, spec: Mapping[str, Any],
             names: Sequence[str] = ()) -> list[Variant]:
    """Rewrites of one seed as other outlets would publish it (deterministic per key).

    ``spec`` (tests/gold/stories_synthetic.json) gives the wire credit, the headline and
    translation templates and a Latin-to-Cyrillic letter map; ``names`` the people the seed
    names (its linked person mentions), else capitalised word runs after the first line."""
    rng = random.Random(key)
    paragraphs = [p.strip() for p in _PARAGRAPHS.split(text) if len(p.strip()) > 40]
    body_text = text.split("\n", 1)[-1]
    names = list(dict.fromkeys(names))[:6] or list(dict.fromkeys(_NAME.findall(body_text)))[:4] or [title]
    figures = [f for f in dict.fromkeys(_FIGURE.findall(text)) if len(f.replace(",", "")) >= 3][:4]
    out: list[Variant] = []
    body = paragraphs[:]
    rng.shuffle(body)
    body = body[: max(2, int(len(body) * 0.7))]
    headline = str(spec["headline"]).format(name=names[0], other=names[-1])
    out.append(Variant(f"{key}:rewrite", "rewrite", "synthetic-outlet-a.example", headline, "\n\n".join(body)))
    credit = str(spec["wire_credit"])
    wire_text = credit + " " + "\n\n".join(paragraphs)
    for n in range(int(str(spec["wire_sites"]))):
        out.append(Variant(f"{key}:wire{n}", "wire-copy" if n else "wire", f"synthetic-site-{n}.example",
                           f"{title} ({spec['wire_name']})", wire_text))
    trimmed = credit + " " + "\n\n".join(paragraphs[:-1] if len(paragraphs) > 2 else paragraphs)
    out.append(Variant(f"{key}:wire-trimmed", "wire-trimmed", "synthetic-site-trimmed.example", title, trimmed))
    letters = dict(spec["cyrillic"])
    cyr = [_transliterate(n, letters) for n in names]
    months = dict(spec["months"])
    days = [f"{int(d)} {months[m.lower()]}" for d, m in _DAY_MONTH.findall(text) if m.lower() in months][:2]
    templates = list(spec["translated"])
    sentences = [str(templates[i % len(templates)]).format(
        name=cyr[i % len(cyr)], figure=figures[i % len(figures)] if figures else "",
        day=days[i % len(days)] if days else "") for i in range(max(len(templates), len(cyr)))]
    out.append(Variant(f"{key}:translated", "translated", "synthetic-ru.example", cyr[0], " ".join(sentences), "ru"))
    return out


def _transliterate(text: str, letters: Mapping[str, str]) -> str:
    out, i = [], 0
    lowered = text.lower()
    while i < len(text):
        for size in (3, 2, 1):
            chunk = lowered[i:i + size]
            if len(chunk) == size and chunk in letters:
                mapped = letters[chunk]
                out.append(mapped.capitalize() if text[i].isupper() else mapped)
                i += size
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)
