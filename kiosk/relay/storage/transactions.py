"""Every transaction of the relay's storage, written once for every engine (sans-IO, like the client's flows).

A transaction is a generator: it yields the statements it needs (:func:`one`, :func:`rows`, :func:`run`) and
gets each one's result back (a row as a dict, the rows, or the number of rows changed), then returns its
answer. An engine drives it inside one database transaction: SQLite on its writer thread, PostgreSQL on a
pooled connection (again from the start if the database asks for a retry). The state rules are therefore the
same on every engine and hold with several writers:

- an order's state moves only by ``UPDATE … WHERE state IN (its predecessors)`` (``kiosk.trade``);
- a notification id is claimed by ``INSERT … ON CONFLICT DO NOTHING`` on its primary key, in the same
  transaction as the change it carries, so concurrent copies change the order once;
- everything that reads an order to decide about it or its refunds first locks the order's row (``FOR
  UPDATE`` where the engine has row locks; SQLite has a single writer), so the refunds holding an order's
  amount are summed while no other refund of that order can be inserted or settled;
- a payment-code flow's step only moves forward (``UPDATE … WHERE step IN (its predecessors)``, its row
  locked first).
"""

from __future__ import annotations

import dataclasses
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, ParamSpec, TypeVar

from kiosk.clock import CHINA_TZ
from kiosk.relay.gateway import RefundReport, TradeReport
from kiosk.trade import (
    PAID,
    PAYABLE,
    REFUND_FINAL,
    REFUND_RELEASED,
    RefundStatus,
    TradeState,
    TradeType,
    refund_predecessors,
    trade_predecessors,
)

from .interface import (
    CODEPAY_STEPS,
    CodePayDraft,
    CodePayRecord,
    CodePayStep,
    EventRecord,
    Inserted,
    Mismatch,
    OrderChange,
    OrderDraft,
    OrderRecord,
    Outcome,
    RefundChange,
    RefundDraft,
    RefundRecord,
)

T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R", OrderRecord, RefundRecord, EventRecord, CodePayRecord)


@dataclass(frozen=True, slots=True)
class Statement:
    sql: str
    params: tuple[Any, ...]
    fetch: Literal["one", "all", "count"]
    for_update: bool = False


#: A transaction: yields statements, receives their results, returns its answer.
Transaction = Generator[Statement, Any, T]


def one(sql: str, *params: Any, for_update: bool = False) -> Statement:
    """The first row as a dict, or None."""
    return Statement(sql, params, "one", for_update)


def rows(sql: str, *params: Any) -> Statement:
    """Every row, as dicts."""
    return Statement(sql, params, "all")


def run(sql: str, *params: Any) -> Statement:
    """The number of rows the statement changed."""
    return Statement(sql, params, "count")


def marks(values: Sequence[Any]) -> str:
    return ",".join("?" for _ in values)


#: Columns whose stored value reads back as a word of the vocabulary, or as a flag (stored as 0 or 1).
_VALUES: dict[str, Callable[[Any], Any]] = {
    "trade_type": TradeType,
    "step": CodePayStep,
    "unresolved": bool,
    "resent": bool,
}


def record(kind: type[R], row: dict[str, Any]) -> R:
    """A row as its record: the record's fields are the table's columns."""
    values = {field.name: row[field.name] for field in dataclasses.fields(kind)}
    for name, read in _VALUES.items():
        if values.get(name) is not None:
            values[name] = read(values[name])
    return kind(**values)


RELEASED = sorted(REFUND_RELEASED)


# ---- reading --------------------------------------------------------------------------------------------


def _order_row(out_trade_no: str, *, lock: bool = False) -> Transaction[dict[str, Any] | None]:
    row: dict[str, Any] | None = yield one("SELECT * FROM orders WHERE out_trade_no = ?", out_trade_no, for_update=lock)
    return row


def _refund_row(out_refund_no: str) -> Transaction[dict[str, Any] | None]:
    row: dict[str, Any] | None = yield one("SELECT * FROM refunds WHERE out_refund_no = ?", out_refund_no)
    return row


