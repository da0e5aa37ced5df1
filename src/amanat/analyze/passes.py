"""Analysis passes, and one runner for them: in-process or in a worker pool. Pure.

A *pass* turns one document into rows of one table: ``mentions`` (people, organisations,
places, offices, linked to the knowledge base) and ``claims`` (what the document asserts).
Each has a name, a version — a changed version makes the documents it ran on stale, so
``amanat analyze`` runs it on them again — and ``run(source, context, earlier)``, where
``earlier`` holds what the passes before it produced for the same document (claims read the
mentions). The ``Context`` (the knowledge-base index and its version) pickles, so a pool
worker or a Spark executor gets it once and runs the very same functions; nothing here
touches a store, a file or the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from amanat.analyze import claims as claim_extraction
from amanat.analyze.workers import analysis_pool
from amanat.kb.index import KBIndex
from amanat.model import Document, Mention


@dataclass(frozen=True)
class Source:
    """A document as analysis sees it."""

    id: str
    text: str
    published: date | None = None
    language: str | None = None

    @classmethod
    def of(cls, document: Document) -> Source:
        """What analysis reads of a stored or just-extracted document: the same either way, so
        a store's run and a Spark executor's give the same rows."""
        value = document.published.value if document.published else None
        try:
            day = date.fromisoformat(value[:10]) if value else None
        except ValueError:
            day = None
        return cls(document.id, document.text, day, document.language)


@dataclass(frozen=True)
class Context:
    """What every pass may use besides the document; pickled once per worker."""

    kb_index: KBIndex
    kb_version: str


@dataclass
class Output:
    """What one pass made of one document: rows for its table, the value later passes read,
    and why it did not analyse the document when it did not (``status``)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    value: Any = None
    status: str | None = None


class Pass(Protocol):
    name: str
    table: str

    def version(self, context: Context) -> str: ...

    def run(self, source: Source, context: Context, earlier: dict[str, Output]) -> Output: ...


class MentionsPass:
    """Mentions, linked with the knowledge base as of the document's date."""

    name = "mentions"
    table = "mentions"

    def version(self, context: Context) -> str:
        return f"mentions@1 kb:{context.kb_version}"

    def run(self, source: Source, context: Context, earlier: dict[str, Output]) -> Output:
        from amanat.analyze.mentions import analyze_mentions

        found = analyze_mentions(source.text, source.published, context.kb_index)
        return Output([_mention_row(source.id, n, m, context.kb_version) for n, m in enumerate(found)], found)


def _mention_row(doc_id: str, n: int, mention: Mention, kb_version: str) -> dict[str, Any]:
    return {**mention.to_stored(doc_id, n), "kb_version": kb_version}


class ClaimsPass:
    """Claims of every registered extractor that supports the document's language."""

    name = "claims"
    table = "claims"

    def version(self, context: Context) -> str:
        return f"claims kb:{context.kb_version} {claim_extraction.version_key()}"

    def run(self, source: Source, context: Context, earlier: dict[str, Output]) -> Output:
        mentions = earlier["mentions"].value if "mentions" in earlier else ()
        result = claim_extraction.extract_claims(source.text, source.published, source.language, mentions)
        rows = [{"document_id": source.id, "n": n, "type": c.type, "start": c.start, "end": c.end, "text": c.text,
                 "fields": json.dumps(c.fields, ensure_ascii=False), "extractor": c.extractor}
                for n, c in enumerate(result.claims)]
        ran = len(result.skipped) < len(claim_extraction.extractors())
        status = None if ran else f"not analysed for claims (language {(source.language or 'en').split('-')[0]})"
        return Output(rows, result.claims, status)


PASSES: tuple[Pass, ...] = (MentionsPass(), ClaimsPass())


def analyze_source(source: Source, context: Context, passes: Iterable[Pass] = PASSES) -> dict[str, Output]:
    """Every pass, in order, on one document."""
    outputs: dict[str, Output] = {}
    for p in passes:
        outputs[p.name] = p.run(source, context, outputs)
    return outputs


# --- the local runner ----------------------------------------------------------------------

_worker: tuple[Context, tuple[Pass, ...]] | None = None


def _set_context(context: Context, passes: tuple[Pass, ...]) -> None:
    global _worker
    _worker = (context, passes)


def _in_worker(source: Source) -> dict[str, Output]:
    assert _worker is not None
    return analyze_source(source, *_worker)


def run_local(sources: Iterable[Source], context: Context, jobs: int = 1,
              passes: tuple[Pass, ...] = PASSES) -> Iterator[tuple[Source, dict[str, Output]]]:
    """Analyse documents in order, in this process (``jobs`` 1) or in a pool of ``jobs``
    workers that share nothing with this process and die with it (``workers``), each given
    the context once."""
    if jobs <= 1:
        for source in sources:
            yield source, analyze_source(source, context, passes)
        return
    pool = analysis_pool(jobs, _set_context, (context, passes))
    try:
        window: list[Any] = []
        for source in sources:
            window.append((source, pool.submit(_in_worker, source)))
            if len(window) >= 8 * jobs:
                done, future = window.pop(0)
                yield done, future.result()
        for done, future in window:
            yield done, future.result()
    finally:
        pool.shutdown(cancel_futures=True)
