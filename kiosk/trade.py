"""WeChat Pay's payment vocabulary and the rules decided once for every part of Kiosk.

An order's ``trade_state`` and ``trade_type`` and a refund's ``status`` are named here, and so is every rule
about them: may the customer still pay, has money been taken, is the outcome known, does a refund hold the
refundable amount, which state may follow which. The relay, the kiosk core, the sandbox, the manager and the UI's
label tables all use this module; no other module spells these names (``tests/test_architecture.py``).
It imports nothing from Kiosk, so the kiosk side can use it without importing ``kiosk.wechatpay``.

Notifications and queries arrive late, twice and out of order, so a state is applied only when it moves
forward: money taken outranks every unpaid outcome, a refund outranks the payment it refunds, and a paid
order never goes back. A SUCCESS after a CLOSED still applies (the customer paid just before the close
landed): losing a payment is worse than a surprise. A REVOKED order is final: the reverse closed it, or
gave back the money of a payment that landed just before, so a SUCCESS reported before the reverse must not
apply after it.

Payment-code (付款码) orders add their own words: where a charge stands (:class:`CodePayOutcome`), why it ended
without money (:class:`CodePayFailure`) and what the clerk does next (:class:`NextStep`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from enum import StrEnum
from typing import Final


class TradeState(StrEnum):
    """An order's ``trade_state`` as WeChat Pay reports it."""

    NOTPAY = "NOTPAY"  # created, not paid yet
    USERPAYING = "USERPAYING"  # the customer is paying (e.g. entering a password)
    PAYERROR = "PAYERROR"  # a payment attempt failed; the customer may pay again with the same code
    SUCCESS = "SUCCESS"  # paid
    REFUND = "REFUND"  # paid, and (part of) it was refunded
    CLOSED = "CLOSED"  # closed by the merchant or after time_expire: nobody can pay it
    REVOKED = "REVOKED"  # reversed by the merchant (payment-code orders): nobody can pay it


class TradeType(StrEnum):
    """How the customer paid: an order's and a bill row's ``trade_type``."""

    NATIVE = "NATIVE"  # the merchant shows a QR code and the customer scans it (the kiosk's sales)
    MICROPAY = "MICROPAY"  # the customer shows a payment code and the merchant scans it


class CodePayFailure(StrEnum):
    """Why a payment-code charge ended without the customer's money, as the clerk has to act on it."""

    INSUFFICIENT_FUNDS = "insufficient_funds"  # 余额不足 (NOT_ENOUGH)
    PAYMENT_FAILED = "payment_failed"  # the bank or WeChat Pay refused it (a failed password, the account, risk)
    CODE_REJECTED = "code_rejected"  # the code is invalid, expired or already used
    NOT_CONFIRMED = "not_confirmed"  # the customer did not confirm in time: the order was reversed
    CANCELLED = "cancelled"  # the clerk cancelled: the order was reversed
    UNAVAILABLE = "unavailable"  # payment-code payment is refused for the merchant (set-up, order number taken)
    NOT_SENT = "not_sent"  # the code never reached WeChat Pay (the kiosk stopped before sending it)


class CodePayOutcome(StrEnum):
    """Where a payment-code order stands after a charge or a query, as the one who charged must act on it: the
    APIv3 client's answer (``kiosk.wechatpay``) and the relay's flow over it (``kiosk.relay.codepay``) alike."""

    PAID = "paid"  # done: print the receipt
    PAYING = "paying"  # the customer is confirming on the phone (password): query again in 5 s
    FAILED = "failed"  # final: nothing was taken (reverse it if it exists, to be sure); new order, new code
    UNKNOWN = "unknown"  # the answer is lost or unclear: query, and reverse if it stays unresolved


#: How long a payment-code order waits for the customer's password: not paid this long after the charge, it is
#: reversed (WeChat Pay's prescribed 30 s; it reverses the order itself at 45 s). The relay's default for
#: ``[codepay] deadline_seconds``; the cashier screen counts it down while the customer types the password.
CODEPAY_DEADLINE: Final = timedelta(seconds=30)


class NextStep(StrEnum):
    """What the clerk proposes after a failed payment-code charge (收钱吧's three)."""

    SWITCH_CARD = "switch_card"  # 换一张卡: the customer picks another card in WeChat and shows a new code
    NEW_CODE = "new_code"  # 重新出示付款码: the customer refreshes the code and shows it again
    SCAN_QR = "scan_qr"  # 改用扫码支付: the customer scans the kiosk's QR instead


#: The next step after each failure; a new code always means a new order number.
NEXT_STEP: Final[Mapping[CodePayFailure, NextStep]] = {
    CodePayFailure.INSUFFICIENT_FUNDS: NextStep.SWITCH_CARD,
    CodePayFailure.PAYMENT_FAILED: NextStep.SWITCH_CARD,
    CodePayFailure.CODE_REJECTED: NextStep.NEW_CODE,
    CodePayFailure.NOT_CONFIRMED: NextStep.NEW_CODE,
    CodePayFailure.CANCELLED: NextStep.NEW_CODE,
    CodePayFailure.UNAVAILABLE: NextStep.SCAN_QR,
    CodePayFailure.NOT_SENT: NextStep.NEW_CODE,
}


