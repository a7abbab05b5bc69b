"""The order being rung up: catalogue buttons, barcode/SKU field, cart, total and Charge."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.checkout import Cart, CartChange, CartError, CartSnapshot, Catalogue, Item, UnknownCode
from kiosk.money import format_yuan
from kiosk.ui.i18n import Retranslating

CATALOG_COLUMNS = 3
#: Button text width in columns (a CJK character counts two): about one 21 px line of a catalogue button.
WRAP_COLUMNS = 20


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def wrap_name(name: str, columns: int = WRAP_COLUMNS) -> str:
    """Wrap an item name onto at most two lines for a big button (words kept whole where possible; CJK runs
    split anywhere), eliding the rest, so that no name is ever cut off at the button's edges."""
    name = " ".join(name.split())
    if _columns(name) <= columns:
        return name
    lines: list[str] = []
    current = ""
    for word in name.split(" "):
        candidate = f"{current} {word}" if current else word
        if _columns(candidate) <= columns:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while _columns(current) > columns:  # one word wider than a line: split it
            cut = 1
            while _columns(current[: cut + 1]) <= columns:
                cut += 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    if len(lines) > 2:
        last = lines[1]
        while last and _columns(last + "…") > columns:
            last = last[:-1]
        lines = [lines[0], last.rstrip() + "…"]
    return "\n".join(lines)


