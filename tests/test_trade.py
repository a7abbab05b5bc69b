"""The payment vocabulary's rules, decided once for the relay, the kiosk, the sandbox and the manager."""

from __future__ import annotations

import pytest

from kiosk.trade import (
    CODEPAY_FAILURES,
    NEXT_STEP,
    PAID,
    PAYABLE,
    REFUND_FINAL,
    REFUND_IN_FLIGHT,
    REFUND_RELEASED,
    REFUND_STATUSES,
    TRADE_STATES,
    CodePayFailure,
    NextStep,
    RefundStatus,
    TradeState,
    TradeType,
    held_fen,
    is_paid,
    is_payable,
    next_step,
    outcome_known,
    refund_holds,
    refund_in_flight,
    refund_is_final,
    refund_moves_forward,
    refund_predecessors,
    trade_moves_forward,
    trade_predecessors,
)


def test_the_customer_may_still_pay_until_paid_closed_or_revoked() -> None:
    assert {"NOTPAY", "USERPAYING", "PAYERROR"} == PAYABLE  # after PAYERROR the customer may try again
    assert {"SUCCESS", "REFUND"} == PAID
    assert {s for s in TRADE_STATES if outcome_known(s)} == {"SUCCESS", "REFUND", "CLOSED", "REVOKED"}
    assert all(is_payable(s) != outcome_known(s) for s in TRADE_STATES)
    assert not is_payable(None) and not is_paid(None) and not outcome_known("ACCEPT") and not outcome_known(None)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("NOTPAY", "USERPAYING"),
        ("NOTPAY", "SUCCESS"),
        ("USERPAYING", "SUCCESS"),
        ("USERPAYING", "PAYERROR"),
        ("NOTPAY", "CLOSED"),
        ("USERPAYING", "CLOSED"),
        ("PAYERROR", "CLOSED"),  # a cancel after a failed attempt closes the order
        ("SUCCESS", "REFUND"),
        ("CLOSED", "SUCCESS"),  # the customer paid just before the close landed: the money is real
        ("PAYERROR", "SUCCESS"),
        ("USERPAYING", "REVOKED"),  # a payment-code order reversed while the customer types the password
        ("PAYERROR", "REVOKED"),
    ],
)
def test_forward_transitions_apply(current: str, new: str) -> None:
    assert trade_moves_forward(current, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("SUCCESS", "NOTPAY"),
        ("SUCCESS", "USERPAYING"),
        ("SUCCESS", "CLOSED"),
        ("SUCCESS", "SUCCESS"),
        ("REFUND", "SUCCESS"),
        ("USERPAYING", "NOTPAY"),
        ("PAYERROR", "USERPAYING"),
        ("CLOSED", "NOTPAY"),
        ("CLOSED", "PAYERROR"),
        ("CLOSED", "REVOKED"),
        ("REVOKED", "CLOSED"),
        # A reverse refunds a payment that landed just before it: a SUCCESS reported earlier must not win.
        ("REVOKED", "SUCCESS"),
        ("REVOKED", "REFUND"),
        ("NOTPAY", "NOTPAY"),
        ("NOTPAY", "ACCEPT"),  # unknown states never apply
        ("ACCEPT", "SUCCESS"),
    ],
)
def test_backward_or_sideways_transitions_do_not_apply(current: str, new: str) -> None:
    assert not trade_moves_forward(current, new)


def test_predecessors_are_exactly_the_states_a_transition_may_leave() -> None:
    assert trade_predecessors("CLOSED") == ("NOTPAY", "PAYERROR", "USERPAYING")
    assert trade_predecessors("SUCCESS") == ("CLOSED", "NOTPAY", "PAYERROR", "USERPAYING")
    assert trade_predecessors("REFUND") == ("CLOSED", "NOTPAY", "PAYERROR", "SUCCESS", "USERPAYING")
    assert trade_predecessors("REVOKED") == ("NOTPAY", "PAYERROR", "USERPAYING")
    assert trade_predecessors("NOTPAY") == ()
    assert all(isinstance(state, TradeState) for state in trade_predecessors("REFUND"))


def test_which_refunds_hold_the_refundable_amount() -> None:
    assert {"CLOSED", "FAILED"} == REFUND_RELEASED
    held = {s for s in REFUND_STATUSES if refund_holds(s)}
    # ABNORMAL holds: its money left the merchant; refunding it again would pay twice.
    assert held == {"REQUESTED", "PENDING", "PROCESSING", "SUCCESS", "ABNORMAL"}
    assert refund_holds("SOMETHING_NEW")  # in doubt, the money stays held
    refunds = [("SUCCESS", 100), ("ABNORMAL", 200), ("CLOSED", 400), ("FAILED", 800), ("REQUESTED", 1600)]
    assert held_fen(refunds) == 1900


def test_abnormal_is_neither_in_flight_nor_final() -> None:
    assert {"REQUESTED", "PENDING", "PROCESSING"} == REFUND_IN_FLIGHT
    assert {"SUCCESS", "CLOSED", "FAILED"} == REFUND_FINAL
    assert not refund_in_flight(RefundStatus.ABNORMAL) and not refund_is_final(RefundStatus.ABNORMAL)
    assert REFUND_IN_FLIGHT | REFUND_FINAL | {RefundStatus.ABNORMAL} == REFUND_STATUSES


def test_refund_statuses_only_move_forward_and_final_ones_stay() -> None:
    assert refund_moves_forward("REQUESTED", "PENDING")
    assert refund_moves_forward("PENDING", "PROCESSING")
    assert refund_moves_forward("PROCESSING", "SUCCESS")
    assert refund_moves_forward("PROCESSING", "ABNORMAL")
    assert refund_moves_forward("ABNORMAL", "SUCCESS")  # handled in the merchant platform
    assert refund_moves_forward("REQUESTED", "FAILED")
    assert not refund_moves_forward("SUCCESS", "PROCESSING")
    assert not refund_moves_forward("SUCCESS", "CLOSED")
    assert not refund_moves_forward("ABNORMAL", "PROCESSING")
    assert not refund_moves_forward("PROCESSING", "PENDING")
    assert not refund_moves_forward("PROCESSING", "DONE")
    assert refund_predecessors("SUCCESS") == ("ABNORMAL", "PENDING", "PROCESSING", "REQUESTED")
    assert refund_predecessors("REQUESTED") == ()


def test_the_names_are_the_wire_strings() -> None:
    names = ["NOTPAY", "USERPAYING", "PAYERROR", "SUCCESS", "REFUND", "CLOSED", "REVOKED"]
    assert [str(s) for s in TradeState] == names
    assert TradeState("SUCCESS") is TradeState.SUCCESS and RefundStatus("ABNORMAL") == "ABNORMAL"


def test_the_payment_methods_are_the_bills_trade_type_words() -> None:
    # The kiosk's Native QR sales and payment-code (付款码) sales, as a bill row and the sandbox's orders say them.
    assert {"NATIVE", "MICROPAY"} == set(TradeType)


def test_every_payment_code_failure_has_a_next_step_for_the_clerk() -> None:
    assert set(NEXT_STEP) == CODEPAY_FAILURES
    assert next_step("insufficient_funds") is NextStep.SWITCH_CARD  # 换一张卡
    assert next_step(CodePayFailure.CODE_REJECTED) is NextStep.NEW_CODE  # 重新出示付款码
    assert next_step(CodePayFailure.UNAVAILABLE) is NextStep.SCAN_QR  # 改用扫码支付
    assert next_step(None) is None and next_step("something_new") is None
    assert {"switch_card", "new_code", "scan_qr"} == set(NextStep)
