"""Reconcile one day's WeChat Pay trade bill against the kiosk's journal: pure, dict-indexed, one pass each.

Which journal orders belong to bill day D: paid orders whose payment time (Beijing) falls on D — an order
charged at 23:59 and paid at 00:01 is in the next day's bill. The caller passes orders of D-1..D+1 so such
orders are found on both sides of midnight (:func:`journal_window`).

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
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import partial
from operator import attrgetter, itemgetter, methodcaller
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from kiosk.bulk import gc_paused
from kiosk.checkout.session import State
from kiosk.clock import CHINA_TZ
from kiosk.journal import RefundRow, parse_timestamp
from kiosk.manager.summaries import refunded_by_order
from kiosk.trade import REFUND_RELEASED, TradeState
from kiosk.wechatpay.bills import BillRow, TradeBill

PAID = frozenset({State.PAID, State.PAID_AFTER_CANCEL})


_STATES = {state.value: state for state in State}


class OrderLike(Protocol):
    """What reconciliation reads of an order: a ``PaymentSession`` or a lean :class:`JournalOrder`."""

    @property
    def out_trade_no(self) -> str: ...
    @property
    def amount_fen(self) -> int: ...
    @property
    def state(self) -> State: ...
    @property
    def description(self) -> str: ...
    @property
    def transaction_id(self) -> str | None: ...
    @property
    def success_time(self) -> datetime | None: ...
    @property
    def charged_at(self) -> datetime: ...


class JournalOrder(NamedTuple):
    """An order as reconciliation needs it, read straight from the journal file (see :func:`read_orders`)."""

    out_trade_no: str
    amount_fen: int
    state: State
    description: str
    transaction_id: str | None
    success_time: datetime | None
    charged_at: datetime


def read_orders(journal_path: Path | str, first: date, last: date) -> list[JournalOrder]:
    """The orders of business days ``first..last`` through a read-only connection of their own.

    ``KioskCore.orders_between`` builds full sessions through sqlite-utils (~50 µs an order); a 100,000-order
    day needs a lean query of the seven columns used here."""
    uri = Path(journal_path).resolve().as_uri() + "?mode=ro"
    parse = datetime.fromisoformat
    new = partial(tuple.__new__, JournalOrder)  # JournalOrder(...) without its Python-level __new__
    # The fetch too: its 100,000 row tuples would set off GC passes over everything alive (a parsed bill
    # beside it made the read ~60 % slower).
    with gc_paused():
        connection = sqlite3.connect(uri, uri=True, timeout=10.0)
        try:
            rows = connection.execute(
                "SELECT out_trade_no, amount_fen, state, description, transaction_id, success_time, charged_at"
                " FROM orders WHERE business_day BETWEEN ? AND ? ORDER BY business_day, sequence",
                (first.isoformat(), last.isoformat()),
            ).fetchall()
        finally:
            connection.close()
        return [
            new((otn, amount, _STATES[state], text, tx, parse(paid) if paid else None, parse(charged)))
            for otn, amount, state, text, tx, paid, charged in rows
        ]


class Category(StrEnum):
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


class Action(StrEnum):
    NONE = "none"
    REFUND = "refund"  # refund a payment that has no sale
    REQUERY = "requery"  # re-query the order: the journal is behind
    CHECK_WECHAT = "check_wechat"  # look the order up in the WeChat Pay merchant platform
    REQUERY_REFUND = "requery_refund"
    CHECK_REFUND = "check_refund"


#: Categories that need nobody's attention.
OK_CATEGORIES = frozenset({Category.MATCHED, Category.OTHER_KIOSK, Category.REFUND_MATCHED})


class BillEntry(NamedTuple):
    """One bill row, reduced to what reconciliation and the screen need (amounts in fen)."""

    trade_time: datetime
    transaction_id: str
    out_trade_no: str
    trade_state: str  # SUCCESS, REFUND or REVOKED
    settlement_fen: int
    order_total_fen: int
    fee_fen: int
    out_refund_no: str | None = None
    refund_id: str | None = None
    refund_fen: int = 0
    refund_status: str | None = None
    goods_name: str = ""

    @property
    def is_refund(self) -> bool:
        return self.trade_state == TradeState.REFUND


@dataclass(frozen=True)
class BillTotals:
    """The bill's own summary row (WeChat Pay's numbers, not recomputed)."""

    trade_count: int
    settlement_fen: int
    refund_fen: int
    fee_fen: int
    order_total_fen: int


@dataclass(frozen=True)
class DayBill:
    day: date
    entries: tuple[BillEntry, ...]
    totals: BillTotals
    #: The relay kept only this store's rows of a merchant-wide bill (the totals are the merchant's).
    filtered: bool = False

    @property
    def payments(self) -> list[BillEntry]:
        return [e for e in self.entries if not e.is_refund]

    @property
    def refunds(self) -> list[BillEntry]:
        return [e for e in self.entries if e.is_refund]


def _none_if_placeholder(value: str | None) -> str | None:
    # The ALL bill writes "0" for the refund numbers of a payment row.
    return None if value in (None, "", "0") else value


def entry_from_row(row: BillRow) -> BillEntry:
    return BillEntry(
        trade_time=row.trade_time,
        transaction_id=row.transaction_id,
        out_trade_no=row.out_trade_no,
        trade_state=row.trade_state,
        settlement_fen=row.settlement_total_fen,
        order_total_fen=row.order_total_fen,
        fee_fen=row.fee_fen,
        out_refund_no=_none_if_placeholder(row.out_refund_no),
        refund_id=_none_if_placeholder(row.refund_id),
        refund_fen=row.refund_fen or 0,
        refund_status=row.refund_status,
        goods_name=row.goods_name or "",
    )


_PLACEHOLDERS = frozenset({"", "0"})
_new_entry = partial(tuple.__new__, BillEntry)  # BillEntry(*values) without the Python-level __new__


def _placeholders_to_none(values: Sequence[str | None]) -> list[str | None]:
    return [None if value is None or value in _PLACEHOLDERS else value for value in values]


def bill_from_trade_bill(day: date, bill: TradeBill) -> DayBill:
    s = bill.summary
    totals = BillTotals(
        s.trade_count, s.settlement_total_fen, s.refund_total_fen or 0, s.fee_total_fen, s.order_total_fen
    )
    # Column by column (what entry_from_row does for one row): a 100,000-row day goes through here, and a bill
    # from the fast parser hands over its columns without ever building its row objects.
    column = bill.column
    with gc_paused():
        entries = tuple(
            map(
                _new_entry,
                zip(
                    column("trade_time"),
                    column("transaction_id"),
                    column("out_trade_no"),
                    column("trade_state"),
                    column("settlement_total_fen"),
                    column("order_total_fen"),
                    column("fee_fen"),
                    _placeholders_to_none(column("out_refund_no")),
                    _placeholders_to_none(column("refund_id")),
                    [fen or 0 for fen in column("refund_fen")],
                    column("refund_status"),
                    [name or "" for name in column("goods_name")],
                    strict=True,
                ),
            )
        )
        return DayBill(day, entries, totals)


class BillDataError(ValueError):
    """The relay's bill JSON lacks a field or has a value of the wrong type."""


