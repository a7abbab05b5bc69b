"""Payment code (付款码) on the cashier screen, against the real training world: a code scanned into the barcode
field charges the cart at once, the panel where a QR would be says what is happening (charging, the customer's
password with the time it is waited for, paid, a failure with what next), no second code is offered while one is
in flight, Cancel reverses, other wallets are refused, the customer display tells the customer what to do (and,
after a failure, why and what next, until the clerk moves on; never after the clerk's cancel), and training mode's
customer shows a code from the sandbox."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from kiosk.checkout import State
from kiosk.trade import CODEPAY_DEADLINE, CodePayFailure, TradeType
from kiosk.ui.customer_display import CustomerDisplay
from tests.ui.conftest import WAIT_MS, Kiosk, MovableClock
from tests.ui.layout import session as made_session


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


def panel(kiosk: Kiosk) -> tuple[str, str]:
    """What the payment-code panel says is happening, and the line under it."""
    detail = kiosk.label("codePayDetailLabel")
    return kiosk.label("codePayStateLabel").text(), detail.text() if detail.isVisibleTo(kiosk.window) else ""


def panel_shown(kiosk: Kiosk) -> bool:
    """The panel stands where the QR would be, and the right column's QR status is not shown beside it."""
    view = kiosk.window.payment_view
    assert view is not None
    return view.left.currentWidget() is kiosk.child("codePayPanel") and not view.status_label.isVisibleTo(view)


def code_field_offered(kiosk: Kiosk) -> bool:
    view = kiosk.window.payment_view
    assert view is not None
    return bool(kiosk.child("paymentCodeInput").isVisibleTo(view))


def password_wait(kiosk: Kiosk) -> float:
    """The seconds the panel says the customer's password is still waited for."""
    text = kiosk.label("codePayWaitLabel").text()
    found = re.fullmatch(r"最多再等 (\d+):(\d\d)，之后自动撤销", text)
    assert found is not None, text
    return int(found[1]) * 60 + int(found[2])


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
    assert (table.item(0, 4).text(), table.item(0, 5).text()) == ("付款码", "已付款")


def test_cancel_while_the_customer_types_the_password_goes_back_to_the_cart(kiosk: Kiosk) -> None:
    kiosk.add("BAK-002")
    code = customer_code(kiosk, "password_then_success", password_seconds=600)
    scan(kiosk, "barcodeInput", code)
    assert kiosk.wait_state("USERPAYING") == "USERPAYING"
    assert panel_shown(kiosk) and panel(kiosk) == ("顾客正在输入支付密码", "")
    assert kiosk.label("codePayMethodLabel").text() == f"微信付款码 尾号 {code[-4:]}"
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
    assert panel_shown(kiosk) and panel(kiosk) == ("顾客的银行卡余额不足", "请顾客换一张卡")
    assert not kiosk.label("codePayWaitLabel").isVisibleTo(kiosk.window)
    kiosk.qtbot.mouseClick(kiosk.button("languageButton"), Qt.MouseButton.LeftButton)
    assert panel(kiosk) == ("Not enough money on the customer's card", "Ask the customer to switch to another card")
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


def test_the_panel_says_charging_then_paid(kiosk: Kiosk) -> None:
    """WeChat Pay slow to answer the charge: 正在收款… on the panel, no second code offered; then 已付款."""
    kiosk.add("DRK-001")
    charge = {"path_prefix": "/v3/pay/transactions/codepay", "kind": "latency", "latency_ms": 1500}
    kiosk.sandbox_control("faults", **charge)
    code = customer_code(kiosk, "success")
    scan(kiosk, "barcodeInput", code)
    kiosk.qtbot.waitUntil(lambda: kiosk.window.stack.currentWidget() is kiosk.child("paymentPage"), timeout=WAIT_MS)
    assert kiosk.payment_state() == "CREATING"
    assert panel_shown(kiosk) and panel(kiosk) == ("正在收款…", "")
    assert kiosk.label("codePayMethodLabel").text() == f"微信付款码 尾号 {code[-4:]}"
    assert not code_field_offered(kiosk)
    on_page(kiosk, "paidPage")
    assert panel(kiosk) == ("✓ 已付款", "")  # the payment page's last word, behind the paid screen
    kiosk.qtbot.mouseClick(kiosk.button("languageButton"), Qt.MouseButton.LeftButton)
    assert panel(kiosk) == ("✓ Paid", "")


