"""Background work for the manager screen: ``fn`` on a pool thread, its result back on the GUI thread.

The manager screen's own small helper (the cashier's ``kiosk.ui.ops`` was not yet committed when this was
written); same shape as Anki's ``QueryOp``: ``ops.run(fn, on_done=..., on_error=...)``.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Task(QRunnable):
    def __init__(self, ops: ManagerOps, op_id: int, fn: Callable[[], Any]):
        super().__init__()
        self._ops = ops
        self._op_id = op_id
        self._fn = fn

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # handed to the GUI thread, never lost on a pool thread
            self._ops.finished.emit(self._op_id, False, exc)
        else:
            self._ops.finished.emit(self._op_id, True, result)


class ManagerOps(QObject):
    #: (label, exception) of a failure nobody handled.
    failed = Signal(str, object)
    #: Operations in flight (tests wait for 0; the screen shows a busy cursor).
    busyChanged = Signal(int)
    # Emitted on pool threads; the queued connection delivers it on our (GUI) thread.
    finished = Signal(int, bool, object)

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 3):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[str, Callable[[Any], None] | None, Callable[[BaseException], None] | None]] = {}
        self.finished.connect(self._deliver)

    @property
    def in_flight(self) -> int:
        return len(self._pending)

    def run(
        self,
        fn: Callable[[], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        label: str = "",
    ) -> int:
        op_id = next(self._ids)
        self._pending[op_id] = (label or getattr(fn, "__name__", "operation"), on_done, on_error)
        self._pool.start(_Task(self, op_id, fn))
        self.busyChanged.emit(len(self._pending))
        return op_id

    @Slot(int, bool, object)
    def _deliver(self, op_id: int, ok: bool, value: object) -> None:
        label, on_done, on_error = self._pending.pop(op_id, ("", None, None))
        try:
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
        finally:
            self.busyChanged.emit(len(self._pending))

    def wait(self, msecs: int = 10_000) -> bool:
        return self._pool.waitForDone(msecs)
