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
from kiosk.relay.service import Relay, order_draft
from kiosk.relay.storage import CodePayDraft, open_storage
from kiosk.trade import TradeType
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
        await relay.create_order(KIOSK, new_order("store1-Q000000001"))
        wechat.states["store1-Q000000001"] = paid("store1-Q000000001")
        await Reconciler(relay)._order("store1-Q000000001")
        return await relay.order_for(KIOSK, "store1-Q000000001")

    order = run(relay, scenario())
    assert (order.state, order.version, order.payer_total_fen) == ("SUCCESS", 2, 100)
    assert ("query", "store1-Q000000001") in wechat.calls


def test_an_expired_order_is_closed_at_wechat_pay(parts: Parts) -> None:
    relay, wechat, clock = parts

    async def scenario() -> OrderView:
        await relay.create_order(KIOSK, new_order("store1-Q000000002"))
        clock.moment += timedelta(seconds=relay.config.orders.default_expire_seconds + 10)
        await Reconciler(relay)._order("store1-Q000000002")
        return await relay.order_for(KIOSK, "store1-Q000000002")

    assert run(relay, scenario()).state == "CLOSED"
    assert wechat.calls[-1] == ("close", "store1-Q000000002")


def test_closing_an_expired_order_that_was_paid_meanwhile_records_the_payment(parts: Parts) -> None:
    relay, wechat, clock = parts

    async def scenario() -> OrderView:
        await relay.create_order(KIOSK, new_order("store1-Q000000003"))
        wechat.states["store1-Q000000003"] = paid("store1-Q000000003")
        clock.moment += timedelta(hours=1)
        await Reconciler(relay)._order("store1-Q000000003")
        return await relay.order_for(KIOSK, "store1-Q000000003")

    assert run(relay, scenario()).state == "SUCCESS"
    assert wechat.calls[-2:] == [("close", "store1-Q000000003"), ("query", "store1-Q000000003")]


def test_queries_and_notifications_converge_on_one_change(parts: Parts) -> None:
    relay, wechat, _ = parts

    async def scenario() -> tuple[str, str, OrderView]:
        await relay.create_order(KIOSK, new_order("store1-Q000000004"))
        wechat.states["store1-Q000000004"] = paid("store1-Q000000004")
        await relay.refresh("store1-Q000000004")
        late = await relay.handle_notification(PaymentNotice("N-1", "TRANSACTION.SUCCESS", paid("store1-Q000000004")))
        again = await relay.handle_notification(PaymentNotice("N-1", "TRANSACTION.SUCCESS", paid("store1-Q000000004")))
        return late, again, await relay.order_for(KIOSK, "store1-Q000000004")

    late, again, order = run(relay, scenario())
    assert (late, again) == ("stale", "duplicate")
    assert (order.state, order.version) == ("SUCCESS", 2)


def test_a_payment_for_another_merchant_is_not_applied(parts: Parts) -> None:
    relay, _, _ = parts

    async def scenario() -> tuple[str, OrderView]:
        await relay.create_order(KIOSK, new_order("store1-Q000000005"))
        status = TradeReport("store1-Q000000005", "SUCCESS", total_fen=100, mchid="1999999999")
        outcome = await relay.handle_notification(PaymentNotice("N-2", "TRANSACTION.SUCCESS", status))
        return outcome, await relay.order_for(KIOSK, "store1-Q000000005")

    outcome, order = run(relay, scenario())
    assert outcome == "mismatch" and order.state == "NOTPAY"


def test_the_reconciler_run_loop_queries_a_watched_order_soon(parts: Parts) -> None:
    relay, wechat, _ = parts

    async def scenario() -> OrderView:
        await relay.create_order(KIOSK, new_order("store1-Q000000006"))
        wechat.states["store1-Q000000006"] = paid("store1-Q000000006")
        reconciler = Reconciler(relay)
        relay.on_kiosk_waiting = reconciler.kiosk_waiting
        loop = asyncio.create_task(reconciler.run())
        try:
            answer = await relay.watch_order(KIOSK, "store1-Q000000006", since=1, wait=10, refresh=False)
        finally:
            loop.cancel()
            await asyncio.gather(loop, return_exceptions=True)
            await reconciler.stop()
        return decode(OrderView, answer)  # the long-poll's answer is the contract's encoded view

    assert run(relay, scenario()).state == "SUCCESS"


