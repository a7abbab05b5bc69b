"""The refund state machine (pure): every answer, refusal and recheck, and what is left to refund."""

from __future__ import annotations

from datetime import datetime

import pytest

from kiosk.checkout.refund import (
    QueryRefund,
    Recheck,
    RefundAnswered,
    RefundRefused,
    RefundSession,
    refundable_fen,
    transition,
)
from kiosk.clock import CHINA_TZ
from kiosk.journal import RefundRow

DONE_AT = datetime(2026, 3, 1, 12, 5, tzinfo=CHINA_TZ)


def requested(**changes: object) -> RefundSession:
    values: dict[str, object] = {"out_refund_no": "OTN1R1", "out_trade_no": "OTN1", "amount_fen": 500, **changes}
    return RefundSession(**values)  # type: ignore[arg-type]


def test_a_refund_in_flight_is_followed_up_until_final() -> None:
    step = transition(requested(), RefundAnswered("PROCESSING", "50001"))
    assert (step.refund.state, step.refund.refund_id, step.commands) == ("PROCESSING", "50001", (QueryRefund(True),))
    again = transition(step.refund, RefundAnswered("PROCESSING"))
    assert not again.changed and again.commands == (QueryRefund(True),)  # still in flight: ask again later
    done = transition(again.refund, RefundAnswered("SUCCESS", success_time=DONE_AT))
    assert (done.refund.state, done.refund.refund_id, done.refund.success_time) == ("SUCCESS", "50001", DONE_AT)
    assert done.commands == () and done.state_changed


def test_the_relays_own_pending_is_followed_up_too() -> None:
    step = transition(requested(), RefundAnswered("PENDING"))
    assert step.refund.state == "PENDING" and step.commands == (QueryRefund(True),)


@pytest.mark.parametrize("final", ["SUCCESS", "CLOSED"])
def test_a_final_status_never_moves_back(final: str) -> None:
    done = transition(requested(), RefundAnswered(final)).refund
    late = transition(done, RefundAnswered("PROCESSING"))
    assert late.refund.state == final and late.commands == ()


def test_abnormal_waits_for_a_person_and_a_recheck_finds_it_handled() -> None:
    abnormal = transition(requested(state="PROCESSING"), RefundAnswered("ABNORMAL")).refund
    assert abnormal.state == "ABNORMAL"
    assert transition(requested(state="PROCESSING"), RefundAnswered("ABNORMAL")).commands == ()  # not by itself
    asked = transition(abnormal, Recheck())
    assert not asked.changed and asked.commands == (QueryRefund(False),)  # at once
    handled = transition(abnormal, RefundAnswered("SUCCESS", success_time=DONE_AT))
    assert handled.refund.state == "SUCCESS"
    assert transition(handled.refund, Recheck()).ignored == "recheck in SUCCESS"


def test_a_refused_request_fails_and_releases_the_amount() -> None:
    step = transition(requested(), RefundRefused("relay answered 409 refund_rejected", "request"))
    assert (step.refund.state, step.refund.last_error) == ("FAILED", "relay answered 409 refund_rejected")
    assert refundable_fen(500, [step.refund]) == 500


@pytest.mark.parametrize("state", ["PROCESSING", "ABNORMAL", "SUCCESS"])
def test_a_refused_query_keeps_the_status_and_the_amount_it_holds(state: str) -> None:
    # The money may well have moved: only an answer about the refund changes it (before, this was FAILED).
    refund = requested(state=state)
    step = transition(refund, RefundRefused("relay answered 403 forbidden", "query"))
    assert (step.refund.state, step.refund.last_error, step.commands) == (state, "relay answered 403 forbidden", ())
    assert refundable_fen(500, [step.refund]) == 0
    cleared = transition(step.refund, RefundAnswered(state))
    assert cleared.refund.last_error is None


def test_unknown_statuses_and_late_request_refusals_are_ignored() -> None:
    assert transition(requested(), RefundAnswered("REVERSED")).ignored == "unknown refund status 'REVERSED'"
    processing = requested(state="PROCESSING")
    assert transition(processing, RefundRefused("x", "request")).ignored == "request refused in PROCESSING"


def test_what_is_left_to_refund_counts_every_refund_but_closed_and_failed() -> None:
    refunds = [
        requested(amount_fen=100, state="SUCCESS"),
        requested(amount_fen=200, state="ABNORMAL"),
        requested(amount_fen=300, state="CLOSED"),
        requested(amount_fen=400, state="FAILED"),
        requested(amount_fen=50, state="REQUESTED"),
    ]
    assert refundable_fen(1000, refunds) == 650
    assert refundable_fen(300, refunds) == 0


def test_the_journals_refund_rows_count_alike() -> None:
    # The manager offers refunds from the journal's rows: the same rule, the same function.
    def row(n: int, amount_fen: int, state: str) -> RefundRow:
        requested_at = "2026-03-01T12:00:00+08:00"
        return RefundRow(f"OTN1R{n}", "OTN1", amount_fen, "退货", requested_at, state, None, None, None, requested_at)

    rows = [row(1, 300, "ABNORMAL"), row(2, 200, "CLOSED"), row(3, 100, "PROCESSING"), row(4, 50, "FAILED")]
    assert refundable_fen(1000, rows) == 600
    assert refundable_fen(350, rows) == 0
