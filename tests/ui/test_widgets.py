"""Pieces of the window on their own: customer display, QR view, error display, PIN, kiosk-mode close, manager."""

from __future__ import annotations

import sys
import types
from datetime import datetime, timedelta
from typing import Any

import pytest
import zxingcpp
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.checkout import PaymentSession, State
from kiosk.clock import CHINA_TZ
from kiosk.ui.customer_display import CustomerDisplay
from kiosk.ui.notices import ErrorReporter, NoticeBar, install_excepthook
from kiosk.ui.payment_view import display_state, format_countdown
from kiosk.ui.pin import TRAINING_PIN, PinDialog, verify_pin
from kiosk.ui.qr import QUIET_ZONE, QrView, qr_matrix
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
    display = CustomerDisplay()
    qtbot.addWidget(display)
    display.resize(800, 900)
    display.show()
    display.show_session(session())
    assert display.mode == "payment"
    assert display.amount.text() == "￥12.50"
    [decoded] = zxingcpp.read_barcodes(grab_image(display.qr))
    assert decoded.text == CODE_URL
    display.show_session(session(State.PAID, trade_state="SUCCESS"))
    assert display.mode == "thanks" and display.qr.text is None
    display.show_session(session(State.CANCELLED))
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
    qtbot.waitUntil(lambda: notice.level == "error" and "boom in a slot" in notice.label.text())
    assert "boom in a slot" in caplog.text


def test_failed_background_operation_goes_to_the_notice_bar(kiosk: Kiosk) -> None:
    def broken() -> None:
        raise RuntimeError("printer on fire")

    kiosk.window.ops.run(broken, label="test op")
    notice = kiosk.child("noticeBar")
    kiosk.qtbot.waitUntil(lambda: "printer on fire" in notice.text)
    assert notice.level == "error"


def test_pin_dialog_accepts_only_the_right_pin(qtbot: QtBot) -> None:
    config = types.SimpleNamespace(training=True, manager={})
    assert verify_pin(TRAINING_PIN, config) and not verify_pin("1234", config)
    live = types.SimpleNamespace(training=False, manager={})
    assert not verify_pin(TRAINING_PIN, live)  # no PIN configured: nothing opens
    dialog = PinDialog(config)
    qtbot.addWidget(dialog)
    for digit in "1234":
        qtbot.mouseClick(dialog.findChild(type(dialog.ok_button), f"pinKey{digit}"), Qt.MouseButton.LeftButton)
    dialog.check()
    assert dialog.result() == 0 and dialog.message.text() and dialog.pin_input.text() == ""
    with qtbot.waitSignal(dialog.accepted):
        dialog.pin_input.setText(TRAINING_PIN)
        dialog.check()


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


def test_manager_button_opens_the_manager_screen(kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, object]] = []
    module = types.ModuleType("kiosk.ui.manager_view")
    module.open_manager = lambda parent, core: calls.append((parent, core))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kiosk.ui.manager_view", module)
    kiosk.qtbot.mouseClick(kiosk.button("managerButton"), Qt.MouseButton.LeftButton)
    assert calls == [(kiosk.window, kiosk.window.core)]


def test_manager_button_without_a_manager_screen_says_so(kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "kiosk.ui.manager_view", types.ModuleType("kiosk.ui.manager_view"))
    kiosk.qtbot.mouseClick(kiosk.button("managerButton"), Qt.MouseButton.LeftButton)
    notice = kiosk.child("noticeBar")
    assert notice.isVisible() and notice.text
    assert QApplication.activeModalWidget() is None
