"""Reconcile one day's WeChat Pay trade bill with the kiosk's journal, set against set in SQL.

The bill's rows go into a TEMP table of a read-only snapshot of the journal (:meth:`Journal.snapshot`), where
SQL joins them with the journal's orders and refunds; the rules below then judge each joined row. Which journal
orders belong to bill day D: paid orders whose payment time (Beijing) falls on D — an order charged at 23:59
and paid at 00:01 is in the next day's bill. A bill row finds its order or refund wherever it is in the journal.

Categories (each item says what to do)::

    matched                     paid in both, same amount                         nothing
    missing_in_journal          paid in WeChat Pay, no such order in the journal  refund a payment without a sale
    unpaid_in_journal           paid in WeChat Pay, journal cancelled/expired/open re-query (the kiosk then sees it)
    paid_after_cancel           paid in WeChat Pay after the sale was cancelled   refund (nothing once refunded)
    amount_mismatch             paid in both, amounts differ                      check the order in WeChat Pay
    missing_in_bill             paid in the journal, absent (or revoked) in bill  check the order in WeChat Pay
    duplicate_in_bill           the same order paid twice in the bill             check the order in WeChat Pay
    other_kiosk                 paid, made by another kiosk of the store          nothing here
    refund_matched              refund in both, same amount and status            nothing
    refund_mismatch             refund amounts or status differ                   re-query the refund
    refund_missing_in_journal   refund in WeChat Pay the kiosk did not request    check the refund in WeChat Pay
    refund_missing_in_bill      refund requested that day, absent from the bill   re-query the refund
    reversed                    a payment-code payment the reverse gave back      nothing
                                (its payment row and its refund row)

Every payment method is reconciled alike (a payment-code order is a bill row ``MICROPAY`` matched by its
``out_trade_no``); each item keeps the bill's ``trade_type`` (the journal's method for what the bill lacks). A
payment-code order the relay reversed after the customer's money had been taken (the payment won the race with
the reverse) is in the bill twice, paid and refunded in full, and ``REVOKED`` in the journal: ``reversed``.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import NamedTuple

from kiosk.checkout.session import PAID_STATES, State
from kiosk.clock import CHINA_TZ
from kiosk.journal import Journal, parse_timestamp
from kiosk.manager.bills import BillEntry, DayBill
from kiosk.trade import REFUND_RELEASED, TradeState


class ReconCategory(StrEnum):
    MATCHED = "matched"
    MISSING_IN_JOURNAL = "missing_in_journal"
    UNPAID_IN_JOURNAL = "unpaid_in_journal"
    PAID_AFTER_CANCEL = "paid_after_cancel"
    AMOUNT_MISMATCH = "amount_mismatch"
    MISSING_IN_BILL = "missing_in_bill"
    DUPLICATE_IN_BILL = "duplicate_in_bill"
    OTHER_KIOSK = "other_kiosk"
    REFUND_MATCHED = "refund_matched"
    REFUND_MISMATCH = "refund_mismatch"
    REFUND_MISSING_IN_JOURNAL = "refund_missing_in_journal"
    REFUND_MISSING_IN_BILL = "refund_missing_in_bill"
    REVERSED = "reversed"


class Action(StrEnum):
    NONE = "none"
    REFUND = "refund"  # refund a payment that has no sale
    REQUERY = "requery"  # re-query the order: the journal is behind
    CHECK_WECHAT = "check_wechat"  # look the order up in the WeChat Pay merchant platform
    REQUERY_REFUND = "requery_refund"
    CHECK_REFUND = "check_refund"


#: Categories that need nobody's attention.
OK_CATEGORIES = frozenset(
    {ReconCategory.MATCHED, ReconCategory.OTHER_KIOSK, ReconCategory.REFUND_MATCHED, ReconCategory.REVERSED}
)


class ReconItem(NamedTuple):
    category: ReconCategory
    action: Action
    out_trade_no: str
    transaction_id: str | None = None
    out_refund_no: str | None = None
    bill_fen: int | None = None  # payment: order total in the bill; refund: refund amount
    journal_fen: int | None = None
    journal_state: str | None = None
    bill_state: str | None = None
    time: datetime | None = None  # payment (or refund request) time
    description: str = ""
    #: What can still be refunded on this order according to the journal (for the refund action).
    refundable_fen: int = 0
    #: The bill's payment method (NATIVE, MICROPAY, …); None for what the bill lacks.
    trade_type: str | None = None

    @property
    def ok(self) -> bool:
        return self.category in OK_CATEGORIES


@dataclass(frozen=True)
class Reconciliation:
    day: date
    items: tuple[ReconItem, ...]
    bill_paid_fen: int
    journal_paid_fen: int
    bill_refund_fen: int
    journal_refund_fen: int
    counts: Mapping[ReconCategory, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self.items)

    @property
    def problems(self) -> list[ReconItem]:
        return [item for item in self.items if not item.ok]

    def of(self, category: ReconCategory) -> list[ReconItem]:
        return [item for item in self.items if item.category is category]


# ---- the SQL: the bill as a TEMP table of the journal's snapshot --------------------------------------------

_BILL_TABLE = (
    "CREATE TEMP TABLE day_bill ("
    " row INTEGER PRIMARY KEY,"  # the entry's index in DayBill.entries
    " out_trade_no TEXT NOT NULL, trade_state TEXT NOT NULL, out_refund_no TEXT)"
)
_BILL_INSERT = "INSERT INTO day_bill VALUES (?, ?, ?, ?)"
#: Built once the rows are in (cheaper than keeping them up to date row by row).
_BILL_INDEXES = (
    "CREATE INDEX temp.day_bill_orders ON day_bill (out_trade_no, trade_state)",
    "CREATE INDEX temp.day_bill_refunds ON day_bill (out_refund_no)",
)

#: Every payment and refund row of the bill with what the journal says about it.
_BILL_ROWS = """
WITH taken AS (  -- refunded or being refunded, per order (closed and failed refunds gave the money back)
    SELECT out_trade_no, SUM(amount_fen) AS fen FROM refunds
    WHERE state NOT IN (SELECT value FROM json_each(:released)) GROUP BY out_trade_no)