def test_the_password_is_waited_for_as_long_as_the_relay_waits(make_kiosk: Callable[..., Kiosk]) -> None:
    """USERPAYING: how long the customer's password is still waited for (the relay's deadline after the charge),
    counting down on the kiosk's clock; once it is up, the answer is awaited."""
    clock = MovableClock()
    kiosk = make_kiosk(clock=clock)
    kiosk.add("BAK-002")
    scan(kiosk, "barcodeInput", customer_code(kiosk, "password_then_success", password_seconds=600))
    kiosk.wait_state("USERPAYING")
    session = kiosk.window.current
    assert session is not None
    elapsed = (clock.now() - session.charged_at).total_seconds()
    deadline = CODEPAY_DEADLINE.total_seconds()
    assert deadline - elapsed - 1 <= password_wait(kiosk) <= deadline
    clock.advance(deadline - 8)
    kiosk.qtbot.waitUntil(lambda: password_wait(kiosk) <= 8, timeout=WAIT_MS)
    assert panel(kiosk) == ("顾客正在输入支付密码", "")
    clock.advance(9)
    wait = kiosk.label("codePayWaitLabel")
    kiosk.qtbot.waitUntil(lambda: wait.text() == "正在等待微信支付的结果…", timeout=WAIT_MS)
    kiosk.qtbot.mouseClick(kiosk.button("languageButton"), Qt.MouseButton.LeftButton)
    assert wait.text() == "Waiting for WeChat Pay's answer…"
    kiosk.qtbot.mouseClick(kiosk.button("cancelPaymentButton"), Qt.MouseButton.LeftButton)
    on_page(kiosk, "salePage")


def test_no_second_code_is_offered_while_one_is_in_flight_and_a_new_one_is_after_a_failure(kiosk: Kiosk) -> None:
    kiosk.add("SNK-003")
    native = kiosk.charge()
    assert code_field_offered(kiosk)  # a QR order may give way to a code
    scan(kiosk, "paymentCodeInput", customer_code(kiosk, "password_then_failure", password_seconds=600))
    kiosk.wait_state("USERPAYING")
    assert not code_field_offered(kiosk)
    view = kiosk.window.payment_view
    assert view is not None and view.hasFocus()  # the scanner's keys land on the page
    # A second code scanned all the same is heard, and refused out loud (never shown on screen).
    second = customer_code(kiosk, "success")
    kiosk.qtbot.keyClicks(view, second)
    kiosk.qtbot.keyClick(view, Qt.Key.Key_Return)
    kiosk.qtbot.waitUntil(lambda: kiosk.label("noticeText").text() != "", timeout=WAIT_MS)
    assert kiosk.label("noticeText").text() == "已有一笔付款正在进行：请等待，或先取消"
    assert view.hasFocus()  # and the page keeps listening
    core = kiosk.window.core
    assert core is not None and core.journal.count_orders() == 2  # the QR order and the first code's, no third
    # The customer's password fails (the sandbox's customer gets there at once): a new code is offered again,
    # focused for the scanner, and charges.
    kiosk.sandbox_control("clock", advance_seconds=601)
    kiosk.wait_state("FAILED")
    assert code_field_offered(kiosk) and kiosk.child("paymentCodeInput").hasFocus()
    failed = kiosk.window.current
    assert failed is not None and failed.out_trade_no != native
    scan(kiosk, "paymentCodeInput", customer_code(kiosk, "success"))
    on_page(kiosk, "paidPage")
    paid = kiosk.window.payment_view.session  # type: ignore[union-attr]
    assert paid is not None and paid.is_code_pay and paid.out_trade_no not in (native, failed.out_trade_no)


