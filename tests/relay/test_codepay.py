"""Payment-code orders through the real relay and the real sandbox, for every scenario of the sandbox.

The relay runs as a process on a clock the test moves together with the sandbox's (``start_world(moved_clock=
True)``): the customer's password, the relay's polls every 5 s, its 30 s deadline and its reverse no sooner than
15 s after the charge all pass without sleeping. The kiosk's side is the kiosk's relay client. Each test checks
what the relay answers and what WeChat Pay (the sandbox) holds: nothing charged twice, nothing left open.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.checkout.relay_client import RelayClient, RelayRejected
from kiosk.relay.wechat import CALL_DEADLINE, CHARGE_DEADLINE
from kiosk.trade import CodePayFailure, TradeState, TradeType
from kiosk.wire import OrderView
from tests.support.relay import init_relay, order_number, refused_field, start_relay
from tests.support.waiting import wait_until
from tests.support.world import World, start_world, stop_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    world = start_world(tmp_path_factory.mktemp("codepay"), moved_clock=True)
    yield world
    stop_world(world)


@pytest.fixture
def client(world: World) -> Iterator[RelayClient]:
    relay = RelayClient(world.relay_url, world.credentials.kiosk_token, timeout=10)
    yield relay
    relay.close()


def number() -> str:
    return order_number("CODEPAY")


def charge(world: World, client: RelayClient, scenario: str, amount_fen: int = 1200, **extra: Any) -> OrderView:
    code = world.sandbox.payment_code(scenario, **extra)
    return client.charge_code(number(), "奶茶 x1", amount_fen, code, items=[{"sku": "TEA", "quantity": 1}])


def becomes(client: RelayClient, out_trade_no: str, check: Callable[[OrderView], bool], what: str) -> OrderView:
    """The order once ``check`` holds (the relay acts within a tick of the clock moving)."""
    found: OrderView = wait_until(
        lambda: (view := client.get_order(out_trade_no)) and check(view) and view, timeout=15, message=what
    )
    return found


def sandbox_order(world: World, out_trade_no: str) -> dict[str, Any]:
    """WeChat Pay's side of the order: exactly one, whatever happened."""
    found = [order for order in world.sandbox.orders() if order["out_trade_no"] == out_trade_no]
    assert len(found) == 1, found
    return found[0]


def in_state(state: str) -> Callable[[OrderView], bool]:
    return lambda view: view.state == state


def expire(world: World) -> datetime:
    """A Native order's time_expire, ten minutes ahead of the (moved) clock of the sandbox and the relay."""
    assert world.clock is not None
    return world.clock.now() + timedelta(minutes=10)


# ---- paid ----------------------------------------------------------------------------------------------------


def test_an_instant_payment_is_answered_paid_by_the_charge_itself(world: World, client: RelayClient) -> None:
    view = charge(world, client, "success")
    assert (view.trade_type, view.state, view.failure) == (TradeType.MICROPAY, TradeState.SUCCESS, None)
    assert view.transaction_id and view.success_time and view.payer_total_fen == 1200
    assert view.items == [{"sku": "TEA", "quantity": 1}] and view.code_url is None
    remote = sandbox_order(world, view.out_trade_no)
    assert (remote["trade_type"], remote["trade_state"]) == ("MICROPAY", "SUCCESS")


def test_the_customer_types_the_password_and_the_relay_finds_the_payment(world: World, client: RelayClient) -> None:
    view = charge(world, client, "password_then_success", password_seconds=8)
    assert (view.state, view.failure) == (TradeState.USERPAYING, None)  # 请顾客输入支付密码
    waiting = client.get_order(view.out_trade_no, since=view.version, wait=0.3)
    assert waiting.version == view.version  # a long-poll like any order's: nothing new yet
    world.advance(5)  # the first query: still typing
    world.advance(5)  # the second: paid (at 8 s)
    paid = becomes(client, view.out_trade_no, in_state(TradeState.SUCCESS), "paid after the password")
    assert paid.transaction_id and paid.version > view.version
    assert sandbox_order(world, view.out_trade_no)["trade_state"] == "SUCCESS"


@pytest.mark.parametrize("scenario", ["system_error_paid", "bank_error"])
def test_a_charge_whose_answer_is_an_error_is_resolved_by_query(
    world: World, client: RelayClient, scenario: str
) -> None:
    view = charge(world, client, scenario, password_seconds=4)
    assert view.state in (TradeState.NOTPAY, TradeState.USERPAYING) and view.failure is None
    world.advance(5)
    becomes(client, view.out_trade_no, in_state(TradeState.SUCCESS), "paid, found by query")
    assert sandbox_order(world, view.out_trade_no)["trade_state"] == "SUCCESS"


