"""The relay's core: the rules for orders, notifications, refunds and bills, over storage, the hub and the gateway.

No SQL (``storage``), no HTTP (``app.py`` maps :class:`RequestRefused` to a status code and the error body):
answers are the contract's messages (``kiosk.wire``). Every change to an order bumps its version in storage
and is published to the long-poll hub (as its encoded view) once it is durable.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from kiosk.clock import CHINA_TZ, Clock
from kiosk.trade import CodePayFailure, RefundStatus, TradeState, TradeType, is_payable, refund_is_final
from kiosk.wire import (
    OUT_REFUND_NO,
    OUT_TRADE_NO,
    BillAnswer,
    ErrorCode,
    OrderCreate,
    OrderView,
    RefundCreate,
    RefundView,
    decode,
    encode,
)

from .config import AUTO, Kiosk, RelayConfig, Store
from .gateway import (
    Bill,
    Gateway,
    GatewayError,
    NewOrder,
    NewRefund,
    Notice,
    PaymentNotice,
    RefundNotice,
    RefundReport,
    TradeReport,
)
from .hub import Snapshot, VersionHub
from .storage import Inserted, OrderChange, OrderDraft, OrderRecord, RefundDraft, RefundRecord, RelayStorage

if TYPE_CHECKING:
    from .codepay import CodePayFlows

log = logging.getLogger("kiosk.relay")

MAX_WAIT = 30.0
#: code_url lives 2 hours at WeChat Pay; re-place the order a little before that.
CODE_URL_REFRESH = timedelta(minutes=110)
#: WeChat Pay wants time_expire a little ahead; the relay asks for 30 s.
MIN_EXPIRE_LEAD = timedelta(seconds=30)
#: A refresh (``refresh=1``) waits at most this long for WeChat Pay.
REFRESH_DEADLINE = 5.0


class RequestRefused(Exception):
    """The relay refuses a kiosk's request: answered as the contract's error body (``kiosk.wire.ErrorAnswer``)."""

    def __init__(self, code: ErrorCode, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        #: The optional fields of ``kiosk.wire.ErrorDetail`` (field, retryable, retry_after, wechatpay_code, refund).
        self.details = details


def not_found(what: str = "order") -> RequestRefused:
    return RequestRefused(ErrorCode.NOT_FOUND, f"no such {what}")


def gateway_failure(exc: GatewayError) -> RequestRefused:
    if exc.code == "TRANSPORT":
        return RequestRefused(ErrorCode.WECHATPAY_UNAVAILABLE, "WeChat Pay could not be reached; retry", retryable=True)
    return RequestRefused(ErrorCode.WECHATPAY_ERROR, exc.message, wechatpay_code=exc.code, retryable=exc.retryable)


def order_view(order: OrderRecord) -> OrderView:
    return OrderView(
        out_trade_no=order.out_trade_no,
        store_id=order.store_id,
        trade_type=order.trade_type,
        state=TradeState(order.state),
        version=order.version,
        amount_fen=order.amount_fen,
        description=order.description,
        expires_at=order.time_expire,
        refunded_fen=order.refunded_fen,
        created_at=order.created_at,
        updated_at=order.updated_at,
        code_url=order.code_url,
        trade_state_desc=order.trade_state_desc,
        transaction_id=order.transaction_id,
        success_time=order.success_time,
        payer_total_fen=order.payer_total_fen,
        attach=order.attach,
        items=order.items,
        failure=CodePayFailure(order.failure) if order.failure else None,
        unresolved=True if order.unresolved else None,
    )


def refund_view(refund: RefundRecord) -> RefundView:
    return RefundView(
        out_refund_no=refund.out_refund_no,
        out_trade_no=refund.out_trade_no,
        store_id=refund.store_id,
        amount_fen=refund.amount_fen,
        total_fen=refund.total_fen,
        status=RefundStatus(refund.status),
        version=refund.version,
        created_at=refund.created_at,
        updated_at=refund.updated_at,
        reason=refund.reason,
        refund_id=refund.refund_id,
        success_time=refund.success_time,
        error_code=refund.error_code,
        error_message=refund.error_message,
    )


def bill_view(
    bill: Bill,
    bill_date: date,
    store_id: str,
    *,
    cached: bool,
    rows: list[list[Any]] | None = None,
    filtered_for_store: bool | None = None,
) -> BillAnswer:
    """The answer for a store's ``bill`` of ``bill_date``; ``rows``: the store's rows when filtered (else all)."""
    return BillAnswer(
        bill_date=bill_date,
        store_id=store_id,
        cached=cached,
        bill_type=bill.bill_type,
        columns=bill.columns,
        rows=bill.rows if rows is None else rows,
        summary=bill.summary,
        filtered_for_store=filtered_for_store,
    )


def same_order(order: OrderRecord, draft: OrderDraft) -> bool:
    """A request for a number already stored asks for that order again (idempotent), or for another one (409)."""
    stored = (order.store_id, order.trade_type, order.amount_fen, order.description, order.attach)
    return stored == (draft.store_id, draft.trade_type, draft.amount_fen, draft.description, draft.attach)


class Relay:
    def __init__(
        self,
        config: RelayConfig,
        gateway: Gateway,
        storage: RelayStorage,
        clock: Clock,
        hub: VersionHub | None = None,
    ) -> None:
        self.config = config
        self.gateway = gateway
        self.storage = storage
        self.clock = clock
        self.hub = hub or VersionHub()
        #: Set once the server is bound, for ``notify_url = "auto"``.
        self.base_url: str | None = None
        #: Called with the number of an order or refund that needs the reconciler's attention.
        self.on_open_order: Callable[[str], None] = lambda out_trade_no: None
        self.on_pending_refund: Callable[[str], None] = lambda out_refund_no: None
        #: The payment-code flows (``codepay.py``): a kiosk's Cancel of such an order becomes their reverse.
        self.codepay: CodePayFlows | None = None

    # -- helpers

    def now(self) -> datetime:
        return self.clock.now()

    def store(self, store_id: str) -> Store:
        return self.config.stores[store_id]

    def notify_url(self, fallback_base: str | None = None) -> str:
        configured = self.config.wechatpay.notify_url
        if configured != AUTO:
            return configured
        base = self.base_url
        if base is None or urlsplit(base).hostname in ("0.0.0.0", "::"):
            # Bound to every interface: the address the request came in on is the reachable one.
            base = fallback_base or base
        if base is None:
            raise RequestRefused(ErrorCode.NOT_READY, "the relay does not know its own address yet")
        return base.rstrip("/") + "/wechatpay/notify"

    def publish(self, order: OrderRecord) -> OrderView:
        view = order_view(order)
        self.hub.publish(order.out_trade_no, encode(view))
        return view

    async def apply_report(self, report: TradeReport, source: str) -> OrderChange:
        change = await self.storage.advance_order(
            report, at=self.now(), source=source, mismatch=self._identity_check(report)
        )
        if change.outcome == "applied" and change.order is not None:
            self.publish(change.order)
            log.info("order %s -> %s (%s)", report.out_trade_no, report.trade_state, source)
        return change

    def _identity_check(self, report: TradeReport) -> Callable[[OrderRecord], str]:
        settings = self.config.wechatpay
        stores = self.config.stores

        def check(order: OrderRecord) -> str:
            if report.mchid is not None and report.mchid != settings.signing_mchid:
                return f"mchid {report.mchid}"
            if settings.partner and report.sub_mchid is not None:
                owner = stores.get(order.store_id)
                if owner is not None and owner.sub_mchid != report.sub_mchid:
                    return f"sub_mchid {report.sub_mchid}"
            return ""

        return check

    async def _snapshot(self, out_trade_no: str) -> Snapshot | None:
        """The order's encoded view as the hub keeps it (loaded from storage on a miss)."""
        snapshot = self.hub.get(out_trade_no)
        if snapshot is None:
            order = await self.storage.order(out_trade_no)
            if order is None:
                return None
            snapshot = self.hub.prime(out_trade_no, encode(order_view(order)))
        return snapshot

    async def _owned_snapshot(self, kiosk: Kiosk, out_trade_no: str) -> Snapshot:
        snapshot = await self._snapshot(out_trade_no) if OUT_TRADE_NO.fullmatch(out_trade_no) else None
        if snapshot is None or snapshot["store_id"] != kiosk.store:
            raise not_found()
        return snapshot

    async def reload(self, out_trade_no: str) -> None:
        """Publish the order as stored (another relay instance may have changed it)."""
        order = await self.storage.order(out_trade_no)
        if order is not None:
            self.publish(order)

    async def load_order(self, out_trade_no: str) -> OrderView | None:
        snapshot = await self._snapshot(out_trade_no)
        return decode(OrderView, snapshot) if snapshot is not None else None

    async def order_for(self, kiosk: Kiosk, out_trade_no: str) -> OrderView:
        """The order if it belongs to the kiosk's store; any other is not found, exactly like an unknown one."""
        return decode(OrderView, await self._owned_snapshot(kiosk, out_trade_no))

    # -- orders

    async def create_order(self, kiosk: Kiosk, request: OrderCreate, *, fallback_base: str | None = None) -> OrderView:
        now = self.now()
        time_expire = request.time_expire or now + timedelta(seconds=self.config.orders.default_expire_seconds)
        if time_expire <= now + MIN_EXPIRE_LEAD:
            raise RequestRefused(
                ErrorCode.INVALID_REQUEST, "time_expire must be at least 30 seconds in the future", field="time_expire"
            )
        notify_url = self.notify_url(fallback_base)
        draft = OrderDraft(
            out_trade_no=request.out_trade_no,
            store_id=kiosk.store,
            kiosk_id=kiosk.id,
            trade_type=TradeType.NATIVE,
            amount_fen=request.amount_fen,
            description=request.description,
            attach=request.attach,
            items=request.items,
            time_expire=time_expire,
            at=now,
        )
        inserted, order = await self.storage.insert_order(draft)
        if inserted is Inserted.EXISTS and not same_order(order, draft):
            raise RequestRefused(ErrorCode.OUT_TRADE_NO_USED, "this out_trade_no was used with different parameters")
        view = decode(OrderView, self.hub.prime(order.out_trade_no, encode(order_view(order))))
        if not is_payable(view.state):
            return view
        if order.code_url and order.code_url_at and order.code_url_at + CODE_URL_REFRESH > now:
            return view
        try:
            code_url = await self.gateway.create_order(
                self.store(order.store_id),
                NewOrder(
                    out_trade_no=order.out_trade_no,
                    description=order.description,
                    amount_fen=order.amount_fen,
                    notify_url=notify_url,
                    time_expire=order.time_expire,
                    attach=order.attach,
                ),
            )
        except GatewayError as exc:
            self.on_open_order(order.out_trade_no)  # the call may have landed: let the reconciler look
            if exc.code == "ORDER_CLOSED":
                await self.apply_report(TradeReport(order.out_trade_no, TradeState.CLOSED), "create")
                return await self._fresh(order.out_trade_no)
            if exc.code == "ORDERPAID":
                await self.refresh(order.out_trade_no)
                return await self._fresh(order.out_trade_no)
            raise gateway_failure(exc) from None
        view = self.publish(await self.storage.set_code_url(order.out_trade_no, code_url, self.now()))
        self.on_open_order(order.out_trade_no)
        return view

    async def _fresh(self, out_trade_no: str) -> OrderView:
        order = await self.storage.order(out_trade_no)
        if order is None:
            raise not_found()
        return self.publish(order)

    async def watch_order(
        self, kiosk: Kiosk, out_trade_no: str, *, since: int | None, wait: float, refresh: bool
    ) -> Snapshot:
        """The long-poll: the order's view, encoded (the hub keeps it so, and the answer needs nothing more)."""
        snapshot = await self._owned_snapshot(kiosk, out_trade_no)
        if refresh and is_payable(snapshot["state"]):
            try:
                await asyncio.wait_for(self.refresh(out_trade_no), REFRESH_DEADLINE)
            except (TimeoutError, GatewayError) as exc:
                log.info("refresh of %s failed: %s", out_trade_no, exc)
            snapshot = await self._owned_snapshot(kiosk, out_trade_no)
        # A ``since`` ahead of the relay (storage restored from a backup) answers at once, as Consul resets
        # an index that went backwards: the kiosk must resynchronise, not wait.
        if since is None or snapshot["version"] != since or wait <= 0:
            return snapshot
        waited = await self.hub.wait_newer(out_trade_no, since, min(wait, MAX_WAIT))
        return waited if waited is not None else snapshot

    async def refresh(self, out_trade_no: str) -> OrderChange | None:
        """Query WeChat Pay for one order and apply what it says (the active query)."""
        view = await self.load_order(out_trade_no)
        if view is None:
            return None
        report = await self.gateway.query_order(self.store(view.store_id), out_trade_no)
        return await self.apply_report(report, "query")

    async def close_order(self, kiosk: Kiosk, out_trade_no: str) -> OrderView:
        view = await self.order_for(kiosk, out_trade_no)
        if not is_payable(view.state):
            return view  # paid, refunded or already closed: answer the state, not an error
        if view.trade_type is TradeType.MICROPAY and self.codepay is not None:
            # WeChat Pay refuses to close these: its flow reverses it, no sooner than the reference allows.
            await self.codepay.cancel(out_trade_no)
        else:
            await self.close_at_wechat(out_trade_no, reason="kiosk")
        return await self.order_for(kiosk, out_trade_no)

    async def close_at_wechat(self, out_trade_no: str, *, reason: str) -> None:
        view = await self.load_order(out_trade_no)
        if view is None or not is_payable(view.state):
            return
        closed = TradeReport(out_trade_no, TradeState.CLOSED, "订单已关闭")
        try:
            await self.gateway.close_order(self.store(view.store_id), out_trade_no)
        except GatewayError as exc:
            if exc.not_found:
                # WeChat never saw the order (placing it failed): nobody can pay it.
                await self.apply_report(closed, f"close:{reason}")
                return
            if exc.code == "TRANSPORT" or exc.retryable:
                raise gateway_failure(exc) from None
            # ORDERPAID and friends: ask what happened instead of guessing.
            await self.refresh(out_trade_no)
            return
        await self.apply_report(closed, f"close:{reason}")

    # -- notifications

    async def handle_notification(self, notice: Notice) -> str:
        """Record the notification id and apply its change in one transaction; returns the outcome."""
        now = self.now()
        if isinstance(notice, PaymentNotice):
            report = notice.trade
            change = await self.storage.record_payment_notification(
                notice.id, notice.event_type, report, at=now, mismatch=self._identity_check(report)
            )
            if change.outcome == "applied" and change.order is not None:
                self.publish(change.order)
                log.info("order %s -> %s (notification)", report.out_trade_no, report.trade_state)
            return change.outcome
        if isinstance(notice, RefundNotice):
            refund_change = await self.storage.record_refund_notification(
                notice.id, notice.event_type, notice.refund, at=now
            )
            if refund_change.order is not None:
                self.publish(refund_change.order)
            return refund_change.outcome
        return await self.storage.record_other_notification(notice.id, notice.event_type, at=now)

    # -- refunds

    async def create_refund(self, kiosk: Kiosk, out_trade_no: str, request: RefundCreate) -> RefundView:
        self.require_manager(kiosk)
        order = await self.order_for(kiosk, out_trade_no)
        draft = RefundDraft(
            out_refund_no=request.out_refund_no,
            out_trade_no=out_trade_no,
            store_id=kiosk.store,
            kiosk_id=kiosk.id,
            amount_fen=request.amount_fen,
            reason=request.reason or None,
            at=self.now(),
        )
        inserted, refund = await self.storage.insert_refund(draft)
        if inserted is Inserted.ORDER_NOT_PAID:
            raise RequestRefused(ErrorCode.ORDER_NOT_PAID, f"order is {order.state}, only paid orders can be refunded")
        if inserted is Inserted.EXCEEDS_AMOUNT:
            raise RequestRefused(ErrorCode.REFUND_EXCEEDS_AMOUNT, "the refunds would exceed the amount paid")
        assert refund is not None
        if inserted is Inserted.EXISTS and (refund.out_trade_no, refund.amount_fen, refund.store_id) != (
            out_trade_no,
            request.amount_fen,
            kiosk.store,
        ):
            raise RequestRefused(ErrorCode.OUT_REFUND_NO_USED, "this out_refund_no was used with different parameters")
        if refund.status != RefundStatus.PENDING:
            return refund_view(refund)
        return await self.submit_refund(refund)

    async def submit_refund(self, refund: RefundRecord) -> RefundView:
        """Send a stored PENDING refund to WeChat Pay (again: the same out_refund_no refunds once)."""
        notify_url = self.notify_url() if (self.base_url or self.config.wechatpay.notify_url != AUTO) else None
        try:
            report = await self.gateway.create_refund(
                self.store(refund.store_id),
                NewRefund(
                    out_refund_no=refund.out_refund_no,
                    out_trade_no=refund.out_trade_no,
                    amount_fen=refund.amount_fen,
                    total_fen=refund.total_fen,
                    reason=refund.reason,
                    notify_url=notify_url,
                ),
            )
        except GatewayError as exc:
            if exc.code == "TRANSPORT" or exc.retryable:
                self.on_pending_refund(refund.out_refund_no)
                raise gateway_failure(exc) from None
            failed = await self.storage.refuse_refund(refund.out_refund_no, exc.code, exc.message, at=self.now())
            raise RequestRefused(
                ErrorCode.REFUND_REJECTED, exc.message, wechatpay_code=exc.code, refund=refund_view(failed)
            ) from None
        return await self._apply_refund(report, "create")

    async def _apply_refund(self, report: RefundReport, source: str) -> RefundView:
        change = await self.storage.advance_refund(report, at=self.now(), source=source)
        if change.order is not None:
            self.publish(change.order)
        refund = change.refund
        assert refund is not None  # the refund was stored before WeChat Pay heard of it
        if not refund_is_final(refund.status):
            self.on_pending_refund(refund.out_refund_no)
        return refund_view(refund)

    async def refresh_refund(self, out_refund_no: str) -> RefundView | None:
        refund = await self.storage.refund(out_refund_no)
        if refund is None:
            return None
        if refund.status == RefundStatus.PENDING:
            return await self.submit_refund(refund)
        if refund_is_final(refund.status):
            return refund_view(refund)
        report = await self.gateway.query_refund(self.store(refund.store_id), out_refund_no)
        return await self._apply_refund(report, "query")

    async def get_refund(self, kiosk: Kiosk, out_refund_no: str, *, refresh: bool = False) -> RefundView:
        self.require_manager(kiosk)
        refund = await self.storage.refund(out_refund_no) if OUT_REFUND_NO.fullmatch(out_refund_no) else None
        if refund is None or refund.store_id != kiosk.store:
            raise not_found("refund")
        if refresh and not refund_is_final(refund.status):
            try:
                view = await self.refresh_refund(out_refund_no)
            except (GatewayError, RequestRefused) as exc:
                log.info("refresh of refund %s failed: %s", out_refund_no, exc)
            else:
                if view is not None:
                    return view
        return refund_view(refund)

    @staticmethod
    def require_manager(kiosk: Kiosk) -> None:
        if kiosk.role != "manager":
            raise RequestRefused(ErrorCode.FORBIDDEN, "refunds need a manager credential")

    # -- bills

    async def bill(self, kiosk: Kiosk, bill_date: date) -> BillAnswer:
        # Only clearly impossible dates are refused here; "today" and "not generated yet" are WeChat Pay's
        # to say (its business day may differ from ours, e.g. the sandbox's shifted clock).
        today = self.now().astimezone(CHINA_TZ).date()
        if bill_date > today:
            raise RequestRefused(ErrorCode.BILL_NOT_AVAILABLE, "bills exist only for past days")
        if bill_date < today - timedelta(days=92):
            raise RequestRefused(ErrorCode.BILL_NOT_AVAILABLE, "WeChat Pay keeps bills for 3 months only")
        store = self.store(kiosk.store)
        merchant = self._bill_merchant(store)
        bill = await self.storage.cached_bill(merchant, bill_date, "ALL")
        cached = bill is not None
        if bill is None:
            bill = await self._download_bill(store, bill_date)
            await self.storage.cache_bill(merchant, bill_date, bill, at=self.now())
        rows, filtered = await self._store_rows(store, bill)
        return bill_view(bill, bill_date, store.id, cached=cached, rows=rows, filtered_for_store=filtered)

    async def _download_bill(self, store: Store, bill_date: date) -> Bill:
        try:
            return await self.gateway.trade_bill(store, bill_date)
        except GatewayError as exc:
            if exc.code == "NO_STATEMENT_EXIST":
                raise RequestRefused(
                    ErrorCode.NO_STATEMENT, "WeChat Pay has no bill for this day (no trades)"
                ) from None
            if exc.code == "STATEMENT_CREATING":
                raise RequestRefused(
                    ErrorCode.BILL_NOT_AVAILABLE, "WeChat Pay is still generating this bill", retry_after=1800
                ) from None
            if exc.code in ("INVALID_REQUEST", "PARAM_ERROR"):
                raise RequestRefused(ErrorCode.BILL_NOT_AVAILABLE, exc.message, wechatpay_code=exc.code) from None
            if exc.code == "HASH_MISMATCH":
                raise RequestRefused(
                    ErrorCode.BILL_HASH_MISMATCH, "the downloaded bill failed its hash check"
                ) from None
            raise gateway_failure(exc) from None

    def _bill_merchant(self, store: Store) -> str:
        settings = self.config.wechatpay
        return f"{settings.sp_mchid}/{store.sub_mchid}" if settings.partner else settings.mchid

    async def _store_rows(self, store: Store, bill: Bill) -> tuple[list[list[Any]], bool | None]:
        """In direct mode one merchant bill covers every store: keep this store's rows only."""
        if self.config.wechatpay.partner or len(self.config.stores) == 1:
            return bill.rows, None
        at = bill.columns.index("out_trade_no")
        numbers = [str(row[at]) for row in bill.rows]
        mine = await self.storage.orders_of_store(store.id, numbers)
        return [row for row, number in zip(bill.rows, numbers, strict=True) if number in mine], True


__all__ = ["Relay", "RequestRefused", "bill_view", "order_view", "refund_view"]