def order(out_trade_no: str) -> Transaction[OrderRecord | None]:
    row = yield from _order_row(out_trade_no)
    return record(OrderRecord, row) if row is not None else None


def refund(out_refund_no: str) -> Transaction[RefundRecord | None]:
    row = yield from _refund_row(out_refund_no)
    return record(RefundRecord, row) if row is not None else None


def _fresh_order(out_trade_no: str) -> Transaction[OrderRecord]:
    row = yield from _order_row(out_trade_no)
    assert row is not None
    return record(OrderRecord, row)


def _fresh_refund(out_refund_no: str) -> Transaction[RefundRecord]:
    row = yield from _refund_row(out_refund_no)
    assert row is not None
    return record(RefundRecord, row)


def payable_orders() -> Transaction[list[str]]:
    states = sorted(PAYABLE)
    found = yield rows(
        f"SELECT out_trade_no FROM orders WHERE state IN ({marks(states)}) AND trade_type = ?",
        *states,
        TradeType.NATIVE,
    )
    return [row["out_trade_no"] for row in found]


def stores_of(out_trade_nos: Sequence[str]) -> Transaction[dict[str, str]]:
    owners: dict[str, str] = {}
    for start in range(0, len(out_trade_nos), 500):  # stay under SQLite's bound-parameter limit
        chunk = out_trade_nos[start : start + 500]
        found = yield rows(f"SELECT out_trade_no, store_id FROM orders WHERE out_trade_no IN ({marks(chunk)})", *chunk)
        owners.update((row["out_trade_no"], row["store_id"]) for row in found)
    return owners


def unfinished_refunds() -> Transaction[list[str]]:
    final = sorted(REFUND_FINAL)
    found = yield rows(f"SELECT out_refund_no FROM refunds WHERE status NOT IN ({marks(final)})", *final)
    return [row["out_refund_no"] for row in found]


def events(out_trade_no: str) -> Transaction[list[EventRecord]]:
    found = yield rows("SELECT * FROM events WHERE out_trade_no = ? ORDER BY seq", out_trade_no)
    return [record(EventRecord, row) for row in found]


def cached_bill(store_id: str, bill_date: date, bill_type: str) -> Transaction[bytes | None]:
    row = yield one(
        "SELECT body FROM bill_answers WHERE store_id = ? AND bill_date = ? AND bill_type = ?",
        store_id,
        bill_date.isoformat(),
        bill_type,
    )
    return bytes(row["body"]) if row is not None else None


# ---- writing --------------------------------------------------------------------------------------------


def _record_event(at: datetime, kind: str, out_trade_no: str | None, detail: Any) -> Transaction[None]:
    yield run(
        "INSERT INTO events (at, kind, out_trade_no, detail) VALUES (?, ?, ?, ?)",
        at,
        kind,
        out_trade_no,
        json.dumps(detail, ensure_ascii=False, default=str),
    )


def insert_order(draft: OrderDraft) -> Transaction[tuple[Inserted, OrderRecord]]:
    items = json.dumps(draft.items, ensure_ascii=False) if draft.items is not None else None
    created = yield run(
        """INSERT INTO orders (out_trade_no, store_id, kiosk_id, trade_type, amount_fen, description, attach, items,
               time_expire, state, version, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (out_trade_no) DO NOTHING""",
        draft.out_trade_no,
        draft.store_id,
        draft.kiosk_id,
        draft.trade_type,
        draft.amount_fen,
        draft.description,
        draft.attach,
        items,
        draft.time_expire,
        TradeState.NOTPAY,
        draft.at,
        draft.at,
    )
    if not created:
        return Inserted.EXISTS, (yield from _fresh_order(draft.out_trade_no))
    detail = {"kiosk": draft.kiosk_id, "amount_fen": draft.amount_fen, "trade_type": draft.trade_type}
    yield from _record_event(draft.at, "created", draft.out_trade_no, detail)
    return Inserted.CREATED, (yield from _fresh_order(draft.out_trade_no))


# ---- payment-code flows ---------------------------------------------------------------------------------


def _codepay_row(out_trade_no: str, *, lock: bool = False) -> Transaction[dict[str, Any] | None]:
    row: dict[str, Any] | None = yield one(
        "SELECT * FROM codepay WHERE out_trade_no = ?", out_trade_no, for_update=lock
    )
    return row


