"""No double charge: the rules (pure) and the core's answers over a real journal, relay and sandbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk.checkout import Cart, State
from kiosk.checkout.cart import CartSnapshot
from kiosk.checkout.catalogue import Catalogue, Category, Item
from kiosk.checkout.codepay import OtherWallet, PaymentCodeRefused
from kiosk.checkout.double_charge import (
    REPEAT_WINDOW,
    Order,
    goods_of_cart,
    goods_of_items,
    paid_within,
    plan_late_payment,
    repeat_of,
)
from kiosk.checkout.session import PaymentSession
from kiosk.clock import CHINA_TZ
from kiosk.journal import OrderItemRow
from kiosk.trade import TradeType
from tests.checkout.conftest import MovableClock, World
from tests.checkout.test_integration import awaiting, recording, sell
from tests.support.journaled import StandingClock, journal_core, journal_order

WATER = Item("W1", "6921168509256", "农夫山泉 550ml", "Water", 200, "drinks")
COLA = Item("C1", None, "可口可乐 330ml", "Coca-Cola", 350, "drinks")
BREAD = Item("B1", None, "肉松小贝", "Pork floss cake", 800, "bakery")
CATALOGUE = Catalogue(
    [Category("drinks", "饮料", "Drinks"), Category("bakery", "面包", "Bakery")], [WATER, COLA, BREAD]
)
NOW = datetime(2026, 12, 5, 14, 0, tzinfo=CHINA_TZ)


def cart(*lines: tuple[Item, int]) -> CartSnapshot:
    made = Cart(CATALOGUE)
    for item, quantity in lines:
        made.add(item, quantity)
    return made.snapshot()


def order(*lines: tuple[Item, int], number: int = 1, state: State = State.PAID, paid: datetime = NOW) -> Order:
    otn = f"S1-K1-20261205ABC{number:05d}"
    items = tuple(
        OrderItemRow(otn, n, item.sku, item.barcode, item.name_zh, item.name_en, item.category, q, item.price_fen, 0)
        for n, (item, q) in enumerate(lines, 1)
    )
    session = PaymentSession(
        out_trade_no=otn,
        amount_fen=sum(item.price_fen * q for item, q in lines),
        description="x",
        charged_at=paid - timedelta(seconds=30),
        expires_at=paid + timedelta(minutes=5),
        state=state,
        success_time=paid if state in (State.PAID, State.PAID_AFTER_CANCEL) else None,
    )
    return Order(session, items)


def test_goods_are_the_same_whatever_the_order_of_the_lines() -> None:
    assert goods_of_cart(cart((WATER, 2), (COLA, 1))) == goods_of_cart(cart((COLA, 1), (WATER, 2)))
    assert goods_of_cart(cart((WATER, 2), (COLA, 1))) == order((COLA, 1), (WATER, 2)).goods
    assert goods_of_cart(cart((WATER, 2))) != goods_of_cart(cart((WATER, 3)))
    assert goods_of_items(order((WATER, 1), (WATER, 2)).items) == (("W1", 3),)


def test_a_cart_identical_to_a_recent_payment_is_a_repeat() -> None:
    recent = [order((WATER, 2), (COLA, 1), number=1, paid=NOW - timedelta(minutes=4))]
    assert repeat_of(cart((COLA, 1), (WATER, 2)), recent, NOW) == recent[0]
    assert repeat_of(cart((COLA, 1), (WATER, 1)), recent, NOW) is None  # other quantities
    assert repeat_of(cart((COLA, 1), (WATER, 2), (BREAD, 1)), recent, NOW) is None  # more goods
    assert repeat_of(cart(), recent, NOW) is None
    # Longer ago than the window: a new customer buying the same is no repeat.
    assert repeat_of(cart((COLA, 1), (WATER, 2)), recent, NOW + REPEAT_WINDOW) is None


def test_the_newest_paid_order_is_named_and_unpaid_ones_never() -> None:
    older = order((COLA, 1), number=1, paid=NOW - timedelta(minutes=3))
    newer = order((COLA, 1), number=2, paid=NOW - timedelta(minutes=1))
    late = order((COLA, 1), number=3, state=State.PAID_AFTER_CANCEL, paid=NOW - timedelta(minutes=2))
    cancelled = order((COLA, 1), number=4, state=State.CANCELLED, paid=NOW)
    assert repeat_of(cart((COLA, 1)), [older, newer, late, cancelled], NOW) == newer
    assert repeat_of(cart((COLA, 1)), [late, cancelled], NOW) == late  # paid after cancel is paid
    assert repeat_of(cart((COLA, 1)), [cancelled], NOW) is None
    assert not paid_within(cancelled.session, NOW)


def test_a_late_payment_settles_a_cart_with_exactly_its_goods() -> None:
    late = order((WATER, 2), (COLA, 1), state=State.PAID_AFTER_CANCEL)
    plan = plan_late_payment(late, cart((COLA, 1), (WATER, 2)), None)
    assert (plan.settle_cart, plan.cancel, plan.cart_overlaps) == (True, None, False)


def test_a_late_payment_leaves_another_cart_alone_and_warns_when_it_shares_goods() -> None:
    late = order((WATER, 2), (COLA, 1), state=State.PAID_AFTER_CANCEL)
    more = plan_late_payment(late, cart((COLA, 1), (WATER, 2), (BREAD, 1)), None)
    assert (more.settle_cart, more.cart_overlaps) == (False, True)
    other = plan_late_payment(late, cart((BREAD, 1)), None)
    assert (other.settle_cart, other.cart_overlaps) == (False, False)
    empty = plan_late_payment(late, cart(), None)
    assert (empty.settle_cart, empty.cart_overlaps, empty.cancel) == (False, False, None)


def test_a_late_payment_cancels_an_open_charge_for_the_same_goods() -> None:
    late = order((WATER, 2), (COLA, 1), number=1, state=State.PAID_AFTER_CANCEL)
    again = order((COLA, 1), (WATER, 2), number=2, state=State.AWAITING_PAYMENT)
    plan = plan_late_payment(late, cart((WATER, 2), (COLA, 1)), again)
    assert plan.cancel == again.session.out_trade_no and plan.settle_cart
    different = order((COLA, 1), number=3, state=State.AWAITING_PAYMENT)
    assert plan_late_payment(late, cart((COLA, 1)), different).cancel is None
    ended = Order(replace(again.session, state=State.CANCELLED), again.items)
    assert plan_late_payment(late, cart(), ended).cancel is None
    assert plan_late_payment(late, cart(), late).cancel is None  # the paid order itself


def test_the_core_names_the_recent_payment_of_the_same_goods(world: World) -> None:
    clock = MovableClock()
    core = world.core(clock=clock)
    recording(core)
    session = awaiting(core, sell(core, "6921168509256", "6921168509256", "CAF-002"))
    assert session.code_url
    same = core.new_cart()
    for code in ("CAF-002", "6921168509256", "6921168509256"):
        same.add_code(code)
    assert core.repeat_of(same) is None  # not paid yet
    assert core.last_sale() is None
    world.sandbox.pay(session.code_url)
    core.wait_for(session.out_trade_no, lambda s: s.is_paid, 15)

    repeat = core.repeat_of(same)
    assert repeat is not None and repeat.session.out_trade_no == session.out_trade_no
    assert [(item.name_zh, item.quantity) for item in repeat.items] == [("农夫山泉 550ml", 2), ("拿铁（中杯）", 1)]
    assert core.order(session.out_trade_no) == repeat
    last = core.last_sale()
    assert last is not None and last.out_trade_no == session.out_trade_no
    different = core.new_cart()
    different.add_code("CAF-002")
    assert core.repeat_of(different) is None
    clock.advance(REPEAT_WINDOW.total_seconds() + 60)
    assert core.repeat_of(same) is None  # long enough ago: the same goods again are a new sale


def test_the_rules_do_not_mind_how_either_order_is_paid() -> None:
    """A payment code is goods paid like a QR: it makes a repeat, its late payment settles the cart, and a code
    still being charged for the same goods is the second charge a late payment cancels."""
    by_code = order((WATER, 2), number=1, paid=NOW - timedelta(minutes=1))
    by_code = Order(replace(by_code.session, method=TradeType.MICROPAY), by_code.items)
    assert repeat_of(cart((WATER, 2)), [by_code], NOW) == by_code
    late_qr = order((COLA, 1), number=2, state=State.PAID_AFTER_CANCEL)
    typing = order((COLA, 1), number=3, state=State.AWAITING_PAYMENT)
    typing = Order(replace(typing.session, method=TradeType.MICROPAY, trade_state="USERPAYING"), typing.items)
    plan = plan_late_payment(late_qr, cart((COLA, 1)), typing)
    assert (plan.settle_cart, plan.cancel) == (True, typing.session.out_trade_no)


def test_the_core_names_a_payment_by_code_as_a_recent_payment_and_refuses_other_wallets_first(world: World) -> None:
    core = world.core()
    recording(core)
    cart = core.new_cart()
    cart.add_code("CAF-002")
    with pytest.raises(OtherWallet):  # the window asks this before anything else: no question for an Alipay code
        core.payment_code("281234567890123456")
    with pytest.raises(PaymentCodeRefused):
        core.payment_code("6921168509256")
    code = world.sandbox.payment_code("success")
    assert core.payment_code(f" {code}\r\n").code == code  # as the scanner types it
    session = core.charge_code(cart, code)
    core.wait_for(session.out_trade_no, lambda s: s.is_paid, 15)
    repeat = core.repeat_of(cart)
    assert repeat is not None and repeat.session.out_trade_no == session.out_trade_no
    assert repeat.session.is_code_pay
    last = core.last_sale()
    assert last is not None and last.out_trade_no == session.out_trade_no  # the last receipt: this one


def test_the_core_reads_only_the_payments_within_the_window(tmp_path: Path) -> None:
    """Every Charge asks: the orders paid within the window around now (by payment time, not by the day they were
    made) are read, nothing else; the last receipt is the newest payment since yesterday began."""
    clock = StandingClock(NOW)
    core = journal_core(tmp_path, clock)
    minute = timedelta(minutes=1)
    cola = core.catalogue.lookup("DRK-001")
    assert cola is not None

    def journaled(number: int, charged: datetime, paid: datetime | None, state: State = State.PAID) -> str:
        return journal_order(core.journal, cola, number, charged, paid, state)

    def repeat() -> str | None:
        found = core.repeat_of(cart((cola, 1)))
        return None if found is None else found.session.out_trade_no

    def last() -> str | None:
        found = core.last_sale()
        return None if found is None else found.out_trade_no

    try:
        journaled(1, NOW - timedelta(days=2), NOW - timedelta(days=2))
        earlier = journaled(2, NOW - 7 * minute, NOW - 6 * minute)
        journaled(3, NOW - 2 * minute, None, State.CANCELLED)
        assert repeat() is None  # the same goods, paid 6 minutes ago; the open one is not paid
        assert last() == earlier
        slow = journaled(4, NOW - 30 * minute, NOW - 4 * minute)  # made half an hour ago, paid 4 minutes ago
        assert repeat() == slow and last() == slow
        clock.moment = NOW + 2 * minute
        assert repeat() is None  # paid 6 minutes ago now: a new customer's sale
        clock.moment = NOW + timedelta(days=1)
        assert last() == slow  # yesterday's
        clock.moment = NOW + timedelta(days=2)
        assert last() is None  # the day before yesterday: no "last receipt" any more
    finally:
        core.stop()
