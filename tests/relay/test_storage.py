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
from kiosk.relay.storage import (
    CodePayDraft,
    CodePayStep,
    Inserted,
    OrderDraft,
    RefundDraft,
    SQLiteStorage,
    StorageError,
)
from kiosk.trade import TradeType

AT = datetime(2026, 3, 1, 12, 0, tzinfo=CHINA_TZ)


def draft(out_trade_no: str, amount_fen: int = 1000, trade_type: TradeType = TradeType.NATIVE) -> OrderDraft:
    return OrderDraft(
        out_trade_no=out_trade_no,
        store_id="store-1",
        kiosk_id="kiosk-1",
        trade_type=trade_type,
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


def test_a_payment_code_flow_is_stored_with_its_order_and_its_steps_only_move_forward(storage: SQLiteStorage) -> None:
    later = AT + timedelta(seconds=5)

    async def scenario() -> dict[str, object]:
        flow = CodePayDraft(payment_code="**************9406", device_ip="192.0.2.10", charged_at=AT)
        created, order = await storage.insert_codepay(draft("C000000001", trade_type=TradeType.MICROPAY), flow)
        again, _ = await storage.insert_codepay(draft("C000000001", trade_type=TradeType.MICROPAY), flow)
        await storage.insert_order(draft("W000000009"))
        taken, native = await storage.insert_codepay(draft("W000000009"), flow)  # a Native number is taken too
        await storage.insert_order(draft("W000000010"))
        polling = await storage.move_codepay("C000000001", CodePayStep.POLLING, at=AT, next_at=later, attempts=1)
        reversing = await storage.move_codepay("C000000001", CodePayStep.REVERSING, at=later, next_at=later)
        back = await storage.move_codepay("C000000001", CodePayStep.POLLING, at=later, next_at=later)
        cancelled = await storage.cancel_codepay("C000000001", at=later)
        cancelled_again = await storage.cancel_codepay("C000000001", at=later + timedelta(seconds=1))
        return {
            "inserted": (created, again, taken, native.trade_type),
            "order": order,
            "flows": (polling, reversing, back),
            "cancel": (cancelled, cancelled_again),
            "stored": await storage.codepay("C000000001"),
            "active": [f.out_trade_no for f in await storage.active_codepays()],
            "payable": await storage.payable_orders(),
            "events": [(e.kind, e.detail) for e in await storage.events("C000000001")],
        }

    result = asyncio.run(scenario())
    assert result["inserted"] == (Inserted.CREATED, Inserted.EXISTS, Inserted.EXISTS, TradeType.NATIVE)
    order = result["order"]
    assert (order.trade_type, order.state, order.failure, order.unresolved) == ("MICROPAY", "NOTPAY", None, False)  # type: ignore[attr-defined]
    polling, reversing, back = result["flows"]  # type: ignore[misc]
    assert (polling.step, polling.next_at, polling.attempts) == (CodePayStep.POLLING, later, 1)
    assert reversing.step is CodePayStep.REVERSING and back is None  # never back to polling
    cancelled, cancelled_again = result["cancel"]  # type: ignore[misc]
    assert cancelled.cancel_requested_at == later == cancelled_again.cancel_requested_at  # the first cancel stays
    stored = result["stored"]
    assert (stored.step, stored.payment_code, stored.device_ip, stored.charged_at) == (  # type: ignore[attr-defined]
        CodePayStep.REVERSING,
        "**************9406",
        "192.0.2.10",
        AT,
    )
    assert result["active"] == ["C000000001"]
    assert result["payable"] == ["W000000009", "W000000010"]  # the reconciler's: Native orders only
    assert [kind for kind, _ in result["events"]] == ["created", "codepay", "codepay", "codepay", "codepay_cancel"]  # type: ignore[union-attr]


def test_a_flow_records_one_failure_flags_unresolved_once_and_is_done_for_good(storage: SQLiteStorage) -> None:
    async def scenario() -> list[object]:
        flow = CodePayDraft(payment_code="**************1234", device_ip="::1", charged_at=AT)
        await storage.insert_codepay(draft("C000000002", trade_type=TradeType.MICROPAY), flow)
        first = await storage.mark_codepay("C000000002", at=AT, failure="insufficient_funds", error_code="NOT_ENOUGH")
        # The first reason stays, with WeChat Pay's code for it.
        second = await storage.mark_codepay("C000000002", at=AT, failure="not_confirmed", error_code="TRADE_ERROR")
        flagged = await storage.mark_codepay("C000000002", at=AT, unresolved=True)
        flagged_again = await storage.mark_codepay("C000000002", at=AT, unresolved=True)
        cleared = await storage.mark_codepay("C000000002", at=AT, unresolved=False)
        revoked = await storage.advance_order(
            TradeReport("C000000002", "REVOKED"), at=AT, source="reverse", mismatch=no_mismatch
        )
        late_success = await storage.advance_order(
            TradeReport("C000000002", "SUCCESS", total_fen=1000), at=AT, source="query", mismatch=no_mismatch
        )
        done = await storage.move_codepay("C000000002", CodePayStep.DONE, at=AT, next_at=None)
        cancel_after = await storage.cancel_codepay("C000000002", at=AT)
        unknown = await storage.mark_codepay("NOSUCHORDER", at=AT, failure="cancelled")
        return [first, second, flagged, flagged_again, cleared, revoked, late_success, done, cancel_after, unknown]

    first, second, flagged, flagged_again, cleared, revoked, late, done, cancel_after, unknown = asyncio.run(scenario())
    assert (first.failure, first.error_code, first.version) == ("insufficient_funds", "NOT_ENOUGH", 2)  # type: ignore[attr-defined]
    assert (second.failure, second.error_code, second.version) == ("insufficient_funds", "NOT_ENOUGH", 2)  # type: ignore[attr-defined]
    assert (flagged.unresolved, flagged.version) == (True, 3)  # type: ignore[attr-defined]
    assert flagged_again.version == 3 and (cleared.unresolved, cleared.version) == (False, 4)  # type: ignore[attr-defined]
    # A reverse is final: it refunded a payment that landed just before it, so an earlier SUCCESS must not win.
    assert revoked.outcome == "applied" and late.outcome == "stale"  # type: ignore[attr-defined]
    assert done.step is CodePayStep.DONE and cancel_after.cancel_requested_at is None  # type: ignore[attr-defined]
    assert unknown is None


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
