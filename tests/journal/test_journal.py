from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.clock import CHINA_TZ
from kiosk.journal import LATEST_VERSION, MIGRATIONS, Journal, JournalError, timestamp
from kiosk.trade import TradeType

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=CHINA_TZ)


class FixedClock:
    def __init__(self, now: datetime = T0):
        self.current = now

    def now(self) -> datetime:
        return self.current


def order(
    otn: str, day: str = "2026-11-29", sequence: int = 1, state: str = "creating", **extra: Any
) -> dict[str, Any]:
    return {
        "out_trade_no": otn,
        "business_day": day,
        "sequence": sequence,
        "store_id": "S1",
        "kiosk_id": "K1",
        "method": TradeType.NATIVE,
        "amount_fen": 550,
        "description": "可乐 等2件",
        "charged_at": timestamp(T0),
        "expires_at": timestamp(T0 + timedelta(minutes=5)),
        "state": state,
        **extra,
    }


ITEM = {
    "sku": "A1",
    "barcode": None,
    "name_zh": "可乐",
    "name_en": "Cola",
    "category": "drinks",
    "quantity": 2,
    "unit_price_fen": 275,
    "total_fen": 550,
}


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    opened = Journal.open(tmp_path / "journal.sqlite3", clock=FixedClock())
    yield opened  # type: ignore[misc]
    opened.close()


def test_durability_settings(journal: Journal) -> None:
    assert journal.pragma("journal_mode") == "wal"
    assert journal.pragma("synchronous") == 2  # FULL
    assert journal.pragma("foreign_keys") == 1


def test_fresh_journal_is_at_the_latest_schema(journal: Journal) -> None:
    assert journal.schema_version() == LATEST_VERSION == MIGRATIONS[-1].version
    assert {
        "orders",
        "order_items",
        "events",
        "commands",
        "settings",
        "refunds",
        "day_sequences",
        "schema_version",
    } <= set(journal.db.table_names())
    assert "print_jobs" not in journal.db.table_names()  # the print queue creates its own table