def _int(data: Mapping[str, Any], key: str, default: int | None = None) -> int:
    value = data.get(key, default)
    if value is None and default is not None:
        return default
    if type(value) is not int:
        raise BillDataError(f"bill field {key!r} is not an integer: {value!r}")
    return value


_TEXT_FIELDS = ("transaction_id", "out_trade_no", "trade_state")
_OPTIONAL_TEXT = ("out_refund_no", "refund_id", "refund_status", "goods_name")
_INT_FIELDS = ("settlement_total_fen", "order_total_fen")
_OPTIONAL_INT = ("fee_fen", "refund_fen")


def entry_from_json(data: Mapping[str, Any]) -> BillEntry:
    """A row of the relay's ``GET /v1/bills/{date}`` answer (BillRow fields; times RFC 3339)."""
    # One cheap type pass, then plain construction: a 100,000-row day goes through here.
    try:
        for key in _TEXT_FIELDS:
            if type(data[key]) is not str:
                raise BillDataError(f"bill field {key!r} is not text: {data[key]!r}")
        for key in _INT_FIELDS:
            if type(data[key]) is not int:
                raise BillDataError(f"bill field {key!r} is not an integer: {data[key]!r}")
        for key in _OPTIONAL_TEXT:
            value = data.get(key)
            if value is not None and type(value) is not str:
                raise BillDataError(f"bill field {key!r} is not text: {value!r}")
        for key in _OPTIONAL_INT:
            value = data.get(key)
            if value is not None and type(value) is not int:
                raise BillDataError(f"bill field {key!r} is not an integer: {value!r}")
        when = datetime.fromisoformat(data["trade_time"])
    except (KeyError, ValueError, TypeError) as exc:
        if isinstance(exc, BillDataError):
            raise
        raise BillDataError(f"bill row is malformed: {exc!r}") from None
    if when.tzinfo is None:
        raise BillDataError(f"bill trade_time {data['trade_time']!r} has no UTC offset")
    refund_no, refund_id = data.get("out_refund_no"), data.get("refund_id")
    return BillEntry(
        when,
        data["transaction_id"],
        data["out_trade_no"],
        data["trade_state"],
        data["settlement_total_fen"],
        data["order_total_fen"],
        data.get("fee_fen") or 0,
        None if refund_no in (None, "", "0") else refund_no,
        None if refund_id in (None, "", "0") else refund_id,
        data.get("refund_fen") or 0,
        data.get("refund_status"),
        data.get("goods_name") or "",
    )