class CatalogView(QTabWidget):
    """One tab per category; each item a large button with its name and price."""

    itemClicked = Signal(object)  # Item

    def __init__(self, catalogue: Catalogue, language: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("catalogView")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tabBar().setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.catalogue = catalogue
        self.language = language
        self.buttons: dict[str, QPushButton] = {}
        groups: list[tuple[str, tuple[Item, ...]]] = [(c.id, catalogue.items_in(c.id)) for c in catalogue.categories]
        listed = {item.sku for _, items in groups for item in items}
        others = tuple(item for item in catalogue.items if item.sku not in listed)
        if others or not groups:
            groups.append(("", others))
        self._category_ids: list[str] = []
        for category_id, items in groups:
            if not items:
                continue
            page = QWidget()
            grid = QGridLayout(page)
            grid.setSpacing(10)
            for index, item in enumerate(items):
                button = QPushButton(page)
                button.setObjectName(f"item_{item.sku}")
                button.setProperty("role", "item")
                button.setProperty("sku", item.sku)
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
                button.clicked.connect(lambda _=False, chosen=item: self.itemClicked.emit(chosen))
                grid.addWidget(button, index // CATALOG_COLUMNS, index % CATALOG_COLUMNS)
                self.buttons[item.sku] = button
            grid.setRowStretch(grid.rowCount(), 1)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setWidget(page)
            self.addTab(scroll, "")
            self._category_ids.append(category_id)
        self.retranslate()

    def set_language(self, language: str) -> None:
        self.language = language
        self.retranslate()

    def retranslate(self) -> None:
        for index, category_id in enumerate(self._category_ids):
            name = self.catalogue.category(category_id).name(self.language) if category_id else self.tr("Other")
            self.setTabText(index, name.replace("&", "&&"))  # "&" would be a keyboard mnemonic
        for sku, button in self.buttons.items():
            item = self.catalogue.by_sku(sku)
            assert item is not None
            button.setText(f"{wrap_name(item.name(self.language))}\n{format_yuan(item.price_fen)}")


class CartView(QTableWidget):
    """Cart lines: name, − quantity +, line total, remove."""

    quantityDelta = Signal(str, int)  # sku, delta
    removeRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, 4, parent)
        self.setObjectName("cartView")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(68)
        self.setShowGrid(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self._snapshot = CartSnapshot(())
        self._rows: list[tuple[QPushButton, QLabel, QPushButton, QPushButton]] = []
        self.language = "zh_CN"
        self.retranslate()

    def retranslate(self) -> None:
        self.setHorizontalHeaderLabels([self.tr("Item"), self.tr("Qty"), self.tr("Amount"), ""])
        self.show_snapshot(self._snapshot)

    def skus(self) -> list[str]:
        return [line.sku for line in self._snapshot.lines]

    def quantity(self, sku: str) -> int:
        return next((line.quantity for line in self._snapshot.lines if line.sku == sku), 0)

    def show_snapshot(self, snapshot: CartSnapshot) -> None:
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
            self.setItem(row, 0, QTableWidgetItem(line.item.name(self.language)))
            amount = QTableWidgetItem(format_yuan(line.total_fen))
            amount.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(row, 2, amount)
            count.setText(str(line.quantity))
            for widget, prefix in ((minus, "minus"), (count, "quantity"), (plus, "plus"), (remove, "remove")):
                widget.setObjectName(f"{prefix}_{line.sku}")
            remove.setToolTip(self.tr("Remove"))
        if lines:
            self.scrollToBottom()

    def _make_row(self, row: int) -> tuple[QPushButton, QLabel, QPushButton, QPushButton]:
        controls = QWidget()
        layout = QHBoxLayout(controls)
        layout.setContentsMargins(0, 0, 0, 0)
        minus = self._button("−", lambda: self.quantityDelta.emit(self._sku(row), -1))
        plus = self._button("+", lambda: self.quantityDelta.emit(self._sku(row), 1))
        count = QLabel()
        count.setAlignment(Qt.AlignmentFlag.AlignCenter)
        count.setMinimumWidth(44)
        layout.addWidget(minus)
        layout.addWidget(count)
        layout.addWidget(plus)
        self.setCellWidget(row, 1, controls)
        remove = self._button("✕", lambda: self.removeRequested.emit(self._sku(row)))
        holder = QWidget()
        holder_layout = QHBoxLayout(holder)
        holder_layout.setContentsMargins(4, 0, 4, 0)
        holder_layout.addWidget(remove)
        self.setCellWidget(row, 3, holder)
        return minus, count, plus, remove

    def _sku(self, row: int) -> str:
        return self._snapshot.lines[row].sku

    def _button(self, text: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(slot)
        return button


class SaleView(Retranslating, QWidget):
    """Owns the cart (the GUI thread is its only user) and asks the window to charge it."""

    chargeRequested = Signal(object)  # CartSnapshot
    message = Signal(str)  # a non-modal notice for the clerk (unknown code, …)

    def __init__(self, catalogue: Catalogue, cart: Cart, language: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("salePage")
        self.cart = cart
        self.language = language
        self.barcode = QLineEdit(self)
        self.barcode.setObjectName("barcodeInput")
        self.barcode.setClearButtonEnabled(True)
        self.barcode.returnPressed.connect(self._code_entered)
        self.catalog = CatalogView(catalogue, language, self)
        self.catalog.itemClicked.connect(self.add_item)
        self.cart_view = CartView(self)
        self.cart_view.language = language
        self.cart_view.quantityDelta.connect(self._change_quantity)
        self.cart_view.removeRequested.connect(self._remove)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("itemCountLabel")
        self.total_label = QLabel(self)
        self.total_label.setObjectName("totalLabel")
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.clear_button = QPushButton(self)
        self.clear_button.setObjectName("clearCartButton")
        self.clear_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.clear_button.clicked.connect(self.clear)
        self.charge_button = QPushButton(self)
        self.charge_button.setObjectName("chargeButton")
        self.charge_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.charge_button.clicked.connect(self._charge)

        left = QVBoxLayout()
        left.addWidget(self.barcode)
        left.addWidget(self.catalog, 1)
        right = QVBoxLayout()
        right.addWidget(self.cart_view, 1)
        totals = QHBoxLayout()
        totals.addWidget(self.count_label)
        totals.addWidget(self.total_label, 1)
        right.addLayout(totals)
        buttons = QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.charge_button, 1)
        right.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(16)
        layout.addLayout(left, 5)
        layout.addLayout(right, 3)
        self._busy = False
        self.retranslate()
        self._show(self.cart.snapshot())

    # ---- language --------------------------------------------------------------------------

    def set_language(self, language: str) -> None:
        self.language = language
        self.catalog.set_language(language)
        self.cart_view.language = language
        self.retranslate()

    def retranslate(self) -> None:
        self.barcode.setPlaceholderText(self.tr("Scan a barcode or type a SKU, then Enter"))
        self.clear_button.setText(self.tr("Clear"))
        self.charge_button.setText(self.tr("Charge"))
        self.catalog.retranslate()
        self.cart_view.retranslate()
        self._show(self.cart.snapshot())

    # ---- cart --------------------------------------------------------------------------------

    def add_item(self, item: Item) -> None:
        self._apply(lambda: self.cart.add(item))

    def add_code(self, code: str) -> bool:
        """Add by barcode or SKU; an unknown code leaves the cart alone and tells the clerk."""
        code = code.strip()
        if not code:
            return False
        try:
            change = self.cart.add_code(code)
        except UnknownCode:
            self.message.emit(self.tr("Unknown barcode or SKU: {0}").format(code))
            return False
        except CartError as exc:
            self.message.emit(str(exc))
            return False
        self._show(change.snapshot)
        return True

    def clear(self) -> None:
        self._apply(self.cart.clear)

    def set_busy(self, busy: bool) -> None:
        """While a Charge is being submitted, a second tap must not create a second order."""
        self._busy = busy
        self._show(self.cart.snapshot())

    def focus_barcode(self) -> None:
        self.barcode.setFocus(Qt.FocusReason.OtherFocusReason)

    def _code_entered(self) -> None:
        if self._busy:
            return
        code = self.barcode.text()
        self.barcode.clear()
        self.add_code(code)
        self.focus_barcode()

    def _change_quantity(self, sku: str, delta: int) -> None:
        self._apply(lambda: self.cart.increment(sku, delta))

    def _remove(self, sku: str) -> None:
        self._apply(lambda: self.cart.remove(sku))

    def _apply(self, mutate: object) -> None:
        try:
            change: CartChange = mutate()  # type: ignore[operator]
        except CartError as exc:
            self.message.emit(str(exc))
        else:
            self._show(change.snapshot)
        self.focus_barcode()

    def _show(self, snapshot: CartSnapshot) -> None:
        self.cart_view.show_snapshot(snapshot)
        self.total_label.setText(self.tr("Total {0}").format(format_yuan(snapshot.total_fen)))
        self.count_label.setText(self.tr("{0} items").format(snapshot.item_count))
        self.charge_button.setEnabled(not snapshot.is_empty and not self._busy)
        self.clear_button.setEnabled(not snapshot.is_empty and not self._busy)
        # The cart is frozen while its Charge is being submitted (the order is made from a snapshot).
        self.catalog.setEnabled(not self._busy)
        self.cart_view.setEnabled(not self._busy)
        self.barcode.setReadOnly(self._busy)

    def _charge(self) -> None:
        snapshot = self.cart.snapshot()
        if snapshot.is_empty or self._busy:
            return
        self.chargeRequested.emit(snapshot)
