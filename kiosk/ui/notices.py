"""The central, non-modal message display and the handler for uncaught exceptions.

An unattended kiosk never blocks on a modal "Oops": every error (failed background operation, core
error, uncaught exception) lands in the window's :class:`NoticeBar`.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from kiosk.ui.i18n import Retranslating

log = logging.getLogger(__name__)

INFO_MS = 6000  # info notices fade on their own; errors stay until dismissed

#: A text for the clerk, or how to make it again in the language of the moment (a language switch
#: re-renders what is on screen: notices, banners and dialogs).
Message = str | Callable[[], str]


def render(message: Message) -> str:
    return message() if callable(message) else message


class NoticeBar(Retranslating, QWidget):
    """One line across the top of the window: info (blue, ⓘ, hides on its own) or error (red, ⚠, stays
    until ✕). A message given as a function is rendered again when the language changes."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("noticeBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.icon = QLabel(self)
        self.icon.setObjectName("noticeIcon")
        self.label = QLabel(self)
        self.label.setObjectName("noticeText")
        self.label.setWordWrap(True)
        self.close_button = QPushButton("✕", self)
        self.close_button.setObjectName("noticeCloseButton")
        self.close_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 8, 8)
        layout.addWidget(self.icon)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)
        self._message: Message = ""
        self.setProperty("level", "info")
        self.hide()

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    @property
    def level(self) -> str:
        return str(self.property("level"))

    def show_info(self, message: Message) -> None:
        self._show(message, "info")
        self._timer.start(INFO_MS)

    def show_error(self, message: Message) -> None:
        self._timer.stop()
        self._show(message, "error")

    def dismiss(self) -> None:
        self._timer.stop()
        self.hide()

    def retranslate(self) -> None:
        self.label.setText(render(self._message))

    def _show(self, message: Message, level: str) -> None:
        self.icon.setText("⚠" if level == "error" else "ⓘ")  # told apart by more than colour
        self._message = message
        self.label.setText(render(message))
        self.setProperty("level", level)
        # Re-polish so the [level=...] stylesheet rule follows the property.
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()


class AlertBanner(Retranslating, QWidget):
    """Prominent, non-modal, stays until the clerk acknowledges it: payments that landed after Cancel."""

    acknowledged = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("alertBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.label = QLabel(self)
        self.label.setObjectName("alertText")
        self.label.setWordWrap(True)
        self.ack_button = QPushButton(self)
        self.ack_button.setObjectName("alertAckButton")
        self.ack_button.clicked.connect(self.acknowledge)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(20, 12, 12, 12)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.ack_button)
        self._messages: list[Message] = []
        self.retranslate()
        self.hide()

    def retranslate(self) -> None:
        self.ack_button.setText(self.tr("Got it"))
        self.label.setText("\n".join(render(message) for message in self._messages))

    @property
    def messages(self) -> list[str]:
        return [render(message) for message in self._messages]

    def add(self, message: Message) -> None:
        self._messages.append(message)
        self.retranslate()
        self.show()

    def acknowledge(self) -> None:
        self._messages.clear()
        self.hide()
        self.acknowledged.emit()


class ErrorReporter(QObject):
    """Thread-safe funnel into the notice bar: ``report`` may be called from any thread."""

    reported = Signal(str)

    def report(self, text: str) -> None:
        self.reported.emit(text)


def install_excepthook(reporter: ErrorReporter) -> Callable[[], None]:
    """Log and show uncaught exceptions (PySide6 swallows those raised in overridden methods otherwise).

    Covers the main thread (``sys.excepthook``) and Python threads (``threading.excepthook``); returns a
    function that restores the previous hooks."""
    previous_sys = sys.excepthook
    previous_thread = threading.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous_sys(kind, value, tb)
            return
        from kiosk.ui.words import error_text  # the core's exception classes: imported once there is a core

        log.error("uncaught exception:\n%s", "".join(traceback.format_exception(kind, value, tb)))
        reporter.report(error_text(value))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook

    def restore() -> None:
        sys.excepthook = previous_sys
        threading.excepthook = previous_thread

    return restore