_NONE_TYPE = type(None)


def _entries_from_json(rows: list[Any]) -> tuple[BillEntry, ...] | None:
    """:func:`entry_from_json` for every row (objects), column by column; None when any row would make
    :func:`entry_from_json` raise, so the caller can let it say why."""
    if not rows:
        return ()
    if set(map(type, rows)) != {dict}:
        return None

    def column(key: str) -> list[Any]:
        return list(map(itemgetter(key), rows))

    def optional(key: str) -> list[Any]:
        return list(map(methodcaller("get", key), rows))

    return _entries_from_columns(column, optional)


def _entries_from_arrays(columns: list[Any], rows: list[Any]) -> tuple[BillEntry, ...] | None:
    """The same for the columnar answer (each row an array of the values of ``columns``)."""
    if not rows:
        return ()
    if set(map(type, columns)) != {str} or len(set(columns)) != len(columns):
        return None
    if set(map(type, rows)) != {list} or set(map(len, rows)) != {len(columns)}:
        return None
    at = {name: index for index, name in enumerate(columns)}

    def column(key: str) -> list[Any]:
        return list(map(itemgetter(at[key]), rows))  # KeyError for a missing column, as for a missing field

    def optional(key: str) -> list[Any]:
        return column(key) if key in at else [None] * len(rows)

    return _entries_from_columns(column, optional)


