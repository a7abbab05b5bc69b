"""Order and refund state rules: only forward, a paid order never goes back."""

from __future__ import annotations

import pytest

from kiosk.relay import states


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("NOTPAY", "USERPAYING"),
        ("NOTPAY", "SUCCESS"),
        ("USERPAYING", "SUCCESS"),
        ("NOTPAY", "CLOSED"),
        ("SUCCESS", "REFUND"),
        ("CLOSED", "SUCCESS"),  # the customer paid just before the close landed: the money is real
        ("PAYERROR", "SUCCESS"),
    ],
)
def test_forward_transitions_apply(current: str, new: str) -> None:
    assert states.is_forward(current, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("SUCCESS", "NOTPAY"),
        ("SUCCESS", "USERPAYING"),
        ("SUCCESS", "CLOSED"),
        ("SUCCESS", "SUCCESS"),
        ("REFUND", "SUCCESS"),
        ("USERPAYING", "NOTPAY"),
        ("CLOSED", "NOTPAY"),
        ("CLOSED", "PAYERROR"),
        ("NOTPAY", "NOTPAY"),
        ("NOTPAY", "ACCEPT"),  # unknown states never apply
    ],
)
def test_backward_or_sideways_transitions_do_not_apply(current: str, new: str) -> None:
    assert not states.is_forward(current, new)


def test_predecessors_are_exactly_the_states_a_transition_may_leave() -> None:
    assert states.predecessors("SUCCESS") == ("CLOSED", "NOTPAY", "PAYERROR", "REVOKED", "USERPAYING")
    assert states.predecessors("REFUND") == ("CLOSED", "NOTPAY", "PAYERROR", "REVOKED", "SUCCESS", "USERPAYING")
    assert states.predecessors("NOTPAY") == ()


def test_open_states_are_the_unpaid_ones() -> None:
    assert {s for s in states.TRADE_STATES if states.is_open(s)} == {"NOTPAY", "USERPAYING"}


def test_refund_statuses_only_move_forward_and_final_ones_stay() -> None:
    assert states.refund_is_forward("PENDING", "PROCESSING")
    assert states.refund_is_forward("PROCESSING", "SUCCESS")
    assert states.refund_is_forward("ABNORMAL", "SUCCESS")
    assert not states.refund_is_forward("SUCCESS", "PROCESSING")
    assert not states.refund_is_forward("SUCCESS", "CLOSED")
    assert not states.refund_is_forward("PROCESSING", "PENDING")
    assert states.refund_is_final("SUCCESS") and states.refund_is_final("FAILED")
    assert not states.refund_is_final("PROCESSING")
