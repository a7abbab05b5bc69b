"""What the relay needs from WeChat Pay, in the relay's own terms.

The relay core talks to a ``Gateway``; ``kiosk.relay.wechat`` adapts the APIv3 client library to it. All
foreign errors are mapped here to ``GatewayError`` so that nothing from httpx or the client leaks into
the HTTP layer, and unit tests can plug in a fake gateway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from kiosk.trade import CodePayFailure, CodePayOutcome

from .config import Store


@dataclass(frozen=True)
class NewOrder:
    out_trade_no: str
    description: str
    amount_fen: int
    notify_url: str
    time_expire: datetime
    attach: str | None = None


@dataclass(frozen=True)
class TradeReport:
    """An order's state as WeChat Pay reports it (query answer or verified notification)."""

    out_trade_no: str
    trade_state: str
    trade_state_desc: str | None = None
    transaction_id: str | None = None
    success_time: datetime | None = None
    payer_total_fen: int | None = None
    total_fen: int | None = None
    bank_type: str | None = None
    mchid: str | None = None
    sub_mchid: str | None = None
    trade_type: str | None = None


@dataclass(frozen=True)
class NewCodePay:
    """A payment-code charge. ``auth_code`` is the customer's code: kept out of the ``repr``, never stored."""

    out_trade_no: str
    description: str
    amount_fen: int
    auth_code: str = field(repr=False)
    device_ip: str
    store_out_id: str
    device_id: str | None = None
    attach: str | None = None


@dataclass(frozen=True)
class CodePayReport:
    """What a charge or a query established about a payment-code order."""

    outcome: CodePayOutcome
    trade: TradeReport | None = None  # the order as WeChat Pay reported it (a paid charge, or a query)
    failure: CodePayFailure | None = None  # why a FAILED charge failed
    code: str | None = None  # WeChat Pay's error code, when it answered one
    message: str | None = None  # WeChat Pay's message (Chinese), the payment code masked in it
    order_not_found: bool = False  # a query: WeChat Pay has no such order (the charge was not recorded, yet)
    number_taken: bool = False  # a charge: the out_trade_no is another order's at WeChat Pay


@dataclass(frozen=True)
class NewRefund:
    out_refund_no: str
    out_trade_no: str
    amount_fen: int
    total_fen: int
    reason: str | None
    notify_url: str | None


@dataclass(frozen=True)
class RefundReport:
    out_refund_no: str
    status: str
    refund_id: str | None = None
    out_trade_no: str | None = None
    refund_fen: int | None = None
    success_time: datetime | None = None


@dataclass(frozen=True)
class PaymentNotice:
    id: str
    event_type: str
    trade: TradeReport


@dataclass(frozen=True)
class RefundNotice:
    id: str
    event_type: str
    refund: RefundReport


@dataclass(frozen=True)
class OtherNotice:
    """A verified notification of a kind the relay does not act on; recorded, acknowledged."""

    id: str
    event_type: str


Notice = PaymentNotice | RefundNotice | OtherNotice


@dataclass(frozen=True)
class Bill:
    """A day's trade bill as JSON values, column by column: ``values[i]`` holds every row's value of
    ``columns[i]`` (``kiosk.wire.BILL_COLUMNS``); the summary row by name. No object per row is ever built."""

    columns: list[str]
    values: list[list[Any]]
    summary: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)  # the bill's own fields beyond these: bill_type

    @property
    def bill_type(self) -> str:
        return str(self.extra["bill_type"])

    @property
    def row_count(self) -> int:
        return len(self.values[0]) if self.values else 0


@dataclass(frozen=True)
class Reachability:
    """What the latest exchange with WeChat Pay showed, for the health check and the log."""

    base_url: str
    #: Why the latest call got no usable answer (unreachable, too slow, a 5xx); None once one answered.
    problem: str | None = None
    #: When that was (``time.monotonic``); None before the first call.
    at: float | None = None


class GatewayError(Exception):
    """WeChat Pay refused the call or could not be reached; ``code`` is WeChat's (or TRANSPORT)."""

    def __init__(self, code: str, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.retryable = retryable

    @property
    def not_found(self) -> bool:
        return self.code in ("ORDER_NOT_EXIST", "RESOURCE_NOT_EXISTS", "ORDERNOTEXIST")


class NotificationRejected(Exception):
    """A notification failed verification (signature, timestamp, serial, probe, decryption, format)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Gateway(Protocol):
    async def create_order(self, store: Store, order: NewOrder) -> str:
        """Place (or re-place) a Native order; returns the code_url."""
        ...

    async def query_order(self, store: Store, out_trade_no: str) -> TradeReport: ...

    async def close_order(self, store: Store, out_trade_no: str) -> None: ...

    async def charge_codepay(self, store: Store, charge: NewCodePay) -> CodePayReport:
        """Charge a payment code once (never retried here: a second charge could take the money twice)."""
        ...

    async def query_codepay(self, store: Store, out_trade_no: str) -> CodePayReport: ...

    async def reverse_order(self, store: Store, out_trade_no: str) -> None:
        """Reverse (撤销) a payment-code order: closes it unpaid, or refunds it paid; raises GatewayError."""
        ...

    async def create_refund(self, store: Store, refund: NewRefund) -> RefundReport: ...

    async def query_refund(self, store: Store, out_refund_no: str) -> RefundReport: ...

    async def trade_bill(self, store: Store, bill_date: date) -> Bill: ...

    async def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notice:
        """Verify the raw body, then decrypt; raises NotificationRejected."""
        ...

    async def prepare(self) -> None:
        """Start-up work (e.g. download platform certificates); failures are logged, not raised."""
        ...

    def reachability(self) -> Reachability:
        """Whether WeChat Pay answered the latest call, at which base URL."""
        ...

    async def probe(self) -> None:
        """A cheap request when no call has shown lately whether WeChat Pay answers (recorded, never raised)."""
        ...

    async def aclose(self) -> None: ...
