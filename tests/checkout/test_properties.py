"""Properties over random sequences: cart arithmetic, and "a payment is never lost" in the state machine."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.checkout.cart import Cart, CartError
from kiosk.checkout.catalogue import sample_catalogue
from kiosk.checkout.session import (
    PAID_STATES,
    Cancel,
    Charge,
    CreateRejected,
    CreateSucceeded,
    CreateUnreachable,
    Event,
    Expire,
    PaymentSession,
    PrintReceipt,
    RemoteNotFound,
    RemoteStatus,
    State,
    transition,
)
from kiosk.clock import CHINA_TZ

CATALOGUE = sample_catalogue()
SKUS = [item.sku for item in CATALOGUE]

cart_ops = st.lists(
    st.tuples(
        st.sampled_from(["add", "set", "inc", "remove", "clear", "undo"]), st.sampled_from(SKUS), st.integers(-3, 12)
    ),
    max_size=40,
)


@given(cart_ops)
def test_cart_totals_always_equal_the_sum_of_lines(ops: list[tuple[str, str, int]]) -> None:
    cart = Cart(CATALOGUE)
    expected: dict[str, int] = {}
    before_removal: dict[str, int] | None = None  # what undo brings back (order included)
    for op, sku, n in ops:
        try:
            if op == "add":
                cart.add(sku, n)
                expected[sku] = expected.get(sku, 0) + n
                before_removal = None
            elif op == "set":
                cart.set_quantity(sku, n)
                expected[sku] = n
                before_removal = None
            elif op == "inc":
                cart.increment(sku, n)
                expected[sku] = max(expected[sku] + n, 1)
                before_removal = None
            elif op == "remove":
                cart.remove(sku)
                before_removal = dict(expected)
                expected.pop(sku)
            elif op == "clear":
                cart.clear()
                before_removal = dict(expected) if expected else None
                expected = {}
            else:
                cart.undo()
                assert before_removal is not None
                expected, before_removal = before_removal, None
        except CartError:
            pass  # refused operations change nothing
        assert [(line.sku, line.quantity) for line in cart.lines] == list(expected.items())
    prices = {item.sku: item.price_fen for item in CATALOGUE}
    assert cart.total_fen == sum(prices[sku] * q for sku, q in expected.items())
    assert cart.snapshot().total_fen == cart.total_fen and isinstance(cart.total_fen, int)
    if expected:
        assert 0 < len(cart.description().encode("utf-8")) <= 127


T0 = datetime(2026, 11, 29, 12, 0, tzinfo=CHINA_TZ)
EXPIRES = T0 + timedelta(minutes=5)
TRADE_STATES = ["NOTPAY", "USERPAYING", "SUCCESS", "CLOSED", "PAYERROR", "REFUND", "REVOKED"]

events = st.one_of(
    st.just(Charge(T0)),
    st.just(CreateSucceeded("weixin://x", "NOTPAY", 1)),
    st.just(CreateUnreachable("down")),
    st.just(CreateRejected("400")),
    st.builds(
        RemoteStatus,
        st.sampled_from(TRADE_STATES),
        st.integers(0, 9),
        st.sampled_from(["poll", "requery", "close"]),
    ),
    st.sampled_from([RemoteNotFound("close"), RemoteNotFound("poll")]),
    st.just(Cancel(T0)),
    st.sampled_from([Expire(EXPIRES), Expire(T0)]),
)


@settings(max_examples=400)
@given(st.lists(events, max_size=25))
def test_a_payment_is_never_lost_and_paid_never_reverts(sequence: list[Event]) -> None:
    session = PaymentSession("S-K-1", 100, "x", T0, EXPIRES)
    seen_success = False
    receipts = 0
    for event in sequence:
        step = transition(session, event)
        receipts += sum(isinstance(c, PrintReceipt) for c in step.commands)
        if session.state in PAID_STATES:
            assert step.session.state in PAID_STATES  # paid never goes back
        if (
            isinstance(event, RemoteStatus)
            and event.trade_state in ("SUCCESS", "REFUND")
            and session.state is not State.DRAFT
            and not (event.source == "poll" and event.version < session.version)
        ):
            seen_success = True
        session = step.session
        if seen_success:
            assert session.state in PAID_STATES, (event, session)
    assert receipts == (1 if session.state in PAID_STATES else 0)  # one receipt per paid order
    if session.state in PAID_STATES:
        assert session.settled
