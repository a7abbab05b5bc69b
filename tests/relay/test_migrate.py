"""``kiosk-relay migrate``: a shop's SQLite relay copied into PostgreSQL, checked by counts and sums, refused when
it would lose or mix anything."""

from __future__ import annotations

import asyncio
import gzip
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest

from kiosk.clock import CHINA_TZ
from kiosk.relay.gateway import RefundReport, TradeReport
from kiosk.relay.storage import (
    CodePayDraft,
    CodePayStep,
    OrderDraft,
    RefundDraft,
    RelayStorage,
    SQLiteStorage,
    StorageError,
)
from kiosk.relay.storage.move import move
from kiosk.relay.storage.postgres import PostgresStorage
from kiosk.trade import TradeType
from tests.support.relay import init_relay, run_cli, start_relay

AT = datetime(2026, 3, 1, 12, 0, tzinfo=CHINA_TZ)
NUMBERS = [f"store1-M{n:09d}" for n in range(12)]  # store-1's (kiosk.wire.store_prefix): a relay serves them
CODE_ORDER = "store1-M100000000"
DAY = date(2026, 2, 28)
#: Each store's bill answer of DAY as the relay keeps it: gzip bytes (any byte must come across).
BILL_ANSWERS = {
    "store-1": gzip.compress(json.dumps([[number, "0.01"] for number in NUMBERS]).encode()),
    "store-2": bytes(range(256)),
}


def no_mismatch(order: object) -> str:
    return ""


async def fill(storage: RelayStorage) -> None:
    """A day of a shop: open, paid, closed and refunded orders, notifications, refunds, events, a cached bill."""
    for n, number in enumerate(NUMBERS):
        await storage.insert_order(
            OrderDraft(
                out_trade_no=number,
                store_id="store-1",
                kiosk_id="kiosk-1",
                trade_type=TradeType.NATIVE,
                amount_fen=100 * (n + 1),
                description=f"商品 {n}",
                attach=None,
                items=[{"sku": f"S{n}", "quantity": n + 1}],
                time_expire=AT + timedelta(minutes=10),
                at=AT + timedelta(seconds=n),
            )
        )
        await storage.set_code_url(number, f"weixin://wxpay/bizpayurl?pr={n}", AT)
        if n % 3 == 1:
            paid = TradeReport(number, "SUCCESS", "支付成功", f"4200{n}", AT, 100 * (n + 1), 100 * (n + 1), "OTHERS")
            await storage.record_payment_notification(f"N{n}", "TRANSACTION.SUCCESS", paid, at=AT, mismatch=no_mismatch)
            refund = RefundDraft(
                out_refund_no=f"R{n}", out_trade_no=number, store_id="store-1", kiosk_id="manager-1",
                amount_fen=50, reason="退货", at=AT,
            )  # fmt: skip
            await storage.insert_refund(refund)
            await storage.advance_refund(
                RefundReport(f"R{n}", "SUCCESS", f"5030{n}", number, 50, AT), at=AT, source="t"
            )
        elif n % 3 == 2:
            await storage.advance_order(TradeReport(number, "CLOSED"), at=AT, source="close", mismatch=no_mismatch)
    await storage.record_other_notification("N-other", "MCHTRANSFER.BILL.FINISHED", at=AT)
    # A payment-code order whose customer is still typing the password: its flow is moved too.
    code = OrderDraft(
        out_trade_no=CODE_ORDER, store_id="store-1", kiosk_id="kiosk-1", trade_type=TradeType.MICROPAY,
        amount_fen=990, description="付款码", attach=None, items=None, time_expire=AT + timedelta(seconds=45), at=AT,
    )  # fmt: skip
    await storage.insert_codepay(code, CodePayDraft(payment_code="**************9406", device_ip="::1", charged_at=AT))
    await storage.move_codepay(CODE_ORDER, CodePayStep.POLLING, at=AT, next_at=AT + timedelta(seconds=5), attempts=2)
    await storage.cache_bills(DAY, "ALL", BILL_ANSWERS, at=AT)


async def snapshot(storage: RelayStorage) -> dict[str, object]:
    """Everything the relay can read back, through the storage interface."""
    return {
        "orders": [await storage.order(number) for number in [*NUMBERS, CODE_ORDER]],
        "flow": await storage.codepay(CODE_ORDER),
        "active flows": await storage.active_codepays(),
        "refunds": [await storage.refund(f"R{n}") for n in range(len(NUMBERS))],
        "events": [await storage.events(number) for number in NUMBERS],
        "payable": sorted(await storage.payable_orders()),
        "bills": [await storage.cached_bill(store, DAY, "ALL") for store in BILL_ANSWERS],
        "duplicate": await storage.record_other_notification("N-other", "MCHTRANSFER.BILL.FINISHED", at=AT),
    }


def sqlite_source(path: Path) -> dict[str, object]:
    async def build() -> dict[str, object]:
        storage = SQLiteStorage(path)
        try:
            await fill(storage)
            return await snapshot(storage)
        finally:
            await storage.aclose()

    return asyncio.run(build())


def read_back(url: str) -> dict[str, object]:
    async def read() -> dict[str, object]:
        storage = PostgresStorage(url)
        try:
            return await snapshot(storage)
        finally:
            await storage.aclose()

    return asyncio.run(read())


