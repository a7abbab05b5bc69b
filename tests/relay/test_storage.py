"""The relay's storage: the state rules every engine keeps (SQLite and a real PostgreSQL, several writers on
the latter), its migrations and leases, and SQLite's writer that no caller can stop."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gzip
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest

from kiosk.clock import CHINA_TZ
from kiosk.relay.gateway import RefundReport, TradeReport
from kiosk.relay.storage import (
    CodePayDraft,
    CodePayStep,
    Inserted,
    OrderDraft,
    RefundDraft,
    RelayStorage,
    SQLiteStorage,
    StorageError,
    open_storage,
)
from kiosk.relay.storage.postgres import PostgresStorage
from kiosk.relay.storage.schema import LATEST
from kiosk.trade import TradeType, trade_moves_forward
from tests.support.postgres import PostgresServer
from tests.support.relay import query_storage
from tests.support.waiting import wait_until_async

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


T = TypeVar("T")


class Opener:
    """Opens the engine under test on one store (a file, or a database), as often as a test likes; ``execute``
    runs SQL on that store directly, as an operator would."""

    def __init__(self, where: Path | str) -> None:
        self.where = where

    def __call__(self) -> RelayStorage:
        return open_storage(self.where)

    def execute(self, sql: str, values: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return query_storage(self.where, sql, values)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    """Each engine in turn: an SQLite file, then a fresh database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return Opener(tmp_path / "relay.sqlite3")
    return Opener(request.getfixturevalue("postgres_url"))


def run(engine: Opener, scenario: Callable[[RelayStorage], Awaitable[T]]) -> T:
    """Open the store, run ``scenario`` on it and close it, all on one event loop (the engine's pool lives there)."""

    async def main() -> T:
        storage = engine()
        try:
            return await scenario(storage)
        finally:
            await storage.aclose()

    return asyncio.run(main())


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[SQLiteStorage]:
    """The SQLite engine, for its writer thread."""
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


def test_orders_move_only_forward_and_a_notification_id_counts_once(engine: Opener) -> None:
    async def scenario(storage: RelayStorage) -> list[object]:
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

    first, again, back, other, order, events = run(engine, scenario)
    assert (first, again, back, other) == ("applied", "duplicate", "stale", "mismatch")
    assert order.state == "SUCCESS" and order.version == 2 and order.items == [{"sku": "X", "quantity": 1}]  # type: ignore[attr-defined]
    assert order.created_at == AT and order.time_expire == AT + timedelta(minutes=10)  # type: ignore[attr-defined]
    assert events == ["created", "state", "mismatch"]


def test_refunds_hold_the_amount_until_closed_or_failed(engine: Opener) -> None:
    async def scenario(storage: RelayStorage) -> list[object]:
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

    unpaid, first, too_much, released, again, existing, done, late, unfinished = run(engine, scenario)
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


def test_a_payment_code_flow_is_stored_with_its_order_and_its_steps_only_move_forward(engine: Opener) -> None:
    later = AT + timedelta(seconds=5)

    async def scenario(storage: RelayStorage) -> dict[str, object]:
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

    result = run(engine, scenario)
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


def test_a_flow_records_one_failure_flags_unresolved_once_and_is_done_for_good(engine: Opener) -> None:
    async def scenario(storage: RelayStorage) -> list[object]:
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

    first, second, flagged, flagged_again, cleared, revoked, late, done, cancel_after, unknown = run(engine, scenario)
    assert (first.failure, first.error_code, first.version) == ("insufficient_funds", "NOT_ENOUGH", 2)  # type: ignore[attr-defined]
    assert (second.failure, second.error_code, second.version) == ("insufficient_funds", "NOT_ENOUGH", 2)  # type: ignore[attr-defined]
    assert (flagged.unresolved, flagged.version) == (True, 3)  # type: ignore[attr-defined]
    assert flagged_again.version == 3 and (cleared.unresolved, cleared.version) == (False, 4)  # type: ignore[attr-defined]
    # A reverse is final: it refunded a payment that landed just before it, so an earlier SUCCESS must not win.
    assert revoked.outcome == "applied" and late.outcome == "stale"  # type: ignore[attr-defined]
    assert done.step is CodePayStep.DONE and cancel_after.cancel_requested_at is None  # type: ignore[attr-defined]
    assert unknown is None


