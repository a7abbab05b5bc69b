"""The issue's check against the REAL sandbox and relay processes: a day of sales, tomorrow's bill, reconciliation;
and a bill altered by one byte in transit fails its hash check and is never shown as valid."""

from __future__ import annotations

import hashlib
from datetime import date

import httpx
import pytest

from kiosk.checkout import KioskCore, PaymentSession, State
from kiosk.checkout.trade_no import trade_no_prefix
from kiosk.clock import CHINA_TZ
from kiosk.manager.bills import BillFetcher, BillState, NotAvailableReason
from kiosk.manager.reconcile import Action, ReconCategory
from kiosk.manager.service import ManagerService
from kiosk.manager.training import advance_to_next_release
from kiosk.wechatpay.bills import BillTicket, check_file
from kiosk.wechatpay.errors import HashMismatchError
from tests.manager.conftest import BillProxy, World, wait_until


def sell(core: KioskCore, *codes: str) -> PaymentSession:
    cart = core.new_cart()
    for code in codes or ("6921168509256",):
        cart.add_code(code)
    session = core.charge(cart)
    return core.wait_for(session.out_trade_no, lambda s: s.state is State.AWAITING_PAYMENT, 15)


def paid(world: World, core: KioskCore, *codes: str) -> PaymentSession:
    session = sell(core, *codes)
    assert session.code_url
    world.sandbox.pay(session.code_url)
    return core.wait_for(session.out_trade_no, lambda s: s.is_paid, 15)


def cancelled_then_paid(world: World, core: KioskCore) -> PaymentSession:
    """The customer pays while the clerk's cancel waits in the outbox (the relay is down)."""
    session = sell(core, "CAF-002")
    assert session.code_url
    url = world.kill_relay()  # gone at once (a stop would wait for the kiosk's long-poll to end)
    assert core.cancel(session.out_trade_no).state is State.CANCELLED
    world.sandbox.pay(session.code_url)
    world.start_relay_at(url)
    return session


def fetcher(world: World) -> BillFetcher:
    return BillFetcher(world.relay_url, world.credentials.kiosk_token)