def _entries_from_columns(
    column: Callable[[str], list[Any]], optional: Callable[[str], list[Any]]
) -> tuple[BillEntry, ...] | None:
    """The entries from the values of each field (C-level passes for the type checks and the construction);
    None when a value is missing or of the wrong type."""
    try:
        texts = [column(key) for key in _TEXT_FIELDS]
        ints = [column(key) for key in _INT_FIELDS]
        refund_no, refund_id, status, goods = (optional(key) for key in _OPTIONAL_TEXT)
        fee, refund = (optional(key) for key in _OPTIONAL_INT)
        stamps = column("trade_time")
        if (
            any(set(map(type, values)) != {str} for values in texts)
            or any(set(map(type, values)) != {int} for values in ints)
            or any(not set(map(type, values)) <= {str, _NONE_TYPE} for values in (refund_no, refund_id, status, goods))
            or any(not set(map(type, values)) <= {int, _NONE_TYPE} for values in (fee, refund))
            or set(map(type, stamps)) != {str}
        ):
            return None
        times = list(map(datetime.fromisoformat, stamps))
    except (KeyError, ValueError, TypeError):
        return None
    if None in set(map(attrgetter("tzinfo"), times)):
        return None
    return tuple(
        map(
            _new_entry,
            zip(
                times,
                *texts,
                *ints,
                [value or 0 for value in fee],
                _placeholders_to_none(refund_no),
                _placeholders_to_none(refund_id),
                [value or 0 for value in refund],
                status,
                [value or "" for value in goods],
                strict=True,
            ),
        )
    )


def _row_objects(columns: Any, rows: list[Any]) -> list[Any]:
    """The columnar rows as objects, for the row-by-row reference to say what is wrong."""
    if not isinstance(columns, list) or not all(isinstance(name, str) for name in columns):
        raise BillDataError("the bill's columns are not a list of names")
    objects = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, list) or len(row) != len(columns):
            raise BillDataError(f"bill row {number} is not an array of {len(columns)} values")
        objects.append(dict(zip(columns, row, strict=True)))
    return objects


def bill_from_json(day: date, body: Mapping[str, Any]) -> DayBill:
    """The relay's answer: ``rows`` as arrays of the values named by ``columns`` (what the relay sends), or,
    without ``columns``, as objects (what relays sent before; still read)."""
    rows = body.get("rows")
    summary = body.get("summary")
    if not isinstance(rows, list) or not isinstance(summary, dict):
        raise BillDataError("the bill has no rows list or no summary")
    columns = body.get("columns")
    with gc_paused():
        if columns is None:
            entries = _entries_from_json(rows)
        else:
            entries = _entries_from_arrays(columns, rows) if isinstance(columns, list) else None
            if entries is None:
                rows = _row_objects(columns, rows)
        if entries is None:  # something is wrong: the row-by-row reference finds it and says what
            entries = tuple(entry_from_json(r) for r in rows)
    totals = BillTotals(
        trade_count=_int(summary, "trade_count"),
        settlement_fen=_int(summary, "settlement_total_fen"),
        refund_fen=_int(summary, "refund_total_fen", 0),
        fee_fen=_int(summary, "fee_total_fen", 0),
        order_total_fen=_int(summary, "order_total_fen"),
    )
    return DayBill(day, entries, totals, filtered=bool(body.get("filtered_for_store")))


def check_totals(bill: DayBill) -> list[str]:
    """Disagreements between the bill's summary row and its rows (empty when consistent)."""
    if bill.filtered:
        return []  # the summary covers the whole merchant, the rows only this store
    problems = []
    if bill.totals.trade_count != len(bill.entries):
        problems.append(f"summary counts {bill.totals.trade_count} rows, the bill has {len(bill.entries)}")
    settled = sum(e.settlement_fen for e in bill.entries)
    if settled != bill.totals.settlement_fen:
        problems.append(f"settled amounts add up to {settled} fen, the summary says {bill.totals.settlement_fen}")
    refunded = sum(e.refund_fen for e in bill.entries if e.is_refund)
    if refunded != bill.totals.refund_fen:
        problems.append(f"refunds add up to {refunded} fen, the summary says {bill.totals.refund_fen}")
    return problems


# ---- the reconciliation -------------------------------------------------------------------------


class ReconItem(NamedTuple):
    category: Category
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
    counts: Mapping[Category, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self.items)

    @property
    def problems(self) -> list[ReconItem]:
        return [item for item in self.items if not item.ok]

    def of(self, category: Category) -> list[ReconItem]:
        return [item for item in self.items if item.category is category]


