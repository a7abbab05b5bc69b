"""The real relay and the real sandbox as processes on 127.0.0.1; what goes through storage runs on each engine
(``world`` is parametrized: an SQLite file, then a PostgreSQL database)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.relay import create_app, init_config, load_config, start_embedded
from kiosk.relay.config import add_kiosk, add_store, read_document, write_document
from kiosk.relay.server import serve_in_thread
from kiosk.sandbox import load_info
from tests.support.relay import (
    ENGINES,
    FAST,
    NotificationSigner,
    RelayProcess,
    database_for,
    init_relay,
    order_number,
    run_cli,
    start_relay,
)
from tests.support.sandbox import SandboxProcess, start_sandbox_process
from tests.support.waiting import wait_until


@dataclass
class World:
    engine: str
    sandbox: SandboxProcess
    relay: RelayProcess
    kiosk: httpx.Client
    manager: httpx.Client
    other_store: httpx.Client
    signer: NotificationSigner

    def storage_url(self, request: pytest.FixtureRequest) -> str | None:
        """Storage for another relay of this test on the world's engine (a fresh database on PostgreSQL)."""
        return database_for(self.engine, request)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """One sandbox for the module: both worlds and the tests that start relays of their own."""
    process = start_sandbox_process(tmp_path_factory.mktemp("relay-sandbox"), time_scale=10)
    yield process
    _NOTIFIER.close()
    process.stop()


