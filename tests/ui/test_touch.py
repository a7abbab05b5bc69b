"""A clerk's shift on a touch screen with no keyboard: every cashier and manager action by taps alone.

An application-wide filter counts key events: the test fails if a single one reached the window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from kiosk.manager.pin import TRAINING_PIN
from kiosk.manager.zreport import job_key
from kiosk.ui.manager_view import ManagerView
from tests.ui.conftest import WAIT_MS, Kiosk


class KeyCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.keys = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride):
            self.keys += 1
        return False


def tap(kiosk: Kiosk, widget: QWidget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    kiosk.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def tap_name(kiosk: Kiosk, name: str, parent: QWidget | None = None) -> None:
    widget = (parent or kiosk.window).findChild(QWidget, name)
    assert widget is not None, name
    tap(kiosk, widget)


def when_modal(kiosk: Kiosk, act: Callable[[QWidget], None]) -> None:
    """Run ``act`` on the next modal dialog once it is up (exec() blocks the test until it closes)."""

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, poll)
            return
        act(dialog)

    QTimer.singleShot(0, poll)


def test_a_whole_sale_and_leaving_kiosk_mode_by_taps_alone(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = make_kiosk(kiosk_mode=True)
    window = kiosk.window
    counter = KeyCounter()
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(counter)
    try:
        # A tile, a category, a search on the on-screen keys, a code typed on them.
        tap_name(kiosk, "category_snacks")
        tap_name(kiosk, "item_SNK-001")
        tap_name(kiosk, "keysButton")
        for key in "KKKL":
            tap_name(kiosk, f"searchKey{key}")
        kiosk.qtbot.waitUntil(lambda: kiosk.child("searchResults").isVisible())
        tap_name(kiosk, "result_DRK-001")
        for digit in "6921168509256":
            tap_name(kiosk, f"searchKey{digit}")
        tap_name(kiosk, "searchKeyEnter")
        tap_name(kiosk, "keysButton")
        # Six colas: the quantity on the keypad, not six taps on +.
        tap_name(kiosk, "quantity_DRK-001")
        dialog = window.sale_view.quantity_dialog  # type: ignore[union-attr]
        assert dialog is not None
        tap_name(kiosk, "key6", dialog)
        tap_name(kiosk, "keypadOkButton", dialog)
        assert kiosk.label("quantity_DRK-001").text() == "6"
        # A slip of the finger, undone.
        tap_name(kiosk, "remove_SNK-001")
        tap_name(kiosk, "undoButton")
        assert window.sale_view.cart_view.skus() == ["SNK-001", "DRK-001", "DRK-003"]  # type: ignore[union-attr]
        # Charge, the customer pays (training), a new order.
        tap_name(kiosk, "chargeButton")
        kiosk.qtbot.waitUntil(lambda: kiosk.child("qrView").text is not None, timeout=WAIT_MS)
        tap_name(kiosk, "simulatePaymentButton")
        kiosk.qtbot.waitUntil(lambda: window.stack.currentWidget() is kiosk.child("paidPage"), timeout=WAIT_MS)
        tap_name(kiosk, "newOrderButton")
        # Today's orders, back; the language and back.
        tap_name(kiosk, "recentOrdersButton")
        kiosk.qtbot.waitUntil(lambda: kiosk.child("ordersTable").rowCount() == 1, timeout=WAIT_MS)
        tap_name(kiosk, "ordersBackButton")
        tap_name(kiosk, "languageButton")
        assert kiosk.button("chargeButton").text() == "Charge"
        tap_name(kiosk, "languageButton")
        # Leaving kiosk mode: the manager PIN on the dialog's keypad.
        entered: list[str] = []

        def enter_pin(dialog: QWidget) -> None:
            for digit in TRAINING_PIN:
                tap_name(kiosk, f"pinKey{digit}", dialog)
            entered.append(dialog.findChild(QWidget, "pinInput").text())  # type: ignore[union-attr]
            tap_name(kiosk, "pinOkButton", dialog)

        when_modal(kiosk, enter_pin)
        tap_name(kiosk, "exitButton")
        kiosk.qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
        assert entered == [TRAINING_PIN]
    finally:
        app.removeEventFilter(counter)
    assert counter.keys == 0


def counting_keys() -> tuple[KeyCounter, Callable[[], None]]:
    counter = KeyCounter()
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(counter)
    return counter, lambda: app.removeEventFilter(counter)


#: The sample catalogue's category of each SKU prefix.
CATEGORIES = {"DRK": "drinks", "CAF": "cafe", "SNK": "snacks"}


def tap_item(kiosk: Kiosk, sku: str) -> None:
    tap_name(kiosk, f"category_{CATEGORIES[sku[:3]]}")
    tap_name(kiosk, f"item_{sku}")


def sell(kiosk: Kiosk, sku: str) -> str:
    """A sale by taps: a tile, Charge, the customer pays (training), a new order. Returns the order number."""
    tap_item(kiosk, sku)
    tap_name(kiosk, "chargeButton")
    kiosk.qtbot.waitUntil(lambda: kiosk.child("qrView").text is not None, timeout=WAIT_MS)
    current = kiosk.window.current
    assert current is not None
    tap_name(kiosk, "simulatePaymentButton")
    kiosk.qtbot.waitUntil(lambda: kiosk.window.stack.currentWidget() is kiosk.child("paidPage"), timeout=WAIT_MS)
    tap_name(kiosk, "newOrderButton")
    return current.out_trade_no


def test_a_whole_day_by_taps_alone_with_the_manager(make_kiosk: Callable[..., Kiosk]) -> None:
    """Sales, a cancel, the manager's login, a partial refund, the Z-report and back to selling: no key event."""
    kiosk = make_kiosk(kiosk_mode=True)
    window = kiosk.window
    core = window.core
    assert core is not None and core.print_queue is not None
    counter, stop_counting = counting_keys()
    try:
        refunded = sell(kiosk, "CAF-002")
        sell(kiosk, "DRK-001")
        # A cancel: the customer changes their mind at the QR.
        tap_item(kiosk, "SNK-001")
        tap_name(kiosk, "chargeButton")
        kiosk.qtbot.waitUntil(lambda: kiosk.child("qrView").text is not None, timeout=WAIT_MS)
        tap_name(kiosk, "cancelPaymentButton")
        kiosk.wait_state("CANCELLED")
        kiosk.qtbot.waitUntil(lambda: window.stack.currentWidget() is window.sale_view, timeout=WAIT_MS)
        tap_name(kiosk, "clearCartButton")  # the cart comes back after a cancel: not this time

        # The manager logs in on the PIN keypad.
        tap_name(kiosk, "managerButton")
        kiosk.qtbot.waitUntil(lambda: window.findChild(QWidget, "pinDialog") is not None, timeout=WAIT_MS)
        pin = window.findChild(QWidget, "pinDialog")
        assert pin is not None
        for digit in TRAINING_PIN:
            tap_name(kiosk, f"pinKey{digit}", pin)
        tap_name(kiosk, "pinOkButton", pin)
        kiosk.qtbot.waitUntil(lambda: window.findChild(ManagerView) is not None, timeout=WAIT_MS)
        view = window.findChild(ManagerView)
        assert view is not None
        kiosk.qtbot.waitUntil(lambda: view.summary is not None and view.summary.order_count == 3, timeout=WAIT_MS)

        # A partial refund of the coffee: its row on the Orders tab, 5 yuan on the keypad, a reason.
        bar = view.tabs.tabBar()
        kiosk.qtbot.mouseClick(
            bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(view.tabs.indexOf(view.orders_tab)).center()
        )
        table = view.orders_view
        row = next(n for n, order in enumerate(table.model().rows) if order.out_trade_no == refunded)
        kiosk.qtbot.mouseClick(
            table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(table.model().index(row, 0)).center()
        )
        tap_name(kiosk, "refundButton", view)
        kiosk.qtbot.waitUntil(
            lambda: view.refund_dialog is not None and view.refund_dialog.isVisible(), timeout=WAIT_MS
        )
        dialog = view.refund_dialog
        assert dialog is not None
        tap_name(kiosk, "refundKey5", dialog)
        tap_name(kiosk, "reason_faulty", dialog)
        tap_name(kiosk, "refundOkButton", dialog)
        kiosk.refund_processed(refunded)
        kiosk.qtbot.waitUntil(lambda: view.refund_state(f"{refunded}R1") == "SUCCESS", timeout=30_000)
        [refund] = core.refunds(refunded)
        assert (refund.amount_fen, refund.reason) == (500, "商品损坏或有质量问题")

        # The Z-report, printed from its dialog.
        tap_name(kiosk, "zReportButton", view)
        kiosk.qtbot.waitUntil(
            lambda: view.z_report_dialog is not None and view.z_report_dialog.isVisible(), timeout=WAIT_MS
        )
        assert view.z_report_dialog is not None
        tap_name(kiosk, "zReportPrintButton", view.z_report_dialog)
        key = job_key(core.today(), core.config.kiosk_id)
        queue = core.print_queue
        kiosk.qtbot.waitUntil(
            lambda: any(job.job_key == key and job.state == "printed" for job in queue.jobs()), timeout=WAIT_MS
        )

        # Leaving the manager screen: back to the sale, which takes the next item.
        tap_name(kiosk, "managerCloseButton", view)
        kiosk.qtbot.waitUntil(lambda: window.findChild(ManagerView) is None, timeout=WAIT_MS)
        tap_item(kiosk, "DRK-003")
        assert window.sale_view is not None and window.sale_view.cart_view.skus() == ["DRK-003"]
    finally:
        stop_counting()
    assert counter.keys == 0


def test_a_wrong_pin_keeps_the_kiosk_open(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = make_kiosk(kiosk_mode=True)
    seen: list[Any] = []

    def wrong_then_cancel(dialog: QWidget) -> None:
        for digit in "1357":
            tap_name(kiosk, f"pinKey{digit}", dialog)
        tap_name(kiosk, "pinOkButton", dialog)
        kiosk.qtbot.waitUntil(lambda: dialog.property("outcome") == "wrong", timeout=WAIT_MS)
        seen.append(dialog.findChild(QWidget, "pinMessage").text())  # type: ignore[union-attr]
        cancel = dialog.findChild(QPushButton, "pinCancelButton")
        assert cancel is not None
        tap(kiosk, cancel)

    when_modal(kiosk, wrong_then_cancel)
    tap_name(kiosk, "exitButton")
    assert kiosk.window.isVisible() and seen and seen[0]
