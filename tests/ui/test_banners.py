"""Faults nobody can miss, through the real window and core: the printer stopped (the virtual printer's
faults) with Retry and "skip this receipt", and the payment server out of reach (a real relay stopped and
started again) with since when, Charge still taken, no countdown until a QR exists (a payment code waits for the
server the same way, with no QR to wait for)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from kiosk.checkout.relay_client import Backoff
from kiosk.clock import CHINA_TZ
from kiosk.printing import VirtualPrinter
from tests.ui.conftest import WAIT_MS, Kiosk, World, world_config
from tests.ui.test_codepay import scan


def tap(kiosk: Kiosk, name: str) -> None:
    kiosk.qtbot.mouseClick(kiosk.button(name), Qt.MouseButton.LeftButton)


def printer_of(kiosk: Kiosk) -> VirtualPrinter:
    core = kiosk.window.core
    assert core is not None and isinstance(core.print_queue.printer, VirtualPrinter)
    return core.print_queue.printer


def paid_with(kiosk: Kiosk, fault: str, sku: str = "DRK-001") -> str:
    """A sale paid while the printer has ``fault``: its receipt is held up."""
    printer_of(kiosk).fault = fault
    kiosk.add(sku)
    out_trade_no = kiosk.charge()
    tap(kiosk, "simulatePaymentButton")
    kiosk.wait_state("SUCCESS")
    assert kiosk.window.stack.currentWidget() is kiosk.child("paidPage")
    kiosk.window.paid_view.return_timer.stop()  # type: ignore[union-attr]  # the test looks at it a while
    return out_trade_no


@pytest.mark.parametrize(
    "fault, title, action",
    [
        ("paper_out", "缺纸", "装入新纸卷"),
        ("cover_open", "纸仓盖打开", "合上打印机纸仓盖"),
        ("offline", "打印机未连接", "检查打印机电源"),
        ("printer_error", "打印机故障", "清除卡纸"),
    ],
)
def test_a_printer_fault_shows_in_the_clerks_words_and_retry_prints(
    kiosk: Kiosk, fault: str, title: str, action: str
) -> None:
    out_trade_no = paid_with(kiosk, fault)
    banner = kiosk.child("printerBanner")
    kiosk.qtbot.waitUntil(banner.isVisible, timeout=WAIT_MS)
    assert kiosk.label("printerFaultTitle").text() == f"{title}——订单 {out_trade_no[-5:]} 的收据等待打印"
    assert action in kiosk.label("printerFaultAction").text()
    assert kiosk.button("printerRetryButton").text() == "重试"
    assert kiosk.button("printerSkipButton").text() == "跳过此单"
    assert kiosk.label("printerStatus").text() == f"打印机：{title}"
    # The paid screen says the receipt is waiting, and why (no "is printing").
    detail = kiosk.label("paidDetail")
    assert detail.text() == f"收据等待打印：{title}" and detail.property("receipt") == "waiting"
    assert kiosk.button("noReceiptButton").isVisible()
    assert kiosk.printed("*paid_receipt.bin") == []

    printer_of(kiosk).fault = None  # the clerk fixes it …
    tap(kiosk, "printerRetryButton")  # … and taps Retry
    kiosk.qtbot.waitUntil(lambda: kiosk.printed(f"*{out_trade_no}_paid_receipt.bin") != [], timeout=WAIT_MS)
    kiosk.qtbot.waitUntil(lambda: not banner.isVisible(), timeout=WAIT_MS)
    kiosk.qtbot.waitUntil(lambda: detail.text() == "收据已打印", timeout=WAIT_MS)
    assert kiosk.label("printerStatus").text() == "打印机：就绪"
    assert not kiosk.button("noReceiptButton").isVisible()
    assert kiosk.button("printReceiptButton").text() == "再打一张收据"


def test_skip_this_receipt_and_the_next_job_prints(kiosk: Kiosk) -> None:
    first = paid_with(kiosk, "cover_open")
    kiosk.qtbot.waitUntil(kiosk.child("printerBanner").isVisible, timeout=WAIT_MS)
    tap(kiosk, "newOrderButton")
    second = paid_with(kiosk, "cover_open", "SNK-003")  # queued behind the held one: it waits too
    assert kiosk.label("paidDetail").text() == "收据等待打印：纸仓盖打开"

    tap(kiosk, "printerSkipButton")  # the first customer has left: skip that receipt
    # Now the printer holds the second one: the banner names it, its Skip acts on it.
    title = kiosk.label("printerFaultTitle")
    kiosk.qtbot.waitUntil(lambda: f"订单 {second[-5:]} 的收据" in title.text(), timeout=WAIT_MS)
    printer_of(kiosk).fault = None
    tap(kiosk, "printerRetryButton")
    kiosk.qtbot.waitUntil(lambda: kiosk.printed(f"*{second}_paid_receipt.bin") != [], timeout=WAIT_MS)
    assert kiosk.printed(f"*{first}_paid_receipt.bin") == []
    core = kiosk.window.core
    assert core is not None
    assert "print_skipped" in [e.kind for e in core.order_events(first)]
    kiosk.qtbot.waitUntil(lambda: not kiosk.child("printerBanner").isVisible(), timeout=WAIT_MS)
    kiosk.qtbot.waitUntil(lambda: kiosk.label("paidDetail").text() == "收据已打印", timeout=WAIT_MS)


def test_no_receipt_on_the_paid_screen_skips_a_held_receipt(kiosk: Kiosk) -> None:
    out_trade_no = paid_with(kiosk, "paper_out")
    kiosk.qtbot.waitUntil(kiosk.button("noReceiptButton").isVisible, timeout=WAIT_MS)
    tap(kiosk, "noReceiptButton")
    kiosk.qtbot.waitUntil(lambda: kiosk.label("paidDetail").text() == "未打印收据", timeout=WAIT_MS)
    kiosk.qtbot.waitUntil(lambda: not kiosk.child("printerBanner").isVisible(), timeout=WAIT_MS)
    assert kiosk.button("printReceiptButton").text() == "打印收据"  # changed their mind: one tap
    printer_of(kiosk).fault = None
    core = kiosk.window.core
    assert core is not None
    assert "print_skipped" in [e.kind for e in core.order_events(out_trade_no)]


def test_training_practises_a_printer_without_paper(kiosk: Kiosk) -> None:
    practise = kiosk.button("simulatePrinterFaultButton")
    assert practise.isVisible() and practise.text() == "练习：缺纸"
    tap(kiosk, "simulatePrinterFaultButton")
    banner = kiosk.child("printerBanner")
    kiosk.qtbot.waitUntil(banner.isVisible, timeout=WAIT_MS)
    assert kiosk.label("printerFaultTitle").text() == "打印机：缺纸"  # no job held yet: nothing to skip
    assert not kiosk.button("printerSkipButton").isVisible()
    assert printer_of(kiosk).fault == "paper_out"
    tap(kiosk, "simulatePrinterFaultButton")  # paper back
    kiosk.qtbot.waitUntil(lambda: not banner.isVisible(), timeout=WAIT_MS)
    assert printer_of(kiosk).fault is None


def test_the_payment_server_out_of_reach_and_back(
    make_kiosk: Callable[..., Kiosk], live_world: World, tmp_path: Path
) -> None:
    config = world_config(tmp_path / "kiosk.toml", live_world, tmp_path / "data")
    kiosk = make_kiosk(config, heartbeat_seconds=0.3, backoff=Backoff(base=0.05, cap=0.3))
    status = kiosk.label("relayStatus")
    kiosk.qtbot.waitUntil(lambda: status.property("online") == "true", timeout=WAIT_MS)
    banner = kiosk.child("relayBanner")
    assert not banner.isVisible()
    url = live_world.stop_relay()
    try:
        kiosk.qtbot.waitUntil(banner.isVisible, timeout=WAIT_MS)
        now = datetime.now(CHINA_TZ)
        title = kiosk.label("relayBannerTitle").text()
        assert title.startswith("连不上收款服务器（") and title.endswith(" 起）")
        since = datetime.strptime(title.split("（")[1].split(" ")[0], "%H:%M").time()
        assert abs((now.hour * 60 + now.minute) - (since.hour * 60 + since.minute)) <= 1  # Beijing time
        assert "网线" in kiosk.label("relayBannerAdvice").text()
        assert status.text() == "收款服务器：连不上" and status.property("online") == "false"

        # Charge is still taken (the order waits for the server), and the clerk is told so.
        kiosk.add("CAF-001")
        hint = kiosk.label("chargeHintLabel")
        assert hint.isVisible() and hint.property("level") == "warning"
        assert kiosk.button("chargeButton").isEnabled()
        tap(kiosk, "chargeButton")
        kiosk.wait_state("PENDING_CREATION")
        assert kiosk.child("qrView").text is None
        assert kiosk.label("countdownLabel").text() == ""  # no countdown: nobody can pay yet
        assert kiosk.label("paymentStatusLabel").text() == "连不上收款服务器，正在重试。可以取消。"
        kiosk.qtbot.wait(600)  # the countdown timer ticks a few times meanwhile
        assert kiosk.label("countdownLabel").text() == ""
    finally:
        live_world.start_relay_at(url)
    # The server answers: the banner goes, the QR and its countdown appear.
    kiosk.qtbot.waitUntil(lambda: not banner.isVisible(), timeout=WAIT_MS)
    kiosk.wait_state("NOTPAY")
    kiosk.qtbot.waitUntil(lambda: kiosk.child("qrView").text is not None, timeout=WAIT_MS)
    assert kiosk.label("countdownLabel").text().startswith("剩余")
    assert status.text() == "收款服务器：已连接"
    assert not kiosk.label("chargeHintLabel").isVisibleTo(kiosk.window)


def test_a_payment_code_while_the_payment_server_is_out_of_reach_waits_for_it(
    make_kiosk: Callable[..., Kiosk], live_world: World, tmp_path: Path
) -> None:
    config = world_config(tmp_path / "kiosk.toml", live_world, tmp_path / "data")
    kiosk = make_kiosk(config, heartbeat_seconds=0.3, backoff=Backoff(base=0.05, cap=0.3))
    kiosk.qtbot.waitUntil(lambda: kiosk.label("relayStatus").property("online") == "true", timeout=WAIT_MS)
    code = live_world.sandbox.payment_code("success")
    url = live_world.stop_relay()
    try:
        kiosk.qtbot.waitUntil(kiosk.child("relayBanner").isVisible, timeout=WAIT_MS)
        kiosk.add("DRK-001")
        scan(kiosk, "barcodeInput", code)  # taken, as Charge is: the order is journaled and waits
        kiosk.wait_state("PENDING_CREATION")
        # Nothing to scan and nothing to count down: the code goes to WeChat Pay once the server answers.
        assert kiosk.child("qrView").text is None
        assert kiosk.label("codePayStateLabel").text() == "正在等待收款服务器…"
        assert kiosk.label("codePayDetailLabel").text() == "收款服务器一恢复就扣款，可以取消。"
        kiosk.qtbot.wait(600)  # the countdown timer ticks a few times meanwhile
        assert kiosk.label("countdownLabel").text() == ""
        assert not kiosk.label("paymentHintLabel").isVisibleTo(kiosk.window.payment_view)
    finally:
        live_world.start_relay_at(url)
    kiosk.qtbot.waitUntil(lambda: kiosk.window.stack.currentWidget() is kiosk.child("paidPage"), timeout=WAIT_MS)
    session = kiosk.window.payment_view.session  # type: ignore[union-attr]
    assert session is not None and session.is_code_pay and session.is_paid
