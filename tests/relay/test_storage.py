"""The relay's storage (SQLite engine): its state rules, and a writer no caller can stop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk.clock import CHINA_TZ
from kiosk.relay.gateway import RefundReport, TradeReport
from kiosk.relay.storage import Inserted, OrderDraft, RefundDraft, SQLiteStorage, StorageError

AT = datetime(2026, 3, 1, 12, 0, tzinfo=CHINA_TZ)


def draft(out_trade_no: str, amount_fen: int = 1000) -> OrderDraft:
    return OrderDraft(
        out_trade_no=out_trade_no,
        store_id="store-1",
        kiosk_id="kiosk-1",
        amount_fen=amount_fen,
        description="测试",
        attach=None,
        items=[{"sku": "X", "quantity": 1}],
        time_expire=AT + timedelta(minutes=10),
        at=AT,
    )


def refund(out_refund_no: str, out_trade_no: str, amount_fen: int) -> RefundDraft:
    return RefundDraft(
        out_refund_no=out_refund_no,
        out_trade_no=out_trade_no,
        store_id="store-1",
        kiosk_id="manager-1",
        amount_fen=amount_fen,
        reason=None,
        at=AT,
    )


def no_mismatch(order: object) -> str:
    return ""


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[SQLiteStorage]:
    store = SQLiteStorage(tmp_path / "relay.sqlite3")
    yield store
    store.close()


def test_a_caller_cancelled_before_its_write_ran_is_skipped_and_the_writer_carries_on(storage: SQLiteStorage) -> None:
    gate = threading.Event()
    started = threading.Event()

    def hold(connection: sqlite3.Connection) -> None:
        started.set()
        gate.wait(10)

    async def scenario() -> tuple[bool, object, object]:
        holding = asyncio.ensure_future(storage.writer.write(hold))  # the writer is busy with this batch
        await asyncio.to_thread(started.wait, 10)
        victim = asyncio.ensure_future(storage.insert_order(draft("W000000001")))  # queued behind it
        await asyncio.sleep(0.05)
        victim.cancel()  # e.g. the 4 s notification deadline, or a kiosk hanging up
        await asyncio.sleep(0.05)  # the cancellation reaches the job's future before the writer gets to it
        gate.set()
        await holding
        inserted, _ = await asyncio.wait_for(storage.insert_order(draft("W000000002")), 10)
        return victim.cancelled(), inserted, await storage.order("W000000001")

    cancelled, inserted, skipped = asyncio.run(scenario())
    assert cancelled and inserted is Inserted.CREATED and skipped is None  # skipped cleanly, nothing half-done


def test_a_caller_cancelled_while_its_write_runs_still_commits_and_the_writer_carries_on(
    storage: SQLiteStorage,
) -> None:
    gate = threading.Event()
    started = threading.Event()

    def slow_insert(connection: sqlite3.Connection) -> None:
        started.set()
        gate.wait(10)  # a slow disk
        connection.execute(
            "INSERT INTO events (at, kind, out_trade_no, detail) VALUES ('2026-03-01T12:00:00+08:00', 'slow', "
            "'W000000003', NULL)"
        )

    async def scenario() -> tuple[bool, object, list[str]]:
        victim = asyncio.ensure_future(storage.writer.write(slow_insert))
        await asyncio.to_thread(started.wait, 10)
        victim.cancel()  # the caller gives up mid-write
        await asyncio.sleep(0)
        gate.set()
        inserted, _ = await asyncio.wait_for(storage.insert_order(draft("W000000004")), 10)
        return victim.cancelled(), inserted, [e.kind for e in await storage.events("W000000003")]

    cancelled, inserted, kinds = asyncio.run(scenario())
    assert cancelled and inserted is Inserted.CREATED and kinds == ["slow"]  # the write it started committed


def test_a_failing_disk_fails_the_batch_and_the_next_write_works(storage: SQLiteStorage) -> None:
    async def scenario() -> Inserted:
        storage.writer.fail_writes = OSError("disk full")
        with pytest.raises(StorageError, match="disk full"):
            await storage.insert_order(draft("W000000005"))
        storage.writer.fail_writes = None
        inserted, _ = await storage.insert_order(draft("W000000005"))
        return inserted

    assert asyncio.run(scenario()) is Inserted.CREATED


def test_orders_move_only_forward_and_a_notification_id_counts_once(storage: SQLiteStorage) -> None:
    async def scenario() -> list[object]:
        await storage.insert_order(draft("W000000006"))
        paid = TradeReport("W000000006", "SUCCESS", transaction_id="42", total_fen=1000)
        first = await storage.record_payment_notification(
            "N1", "TRANSACTION.SUCCESS", paid, at=AT, mismatch=no_mismatch
        )
        again = await storage.record_payment_notification(
            "N1", "TRANSACTION.SUCCESS", paid, at=AT, mismatch=no_mismatch
        )
        back = await storage.advance_order(TradeReport("W000000006", "CLOSED"), at=AT, source="t", mismatch=no_mismatch)
        other = await storage.advance_order(
            TradeReport("W000000006", "SUCCESS", total_fen=999), at=AT, source="t", mismatch=no_mismatch
        )
        order = await storage.order("W000000006")
        events = [e.kind for e in await storage.events("W000000006")]
        return [first.outcome, again.outcome, back.outcome, other.outcome, order, events]

    first, again, back, other, order, events = asyncio.run(scenario())
    assert (first, again, back, other) == ("applied", "duplicate", "stale", "mismatch")
    assert order.state == "SUCCESS" and order.version == 2 and order.items == [{"sku": "X", "quantity": 1}]  # type: ignore[attr-defined]
    assert events == ["created", "state", "mismatch"]


def test_refunds_hold_the_amount_until_closed_or_failed(storage: SQLiteStorage) -> None:
    async def scenario() -> list[object]:
        await storage.insert_order(draft("W000000007"))
        unpaid, _ = await storage.insert_refund(refund("W7R0", "W000000007", 100))
        paid = TradeReport("W000000007", "SUCCESS", total_fen=1000)
        await storage.advance_order(paid, at=AT, source="t", mismatch=no_mismatch)
        first, _ = await storage.insert_refund(refund("W7R1", "W000000007", 600))
        await storage.advance_refund(RefundReport("W7R1", "ABNORMAL"), at=AT, source="t")
        too_much, _ = await storage.insert_refund(refund("W7R2", "W000000007", 401))  # ABNORMAL still holds 600
        await storage.advance_refund(RefundReport("W7R1", "CLOSED"), at=AT, source="t")
        released, _ = await storage.insert_refund(refund("W7R2", "W000000007", 1000))  # CLOSED gave it back
        again, existing = await storage.insert_refund(refund("W7R2", "W000000007", 5))
        done = await storage.advance_refund(RefundReport("W7R2", "SUCCESS", refund_id="50"), at=AT, source="t")
        late = await storage.advance_refund(RefundReport("W7R2", "PROCESSING"), at=AT, source="t")
        return [unpaid, first, too_much, released, again, existing, done, late, await storage.unfinished_refunds()]

    unpaid, first, too_much, released, again, existing, done, late, unfinished = asyncio.run(scenario())
    assert (unpaid, first, too_much, released, again) == (
        Inserted.ORDER_NOT_PAID,
        Inserted.CREATED,
        Inserted.EXCEEDS_AMOUNT,
        Inserted.CREATED,
        Inserted.EXISTS,
    )
    assert existing.amount_fen == 1000  # type: ignore[attr-defined]  # the stored one, for the caller to compare
    assert done.outcome == "applied" and done.order is not None  # type: ignore[attr-defined]
    assert (done.order.state, done.order.refunded_fen) == ("REFUND", 1000)  # type: ignore[attr-defined]
    assert late.outcome == "stale" and late.refund.status == "SUCCESS"  # type: ignore[attr-defined]
    assert unfinished == []


def test_a_writer_that_stopped_is_named_and_refuses_writes_at_once(storage: SQLiteStorage) -> None:
    assert storage.stalled(5.0) is None
    storage.writer._queue.put(None)  # the thread ends as if something had killed it
    storage.writer._thread.join(10)

    async def scenario() -> None:
        with pytest.raises(StorageError, match="writer has stopped"):
            await asyncio.wait_for(storage.insert_order(draft("W000000008")), 5)  # an error, never a hang
        with pytest.raises(StorageError, match="writer has stopped"):
            await asyncio.wait_for(storage.probe(), 5)

    asyncio.run(scenario())
    assert storage.stalled(5.0) == "the storage writer has stopped"


def test_a_write_running_past_the_bound_is_named_until_it_ends(storage: SQLiteStorage) -> None:
    gate = threading.Event()
    started = threading.Event()

    def stuck(connection: sqlite3.Connection) -> None:
        started.set()
        gate.wait(10)

    async def scenario() -> tuple[str | None, str | None, str | None]:
        holding = asyncio.ensure_future(storage.writer.write(stuck))
        await asyncio.to_thread(started.wait, 10)
        early = storage.stalled(0.5)
        await asyncio.sleep(0.7)
        late = storage.stalled(0.5)
        gate.set()
        await holding
        return early, late, storage.stalled(0.5)

    early, late, after = asyncio.run(scenario())
    assert early is None and late is not None and late.startswith("a write has been running for") and after is None


def test_a_database_that_cannot_grow_fails_the_probe_and_its_writes_until_it_can(storage: SQLiteStorage) -> None:
    def limit(pages: int | None) -> None:
        def set_limit(connection: sqlite3.Connection) -> None:
            count = connection.execute("PRAGMA page_count").fetchone()[0]
            connection.execute(f"PRAGMA max_page_count = {pages if pages is not None else count}")

        asyncio.run(storage.writer.write(set_limit))

    asyncio.run(storage.probe())  # room to grow
    limit(None)  # as full as a full disk: not one more page
    with pytest.raises(StorageError, match="no room to write"):
        asyncio.run(storage.probe())

    async def fill() -> list[str]:
        outcomes = []
        for n in range(200):
            try:
                await storage.insert_order(draft(f"F{n:09d}"))
            except StorageError as exc:
                outcomes.append(str(exc))
                break
            outcomes.append("stored")
        return outcomes

    outcomes = asyncio.run(fill())
    assert "full" in outcomes[-1]  # a StorageError (the caller answers 5xx), never a raw sqlite3 error
    limit(1_073_741_823)  # the disk has room again
    asyncio.run(storage.probe())
    inserted, _ = asyncio.run(storage.insert_order(draft("F999999999")))
    assert inserted is Inserted.CREATED
    stored = asyncio.run(storage.order(f"F{len(outcomes) - 1:09d}"))
    assert stored is None  # the refused insert left nothing behind
