"""The manager screen (pytest-qt, offscreen) over a real training kiosk: the PIN on the keypad with its
lock-out, the tabs, bill and reconciliation, the refund on the keypad with a reason, Z-report, CSV export to a
drive, the sound settings, plain words and a live language switch. Payment codes the server cannot settle and
one given back by the reverse, over a live kiosk on a real relay and sandbox whose clock the test moves."""

from __future__ import annotations

import csv
import hashlib
import io
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication (also set by conftest.py)

import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QWidget,
)

from kiosk.checkout import KioskCore, PaymentSession, State
from kiosk.checkout.events import SoundCue
from kiosk.clock import CHINA_TZ
from kiosk.manager import media
from kiosk.manager.media import Place, PlaceKind
from kiosk.manager.pin import SETTING_KEY
from kiosk.manager.reconcile import ReconCategory
from kiosk.manager.refunds import refund_slip_key
from kiosk.manager.training import advance_to_next_release
from kiosk.manager.zreport import job_key
from kiosk.ui.manager_dialogs import ExportDialog, RefundDialog, ZReportDialog
from kiosk.ui.manager_view import ManagerView, open_manager
from kiosk.ui.manager_words import category_name
from kiosk.ui.pin import PinDialog
from tests.manager.factories import relay_bill
from tests.support.world import FAST_BACKOFF, World, start_world, stop_world
from tests.ui.conftest import WAIT_MS, Kiosk, MovableClock, write_config

#: WeChat Pay's codes and the kiosk's internal words: none may reach the manager's eyes.
RAW = re.compile(
    r"\b(SUCCESS|NOTPAY|USERPAYING|PAYERROR|REFUND|REVOKED|CLOSED|PROCESSING|ABNORMAL|REQUESTED|PENDING|"
    r"paid_after_cancel|awaiting_payment|\w+Error|\w+Exception|[Jj]ournal|[Rr]elay|[Ss]andbox)\b|日记账|中继"
)


def core_of(kiosk: Kiosk) -> KioskCore:
    core = kiosk.window.core
    assert core is not None
    return core


def sell_and_pay(core: KioskCore, code: str = "6921168509256") -> PaymentSession:
    cart = core.new_cart()
    cart.add_code(code)
    session = core.charge(cart)
    core.wait_for(session.out_trade_no, lambda s: s.state is State.AWAITING_PAYMENT, 15)
    core.simulate_payment(session.out_trade_no)
    return core.wait_for(session.out_trade_no, lambda s: s.is_paid, 15)


def tap(kiosk: Kiosk, parent: QWidget, name: str) -> None:
    button = parent.findChild(QAbstractButton, name)
    assert button is not None, name
    assert button.isVisible() and button.isEnabled(), name
    kiosk.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def tap_pin(kiosk: Kiosk, dialog: PinDialog, pin: str) -> None:
    kiosk.qtbot.waitUntil(dialog.pin_input.isEnabled, timeout=WAIT_MS)
    for digit in pin:
        tap(kiosk, dialog, f"pinKey{digit}")
    tap(kiosk, dialog, "pinOkButton")


def tap_tab(kiosk: Kiosk, view: ManagerView, tab: QWidget) -> None:
    bar = view.tabs.tabBar()
    kiosk.qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(view.tabs.indexOf(tab)).center())
    assert view.tabs.currentWidget() is tab


def tap_row(kiosk: Kiosk, table: QTableView, row: int) -> None:
    rect = table.visualRect(table.model().index(row, 0))
    kiosk.qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def the_view(kiosk: Kiosk) -> ManagerView:
    kiosk.qtbot.waitUntil(lambda: kiosk.window.findChild(ManagerView) is not None, timeout=WAIT_MS)
    view = kiosk.window.findChild(ManagerView)
    assert isinstance(view, ManagerView) and view.objectName() == "managerView" and view.isVisible()
    kiosk.qtbot.waitUntil(lambda: view.summary is not None, timeout=WAIT_MS)
    return view


def open_view(kiosk: Kiosk, **options: Any) -> ManagerView:
    dialog = open_manager(kiosk.window, core_of(kiosk), **options)
    tap_pin(kiosk, dialog, "0000")  # training mode's documented PIN
    return the_view(kiosk)


def child(parent: QWidget, kind: type[Any], name: str) -> Any:
    widget = parent.findChild(kind, name)
    assert widget is not None, name
    return widget


def idle(kiosk: Kiosk, view: ManagerView) -> None:
    kiosk.qtbot.waitUntil(lambda: view.ops.in_flight == 0, timeout=WAIT_MS)


def visible_texts(top: QWidget) -> list[str]:
    """Every text a person sees on ``top``: labels, buttons, tabs, table headers and cells."""
    texts: list[str] = []
    for widget in [top, *top.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count())]
        elif isinstance(widget, QTableView):
            model = widget.model()
            for column in range(model.columnCount()):
                texts.append(str(model.headerData(column, Qt.Orientation.Horizontal) or ""))
                texts += [str(model.index(row, column).data() or "") for row in range(model.rowCount())]
    return [text for text in texts if text]