def journal_window(day: date) -> tuple[date, date]:
    """The business days whose orders to pass for bill day ``day``."""
    return day - timedelta(days=1), day + timedelta(days=1)


def reconcile(
    day: date,
    bill: DayBill,
    orders: Iterable[OrderLike],
    refunds: Iterable[RefundRow],
    *,
    prefix: str | None = None,
) -> Reconciliation:
    """Compare the bill of ``day`` with the journal. ``orders``: the journal's orders of ``journal_window(day)``
    (more is fine); ``refunds``: the journal's refunds (any day); ``prefix``: this kiosk's out_trade_no prefix,
    so that another kiosk's orders of the same store are told apart from payments without a sale."""
    with gc_paused():
        return _reconcile(day, bill, orders, refunds, prefix)


def _reconcile(
    day: date, bill: DayBill, orders: Iterable[OrderLike], refunds: Iterable[RefundRow], prefix: str | None
) -> Reconciliation:
    by_otn: dict[str, OrderLike] = {o.out_trade_no: o for o in orders}
    refund_list = list(refunds)
    refunds_by_no: dict[str, RefundRow] = {r.out_refund_no: r for r in refund_list}
    refunded = refunded_by_order(refund_list)
    items: list[ReconItem] = []
    seen_payments: set[str] = set()
    seen_refunds: set[str] = set()
    bill_paid = bill_refund = 0

    new_item = partial(tuple.__new__, ReconItem)  # all twelve fields given: skips ReconItem's Python __new__
    # ~100,000 entries a day, almost all matched: what the loop uses is bound to locals, each entry is unpacked
    # once (BillEntry's twelve fields, no attribute lookups) and a paid order is tested before the rare states.
    append = items.append
    order_of = by_otn.get
    refunded_of = refunded.get
    seen_add = seen_payments.add
    paid, paid_after_cancel = State.PAID, State.PAID_AFTER_CANCEL
    matched, none = Category.MATCHED, Action.NONE
    success = TradeState.SUCCESS
    for entry in bill.entries:
        trade_time, tx, otn, trade_state, _, total, _, _, _, refund_fen, _, goods = entry
        if trade_state != success:
            if trade_state == TradeState.REFUND:
                bill_refund += refund_fen
                append(_refund_item(entry, refunds_by_no, by_otn, seen_refunds))
            continue  # REVOKED: no money moved; a journal "paid" for it shows up as missing_in_bill
        bill_paid += total
        order = order_of(otn)
        if order is None:
            left = total
            if otn in seen_payments:
                category, action = Category.DUPLICATE_IN_BILL, Action.CHECK_WECHAT
            elif prefix is not None and not otn.startswith(prefix):
                category, action = Category.OTHER_KIOSK, none
            else:
                category, action = Category.MISSING_IN_JOURNAL, Action.REFUND
            seen_add(otn)
            append(new_item((category, action, otn, tx, None, total, None, None, success, trade_time, goods, left)))
            continue
        amount = order.amount_fen
        state = order.state
        left = amount - refunded_of(otn, 0)
        if left < 0:
            left = 0
        if otn in seen_payments:
            category, action = Category.DUPLICATE_IN_BILL, Action.CHECK_WECHAT
        elif state is paid:
            category, action = (matched, none) if amount == total else (Category.AMOUNT_MISMATCH, Action.CHECK_WECHAT)
        elif state is paid_after_cancel:
            category, action = Category.PAID_AFTER_CANCEL, (Action.REFUND if left else none)
        else:
            category, action = Category.UNPAID_IN_JOURNAL, Action.REQUERY
        seen_add(otn)
        append(
            new_item(
                (category, action, otn, tx, None, total, amount, state, success, trade_time, order.description, left)
            )
        )

    journal_paid = 0
    # Day D in Beijing as an aware start and a length: one subtraction per order instead of a timezone
    # conversion. Parsed timestamps each carry their own tzinfo object, so every aware comparison or
    # subtraction calls utcoffset() on both sides; one subtraction costs half of two comparisons.
    start = datetime.combine(day, time(0), CHINA_TZ)
    zero, one_day = timedelta(0), timedelta(days=1)
    for order in by_otn.values():
        state = order.state
        if state is not paid and state is not paid_after_cancel:  # not in PAID
            continue
        when = order.success_time or order.charged_at
        if not zero <= when - start < one_day:
            continue
        journal_paid += order.amount_fen
        if order.out_trade_no in seen_payments:
            continue
        items.append(
            ReconItem(
                Category.MISSING_IN_BILL,
                Action.CHECK_WECHAT,
                order.out_trade_no,
                transaction_id=order.transaction_id,
                journal_fen=order.amount_fen,
                journal_state=state,
                time=when,
                description=order.description,
            )
        )

    journal_refund = 0
    for refund in refund_list:
        requested = parse_timestamp(refund.requested_at)
        if refund.state in REFUND_RELEASED or requested is None or requested.astimezone(CHINA_TZ).date() != day:
            continue
        journal_refund += refund.amount_fen
        if refund.out_refund_no in seen_refunds:
            continue
        order = by_otn.get(refund.out_trade_no)
        items.append(
            ReconItem(
                Category.REFUND_MISSING_IN_BILL,
                Action.REQUERY_REFUND,
                refund.out_trade_no,
                transaction_id=order.transaction_id if order is not None else None,
                out_refund_no=refund.out_refund_no,
                journal_fen=refund.amount_fen,
                journal_state=refund.state,
                time=requested,
                description=refund.reason,
            )
        )

    counts = Counter(map(itemgetter(0), items))  # the categories
    return Reconciliation(
        day=day,
        items=tuple(items),
        bill_paid_fen=bill_paid,
        journal_paid_fen=journal_paid,
        bill_refund_fen=bill_refund,
        journal_refund_fen=journal_refund,
        counts=dict(counts),
    )