def test_a_paid_order_takes_no_failure_but_may_still_be_flagged(engine: Opener) -> None:
    """The money was taken after all (a payment that won the race with a refusal or a reverse): no failure to tell
    the kiosk, decided under the order's lock rather than on an order read before."""

    async def scenario(storage: RelayStorage) -> list[object]:
        flow = CodePayDraft(payment_code="**************1234", device_ip="::1", charged_at=AT)
        await storage.insert_codepay(draft("C000000003", trade_type=TradeType.MICROPAY), flow)
        await storage.advance_order(
            TradeReport("C000000003", "SUCCESS", total_fen=1000), at=AT, source="codepay", mismatch=no_mismatch
        )
        marked = await storage.mark_codepay("C000000003", at=AT, failure="payment_failed", error_code="TRADE_ERROR")
        flagged = await storage.mark_codepay("C000000003", at=AT, failure="not_confirmed", unresolved=True)
        events = [event.kind for event in await storage.events("C000000003")]
        return [marked, flagged, events]

    marked, flagged, events = run(engine, scenario)
    assert (marked.state, marked.failure, marked.error_code, marked.version) == ("SUCCESS", None, None, 2)  # type: ignore[attr-defined]
    assert (flagged.failure, flagged.unresolved, flagged.version) == (None, True, 3)  # type: ignore[attr-defined]
    assert events == ["created", "codepay", "state", "codepay_mark"]  # one mark: the flag


def test_the_bill_cache_keeps_each_stores_answer_of_a_day_as_bytes(engine: Opener) -> None:
    day = date(2026, 3, 1)
    first = {"store-1": gzip.compress(b'{"rows":[["W1"]]}'), "store-2": b"\x00\xff raw bytes"}

    async def scenario(storage: RelayStorage) -> tuple[object, ...]:
        missing = await storage.cached_bill("store-1", day, "ALL")
        await storage.cache_bills(day, "ALL", first, at=AT)
        kept = [await storage.cached_bill(store, day, "ALL") for store in ("store-1", "store-2", "store-3")]
        await storage.cache_bills(day, "ALL", {"store-1": b"newer"}, at=AT)  # the day's answer built again
        return (
            missing,
            kept,
            await storage.cached_bill("store-1", day, "ALL"),
            await storage.cached_bill("store-1", day, "SUCCESS"),
        )

    missing, kept, replaced, other_type = run(engine, scenario)
    assert missing is None and other_type is None
    assert kept == [first["store-1"], first["store-2"], None]  # byte for byte, and per store
    assert replaced == b"newer"


def test_an_order_wechat_pay_refused_is_closed_with_its_code_once_and_never_after_a_qr_code(engine: Opener) -> None:
    async def scenario(storage: RelayStorage) -> list[object]:
        await storage.insert_order(draft("W000000011"))
        await storage.insert_order(draft("W000000012"))
        await storage.set_code_url("W000000012", "weixin://wxpay/bizpayurl?pr=x", AT)
        refused = await storage.reject_order("W000000011", "PARAM_ERROR", "参数错误", at=AT)
        again = await storage.reject_order("W000000011", "OTHER", "another reason", at=AT)  # stays as refused
        placed = await storage.reject_order("W000000012", "PARAM_ERROR", "参数错误", at=AT)  # payable by its QR code
        events = [event.kind for event in await storage.events("W000000011")]
        return [refused, again, placed, events]

    refused, again, placed, events = run(engine, scenario)
    assert (refused.state, refused.error_code, refused.trade_state_desc, refused.version) == (  # type: ignore[attr-defined]
        "CLOSED",
        "PARAM_ERROR",
        "参数错误",
        2,
    )
    assert again == refused
    assert (placed.state, placed.error_code, placed.version) == ("NOTPAY", None, 1)  # type: ignore[attr-defined]
    assert events == ["created", "rejected"]


def test_the_stores_of_order_numbers_leave_unknown_numbers_out(engine: Opener) -> None:
    numbers = [f"W{n:09d}" for n in range(1, 1202)]  # beyond SQLite's bound-parameter limit per statement

    async def scenario(storage: RelayStorage) -> dict[str, str]:
        await storage.insert_order(draft("W000000001"))
        await storage.insert_order(dataclasses.replace(draft("W000001200"), store_id="store-2"))
        return await storage.stores_of([*numbers, "NOSUCHORDER"])

    assert run(engine, scenario) == {"W000000001": "store-1", "W000001200": "store-2"}


def test_a_probe_write_commits_and_counts(engine: Opener) -> None:
    async def scenario(storage: RelayStorage) -> str | None:
        for _ in range(3):
            await storage.probe()
        return storage.stalled(5.0)

    assert run(engine, scenario) is None
    assert engine.execute("SELECT writes FROM probe") == [(3,)]