SELECT day_bill.row,
       orders.out_trade_no IS NOT NULL AS order_known,
       orders.amount_fen AS order_fen,
       orders.state AS order_state,
       orders.trade_state AS order_trade_state,
       orders.description AS order_description,
       COALESCE(taken.fen, 0) AS taken_fen,
       refunds.out_refund_no IS NOT NULL AS refund_known,
       refunds.amount_fen AS refund_fen,
       refunds.state AS refund_state,
       refunds.reason AS refund_reason,
       EXISTS (SELECT 1 FROM day_bill AS earlier
               WHERE earlier.out_trade_no = day_bill.out_trade_no AND earlier.trade_state = day_bill.trade_state
                 AND earlier.row < day_bill.row) AS repeated
FROM day_bill
LEFT JOIN orders ON orders.out_trade_no = day_bill.out_trade_no
LEFT JOIN taken ON taken.out_trade_no = day_bill.out_trade_no
LEFT JOIN refunds ON day_bill.trade_state = :refund AND refunds.out_refund_no = day_bill.out_refund_no
WHERE day_bill.trade_state IN (:success, :refund)  -- REVOKED: no money moved
ORDER BY day_bill.row
"""

#: The journal's payments of the day: paid orders whose payment (or, lacking one, charge) time falls on it.
_PAID_ON_DAY = """
FROM orders
WHERE business_day BETWEEN :first AND :last
  AND state IN (SELECT value FROM json_each(:paid))
  AND julianday(COALESCE(success_time, charged_at)) >= julianday(:start)
  AND julianday(COALESCE(success_time, charged_at)) < julianday(:end)
"""

#: What the journal alone has (missing from the bill), payments and refunds alike: the columns of ReconItem.
_UNBILLED_ORDERS = f"""
SELECT out_trade_no, transaction_id, NULL AS out_refund_no, amount_fen AS journal_fen, state AS journal_state,
       COALESCE(success_time, charged_at) AS at, description, method
{_PAID_ON_DAY}
  AND NOT EXISTS (SELECT 1 FROM day_bill
                  WHERE day_bill.out_trade_no = orders.out_trade_no AND day_bill.trade_state = :success)
