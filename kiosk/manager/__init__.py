"""The manager's numbers, Qt-free: today's summary, the WeChat Pay bill, reconciliation, refunds, reports.

The Qt screen (``kiosk.ui.manager_view``) only presents what these modules compute.

* :mod:`~kiosk.manager.summaries` — :func:`load_day` + :func:`summarise` → :class:`DaySummary`
* :mod:`~kiosk.manager.bills` — :class:`BillFetcher` → :class:`BillResult` (state, :class:`DayBill`)
* :mod:`~kiosk.manager.reconcile` — :func:`reconcile` → :class:`Reconciliation`
* :mod:`~kiosk.manager.pin` — :class:`PinGuard`, :func:`hash_pin`, :func:`verify_pin`
* :mod:`~kiosk.manager.export` — :func:`orders_csv`, :func:`reconciliation_csv` (UTF-8 with BOM)
* :mod:`~kiosk.manager.zreport` — :func:`z_report`, :func:`print_z_report`
* :mod:`~kiosk.manager.refunds` — :class:`RefundSlipPrinter`, :func:`refundable_fen`
"""

from kiosk.manager.bills import BillFetcher, BillResult, BillState, NotAvailableReason, fetcher_for
from kiosk.manager.export import orders_csv, reconciliation_csv, write_file
from kiosk.manager.pin import Outcome, PinGuard, PinResult, configured_pin, hash_pin, verify_pin
from kiosk.manager.reconcile import (
    Action,
    BillEntry,
    BillTotals,
    Category,
    DayBill,
    Reconciliation,
    ReconItem,
    bill_from_json,
    bill_from_trade_bill,
    journal_window,
    reconcile,
)
from kiosk.manager.refunds import RefundSlipPrinter, refund_slip_key, refundable_fen
from kiosk.manager.summaries import DayData, DaySummary, load_day, summarise, summarise_day
from kiosk.manager.zreport import print_z_report, z_report

__all__ = [
    "Action",
    "BillEntry",
    "BillFetcher",
    "BillResult",
    "BillState",
    "BillTotals",
    "Category",
    "DayBill",
    "DayData",
    "DaySummary",
    "NotAvailableReason",
    "Outcome",
    "PinGuard",
    "PinResult",
    "ReconItem",
    "Reconciliation",
    "RefundSlipPrinter",
    "bill_from_json",
    "bill_from_trade_bill",
    "configured_pin",
    "fetcher_for",
    "hash_pin",
    "journal_window",
    "load_day",
    "orders_csv",
    "print_z_report",
    "reconcile",
    "reconciliation_csv",
    "refund_slip_key",
    "refundable_fen",
    "summarise",
    "summarise_day",
    "verify_pin",
    "write_file",
    "z_report",
]
