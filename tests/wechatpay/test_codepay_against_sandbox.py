"""Payment-code payment end to end: the real client against the real sandbox process, for every scenario the
sandbox offers, in direct and partner mode (and with platform certificates), with reverse, faults and bills."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from kiosk.clock import CHINA_TZ
from kiosk.wechatpay import (
    APIError,
    CodePayOrder,
    CodePayOutcome,
    CodePayResult,
    DirectMerchant,
    RetryPolicy,
    WeChatPayClient,
)

from .test_against_sandbox import MODES, World, run, start_world, trade_no

PAID, PAYING, FAILED, UNKNOWN = (
    CodePayOutcome.PAID,
    CodePayOutcome.PAYING,
    CodePayOutcome.FAILED,
    CodePayOutcome.UNKNOWN,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A sandbox of its own: these tests move its clock (the password wait) and change its settings."""
    w = start_world(tmp_path_factory, "codepay", time_scale=1000.0)
    yield w
    w.sandbox.stop()


def code_order(world: World, scenario: str, amount_fen: int = 1200, **extra: object) -> CodePayOrder:
    return CodePayOrder(
        out_trade_no=trade_no("KC"),
        description="Kiosk 奶茶 x1",
        amount_fen=amount_fen,
        auth_code=world.sandbox.payment_code(scenario),
        device_ip="127.0.0.1",
        store_out_id="S001",
        device_id="TILL-01",
        **extra,  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class Expected:
    """What the charge answers, then what queries say after ``wait`` sandbox seconds."""

    charge: CodePayOutcome
    code: str | None
    after: CodePayOutcome
    state: str | None
    wait: float = 0.0


SCENARIOS = {
    "success": Expected(PAID, None, PAID, "SUCCESS"),
    "password_then_success": Expected(PAYING, None, PAID, "SUCCESS", wait=8),
    "password_then_failure": Expected(PAYING, None, FAILED, "PAYERROR", wait=8),
    "password_never": Expected(PAYING, None, FAILED, "REVOKED", wait=45),
    "insufficient_funds": Expected(FAILED, "NOT_ENOUGH", FAILED, "PAYERROR"),
    "invalid_code": Expected(FAILED, "TRADE_ERROR", FAILED, "PAYERROR"),
    "expired_code": Expected(FAILED, "TRADE_ERROR", FAILED, "PAYERROR"),
    "system_error_paid": Expected(UNKNOWN, "SYSTEM_ERROR", PAID, "SUCCESS"),
    "system_error_unrecorded": Expected(UNKNOWN, "SYSTEM_ERROR", UNKNOWN, None),
    "bank_error": Expected(UNKNOWN, "BANK_ERROR", PAID, "SUCCESS", wait=8),
    "rate_limited": Expected(UNKNOWN, "FREQUENCY_LIMITED", UNKNOWN, None),
}


def test_every_sandbox_scenario_is_covered(world: World) -> None:
    offered = [s["name"] for s in world.sandbox.control("GET", "/sandbox/v1/payment-codes")["scenarios"]]
    assert sorted(offered) == sorted(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("mode", MODES)
def test_scenario(world: World, mode: str, scenario: str) -> None:
    expected = SCENARIOS[scenario]
    order = code_order(world, scenario)

    async def flow() -> None:
        async with world.client(mode) as client:
            charged = await client.charge_codepay(order)
            assert (charged.outcome, charged.code) == (expected.charge, expected.code)
            assert charged.out_trade_no == order.out_trade_no and not charged.needs_fix
            if charged.outcome is PAID:
                assert charged.transaction is not None and charged.transaction.trade_type == "MICROPAY"
                assert charged.transaction.total_fen == 1200 and charged.transaction.transaction_id
            if charged.outcome is PAYING:
                assert (await client.query_codepay(order.out_trade_no)).trade_state == "USERPAYING"
            world.sandbox.advance(expected.wait)
            queried = await client.query_codepay(order.out_trade_no)
            assert (queried.outcome, queried.trade_state) == (expected.after, expected.state)
            if expected.state is None:  # nothing was recorded: the same charge may be sent once more
                assert queried.order_not_found
                again = await client.charge_codepay(order)
                assert again.outcome is PAID and again.transaction is not None
            elif queried.outcome is not PAID:
                await client.reverse_order(order.out_trade_no)  # what a till does with any unpaid end
                reversed_ = await client.query_codepay(order.out_trade_no)
                assert (reversed_.outcome, reversed_.trade_state) == (FAILED, "REVOKED")

    run(flow)


@pytest.mark.parametrize("mode", MODES)
def test_a_202_signed_with_the_platform_certificate_verifies(world: World, mode: str) -> None:
    order = code_order(world, "password_then_success")

    async def flow() -> None:
        async with world.client(mode, "certificates") as client:
            assert (await client.charge_codepay(order)).outcome is PAYING
            world.sandbox.advance(8)
            paid = await client.query_codepay(order.out_trade_no)
            assert paid.outcome is PAID and paid.transaction is not None and paid.transaction.paid

    run(flow)


@pytest.mark.parametrize("mode", MODES)
def test_reverse_of_a_paying_and_of_a_paid_order(world: World, mode: str) -> None:
    paying, paid = code_order(world, "password_then_success"), code_order(world, "success")

    async def flow() -> None:
        async with world.client(mode) as client:
            assert (await client.charge_codepay(paying)).outcome is PAYING
            await client.reverse_order(paying.out_trade_no)
            world.sandbox.advance(10)  # the customer enters the password after the reverse: nothing is paid
            late = await client.query_codepay(paying.out_trade_no)
            assert (late.outcome, late.trade_state) == (FAILED, "REVOKED")
            assert late.transaction is not None and late.transaction.transaction_id is None

            assert (await client.charge_codepay(paid)).outcome is PAID
            await client.reverse_order(paid.out_trade_no)
            refunded = await client.query_codepay(paid.out_trade_no)
            assert (refunded.outcome, refunded.trade_state) == (FAILED, "REVOKED")
            (row,) = [o for o in world.sandbox.orders() if o["out_trade_no"] == paid.out_trade_no]
            assert row["refunded"] == 1200

    run(flow)


def test_reverse_is_retried_until_it_answers_and_is_re_entrant(world: World) -> None:
    order = code_order(world, "password_never")
    path = f"/v3/pay/transactions/out-trade-no/{order.out_trade_no}/reverse"

    async def flow() -> None:
        async with world.client("direct") as client:
            assert (await client.charge_codepay(order)).outcome is PAYING
            world.sandbox.fault("system_error", path, count=3)
            with pytest.raises(APIError) as caught:  # the client's three attempts all fail …
                await client.reverse_order(order.out_trade_no)
            assert caught.value.code == "SYSTEM_ERROR" and caught.value.retryable
            assert (await client.query_codepay(order.out_trade_no)).outcome is PAYING
            world.sandbox.fault("drop_connection", path)  # … the next call's first attempt is lost …
            await client.reverse_order(order.out_trade_no)  # … and its retry answers
            await client.reverse_order(order.out_trade_no)  # reversing again answers 200 again
            assert (await client.query_codepay(order.out_trade_no)).trade_state == "REVOKED"
            await client.reverse_order(trade_no("KU"))  # an order WeChat Pay never saw: 200 by default
            world.sandbox.settings(codepay_reverse_unknown_ok=False)
            try:
                with pytest.raises(APIError) as unknown:
                    await client.reverse_order(trade_no("KU"))
                assert (unknown.value.status, unknown.value.code) == (404, "ORDER_NOT_EXIST")
            finally:
                world.sandbox.settings(codepay_reverse_unknown_ok=True)

    run(flow)


@pytest.mark.parametrize("mode", MODES)
def test_used_codes_order_numbers_and_close(world: World, mode: str) -> None:
    first = code_order(world, "success")

    async def flow() -> None:
        async with world.client(mode) as client:
            assert (await client.charge_codepay(first)).outcome is PAID
            reused = await client.charge_codepay(
                CodePayOrder(trade_no("KC"), "again", 1200, first.auth_code, "127.0.0.1", store_out_id="S001")
            )
            assert (reused.outcome, reused.code) == (FAILED, "TRADE_ERROR") and "一次" in (reused.message or "")
            taken = await client.charge_codepay(
                CodePayOrder(first.out_trade_no, "x", 1200, world.sandbox.payment_code(), "127.0.0.1", store_id="1")
            )
            assert (taken.outcome, taken.code) == (UNKNOWN, "OUT_TRADE_NO_USED")  # query the order holding it
            replay = await client.charge_codepay(first)  # the same request: the order as it stands
            assert replay.outcome is PAID
            with pytest.raises(APIError) as close:
                await client.close_order(first.out_trade_no)
            assert (close.value.status, close.value.code) == (400, "INVALID_REQUEST")
            await client.reverse_order(first.out_trade_no)
            closed = await client.charge_codepay(
                CodePayOrder(first.out_trade_no, "x", 1200, world.sandbox.payment_code(), "127.0.0.1", store_id="1")
            )
            assert (closed.outcome, closed.code) == (FAILED, "ORDER_CLOSED")

    run(flow)


def test_a_lost_answer_is_unknown_and_never_charged_twice(world: World) -> None:
    order = code_order(world, "success")

    async def flow() -> None:
        async with world.client("partner") as client:
            world.sandbox.fault("drop_connection", "/v3/pay/partner/transactions/codepay")
            lost = await client.charge_codepay(order)
            assert lost.outcome is UNKNOWN and lost.code is None and lost.error is not None
            found = await client.query_codepay(order.out_trade_no)
            assert found.outcome is PAID
        codes = world.sandbox.control("GET", "/sandbox/v1/payment-codes")["codes"]
        assert [c["state"] for c in codes if c["out_trade_no"] == order.out_trade_no] == ["used"]

    run(flow)


def test_configuration_errors_need_a_fix(world: World) -> None:
    order = code_order(world, "success")

    async def flow() -> None:
        info = world.info
        async with WeChatPayClient(
            world.credentials("direct", "public_key"),
            DirectMerchant(info["mchid"], "wx0000000000000000"),
            base_url=world.sandbox.base_url,
            retry=RetryPolicy.never(),
        ) as client:
            wrong_appid = await client.charge_codepay(order)
            assert (wrong_appid.outcome, wrong_appid.code, wrong_appid.needs_fix) == (
                FAILED,
                "APPID_MCHID_NOT_MATCH",
                True,
            )

    run(flow)


def test_no_notification_is_sent_and_bills_list_micropay(tmp_path_factory: pytest.TempPathFactory) -> None:
    w = start_world(tmp_path_factory, "codepay-bills", time_scale=1000.0)
    try:
        day = w.sandbox_now().date()
        kept, reversed_ = code_order(w, "success", 1234), code_order(w, "password_then_success", 500)

        async def charge() -> list[CodePayResult]:
            async with w.client("partner", "certificates") as client:
                results = [await client.charge_codepay(kept), await client.charge_codepay(reversed_)]
                w.sandbox.advance(8)
                results.append(await client.query_codepay(reversed_.out_trade_no))
                await client.reverse_order(reversed_.out_trade_no)
                return results

        assert [r.outcome for r in run(charge)] == [PAID, PAYING, PAID]
        listing = w.sandbox.notifications()
        assert listing["attempts"] == [] and listing["notifications"] == []
        tomorrow = datetime.combine(day + timedelta(days=1), datetime.min.time(), CHINA_TZ)
        w.sandbox.advance((tomorrow + timedelta(hours=10) - w.sandbox_now()).total_seconds())

        async def bill() -> None:
            async with w.client("partner") as client:
                rows = (await client.trade_bill(day)).rows
            assert {r.trade_type for r in rows} == {"MICROPAY"}
            assert sorted((r.out_trade_no, r.trade_state) for r in rows) == sorted(
                [
                    (kept.out_trade_no, "SUCCESS"),
                    (reversed_.out_trade_no, "SUCCESS"),
                    (reversed_.out_trade_no, "REFUND"),
                ]
            )
            (refund,) = [r for r in rows if r.trade_state == "REFUND"]
            assert refund.refund_fen == 500 and refund.out_refund_no == reversed_.out_trade_no

        run(bill)
    finally:
        w.sandbox.stop()
