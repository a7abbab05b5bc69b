"""The manager-PIN dialog: digits on an on-screen keypad, checked off the GUI thread, locked after wrong tries.

The PIN is ``[manager] pin_sha256`` in ``kiosk.toml``; training mode's is ``0000``. The check and the
lock-out are :class:`kiosk.manager.pin.PinGuard`'s, its state kept in the journal's settings so that
closing the dialog or restarting the kiosk does not reset the count.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QWidget

from kiosk.manager.pin import MAX_PIN_LENGTH, Outcome, PinGuard, PinResult, pin_guard
from kiosk.ui.dialogs import ActionDialog
from kiosk.ui.i18n import Retranslating
from kiosk.ui.keypad import DIGITS, Keypad
from kiosk.ui.ops import BackgroundOps
from kiosk.ui.words import clock_time

__all__ = ["PinDialog", "ask_pin"]


class PinDialog(Retranslating, ActionDialog):
    """Accepted only with the right PIN; a wrong one says how many tries are left, then locks."""

    def __init__(self, guard: PinGuard, parent: QWidget | None = None):
        super().__init__("pinDialog", parent)
        self._guard = guard
        self._ops = BackgroundOps(self)  # PBKDF2 is slow on purpose: never on the GUI thread
        self.last_result = guard.status() if guard.configured else PinResult(Outcome.NOT_CONFIGURED)
        self.prompt = QLabel(self.body_widget)
        self.prompt.setObjectName("pinPrompt")
        self.prompt.setWordWrap(True)
        self.pin_input = QLineEdit(self.body_widget)
        self.pin_input.setObjectName("pinInput")
        self.pin_input.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_input.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pin_input.setMaxLength(MAX_PIN_LENGTH)
        self.pin_input.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d*"), self.pin_input))
        self.pin_input.returnPressed.connect(self.check)
        self.message = QLabel(self.body_widget)
        self.message.setObjectName("pinMessage")
        self.message.setWordWrap(True)
        self.keypad = Keypad(DIGITS, target=self.pin_input, name_prefix="pinKey", parent=self.body_widget)
        for widget in (self.prompt, self.pin_input, self.message, self.keypad):
            self.body.addWidget(widget)
        self.cancel_button = self.add_action("pinCancelButton", self.reject)
        self.ok_button = self.add_action("pinOkButton", self.check, primary=True)
        self.retranslate()

    def retranslate(self) -> None:
        self.set_title(self.tr("Manager PIN"))
        self.prompt.setText(self.tr("Enter the manager PIN"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.ok_button.setText(self.tr("OK"))
        self._show(self.last_result)

    def check(self) -> None:
        if not self.pin_input.isEnabled() or not self.pin_input.text():
            return
        pin = self.pin_input.text()
        self.pin_input.clear()
        self._set_enabled(False)
        self._ops.run(lambda: self._guard.check(pin), on_done=self._checked, label="PIN check")

    def stop(self) -> None:
        """The window is about to stop the core: wait for a PIN check under way (it writes the journal)."""
        self._ops.stop()

    def _checked(self, result: PinResult) -> None:
        self.last_result = result
        if result.ok:
            self.accept()
            return
        self._show(result)

    def _show(self, result: PinResult) -> None:
        self.setProperty("outcome", result.outcome.value)
        self._set_enabled(result.outcome not in (Outcome.LOCKED, Outcome.NOT_CONFIGURED))
        if result.outcome is Outcome.LOCKED and result.locked_until is not None:
            until = clock_time(result.locked_until)
            self.message.setText(self.tr("Too many wrong PINs. Try again after {0}.").format(until))
        elif result.outcome is Outcome.NOT_CONFIGURED:
            self.message.setText(self.tr("No manager PIN is set on this kiosk. Ask the shop owner to set one."))
        elif result.outcome is Outcome.WRONG:
            self.message.setText(self.tr("Wrong PIN. Tries left: {0}").format(result.tries_left))
        else:
            self.message.clear()

    def _set_enabled(self, enabled: bool) -> None:
        self.pin_input.setEnabled(enabled)
        self.keypad.setEnabled(enabled)
        self.ok_button.setEnabled(enabled)
        if enabled:
            self.pin_input.setFocus()


def ask_pin(parent: QWidget | None, core: Any) -> bool:
    """Modal PIN prompt (a deliberate manager action, not an error); True once the right PIN was entered."""
    dialog = PinDialog(pin_guard(core), parent)
    try:
        return dialog.exec() == QDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()
