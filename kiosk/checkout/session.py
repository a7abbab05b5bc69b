"""The payment session: a pure state machine (functional core, no I/O, no clock reads).

``transition(session, event) -> Transition(session, commands)``. The session manager journals the new
session and the commands in one transaction, then acts on the commands; every input arrives as an event.

::

    draft ──Charge──▶ creating ──CreateSucceeded──▶ awaiting_payment ──status SUCCESS──▶ paid
                        │  ▲                           │      │
          CreateUnreachable │ CreateSucceeded          │      ├─status CLOSED──▶ expired (settled)
                        ▼  │                           │      ├─status REVOKED──▶ failed (settled)
                   pending_creation                    │      │
                        │                          Cancel / Expire (→ close through the relay)
          CreateRejected ▼                             ▼
                      failed              cancelled | expired ──close/status SUCCESS──▶ paid_after_cancel
                                                │
                                  close/status CLOSED, or 404 ──▶ settled (nothing left to learn)
                                  close answers a payable state ──▶ close again, keep listening

``settled`` means the relay has nothing more to tell us about the order. ``cancelled``, ``expired`` and
``failed`` orders that are not settled still listen: a payment that lands after them becomes
``paid_after_cancel`` (never lost; the manager can refund it).

A payment-code (付款码) order (``method`` MICROPAY) has no QR: its create is the charge of the customer's code
at the relay, whose answer is the order as a long-poll gives it. It goes ``creating`` → ``awaiting_payment``
(USERPAYING: the customer types the password) → ``paid``, or ``failed`` as soon as the relay reports a
``failure`` (settled once the relay has reversed it). Cancel and expiry close it like any order: the relay
reverses it. A code-pay order whose charge never reached the relay (the kiosk stopped first) is ``failed``
with the failure NOT_SENT.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal

from kiosk.trade import CODEPAY_DEADLINE, TRADE_STATES, CodePayFailure, TradeState, TradeType, is_paid, is_payable

#: Where an answer about the order came from: a long-poll, the clerk's re-query, the answer to a close, or (a
#: payment-code order) the answer to its charge.
Source = Literal["poll", "requery", "close", "create"]


class State(StrEnum):
    DRAFT = "draft"
    CREATING = "creating"
    PENDING_CREATION = "pending_creation"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    PAID_AFTER_CANCEL = "paid_after_cancel"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"


#: The clerk may still cancel; the countdown runs.
OPEN_STATES = frozenset({State.DRAFT, State.CREATING, State.PENDING_CREATION, State.AWAITING_PAYMENT})
PAID_STATES = frozenset({State.PAID, State.PAID_AFTER_CANCEL})
#: Ended for the clerk, but a late payment may still turn them into paid_after_cancel until settled.
ENDED_STATES = frozenset({State.CANCELLED, State.EXPIRED, State.FAILED})


@dataclass(frozen=True)
class PaymentSession:
    """One order's payment, as journaled. Immutable: transitions return a new value."""

    out_trade_no: str
    amount_fen: int
    description: str
    charged_at: datetime
    expires_at: datetime
    state: State = State.DRAFT
    trade_state: str | None = None
    version: int = 0
    code_url: str | None = None
    transaction_id: str | None = None
    success_time: datetime | None = None
    payer_total_fen: int | None = None
    #: The relay has nothing more to tell us (final remote state known, or the order never reached it).
    settled: bool = False
    #: Why an open order ended: "clerk" (Cancel), "expiry", "relay" (closed/failed remotely), "rejected".
    ended_by: str | None = None
    last_error: str | None = None
    auto_print_slip: bool = False
    training: bool = False
    #: How the customer pays: NATIVE (the kiosk's QR) or MICROPAY (the customer's payment code).
    method: TradeType = TradeType.NATIVE
    #: A payment-code order's code, masked (all but the last four digits).
    payment_code: str | None = None
    #: A payment-code order: why no money was taken (``kiosk.trade.CodePayFailure``), and whether the relay cannot
    #: settle it (its reverse keeps failing: the manager must look).
    failure: str | None = None
    unresolved: bool = False

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_paid(self) -> bool:
        return self.state in PAID_STATES

    @property
    def is_final(self) -> bool:
        """Final for everyone: nothing will change the state any more."""
        return self.settled and not self.is_open

    @property
    def is_code_pay(self) -> bool:
        return self.method is TradeType.MICROPAY

    @property
    def needs_watch(self) -> bool:
        """Long-poll the relay: a QR is out there (or was), or a code was charged, and the outcome is not known."""
        reached_relay = self.version > 0 if self.is_code_pay else self.code_url is not None
        if self.settled or not reached_relay:
            return False
        return self.state is State.AWAITING_PAYMENT or self.state in ENDED_STATES

    def seconds_left(self, now: datetime) -> float:
        """The countdown shown to the clerk and customer (0 once expired)."""
        return max((self.expires_at - now).total_seconds(), 0.0)

    def password_seconds_left(self, now: datetime) -> float:
        """A payment code's countdown: how much longer the customer has to type the password. The relay
        reverses the order :data:`~kiosk.trade.CODEPAY_DEADLINE` after its charge; counted from the kiosk's
        charge, a moment before the relay's, the screen never promises more time than there is."""
        return max((self.charged_at + CODEPAY_DEADLINE - now).total_seconds(), 0.0)


