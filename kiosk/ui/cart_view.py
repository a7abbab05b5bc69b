"""The cart on screen: lines with their whole names, − quantity + and ✕, the line just touched highlighted
and scrolled into view, and the bar that offers to undo a removal for a few seconds."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScroller,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from kiosk.checkout import CartSnapshot
from kiosk.checkout.cart import MAX_LINE_QUANTITY, Removal
from kiosk.money import format_yuan
from kiosk.ui.i18n import Retranslating

#: How long a removed line or a cleared cart can be brought back.
UNDO_MS = 6000
NAME, QUANTITY, AMOUNT, REMOVE = range(4)


class TapLabel(QLabel):
    """A label that reports a tap (the quantity: tap it to type a new one)."""

    tapped = Signal()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.tapped.emit()
        super().mouseReleaseEvent(event)


class CartView(Retranslating, QTableWidget):
    """Cart lines: name (wrapped), − quantity +, line total, ✕. A tap on a line asks for its quantity."""

    quantityDelta = Signal(str, int)  # sku, delta
    quantityRequested = Signal(str)  # sku: open the keypad
    removeRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, 4, parent)
        self.setObjectName("cartView")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setWordWrap(True)
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.setShowGrid(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column in (QUANTITY, AMOUNT, REMOVE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        # Row heights follow the name column's width (names re-wrap) and the buttons' size (rescaling);
        # Qt does not redo a ResizeToContents row when a column changes width, so it is asked to.
        self._rows_timer = QTimer(self)
        self._rows_timer.setSingleShot(True)
        self._rows_timer.setInterval(0)
        self._rows_timer.timeout.connect(self._fit_rows)
        header.sectionResized.connect(lambda *_: self._rows_timer.start())
        self.cellClicked.connect(self._cell_clicked)
        QScroller.grabGesture(self.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self._snapshot = CartSnapshot(())
        self._rows: list[tuple[QPushButton, TapLabel, QPushButton, QPushButton]] = []
        self.highlighted: str | None = None
        self.language = "zh_CN"
        self.retranslate()

    def retranslate(self) -> None:
        self.setHorizontalHeaderLabels([self.tr("Item"), self.tr("Qty"), self.tr("Amount"), ""])
        self.show_snapshot(self._snapshot)

    def skus(self) -> list[str]:
        return [line.sku for line in self._snapshot.lines]

    def show_snapshot(self, snapshot: CartSnapshot, highlight: str | None = None) -> None:
        """Draw ``snapshot``; ``highlight`` is the line just added or changed (selected and scrolled to)."""
        self._snapshot = snapshot
        lines = snapshot.lines
        # Row widgets are reused (replaced index widgets linger until deleteLater and can still paint).
        if len(self._rows) > len(lines):
            del self._rows[len(lines) :]
        self.setRowCount(len(lines))
        for row, line in enumerate(lines):
            if row >= len(self._rows):
                self._rows.append(self._make_row(row))
            minus, count, plus, remove = self._rows[row]
            name = QTableWidgetItem(line.item.name(self.language))
            name.setToolTip(f"{line.item.name(self.language)} · {format_yuan(line.unit_price_fen)}")
            self.setItem(row, NAME, name)
            amount = QTableWidgetItem(format_yuan(line.total_fen))
            amount.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(row, AMOUNT, amount)
            count.setText(str(line.quantity))
            for widget, prefix in ((minus, "minus"), (count, "quantity"), (plus, "plus"), (remove, "remove")):
                widget.setObjectName(f"{prefix}_{line.sku}")
            minus.setEnabled(line.quantity > 1)  # − stops at 1; ✕ takes the line out
            plus.setEnabled(line.quantity < MAX_LINE_QUANTITY)
            remove.setToolTip(self.tr("Remove"))
            count.setToolTip(self.tr("Tap to type the quantity"))
        self.highlighted = highlight if highlight in self.skus() else None
        if self.highlighted is None:
            self.clearSelection()
        else:
            self.selectRow(self.skus().index(self.highlighted))
        self._fit_rows()

    def _fit_rows(self) -> None:
        self.resizeRowsToContents()
        if self.highlighted is not None:
            row = self.skus().index(self.highlighted)
            self.scrollTo(self.model().index(row, NAME), QAbstractItemView.ScrollHint.EnsureVisible)

    def _make_row(self, row: int) -> tuple[QPushButton, TapLabel, QPushButton, QPushButton]:
        controls = QWidget()
        layout = QHBoxLayout(controls)
        layout.setContentsMargins(4, 4, 4, 4)
        minus = self._button("−", lambda: self.quantityDelta.emit(self._sku(row), -1))
        plus = self._button("+", lambda: self.quantityDelta.emit(self._sku(row), 1))
        count = TapLabel()
        count.setAlignment(Qt.AlignmentFlag.AlignCenter)
        count.setProperty("role", "quantity")
        count.tapped.connect(lambda: self.quantityRequested.emit(self._sku(row)))
        layout.addWidget(minus)
        layout.addWidget(count)
        layout.addWidget(plus)
        self.setCellWidget(row, QUANTITY, controls)
        remove = self._button("✕", lambda: self.removeRequested.emit(self._sku(row)))
        remove.setProperty("role", "remove")
        holder = QWidget()
        holder_layout = QHBoxLayout(holder)
        holder_layout.setContentsMargins(4, 4, 4, 4)
        holder_layout.addWidget(remove)
        self.setCellWidget(row, REMOVE, holder)
        # Styled now, so that the row is sized for the buttons the stylesheet makes.
        controls.ensurePolished()
        holder.ensurePolished()
        return minus, count, plus, remove

    def _sku(self, row: int) -> str:
        return self._snapshot.lines[row].sku

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange:  # rescaled: the buttons changed size
            self._rows_timer.start()

    def _cell_clicked(self, row: int, column: int) -> None:
        if column in (NAME, AMOUNT) and row < len(self._snapshot.lines):
            self.quantityRequested.emit(self._sku(row))

    def _button(self, text: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(slot)
        return button


class UndoBar(Retranslating, QWidget):
    """Says what was removed, with Undo, for :data:`UNDO_MS`; ``expired`` when the time is up."""

    undoRequested = Signal()
    expired = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("undoBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.label = QLabel(self)
        self.label.setObjectName("undoLabel")
        self.label.setWordWrap(True)
        self.button = QPushButton(self)
        self.button.setObjectName("undoButton")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.button.clicked.connect(self.undoRequested.emit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(UNDO_MS)
        self.timer.timeout.connect(self._expire)
        self.removal: Removal | None = None
        self.language = "zh_CN"
        self.retranslate()
        self.hide()

    def retranslate(self) -> None:
        self.button.setText(self.tr("Undo"))
        removal = self.removal
        if removal is None:
            return
        if removal.kind == "cleared":
            self.label.setText(self.tr("Cart cleared ({0} items)").format(removal.item_count))
        else:
            line = removal.lines[0][1]
            self.label.setText(self.tr("Removed {0} × {1}").format(line.item.name(self.language), line.quantity))

    def offer(self, removal: Removal | None) -> None:
        """Show ``removal`` (a new one restarts the time) or hide the bar (None: nothing to undo)."""
        if removal is self.removal:
            return
        self.removal = removal
        if removal is None:
            self.timer.stop()
            self.hide()
            return
        self.retranslate()
        self.show()
        self.timer.start()

    def _expire(self) -> None:
        self.offer(None)
        self.expired.emit()
