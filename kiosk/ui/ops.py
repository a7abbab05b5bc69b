"""Background operations: run a blocking core call off the GUI thread, get the result on the GUI thread.

Modelled on Anki's ``QueryOp``: ``ops.run(fn, on_done=..., on_error=...)``. ``fn`` runs on a pool thread;
the callbacks run on the thread that owns :class:`BackgroundOps` (the GUI thread). A failure with no
``on_error`` goes to the central error display through :attr:`BackgroundOps.failed`.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class _Task(QRunnable):
    def __init__(self, ops: BackgroundOps, op_id: int, fn: Callable[[], Any]):
        super().__init__()
        self._ops = ops
        self._op_id = op_id
        self._fn: Callable[[], Any] | None = fn

    def run(self) -> None:
        fn, self._fn = self._fn, None
        assert fn is not None  # a task runs once
        try:
            outcome: tuple[bool, object] = (True, fn())  # one tuple: a single argument, whatever the result
        except BaseException as exc:  # delivered to the GUI thread, never lost on a pool thread
            outcome = (False, exc)
        # The callable may hold the last reference to a widget (a dialog closed meanwhile): this thread lets go
        # of it before saying it is done, so that the GUI thread's record of the operation drops it there.
        del fn
        self._ops._finished.emit(self._op_id, outcome)


class BackgroundOps(QObject):
    """One small helper for every blocking call the UI makes."""

    #: (label, exception) for failures nobody handled: the window shows them in its notice bar.
    failed = Signal(str, object)
    #: Number of operations in flight changed (tests and the busy indicator).
    busyChanged = Signal(int)
    # Emitted from pool threads; the connection to our own slot queues it onto our (GUI) thread.
    _finished = Signal(int, object)

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 4):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._ids = itertools.count(1)
        # Each operation's label, callbacks and callable, until its outcome is delivered on the GUI thread.
        self._pending: dict[int, tuple[str, Done | None, Failed | None, Callable[[], Any]]] = {}
        self._stopped = False
        self._finished.connect(self._deliver)

    @property
    def in_flight(self) -> int:
        return len(self._pending)

    def run(
        self,
        fn: Callable[[], Any],
        *,
        on_done: Done | None = None,
        on_error: Failed | None = None,
        label: str = "",
    ) -> int:
        op_id = next(self._ids)
        if self._stopped:  # its owner is going away, and the core with it: run nothing more against it
            log.debug("%s not run: stopped", label or getattr(fn, "__name__", "operation"))
            return op_id
        self._pending[op_id] = (label or getattr(fn, "__name__", "operation"), on_done, on_error, fn)
        self._pool.start(_Task(self, op_id, fn))
        self.busyChanged.emit(len(self._pending))
        return op_id

    @Slot(int, object)
    def _deliver(self, op_id: int, outcome: tuple[bool, object]) -> None:
        ok, value = outcome
        label, on_done, on_error, _ = self._pending.pop(op_id, ("", None, None, None))
        self.busyChanged.emit(len(self._pending))
        if ok:
            if on_done is not None:
                on_done(value)
            return
        assert isinstance(value, BaseException)
        log.warning("%s failed: %s", label, value, exc_info=value)
        if on_error is not None:
            on_error(value)
        else:
            self.failed.emit(label, value)

    def stop(self, msecs: int = 10_000) -> bool:
        """Shutdown, before the core stops: start no more operations and wait for the running ones (their
        results still arrive through the event loop). False if some were still running after ``msecs``."""
        self._stopped = True
        return self._pool.waitForDone(msecs)
