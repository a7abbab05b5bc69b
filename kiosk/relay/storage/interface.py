"""What the relay stores, behind one interface: orders, payment-code flows, notifications, refunds, the bill cache
and events.

The relay's core (``service.py``, ``reconciler.py``) talks to a :class:`RelayStorage` and never sees SQL.
Each method is one transaction, and every state rule the store must keep under concurrency is part of the
method, expressed the way several writers can share it: a state moves only by a conditional ``UPDATE … WHERE
state IN (its predecessors)`` (``kiosk.trade``), a notification id is recorded once by its primary key in the
same transaction as its change, a refund is inserted only while the refunds that hold the order's amount
leave room for it, and a payment-code flow's step only moves forward (:data:`CODEPAY_STEPS`). The transactions
themselves are written once for every engine (``transactions.py``). Engines: :mod:`kiosk.relay.storage.sqlite`
(embedded, one process, one writer thread with group commit) and :mod:`kiosk.relay.storage.postgres` (a server
several relay instances share; its :class:`ClusterLink` carries what they tell each other).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal, Protocol

from kiosk.relay.gateway import RefundReport, TradeReport
from kiosk.trade import TradeType


class StorageError(Exception):
    """The store could not complete a write (disk full, I/O error, closed, in use by another relay)."""


@dataclass(frozen=True, kw_only=True)
class OrderRecord:
    out_trade_no: str
    store_id: str
    kiosk_id: str
    trade_type: TradeType
    amount_fen: int
    description: str
    attach: str | None
    items: Any  # the kiosk's JSON array or object, or None
    time_expire: datetime
    state: str
    trade_state_desc: str | None
    version: int
    transaction_id: str | None
    success_time: datetime | None
    payer_total_fen: int | None
    bank_type: str | None
    code_url: str | None
    code_url_at: datetime | None
    refunded_fen: int
    #: WeChat Pay's code when it refused the order: placing a Native order (the reason is ``trade_state_desc``;
    #: see :meth:`RelayStorage.reject_order`), or charging a payment code (with ``failure``).
    error_code: str | None
    #: Payment code: why the charge ended without money (``kiosk.trade.CodePayFailure``), and whether nobody can
    #: settle the order (its reverse keeps failing): the manager must look.
    failure: str | None
    unresolved: bool
    created_at: datetime
    updated_at: datetime


class CodePayStep(StrEnum):
    """Where a payment-code order's flow stands; steps only move forward (a restart resumes the stored one)."""

    CHARGING = "charging"  # the charge is being sent; if the relay stopped meanwhile, its answer is lost
    POLLING = "polling"  # querying every few seconds until paid, failed or the deadline
    REVERSING = "reversing"  # reversing (撤销), again and again until WeChat Pay answers
    DONE = "done"  # the order's outcome is known: paid, or reversed (closed or refunded)


#: The steps in their only order.
CODEPAY_STEPS: tuple[CodePayStep, ...] = tuple(CodePayStep)


@dataclass(frozen=True, kw_only=True)
class CodePayRecord:
    """A payment-code order's flow: its timeline and where it stands (the code itself is never stored)."""

    out_trade_no: str
    payment_code: str  # masked: all but the last four digits
    device_ip: str
    charged_at: datetime  # when the charge was sent: the timeline starts here
    step: CodePayStep
    next_at: datetime | None  # when the flow acts next
    attempts: int  # queries or reverses made in this step
    resent: bool  # the charge was sent a second time (allowed once, while WeChat Pay had no such order)
    cancel_requested_at: datetime | None
    last_error: str | None
    updated_at: datetime


@dataclass(frozen=True, kw_only=True)
class RefundRecord:
    out_refund_no: str
    out_trade_no: str
    store_id: str
    kiosk_id: str
    amount_fen: int
    total_fen: int
    reason: str | None
    status: str
    refund_id: str | None
    success_time: datetime | None
    error_code: str | None
    error_message: str | None
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, kw_only=True)
class EventRecord:
    """One line of the audit trail: an order created, a state change, a mismatch, a refund request, …"""

    seq: int
    at: datetime
    kind: str
    out_trade_no: str | None
    detail: Any


@dataclass(frozen=True, kw_only=True)
class OrderDraft:
    """A kiosk's new order, stored NOTPAY at version 1 before WeChat Pay hears of it."""

    out_trade_no: str
    store_id: str
    kiosk_id: str
    trade_type: TradeType
    amount_fen: int
    description: str
    attach: str | None
    items: Any
    time_expire: datetime
    at: datetime