@pytest.mark.parametrize("scenario", ["system_error_unrecorded", "rate_limited"])
def test_a_charge_wechat_pay_never_recorded_is_sent_once_more_while_the_code_is_fresh(
    world: World, client: RelayClient, scenario: str
) -> None:
    view = charge(world, client, scenario)
    assert view.state is TradeState.NOTPAY  # the answer: unknown
    world.advance(5)  # query: no such order; the code is 5 s old: the same charge once more
    becomes(client, view.out_trade_no, in_state(TradeState.SUCCESS), "paid by the one resend")
    assert sandbox_order(world, view.out_trade_no)["trade_state"] == "SUCCESS"


def test_wechat_pays_rate_limit_on_the_charge_is_a_charge_to_send_again(world: World, client: RelayClient) -> None:
    world.sandbox.fault("frequency_limited", "/v3/pay/transactions/codepay", count=1)
    view = charge(world, client, "success")
    assert view.state is TradeState.NOTPAY
    world.advance(5)
    becomes(client, view.out_trade_no, in_state(TradeState.SUCCESS), "paid after 429")


# ---- not paid ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "failure", "code"),
    [
        ("insufficient_funds", CodePayFailure.INSUFFICIENT_FUNDS, "NOT_ENOUGH"),
        ("invalid_code", CodePayFailure.CODE_REJECTED, "TRADE_ERROR"),
        ("expired_code", CodePayFailure.CODE_REJECTED, "TRADE_ERROR"),
    ],
)
def test_a_refused_charge_tells_the_kiosk_why_at_once_and_is_reversed_after_15_s(
    world: World, client: RelayClient, scenario: str, failure: CodePayFailure, code: str
) -> None:
    view = charge(world, client, scenario)
    assert view.failure is failure and view.state is TradeState.PAYERROR  # confirmed by one query
    world.advance(15)
    reversed_ = becomes(client, view.out_trade_no, in_state(TradeState.REVOKED), "reversed")
    assert reversed_.failure is failure  # the first reason stays
    assert sandbox_order(world, view.out_trade_no)["trade_state"] == "REVOKED"
    assert stored(world, view.out_trade_no)["error_code"] == code  # WeChat Pay's refusal, as for a Native order


def test_what_wechat_pay_would_refuse_is_refused_before_a_code_is_charged(world: World, client: RelayClient) -> None:
    """The rules of a Native order's request hold for a payment code's, with the same 400 naming the field."""
    otn = number()
    code = world.sandbox.payment_code("success")
    good = {"out_trade_no": otn, "description": "奶茶 x1", "amount_fen": 1200, "auth_code": code}
    refused = {
        "description": {"description": "奶" * 43},  # 129 bytes of UTF-8
        "amount_fen": {"amount_fen": 2**31},
        "items": {"items": [{"sku": "TEA", "quantity": 2, "unit_price_fen": 500}]},  # 1000, not 1200
        "time_expire": {"time_expire": "2026-03-01T12:10:00+08:00"},  # WeChat Pay gives these orders their own
    }
    headers = {"Authorization": f"Bearer {world.credentials.kiosk_token}"}
    with httpx.Client(base_url=world.relay_url, headers=headers, timeout=10) as http:
        for field, change in refused.items():
            answer = http.post("/v1/codepay", json={**good, **change})
            assert refused_field(answer) == field, answer.text
            assert code not in answer.text
        assert http.get(f"/v1/orders/{otn}").status_code == 404  # nothing stored
    assert code_state(world, code) == "unused" and not [o for o in world.sandbox.orders() if o["out_trade_no"] == otn]
    view = client.charge_code(otn, "奶茶 x1", 1200, code, items=[{"sku": "TEA", "quantity": 2, "unit_price_fen": 600}])
    assert view.state is TradeState.SUCCESS  # the number stayed free and the code unused


def test_a_charge_slower_than_other_calls_is_given_its_own_deadline(world: World, client: RelayClient) -> None:
    """WeChat Pay may take seconds to debit a bank: the charge's answer is awaited past the deadline of a query
    (the kiosk is answered after 3 s meanwhile), so the payment is known without waiting for the first poll."""
    slow = CALL_DEADLINE + 1.5
    assert slow < CHARGE_DEADLINE
    world.sandbox.fault("latency", "/v3/pay/transactions/codepay", count=1, latency_ms=int(slow * 1000))
    view = charge(world, client, "success")
    assert view.state is TradeState.NOTPAY  # the kiosk's answer, before the charge's
    paid = becomes(client, view.out_trade_no, in_state(TradeState.SUCCESS), "paid by the charge's own answer")
    assert paid.transaction_id
    # The flow journals its end just after the payment it stored has woken the kiosk's long-poll.
    wait_until(lambda: flow_steps(world, view.out_trade_no)[-1:] == ["done"], message="the flow's end")
    assert flow_steps(world, view.out_trade_no) == ["charging", "done"]  # no query was needed: the charge answered