@pytest.fixture(scope="module", params=ENGINES)
def world(
    request: pytest.FixtureRequest, sandbox: SandboxProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    root = tmp_path_factory.mktemp("relay-world")
    credentials = init_relay(
        sandbox.state_dir, root, settings=FAST, via_cli=True, storage_url=database_for(request.param, request)
    )
    # In-process edits: the CLI forms are covered in test_config.py, and each CLI run costs a second.
    add_store(credentials.config_path, "store-2", "Other shop")
    stranger = add_kiosk(credentials.config_path, "store-2")
    relay = start_relay(credentials)

    def client(token: str) -> httpx.Client:
        return httpx.Client(base_url=relay.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=40)

    world = World(
        request.param,
        sandbox,
        relay,
        client(relay.kiosk_token),
        client(relay.manager_token),
        client(stranger["token"]),
        NotificationSigner(sandbox.info),
    )
    yield world
    for c in (world.kiosk, world.manager, world.other_store):
        c.close()
    relay.stop()


def new_number() -> str:
    return order_number("T")


def create_order(client: httpx.Client, amount_fen: int = 1234, **extra: Any) -> dict[str, Any]:
    body = {"out_trade_no": new_number(), "description": "拿铁 Latte", "amount_fen": amount_fen, **extra}
    response = client.post("/v1/orders", json=body)
    assert response.status_code == 200, response.text
    order: dict[str, Any] = response.json()
    return order


def long_poll_in_background(client: httpx.Client, order: dict[str, Any], wait: float = 25) -> dict[str, Any]:
    """Start a long-poll on a thread; returns a dict that gets "answer" once it completes."""
    box: dict[str, Any] = {}

    def run() -> None:
        box["answer"] = client.get(
            f"/v1/orders/{order['out_trade_no']}", params={"since": order["version"], "wait": wait}
        )

    box["thread"] = threading.Thread(target=run)
    box["thread"].start()
    return box


def wait_answer(box: dict[str, Any]) -> dict[str, Any]:
    box["thread"].join(40)
    response: httpx.Response = box["answer"]
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def get_order(client: httpx.Client, out_trade_no: str) -> dict[str, Any]:
    response = client.get(f"/v1/orders/{out_trade_no}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# One pooled client for all notifications (httpx.Client is thread-safe; a client per request is slow).
_NOTIFIER = httpx.Client(timeout=10, limits=httpx.Limits(max_connections=64, max_keepalive_connections=64))


def notify(relay: RelayProcess, headers: dict[str, str], body: bytes) -> httpx.Response:
    return _NOTIFIER.post(relay.base_url + "/wechatpay/notify", headers=headers, content=body)


# -- payments and long-polls -----------------------------------------------------------------------------


def test_payment_answers_the_waiting_long_poll_with_success(world: World) -> None:
    order = create_order(world.kiosk)
    assert order["state"] == "NOTPAY" and order["code_url"].startswith("weixin://")
    box = long_poll_in_background(world.kiosk, order)
    paid = world.sandbox.pay(order["code_url"])
    answer = wait_answer(box)
    assert answer["state"] == "SUCCESS"
    assert answer["version"] > order["version"]
    assert answer["transaction_id"] == paid["transaction_id"]
    assert answer["payer_total_fen"] == 1234


def test_long_poll_without_a_change_returns_the_same_version(world: World) -> None:
    order = create_order(world.kiosk)
    answer = world.kiosk.get(f"/v1/orders/{order['out_trade_no']}", params={"since": order["version"], "wait": 0.2})
    assert answer.status_code == 200
    assert (answer.json()["state"], answer.json()["version"]) == ("NOTPAY", order["version"])


def test_a_since_ahead_of_the_relay_answers_at_once(world: World) -> None:
    order = create_order(world.kiosk)
    answer = world.kiosk.get(f"/v1/orders/{order['out_trade_no']}", params={"since": 99, "wait": 25})
    assert answer.status_code == 200 and answer.json()["version"] == order["version"]


def test_creating_again_is_idempotent_and_changed_parameters_conflict(world: World) -> None:
    order = create_order(world.kiosk, amount_fen=500)
    body = {"out_trade_no": order["out_trade_no"], "description": "拿铁 Latte", "amount_fen": 500}
    again = world.kiosk.post("/v1/orders", json=body)
    assert again.status_code == 200
    assert (again.json()["code_url"], again.json()["version"]) == (order["code_url"], order["version"])
    changed = world.kiosk.post("/v1/orders", json={**body, "amount_fen": 501})
    assert changed.status_code == 409
    assert changed.json()["error"]["code"] == "out_trade_no_used"


def test_invalid_orders_are_refused_with_the_field_named(world: World) -> None:
    response = world.kiosk.post("/v1/orders", json={"out_trade_no": "x", "description": "d", "amount_fen": 1})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_request",
        "message": "out_trade_no must be 6-32 of [0-9A-Za-z_-|*]",
        "field": "out_trade_no",
    }
    fen = world.kiosk.post("/v1/orders", json={"out_trade_no": new_number(), "description": "d", "amount_fen": 1.5})
    assert fen.status_code == 400 and fen.json()["error"]["field"] == "amount_fen"


def test_dropped_notifications_are_found_by_the_relays_own_queries(world: World) -> None:
    world.sandbox.notification_fault("drop", count=50)
    try:
        order = create_order(world.kiosk)
        box = long_poll_in_background(world.kiosk, order)
        world.sandbox.pay(order["code_url"])
        answer = wait_answer(box)
        deliveries = world.sandbox.delivery_attempts(order["out_trade_no"])
    finally:
        world.sandbox.control("DELETE", "/sandbox/v1/faults")
    assert answer["state"] == "SUCCESS"
    assert not any(a["status"] in (200, 204) for a in deliveries)


# -- notifications ----------------------------------------------------------------------------------------


def _bad_notifications(signer: NotificationSigner, out_trade_no: str) -> dict[str, tuple[dict[str, str], bytes]]:
    resource = signer.transaction(out_trade_no, 1234)
    body = signer.body(resource)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tampered = body.replace(b'"summary":"', b'"summary":"X')

    return {
        "forged": (signer.headers(body, private_key=other_key), body),
        "tampered": (signer.headers(body), tampered),
        "stale": (signer.headers(body, timestamp=int(time.time()) - 600), body),
        "probe": (signer.headers(body, signature="WECHATPAY/SIGNTEST/" + "A" * 300), body),
        "unknown serial": (signer.headers(body, serial="PUB_KEY_ID_0000000000000000000000000000"), body),
        "wrong apiv3 key": signer.signed(resource, apiv3_key=b"0" * 32),
        "unsigned": ({"Content-Type": "application/json"}, body),
    }


def test_forged_tampered_stale_and_probe_notifications_are_rejected_and_change_nothing(world: World) -> None:
    order = create_order(world.kiosk)
    for name, (headers, body) in _bad_notifications(world.signer, order["out_trade_no"]).items():
        response = notify(world.relay, headers, body)
        assert 400 <= response.status_code < 500, name
        assert response.json()["code"] == "FAIL", name
    after = get_order(world.kiosk, order["out_trade_no"])
    assert (after["state"], after["version"]) == ("NOTPAY", order["version"])
    assert "transaction_id" not in after


def test_a_duplicate_notification_changes_the_order_once(world: World) -> None:
    order = create_order(world.kiosk)
    headers, body = world.signer.signed(world.signer.transaction(order["out_trade_no"], 1234))
    first = notify(world.relay, headers, body)
    paid = get_order(world.kiosk, order["out_trade_no"])
    second = notify(world.relay, world.signer.headers(body), body)  # WeChat re-sends with fresh headers
    assert (first.status_code, second.status_code) == (204, 204)
    again = get_order(world.kiosk, order["out_trade_no"])
    assert paid["state"] == "SUCCESS" and paid["version"] == order["version"] + 1
    assert again == paid


def test_fifty_concurrent_copies_change_the_order_once(world: World) -> None:
    order = create_order(world.kiosk)
    resource = world.signer.transaction(order["out_trade_no"], 1234)
    body = world.signer.body(resource)
    copies = [world.signer.headers(body) for _ in range(50)]
    with ThreadPoolExecutor(50) as pool:
        statuses = list(pool.map(lambda h: notify(world.relay, h, body).status_code, copies))
    assert statuses == [204] * 50
    after = get_order(world.kiosk, order["out_trade_no"])
    assert after["state"] == "SUCCESS"
    assert after["version"] == order["version"] + 1
    assert after["transaction_id"] == resource["transaction_id"]


def test_a_paid_order_never_goes_back(world: World) -> None:
    order = create_order(world.kiosk)
    paid_resource = world.signer.transaction(order["out_trade_no"], 1234)
    assert notify(world.relay, *world.signer.signed(paid_resource)).status_code == 204
    unpaid = world.signer.transaction(order["out_trade_no"], 1234, trade_state="NOTPAY", transaction_id=None)
    assert notify(world.relay, *world.signer.signed(unpaid)).status_code == 204
    after = get_order(world.kiosk, order["out_trade_no"])
    assert (after["state"], after["transaction_id"]) == ("SUCCESS", paid_resource["transaction_id"])


def test_a_verified_notification_with_the_wrong_amount_is_not_applied(world: World) -> None:
    order = create_order(world.kiosk, amount_fen=1000)
    response = notify(world.relay, *world.signer.signed(world.signer.transaction(order["out_trade_no"], 1)))
    assert response.status_code == 204  # authentic, so WeChat must not retry it; but it is not applied
    after = get_order(world.kiosk, order["out_trade_no"])
    assert (after["state"], after["version"]) == ("NOTPAY", order["version"])


# -- access -----------------------------------------------------------------------------------------------


def test_another_stores_kiosk_gets_404_for_every_order_route(world: World) -> None:
    order = create_order(world.kiosk)
    number = order["out_trade_no"]
    assert world.other_store.get(f"/v1/orders/{number}").status_code == 404
    assert world.other_store.get(f"/v1/orders/{number}", params={"since": 0, "wait": 1}).status_code == 404
    closed = world.other_store.post(f"/v1/orders/{number}/close")
    assert closed.status_code == 404 and closed.json()["error"]["code"] == "not_found"
    assert get_order(world.kiosk, number)["state"] == "NOTPAY"


def test_requests_without_a_valid_token_are_refused(world: World) -> None:
    anonymous = httpx.get(world.relay.base_url + "/v1/orders/T0000000001", timeout=10)
    wrong = httpx.get(
        world.relay.base_url + "/v1/orders/T0000000001", headers={"Authorization": "Bearer nope"}, timeout=10
    )
    assert anonymous.status_code == wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "unauthorized"


def test_oversized_bodies_are_refused(world: World) -> None:
    response = world.kiosk.post(
        "/v1/orders", content=b"{" + b" " * 70_000 + b"}", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    notification = notify(world.relay, {"Content-Type": "application/json"}, b"x" * 70_000)
    assert notification.status_code == 413 and notification.json()["code"] == "FAIL"


def test_healthz_reports_ok(world: World) -> None:
    response = httpx.get(world.relay.base_url + "/healthz", timeout=10)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


# -- close and refunds ------------------------------------------------------------------------------------


def test_closing_an_open_order_closes_it_and_closing_a_paid_one_answers_paid(world: World) -> None:
    order = create_order(world.kiosk)
    closed = world.kiosk.post(f"/v1/orders/{order['out_trade_no']}/close")
    assert closed.status_code == 200 and closed.json()["state"] == "CLOSED"
    with pytest.raises(httpx.HTTPStatusError):  # the close reached WeChat Pay: the code can't be paid
        world.sandbox.pay(order["code_url"])
    paid = create_order(world.kiosk)
    world.sandbox.pay(paid["code_url"])
    answer = world.kiosk.post(f"/v1/orders/{paid['out_trade_no']}/close")
    assert answer.status_code == 200
    assert answer.json()["state"] == "SUCCESS"


def test_refunds_need_a_manager_and_are_idempotent(world: World) -> None:
    order = create_order(world.kiosk, amount_fen=2000)
    number = order["out_trade_no"]
    refund = {"out_refund_no": number + "R", "amount_fen": 500, "reason": "顾客退货"}
    unpaid = world.manager.post(f"/v1/orders/{number}/refunds", json=refund)
    assert unpaid.status_code == 409 and unpaid.json()["error"]["code"] == "order_not_paid"
    box = long_poll_in_background(world.kiosk, order)
    world.sandbox.pay(order["code_url"])
    paid = wait_answer(box)
    assert paid["state"] == "SUCCESS"

    by_kiosk = world.kiosk.post(f"/v1/orders/{number}/refunds", json=refund)
    assert by_kiosk.status_code == 403 and by_kiosk.json()["error"]["code"] == "forbidden"
    first = world.manager.post(f"/v1/orders/{number}/refunds", json=refund)
    assert first.status_code == 200, first.text
    assert first.json()["status"] in ("PROCESSING", "SUCCESS") and first.json()["amount_fen"] == 500
    second = world.manager.post(f"/v1/orders/{number}/refunds", json=refund)
    assert second.status_code == 200
    assert second.json()["refund_id"] == first.json()["refund_id"]
    changed = world.manager.post(f"/v1/orders/{number}/refunds", json={**refund, "amount_fen": 600})
    assert changed.status_code == 409 and changed.json()["error"]["code"] == "out_refund_no_used"
    too_much = world.manager.post(
        f"/v1/orders/{number}/refunds", json={"out_refund_no": number + "X", "amount_fen": 1501}
    )
    assert too_much.status_code == 409 and too_much.json()["error"]["code"] == "refund_exceeds_amount"
    assert world.kiosk.get(f"/v1/refunds/{refund['out_refund_no']}").status_code == 403
    assert world.other_store.get(f"/v1/refunds/{refund['out_refund_no']}").status_code == 403

    # The sandbox finishes the refund shortly; notification or query moves the order to REFUND.
    refunded = world.kiosk.get(f"/v1/orders/{number}", params={"since": paid["version"], "wait": 20}).json()
    assert refunded["state"] == "REFUND"
    assert refunded["refunded_fen"] == 500
    looked_up = world.manager.get(f"/v1/refunds/{refund['out_refund_no']}")
    assert looked_up.status_code == 200 and looked_up.json()["status"] == "SUCCESS"


def _refund_ending(world: World, outcome: str) -> tuple[str, dict[str, Any]]:
    """A paid order of 2000 fen with a refund of 500 that WeChat Pay ends as ``outcome``."""
    order = create_order(world.kiosk, amount_fen=2000)
    number = order["out_trade_no"]
    box = long_poll_in_background(world.kiosk, order)
    world.sandbox.pay(order["code_url"])
    assert wait_answer(box)["state"] == "SUCCESS"
    refund = {"out_refund_no": number + "R", "amount_fen": 500, "reason": "顾客退货"}
    world.sandbox.settings(refund_outcome=outcome)
    try:
        assert world.manager.post(f"/v1/orders/{number}/refunds", json=refund).status_code == 200
        deadline = time.monotonic() + 20
        while (status := world.manager.get(f"/v1/refunds/{refund['out_refund_no']}").json()["status"]) != outcome:
            assert time.monotonic() < deadline, f"refund still {status}"
            time.sleep(0.1)
    finally:
        world.sandbox.settings(refund_outcome="SUCCESS")
    world.sandbox.advance(61)  # refunds of one order are at least a minute apart
    return number, refund


def test_an_abnormal_refund_still_holds_its_amount_and_a_closed_one_gives_it_back(world: World) -> None:
    abnormal, _ = _refund_ending(world, "ABNORMAL")
    rest = {"out_refund_no": abnormal + "Y", "amount_fen": 1501}
    refused = world.manager.post(f"/v1/orders/{abnormal}/refunds", json=rest)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "refund_exceeds_amount"
    assert world.manager.post(f"/v1/orders/{abnormal}/refunds", json={**rest, "amount_fen": 1500}).status_code == 200

    closed, _ = _refund_ending(world, "CLOSED")
    again = world.manager.post(f"/v1/orders/{closed}/refunds", json={"out_refund_no": closed + "Y", "amount_fen": 2000})
    assert again.status_code == 200, again.text


# -- durability, limits, bills ----------------------------------------------------------------------------


def test_a_relay_killed_and_restarted_keeps_acknowledged_notifications(
    world: World, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    credentials = init_relay(world.sandbox.state_dir, tmp_path, settings=FAST, storage_url=world.storage_url(request))
    relay = start_relay(credentials)
    headers = {"Authorization": f"Bearer {relay.kiosk_token}"}
    try:
        with httpx.Client(base_url=relay.base_url, headers=headers, timeout=20) as kiosk:
            order = create_order(kiosk)
        resource = world.signer.transaction(order["out_trade_no"], 1234)
        headers_n, body = world.signer.signed(resource)
        assert notify(relay, headers_n, body).status_code == 204
        relay.kill()  # SIGKILL right after the acknowledgement
        relay = start_relay(credentials)
        with httpx.Client(base_url=relay.base_url, headers=headers, timeout=20) as kiosk:
            after = get_order(kiosk, order["out_trade_no"])
            # The sandbox still says NOTPAY (nobody paid there): SUCCESS can only come from the stored notification.
            assert after["state"] == "SUCCESS"
            assert after["transaction_id"] == resource["transaction_id"]
            assert notify(relay, world.signer.headers(body), body).status_code == 204
            assert get_order(kiosk, order["out_trade_no"])["version"] == after["version"]
    finally:
        relay.stop()


def test_a_notification_signed_with_a_rotated_platform_certificate_is_accepted_at_once(
    sandbox_factory: Callable[..., SandboxProcess], tmp_path: Path
) -> None:
    """WeChat Pay rotates its platform certificate right after the relay started (and downloaded the old
    one): the first notification under the new serial makes the relay fetch the list again and accept it."""
    sandbox = sandbox_factory(time_scale=100)
    credentials = init_relay(sandbox.state_dir, tmp_path, settings=FAST)
    relay = start_relay(credentials)
    try:
        with httpx.Client(base_url=relay.base_url, headers=relay.kiosk_headers(), timeout=30) as kiosk:
            order = create_order(kiosk)
            new_serial = sandbox.control("POST", "/sandbox/v1/certificates", {"rotate": True})["platform_cert_serial"]
            box = long_poll_in_background(kiosk, order)
            sandbox.pay(order["code_url"])
            assert wait_answer(box)["state"] == "SUCCESS"
        attempts = sandbox.delivery_attempts(order["out_trade_no"])
        # The first delivery was accepted: the relay did not wait for a retry or its own query.
        assert attempts and attempts[0]["attempt"] == 1 and attempts[0]["status"] in (200, 204), attempts
        assert load_info(sandbox.state_dir)["platform_cert_serial"] == new_serial
    finally:
        relay.stop()


def test_each_kiosk_is_rate_limited(sandbox: SandboxProcess, tmp_path: Path) -> None:
    credentials = init_relay(
        sandbox.state_dir, tmp_path, settings={"server": {"rate_limit_per_second": 0.01, "rate_limit_burst": 3}}
    )
    relay = start_relay(credentials)
    try:
        with httpx.Client(base_url=relay.base_url, headers=relay.kiosk_headers(), timeout=10) as kiosk:
            statuses = [kiosk.get("/v1/orders/T0000000001").status_code for _ in range(6)]
            limited = kiosk.get("/v1/orders/T0000000001")
        assert statuses[:3] == [404, 404, 404]
        assert statuses[3:] == [429, 429, 429]  # one token per 100 s: no refill during the test
        assert limited.status_code == 429
        assert limited.json()["error"]["code"] == "rate_limited"
        assert int(limited.headers["Retry-After"]) >= 1
    finally:
        relay.stop()


def test_refresh_asks_wechat_pay_at_once(world: World) -> None:
    world.sandbox.notification_fault("drop", count=50)
    try:
        order = create_order(world.kiosk)
        world.sandbox.pay(order["code_url"])
        refreshed = world.kiosk.get(f"/v1/orders/{order['out_trade_no']}", params={"refresh": 1})
    finally:
        world.sandbox.control("DELETE", "/sandbox/v1/faults")
    assert refreshed.status_code == 200
    assert refreshed.json()["state"] == "SUCCESS"


def test_partner_mode_pays_through_the_sub_merchant(
    sandbox: SandboxProcess, relay_factory: Callable[..., RelayProcess]
) -> None:
    relay = relay_factory(sandbox.state_dir, mode="partner", settings=FAST)
    with httpx.Client(base_url=relay.base_url, headers=relay.kiosk_headers(), timeout=30) as kiosk:
        order = create_order(kiosk, amount_fen=777)
        box = long_poll_in_background(kiosk, order)
        sandbox.pay(order["code_url"])
        answer = wait_answer(box)
    sandbox_order = next(o for o in sandbox.orders() if o["out_trade_no"] == order["out_trade_no"])
    assert answer["state"] == "SUCCESS" and answer["payer_total_fen"] == 777
    assert sandbox_order["sub_mchid"] == sandbox.info["sub_mchid"]
    assert sandbox_order["sp_mchid"] == sandbox.info["sp_mchid"]


def test_a_second_relay_on_an_sqlite_file_refuses_to_start_and_on_postgresql_joins(world: World) -> None:
    if world.engine == "sqlite":  # one process per file: it must be the only writer
        done = run_cli(["serve", "--config", str(world.relay.config_path), "--port", "0"], check=False)
        assert done.returncode == 2
        assert "storage.path" in done.stderr and "another relay" in done.stderr
        assert done.stdout == ""
        return
    second = start_relay(world.relay.credentials)  # any number of instances share a database
    try:
        order = create_order(world.kiosk)
        seen = httpx.get(f"{second.base_url}/v1/orders/{order['out_trade_no']}", headers=second.kiosk_headers())
        health = httpx.get(second.base_url + "/healthz").json()
    finally:
        second.stop()
    assert seen.status_code == 200 and seen.json()["version"] == order["version"]
    assert health["status"] == "ok" and health["instance"]["work_lease"] is False  # the first one holds it


# -- embedded use (training mode, a shop without a server) and storage failure, in-process -----------------


def test_embedded_relay_finds_payments_by_its_own_queries(sandbox: SandboxProcess, tmp_path: Path) -> None:
    printed = init_config(sandbox.state_dir, 0, tmp_path / "relay.toml")
    handle = start_embedded(tmp_path / "relay.toml")
    sandbox.notification_fault("drop", count=100)  # as if WeChat Pay could not reach the shop
    try:
        with httpx.Client(
            base_url=handle.base_url, headers={"Authorization": f"Bearer {printed['token']}"}, timeout=30
        ) as kiosk:
            order = kiosk.post(
                "/v1/orders", json={"out_trade_no": "store1-E2026000001", "description": "训练", "amount_fen": 1}
            ).json()
            box: dict[str, Any] = {}
            poll = threading.Thread(
                target=lambda: box.update(
                    answer=kiosk.get("/v1/orders/store1-E2026000001", params={"since": order["version"], "wait": 25})
                )
            )
            poll.start()
            sandbox.pay(order["code_url"])
            poll.join(30)
        attempts = sandbox.delivery_attempts("store1-E2026000001")
    finally:
        sandbox.control("DELETE", "/sandbox/v1/faults")
        handle.stop()
    assert box["answer"].json()["state"] == "SUCCESS"
    assert attempts and all(a["url"] == handle.base_url + "/wechatpay/notify" for a in attempts)
    assert not any(a["status"] in (200, 204) for a in attempts)


def test_a_notification_that_cannot_be_stored_gets_a_5xx_and_is_accepted_when_retried(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    printed = init_config(sandbox.state_dir, 0, tmp_path / "relay.toml")
    app = create_app(load_config(tmp_path / "relay.toml"))
    handle = serve_in_thread(app)
    app.relay.base_url = handle.base_url
    signer = NotificationSigner(sandbox.info)
    try:
        with httpx.Client(
            base_url=handle.base_url, headers={"Authorization": f"Bearer {printed['token']}"}, timeout=30
        ) as kiosk:
            order = kiosk.post(
                "/v1/orders", json={"out_trade_no": "store1-E2026000002", "description": "磁盘", "amount_fen": 300}
            ).json()
            headers, body = signer.signed(signer.transaction("store1-E2026000002", 300))
            app.storage.writer.fail_writes = OSError("disk full")
            failed = httpx.post(handle.base_url + "/wechatpay/notify", headers=headers, content=body)
            unchanged = kiosk.get("/v1/orders/store1-E2026000002").json()
            app.storage.writer.fail_writes = None
            retried = httpx.post(handle.base_url + "/wechatpay/notify", headers=signer.headers(body), content=body)
            paid = kiosk.get("/v1/orders/store1-E2026000002").json()
    finally:
        handle.stop()
    assert failed.status_code == 500 and failed.json()["code"] == "FAIL"
    assert (unchanged["state"], unchanged["version"]) == ("NOTPAY", order["version"])
    assert retried.status_code == 204
    assert paid["state"] == "SUCCESS"


def _status_once_reloaded(base_url: str, token: str, unwanted: int) -> int:
    """GET an unknown order with ``token`` until the answer is no longer ``unwanted`` (bounded: 10 s)."""
    deadline = time.monotonic() + 10
    while True:
        status = httpx.get(
            base_url + "/v1/orders/T0000000001", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).status_code
        if status != unwanted or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def test_kiosk_credentials_added_or_removed_apply_without_a_restart(world: World) -> None:
    added = add_kiosk(world.relay.config_path, "store-1")
    assert _status_once_reloaded(world.relay.base_url, added["token"], unwanted=401) == 404
    document = read_document(world.relay.config_path)
    document["kiosks"] = [k for k in document["kiosks"] if k["id"] != added["kiosk_id"]]
    write_document(world.relay.config_path, document)
    assert _status_once_reloaded(world.relay.base_url, added["token"], unwanted=404) == 401
    assert get_order(world.kiosk, create_order(world.kiosk)["out_trade_no"])["state"] == "NOTPAY"


def _long_polls(world: World) -> int:
    held: int = httpx.get(world.relay.base_url + "/healthz", timeout=10).json()["long_polls"]
    return held


def test_a_kiosk_that_hangs_up_releases_its_long_poll(world: World) -> None:
    order = create_order(world.kiosk)
    address = urlsplit(world.relay.base_url)
    request = (
        f"GET /v1/orders/{order['out_trade_no']}?since={order['version']}&wait=30 HTTP/1.1\r\n"
        f"Host: {address.netloc}\r\nAuthorization: Bearer {world.relay.kiosk_token}\r\n\r\n"
    )
    with socket.create_connection((address.hostname, address.port), timeout=10) as kiosk:
        kiosk.sendall(request.encode())
        wait_until(lambda: _long_polls(world) == 1, 10, "the long-poll held")  # counted by the hub
        kiosk.setblocking(False)
        with pytest.raises(BlockingIOError):
            kiosk.recv(1)  # held: no answer yet
    # The kiosk hung up (the socket is closed): the relay lets the long-poll go.
    wait_until(lambda: _long_polls(world) == 0, 10, "the long-poll released")
