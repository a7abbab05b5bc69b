"""Payment code (付款码) through the kiosk core, the real relay and the real sandbox, for every sandbox scenario.

The relay and the cores share a clock the test moves with the sandbox's (``world.advance``): the customer's
password, the relay's polls, its deadline and its reverse pass without sleeping. Each case ends with the journal,
the receipt and WeChat Pay (the sandbox) agreeing, nothing charged twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.checkout import CartError, KioskCore, PaymentSession, State
from kiosk.checkout.codepay import OtherWallet, PaymentCodeRefused, PaymentInFlight
from kiosk.checkout.session_manager import receipt_job_key
from kiosk.trade import CodePayFailure, TradeType
from kiosk.wechatpay.paycode import PaymentCodeKind
from tests.checkout.conftest import Recorder, World, wait_until
from tests.support.world import start_world, stop_world


@pytest.fixture(scope="module")
def moved_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    world = start_world(tmp_path_factory.mktemp("codepay-world"), moved_clock=True)
    yield world
    stop_world(world)


@pytest.fixture
def world(moved_world: World, tmp_path: Path) -> Iterator[World]:
    """The module's sandbox and relay (on the moved clock), with this test's own kiosk data directories."""
    moved_world.root = tmp_path
    yield moved_world
    moved_world.stop_cores()


def started(world: World, **options: object) -> KioskCore:
    core = world.core(**options)  # type: ignore[arg-type]
    core.start()
    return core


def code_sale(core: KioskCore, code: str, *, replaces: str | None = None) -> PaymentSession:
    cart = core.new_cart()
    cart.add_code("CAF-002")
    cart.add_code("6921168509256", 2)
    return core.charge_code(cart, code, replaces=replaces)


def until(core: KioskCore, session: PaymentSession, check: Callable[[PaymentSession], bool]) -> PaymentSession:
    return core.wait_for(session.out_trade_no, check, 15)


def remote(world: World, out_trade_no: str) -> list[dict[str, object]]:
    return [order for order in world.sandbox.orders() if order["out_trade_no"] == out_trade_no]


def receipts(core: KioskCore, out_trade_no: str) -> list[object]:
    key = receipt_job_key(out_trade_no)
    return [job for job in core.print_queue.jobs() if job.job_key == key and job.state == "printed"]


@dataclass(frozen=True)
class Case:
    """Moves of the clock (seconds) after the scan, and how the sale ends."""

    moves: tuple[int, ...]
    state: State
    failure: CodePayFailure | None = None
    remote: str = "SUCCESS"
    password_seconds: int = 8


CASES = {
    "success": Case((), State.PAID),
    "password_then_success": Case((10,), State.PAID),
    "password_then_failure": Case((10, 5), State.FAILED, CodePayFailure.PAYMENT_FAILED, "REVOKED"),
    "password_never": Case((30,), State.FAILED, CodePayFailure.NOT_CONFIRMED, "REVOKED"),
    "insufficient_funds": Case((15,), State.FAILED, CodePayFailure.INSUFFICIENT_FUNDS, "REVOKED"),
    "invalid_code": Case((15,), State.FAILED, CodePayFailure.CODE_REJECTED, "REVOKED"),
    "expired_code": Case((15,), State.FAILED, CodePayFailure.CODE_REJECTED, "REVOKED"),
    "system_error_paid": Case((5,), State.PAID),
    "system_error_unrecorded": Case((5,), State.PAID),
    "bank_error": Case((5,), State.PAID, password_seconds=4),
    "rate_limited": Case((5,), State.PAID),
}


def test_every_sandbox_scenario_has_a_case(world: World) -> None:
    scenarios = world.sandbox.control("GET", "/sandbox/v1/payment-codes")["scenarios"]
    assert {s["name"] for s in scenarios} == set(CASES)


@pytest.mark.parametrize("scenario", sorted(CASES))
def test_each_scenario_ends_in_the_journal_on_the_receipt_and_at_wechat_pay_alike(world: World, scenario: str) -> None:
    case = CASES[scenario]
    core = started(world)
    code = world.sandbox.payment_code(scenario, password_seconds=case.password_seconds)
    session = code_sale(core, code)
    assert (session.state, session.method) == (State.CREATING, TradeType.MICROPAY)
    assert session.payment_code == code_mask(code)
    answered = until(core, session, lambda s: s.state is not State.CREATING)
    if scenario.startswith("password"):
        assert (answered.state, answered.trade_state) == (State.AWAITING_PAYMENT, "USERPAYING")  # 请顾客输入支付密码
    for seconds in case.moves:  # each move changes the order: the relay has acted before the next one
        before = core.session(session.out_trade_no).version
        world.advance(seconds)
        wait_until(lambda: core.session(session.out_trade_no).version > before, message=f"a change after {seconds} s")  # noqa: B023
    final = until(core, session, lambda s: s.settled and s.state is case.state)
    assert final.failure == case.failure
    [wechat] = remote(world, session.out_trade_no) or [None]
    if case.state is State.PAID:
        assert wechat is not None and wechat["trade_state"] == "SUCCESS"
        assert final.transaction_id == wechat["transaction_id"]
        wait_until(lambda: len(receipts(core, session.out_trade_no)) == 1, message="one receipt")
    else:
        assert wechat is None or wechat["trade_state"] == case.remote  # a refusal may leave no order at all
        assert receipts(core, session.out_trade_no) == []
    charges = [event for event in core.order_events(session.out_trade_no) if event.kind == "charge"]
    assert len(charges) == 1  # one attempt, one order


def code_mask(code: str) -> str:
    return "*" * 14 + code[-4:]


def test_the_journal_has_the_order_and_the_attempt_before_the_relay_hears_of_it_and_never_the_code(
    world: World,
) -> None:
    core = world.core()  # not started: nothing is sent
    code = world.sandbox.payment_code("success")
    session = code_sale(core, code)
    row = core.journal.order(session.out_trade_no)
    assert row is not None and (row.method, row.payment_code, row.state) == ("MICROPAY", code_mask(code), "creating")
    [charge] = core.order_events(session.out_trade_no)
    assert (charge.kind, charge.data["payment_code"]) == ("charge", code_mask(code))
    assert [c.kind for c in core.journal.pending_commands(session.out_trade_no)] == ["create"]
    assert remote(world, session.out_trade_no) == []
    core.start()
    until(core, session, lambda s: s.state is State.PAID)
    core.stop()
    stored = b"".join(p.read_bytes() for p in core.config.data_dir.glob("journal.sqlite3*"))
    assert code.encode() not in stored and code_mask(code).encode() in stored


def test_a_second_code_while_one_is_in_flight_is_refused(world: World) -> None:
    core = started(world)
    first = code_sale(core, world.sandbox.payment_code("password_then_success", password_seconds=8))
    until(core, first, lambda s: s.trade_state == "USERPAYING")
    with pytest.raises(PaymentInFlight):
        code_sale(core, world.sandbox.payment_code("success"))
    world.advance(10)
    until(core, first, lambda s: s.state is State.PAID)
    again = code_sale(core, world.sandbox.payment_code("success"))  # the next customer
    until(core, again, lambda s: s.state is State.PAID)


def test_after_a_failure_a_new_code_is_a_new_order_for_the_same_cart(world: World) -> None:
    core = started(world)
    failed = code_sale(core, world.sandbox.payment_code("insufficient_funds"))
    shown = until(core, failed, lambda s: s.state is State.FAILED)
    assert shown.failure == CodePayFailure.INSUFFICIENT_FUNDS and not shown.settled  # 换一张卡; reversed at 15 s
    second = code_sale(core, world.sandbox.payment_code("success"))
    assert second.out_trade_no != failed.out_trade_no
    until(core, second, lambda s: s.state is State.PAID)
    world.advance(15)
    until(core, failed, lambda s: s.settled and s.trade_state == "REVOKED")


def test_other_wallets_and_other_codes_are_refused_before_anything_is_journaled(world: World) -> None:
    core = world.core()
    alipay = "281234567890123456"
    with pytest.raises(OtherWallet) as caught:
        code_sale(core, alipay)
    assert (str(caught.value), caught.value.kind, caught.value.configured) == (
        "本店仅支持微信支付",
        PaymentCodeKind.ALIPAY,
        False,
    )
    with pytest.raises(OtherWallet) as union:
        code_sale(core, "6212345678901234567")
    assert union.value.kind is PaymentCodeKind.UNIONPAY
    shop = world.core(world.config("shop", other_wallet_message="请用微信付款码"))
    with pytest.raises(OtherWallet, match="请用微信付款码") as configured:
        code_sale(shop, alipay)
    assert configured.value.configured
    with pytest.raises(PaymentCodeRefused):
        code_sale(core, "6921168509256")  # a product's barcode
    with pytest.raises(CartError):
        core.charge_code(core.new_cart(), "134567890123456789")
    assert core.journal.count_orders() == 0


def test_cancel_while_the_customer_types_the_password_reverses(world: World) -> None:
    core = started(world)
    recorder = Recorder()
    core.subscribe(recorder)
    session = code_sale(core, world.sandbox.payment_code("password_then_success", password_seconds=60))
    until(core, session, lambda s: s.trade_state == "USERPAYING")
    cancelled = core.cancel(session.out_trade_no)
    assert (cancelled.state, cancelled.ended_by) == (State.CANCELLED, "clerk")
    world.advance(15)  # the relay reverses no sooner than 15 s after the charge
    settled = until(core, session, lambda s: s.settled)
    assert (settled.state, settled.trade_state, settled.failure) == (State.CANCELLED, "REVOKED", "cancelled")
    assert [o["trade_state"] for o in remote(world, session.out_trade_no)] == ["REVOKED"]
    world.advance(60)  # the password the customer types later pays nothing
    assert [o["trade_state"] for o in remote(world, session.out_trade_no)] == ["REVOKED"]


def test_a_code_instead_of_the_qr_cancels_the_qr_order_and_charges_the_code(world: World) -> None:
    core = started(world)
    cart = core.new_cart()
    cart.add_code("CAF-002")
    native = core.charge(cart)
    until(core, native, lambda s: s.state is State.AWAITING_PAYMENT)
    paid = core.charge_code(cart, world.sandbox.payment_code("success"), replaces=native.out_trade_no)
    until(core, paid, lambda s: s.state is State.PAID)
    closed = until(core, native, lambda s: s.settled)
    assert (closed.state, closed.trade_state) == (State.CANCELLED, "CLOSED")


def test_a_kiosk_restarted_while_the_customer_types_finds_the_payment(world: World) -> None:
    core = started(world)
    session = code_sale(core, world.sandbox.payment_code("password_then_success", password_seconds=8))
    until(core, session, lambda s: s.trade_state == "USERPAYING")
    core.stop()
    world.advance(10)
    again = world.core()
    assert again.start() == [session.out_trade_no]
    paid = until(again, session, lambda s: s.state is State.PAID)
    assert paid.transaction_id and len(remote(world, session.out_trade_no)) == 1
    wait_until(lambda: len(receipts(again, session.out_trade_no)) == 1, message="one receipt")


def test_a_kiosk_back_after_the_window_asks_the_relay_before_it_expires_the_order(world: World) -> None:
    core = started(world)
    paid_meanwhile = code_sale(core, world.sandbox.payment_code("password_then_success", password_seconds=20))
    until(core, paid_meanwhile, lambda s: s.trade_state == "USERPAYING")
    core.stop()
    world.advance(25)  # the customer pays at 20 s while the kiosk is off
    world.advance(60)  # the kiosk comes back long after its 60 s window (the relay may not have looked yet)
    again = started(world)
    paid = until(again, paid_meanwhile, lambda s: s.settled)
    assert paid.state is State.PAID  # not "expired", and not "paid after cancel"


def test_a_code_the_relay_never_received_fails_as_not_sent_after_a_restart(world: World) -> None:
    core = world.core()  # journaled, never started: the code dies with this process's memory
    session = code_sale(core, world.sandbox.payment_code("success"))
    core.stop()
    again = started(world)
    failed = until(again, session, lambda s: s.settled)
    assert (failed.state, failed.failure) == (State.FAILED, CodePayFailure.NOT_SENT)
    assert remote(world, session.out_trade_no) == []


@pytest.fixture
def own_world(tmp_path: Path) -> Iterator[World]:
    """A sandbox and relay of its own (on a moved clock): its bill holds this test's orders only."""
    world = start_world(tmp_path / "world", moved_clock=True)
    yield world
    stop_world(world)


