"""The payment view against the real training world: QR, simulated payment, cancel, expiry, late payment."""

from __future__ import annotations

from pathlib import Path

import httpx
import zxingcpp
from PySide6.QtCore import Qt

from tests.ui.conftest import WAIT_MS, Kiosk, MovableClock, grab_image


def sandbox_orders(kiosk: Kiosk) -> list[dict[str, object]]:
    response = httpx.get(f"{kiosk.sandbox_url}/sandbox/v1/orders", timeout=10)
    response.raise_for_status()
    orders: list[dict[str, object]] = response.json()["orders"]
    return orders


def sandbox_order(kiosk: Kiosk, out_trade_no: str) -> dict[str, object]:
    [order] = [o for o in sandbox_orders(kiosk) if o["out_trade_no"] == out_trade_no]
    return order


def test_charge_shows_a_decodable_qr_and_a_simulated_payment_prints_the_receipt(kiosk: Kiosk) -> None:
    kiosk.add("DRK-001")
    kiosk.add("CAF-002")
    out_trade_no = kiosk.charge()

    qr = kiosk.child("qrView")
    assert min(qr.width(), qr.height()) >= 280
    assert qr.module_pixels() >= 2  # whole pixels per module
    [decoded] = zxingcpp.read_barcodes(grab_image(qr))
    assert decoded.format == zxingcpp.BarcodeFormat.QRCode
    assert decoded.text == sandbox_order(kiosk, out_trade_no)["code_url"]
    assert "￥21.50" in kiosk.label("paymentAmountLabel").text()
    assert ":" in kiosk.label("countdownLabel").text()
    assert kiosk.button("simulatePaymentButton").isVisible()

    kiosk.qtbot.mouseClick(kiosk.button("simulatePaymentButton"), Qt.MouseButton.LeftButton)
    assert kiosk.wait_state("SUCCESS") == "SUCCESS"
    assert kiosk.window.stack.currentWidget() is kiosk.child("paidPage")
    assert "￥21.50" in kiosk.label("paidAmount").text()
    kiosk.qtbot.waitUntil(lambda: kiosk.printed(f"*{out_trade_no}_paid_receipt.bin") != [], timeout=WAIT_MS)
    [receipt] = kiosk.printed(f"*{out_trade_no}_paid_receipt.bin")
    assert receipt.stat().st_size > 0

    # A tap starts the next order with an empty cart.
    kiosk.qtbot.mouseClick(kiosk.button("newOrderButton"), Qt.MouseButton.LeftButton)
    assert kiosk.window.stack.currentWidget() is kiosk.child("salePage")
    assert kiosk.child("cartView").rowCount() == 0


def test_print_slip_and_requery(kiosk: Kiosk) -> None:
    kiosk.add("SNK-003")
    out_trade_no = kiosk.charge()
    kiosk.qtbot.mouseClick(kiosk.button("printSlipButton"), Qt.MouseButton.LeftButton)
    kiosk.qtbot.waitUntil(lambda: kiosk.printed(f"*{out_trade_no}_payment_slip.bin") != [], timeout=WAIT_MS)
    httpx.post(
        f"{kiosk.sandbox_url}/sandbox/v1/payments",
        json={"code_url": sandbox_order(kiosk, out_trade_no)["code_url"], "result": "USERPAYING"},
        timeout=10,
    ).raise_for_status()
    kiosk.qtbot.mouseClick(kiosk.button("requeryButton"), Qt.MouseButton.LeftButton)
    assert kiosk.wait_state("USERPAYING") == "USERPAYING"
    assert kiosk.button("cancelPaymentButton").isEnabled()


def test_cancel_goes_back_to_the_cart_and_closes_the_order(kiosk: Kiosk) -> None:
    kiosk.add("BAK-002")
    out_trade_no = kiosk.charge()
    kiosk.qtbot.mouseClick(kiosk.button("cancelPaymentButton"), Qt.MouseButton.LeftButton)
    assert kiosk.wait_state("CANCELLED") == "CANCELLED"
    kiosk.qtbot.waitUntil(lambda: kiosk.window.stack.currentWidget() is kiosk.child("salePage"), timeout=WAIT_MS)
    assert kiosk.child("cartView").rowCount() == 1  # kept, to change and charge again
    kiosk.qtbot.waitUntil(lambda: sandbox_order(kiosk, out_trade_no)["trade_state"] == "CLOSED", timeout=WAIT_MS)


def test_expiry_shows_expired_and_stops_the_countdown(make_kiosk: object, tmp_path: Path) -> None:
    clock = MovableClock()
    kiosk: Kiosk = make_kiosk(clock=clock)  # type: ignore[operator]
    kiosk.add("DAY-003")
    kiosk.charge()
    assert kiosk.label("countdownLabel").text()
    clock.advance(301)
    assert kiosk.wait_state("EXPIRED") == "EXPIRED"
    assert kiosk.label("countdownLabel").text() == ""
    assert not kiosk.button("cancelPaymentButton").isEnabled()
    assert not kiosk.button("simulatePaymentButton").isEnabled()
    assert kiosk.child("qrView").text is None  # an expired QR is no longer shown
    kiosk.qtbot.mouseClick(kiosk.button("backToCartButton"), Qt.MouseButton.LeftButton)
    assert kiosk.window.stack.currentWidget() is kiosk.child("salePage")


