"""The manager's numbers, Qt-free: today's summary, the WeChat Pay bill, reconciliation, refunds, reports.

The Qt screen (``kiosk.ui.manager_view``) only presents what :class:`ManagerService` returns.

* :mod:`~kiosk.manager.service` — :class:`ManagerService` over a ``KioskCore``: everything the screen shows
* :mod:`~kiosk.manager.summaries` — :func:`load_day` + :func:`summarise` → :class:`DaySummary`
* :mod:`~kiosk.manager.bills` — :class:`BillFetcher` → :class:`BillResult` (state, :class:`DayBill`)
* :mod:`~kiosk.manager.reconcile` — :func:`kiosk.manager.reconcile.reconcile` → :class:`Reconciliation`
  (not re-exported here: the name is also the submodule's)
* :mod:`~kiosk.manager.pin` — :class:`PinGuard`, :func:`pin_guard`, :func:`hash_pin`, :func:`verify_pin`
* :mod:`~kiosk.manager.export` — :func:`orders_csv`, :func:`reconciliation_csv` (UTF-8 with BOM)
* :mod:`~kiosk.manager.zreport` — :func:`z_report`, :func:`print_z_report`
* :mod:`~kiosk.manager.refunds` — :class:`RefundSlipPrinter`


Imports are lazy (PEP 562): ``import kiosk.manager.pin`` — which the cashier's PIN dialog does at start-up —
does not pull in httpx, the bill parser or the printing package.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Action": "kiosk.manager.reconcile",
    "BillEntry": "kiosk.manager.bills",
    "BillFetcher": "kiosk.manager.bills",
    "BillResult": "kiosk.manager.bills",
    "BillState": "kiosk.manager.bills",
    "BillTotals": "kiosk.manager.bills",
    "DayBill": "kiosk.manager.bills",
    "DayData": "kiosk.manager.summaries",
    "DayReport": "kiosk.manager.service",
    "DaySummary": "kiosk.manager.summaries",
    "ManagerService": "kiosk.manager.service",
    "NotAvailableReason": "kiosk.manager.bills",
    "Outcome": "kiosk.manager.pin",
    "PinGuard": "kiosk.manager.pin",
    "PinResult": "kiosk.manager.pin",
    "ReconCategory": "kiosk.manager.reconcile",
    "ReconItem": "kiosk.manager.reconcile",
    "Reconciliation": "kiosk.manager.reconcile",
    "RefundOffer": "kiosk.manager.service",
    "RefundRefusal": "kiosk.manager.service",
    "RefundSlipPrinter": "kiosk.manager.refunds",
    "TrainingClock": "kiosk.manager.service",
    "ZReportOutcome": "kiosk.manager.service",
    "bill_from_answer": "kiosk.manager.bills",
    "configured_pin": "kiosk.manager.pin",
    "hash_pin": "kiosk.manager.pin",
    "load_day": "kiosk.manager.summaries",
    "orders_csv": "kiosk.manager.export",
    "pin_guard": "kiosk.manager.pin",
    "print_z_report": "kiosk.manager.zreport",
    "reconciliation_csv": "kiosk.manager.export",
    "refund_slip_key": "kiosk.manager.refunds",
    "summarise": "kiosk.manager.summaries",
    "summarise_day": "kiosk.manager.summaries",
    "verify_pin": "kiosk.manager.pin",
    "write_file": "kiosk.manager.export",
    "z_report": "kiosk.manager.zreport",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kiosk.manager' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "Action",
    "BillEntry",
    "BillFetcher",
    "BillResult",
    "BillState",
    "BillTotals",
    "DayBill",
    "DayData",
    "DayReport",
    "DaySummary",
    "ManagerService",
    "NotAvailableReason",
    "Outcome",
    "PinGuard",
    "PinResult",
    "ReconCategory",
    "ReconItem",
    "Reconciliation",
    "RefundOffer",
    "RefundRefusal",
    "RefundSlipPrinter",
    "TrainingClock",
    "ZReportOutcome",
    "bill_from_answer",
    "configured_pin",
    "hash_pin",
    "load_day",
    "orders_csv",
    "pin_guard",
    "print_z_report",
    "reconciliation_csv",
    "refund_slip_key",
    "summarise",
    "summarise_day",
    "verify_pin",
    "write_file",
    "z_report",
]
