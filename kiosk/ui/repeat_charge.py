"""Before charging a cart with exactly the goods of an order paid a few minutes ago: "these goods were just
paid for — charge again?". The rule is ``kiosk.checkout.double_charge.repeat_of``; this only asks."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QWidget

from kiosk.checkout.double_charge import Order, paid_at
from kiosk.money import format_yuan
from kiosk.ui.dialogs import ActionDialog
from kiosk.ui.i18n import Retranslating
from kiosk.ui.words import clock_time, goods_line, short

CLEAR, BACK, CHARGE = "clear", "back", "charge"


class RepeatChargeDialog(Retranslating, ActionDialog):
    """``chosen`` says what the clerk decided: ``clear`` (the goods were paid: empty the cart), ``back``
    (keep the cart, charge nothing) or ``charge`` (the customer really buys the same again)."""

    chosen = Signal(str)

    def __init__(self, order: Order, language: str, parent: QWidget | None = None):
        super().__init__("repeatChargeDialog", parent)
        self.order = order
        self.language = language
        self.text = QLabel(self.body_widget)
        self.text.setObjectName("repeatChargeText")
        self.text.setWordWrap(True)
        self.body.addWidget(self.text)
        self.clear_button = self.add_action("repeatClearButton", lambda: self._choose(CLEAR), primary=True)
        self.back_button = self.add_action("repeatBackButton", lambda: self._choose(BACK))
        self.charge_button = self.add_action("repeatChargeButton", lambda: self._choose(CHARGE))
        self.retranslate()

    def set_language(self, language: str) -> None:
        self.language = language
        self.retranslate()

    def retranslate(self) -> None:
        session = self.order.session
        self.set_title(self.tr("These goods were just paid for"))
        paid = self.tr("Order {0}, {1}, paid at {2}:").format(
            short(session.out_trade_no),
            format_yuan(session.payer_total_fen or session.amount_fen),
            clock_time(paid_at(session)),
        )
        question = self.tr("Is the customer buying the same again? If not, do not charge twice.")
        self.text.setText(f"{paid}\n{goods_line(self.order.items, self.language)}\n\n{question}")
        self.clear_button.setText(self.tr("Clear the cart"))
        self.back_button.setText(self.tr("Back"))
        self.charge_button.setText(self.tr("Charge again"))

    def _choose(self, choice: str) -> None:
        self.chosen.emit(choice)
        if choice == CHARGE:
            self.accept()
        else:
            self.reject()