def test_a_day_of_sales_reconciles_against_the_next_mornings_bill(world: World) -> None:
    core = world.core()
    core.start()
    day = core.today()

    sold = paid(world, core, "6921168509256", "6921168509256", "CAF-002")
    refunded = paid(world, core, "CAF-002")
    refund = core.refund(refunded.out_trade_no, refunded.amount_fen, "顾客退货")
    wait_until(lambda: core.refunds(refunded.out_trade_no)[0].state == "SUCCESS", message="refund succeeded")

    cancelled = sell(core)
    core.cancel(cancelled.out_trade_no)
    core.wait_for(cancelled.out_trade_no, lambda s: s.settled, 15)

    late = cancelled_then_paid(world, core)
    late = core.wait_for(late.out_trade_no, lambda s: s.state is State.PAID_AFTER_CANCEL, 30)

    # A payment with this kiosk's prefix that the journal never recorded (a lost journal, another device…).
    stray_no = f"{trade_no_prefix(core.config.store.id, core.config.kiosk_id)}{day:%Y%m%d}STRAY"
    created = httpx.post(
        f"{world.relay_url}/v1/orders",
        json={"out_trade_no": stray_no, "description": "无记录的订单", "amount_fen": 1234},
        headers=world.relay.kiosk_headers() if world.relay else {},
        timeout=10,
    )
    assert created.status_code == 200, created.text
    world.sandbox.pay(created.json()["code_url"])

    # Paid while the kiosk was down for good: the journal still says "cancelled".
    unseen = sell(core, "6921168509256")
    assert unseen.code_url
    url = world.kill_relay()
    core.cancel(unseen.out_trade_no)
    world.sandbox.pay(unseen.code_url)
    core.stop()
    world.start_relay_at(url)

    # Today's bill does not exist yet; WeChat Pay publishes it the next morning.
    before = fetcher(world).fetch(day)
    assert (before.state, before.reason) == (BillState.NOT_AVAILABLE, NotAvailableReason.DAY_NOT_ENDED)
    moved = advance_to_next_release(world.sandbox.base_url)
    assert moved.astimezone(CHINA_TZ).hour == 10 and moved.astimezone(CHINA_TZ).date() > day

    result = fetcher(world).fetch(day)
    assert result.state is BillState.READY and result.bill is not None, result.detail
    bill = result.bill
    payments = {e.out_trade_no: e for e in bill.payments}
    assert set(payments) == {sold.out_trade_no, refunded.out_trade_no, late.out_trade_no, stray_no, unseen.out_trade_no}
    assert payments[sold.out_trade_no].order_total_fen == sold.amount_fen == 2 * 200 + 1800
    assert [(e.out_refund_no, e.refund_fen) for e in bill.refunds] == [(refund.out_refund_no, refunded.amount_fen)]
    assert bill.totals.trade_count == 6 and bill.totals.refund_fen == refunded.amount_fen
    assert bill.totals.settlement_fen == sum(e.order_total_fen for e in bill.payments)

    service = ManagerService(core)  # what the manager screen uses: the bill against the core's own journal
    assert service.fetch_bill(day).bill == bill
    outcome = service.reconcile(bill)
    found = {(item.category, item.out_trade_no): item for item in outcome.items}
    assert set(found) == {
        (ReconCategory.MATCHED, sold.out_trade_no),
        (ReconCategory.MATCHED, refunded.out_trade_no),
        (ReconCategory.REFUND_MATCHED, refunded.out_trade_no),
        (ReconCategory.PAID_AFTER_CANCEL, late.out_trade_no),
        (ReconCategory.MISSING_IN_JOURNAL, stray_no),
        (ReconCategory.UNPAID_IN_JOURNAL, unseen.out_trade_no),
    }
    assert not any(item.out_trade_no == cancelled.out_trade_no for item in outcome.items)
    assert found[(ReconCategory.PAID_AFTER_CANCEL, late.out_trade_no)].action is Action.REFUND
    assert found[(ReconCategory.PAID_AFTER_CANCEL, late.out_trade_no)].refundable_fen == late.amount_fen
    assert found[(ReconCategory.MISSING_IN_JOURNAL, stray_no)].action is Action.REFUND
    assert found[(ReconCategory.MISSING_IN_JOURNAL, stray_no)].bill_fen == 1234
    assert found[(ReconCategory.UNPAID_IN_JOURNAL, unseen.out_trade_no)].action is Action.REQUERY
    assert found[(ReconCategory.UNPAID_IN_JOURNAL, unseen.out_trade_no)].journal_state == "cancelled"
    assert found[(ReconCategory.MATCHED, refunded.out_trade_no)].refundable_fen == 0
    assert outcome.bill_refund_fen == outcome.journal_refund_fen == refunded.amount_fen
    assert not outcome.ok and len(outcome.problems) == 3

    # A second fetch is served from the relay's cache and says so.
    again = fetcher(world).fetch(day)
    assert again.cached and again.bill is not None and again.bill.entries == bill.entries


def test_a_bill_altered_by_one_byte_fails_its_hash_and_is_not_shown(proxied_world: tuple[World, BillProxy]) -> None:
    world, proxy = proxied_world
    headers = world.relay.kiosk_headers() if world.relay else {}
    day = httpx.get(f"{world.sandbox.base_url}/sandbox/v1/clock", timeout=10).json()["now"][:10]
    created = httpx.post(
        f"{world.relay_url}/v1/orders",
        json={"out_trade_no": "store1-HASH-CHECK-0001", "description": "校验", "amount_fen": 1500},
        headers=headers,
        timeout=10,
    )
    assert created.status_code == 200, created.text
    world.sandbox.pay(created.json()["code_url"])
    advance_to_next_release(world.sandbox.base_url)
    bill_day = date.fromisoformat(day)

    proxy.corrupt = True
    rejected = fetcher(world).fetch(bill_day)
    assert proxy.corrupted, "the proxy did not see the bill download"
    assert rejected.state is BillState.HASH_FAILED and rejected.bill is None and not rejected.ok
    assert "bill_hash_mismatch" in rejected.detail

    # The same bill, untouched, is accepted (the relay caches only verified bills).
    proxy.corrupt = False
    accepted = fetcher(world).fetch(bill_day)
    assert accepted.ok and accepted.bill is not None
    assert [e.out_trade_no for e in accepted.bill.entries] == ["store1-HASH-CHECK-0001"]
    assert not accepted.cached


def test_the_client_rejects_a_one_byte_edit_against_the_announced_hash() -> None:
    original = "\ufeff交易时间,商户订单号\r\n`2026-11-28 10:00:00,`A1\r\n".encode()
    ticket = BillTicket("SHA1", hashlib.sha1(original).hexdigest(), "https://api.mch.weixin.qq.com/x")
    assert check_file(ticket, original) == original
    edited = original.replace(b"A1", b"A2")
    assert len(edited) == len(original)
    with pytest.raises(HashMismatchError):
        check_file(ticket, edited)
