"""Placeholder: replaced by the real extractor in this session's work."""

from amanat.analyze.claims import Context, Extractor
from amanat.model import Claim


def _run(context: Context) -> list[Claim]:
    return []


EXTRACTOR = Extractor(name="roles", version=0, languages=frozenset({"en"}), writes=(), run=_run)
