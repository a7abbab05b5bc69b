"""The manager screen (pytest-qt, offscreen) over a real training kiosk: PIN lock-out, tabs, bill and
reconciliation, refund flow with live status and slip, Z-report and CSV export."""

from __future__ import annotations

import csv
import io
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication (also set by conftest.py)

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QPushButton, QTableView

from kiosk.checkout import KioskCore, PaymentSession, State
from kiosk.manager.pin import SETTING_KEY
from kiosk.manager.reconcile import ReconCategory
from kiosk.manager.refunds import refund_slip_key
from kiosk.manager.zreport import job_key
from kiosk.ui.manager_view import ManagerView, ask_manager_pin, open_manager
from kiosk.ui.manager_widgets import ManagerPinDialog, RefundDialog
from tests.manager.factories import relay_bill
from tests.ui.conftest import WAIT_MS, Kiosk, MovableClock


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


def sandbox_control(kiosk: Kiosk, call: str, **body: Any) -> None:
    """``POST /sandbox/v1/{call}`` on the training kiosk's embedded sandbox."""
    httpx.post(f"{kiosk.sandbox_url}/sandbox/v1/{call}", json=body, timeout=10).raise_for_status()


def enter_pin(kiosk: Kiosk, dialog: QDialog, pin: str) -> None:
    field = dialog.findChild(QLineEdit, "pinInput")
    assert field is not None
    kiosk.qtbot.waitUntil(field.isEnabled, timeout=WAIT_MS)
    kiosk.qtbot.keyClicks(field, pin)
    kiosk.qtbot.keyClick(field, Qt.Key.Key_Return)


def open_view(kiosk: Kiosk, **options: Any) -> ManagerView:
    dialog = open_manager(kiosk.window, core_of(kiosk), **options)
    enter_pin(kiosk, dialog, "0000")  # training mode's documented PIN
    kiosk.qtbot.waitUntil(lambda: getattr(dialog, "view", None) is not None, timeout=WAIT_MS)
    view = dialog.view  # type: ignore[attr-defined]
    assert isinstance(view, ManagerView) and view.objectName() == "managerView" and view.isVisible()
    kiosk.qtbot.waitUntil(lambda: view.summary is not None, timeout=WAIT_MS)
    return view


def child(view: ManagerView, kind: type[Any], name: str) -> Any:
    widget = view.findChild(kind, name)
    assert widget is not None, name
    return widget


def click(kiosk: Kiosk, view: ManagerView, name: str) -> None:
    kiosk.qtbot.mouseClick(child(view, QPushButton, name), Qt.MouseButton.LeftButton)


def idle(kiosk: Kiosk, view: ManagerView) -> None:
    kiosk.qtbot.waitUntil(lambda: view.ops.in_flight == 0, timeout=WAIT_MS)


def test_wrong_pins_lock_the_manager_screen(make_kiosk: Callable[..., Kiosk]) -> None:
    clock = MovableClock()
    kiosk = make_kiosk(clock=clock)
    kiosk.qtbot.mouseClick(kiosk.button("managerButton"), Qt.MouseButton.LeftButton)
    kiosk.qtbot.waitUntil(lambda: kiosk.window.findChild(ManagerPinDialog, "managerPinDialog") is not None)
    dialog = kiosk.window.findChild(ManagerPinDialog, "managerPinDialog")
    assert dialog is not None and dialog.isVisible()
    for tries_left in (4, 3, 2, 1):
        enter_pin(kiosk, dialog, "1111")
        kiosk.qtbot.waitUntil(
            lambda n=tries_left: dialog.last_result is not None and dialog.last_result.tries_left == n
        )
        assert dialog.property("outcome") == "wrong"
    enter_pin(kiosk, dialog, "1111")
    kiosk.qtbot.waitUntil(lambda: dialog.property("outcome") == "locked", timeout=WAIT_MS)
    field = dialog.findChild(QLineEdit, "pinInput")
    assert field is not None and not field.isEnabled()
    message = dialog.findChild(QLabel, "pinMessage")
    assert message is not None and message.text()
    assert getattr(dialog, "view", None) is None and dialog.result() != QDialog.DialogCode.Accepted
    dialog.reject()

    # The lock-out is kept in the journal: a new dialog is locked too, even for the right PIN.
    core = core_of(kiosk)
    assert '"failures": 5' in (core.journal.setting(SETTING_KEY) or "")
    again = open_manager(kiosk.window, core)
    again_field = again.findChild(QLineEdit, "pinInput")
    assert again.property("outcome") == "locked" and again_field is not None and not again_field.isEnabled()
    again.reject()

    # Five minutes later (the kiosk's clock), the right PIN opens the screen.
    clock.advance(5 * 60)
    view = open_view(kiosk)
    assert view.tabs.count() == 3 and child(view, QLabel, "managerTitle").text()
    view.close()