def test_a_day_of_payment_codes_reconciles_against_the_next_mornings_bill(own_world: World) -> None:
    from kiosk.manager.reconcile import ReconCategory
    from kiosk.manager.service import ManagerService
    from kiosk.manager.training import advance_to_next_release

    world = own_world
    core = started(world)
    day = core.today()
    paid = until(core, code_sale(core, world.sandbox.payment_code("success")), lambda s: s.state is State.PAID)
    refunded = until(core, code_sale(core, world.sandbox.payment_code("success")), lambda s: s.state is State.PAID)
    refund = core.refund(refunded.out_trade_no, 500, "顾客退货")
    world.advance(6)  # WeChat Pay takes a few seconds to send a refund back
    wait_until(lambda: core.refunds(refunded.out_trade_no)[0].state == "SUCCESS", message="refund done")
    refused = code_sale(core, world.sandbox.payment_code("insufficient_funds"))
    until(core, refused, lambda s: s.state is State.FAILED)
    # The clerk cancels; the customer's password still goes through at 3 s; the reverse at 15 s gives it back.
    raced = code_sale(core, world.sandbox.payment_code("password_then_success", password_seconds=3))
    until(core, raced, lambda s: s.trade_state == "USERPAYING")
    core.cancel(raced.out_trade_no)
    world.advance(15)
    raced = until(core, raced, lambda s: s.settled)
    refused = until(core, refused, lambda s: s.settled)
    assert (raced.state, raced.trade_state, refused.trade_state) == (State.CANCELLED, "REVOKED", "REVOKED")
    native = core.new_cart()
    native.add_code("CAF-002")
    by_qr = until(core, core.charge(native), lambda s: s.state is State.AWAITING_PAYMENT)
    assert by_qr.code_url is not None
    world.sandbox.pay(by_qr.code_url)
    until(core, by_qr, lambda s: s.state is State.PAID)

    service = ManagerService(core)
    summary = service.day_report(day).summary
    assert [(m.method, m.count) for m in summary.by_method] == [("NATIVE", 1), ("MICROPAY", 2)]
    advance_to_next_release(world.sandbox.base_url)
    bill = service.fetch_bill(day).bill
    assert bill is not None
    outcome = service.reconcile(bill)
    found = {(i.category, i.out_trade_no, i.trade_type) for i in outcome.items}
    assert found == {
        (ReconCategory.MATCHED, paid.out_trade_no, "MICROPAY"),
        (ReconCategory.MATCHED, refunded.out_trade_no, "MICROPAY"),
        (ReconCategory.REFUND_MATCHED, refunded.out_trade_no, "MICROPAY"),
        (ReconCategory.REVERSED, raced.out_trade_no, "MICROPAY"),  # its payment row and its refund row
        (ReconCategory.MATCHED, by_qr.out_trade_no, "NATIVE"),
    }
    assert outcome.ok and [i.out_refund_no for i in outcome.items if i.out_refund_no] == [
        refund.out_refund_no,
        raced.out_trade_no,  # WeChat Pay's refund of the reversed payment
    ]