def test_the_customer_display_tells_the_customer_what_to_do(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = make_kiosk(customer_display=True)
    display = kiosk.window.customer_display
    assert display is not None
    display.resize(1024, 600)
    display.show()
    kiosk.add("CAF-002")
    scan(kiosk, "barcodeInput", customer_code(kiosk, "password_then_success", password_seconds=600))
    kiosk.wait_state("USERPAYING")
    kiosk.qtbot.waitUntil(lambda: display.code_prompt.text() == "请在手机上输入支付密码", timeout=WAIT_MS)
    assert display.mode == "code" and display.code_amount.text() == "￥18.00"
    assert display.code_prompt.isVisible() and display.code_amount.isVisible()
    assert not display.qr.isVisible()  # no QR, nor a box where one would be
    kiosk.qtbot.mouseClick(kiosk.button("languageButton"), Qt.MouseButton.LeftButton)
    assert display.code_prompt.text() == "Please enter your payment password on your phone"
    kiosk.qtbot.mouseClick(kiosk.button("cancelPaymentButton"), Qt.MouseButton.LeftButton)
    on_page(kiosk, "salePage")
    assert display.mode == "cart"  # cancelled: the customer sees the cart again


# ---- the customer display after a failure ------------------------------------------------------------------

TITLE = {"zh_CN": "支付未成功", "en": "The payment did not go through"}
SWITCH_CARD = {
    "zh_CN": "请换一张卡，重新出示付款码",
    "en": "Please switch to another card and show your payment code again",
}
NEW_CODE = {"zh_CN": "请重新出示付款码", "en": "Please show your payment code again"}
SCAN_QR = {"zh_CN": "请改用扫码支付", "en": "Please pay by scanning the QR code instead"}
#: What the customer reads for each failure: why, in both languages, and the next step.
CUSTOMER_WORDS: dict[str | None, tuple[dict[str, str], dict[str, str]]] = {
    CodePayFailure.INSUFFICIENT_FUNDS: ({"zh_CN": "余额不足", "en": "Not enough money on your card"}, SWITCH_CARD),
    CodePayFailure.PAYMENT_FAILED: (
        {"zh_CN": "银行未批准这笔付款", "en": "Your bank declined the payment"},
        SWITCH_CARD,
    ),
    CodePayFailure.CODE_REJECTED: (
        {"zh_CN": "付款码无效、已过期或已使用", "en": "Your payment code is invalid, expired or already used"},
        NEW_CODE,
    ),
    CodePayFailure.NOT_CONFIRMED: (
        {"zh_CN": "未在规定时间内确认付款", "en": "The payment was not confirmed in time"},
        NEW_CODE,
    ),
    CodePayFailure.UNAVAILABLE: (
        {"zh_CN": "本店暂时无法使用付款码收款", "en": "This shop cannot take payment codes right now"},
        SCAN_QR,
    ),
    CodePayFailure.NOT_SENT: ({"zh_CN": "未扣款", "en": "Nothing was charged"}, NEW_CODE),
    None: ({"zh_CN": "", "en": ""}, NEW_CODE),  # no reason known: the headline and the next step
}


def with_display(make_kiosk: Callable[..., Kiosk]) -> tuple[Kiosk, CustomerDisplay]:
    kiosk = make_kiosk(customer_display=True)
    display = kiosk.window.customer_display
    assert display is not None
    display.resize(1024, 600)
    display.show()
    return kiosk, display


def customer_reads(display: CustomerDisplay) -> tuple[str, str, str, str]:
    """The failure page as the customer reads it: headline, amount, why ("" if not shown), next step."""
    assert display.mode == "failed"
    assert display.stack.currentWidget().isVisible()
    reason = display.failed_reason.text() if display.failed_reason.isVisible() else ""
    return display.failed_title.text(), display.failed_amount.text(), reason, display.next_step.text()


def expected(failure: str | None, language: str, amount: str) -> tuple[str, str, str, str]:
    why, step = CUSTOMER_WORDS[failure]
    return TITLE[language], amount, why[language], step[language]


def switch_language(kiosk: Kiosk) -> None:
    kiosk.qtbot.mouseClick(kiosk.button("languageButton"), Qt.MouseButton.LeftButton)


@pytest.mark.parametrize(
    ("scenario", "failure"),
    [
        ("insufficient_funds", CodePayFailure.INSUFFICIENT_FUNDS),
        ("invalid_code", CodePayFailure.CODE_REJECTED),
        ("password_then_failure", CodePayFailure.PAYMENT_FAILED),
    ],
)
def test_the_customer_display_says_the_payment_did_not_go_through_and_what_to_do(
    make_kiosk: Callable[..., Kiosk], scenario: str, failure: CodePayFailure
) -> None:
    """The sandbox's customers whose code takes nothing, through the relay: the customer, who has to act, reads
    why and what next with the amount, in both languages, while the clerk's panel says the same to the clerk."""
    kiosk, display = with_display(make_kiosk)
    kiosk.add("CAF-002")
    scan(kiosk, "barcodeInput", customer_code(kiosk, scenario, password_seconds=600))
    if scenario == "password_then_failure":
        kiosk.wait_state("USERPAYING")
        assert display.mode == "code"
        kiosk.sandbox_control("clock", advance_seconds=601)  # the customer's password is declined
    kiosk.wait_state("FAILED")
    kiosk.qtbot.waitUntil(lambda: display.mode == "failed", timeout=WAIT_MS)
    session = kiosk.window.current
    assert session is not None and session.failure == failure
    assert customer_reads(display) == expected(failure, "zh_CN", "￥18.00")
    assert not display.qr.isVisible()
    switch_language(kiosk)
    assert customer_reads(display) == expected(failure, "en", "￥18.00")


def test_every_failure_has_the_customers_words(make_kiosk: Callable[..., Kiosk]) -> None:
    """Each reason a payment code takes nothing (those the sandbox cannot make at once too), in both languages;
    the clerk's cancel is none of them: the customer sees the cart."""
    kiosk, display = with_display(make_kiosk)
    kiosk.add("CAF-002")
    for language in ("zh_CN", "en"):
        for failure in CUSTOMER_WORDS:
            failed = made_session(
                State.FAILED, method=TradeType.MICROPAY, code_url=None, failure=failure, amount_fen=1800
            )
            display.show_session(failed)
            assert customer_reads(display) == expected(failure, language, "￥18.00"), failure
        cancelled = made_session(State.FAILED, method=TradeType.MICROPAY, code_url=None, failure="cancelled")
        display.show_session(cancelled)
        assert display.mode == "cart"
        switch_language(kiosk)


def test_a_new_code_after_a_failure_replaces_it_on_the_customer_display(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk, display = with_display(make_kiosk)
    kiosk.add("CAF-002")
    scan(kiosk, "barcodeInput", customer_code(kiosk, "insufficient_funds"))
    kiosk.qtbot.waitUntil(lambda: display.mode == "failed", timeout=WAIT_MS)
    # Another card: a new code, scanned where the clerk's screen offers it.
    scan(kiosk, "paymentCodeInput", customer_code(kiosk, "password_then_success", password_seconds=600))
    kiosk.wait_state("USERPAYING")
    kiosk.qtbot.waitUntil(lambda: display.code_prompt.text() == "请在手机上输入支付密码", timeout=WAIT_MS)
    assert display.mode == "code" and not display.failed_title.isVisible()
    kiosk.sandbox_control("clock", advance_seconds=601)  # the password, then paid
    kiosk.qtbot.waitUntil(lambda: display.mode == "thanks", timeout=WAIT_MS)
    assert display.paid_amount.text() == "￥18.00"


def test_the_customer_display_follows_the_clerk_away_from_a_failure(make_kiosk: Callable[..., Kiosk]) -> None:
    """Pay by QR instead: the QR; back to the order: the cart; the cart changed behind the failure: the cart."""
    kiosk, display = with_display(make_kiosk)
    kiosk.add("CAF-002")
    scan(kiosk, "barcodeInput", customer_code(kiosk, "invalid_code"))
    kiosk.qtbot.waitUntil(lambda: display.mode == "failed", timeout=WAIT_MS)
    kiosk.qtbot.mouseClick(kiosk.button("useQrButton"), Qt.MouseButton.LeftButton)  # 改用扫码支付
    kiosk.wait_state("NOTPAY")
    kiosk.qtbot.waitUntil(lambda: display.mode == "payment" and display.qr.text is not None, timeout=WAIT_MS)
    kiosk.qtbot.mouseClick(kiosk.button("cancelPaymentButton"), Qt.MouseButton.LeftButton)
    on_page(kiosk, "salePage")
    assert display.mode == "cart"
    # Back to the order after a failure.
    scan(kiosk, "barcodeInput", customer_code(kiosk, "expired_code"))
    kiosk.qtbot.waitUntil(lambda: display.mode == "failed", timeout=WAIT_MS)
    assert customer_reads(display)[2:] == ("付款码无效、已过期或已使用", "请重新出示付款码")
    kiosk.qtbot.mouseClick(kiosk.button("backToCartButton"), Qt.MouseButton.LeftButton)
    on_page(kiosk, "salePage")
    assert display.mode == "cart" and display.total.text() == "合计 ￥18.00"
    # The cart changes while the failure is shown (the same cart again, e.g. a Charge being submitted, does not).
    scan(kiosk, "barcodeInput", customer_code(kiosk, "insufficient_funds"))
    kiosk.qtbot.waitUntil(lambda: display.mode == "failed", timeout=WAIT_MS)
    sale = kiosk.window.sale_view
    assert sale is not None
    sale.set_busy(False)
    assert display.mode == "failed"
    core = kiosk.window.core
    assert core is not None
    sale.add_item(core.catalogue.items[0])
    assert display.mode == "cart" and display.lines.rowCount() == 2


def test_a_cancelled_payment_code_is_no_failure_for_the_customer(make_kiosk: Callable[..., Kiosk]) -> None:
    """The clerk cancels while the customer types the password: the cart, also once the reverse is under way."""
    kiosk, display = with_display(make_kiosk)
    kiosk.add("CAF-002")
    scan(kiosk, "barcodeInput", customer_code(kiosk, "password_then_success", password_seconds=600))
    kiosk.wait_state("USERPAYING")
    session = kiosk.window.current
    assert session is not None
    kiosk.qtbot.mouseClick(kiosk.button("cancelPaymentButton"), Qt.MouseButton.LeftButton)
    on_page(kiosk, "salePage")
    assert display.mode == "cart"
    core = kiosk.window.core
    assert core is not None
    kiosk.qtbot.waitUntil(
        lambda: (
            any(c.kind == "close" and c.attempts for c in core.journal.commands(session.out_trade_no))
            or core.session(session.out_trade_no).settled
        ),
        timeout=WAIT_MS,
    )
    assert display.mode == "cart"
    cancelled = core.session(session.out_trade_no)
    assert cancelled.state is State.CANCELLED
    display.show_session(cancelled)  # even shown the cancelled order itself, the customer sees the cart
    assert display.mode == "cart"