def test_today_bill_and_reconciliation_tabs(kiosk: Kiosk, tmp_path: Path) -> None:
    core = core_of(kiosk)
    sold = sell_and_pay(core)
    exports: list[str] = []

    def save_path(name: str) -> Path:
        exports.append(name)
        return tmp_path / name

    view = open_view(kiosk, save_path=save_path)
    today_tab, bill_tab = child(view, object, "todayTab"), child(view, object, "billTab")
    assert view.tabs.indexOf(today_tab) == 0 and view.tabs.indexOf(bill_tab) == 1
    assert view.summary is not None and view.summary.paid_total_fen == sold.amount_fen
    # Chinese by default: the manager's own catalogue (manager_zh_CN.ts) is loaded with the cashier's.
    assert core.language == "zh_CN"
    assert [view.tabs.tabText(i) for i in range(3)] == ["今日", "微信支付账单", "对账"]
    assert child(view, QLabel, "paidValue").text() == f"1 · ￥{sold.amount_fen // 100}.{sold.amount_fen % 100:02d}"
    assert sum(view.chart.amounts) == sold.amount_fen
    assert child(view, QTableView, "todayOrdersView").model().rowCount() == 1

    # Export today's orders (UTF-8 with BOM).
    click(kiosk, view, "exportCsvButton")
    kiosk.qtbot.waitUntil(lambda: view.last_export is not None, timeout=WAIT_MS)
    data = (tmp_path / exports[0]).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and sold.out_trade_no in data.decode("utf-8")

    # The bill tab: yesterday by default; today's bill does not exist before the day ends.
    view.tabs.setCurrentWidget(bill_tab)
    date_edit = view.bill_date
    assert date_edit.objectName() == "billDateEdit"
    today = core.today()
    assert date_edit.date().toPython() == today - timedelta(days=1)
    date_edit.setDate(today)
    click(kiosk, view, "fetchBillButton")
    status = child(view, QLabel, "billStatusLabel")
    kiosk.qtbot.waitUntil(lambda: status.property("state") == "not_available", timeout=WAIT_MS)
    assert today.isoformat() in status.text() and view.bill_entries() == []

    # Training: move the sandbox to tomorrow morning; the date follows; the bill arrives and reconciles.
    advance = child(view, QPushButton, "advanceClockButton")
    assert advance.isVisible()
    click(kiosk, view, "advanceClockButton")
    kiosk.qtbot.waitUntil(lambda: advance.isEnabled() and view.ops.in_flight == 0, timeout=WAIT_MS)
    assert date_edit.date().toPython() == today
    click(kiosk, view, "fetchBillButton")
    kiosk.qtbot.waitUntil(lambda: status.property("state") == "ready", timeout=WAIT_MS)
    kiosk.qtbot.waitUntil(lambda: view.reconciliation is not None, timeout=WAIT_MS)
    assert [e.out_trade_no for e in view.bill_entries()] == [sold.out_trade_no]
    assert child(view, QLabel, "billSettledValue").text().endswith(f"{sold.amount_fen // 100}.00")
    reconcile_view = child(view, QTableView, "reconcileView")
    assert reconcile_view.model().rowCount() == 1
    [item] = view.reconcile_items()
    assert (item.category, item.out_trade_no) == (ReconCategory.MATCHED, sold.out_trade_no)
    assert reconcile_view.model().index(0, 0).data() == view.category_name(ReconCategory.MATCHED)

    # Export the reconciliation from its tab.
    view.tabs.setCurrentIndex(2)
    click(kiosk, view, "exportCsvButton")
    kiosk.qtbot.waitUntil(lambda: len(exports) == 2 and view.last_export == tmp_path / exports[1], timeout=WAIT_MS)
    rows = list(csv.reader(io.StringIO((tmp_path / exports[1]).read_bytes().decode("utf-8-sig"))))
    assert exports[1] == f"kiosk-reconciliation-{today}.csv"
    assert rows[1][0] == view.category_name(ReconCategory.MATCHED) and rows[1][2] == f"`{sold.out_trade_no}"

    # A live switch to English retranslates the open screen (manager_en.ts).
    kiosk.window.translations.switch("en")
    kiosk.qtbot.waitUntil(lambda: view.tabs.tabText(0) == "Today", timeout=WAIT_MS)
    assert view.tabs.tabText(2) == "Reconciliation" and reconcile_view.model().index(0, 0).data() == "Matched"
    assert status.text().startswith(f"WeChat Pay bill for {today}")
    view.close()