def test_a_lease_is_held_by_one_holder_until_it_expires_or_is_released(engine: Opener) -> None:
    later = AT + timedelta(seconds=11)

    async def scenario(storage: RelayStorage) -> list[object]:
        return [
            await storage.claim_lease("work", "a", at=AT, seconds=10),
            await storage.claim_lease("work", "b", at=AT, seconds=10),  # taken
            await storage.claim_lease("work", "a", at=AT + timedelta(seconds=5), seconds=10),  # renewed to +15 s
            await storage.claim_lease("work", "b", at=later, seconds=10),  # not expired yet
            await storage.claim_lease("work", "b", at=AT + timedelta(seconds=15), seconds=10),  # expired: taken over
            await storage.release_lease("work", "a"),  # not a's any more: nothing happens
            await storage.claim_lease("work", "c", at=AT + timedelta(seconds=16), seconds=10),  # still b's
            await storage.release_lease("work", "b"),
            await storage.claim_lease("work", "c", at=AT + timedelta(seconds=16), seconds=10),  # free at once
        ]

    assert run(engine, scenario) == [True, False, True, False, True, None, False, None, True]
    assert engine.execute("SELECT name, holder FROM leases") == [("work", "c")]


def test_a_database_of_a_newer_relay_is_refused_and_an_up_to_date_one_opened_again(engine: Opener) -> None:
    async def scenario(storage: RelayStorage) -> None:
        await storage.insert_order(draft("W000000009"))

    run(engine, scenario)
    assert run(engine, lambda storage: storage.order("W000000009")) is not None  # migrated once, opened again
    engine.execute("UPDATE schema_version SET version = ? WHERE version = ?", (LATEST + 1, LATEST))
    with pytest.raises(StorageError, match=f"schema version {LATEST + 1}, made by a newer relay"):
        engine()


# -- PostgreSQL with several writers: the rules hold because of the database, not of this process ------------


def several(url: str, count: int = 5) -> list[RelayStorage]:
    """``count`` engines on one database: separate pools, so separate server sessions, like separate relays."""
    return [PostgresStorage(url, pool_size=10) for _ in range(count)]


async def close_all(storages: list[RelayStorage]) -> None:
    await asyncio.gather(*(storage.aclose() for storage in storages))


def test_fifty_concurrent_refunds_never_exceed_what_was_paid(postgres_url: str) -> None:
    async def scenario() -> tuple[list[Inserted], int, int]:
        storages = several(postgres_url)
        try:
            first = storages[0]
            await first.insert_order(draft("C000000001", amount_fen=1000))
            paid = TradeReport("C000000001", "SUCCESS", total_fen=1000)
            await first.advance_order(paid, at=AT, source="t", mismatch=no_mismatch)
            attempts = [
                storages[n % len(storages)].insert_refund(refund(f"C1R{n:02d}", "C000000001", 30)) for n in range(50)
            ]
            outcomes = [inserted for inserted, _ in await asyncio.gather(*attempts)]
            # Every created refund succeeds at once, concurrently: the order's refunded_fen counts each one.
            created = [f"C1R{n:02d}" for n, inserted in enumerate(outcomes) if inserted is Inserted.CREATED]
            await asyncio.gather(
                *(
                    storages[n % len(storages)].advance_refund(
                        RefundReport(number, "SUCCESS", refund_id=number), at=AT, source="t"
                    )
                    for n, number in enumerate(created)
                )
            )
            order = await first.order("C000000001")
            assert order is not None
            return outcomes, order.refunded_fen, order.version
        finally:
            await close_all(storages)

    outcomes, refunded, version = asyncio.run(scenario())
    assert outcomes.count(Inserted.CREATED) == 33 and outcomes.count(Inserted.EXCEEDS_AMOUNT) == 17
    assert refunded == 33 * 30 <= 1000
    assert version == 2 + 33  # paid, then one bump per successful refund


