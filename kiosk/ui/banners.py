"""Banners that stay while a fault lasts: the payment server out of reach (or refusing this kiosk), and the
printer stopped with the clerk's two answers, Retry and "skip this receipt".

They sit under the header, above the notice bar, most urgent first (``kiosk.checkout.counter.Banner``): the
alert of a payment after cancel (money the customer has paid: ``notices.AlertBanner``), the payment server
(selling), the printer (paper). Each shows while its condition lasts and needs no acknowledgement; when
several show, only the most urgent one shows its advice (``detailed_banner``), the others one line. The
words come from the core (``kiosk.printing.faults`` for the printer) or from the translations.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.checkout.counter import Link, RelayLink
from kiosk.checkout.events import PrinterFaultChanged
from kiosk.clock import CHINA_TZ
from kiosk.ui.i18n import Retranslating
from kiosk.ui.words import clock_time, mismatch_text, short


def since_text(moment: datetime, now: datetime) -> str:
    """``14:03``, or ``12-04 18:30`` when it was not today (Beijing time)."""
    if moment.astimezone(CHINA_TZ).date() == now.astimezone(CHINA_TZ).date():
        return clock_time(moment)
    return moment.astimezone(CHINA_TZ).strftime("%m-%d %H:%M")


def document_name(kind: str) -> str:
    """What the clerk calls a printed document."""
    names = {
        "paid_receipt": QCoreApplication.translate("Banners", "receipt"),
        "payment_slip": QCoreApplication.translate("Banners", "payment slip"),
        "refund_slip": QCoreApplication.translate("Banners", "refund slip"),
    }
    return names.get(kind, QCoreApplication.translate("Banners", "report"))


class _Banner(Retranslating, QWidget):
    """An icon, a bold line, a line of advice and the banner's buttons, over a coloured band."""

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.icon = QLabel("⚠", self)
        self.icon.setProperty("role", "bannerIcon")
        self.title = QLabel(self)
        self.title.setProperty("role", "bannerTitle")
        self.title.setWordWrap(True)
        self.advice = QLabel(self)
        self.advice.setProperty("role", "bannerAdvice")
        self.advice.setWordWrap(True)
        words = QVBoxLayout()
        words.setSpacing(2)
        words.addWidget(self.title)
        words.addWidget(self.advice)
        self.buttons = QHBoxLayout()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 3, 8, 3)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(words, 1)
        layout.addLayout(self.buttons)
        self.hide()

    def set_compact(self, compact: bool) -> None:
        """One line (title and buttons) while a more urgent banner shows its advice."""
        self.advice.setVisible(not compact)

    def _button(self, name: str) -> QPushButton:
        button = QPushButton(self)
        button.setObjectName(name)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.buttons.addWidget(button)
        return button


class RelayBanner(_Banner):
    """The payment server cannot be reached, or refuses this kiosk: since when, and what to do."""

    retryRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("relayBanner", parent)
        self.title.setObjectName("relayBannerTitle")
        self.advice.setObjectName("relayBannerAdvice")
        self.retry_button = self._button("relayRetryButton")
        self.retry_button.clicked.connect(self.retryRequested.emit)
        self.link = RelayLink()
        self.now: datetime | None = None
        self.retranslate()

    def show_link(self, link: RelayLink, now: datetime) -> None:
        self.link, self.now = link, now
        self.setProperty("link", link.link.value)
        self.style().unpolish(self)
        self.style().polish(self)
        self.retranslate()
        self.setVisible(link.needs_banner)

    def set_checking(self, checking: bool) -> None:
        self.retry_button.setEnabled(not checking)

    def retranslate(self) -> None:
        self.retry_button.setText(self.tr("Try again"))
        link = self.link
        since = since_text(link.since, self.now or link.since) if link.since is not None else ""
        if link.mismatch is not None:
            self.title.setText(
                self.tr("This kiosk's settings do not match the payment server's (since {0})").format(since)
            )
            self.advice.setText(mismatch_text(link.mismatch))
        elif link.link is Link.REFUSED:
            self.title.setText(self.tr("The payment server does not accept this kiosk (since {0})").format(since))
            self.advice.setText(
                self.tr("Charging is off. Ask the manager or the installer to check this kiosk's access settings.")
            )
        else:
            self.title.setText(self.tr("The payment server cannot be reached (since {0})").format(since))
            self.advice.setText(
                self.tr(
                    "Check the network cable or Wi-Fi and the router. You can still charge: the QR code appears "
                    "as soon as the payment server answers."
                )
            )


class PrinterBanner(_Banner):
    """The printer stopped: the fault in the clerk's words, what to do, Retry and "skip this receipt"."""

    retryRequested = Signal(object)  # the held job's id when it failed (Retry puts it back), else None
    skipRequested = Signal(int)  # the held job's id

    def __init__(self, parent: QWidget | None = None):
        super().__init__("printerBanner", parent)
        self.title.setObjectName("printerFaultTitle")
        self.advice.setObjectName("printerFaultAction")
        self.retry_button = self._button("printerRetryButton")
        self.skip_button = self._button("printerSkipButton")
        self.retry_button.clicked.connect(self._retry)
        self.skip_button.clicked.connect(self._skip)
        self.language = "zh_CN"
        self.fault = PrinterFaultChanged(None)
        self.retranslate()

    def show_fault(self, fault: PrinterFaultChanged) -> None:
        self.fault = fault
        self.skip_button.setEnabled(True)
        self.retranslate()
        self.setVisible(fault.fault is not None)

    def set_language(self, language: str) -> None:
        self.language = language
        self.retranslate()

    def retranslate(self) -> None:
        self.retry_button.setText(self.tr("Retry"))
        self.skip_button.setText(self.tr("Skip this receipt"))
        advice, job = self.fault.fault, self.fault.job
        self.skip_button.setVisible(job is not None)
        if advice is None:
            return
        title = advice.title(self.language)
        if job is not None:
            what = document_name(job.document)
            if job.out_trade_no:
                waiting = self.tr("the {0} of order {1} is waiting").format(what, short(job.out_trade_no))
            else:
                waiting = self.tr("the {0} is waiting").format(what)
            title = self.tr("{0} — {1}").format(title, waiting)
        else:
            title = self.tr("Printer: {0}").format(title)
        self.title.setText(title)
        self.advice.setText(advice.action(self.language))

    def _retry(self) -> None:
        job = self.fault.job
        self.retryRequested.emit(job.job_id if job is not None and job.state == "failed" else None)

    def _skip(self) -> None:
        if self.fault.job is not None:
            self.skip_button.setEnabled(False)
            self.skipRequested.emit(self.fault.job.job_id)
