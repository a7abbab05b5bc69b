"""Widgets of the manager screen: the PIN dialog, the refund dialog and the sales-by-hour chart."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.manager.pin import Outcome, PinGuard, PinResult
from kiosk.money import format_yuan, parse_yuan, yuan

from .ops import BackgroundOps


class HourChart(QWidget):
    """24 bars (Beijing hours), painted with QPainter: the amount sold per hour."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("hourChart")
        self.setMinimumHeight(140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._amounts: list[int] = [0] * 24

    @property
    def amounts(self) -> list[int]:
        return list(self._amounts)

    def set_amounts(self, amounts: Sequence[int]) -> None:
        if len(amounts) != 24:
            raise ValueError("24 hourly amounts expected")
        self._amounts = list(amounts)
        busiest = max(range(24), key=lambda h: self._amounts[h])
        self.setToolTip(f"{busiest:02d}:00 {format_yuan(self._amounts[busiest])}" if any(self._amounts) else "")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.rect().adjusted(4, 4, -4, -4)
        label_height = painter.fontMetrics().height() + 2
        plot = QRectF(rect.left(), rect.top(), rect.width(), max(rect.height() - label_height, 10))
        painter.setPen(QColor("#888888"))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        top = max(self._amounts) or 1
        slot = plot.width() / 24
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#07c160"))  # WeChat green
        for hour, amount in enumerate(self._amounts):
            height = plot.height() * amount / top
            painter.drawRect(
                QRectF(plot.left() + hour * slot + slot * 0.15, plot.bottom() - height, slot * 0.7, height)
            )
        painter.setPen(QColor("#555555"))
        for hour in range(0, 24, 3):
            box = QRectF(plot.left() + hour * slot, plot.bottom() + 1, slot * 3, label_height)
            painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, f"{hour:02d}")
        painter.end()


class ManagerPinDialog(QDialog):
    """Asks for the manager PIN; the check (PBKDF2, slow on purpose) runs off the GUI thread.

    Wrong tries count towards the lock-out of :class:`PinGuard`; while locked the input is disabled."""

    def __init__(self, guard: PinGuard, ops: BackgroundOps, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("managerPinDialog")
        self._guard = guard
        self._ops = ops
        self.last_result: PinResult | None = None
        self.prompt = QLabel(self)
        self.pin_input = QLineEdit(self)
        self.pin_input.setObjectName("pinInput")
        self.pin_input.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_input.setMaxLength(12)
        self.pin_input.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pin_input.returnPressed.connect(self.check)
        self.message = QLabel(self)
        self.message.setObjectName("pinMessage")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        self.buttons.accepted.connect(self.check)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.pin_input)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setWindowTitle(self.tr("Manager PIN"))
        self.prompt.setText(self.tr("Enter the manager PIN"))
        self._show(guard.status() if guard.configured else PinResult(Outcome.NOT_CONFIGURED))

    def check(self) -> None:
        if not self.pin_input.isEnabled():
            return
        pin = self.pin_input.text()
        self.pin_input.clear()
        self.pin_input.setEnabled(False)
        self._ops.run(lambda: self._guard.check(pin), on_done=self._checked, label="PIN check")

    def _checked(self, result: PinResult) -> None:
        self.last_result = result
        if result.ok:
            self.accept()
            return
        self._show(result)

    def _show(self, result: PinResult) -> None:
        self.setProperty("outcome", result.outcome.value)
        locked = result.outcome in (Outcome.LOCKED, Outcome.NOT_CONFIGURED)
        self.pin_input.setEnabled(not locked)
        if result.outcome is Outcome.LOCKED and result.locked_until is not None:
            until = result.locked_until.astimezone().strftime("%H:%M:%S")
            self.message.setText(self.tr("Too many wrong PINs. Locked until %1.").replace("%1", until))
        elif result.outcome is Outcome.NOT_CONFIGURED:
            self.message.setText(
                self.tr("No manager PIN is set. Run: python -m kiosk.manager set-pin, and add the line to kiosk.toml.")
            )
        elif result.outcome is Outcome.WRONG:
            self.message.setText(self.tr("Wrong PIN. Tries left: %1").replace("%1", str(result.tries_left)))
        else:
            self.message.clear()
        if not locked:
            self.pin_input.setFocus()


class RefundDialog(QDialog):
    """Amount (yuan, at most what is left) and a reason; ``on_refund(fen, reason)`` once accepted."""

    def __init__(
        self,
        out_trade_no: str,
        refundable_fen: int,
        on_refund: Callable[[int, str], None],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("refundDialog")
        self.out_trade_no = out_trade_no
        self.refundable_fen = refundable_fen
        self._on_refund = on_refund
        self.setWindowTitle(self.tr("Refund"))
        self.order_label = QLabel(out_trade_no, self)
        self.amount_input = QLineEdit(yuan(refundable_fen), self)
        self.amount_input.setObjectName("refundAmountInput")
        self.reason_input = QLineEdit(self)
        self.reason_input.setObjectName("refundReasonInput")
        self.reason_input.setMaxLength(80)
        self.reason_input.setPlaceholderText(self.tr("e.g. customer returned the goods"))
        self.message = QLabel(self)
        self.message.setObjectName("refundMessage")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setObjectName("refundOkButton")
        ok.setText(self.tr("Refund"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("Order"), self.order_label)
        form.addRow(self.tr("Refundable"), QLabel(format_yuan(refundable_fen), self))
        form.addRow(self.tr("Amount (yuan)"), self.amount_input)
        form.addRow(self.tr("Reason"), self.reason_input)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def submit(self) -> None:
        try:
            fen = parse_yuan(self.amount_input.text())
        except ValueError:
            self.message.setText(self.tr("Enter an amount in yuan, for example 12.50"))
            return
        if not 0 < fen <= self.refundable_fen:
            self.message.setText(
                self.tr("The amount must be more than 0 and at most %1.").replace(
                    "%1", format_yuan(self.refundable_fen)
                )
            )
            return
        reason = self.reason_input.text().strip()
        if not reason:
            self.message.setText(self.tr("Enter a reason for the refund"))
            return
        self.accept()
        self._on_refund(fen, reason)
