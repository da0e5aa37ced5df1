"""Amanat: authentic news exchange and press verification."""

from amanat.analyze.workers import bind_early as _bind_early

_bind_early()  # a no-op unless this process is a starting analysis worker (see there)
