"""Row views and the storage jobs that record changes; the jobs run on the writer thread.

Each job reads and writes inside the writer's transaction, so "record the notification id, then apply the
transition only if it moves the order forward" is one atomic step.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.trade import RefundStatus, TradeState, refund_moves_forward, trade_moves_forward, trade_predecessors

from .gateway import RefundReport, TradeReport
from .hub import Snapshot

log = logging.getLogger("kiosk.relay")


# -- row views ----------------------------------------------------------------------------------------


def order_view(row: sqlite3.Row) -> Snapshot:
    view: Snapshot = {
        "out_trade_no": row["out_trade_no"],
        "store_id": row["store_id"],
        "state": row["state"],
        "version": row["version"],
        "amount_fen": row["amount_fen"],
        "description": row["description"],
        "expires_at": row["time_expire"],
        "refunded_fen": row["refunded_fen"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }
    for name in ("trade_state_desc", "code_url", "transaction_id", "success_time", "payer_total_fen", "attach"):
        if row[name] is not None:
            view[name] = row[name]
    if row["items"] is not None:
        view["items"] = json.loads(row["items"])
    return view


def refund_view(row: sqlite3.Row) -> dict[str, Any]:
    view: dict[str, Any] = {
        "out_refund_no": row["out_refund_no"],
        "out_trade_no": row["out_trade_no"],
        "store_id": row["store_id"],
        "amount_fen": row["amount_fen"],
        "total_fen": row["total_fen"],
        "status": row["status"],
        "version": row["version"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }
    for name in ("reason", "refund_id", "success_time", "error_code", "error_message"):
        if row[name] is not None:
            view[name] = row[name]
    return view


# -- storage jobs (run on the writer thread) -----------------------------------------------------------


def order_row(connection: sqlite3.Connection, out_trade_no: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = connection.execute(
        "SELECT * FROM orders WHERE out_trade_no = ?", (out_trade_no,)
    ).fetchone()
    return row


def record_event(connection: sqlite3.Connection, at: str, kind: str, out_trade_no: str | None, detail: Any) -> None:
    connection.execute(
        "INSERT INTO events (at, kind, out_trade_no, detail) VALUES (?, ?, ?, ?)",
        (at, kind, out_trade_no, json.dumps(detail, ensure_ascii=False, default=str)),
    )


@dataclass(frozen=True)
class Applied:
    """The outcome of offering a WeChat state to an order."""

    outcome: str  # applied | stale | unknown_order | mismatch
    view: Snapshot | None


def apply_trade(
    connection: sqlite3.Connection, status: TradeReport, *, now: str, source: str, expect: Callable[[sqlite3.Row], str]
) -> Applied:
    """Apply ``status`` if it moves the order forward; ``expect`` names an identity mismatch or returns ''."""
    row = order_row(connection, status.out_trade_no)
    if row is None:
        record_event(
            connection, now, "unknown_order", status.out_trade_no, {"source": source, "state": status.trade_state}
        )
        return Applied("unknown_order", None)
    mismatch = expect(row)
    if not mismatch and status.total_fen is not None and status.total_fen != row["amount_fen"]:
        mismatch = f"amount {status.total_fen} != {row['amount_fen']}"
    if mismatch:
        record_event(connection, now, "mismatch", status.out_trade_no, {"source": source, "problem": mismatch})
        log.warning("order %s: %s reports %s; not applied", status.out_trade_no, source, mismatch)
        return Applied("mismatch", order_view(row))
    if not trade_moves_forward(row["state"], status.trade_state):
        return Applied("stale", order_view(row))
    allowed = trade_predecessors(status.trade_state)
    placeholders = ",".join("?" for _ in allowed)
    cursor = connection.execute(
        f"""UPDATE orders SET state = ?, trade_state_desc = ?, transaction_id = COALESCE(?, transaction_id),
                success_time = COALESCE(?, success_time), payer_total_fen = COALESCE(?, payer_total_fen),
                bank_type = COALESCE(?, bank_type), version = version + 1, updated_at = ?
            WHERE out_trade_no = ? AND state IN ({placeholders})""",
        (
            status.trade_state,
            status.trade_state_desc,
            status.transaction_id,
            status.success_time,
            status.payer_total_fen,
            status.bank_type,
            now,
            status.out_trade_no,
            *allowed,
        ),
    )
    if cursor.rowcount != 1:
        return Applied("stale", order_view(row))
    record_event(
        connection,
        now,
        "state",
        status.out_trade_no,
        {"source": source, "from": row["state"], "to": status.trade_state, "transaction_id": status.transaction_id},
    )
    updated = order_row(connection, status.out_trade_no)
    assert updated is not None
    return Applied("applied", order_view(updated))


def apply_refund(
    connection: sqlite3.Connection, status: RefundReport, *, now: str, source: str
) -> tuple[dict[str, Any] | None, Snapshot | None]:
    """Move a refund forward; a successful refund moves its order to REFUND. Returns the changed views."""
    row = connection.execute("SELECT * FROM refunds WHERE out_refund_no = ?", (status.out_refund_no,)).fetchone()
    if row is None:
        record_event(
            connection, now, "unknown_refund", status.out_trade_no, {"source": source, "refund": status.out_refund_no}
        )
        return None, None
    refund_changed = refund_moves_forward(row["status"], status.status)
    if refund_changed:
        connection.execute(
            """UPDATE refunds SET status = ?, refund_id = COALESCE(?, refund_id),
                   success_time = COALESCE(?, success_time), version = version + 1, updated_at = ?
               WHERE out_refund_no = ?""",
            (status.status, status.refund_id, status.success_time, now, status.out_refund_no),
        )
        record_event(
            connection,
            now,
            "refund",
            row["out_trade_no"],
            {"source": source, "refund": status.out_refund_no, "from": row["status"], "to": status.status},
        )
    elif status.refund_id and row["refund_id"] is None:
        connection.execute(
            "UPDATE refunds SET refund_id = ?, updated_at = ? WHERE out_refund_no = ?",
            (status.refund_id, now, status.out_refund_no),
        )
    order_changed: Snapshot | None = None
    if refund_changed and status.status == RefundStatus.SUCCESS:
        out_trade_no = row["out_trade_no"]
        refunded = connection.execute(
            "SELECT COALESCE(SUM(amount_fen), 0) FROM refunds WHERE out_trade_no = ? AND status = ?",
            (out_trade_no, RefundStatus.SUCCESS),
        ).fetchone()[0]
        order = order_row(connection, out_trade_no)
        assert order is not None
        if order["state"] == TradeState.SUCCESS:
            connection.execute(
                "UPDATE orders SET state = ?, refunded_fen = ?, version = version + 1, updated_at = ? "
                "WHERE out_trade_no = ? AND state = ?",
                (TradeState.REFUND, refunded, now, out_trade_no, TradeState.SUCCESS),
            )
        else:
            connection.execute(
                "UPDATE orders SET refunded_fen = ?, version = version + 1, updated_at = ? WHERE out_trade_no = ?",
                (refunded, now, out_trade_no),
            )
        updated = order_row(connection, out_trade_no)
        assert updated is not None
        order_changed = order_view(updated)
    fresh = connection.execute("SELECT * FROM refunds WHERE out_refund_no = ?", (status.out_refund_no,)).fetchone()
    return (refund_view(fresh) if refund_changed else None), order_changed


def claim_notification(
    connection: sqlite3.Connection,
    notification_id: str,
    event_type: str,
    out_trade_no: str | None,
    out_refund_no: str | None,
    now: str,
) -> bool:
    cursor = connection.execute(
        "INSERT OR IGNORE INTO notifications (id, event_type, out_trade_no, out_refund_no, outcome, received_at) "
        "VALUES (?, ?, ?, ?, 'received', ?)",
        (notification_id, event_type, out_trade_no, out_refund_no, now),
    )
    return cursor.rowcount == 1


def settle_notification(connection: sqlite3.Connection, notification_id: str, outcome: str) -> None:
    connection.execute("UPDATE notifications SET outcome = ? WHERE id = ?", (outcome, notification_id))
