"""Building 100,000s of objects at once (a day's trade bill), on a worker thread beside an event loop."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pausing = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC (for every thread) while building objects that never form cycles: its full passes
    over them cost a third of the time, and each holds the GIL for tens of milliseconds, stopping the event
    loop too. Threads may overlap: the GC runs again when the last of them is done."""
    global _pausing, _was_enabled
    with _lock:
        if _pausing == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _lock:
            _pausing -= 1
            if _pausing == 0 and _was_enabled:
                gc.enable()
