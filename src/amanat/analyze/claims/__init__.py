"""Claims: what a document asserts, each with the span of text that says it. Pure.

``extract_claims(text, published, language, mentions)`` runs every registered extractor that
supports the document's language and returns their claims in text order. Extractors are
units with a name, a version, the languages they support and the claim types they write;
the built-in ones are loaded by the same ``module:attribute`` references, through the same
loader, as third-party ones declared in the ``amanat.extractors`` entry point group — so the
extension point is the one the core itself uses (as datasette's built-ins use its hooks).

No I/O: a ``Context`` holds the text, its date and language, and the mentions found before
(titles come from them), so the same call runs in-process, in a worker pool or on Spark.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, TypeVar

from amanat.analyze.sentences import sentences
from amanat.config import load_units
from amanat.model import Claim, ClaimType, Mention

ENTRY_POINT_GROUP = "amanat.extractors"
T = TypeVar("T")

# the built-in extractors, referenced as a plugin's entry point would be
BUILTIN = (
    "amanat.analyze.claims.figures:EXTRACTOR",
    "amanat.analyze.claims.events:EXTRACTOR",
    "amanat.analyze.claims.quotes:EXTRACTOR",
    "amanat.analyze.claims.roles:EXTRACTOR",
    "amanat.analyze.claims.memberships:EXTRACTOR",
)


@dataclass(frozen=True)
class Context:
    """What an extractor sees of one document."""

    text: str
    published: date | None = None
    language: str = "en"
    mentions: tuple[Mention, ...] = ()

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        """``(start, end)`` of each sentence, computed once for all extractors."""
        return sentences(self.text, self.language)

    @cached_property
    def _computed(self) -> dict[str, Any]:
        return {}

    def computed(self, key: str, compute: Callable[[Context], T]) -> T:
        """``compute(self)``, once per context for every extractor that asks by ``key``: what
        several extractors derive from the same text (the people it names) is derived once,
        without hashing the whole context to look it up."""
        if key not in self._computed:
            self._computed[key] = compute(self)
        return self._computed[key]


@dataclass(frozen=True)
class Extractor:
    """A registered claim extractor: ``run(context)`` returns its claims."""

    name: str
    version: int
    languages: frozenset[str]
    writes: tuple[ClaimType, ...]
    run: Callable[[Context], list[Claim]]
    reads: tuple[str, ...] = ()  # what it uses besides the text, e.g. ("mentions",)
    summary: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass
class Result:
    """The claims of one document, and why some extractors did not run."""

    claims: list[Claim] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "not analysed for claims (language xx)"


def load(reference: str) -> Extractor:
    """The extractor a ``module:attribute`` reference names."""
    return next(iter(load_units(None, (reference,), Extractor, "claim extractor").values()))


_registry: dict[str, Extractor] | None = None


def extractors() -> list[Extractor]:
    """Every extractor: the built-in ones, then those of installed plugins (by name; a plugin
    may replace a built-in one by registering its name)."""
    global _registry
    if _registry is None:
        _registry = load_units(ENTRY_POINT_GROUP, BUILTIN, Extractor, "claim extractor")
    return list(_registry.values())


def version_key(chosen: Iterable[Extractor] | None = None) -> str:
    """One string naming every extractor and its version: stored with the claims, so a
    changed extractor makes the documents it ran on stale."""
    return ",".join(sorted(e.label for e in (chosen if chosen is not None else extractors())))


def supported_languages() -> frozenset[str]:
    return frozenset().union(*(e.languages for e in extractors()))


def extract_claims(text: str, published: date | None = None, language: str | None = "en",
                   mentions: Iterable[Mention] = ()) -> Result:
    """The claims of one text, in text order (ties: longer first)."""
    lang = (language or "en").split("-")[0].lower()
    context = Context(text, published, lang, tuple(mentions))
    result = Result()
    for extractor in extractors():
        if lang not in extractor.languages:
            result.skipped.append(f"{extractor.name}: not analysed for claims (language {lang})")
            continue
        result.claims.extend(extractor.run(context))
    result.claims.sort(key=lambda c: (c.start, -c.end, c.type))
    return result
