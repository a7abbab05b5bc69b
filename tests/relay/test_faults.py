"""The relay under injected faults, as processes on 127.0.0.1: each case ends with the relay storing and answering.

- WeChat Pay answering just under and just over the relay's deadlines, with callers at once;
- the exact reproduction of the stopped writer (issue 12): a ~4,986 ms latency fault on one order's query and two
  concurrent ``refresh=1``, then a new order and a notification that must both store;
- kiosks that hang up in the middle of a refresh, while storage writes;
- bill bursts during notifications (a day put in the relay's storage beforehand, as if downloaded);
- ``kill -9`` in a loop while orders and notifications arrive: everything acknowledged is there afterwards.

A disk that fills up is in test_health.py (503, exit 3, restart), half-open connections in test_server.py, and a
writer whose callers give up in test_storage.py.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.reconcile import build_bill  # the benchmark's generator of realistic bill files
from kiosk.clock import CHINA_TZ
from kiosk.relay import bills, load_config
from kiosk.relay.service import REFRESH_DEADLINE
from kiosk.relay.storage import open_storage
from kiosk.relay.wechat import CALL_DEADLINE, parse_bill
from kiosk.wire import BillAnswer, decode
from tests.support.relay import (
    FAST,
    NotificationSigner,
    RelayCredentials,
    RelayProcess,
    init_relay,
    order_number,
    start_relay,
)
from tests.support.sandbox import SandboxProcess

#: What a kiosk waits for the relay (kiosk.checkout.relay_client's default): every answer must come sooner.
KIOSK_WAIT = 5.0
#: Latencies on either side of the relay's deadline for a call to WeChat Pay.
UNDER = CALL_DEADLINE - 0.6
OVER = CALL_DEADLINE + 1.0


@pytest.fixture
def relay(sandbox: SandboxProcess, tmp_path: Path) -> Iterator[RelayProcess]:
    process = start_relay(init_relay(sandbox.state_dir, tmp_path, settings=FAST))
    yield process
    process.stop()
    sandbox.control("DELETE", "/sandbox/v1/faults")


def new_number() -> str:
    return order_number("F")


def kiosk(relay: RelayProcess, timeout: float = KIOSK_WAIT) -> httpx.Client:
    return httpx.Client(base_url=relay.base_url, headers=relay.kiosk_headers(), timeout=timeout)


def create(relay: RelayProcess, number: str | None = None, amount_fen: int = 300) -> httpx.Response:
    with kiosk(relay) as client:
        body = {"out_trade_no": number or new_number(), "description": "豆浆", "amount_fen": amount_fen}
        return client.post("/v1/orders", json=body)


def notify(relay: RelayProcess, signer: NotificationSigner, number: str, amount_fen: int = 300) -> httpx.Response:
    headers, body = signer.signed(signer.transaction(number, amount_fen))
    return httpx.post(relay.base_url + "/wechatpay/notify", headers=headers, content=body, timeout=KIOSK_WAIT)


def state(relay: RelayProcess, number: str) -> str | None:
    """The order's state as the relay answers it; None when it has no such order."""
    with kiosk(relay) as client:
        answer = client.get(f"/v1/orders/{number}")
    if answer.status_code == 404:
        return None
    assert answer.status_code == 200, answer.text
    found: str = answer.json()["state"]
    return found


def refresh(relay: RelayProcess, number: str) -> httpx.Response:
    with kiosk(relay) as client:
        return client.get(f"/v1/orders/{number}", params={"refresh": 1})


def stores_and_answers(relay: RelayProcess, sandbox: SandboxProcess) -> None:
    """How every case ends: a new order is placed and a notification for it is stored."""
    created = create(relay)
    assert created.status_code == 200, created.text
    number = created.json()["out_trade_no"]
    assert notify(relay, NotificationSigner(sandbox.info), number).status_code == 204
    assert state(relay, number) == "SUCCESS"


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    with ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


# -- deadlines ---------------------------------------------------------------------------------------------