def test_an_order_the_relay_cannot_reverse_is_flagged_for_the_manager_until_it_can(world: World) -> None:
    from kiosk.manager.service import ManagerService

    core = started(world)
    session = code_sale(core, world.sandbox.payment_code("password_never"))
    until(core, session, lambda s: s.trade_state == "USERPAYING")
    reverse = f"/v3/pay/transactions/out-trade-no/{session.out_trade_no}/reverse"
    world.sandbox.fault("system_error", reverse, count=6)  # three of the relay's reverses (two tries each) fail
    world.advance(30)
    for wait in (2, 4):
        world.advance(wait)
    flagged = until(core, session, lambda s: s.unresolved)
    assert not flagged.settled
    assert [o.out_trade_no for o in core.unresolved_orders()] == [session.out_trade_no]
    summary = ManagerService(core).day_report().summary
    assert [case.out_trade_no for case in summary.unresolved] == [session.out_trade_no]
    world.advance(8)  # the next reverse goes through
    done = until(core, session, lambda s: s.settled)
    assert (done.state, done.trade_state, done.unresolved, done.failure) == (
        State.FAILED,
        "REVOKED",
        False,
        CodePayFailure.NOT_CONFIRMED,
    )
    assert core.unresolved_orders() == [] and ManagerService(core).day_report().summary.unresolved == ()