def test_refund_flow_with_live_status_slip_and_z_report(kiosk: Kiosk) -> None:
    core = core_of(kiosk)
    sold = sell_and_pay(core, "CAF-002")
    view = open_view(kiosk)

    click(kiosk, view, "refundButton")  # nothing selected: told what to do, no dialog
    assert view.refund_dialog is None and child(view, QLabel, "managerStatusLabel").property("kind") == "error"

    assert view.select_order(sold.out_trade_no)
    click(kiosk, view, "refundButton")
    kiosk.qtbot.waitUntil(lambda: view.refund_dialog is not None, timeout=WAIT_MS)
    dialog = view.refund_dialog
    assert isinstance(dialog, RefundDialog) and dialog.refundable_fen == sold.amount_fen
    amount = dialog.findChild(QLineEdit, "refundAmountInput")
    reason = dialog.findChild(QLineEdit, "refundReasonInput")
    ok = dialog.findChild(QPushButton, "refundOkButton")
    assert amount is not None and reason is not None and ok is not None
    amount.setText("999.00")  # more than was paid
    reason.setText("顾客退货")
    kiosk.qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "18.00" in child(dialog, QLabel, "refundMessage").text()
    amount.setText("5.00")  # partial
    kiosk.qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    refund_no = f"{sold.out_trade_no}R1"
    status = child(view, QLabel, "refundStatusLabel")
    kiosk.qtbot.waitUntil(lambda: view.refund_state(refund_no) is not None, timeout=WAIT_MS)
    # Live: requested → processing → success, through RefundChanged events (sandbox refunds take ~5 s).
    kiosk.qtbot.waitUntil(lambda: status.property("state") == "SUCCESS", timeout=30_000)
    assert refund_no in status.text()
    [row] = core.refunds(sold.out_trade_no)
    assert (row.out_refund_no, row.amount_fen, row.reason, row.state) == (refund_no, 500, "顾客退货", "SUCCESS")
    queue = core.print_queue
    kiosk.qtbot.waitUntil(
        lambda: any(j.job_key == refund_slip_key(refund_no) and j.state == "printed" for j in queue.jobs()),
        timeout=WAIT_MS,
    )
    kiosk.qtbot.waitUntil(lambda: view.summary is not None and view.summary.refunds_total_fen == 500, timeout=WAIT_MS)

    # Z-report: printed once; a second press only offers the reprint; the third prints a REPRINT copy.
    key = job_key(core.today(), core.config.kiosk_id)
    click(kiosk, view, "zReportButton")
    idle(kiosk, view)
    kiosk.qtbot.waitUntil(lambda: [j.reprint for j in queue.jobs() if j.job_key == key] == [False], timeout=WAIT_MS)
    z_document = next(j.document for j in queue.jobs() if j.job_key == key)
    assert z_document.kind == "z_report"
    click(kiosk, view, "zReportButton")
    idle(kiosk, view)
    assert len([j for j in queue.jobs() if j.job_key == key]) == 1
    assert child(view, QPushButton, "zReportButton").text() == view.tr("Reprint Z-report")
    click(kiosk, view, "zReportButton")
    idle(kiosk, view)
    assert sorted(j.reprint for j in queue.jobs() if j.job_key == key) == [False, True]
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
    attention = child(view, QTableView, "attentionView")
    kiosk.qtbot.waitUntil(lambda: attention.model().rowCount() == 1, timeout=WAIT_MS)
    assert attention.model().index(0, 0).data() == late.out_trade_no
    assert child(view, QLabel, "attentionTitle").property("open") == 1
    assert view.select_order(late.out_trade_no) and view.selected_order == late.out_trade_no
    click(kiosk, view, "refundButton")
    kiosk.qtbot.waitUntil(lambda: view.refund_dialog is not None, timeout=WAIT_MS)
    assert view.refund_dialog is not None and view.refund_dialog.refundable_fen == late.amount_fen
    view.refund_dialog.reject()
    view.close()