def test_long_polls_on_a_payment_code_order_queue_nothing_for_the_native_reconciler(parts: Parts) -> None:
    """A payment-code order is queried by its own flow (codepay.py): a kiosk watching it hands the reconciler no
    work (it used to schedule a job per long-poll, which the reconciler then dropped). A Native order a kiosk
    waits on still gets its query."""
    relay, wechat, clock = parts
    native, code = "store1-Q000000010", "store1-C000000010"

    async def scenario() -> tuple[list[str], bool, str]:
        handed: list[str] = []
        reconciler = Reconciler(relay)

        def kiosk_waiting(number: str) -> None:
            handed.append(number)
            reconciler.kiosk_waiting(number)

        relay.on_kiosk_waiting = kiosk_waiting
        flow = CodePayDraft(payment_code="1300********1234", device_ip="127.0.0.1", charged_at=clock.now())
        expires = clock.now() + timedelta(seconds=45)
        draft = order_draft(KIOSK, new_order(code), TradeType.MICROPAY, time_expire=expires, at=clock.now())
        await relay.storage.insert_codepay(draft, flow)
        await relay.apply_report(TradeReport(code, "USERPAYING"), "codepay")  # the customer types the password
        await relay.create_order(KIOSK, new_order(native))
        wechat.states[native] = paid(native)
        wechat.states[code] = TradeReport(code, "USERPAYING", trade_type="MICROPAY")
        loop = asyncio.create_task(reconciler.run())
        try:
            for _ in range(5):
                await relay.watch_order(KIOSK, code, since=2, wait=0.05, refresh=False)
            answer = await relay.watch_order(KIOSK, native, since=1, wait=10, refresh=False)
        finally:
            loop.cancel()
            await asyncio.gather(loop, return_exceptions=True)
            await reconciler.stop()
        return handed, reconciler.watched(code), str(answer["state"])

    handed, code_watched, state = run(relay, scenario())
    assert handed == [native] and not code_watched
    assert state == "SUCCESS" and ("query", native) in wechat.calls
    assert ("query", code) not in wechat.calls


@pytest.mark.parametrize("trade_state", ["USERPAYING", "PAYERROR"])
def test_a_kiosk_close_closes_every_payable_order_at_wechat_pay(parts: Parts, trade_state: str) -> None:
    relay, wechat, _ = parts
    number = f"store1-Q0000007{len(trade_state):02d}"

    async def scenario() -> tuple[OrderView, OrderView]:
        await relay.create_order(KIOSK, new_order(number))
        wechat.states[number] = TradeReport(number, trade_state)
        await relay.refresh(number)
        seen = await relay.order_for(KIOSK, number)
        return seen, await relay.close_order(KIOSK, number)

    seen, closed = run(relay, scenario())
    assert seen.state == trade_state
    assert closed.state == "CLOSED" and wechat.calls[-1] == ("close", number)


def test_four_hundred_refreshes_of_one_order_make_one_query_in_its_turn(parts: Parts) -> None:
    """refresh=1 is single-flight per order and paced with the relay's other queries (it made 399 of 400)."""
    relay, wechat, _ = parts
    number = "store1-Q000000008"

    async def scenario() -> tuple[list[str], str]:
        await relay.create_order(KIOSK, new_order(number))
        wechat.states[number] = paid(number)
        wechat.query_delay = 0.3  # every refresh below arrives while the first query is out
        answers = await asyncio.gather(
            *(relay.watch_order(KIOSK, number, since=None, wait=0, refresh=True) for _ in range(400))
        )
        later = await relay.watch_order(KIOSK, number, since=None, wait=0, refresh=True)  # paid: nothing to ask
        return [answer["state"] for answer in answers], later["state"]

    states, later = run(relay, scenario())
    assert states == ["SUCCESS"] * 400 and later == "SUCCESS"
    assert wechat.calls.count(("query", number)) == 1 and relay.pacer.turns == 1