def test_a_code_used_once_is_refused_the_second_time(world: World, client: RelayClient) -> None:
    code = world.sandbox.payment_code("success")
    first = client.charge_code(number(), "奶茶 x1", 800, code)
    second = client.charge_code(number(), "奶茶 x1", 800, code)
    assert first.state is TradeState.SUCCESS
    assert (second.state, second.failure) == (TradeState.PAYERROR, CodePayFailure.CODE_REJECTED)


def test_a_failed_password_is_a_failure_then_a_reverse(world: World, client: RelayClient) -> None:
    view = charge(world, client, "password_then_failure", password_seconds=8)
    world.advance(10)
    failed = becomes(client, view.out_trade_no, lambda v: v.failure is not None, "the failure")
    assert (failed.state, failed.failure) == (TradeState.PAYERROR, CodePayFailure.PAYMENT_FAILED)
    world.advance(5)
    becomes(client, view.out_trade_no, in_state(TradeState.REVOKED), "reversed")


def test_a_password_never_typed_is_reversed_at_the_30_s_deadline(world: World, client: RelayClient) -> None:
    view = charge(world, client, "password_never")
    world.advance(25)
    assert client.get_order(view.out_trade_no).state is TradeState.USERPAYING  # still within the deadline
    world.advance(5)
    revoked = becomes(client, view.out_trade_no, in_state(TradeState.REVOKED), "reversed at the deadline")
    assert revoked.failure is CodePayFailure.NOT_CONFIRMED
    world.advance(30)  # the customer's phone gives up later: nothing changes
    assert sandbox_order(world, view.out_trade_no)["trade_state"] == "REVOKED"


# ---- cancel and reverse --------------------------------------------------------------------------------------


def test_cancel_while_the_customer_types_reverses_no_sooner_than_15_s(world: World, client: RelayClient) -> None:
    view = charge(world, client, "password_then_success", password_seconds=60)
    cancelled = client.close_order(view.out_trade_no)  # the kiosk's close: a reverse for these orders
    assert cancelled.state is TradeState.USERPAYING  # requested; the reference wants 15 s after the charge
    world.advance(10)
    assert client.get_order(view.out_trade_no).state is TradeState.USERPAYING
    world.advance(5)
    revoked = becomes(client, view.out_trade_no, in_state(TradeState.REVOKED), "reversed after cancel")
    assert revoked.failure is CodePayFailure.CANCELLED
    assert client.close_order(view.out_trade_no).state is TradeState.REVOKED  # again: the state, not an error
    remote = sandbox_order(world, view.out_trade_no)
    assert (remote["trade_state"], remote["refunded"]) == ("REVOKED", 0)


def test_a_payment_that_wins_the_race_with_the_reverse_is_given_back(world: World, client: RelayClient) -> None:
    view = charge(world, client, "password_then_success", amount_fen=990, password_seconds=3)
    client.close_order(view.out_trade_no)
    world.advance(15)  # paid at 3 s; the reverse at 15 s refunds it
    revoked = becomes(client, view.out_trade_no, in_state(TradeState.REVOKED), "reversed")
    assert revoked.failure is CodePayFailure.CANCELLED
    remote = sandbox_order(world, view.out_trade_no)
    assert (remote["trade_state"], remote["refunded"]) == ("REVOKED", 990)  # the money went back


def test_a_reverse_is_retried_until_it_answers_and_flagged_for_the_manager_meanwhile(
    world: World, client: RelayClient
) -> None:
    view = charge(world, client, "password_never")
    # Each of the relay's calls tries twice: six faults fail three reverses.
    world.sandbox.fault("system_error", f"/v3/pay/transactions/out-trade-no/{view.out_trade_no}/reverse", count=6)
    world.advance(30)
    for wait in (2, 4):  # the second and third attempts
        world.advance(wait)
    flagged = becomes(client, view.out_trade_no, lambda v: v.unresolved is True, "flagged unresolved")
    assert flagged.state is TradeState.USERPAYING
    world.advance(8)  # the fourth attempt goes through
    revoked = becomes(client, view.out_trade_no, in_state(TradeState.REVOKED), "reversed at last")
    assert (revoked.unresolved, revoked.failure) == (None, CodePayFailure.NOT_CONFIRMED)


