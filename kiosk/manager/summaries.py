"""Today's numbers from the journal (works offline): pure functions over sessions, items and refunds.

"Paid" means money WeChat Pay took: orders in ``paid`` *and* ``paid_after_cancel`` (what the bill will show).
"Sales" are only ``paid`` orders (the goods left the shop); top items and the average ticket use those.
Refunds belong to the day they were requested (as in WeChat Pay's bill), whatever day the order was sold.
What was paid is also split by how the customer paid (the kiosk's QR, or the customer's payment code), and a
payment-code order the relay cannot settle (its reverse keeps failing) is listed for the manager to check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from kiosk.checkout.session import PAID_STATES, PaymentSession, State
from kiosk.clock import CHINA_TZ
from kiosk.journal import OrderItemRow, RefundRow, parse_timestamp
from kiosk.trade import REFUND_RELEASED, RefundStatus, TradeType, refund_holds

REFUND_DONE = RefundStatus.SUCCESS
#: The order in which states are listed on screen and on the Z-report.
STATE_ORDER = (
    State.PAID,
    State.PAID_AFTER_CANCEL,
    State.AWAITING_PAYMENT,
    State.CREATING,
    State.PENDING_CREATION,
    State.DRAFT,
    State.CANCELLED,
    State.EXPIRED,
    State.FAILED,
)


@dataclass(frozen=True)
class StateTotal:
    state: State
    count: int
    amount_fen: int


@dataclass(frozen=True)
class MethodTotal:
    """What WeChat Pay received through one payment method (paid and paid after cancel)."""

    method: TradeType
    count: int
    amount_fen: int


@dataclass(frozen=True)
class UnresolvedCase:
    """A payment-code order the relay cannot settle: its reverse keeps failing, so the customer's money may have
    been taken. The relay keeps trying; the manager checks it in the WeChat Pay merchant platform."""

    out_trade_no: str
    amount_fen: int
    charged_at: datetime
    payment_code: str | None  # masked
    state: State


@dataclass(frozen=True)
class HourBucket:
    hour: int  # 0-23, Beijing time
    count: int
    amount_fen: int


@dataclass(frozen=True)
class TopItem:
    sku: str
    name_zh: str
    name_en: str
    quantity: int
    amount_fen: int


@dataclass(frozen=True)
class AttentionCase:
    """A payment that landed after the sale was cancelled: real money without a sale, until refunded."""

    out_trade_no: str
    amount_fen: int
    charged_at: datetime
    success_time: datetime | None
    transaction_id: str | None
    ended_by: str | None
    refunded_fen: int  # refunds succeeded or still in progress
    description: str

    @property
    def refundable_fen(self) -> int:
        return max(self.amount_fen - self.refunded_fen, 0)

    @property
    def resolved(self) -> bool:
        return self.refundable_fen == 0


@dataclass(frozen=True)
class DaySummary:
    day: date
    order_count: int
    by_state: tuple[StateTotal, ...]
    paid_count: int
    paid_total_fen: int  # paid + paid_after_cancel: what WeChat Pay received
    by_method: tuple[MethodTotal, ...]  # the same, by payment method (QR first), only the methods used
    sales_count: int
    sales_total_fen: int  # paid only
    refund_count: int
    refunds_total_fen: int  # succeeded refunds requested on this day
    refunds_pending_fen: int  # requested or processing
    abnormal_refunds: tuple[RefundRow, ...]  # every day's ABNORMAL refunds, oldest first: handle in the platform
    net_fen: int  # paid_total - refunds_total
    average_ticket_fen: int  # sales_total / sales_count, half-up; 0 without sales
    by_hour: tuple[HourBucket, ...]  # always 24 buckets
    top_by_quantity: tuple[TopItem, ...]
    top_by_amount: tuple[TopItem, ...]
    attention: tuple[AttentionCase, ...]  # unresolved first
    unresolved: tuple[UnresolvedCase, ...]  # every day's payment-code orders the relay cannot settle, oldest first
    training: bool

    def state_total(self, state: State) -> StateTotal:
        for total in self.by_state:
            if total.state is state:
                return total
        return StateTotal(state, 0, 0)

    @property
    def open_attention(self) -> tuple[AttentionCase, ...]:
        return tuple(case for case in self.attention if not case.resolved)


@dataclass(frozen=True)
class DayData:
    """Everything a day's summary needs, as read from the journal."""

    day: date
    orders: tuple[PaymentSession, ...]
    items: Mapping[str, Sequence[OrderItemRow]]
    refunds: tuple[RefundRow, ...]  # all refunds (the summary picks the day's)
    paid_after_cancel: tuple[PaymentSession, ...]  # every day's (attention is not limited to today)
    training: bool
    unresolved: tuple[PaymentSession, ...] = ()  # every day's payment-code orders the relay cannot settle


