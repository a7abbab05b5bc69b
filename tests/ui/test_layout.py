"""Every cashier screen and dialog, in both languages, at every supported size: every visible button,
label, field and table cell lies inside its window and shows its whole text, and at 1024×768 every
touch target is at least 44×44 px (``kiosk.ui.fit``). The customer display at its three sizes too.

One window per language serves every screen (a screen first puts the window back to a fresh sale), and
one test per size goes through all of them: the window is restyled once per size, not once per screen.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from kiosk.checkout import CartSnapshot, ConnectionChanged, State
from kiosk.checkout.cart import CartLine
from kiosk.checkout.double_charge import Order
from kiosk.checkout.events import IdentityMismatch, KioskIdentity, PrinterFaultChanged, PrintJobChanged
from kiosk.journal import OrderItemRow
from kiosk.manager.bills import BillResult, BillState
from kiosk.manager.media import Place, PlaceKind
from kiosk.manager.pin import Outcome, PinGuard, configured_pin
from kiosk.manager.reconcile import ReconCategory
from kiosk.manager.service import DayReport, ManagerService, Problem, RefundOffer
from kiosk.manager.summaries import summarise
from kiosk.printing.faults import FaultKind, advice_for
from kiosk.trade import CodePayFailure, TradeType
from kiosk.ui import create_main_window
from kiosk.ui.codepay import ScenarioPicker
from kiosk.ui.customer_display import CustomerDisplay
from kiosk.ui.dialogs import ActionDialog
from kiosk.ui.keypad import KeypadDialog
from kiosk.ui.main_window import MainWindow
from kiosk.ui.manager_view import ManagerView
from kiosk.ui.manager_words import problem_text
from kiosk.ui.pin import PinDialog
from kiosk.ui.reasons import ReasonPicker
from kiosk.ui.repeat_charge import RepeatChargeDialog
from tests.ui.conftest import WAIT_MS, Kiosk
from tests.ui.layout import (
    CUSTOMER_SIZES,
    MAIN_SIZES,
    check_screen,
    manager_bill,
    manager_day,
    manager_reconciliation,
    session,
    settle,
)

LANGUAGES = ("zh_CN", "en")


@pytest.fixture(scope="module")
def window_for(
    tmp_path_factory: pytest.TempPathFactory, training_template: Path
) -> Iterator[Callable[[str], MainWindow]]:
    """The kiosk-mode window in a language (one alive at a time: restyling costs per window)."""
    alive: dict[str, MainWindow] = {}

    def close(window: MainWindow) -> None:
        window.allow_close()
        window.close()

    def get(language: str) -> MainWindow:
        if language not in alive:
            for other in list(alive):
                close(alive.pop(other))
            root = tmp_path_factory.mktemp(f"layout-{language}") / "training"
            shutil.copytree(training_template, root)
            window = create_main_window(data_dir=root, language=language, kiosk_mode=True, customer_display=False)
            window.show()
            alive[language] = window
        return alive[language]

    yield get
    for window in alive.values():
        close(window)


def fresh(kiosk: Kiosk) -> MainWindow:
    """The window as a clerk finds it: an empty sale, no notices, no search, no manager screen over it."""
    window = kiosk.window
    for view in window.findChildren(ManagerView):
        view.close()
    settle()
    assert window.sale_view is not None and window.bridge is not None and window.paid_view is not None
    window.notice.dismiss()
    window.alert.acknowledge()
    window.bridge.connectionChanged.emit(ConnectionChanged(True))
    window.bridge.printerFaultChanged.emit(PrinterFaultChanged(None))
    window.paid_view.receipt_mode = "always"
    window.sale_view.start_new_order()
    if window.sale_view.keys.isVisible():
        window.sale_view.toggle_keys()
    window.current = None
    window.stack.setCurrentWidget(window.sale_view)
    return window


def longest_names(kiosk: Kiosk, count: int) -> list[str]:
    core = kiosk.window.core
    assert core is not None
    items = sorted(core.catalogue, key=lambda item: -max(len(item.name_en), 2 * len(item.name_zh)))
    return [item.sku for item in items[:count]]


# ---- screens: each returns the top-level widgets to check ---------------------------------------------


def sale_with_long_names(kiosk: Kiosk) -> list[QWidget]:
    window = fresh(kiosk)
    assert window.sale_view is not None and window.core is not None
    for sku in longest_names(kiosk, 8):
        item = window.core.catalogue.by_sku(sku)
        assert item is not None
        window.sale_view.add_item(item)
    window.sale_view.cart.set_quantity(longest_names(kiosk, 1)[0], 999)  # the widest amount
    window.sale_view.add_item(window.core.catalogue.items[-1])
    return [window]


LONG_ORDER = "store1-kiosk1-20261205A7K00042"


def held_receipt(document: str = "paid_receipt") -> PrintJobChanged:
    return PrintJobChanged(7, f"{LONG_ORDER}:{document}", document, LONG_ORDER, "pending", advice_for("paper_out"))


def order_of(kiosk: Kiosk, count: int) -> Order:
    """A paid order of the ``count`` items with the longest names."""
    core = kiosk.window.core
    assert core is not None
    rows = []
    for line, sku in enumerate(longest_names(kiosk, count), 1):
        item = core.catalogue.by_sku(sku)
        assert item is not None
        rows.append(OrderItemRow(LONG_ORDER, line, sku, None, item.name_zh, item.name_en, "x", 99, item.price_fen, 0))
    return Order(session(State.PAID_AFTER_CANCEL, out_trade_no=LONG_ORDER, trade_state="SUCCESS"), tuple(rows))


#: The longest store and kiosk names a mismatch shows in the status bar and beside Charge.
MISMATCH = IdentityMismatch(
    KioskIdentity("chain-store-shanghai-0042", "front-counter-kiosk-07"),
    KioskIdentity("chain-store-shanghai-0043", "front-counter-kiosk-12"),
)


def sale_with_every_banner(link: str) -> Callable[[Kiosk], list[QWidget]]:
    """The worst day: a payment after cancel, the payment server away (``link`` "down"), refusing this kiosk's
    token ("refused") or knowing it by other names ("mismatch"), the printer out of paper, an error notice, the
    last receipt and the reason beside Charge — all at once, over a full cart."""
    changes = {
        "down": ConnectionChanged(False, "down"),
        "refused": ConnectionChanged(True, "down", authorized=False),
        "mismatch": ConnectionChanged(True, None, mismatch=MISMATCH),
    }

    def show(kiosk: Kiosk) -> list[QWidget]:
        window = sale_with_long_names(kiosk)[0]
        assert isinstance(window, MainWindow) and window.sale_view is not None and window.bridge is not None
        window.bridge.connectionChanged.emit(changes[link])
        window.bridge.printerFaultChanged.emit(PrinterFaultChanged(advice_for(FaultKind.OFFLINE), held_receipt()))
        window.sale_view.set_last_sale(session(State.PAID, out_trade_no=LONG_ORDER), printing=True)
        window.sale_view.submit_code("0000000000000")
        window._late_payment(order_of(kiosk, 5), None)
        return [window]

    return show


def sale_with_undo_and_notices(kiosk: Kiosk) -> list[QWidget]:
    window = sale_with_long_names(kiosk)[0]
    assert isinstance(window, MainWindow) and window.sale_view is not None
    window.sale_view.clear()  # the undo bar
    window.sale_view.submit_code("0000000000000")  # an unknown code: the error notice
    window._late_payment(order_of(kiosk, 2), None)
    return [window]


def search_with_keys(kiosk: Kiosk) -> list[QWidget]:
    window = fresh(kiosk)
    assert window.sale_view is not None
    window.sale_view.toggle_keys()
    for key in "KL":
        window.sale_view.keys.keys[key].click()
    kiosk.qtbot.waitUntil(lambda: window.sale_view is not None and window.sale_view.left_pages.currentIndex() == 1)
    return [window]


def search_finding_nothing(kiosk: Kiosk) -> list[QWidget]:
    window = fresh(kiosk)
    assert window.sale_view is not None
    window.sale_view.barcode.setText("zzzzzz")
    kiosk.qtbot.waitUntil(lambda: window.sale_view is not None and window.sale_view.left_pages.currentIndex() == 1)
    return [window]


def quantity_keypad(kiosk: Kiosk) -> list[QWidget]:
    window = sale_with_long_names(kiosk)[0]
    assert isinstance(window, MainWindow) and window.sale_view is not None
    sku = window.sale_view.cart_view.skus()[0]
    window.sale_view.ask_quantity(sku)
    dialog = window.sale_view.quantity_dialog
    assert dialog is not None
    dialog.input.setText("0")
    dialog.submit()  # shows its error message too
    return [window, dialog]


def payment(state: State, **changes: object) -> Callable[[Kiosk], list[QWidget]]:
    def show(kiosk: Kiosk) -> list[QWidget]:
        window = fresh(kiosk)
        assert window.payment_view is not None
        window.current = session(state, **changes)
        window.payment_view.show_session(window.current)
        window.stack.setCurrentWidget(window.payment_view)
        return [window]

    return show


def paid(receipt: str = "always", printer: str | None = None, **changes: object) -> Callable[[Kiosk], list[QWidget]]:
    """The paid screen with ``[printer] receipt``; ``printer``: ``waiting`` (out of paper, No receipt
    offered) or ``printed`` (Reprint)."""

    def show(kiosk: Kiosk) -> list[QWidget]:
        window = fresh(kiosk)
        assert window.paid_view is not None and window.bridge is not None
        window.paid_view.receipt_mode = receipt
        paid = session(State.PAID, out_trade_no=LONG_ORDER, trade_state="SUCCESS", payer_total_fen=123456, **changes)
        window.current = paid
        window.paid_view.show_paid(paid)
        window.paid_view.return_timer.stop()
        if printer == "waiting":
            window.bridge.printerFaultChanged.emit(PrinterFaultChanged(advice_for("cover_open"), held_receipt()))
            window.bridge.printJobChanged.emit(held_receipt())
        elif printer == "printed":
            window.bridge.printJobChanged.emit(
                PrintJobChanged(8, f"{LONG_ORDER}:paid_receipt", "paid_receipt", LONG_ORDER, "printed")
            )
        window.stack.setCurrentWidget(window.paid_view)
        return [window]

    return show


def payment_waiting_for_the_server(kiosk: Kiosk) -> list[QWidget]:
    window = payment(State.CREATING, code_url=None)(kiosk)[0]
    assert isinstance(window, MainWindow) and window.bridge is not None
    window.bridge.connectionChanged.emit(ConnectionChanged(False, "down"))
    return [window]


def repeat_charge(kiosk: Kiosk) -> list[QWidget]:
    window = fresh(kiosk)
    dialog = RepeatChargeDialog(order_of(kiosk, 6), window.language, window)
    dialog.open()
    return [window, dialog]


def orders(kiosk: Kiosk) -> list[QWidget]:
    window = fresh(kiosk)
    assert window.orders_view is not None
    transaction = "4200001234202612051234567890"
    sessions = [session(state, last_error="connection refused", transaction_id=transaction) for state in State]
    sessions += [session(state, method=TradeType.MICROPAY, code_url=None) for state in (State.PAID, State.FAILED)]
    window.orders_view.show_orders(sessions)
    window.orders_view.table.selectRow(0)  # its details under the table
    window.stack.setCurrentWidget(window.orders_view)
    return [window]


def code_payment(state: State, **changes: object) -> Callable[[Kiosk], list[QWidget]]:
    """A payment-code order on the payment screen (no QR: the code's last digits, the status, the actions)."""
    return payment(state, method=TradeType.MICROPAY, payment_code="**************9406", code_url=None, **changes)


def code_waiting_for_the_server(kiosk: Kiosk) -> list[QWidget]:
    """A payment code scanned while the payment server is out of reach: no QR, no countdown, waiting."""
    window = code_payment(State.PENDING_CREATION, version=0)(kiosk)[0]
    assert isinstance(window, MainWindow) and window.bridge is not None
    window.bridge.connectionChanged.emit(ConnectionChanged(False, "down"))
    return [window]


def scenario_picker(kiosk: Kiosk) -> list[QWidget]:
    window = fresh(kiosk)
    # The sandbox's scenarios as its control API lists them (names and both languages), longest words included.
    assert window.core is not None
    dialog = ScenarioPicker(window.core.training_scenarios(), window.language, window)
    dialog.open()
    return [window, dialog]


def training_guard() -> PinGuard:
    return PinGuard(configured_pin(None, training=True))  # its own count: screens do not lock each other


def pin(guard: Callable[[], PinGuard], wrong: bool = False) -> Callable[[Kiosk], list[QWidget]]:
    def show(kiosk: Kiosk) -> list[QWidget]:
        window = fresh(kiosk)
        dialog = PinDialog(guard(), window)
        dialog.open()
        if wrong:
            dialog.pin_input.setText("1234")
            dialog.check()
            kiosk.qtbot.waitUntil(lambda: dialog.pin_input.isEnabled(), timeout=WAIT_MS)
        return [window, dialog]

    return show


def locked_guard() -> PinGuard:
    guard = training_guard()
    while guard.check("9999").outcome is not Outcome.LOCKED:
        pass
    return guard


def amount_keypad(kiosk: Kiosk) -> list[QWidget]:
    window = fresh(kiosk)
    dialog = KeypadDialog("退款 Refund", "Amount", minimum=1, maximum=123456, value=123456, decimals=2, parent=window)
    dialog.open()
    return [window, dialog]


def reason_picker(kiosk: Kiosk) -> list[QWidget]:
    window = fresh(kiosk)
    dialog = ActionDialog("reasonDialog", window)
    dialog.set_title(window.tr("Refund"))
    picker = ReasonPicker(dialog.body_widget)
    dialog.body.addWidget(picker)
    picker.choose("faulty")
    dialog.add_action("reasonCancel", dialog.reject).setText(window.tr("Cancel"))
    dialog.add_action("reasonOk", dialog.accept, primary=True).setText("OK")
    dialog.open()
    return [window, dialog]


# ---- the manager screen: every tab full of the longest words, every dialog --------------------------------


def manager(kiosk: Kiosk) -> ManagerView:
    """The manager screen over a fresh window, showing a day with every state, refunds and late payments."""
    window = fresh(kiosk)
    assert window.core is not None
    view = ManagerView(
        ManagerService(window.core), window, language=lambda: window.language, switch_language=window.toggle_language
    )
    view.show()
    kiosk.qtbot.waitUntil(lambda: view.summary is not None and view.ops.in_flight == 0, timeout=WAIT_MS)
    data = manager_day()
    view.show_today(DayReport(data, summarise(data)))
    return view


def manager_tab(tab: str, select: Callable[[ManagerView], None] | None = None) -> Callable[[Kiosk], list[QWidget]]:
    """A tab with a row selected (``select``, or the table's second row): the details panel full."""

    def show(kiosk: Kiosk) -> list[QWidget]:
        view = manager(kiosk)
        bill = BillResult(BillState.READY, manager_bill().day, bill=manager_bill())
        view.show_bill(bill)
        kiosk.qtbot.waitUntil(lambda: view.ops.in_flight == 0, timeout=WAIT_MS)
        view.show_reconciliation(manager_reconciliation(), bill)
        view.tabs.setCurrentWidget(getattr(view, tab))
        table = {"orders_tab": view.orders_view, "bill_tab": view.bill_view, "reconcile_tab": view.reconcile_view}
        if select is not None:
            select(view)
        elif tab in table:
            table[tab].selectRow(1)
        return [kiosk.window]

    return show


def manager_bill_refused(kiosk: Kiosk) -> list[QWidget]:
    view = manager(kiosk)
    view.tabs.setCurrentWidget(view.bill_tab)
    view.show_bill(BillResult(BillState.HASH_FAILED, manager_bill().day))
    return [kiosk.window]


def manager_notices(kiosk: Kiosk) -> list[QWidget]:
    view = manager(kiosk)
    view.tabs.setCurrentWidget(view.orders_tab)
    order = manager_day().orders[0]
    view.show_refund_state(order.out_trade_no, f"{order.out_trade_no}R1", "ABNORMAL", 123456)
    view.say(lambda: problem_text(Problem.NO_REFUND_PERMISSION), "error")
    return [kiosk.window]


def manager_refund(kiosk: Kiosk) -> list[QWidget]:
    view = manager(kiosk)
    order = manager_day().orders[0]
    view.show_refund_offer(RefundOffer(order.out_trade_no, 12345678, None, 12345678))
    dialog = view.refund_dialog
    assert dialog is not None
    dialog.submit()  # no reason yet: the message shows too
    dialog.reasons.choose("faulty")
    dialog.reasons.details.setText("屏幕碎了" * 4)
    return [kiosk.window, dialog]


def manager_z_report(printed: bool) -> Callable[[Kiosk], list[QWidget]]:
    def show(kiosk: Kiosk) -> list[QWidget]:
        view = manager(kiosk)
        assert view.summary is not None
        view.show_z_report(view.summary, session(State.PAID).charged_at if printed else None)
        assert view.z_report_dialog is not None
        return [kiosk.window, view.z_report_dialog]

    return show


def manager_export(usb: bool) -> Callable[[Kiosk], list[QWidget]]:
    def show(kiosk: Kiosk) -> list[QWidget]:
        view = manager(kiosk)
        drives = [Place(PlaceKind.USB, Path("/media/clerk") / name) for name in ("KINGSTON DATATRAVELER", "金士顿 U盘")]
        places = [*(drives if usb else []), Place(PlaceKind.KIOSK, Path("/var/lib/kiosk/exports"))]
        view.show_export(
            lambda: view.tr("The orders of {0}").format("2026-12-05"), "kiosk-orders-2026-12-05.csv", places, Path
        )
        assert view.export_dialog is not None
        return [kiosk.window, view.export_dialog]

    return show


def select_unsettled_order(view: ManagerView) -> None:
    """A payment code not settled, among the day's orders (its details: why nothing was taken, what to do)."""
    view.orders_view.selectRow(next(n for n, order in enumerate(view.orders_model.rows) if order.unresolved))


def select_reversed(view: ManagerView) -> None:
    """The payment code paid and given back by the reverse, in the reconciliation."""
    [row] = [n for n, item in enumerate(view.reconcile_items()) if item.category is ReconCategory.REVERSED]
    view.reconcile_view.selectRow(row)


SCREENS: dict[str, Callable[[Kiosk], list[QWidget]]] = {
    "sale-long-names": sale_with_long_names,
    "sale-undo-and-notices": sale_with_undo_and_notices,
    "sale-every-banner": sale_with_every_banner("down"),
    "sale-every-banner-refused": sale_with_every_banner("refused"),
    "sale-every-banner-mismatch": sale_with_every_banner("mismatch"),
    "search-keys": search_with_keys,
    "search-nothing": search_finding_nothing,
    "quantity-keypad": quantity_keypad,
    "payment-creating": payment(State.CREATING, code_url=None),
    "payment-pending-creation": payment(State.PENDING_CREATION, code_url=None),
    "payment-waiting-for-the-server": payment_waiting_for_the_server,
    "payment-notpay": payment(State.AWAITING_PAYMENT),
    "payment-userpaying": payment(State.AWAITING_PAYMENT, trade_state="USERPAYING"),
    "payment-payerror": payment(State.AWAITING_PAYMENT, trade_state="PAYERROR"),
    "payment-paid-after-cancel": payment(State.PAID_AFTER_CANCEL, trade_state="SUCCESS"),
    "payment-cancelled": payment(State.CANCELLED, ended_by="clerk"),
    "payment-expired": payment(State.EXPIRED, ended_by="expiry"),
    "payment-failed": payment(State.FAILED, last_error="the relay refused the order: amount too large"),
    "code-charging": code_payment(State.CREATING, version=0),
    "code-waiting-for-the-server": code_waiting_for_the_server,
    "code-userpaying": code_payment(State.AWAITING_PAYMENT, trade_state="USERPAYING", version=2),
    "code-failed": code_payment(
        State.FAILED, trade_state="PAYERROR", failure=CodePayFailure.UNAVAILABLE, version=3, unresolved=True
    ),
    "code-cancelled-reversing": code_payment(State.CANCELLED, ended_by="clerk", trade_state="USERPAYING", version=2),
    "code-awaiting-answer": code_payment(State.AWAITING_PAYMENT, trade_state="PAYERROR", version=2, unresolved=True),
    "code-paid": code_payment(State.PAID, trade_state="SUCCESS", version=3),
    "code-failed-rejected": code_payment(State.FAILED, trade_state="PAYERROR", failure=CodePayFailure.CODE_REJECTED),
    "scenario-picker": scenario_picker,
    "paid": paid(),
    "paid-receipt-waiting": paid(printer="waiting"),
    "paid-receipt-printed": paid(printer="printed"),
    "paid-ask": paid(receipt="ask"),
    "paid-never": paid(receipt="never"),
    "paid-by-code-ask": paid(receipt="ask", method=TradeType.MICROPAY),
    "repeat-charge": repeat_charge,
    "orders": orders,
    "pin": pin(training_guard),
    "pin-wrong": pin(training_guard, wrong=True),
    "pin-locked": pin(locked_guard),
    "pin-not-set": pin(lambda: PinGuard(None)),
    "amount-keypad": amount_keypad,
    "reason-picker": reason_picker,
    "manager-today": manager_tab("today_tab"),
    "manager-orders": manager_tab("orders_tab"),
    # A payment code the server cannot settle: what to do (its own list), and why nothing was taken (the day's).
    "manager-unsettled-code": manager_tab("orders_tab", lambda view: view.unresolved_view.selectRow(0)),
    "manager-code-order": manager_tab("orders_tab", select_unsettled_order),
    "manager-bill": manager_tab("bill_tab"),
    "manager-bill-refused": manager_bill_refused,
    "manager-reconciliation": manager_tab("reconcile_tab"),
    "manager-reconciliation-reversed": manager_tab("reconcile_tab", select_reversed),
    "manager-settings": manager_tab("settings_tab"),
    "manager-notices": manager_notices,
    "manager-refund": manager_refund,
    "manager-z-report": manager_z_report(printed=False),
    "manager-z-report-printed": manager_z_report(printed=True),
    "manager-export": manager_export(usb=True),
    "manager-export-no-usb": manager_export(usb=False),
}


def size_id(size: QSize) -> str:
    return f"{size.width()}x{size.height()}"


# The size varies fastest (the upper mark): every size of one language's window, then the other's.
@pytest.mark.parametrize("size", MAIN_SIZES, ids=size_id)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_cashier_screen_fits(
    window_for: Callable[[str], MainWindow], qtbot: QtBot, tmp_path: Path, language: str, size: QSize
) -> None:
    kiosk = Kiosk(window_for(language), tmp_path, qtbot)
    found: list[str] = []
    for name, screen in SCREENS.items():
        shown = check_screen(kiosk.window, lambda screen=screen: screen(kiosk), [size])
        found += [f"{name}: {line}" for line in shown]
    assert not found, "\n".join(found)


def test_the_checker_catches_what_does_not_fit(
    window_for: Callable[[str], MainWindow], qtbot: QtBot, tmp_path: Path
) -> None:
    """The check is not vacuous: a button too narrow for its text and one too small to touch are reported."""
    window = fresh(Kiosk(window_for("en"), tmp_path, qtbot))
    assert window.sale_view is not None
    clipped = window.sale_view.charge_button
    clipped.setText("Charge " * 20)
    found = check_screen(window, lambda: [window], MAIN_SIZES[:1])
    clipped.setText(window.tr("Charge"))
    assert any("chargeButton" in line and "text needs" in line for line in found), found
    tiny = window.sale_view.clear_button
    tiny.setFixedSize(30, 30)
    found = check_screen(window, lambda: [window], MAIN_SIZES[:1])
    tiny.setMinimumSize(0, 0)
    tiny.setMaximumSize(16777215, 16777215)
    assert any("clearCartButton" in line and "touch target" in line for line in found), found


@pytest.mark.parametrize("language", LANGUAGES)
def test_customer_display_fits_its_screens(
    window_for: Callable[[str], MainWindow], qtbot: QtBot, language: str
) -> None:
    window = window_for(language)
    assert window.core is not None
    display = CustomerDisplay(window.core.seconds_left)
    qtbot.addWidget(display)
    display.set_store(window.core.config.store.name)
    display.set_language(language)
    display.show()
    catalogue = window.core.catalogue
    long_cart = CartSnapshot(tuple(CartLine(item, 99) for item in catalogue.items[:12]))
    states: list[tuple[str, Callable[[], None]]] = [
        ("idle", display.show_idle),
        ("cart", lambda: display.show_cart(long_cart, catalogue.items[3].sku)),
        ("payment", lambda: display.show_session(session(State.AWAITING_PAYMENT))),
        ("waiting", lambda: display.show_session(session(State.PENDING_CREATION, code_url=None))),
        (
            "code-charging",
            lambda: display.show_session(session(State.CREATING, method=TradeType.MICROPAY, code_url=None)),
        ),
        (
            "password",
            lambda: display.show_session(
                session(State.AWAITING_PAYMENT, method=TradeType.MICROPAY, code_url=None, trade_state="USERPAYING")
            ),
        ),
        ("thanks", lambda: display.show_session(session(State.PAID, payer_total_fen=123456))),
    ]
    # A payment code that took nothing: the longest reason with the longest next step, and each next step.
    failures = (CodePayFailure.CODE_REJECTED, CodePayFailure.INSUFFICIENT_FUNDS, CodePayFailure.UNAVAILABLE)
    for failure in failures:
        failed = session(State.FAILED, method=TradeType.MICROPAY, code_url=None, failure=failure)
        states.append((f"failed-{failure}", lambda failed=failed: display.show_session(failed)))
    found: list[str] = []
    for name, show in states:
        shown = check_screen(display, lambda show=show: (show(), [display])[1], CUSTOMER_SIZES)
        found += [f"{name}: {line}" for line in shown]
    assert not found, "\n".join(found)


def test_the_window_goes_down_to_1024_by_768(window_for: Callable[[str], MainWindow], qtbot: QtBot) -> None:
    window = window_for("en")
    window.resize(QSize(1024, 768))
    settle()
    assert (window.width(), window.height()) == (1024, 768)
    assert window.minimumSize().width() <= 1024 and window.minimumSize().height() <= 768
    assert QApplication.activeModalWidget() is None
    assert window.windowFlags() & Qt.WindowType.FramelessWindowHint
