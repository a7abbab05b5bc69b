"""Clocks a test can move forward, for any package's tests.

    clock = MovableClock()
    core = world.core(clock=clock)   # or create_main_window(..., clock=clock)
    clock.advance(3600)              # the kiosk now lives an hour ahead

Only the kiosk sees a MovableClock: the relay and the sandbox keep their own time. A :class:`SharedClock` keeps
its offset in a file, so that processes share it: the relay run by ``tests.support.relay_driver`` and a kiosk
core in the test read the same moved time (the sandbox's clock moves through its control API).
"""

from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta
from pathlib import Path

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


class SharedClock:
    """Real time plus an offset kept in a file: every process given the same file sees the same time."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.exists():
            self._write(0.0)

    def offset(self) -> float:
        return float(self.path.read_text("ascii"))

    def now(self) -> datetime:
        return datetime.now(CHINA_TZ) + timedelta(seconds=self.offset())

    def advance(self, seconds: float) -> None:
        self._write(self.offset() + seconds)

    def _write(self, offset: float) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(repr(offset), "ascii")
        os.replace(temporary, self.path)  # readers see the old offset or the new one, never half of it
