"""Core events and print-queue updates, turned into Qt signals delivered on the GUI thread.

The core calls :meth:`CoreBridge._on_event` on its worker threads; emitting a signal of this (GUI-thread)
object from there queues the delivery, so connected widgets only ever run on the GUI thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from kiosk.checkout import (
    ConnectionChanged,
    CoreError,
    CoreEvent,
    KioskCore,
    PaidAfterCancel,
    PrintSubmitted,
    RefundChanged,
    SessionChanged,
)
from kiosk.ui.qr import qr_matrix


class CoreBridge(QObject):
    sessionChanged = Signal(object)  # SessionChanged
    paidAfterCancel = Signal(object)  # PaidAfterCancel
    connectionChanged = Signal(object)  # ConnectionChanged
    refundChanged = Signal(object)  # RefundChanged
    printSubmitted = Signal(object)  # PrintSubmitted
    coreError = Signal(object)  # CoreError
    printJob = Signal(object)  # kiosk.printing.PrintJob

    def __init__(self, core: KioskCore, parent: QObject | None = None):
        super().__init__(parent)
        self.core = core
        self._unsubscribe: Callable[[], None] | None = core.subscribe(self._on_event)
        self._queue: Any = core.print_queue
        if self._queue is not None and hasattr(self._queue, "add_listener"):
            self._queue.add_listener(self._on_print_job)
        else:
            self._queue = None

    def detach(self) -> None:
        """Stop listening (the window is closing): later events go nowhere."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._queue is not None:
            with contextlib.suppress(ValueError):
                self._queue.remove_listener(self._on_print_job)
            self._queue = None

    def _on_print_job(self, job: object) -> None:
        self.printJob.emit(job)

    def _on_event(self, event: CoreEvent) -> None:
        match event:
            case SessionChanged():
                if event.session.code_url:
                    qr_matrix(event.session.code_url)  # computed here, off the GUI thread (cached)
                self.sessionChanged.emit(event)
            case PaidAfterCancel():
                self.paidAfterCancel.emit(event)
            case ConnectionChanged():
                self.connectionChanged.emit(event)
            case RefundChanged():
                self.refundChanged.emit(event)
            case PrintSubmitted():
                self.printSubmitted.emit(event)
            case CoreError():
                self.coreError.emit(event)
