"""Syncing on a schedule: ``amanat sync --every 5m``."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from amanat.errors import AmanatError, InputError


def parse_every(text: str) -> float:
    """``30s``, ``5m``, ``1h`` or plain seconds → seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    value = text.strip().lower()
    try:
        seconds = float(value[:-1]) * units[value[-1]] if value and value[-1] in units else float(value)
    except ValueError:
        raise InputError(f"--every {text!r}: use e.g. 30s, 5m, 1h") from None
    if seconds < 1:
        raise InputError("--every must be at least 1 second")
    return seconds


def keep_syncing(run_once: Any, every: float, *, rounds: int | None = None) -> None:
    """Call ``run_once`` every ``every`` seconds (``rounds`` times, or until interrupted);
    an error in one round is the round's, the loop goes on."""
    done = 0
    while rounds is None or done < rounds:
        started = time.monotonic()
        with contextlib.suppress(AmanatError):
            run_once()
        done += 1
        if rounds is not None and done >= rounds:
            return
        time.sleep(max(0.0, every - (time.monotonic() - started)))