class JournalSource(Protocol):
    """The part of ``KioskCore`` the manager reads (fast, local)."""

    training: bool

    def today(self) -> date: ...

    def orders_between(self, first: date, last: date) -> list[PaymentSession]: ...

    def order_items(self, out_trade_no: str) -> list[OrderItemRow]: ...

    def refunds(self, out_trade_no: str | None = None) -> list[RefundRow]: ...

    def paid_after_cancel(self) -> list[PaymentSession]: ...

    def unresolved_orders(self) -> list[PaymentSession]: ...


def load_day(source: JournalSource, day: date) -> DayData:
    """Read one business day from the journal (blocking I/O: call off the GUI thread)."""
    orders = tuple(source.orders_between(day, day))
    items = {order.out_trade_no: tuple(source.order_items(order.out_trade_no)) for order in orders}
    return DayData(
        day=day,
        orders=orders,
        items=items,
        refunds=tuple(source.refunds()),
        paid_after_cancel=tuple(source.paid_after_cancel()),
        training=bool(source.training),
        unresolved=tuple(source.unresolved_orders()),
    )


def beijing_day(moment: datetime) -> date:
    return moment.astimezone(CHINA_TZ).date()


def refund_day(refund: RefundRow) -> date | None:
    requested = parse_timestamp(refund.requested_at)
    return beijing_day(requested) if requested is not None else None


def refunded_by_order(refunds: Iterable[RefundRow]) -> dict[str, int]:
    """Fen refunded or being refunded per order (failed and closed refunds do not count, abnormal ones do)."""
    totals: dict[str, int] = defaultdict(int)
    for refund in refunds:
        if refund_holds(refund.state):
            totals[refund.out_trade_no] += refund.amount_fen
    return dict(totals)


def _requested_order(refund: RefundRow) -> tuple[str, str]:
    return refund.requested_at or "", refund.out_refund_no


def _half_up_div(total: int, count: int) -> int:
    return (2 * total + count) // (2 * count) if count else 0


def attention_cases(orders: Iterable[PaymentSession], refunds: Iterable[RefundRow]) -> tuple[AttentionCase, ...]:
    """Paid-after-cancel orders with how much is already refunded; unresolved first, oldest first."""
    refunded = refunded_by_order(refunds)
    cases = [
        AttentionCase(
            out_trade_no=o.out_trade_no,
            amount_fen=o.amount_fen,
            charged_at=o.charged_at,
            success_time=o.success_time,
            transaction_id=o.transaction_id,
            ended_by=o.ended_by,
            refunded_fen=refunded.get(o.out_trade_no, 0),
            description=o.description,
        )
        for o in orders
        if o.state is State.PAID_AFTER_CANCEL
    ]
    cases.sort(key=lambda c: (c.resolved, c.charged_at, c.out_trade_no))
    return tuple(cases)


def summarise(data: DayData, *, top: int = 10) -> DaySummary:
    return summarise_day(
        data.day,
        data.orders,
        data.items,
        data.refunds,
        paid_after_cancel=data.paid_after_cancel,
        unresolved=data.unresolved,
        training=data.training,
        top=top,
    )