def test_fifty_concurrent_copies_of_a_notification_change_the_order_once(postgres_url: str) -> None:
    async def scenario() -> tuple[list[str], int]:
        storages = several(postgres_url)
        try:
            await storages[0].insert_order(draft("C000000002"))
            paid = TradeReport("C000000002", "SUCCESS", transaction_id="4200", total_fen=1000)
            changes = await asyncio.gather(
                *(
                    storages[n % len(storages)].record_payment_notification(
                        "N-C2", "TRANSACTION.SUCCESS", paid, at=AT, mismatch=no_mismatch
                    )
                    for n in range(50)
                )
            )
            order = await storages[0].order("C000000002")
            assert order is not None
            return [change.outcome for change in changes], order.version
        finally:
            await close_all(storages)

    outcomes, version = asyncio.run(scenario())
    assert sorted(set(outcomes)) == ["applied", "duplicate"] and outcomes.count("applied") == 1
    assert version == 2


def test_concurrent_reports_only_ever_move_an_order_forward(postgres_url: str) -> None:
    states = ["USERPAYING", "PAYERROR", "CLOSED", "SUCCESS", "NOTPAY", "USERPAYING", "CLOSED"]

    async def scenario() -> tuple[list[str], object]:
        storages = several(postgres_url)
        try:
            await storages[0].insert_order(draft("C000000003"))
            changes = await asyncio.gather(
                *(
                    storages[n % len(storages)].advance_order(
                        TradeReport("C000000003", state, total_fen=1000), at=AT, source="t", mismatch=no_mismatch
                    )
                    for n, state in enumerate(states * 5)
                )
            )
            events = await storages[0].events("C000000003")
            return [change.outcome for change in changes], events
        finally:
            await close_all(storages)

    outcomes, events = asyncio.run(scenario())
    moves = [(event.detail["from"], event.detail["to"]) for event in events if event.kind == "state"]  # type: ignore[attr-defined]
    assert moves and moves[-1][1] == "SUCCESS" and outcomes.count("applied") == len(moves)
    assert all(trade_moves_forward(before, after) for before, after in moves)  # each change from the one before
    assert [after for _, after in moves[:-1]] == [before for before, _ in moves[1:]]


def test_twenty_concurrent_creations_of_one_order_store_it_once(postgres_url: str) -> None:
    async def scenario() -> list[Inserted]:
        storages = several(postgres_url, 4)
        try:
            results = await asyncio.gather(*(storages[n % 4].insert_order(draft("C000000004")) for n in range(20)))
            return [inserted for inserted, _ in results]
        finally:
            await close_all(storages)

    outcomes = asyncio.run(scenario())
    assert outcomes.count(Inserted.CREATED) == 1 and outcomes.count(Inserted.EXISTS) == 19


def test_instances_starting_together_migrate_the_database_once(postgres_server: PostgresServer) -> None:
    postgres_url = postgres_server.url(postgres_server.create_database())  # empty: nobody has migrated it
    with ThreadPoolExecutor(4) as pool:
        opened = list(pool.map(lambda _: PostgresStorage(postgres_url), range(4)))
    asyncio.run(close_all(list(opened)))
    with psycopg.connect(postgres_url) as connection:
        assert connection.execute("SELECT version FROM schema_version").fetchall() == [(LATEST,)]


def test_a_caller_who_gives_up_on_postgresql_does_not_cut_the_transaction_short(postgres_url: str) -> None:
    async def scenario() -> object:
        storage = PostgresStorage(postgres_url)
        try:
            await storage.insert_order(draft("C000000005"))
            async with await psycopg.AsyncConnection.connect(postgres_url) as blocker:
                # Another session holds the order's row: the notification's transaction waits for it.
                await blocker.execute("SELECT * FROM orders WHERE out_trade_no = 'C000000005' FOR UPDATE")
                paid = TradeReport("C000000005", "SUCCESS", total_fen=1000)
                waiting = asyncio.ensure_future(
                    storage.record_payment_notification(
                        "N-C5", "TRANSACTION.SUCCESS", paid, at=AT, mismatch=no_mismatch
                    )
                )
                await waits_on_a_lock(postgres_url)
                waiting.cancel()  # e.g. the 4 s notification deadline
                await blocker.commit()
            while (order := await storage.order("C000000005")) is not None and order.version == 1:
                await asyncio.sleep(0.02)  # the transaction goes on without its caller
            return order
        finally:
            await storage.aclose()

    order = asyncio.run(scenario())
    assert order.state == "SUCCESS" and order.version == 2  # type: ignore[attr-defined]


def test_a_caller_who_gives_up_while_the_pool_opens_leaves_it_open_for_the_others(postgres_url: str) -> None:
    async def scenario() -> Inserted:
        storage = PostgresStorage(postgres_url)
        try:
            first = asyncio.ensure_future(storage.probe())  # the first use opens the pool
            await asyncio.sleep(0)  # it waits for the opening
            first.cancel()
            await asyncio.gather(first, return_exceptions=True)
            await storage.probe()
            inserted, _ = await storage.insert_order(draft("C000000007"))
            return inserted  # rather than CancelledError for every caller after the first
        finally:
            await storage.aclose()

    assert asyncio.run(scenario()) is Inserted.CREATED


