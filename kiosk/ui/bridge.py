"""Core events, turned into Qt signals delivered on the GUI thread.

The core calls :meth:`CoreBridge._on_event` on its worker threads; emitting a signal of this (GUI-thread)
object from there queues the delivery, so connected widgets only ever run on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from kiosk.checkout import KioskCore
from kiosk.checkout.events import (
    ConnectionChanged,
    CoreError,
    CoreEvent,
    PaidAfterCancel,
    PrinterFaultChanged,
    PrintJobChanged,
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
    printJobChanged = Signal(object)  # PrintJobChanged
    printerFaultChanged = Signal(object)  # PrinterFaultChanged

    def __init__(self, core: KioskCore, parent: QObject | None = None):
        super().__init__(parent)
        self.core = core
        self._unsubscribe: Callable[[], None] | None = core.subscribe(self._on_event)

    def detach(self) -> None:
        """Stop listening (the window is closing): later events go nowhere."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

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
            case PrintJobChanged():
                self.printJobChanged.emit(event)
            case PrinterFaultChanged():
                self.printerFaultChanged.emit(event)
