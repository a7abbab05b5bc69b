"""Relay instances on one PostgreSQL database, in one process (each its own engine, pool, hub, reconciler and
cluster part): cross-instance wake-ups, the work lease and its hand-over, work sent to the holder, and the
resynchronisation after a lost link. The same with processes, kiosks and the sandbox: test_cluster_processes.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest

from kiosk.clock import SystemClock
from kiosk.relay.cluster import CERTIFICATE_DOWNLOADS, WORK_LEASE, Cluster, take_turn
from kiosk.relay.codepay import CodePayFlows
from kiosk.relay.config import CodePaySettings, Kiosk, RelayConfig, init_config, load_config
from kiosk.relay.gateway import PaymentNotice, TradeReport
from kiosk.relay.hub import VersionHub
from kiosk.relay.reconciler import Reconciler
from kiosk.relay.service import Relay, order_draft
from kiosk.relay.storage import CodePayDraft
from kiosk.relay.storage.postgres import PostgresStorage
from kiosk.relay.storage.schema import WORK_CHANNEL
from kiosk.relay.wechat import parse_bill
from kiosk.trade import TradeType
from kiosk.wire import OrderCreate
from tests.support.bills import BILL_FILE
from tests.support.gateway import FakeWeChat
from tests.support.waiting import wait_until_async

KIOSK = Kiosk("kiosk-1", "store-1", "kiosk", "0" * 64)
LEASE = 2.0  # seconds: renewed every 0.67 s
T = TypeVar("T")


@dataclass
class Instance:
    name: str
    relay: Relay
    storage: PostgresStorage
    cluster: Cluster
    task: asyncio.Task[None]

    @property
    def hub(self) -> VersionHub:
        return self.relay.hub

    async def die(self) -> None:
        """Gone without a word: its connections drop and its lease stays until it expires."""
        await self.storage.aclose()
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


@pytest.fixture
def config(sandbox_dir: Path, tmp_path: Path) -> RelayConfig:
    init_config(sandbox_dir, 0, tmp_path / "relay.toml")
    return load_config(tmp_path / "relay.toml")


@contextlib.asynccontextmanager
async def instances(url: str, config: RelayConfig, wechat: FakeWeChat) -> AsyncIterator[list[Instance]]:
    """Instances A and B; A holds the work lease."""
    started: list[Instance] = []
    try:
        for index in range(2):
            storage = PostgresStorage(url)
            relay = Relay(config, wechat, storage, SystemClock())
            relay.base_url = "http://127.0.0.1:1"
            reconciler = Reconciler(relay)
            name = "AB"[index]
            assert storage.cluster is not None
            flows = CodePayFlows(relay, CodePaySettings())
            cluster = Cluster(relay, reconciler, flows, storage.cluster, lease_seconds=LEASE, name=name)
            task = asyncio.create_task(cluster.run(reconciler.run))
            started.append(Instance(name, relay, storage, cluster, task))
            if index == 0:
                await wait_until_async(lambda: started[0].cluster.holding)  # A holds the lease before B exists
        yield started
    finally:
        for instance in started:
            instance.task.cancel()
            await asyncio.gather(instance.task, return_exceptions=True)
            await instance.storage.aclose()


def run(scenario: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(scenario, 60))


def new_order(number: str) -> OrderCreate:
    return OrderCreate(out_trade_no=number, description="d", amount_fen=100)


def paid(number: str) -> TradeReport:
    return TradeReport(number, "SUCCESS", "支付成功", "4200000000000000000000000001", total_fen=100)


def test_a_payment_stored_by_one_instance_answers_a_long_poll_held_by_the_other(
    postgres_url: str, config: RelayConfig
) -> None:
    async def scenario() -> tuple[str, int, int]:
        wechat = FakeWeChat()
        async with instances(postgres_url, config, wechat) as (a, b):
            order = await a.relay.create_order(KIOSK, new_order("store1-K000000001"))
            poll = asyncio.create_task(
                b.relay.watch_order(KIOSK, "store1-K000000001", since=order.version, wait=20, refresh=False)
            )
            await wait_until_async(lambda: b.hub.waiters("store1-K000000001") == 1)
            await asyncio.sleep(0.2)  # the long-poll is held, not answered
            assert not poll.done()
            outcome = await a.relay.handle_notification(
                PaymentNotice("N-K1", "TRANSACTION.SUCCESS", paid("store1-K000000001"))
            )
            answer = await asyncio.wait_for(poll, 5)
            return outcome, answer["version"], b.hub.held()

    outcome, version, held = run(scenario())
    assert outcome == "applied" and version == 2
    assert held == 0  # B keeps nothing of an order nobody waits on any more


def test_the_holder_runs_the_queries_and_hears_of_orders_and_kiosks_on_the_other_instance(
    postgres_url: str, config: RelayConfig
) -> None:
    async def scenario() -> tuple[bool, bool, str]:
        wechat = FakeWeChat()
        async with instances(postgres_url, config, wechat) as (a, b):
            await b.relay.create_order(KIOSK, new_order("store1-K000000002"))
            wechat.states["store1-K000000002"] = paid("store1-K000000002")
            # A kiosk waits on B: the holder (A) queries within about a second, and B's kiosk hears of it.
            answer = await b.relay.watch_order(KIOSK, "store1-K000000002", since=1, wait=10, refresh=False)
            return a.cluster.holding, b.cluster.holding, answer["state"]

    a_holds, b_holds, state = run(scenario())
    assert (a_holds, b_holds, state) == (True, False, "SUCCESS")


def test_kiosks_watching_a_payment_code_order_on_another_instance_send_the_holder_no_work(
    postgres_url: str, config: RelayConfig
) -> None:
    """What B sends A is read on the work channel by the test itself: long-polls on a payment-code order (its own
    flow queries it) send nothing, one on a Native order sends its ``w:`` key and A queries that order."""
    native, code = "store1-K000000010", "store1-C000000010"

    async def scenario() -> tuple[list[str], str]:
        wechat = FakeWeChat()
        sent: list[str] = []
        async with (
            instances(postgres_url, config, wechat) as (a, b),
            await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as listener,
        ):
            await listener.execute(f"LISTEN {WORK_CHANNEL}")
            now = b.relay.now()
            draft = order_draft(
                KIOSK, new_order(code), TradeType.MICROPAY, time_expire=now + timedelta(seconds=45), at=now
            )
            flow = CodePayDraft(payment_code="1300********1234", device_ip="127.0.0.1", charged_at=now)
            await b.storage.insert_codepay(draft, flow)
            for _ in range(5):
                await b.relay.watch_order(KIOSK, code, since=1, wait=0.05, refresh=False)
            await a.relay.create_order(KIOSK, new_order(native))  # created on the holder: nothing to send
            wechat.states[native] = paid(native)
            answer = await b.relay.watch_order(KIOSK, native, since=1, wait=10, refresh=False)
            async for note in listener.notifies(timeout=10):
                sent += note.payload.split("\n")
                if f"w:{native}" in sent:  # sent after anything the long-polls on the other order would have
                    break
        return sent, str(answer["state"])

    sent, state = run(scenario())
    assert sent == [f"w:{native}"] and state == "SUCCESS"


def test_a_burst_of_work_goes_to_the_holder_in_one_transaction_each_key_once_in_order(postgres_url: str) -> None:
    """A thousand keys at once (a burst of long-polls) are more than one NOTIFY may carry: they go in several
    payloads of one transaction, each key once and in order."""
    keys = [f"w:store1-K{n:024d}" for n in range(1000)]

    async def scenario() -> list[str]:
        storage = PostgresStorage(postgres_url)
        payloads: list[str] = []
        try:
            async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as listener:
                await listener.execute(f"LISTEN {WORK_CHANNEL}")
                assert storage.cluster is not None
                await storage.cluster.send_work([])  # nothing to send: no NOTIFY
                await storage.cluster.send_work(keys)
                async for note in listener.notifies(timeout=10):
                    payloads.append(note.payload)
                    if note.payload.endswith(keys[-1]):
                        break
        finally:
            await storage.aclose()
        return payloads

    payloads = run(scenario())
    assert len(payloads) > 1 and all(len(payload.encode()) < 8000 for payload in payloads)
    assert [key for payload in payloads for key in payload.split("\n")] == keys


def test_when_the_holder_dies_another_instance_takes_the_lease_once_it_expires_and_carries_on(
    postgres_url: str, config: RelayConfig
) -> None:
    async def scenario() -> tuple[bool, float, str]:
        wechat = FakeWeChat()
        async with instances(postgres_url, config, wechat) as (a, b):
            await a.relay.create_order(KIOSK, new_order("store1-K000000003"))
            await a.die()
            died = asyncio.get_running_loop().time()
            await asyncio.sleep(LEASE / 3)  # renewed at most LEASE / 3 before it died: still A's
            early = b.cluster.holding
            await wait_until_async(lambda: b.cluster.holding)
            took = asyncio.get_running_loop().time() - died
            wechat.states["store1-K000000003"] = paid("store1-K000000003")  # paid while nobody could hear of it
            answer = await b.relay.watch_order(KIOSK, "store1-K000000003", since=1, wait=10, refresh=False)
            return early, took, answer["state"]

    early, took, state = run(scenario())
    assert not early and took < LEASE + LEASE / 3 + 1.0  # expiry, then B's next claim
    assert state == "SUCCESS"  # B's reconciler found the payment of an order A created


def test_a_clean_stop_hands_the_lease_over_at_once(postgres_url: str, config: RelayConfig) -> None:
    async def scenario() -> list[tuple[bool, bool, list[tuple[str, ...]]]]:
        seen = []
        async with (
            instances(postgres_url, config, FakeWeChat()) as (a, b),
            await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as look,
        ):

            async def holders() -> list[tuple[str, ...]]:
                cursor = await look.execute("SELECT holder FROM leases WHERE name = %s", (WORK_LEASE,))
                return await cursor.fetchall()

            seen.append((a.cluster.holding, b.cluster.holding, await holders()))
            a.task.cancel()  # SIGTERM: the lease is released on the way out
            await asyncio.gather(a.task, return_exceptions=True)
            await wait_until_async(lambda: b.cluster.holding, LEASE)  # well before it would have expired
            seen.append((a.cluster.holding, b.cluster.holding, await holders()))
        return seen

    assert run(scenario()) == [(True, False, [("A",)]), (False, True, [("B",)])]


def test_an_instance_whose_link_broke_reloads_what_its_kiosks_wait_on(postgres_url: str, config: RelayConfig) -> None:
    async def scenario() -> str:
        async with instances(postgres_url, config, FakeWeChat()) as (a, b):
            order = await a.relay.create_order(KIOSK, new_order("store1-K000000004"))
            poll = asyncio.create_task(
                b.relay.watch_order(KIOSK, "store1-K000000004", since=order.version, wait=20, refresh=False)
            )
            await wait_until_async(lambda: b.hub.waiters("store1-K000000004") == 1)
            async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as admin:
                # Cut every listening connection (B's among them), then pay while they are down.
                await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND (query LIKE 'LISTEN%' OR query = 'SELECT 1')"
                )
            await a.relay.handle_notification(PaymentNotice("N-K4", "TRANSACTION.SUCCESS", paid("store1-K000000004")))
            answer = await asyncio.wait_for(poll, 10)
            return str(answer["state"])

    assert run(scenario()) == "SUCCESS"


def test_the_certificate_download_turn_is_one_a_minute_across_instances(postgres_url: str) -> None:
    async def scenario() -> list[bool]:
        a, b = PostgresStorage(postgres_url), PostgresStorage(postgres_url)
        clock = SystemClock()
        try:
            return [
                await take_turn(a, CERTIFICATE_DOWNLOADS, 60, clock),  # A downloads
                await take_turn(b, CERTIFICATE_DOWNLOADS, 60, clock),  # B's unknown serial a moment later: not yet
                await take_turn(a, CERTIFICATE_DOWNLOADS, 60, clock),  # nor A's second one
                await take_turn(b, "another turn", 60, clock),
            ]
        finally:
            await a.aclose()
            await b.aclose()

    assert run(scenario()) == [True, False, False, True]


def test_a_bill_one_instance_downloaded_is_served_from_the_database_by_the_other(
    postgres_url: str, config: RelayConfig
) -> None:
    """The bill cache is shared: B answers A's download as kept bytes (``cached``), without downloading it."""
    wechat = FakeWeChat()
    day = SystemClock().now().date() - timedelta(days=1)
    wechat.bills[day] = parse_bill(BILL_FILE.read_bytes())

    async def scenario() -> list[bytes]:
        async with instances(postgres_url, config, wechat) as (a, b):
            return [await a.relay.bill(KIOSK, day), await b.relay.bill(KIOSK, day), await b.relay.bill(KIOSK, day)]

    built, shared, again = (json.loads(gzip.decompress(body)) for body in run(scenario()))
    assert [call for call in wechat.calls if call[0] == "bill"] == [("bill", day.isoformat())]
    assert built["cached"] is False and shared["cached"] is True and again == shared
    assert shared["rows"] == built["rows"] and len(built["rows"]) == len(wechat.bills[day].values[0]) > 0