def test_wrong_pins_lock_the_manager_screen(make_kiosk: Callable[..., Kiosk]) -> None:
    clock = MovableClock()
    kiosk = make_kiosk(clock=clock)
    tap(kiosk, kiosk.window, "managerButton")
    kiosk.qtbot.waitUntil(lambda: kiosk.window.findChild(PinDialog, "pinDialog") is not None)
    dialog = kiosk.window.findChild(PinDialog, "pinDialog")
    assert dialog is not None and dialog.isVisible()
    for tries_left in (4, 3, 2, 1):
        tap_pin(kiosk, dialog, "1111")
        kiosk.qtbot.waitUntil(lambda n=tries_left: dialog.last_result.tries_left == n, timeout=WAIT_MS)
        assert dialog.property("outcome") == "wrong"
    tap_pin(kiosk, dialog, "1111")
    kiosk.qtbot.waitUntil(lambda: dialog.property("outcome") == "locked", timeout=WAIT_MS)
    assert not dialog.pin_input.isEnabled() and not child(dialog, QPushButton, "pinOkButton").isEnabled()
    # Locked until when: in Beijing time, whatever the computer's zone.
    until = dialog.last_result.locked_until
    assert until is not None and until.astimezone(CHINA_TZ).strftime("%H:%M") in dialog.message.text()
    assert kiosk.window.findChild(ManagerView) is None
    tap(kiosk, dialog, "pinCancelButton")

    # The lock-out is kept in the journal: a new dialog is locked too, even for the right PIN.
    core = core_of(kiosk)
    assert '"failures": 5' in (core.journal.setting(SETTING_KEY) or "")
    again = open_manager(kiosk.window, core)
    assert again.property("outcome") == "locked" and not again.pin_input.isEnabled()
    again.reject()

    # Five minutes later (the kiosk's clock), the right PIN opens the screen.
    clock.advance(5 * 60)
    view = open_view(kiosk)
    assert view.tabs.count() == 5 and child(view, QLabel, "managerTitle").text()
    view.close()


def test_without_a_pin_the_dialog_says_what_to_do_in_plain_words(
    make_kiosk: Callable[..., Kiosk], tmp_path: Path
) -> None:
    config = write_config(tmp_path / "kiosk.toml", "http://127.0.0.1:9", tmp_path / "data")  # no [manager] pin
    kiosk = make_kiosk(config)
    tap(kiosk, kiosk.window, "managerButton")
    dialog = kiosk.window.findChild(PinDialog, "pinDialog")
    assert dialog is not None and dialog.property("outcome") == "not_configured"
    text = dialog.message.text()
    assert text and not re.search(r"python|kiosk\.toml|set-pin|pin_sha256", text), text
    assert not dialog.pin_input.isEnabled()
    dialog.reject()


def test_the_screen_covers_the_cashier_and_gives_it_back(kiosk: Kiosk) -> None:
    window = kiosk.window
    barcode = kiosk.child("barcodeInput")
    barcode.setFocus()
    view = open_view(kiosk)
    assert view.geometry() == window.rect()
    assert not window.centralWidget().isVisible()  # nothing scanned reaches the sale behind the screen
    window.resize(1024, 768)
    kiosk.qtbot.waitUntil(lambda: view.size() == window.size())
    tap(kiosk, view, "managerCloseButton")
    kiosk.qtbot.waitUntil(lambda: window.findChild(ManagerView) is None)
    # The scanner's field has the window's focus again (it gets the keys as soon as the window is active).
    kiosk.qtbot.waitUntil(lambda: window.centralWidget().isVisible() and window.focusWidget() is barcode)


