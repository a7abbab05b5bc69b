"""Payment and refund notifications reach a real receiver, verify and decrypt independently, and are retried
on the documented schedule under time-scale and clock advance; notification faults behave as named."""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.sandbox.merchant import Merchant, aead_decrypt, new_out_trade_no, order_body, rsa_verifies, verify_signed
from tests.sandbox.receiver import Received, running_receiver
from tests.support.sandbox import SandboxProcess

SCHEDULE = (15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600)
NATIVE = "/v3/pay/transactions/native"
REFUNDS = "/v3/refund/domestic/refunds"
Factory = Callable[..., SandboxProcess]
SCALE = 100.0


@pytest.fixture
def shared(shared_sandbox: SandboxProcess) -> SandboxProcess:
    """The session sandbox (time-scale 100); faults here are limited to the test's own receiver."""
    return shared_sandbox


def _order(sandbox: SandboxProcess, url: str, otn: str | None = None, **extra: Any) -> tuple[str, str]:
    otn = otn or new_out_trade_no()
    with Merchant(sandbox.base_url, sandbox.info) as m:
        response = m.post(NATIVE, order_body(sandbox.info, otn, notify_url=url, **extra))
    assert response.status_code == 200, response.text
    return otn, response.json()["code_url"]


def _open(sandbox: SandboxProcess, received: Received, aad: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify and decrypt as a merchant would, independently of the sandbox's code."""
    verify_signed(received.headers, received.body, sandbox.info)
    envelope = json.loads(received.body)
    resource = envelope["resource"]
    assert resource["algorithm"] == "AEAD_AES_256_GCM"
    assert resource["associated_data"] == aad
    plain = aead_decrypt(sandbox.info["apiv3_key"], resource["nonce"], aad, resource["ciphertext"])
    return envelope, json.loads(plain)


def test_payment_notification_verifies_and_decrypts(shared: SandboxProcess) -> None:
    sandbox = shared
    with running_receiver() as receiver:
        otn, code_url = _order(sandbox, receiver.url, attach="lane 3", total=1234)
        sandbox.pay(code_url)
        received = receiver.wait_for(1)[0]
    assert verify_signed(received.headers, received.body, sandbox.info) == "cert"
    assert received.headers["wechatpay-signature-type"] == "WECHATPAY2-SHA256-RSA2048"
    assert re.fullmatch(r"[0-9A-Za-z]{32}", received.headers["wechatpay-nonce"])
    assert received.headers["content-type"] == "application/json"
    assert received.headers["user-agent"]
    assert received.body == json.dumps(json.loads(received.body), ensure_ascii=False, separators=(",", ":")).encode()
    envelope, plain = _open(sandbox, received, "transaction")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", envelope["id"])
    assert envelope["event_type"] == "TRANSACTION.SUCCESS"
    assert envelope["resource_type"] == "encrypt-resource"
    assert envelope["summary"] == "支付成功"
    assert envelope["resource"]["original_type"] == "transaction"
    assert len(envelope["resource"]["nonce"]) == 12
    with Merchant(sandbox.base_url, sandbox.info) as m:
        query = m.get(f"/v3/pay/transactions/out-trade-no/{otn}?mchid={sandbox.info['mchid']}").json()
    assert plain == query
    assert plain["trade_state"] == "SUCCESS"
    assert plain["attach"] == "lane 3"
    assert plain["amount"]["payer_total"] == 1234
    attempts = sandbox.delivery_attempts(otn, at_least=1)
    assert [(a["attempt"], a["status"], a["event_type"]) for a in attempts] == [(1, 200, "TRANSACTION.SUCCESS")]


def test_public_key_mode_notifications_carry_the_public_key_id(shared: SandboxProcess) -> None:
    sandbox = shared
    assert sandbox.settings(public_key_mode=True)["public_key_mode"] is True
    try:
        with running_receiver() as receiver:
            _, code_url = _order(sandbox, receiver.url, partner=False)
            sandbox.pay(code_url)
            received = receiver.wait_for(1)[0]
    finally:
        sandbox.settings(public_key_mode=False)
    assert received.headers["wechatpay-serial"] == sandbox.info["platform_public_key_id"]
    assert verify_signed(received.headers, received.body, sandbox.info) == "public_key"
    _open(sandbox, received, "transaction")


def test_partner_payment_notification(shared: SandboxProcess) -> None:
    sandbox = shared
    info = sandbox.info
    with running_receiver() as receiver, Merchant(sandbox.base_url, info, mchid=info["sp_mchid"]) as sp:
        response = sp.post(
            "/v3/pay/partner/transactions/native",
            order_body(info, new_out_trade_no(), partner=True, notify_url=receiver.url),
        )
        sandbox.pay(response.json()["code_url"])
        _, plain = _open(sandbox, receiver.wait_for(1)[0], "transaction")
    assert (plain["sp_mchid"], plain["sub_mchid"], plain["sp_appid"]) == (
        info["sp_mchid"],
        info["sub_mchid"],
        info["sp_appid"],
    )
    assert plain["payer"]["sp_openid"].startswith("o")


def test_retries_follow_the_schedule_divided_by_time_scale(shared: SandboxProcess) -> None:
    scale = SCALE
    sandbox = shared
    with running_receiver(statuses=[500, 503, 202, 200]) as receiver:
        otn, code_url = _order(sandbox, receiver.url)
        sandbox.pay(code_url)
        received = receiver.wait_for(4)
        attempts = sandbox.delivery_attempts(otn, at_least=4)
    assert [a["status"] for a in attempts] == [500, 503, 202, 200]  # 202 is not success: only 200/204 count
    assert [a["attempt"] for a in attempts] == [1, 2, 3, 4]
    gaps = [b["timestamp"] - a["timestamp"] for a, b in itertools.pairwise(attempts)]
    for gap, expected in zip(gaps, SCHEDULE, strict=False):
        assert expected / scale <= gap < expected / scale + 0.5, gaps
    # Every retry carries the same notification: same id and the same body bytes, freshly signed.
    assert len({r.body for r in received}) == 1
    assert len({r.headers["wechatpay-nonce"] for r in received}) == 4
    time.sleep(0.2)
    assert len(receiver.received) == 4


def _recorded(sandbox: SandboxProcess, otn: str, attempts: int) -> dict[str, Any]:
    """Wait until the sandbox has finished recording ``attempts`` deliveries (the retry is then scheduled)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows: list[dict[str, Any]] = [n for n in sandbox.notifications()["notifications"] if n["out_trade_no"] == otn]
        if rows and rows[0]["attempts"] >= attempts and rows[0]["state"] != "delivering":
            return rows[0]
        time.sleep(0.02)
    raise AssertionError(f"{otn}: {attempts} attempts not recorded")


def test_advancing_the_clock_fires_due_retries_until_sixteen_deliveries(sandbox_factory: Factory) -> None:
    sandbox = sandbox_factory()  # time-scale 1: only clock advances make retries due
    with running_receiver(default=500) as receiver:
        otn, code_url = _order(sandbox, receiver.url)
        sandbox.pay(code_url)
        first = _recorded(sandbox, otn, 1)
        assert first["next_time"] - sandbox.delivery_attempts(otn, at_least=1)[0]["timestamp"] >= 15
        sandbox.advance(14)
        time.sleep(0.3)
        assert len(receiver.received) == 1  # the first retry is 15 s away
        sandbox.advance(1.5)
        receiver.wait_for(2)
        for n, wait in enumerate(SCHEDULE[1:], start=2):
            _recorded(sandbox, otn, n)
            sandbox.advance(wait + 0.5)
            receiver.wait_for(n + 1)
        last = _recorded(sandbox, otn, 16)
        sandbox.advance(7 * 24 * 3600)
        time.sleep(0.3)
        assert len(receiver.received) == 16  # 1 send + 15 retries, then WeChat Pay gives up
    assert last["state"] == "failed"
    attempts = sandbox.delivery_attempts(otn, at_least=16)
    assert [a["attempt"] for a in attempts] == list(range(1, 17))
    gaps = [b["timestamp"] - a["timestamp"] for a, b in itertools.pairwise(attempts)]
    assert all(gap >= wait for gap, wait in zip(gaps, SCHEDULE, strict=True)), gaps


def test_refund_notification(shared: SandboxProcess) -> None:
    sandbox = shared
    info = sandbox.info
    with running_receiver() as receiver, Merchant(sandbox.base_url, info) as m:
        otn, code_url = _order(sandbox, receiver.url, total=500)
        sandbox.pay(code_url)
        receiver.wait_for(1)
        refund = m.post(
            "/v3/refund/domestic/refunds",
            {
                "out_trade_no": otn,
                "out_refund_no": "R" + otn,
                "amount": {"refund": 200, "total": 500, "currency": "CNY"},
                "notify_url": receiver.url,
            },
        )
        assert refund.status_code == 200, refund.text
        assert refund.json()["status"] == "PROCESSING"
        received = receiver.wait_for(2)[1]  # processing takes 5 s / time-scale
    envelope, plain = _open(sandbox, received, "refund")
    assert envelope["event_type"] == "REFUND.SUCCESS"
    assert envelope["resource"]["original_type"] == "refund"
    assert plain["mchid"] == info["mchid"]
    assert plain["out_refund_no"] == "R" + otn
    assert plain["refund_id"] == refund.json()["refund_id"]
    assert plain["refund_status"] == "SUCCESS"
    assert plain["amount"] == {"total": 500, "refund": 200, "payer_total": 500, "payer_refund": 200}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00", plain["success_time"])


def test_fault_drop_loses_one_delivery_and_the_retry_arrives(shared: SandboxProcess) -> None:
    sandbox = shared
    with running_receiver() as receiver:
        sandbox.notification_fault("drop", url_prefix=receiver.url)
        otn, code_url = _order(sandbox, receiver.url)
        sandbox.pay(code_url)
        receiver.wait_for(1)
    attempts = sandbox.delivery_attempts(otn, at_least=2)
    assert [(a["attempt"], a["kind"], a["status"]) for a in attempts] == [(1, "dropped", None), (2, "normal", 200)]
    assert len(receiver.received) == 1


def test_fault_duplicate_delivers_the_same_notification_twice(shared: SandboxProcess) -> None:
    sandbox = shared
    with running_receiver() as receiver:
        sandbox.notification_fault("duplicate", url_prefix=receiver.url)
        otn, code_url = _order(sandbox, receiver.url)
        sandbox.pay(code_url)
        first, second = receiver.wait_for(2)
    ids = {json.loads(r.body)["id"] for r in (first, second)}
    assert len(ids) == 1
    for r in (first, second):
        verify_signed(r.headers, r.body, sandbox.info)
    assert [a["kind"] for a in sandbox.delivery_attempts(otn, at_least=2)] == ["normal", "duplicate"]


def test_fault_sign_probe_is_rejected_by_a_verifying_receiver_then_resent_genuine(shared: SandboxProcess) -> None:
    sandbox = shared

    def decide(headers: dict[str, str], body: bytes) -> int:
        try:
            verify_signed(headers, body, sandbox.info)
        except AssertionError:
            return 401
        return 204

    with running_receiver(decide=decide) as receiver:
        sandbox.notification_fault("sign_probe", url_prefix=receiver.url)
        otn, code_url = _order(sandbox, receiver.url)
        sandbox.pay(code_url)
        probe, genuine = receiver.wait_for(2)
    assert probe.headers["wechatpay-signature"].startswith("WECHATPAY/SIGNTEST/")
    assert (probe.status, genuine.status) == (401, 204)
    assert probe.body == genuine.body
    attempts = sandbox.delivery_attempts(otn, at_least=2)
    assert [(a["kind"], a["status"]) for a in attempts] == [("probe", 401), ("normal", 204)]


def test_fault_out_of_order_lets_a_later_notification_overtake(shared: SandboxProcess) -> None:
    sandbox = shared
    with running_receiver() as receiver:
        sandbox.notification_fault("out_of_order", url_prefix=receiver.url)
        first, first_code = _order(sandbox, receiver.url)
        second, second_code = _order(sandbox, receiver.url)
        sandbox.pay(first_code)
        sandbox.pay(second_code)
        received = receiver.wait_for(2)
    order = [json.loads(aead_plain(sandbox, r))["out_trade_no"] for r in received]
    assert order == [second, first]


def aead_plain(sandbox: SandboxProcess, received: Received) -> bytes:
    resource = json.loads(received.body)["resource"]
    return aead_decrypt(
        sandbox.info["apiv3_key"], resource["nonce"], resource["associated_data"], resource["ciphertext"]
    )


def test_forged_notification_from_sandbox_json_keys_verifies(shared: SandboxProcess) -> None:
    """sandbox.json exposes the key pair behind the public key so tests elsewhere can forge genuine notifications."""
    from tests.sandbox.merchant import load_private_key, load_public_key, rsa_sign

    sandbox = shared
    message = b"1700000000\nNONCE\n{}\n"
    signature = rsa_sign(load_private_key(sandbox.info["platform_private_key"]), message)
    assert rsa_verifies(load_public_key(sandbox.info["platform_public_key"]), message, signature)


@pytest.mark.parametrize(
    ("outcome", "event_type", "summary"),
    [("ABNORMAL", "REFUND.ABNORMAL", "退款异常"), ("CLOSED", "REFUND.CLOSED", "退款关闭")],
)
def test_refunds_that_end_abnormal_or_closed(
    shared: SandboxProcess, outcome: str, event_type: str, summary: str
) -> None:
    """An ABNORMAL refund keeps its amount out of reach (the money left the merchant); a CLOSED one gives it back."""
    sandbox = shared
    info = sandbox.info
    sandbox.settings(refund_outcome=outcome)
    try:
        with running_receiver() as receiver, Merchant(sandbox.base_url, info) as m:
            otn, code_url = _order(sandbox, receiver.url, total=500)
            sandbox.pay(code_url)
            receiver.wait_for(1)
            body = {"out_trade_no": otn, "amount": {"refund": 500, "total": 500, "currency": "CNY"}}
            first = m.post(REFUNDS, {**body, "out_refund_no": "R" + otn, "notify_url": receiver.url})
            assert first.status_code == 200 and first.json()["status"] == "PROCESSING", first.text
            sandbox.settings(refund_outcome="SUCCESS")  # the refund keeps the outcome it was created with
            received = receiver.wait_for(2)[1]
            envelope, plain = _open(sandbox, received, "refund")
            assert (envelope["event_type"], envelope["summary"]) == (event_type, summary)
            assert plain["refund_status"] == outcome and "success_time" not in plain
            queried = m.get(f"{REFUNDS}/R{otn}").json()
            assert queried["status"] == outcome and "success_time" not in queried
            order = m.get(f"/v3/pay/transactions/out-trade-no/{otn}?mchid={info['mchid']}").json()
            sandbox.advance(61)  # refunds of one order are at least a minute apart
            again = m.post(REFUNDS, {**body, "out_refund_no": "S" + otn})
    finally:
        sandbox.settings(refund_outcome="SUCCESS")
    if outcome == "ABNORMAL":
        assert order["trade_state"] == "REFUND"
        assert (again.status_code, again.json()["code"]) == (400, "INVALID_REQUEST")  # fully refunded
        handled = sandbox.control("POST", "/sandbox/v1/refunds", {"out_refund_no": "R" + otn})  # 交易中心
        assert handled["status"] == "SUCCESS" and "success_time" in handled
        with Merchant(sandbox.base_url, info) as m:
            assert m.get(f"{REFUNDS}/R{otn}").json()["status"] == "SUCCESS"
        with httpx.Client() as client:  # only an ABNORMAL refund can be handled so
            twice = client.post(sandbox.base_url + "/sandbox/v1/refunds", json={"out_refund_no": "R" + otn})
        assert (twice.status_code, twice.json()["code"]) == (400, "INVALID_REQUEST")
    else:
        assert order["trade_state"] == "SUCCESS"  # no refund holds any of it
        assert again.status_code == 200 and again.json()["status"] == "PROCESSING", again.text


def test_refund_outcome_setting_is_checked(shared: SandboxProcess) -> None:
    with httpx.Client() as client:
        bad = client.post(shared.base_url + "/sandbox/v1/settings", json={"refund_outcome": "LOST"})
    assert bad.status_code == 400 and "refund_outcome" in bad.text
    assert shared.settings()["refund_outcome"] == "SUCCESS"
