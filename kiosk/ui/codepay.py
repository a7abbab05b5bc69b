"""Payment code (付款码) on the cashier screen: the clerk's words for a failure and its next step, and training
mode's customer with a code (the sandbox's scenarios, one tap each)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QPushButton, QWidget

from kiosk.checkout import PaymentSession
from kiosk.checkout.codepay import TrainingScenario
from kiosk.trade import CodePayFailure, NextStep, TradeType, next_step
from kiosk.ui.dialogs import ActionDialog
from kiosk.ui.flow import FlowLayout


def failure_text(failure: str | None) -> str:
    """Why nothing was taken, in plain words for the clerk (and the customer standing there)."""
    texts = {
        CodePayFailure.INSUFFICIENT_FUNDS: QCoreApplication.translate(
            "CodePay", "Not enough money on the customer's card"
        ),
        CodePayFailure.PAYMENT_FAILED: QCoreApplication.translate(
            "CodePay", "The customer's bank declined the payment"
        ),
        CodePayFailure.CODE_REJECTED: QCoreApplication.translate(
            "CodePay", "The payment code is invalid, expired or already used"
        ),
        CodePayFailure.NOT_CONFIRMED: QCoreApplication.translate(
            "CodePay", "The customer did not confirm the payment in time"
        ),
        CodePayFailure.CANCELLED: QCoreApplication.translate("CodePay", "The payment was cancelled"),
        CodePayFailure.UNAVAILABLE: QCoreApplication.translate(
            "CodePay", "Payment by payment code is not available for this shop now"
        ),
        CodePayFailure.NOT_SENT: QCoreApplication.translate(
            "CodePay", "The payment code never reached WeChat Pay: nothing was charged"
        ),
    }
    found = texts.get(CodePayFailure(failure)) if failure in texts else None
    return found or QCoreApplication.translate("CodePay", "The payment did not go through")


def next_step_text(failure: str | None) -> str:
    """What the clerk asks the customer to do next (换一张卡 / 重新出示付款码 / 改用扫码支付)."""
    texts = {
        NextStep.SWITCH_CARD: QCoreApplication.translate("CodePay", "Ask the customer to switch to another card"),
        NextStep.NEW_CODE: QCoreApplication.translate("CodePay", "Ask the customer to show the payment code again"),
        NextStep.SCAN_QR: QCoreApplication.translate(
            "CodePay", "Ask the customer to pay by scanning the QR code instead"
        ),
    }
    return texts[next_step(failure) or NextStep.NEW_CODE]


def method_text(method: str) -> str:
    """How the customer paid, in a word for tables."""
    if method == TradeType.MICROPAY:
        return QCoreApplication.translate("CodePay", "Payment code")
    return QCoreApplication.translate("CodePay", "QR code")


def failure_message(session: PaymentSession) -> str:
    """The failure and its next step, as the payment screen shows them."""
    return f"{failure_text(session.failure)}\n{next_step_text(session.failure)}"


class ScenarioPicker(ActionDialog):
    """Training mode: which customer shows a payment code (buttons ``scenario_<name>``, the sandbox's scenarios);
    ``chosen`` carries the scenario's name."""

    chosen = Signal(str)

    def __init__(self, scenarios: list[TrainingScenario], language: str, parent: QWidget | None = None):
        super().__init__("scenarioPicker", parent)
        self.set_title(self.tr("Simulate a customer's payment code"))
        holder = QWidget(self.body_widget)
        flow = FlowLayout(holder)
        self.buttons: dict[str, QPushButton] = {}
        for scenario in scenarios:
            button = QPushButton(scenario.label(language), holder)
            button.setObjectName(f"scenario_{scenario.name}")
            button.setProperty("role", "choice")
            button.clicked.connect(lambda _checked=False, name=scenario.name: self._choose(name))
            flow.addWidget(button)
            self.buttons[scenario.name] = button
        self.body.addWidget(holder)
        self.add_action("scenarioCancelButton", self.reject).setText(self.tr("Cancel"))

    def _choose(self, name: str) -> None:
        self.chosen.emit(name)
        self.accept()