def _refund_item(
    entry: BillEntry,
    refunds_by_no: Mapping[str, RefundRow],
    orders: Mapping[str, OrderLike],
    seen: set[str],
) -> ReconItem:
    refund = refunds_by_no.get(entry.out_refund_no or "")
    order = orders.get(entry.out_trade_no)
    common: dict[str, Any] = {
        "out_trade_no": entry.out_trade_no,
        "transaction_id": entry.transaction_id,
        "out_refund_no": entry.out_refund_no,
        "bill_fen": entry.refund_fen,
        "bill_state": entry.refund_status,
        "time": entry.trade_time,
    }
    if refund is None:
        return ReconItem(
            Category.REFUND_MISSING_IN_JOURNAL,
            Action.CHECK_REFUND,
            description=order.description if order is not None else entry.goods_name,
            **common,
        )
    seen.add(refund.out_refund_no)
    same_amount = refund.amount_fen == entry.refund_fen
    same_state = refund.state == (entry.refund_status or "")
    category = Category.REFUND_MATCHED if same_amount and same_state else Category.REFUND_MISMATCH
    return ReconItem(
        category,
        Action.NONE if category is Category.REFUND_MATCHED else Action.REQUERY_REFUND,
        journal_fen=refund.amount_fen,
        journal_state=refund.state,
        description=refund.reason,
        **common,
    )


def sort_for_display(items: Sequence[ReconItem]) -> list[ReconItem]:
    """Problems first (in category order), then the matched ones; each group by time."""
    order = {category: index for index, category in enumerate(Category)}
    far = datetime.max.replace(tzinfo=CHINA_TZ)
    return sorted(items, key=lambda i: (i.ok, order[i.category], i.time or far, i.out_trade_no))
