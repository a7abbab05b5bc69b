"""No double charge, through the real window, core, relay and sandbox: a payment that lands after Cancel
settles the cart it was for (and cancels a second charge for the same goods, a payment code being charged
too), and charging a cart that was just paid for asks first (by Charge or by a scanned payment code)."""

from __future__ import annotations

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from kiosk.checkout import State
from tests.ui.conftest import WAIT_MS, Kiosk
from tests.ui.test_codepay import customer_code, scan
from tests.ui.test_payment import sandbox_order


def tap(kiosk: Kiosk, name: str) -> None:
    kiosk.qtbot.mouseClick(kiosk.button(name), Qt.MouseButton.LeftButton)


def close_late(kiosk: Kiosk, out_trade_no: str) -> None:
    """The close reaches WeChat Pay (the sandbox) two seconds late: a customer can pay in between."""
    httpx.post(
        f"{kiosk.sandbox_url}/sandbox/v1/faults",
        json={
            "path_prefix": f"/v3/pay/transactions/out-trade-no/{out_trade_no}/close",
            "kind": "latency",
            "latency_ms": 2000,
        },
        timeout=10,
    ).raise_for_status()


def cancelled_while_paying(kiosk: Kiosk) -> tuple[str, object]:
    """Charge the cart and cancel while the customer is paying (the close reaches WeChat Pay late); back on
    the sale screen, the cart kept. Returns the order and its code_url, which the customer can still pay."""
    out_trade_no = kiosk.charge()
    code_url = sandbox_order(kiosk, out_trade_no)["code_url"]
    close_late(kiosk, out_trade_no)
    tap(kiosk, "cancelPaymentButton")
    kiosk.wait_state("CANCELLED")
    kiosk.qtbot.waitUntil(lambda: kiosk.window.stack.currentWidget() is kiosk.child("salePage"), timeout=WAIT_MS)
    return out_trade_no, code_url


def pay(kiosk: Kiosk, code_url: object) -> None:
    httpx.post(f"{kiosk.sandbox_url}/sandbox/v1/payments", json={"code_url": code_url}, timeout=10).raise_for_status()


def test_a_payment_after_cancel_settles_the_cart_it_was_for(kiosk: Kiosk) -> None:
    kiosk.add("INS-001")
    kiosk.add("INS-001")
    kiosk.add("DRK-001")
    out_trade_no, code_url = cancelled_while_paying(kiosk)
    assert kiosk.child("cartView").rowCount() == 2  # kept after Cancel, to change and charge again
    pay(kiosk, code_url)  # the customer had already scanned

    alert = kiosk.child("alertBanner")
    kiosk.qtbot.waitUntil(alert.isVisible, timeout=WAIT_MS)
    text = kiosk.label("alertText").text()
    # The order by its short number, its amount and its goods, and the safe next step.
    assert f"订单 {out_trade_no[-5:]}" in text and "￥14.50" in text
    assert "康师傅红烧牛肉面（桶） ×2、可口可乐 330ml ×1" in text
    assert "购物车已清空" in text and "交给顾客" in text
    # The goods are paid for: the cart is empty (nothing left one tap from a second charge) and the paid
    # order is on screen.
    assert kiosk.child("cartView").rowCount() == 0
    assert kiosk.window.stack.currentWidget() is kiosk.child("paidPage")
    assert kiosk.label("paidTitle").text() == "✓ 取消后已付款"
    assert kiosk.label("paidOrderLabel").text() == f"订单 {out_trade_no[-5:]}"
    assert QApplication.activeModalWidget() is None  # non-modal: the clerk can keep selling
    kiosk.qtbot.waitUntil(lambda: kiosk.printed(f"*{out_trade_no}_paid_receipt.bin") != [], timeout=WAIT_MS)
    # The receipt may have started before the paid screen showed: the screen still says how it got on.
    kiosk.qtbot.waitUntil(lambda: kiosk.label("paidDetail").text() == "收据已打印", timeout=WAIT_MS)
    tap(kiosk, "newOrderButton")
    assert not kiosk.button("chargeButton").isEnabled()
    tap(kiosk, "alertAckButton")
    assert not alert.isVisible()


