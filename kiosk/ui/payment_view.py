"""The open payment: QR (or the customer's payment code being charged), amount, countdown, live status and the
clerk's actions; then the paid screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.checkout import PaymentSession, State
from kiosk.checkout.counter import ReceiptProgress, receipt_progress
from kiosk.checkout.events import PrintJobChanged
from kiosk.money import format_yuan
from kiosk.printing.faults import FaultAdvice
from kiosk.trade import TradeState
from kiosk.ui.codepay import CodePayPanel
from kiosk.ui.i18n import Retranslating
from kiosk.ui.qr import QrView
from kiosk.ui.words import format_countdown, short, state_text

COUNTDOWN_MS = 250
PAID_RETURN_MS = 5000  # the paid screen goes back to a new order on its own after this long


def display_state(session: PaymentSession) -> str:
    """The name shown in ``paymentStatusLabel``'s ``state`` property (WeChat Pay's trade_state where it
    has one): CREATING, PENDING_CREATION, NOTPAY, USERPAYING, PAYERROR, SUCCESS, PAID_AFTER_CANCEL,
    CANCELLED, EXPIRED, FAILED."""
    match session.state:
        case State.AWAITING_PAYMENT:
            shown = (TradeState.USERPAYING, TradeState.PAYERROR)
            return session.trade_state if session.trade_state in shown else TradeState.NOTPAY
        case State.PAID:
            return TradeState.SUCCESS
        case State.DRAFT | State.CREATING:
            return "CREATING"
    return session.state.name


class PaymentView(Retranslating, QWidget):
    cancelRequested = Signal(str)
    printSlipRequested = Signal(str)
    requeryRequested = Signal(str)
    simulateRequested = Signal(str)
    simulateCodeRequested = Signal()  # training: a customer shows a payment code
    useQrRequested = Signal()  # after a failed payment code: charge the cart by QR instead
    codeEntered = Signal(str)  # the scanner read a code here (the window sends it to SaleView.submit_code)
    backRequested = Signal()

    def __init__(self, now: Callable[[], datetime], training: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("paymentPage")
        # Takes the keys while no field is offered (a payment code in flight): a second scan is still heard.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._now = now
        self._typed = ""
        self.training = training
        self.session: PaymentSession | None = None
        # Left: the QR, or for a payment code what is happening in large words.
        self.left = QStackedWidget(self)
        self.qr = QrView(self.left)
        self.code_panel = CodePayPanel(self.left)
        self.left.addWidget(self.qr)
        self.left.addWidget(self.code_panel)
        self.amount_label = QLabel(self)
        self.amount_label.setObjectName("paymentAmountLabel")
        self.amount_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint_label = QLabel(self)
        self.hint_label.setObjectName("paymentHintLabel")
        self.hint_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint_label.setWordWrap(True)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("paymentStatusLabel")
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status_label.setWordWrap(True)
        self.status_label.setProperty("state", "")
        self.status_label.setProperty("orderState", "")
        self.countdown_label = QLabel(self)
        self.countdown_label.setObjectName("countdownLabel")
        self.countdown_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.order_label = QLabel(self)
        self.order_label.setObjectName("orderNumberLabel")
        self.order_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.order_label.setWordWrap(True)
        # The short number is what the clerk calls the order by; the full one is for support and the manager.
        self.order_detail = QLabel(self)
        self.order_detail.setObjectName("orderFullNumberLabel")
        self.order_detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.order_detail.setWordWrap(True)
        self.order_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # The customer may show a payment code instead of scanning the QR: the scanner types it here.
        self.code_input = QLineEdit(self)
        self.code_input.setObjectName("paymentCodeInput")
        self.code_input.returnPressed.connect(self._code_entered)
        # The clerk's actions, in a bar along the bottom that every screen size shows whole.
        self.action_bar = QWidget(self)
        self.action_bar.setObjectName("paymentActions")
        self.requery_button = self._button("requeryButton", self.requeryRequested)
        self.print_button = self._button("printSlipButton", self.printSlipRequested)
        self.simulate_button = self._button("simulatePaymentButton", self.simulateRequested)
        self.simulate_button.setVisible(training)
        self.simulate_code_button = self._plain_button("simulateCodeButton", self.simulateCodeRequested)
        self.simulate_code_button.setVisible(training)
        self.use_qr_button = self._plain_button("useQrButton", self.useQrRequested)
        self.use_qr_button.hide()
        self.cancel_button = self._button("cancelPaymentButton", self.cancelRequested)
        self.back_button = QPushButton(self.action_bar)
        self.back_button.setObjectName("backToCartButton")
        self.back_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.back_button.clicked.connect(self.backRequested.emit)
        self.back_button.hide()
        actions = QHBoxLayout(self.action_bar)
        actions.setContentsMargins(0, 0, 0, 0)
        for button in (
            self.requery_button,
            self.print_button,
            self.simulate_button,
            self.simulate_code_button,
            self.cancel_button,
        ):
            actions.addWidget(button, 1)
        actions.addWidget(self.use_qr_button, 2)
        actions.addWidget(self.back_button, 2)

        info = QVBoxLayout()
        info.setSpacing(12)
        info.addStretch(1)
        info.addWidget(self.amount_label)
        info.addWidget(self.hint_label)
        info.addWidget(self.status_label)
        info.addWidget(self.countdown_label)
        info.addWidget(self.order_label)
        info.addWidget(self.order_detail)
        info.addWidget(self.code_input)
        info.addStretch(1)
        top = QHBoxLayout()
        top.setSpacing(32)
        top.addWidget(self.left, 3)
        top.addLayout(info, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(16)
        layout.addLayout(top, 1)
        layout.addWidget(self.action_bar)

        self.timer = QTimer(self)
        self.timer.setInterval(COUNTDOWN_MS)
        self.timer.timeout.connect(self._tick)
        self.busy: set[str] = set()
        #: The payment server is known to be out of reach: an order being created waits for it.
        self.server_away = False
        self.retranslate()

    def _plain_button(self, name: str, signal: SignalInstance) -> QPushButton:
        button = QPushButton(self.action_bar)
        button.setObjectName(name)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(signal.emit)
        return button

    def _code_entered(self) -> None:
        text = self.code_input.text()
        self.code_input.clear()  # a code is a secret for its minute: not left on screen
        if text.strip():
            self.codeEntered.emit(text)

    def focus_code_input(self) -> None:
        """The scanner's keys go to the field, or to the page while no field is offered."""
        target = self.code_input if self.code_input.isVisibleTo(self) else self
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """A code scanned while the field is hidden (a payment code in flight) still reaches the dispatch point,
        which refuses it out loud, instead of vanishing; it is never shown."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            typed, self._typed = self._typed, ""
            if typed.strip():
                self.codeEntered.emit(typed)
        elif event.text().isprintable() and event.text():
            self._typed += event.text()
        else:
            super().keyPressEvent(event)

    def _button(self, name: str, signal: SignalInstance) -> QPushButton:
        button = QPushButton(self.action_bar)
        button.setObjectName(name)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        def clicked() -> None:
            if self.session is not None:
                signal.emit(self.session.out_trade_no)

        button.clicked.connect(clicked)
        return button

    def retranslate(self) -> None:
        self.cancel_button.setText(self.tr("Cancel payment"))
        self.print_button.setText(self.tr("Print QR slip"))
        self.requery_button.setText(self.tr("Re-query"))
        self.simulate_button.setText(self.tr("Simulate payment"))
        self.simulate_code_button.setText(self.tr("Customer code"))
        self.simulate_code_button.setToolTip(self.tr("Training: a customer shows a payment code"))
        self.use_qr_button.setText(self.tr("Pay by QR instead"))
        self.code_input.setPlaceholderText(self.tr("Or scan the customer's payment code"))
        self.back_button.setText(self.tr("Back to the order"))
        self.hint_label.setText(self.tr("Ask the customer to scan with WeChat"))
        if self.session is not None:
            self.show_session(self.session)

    # ---- state -------------------------------------------------------------------------------

    def show_session(self, session: PaymentSession) -> None:
        self.session = session
        state = display_state(session)
        self.amount_label.setText(format_yuan(session.amount_fen))
        self.order_label.setText(self.tr("Order {0}").format(short(session.out_trade_no)))
        self.order_detail.setText(session.out_trade_no)
        self.qr.set_text(session.code_url if session.state is State.AWAITING_PAYMENT else None)
        if session.is_code_pay:
            self.code_panel.show_session(session, state, self.server_away, self._now())
            self.left.setCurrentWidget(self.code_panel)
        else:
            self.qr.set_placeholder(self._placeholder(session))
            self.left.setCurrentWidget(self.qr)
        self.hint_label.setVisible(self.qr.text is not None)  # nobody is asked to scan a code not shown
        # A payment code's status is the panel on the left, in larger words.
        self.status_label.setVisible(not session.is_code_pay)
        self.status_label.setText("" if session.is_code_pay else self.status_text(session))
        self.status_label.setProperty("orderState", session.state.value)
        if self.status_label.property("state") != state:
            self.status_label.setProperty("state", state)
            self.status_label.style().unpolish(self.status_label)
            self.status_label.style().polish(self.status_label)
        is_open = session.is_open
        waiting = session.state is State.AWAITING_PAYMENT and not session.is_code_pay
        at_relay = session.version > 0 if session.is_code_pay else session.code_url is not None
        self.cancel_button.setEnabled(is_open and "cancel" not in self.busy)
        self.print_button.setEnabled(waiting and "print" not in self.busy)
        self.requery_button.setEnabled(at_relay and not session.settled and "requery" not in self.busy)
        self.simulate_button.setEnabled(waiting and "simulate" not in self.busy)
        # Another code is refused while one is under way; a QR order may give way to a code.
        self.simulate_code_button.setEnabled(not (session.is_code_pay and is_open) and "code" not in self.busy)
        self.use_qr_button.setVisible(session.is_code_pay and session.state is State.FAILED)
        # No QR behind a payment code: no slip, no simulated scan; once it ended, Back and 改用扫码支付 instead.
        self.print_button.setVisible(not session.is_code_pay)
        self.simulate_button.setVisible(self.training and not session.is_code_pay)
        self.cancel_button.setVisible(is_open or not session.is_code_pay)
        self.back_button.setVisible(not is_open)
        # A second code is refused while one is in flight: the field is not offered then (after a failure it is).
        self._offer_code_input(not (session.is_code_pay and is_open))
        self._tick()
        if is_open:
            self.timer.start()
        else:
            self.timer.stop()

    def set_server_away(self, away: bool) -> None:
        self.server_away = away
        if self.session is not None:
            self.show_session(self.session)

    def set_busy(self, action: str, busy: bool) -> None:
        (self.busy.add if busy else self.busy.discard)(action)
        if self.session is not None:
            self.show_session(self.session)

    def stop(self) -> None:
        self.timer.stop()

    def _offer_code_input(self, offered: bool) -> None:
        if offered == self.code_input.isVisibleTo(self):
            return
        self.code_input.setVisible(offered)
        self._typed = ""
        if self.isVisible():  # the scanner's keys follow: to the field offered again, or to the page
            self.focus_code_input()

    def _tick(self) -> None:
        if self.session is None:
            return
        # No countdown for a QR nobody can scan yet, nor for a payment code (charged in seconds, no QR at all).
        now = self._now()
        if self.session.is_open and self.qr.text is not None:
            left = self.session.seconds_left(now)
            self.countdown_label.setText(self.tr("Expires in {0}").format(format_countdown(left)))
        else:
            self.countdown_label.setText("")
        self.countdown_label.setVisible(bool(self.countdown_label.text()))  # its line goes to the status
        if self.session.is_code_pay:
            self.code_panel.tick(now)  # how long the customer's password is waited for

    def _placeholder(self, session: PaymentSession) -> str:
        match session.state:
            case State.DRAFT | State.CREATING if not self.server_away:
                return self.tr("Creating the order…")
            case State.DRAFT | State.CREATING | State.PENDING_CREATION:
                return self.tr("Waiting for the payment server…")
            case State.PAID | State.PAID_AFTER_CANCEL:
                return state_text(State.PAID)
        return self.tr("This QR code is no longer valid")

    def status_text(self, session: PaymentSession) -> str:
        """A QR order's status (a payment code's is the panel: :class:`~kiosk.ui.codepay.CodePayPanel`)."""
        away = self.tr("The payment server cannot be reached — retrying. You can cancel.")
        texts = {
            "CREATING": away if self.server_away else self.tr("Creating the order…"),
            "PENDING_CREATION": away,
            TradeState.NOTPAY: self.tr("Waiting for payment"),
            TradeState.USERPAYING: self.tr("Customer is paying…"),
            TradeState.PAYERROR: self.tr("Payment failed — the customer may try again"),
            TradeState.SUCCESS: state_text(State.PAID),
            "PAID_AFTER_CANCEL": state_text(State.PAID_AFTER_CANCEL),
            "CANCELLED": state_text(State.CANCELLED),
            "EXPIRED": state_text(State.EXPIRED),
            State.FAILED.name: self.tr("The payment server did not take this order — charge again"),
        }
        return texts.get(display_state(session), "")


class PaidView(Retranslating, QWidget):
    """A clear "paid" screen with the receipt's choices; back to a new order after a few seconds or a tap.

    ``receipt`` is ``[printer] receipt``: ``always`` (it prints by itself; the screen follows it, offers
    "No receipt" while the printer holds it, and a reprint once it is out), ``ask`` (Print receipt or No
    receipt, and the screen waits for the answer) or ``never`` (Print receipt on request); ``None`` without
    a printer."""

    newOrderRequested = Signal()
    printReceiptRequested = Signal(str)  # out_trade_no: the original the first time, a reprint after
    skipReceiptRequested = Signal(int)  # the held receipt's print job

    def __init__(self, receipt: str | None = "always", language: str = "zh_CN", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("paidPage")
        self.receipt_mode = receipt
        self.language = language  # of the printer's fault words, which come from the core in both languages
        self.session: PaymentSession | None = None
        #: The newest print job of this order's receipt, and what holds the printer up now.
        self.receipt_job: PrintJobChanged | None = None
        self.printer_fault: FaultAdvice | None = None
        #: The clerk asked for a receipt (or it prints by itself): the screen follows the job.
        self.receipt_wanted = False
        self.title = QLabel(self)
        self.title.setObjectName("paidTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.amount = QLabel(self)
        self.amount.setObjectName("paidAmount")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.order_label = QLabel(self)
        self.order_label.setObjectName("paidOrderLabel")
        self.order_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = QLabel(self)
        self.detail.setObjectName("paidDetail")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setWordWrap(True)
        self.detail.setProperty("receipt", "")
        self.action_bar = QWidget(self)
        self.action_bar.setObjectName("paidActions")
        self.action_row = QHBoxLayout(self.action_bar)
        self.action_row.setContentsMargins(0, 0, 0, 0)
        self.no_receipt_button = self._button("noReceiptButton", self._no_receipt)
        self.print_button = self._button("printReceiptButton", self._print)
        self.new_order_button = self._button("newOrderButton", self.newOrderRequested.emit)
        self.action_row.addStretch(1)
        for button in (self.no_receipt_button, self.print_button):
            self.action_row.addWidget(button, 2)
        self.action_row.addWidget(self.new_order_button, 3)
        self.action_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.amount)
        layout.addWidget(self.order_label)
        layout.addWidget(self.detail)
        layout.addStretch(1)
        layout.addWidget(self.action_bar)
        self.return_timer = QTimer(self)
        self.return_timer.setSingleShot(True)
        self.return_timer.setInterval(PAID_RETURN_MS)
        self.return_timer.timeout.connect(self.newOrderRequested.emit)
        self.retranslate()

    def _button(self, name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(self.action_bar)
        button.setObjectName(name)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(slot)
        return button

    @property
    def asking(self) -> bool:
        """Waiting for the clerk's answer to "does the customer want a receipt?"."""
        return self.receipt_mode == "ask" and self.session is not None and not self.receipt_wanted

    @property
    def progress(self) -> ReceiptProgress | None:
        """How the receipt is getting on, once one is on its way (None: no receipt asked for)."""
        if not self.receipt_wanted:
            return None
        return receipt_progress(self.receipt_job, self.printer_fault)

    def show_paid(self, session: PaymentSession) -> None:
        self.session = session
        self.receipt_job = None
        self.receipt_wanted = self.receipt_mode == "always"
        self.amount.setText(format_yuan(session.payer_total_fen or session.amount_fen))
        self.retranslate()
        if self.asking:
            self.return_timer.stop()  # the clerk answers first
        else:
            self.return_timer.start()

    def job_changed(self, job: PrintJobChanged) -> None:
        """A print job moved on: follow this order's receipt (the newest job of it, a reprint too)."""
        session = self.session
        if session is None or job.document != "paid_receipt" or job.out_trade_no != session.out_trade_no:
            return
        if self.receipt_job is None or job.job_id >= self.receipt_job.job_id:
            self.receipt_job = job
            self.retranslate()

    def set_language(self, language: str) -> None:
        self.language = language
        self.retranslate()

    def set_printer_fault(self, fault: FaultAdvice | None) -> None:
        self.printer_fault = fault
        self.retranslate()

    def retranslate(self) -> None:
        session = self.session
        late = session is not None and session.state is State.PAID_AFTER_CANCEL
        self.title.setText("✓ " + state_text(State.PAID_AFTER_CANCEL if late else State.PAID))
        self.order_label.setText(self.tr("Order {0}").format(short(session.out_trade_no)) if session else "")
        self.new_order_button.setText(self.tr("New order"))
        self.no_receipt_button.setText(self.tr("No receipt"))
        progress = self.progress
        done = progress in (ReceiptProgress.PRINTED, ReceiptProgress.SKIPPED)
        printed = progress is ReceiptProgress.PRINTED
        self.print_button.setText(self.tr("Reprint receipt") if printed else self.tr("Print receipt"))
        self.detail.setText(self._receipt_text(progress) if session else "")
        self.detail.setProperty("receipt", progress.value if progress else "")
        self.detail.style().unpolish(self.detail)
        self.detail.style().polish(self.detail)
        printing = self.receipt_mode is not None
        # "No receipt": the answer to "ask", or a receipt the printer holds (it is skipped).
        self.no_receipt_button.setVisible(printing and (self.asking or progress is ReceiptProgress.WAITING))
        self.no_receipt_button.setEnabled(self.asking or self.receipt_job is not None)
        # Print: the first receipt on request, or another copy once the first is out.
        self.print_button.setVisible(printing and (progress is None or done))
        self.new_order_button.setVisible(not self.asking)

    def _receipt_text(self, progress: ReceiptProgress | None) -> str:
        if progress is None:
            return self.tr("Does the customer want a receipt?") if self.asking else ""
        if progress is ReceiptProgress.WAITING:
            fault = self.printer_fault or (self.receipt_job.fault if self.receipt_job else None)
            reason = fault.title(self.language) if fault is not None else self.tr("the printer is busy")
            return self.tr("The receipt is waiting: {0}").format(reason)
        return {
            ReceiptProgress.QUEUED: self.tr("The receipt is printing"),
            ReceiptProgress.PRINTING: self.tr("The receipt is printing"),
            ReceiptProgress.PRINTED: self.tr("The receipt is printed"),
            ReceiptProgress.SKIPPED: self.tr("No receipt printed"),
        }[progress]

    def _print(self) -> None:
        if self.session is None:
            return
        self.receipt_wanted = True
        self.printReceiptRequested.emit(self.session.out_trade_no)
        self.retranslate()
        self.return_timer.start()

    def _no_receipt(self) -> None:
        if self.asking:
            self.newOrderRequested.emit()
        elif self.receipt_job is not None:
            self.no_receipt_button.setEnabled(False)
            self.skipReceiptRequested.emit(self.receipt_job.job_id)

    def mousePressEvent(self, event: object) -> None:  # a tap anywhere starts the next order
        if not self.asking:
            self.newOrderRequested.emit()