async def waits_on_a_lock(url: str) -> None:
    """Returns once a session of the database waits for a lock another holds."""
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as watcher:
        while (await (await watcher.execute(query)).fetchone()) == (0,):
            await asyncio.sleep(0.02)


def test_a_database_that_cannot_be_reached_fails_in_one_line_without_the_password(postgres_server: object) -> None:
    url = "postgresql://kiosk:s3cret@127.0.0.1:1/relay?connect_timeout=2"
    with pytest.raises(StorageError) as refused:
        PostgresStorage(url)
    message = str(refused.value)
    assert "\n" not in message and "s3cret" not in message and "postgresql://kiosk:***@127.0.0.1:1/relay" in message


def test_concurrent_steps_of_a_payment_code_flow_only_move_it_forward(postgres_url: str) -> None:
    steps = [CodePayStep.POLLING, CodePayStep.REVERSING, CodePayStep.POLLING, CodePayStep.DONE, CodePayStep.POLLING]

    async def scenario() -> tuple[list[object], object, list[tuple[str, str]]]:
        storages = several(postgres_url)
        try:
            flow = CodePayDraft(payment_code="**************9406", device_ip="192.0.2.10", charged_at=AT)
            await storages[0].insert_codepay(draft("C000000006", trade_type=TradeType.MICROPAY), flow)
            moves = await asyncio.gather(
                *(
                    storages[n % len(storages)].move_codepay("C000000006", step, at=AT, next_at=None)
                    for n, step in enumerate(steps * 6)
                )
            )
            events = await storages[0].events("C000000006")
            moved = [(e.detail["from"], e.detail["to"]) for e in events if e.kind == "codepay" and "from" in e.detail]  # type: ignore[index, operator]
            return moves, await storages[0].codepay("C000000006"), moved
        finally:
            await close_all(storages)

    moves, stored, moved = asyncio.run(scenario())
    assert stored.step is CodePayStep.DONE  # type: ignore[attr-defined]
    order = list(CodePayStep)
    assert all(order.index(CodePayStep(after)) > order.index(CodePayStep(before)) for before, after in moved)
    assert [after for _, after in moved][-1] == CodePayStep.DONE and any(move is None for move in moves)


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


def test_a_write_running_past_the_bound_is_named_until_it_ends(engine: Opener) -> None:
    """What /healthz calls stalled (and what stops systemd's pings): on SQLite a batch the writer thread runs, on
    PostgreSQL a transaction that waits on a row another session holds; named once it runs past the bound."""

    async def scenario(storage: RelayStorage) -> tuple[str | None, str | None, str | None]:
        await storage.probe()  # the probe's row exists
        async with held_write(engine, storage):
            probing = asyncio.ensure_future(storage.probe())
            await asyncio.sleep(0.1)
            early = storage.stalled(0.5)
            late = await wait_until_async(lambda: storage.stalled(0.5), 10, "stalled")
        await asyncio.wait_for(probing, 10)  # let go: it commits
        return early, late, storage.stalled(0.5)

    early, late, after = run(engine, scenario)
    assert early is None and after is None
    assert late is not None and late.startswith(("a write has been running for", "a transaction has been running for"))
    assert engine.execute("SELECT writes FROM probe") == [(2,)]


@contextlib.asynccontextmanager
async def held_write(engine: Opener, storage: RelayStorage) -> AsyncIterator[None]:
    """Writes cannot finish within the block: SQLite's writer thread is kept busy, PostgreSQL's probe row is
    locked by another session."""
    if isinstance(storage, SQLiteStorage):
        gate, started = threading.Event(), threading.Event()

        def stuck(connection: sqlite3.Connection) -> None:
            started.set()
            gate.wait(10)

        holding = asyncio.ensure_future(storage.writer.write(stuck))
        await asyncio.to_thread(started.wait, 10)
        try:
            yield
        finally:
            gate.set()
            await holding
        return
    assert isinstance(engine.where, str)
    async with await psycopg.AsyncConnection.connect(engine.where) as blocker:
        await blocker.execute("SELECT * FROM probe FOR UPDATE")
        yield  # the block's end commits, and the lock goes


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