def test_an_abnormal_refund_is_shown_kept_as_taken_and_found_again_by_requery(kiosk: Kiosk) -> None:
    core = core_of(kiosk)
    sold = sell_and_pay(core, "CAF-002")
    sandbox_control(kiosk, "settings", refund_outcome="ABNORMAL")  # the customer's card was closed
    view = open_view(kiosk)
    refund = core.refund(sold.out_trade_no, 500, "顾客退货")
    status = child(view, QLabel, "refundStatusLabel")
    kiosk.qtbot.waitUntil(lambda: status.property("state") == "ABNORMAL", timeout=30_000)
    sandbox_control(kiosk, "settings", refund_outcome="SUCCESS")
    assert view.tr("abnormal: check in WeChat Pay") in status.text()
    refunds_value = child(view, QLabel, "refundsValue")
    kiosk.qtbot.waitUntil(lambda: view.summary is not None and len(view.summary.abnormal_refunds) == 1, timeout=WAIT_MS)
    assert view.tr("(%1 abnormal: handle in the WeChat Pay merchant platform)").replace("%1", "1") in (
        refunds_value.text()
    )

    assert view.select_order(sold.out_trade_no)
    click(kiosk, view, "refundButton")
    kiosk.qtbot.waitUntil(lambda: view.refund_dialog is not None, timeout=WAIT_MS)
    assert view.refund_dialog is not None and view.refund_dialog.refundable_fen == sold.amount_fen - 500
    view.refund_dialog.reject()

    # Handled in the merchant platform; Re-query order finds it, and the slip prints as for any refund.
    sandbox_control(kiosk, "refunds", out_refund_no=refund.out_refund_no)  # handled in the merchant platform
    click(kiosk, view, "requeryOrderButton")
    kiosk.qtbot.waitUntil(lambda: status.property("state") == "SUCCESS", timeout=30_000)
    queue = core.print_queue
    kiosk.qtbot.waitUntil(
        lambda: any(j.job_key == refund_slip_key(refund.out_refund_no) and j.state == "printed" for j in queue.jobs()),
        timeout=WAIT_MS,
    )
    kiosk.qtbot.waitUntil(lambda: view.summary is not None and not view.summary.abnormal_refunds, timeout=WAIT_MS)
    view.close()


def test_opening_the_manager_screen_asks_again_about_abnormal_refunds(kiosk: Kiosk) -> None:
    core = core_of(kiosk)
    sold = sell_and_pay(core, "CAF-002")
    sandbox_control(kiosk, "settings", refund_outcome="ABNORMAL")  # the customer's card was closed
    refund = core.refund(sold.out_trade_no, sold.amount_fen, "顾客退货")
    sandbox_control(kiosk, "settings", refund_outcome="SUCCESS")
    kiosk.qtbot.waitUntil(lambda: core.refunds(sold.out_trade_no)[0].state == "ABNORMAL", timeout=30_000)
    sandbox_control(kiosk, "refunds", out_refund_no=refund.out_refund_no)  # handled in the merchant platform
    assert core.refunds(sold.out_trade_no)[0].state == "ABNORMAL"  # nothing follows it on its own

    view = open_view(kiosk)  # no button pressed: opening asks
    kiosk.qtbot.waitUntil(lambda: core.refunds(sold.out_trade_no)[0].state == "SUCCESS", timeout=30_000)
    kiosk.qtbot.waitUntil(lambda: view.summary is not None and not view.summary.abnormal_refunds, timeout=WAIT_MS)
    view.close()


def test_blocking_pin_prompt_for_leaving_kiosk_mode(kiosk: Kiosk) -> None:
    from PySide6.QtCore import QTimer

    core = core_of(kiosk)
    answers: list[bool] = []

    def type_pin(pin: str) -> None:
        dialog = kiosk.window.findChild(ManagerPinDialog, "managerPinDialog")
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, lambda: type_pin(pin))
            return
        field = dialog.findChild(QLineEdit, "pinInput")
        assert field is not None
        field.setText(pin)
        field.returnPressed.emit()
        if pin != "0000":
            QTimer.singleShot(200, dialog.reject)  # wrong PIN: the clerk gives up

    QTimer.singleShot(0, lambda: type_pin("9999"))
    answers.append(ask_manager_pin(kiosk.window, core))
    QTimer.singleShot(0, lambda: type_pin("0000"))
    answers.append(ask_manager_pin(kiosk.window, core))
    assert answers == [False, True]


def test_a_bill_that_fails_its_hash_check_is_never_shown(kiosk: Kiosk) -> None:
    day = core_of(kiosk).today() - timedelta(days=1)
    good = relay_bill(day, {"out_trade_no": "S1-K1-X1"})  # the relay's columnar answer
    answers = [
        httpx.Response(200, json=good),
        httpx.Response(502, json={"error": {"code": "bill_hash_mismatch", "message": "failed its hash check"}}),
    ]
    view = open_view(kiosk, bill_transport=httpx.MockTransport(lambda request: answers.pop(0)))
    view.tabs.setCurrentIndex(1)
    status = child(view, QLabel, "billStatusLabel")
    click(kiosk, view, "fetchBillButton")
    kiosk.qtbot.waitUntil(lambda: view.reconciliation is not None, timeout=WAIT_MS)
    assert status.property("state") == "ready" and len(view.bill_entries()) == 1
    assert child(view, QLabel, "billSettledValue").text() == "￥12.00"

    # The same day fetched again, now with a file that failed its SHA-1 at the relay: everything is cleared.
    click(kiosk, view, "fetchBillButton")
    kiosk.qtbot.waitUntil(lambda: status.property("state") == "hash_failed", timeout=WAIT_MS)
    assert view.bill_entries() == [] and view.reconcile_items() == [] and view.reconciliation is None
    assert child(view, QLabel, "billSettledValue").text() == "-"
    assert day.isoformat() in status.text()
    view.close()