# ---- events (inputs) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Charge:
    at: datetime
    #: The attempt, as journaled: a payment-code order's code, masked.
    payment_code: str | None = None


@dataclass(frozen=True)
class CreateSucceeded:
    code_url: str
    trade_state: str
    version: int


@dataclass(frozen=True)
class CreateUnreachable:
    """The relay could not be reached (or answered 5xx/429): the create stays in the outbox."""

    error: str


@dataclass(frozen=True)
class CreateRejected:
    """The relay refused the order for good (4xx): nothing was created."""

    error: str


@dataclass(frozen=True)
class RemoteStatus:
    """What the relay says about the order (a long-poll answer, a re-query, or the answer to close)."""

    trade_state: str
    version: int
    source: Source = "poll"
    transaction_id: str | None = None
    success_time: datetime | None = None
    payer_total_fen: int | None = None
    #: A payment-code order: why no money was taken, and whether the relay cannot settle it.
    failure: str | None = None
    unresolved: bool = False


@dataclass(frozen=True)
class RemoteNotFound:
    """The relay has no such order (a create that never arrived)."""

    source: Source = "close"


@dataclass(frozen=True)
class Cancel:
    at: datetime


@dataclass(frozen=True)
class Expire:
    """The countdown reached zero (the manager's timer, or recovery at start-up)."""

    at: datetime


Event = Charge | CreateSucceeded | CreateUnreachable | CreateRejected | RemoteStatus | RemoteNotFound | Cancel | Expire


# ---- commands (outputs) ----------------------------------------------------------------------


@dataclass(frozen=True)
class CreateRemote:
    """Create the order at the relay (journaled in the outbox; retried with the same out_trade_no)."""


@dataclass(frozen=True)
class DropCreate:
    """A create still in the outbox is no longer wanted (cancelled or expired before it got through)."""


@dataclass(frozen=True)
class CloseRemote:
    """Close the order at the relay (outbox; retried until the relay answers)."""


@dataclass(frozen=True)
class PrintReceipt:
    """Submit the paid receipt (job key ``{out_trade_no}:paid_receipt``; the print queue prints it once)."""


@dataclass(frozen=True)
class PrintSlip:
    """Submit the payment slip with the QR (``[payment] auto_print_slip``)."""


Command = CreateRemote | DropCreate | CloseRemote | PrintReceipt | PrintSlip