ORDER BY business_day, sequence
"""

#: The journal's refunds requested that day that hold money (not closed or failed).
_REFUNDS_ON_DAY = """
FROM refunds
WHERE state NOT IN (SELECT value FROM json_each(:released))
  AND julianday(requested_at) >= julianday(:start) AND julianday(requested_at) < julianday(:end)
"""

_UNBILLED_REFUNDS = f"""
SELECT refunds.out_trade_no,
       (SELECT transaction_id FROM orders WHERE orders.out_trade_no = refunds.out_trade_no) AS transaction_id,
       refunds.out_refund_no, refunds.amount_fen AS journal_fen, refunds.state AS journal_state,
       refunds.requested_at AS at, refunds.reason AS description,
       (SELECT method FROM orders WHERE orders.out_trade_no = refunds.out_trade_no) AS method
{_REFUNDS_ON_DAY}
  AND NOT EXISTS (SELECT 1 FROM day_bill
                  WHERE day_bill.out_refund_no = refunds.out_refund_no AND day_bill.trade_state = :refund)
ORDER BY refunds.requested_at
"""


def reconcile(journal: Journal, bill: DayBill, *, prefix: str | None = None) -> Reconciliation:
    """Compare ``bill`` (of ``bill.day``) with the journal. ``prefix``: this kiosk's out_trade_no prefix, so that
    another kiosk's orders of the same store are told apart from payments without a sale."""
    day = bill.day
    start = datetime.combine(day, time(0), CHINA_TZ)
    parameters = {
        "success": TradeState.SUCCESS,
        "refund": TradeState.REFUND,
        "paid": json.dumps(sorted(PAID_STATES)),
        "released": json.dumps(sorted(REFUND_RELEASED)),
        # An order paid on D was charged on D-1 (paid after midnight) or on D.
        "first": (day - timedelta(days=1)).isoformat(),
        "last": (day + timedelta(days=1)).isoformat(),
        "start": start.isoformat(),
        "end": (start + timedelta(days=1)).isoformat(),
    }
    entries = bill.entries
    items: list[ReconItem] = []
    with journal.snapshot() as db:
        db.execute(_BILL_TABLE)
        db.executemany(
            _BILL_INSERT, ((row, e.out_trade_no, e.trade_state, e.out_refund_no) for row, e in enumerate(entries))
        )
        for statement in _BILL_INDEXES:
            db.execute(statement)
        for row in db.execute(_BILL_ROWS, parameters):
            entry = entries[row["row"]]
            items.append(_refund_item(entry, row) if entry.is_refund else _payment_item(entry, row, prefix))
        for row in db.execute(_UNBILLED_ORDERS, parameters):
            items.append(_journal_only_item(ReconCategory.MISSING_IN_BILL, Action.CHECK_WECHAT, row))
        for row in db.execute(_UNBILLED_REFUNDS, parameters):
            items.append(_journal_only_item(ReconCategory.REFUND_MISSING_IN_BILL, Action.REQUERY_REFUND, row))
        journal_paid = db.execute(f"SELECT COALESCE(SUM(amount_fen), 0) {_PAID_ON_DAY}", parameters).fetchone()[0]
        journal_refund = db.execute(f"SELECT COALESCE(SUM(amount_fen), 0) {_REFUNDS_ON_DAY}", parameters).fetchone()[0]
    return Reconciliation(
        day=day,
        items=tuple(items),
        bill_paid_fen=sum(e.order_total_fen for e in entries if e.trade_state == TradeState.SUCCESS),
        journal_paid_fen=journal_paid,
        bill_refund_fen=sum(e.refund_fen for e in entries if e.trade_state == TradeState.REFUND),
        journal_refund_fen=journal_refund,
        counts=dict(Counter(item.category for item in items)),
    )


# ---- the rules ----------------------------------------------------------------------------------------------


