"""Today's orders from the journal, with their state and reprints of slips and receipts."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScroller,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.checkout import PaymentSession
from kiosk.money import format_yuan
from kiosk.ui.i18n import Retranslating
from kiosk.ui.words import clock_time, code_failure_text, method_text, short, state_text


class OrdersView(Retranslating, QWidget):
    refreshRequested = Signal()
    reprintSlipRequested = Signal(str)
    reprintReceiptRequested = Signal(str)
    backRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ordersPage")
        self.orders: list[PaymentSession] = []
        self.title = QLabel(self)
        self.title.setObjectName("ordersTitle")
        self.table = QTableWidget(0, 6, self)
        self.table.setObjectName("ordersTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        QScroller.grabGesture(self.table.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        # The selected order in full: its whole number (for the manager and support) and WeChat Pay's.
        self.detail = QLabel(self)
        self.detail.setObjectName("ordersDetailLabel")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.refresh_button = QPushButton(self)
        self.refresh_button.setObjectName("refreshOrdersButton")
        self.refresh_button.clicked.connect(self.refreshRequested.emit)
        self.slip_button = QPushButton(self)
        self.slip_button.setObjectName("reprintSlipButton")
        self.slip_button.clicked.connect(lambda: self._emit(self.reprintSlipRequested))
        self.receipt_button = QPushButton(self)
        self.receipt_button.setObjectName("reprintReceiptButton")
        self.receipt_button.clicked.connect(lambda: self._emit(self.reprintReceiptRequested))
        self.back_button = QPushButton(self)
        self.back_button.setObjectName("ordersBackButton")
        self.back_button.clicked.connect(self.backRequested.emit)
        self.action_bar = QWidget(self)
        self.action_bar.setObjectName("ordersActions")
        buttons = QHBoxLayout(self.action_bar)
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.back_button, self.refresh_button, self.slip_button, self.receipt_button):
            button.setParent(self.action_bar)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(button, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addWidget(self.action_bar)
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            # A row is a tap target: two lines of text high at any scale.
            self.table.verticalHeader().setMinimumSectionSize(self.table.fontMetrics().lineSpacing() * 2)

    def retranslate(self) -> None:
        self.title.setText(self.tr("Today's orders"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Time"),
                self.tr("Order"),
                self.tr("Description"),
                self.tr("Amount"),
                self.tr("Paid by"),
                self.tr("State"),
            ]
        )
        self.refresh_button.setText(self.tr("Refresh"))
        self.slip_button.setText(self.tr("Reprint QR slip"))
        self.receipt_button.setText(self.tr("Reprint receipt"))
        self.back_button.setText(self.tr("Back"))
        self.show_orders(self.orders)

    def show_orders(self, orders: list[PaymentSession]) -> None:
        selected = self.selected()
        self.orders = sorted(orders, key=lambda s: s.charged_at, reverse=True)
        self.table.setRowCount(len(self.orders))
        for row, order in enumerate(self.orders):
            cells = [
                clock_time(order.charged_at, seconds=True),
                short(order.out_trade_no),
                order.description,
                format_yuan(order.amount_fen),
                method_text(order.method),
                state_text(order.state),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
            if selected is not None and order.out_trade_no == selected.out_trade_no:
                self.table.selectRow(row)
        self._selection_changed()

    def selected(self) -> PaymentSession | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.orders):
            return None
        return self.orders[rows[0].row()]

    def select(self, out_trade_no: str) -> bool:
        for row, order in enumerate(self.orders):
            if order.out_trade_no == out_trade_no:
                self.table.selectRow(row)
                return True
        return False

    def _selection_changed(self) -> None:
        order = self.selected()
        self.detail.setText(self._detail(order) if order is not None else self.tr("Tap an order to see it in full"))
        self.slip_button.setEnabled(order is not None and order.code_url is not None and order.is_open)
        self.receipt_button.setEnabled(order is not None and order.is_paid)

    def _detail(self, order: PaymentSession) -> str:
        lines = [self.tr("Order number: {0}").format(order.out_trade_no)]
        if order.transaction_id:
            lines.append(self.tr("WeChat Pay transaction: {0}").format(order.transaction_id))
        if order.success_time is not None:
            paid = clock_time(order.success_time, seconds=True)
            lines.append(self.tr("Paid at {0}").format(paid))
        if order.failure is not None:  # a payment code that took nothing: why
            lines.append(code_failure_text(order.failure))
        return "   ".join(lines)

    def _emit(self, signal: SignalInstance) -> None:
        order = self.selected()
        if order is not None:
            signal.emit(order.out_trade_no)
