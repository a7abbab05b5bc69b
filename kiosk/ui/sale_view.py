"""The order being rung up: the scan/search field, the category row and tiles (or what a search found),
the cart, the total and Charge."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.checkout import Cart, CartChange, CartError, CartSnapshot, Catalogue, Item, PaymentSession
from kiosk.checkout.cart import MAX_LINE_QUANTITY, TooMany
from kiosk.checkout.codepay import scanned_payment_code
from kiosk.checkout.counter import Link, RelayLink
from kiosk.money import format_yuan
from kiosk.ui.cart_view import CartView, UndoBar
from kiosk.ui.catalog_view import CatalogView, CategoryBar, SearchResults
from kiosk.ui.i18n import Retranslating
from kiosk.ui.keypad import ENTER, LETTERS, Keypad, KeypadDialog
from kiosk.ui.words import short

#: Typing pauses this long before the search runs: a scanner's burst of digits never flashes results.
SEARCH_DELAY_MS = 150


class SaleView(Retranslating, QWidget):
    """Owns the cart (the GUI thread is its only user) and asks the window to charge it."""

    chargeRequested = Signal(object)  # CartSnapshot
    cartChanged = Signal(object, object)  # CartSnapshot, SKU of the line just touched or None (customer display)
    info = Signal(str)  # a passing notice for the clerk
    error = Signal(str)  # something the clerk must look at (a refused quantity, …)
    unknownCode = Signal(str)  # a scanned or typed code that is no item (the window shows it as an error)
    paymentCodeScanned = Signal(str)  # a customer's payment code (the window charges the cart with it, or refuses it)
    simulateCodeRequested = Signal()  # training: a customer shows a payment code
    lastReceiptRequested = Signal(str)  # out_trade_no of the last sale: its receipt, in one tap

    def __init__(
        self, catalogue: Catalogue, cart: Cart, language: str, parent: QWidget | None = None, *, training: bool = False
    ):
        super().__init__(parent)
        self.setObjectName("salePage")
        self.catalogue = catalogue
        self.cart = cart
        self.language = language
        self._busy = False
        self.quantity_dialog: KeypadDialog | None = None
        #: The last paid order (its receipt is one tap away) and what the payment server allows.
        self.last_sale: PaymentSession | None = None
        self.relay = RelayLink()

        # Scan / search field, with its own clear button and on-screen keys.
        self.barcode = QLineEdit(self)
        self.barcode.setObjectName("barcodeInput")
        self.barcode.returnPressed.connect(self._code_entered)
        self.barcode.textChanged.connect(self._text_changed)
        self.clear_search_button = self._tool_button("clearSearchButton", "✕", self.clear_search)
        self.clear_search_button.hide()
        self.keys_button = self._tool_button("keysButton", "⌨", self.toggle_keys)
        self.keys_button.setCheckable(True)
        self.keys = Keypad(LETTERS, target=self.barcode, name_prefix="searchKey", parent=self)
        self.keys.setObjectName("searchKeys")
        self.keys.keyPressed.connect(lambda key: self._code_entered() if key == ENTER else None)
        self.keys.hide()
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._search)

        # Catalogue and search results share the left side.
        self.catalog = CatalogView(catalogue, language, self)
        self.catalog.itemClicked.connect(self.add_item)
        self.categories = CategoryBar(self.catalog, self)
        self.results = SearchResults(self)
        self.results.itemClicked.connect(self._result_chosen)
        browse = QWidget(self)
        browse_layout = QVBoxLayout(browse)
        browse_layout.setContentsMargins(0, 0, 0, 0)
        browse_layout.addWidget(self.categories)
        browse_layout.addWidget(self.catalog, 1)
        self.left_pages = QStackedWidget(self)
        self.left_pages.addWidget(browse)
        self.left_pages.addWidget(self.results)

        # Cart side.
        self.cart_title = QLabel(self)
        self.cart_title.setObjectName("cartTitle")
        self.clear_button = QPushButton(self)
        self.clear_button.setObjectName("clearCartButton")
        self.clear_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.clear_button.clicked.connect(self.clear)
        self.simulate_code_button = QPushButton(self)
        self.simulate_code_button.setObjectName("simulateCodeSaleButton")
        self.simulate_code_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.simulate_code_button.clicked.connect(self.simulateCodeRequested.emit)
        self.simulate_code_button.setVisible(training)
        self.last_receipt_button = QPushButton(self)
        self.last_receipt_button.setObjectName("lastReceiptButton")
        self.last_receipt_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.last_receipt_button.clicked.connect(self._last_receipt)
        self.last_receipt_button.hide()  # until the window says there is a printer and a sale
        self.cart_view = CartView(self)
        self.cart_view.language = language
        self.cart_view.quantityDelta.connect(self._change_quantity)
        self.cart_view.quantityRequested.connect(self.ask_quantity)
        self.cart_view.removeRequested.connect(self._remove)
        self.undo_bar = UndoBar(self)
        self.undo_bar.language = language
        self.undo_bar.undoRequested.connect(self.undo)
        self.undo_bar.expired.connect(self.cart.forget_removal)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("itemCountLabel")
        self.total_label = QLabel(self)
        self.total_label.setObjectName("totalLabel")
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.charge_button = QPushButton(self)
        self.charge_button.setObjectName("chargeButton")
        self.charge_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.charge_button.clicked.connect(self._charge)
        # Why Charge is off, or what happens to a charge now (the payment server out of reach).
        self.charge_hint = QLabel(self)
        self.charge_hint.setObjectName("chargeHintLabel")
        self.charge_hint.setWordWrap(True)
        self.charge_hint.setProperty("level", "")
        self.charge_hint.hide()

        field = QHBoxLayout()
        field.addWidget(self.barcode, 1)
        field.addWidget(self.clear_search_button)
        field.addWidget(self.keys_button)
        left = QVBoxLayout()
        left.addLayout(field)
        left.addWidget(self.keys)
        left.addWidget(self.left_pages, 1)
        cart_head = QHBoxLayout()
        cart_head.addWidget(self.cart_title, 1)
        cart_head.addWidget(self.simulate_code_button)
        cart_head.addWidget(self.last_receipt_button)
        cart_head.addWidget(self.clear_button)  # far from Charge: a slip costs nothing, and Undo is there
        totals = QHBoxLayout()
        totals.addWidget(self.count_label)
        totals.addWidget(self.charge_hint, 1)  # in the count's place while it shows: no height of its own
        totals.addWidget(self.total_label, 1)
        right = QVBoxLayout()
        right.addLayout(cart_head)
        right.addWidget(self.cart_view, 1)
        right.addWidget(self.undo_bar)
        right.addLayout(totals)
        right.addWidget(self.charge_button)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(16)
        layout.addLayout(left, 5)
        layout.addLayout(right, 4)
        self.retranslate()
        self._show(self.cart.snapshot())

    def _tool_button(self, name: str, text: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setProperty("role", "fieldButton")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(slot)
        return button

    # ---- language --------------------------------------------------------------------------

    def set_language(self, language: str) -> None:
        self.language = language
        self.catalog.set_language(language)
        self.results.set_language(language)
        self.cart_view.language = language
        self.undo_bar.language = language
        self.retranslate()

    def retranslate(self) -> None:
        self.barcode.setPlaceholderText(self.tr("Scan, or search by name, pinyin or code"))
        self.clear_search_button.setToolTip(self.tr("Clear the search"))
        self.keys_button.setToolTip(self.tr("On-screen keys"))
        self.cart_title.setText(self.tr("Cart"))
        self.clear_button.setText(self.tr("Clear"))
        self.simulate_code_button.setText(self.tr("Customer code"))
        self.simulate_code_button.setToolTip(self.tr("Training: a customer shows a payment code"))
        self.charge_button.setText(self.tr("Charge"))
        self._show_last_sale()
        self._show_relay()
        self.catalog.retranslate()
        self.categories.retranslate()
        self.results.retranslate()
        self.undo_bar.retranslate()
        self.cart_view.retranslate()
        self._show(self.cart.snapshot(), self.cart_view.highlighted)

    # ---- the last sale, the payment server ------------------------------------------------------

    def set_last_sale(self, session: PaymentSession | None, *, printing: bool) -> None:
        """The last paid order; its receipt is one tap away (only with a printer)."""
        self.last_sale = session if printing else None
        self._show_last_sale()

    def _show_last_sale(self) -> None:
        sale = self.last_sale
        self.last_receipt_button.setVisible(sale is not None)
        if sale is not None:
            self.last_receipt_button.setText(self.tr("Last receipt {0}").format(short(sale.out_trade_no)))

    def _last_receipt(self) -> None:
        if self.last_sale is not None:
            self.lastReceiptRequested.emit(self.last_sale.out_trade_no)
        self.focus_barcode()

    def set_relay(self, link: RelayLink) -> None:
        """Charge follows the payment server: off while it refuses this kiosk, with the reason beside it."""
        self.relay = link
        self._show_relay()
        self._show(self.cart.snapshot(), self.cart_view.highlighted)

    def _show_relay(self) -> None:
        link = self.relay.link
        if link is Link.REFUSED:
            text, level = self.tr("Charging is off (see above)"), "blocked"
        elif link is Link.OFFLINE:
            text, level = self.tr("A charge now waits for the payment server"), "warning"
        else:
            text, level = "", ""
        self.charge_hint.setText(text)
        self.charge_hint.setVisible(bool(text))
        self.count_label.setVisible(not text)
        if self.charge_hint.property("level") != level:
            self.charge_hint.setProperty("level", level)
            self.charge_hint.style().unpolish(self.charge_hint)
            self.charge_hint.style().polish(self.charge_hint)

    # ---- codes and search --------------------------------------------------------------------

    def submit_code(self, text: str, *, items: bool = True) -> bool:
        """The one place every code goes, from the scanner, the keyboard, the on-screen keys or the payment
        screen's field (``items=False``: no item may be added there).

        A customer's payment code (WeChat Pay, or another wallet's) is told apart first, before any lookup, and
        goes to the window (``paymentCodeScanned``), which charges the cart with it at once. A barcode or SKU
        adds its item; other text adds the single item a search finds, or leaves the results on screen to tap
        one; a code that finds nothing is reported (``unknownCode``)."""
        code = text.strip()
        if not code or self._busy:
            return False
        if scanned_payment_code(code) is not None:
            self.clear_search()  # a payment code is a secret for its minute: not left in the field
            self.paymentCodeScanned.emit(code)
            return True
        if not items:
            self.error.emit(self.tr("Scan the customer's payment code here; items go in the cart"))
            return False
        item = self.catalogue.lookup(code)
        if item is not None:
            self._apply(lambda: self.cart.add(item))
            self.clear_search()
            return True
        found = [] if code.isdigit() else self.catalogue.search(code)
        if len(found) == 1:
            self._apply(lambda: self.cart.add(found[0]))
            self.clear_search()
            return True
        if found:
            self._search()
            self.info.emit(self.tr("Several items match — tap the one you want"))
            return False
        self.barcode.selectAll()  # the next scan replaces the bad code
        self.unknownCode.emit(code)
        return False

    def clear_search(self) -> None:
        self.barcode.clear()
        self.focus_barcode()

    def toggle_keys(self) -> None:
        self.keys.setVisible(not self.keys.isVisible())
        self.keys_button.setChecked(self.keys.isVisible())
        self.focus_barcode()

    def _code_entered(self) -> None:
        self.submit_code(self.barcode.text())
        self.focus_barcode()

    def _text_changed(self, text: str) -> None:
        self.clear_search_button.setVisible(bool(text))
        if text.strip():
            self._search_timer.start()
        else:
            self._search_timer.stop()
            self.left_pages.setCurrentIndex(0)

    def _search(self) -> None:
        self._search_timer.stop()
        query = self.barcode.text().strip()
        if not query:
            self.left_pages.setCurrentIndex(0)
            return
        if query != self.results.query or self.left_pages.currentIndex() != 1:
            self.results.show_results(query, self.catalogue.search(query), self.language)
        self.left_pages.setCurrentIndex(1)

    def _result_chosen(self, item: Item) -> None:
        self.add_item(item)
        self.clear_search()

    # ---- cart --------------------------------------------------------------------------------

    def add_item(self, item: Item) -> None:
        self._apply(lambda: self.cart.add(item))

    def clear(self) -> None:
        """The clerk's Clear: undoable for a few seconds."""
        self._apply(self.cart.clear)

    def start_new_order(self) -> None:
        """The cart became an order that was paid: empty it for good (nothing to undo)."""
        self._apply(lambda: self.cart.clear(undoable=False))
        self.clear_search()

    def undo(self) -> None:
        self._apply(self.cart.undo)

    def ask_quantity(self, sku: str) -> None:
        """The keypad, for a quantity typed rather than tapped out with +."""
        line = next((line for line in self.cart.lines if line.sku == sku), None)
        if line is None or self._busy:
            return
        dialog = KeypadDialog(
            line.item.name(self.language),
            self.tr("Quantity (1 to {0})").format(MAX_LINE_QUANTITY),
            minimum=1,
            maximum=MAX_LINE_QUANTITY,
            value=line.quantity,
            parent=self.window(),
        )
        dialog.valueEntered.connect(lambda quantity: self._apply(lambda: self.cart.set_quantity(sku, quantity)))
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        self.quantity_dialog = dialog
        dialog.open()

    def _dialog_closed(self, dialog: KeypadDialog) -> None:
        if self.quantity_dialog is dialog:
            self.quantity_dialog = None
        dialog.deleteLater()
        self.focus_barcode()

    def set_busy(self, busy: bool) -> None:
        """While a Charge is being submitted, a second tap must not create a second order."""
        self._busy = busy
        self._show(self.cart.snapshot(), self.cart_view.highlighted)

    def focus_barcode(self) -> None:
        self.barcode.setFocus(Qt.FocusReason.OtherFocusReason)

    def _change_quantity(self, sku: str, delta: int) -> None:
        self._apply(lambda: self.cart.increment(sku, delta))

    def _remove(self, sku: str) -> None:
        self._apply(lambda: self.cart.remove(sku))

    def _apply(self, mutate: Callable[[], CartChange]) -> None:
        try:
            change = mutate()
        except TooMany:
            self.error.emit(self.tr("At most {0} of one item per order").format(MAX_LINE_QUANTITY))
        except CartError as exc:  # a tap on a line that is gone: nothing the clerk can do about it
            self.error.emit(str(exc))
        else:
            touched = change.sku if change.kind in ("added", "updated", "restored") else None
            self._show(change.snapshot, touched)
        self.focus_barcode()

    def _show(self, snapshot: CartSnapshot, highlight: str | None = None) -> None:
        self.cart_view.show_snapshot(snapshot, highlight)
        self.undo_bar.offer(self.cart.removal)
        self.total_label.setText(self.tr("Total {0}").format(format_yuan(snapshot.total_fen)))
        self.count_label.setText(self.tr("{0} items").format(snapshot.item_count))
        self.charge_button.setEnabled(not snapshot.is_empty and not self._busy and self.relay.charge_allowed)
        self.clear_button.setEnabled(not snapshot.is_empty and not self._busy)
        self.simulate_code_button.setEnabled(not snapshot.is_empty and not self._busy and self.relay.charge_allowed)
        # The cart is frozen while its Charge is being submitted (the order is made from a snapshot).
        self.left_pages.setEnabled(not self._busy)
        self.cart_view.setEnabled(not self._busy)
        self.undo_bar.setEnabled(not self._busy)
        self.barcode.setReadOnly(self._busy)
        self.cartChanged.emit(snapshot, self.cart_view.highlighted)

    def _charge(self) -> None:
        snapshot = self.cart.snapshot()
        if snapshot.is_empty or self._busy or not self.relay.charge_allowed:
            return
        self.chargeRequested.emit(snapshot)