@dataclass(frozen=True, kw_only=True)
class CodePayDraft:
    """The flow of a new payment-code order, stored with it (step CHARGING) before the charge is sent."""

    payment_code: str  # masked
    device_ip: str
    charged_at: datetime


@dataclass(frozen=True, kw_only=True)
class RefundDraft:
    """A manager's new refund, stored PENDING before WeChat Pay hears of it."""

    out_refund_no: str
    out_trade_no: str
    store_id: str
    kiosk_id: str
    amount_fen: int
    reason: str | None
    at: datetime


class Inserted(StrEnum):
    CREATED = "created"
    EXISTS = "exists"  # the number is taken: the stored record is returned, for the caller to compare
    ORDER_NOT_PAID = "order_not_paid"  # refunds only: the order has taken no money
    EXCEEDS_AMOUNT = "exceeds_amount"  # refunds only: the refunds holding the amount leave no room for it


#: What offering a WeChat Pay report to an order did.
Outcome = Literal["applied", "stale", "unknown_order", "unknown_refund", "mismatch", "duplicate", "ignored"]


@dataclass(frozen=True)
class OrderChange:
    outcome: Outcome
    order: OrderRecord | None  # the order as it is now (None for an unknown order or a duplicate)


@dataclass(frozen=True)
class RefundChange:
    outcome: Outcome
    refund: RefundRecord | None  # the refund as it is now (None for an unknown refund or a duplicate)
    order: OrderRecord | None  # the order, when the refund changed it (refunded_fen, REFUND)


#: Names what is wrong when a verified report does not belong to the stored order ('' when it does).
Mismatch = Callable[[OrderRecord], str]


@dataclass(frozen=True)
class Signal:
    """What one relay instance tells the others through the database.

    ``order``: an order's version moved (``key`` the out_trade_no, ``version`` the new one), whoever moved it;
    ``work``: for the instance running the reconciler (``key`` as the reconciler names its work, e.g.
    ``"o:<out_trade_no>"``); ``resync``: the link was lost and is back, signals may have been missed meanwhile.
    """

    kind: Literal["order", "work", "resync"]
    key: str = ""
    version: int = 0


class ClusterLink(Protocol):
    """The signals of an engine several relay instances share (PostgreSQL: LISTEN/NOTIFY)."""

    def signals(self) -> AsyncIterator[Signal]:
        """Every signal from now on, from every instance, this one's included; starts with ``resync``."""
        ...

    async def send_work(self, keys: Sequence[str]) -> None:
        """Tell the instance running the reconciler about ``keys`` (delivered on the database's commit)."""
        ...