def codepay(out_trade_no: str) -> Transaction[CodePayRecord | None]:
    row = yield from _codepay_row(out_trade_no)
    return record(CodePayRecord, row) if row is not None else None


def active_codepays() -> Transaction[list[CodePayRecord]]:
    found = yield rows("SELECT * FROM codepay WHERE step <> ? ORDER BY charged_at", CodePayStep.DONE)
    return [record(CodePayRecord, row) for row in found]


def insert_codepay(draft: OrderDraft, flow: CodePayDraft) -> Transaction[tuple[Inserted, OrderRecord]]:
    inserted, order = yield from insert_order(draft)
    if inserted is Inserted.CREATED:
        yield run(
            """INSERT INTO codepay (out_trade_no, payment_code, device_ip, charged_at, step, updated_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            draft.out_trade_no,
            flow.payment_code,
            flow.device_ip,
            flow.charged_at,
            CodePayStep.CHARGING,
            draft.at,
        )
        detail = {"to": CodePayStep.CHARGING, "payment_code": flow.payment_code}
        yield from _record_event(draft.at, "codepay", draft.out_trade_no, detail)
    return inserted, order


def move_codepay(
    out_trade_no: str,
    step: CodePayStep,
    at: datetime,
    next_at: datetime | None,
    attempts: int,
    error: str | None,
    resent: bool,
) -> Transaction[CodePayRecord | None]:
    before = yield from _codepay_row(out_trade_no, lock=True)
    allowed = CODEPAY_STEPS[: CODEPAY_STEPS.index(step) + 1]  # never back
    moved = yield run(
        f"""UPDATE codepay SET step = ?, next_at = ?, attempts = ?, last_error = ?,
                resent = CASE WHEN ? = 1 THEN 1 ELSE resent END, updated_at = ?
            WHERE out_trade_no = ? AND step IN ({marks(allowed)})""",
        step,
        next_at,
        attempts,
        error,
        int(resent),
        at,
        out_trade_no,
        *allowed,
    )
    if moved != 1 or before is None:
        return None
    if before["step"] != step or error != before["last_error"]:
        detail = {"from": before["step"], "to": step, "attempts": attempts, "error": error}
        yield from _record_event(at, "codepay", out_trade_no, detail)
    return (yield from codepay(out_trade_no))


def cancel_codepay(out_trade_no: str, at: datetime) -> Transaction[CodePayRecord | None]:
    cancelled = yield run(
        "UPDATE codepay SET cancel_requested_at = ?, updated_at = ? "
        "WHERE out_trade_no = ? AND step <> ? AND cancel_requested_at IS NULL",
        at,
        at,
        out_trade_no,
        CodePayStep.DONE,
    )
    if cancelled:
        yield from _record_event(at, "codepay_cancel", out_trade_no, {})
    return (yield from codepay(out_trade_no))


def mark_codepay(
    out_trade_no: str, at: datetime, failure: str | None, error_code: str | None, unresolved: bool | None
) -> Transaction[OrderRecord | None]:
    if (yield from _order_row(out_trade_no, lock=True)) is None:
        return None
    changed = 0
    if failure is not None:
        paid = sorted(PAID)  # the money was taken after all: there is no failure to report
        changed += yield run(
            "UPDATE orders SET failure = ?, error_code = ?, version = version + 1, updated_at = ? "
            f"WHERE out_trade_no = ? AND failure IS NULL AND state NOT IN ({marks(paid)})",
            failure,
            error_code,
            at,
            out_trade_no,
            *paid,
        )
    if unresolved is not None:
        changed += yield run(
            "UPDATE orders SET unresolved = ?, version = version + 1, updated_at = ? "
            "WHERE out_trade_no = ? AND unresolved <> ?",
            int(unresolved),
            at,
            out_trade_no,
            int(unresolved),
        )
    if changed:
        detail = {"failure": failure, "error_code": error_code, "unresolved": unresolved}
        yield from _record_event(at, "codepay_mark", out_trade_no, detail)
    return (yield from _fresh_order(out_trade_no))


def set_code_url(out_trade_no: str, code_url: str, at: datetime) -> Transaction[OrderRecord]:
    yield run(
        "UPDATE orders SET code_url = ?, code_url_at = ?, updated_at = ? WHERE out_trade_no = ?",
        code_url,
        at,
        at,
        out_trade_no,
    )
    return (yield from _fresh_order(out_trade_no))


def reject_order(out_trade_no: str, code: str, message: str, at: datetime) -> Transaction[OrderRecord]:
    """A payable order that never had a QR code is CLOSED with WeChat Pay's refusal (never moved back)."""
    states = sorted(PAYABLE)
    rejected = yield run(
        f"""UPDATE orders SET state = ?, trade_state_desc = ?, error_code = ?, version = version + 1, updated_at = ?
            WHERE out_trade_no = ? AND code_url IS NULL AND state IN ({marks(states)})""",
        TradeState.CLOSED,
        message,
        code,
        at,
        out_trade_no,
        *states,
    )
    if rejected == 1:
        yield from _record_event(at, "rejected", out_trade_no, {"code": code, "message": message})
    return (yield from _fresh_order(out_trade_no))


def advance_order(report: TradeReport, at: datetime, source: str, mismatch: Mismatch) -> Transaction[OrderChange]:
    row = yield from _order_row(report.out_trade_no, lock=True)
    if row is None:
        unknown = {"source": source, "state": report.trade_state}
        yield from _record_event(at, "unknown_order", report.out_trade_no, unknown)
        return OrderChange("unknown_order", None)
    current = record(OrderRecord, row)
    problem = mismatch(current)
    if not problem and report.total_fen is not None and report.total_fen != current.amount_fen:
        problem = f"amount {report.total_fen} != {current.amount_fen}"
    if problem:
        yield from _record_event(at, "mismatch", report.out_trade_no, {"source": source, "problem": problem})
        return OrderChange("mismatch", current)
    allowed = trade_predecessors(report.trade_state)
    if not allowed:
        return OrderChange("stale", current)
    changed = yield run(
        f"""UPDATE orders SET state = ?, trade_state_desc = ?, transaction_id = COALESCE(?, transaction_id),
                success_time = COALESCE(?, success_time), payer_total_fen = COALESCE(?, payer_total_fen),
                bank_type = COALESCE(?, bank_type), version = version + 1, updated_at = ?
            WHERE out_trade_no = ? AND state IN ({marks(allowed)})""",
        report.trade_state,
        report.trade_state_desc,
        report.transaction_id,
        report.success_time,
        report.payer_total_fen,
        report.bank_type,
        at,
        report.out_trade_no,
        *allowed,
    )
    if changed != 1:
        return OrderChange("stale", current)
    detail = {
        "source": source,
        "from": current.state,
        "to": report.trade_state,
        "transaction_id": report.transaction_id,
    }
    yield from _record_event(at, "state", report.out_trade_no, detail)
    return OrderChange("applied", (yield from _fresh_order(report.out_trade_no)))


def _claim_notification(
    notification_id: str, event_type: str, out_trade_no: str | None, out_refund_no: str | None, at: datetime
) -> Transaction[bool]:
    claimed = yield run(
        "INSERT INTO notifications (id, event_type, out_trade_no, out_refund_no, outcome, received_at) "
        "VALUES (?, ?, ?, ?, 'received', ?) ON CONFLICT (id) DO NOTHING",
        notification_id,
        event_type,
        out_trade_no,
        out_refund_no,
        at,
    )
    return bool(claimed == 1)


def _settle_notification(notification_id: str, outcome: Outcome) -> Transaction[None]:
    yield run("UPDATE notifications SET outcome = ? WHERE id = ?", outcome, notification_id)


def record_payment_notification(
    notification_id: str, event_type: str, report: TradeReport, at: datetime, mismatch: Mismatch
) -> Transaction[OrderChange]:
    if not (yield from _claim_notification(notification_id, event_type, report.out_trade_no, None, at)):
        return OrderChange("duplicate", None)
    change = yield from advance_order(report, at, "notification", mismatch)
    yield from _settle_notification(notification_id, change.outcome)
    return change


def record_refund_notification(
    notification_id: str, event_type: str, report: RefundReport, at: datetime
) -> Transaction[RefundChange]:
    claimed = yield from _claim_notification(notification_id, event_type, report.out_trade_no, report.out_refund_no, at)
    if not claimed:
        return RefundChange("duplicate", None, None)
    change = yield from advance_refund(report, at, "notification")
    yield from _settle_notification(notification_id, change.outcome)
    return change


def record_other_notification(notification_id: str, event_type: str, at: datetime) -> Transaction[Outcome]:
    if not (yield from _claim_notification(notification_id, event_type, None, None, at)):
        return "duplicate"
    yield from _settle_notification(notification_id, "ignored")
    return "ignored"


def insert_refund(draft: RefundDraft) -> Transaction[tuple[Inserted, RefundRecord | None]]:
    # The order's row lock first: every refund of the order is decided one at a time, with the sum below
    # read after the refunds decided before this one committed.
    paid_order = yield from _order_row(draft.out_trade_no, lock=True)
    existing = yield from _refund_row(draft.out_refund_no)
    if existing is not None:
        return Inserted.EXISTS, record(RefundRecord, existing)
    if paid_order is None or paid_order["state"] not in PAID:
        return Inserted.ORDER_NOT_PAID, None
    held = yield one(
        f"SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS held FROM refunds WHERE out_trade_no = ? "
        f"AND status NOT IN ({marks(RELEASED)})",
        draft.out_trade_no,
        *RELEASED,
    )
    if held["held"] + draft.amount_fen > paid_order["amount_fen"]:
        return Inserted.EXCEEDS_AMOUNT, None
    yield run(
        """INSERT INTO refunds (out_refund_no, out_trade_no, store_id, kiosk_id, amount_fen, total_fen,
               reason, status, version, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)""",
        draft.out_refund_no,
        draft.out_trade_no,
        draft.store_id,
        draft.kiosk_id,
        draft.amount_fen,
        paid_order["amount_fen"],
        draft.reason,
        RefundStatus.PENDING,
        draft.at,
        draft.at,
    )
    detail = {"refund": draft.out_refund_no, "amount_fen": draft.amount_fen, "by": draft.kiosk_id}
    yield from _record_event(draft.at, "refund_requested", draft.out_trade_no, detail)
    return Inserted.CREATED, (yield from _fresh_refund(draft.out_refund_no))


def refuse_refund(out_refund_no: str, code: str, message: str, at: datetime) -> Transaction[RefundRecord]:
    yield run(
        "UPDATE refunds SET status = ?, error_code = ?, error_message = ?, version = version + 1, "
        "updated_at = ? WHERE out_refund_no = ? AND status = ?",
        RefundStatus.FAILED,
        code,
        message,
        at,
        out_refund_no,
        RefundStatus.PENDING,
    )
    return (yield from _fresh_refund(out_refund_no))


def advance_refund(report: RefundReport, at: datetime, source: str) -> Transaction[RefundChange]:
    row = yield from _refund_row(report.out_refund_no)
    if row is None:
        detail = {"source": source, "refund": report.out_refund_no}
        yield from _record_event(at, "unknown_refund", report.out_trade_no, detail)
        return RefundChange("unknown_refund", None, None)
    out_trade_no = row["out_trade_no"]
    # The order's lock before the refund changes: the sum of successful refunds below counts every one.
    yield from _order_row(out_trade_no, lock=True)
    allowed = refund_predecessors(report.status)
    changed = yield run(
        f"""UPDATE refunds SET status = ?, refund_id = COALESCE(?, refund_id),
               success_time = COALESCE(?, success_time), version = version + 1, updated_at = ?
           WHERE out_refund_no = ? AND status IN ({marks(allowed) or "NULL"})""",
        report.status,
        report.refund_id,
        report.success_time,
        at,
        report.out_refund_no,
        *allowed,
    )
    if changed != 1:
        if report.refund_id:
            yield run(
                "UPDATE refunds SET refund_id = ?, updated_at = ? WHERE out_refund_no = ? AND refund_id IS NULL",
                report.refund_id,
                at,
                report.out_refund_no,
            )
        return RefundChange("stale", (yield from _fresh_refund(report.out_refund_no)), None)
    detail = {"source": source, "refund": report.out_refund_no, "from": row["status"], "to": report.status}
    yield from _record_event(at, "refund", out_trade_no, detail)
    changed_order: OrderRecord | None = None
    if report.status == RefundStatus.SUCCESS:
        # The first refund moves a paid order to REFUND; every refund bumps its version (a change kiosks see).
        yield run(
            """UPDATE orders SET refunded_fen = (SELECT COALESCE(SUM(amount_fen), 0) FROM refunds
                                                WHERE out_trade_no = ? AND status = ?),
                   state = CASE WHEN state = ? THEN ? ELSE state END, version = version + 1, updated_at = ?
               WHERE out_trade_no = ?""",
            out_trade_no,
            RefundStatus.SUCCESS,
            TradeState.SUCCESS,
            TradeState.REFUND,
            at,
            out_trade_no,
        )
        changed_order = yield from _fresh_order(out_trade_no)
    return RefundChange("applied", (yield from _fresh_refund(report.out_refund_no)), changed_order)


def cache_bills(bill_date: date, bill_type: str, bodies: Mapping[str, bytes], at: datetime) -> Transaction[None]:
    for store_id, body in bodies.items():
        yield run(
            """INSERT INTO bill_answers (store_id, bill_date, bill_type, body, fetched_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (store_id, bill_date, bill_type) DO UPDATE SET body = excluded.body,
                   fetched_at = excluded.fetched_at""",
            store_id,
            bill_date.isoformat(),
            bill_type,
            body,
            at,
        )


def probe() -> Transaction[None]:
    """The health check's write: one small row changed and committed the way every write is."""
    yield run("INSERT INTO probe (id, writes) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET writes = probe.writes + 1")


def _instant(moment: datetime) -> str:
    """A lease's time to the microsecond (stored times are whole seconds; a lease of a few seconds needs more),
    always with six digits, so that SQLite's text compares like PostgreSQL's timestamptz."""
    return moment.astimezone(CHINA_TZ).isoformat(timespec="microseconds")


def claim_lease(name: str, holder: str, at: datetime, until: datetime) -> Transaction[bool]:
    """Hold the lease ``name`` until ``until`` if it is free (never taken, or expired at ``at``) or already
    ``holder``'s; True when ``holder`` now holds it."""
    taken = yield run(
        """INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
           WHERE leases.holder = excluded.holder OR leases.expires_at <= ?""",
        name,
        holder,
        _instant(until),
        _instant(at),
    )
    return bool(taken == 1)


def release_lease(name: str, holder: str) -> Transaction[None]:
    yield run("DELETE FROM leases WHERE name = ? AND holder = ?", name, holder)


# ---- the interface over the transactions ----------------------------------------------------------------


class TransactionalStorage(ABC):
    """:class:`~kiosk.relay.storage.RelayStorage`'s methods, each one transaction above: an engine supplies
    how a transaction runs (:meth:`_write` in a write transaction, :meth:`_read` on its own) and what its health
    check looks at (:meth:`probe`, :meth:`stalled`)."""

    @abstractmethod
    async def _write(self, transaction: Callable[P, Transaction[T]], *args: P.args, **kwargs: P.kwargs) -> T: ...

    @abstractmethod
    async def _read(self, transaction: Callable[P, Transaction[T]], *args: P.args, **kwargs: P.kwargs) -> T: ...

    @abstractmethod
    async def probe(self) -> None: ...

    @abstractmethod
    def stalled(self, after: float) -> str | None: ...

    # -- orders

    async def insert_order(self, draft: OrderDraft) -> tuple[Inserted, OrderRecord]:
        return await self._write(insert_order, draft)

    async def order(self, out_trade_no: str) -> OrderRecord | None:
        return await self._read(order, out_trade_no)

    async def set_code_url(self, out_trade_no: str, code_url: str, at: datetime) -> OrderRecord:
        return await self._write(set_code_url, out_trade_no, code_url, at)

    async def reject_order(self, out_trade_no: str, code: str, message: str, *, at: datetime) -> OrderRecord:
        return await self._write(reject_order, out_trade_no, code, message, at)

    async def advance_order(self, report: TradeReport, *, at: datetime, source: str, mismatch: Mismatch) -> OrderChange:
        return await self._write(advance_order, report, at, source, mismatch)

    async def payable_orders(self) -> list[str]:
        return await self._read(payable_orders)

    async def stores_of(self, out_trade_nos: Sequence[str]) -> dict[str, str]:
        return await self._read(stores_of, out_trade_nos)

    # -- payment-code flows

    async def insert_codepay(self, draft: OrderDraft, flow: CodePayDraft) -> tuple[Inserted, OrderRecord]:
        return await self._write(insert_codepay, draft, flow)

    async def codepay(self, out_trade_no: str) -> CodePayRecord | None:
        return await self._read(codepay, out_trade_no)

    async def active_codepays(self) -> list[CodePayRecord]:
        return await self._read(active_codepays)

    async def move_codepay(
        self,
        out_trade_no: str,
        step: CodePayStep,
        *,
        at: datetime,
        next_at: datetime | None,
        attempts: int = 0,
        error: str | None = None,
        resent: bool = False,
    ) -> CodePayRecord | None:
        return await self._write(move_codepay, out_trade_no, step, at, next_at, attempts, error, resent)

    async def cancel_codepay(self, out_trade_no: str, *, at: datetime) -> CodePayRecord | None:
        return await self._write(cancel_codepay, out_trade_no, at)

    async def mark_codepay(
        self,
        out_trade_no: str,
        *,
        at: datetime,
        failure: str | None = None,
        error_code: str | None = None,
        unresolved: bool | None = None,
    ) -> OrderRecord | None:
        return await self._write(mark_codepay, out_trade_no, at, failure, error_code, unresolved)

    # -- notifications

    async def record_payment_notification(
        self, notification_id: str, event_type: str, report: TradeReport, *, at: datetime, mismatch: Mismatch
    ) -> OrderChange:
        return await self._write(record_payment_notification, notification_id, event_type, report, at, mismatch)

    async def record_refund_notification(
        self, notification_id: str, event_type: str, report: RefundReport, *, at: datetime
    ) -> RefundChange:
        return await self._write(record_refund_notification, notification_id, event_type, report, at)

    async def record_other_notification(self, notification_id: str, event_type: str, *, at: datetime) -> Outcome:
        return await self._write(record_other_notification, notification_id, event_type, at)

    # -- refunds

    async def insert_refund(self, draft: RefundDraft) -> tuple[Inserted, RefundRecord | None]:
        return await self._write(insert_refund, draft)

    async def refund(self, out_refund_no: str) -> RefundRecord | None:
        return await self._read(refund, out_refund_no)

    async def refuse_refund(self, out_refund_no: str, code: str, message: str, *, at: datetime) -> RefundRecord:
        return await self._write(refuse_refund, out_refund_no, code, message, at)

    async def advance_refund(self, report: RefundReport, *, at: datetime, source: str) -> RefundChange:
        return await self._write(advance_refund, report, at, source)

    async def unfinished_refunds(self) -> list[str]:
        return await self._read(unfinished_refunds)

    # -- bill cache

    async def cached_bill(self, store_id: str, bill_date: date, bill_type: str) -> bytes | None:
        return await self._read(cached_bill, store_id, bill_date, bill_type)

    async def cache_bills(self, bill_date: date, bill_type: str, bodies: Mapping[str, bytes], *, at: datetime) -> None:
        await self._write(cache_bills, bill_date, bill_type, bodies, at)

    # -- leases

    async def claim_lease(self, name: str, holder: str, *, at: datetime, seconds: float) -> bool:
        return await self._write(claim_lease, name, holder, at, at + timedelta(seconds=seconds))

    async def release_lease(self, name: str, holder: str) -> None:
        await self._write(release_lease, name, holder)

    # -- events

    async def events(self, out_trade_no: str) -> list[EventRecord]:
        return await self._read(events, out_trade_no)