def test_a_payment_after_cancel_cancels_a_second_charge_for_the_same_goods(kiosk: Kiosk) -> None:
    kiosk.add("SNK-003")
    first, code_url = cancelled_while_paying(kiosk)
    second = kiosk.charge()  # the clerk charges the same goods again: a new QR
    assert second != first
    pay(kiosk, code_url)  # ... and the customer's payment for the first one lands

    alert = kiosk.child("alertBanner")
    kiosk.qtbot.waitUntil(alert.isVisible, timeout=WAIT_MS)
    assert f"订单 {second[-5:]} 已取消" in kiosk.label("alertText").text()
    kiosk.qtbot.waitUntil(lambda: sandbox_order(kiosk, second)["trade_state"] == "CLOSED", timeout=WAIT_MS)
    assert kiosk.window.stack.currentWidget() is kiosk.child("paidPage")
    assert kiosk.label("paidOrderLabel").text() == f"订单 {first[-5:]}"
    assert kiosk.child("cartView").rowCount() == 0


def test_a_payment_after_cancel_leaves_another_cart_alone(kiosk: Kiosk) -> None:
    kiosk.add("DRK-001")
    _, code_url = cancelled_while_paying(kiosk)
    kiosk.add("CAF-002")  # the next customer's goods join the cart: it is no longer that order
    pay(kiosk, code_url)

    alert = kiosk.child("alertBanner")
    kiosk.qtbot.waitUntil(alert.isVisible, timeout=WAIT_MS)
    assert "不要再收一次款" in kiosk.label("alertText").text()  # the cart shares goods with the paid order
    assert kiosk.child("cartView").rowCount() == 2  # not the clerk's to lose
    assert kiosk.window.stack.currentWidget() is kiosk.child("salePage")


def choose(kiosk: Kiosk, dialog: QWidget, name: str) -> None:
    button = dialog.findChild(QPushButton, name)
    assert button is not None, name
    kiosk.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def paid_sale(kiosk: Kiosk, *skus: str) -> str:
    for sku in skus:
        kiosk.add(sku)
    out_trade_no = kiosk.charge()
    tap(kiosk, "simulatePaymentButton")
    kiosk.wait_state("SUCCESS")
    tap(kiosk, "newOrderButton")
    return out_trade_no


def test_charging_the_goods_just_paid_for_asks_first(kiosk: Kiosk) -> None:
    paid = paid_sale(kiosk, "DRK-001", "CAF-002")
    # The same goods again, in another order of lines.
    kiosk.add("CAF-002")
    kiosk.add("DRK-001")
    tap(kiosk, "chargeButton")
    kiosk.qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None, timeout=WAIT_MS)
    dialog = QApplication.activeModalWidget()
    assert dialog is not None and dialog.objectName() == "repeatChargeDialog"
    text = dialog.findChild(QLabel, "repeatChargeText").text()
    assert f"订单 {paid[-5:]}" in text and "￥21.50" in text and "可口可乐 330ml ×1" in text
    assert kiosk.window.stack.currentWidget() is kiosk.child("salePage")  # nothing charged yet

    # Back: nothing charged, the cart kept.
    choose(kiosk, dialog, "repeatBackButton")
    kiosk.qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=WAIT_MS)
    assert kiosk.child("cartView").rowCount() == 2 and kiosk.window.current is None

    # Charge again: the customer really buys the same again.
    tap(kiosk, "chargeButton")
    kiosk.qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None, timeout=WAIT_MS)
    dialog = QApplication.activeModalWidget()
    assert dialog is not None
    choose(kiosk, dialog, "repeatChargeButton")
    kiosk.wait_state("NOTPAY")
    assert kiosk.window.current is not None and kiosk.window.current.out_trade_no != paid