class RelayStorage(Protocol):
    #: None when one process owns the store (SQLite), else how its instances signal each other.
    cluster: ClusterLink | None

    # -- orders

    async def insert_order(self, draft: OrderDraft) -> tuple[Inserted, OrderRecord]:
        """Store a new order, or return the one stored under its number (``Inserted.EXISTS``)."""
        ...

    async def order(self, out_trade_no: str) -> OrderRecord | None: ...

    async def set_code_url(self, out_trade_no: str, code_url: str, at: datetime) -> OrderRecord:
        """Remember the QR code WeChat Pay issued (not a change of the order: the version stays)."""
        ...

    async def reject_order(self, out_trade_no: str, code: str, message: str, *, at: datetime) -> OrderRecord:
        """WeChat Pay refused to create the order: a payable order that never had a QR code becomes CLOSED with
        the reason (``error_code``, ``trade_state_desc``) and a new version; nobody can pay it."""
        ...

    async def advance_order(self, report: TradeReport, *, at: datetime, source: str, mismatch: Mismatch) -> OrderChange:
        """Apply ``report`` if it moves the order forward (``kiosk.trade.trade_moves_forward``)."""
        ...

    async def payable_orders(self) -> list[str]:
        """The Native orders a customer may still pay (the reconciler queries them; a payment-code order is
        followed by its own flow)."""
        ...

    async def stores_of(self, out_trade_nos: Sequence[str]) -> dict[str, str]:
        """The store of each of ``out_trade_nos`` that is an order here (the others are left out)."""
        ...

    # -- payment-code flows

    async def insert_codepay(self, draft: OrderDraft, flow: CodePayDraft) -> tuple[Inserted, OrderRecord]:
        """Store a new MICROPAY order with its flow at step CHARGING, or return the order stored under its number
        (``Inserted.EXISTS``, whatever its payment method)."""
        ...

    async def codepay(self, out_trade_no: str) -> CodePayRecord | None: ...

    async def active_codepays(self) -> list[CodePayRecord]:
        """The flows that are not DONE (a restarted relay resumes them)."""
        ...

    async def move_codepay(
        self,
        out_trade_no: str,
        step: CodePayStep,
        *,
        at: datetime,
        next_at: datetime | None,
        attempts: int = 0,
        error: str | None = None,
        resent: bool = False,
    ) -> CodePayRecord | None:
        """Set the flow's step and next action, unless it has gone past ``step`` already (steps never go back;
        ``resent`` only ever turns on); None when it has (the flow as it is is stored unchanged)."""
        ...

    async def cancel_codepay(self, out_trade_no: str, *, at: datetime) -> CodePayRecord | None:
        """The clerk cancelled: remember when (once), unless the flow is DONE; the flow as it stands, or None for
        no such flow."""
        ...

    async def mark_codepay(
        self,
        out_trade_no: str,
        *,
        at: datetime,
        failure: str | None = None,
        error_code: str | None = None,
        unresolved: bool | None = None,
    ) -> OrderRecord | None:
        """Record on the order why its charge failed, with WeChat Pay's ``error_code`` when it refused the charge
        (the first failure stays, and its code with it; an order that is paid, SUCCESS or REFUND, takes none), and
        whether it is unresolved; bumps its version when either changes (kiosks see it). None for no such order."""
        ...

    # -- notifications: each id once, in the same transaction as the change it carries

    async def record_payment_notification(
        self, notification_id: str, event_type: str, report: TradeReport, *, at: datetime, mismatch: Mismatch
    ) -> OrderChange: ...

    async def record_refund_notification(
        self, notification_id: str, event_type: str, report: RefundReport, *, at: datetime
    ) -> RefundChange: ...

    async def record_other_notification(self, notification_id: str, event_type: str, *, at: datetime) -> Outcome:
        """A verified notification the relay does not act on: ``ignored``, or ``duplicate``."""
        ...

    # -- refunds

    async def insert_refund(self, draft: RefundDraft) -> tuple[Inserted, RefundRecord | None]:
        """Store a PENDING refund if the order is paid and the refunds holding its amount leave room for it; or
        return the refund stored under its number (``Inserted.EXISTS``)."""
        ...

    async def refund(self, out_refund_no: str) -> RefundRecord | None: ...

    async def refuse_refund(self, out_refund_no: str, code: str, message: str, *, at: datetime) -> RefundRecord:
        """WeChat Pay refused a PENDING refund: it becomes FAILED (and stops holding the amount)."""
        ...

    async def advance_refund(self, report: RefundReport, *, at: datetime, source: str) -> RefundChange:
        """Apply ``report`` if it moves the refund forward; a SUCCESS updates its order."""
        ...

    async def unfinished_refunds(self) -> list[str]:
        """Refunds that are not final (the reconciler follows them up)."""
        ...

    # -- bill cache: each store's answer as the relay serves it (``kiosk.relay.bills``: encoded, gzip-compressed)

    async def cached_bill(self, store_id: str, bill_date: date, bill_type: str) -> bytes | None: ...

    async def cache_bills(self, bill_date: date, bill_type: str, bodies: Mapping[str, bytes], *, at: datetime) -> None:
        """Keep each store's answer (``bodies`` by store id), replacing what was kept for that day."""
        ...

    # -- leases: named turns every instance on the store shares (the work lease, a download limit)

    async def claim_lease(self, name: str, holder: str, *, at: datetime, seconds: float) -> bool:
        """Hold ``name`` for ``seconds`` from ``at`` if it is free (never taken or expired) or already ``holder``'s
        (a renewal); True when ``holder`` holds it now."""
        ...

    async def release_lease(self, name: str, holder: str) -> None:
        """Give ``name`` up if ``holder`` holds it (another instance may claim it at once)."""
        ...

    # -- events (the audit trail: orders created, state changes, mismatches, refund requests)

    async def events(self, out_trade_no: str) -> list[EventRecord]: ...

    # -- life cycle

    async def probe(self) -> None:
        """One small write committed the way every write is, and a look at the room left to grow: raise
        :class:`StorageError` naming what is wrong (a failing or full disk) unless the store takes writes."""
        ...

    def stalled(self, after: float) -> str | None:
        """Why the store cannot make progress at all, without waiting for it (its writer has stopped, one
        write has run for over ``after`` seconds), or None. Cheap: the health check calls it on the event loop."""
        ...

    async def aclose(self) -> None: ...
