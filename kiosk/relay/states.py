"""Order state rules: which WeChat ``trade_state`` may follow which.

Notifications and queries arrive late, twice and out of order, so a state is applied only when it moves
the order *forward*. The ranking encodes what the merchant may rely on: money taken (SUCCESS) outranks
every unpaid outcome, and a refund outranks the payment it refunds. A paid order never goes back.
"""

from __future__ import annotations

from typing import Final

NOTPAY: Final = "NOTPAY"
USERPAYING: Final = "USERPAYING"
SUCCESS: Final = "SUCCESS"
CLOSED: Final = "CLOSED"
PAYERROR: Final = "PAYERROR"
REVOKED: Final = "REVOKED"
REFUND: Final = "REFUND"

TRADE_STATES: Final = frozenset({NOTPAY, USERPAYING, SUCCESS, CLOSED, PAYERROR, REVOKED, REFUND})

#: States in which a customer may still pay; the reconciler keeps querying these.
OPEN_STATES: Final = frozenset({NOTPAY, USERPAYING})
#: States in which money has been taken.
PAID_STATES: Final = frozenset({SUCCESS, REFUND})

# CLOSED, PAYERROR and REVOKED share a rank: none of them replaces another. A verified SUCCESS after a
# CLOSED still applies (the customer paid just before the close landed): losing a payment is worse.
_RANK: Final = {NOTPAY: 0, USERPAYING: 1, CLOSED: 2, PAYERROR: 2, REVOKED: 2, SUCCESS: 3, REFUND: 4}

#: Refund statuses: PENDING is the relay's own (journaled, WeChat not yet answered); the rest are WeChat's.
REFUND_PENDING: Final = "PENDING"
REFUND_PROCESSING: Final = "PROCESSING"
REFUND_SUCCESS: Final = "SUCCESS"
REFUND_CLOSED: Final = "CLOSED"
REFUND_ABNORMAL: Final = "ABNORMAL"
REFUND_FAILED: Final = "FAILED"  # WeChat refused the request; nothing was refunded
REFUND_STATUSES: Final = frozenset(
    {REFUND_PENDING, REFUND_PROCESSING, REFUND_SUCCESS, REFUND_CLOSED, REFUND_ABNORMAL, REFUND_FAILED}
)
#: Refund statuses that still count against the refundable amount. ABNORMAL does: the money has left the
#: merchant and waits in WeChat Pay to be sent elsewhere (merchant platform); refunding again would pay twice.
REFUND_HOLDING: Final = frozenset({REFUND_PENDING, REFUND_PROCESSING, REFUND_SUCCESS, REFUND_ABNORMAL})
_REFUND_RANK: Final = {
    REFUND_PENDING: 0,
    REFUND_PROCESSING: 1,
    REFUND_ABNORMAL: 2,
    REFUND_FAILED: 3,
    REFUND_CLOSED: 3,
    REFUND_SUCCESS: 3,
}


def is_forward(current: str, new: str) -> bool:
    """True when ``new`` may replace ``current``; unknown states never apply."""
    if new not in _RANK or current not in _RANK:
        return False
    return _RANK[new] > _RANK[current]


def predecessors(new: str) -> tuple[str, ...]:
    """The states from which ``new`` may be applied (for a conditional ``UPDATE … WHERE state IN``)."""
    return tuple(sorted(state for state in _RANK if is_forward(state, new)))


def is_open(state: str) -> bool:
    return state in OPEN_STATES


def refund_is_forward(current: str, new: str) -> bool:
    """Refund statuses also only move forward; a final status (SUCCESS, CLOSED, FAILED) is never replaced."""
    if new not in _REFUND_RANK or current not in _REFUND_RANK:
        return False
    return _REFUND_RANK[new] > _REFUND_RANK[current]


def refund_is_final(status: str) -> bool:
    return _REFUND_RANK.get(status, 0) >= 3
