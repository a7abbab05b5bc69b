"""Payment code (付款码) on the cashier screen: the panel that stands where a QR would be while a customer's code is
charged (:class:`CodePayPanel`), and training mode's customer with a code (the sandbox's scenarios, one tap each).
The clerk's words for a failure and its next step are in :mod:`kiosk.ui.words`."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.checkout import PaymentSession, State
from kiosk.checkout.codepay import TrainingScenario
from kiosk.trade import TradeState
from kiosk.ui.dialogs import ActionDialog
from kiosk.ui.flow import FlowLayout
from kiosk.ui.i18n import Retranslating
from kiosk.ui.words import code_failure_text, code_next_step_text, format_countdown, state_text


class CodePayPanel(Retranslating, QFrame):
    """Where the QR would be, for a payment-code order, in words that read at arm's length: the method with the
    code's last four digits (``codePayMethodLabel``), what is happening now (``codePayStateLabel``, property
    ``state`` as :func:`kiosk.ui.payment_view.display_state` names it), the next step or what is awaited
    (``codePayDetailLabel``) and, while the customer types the password, how long the kiosk keeps waiting
    (``codePayWaitLabel``)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("codePayPanel")
        self.session: PaymentSession | None = None
        self.state = ""
        self.server_away = False
        self.method_label = self._label("codePayMethodLabel")
        self.state_label = self._label("codePayStateLabel")
        self.setProperty("state", "")
        self.state_label.setProperty("state", "")
        self.detail_label = self._label("codePayDetailLabel")
        self.wait_label = self._label("codePayWaitLabel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.setSpacing(20)
        layout.addStretch(1)
        layout.addWidget(self.method_label, 0, Qt.AlignmentFlag.AlignHCenter)
        for label in (self.state_label, self.detail_label, self.wait_label):
            layout.addWidget(label)
        layout.addStretch(1)

    def _label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        return label

    def show_session(self, session: PaymentSession, state: str, server_away: bool, now: datetime) -> None:
        """``state``: the order's display state (CREATING, USERPAYING, FAILED…)."""
        self.session = session
        self.server_away = server_away
        if self.state != state:  # the panel's and the headline's colours follow it
            for widget in (self, self.state_label):
                widget.setProperty("state", state)
                widget.style().unpolish(widget)
                widget.style().polish(widget)
        self.state = state
        self.retranslate()
        self.tick(now)

    def retranslate(self) -> None:
        session = self.session
        if session is None:
            return
        digits = session.payment_code[-4:] if session.payment_code else ""
        self.method_label.setText(self.tr("WeChat payment code ending {0}").format(digits))
        headline, detail = self._words(session)
        if session.unresolved:
            detail = "\n".join(
                filter(None, (detail, self.tr("Not settled yet: the manager has been told to check it")))
            )
        self.state_label.setText(headline)
        self.detail_label.setText(detail)
        self.detail_label.setVisible(bool(detail))

    def _words(self, session: PaymentSession) -> tuple[str, str]:
        """What is happening (large) and what comes next (below it)."""
        state = self.state
        if session.is_paid:
            return "✓ " + state_text(State.PAID), ""
        if state == State.FAILED.name:
            return code_failure_text(session.failure), code_next_step_text(session.failure)
        if session.state in (State.CANCELLED, State.EXPIRED):
            return state_text(session.state), "" if session.settled else self.tr("WeChat Pay is reversing the payment…")
        if state == "PENDING_CREATION" or (state == "CREATING" and self.server_away):
            # Nothing to scan and no time limit yet: the code goes to WeChat Pay once the payment server answers.
            return self.tr("Waiting for the payment server…"), self.tr(
                "The code is charged once the payment server answers. You can cancel."
            )
        if state == TradeState.USERPAYING:
            return self.tr("The customer is entering the payment password"), ""
        if state == "CREATING":
            return self.tr("Charging…"), ""
        return self.tr("Charging…"), self.tr("Waiting for WeChat Pay's answer…")

    def tick(self, now: datetime) -> None:
        """The password's time left, while the customer types it (and nothing once it is up: the answer follows)."""
        session = self.session
        typing = session is not None and session.is_open and self.state == TradeState.USERPAYING
        left = session.password_seconds_left(now) if typing and session is not None else 0.0
        if left > 0:
            self.wait_label.setText(
                self.tr("Waiting at most {0} more, then the payment is reversed").format(format_countdown(left))
            )
        elif typing:
            self.wait_label.setText(self.tr("Waiting for WeChat Pay's answer…"))
        else:
            self.wait_label.setText("")
        self.wait_label.setVisible(bool(self.wait_label.text()))


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
