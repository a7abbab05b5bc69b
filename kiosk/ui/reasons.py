"""A reason chosen with one tap from the common ones, with optional words of one's own (a refund's reason
on a counter with no keyboard: the words are optional, the tap is enough).

The buttons speak the screen's language; the reason itself is what WeChat Pay shows the payer, in Chinese
(``kiosk.manager.refunds.REFUND_REASONS``: in Chinese the buttons read exactly those words)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QButtonGroup, QLineEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.manager.refunds import MAX_REASON, REFUND_REASONS, refund_reason
from kiosk.ui.flow import FlowLayout
from kiosk.ui.i18n import Retranslating


def common_refund_reasons() -> list[tuple[str, str]]:
    """(key, text in the current language) for the refunds a shop makes most, as REFUND_REASONS orders them."""
    labels = {
        "returned": QCoreApplication.translate("ReasonPicker", "Customer returned the goods"),
        "faulty": QCoreApplication.translate("ReasonPicker", "Damaged or faulty goods"),
        "wrong_amount": QCoreApplication.translate("ReasonPicker", "Charged the wrong amount"),
        "paid_twice": QCoreApplication.translate("ReasonPicker", "Paid twice"),
        "out_of_stock": QCoreApplication.translate("ReasonPicker", "Out of stock"),
        "other": QCoreApplication.translate("ReasonPicker", "Other"),
    }
    return [(key, labels[key]) for key in REFUND_REASONS]


class ReasonPicker(Retranslating, QWidget):
    """One choice of :func:`common_refund_reasons` (buttons ``reason_<key>``) plus an optional text
    (``reasonText``); :meth:`reason` is the choice, with the text after it when there is one."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reasonPicker")
        self.buttons: dict[str, QPushButton] = {}
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        holder = QWidget(self)
        flow = FlowLayout(holder)
        for key, _ in common_refund_reasons():
            button = QPushButton(holder)
            button.setObjectName(f"reason_{key}")
            button.setProperty("role", "choice")
            button.setCheckable(True)
            button.toggled.connect(lambda _checked: self.changed.emit())
            self.group.addButton(button)
            flow.addWidget(button)
            self.buttons[key] = button
        self.details = QLineEdit(self)
        self.details.setObjectName("reasonText")
        self.details.setMaxLength(MAX_REASON)
        self.details.textChanged.connect(lambda _text: self.changed.emit())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(holder)
        layout.addWidget(self.details)
        self.retranslate()

    def retranslate(self) -> None:
        for key, text in common_refund_reasons():
            self.buttons[key].setText(text)
        self.details.setPlaceholderText(self.tr("More details (optional)"))

    def chosen(self) -> str | None:
        return next((key for key, button in self.buttons.items() if button.isChecked()), None)

    def choose(self, key: str) -> None:
        self.buttons[key].setChecked(True)

    def reason(self) -> str:
        """What the payer will read (Chinese, at most 80 characters): the chosen reason and the extra words,
        ``""`` while nothing is chosen or typed."""
        return refund_reason(self.chosen(), self.details.text())
