"""A kiosk clock that a test can move forward, for any package's tests.

    clock = MovableClock()
    core = world.core(clock=clock)   # or create_main_window(..., clock=clock)
    clock.advance(3600)              # the kiosk now lives an hour ahead

Only the kiosk sees it: the relay and the sandbox keep their own (real) time.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from kiosk.clock import CHINA_TZ


class MovableClock:
    """The kiosk's clock, which a test can move forward (the relay and sandbox keep their own)."""

    def __init__(self) -> None:
        self.offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(CHINA_TZ) + self.offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.offset += timedelta(seconds=seconds)