# ---- order numbers -------------------------------------------------------------------------------------------


def test_the_same_request_again_never_charges_twice_and_another_code_is_a_conflict(
    world: World, client: RelayClient
) -> None:
    code = world.sandbox.payment_code("success")
    otn = number()
    first = client.charge_code(otn, "奶茶 x1", 600, code)
    again = client.charge_code(otn, "奶茶 x1", 600, code)  # the kiosk lost the first answer
    assert first.state is again.state is TradeState.SUCCESS and first.transaction_id == again.transaction_id
    other = world.sandbox.payment_code("success")
    with pytest.raises(RelayRejected) as caught:
        client.charge_code(otn, "奶茶 x1", 600, other)
    assert (caught.value.status, caught.value.code) == (409, "out_trade_no_used")
    native = client.create_order(number(), "奶茶 x1", 600, expire(world))
    with pytest.raises(RelayRejected, match="out_trade_no_used"):
        client.charge_code(native.out_trade_no, "奶茶 x1", 600, world.sandbox.payment_code("success"))
    assert sandbox_order(world, otn)["trade_state"] == "SUCCESS"  # one order, paid once


def test_a_number_wechat_pay_knows_as_another_order_is_never_reversed(
    world: World, client: RelayClient, tmp_path: Path
) -> None:
    # Another relay of the same merchant (its own database) placed a Native order under the number first.
    other = start_relay(init_relay(world.sandbox.state_dir, tmp_path, settings={"server": {"rate_limit_burst": 100}}))
    try:
        theirs = RelayClient(other.base_url, other.kiosk_token)
        otn = number()
        native = theirs.create_order(otn, "别人的订单", 4321, expire(world))
        view = client.charge_code(otn, "奶茶 x1", 1200, world.sandbox.payment_code("success"))
        world.advance(1)
        closed = becomes(client, otn, in_state(TradeState.CLOSED), "the number is taken")
        assert closed.failure is CodePayFailure.UNAVAILABLE
        world.advance(40)
        remote = sandbox_order(world, otn)
        assert (remote["trade_state"], remote["amount"]["total"]) == ("NOTPAY", 4321)  # theirs, untouched
        assert native.state is TradeState.NOTPAY and view.trade_type is TradeType.MICROPAY
        theirs.close()
    finally:
        other.stop()


# ---- a relay that dies ---------------------------------------------------------------------------------------


def test_a_relay_killed_while_the_customer_types_resumes_and_finds_the_payment(world: World) -> None:
    client = RelayClient(world.relay_url, world.credentials.kiosk_token, timeout=10)
    view = charge(world, client, "password_then_success", password_seconds=8)
    url = world.kill_relay()
    world.advance(10)
    world.start_relay_at(url)
    paid = becomes(client, view.out_trade_no, in_state(TradeState.SUCCESS), "paid after the restart")
    assert paid.transaction_id and sandbox_order(world, view.out_trade_no)["trade_state"] == "SUCCESS"
    client.close()


def test_a_charge_whose_answer_is_lost_is_resolved_by_query_and_never_sent_again(
    world: World, client: RelayClient
) -> None:
    world.sandbox.fault("drop_connection", "/v3/pay/transactions/codepay", count=1)  # charged, answer lost
    code = world.sandbox.payment_code("success")
    view = client.charge_code(number(), "奶茶 x1", 700, code)
    assert view.state is TradeState.NOTPAY
    world.advance(5)
    becomes(client, view.out_trade_no, in_state(TradeState.SUCCESS), "paid, found by query")
    assert code_state(world, code) == "used" and sandbox_order(world, view.out_trade_no)["trade_state"] == "SUCCESS"


def test_a_relay_killed_while_charging_never_sends_the_code_again_and_reverses_the_order(world: World) -> None:
    client = RelayClient(world.relay_url, world.credentials.kiosk_token, timeout=10)
    world.sandbox.fault("latency", "/v3/pay/transactions/codepay", count=1, latency_ms=1500)
    code = world.sandbox.payment_code("success")
    otn = number()
    sent = threading.Thread(target=lambda: _ignore(lambda: client.charge_code(otn, "奶茶 x1", 700, code)), daemon=True)
    sent.start()
    wait_until(lambda: _exists(client, otn), message="the order stored before the charge")
    url = world.kill_relay()  # the charge was on its way; the code dies with the relay's memory
    sent.join(15)
    world.start_relay_at(url)
    world.advance(5)  # the restarted relay can only ask: WeChat Pay has no such order
    world.advance(25)  # and never learns one: reversed at the deadline, so that a late charge could not land
    revoked = becomes(client, otn, in_state(TradeState.REVOKED), "reversed")
    assert revoked.failure is CodePayFailure.NOT_CONFIRMED
    assert code_state(world, code) == "unused"  # never charged, not even once
    assert [order for order in world.sandbox.orders() if order["out_trade_no"] == otn] == []
    client.close()


