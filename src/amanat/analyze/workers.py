"""Worker processes that never outlive the process that started them.

A pool worker whose parent is SIGKILLed is re-parented to init and would go on holding
whatever it had — an open database connection, a lock. So every worker asks the kernel to
kill it when its parent dies (Linux ``PR_SET_PDEATHSIG``) and, where that is not available,
watches for the parent's pid to change.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1


def die_with_parent(poll: float = 0.5) -> None:
    """Call first thing in a worker: it then ends when its parent does."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="amanat-parent-watch", daemon=True).start()