@dataclass(frozen=True)
class Transition:
    before: PaymentSession
    session: PaymentSession
    commands: tuple[Command, ...] = ()
    #: Why nothing happened, for an ignored event (journaled as a note, shown nowhere).
    ignored: str | None = None

    @property
    def changed(self) -> bool:
        return self.session != self.before

    @property
    def state_changed(self) -> bool:
        return self.session.state is not self.before.state

    @property
    def paid_after_cancel(self) -> bool:
        return self.session.state is State.PAID_AFTER_CANCEL and self.before.state is not State.PAID_AFTER_CANCEL


def _ignore(session: PaymentSession, why: str) -> Transition:
    return Transition(session, session, (), why)


def transition(session: PaymentSession, event: Event) -> Transition:
    """The whole payment lifecycle: pure, total (unknown combinations are ignored with a reason)."""
    state = session.state
    match event:
        case Charge():
            if state is not State.DRAFT:
                return _ignore(session, f"charge in {state}")
            return Transition(session, replace(session, state=State.CREATING), (CreateRemote(),))

        case CreateSucceeded():
            if state not in (State.CREATING, State.PENDING_CREATION):
                # Cancelled/expired while the create was in flight: the close already queued handles it.
                if state in ENDED_STATES and not session.settled and session.code_url is None:
                    return Transition(session, replace(session, code_url=event.code_url, version=event.version))
                return _ignore(session, f"create answered in {state}")
            created = replace(
                session,
                state=State.AWAITING_PAYMENT,
                code_url=event.code_url,
                last_error=None,
                trade_state=event.trade_state,
                version=event.version,
            )
            commands: tuple[Command, ...] = (PrintSlip(),) if session.auto_print_slip else ()
            if event.trade_state != TradeState.NOTPAY:
                # An idempotent retry of a create that had already gone further: apply its state too.
                follow = _status(created, RemoteStatus(event.trade_state, event.version, "poll"))
                return Transition(session, follow.session, commands + follow.commands)
            return Transition(session, created, commands)

        case CreateUnreachable():
            if state not in (State.CREATING, State.PENDING_CREATION):
                return _ignore(session, f"create failure in {state}")
            return Transition(session, replace(session, state=State.PENDING_CREATION, last_error=event.error))

        case CreateRejected():
            if state not in (State.CREATING, State.PENDING_CREATION):
                return _ignore(session, f"create rejection in {state}")
            failed = replace(session, state=State.FAILED, settled=True, ended_by="rejected", last_error=event.error)
            return Transition(session, failed)

        case Cancel() | Expire():
            return _end(session, event)

        case RemoteStatus():
            return _status(session, event)

        case RemoteNotFound():
            if session.is_code_pay and state in (State.CREATING, State.PENDING_CREATION):
                # The charge never reached the relay (the kiosk stopped before sending it): nothing was taken.
                failed = replace(
                    session, state=State.FAILED, settled=True, ended_by="relay", failure=CodePayFailure.NOT_SENT
                )
                return Transition(session, failed, (DropCreate(),))
            if state in ENDED_STATES and not session.settled:
                # The create never reached the relay: nobody can pay an order that does not exist.
                return Transition(session, replace(session, settled=True))
            return _ignore(session, f"relay has no order ({event.source}) in {state}")
    raise TypeError(f"not a payment event: {event!r}")  # pragma: no cover - Event is a closed union


def _end(session: PaymentSession, event: Cancel | Expire) -> Transition:
    state = session.state
    if isinstance(event, Expire) and event.at < session.expires_at:
        return _ignore(session, "expiry before expires_at")
    if state not in OPEN_STATES:
        return _ignore(session, f"{type(event).__name__.lower()} in {state}")
    ended_by = "clerk" if isinstance(event, Cancel) else "expiry"
    new_state = State.CANCELLED if isinstance(event, Cancel) else State.EXPIRED
    if state is State.DRAFT:
        return Transition(session, replace(session, state=new_state, settled=True, ended_by=ended_by))
    commands: list[Command] = [CloseRemote()]
    if state in (State.CREATING, State.PENDING_CREATION):
        # The create may have reached the relay with its answer lost: close anyway, a 404 settles it.
        commands.insert(0, DropCreate())
    return Transition(session, replace(session, state=new_state, ended_by=ended_by), tuple(commands))


