"""A refund's progress at the kiosk: a pure state machine, like the payment session's (``session.py``).

``transition(refund, event) -> RefundTransition(before, refund, commands, ignored)``: no I/O, no clock reads.
The session manager journals the result and the commands in one transaction, then acts on the commands.

::

    REQUESTED ──relay answers──▶ PENDING / PROCESSING ──answers──▶ SUCCESS | CLOSED (final)
        │                             │       ▲ (follow up while in flight)
        │ relay refuses the request   └──────▶ ABNORMAL ──Recheck──▶ query ──▶ SUCCESS once handled
        ▼
      FAILED (final: nothing was refunded)

Statuses only move forward (``kiosk.trade.refund_moves_forward``). A refund in flight is followed up by a
query after :data:`FOLLOW_UP`; an ABNORMAL one moves only when someone handles it in the merchant platform, so
it is asked about on request (:class:`Recheck`). A refused *query* changes nothing: the refund keeps its status
(and the amount it holds) and the error is noted, because the money may well have moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal, Protocol

from kiosk.trade import REFUND_STATUSES, RefundStatus, held_fen, refund_in_flight, refund_moves_forward

#: How soon a refund still in flight is asked about again.
FOLLOW_UP = timedelta(seconds=2)


@dataclass(frozen=True)
class RefundSession:
    """One refund, as journaled (``refunds`` table). Immutable: transitions return a new value."""

    out_refund_no: str
    out_trade_no: str
    amount_fen: int
    state: str = RefundStatus.REQUESTED
    refund_id: str | None = None
    success_time: datetime | None = None
    last_error: str | None = None


# ---- events (inputs) -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundAnswered:
    """The relay answered the request or a query with the refund's status."""

    status: str
    refund_id: str | None = None
    success_time: datetime | None = None


@dataclass(frozen=True)
class RefundRefused:
    """The relay refused for good (4xx): the request (nothing was refunded) or a query (nothing is known)."""

    error: str
    phase: Literal["request", "query"]


@dataclass(frozen=True)
class Recheck:
    """Someone asks again about an ABNORMAL refund (the manager screen opens, a re-query of its order)."""


RefundEvent = RefundAnswered | RefundRefused | Recheck


# ---- commands (outputs) ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryRefund:
    """Ask the relay about the refund (outbox); ``later``: after :data:`FOLLOW_UP`, not at once."""

    later: bool


@dataclass(frozen=True)
class RefundTransition:
    before: RefundSession
    refund: RefundSession
    commands: tuple[QueryRefund, ...] = ()
    #: Why nothing happened, for an ignored event.
    ignored: str | None = None

    @property
    def changed(self) -> bool:
        return self.refund != self.before

    @property
    def state_changed(self) -> bool:
        return self.refund.state != self.before.state


def transition(refund: RefundSession, event: RefundEvent) -> RefundTransition:
    match event:
        case RefundAnswered():
            if event.status not in REFUND_STATUSES:
                return RefundTransition(refund, refund, (), f"unknown refund status {event.status!r}")
            known = replace(
                refund,
                refund_id=event.refund_id or refund.refund_id,
                success_time=event.success_time or refund.success_time,
                last_error=None,
            )
            if refund_moves_forward(refund.state, event.status):
                known = replace(known, state=event.status)
            follow_up = (QueryRefund(later=True),) if refund_in_flight(known.state) else ()
            return RefundTransition(refund, known, follow_up)

        case RefundRefused(phase="request"):
            if refund.state != RefundStatus.REQUESTED:
                return RefundTransition(refund, refund, (), f"request refused in {refund.state}")
            return RefundTransition(refund, replace(refund, state=RefundStatus.FAILED, last_error=event.error))

        case RefundRefused():
            return RefundTransition(refund, replace(refund, last_error=event.error))

        case Recheck():
            if refund.state != RefundStatus.ABNORMAL:
                return RefundTransition(refund, refund, (), f"recheck in {refund.state}")
            return RefundTransition(refund, refund, (QueryRefund(later=False),))
    raise TypeError(f"not a refund event: {event!r}")  # pragma: no cover - RefundEvent is a closed union


class HoldsAmount(Protocol):
    """A refund as anyone keeps it (``RefundSession``, the journal's ``RefundRow``)."""

    @property
    def state(self) -> str: ...

    @property
    def amount_fen(self) -> int: ...


def refundable_fen(amount_fen: int, refunds: Iterable[HoldsAmount]) -> int:
    """What is left to refund of an order of ``amount_fen``: every refund but CLOSED and FAILED holds its amount."""
    return max(amount_fen - held_fen((r.state, r.amount_fen) for r in refunds), 0)
