"""Analysis worker processes that share nothing with their owner and die with it.

Used by ingest (extraction) and by ``amanat analyze`` (mentions and claims) alike.

Why *spawn*, not the POSIX default *fork*: a forked worker inherits every descriptor the
ingesting process holds at that moment — its database connection mid-transaction (holding
the PostgreSQL writers' lock), the SQLite file, the write ends of its siblings' pipes. When
the ingest was SIGKILLed its workers lived on (nothing they read ever reached end-of-file)
and kept the dead run's database socket open, so the server never saw the client go and the
lock stayed held: every later ingest waited forever. A spawned worker is a fresh interpreter
that receives only the pipes of its own pool.

Why not *forkserver*, which pays the imports once instead of once per worker: its workers
are children of the fork server, not of the ingest, and every one of them holds the write
end of the server's "alive" pipe, so the server outlives the ingest for as long as its
workers do — the parent-death signal below would never fire. Measured on a 2-core machine
(busy with other work): a spawned worker costs 1.3-1.6 s of CPU to start (it imports the
command line, as its main module, and the analysers), a fork server the same, once; a
single-file ingest took 1.7 s with one job and 2.7-3.7 s with two when the pool was started
for it. With a worker per core the wall-clock start is about the same either way, and
``pipeline`` starts the pool only for an input with more than one capture to analyse, where
the analysis dwarfs it (a single file with two jobs: 1.7-2.1 s again).

Why each worker watches its owner: the kernel drops a SIGKILLed process's locks and
sockets, but not its children. On Linux ``PR_SET_PDEATHSIG`` has the kernel kill a worker
the moment the process that started it dies; elsewhere (and as a second line on Linux) a
daemon thread notices the parent change within ``WATCH_INTERVAL`` seconds and exits.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

WATCH_INTERVAL = 0.5  # seconds between a worker's looks at its parent (the portable fallback)
OWNER_ENV = "AMANAT_POOL_OWNER"  # the pid of the process whose pool a worker belongs to
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def analysis_pool(jobs: int, init: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()) -> ProcessPoolExecutor:
    """A pool of ``jobs`` spawned worker processes bound to the life of this process;
    ``init(*initargs)`` then runs in each (to hand it, once, what every task needs)."""
    # read by ``amanat/__init__`` in each worker, before its imports (``bind_early``)
    os.environ[OWNER_ENV] = str(os.getpid())
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start,
        initargs=(os.getpid(), init, initargs),
    )


def _start(owner: int, init: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    bind_to_owner(owner)
    if init is not None:
        init(*initargs)


def bind_to_owner(owner: int) -> None:
    """Make this worker die with ``owner``, the ingest that started it (the pool's initializer).

    Must never raise: an initializer that fails breaks the whole pool. The owner alone
    stops the run on Ctrl-C (it cancels what is queued and shuts the pool down), so a
    worker ignores SIGINT rather than print a traceback of its own.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        _die_with_parent()
    # the owner may have died before the line above took effect: then the kernel will not
    # signal this worker, and its parent is already someone else
    if os.getppid() != owner:
        os._exit(1)
    threading.Thread(target=_watch_owner, args=(owner,), name="amanat-owner-watch", daemon=True).start()


def bind_early() -> None:
    """In a worker of ``analysis_pool``, have the kernel kill it with its owner from now on.

    A spawned worker imports its owner's main module (the command line) and the analysers
    before the pool's initializer runs, a second or more (much more on a loaded machine); a
    worker whose owner was SIGKILLed in that time lived on until its imports ended. So
    ``amanat``'s package ``__init__``, the first of them, calls this: a process that the pool
    owner named in ``OWNER_ENV`` started (its parent) asks for the parent-death signal at once.
    Any other process leaves it unset."""
    if os.environ.get(OWNER_ENV) == str(os.getppid()) and sys.platform.startswith("linux"):
        _die_with_parent()
        if os.environ.get(OWNER_ENV) != str(os.getppid()):  # the owner died meanwhile
            os._exit(1)


def _die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux ``prctl``)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # no prctl here: the watching thread still covers it
        pass


def _watch_owner(owner: int) -> None:
    """Exit this worker as soon as its parent is no longer ``owner`` (it died and this
    process was handed to init or a subreaper)."""
    while os.getppid() == owner:
        time.sleep(WATCH_INTERVAL)
    os._exit(1)