def summarise_day(
    day: date,
    orders: Sequence[PaymentSession],
    items: Mapping[str, Sequence[OrderItemRow]],
    refunds: Sequence[RefundRow],
    *,
    paid_after_cancel: Sequence[PaymentSession] = (),
    unresolved: Sequence[PaymentSession] = (),
    training: bool = False,
    top: int = 10,
) -> DaySummary:
    """The day's summary. ``orders`` are the day's orders; ``refunds`` may hold any day's (filtered here)."""
    counts: dict[State, list[int]] = {}
    methods: dict[TradeType, list[int]] = {}
    hours = [[0, 0] for _ in range(24)]
    paid_count = paid_total = sales_count = sales_total = 0
    names: dict[str, tuple[str, str]] = {}
    quantity: dict[str, int] = defaultdict(int)
    amount: dict[str, int] = defaultdict(int)
    for order in orders:
        entry = counts.setdefault(order.state, [0, 0])
        entry[0] += 1
        entry[1] += order.amount_fen
        if order.state not in PAID_STATES:
            continue
        paid_count += 1
        paid_total += order.amount_fen
        by_method = methods.setdefault(order.method, [0, 0])
        by_method[0] += 1
        by_method[1] += order.amount_fen
        when = order.success_time or order.charged_at
        bucket = hours[when.astimezone(CHINA_TZ).hour]
        bucket[0] += 1
        bucket[1] += order.amount_fen
        if order.state is not State.PAID:
            continue
        sales_count += 1
        sales_total += order.amount_fen
        for line in items.get(order.out_trade_no, ()):
            names.setdefault(line.sku, (line.name_zh, line.name_en))
            quantity[line.sku] += line.quantity
            amount[line.sku] += line.total_fen

    day_refunds = [r for r in refunds if refund_day(r) == day]
    done = [r for r in day_refunds if r.state == REFUND_DONE]
    settled = {REFUND_DONE, RefundStatus.ABNORMAL, *REFUND_RELEASED}
    pending = [r for r in day_refunds if r.state not in settled]
    refunds_total = sum(r.amount_fen for r in done)

    ranked = [TopItem(sku, zh, en, quantity[sku], amount[sku]) for sku, (zh, en) in names.items()]
    by_quantity = sorted(ranked, key=lambda t: (-t.quantity, -t.amount_fen, t.sku))[:top]
    by_amount = sorted(ranked, key=lambda t: (-t.amount_fen, -t.quantity, t.sku))[:top]
    known = [s for s in STATE_ORDER if s in counts] + sorted(s for s in counts if s not in STATE_ORDER)
    return DaySummary(
        day=day,
        order_count=len(orders),
        by_state=tuple(StateTotal(s, counts[s][0], counts[s][1]) for s in known),
        paid_count=paid_count,
        paid_total_fen=paid_total,
        by_method=tuple(MethodTotal(m, *methods[m]) for m in TradeType if m in methods),
        sales_count=sales_count,
        sales_total_fen=sales_total,
        refund_count=len(done),
        refunds_total_fen=refunds_total,
        refunds_pending_fen=sum(r.amount_fen for r in pending),
        abnormal_refunds=tuple(sorted((r for r in refunds if r.state == RefundStatus.ABNORMAL), key=_requested_order)),
        net_fen=paid_total - refunds_total,
        average_ticket_fen=_half_up_div(sales_total, sales_count),
        by_hour=tuple(HourBucket(h, c, a) for h, (c, a) in enumerate(hours)),
        top_by_quantity=tuple(by_quantity),
        top_by_amount=tuple(by_amount),
        attention=attention_cases(paid_after_cancel, refunds),
        unresolved=tuple(
            UnresolvedCase(o.out_trade_no, o.amount_fen, o.charged_at, o.payment_code, o.state)
            for o in sorted(unresolved, key=lambda o: (o.charged_at, o.out_trade_no))
        ),
        training=training,
    )
