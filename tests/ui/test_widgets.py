"""Pieces of the window on their own: customer display, QR view, error display, PIN, kiosk-mode close, manager."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from typing import Any

import pytest
import zxingcpp
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kiosk.checkout import PaymentSession, State
from kiosk.clock import CHINA_TZ
from kiosk.manager.pin import TRAINING_PIN, PinGuard, configured_pin
from kiosk.ui.customer_display import CustomerDisplay
from kiosk.ui.notices import ErrorReporter, NoticeBar, install_excepthook
from kiosk.ui.payment_view import display_state
from kiosk.ui.pin import PinDialog
from kiosk.ui.qr import QUIET_ZONE, QrView, qr_matrix
from kiosk.ui.words import format_countdown
from tests.ui.conftest import Kiosk, grab_image

CODE_URL = "weixin://wxpay/bizpayurl?pr=abc123XYZ"


def session(state: State = State.AWAITING_PAYMENT, **changes: Any) -> PaymentSession:
    now = datetime(2026, 11, 30, 10, 0, tzinfo=CHINA_TZ)
    values: dict[str, Any] = {
        "out_trade_no": "S1-K1-20261130-0001",
        "amount_fen": 1250,
        "description": "可口可乐 330ml 等4件",
        "charged_at": now,
        "expires_at": now + timedelta(minutes=5),
        "state": state,
        "code_url": CODE_URL,
        "trade_state": "NOTPAY",
    }
    values.update(changes)
    return PaymentSession(**values)


def test_customer_display_shows_amount_and_qr_then_thanks(qtbot: QtBot) -> None:
    display = CustomerDisplay(lambda _session: 299.2)
    qtbot.addWidget(display)
    display.resize(1024, 600)
    display.show()
    display.show_session(session())
    assert display.mode == "payment"
    assert display.amount.text() == "￥12.50"
    assert display.hint.isVisible() and display.countdown.text().endswith("5:00")
    [decoded] = zxingcpp.read_barcodes(grab_image(display.qr))
    assert decoded.text == CODE_URL
    display.show_session(session(State.PAID, trade_state="SUCCESS"))
    assert display.mode == "thanks" and display.qr.text is None
    assert display.paid_amount.text() == "￥12.50" and display.paid_title.isVisible()
    display.show_session(session(State.CANCELLED))
    assert display.mode == "idle"


@pytest.mark.parametrize("state", [State.CREATING, State.PENDING_CREATION])
def test_customer_display_never_asks_to_scan_without_a_qr(qtbot: QtBot, state: State) -> None:
    display = CustomerDisplay(lambda _session: 120.0)
    qtbot.addWidget(display)
    display.resize(800, 480)
    display.show()
    display.show_session(session(state, code_url=None, trade_state=None))
    assert display.mode == "payment" and display.qr.text is None
    assert not display.hint.isVisible()
    visible = [label.text() for label in display.findChildren(QLabel) if label.isVisible()]
    assert not any("scan" in text.casefold() or "扫" in text for text in visible), visible
    assert display.amount.text() == "￥12.50"


def test_customer_display_follows_the_cart(qtbot: QtBot) -> None:
    from kiosk.checkout import Cart, sample_catalogue

    catalogue = sample_catalogue()
    display = CustomerDisplay()
    qtbot.addWidget(display)
    display.set_store("邻里便利")
    display.resize(1024, 600)
    display.show()
    assert display.mode == "idle" and display.store.text() == "邻里便利" and display.store.isVisible()
    cart = Cart(catalogue)
    cart.add("DRK-001", 2)
    display.show_cart(cart.add("CAF-002").snapshot, "CAF-002")
    assert display.mode == "cart"
    rows = [[display.lines.item(row, column).text() for column in range(3)] for row in range(display.lines.rowCount())]
    assert rows == [["可口可乐 330ml", "× 2", "￥7.00"], ["拿铁（中杯）", "× 1", "￥18.00"]]
    assert "25.00" in display.total.text() and "3" in display.count.text()
    display.show_session(session())  # Charge: the payment replaces the lines ...
    display.show_cart(cart.snapshot())
    assert display.mode == "payment"  # ... and the cart stays behind it
    display.show_session(session(State.CANCELLED))
    assert display.mode == "cart"  # cancelled: the customer sees the cart again
    display.show_cart(cart.clear().snapshot)
    assert display.mode == "idle"


def test_qr_modules_are_whole_pixels_with_a_quiet_zone(qtbot: QtBot) -> None:
    view = QrView()
    qtbot.addWidget(view)
    view.resize(300, 300)
    view.set_text(CODE_URL)
    image = grab_image(view).convert("L")
    modules = len(qr_matrix(CODE_URL))
    scale = view.module_pixels()
    assert scale == 300 // (modules + 2 * QUIET_ZONE)
    side = (modules + 2 * QUIET_ZONE) * scale
    left = (300 - side) // 2
    # Only pure black and white inside the code (no anti-aliased greys), and a white quiet zone.
    inside = image.crop((left, left, left + side, left + side))
    assert {value for _, value in inside.getcolors(maxcolors=256) or []} <= {0, 255}
    quiet = image.crop((left, left, left + side, left + QUIET_ZONE * scale))
    assert [value for _, value in quiet.getcolors(maxcolors=256) or []] == [255]


def test_display_state_names() -> None:
    assert display_state(session()) == "NOTPAY"
    assert display_state(session(trade_state="USERPAYING")) == "USERPAYING"
    assert display_state(session(State.PAID, trade_state="SUCCESS")) == "SUCCESS"
    assert display_state(session(State.CREATING, code_url=None)) == "CREATING"
    assert display_state(session(State.PENDING_CREATION, code_url=None)) == "PENDING_CREATION"
    assert display_state(session(State.EXPIRED)) == "EXPIRED"
    assert display_state(session(State.PAID_AFTER_CANCEL)) == "PAID_AFTER_CANCEL"
    assert format_countdown(299.2) == "5:00"
    assert format_countdown(61) == "1:01"
    assert format_countdown(0) == "0:00"


def test_uncaught_exceptions_are_logged_and_shown(qtbot: QtBot, caplog: pytest.LogCaptureFixture) -> None:
    notice = NoticeBar()
    qtbot.addWidget(notice)
    reporter = ErrorReporter()
    reporter.reported.connect(notice.show_error)
    restore = install_excepthook(reporter)
    try:
        try:
            raise ValueError("boom in a slot")
        except ValueError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        restore()
    # The clerk reads plain words; the exception, its message and where it came from are in the log.
    qtbot.waitUntil(lambda: notice.level == "error" and notice.label.text() != "")
    assert "boom" not in notice.label.text() and "ValueError" not in notice.label.text()
    assert "log" in notice.label.text()
    assert "boom in a slot" in caplog.text and "ValueError" in caplog.text


def test_failed_background_operation_goes_to_the_notice_bar(kiosk: Kiosk) -> None:
    def broken() -> None:
        raise RuntimeError("printer on fire")

    kiosk.window.ops.run(broken, label="test op")
    notice = kiosk.child("noticeBar")
    kiosk.qtbot.waitUntil(lambda: notice.text != "")
    assert notice.level == "error"
    assert "出了问题" in notice.text and "RuntimeError" not in notice.text and "fire" not in notice.text


def tap(qtbot: QtBot, dialog: PinDialog, name: str) -> None:
    qtbot.mouseClick(dialog.findChild(type(dialog.ok_button), name), Qt.MouseButton.LeftButton)


def test_pin_dialog_takes_the_pin_from_its_keypad_and_accepts_only_the_right_one(qtbot: QtBot) -> None:
    dialog = PinDialog(PinGuard(configured_pin(None, training=True), max_tries=3))
    qtbot.addWidget(dialog)
    dialog.show()
    for key in ("pinKey1", "pinKey2", "pinKey9", "pinKeyBackspace", "pinKey3", "pinKey4"):
        tap(qtbot, dialog, key)
    assert dialog.pin_input.text() == "1234"
    tap(qtbot, dialog, "pinOkButton")
    qtbot.waitUntil(lambda: dialog.property("outcome") == "wrong")
    assert dialog.result() == 0 and "2" in dialog.message.text() and dialog.pin_input.text() == ""
    with qtbot.waitSignal(dialog.accepted):
        for digit in TRAINING_PIN:
            tap(qtbot, dialog, f"pinKey{digit}")
        tap(qtbot, dialog, "pinOkButton")
    assert dialog.last_result is not None and dialog.last_result.ok


def test_pin_dialog_locks_after_wrong_tries_and_says_until_when_in_beijing_time(qtbot: QtBot) -> None:
    guard = PinGuard(configured_pin(None, training=True), max_tries=2)
    dialog = PinDialog(guard)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.pin_input.setText("9999")
    tap(qtbot, dialog, "pinOkButton")
    qtbot.waitUntil(lambda: dialog.property("outcome") == "wrong")
    dialog.pin_input.setText("9999")
    tap(qtbot, dialog, "pinOkButton")
    qtbot.waitUntil(lambda: dialog.property("outcome") == "locked")
    assert not dialog.pin_input.isEnabled() and not dialog.keypad.isEnabled() and not dialog.ok_button.isEnabled()
    assert guard.locked_until is not None
    assert guard.locked_until.astimezone(CHINA_TZ).strftime("%H:%M") in dialog.message.text()
    assert dialog.cancel_button.isEnabled()  # the way out stays


def test_pin_dialog_without_a_configured_pin_explains_and_refuses(qtbot: QtBot) -> None:
    dialog = PinDialog(PinGuard(None))
    qtbot.addWidget(dialog)
    assert dialog.property("outcome") == "not_configured" and dialog.message.text()
    assert not dialog.pin_input.isEnabled()


def test_kiosk_mode_close_needs_the_manager_pin(make_kiosk: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    kiosk: Kiosk = make_kiosk(kiosk_mode=True)
    window = kiosk.window
    assert window.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert kiosk.button("exitButton").isVisible()
    answers = [False, True]
    monkeypatch.setattr(window, "ask_manager_pin", lambda: answers.pop(0))
    kiosk.qtbot.mouseClick(kiosk.button("exitButton"), Qt.MouseButton.LeftButton)
    assert window.isVisible() and answers == [True]  # wrong PIN: still open
    kiosk.qtbot.mouseClick(kiosk.button("exitButton"), Qt.MouseButton.LeftButton)
    assert not window.isVisible() and answers == []


def test_many_categories_wrap_to_two_rows_then_scroll_with_the_bar_showing(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from kiosk.checkout import Catalogue, Category, Item
    from kiosk.ui.catalog_view import CatalogView, CategoryBar

    categories = [Category(f"c{n}", f"第{n}类商品", f"Category {n}") for n in range(20)]
    items = [Item(f"S{n}", None, f"商品{n}", f"Item {n}", 100, f"c{n}") for n in range(20)]
    catalog = CatalogView(Catalogue(categories, items), "zh_CN")
    holder = QWidget()
    qtbot.addWidget(holder)
    layout = QVBoxLayout(holder)
    bar = CategoryBar(catalog, holder)
    layout.addWidget(bar)
    layout.addWidget(catalog, 1)
    holder.resize(600, 700)
    holder.show()
    qtbot.waitUntil(lambda: bar.verticalScrollBar().isVisible())
    row = bar.buttons[0].height()
    assert bar.height() < 3 * row  # two rows at most, then it scrolls
    assert all(bar.widget().rect().contains(button.geometry()) for button in bar.buttons)
    last = bar.buttons[-1]
    assert last.y() > bar.viewport().height()  # below the fold, reached by scrolling
    qtbot.mouseClick(last, Qt.MouseButton.LeftButton)
    assert catalog.currentIndex() == 19
