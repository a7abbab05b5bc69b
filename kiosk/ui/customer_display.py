"""What the customer sees on a second screen: the store's name and, while the clerk rings up, each line
with its quantity and price and the running total; on Charge the amount, the QR, the time left and
"请用微信扫码支付"; then a paid confirmation. While there is no QR (the order is still being created, or
the relay cannot be reached) it asks the customer to wait, never to scan. For a payment code (the clerk scanned
the customer's phone) there is nothing to scan: the amount and what to do, 「请在手机上输入支付密码」 while the
customer's password is awaited; if the code takes nothing, 「支付未成功」 with the amount, why and what to do next
(换一张卡 / 重新出示付款码 / 改用扫码支付), until the clerk moves on (a new code, a new charge, back to the cart, or the
cart changes). A payment the clerk cancelled is no failure of the customer's: the cart again."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QResizeEvent, QScreen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.checkout import CartSnapshot, PaymentSession, State
from kiosk.money import format_yuan
from kiosk.trade import CodePayFailure, TradeState
from kiosk.ui.i18n import Retranslating
from kiosk.ui.payment_view import COUNTDOWN_MS
from kiosk.ui.qr import QrView
from kiosk.ui.scale import CUSTOMER_DESIGN, Scaler, scaled
from kiosk.ui.style import stylesheet
from kiosk.ui.words import code_failed_text, customer_failure_text, customer_next_step_text, format_countdown

IDLE, CART, PAYMENT, CODE, FAILED, THANKS = "idle", "cart", "payment", "code", "failed", "thanks"


def shows_failure(session: PaymentSession) -> bool:
    """A payment code that took nothing for a reason the customer acts on (the clerk's cancel is none)."""
    return session.is_code_pay and session.state is State.FAILED and session.failure != CodePayFailure.CANCELLED


class CustomerDisplay(Retranslating, QWidget):
    """A separate top-level window; :meth:`place_on` puts it full-screen on a given screen. ``mode`` is
    ``idle`` (welcome), ``cart``, ``payment`` (a QR), ``code`` (a payment code being charged), ``failed`` (the
    code took nothing: what to do next) or ``thanks``."""

    def __init__(self, seconds_left: Callable[[PaymentSession], float] | None = None, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("customerDisplay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._seconds_left = seconds_left
        self.mode = IDLE
        self.session: PaymentSession | None = None
        self.snapshot = CartSnapshot(())
        self.language = "zh_CN"
        self.store = QLabel(self)
        self.store.setObjectName("customerStore")
        self.store.setWordWrap(True)
        self.store.hide()
        self.stack = QStackedWidget(self)

        # Welcome
        self.message = QLabel()
        self.message.setObjectName("customerMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        # The cart, line by line
        cart = QWidget()
        self.lines = QTableWidget(0, 3, cart)
        self.lines.setObjectName("customerLines")
        self.lines.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lines.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.lines.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.lines.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # nobody scrolls it
        self.lines.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.lines.setWordWrap(True)
        self.lines.setShowGrid(False)
        self.lines.horizontalHeader().hide()
        self.lines.verticalHeader().hide()
        self.lines.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.lines.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            self.lines.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.count = QLabel(cart)
        self.count.setObjectName("customerCount")
        self.total = QLabel(cart)
        self.total.setObjectName("customerTotal")
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        totals = QHBoxLayout()
        totals.addWidget(self.count)
        totals.addWidget(self.total, 1)
        cart_layout = QVBoxLayout(cart)
        cart_layout.addWidget(self.lines, 1)
        cart_layout.addLayout(totals)
        # The payment
        payment = QWidget()
        self.qr = QrView(payment)
        self.qr.setObjectName("customerQrView")
        self.amount = QLabel(payment)
        self.amount.setObjectName("customerAmount")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = QLabel(payment)
        self.hint.setObjectName("customerHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.countdown = QLabel(payment)
        self.countdown.setObjectName("customerCountdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.countdown.setWordWrap(True)
        side = QVBoxLayout()
        side.addStretch(1)
        side.addWidget(self.amount)
        side.addWidget(self.hint)
        side.addWidget(self.countdown)
        side.addStretch(1)
        payment_layout = QHBoxLayout(payment)
        payment_layout.addWidget(self.qr, 1)  # QrView centres its square itself
        payment_layout.addLayout(side, 1)
        # A payment code: nothing to scan, the amount and what to do on the phone
        code = QWidget()
        self.code_amount = QLabel(code)
        self.code_amount.setObjectName("customerCodeAmount")
        self.code_amount.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_prompt = QLabel(code)
        self.code_prompt.setObjectName("customerCodePrompt")
        self.code_prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_prompt.setWordWrap(True)
        self.code_prompt.setProperty("typing", False)
        code_layout = QVBoxLayout(code)
        code_layout.addStretch(1)
        code_layout.addWidget(self.code_amount)
        code_layout.addWidget(self.code_prompt)
        code_layout.addStretch(1)
        # A payment code that took nothing: why, and the customer's next step
        failed = QWidget()
        self.failed_title = QLabel(failed)
        self.failed_title.setObjectName("customerFailedTitle")
        self.failed_amount = QLabel(failed)
        self.failed_amount.setObjectName("customerFailedAmount")
        self.failed_reason = QLabel(failed)
        self.failed_reason.setObjectName("customerFailedReason")
        self.next_step = QLabel(failed)
        self.next_step.setObjectName("customerNextStep")
        failed_layout = QVBoxLayout(failed)
        failed_layout.addStretch(1)
        for label in (self.failed_title, self.failed_amount, self.failed_reason, self.next_step):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            failed_layout.addWidget(label)
        failed_layout.addStretch(1)
        # Paid
        thanks = QWidget()
        self.paid_title = QLabel(thanks)
        self.paid_title.setObjectName("customerPaidTitle")
        self.paid_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.paid_title.setWordWrap(True)
        self.paid_amount = QLabel(thanks)
        self.paid_amount.setObjectName("customerPaidAmount")
        self.paid_amount.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thanks = QLabel(thanks)
        self.thanks.setObjectName("customerSubMessage")
        self.thanks.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thanks.setWordWrap(True)
        thanks_layout = QVBoxLayout(thanks)
        thanks_layout.addStretch(1)
        for label in (self.paid_title, self.paid_amount, self.thanks):
            thanks_layout.addWidget(label)
        thanks_layout.addStretch(1)

        self._pages = {IDLE: self.message, CART: cart, PAYMENT: payment, CODE: code, FAILED: failed, THANKS: thanks}
        for page in self._pages.values():
            self.stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.store)
        layout.addWidget(self.stack, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(COUNTDOWN_MS)
        self.timer.timeout.connect(self._tick)
        self.scaler = Scaler(lambda factor: self.setStyleSheet(scaled(stylesheet(), factor)), CUSTOMER_DESIGN)
        self.retranslate()

    # ---- content -------------------------------------------------------------------------------

    def set_store(self, name: str) -> None:
        self.store.setText(name)
        self.store.setVisible(bool(name))

    def set_language(self, language: str) -> None:
        self.language = language
        self.retranslate()

    def retranslate(self) -> None:
        self.message.setText(self.tr("Welcome"))
        self.thanks.setText(self.tr("Thank you!"))
        self.paid_title.setText("✓ " + self.tr("Payment received"))
        self.hint.setText(self.tr("Scan with WeChat to pay"))
        self.failed_title.setText(code_failed_text())
        self._fill_cart()
        if self.session is not None and self.mode in (PAYMENT, CODE, FAILED, THANKS):
            self.show_session(self.session)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.scaler.follow(event.size())
        super().resizeEvent(event)

    def place_on(self, screen: QScreen) -> None:
        self.setScreen(screen)
        self.setGeometry(screen.geometry())
        self.showFullScreen()

    def show_cart(self, snapshot: CartSnapshot, highlight: str | None = None) -> None:
        """The cart as the clerk rings it up (kept behind a payment or a thank-you until they are over; a failed
        payment code gives way to it once the cart changes)."""
        changed = snapshot != self.snapshot
        self.snapshot = snapshot
        self._fill_cart(highlight)
        if self.mode in (IDLE, CART) or (self.mode == FAILED and changed):
            self._switch(CART if snapshot.lines else IDLE)

    def show_session(self, session: PaymentSession) -> None:
        self.session = session
        if session.is_paid:
            self.paid_amount.setText(format_yuan(session.payer_total_fen or session.amount_fen))
            self.qr.set_text(None)
            self._switch(THANKS)
        elif session.is_open and session.is_code_pay:  # the clerk scanned the customer's code: nothing to scan
            typing = session.state is State.AWAITING_PAYMENT and session.trade_state == TradeState.USERPAYING
            self.code_amount.setText(format_yuan(session.amount_fen))
            self.code_prompt.setText(
                self.tr("Please enter your payment password on your phone")
                if typing
                else self.tr("Charging your payment code, please wait…")
            )
            if self.code_prompt.property("typing") != typing:  # the customer's turn stands out
                self.code_prompt.setProperty("typing", typing)
                self.code_prompt.style().unpolish(self.code_prompt)
                self.code_prompt.style().polish(self.code_prompt)
            self.qr.set_text(None)
            self._switch(CODE)
        elif shows_failure(session):  # the customer's turn: another card, a new code, or the QR
            self.failed_amount.setText(format_yuan(session.amount_fen))
            reason = customer_failure_text(session.failure)
            self.failed_reason.setText(reason)
            self.failed_reason.setVisible(bool(reason))
            self.next_step.setText(customer_next_step_text(session.failure))
            self.qr.set_text(None)
            self._switch(FAILED)
        elif session.is_open:
            self.amount.setText(format_yuan(session.amount_fen))
            code = session.code_url if session.state is State.AWAITING_PAYMENT else None
            self.qr.set_text(code)
            self.qr.set_placeholder(self.tr("Preparing your payment code, please wait…"))
            self.hint.setVisible(code is not None)  # never ask to scan a code that is not there
            self._switch(PAYMENT)
        else:
            self.show_idle()

    def show_idle(self) -> None:
        """Welcome, or the cart when the clerk still has one (after a cancel)."""
        self.qr.set_text(None)
        self._switch(CART if self.snapshot.lines else IDLE)

    def _switch(self, mode: str) -> None:
        self.mode = mode
        self.stack.setCurrentWidget(self._pages[mode])
        self._tick()
        if mode == PAYMENT and self._seconds_left is not None:
            self.timer.start()
        else:
            self.timer.stop()

    def _fill_cart(self, highlight: str | None = None) -> None:
        lines = self.snapshot.lines
        self.lines.setRowCount(len(lines))
        for row, line in enumerate(lines):
            cells = (line.item.name(self.language), f"× {line.quantity}", format_yuan(line.total_fen))
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.lines.setItem(row, column, cell)
        skus = [line.sku for line in lines]
        if lines:
            row = skus.index(highlight) if highlight in skus else len(lines) - 1
            self.lines.scrollTo(self.lines.model().index(row, 0), QAbstractItemView.ScrollHint.EnsureVisible)
        self.count.setText(self.tr("{0} items").format(self.snapshot.item_count))
        self.total.setText(self.tr("Total {0}").format(format_yuan(self.snapshot.total_fen)))

    def _tick(self) -> None:
        session = self.session
        if self.mode == PAYMENT and session is not None and session.is_open and self._seconds_left is not None:
            left = format_countdown(self._seconds_left(session))
            self.countdown.setText(self.tr("Time left {0}").format(left))
        else:
            self.countdown.clear()


def second_screen() -> QScreen | None:
    """The screen for the customer display: any screen other than the primary one."""
    primary = QGuiApplication.primaryScreen()
    others = [screen for screen in QGuiApplication.screens() if screen is not primary]
    return others[0] if others else None
