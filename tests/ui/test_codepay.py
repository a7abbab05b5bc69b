"""Payment code (付款码) on the cashier screen, against the real training world: a code scanned into the barcode
field charges the cart at once, the screen says what to tell the customer, Cancel reverses, other wallets are
refused, a failure says what next, and training mode's customer shows a code from the sandbox."""

from __future__ import annotations

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from kiosk.checkout import State
from tests.ui.conftest import WAIT_MS, Kiosk


def customer_code(kiosk: Kiosk, scenario: str, **extra: object) -> str:
    """The code on a sandbox customer's phone (docs/sandbox.md)."""
    response = httpx.post(
        f"{kiosk.sandbox_url}/sandbox/v1/payment-codes", json={"scenario": scenario, **extra}, timeout=10
    )
    response.raise_for_status()
    return str(response.json()["auth_code"])


def scan(kiosk: Kiosk, field: str, code: str) -> None:
    """What a scanner does: the digits, then Enter, into the focused field."""
    line = kiosk.child(field)
    assert isinstance(line, QLineEdit)
    kiosk.qtbot.keyClicks(line, code)
    kiosk.qtbot.keyClick(line, Qt.Key.Key_Return)


def on_page(kiosk: Kiosk, name: str) -> None:
    kiosk.qtbot.waitUntil(lambda: kiosk.window.stack.currentWidget() is kiosk.child(name), timeout=WAIT_MS)


def status(kiosk: Kiosk) -> str:
    return kiosk.label("paymentStatusLabel").text()


def test_a_scanned_code_charges_the_cart_at_once_and_reaches_the_paid_screen(kiosk: Kiosk) -> None:
    kiosk.add("DRK-001")
    kiosk.add("CAF-002")
    code = customer_code(kiosk, "success")
    assert kiosk.child("barcodeInput").hasFocus()
    scan(kiosk, "barcodeInput", code)  # no tap on Charge
    on_page(kiosk, "paidPage")
    assert "￥21.50" in kiosk.label("paidAmount").text()
    assert kiosk.child("barcodeInput").text() == ""  # the code is not left on screen
    session = kiosk.window.payment_view.session  # type: ignore[union-attr]
    assert session is not None and session.is_code_pay and session.state is State.PAID
    kiosk.qtbot.waitUntil(lambda: kiosk.printed(f"*{session.out_trade_no}_paid_receipt.bin") != [], timeout=WAIT_MS)
    kiosk.qtbot.mouseClick(kiosk.button("newOrderButton"), Qt.MouseButton.LeftButton)
    kiosk.qtbot.mouseClick(kiosk.button("recentOrdersButton"), Qt.MouseButton.LeftButton)
    table = kiosk.child("ordersTable")
    kiosk.qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=WAIT_MS)
    assert (table.item(0, 4).text(), table.item(0, 5).text()) == ("付款码", "已支付")


def test_cancel_while_the_customer_types_the_password_goes_back_to_the_cart(kiosk: Kiosk) -> None:
    kiosk.add("BAK-002")
    scan(kiosk, "barcodeInput", customer_code(kiosk, "password_then_success", password_seconds=600))
    assert kiosk.wait_state("USERPAYING") == "USERPAYING"
    assert status(kiosk) == "请顾客输入支付密码"
    assert kiosk.label("countdownLabel").text() == ""  # no QR countdown for a code
    assert not kiosk.button("simulatePaymentButton").isEnabled()  # nothing to scan
    session = kiosk.window.current
    assert session is not None
    kiosk.qtbot.mouseClick(kiosk.button("cancelPaymentButton"), Qt.MouseButton.LeftButton)
    on_page(kiosk, "salePage")
    assert kiosk.child("cartView").rowCount() == 1  # kept: another code, or the QR
    core = kiosk.window.core
    assert core is not None
    cancelled = core.session(session.out_trade_no)
    assert (cancelled.state, cancelled.ended_by) == (State.CANCELLED, "clerk")
    kinds = [event.kind for event in core.order_events(session.out_trade_no)]
    assert "cancel" in kinds  # journaled; the relay reverses it 15 s after the charge
    kiosk.qtbot.waitUntil(
        lambda: (
            any(c.kind == "close" and c.attempts for c in core.journal.commands(session.out_trade_no))
            or core.session(session.out_trade_no).settled
        ),
        timeout=WAIT_MS,
    )


def test_an_alipay_code_is_refused_with_the_shops_words(kiosk: Kiosk) -> None:
    kiosk.add("DRK-001")
    scan(kiosk, "barcodeInput", "281234567890123456")
    kiosk.qtbot.waitUntil(lambda: kiosk.label("noticeText").text() != "", timeout=WAIT_MS)
    assert kiosk.label("noticeText").text() == "本店仅支持微信支付"
    assert kiosk.window.stack.currentWidget() is kiosk.child("salePage")
    assert kiosk.window.core is not None and kiosk.window.core.journal.count_orders() == 0
    kiosk.qtbot.mouseClick(kiosk.button("languageButton"), Qt.MouseButton.LeftButton)
    assert kiosk.label("noticeText").text() == "This shop accepts WeChat Pay only"  # said again in English


def test_a_code_on_the_qr_screen_replaces_the_qr_order(kiosk: Kiosk) -> None:
    kiosk.add("SNK-003")
    native = kiosk.charge()
    assert kiosk.child("paymentCodeInput").hasFocus()
    scan(kiosk, "paymentCodeInput", customer_code(kiosk, "success"))
    on_page(kiosk, "paidPage")
    core = kiosk.window.core
    assert core is not None
    closed = core.wait_for(native, lambda s: s.settled, 15)
    assert (closed.state, closed.trade_state) == (State.CANCELLED, "CLOSED")


def test_a_failure_says_why_and_what_next_and_the_qr_is_one_tap_away(kiosk: Kiosk) -> None:
    kiosk.add("CAF-002")
    scan(kiosk, "barcodeInput", customer_code(kiosk, "insufficient_funds"))
    assert kiosk.wait_state("FAILED") == "FAILED"
    assert status(kiosk) == "顾客的银行卡余额不足\n请顾客换一张卡"
    kiosk.qtbot.mouseClick(kiosk.button("languageButton"), Qt.MouseButton.LeftButton)
    assert status(kiosk) == "Not enough money on the customer's card\nAsk the customer to switch to another card"
    kiosk.qtbot.mouseClick(kiosk.button("languageButton"), Qt.MouseButton.LeftButton)
    assert kiosk.button("useQrButton").isVisible() and kiosk.button("backToCartButton").isVisible()
    kiosk.qtbot.mouseClick(kiosk.button("useQrButton"), Qt.MouseButton.LeftButton)  # 改用扫码支付
    kiosk.wait_state("NOTPAY")
    kiosk.qtbot.waitUntil(lambda: kiosk.child("qrView").text is not None, timeout=WAIT_MS)


def test_training_mode_has_a_customer_with_a_code_for_every_scenario(kiosk: Kiosk) -> None:
    kiosk.add("DRK-001")
    button = kiosk.button("simulateCodeSaleButton")
    assert button.isVisible() and button.isEnabled()
    kiosk.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    kiosk.qtbot.waitUntil(lambda: kiosk.window.scenario_picker is not None, timeout=WAIT_MS)
    picker = kiosk.window.scenario_picker
    assert picker is not None
    assert {"success", "password_then_success", "insufficient_funds", "rate_limited"} <= set(picker.buttons)
    assert picker.buttons["insufficient_funds"].text() == "余额不足"
    kiosk.qtbot.mouseClick(picker.buttons["success"], Qt.MouseButton.LeftButton)
    on_page(kiosk, "paidPage")
