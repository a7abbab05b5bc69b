"""After the sale: the receipt's choices on the paid screen (``[printer] receipt`` = always, ask, never) and the
last receipt one tap from the sale screen, after a QR or a payment code alike; through the real window, core, relay,
sandbox and virtual printer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt

from kiosk.printing.documents import REPRINT_MARK
from tests.printing.escpos_decoder import decode
from tests.ui.conftest import WAIT_MS, Kiosk, World, world_config
from tests.ui.test_codepay import scan


def tap(kiosk: Kiosk, name: str) -> None:
    kiosk.qtbot.mouseClick(kiosk.button(name), Qt.MouseButton.LeftButton)


def receipts(directory: Path, out_trade_no: str = "") -> list[list[str]]:
    """The texts of the receipts the virtual printer printed (of one order), oldest first."""
    return [decode(path.read_bytes()).texts for path in sorted(directory.glob(f"*{out_trade_no}_paid_receipt.bin"))]


def paid_in_shop(kiosk: Kiosk, world: World, sku: str) -> str:
    kiosk.add(sku)
    out_trade_no = kiosk.charge()
    code_url = kiosk.child("qrView").text
    world.sandbox.pay(code_url)  # the customer scans the screen
    kiosk.wait_state("SUCCESS")
    assert kiosk.window.stack.currentWidget() is kiosk.child("paidPage")
    return out_trade_no


def asked(kiosk: Kiosk, printer: Path, out_trade_no: str) -> None:
    """The paid screen asks, nothing is printed before the answer, and the screen waits for it."""
    paid_view = kiosk.window.paid_view
    assert paid_view is not None and kiosk.window.stack.currentWidget() is paid_view
    assert kiosk.label("paidDetail").text() == "顾客要收据吗？"
    assert kiosk.button("printReceiptButton").text() == "打印收据"
    assert kiosk.button("noReceiptButton").isVisible() and not kiosk.button("newOrderButton").isVisible()
    assert not paid_view.return_timer.isActive()
    kiosk.qtbot.mouseClick(paid_view, Qt.MouseButton.LeftButton)  # a stray tap does not answer it
    assert kiosk.window.stack.currentWidget() is paid_view
    assert receipts(printer, out_trade_no) == []


def print_asked_for(kiosk: Kiosk, printer: Path, out_trade_no: str) -> list[str]:
    """Print receipt: the original, and the screen says it is out. Returns its text."""
    tap(kiosk, "printReceiptButton")
    kiosk.qtbot.waitUntil(lambda: len(receipts(printer, out_trade_no)) == 1, timeout=WAIT_MS)
    kiosk.qtbot.waitUntil(lambda: kiosk.label("paidDetail").text() == "收据已打印", timeout=WAIT_MS)
    [original] = receipts(printer, out_trade_no)
    assert REPRINT_MARK not in original  # the first one is the original
    assert kiosk.button("printReceiptButton").text() == "再打一张收据"
    return original


def test_asked_the_clerk_prints_a_receipt_or_none(
    make_kiosk: Callable[..., Kiosk], live_world: World, tmp_path: Path
) -> None:
    config = world_config(tmp_path / "kiosk.toml", live_world, tmp_path / "data", receipt="ask")
    kiosk = make_kiosk(config)
    printer = tmp_path / "data" / "virtual-printer"

    first = paid_in_shop(kiosk, live_world, "DRK-001")
    asked(kiosk, printer, first)
    print_asked_for(kiosk, printer, first)
    tap(kiosk, "newOrderButton")

    # The next customer wants none: one tap, and the next order starts.
    second = paid_in_shop(kiosk, live_world, "SNK-003")
    tap(kiosk, "noReceiptButton")
    assert kiosk.window.stack.currentWidget() is kiosk.child("salePage")
    kiosk.qtbot.wait(300)
    assert receipts(printer, second) == []

    # ... and comes back for it after all: the last receipt is one tap from the sale screen.
    last = kiosk.button("lastReceiptButton")
    assert last.isVisible() and last.text() == f"上一单收据 {second[-5:]}"
    tap(kiosk, "lastReceiptButton")
    kiosk.qtbot.waitUntil(lambda: len(receipts(printer, second)) == 1, timeout=WAIT_MS)

    # A customer paying by payment code is asked the same (the code charges at once, with no tap).
    kiosk.add("CAF-002")
    scan(kiosk, "barcodeInput", live_world.sandbox.payment_code("success"))
    kiosk.qtbot.waitUntil(lambda: kiosk.window.stack.currentWidget() is kiosk.child("paidPage"), timeout=WAIT_MS)
    third = kiosk.window.payment_view.session  # type: ignore[union-attr]
    assert third is not None and third.is_code_pay
    asked(kiosk, printer, third.out_trade_no)
    receipt = print_asked_for(kiosk, printer, third.out_trade_no)
    assert any("微信付款码" in line for line in receipt)  # says how the customer paid
    tap(kiosk, "newOrderButton")
    assert kiosk.button("lastReceiptButton").text() == f"上一单收据 {third.out_trade_no[-5:]}"


def test_never_the_paid_screen_offers_a_receipt_and_moves_on(
    make_kiosk: Callable[..., Kiosk], live_world: World, tmp_path: Path
) -> None:
    config = world_config(tmp_path / "kiosk.toml", live_world, tmp_path / "data", receipt="never")
    kiosk = make_kiosk(config)
    paid_view = kiosk.window.paid_view
    assert paid_view is not None
    out_trade_no = paid_in_shop(kiosk, live_world, "CAF-002")
    assert kiosk.label("paidDetail").text() == ""
    assert kiosk.button("printReceiptButton").isVisible() and kiosk.button("newOrderButton").isVisible()
    assert not kiosk.button("noReceiptButton").isVisible()
    assert paid_view.return_timer.isActive()  # back to a new order by itself, as after any sale
    tap(kiosk, "printReceiptButton")
    printer = tmp_path / "data" / "virtual-printer"
    kiosk.qtbot.waitUntil(lambda: len(receipts(printer, out_trade_no)) == 1, timeout=WAIT_MS)


def test_the_last_receipt_is_one_tap_from_the_sale_screen(kiosk: Kiosk) -> None:
    assert not kiosk.button("lastReceiptButton").isVisible()  # no sale yet
    kiosk.add("BAK-002")
    out_trade_no = kiosk.charge()
    tap(kiosk, "simulatePaymentButton")
    kiosk.wait_state("SUCCESS")
    kiosk.qtbot.waitUntil(lambda: kiosk.label("paidDetail").text() == "收据已打印", timeout=WAIT_MS)
    tap(kiosk, "newOrderButton")
    last = kiosk.button("lastReceiptButton")
    assert last.isVisible() and last.text() == f"上一单收据 {out_trade_no[-5:]}"
    tap(kiosk, "lastReceiptButton")
    kiosk.qtbot.waitUntil(lambda: len(receipts(kiosk.printer_dir, out_trade_no)) == 2, timeout=WAIT_MS)
    copy = receipts(kiosk.printer_dir, out_trade_no)[1]
    assert REPRINT_MARK in copy  # marked: not a second original
    assert "订单" in kiosk.label("noticeText").text() and out_trade_no[-5:] in kiosk.label("noticeText").text()
