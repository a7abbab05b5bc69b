"""What the customer sees on a second screen: the amount and the QR while a payment is open, then thanks."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from kiosk.checkout import PaymentSession, State
from kiosk.money import format_yuan
from kiosk.ui.i18n import Retranslating
from kiosk.ui.qr import QrView


class CustomerDisplay(Retranslating, QWidget):
    """A separate top-level window; :meth:`place_on` puts it full-screen on a given screen."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("customerDisplay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.mode = "idle"
        self.session: PaymentSession | None = None
        self.stack = QStackedWidget(self)
        # Idle / thanks page
        self.message = QLabel()
        self.message.setObjectName("customerMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        # Payment page
        payment = QWidget()
        self.amount = QLabel(payment)
        self.amount.setObjectName("customerAmount")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = QLabel(payment)
        self.hint.setObjectName("customerHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr = QrView(payment)
        self.qr.setObjectName("customerQrView")
        inner = QVBoxLayout(payment)
        inner.addWidget(self.amount)
        inner.addWidget(self.qr, 1)  # QrView centres its square itself
        inner.addWidget(self.hint)
        self.stack.addWidget(self.message)
        self.stack.addWidget(payment)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)
        self.retranslate()

    def retranslate(self) -> None:
        self.hint.setText(self.tr("Scan with WeChat to pay"))
        if self.mode == "thanks":
            self.message.setText(self.tr("Thank you!"))
        elif self.mode == "idle":
            self.message.setText(self.tr("Welcome"))

    def place_on(self, screen: QScreen) -> None:
        self.setScreen(screen)
        self.setGeometry(screen.geometry())
        self.showFullScreen()

    def show_session(self, session: PaymentSession) -> None:
        self.session = session
        if session.is_paid:
            self.show_thanks()
        elif session.state is State.AWAITING_PAYMENT and session.code_url:
            self.mode = "payment"
            self.amount.setText(format_yuan(session.amount_fen))
            self.qr.set_text(session.code_url)
            self.stack.setCurrentIndex(1)
        elif session.is_open:
            self.mode = "payment"
            self.amount.setText(format_yuan(session.amount_fen))
            self.qr.set_text(None)
            self.qr.set_placeholder(self.tr("Please wait…"))
            self.stack.setCurrentIndex(1)
        else:
            self.show_idle()

    def show_thanks(self) -> None:
        self.mode = "thanks"
        self.qr.set_text(None)
        self.stack.setCurrentIndex(0)
        self.retranslate()

    def show_idle(self) -> None:
        self.mode = "idle"
        self.qr.set_text(None)
        self.stack.setCurrentIndex(0)
        self.retranslate()


def second_screen() -> QScreen | None:
    """The screen for the customer display: any screen other than the primary one."""
    primary = QGuiApplication.primaryScreen()
    others = [screen for screen in QGuiApplication.screens() if screen is not primary]
    return others[0] if others else None
