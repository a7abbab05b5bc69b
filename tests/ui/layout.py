"""The layout check for every screen: helpers shared by ``test_layout.py`` and any screen added later.

A *screen* is a function that brings a kiosk window to one state (a page, a dialog, a notice) and returns
the top-level widgets to check: the main window and any dialog it opened. :func:`check_screen` resizes the
main window to each supported size, lets Qt lay it out, and collects what :func:`kiosk.ui.fit.misfits`
finds (touch targets too at 1024×768). To cover a new screen, add a function to ``SCREENS`` in
``test_layout.py`` (or call :func:`check_screen` from the new screen's own test).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QDialog, QWidget

from kiosk.checkout import PaymentSession, State
from kiosk.clock import CHINA_TZ
from kiosk.manager.bills import DayBill
from kiosk.manager.reconcile import Action, ReconCategory, Reconciliation, ReconItem
from kiosk.manager.summaries import DayData
from kiosk.trade import CodePayFailure, TradeType
from kiosk.ui.fit import TOUCH_TARGET, misfits, settle
from tests.manager.factories import at, day_bill, item, order, otn, payment, refund, refund_entry

#: The cashier's supported window sizes; the first is where touch targets are checked.
MAIN_SIZES = (QSize(1024, 768), QSize(1280, 800), QSize(1366, 768), QSize(1920, 1080))
CUSTOMER_SIZES = (QSize(800, 480), QSize(1024, 600), QSize(1280, 800))
TOUCH_SIZE = MAIN_SIZES[0]

_numbers = itertools.count(1)


def problems_in(top: QWidget, size: QSize, window: QWidget | None = None) -> list[str]:
    """What does not fit in ``top`` (a window or a dialog); a dialog must also lie inside ``window``."""
    touch = TOUCH_TARGET if size == TOUCH_SIZE else 0
    found = [f"{size.width()}×{size.height()} {misfit}" for misfit in misfits(top, min_target=touch)]
    if window is not None and top is not window:
        outer = QRect(window.mapToGlobal(window.rect().topLeft()), window.size())
        inner = QRect(top.mapToGlobal(top.rect().topLeft()), top.size())
        if not outer.contains(inner):
            found.append(f"{size.width()}×{size.height()} {top.objectName()}: {inner} is not inside its window {outer}")
    return found


def check_screen(window: QWidget, show: Callable[[], Iterable[QWidget]], sizes: Iterable[QSize]) -> list[str]:
    """Bring ``window`` to each size, run ``show`` (which returns what to check) and collect the misfits.

    Dialogs that ``show`` opened are closed again after each size."""
    found: list[str] = []
    for size in sizes:
        window.resize(size)
        settle()
        tops = list(show())
        settle()
        for top in tops:
            if isinstance(top, QDialog):
                top.fit()  # type: ignore[attr-defined]  # ActionDialog: follows the window's new size
                settle()
            found += problems_in(top, size, window)
        for top in tops:
            if isinstance(top, QDialog):
                top.reject()
                top.deleteLater()
        settle()
    return found


def session(state: State, **changes: Any) -> PaymentSession:
    """A payment in ``state`` with a long order number, for pages that only present one."""
    now = datetime.now(CHINA_TZ)
    values: dict[str, Any] = {
        "out_trade_no": f"store1-kiosk1-20261205A7K{next(_numbers):05d}",
        "amount_fen": 123456,
        "description": "统一老坛酸菜牛肉面（桶） 等12件",
        "charged_at": now,
        "expires_at": now + timedelta(minutes=5),
        "state": state,
        "trade_state": "NOTPAY",
        "code_url": "weixin://wxpay/bizpayurl?pr=LayoutTest1",
    }
    values.update(changes)
    return PaymentSession(**values)


# ---- the manager's day: the widest figures and words each table can hold ---------------------------------

#: Long item names in both languages (a best seller's row wraps, the details panel too).
LONG_ZH = "统一老坛酸菜牛肉面（桶装 超大份）加量不加价"
LONG_EN = "Master Kong Braised Beef Instant Noodles, Family Bucket (extra large, limited edition)"


#: A payment code as the journal keeps it (masked).
MASKED_CODE = "**************9406"


def by_code(session: PaymentSession, **changes: Any) -> PaymentSession:
    """The order paid (or not) by the customer's payment code instead of the kiosk's QR."""
    return replace(session, method=TradeType.MICROPAY, payment_code=MASKED_CODE, code_url=None, **changes)


def manager_day() -> DayData:
    """Sixteen orders, one in every state and several paid by either method, with long names, refunds in every
    state, payments after cancel still to refund and payment codes the server cannot settle."""
    orders = [order(n + 1, 1234567 + n, state, ended_by="clerk") for n, state in enumerate(State)]
    orders += [order(20 + n, 99999999, State.PAID_AFTER_CANCEL, ended_by="expiry") for n in range(2)]
    orders += [order(30, 8800, State.PAID), by_code(order(31, 8801, State.PAID)), order(32, 8802, State.PAID)]
    # The longest words a payment code's details can hold: why nothing was taken, and not settled.
    orders += [
        by_code(order(40 + n, 99999999, state), failure=CodePayFailure.NOT_SENT, unresolved=True, settled=False)
        for n, state in enumerate((State.FAILED, State.CANCELLED))
    ]
    items = {
        o.out_trade_no: [
            replace(item(o.out_trade_no, 1, f"SKU-{n:03d}", 999, 99999, name=LONG_ZH), name_en=LONG_EN),
            item(o.out_trade_no, 2, "DRK-001", 12, 300),
        ]
        for n, o in enumerate(orders)
    }
    refunds = tuple(
        refund(orders[-1].out_trade_no, n + 1, 100 + n, status, requested=at(15))
        for n, status in enumerate(("SUCCESS", "PROCESSING", "ABNORMAL", "CLOSED", "FAILED", "REQUESTED"))
    )
    late = tuple(o for o in orders if o.state is State.PAID_AFTER_CANCEL)
    unresolved = tuple(o for o in orders if o.unresolved)
    day = orders[0].charged_at.date()
    return DayData(day, tuple(orders), items, refunds, late, training=True, unresolved=unresolved)


def manager_bill() -> DayBill:
    """A bill with payments, refunds in every status and a revoked payment, all with long goods names."""
    day = manager_day()
    paid = [o for o in day.orders if o.is_paid]
    entries = [payment(o)._replace(trade_type=o.method) for o in paid]
    entries += [refund_entry(r, status=r.state if r.state != "REQUESTED" else "PROCESSING") for r in day.refunds]
    entries.append(payment(otn(99), 99999999)._replace(trade_state="REVOKED"))
    entries.append(payment("S1-K2-2026112800007", 4500))  # another cash register's
    return day_bill(*entries)


def manager_reconciliation() -> Reconciliation:
    """Every category with its action, the widest amounts and both kinds of state."""
    day = manager_day()
    items = []
    for n, category in enumerate(ReconCategory):
        refund_item = category.value.startswith("refund")
        items.append(
            ReconItem(
                category=category,
                action=list(Action)[n % len(Action)],
                out_trade_no=day.orders[n % len(day.orders)].out_trade_no,
                transaction_id=f"42000{n:023d}",
                out_refund_no=f"{day.orders[n].out_trade_no}R1" if refund_item else None,
                bill_fen=99999999,
                journal_fen=99999998,
                journal_state="PROCESSING" if refund_item else "cancelled",
                bill_state="SUCCESS",
                time=at(23, 59),
                description=LONG_ZH,
                refundable_fen=99999999,
                trade_type=(TradeType.NATIVE, TradeType.MICROPAY)[n % 2],
            )
        )
    return Reconciliation(manager_bill().day, tuple(items), 99999999, 99999998, 12345, 12345)
