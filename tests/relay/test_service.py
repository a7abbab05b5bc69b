"""The relay core with a fake WeChat Pay, on each storage engine: active queries, expiry closes, convergence
with notifications."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from kiosk.clock import CHINA_TZ
from kiosk.relay.config import Kiosk, init_config, load_config
from kiosk.relay.gateway import (
    PaymentNotice,
    TradeReport,
)
from kiosk.relay.reconciler import Reconciler
from kiosk.relay.service import Relay
from kiosk.relay.storage import open_storage
from kiosk.wire import OrderCreate, OrderView, decode
from tests.support.gateway import FakeWeChat
from tests.support.relay import ENGINES, database_for


class FakeClock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 3, 1, 12, 0, tzinfo=CHINA_TZ)

    def now(self) -> datetime:
        return self.moment


Parts = tuple[Relay, FakeWeChat, FakeClock]
KIOSK = Kiosk("kiosk-1", "store-1", "kiosk", "0" * 64)


@pytest.fixture(params=ENGINES)
def parts(request: pytest.FixtureRequest, sandbox_dir: Path, tmp_path: Path) -> Parts:
    init_config(sandbox_dir, 0, tmp_path / "relay.toml")
    config = load_config(tmp_path / "relay.toml")
    storage = open_storage(database_for(request.param, request) or config.storage.where)
    wechat, clock = FakeWeChat(), FakeClock()
    relay = Relay(config, wechat, storage, clock)
    relay.base_url = "http://127.0.0.1:1"
    return relay, wechat, clock


T = TypeVar("T")


def run(relay: Relay, scenario: Coroutine[Any, Any, T]) -> T:
    """Run ``scenario``, then close the relay's storage on the same event loop (an engine's pool lives there)."""

    async def main() -> T:
        try:
            return await scenario
        finally:
            await relay.storage.aclose()

    return asyncio.run(main())


def new_order(out_trade_no: str) -> OrderCreate:
    return OrderCreate(out_trade_no=out_trade_no, description="d", amount_fen=100)


def paid(out_trade_no: str, amount_fen: int = 100) -> TradeReport:
    return TradeReport(
        out_trade_no,
        "SUCCESS",
        "支付成功",
        "4200000000000000000000000001",
        datetime(2026, 3, 1, 12, 0, 30, tzinfo=CHINA_TZ),
        amount_fen,
        amount_fen,
    )


def test_the_reconciler_finds_a_payment_by_query(parts: Parts) -> None:
    relay, wechat, _ = parts

    async def scenario() -> OrderView:
        await relay.create_order(KIOSK, new_order("Q000000001"))
        wechat.states["Q000000001"] = paid("Q000000001")
        await Reconciler(relay)._order("Q000000001")
        return await relay.order_for(KIOSK, "Q000000001")

    order = run(relay, scenario())
    assert (order.state, order.version, order.payer_total_fen) == ("SUCCESS", 2, 100)
    assert ("query", "Q000000001") in wechat.calls


def test_an_expired_order_is_closed_at_wechat_pay(parts: Parts) -> None:
    relay, wechat, clock = parts

    async def scenario() -> OrderView:
        await relay.create_order(KIOSK, new_order("Q000000002"))
        clock.moment += timedelta(seconds=relay.config.orders.default_expire_seconds + 10)
        await Reconciler(relay)._order("Q000000002")
        return await relay.order_for(KIOSK, "Q000000002")

    assert run(relay, scenario()).state == "CLOSED"
    assert wechat.calls[-1] == ("close", "Q000000002")


def test_closing_an_expired_order_that_was_paid_meanwhile_records_the_payment(parts: Parts) -> None:
    relay, wechat, clock = parts

    async def scenario() -> OrderView:
        await relay.create_order(KIOSK, new_order("Q000000003"))
        wechat.states["Q000000003"] = paid("Q000000003")
        clock.moment += timedelta(hours=1)
        await Reconciler(relay)._order("Q000000003")
        return await relay.order_for(KIOSK, "Q000000003")

    assert run(relay, scenario()).state == "SUCCESS"
    assert wechat.calls[-2:] == [("close", "Q000000003"), ("query", "Q000000003")]


def test_queries_and_notifications_converge_on_one_change(parts: Parts) -> None:
    relay, wechat, _ = parts

    async def scenario() -> tuple[str, str, OrderView]:
        await relay.create_order(KIOSK, new_order("Q000000004"))
        wechat.states["Q000000004"] = paid("Q000000004")
        await relay.refresh("Q000000004")
        late = await relay.handle_notification(PaymentNotice("N-1", "TRANSACTION.SUCCESS", paid("Q000000004")))
        again = await relay.handle_notification(PaymentNotice("N-1", "TRANSACTION.SUCCESS", paid("Q000000004")))
        return late, again, await relay.order_for(KIOSK, "Q000000004")

    late, again, order = run(relay, scenario())
    assert (late, again) == ("stale", "duplicate")
    assert (order.state, order.version) == ("SUCCESS", 2)


def test_a_payment_for_another_merchant_is_not_applied(parts: Parts) -> None:
    relay, _, _ = parts

    async def scenario() -> tuple[str, OrderView]:
        await relay.create_order(KIOSK, new_order("Q000000005"))
        status = TradeReport("Q000000005", "SUCCESS", total_fen=100, mchid="1999999999")
        outcome = await relay.handle_notification(PaymentNotice("N-2", "TRANSACTION.SUCCESS", status))
        return outcome, await relay.order_for(KIOSK, "Q000000005")

    outcome, order = run(relay, scenario())
    assert outcome == "mismatch" and order.state == "NOTPAY"


def test_the_reconciler_run_loop_queries_a_watched_order_soon(parts: Parts) -> None:
    relay, wechat, _ = parts

    async def scenario() -> OrderView:
        await relay.create_order(KIOSK, new_order("Q000000006"))
        wechat.states["Q000000006"] = paid("Q000000006")
        reconciler = Reconciler(relay)
        relay.hub.on_interest = reconciler.kiosk_waiting
        loop = asyncio.create_task(reconciler.run())
        try:
            answer = await relay.watch_order(KIOSK, "Q000000006", since=1, wait=10, refresh=False)
        finally:
            loop.cancel()
            await asyncio.gather(loop, return_exceptions=True)
            await reconciler.stop()
        return decode(OrderView, answer)  # the long-poll's answer is the contract's encoded view

    assert run(relay, scenario()).state == "SUCCESS"


@pytest.mark.parametrize("trade_state", ["USERPAYING", "PAYERROR"])
def test_a_kiosk_close_closes_every_payable_order_at_wechat_pay(parts: Parts, trade_state: str) -> None:
    relay, wechat, _ = parts
    number = f"Q0000007{len(trade_state):02d}"

    async def scenario() -> tuple[OrderView, OrderView]:
        await relay.create_order(KIOSK, new_order(number))
        wechat.states[number] = TradeReport(number, trade_state)
        await relay.refresh(number)
        seen = await relay.order_for(KIOSK, number)
        return seen, await relay.close_order(KIOSK, number)

    seen, closed = run(relay, scenario())
    assert seen.state == trade_state
    assert closed.state == "CLOSED" and wechat.calls[-1] == ("close", number)


def test_every_refusal_of_the_core_has_its_http_status() -> None:
    from kiosk.relay.app import STATUS
    from kiosk.wire import ErrorCode

    # HTTP_ERROR is Starlette's own (any other status of the routing layer), answered with that status.
    assert set(STATUS) == set(ErrorCode) - {ErrorCode.HTTP_ERROR}
    assert STATUS[ErrorCode.REFUND_REJECTED] == 409 and STATUS[ErrorCode.WECHATPAY_UNAVAILABLE] == 503