def test_clearing_instead_of_charging_the_goods_just_paid_for(kiosk: Kiosk) -> None:
    paid_sale(kiosk, "SNK-003")
    kiosk.add("SNK-003")
    tap(kiosk, "chargeButton")
    kiosk.qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None, timeout=WAIT_MS)
    dialog = QApplication.activeModalWidget()
    assert dialog is not None
    choose(kiosk, dialog, "repeatClearButton")
    kiosk.qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=WAIT_MS)
    assert kiosk.child("cartView").rowCount() == 0 and kiosk.window.current is None
    assert kiosk.child("undoBar").isVisible()  # a Clear like any other: it can be taken back

    # Other goods are no repeat: Charge goes straight to the QR.
    kiosk.add("DRK-001")
    kiosk.charge()


def repeat_dialog(kiosk: Kiosk) -> QWidget:
    kiosk.qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None, timeout=WAIT_MS)
    dialog = QApplication.activeModalWidget()
    assert dialog is not None and dialog.objectName() == "repeatChargeDialog"
    return dialog


def test_a_payment_code_for_the_goods_just_paid_for_asks_first_and_charge_again_uses_it(kiosk: Kiosk) -> None:
    paid = paid_sale(kiosk, "DRK-001")
    core = kiosk.window.core
    assert core is not None
    kiosk.add("DRK-001")
    # An Alipay code is refused at once: nothing to ask about.
    scan(kiosk, "barcodeInput", "281234567890123456")
    kiosk.qtbot.waitUntil(lambda: kiosk.label("noticeText").text() == "本店仅支持微信支付", timeout=WAIT_MS)
    assert QApplication.activeModalWidget() is None

    # A WeChat code charges with no tap, so the repeat is asked about before the code goes anywhere.
    scan(kiosk, "barcodeInput", customer_code(kiosk, "success"))
    dialog = repeat_dialog(kiosk)
    assert f"订单 {paid[-5:]}" in dialog.findChild(QLabel, "repeatChargeText").text()
    choose(kiosk, dialog, "repeatBackButton")
    kiosk.qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=WAIT_MS)
    assert core.journal.count_orders() == 1 and kiosk.window.current is None  # nothing charged
    assert kiosk.child("cartView").rowCount() == 1

    # The customer really buys the same again: Charge again charges the code that was scanned.
    scan(kiosk, "barcodeInput", customer_code(kiosk, "success"))
    choose(kiosk, repeat_dialog(kiosk), "repeatChargeButton")
    kiosk.qtbot.waitUntil(lambda: kiosk.window.stack.currentWidget() is kiosk.child("paidPage"), timeout=WAIT_MS)
    again = kiosk.window.payment_view.session  # type: ignore[union-attr]
    assert again is not None and again.is_code_pay and again.is_paid and again.out_trade_no != paid


def test_a_payment_after_cancel_cancels_a_payment_code_being_charged_for_the_same_goods(kiosk: Kiosk) -> None:
    kiosk.add("SNK-003")
    first, code_url = cancelled_while_paying(kiosk)
    # The customer shows a payment code for the same goods and starts typing the password ...
    scan(kiosk, "barcodeInput", customer_code(kiosk, "password_then_success", password_seconds=600))
    kiosk.wait_state("USERPAYING")
    second = kiosk.window.current
    assert second is not None and second.is_code_pay
    pay(kiosk, code_url)  # ... and the payment for the first order, by QR, lands

    alert = kiosk.child("alertBanner")
    kiosk.qtbot.waitUntil(alert.isVisible, timeout=WAIT_MS)
    assert f"订单 {second.out_trade_no[-5:]} 已取消" in kiosk.label("alertText").text()
    core = kiosk.window.core
    assert core is not None
    kiosk.qtbot.waitUntil(lambda: core.session(second.out_trade_no).state is State.CANCELLED, timeout=WAIT_MS)
    assert "cancel" in [event.kind for event in core.order_events(second.out_trade_no)]  # the relay reverses it
    assert kiosk.window.stack.currentWidget() is kiosk.child("paidPage")
    assert kiosk.label("paidOrderLabel").text() == f"订单 {first[-5:]}"
    assert kiosk.child("cartView").rowCount() == 0