def test_tabs_bill_reconciliation_export_and_a_live_language_switch(
    kiosk: Kiosk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = core_of(kiosk)
    sold = sell_and_pay(core)
    # A USB drive: a real folder the export dialog finds as a mounted drive (the mount itself is the OS's).
    stick = tmp_path / "media" / "clerk" / "KINGSTON"
    stick.mkdir(parents=True)
    monkeypatch.setattr(
        "kiosk.manager.service.export_places",
        lambda data_dir: media.export_places(data_dir, (tmp_path / "media",), is_mount=lambda path: path == stick),
    )

    view = open_view(kiosk)
    assert core.language == "zh_CN"  # Chinese by default: the manager's own catalogue is loaded
    assert [view.tabs.tabText(i) for i in range(5)] == ["今日", "订单", "微信支付账单", "对账", "设置"]
    yuan = f"￥{sold.amount_fen // 100}.{sold.amount_fen % 100:02d}"
    assert child(view, QLabel, "paidValue").text() == yuan and child(view, QLabel, "paidNote").text() == "笔数：1"
    assert sum(view.chart.amounts) == sold.amount_fen
    top = child(view, QTableView, "topItemsView")
    assert top.model().index(0, 0).data() == "农夫山泉 550ml"

    # Orders: by the short number; the full one in the details.
    tap_tab(kiosk, view, view.orders_tab)
    orders = child(view, QTableView, "todayOrdersView")
    assert orders.model().rowCount() == 1 and orders.model().index(0, 0).data() == sold.out_trade_no[-5:]
    details = child(view, QLabel, "orderDetails")
    assert sold.out_trade_no not in details.text()
    tap_row(kiosk, orders, 0)
    assert view.selected_order == sold.out_trade_no and sold.out_trade_no in details.text()
    assert "农夫山泉 550ml × 1" in details.text()

    # Export today's orders to the USB drive, by taps.
    tap(kiosk, view, "exportCsvButton")
    kiosk.qtbot.waitUntil(lambda: view.export_dialog is not None and view.export_dialog.isVisible(), timeout=WAIT_MS)
    dialog = view.export_dialog
    assert isinstance(dialog, ExportDialog)
    assert [place.kind for place in dialog.places] == [PlaceKind.USB, PlaceKind.KIOSK]
    assert dialog.chosen() == Place(PlaceKind.USB, stick) and "KINGSTON" in dialog.place_buttons[0].text()
    tap(kiosk, dialog, "exportOkButton")
    kiosk.qtbot.waitUntil(lambda: view.last_export is not None, timeout=WAIT_MS)
    written = stick / f"kiosk-orders-{core.today()}.csv"
    assert view.last_export == written
    data = written.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and sold.out_trade_no in data.decode("utf-8")

    # The bill tab: yesterday by default; today's bill does not exist before the day ends.
    tap_tab(kiosk, view, view.bill_tab)
    date_edit = view.bill_date
    assert date_edit.objectName() == "billDateEdit"
    today = core.today()
    assert date_edit.date().toPython() == today - timedelta(days=1)
    tap(kiosk, view, "billNextDayButton")  # a tap to the next day, no typing
    assert date_edit.date().toPython() == today
    tap(kiosk, view, "fetchBillButton")
    status = child(view, QLabel, "billStatusLabel")
    kiosk.qtbot.waitUntil(lambda: status.property("state") == "not_available", timeout=WAIT_MS)
    assert today.isoformat() in status.text() and view.bill_entries() == []

    # Training: move the sandbox to tomorrow morning; the date follows; the bill arrives and reconciles.
    advance = child(view, QPushButton, "advanceClockButton")
    assert advance.isVisible()
    tap(kiosk, view, "advanceClockButton")
    kiosk.qtbot.waitUntil(lambda: advance.isEnabled() and view.ops.in_flight == 0, timeout=WAIT_MS)
    assert date_edit.date().toPython() == today
    tap(kiosk, view, "fetchBillButton")
    kiosk.qtbot.waitUntil(lambda: status.property("state") == "ready", timeout=WAIT_MS)
    kiosk.qtbot.waitUntil(lambda: view.reconciliation is not None, timeout=WAIT_MS)
    assert [e.out_trade_no for e in view.bill_entries()] == [sold.out_trade_no]
    bill_rows = child(view, QTableView, "billRowsView")
    assert bill_rows.model().index(0, 2).data() == "已付款"  # SUCCESS, in words
    assert child(view, QLabel, "billSettledValue").text().endswith(f"{sold.amount_fen // 100}.00")
    tap_tab(kiosk, view, view.reconcile_tab)
    reconcile_view = child(view, QTableView, "reconcileView")
    assert reconcile_view.model().rowCount() == 1
    [item] = view.reconcile_items()
    assert (item.category, item.out_trade_no) == (ReconCategory.MATCHED, sold.out_trade_no)
    assert reconcile_view.model().index(0, 0).data() == category_name(ReconCategory.MATCHED) == "一致"

    # Export the reconciliation from its tab, this time to the kiosk's own folder.
    tap(kiosk, view, "exportCsvButton")
    kiosk.qtbot.waitUntil(lambda: view.export_dialog is not None and view.export_dialog.isVisible(), timeout=WAIT_MS)
    dialog = view.export_dialog
    assert dialog is not None
    kiosk.qtbot.mouseClick(dialog.place_buttons[1], Qt.MouseButton.LeftButton)
    tap(kiosk, dialog, "exportOkButton")
    target = core.config.data_dir / "exports" / f"kiosk-reconciliation-{today}.csv"
    kiosk.qtbot.waitUntil(lambda: view.last_export == target, timeout=WAIT_MS)
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert rows[1][0] == "一致" and rows[1][2] == f"`{sold.out_trade_no}"

    # A live switch to English, from the screen's own button: every word follows, item names too.
    summary_zh = child(view, QLabel, "reconcileStatusLabel").text()
    tap(kiosk, view, "managerLanguageButton")
    assert kiosk.window.language == "en"
    kiosk.qtbot.waitUntil(lambda: view.tabs.tabText(0) == "Today", timeout=WAIT_MS)  # Qt posts LanguageChange
    assert [view.tabs.tabText(i) for i in range(5)] == [
        "Today",
        "Orders",
        "WeChat Pay bill",
        "Reconciliation",
        "Settings",
    ]
    assert reconcile_view.model().index(0, 0).data() == "Matches"
    assert status.text().startswith(f"WeChat Pay bill for {today}")
    assert child(view, QLabel, "reconcileStatusLabel").text() != summary_zh
    assert child(view, QLabel, "reconcileStatusLabel").text().startswith(f"{today}: WeChat Pay received")
    assert top.model().index(0, 0).data() == "Nongfu Spring water 550 ml"  # the configured language no longer rules
    assert child(view, QLabel, "paidNote").text() == "Orders: 1"
    assert "Full number" in details.text() and "Nongfu Spring water 550 ml × 1" in details.text()
    assert [index.row() for index in orders.selectionModel().selectedRows()] == [0]  # still the tapped order
    assert child(view, QLabel, "managerStatusLabel").text().startswith("ⓘ Saved")
    tap(kiosk, view, "managerLanguageButton")
    kiosk.qtbot.waitUntil(lambda: view.tabs.tabText(0) == "今日", timeout=WAIT_MS)
    view.close()


def test_refund_on_the_keypad_with_a_reason_live_status_slip_and_z_report(kiosk: Kiosk) -> None:
    core = core_of(kiosk)
    sold = sell_and_pay(core, "CAF-002")
    view = open_view(kiosk)

    tap(kiosk, view, "refundButton")  # nothing selected: told what to do, no dialog
    assert view.refund_dialog is None and child(view, QLabel, "managerStatusLabel").property("kind") == "error"

    tap_tab(kiosk, view, view.orders_tab)
    tap_row(kiosk, child(view, QTableView, "todayOrdersView"), 0)
    tap(kiosk, view, "refundButton")
    kiosk.qtbot.waitUntil(lambda: view.refund_dialog is not None and view.refund_dialog.isVisible(), timeout=WAIT_MS)
    dialog = view.refund_dialog
    assert isinstance(dialog, RefundDialog) and dialog.refundable_fen == sold.amount_fen
    amount = child(dialog, QLineEdit, "refundAmountInput")
    assert amount.text() == "18.00" and child(dialog, QPushButton, "refundOkButton").text() == "退款 ￥18.00"
    for key in "999":  # the first key replaces the whole amount; more than was paid
        tap(kiosk, dialog, f"refundKey{key}")
    tap(kiosk, dialog, "reason_returned")
    tap(kiosk, dialog, "refundOkButton")
    assert dialog.isVisible() and "18.00" in child(dialog, QLabel, "refundMessage").text()
    for _ in range(3):
        tap(kiosk, dialog, "refundKeyBackspace")
    tap(kiosk, dialog, "refundKey5")  # partial: 5 yuan
    assert child(dialog, QPushButton, "refundOkButton").text() == "退款 ￥5.00"
    assert child(dialog, QLabel, "refundReasonPreview").text() == "顾客看到：顾客退货"
    tap(kiosk, dialog, "refundOkButton")

    refund_no = f"{sold.out_trade_no}R1"
    status = child(view, QLabel, "refundStatusLabel")
    kiosk.qtbot.waitUntil(lambda: view.refund_state(refund_no) is not None, timeout=WAIT_MS)
    kiosk.refund_processed(sold.out_trade_no)
    # Live: requested → processing → success, through RefundChanged events.
    kiosk.qtbot.waitUntil(lambda: status.property("state") == "SUCCESS", timeout=30_000)
    assert status.text() == f"订单 {sold.out_trade_no[-5:]} 退款 ￥5.00：已退款 · 退款凭条已送打印"
    [row] = core.refunds(sold.out_trade_no)
    assert (row.out_refund_no, row.amount_fen, row.reason, row.state) == (refund_no, 500, "顾客退货", "SUCCESS")
    queue = core.print_queue
    assert queue is not None
    kiosk.qtbot.waitUntil(
        lambda: any(j.job_key == refund_slip_key(refund_no) and j.state == "printed" for j in queue.jobs()),
        timeout=WAIT_MS,
    )
    kiosk.qtbot.waitUntil(lambda: view.summary is not None and view.summary.refunds_total_fen == 500, timeout=WAIT_MS)
    details = child(view, QLabel, "orderDetails")
    kiosk.qtbot.waitUntil(lambda: refund_no in details.text(), timeout=WAIT_MS)  # the refund in the details

    # Z-report: the dialog shows the day; printed once; then only a copy marked REPRINT.
    key = job_key(core.today(), core.config.kiosk_id)
    tap(kiosk, view, "zReportButton")
    kiosk.qtbot.waitUntil(
        lambda: view.z_report_dialog is not None and view.z_report_dialog.isVisible(), timeout=WAIT_MS
    )
    z_dialog = view.z_report_dialog
    assert isinstance(z_dialog, ZReportDialog) and not z_dialog.reprint
    assert child(z_dialog, QLabel, "zRefundsValue").text() == "￥5.00"
    tap(kiosk, z_dialog, "zReportPrintButton")
    idle(kiosk, view)
    kiosk.qtbot.waitUntil(lambda: [j.reprint for j in queue.jobs() if j.job_key == key] == [False], timeout=WAIT_MS)
    assert next(j.document for j in queue.jobs() if j.job_key == key).kind == "z_report"
    tap(kiosk, view, "zReportButton")
    kiosk.qtbot.waitUntil(
        lambda: view.z_report_dialog is not None and view.z_report_dialog.isVisible(), timeout=WAIT_MS
    )
    z_dialog = view.z_report_dialog
    assert z_dialog is not None and z_dialog.reprint
    assert child(z_dialog, QPushButton, "zReportPrintButton").text() == "打印副本"
    tap(kiosk, z_dialog, "zReportCancelButton")  # cancelled: nothing printed
    idle(kiosk, view)
    assert len([j for j in queue.jobs() if j.job_key == key]) == 1
    tap(kiosk, view, "zReportButton")
    kiosk.qtbot.waitUntil(
        lambda: view.z_report_dialog is not None and view.z_report_dialog.isVisible(), timeout=WAIT_MS
    )
    assert view.z_report_dialog is not None
    tap(kiosk, view.z_report_dialog, "zReportPrintButton")
    idle(kiosk, view)
    kiosk.qtbot.waitUntil(
        lambda: sorted(j.reprint for j in queue.jobs() if j.job_key == key) == [False, True], timeout=WAIT_MS
    )
    view.close()


def test_the_refund_dialog_keeps_what_the_manager_types_whatever_happens_behind_it(kiosk: Kiosk) -> None:
    core = core_of(kiosk)
    sold = sell_and_pay(core, "CAF-002")
    view = open_view(kiosk)
    tap_tab(kiosk, view, view.orders_tab)
    tap_row(kiosk, child(view, QTableView, "todayOrdersView"), 0)
    tap(kiosk, view, "refundButton")
    kiosk.qtbot.waitUntil(lambda: view.refund_dialog is not None and view.refund_dialog.isVisible(), timeout=WAIT_MS)
    dialog = view.refund_dialog
    assert isinstance(dialog, RefundDialog)
    amount = child(dialog, QLineEdit, "refundAmountInput")
    assert amount.hasFocus() and amount.selectedText() == "18.00"  # a keyboard types here too; keys type over

    # The manager taps the optional words, then the window is activated again (another window closed): Qt
    # drops the selection of the amount, no longer focused. The first key must still replace the whole amount.
    kiosk.qtbot.mouseClick(child(dialog, QLineEdit, "reasonText"), Qt.MouseButton.LeftButton)
    QApplication.sendEvent(amount, QEvent(QEvent.Type.WindowActivate))
    kiosk.qtbot.waitUntil(lambda: not amount.hasSelectedText(), timeout=WAIT_MS)
    for key in "999":
        tap(kiosk, dialog, f"refundKey{key}")
    assert amount.text() == "99"

    # Behind the dialog: another sale is paid (the screen refreshes on the core's events) and a second tap on
    # Refund answers late. Neither closes, replaces or edits the dialog.
    sell_and_pay(core)
    kiosk.qtbot.waitUntil(lambda: view.summary is not None and view.summary.paid_count == 2, timeout=WAIT_MS)
    view.request_refund()
    idle(kiosk, view)
    assert view.findChildren(RefundDialog) == [dialog] and view.refund_dialog is dialog
    assert dialog.isVisible() and amount.text() == "99"

    tap(kiosk, dialog, "reason_returned")
    tap(kiosk, dialog, "refundOkButton")  # more than was paid: told so, the dialog stays
    message = child(dialog, QLabel, "refundMessage")
    assert dialog.isVisible() and message.text() == "请输入大于 0 且不超过 ￥18.00 的金额。"
    tap(kiosk, dialog, "refundKey5")  # the refused amount is typed over
    assert amount.text() == "5" and message.text() == ""
    tap(kiosk, dialog, "refundCancelButton")
    assert view.refund_dialog is None and core.refunds(sold.out_trade_no) == []
    view.close()


def test_paid_after_cancel_is_listed_for_attention_and_refundable(kiosk: Kiosk) -> None:
    core = core_of(kiosk)
    cart = core.new_cart()
    cart.add_code("6921168509256")
    session = core.charge(cart)
    session = core.wait_for(session.out_trade_no, lambda s: s.state is State.AWAITING_PAYMENT, 15)
    # The sandbox holds the clerk's close for 3 s; the customer pays meanwhile; the close then finds it paid.
    fault = {
        "kind": "latency",
        "latency_ms": 3000,
        "path_prefix": f"/v3/pay/transactions/out-trade-no/{session.out_trade_no}/close",
    }
    httpx.post(f"{kiosk.sandbox_url}/sandbox/v1/faults", json=fault, timeout=10).raise_for_status()
    core.cancel(session.out_trade_no)
    core.simulate_payment(session.out_trade_no)
    late = core.wait_for(session.out_trade_no, lambda s: s.state is State.PAID_AFTER_CANCEL, 20)

    view = open_view(kiosk)
    notes = child(view, QLabel, "todayNotes")
    assert notes.isVisible() and "取消后付款待退款：1 笔" in notes.text()
    tap_tab(kiosk, view, view.orders_tab)
    attention = child(view, QTableView, "attentionView")
    kiosk.qtbot.waitUntil(lambda: attention.model().rowCount() == 1, timeout=WAIT_MS)
    assert attention.model().index(0, 0).data() == late.out_trade_no[-5:]
    assert child(view, QLabel, "attentionTitle").property("open") == 1
    tap_row(kiosk, attention, 0)
    assert view.selected_order == late.out_trade_no
    assert late.out_trade_no in child(view, QLabel, "orderDetails").text()
    tap(kiosk, view, "refundButton")
    kiosk.qtbot.waitUntil(lambda: view.refund_dialog is not None, timeout=WAIT_MS)
    assert view.refund_dialog is not None and view.refund_dialog.refundable_fen == late.amount_fen
    view.refund_dialog.reject()
    view.close()


def test_an_abnormal_refund_is_shown_kept_as_taken_and_found_again_by_requery(kiosk: Kiosk) -> None:
    core = core_of(kiosk)
    sold = sell_and_pay(core, "CAF-002")
    kiosk.sandbox_control("settings", refund_outcome="ABNORMAL")  # the customer's card was closed
    view = open_view(kiosk)
    refund = core.refund(sold.out_trade_no, 500, "顾客退货")
    kiosk.refund_processed(sold.out_trade_no)
    status = child(view, QLabel, "refundStatusLabel")
    kiosk.qtbot.waitUntil(lambda: status.property("state") == "ABNORMAL", timeout=30_000)
    kiosk.sandbox_control("settings", refund_outcome="SUCCESS")
    assert "退款异常：请在微信支付商户平台处理" in status.text() and not RAW.search(status.text())
    kiosk.qtbot.waitUntil(lambda: view.summary is not None and len(view.summary.abnormal_refunds) == 1, timeout=WAIT_MS)
    assert "退款异常：1 笔。请在微信支付商户平台处理。" in child(view, QLabel, "todayNotes").text()

    tap_tab(kiosk, view, view.orders_tab)
    assert view.select_order(sold.out_trade_no)
    tap(kiosk, view, "refundButton")
    kiosk.qtbot.waitUntil(lambda: view.refund_dialog is not None, timeout=WAIT_MS)
    assert view.refund_dialog is not None and view.refund_dialog.refundable_fen == sold.amount_fen - 500
    view.refund_dialog.reject()

    # Handled in the merchant platform; Re-query order finds it, and the slip prints as for any refund.
    kiosk.sandbox_control("refunds", out_refund_no=refund.out_refund_no)
    tap(kiosk, view, "requeryOrderButton")
    kiosk.qtbot.waitUntil(lambda: status.property("state") == "SUCCESS", timeout=30_000)
    queue = core.print_queue
    assert queue is not None
    kiosk.qtbot.waitUntil(
        lambda: any(j.job_key == refund_slip_key(refund.out_refund_no) and j.state == "printed" for j in queue.jobs()),
        timeout=WAIT_MS,
    )
    kiosk.qtbot.waitUntil(lambda: view.summary is not None and not view.summary.abnormal_refunds, timeout=WAIT_MS)
    view.close()


def test_opening_the_manager_screen_asks_again_about_abnormal_refunds(kiosk: Kiosk) -> None:
    core = core_of(kiosk)
    sold = sell_and_pay(core, "CAF-002")
    kiosk.sandbox_control("settings", refund_outcome="ABNORMAL")  # the customer's card was closed
    refund = core.refund(sold.out_trade_no, sold.amount_fen, "顾客退货")
    kiosk.sandbox_control("settings", refund_outcome="SUCCESS")
    kiosk.refund_processed(sold.out_trade_no)
    kiosk.qtbot.waitUntil(lambda: core.refunds(sold.out_trade_no)[0].state == "ABNORMAL", timeout=30_000)
    kiosk.sandbox_control("refunds", out_refund_no=refund.out_refund_no)  # handled in the merchant platform
    assert core.refunds(sold.out_trade_no)[0].state == "ABNORMAL"  # nothing follows it on its own

    view = open_view(kiosk)  # no button pressed: opening asks
    kiosk.qtbot.waitUntil(lambda: core.refunds(sold.out_trade_no)[0].state == "SUCCESS", timeout=30_000)
    kiosk.qtbot.waitUntil(lambda: view.summary is not None and not view.summary.abnormal_refunds, timeout=WAIT_MS)
    view.close()


def test_sound_on_off_and_volume_on_the_settings_tab(kiosk: Kiosk) -> None:
    core = core_of(kiosk)
    heard: list[SoundCue] = []
    core.subscribe(lambda event: heard.append(event) if isinstance(event, SoundCue) else None)
    view = open_view(kiosk)
    tap_tab(kiosk, view, view.settings_tab)
    switch = child(view, QPushButton, "soundEnabledButton")
    value = child(view, QLabel, "soundVolumeValue")
    assert switch.isChecked() and switch.text() == "声音：开" and value.text() == "80%"

    tap(kiosk, view, "soundVolumeDownButton")
    kiosk.qtbot.waitUntil(lambda: value.text() == "70%", timeout=WAIT_MS)
    view.volume_slider.setValue(35)  # a drag ends here
    kiosk.qtbot.waitUntil(lambda: value.text() == "35%", timeout=WAIT_MS)
    tap(kiosk, view, "soundTestButton")
    kiosk.qtbot.waitUntil(lambda: [(c.reason, c.volume) for c in heard] == [("sample", 35)], timeout=WAIT_MS)

    tap(kiosk, view, "soundEnabledButton")
    kiosk.qtbot.waitUntil(lambda: switch.text() == "声音：关", timeout=WAIT_MS)
    assert not child(view, QPushButton, "soundTestButton").isEnabled()
    assert not view.volume_slider.isEnabled()
    # Kept in the journal: a kiosk restarted reads the manager's choice, not kiosk.toml's default.
    assert (core.journal.setting("sound_enabled"), core.journal.setting("sound_volume")) == ("0", "35")
    assert core.sound.settings.enabled is False
    sell_and_pay(core)
    assert [c.reason for c in heard] == ["sample"]  # off: the payment was silent
    tap(kiosk, view, "soundEnabledButton")
    kiosk.qtbot.waitUntil(lambda: switch.isChecked() and core.sound.settings.enabled, timeout=WAIT_MS)
    view.close()


def test_manager_words_are_plain_whatever_the_language(kiosk: Kiosk) -> None:
    """No WeChat code, exception name or internal term on any tab, in either language; orders by short number."""
    core = core_of(kiosk)
    sold = sell_and_pay(core)
    view = open_view(kiosk)
    tap_tab(kiosk, view, view.bill_tab)
    tap(kiosk, view, "advanceClockButton")
    idle(kiosk, view)
    tap(kiosk, view, "fetchBillButton")
    kiosk.qtbot.waitUntil(lambda: view.reconciliation is not None, timeout=WAIT_MS)
    tap_row(kiosk, child(view, QTableView, "billRowsView"), 0)
    tap_tab(kiosk, view, view.reconcile_tab)
    tap_row(kiosk, child(view, QTableView, "reconcileView"), 0)
    for language in ("zh_CN", "en"):
        if kiosk.window.language != language:
            tap(kiosk, view, "managerLanguageButton")
            kiosk.qtbot.waitUntil(lambda: view.tabs.tabText(0) == "Today", timeout=WAIT_MS)
        for tab in (view.today_tab, view.orders_tab, view.bill_tab, view.reconcile_tab, view.settings_tab):
            tap_tab(kiosk, view, tab)
            if tab is view.orders_tab:
                tap_row(kiosk, child(view, QTableView, "todayOrdersView"), 0)
            texts = visible_texts(view)
            raw = [text for text in texts if RAW.search(text)]
            assert not raw, (language, raw)
            in_tables = [
                str(table.model().index(row, column).data())
                for table in view.findChildren(QTableView)
                if table.isVisible()
                for row in range(table.model().rowCount())
                for column in range(table.model().columnCount())
            ]
            assert sold.out_trade_no not in in_tables  # the short number in tables, the full one in details
    # A failure in plain words: the relay (the sandbox behind it) refuses nothing here, so break the network.
    view.say(lambda: "", "info")
    view._failed(lambda: view.tr("Re-query failed"), httpx.ConnectError("[Errno 111] Connection refused"))
    message = child(view, QLabel, "managerStatusLabel").text()
    # The relay by the cashier's name for it, the payment server.
    assert "The payment server cannot be reached" in message and "Errno" not in message and not RAW.search(message)
    tap(kiosk, view, "managerLanguageButton")
    view.close()


def test_a_bill_that_fails_its_hash_check_is_never_shown(kiosk: Kiosk) -> None:
    day = core_of(kiosk).today() - timedelta(days=1)
    good = relay_bill(day, {"out_trade_no": "S1-K1-X1"})  # the relay's columnar answer
    answers = [
        httpx.Response(200, json=good),
        httpx.Response(502, json={"error": {"code": "bill_hash_mismatch", "message": "failed its hash check"}}),
    ]
    view = open_view(kiosk, bill_transport=httpx.MockTransport(lambda request: answers.pop(0)))
    tap_tab(kiosk, view, view.bill_tab)
    status = child(view, QLabel, "billStatusLabel")
    tap(kiosk, view, "fetchBillButton")
    kiosk.qtbot.waitUntil(lambda: view.reconciliation is not None, timeout=WAIT_MS)
    assert status.property("state") == "ready" and len(view.bill_entries()) == 1
    assert child(view, QLabel, "billSettledValue").text() == "￥12.00"

    # The same day fetched again, now with a file that failed its SHA-1 at the relay: everything is cleared.
    tap(kiosk, view, "fetchBillButton")
    kiosk.qtbot.waitUntil(lambda: status.property("state") == "hash_failed", timeout=WAIT_MS)
    assert view.bill_entries() == [] and view.reconcile_items() == [] and view.reconciliation is None
    assert child(view, QLabel, "billSettledValue").text() == "-"
    assert day.isoformat() in status.text() and "hash" not in status.text()
    view.close()


def test_open_dialogs_follow_a_live_language_switch(kiosk: Kiosk) -> None:
    core = core_of(kiosk)
    sold = sell_and_pay(core, "CAF-002")
    view = open_view(kiosk)
    window = kiosk.window
    tap_tab(kiosk, view, view.orders_tab)
    tap_row(kiosk, child(view, QTableView, "todayOrdersView"), 0)
    tap(kiosk, view, "refundButton")
    kiosk.qtbot.waitUntil(lambda: view.refund_dialog is not None and view.refund_dialog.isVisible(), timeout=WAIT_MS)
    refund = view.refund_dialog
    assert refund is not None
    tap(kiosk, refund, "reason_returned")
    window.toggle_language()  # the cashier's switch (the manager's own button is behind the dialog)
    short = sold.out_trade_no[-5:]
    kiosk.qtbot.waitUntil(lambda: refund.title.text() == f"Refund order {short}", timeout=WAIT_MS)
    assert child(refund, QPushButton, "reason_returned").text() == "Customer returned the goods"
    assert child(refund, QPushButton, "refundOkButton").text() == "Refund ￥18.00"
    assert child(refund, QLabel, "refundReasonPreview").text() == "The customer reads: 顾客退货"  # still Chinese
    tap(kiosk, refund, "refundCancelButton")

    tap(kiosk, view, "zReportButton")
    kiosk.qtbot.waitUntil(
        lambda: view.z_report_dialog is not None and view.z_report_dialog.isVisible(), timeout=WAIT_MS
    )
    z_dialog = view.z_report_dialog
    assert z_dialog is not None and child(z_dialog, QPushButton, "zReportPrintButton").text() == "Print"
    window.toggle_language()
    kiosk.qtbot.waitUntil(lambda: child(z_dialog, QPushButton, "zReportPrintButton").text() == "打印", timeout=WAIT_MS)
    assert z_dialog.title.text() == f"{core.today()} 日结报表"
    tap(kiosk, z_dialog, "zReportCancelButton")

    tap(kiosk, view, "exportCsvButton")
    kiosk.qtbot.waitUntil(lambda: view.export_dialog is not None and view.export_dialog.isVisible(), timeout=WAIT_MS)
    export = view.export_dialog
    assert export is not None and child(export, QLabel, "exportWhat").text() == f"{core.today()} 的订单"
    window.toggle_language()
    kiosk.qtbot.waitUntil(lambda: child(export, QLabel, "exportWhat").text() == f"The orders of {core.today()}")
    assert child(export, QPushButton, "exportPlace_0").text() in ("This kiosk's export folder",) or "USB" in (
        child(export, QPushButton, "exportPlace_0").text()
    )
    tap(kiosk, export, "exportCancelButton")
    window.toggle_language()
    view.close()


@pytest.fixture
def code_world(tmp_path: Path) -> Iterator[World]:
    """A sandbox and relay of their own on a moved clock: the customer's password, the relay's deadline and its
    reverses pass without sleeping, and the bill holds this test's orders only."""
    world = start_world(tmp_path / "world", moved_clock=True)
    yield world
    stop_world(world)


def charge_code(core: KioskCore, code: str) -> PaymentSession:
    cart = core.new_cart()
    cart.add_code("CAF-002")
    return core.charge_code(cart, code)


def test_payment_codes_not_settled_and_given_back_are_on_the_manager_screen(
    code_world: World, make_kiosk: Callable[..., Kiosk], tmp_path: Path
) -> None:
    world = code_world
    pin = {"pin_sha256": hashlib.sha256(b"0000").hexdigest()}
    kiosk = make_kiosk(world.config_file(tmp_path / "kiosk.toml", manager=pin), clock=world.clock, backoff=FAST_BACKOFF)
    core = core_of(kiosk)
    day = core.today()
    # The clerk cancels while the customer types the password, which still goes through at 3 s; the relay's
    # reverse at 15 s gives all of it back.
    raced = charge_code(core, world.sandbox.payment_code("password_then_success", password_seconds=3))
    core.wait_for(raced.out_trade_no, lambda s: s.trade_state == "USERPAYING", 15)
    core.cancel(raced.out_trade_no)
    world.advance(15)
    raced = core.wait_for(raced.out_trade_no, lambda s: s.settled, 15)
    assert (raced.state, raced.trade_state) == (State.CANCELLED, "REVOKED")
    # Cancelled the same way, but every reverse the relay sends fails; the screen is open meanwhile.
    stuck = charge_code(core, world.sandbox.payment_code("password_never"))
    core.wait_for(stuck.out_trade_no, lambda s: s.trade_state == "USERPAYING", 15)
    core.cancel(stuck.out_trade_no)
    world.sandbox.fault("system_error", f"/v3/pay/transactions/out-trade-no/{stuck.out_trade_no}/reverse", count=999)
    view = open_view(kiosk)
    notes = child(view, QLabel, "todayNotes")
    assert "付款码" not in notes.text()
    for seconds in (15, 2, 4):  # the reverse, then its retries
        world.advance(seconds)
    stuck = core.wait_for(stuck.out_trade_no, lambda s: s.unresolved, 15)
    assert stuck.state is State.CANCELLED and stuck.payment_code is not None  # flagged, the state as it was

    # The flag reaches the open screen: Today's notes, and the top of Orders with what to do.
    kiosk.qtbot.waitUntil(lambda: "付款码订单未了结：1 笔" in notes.text(), timeout=WAIT_MS)
    tap_tab(kiosk, view, view.orders_tab)
    title = child(view, QLabel, "unresolvedTitle")
    assert title.isVisible() and title.text() == "⚠ 付款码订单未了结：1 笔"
    assert "微信支付商户平台" in child(view, QLabel, "unresolvedHint").text()  # what to do, in plain words
    unsettled = child(view, QTableView, "unresolvedView")
    assert unsettled.model().rowCount() == 1
    assert unsettled.model().index(0, 0).data() == stuck.out_trade_no[-5:]
    assert unsettled.model().index(0, 3).data() == f"付款码 尾号 {stuck.payment_code[-4:]}"
    tap_row(kiosk, unsettled, 0)
    details = child(view, QLabel, "orderDetails")
    assert view.selected_order == stuck.out_trade_no and stuck.out_trade_no in details.text()
    assert "怎么做：顾客可能已付款" in details.text()
    orders = child(view, QTableView, "todayOrdersView")
    assert [orders.model().index(row, 4).data() for row in range(orders.model().rowCount())] == ["付款码"] * 2

    # The next morning's bill: the reversed payment's two rows (paid, given back) need nothing.
    advance_to_next_release(world.sandbox.base_url)
    tap_tab(kiosk, view, view.bill_tab)
    tap(kiosk, view, "billNextDayButton")
    assert view.bill_day() == day
    tap(kiosk, view, "fetchBillButton")
    kiosk.qtbot.waitUntil(lambda: view.reconciliation is not None, timeout=WAIT_MS)
    tap_tab(kiosk, view, view.reconcile_tab)
    given_back = [n for n, item in enumerate(view.reconcile_items()) if item.out_trade_no == raced.out_trade_no]
    assert [view.reconcile_items()[n].category for n in given_back] == [ReconCategory.REVERSED] * 2
    table = child(view, QTableView, "reconcileView")
    assert {table.model().index(n, 0).data() for n in given_back} == {"付款码已付款并全额退回"}
    tap_row(kiosk, table, given_back[0])
    explained = child(view, QLabel, "reconcileDetails").text()
    assert "微信支付已全额退回" in explained and "支付方式：付款码" in explained and "无需处理" in explained
    assert view.reconciliation is not None and view.reconciliation.ok
    assert "全部一致" in child(view, QLabel, "reconcileStatusLabel").text()
    for tab in (view.today_tab, view.orders_tab, view.reconcile_tab):
        tap_tab(kiosk, view, tab)
        raw = [text for text in visible_texts(view) if RAW.search(text)]
        assert not raw, raw

    # The relay's next reverse goes through: the list empties while the screen is open (the state stays cancelled).
    world.sandbox.control("DELETE", "/sandbox/v1/faults")
    tap_tab(kiosk, view, view.orders_tab)
    world.advance(8)
    kiosk.qtbot.waitUntil(lambda: not unsettled.isVisible() and not title.isVisible(), timeout=WAIT_MS)
    assert core.session(stuck.out_trade_no).state is State.CANCELLED and "付款码" not in notes.text()
    view.close()


def test_closing_the_window_lets_the_manager_screen_finish_its_work_before_the_journal_closes(kiosk: Kiosk) -> None:
    """The window closes (the supervisor's exit, a test's teardown) with the manager screen open and one of its
    queries still running: the screen stops and waits for its workers before the core closes the journal, so
    the query ends with its answer, not with "Cannot operate on a closed database"."""
    view = open_view(kiosk)
    idle(kiosk, view)
    closing = threading.Event()
    outcomes: list[object] = []

    def query_while_closing() -> None:
        closing.wait(WAIT_MS / 1000)
        time.sleep(0.3)  # without the wait for it, the core has closed the journal by now
        try:
            outcomes.append(view.service.day_report())
        except Exception as exc:
            outcomes.append(exc)

    view.ops.run(query_while_closing, label="a query still running")
    closing.set()
    kiosk.window.allow_close()
    kiosk.window.close()
    assert len(outcomes) == 1 and not isinstance(outcomes[0], Exception), outcomes  # done before close() returned