def test_wechat_pay_just_under_the_deadline_answers_every_caller(relay: RelayProcess, sandbox: SandboxProcess) -> None:
    sandbox.fault("latency", "/v3/pay/transactions/native", count=4, latency_ms=int(UNDER * 1000))
    started = time.monotonic()
    answers = at_once(*(lambda: create(relay) for _ in range(4)))
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    assert all(a.json()["code_url"].startswith("weixin://") for a in answers)
    assert time.monotonic() - started >= UNDER  # the latency did apply
    stores_and_answers(relay, sandbox)


def test_wechat_pay_just_over_the_deadline_is_unavailable_in_time_and_a_retry_succeeds(
    relay: RelayProcess, sandbox: SandboxProcess
) -> None:
    paid = create(relay).json()  # paid while notifications are lost: only a query can find it
    sandbox.notification_fault("drop", count=20)
    sandbox.pay(paid["code_url"])
    numbers = [new_number() for _ in range(4)]
    late = int(OVER * 1000)
    sandbox.fault("latency", "/v3/pay/transactions/native", count=4, latency_ms=late)
    sandbox.fault("latency", f"/v3/pay/transactions/out-trade-no/{paid['out_trade_no']}", count=1, latency_ms=late)
    started = time.monotonic()
    # Every caller is answered within the kiosk's 5 s (or its client would raise), creates and a refresh alike.
    *answers, refreshed = at_once(
        *(lambda n=n: create(relay, n) for n in numbers), lambda: refresh(relay, paid["out_trade_no"])
    )
    assert time.monotonic() - started >= CALL_DEADLINE  # the latency did apply
    assert [a.status_code for a in answers] == [503] * 4
    assert {a.json()["error"]["code"] for a in answers} == {"wechatpay_unavailable"}
    assert refreshed.status_code == 200 and refreshed.json()["state"] == "NOTPAY"  # the stored state, in time
    with httpx.Client(timeout=10) as client:
        health = client.get(relay.base_url + "/healthz").json()["checks"]["wechatpay"]
    assert health["status"] == "degraded" and health["url"] == sandbox.base_url
    time.sleep(OVER - CALL_DEADLINE)  # the sandbox has placed the late ones by now
    retried = at_once(*(lambda n=n: create(relay, n) for n in numbers))  # the kiosk retries: idempotent
    assert [a.status_code for a in retried] == [200] * 4
    assert refresh(relay, paid["out_trade_no"]).json()["state"] == "SUCCESS"  # asked again a second later
    stores_and_answers(relay, sandbox)


def test_the_stopped_writer_reproduction_a_4986_ms_query_and_two_refreshes(
    relay: RelayProcess, sandbox: SandboxProcess
) -> None:
    """Issue 12's reproduction: the refreshes gave up while the writer was to store the late query's result,
    the writer thread died, and from then on nothing was stored while /healthz said ok."""
    number = create(relay).json()["out_trade_no"]
    sandbox.fault("latency", f"/v3/pay/transactions/out-trade-no/{number}", count=2, latency_ms=4986)
    answers = at_once(*(lambda: refresh(relay, number) for _ in range(2)))
    assert [a.status_code for a in answers] == [200, 200]
    time.sleep(5.5 - REFRESH_DEADLINE)  # past the fault's answer, whatever became of it
    stores_and_answers(relay, sandbox)
    with httpx.Client(timeout=10) as client:
        assert client.get(relay.base_url + "/healthz").json()["checks"]["storage"]["status"] == "ok"


def test_kiosks_hanging_up_mid_refresh_stop_nothing(relay: RelayProcess, sandbox: SandboxProcess) -> None:
    numbers = [create(relay).json()["out_trade_no"] for _ in range(3)]
    for number in numbers:
        sandbox.fault("latency", f"/v3/pay/transactions/out-trade-no/{number}", count=1, latency_ms=800)

    def hang_up(number: str) -> str:
        try:
            with kiosk(relay, timeout=0.3) as client:  # gone before the query comes back
                client.get(f"/v1/orders/{number}", params={"refresh": 1, "since": 1, "wait": 20})
        except httpx.TimeoutException:
            return "hung up"
        return "answered"

    assert at_once(*(lambda n=n: hang_up(n) for n in numbers * 5)) == ["hung up"] * 15
    time.sleep(1.0)  # the queries come back and are stored for nobody
    stores_and_answers(relay, sandbox)