def test_every_record_reads_back_the_same_from_postgresql(tmp_path: Path, postgres_url: str) -> None:
    before = sqlite_source(tmp_path / "relay.sqlite3")
    report = move(tmp_path / "relay.sqlite3", postgres_url)
    assert read_back(postgres_url) == before
    totals = report["totals"]
    assert totals["orders"] == {"rows": 13, "amount_fen": 7800 + 990, "refunded_fen": 200, "versions": 13 + 4 * 2 + 4}
    assert totals["codepay"] == {"rows": 1, "attempts": 2, "resent": 0}
    assert totals["orders_by_method"]["MICROPAY"] == {"rows": 1, "amount_fen": 990}
    assert totals["refunds"]["amount_fen"] == 200 and totals["notifications"]["rows"] == 5
    assert totals["orders_by_state"]["REFUND"] == {"rows": 4, "amount_fen": 200 + 500 + 800 + 1100}

    async def next_event() -> int:
        storage = PostgresStorage(postgres_url)
        try:
            await storage.advance_order(TradeReport(NUMBERS[0], "CLOSED"), at=AT, source="t", mismatch=no_mismatch)
            return (await storage.events(NUMBERS[0]))[-1].seq
        finally:
            await storage.aclose()

    assert asyncio.run(next_event()) == totals["events"]["last_seq"] + 1  # the numbering carries on


def test_a_copy_that_does_not_add_up_keeps_nothing(tmp_path: Path, postgres_url: str) -> None:
    sqlite_source(tmp_path / "relay.sqlite3")
    asyncio.run(PostgresStorage(postgres_url).aclose())  # the schema, then a fault in the target:
    with psycopg.connect(postgres_url) as connection:
        connection.execute(
            "CREATE FUNCTION skim() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "NEW.amount_fen := NEW.amount_fen + 1; RETURN NEW; END $$"
        )
        connection.execute("CREATE TRIGGER skim BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION skim()")
    differs = "the copy differs from the file in orders, orders_by_method, orders_by_state; nothing was kept"
    with pytest.raises(StorageError, match=differs):
        move(tmp_path / "relay.sqlite3", postgres_url)
    with psycopg.connect(postgres_url) as connection:
        assert connection.execute("SELECT COUNT(*) FROM orders").fetchone() == (0,)


def test_the_command_copies_refuses_a_target_with_data_and_a_running_relay(
    sandbox_dir: Path, tmp_path: Path, postgres_url: str
) -> None:
    credentials = init_relay(sandbox_dir, tmp_path)
    database = tmp_path / "relay.sqlite3"
    sqlite_source(database)
    command = ["migrate", "--from", str(database), "--to", postgres_url]

    done = run_cli(command)
    printed = json.loads(done.stdout)
    assert printed["from"] == str(database) and printed["totals"]["orders"]["rows"] == 13

    again = run_cli(command, check=False)  # the same shop twice would mix two histories
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr.splitlines() == [
        f"kiosk-relay: migrate: {printed['to']} already holds relay data (13 orders, 1 codepay, 4 refunds, "
        f"5 notifications, 2 bill_answers, {printed['totals']['events']['rows']} events); --replace empties it first"
    ]
    assert json.loads(run_cli([*command, "--replace"]).stdout)["replaced"] is True

    relay = start_relay(credentials)  # the shop's relay, running on its file
    try:
        busy = run_cli([*command, "--replace"], check=False)
    finally:
        relay.stop()
    assert busy.returncode == 2 and "another relay is already running" in busy.stderr

    # The relay, moved: the same configuration with the database's URL serves the orders.
    document = credentials.config_path.read_text("utf-8").replace('path = "relay.sqlite3"', f'url = "{postgres_url}"')
    credentials.config_path.write_text(document, "utf-8")
    moved = start_relay(credentials)
    try:
        answer = httpx.get(f"{moved.base_url}/v1/orders/{NUMBERS[1]}", headers=moved.kiosk_headers(), timeout=10)
    finally:
        moved.stop()
    assert answer.status_code == 200 and (answer.json()["state"], answer.json()["refunded_fen"]) == ("REFUND", 50)


def test_a_wrong_target_is_one_line_without_the_password(tmp_path: Path, postgres_server: object) -> None:
    database = tmp_path / "relay.sqlite3"
    sqlite_source(database)
    unreachable = run_cli(
        ["migrate", "--from", str(database), "--to", "postgresql://shop:s3cret@127.0.0.1:1/relay?connect_timeout=2"],
        check=False,
    )
    assert unreachable.returncode == 2 and len(unreachable.stderr.splitlines()) == 1
    assert "s3cret" not in unreachable.stderr and "postgresql://shop:***@127.0.0.1:1/relay" in unreachable.stderr
    wrong = run_cli(["migrate", "--from", str(database), "--to", "mysql://shop:s3cret@db/relay"], check=False)
    assert (wrong.returncode, wrong.stderr) == (2, "kiosk-relay: --to: must be a postgresql:// URL\n")
    missing = run_cli(["migrate", "--from", str(tmp_path / "nope.sqlite3"), "--to", "postgresql://db/r"], check=False)
    assert missing.returncode == 2 and "nope.sqlite3 does not exist" in missing.stderr
