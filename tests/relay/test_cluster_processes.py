"""Two relay processes on one PostgreSQL database with kiosks (their relay client, failing over) and the sandbox:
notifications land on either instance and wake long-polls on both, fifty copies of a notification split
between them change the order once, and ``kill -9`` of the instance holding the long-polls and the work lease
loses no payment and no refund: the survivor takes the lease, the kiosks' long-polls resume on it, and every
order and refund ends as WeChat Pay (the sandbox) has it."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.checkout.relay_client import RelayClient
from kiosk.clock import CHINA_TZ
from kiosk.wire import OrderView
from tests.support.postgres import PostgresServer
from tests.support.relay import (
    FAST,
    NotificationSigner,
    RelayProcess,
    add_kiosk,
    init_relay,
    order_number,
    run_cli,
    start_relay,
)
from tests.support.sandbox import SandboxProcess, start_sandbox_process
from tests.support.waiting import wait_until

LEASE_SECONDS = 3  # the survivor takes over within about 4 s of a kill
#: The payment-code timeline in seconds rather than tens of them (the reference's is 5 / 30 / 15).
FAST_CODEPAY = {"poll_seconds": 1.0, "deadline_seconds": 4.0, "reverse_after_seconds": 2.0}


@dataclass
class Cluster:
    sandbox: SandboxProcess
    a: RelayProcess  # started first: it holds the work lease
    b: RelayProcess
    signer: NotificationSigner
    clients: list[RelayClient] = field(default_factory=list)

    def kiosk(self, *relays: RelayProcess) -> RelayClient:
        """A kiosk's relay client (with the manager's credential), trying ``relays`` in this order."""
        urls = [relay.base_url for relay in relays]
        client = RelayClient(urls, relays[0].kiosk_token, manager_token=relays[0].manager_token, timeout=10)
        self.clients.append(client)
        return client


def health(relay: RelayProcess) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(relay.base_url + "/healthz", timeout=10).json()
    return answer


@contextlib.contextmanager
def running_cluster(root: Path, url: str) -> Iterator[Cluster]:
    sandbox = start_sandbox_process(root / "sandbox")
    started: list[RelayProcess] = []
    try:
        credentials = init_relay(
            sandbox.state_dir,
            root,
            storage_url=url,
            settings={**FAST, "storage": {"lease_seconds": LEASE_SECONDS}, "codepay": FAST_CODEPAY},
        )
        started.append(start_relay(credentials))
        wait_until(lambda: health(started[0])["instance"]["work_lease"], 20, "A holds the work lease")
        started.append(start_relay(credentials))  # the same relay.toml, the same database
        world = Cluster(sandbox, started[0], started[1], NotificationSigner(sandbox.info))
        yield world
        for client in world.clients:
            client.close()
    finally:
        for relay in started:
            relay.stop()
        sandbox.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer) -> Iterator[Cluster]:
    """One cluster for the tests that leave both instances running."""
    with running_cluster(
        tmp_path_factory.mktemp("cluster"), postgres_server.url(postgres_server.create_database())
    ) as world:
        yield world


@pytest.fixture
def doomed_cluster(tmp_path: Path, postgres_url: str) -> Iterator[Cluster]:
    """A cluster of its own, for a test that kills an instance."""
    with running_cluster(tmp_path, postgres_url) as world:
        yield world


def new_order(client: RelayClient, amount_fen: int = 1234) -> OrderView:
    expires = datetime.now(CHINA_TZ) + timedelta(minutes=10)
    return client.create_order(order_number("C"), "豆浆", amount_fen, expires)


def hold(client: RelayClient, order: OrderView, wait: float = 25) -> dict[str, Any]:
    """A long-poll on a thread; the box gets "answer" (the OrderView) when it returns."""
    box: dict[str, Any] = {}

    def run() -> None:
        box["answer"] = client.get_order(order.out_trade_no, since=order.version, wait=wait)

    box["thread"] = threading.Thread(target=run)
    box["thread"].start()
    return box


def answered(box: dict[str, Any]) -> OrderView:
    box["thread"].join(60)
    assert "answer" in box, "the long-poll never returned"
    view: OrderView = box["answer"]
    return view


def test_notifications_land_on_either_instance_and_wake_long_polls_held_by_the_other(cluster: Cluster) -> None:
    on_a, on_b = cluster.kiosk(cluster.a, cluster.b), cluster.kiosk(cluster.b, cluster.a)
    first, second = new_order(on_a), new_order(on_b)  # each instance gives WeChat Pay its own notify_url
    held_on_b, held_on_a = hold(on_b, first), hold(on_a, second)
    wait_until(lambda: health(cluster.a)["long_polls"] == 1 and health(cluster.b)["long_polls"] == 1, 20)
    cluster.sandbox.pay(first.code_url or "")
    cluster.sandbox.pay(second.code_url or "")
    assert answered(held_on_b).state == answered(held_on_a).state == "SUCCESS"

    def delivered() -> dict[str, str]:
        return {
            attempt["out_trade_no"]: attempt["url"]
            for attempt in cluster.sandbox.notifications()["attempts"]
            if attempt["status"] in (200, 204)
        }

    wait_until(lambda: len(delivered().keys() & {first.out_trade_no, second.out_trade_no}) == 2, 20)
    assert delivered()[first.out_trade_no] == cluster.a.base_url + "/wechatpay/notify"
    assert delivered()[second.out_trade_no] == cluster.b.base_url + "/wechatpay/notify"


def test_fifty_copies_split_between_the_instances_change_the_order_once(cluster: Cluster) -> None:
    order = new_order(cluster.kiosk(cluster.a, cluster.b))
    resource = cluster.signer.transaction(order.out_trade_no, 1234)
    body = cluster.signer.body(resource)
    targets = [cluster.a, cluster.b] * 25

    def deliver(relay: RelayProcess) -> int:
        response = httpx.post(
            relay.base_url + "/wechatpay/notify", headers=cluster.signer.headers(body), content=body, timeout=20
        )
        return response.status_code

    before = [health(relay)["notifications"]["accepted"] for relay in (cluster.a, cluster.b)]
    with ThreadPoolExecutor(50) as pool:
        statuses = list(pool.map(deliver, targets))
    assert statuses == [204] * 50
    for relay in (cluster.a, cluster.b):
        seen = cluster.kiosk(relay).get_order(order.out_trade_no)
        assert (seen.state, seen.version, seen.transaction_id) == (
            "SUCCESS",
            order.version + 1,
            resource["transaction_id"],
        )
    after = [health(relay)["notifications"]["accepted"] for relay in (cluster.a, cluster.b)]
    assert [late - early for early, late in zip(before, after, strict=True)] == [25, 25]  # each took its half


def test_a_credential_added_or_removed_applies_on_every_instance_within_seconds(cluster: Cluster) -> None:
    """The configuration is the same file on every instance (relay.toml): each re-reads it within a second."""

    def answers(token: str) -> list[int]:
        headers = {"Authorization": f"Bearer {token}"}
        return [
            httpx.get(r.base_url + "/v1/ping", headers=headers, timeout=10).status_code for r in (cluster.a, cluster.b)
        ]

    spare = add_kiosk(cluster.a.config_path, "store-1")
    wait_until(lambda: answers(spare["token"]) == [200, 200], 10, "the new credential in force on both")
    run_cli(["remove-kiosk", "--config", str(cluster.a.config_path), "--id", spare["kiosk_id"]])
    wait_until(lambda: answers(spare["token"]) == [401, 401], 10, "the removed credential refused by both")
    assert answers(cluster.a.kiosk_token) == [200, 200]


def test_kill_9_of_the_instance_with_the_long_polls_and_the_lease_loses_no_payment_and_no_refund(
    doomed_cluster: Cluster,
) -> None:
    cluster = doomed_cluster
    counter = manager = cluster.kiosk(cluster.a, cluster.b)
    refunded = new_order(counter, 2000)
    box = hold(counter, refunded)
    cluster.sandbox.pay(refunded.code_url or "")
    paid = answered(box)
    assert paid.state == "SUCCESS"
    refund = manager.create_refund(refunded.out_trade_no, order_number("R"), 500, "退货")
    assert refund.status in ("PENDING", "PROCESSING")  # WeChat Pay takes 5 s: it finishes after the kill

    orders = [new_order(counter, 100 + n) for n in range(4)]
    polls = [hold(counter, order) for order in orders[:3]]  # the kiosks wait on A
    wait_until(lambda: health(cluster.a)["long_polls"] == 3, 20, "A holds the long-polls")
    assert health(cluster.a)["instance"]["work_lease"] and not health(cluster.b)["instance"]["work_lease"]

    cluster.a.kill()  # kill -9: no goodbye, its lease stays until it expires
    for order in orders[:3]:  # paid now: WeChat Pay notifies A, which is gone
        cluster.sandbox.pay(order.code_url or "")

    # The kiosks' long-polls broke with A; the client resumed each on B with its since: nothing missed.
    answers = [answered(poll) for poll in polls]
    assert [answer.state for answer in answers] == ["SUCCESS"] * 3
    assert health(cluster.b)["instance"]["work_lease"]  # B took the lease and found the payments itself

    survivor = cluster.kiosk(cluster.b)
    wait_until(lambda: survivor.get_order(refunded.out_trade_no).state == "REFUND", 20, "the refund followed up by B")
    assert survivor.get_refund(refund.out_refund_no).status == "SUCCESS"
    at_wechat = {order["out_trade_no"]: order for order in cluster.sandbox.orders()}
    for order in [refunded, *orders]:
        ours = survivor.get_order(order.out_trade_no)
        theirs = at_wechat[order.out_trade_no]
        assert (ours.state, ours.refunded_fen) == (theirs["trade_state"], theirs["refunded"]), order.out_trade_no
    assert survivor.get_order(orders[3].out_trade_no).state == "NOTPAY"  # nobody paid it: still open, as at WeChat


def test_sigterm_of_the_instance_with_a_long_poll_answers_it_and_the_kiosk_carries_on_on_the_other(
    doomed_cluster: Cluster,
) -> None:
    cluster = doomed_cluster
    kiosk = cluster.kiosk(cluster.a, cluster.b)
    order = new_order(kiosk)
    box = hold(kiosk, order)
    wait_until(lambda: health(cluster.a)["long_polls"] == 1, 20, "the long-poll held by A")
    cluster.a.server.process.send_signal(signal.SIGTERM)  # a restart or an upgrade of A
    stopped = answered(box)
    assert (stopped.state, stopped.version) == (order.state, order.version)  # as a wait that ran out
    box = hold(kiosk, stopped)  # what the kiosk's watcher does next, with the same since
    wait_until(lambda: health(cluster.b)["long_polls"] == 1, 20, "the long-poll resumed on B")
    cluster.sandbox.pay(order.code_url or "")
    assert answered(box).state == "SUCCESS"
    assert kiosk.online is True  # A's going was never an outage for the kiosk
    assert cluster.a.server.process.wait(30) == -signal.SIGTERM


def test_payment_codes_charged_at_an_instance_without_the_lease_are_settled_by_the_holder(cluster: Cluster) -> None:
    at_b = cluster.kiosk(cluster.b)  # B charges (only it ever has the code), A holds the lease and runs the flows
    assert not health(cluster.b)["instance"]["work_lease"]

    def charge(scenario: str, **extra: Any) -> OrderView:
        code = cluster.sandbox.payment_code(scenario, **extra)
        return at_b.charge_code(order_number("P"), "奶茶 x1", 1200, code)

    typing = charge("password_then_success", password_seconds=2)
    never = charge("password_never")
    assert typing.state == never.state == "USERPAYING"
    paid = wait_until_state(at_b, typing.out_trade_no, "SUCCESS")
    reversed_ = wait_until_state(at_b, never.out_trade_no, "REVOKED")
    assert paid.trade_type == "MICROPAY" and reversed_.failure == "not_confirmed"
    at_wechat = {order["out_trade_no"]: order["trade_state"] for order in cluster.sandbox.orders()}
    assert (at_wechat[typing.out_trade_no], at_wechat[never.out_trade_no]) == ("SUCCESS", "REVOKED")


def wait_until_state(client: RelayClient, out_trade_no: str, state: str) -> OrderView:
    seen = client.get_order(out_trade_no)
    deadline = time.monotonic() + 20
    while seen.state != state:
        assert time.monotonic() < deadline, f"{out_trade_no} still {seen.state}, not {state}"
        seen = client.get_order(out_trade_no, since=seen.version, wait=5)
    return seen