def _payment_item(entry: BillEntry, row: sqlite3.Row, prefix: str | None) -> ReconItem:
    """A SUCCESS row of the bill and the journal's order of the same out_trade_no (if any)."""
    total = entry.order_total_fen
    known = row["order_known"]
    amount, state = row["order_fen"], row["order_state"]
    left = max(amount - row["taken_fen"], 0) if known else total
    if row["repeated"]:
        category, action = ReconCategory.DUPLICATE_IN_BILL, Action.CHECK_WECHAT
    elif not known:
        if prefix is not None and not entry.out_trade_no.startswith(prefix):
            category, action = ReconCategory.OTHER_KIOSK, Action.NONE
        else:
            category, action = ReconCategory.MISSING_IN_JOURNAL, Action.REFUND
    elif state == State.PAID:
        matched = amount == total
        category = ReconCategory.MATCHED if matched else ReconCategory.AMOUNT_MISMATCH
        action = Action.NONE if matched else Action.CHECK_WECHAT
    elif state == State.PAID_AFTER_CANCEL:
        category, action = ReconCategory.PAID_AFTER_CANCEL, (Action.REFUND if left else Action.NONE)
    elif row["order_trade_state"] == TradeState.REVOKED:
        category, action = ReconCategory.REVERSED, Action.NONE  # the reverse gave the money back
    else:
        category, action = ReconCategory.UNPAID_IN_JOURNAL, Action.REQUERY
    return ReconItem(
        category=category,
        action=action,
        out_trade_no=entry.out_trade_no,
        transaction_id=entry.transaction_id,
        bill_fen=total,
        journal_fen=amount,
        journal_state=state,
        bill_state=entry.trade_state,
        time=entry.trade_time,
        description=row["order_description"] if known else entry.goods_name,
        refundable_fen=left,
        trade_type=entry.trade_type,
    )


def _refund_item(entry: BillEntry, row: sqlite3.Row) -> ReconItem:
    """A REFUND row of the bill and the journal's refund of the same out_refund_no (if any)."""
    if not row["refund_known"] and row["order_trade_state"] == TradeState.REVOKED:
        # No refund the kiosk asked for: the reverse of a payment-code order that had been paid.
        category, action = ReconCategory.REVERSED, Action.NONE
        description = row["order_description"]
    elif not row["refund_known"]:
        category, action = ReconCategory.REFUND_MISSING_IN_JOURNAL, Action.CHECK_REFUND
        description = row["order_description"] if row["order_known"] else entry.goods_name
    else:
        same = row["refund_fen"] == entry.refund_fen and row["refund_state"] == (entry.refund_status or "")
        category = ReconCategory.REFUND_MATCHED if same else ReconCategory.REFUND_MISMATCH
        action = Action.NONE if same else Action.REQUERY_REFUND
        description = row["refund_reason"]
    return ReconItem(
        category=category,
        action=action,
        out_trade_no=entry.out_trade_no,
        transaction_id=entry.transaction_id,
        out_refund_no=entry.out_refund_no,
        bill_fen=entry.refund_fen,
        journal_fen=row["refund_fen"],
        journal_state=row["refund_state"],
        bill_state=entry.refund_status,
        time=entry.trade_time,
        description=description,
        trade_type=entry.trade_type,
    )


def _journal_only_item(category: ReconCategory, action: Action, row: sqlite3.Row) -> ReconItem:
    """A payment (or refund) of the day in the journal that the bill lacks (or lists only as REVOKED)."""
    return ReconItem(
        category,
        action,
        row["out_trade_no"],
        transaction_id=row["transaction_id"],
        out_refund_no=row["out_refund_no"],
        journal_fen=row["journal_fen"],
        journal_state=row["journal_state"],
        time=parse_timestamp(row["at"]),
        description=row["description"],
        trade_type=row["method"],
    )


def sort_for_display(items: Sequence[ReconItem]) -> list[ReconItem]:
    """Problems first (in category order), then the matched ones; each group by time."""
    order = {category: index for index, category in enumerate(ReconCategory)}
    far = datetime.max.replace(tzinfo=CHINA_TZ)
    return sorted(items, key=lambda i: (i.ok, order[i.category], i.time or far, i.out_trade_no))