def test_recent_orders_lists_today_and_reprints_the_receipt(kiosk: Kiosk) -> None:
    kiosk.add("CAF-005")
    out_trade_no = kiosk.charge()
    kiosk.qtbot.mouseClick(kiosk.button("simulatePaymentButton"), Qt.MouseButton.LeftButton)
    kiosk.wait_state("SUCCESS")
    kiosk.qtbot.waitUntil(lambda: len(kiosk.printed("*paid_receipt.bin")) == 1, timeout=WAIT_MS)

    kiosk.qtbot.mouseClick(kiosk.button("recentOrdersButton"), Qt.MouseButton.LeftButton)
    table = kiosk.child("ordersTable")
    kiosk.qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=WAIT_MS)
    assert table.item(0, 1).text() == out_trade_no[-5:]  # the short number; the whole one in the details
    assert (table.item(0, 4).text(), table.item(0, 5).text()) == ("扫码支付", "已付款")  # how paid, and the state
    table.selectRow(0)
    assert f"订单号：{out_trade_no}" in kiosk.label("ordersDetailLabel").text()
    assert kiosk.button("reprintReceiptButton").isEnabled()
    assert not kiosk.button("reprintSlipButton").isEnabled()  # the QR of a paid order is spent
    kiosk.qtbot.mouseClick(kiosk.button("reprintReceiptButton"), Qt.MouseButton.LeftButton)
    kiosk.qtbot.waitUntil(lambda: len(kiosk.printed("*paid_receipt.bin")) == 2, timeout=WAIT_MS)


def test_orders_page_during_an_open_payment_returns_to_it(kiosk: Kiosk) -> None:
    kiosk.add("DAY-001")
    out_trade_no = kiosk.charge()
    kiosk.qtbot.mouseClick(kiosk.button("recentOrdersButton"), Qt.MouseButton.LeftButton)
    table = kiosk.child("ordersTable")
    kiosk.qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=WAIT_MS)
    assert table.item(0, 5).text() == "待付款"
    kiosk.qtbot.mouseClick(kiosk.button("ordersBackButton"), Qt.MouseButton.LeftButton)
    assert kiosk.window.stack.currentWidget() is kiosk.child("paymentPage")
    # Paid while the clerk looks at the orders: the cart is done with, the list follows.
    kiosk.qtbot.mouseClick(kiosk.button("recentOrdersButton"), Qt.MouseButton.LeftButton)
    code_url = sandbox_order(kiosk, out_trade_no)["code_url"]
    httpx.post(f"{kiosk.sandbox_url}/sandbox/v1/payments", json={"code_url": code_url}, timeout=10).raise_for_status()
    kiosk.qtbot.waitUntil(lambda: table.rowCount() == 1 and table.item(0, 5).text() == "已付款", timeout=WAIT_MS)
    assert kiosk.child("cartView").rowCount() == 0
    kiosk.qtbot.mouseClick(kiosk.button("ordersBackButton"), Qt.MouseButton.LeftButton)
    assert kiosk.window.stack.currentWidget() is kiosk.child("salePage")


def test_the_customer_display_follows_the_sale(make_kiosk: object) -> None:
    kiosk: Kiosk = make_kiosk(customer_display=True)  # type: ignore[operator]
    display = kiosk.window.customer_display
    core = kiosk.window.core
    assert display is not None and core is not None
    assert display.mode == "idle" and display.store.text() == core.config.store.name
    kiosk.add("DRK-001")
    kiosk.add("DRK-001")
    kiosk.add("CAF-002")
    assert display.mode == "cart" and display.lines.rowCount() == 2
    assert display.lines.item(0, 1).text() == "× 2" and "￥25.00" in display.total.text()
    kiosk.charge()
    kiosk.qtbot.waitUntil(lambda: display.qr.text is not None, timeout=WAIT_MS)
    assert display.mode == "payment" and display.amount.text() == "￥25.00"
    assert display.hint.isVisibleTo(display) and display.hint.text() == "请用微信扫码支付"
    assert display.countdown.text().startswith("剩余")
    kiosk.qtbot.mouseClick(kiosk.button("simulatePaymentButton"), Qt.MouseButton.LeftButton)
    kiosk.qtbot.waitUntil(lambda: display.mode == "thanks", timeout=WAIT_MS)
    assert display.paid_amount.text() == "￥25.00"
    kiosk.qtbot.mouseClick(kiosk.button("newOrderButton"), Qt.MouseButton.LeftButton)
    assert display.mode == "idle"
