"""A clerk's shift on a touch screen with no keyboard: every cashier action by taps alone.

An application-wide filter counts key events: the test fails if a single one reached the window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from kiosk.manager.pin import TRAINING_PIN
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