class RefundStatus(StrEnum):
    """A refund's ``status``: WeChat Pay's values plus the two "not answered yet" states of Kiosk's own."""

    REQUESTED = "REQUESTED"  # the kiosk's: journaled at the kiosk, the relay has not answered yet
    PENDING = "PENDING"  # the relay's: journaled at the relay, WeChat Pay has not answered yet
    PROCESSING = "PROCESSING"  # WeChat Pay is sending the money back
    SUCCESS = "SUCCESS"  # the customer has the money
    ABNORMAL = "ABNORMAL"  # the money left the merchant but did not arrive (card closed): handled by a person
    CLOSED = "CLOSED"  # WeChat Pay gave up (e.g. the merchant's balance never covered it): nothing moved
    FAILED = "FAILED"  # WeChat Pay (or the relay) refused the request: nothing moved


TRADE_STATES: Final = frozenset(TradeState)
CODEPAY_FAILURES: Final = frozenset(CodePayFailure)
REFUND_STATUSES: Final = frozenset(RefundStatus)

#: The customer may still pay: Cancel and expiry close these at WeChat Pay, and the relay keeps asking about them.
PAYABLE: Final = frozenset({TradeState.NOTPAY, TradeState.USERPAYING, TradeState.PAYERROR})
#: Money has been taken.
PAID: Final = frozenset({TradeState.SUCCESS, TradeState.REFUND})

#: Refunds that moved nothing: their amount may be refunded again (with a new out_refund_no). Every other
#: refund holds its amount, ABNORMAL too: its money has left the merchant and waits in WeChat Pay to be sent
#: on by hand, so refunding it again would pay the customer twice.
REFUND_RELEASED: Final = frozenset({RefundStatus.CLOSED, RefundStatus.FAILED})
#: Refunds that move on by themselves (the relay or WeChat Pay answers in time): follow them up.
REFUND_IN_FLIGHT: Final = frozenset({RefundStatus.REQUESTED, RefundStatus.PENDING, RefundStatus.PROCESSING})
#: Refunds that never change again. ABNORMAL is neither in flight nor final: it becomes SUCCESS once someone
#: handles it in the merchant platform, and only a question (query) finds that out.
REFUND_FINAL: Final = frozenset({RefundStatus.SUCCESS, RefundStatus.CLOSED, RefundStatus.FAILED})

# CLOSED and REVOKED share a rank: neither replaces the other. PAYERROR ranks below them, so that closing an
# order after a failed attempt applies. REVOKED is final besides (see trade_moves_forward).
_TRADE_RANK: Final[Mapping[str, int]] = {
    TradeState.NOTPAY: 0,
    TradeState.USERPAYING: 1,
    TradeState.PAYERROR: 2,
    TradeState.CLOSED: 3,
    TradeState.REVOKED: 3,
    TradeState.SUCCESS: 4,
    TradeState.REFUND: 5,
}
_REFUND_RANK: Final[Mapping[str, int]] = {
    RefundStatus.REQUESTED: 0,
    RefundStatus.PENDING: 1,
    RefundStatus.PROCESSING: 2,
    RefundStatus.ABNORMAL: 3,
    RefundStatus.SUCCESS: 4,
    RefundStatus.CLOSED: 4,
    RefundStatus.FAILED: 4,
}


def is_payable(state: str | None) -> bool:
    """The customer may still pay this order."""
    return state in PAYABLE


def is_paid(state: str | None) -> bool:
    """Money has been taken for this order."""
    return state in PAID


def outcome_known(state: str | None) -> bool:
    """Nobody can pay any more: the order is paid, closed or revoked (a known state that is not payable)."""
    return state in TRADE_STATES and state not in PAYABLE


def trade_moves_forward(current: str, new: str) -> bool:
    """True when ``new`` may replace ``current``; unknown states never apply, and nothing replaces REVOKED (a
    reverse either closed the order or refunded it: a SUCCESS reported before it is history)."""
    if new not in _TRADE_RANK or current not in _TRADE_RANK or current == TradeState.REVOKED:
        return False
    return _TRADE_RANK[new] > _TRADE_RANK[current]


def trade_predecessors(new: str) -> tuple[TradeState, ...]:
    """The states ``new`` may replace (for a conditional ``UPDATE … WHERE state IN …``), sorted."""
    return tuple(sorted(TradeState(state) for state in _TRADE_RANK if trade_moves_forward(state, new)))


def next_step(failure: str | None) -> NextStep | None:
    """What the clerk proposes after ``failure`` (None for none or an unknown word)."""
    return NEXT_STEP.get(CodePayFailure(failure)) if failure in CODEPAY_FAILURES else None


def refund_holds(status: str) -> bool:
    """The refund counts against what is left to refund: anything but CLOSED and FAILED (an unknown status
    holds too: when in doubt, money is not refunded twice)."""
    return status not in REFUND_RELEASED


def refund_in_flight(status: str) -> bool:
    return status in REFUND_IN_FLIGHT


def refund_is_final(status: str) -> bool:
    return status in REFUND_FINAL


def refund_moves_forward(current: str, new: str) -> bool:
    """Refund statuses only move forward too; a final one is never replaced."""
    if new not in _REFUND_RANK or current not in _REFUND_RANK:
        return False
    return _REFUND_RANK[new] > _REFUND_RANK[current]


def refund_predecessors(new: str) -> tuple[RefundStatus, ...]:
    """The statuses ``new`` may replace (for a conditional ``UPDATE``), sorted."""
    return tuple(sorted(RefundStatus(status) for status in _REFUND_RANK if refund_moves_forward(status, new)))


def held_fen(refunds: Iterable[tuple[str, int]]) -> int:
    """What ``(status, amount_fen)`` refunds hold of an order's amount."""
    return sum(amount for status, amount in refunds if refund_holds(status))