def test_a_refresh_right_after_a_query_asks_nothing_and_one_given_up_on_still_lands(parts: Parts) -> None:
    relay, wechat, _ = parts
    number = "store1-Q000000009"

    async def scenario() -> tuple[bool, str, str]:
        await relay.create_order(KIOSK, new_order(number))
        await relay.refresh(number)  # NOTPAY
        wechat.states[number] = paid(number)
        fresh = await relay.watch_order(KIOSK, number, since=None, wait=0, refresh=True)  # within a second
        wechat.query_delay = 0.3
        relay._queried.clear()  # as if a second had passed
        caller = asyncio.ensure_future(relay.refresh(number))
        await asyncio.sleep(0.1)
        caller.cancel()  # a kiosk that hung up: the query goes on for whoever else asks
        await asyncio.sleep(0.4)
        return caller.cancelled(), fresh["state"], (await relay.order_for(KIOSK, number)).state

    cancelled, fresh, landed = run(relay, scenario())
    assert cancelled and fresh == "NOTPAY" and landed == "SUCCESS"
    assert wechat.calls.count(("query", number)) == 2


def test_the_pacer_spaces_calls_to_wechat_pay() -> None:
    from kiosk.relay.service import QueryPacer

    pacer = QueryPacer(per_second=50)

    async def scenario() -> float:
        started = asyncio.get_running_loop().time()
        await asyncio.gather(*(pacer.turn() for _ in range(10)))
        return asyncio.get_running_loop().time() - started

    assert asyncio.run(scenario()) >= 9 * 0.02 - 0.001 and pacer.turns == 10


def test_a_reverse_waiting_for_a_turn_goes_before_every_query_and_a_caller_that_gives_up_takes_none() -> None:
    """The payment-code flows share the pacer: a reverse (WeChat Pay reverses by itself at 45 s, a clerk may be
    waiting) is never starved by the queries queued before it."""
    from kiosk.relay.service import Priority, QueryPacer

    pacer = QueryPacer(per_second=50)
    went: list[str] = []

    async def call(name: str, priority: Priority) -> None:
        await pacer.turn(priority)
        went.append(name)

    async def scenario() -> None:
        await pacer.turn()  # the free turn: everyone after this waits
        queries = [asyncio.create_task(call(f"query {n}", Priority.ROUTINE)) for n in range(4)]
        gone = asyncio.create_task(call("gone", Priority.ROUTINE))
        await asyncio.sleep(0)  # all queued
        gone.cancel()  # a kiosk that hung up
        codepay = asyncio.create_task(call("codepay query", Priority.CODEPAY))
        reverse = asyncio.create_task(call("reverse", Priority.REVERSE))
        await asyncio.gather(*queries, codepay, reverse)

    asyncio.run(scenario())
    assert went == ["reverse", "codepay query", "query 0", "query 1", "query 2", "query 3"]
    assert pacer.turns == 7  # the free one and six: none for the caller that gave up


def test_every_refusal_of_the_core_has_its_http_status() -> None:
    from kiosk.relay.app import STATUS
    from kiosk.wire import ErrorCode

    # HTTP_ERROR is Starlette's own (any other status of the routing layer), answered with that status.
    assert set(STATUS) == set(ErrorCode) - {ErrorCode.HTTP_ERROR}
    assert STATUS[ErrorCode.REFUND_REJECTED] == 409 and STATUS[ErrorCode.WECHATPAY_UNAVAILABLE] == 503


def test_a_number_is_the_stores_only_in_its_fields_form_and_under_the_stores_prefix() -> None:
    """One rule for every number a kiosk names (``store_number``): what it may create and what it may look up."""
    from kiosk.relay.service import RequestRefused, store_number

    assert store_number(KIOSK, "store1-Q000000001", "out_trade_no")
    assert store_number(KIOSK, "store1-R1@a", "out_refund_no")  # '@' and short numbers: a refund's form only
    assert not store_number(KIOSK, "store1-R1@a", "out_trade_no")
    assert not store_number(KIOSK, "store1-" + "9" * 26, "out_trade_no")  # 33 characters
    assert not store_number(KIOSK, "store2-Q000000001", "out_trade_no")  # another store's
    assert not store_number(KIOSK, "Q000000001", "out_trade_no")
    with pytest.raises(RequestRefused) as refused:
        Relay.new_number(KIOSK, "store2-Q000000001", "out_trade_no")
    assert refused.value.details == {"field": "out_trade_no"} and "'store1-'" in refused.value.message
