"""A small manager-PIN dialog (closing the window in ``--kiosk`` mode) and the PIN check.

The PIN is ``[manager] pin_sha256`` in ``kiosk.toml`` (checked by :mod:`kiosk.manager.pin`: salted PBKDF2 or
plain SHA-256 hex). Training mode, which has no configuration, uses the documented PIN ``0000``. The manager
screen's ``ask_manager_pin`` (with lock-out) is preferred when it exists; this dialog is the fallback.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QGridLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

__all__ = ["TRAINING_PIN", "PinDialog", "ask_pin", "expected_pin_hash", "verify_pin"]

#: Documented in kiosk.manager.pin too; training mode has no configuration to hold a PIN.
TRAINING_PIN = "0000"


def expected_pin_hash(config: Any) -> str | None:
    """The configured ``[manager] pin_sha256`` (either form), the training PIN's hash in training mode, or None."""
    from kiosk.manager.pin import configured_pin  # imported on use: kiosk.manager is large

    manager = getattr(config, "manager", None)
    training = bool(getattr(config, "training", False))
    return configured_pin(manager if isinstance(manager, dict) else None, training=training)


def verify_pin(pin: str, config: Any) -> bool:
    from kiosk.manager.pin import PinFormatError
    from kiosk.manager.pin import verify_pin as verify_stored

    expected = expected_pin_hash(config)
    if expected is None or not pin:
        return False
    try:
        return verify_stored(pin, expected)
    except PinFormatError:
        return False


class PinDialog(QDialog):
    """Digits on a touch keypad; accepted only with the right PIN."""

    def __init__(self, config: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pinDialog")
        self._config = config
        self.prompt = QLabel(self)
        self.prompt.setObjectName("pinPrompt")
        self.pin_input = QLineEdit(self)
        self.pin_input.setObjectName("pinInput")
        self.pin_input.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_input.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pin_input.setMaxLength(12)
        self.pin_input.returnPressed.connect(self.check)
        self.message = QLabel(self)
        self.message.setObjectName("pinMessage")
        keypad = QGridLayout()
        for index, digit in enumerate("123456789"):
            keypad.addWidget(self._key(digit), index // 3, index % 3)
        self.clear_button = QPushButton("⌫", self)
        self.clear_button.clicked.connect(self.pin_input.backspace)
        keypad.addWidget(self.clear_button, 3, 0)
        keypad.addWidget(self._key("0"), 3, 1)
        self.ok_button = QPushButton(self)
        self.ok_button.setObjectName("pinOkButton")
        self.ok_button.clicked.connect(self.check)
        keypad.addWidget(self.ok_button, 3, 2)
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("pinCancelButton")
        self.cancel_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.pin_input)
        layout.addWidget(self.message)
        layout.addLayout(keypad)
        layout.addWidget(self.cancel_button)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Manager PIN"))
        self.prompt.setText(self.tr("Enter the manager PIN"))
        self.ok_button.setText(self.tr("OK"))
        self.cancel_button.setText(self.tr("Cancel"))
        if expected_pin_hash(self._config) is None:
            self.message.setText(self.tr("No manager PIN is configured ([manager] pin_sha256)."))

    def _key(self, digit: str) -> QPushButton:
        button = QPushButton(digit, self)
        button.setObjectName(f"pinKey{digit}")
        button.clicked.connect(lambda: self.pin_input.insert(digit))
        return button

    def check(self) -> None:
        if verify_pin(self.pin_input.text(), self._config):
            self.accept()
            return
        self.pin_input.clear()
        self.message.setText(self.tr("Wrong PIN"))


def ask_pin(parent: QWidget | None, config: Any) -> bool:
    """Modal PIN prompt (a deliberate manager action, not an error); True if the right PIN was entered."""
    dialog = PinDialog(config, parent)
    try:
        return dialog.exec() == QDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()