def test_reopening_applies_nothing(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    Journal.open(path).close()
    again = Journal.open(path)
    assert again.migrate() == []
    assert [row["version"] for row in again.db["schema_version"].rows] == [m.version for m in MIGRATIONS]
    again.close()


def test_journal_from_a_newer_kiosk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    journal = Journal.open(path)
    journal.db.execute("INSERT INTO schema_version VALUES (99, 'x', 'future')")
    journal.close()
    with pytest.raises(JournalError, match="newer than this kiosk"):
        Journal.open(path)


def test_events_are_append_only(journal: Journal) -> None:
    journal.insert_order(order("A"), [ITEM])
    first = journal.append_event("A", "charge", from_state="draft", to_state="creating", detail={"amount_fen": 550})
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        journal.db.execute("UPDATE events SET kind = 'x' WHERE id = ?", [first])
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        journal.db.execute("DELETE FROM events")
    events = journal.events("A")
    assert [(e.kind, e.from_state, e.to_state, e.data) for e in events] == [
        ("charge", "draft", "creating", {"amount_fen": 550})
    ]
    assert events[0].time == T0 and events[0].time.tzinfo is not None


def test_naive_times_are_refused(journal: Journal) -> None:
    with pytest.raises(ValueError, match="naive"):
        journal.append_event("A", "x", at=datetime(2026, 1, 1))


def test_transactions_are_atomic(journal: Journal) -> None:
    with pytest.raises(RuntimeError), journal.transaction():
        journal.insert_order(order("A"), [ITEM])
        journal.append_event("A", "charge")
        raise RuntimeError("power cut")
    assert journal.order("A") is None and journal.events("A") == [] and journal.order_items("A") == []


def test_per_day_sequences(journal: Journal) -> None:
    day = date(2026, 11, 29)
    assert [journal.next_sequence(day) for _ in range(3)] == [1, 2, 3]
    assert journal.next_sequence(day + timedelta(days=1)) == 1


def test_order_queries(journal: Journal) -> None:
    journal.insert_order(order("A", sequence=1, state="paid"), [ITEM])
    journal.insert_order(order("B", sequence=2, state="paid_after_cancel"), [ITEM])
    journal.insert_order(
        order("C", day="2026-11-30", sequence=1, state="awaiting_payment"), [ITEM, {**ITEM, "sku": "B2"}]
    )
    journal.update_order("C", {"state": "cancelled", "settled": 1})
    assert [o.out_trade_no for o in journal.orders_on(date(2026, 11, 29))] == ["A", "B"]
    assert [o.out_trade_no for o in journal.orders_between(date(2026, 11, 29), date(2026, 11, 30))] == ["A", "B", "C"]
    assert [o.out_trade_no for o in journal.paid_after_cancel()] == ["B"]
    assert journal.paid_after_cancel(first=date(2026, 11, 30)) == []
    assert journal.order("C").state == "cancelled"  # type: ignore[union-attr]
    assert [i.line_no for i in journal.order_items("C")] == [1, 2]
    assert {o.out_trade_no for o in journal.unfinished_orders()} == {"A", "B"}  # settled defaults to 0
    with pytest.raises(JournalError):
        journal.update_order("nope", {"state": "paid"})


def test_orders_by_payment_time_read_only_their_window(journal: Journal) -> None:
    """Paid at (WeChat Pay's success time, else when charged) within the bounds, in the states asked for, newest
    first, found through the index on the payment time: the cost is the window's orders, not the day's."""
    minute = timedelta(minutes=1)
    for number, (otn, state, charged, success) in enumerate(
        (
            ("EARLY", "paid", T0 - 20 * minute, T0 - 6 * minute),
            ("IN", "paid", T0 - 20 * minute, T0 - 4 * minute),  # charged long before: its payment time counts
            ("LATE", "paid_after_cancel", T0 - 3 * minute, T0 - 1 * minute),
            ("NO_TIME", "paid", T0 - 2 * minute, None),  # no success time known: paid when charged
            ("OPEN", "awaiting_payment", T0 - 2 * minute, None),
            ("AHEAD", "paid", T0, T0 + 6 * minute),
        ),
        start=1,
    ):
        times: dict[str, Any] = {"charged_at": timestamp(charged), "success_time": success and timestamp(success)}
        journal.insert_order(order(otn, sequence=number, state=state, **times), [ITEM])
    paid = ("paid", "paid_after_cancel")
    window = [o.out_trade_no for o in journal.orders_paid_between(paid, T0 - 5 * minute, T0 + 5 * minute)]
    assert window == ["LATE", "NO_TIME", "IN"]
    assert [o.out_trade_no for o in journal.orders_paid_between(["paid"], T0 - 5 * minute, T0)] == ["NO_TIME", "IN"]
    assert [o.out_trade_no for o in journal.orders_paid_between(paid, T0 - 5 * minute, limit=1)] == ["AHEAD"]
    assert journal.orders_paid_between(paid, T0 + 7 * minute) == []
    # Another offset means the same moment (the journal stores Beijing time).
    utc = (T0 - 5 * minute).astimezone(UTC)
    assert [o.out_trade_no for o in journal.orders_paid_between(paid, utc, T0)] == ["LATE", "NO_TIME", "IN"]
    # The plan of the very statement the journal runs: a range search of the index, already in payment order.
    statements: list[str] = []
    journal.db.conn.set_trace_callback(statements.append)  # the statement with its values filled in
    try:
        journal.orders_paid_between(paid, T0 - 5 * minute, T0 + 5 * minute)
    finally:
        journal.db.conn.set_trace_callback(None)
    (statement,) = [text for text in statements if text.startswith("SELECT")]
    plan = " ".join(row[3] for row in journal.db.execute(f"EXPLAIN QUERY PLAN {statement}").fetchall())
    assert "SEARCH orders USING INDEX orders_by_paid_at (<expr>>? AND <expr><?)" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_outbox(journal: Journal) -> None:
    journal.insert_order(order("A"), [ITEM])
    create = journal.add_command("A", "create")
    close = journal.add_command("A", "close")
    journal.retry_command(create, "relay down", T0 + timedelta(seconds=2))
    pending = journal.pending_commands("A")
    assert [(c.kind, c.attempts, c.last_error) for c in pending] == [("create", 1, "relay down"), ("close", 0, None)]
    assert journal.drop_commands("A", "create", "dropped") == 1
    journal.complete_command(close, "closed:CLOSED")
    assert journal.pending_commands() == []
    assert [c.outcome for c in journal.commands("A")] == ["dropped", "closed:CLOSED"]
    with pytest.raises(sqlite3.IntegrityError):
        journal.add_command("A", "teleport")


def test_refunds_and_settings(journal: Journal) -> None:
    journal.insert_order(order("A", state="paid"), [ITEM])
    refund = journal.insert_refund("AR1", "A", 100, "少找零")
    assert (refund.state, refund.amount_fen) == ("REQUESTED", 100)
    journal.update_refund("AR1", {"state": "SUCCESS", "refund_id": "503"})
    assert journal.refund("AR1").state == "SUCCESS"  # type: ignore[union-attr]
    assert [r.out_refund_no for r in journal.refunds("A")] == ["AR1"]
    with pytest.raises(sqlite3.IntegrityError):
        journal.insert_refund("AR1", "A", 100, "again")
    assert journal.setting("language") is None
    journal.set_setting("language", "en")
    journal.set_setting("language", "zh_CN")
    assert journal.setting("language") == "zh_CN"


def test_a_snapshot_reads_one_state_without_holding_up_the_writers(journal: Journal) -> None:
    journal.insert_order(order("A"), [ITEM])
    with journal.snapshot() as db:
        assert [row["out_trade_no"] for row in db.execute("SELECT out_trade_no FROM orders")] == ["A"]
        journal.insert_order(order("B", sequence=2), [ITEM])  # the core commits meanwhile, without waiting
        assert db.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 1  # still the state it started with
        db.execute("CREATE TEMP TABLE wanted (out_trade_no TEXT)")  # a report's own scratch table
        db.executemany("INSERT INTO wanted VALUES (?)", [("A",), ("B",)])
        joined = db.execute("SELECT w.out_trade_no FROM wanted AS w JOIN orders USING (out_trade_no)").fetchall()
        assert [row[0] for row in joined] == ["A"]
        with pytest.raises(JournalError, match="readonly"), journal.snapshot() as other:
            other.execute("DELETE FROM orders")
    assert journal.count_orders() == 2
    with journal.snapshot() as db:
        assert db.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 2
        assert db.execute("SELECT name FROM sqlite_temp_master WHERE name = 'wanted'").fetchone() is None