def test_a_relay_killed_while_reversing_reverses_again_after_the_restart(world: World) -> None:
    client = RelayClient(world.relay_url, world.credentials.kiosk_token, timeout=10)
    view = charge(world, client, "password_never")
    path = f"/v3/pay/transactions/out-trade-no/{view.out_trade_no}/reverse"
    world.sandbox.fault("latency", path, count=1, latency_ms=3000)
    world.advance(30)
    wait_until(lambda: world.sandbox.control("GET", "/sandbox/v1/faults")["api"] == [], message="the reverse is sent")
    url = world.kill_relay()
    world.start_relay_at(url)
    world.advance(1)
    becomes(client, view.out_trade_no, in_state(TradeState.REVOKED), "reversed after the restart")
    assert sandbox_order(world, view.out_trade_no)["trade_state"] == "REVOKED"
    client.close()


def test_the_payment_code_is_never_stored_or_logged_in_full(world: World, tmp_path: Path) -> None:
    url = world.stop_relay()
    assert world.clock is not None
    with (tmp_path / "relay.log").open("w") as log:  # the relay keeps its own copy of the descriptor
        world.relay = start_relay(
            world.credentials, clock=world.clock.path, port=url.rsplit(":", 1)[1], stderr=log, log_level="info"
        )
    client = RelayClient(world.relay_url, world.credentials.kiosk_token, timeout=10)
    code = world.sandbox.payment_code("insufficient_funds")
    view = client.charge_code(number(), "奶茶 x1", 500, code)
    assert view.failure is CodePayFailure.INSUFFICIENT_FUNDS
    world.advance(15)
    becomes(client, view.out_trade_no, in_state(TradeState.REVOKED), "reversed")
    logged = (tmp_path / "relay.log").read_text()
    assert "*" * 14 + code[-4:] in logged and code not in logged
    # The charge, its query and reverse reached WeChat Pay; at info they are not logged one line per call.
    assert "HTTP Request:" not in logged
    database = Path(str(world.credentials.config_path.parent / "relay.sqlite3"))
    stored = b"".join(p.read_bytes() for p in database.parent.glob("relay.sqlite3*") if p.is_file())
    assert code.encode() not in stored
    with sqlite3.connect(database) as connection:
        masked = connection.execute(
            "SELECT payment_code FROM codepay WHERE out_trade_no = ?", (view.out_trade_no,)
        ).fetchone()[0]
    assert masked == "*" * 14 + code[-4:]
    client.close()


def stored(world: World, out_trade_no: str) -> dict[str, Any]:
    """The relay's own row of the order (its database, read beside it)."""
    database = world.credentials.config_path.parent / "relay.sqlite3"
    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.row_factory = sqlite3.Row
        row = connection.execute("SELECT * FROM orders WHERE out_trade_no = ?", (out_trade_no,)).fetchone()
    assert row is not None
    return dict(row)


def flow_steps(world: World, out_trade_no: str) -> list[str]:
    """The steps the relay journaled for a payment-code order's flow, in order."""
    database = world.credentials.config_path.parent / "relay.sqlite3"
    with contextlib.closing(sqlite3.connect(database)) as connection:
        details = connection.execute(
            "SELECT detail FROM events WHERE out_trade_no = ? AND kind = 'codepay' ORDER BY seq", (out_trade_no,)
        ).fetchall()
    return [json.loads(detail)["to"] for (detail,) in details]


def code_state(world: World, code: str) -> str:
    codes = world.sandbox.control("GET", "/sandbox/v1/payment-codes")["codes"]
    states: list[str] = [issued["state"] for issued in codes if issued["auth_code"] == code]
    assert len(states) == 1
    return states[0]


def _exists(client: RelayClient, out_trade_no: str) -> bool:
    try:
        client.get_order(out_trade_no)
    except RelayRejected:
        return False
    return True


def _ignore(call: Callable[[], object]) -> None:
    with contextlib.suppress(Exception):  # the relay dies under this request: whatever it raises
        call()