def _status(session: PaymentSession, event: RemoteStatus) -> Transition:
    state = session.state
    if event.trade_state not in TRADE_STATES:
        return _ignore(session, f"unknown trade_state {event.trade_state!r}")
    if event.version < session.version and event.source == "poll":
        return _ignore(session, f"stale version {event.version} < {session.version}")
    known = replace(
        session,
        trade_state=event.trade_state,
        version=max(event.version, session.version),
        failure=session.failure or event.failure,
        unresolved=event.unresolved,
    )
    paid = is_paid(event.trade_state)
    if paid:
        known = replace(
            known,
            transaction_id=event.transaction_id or session.transaction_id,
            success_time=event.success_time or session.success_time,
            payer_total_fen=event.payer_total_fen if event.payer_total_fen is not None else session.payer_total_fen,
        )

    if state in PAID_STATES:
        return Transition(session, known) if paid else _ignore(session, f"{event.trade_state} after paid")

    if state in (State.CREATING, State.PENDING_CREATION):
        if paid:
            # A re-query while the create's answer was lost: the money is real, take it.
            return Transition(session, replace(known, state=State.PAID, settled=True), (DropCreate(), PrintReceipt()))
        if session.is_code_pay:
            # The charge's answer (or, after a restart, the relay's record of it): the order is at the relay.
            step = _code_pay_status(session, replace(known, state=State.AWAITING_PAYMENT, last_error=None))
            return Transition(session, step.session, (DropCreate(), *step.commands))
        return _ignore(session, f"status {event.trade_state} before the create was answered")

    if state is State.AWAITING_PAYMENT:
        if paid:
            return Transition(session, replace(known, state=State.PAID, settled=True), (PrintReceipt(),))
        if session.is_code_pay:
            return _code_pay_status(session, known)
        if event.trade_state == TradeState.CLOSED:
            return Transition(session, replace(known, state=State.EXPIRED, settled=True, ended_by="relay"))
        if event.trade_state == TradeState.REVOKED:
            return Transition(session, replace(known, state=State.FAILED, settled=True, ended_by="relay"))
        # Payable: still open. After PAYERROR (the bank refused) the customer may pay again with the same QR;
        # the clerk sees the failure and decides whether to cancel.
        return Transition(session, known)

    if state in ENDED_STATES:
        if session.settled:
            if paid:
                # Cannot happen with a truthful relay (a closed order cannot be paid); never drop money.
                late = replace(known, state=State.PAID_AFTER_CANCEL)
                return Transition(session, late, (PrintReceipt(),))
            return _ignore(session, f"{event.trade_state} after settled")
        if paid:
            late = replace(known, state=State.PAID_AFTER_CANCEL, settled=True)
            return Transition(session, late, (PrintReceipt(),))
        if not is_payable(event.trade_state):
            return Transition(session, replace(known, settled=True))  # closed or revoked: nobody can pay it
        if event.source == "close":
            # The close answered a state the customer can still pay in (mid-payment, or WeChat Pay refused the
            # close): ask again, and keep listening so that a payment still becomes paid_after_cancel.
            return Transition(session, known, (CloseRemote(),))
        return Transition(session, known)

    return _ignore(session, f"status {event.trade_state} in {state}")


def _code_pay_status(before: PaymentSession, known: PaymentSession) -> Transition:
    """A payment-code order awaiting its outcome: failed as soon as the relay says why (settled once nobody can
    pay it: the relay reversed it), else still waiting (USERPAYING: the customer types the password)."""
    state = known.trade_state
    if known.failure is not None or not is_payable(state):
        failed = replace(known, state=State.FAILED, ended_by="relay", settled=not is_payable(state))
        return Transition(before, failed)
    return Transition(before, known)