# -- bills during notifications ---------------------------------------------------------------------------

BILL_ROWS = 5_000


def seed_bill(credentials: RelayCredentials) -> str:
    """A day of ``BILL_ROWS`` rows in the relay's storage, as it keeps one it downloaded; returns the day."""
    day = datetime.now(CHINA_TZ).date() - timedelta(days=1)
    bill = parse_bill(build_bill(BILL_ROWS))
    built = bills.build(bill, day, credentials.store_id, None, [credentials.store_id])
    storage = open_storage(load_config(credentials.config_path).storage.where)

    async def keep() -> None:
        try:
            await storage.cache_bills(day, "ALL", built.kept, at=datetime.now(CHINA_TZ))
        finally:
            await storage.aclose()

    asyncio.run(keep())
    return day.isoformat()


def test_bill_bursts_during_notifications_leave_every_notification_stored(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    credentials = init_relay(sandbox.state_dir, tmp_path, settings={"server": {"bill_rate_limit_burst": 100}})
    day = seed_bill(credentials)
    relay = start_relay(credentials)
    signer = NotificationSigner(sandbox.info)
    try:
        orders = [create(relay).json()["out_trade_no"] for _ in range(20)]
        results: dict[str, int] = {}

        def bill(plain: bool) -> BillAnswer:
            headers = {"Accept-Encoding": "identity"} if plain else {}
            with httpx.Client(base_url=relay.base_url, headers=relay.kiosk_headers(), timeout=60) as client:
                answer = client.get(f"/v1/bills/{day}", headers=headers)
            assert answer.status_code == 200, answer.text
            return decode(BillAnswer, answer.json())

        def notifications() -> None:
            for number in orders:
                results[number] = notify(relay, signer, number).status_code

        burst = [lambda plain=n % 5 == 0: bill(plain) for n in range(20)]
        answers = at_once(notifications, *burst)[1:]
        assert results == dict.fromkeys(orders, 204)
        assert all(state(relay, number) == "SUCCESS" for number in orders)
        assert {len(a.rows) for a in answers} == {BILL_ROWS} and all(a.cached for a in answers)
        stores_and_answers(relay, sandbox)
    finally:
        relay.stop()


# -- kill -9 in a loop --------------------------------------------------------------------------------------


def test_kill_9_in_a_loop_loses_nothing_acknowledged(sandbox: SandboxProcess, tmp_path: Path) -> None:
    credentials = init_relay(sandbox.state_dir, tmp_path, settings=FAST)
    signer = NotificationSigner(sandbox.info)
    acknowledged: list[str] = []  # orders whose payment notification was answered 204
    created: list[str] = []  # orders answered 200
    rng = random.Random(12)
    relay = start_relay(credentials)
    try:
        for _ in range(3):
            stop = threading.Event()

            def traffic(current: RelayProcess = relay, stop: threading.Event = stop) -> None:
                while not stop.is_set():
                    try:
                        answer = create(current)
                        if answer.status_code != 200:
                            continue
                        number = answer.json()["out_trade_no"]
                        created.append(number)
                        if notify(current, signer, number).status_code == 204:
                            acknowledged.append(number)
                    except httpx.HTTPError:
                        return  # the relay is gone

            workers = [threading.Thread(target=traffic) for _ in range(3)]
            for worker in workers:
                worker.start()
            time.sleep(0.3 + rng.random() * 0.7)
            relay.kill()  # SIGKILL: no clean shutdown, mid-write
            stop.set()
            for worker in workers:
                worker.join(10)
            relay = start_relay(credentials)
        assert acknowledged  # the loop did take payments between the kills
        assert None not in [state(relay, number) for number in created]  # every order it answered 200 is there
        assert [state(relay, number) for number in acknowledged] == ["SUCCESS"] * len(acknowledged)
        stores_and_answers(relay, sandbox)
    finally:
        relay.stop()
