"""The kiosk core against the real relay and the real sandbox, as processes on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from kiosk.checkout import (
    ConnectionChanged,
    KioskCore,
    PaidAfterCancel,
    PaymentSession,
    SessionChanged,
    SessionError,
    State,
)
from kiosk.checkout.events import PrintSubmitted, RefundChanged
from kiosk.checkout.session_manager import receipt_job_key
from tests.checkout.conftest import MovableClock, Recorder, World, wait_until
from tests.support.relay import add_kiosk, run_cli


def sell(core: KioskCore, *codes: str) -> PaymentSession:
    cart = core.new_cart()
    for code in codes or ("6921168509256", "CAF-002"):
        cart.add_code(code)
    return core.charge(cart)


def awaiting(core: KioskCore, session: PaymentSession, timeout: float = 15) -> PaymentSession:
    return core.wait_for(session.out_trade_no, lambda s: s.state is State.AWAITING_PAYMENT, timeout)


def sandbox_order(world: World, out_trade_no: str) -> list[dict[str, object]]:
    return [order for order in world.sandbox.orders() if order["out_trade_no"] == out_trade_no]


def printed(core: KioskCore, job_key: str) -> list[object]:
    return [job for job in core.print_queue.jobs() if job.job_key == job_key and job.state == "printed"]


def recording(core: KioskCore) -> Recorder:
    """Start ``core`` with a recorder of its events subscribed first (so none is missed)."""
    recorder = Recorder()
    core.subscribe(recorder)
    core.start()
    return recorder


def relay_order(world: World, out_trade_no: str) -> dict[str, object]:
    response = httpx.get(
        f"{world.relay_url}/v1/orders/{out_trade_no}",
        headers={"Authorization": f"Bearer {world.credentials.kiosk_token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_a_full_sale(world: World) -> None:
    core = world.core()
    recorder = Recorder()
    core.subscribe(recorder)
    assert core.start() == []
    session = sell(core, "6921168509256", "6921168509256", "CAF-002")
    assert session.state is State.CREATING and session.amount_fen == 200 * 2 + 1800
    assert session.description == "农夫山泉 550ml 等3件"

    shown = awaiting(core, session)
    assert shown.code_url and shown.code_url.startswith("weixin://")
    assert core.seconds_left(shown) > 290
    [remote] = sandbox_order(world, session.out_trade_no)
    assert remote["amount"]["total"] == 2200  # type: ignore[index]

    world.sandbox.pay(shown.code_url)
    paid = core.wait_for(session.out_trade_no, lambda s: s.is_paid, 15)
    assert (paid.state, paid.trade_state, paid.payer_total_fen) == (State.PAID, "SUCCESS", 2200)
    assert paid.transaction_id and paid.success_time is not None and paid.settled

    key = receipt_job_key(session.out_trade_no)
    wait_until(lambda: printed(core, key), message="paid receipt printed")
    assert len([job for job in core.print_queue.jobs() if job.job_key == key]) == 1
    changes = [e for e in core.order_events(session.out_trade_no) if e.kind != "print_submitted"]
    assert [e.kind for e in changes] == ["charge", "create_succeeded", "remote_status"]
    assert [(e.from_state, e.to_state) for e in changes][-1] == ("awaiting_payment", "paid")
    states = [event.session.state for event in recorder.of(SessionChanged)]
    assert states == [State.CREATING, State.AWAITING_PAYMENT, State.PAID]
    assert any(event.job_key == key for event in recorder.of(PrintSubmitted))
    assert recorder.of(ConnectionChanged)[0].online is True
    assert [s.out_trade_no for s in core.today_orders()] == [session.out_trade_no]
    assert [item.quantity for item in core.order_items(session.out_trade_no)] == [2, 1]


def test_relay_down_at_charge_then_back_creates_the_order_once(world: World) -> None:
    url = world.stop_relay()
    core = world.core(world.config(relay_url=url))
    recorder = recording(core)
    session = sell(core)
    pending = core.wait_for(session.out_trade_no, lambda s: s.state is State.PENDING_CREATION, 10)
    assert pending.last_error and "unreachable" in pending.last_error
    assert wait_until(lambda: [e for e in recorder.of(ConnectionChanged) if not e.online])
    wait_until(lambda: core.journal.pending_commands(session.out_trade_no)[0].attempts >= 2, message="retries")

    world.start_relay_at(url)
    shown = awaiting(core, session, 20)
    assert shown.code_url
    assert len(sandbox_order(world, session.out_trade_no)) == 1
    assert relay_order(world, session.out_trade_no)["version"] == 1
    creates = [c for c in core.journal.commands(session.out_trade_no) if c.kind == "create"]
    assert len(creates) == 1 and creates[0].outcome == "created" and creates[0].attempts >= 2
    assert wait_until(lambda: [e for e in recorder.of(ConnectionChanged) if e.online])

    world.sandbox.pay(shown.code_url)
    assert core.wait_for(session.out_trade_no, lambda s: s.is_paid, 15).state is State.PAID


def test_clerk_cancels_a_sale_pending_creation(world: World) -> None:
    url = world.stop_relay()
    core = world.core(world.config(relay_url=url))
    core.start()
    session = sell(core)
    core.wait_for(session.out_trade_no, lambda s: s.state is State.PENDING_CREATION, 10)
    cancelled = core.cancel(session.out_trade_no)
    assert cancelled.state is State.CANCELLED and not cancelled.settled

    world.start_relay_at(url)
    settled = core.wait_for(session.out_trade_no, lambda s: s.settled, 20)
    assert settled.state is State.CANCELLED
    assert sandbox_order(world, session.out_trade_no) == []  # never created, nothing to pay
    outcomes = {c.kind: c.outcome for c in core.journal.commands(session.out_trade_no)}
    assert outcomes == {"create": "dropped", "close": "not_found"}


def test_payment_found_with_notifications_dropped(private_world: World) -> None:
    world = private_world
    world.sandbox.notification_fault("drop", count=50)
    core = world.core()
    core.start()
    session = awaiting(core, sell(core))
    assert session.code_url
    world.sandbox.pay(session.code_url)
    # The relay's own queries (the kiosk is long-polling) find the payment.
    paid = core.wait_for(session.out_trade_no, lambda s: s.is_paid, 30)
    assert paid.state is State.PAID and paid.transaction_id
    assert world.sandbox.delivery_attempts(session.out_trade_no)


def test_requery_asks_the_relay_to_refresh(private_world: World) -> None:
    world = private_world
    world.sandbox.notification_fault("drop", count=50)
    core = world.core(wait_seconds=30)
    core.start()
    session = awaiting(core, sell(core))
    assert session.code_url
    world.sandbox.pay(session.code_url)
    # Without notifications the relay learns of the payment from WeChat Pay (refresh=1, or its own query).
    answered = core.requery(session.out_trade_no)
    assert answered.state is State.PAID and answered.trade_state == "SUCCESS" and answered.transaction_id


PAYABLE = ["NOTPAY", "USERPAYING", "PAYERROR"]


def payable_in(world: World, core: KioskCore, trade_state: str) -> PaymentSession:
    """A sale waiting for payment whose order is in ``trade_state`` at WeChat Pay, as the kiosk knows it."""
    session = awaiting(core, sell(core))
    assert session.code_url
    if trade_state != "NOTPAY":
        world.sandbox.pay(session.code_url, result=trade_state)  # the customer is paying, or the card failed
        session = core.requery(session.out_trade_no)  # the relay asks WeChat Pay (no notification for these)
    assert (session.state, session.trade_state) == (State.AWAITING_PAYMENT, trade_state)
    return session


@pytest.mark.parametrize("trade_state", PAYABLE)
def test_cancel_closes_a_payable_order_at_wechat_pay(world: World, trade_state: str) -> None:
    core = world.core()
    core.start()
    session = payable_in(world, core, trade_state)
    assert session.code_url
    assert core.cancel(session.out_trade_no).state is State.CANCELLED
    settled = core.wait_for(session.out_trade_no, lambda s: s.settled, 15)
    assert (settled.state, settled.trade_state, settled.ended_by) == (State.CANCELLED, "CLOSED", "clerk")
    assert sandbox_order(world, session.out_trade_no)[0]["trade_state"] == "CLOSED"
    assert relay_order(world, session.out_trade_no)["state"] == "CLOSED"
    assert core.journal.pending_commands() == []
    with pytest.raises(httpx.HTTPStatusError) as refused:  # nobody can pay it any more
        world.sandbox.pay(session.code_url)
    assert refused.value.response.json()["code"] == "ORDER_CLOSED"


@pytest.mark.parametrize("trade_state", PAYABLE)
def test_payment_after_cancel_is_kept_and_shown(world: World, trade_state: str) -> None:
    core = world.core()
    recorder = recording(core)
    session = payable_in(world, core, trade_state)
    assert session.code_url
    url = world.kill_relay()  # gone at once (a stop would wait for the kiosk's long-poll to end)
    assert core.cancel(session.out_trade_no).state is State.CANCELLED  # the close waits in the outbox
    world.sandbox.pay(session.code_url)  # the customer had already scanned
    world.start_relay_at(url)

    late = core.wait_for(session.out_trade_no, lambda s: s.settled, 30)
    assert late.state is State.PAID_AFTER_CANCEL and late.transaction_id and late.ended_by == "clerk"
    assert [event.session.out_trade_no for event in recorder.of(PaidAfterCancel)] == [session.out_trade_no]
    assert [s.out_trade_no for s in core.paid_after_cancel()] == [session.out_trade_no]
    wait_until(lambda: printed(core, receipt_job_key(session.out_trade_no)), message="receipt of the late payment")

    refund = core.refund(session.out_trade_no, late.amount_fen, "顾客已取消")
    assert refund.out_refund_no == f"{session.out_trade_no}R1" and refund.state == "REQUESTED"
    wait_until(
        lambda: core.refunds(session.out_trade_no)[0].state == "SUCCESS",
        timeout=30,
        message="refund succeeded",
    )
    assert any(e.state == "SUCCESS" for e in recorder.of(RefundChanged))


def test_an_abnormal_refund_holds_its_amount_until_handled_in_the_merchant_platform(world: World) -> None:
    core = world.core()
    recorder = recording(core)
    session = awaiting(core, sell(core))
    assert session.code_url and session.amount_fen == 2000
    world.sandbox.pay(session.code_url)
    otn = core.wait_for(session.out_trade_no, lambda s: s.is_paid, 15).out_trade_no

    world.sandbox.settings(refund_outcome="ABNORMAL")  # the customer's card was closed
    try:
        refund = core.refund(otn, 500, "顾客退货")
        wait_until(lambda: core.refunds(otn)[0].state == "ABNORMAL", timeout=30, message="refund ended ABNORMAL")
    finally:
        world.sandbox.settings(refund_outcome="SUCCESS")
    assert any(e.state == "ABNORMAL" for e in recorder.of(RefundChanged))
    with pytest.raises(SessionError, match="exceeds what is left"):
        core.refund(otn, 1501, "再退一次")  # the 500 left the merchant: refunding it again would pay twice

    # Handled in the merchant platform (no notification comes): the manager's re-query finds it.
    world.sandbox.control("POST", "/sandbox/v1/refunds", {"out_refund_no": refund.out_refund_no})
    core.requery(otn)
    wait_until(lambda: core.refunds(otn)[0].state == "SUCCESS", timeout=30, message="refund found SUCCESS")
    [done] = core.refunds(otn)
    assert done.success_time is not None and done.refund_id
    assert relay_order(world, otn)["refunded_fen"] == 500


def test_expiry_closes_the_order(world: World) -> None:
    clock = MovableClock()
    core = world.core(clock=clock)
    core.start()
    session = awaiting(core, sell(core))
    clock.advance(301)
    expired = core.wait_for(session.out_trade_no, lambda s: s.settled, 15)
    assert (expired.state, expired.ended_by, expired.trade_state) == (State.EXPIRED, "expiry", "CLOSED")
    assert sandbox_order(world, session.out_trade_no)[0]["trade_state"] == "CLOSED"


def test_restart_resumes_an_open_payment_and_prints_once(world: World, tmp_path: Path) -> None:
    config = world.config()
    first = world.core(config)
    first.start()
    session = awaiting(first, sell(first))
    assert session.code_url
    first.stop()
    world.sandbox.pay(session.code_url)

    second = world.core(config)
    assert second.start() == [session.out_trade_no]
    paid = second.wait_for(session.out_trade_no, lambda s: s.is_paid, 20)
    assert paid.state is State.PAID
    key = receipt_job_key(session.out_trade_no)
    wait_until(lambda: printed(second, key), message="receipt printed after restart")
    assert len([job for job in second.print_queue.jobs() if job.job_key == key]) == 1
    assert "recovered" in [e.kind for e in second.order_events(session.out_trade_no)]


@pytest.mark.parametrize("mode", ["ask", "never"])
def test_a_receipt_the_clerk_prints_is_the_original_the_first_time(world: World, mode: str) -> None:
    core = world.core(world.config(receipt=mode))
    recorder = recording(core)
    session = awaiting(core, sell(core))
    assert session.code_url
    world.sandbox.pay(session.code_url)
    core.wait_for(session.out_trade_no, lambda s: s.is_paid, 15)
    key = receipt_job_key(session.out_trade_no)
    # Paid, and nothing on its way to the printer: the clerk decides.
    assert not [c for c in core.journal.commands(session.out_trade_no) if c.kind == "print_receipt"]
    assert not [job for job in core.print_queue.jobs() if job.job_key == key]

    assert core.print_receipt(session.out_trade_no) == key
    wait_until(lambda: printed(core, key), message="the receipt the clerk asked for")
    core.print_receipt(session.out_trade_no)  # the customer wants a second one
    wait_until(lambda: len(printed(core, key)) == 2, message="the reprint")
    assert [job.reprint for job in reversed(core.print_queue.jobs())] == [False, True]  # type: ignore[attr-defined]
    assert [e.reprint for e in recorder.of(PrintSubmitted)] == [False, True]


def test_a_receipt_printed_by_itself_is_reprinted_marked(world: World) -> None:
    core = world.core()
    recording(core)
    session = awaiting(core, sell(core))
    assert session.code_url
    world.sandbox.pay(session.code_url)
    key = receipt_job_key(session.out_trade_no)
    wait_until(lambda: printed(core, key), message="the receipt")
    core.print_receipt(session.out_trade_no)
    wait_until(lambda: len(printed(core, key)) == 2, message="the reprint")
    assert [job.reprint for job in reversed(core.print_queue.jobs())] == [False, True]  # type: ignore[attr-defined]
    unpaid = sell(core)
    with pytest.raises(SessionError):
        core.print_receipt(unpaid.out_trade_no)


def test_relay_killed_while_waiting_then_back(world: World) -> None:
    core = world.core()
    recorder = recording(core)
    session = awaiting(core, sell(core))
    assert session.code_url
    assert world.relay is not None
    url = world.relay_url
    world.relay.kill()  # power cut at the relay while the kiosk long-polls
    world.relay = None
    wait_until(lambda: [e for e in recorder.of(ConnectionChanged) if not e.online], message="offline")
    world.sandbox.pay(session.code_url)  # its notification cannot be delivered now
    world.start_relay_at(url)
    paid = core.wait_for(session.out_trade_no, lambda s: s.is_paid, 30)
    assert paid.state is State.PAID and paid.transaction_id
    assert recorder.of(ConnectionChanged)[-1].online is True


def test_a_wrong_token_shows_as_not_authorized_not_offline(world: World) -> None:
    core = world.core(world.config(relay_token="not-the-kiosk-token"))
    recorder = recording(core)
    wait_until(lambda: recorder.of(ConnectionChanged), message="the first heartbeat")
    assert recorder.of(ConnectionChanged)[0] == ConnectionChanged(True, "the relay refused this kiosk's token", False)
    assert (core.online, core.authorized) == (True, False)


def test_a_revoked_token_shows_as_not_authorized_at_the_next_heartbeat(world: World) -> None:
    # A credential of its own: the module's relay serves the other tests with kiosk-1.
    spare = add_kiosk(world.credentials.config_path, world.credentials.store_id)
    ping = f"{world.relay_url}/v1/ping"
    headers = {"Authorization": f"Bearer {spare['token']}"}
    wait_until(lambda: httpx.get(ping, headers=headers, timeout=10).status_code == 200, message="relay reloaded")
    core = world.core(world.config(relay_token=spare["token"], kiosk_id=spare["kiosk_id"]), heartbeat_seconds=0.2)
    recorder = recording(core)
    wait_until(lambda: core.authorized and core.online, message="online with the new credential")
    run_cli(["remove-kiosk", "--config", str(world.credentials.config_path), "--id", spare["kiosk_id"]])
    wait_until(lambda: not core.authorized, timeout=15, message="not authorized once revoked")
    changes = recorder.of(ConnectionChanged)
    assert [(e.online, e.authorized) for e in changes] == [(True, True), (True, False)]
