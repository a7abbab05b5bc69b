"""Every transition of the payment state machine, with no I/O at all."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from kiosk.checkout.session import (
    Cancel,
    Charge,
    CloseRemote,
    CreateRejected,
    CreateRemote,
    CreateSucceeded,
    CreateUnreachable,
    DropCreate,
    Expire,
    PaymentSession,
    PrintReceipt,
    PrintSlip,
    RemoteNotFound,
    RemoteStatus,
    State,
    transition,
)
from kiosk.clock import CHINA_TZ
from kiosk.trade import TradeType

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=CHINA_TZ)
EXPIRES = T0 + timedelta(minutes=5)
URL = "weixin://wxpay/bizpayurl?pr=abc"
PAID_AT = T0 + timedelta(minutes=1)


def draft(**changes: object) -> PaymentSession:
    base = PaymentSession("S-K-2026112900001", 1234, "可乐 等3件", T0, EXPIRES)
    return replace(base, **changes)  # type: ignore[arg-type]


def creating() -> PaymentSession:
    return transition(draft(), Charge(T0)).session


def awaiting(**changes: object) -> PaymentSession:
    session = transition(creating(), CreateSucceeded(URL, "NOTPAY", 1)).session
    return replace(session, **changes)  # type: ignore[arg-type]


def success(version: int = 3, source: str = "poll") -> RemoteStatus:
    return RemoteStatus("SUCCESS", version, source, "4200001234", PAID_AT, 1234)  # type: ignore[arg-type]


# ---- draft -------------------------------------------------------------------------------------


def test_charge_creates_through_the_outbox() -> None:
    step = transition(draft(), Charge(T0))
    assert step.session.state is State.CREATING
    assert step.commands == (CreateRemote(),)
    assert step.state_changed


def test_cancel_a_draft_needs_no_relay() -> None:
    step = transition(draft(), Cancel(T0))
    assert (step.session.state, step.session.settled, step.commands) == (State.CANCELLED, True, ())


def test_draft_ignores_remote_answers() -> None:
    for event in (CreateSucceeded(URL, "NOTPAY", 1), success(), RemoteNotFound()):
        step = transition(draft(), event)
        assert not step.changed and step.ignored


# ---- creating / pending_creation ---------------------------------------------------------------


def test_created_shows_the_qr() -> None:
    step = transition(creating(), CreateSucceeded(URL, "NOTPAY", 1))
    assert step.session.state is State.AWAITING_PAYMENT
    assert (step.session.code_url, step.session.version, step.session.trade_state) == (URL, 1, "NOTPAY")
    assert step.commands == ()
    assert step.session.needs_watch


def test_created_with_auto_print_prints_the_slip() -> None:
    session = transition(draft(auto_print_slip=True), Charge(T0)).session
    assert transition(session, CreateSucceeded(URL, "NOTPAY", 1)).commands == (PrintSlip(),)


def test_relay_unreachable_keeps_the_sale_pending() -> None:
    step = transition(creating(), CreateUnreachable("connect refused"))
    assert step.session.state is State.PENDING_CREATION
    assert step.session.last_error == "connect refused"
    assert step.commands == ()  # the create stays in the outbox
    again = transition(step.session, CreateUnreachable("timeout"))
    assert again.session.state is State.PENDING_CREATION and again.session.last_error == "timeout"


def test_pending_creation_then_relay_back() -> None:
    pending = transition(creating(), CreateUnreachable("down")).session
    step = transition(pending, CreateSucceeded(URL, "NOTPAY", 1))
    assert step.session.state is State.AWAITING_PAYMENT and step.session.last_error is None


def test_create_rejected_fails_for_good() -> None:
    for start in (creating(), transition(creating(), CreateUnreachable("x")).session):
        step = transition(start, CreateRejected("400 PARAM_ERROR"))
        assert (step.session.state, step.session.settled, step.session.ended_by) == (State.FAILED, True, "rejected")
        assert step.commands == ()


@pytest.mark.parametrize(
    "event, state, ended_by", [(Cancel(T0), State.CANCELLED, "clerk"), (Expire(EXPIRES), State.EXPIRED, "expiry")]
)
def test_cancel_or_expire_while_creating_closes_anyway(event: Cancel | Expire, state: State, ended_by: str) -> None:
    for start in (creating(), transition(creating(), CreateUnreachable("x")).session):
        step = transition(start, event)
        assert (step.session.state, step.session.ended_by, step.session.settled) == (state, ended_by, False)
        # The create's answer may have been lost: drop it and close (a 404 settles it).
        assert step.commands == (DropCreate(), CloseRemote())


def test_create_answer_after_cancel_keeps_the_qr_for_watching() -> None:
    cancelled = transition(creating(), Cancel(T0)).session
    step = transition(cancelled, CreateSucceeded(URL, "NOTPAY", 1))
    assert step.session.state is State.CANCELLED and step.session.code_url == URL
    assert step.session.needs_watch and step.commands == ()


def test_idempotent_create_answer_that_is_already_paid() -> None:
    step = transition(creating(), CreateSucceeded(URL, "SUCCESS", 4))
    assert step.session.state is State.PAID and step.session.settled
    assert step.commands == (PrintReceipt(),)


def test_payment_reported_before_the_create_answer_is_taken() -> None:
    for start in (creating(), transition(creating(), CreateUnreachable("x")).session):
        step = transition(start, success(source="requery"))
        assert (step.session.state, step.session.settled) == (State.PAID, True)
        assert step.commands == (DropCreate(), PrintReceipt())
        assert not transition(start, RemoteStatus("NOTPAY", 1, "requery")).changed


def test_create_failures_in_other_states_are_ignored() -> None:
    for event in (CreateUnreachable("x"), CreateRejected("y")):
        step = transition(awaiting(), event)
        assert not step.changed and step.ignored


# ---- awaiting_payment ------------------------------------------------------------------------


def test_paid() -> None:
    step = transition(awaiting(), success())
    session = step.session
    assert (session.state, session.settled, session.trade_state) == (State.PAID, True, "SUCCESS")
    assert (session.transaction_id, session.success_time, session.payer_total_fen) == ("4200001234", PAID_AT, 1234)
    assert step.commands == (PrintReceipt(),)
    assert not session.needs_watch and session.is_final and session.is_paid


def test_customer_scanning_updates_trade_state_only() -> None:
    step = transition(awaiting(), RemoteStatus("USERPAYING", 2))
    assert step.session.state is State.AWAITING_PAYMENT
    assert (step.session.trade_state, step.session.version) == ("USERPAYING", 2)
    assert step.changed and not step.state_changed and step.commands == ()


def test_no_op_long_poll_answer_changes_nothing() -> None:
    step = transition(awaiting(), RemoteStatus("NOTPAY", 1))
    assert not step.changed and step.commands == ()


def test_stale_poll_answer_is_ignored() -> None:
    session = awaiting(version=5, trade_state="USERPAYING")
    step = transition(session, RemoteStatus("NOTPAY", 3))
    assert not step.changed and "stale" in (step.ignored or "")


def test_closed_remotely_means_expired() -> None:
    step = transition(awaiting(), RemoteStatus("CLOSED", 2))
    assert (step.session.state, step.session.settled, step.session.ended_by) == (State.EXPIRED, True, "relay")


def test_payerror_keeps_the_qr_open_for_another_try() -> None:
    step = transition(awaiting(), RemoteStatus("PAYERROR", 2))
    assert (step.session.state, step.session.trade_state, step.commands) == (State.AWAITING_PAYMENT, "PAYERROR", ())
    assert transition(step.session, success(version=3)).session.state is State.PAID


def test_payerror_then_cancel_then_paid_is_paid_after_cancel() -> None:
    failed = transition(transition(awaiting(), RemoteStatus("PAYERROR", 2)).session, Cancel(T0)).session
    assert failed.state is State.CANCELLED
    late = transition(failed, success(source="close"))
    assert late.session.state is State.PAID_AFTER_CANCEL and late.paid_after_cancel


def test_revoked_fails_settled() -> None:
    step = transition(awaiting(), RemoteStatus("REVOKED", 2))
    assert (step.session.state, step.session.settled) == (State.FAILED, True)


def test_refund_state_counts_as_paid() -> None:
    step = transition(awaiting(), RemoteStatus("REFUND", 4))
    assert step.session.state is State.PAID


def test_unknown_trade_state_is_ignored() -> None:
    step = transition(awaiting(), RemoteStatus("ACCEPT", 2))
    assert not step.changed and "unknown trade_state" in (step.ignored or "")


def test_clerk_cancels_an_open_qr() -> None:
    step = transition(awaiting(), Cancel(T0 + timedelta(seconds=30)))
    assert (step.session.state, step.session.ended_by, step.session.settled) == (State.CANCELLED, "clerk", False)
    assert step.commands == (CloseRemote(),)
    assert step.session.needs_watch  # a payment may still land


def test_expiry_closes() -> None:
    step = transition(awaiting(), Expire(EXPIRES))
    assert (step.session.state, step.session.ended_by) == (State.EXPIRED, "expiry")
    assert step.commands == (CloseRemote(),)


def test_expiry_before_time_is_ignored() -> None:
    step = transition(awaiting(), Expire(EXPIRES - timedelta(seconds=1)))
    assert not step.changed and step.ignored


def test_relay_404_while_awaiting_is_ignored() -> None:
    assert not transition(awaiting(), RemoteNotFound("poll")).changed


# ---- after cancel / expiry -------------------------------------------------------------------


@pytest.mark.parametrize("end", [Cancel(T0), Expire(EXPIRES)])
@pytest.mark.parametrize("source", ["close", "poll", "requery"])
def test_payment_after_cancel_or_expiry_is_never_lost(end: Cancel | Expire, source: str) -> None:
    ended = transition(awaiting(), end).session
    step = transition(ended, success(source=source))
    assert step.session.state is State.PAID_AFTER_CANCEL
    assert step.paid_after_cancel and step.session.settled
    assert step.session.ended_by == ("clerk" if isinstance(end, Cancel) else "expiry")
    assert step.session.transaction_id == "4200001234"
    assert step.commands == (PrintReceipt(),)


def test_expiry_racing_payment_payment_first() -> None:
    paid = transition(awaiting(), success()).session
    step = transition(paid, Expire(EXPIRES))
    assert not step.changed and step.session.state is State.PAID


def test_expiry_racing_payment_expiry_first() -> None:
    expired = transition(awaiting(), Expire(EXPIRES)).session
    step = transition(expired, success(source="close"))
    assert step.session.state is State.PAID_AFTER_CANCEL


def test_close_confirmed_settles() -> None:
    cancelled = transition(awaiting(), Cancel(T0)).session
    step = transition(cancelled, RemoteStatus("CLOSED", 2, "close"))
    assert (step.session.state, step.session.settled) == (State.CANCELLED, True)
    assert step.session.is_final and not step.session.needs_watch


@pytest.mark.parametrize("trade_state", ["NOTPAY", "USERPAYING", "PAYERROR"])
def test_a_close_answering_a_payable_state_asks_again_and_keeps_listening(trade_state: str) -> None:
    # The customer can still pay: the order is not closed, and a payment must still reach the kiosk.
    cancelled = transition(awaiting(), Cancel(T0)).session
    step = transition(cancelled, RemoteStatus(trade_state, 2, "close"))
    assert not step.session.settled and step.commands == (CloseRemote(),)
    assert step.session.needs_watch and step.session.trade_state == trade_state
    late = transition(step.session, success())
    assert (late.session.state, late.session.settled) == (State.PAID_AFTER_CANCEL, True)


@pytest.mark.parametrize("trade_state", ["CLOSED", "REVOKED"])
def test_a_close_answering_an_unpayable_state_settles(trade_state: str) -> None:
    cancelled = transition(awaiting(), Cancel(T0)).session
    step = transition(cancelled, RemoteStatus(trade_state, 2, "close"))
    assert step.session.settled and step.commands == ()


def test_poll_noise_after_cancel_only_updates() -> None:
    cancelled = transition(awaiting(), Cancel(T0)).session
    step = transition(cancelled, RemoteStatus("USERPAYING", 2, "poll"))
    assert (step.session.state, step.session.settled, step.commands) == (State.CANCELLED, False, ())


def test_order_that_never_reached_the_relay_settles_on_404() -> None:
    cancelled = transition(transition(creating(), CreateUnreachable("x")).session, Cancel(T0)).session
    step = transition(cancelled, RemoteNotFound("close"))
    assert (step.session.state, step.session.settled) == (State.CANCELLED, True)


def test_cancel_after_cancel_is_ignored() -> None:
    cancelled = transition(awaiting(), Cancel(T0)).session
    assert not transition(cancelled, Cancel(T0)).changed
    assert not transition(cancelled, Expire(EXPIRES)).changed


def test_a_settled_order_that_reports_payment_still_keeps_the_money() -> None:
    settled = transition(transition(awaiting(), Cancel(T0)).session, RemoteStatus("CLOSED", 2, "close")).session
    step = transition(settled, success(version=9))
    assert step.session.state is State.PAID_AFTER_CANCEL and step.commands == (PrintReceipt(),)
    assert not transition(settled, RemoteStatus("NOTPAY", 10)).changed


# ---- paid ----------------------------------------------------------------------------------


def test_paid_is_final_for_the_clerk() -> None:
    paid = transition(awaiting(), success()).session
    for event in (Cancel(T0), Expire(EXPIRES), RemoteStatus("CLOSED", 9), CreateUnreachable("x"), Charge(T0)):
        step = transition(paid, event)
        assert not step.changed and step.session.state is State.PAID and step.ignored


def test_paid_then_refund_updates_the_trade_state() -> None:
    paid = transition(awaiting(), success()).session
    step = transition(paid, RemoteStatus("REFUND", 7))
    assert (step.session.state, step.session.trade_state, step.commands) == (State.PAID, "REFUND", ())


def test_countdown() -> None:
    session = awaiting()
    assert session.seconds_left(T0) == 300
    assert session.seconds_left(EXPIRES + timedelta(seconds=5)) == 0


# ---- payment code (付款码) ------------------------------------------------------------------------


def code_creating() -> PaymentSession:
    return transition(draft(method=TradeType.MICROPAY, payment_code="**************9406"), Charge(T0)).session


def test_a_payment_code_charge_goes_through_the_outbox_and_needs_no_qr() -> None:
    step = transition(draft(method=TradeType.MICROPAY), Charge(T0, "**************9406"))
    assert (step.session.state, step.commands) == (State.CREATING, (CreateRemote(),))
    assert not step.session.needs_watch  # nothing to watch until the relay has the order


def test_the_charges_answer_moves_a_code_order_on_whatever_it_says() -> None:
    typing = transition(code_creating(), RemoteStatus("USERPAYING", 2, "create"))
    assert (typing.session.state, typing.session.trade_state) == (State.AWAITING_PAYMENT, "USERPAYING")
    assert typing.commands == (DropCreate(),) and typing.session.needs_watch and typing.session.code_url is None
    paid = transition(code_creating(), RemoteStatus("SUCCESS", 2, "create", "4200", PAID_AT, 1234))
    assert (paid.session.state, paid.session.settled, paid.commands) == (
        State.PAID,
        True,
        (DropCreate(), PrintReceipt()),
    )
    refused = transition(code_creating(), RemoteStatus("PAYERROR", 3, "create", failure="insufficient_funds"))
    assert (refused.session.state, refused.session.failure, refused.session.settled) == (
        State.FAILED,
        "insufficient_funds",
        False,  # the relay reverses it 15 s after the charge: keep listening
    )
    reversed_ = transition(refused.session, RemoteStatus("REVOKED", 4))
    assert (reversed_.session.state, reversed_.session.settled, reversed_.session.failure) == (
        State.FAILED,
        True,
        "insufficient_funds",  # the first reason stays
    )


def test_a_code_order_fails_when_the_relay_says_why_and_settles_when_reversed() -> None:
    typing = transition(code_creating(), RemoteStatus("USERPAYING", 2, "create")).session
    flagged = transition(typing, RemoteStatus("USERPAYING", 3, unresolved=True)).session
    assert flagged.unresolved and flagged.state is State.AWAITING_PAYMENT
    failed = transition(flagged, RemoteStatus("PAYERROR", 4, failure="payment_failed")).session
    assert (failed.state, failed.ended_by, failed.unresolved) == (State.FAILED, "relay", False)
    late = transition(failed, RemoteStatus("SUCCESS", 5, transaction_id="4200"))
    assert late.session.state is State.PAID_AFTER_CANCEL and late.commands == (PrintReceipt(),)  # never lost


def test_cancel_closes_a_code_order_and_the_reverse_settles_it() -> None:
    typing = transition(code_creating(), RemoteStatus("USERPAYING", 2, "create")).session
    cancelled = transition(typing, Cancel(T0))
    assert (cancelled.session.state, cancelled.commands) == (State.CANCELLED, (CloseRemote(),))
    still = transition(cancelled.session, RemoteStatus("USERPAYING", 2, "close"))
    assert still.commands == (CloseRemote(),)  # the relay reverses no sooner than 15 s after the charge
    done = transition(cancelled.session, RemoteStatus("REVOKED", 3, failure="cancelled")).session
    assert (done.state, done.settled, done.failure) == (State.CANCELLED, True, "cancelled")


def test_a_code_the_relay_never_got_fails_as_not_sent() -> None:
    step = transition(code_creating(), RemoteNotFound("create"))
    assert (step.session.state, step.session.failure, step.session.settled) == (State.FAILED, "not_sent", True)
    assert step.commands == (DropCreate(),)
