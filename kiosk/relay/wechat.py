"""The Gateway over the APIv3 client library (``kiosk.wechatpay``): the only module that imports it.

Client errors become ``GatewayError`` (API errors keep WeChat's code; transport problems are
``TRANSPORT``), verification failures of notifications become ``NotificationRejected``, and the
client's typed results become the relay's plain records.

Every call has one overall deadline (connecting, sending, retrying and receiving together): httpx's own
timeouts apply per read, so an answer trickled a byte at a time would otherwise hold a kiosk far past the 5 s
it waits. What the latest call showed (an answer, or none at the base URL) is kept for the health check,
payment-code calls included (their client answers failures as outcomes, not exceptions).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import httpx

from kiosk.bulk import gc_paused
from kiosk.clock import Clock, rfc3339
from kiosk.serving import LogThrottle
from kiosk.trade import CodePayFailure, CodePayOutcome
from kiosk.wechatpay import (
    APIError,
    CodePayOrder,
    CodePayResult,
    ConfigurationError,
    Credentials,
    DirectMerchant,
    HashMismatchError,
    Merchant,
    NativeOrder,
    Notification,
    PartnerMerchant,
    Refund,
    RetryPolicy,
    TradeBill,
    Transaction,
    TransportError,
    UnknownSerialError,
    ValidationError,
    VerificationError,
    WeChatPayClient,
    WeChatPayError,
    parse_trade_bill,
)
from kiosk.wechatpay import RefundRequest as ClientRefundRequest
from kiosk.wechatpay.codepay import CHARGE_TIMEOUT
from kiosk.wechatpay.refunds import RefundNotice as ClientRefundNotice
from kiosk.wire import BILL_COLUMNS

from .config import ConfigError, RelayConfig, Store
from .gateway import (
    Bill,
    CodePayReport,
    GatewayError,
    NewCodePay,
    NewOrder,
    NewRefund,
    Notice,
    NotificationRejected,
    OtherNotice,
    PaymentNotice,
    Reachability,
    RefundNotice,
    RefundReport,
    TradeReport,
)

T = TypeVar("T")
log = logging.getLogger("kiosk.relay.wechat")
#: An unknown serial makes the relay download platform certificates at most this often (all its instances
#: together): a forged serial must not cause a storm of downloads.
CERTIFICATE_REFRESH_INTERVAL = 60.0
#: Every call to WeChat Pay, retries included, ends within this: below the 5 s a kiosk waits for the relay.
CALL_DEADLINE = 3.5
#: A bill (ticket and file) within this: below the 30 s the manager's screen waits.
BILL_DEADLINE = 20.0
#: A payment-code charge within this: WeChat Pay may take seconds to debit the customer's bank (the client waits
#: at least ``CHARGE_TIMEOUT`` for the answer). No kiosk waits on it (``POST /v1/codepay`` answers after 3 s
#: with the order as it stands), and a charge whose answer this deadline cuts off is resolved by query, like any
#: lost answer; one sent is never cut short sooner.
CHARGE_DEADLINE = CHARGE_TIMEOUT
#: With no call for this long, :meth:`WeChatGateway.probe` asks WeChat Pay whether it answers.
PROBE_INTERVAL = 30.0

#: Answers whether a download may happen now, given the limit's interval (shared through the relay's storage).
DownloadTurn = Callable[[float], Awaitable[bool]]

# Credentials.load / merchant settings -> the relay's TOML keys, so errors name what to fix.
_SETTING_KEYS = {
    "private_key_path": "wechatpay.merchant_private_key",
    "private_key": "wechatpay.merchant_private_key",
    "cert_serial": "wechatpay.merchant_cert_serial",
    "apiv3_key": "wechatpay.apiv3_key",
    "public_key_path": "wechatpay.platform_public_key",
    "public_key": "wechatpay.platform_public_key",
    "public_key_id": "wechatpay.platform_public_key_id",
    "base_url": "wechatpay.base_url",
    "appid": "wechatpay.appid",
    "sp_mchid": "wechatpay.sp_mchid",
    "sp_appid": "wechatpay.sp_appid",
    "sub_mchid": "stores.sub_mchid",
    "merchant": "wechatpay.mchid",
}


def _config_error(exc: ConfigurationError, partner: bool) -> ConfigError:
    if exc.setting == "mchid":
        key = "wechatpay.sp_mchid" if partner else "wechatpay.mchid"
    else:
        key = _SETTING_KEYS.get(exc.setting, f"wechatpay.{exc.setting}")
    return ConfigError(key, exc.problem)


#: WeChat Pay's refusals of a payment-code charge, as the clerk has to act on them; anything else the customer's
#: bank or WeChat Pay refused is PAYMENT_FAILED, a set-up error (``needs_fix``) UNAVAILABLE.
_CHARGE_FAILURES = {
    "NOT_ENOUGH": CodePayFailure.INSUFFICIENT_FUNDS,
    "TRADE_ERROR": CodePayFailure.CODE_REJECTED,  # an invalid, expired or used code (the reference's v2 codes)
    "AUTHCODEEXPIRE": CodePayFailure.CODE_REJECTED,
    "AUTH_CODE_ERROR": CodePayFailure.CODE_REJECTED,
    "AUTH_CODE_INVALID": CodePayFailure.CODE_REJECTED,
    "ORDER_CLOSED": CodePayFailure.NOT_CONFIRMED,
}


def codepay_report(result: CodePayResult) -> CodePayReport:
    """The client's outcome in the relay's terms (the message arrives with the payment code already masked)."""
    outcome = result.outcome
    failure = None
    if outcome is CodePayOutcome.FAILED and result.trade_state is None:
        if result.needs_fix:
            failure = CodePayFailure.UNAVAILABLE
        elif result.code is None:  # no connection could be made: the charge was never sent
            failure = CodePayFailure.NOT_SENT
        else:
            failure = _CHARGE_FAILURES.get(result.code, CodePayFailure.PAYMENT_FAILED)
    return CodePayReport(
        outcome=outcome,
        trade=trade_status(result.transaction) if result.transaction is not None else None,
        failure=failure,
        code=result.code,
        message=result.message,
        order_not_found=result.order_not_found,
        number_taken=result.code in ("OUT_TRADE_NO_USED", "ORDERPAID"),
    )


def unanswered(error: WeChatPayError | None) -> str | None:
    """Why a call got no usable answer from WeChat Pay (unreachable, a 5xx, an answer that failed verification
    or could not be read), or None when it answered (a 4xx is an answer)."""
    if error is None:
        return None
    if isinstance(error, APIError):
        return f"answered {error.status} {error.code}" if error.status >= 500 else None
    if isinstance(error, TransportError):
        return f"{type(error).__name__}: {error}"
    if isinstance(error, VerificationError):
        return f"an answer failed verification ({type(error).__name__})"
    return f"an answer could not be read ({type(error).__name__})"


def gateway_error(exc: WeChatPayError, base_url: str) -> GatewayError:
    """The client's error in the relay's terms: WeChat Pay's code, TRANSPORT (naming the base URL, so an operator
    sees which address failed: a moved sandbox?) or what went wrong with the answer."""
    if isinstance(exc, APIError):
        return GatewayError(exc.code, exc.message, status=exc.status, retryable=exc.retryable)
    if isinstance(exc, TransportError):
        return GatewayError("TRANSPORT", f"{base_url}: {exc}", retryable=True)
    if isinstance(exc, HashMismatchError):
        return GatewayError("HASH_MISMATCH", str(exc))
    if isinstance(exc, VerificationError):
        return GatewayError("VERIFICATION", f"{type(exc).__name__}: {exc}", retryable=True)
    if isinstance(exc, ValidationError):
        return GatewayError("INVALID_REQUEST", str(exc))
    return GatewayError("RESPONSE_ERROR", f"{type(exc).__name__}: {exc}", retryable=True)


def trade_status(tx: Transaction) -> TradeReport:
    return TradeReport(
        out_trade_no=tx.out_trade_no,
        trade_state=tx.trade_state,
        trade_state_desc=tx.trade_state_desc,
        transaction_id=tx.transaction_id,
        success_time=tx.success_time,
        payer_total_fen=tx.payer_total_fen,
        total_fen=tx.total_fen,
        bank_type=tx.bank_type,
        mchid=tx.sp_mchid or tx.mchid,
        sub_mchid=tx.sub_mchid,
        trade_type=tx.trade_type,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def bill_answer(bill: TradeBill) -> Bill:
    """The bill as JSON values, column by column (a 100,000-row day never builds its row objects): times in
    RFC 3339, the fee as its exact decimal text, the rest as they are; the columns are the contract's."""
    columns = list(BILL_COLUMNS)
    values: list[list[Any]] = []
    for name in columns:
        column = bill.column(name)
        kinds = set(map(type, column)) - {type(None)}
        if kinds and kinds <= {datetime, Decimal}:
            text = {value: _jsonable(value) for value in set(column) if value is not None}
            text[None] = None
            column = list(map(text.__getitem__, column))
        values.append(column)
    return Bill(columns=columns, values=values, summary=_record(bill.summary), extra={"bill_type": bill.bill_type})


def parse_bill(data: bytes) -> Bill:
    """A downloaded (and hash-checked) trade bill file as the relay's :class:`Bill`: work for a worker thread."""
    with gc_paused():
        return bill_answer(parse_trade_bill(data))


def _record(value: Any) -> dict[str, Any]:
    fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value) if f.name != "raw"}
    result: dict[str, Any] = _jsonable(fields)
    return result


class WeChatGateway:
    def __init__(
        self,
        config: RelayConfig,
        *,
        download_turn: DownloadTurn,
        clock: Clock | None = None,
        transport: Any = None,
    ) -> None:
        settings = config.wechatpay
        self.config = config
        try:
            credentials = Credentials.load(
                mchid=settings.signing_mchid,
                private_key_path=settings.merchant_private_key,
                cert_serial=settings.merchant_cert_serial,
                apiv3_key=settings.apiv3_key,
                public_key_path=settings.platform_public_key,
                public_key_id=settings.platform_public_key_id,
                platform_certificates=settings.platform_certificates,
            )
            self._merchants: dict[str, Merchant] = {}
            for store in config.stores.values():
                if settings.partner:
                    assert store.sub_mchid is not None
                    self._merchants[store.id] = PartnerMerchant(settings.sp_mchid, settings.sp_appid, store.sub_mchid)
                else:
                    self._merchants[store.id] = DirectMerchant(settings.mchid, settings.appid)
            default = next(iter(self._merchants.values()))
            # Few, short retries: a kiosk waits on create/close, and the reconciler has its own schedule.
            self.base_url = settings.base_url
            self.client = WeChatPayClient(
                credentials,
                default,
                base_url=settings.base_url,
                transport=transport,
                clock=clock,
                retry=RetryPolicy(max_attempts=2, base_delay=0.2, max_delay=1.0),
                timeout=BILL_DEADLINE,  # per read; the deadlines of _call bound each call as a whole
            )
        except ConfigurationError as exc:
            raise _config_error(exc, settings.partner) from None
        self.parser = self.client.notifications
        self._download_turn = download_turn
        self._reach = Reachability(settings.base_url)
        self._failing = LogThrottle(log, logging.WARNING, f"WeChat Pay calls failed at {settings.base_url}")
        self._probe_http = httpx.AsyncClient(transport=transport, timeout=CALL_DEADLINE, follow_redirects=False)

    def merchant(self, store: Store) -> Merchant:
        return self._merchants[store.id]

    def reachability(self) -> Reachability:
        return self._reach

    def _answered(self) -> None:
        if self._reach.problem is not None:
            log.info("WeChat Pay at %s answers again", self._reach.base_url)
        self._reach = Reachability(self._reach.base_url, None, time.monotonic())

    def _unanswered(self, problem: str) -> None:
        self._reach = Reachability(self._reach.base_url, problem, time.monotonic())
        self._failing.note(problem)  # the base URL is in the line: a sandbox that moved is plain to see

    def _reached(self, error: WeChatPayError | None) -> None:
        """Note what a call showed of WeChat Pay at its base URL (``error``: what went wrong, None for an answer)."""
        if isinstance(error, ValidationError | HashMismatchError):
            return  # refused here before sending; or a file that came but did not match its hash
        problem = unanswered(error)
        if problem is None:
            self._answered()
        else:
            self._unanswered(problem)

    async def _call(self, call: Callable[[], Awaitable[T]], deadline: float = CALL_DEADLINE) -> T:
        result = await self._result(call, deadline)
        self._answered()
        return result

    async def _call_codepay(self, call: Callable[[], Awaitable[CodePayResult]], deadline: float) -> CodePayReport:
        """A charge or query of a payment code: the client answers its failures as outcomes, which tell the health
        check as much as an exception would."""
        result = await self._result(call, deadline)
        self._reached(result.error)
        return codepay_report(result)

    async def _result(self, call: Callable[[], Awaitable[T]], deadline: float) -> T:
        """``call()``'s result within ``deadline``; a failure is noted for the health check and raised as a
        GatewayError (what a result shows is the caller's to note)."""
        try:
            async with asyncio.timeout(deadline):
                return await call()
        except TimeoutError:
            self._unanswered(f"no answer within {deadline:g} s")
            raise GatewayError(
                "TRANSPORT", f"WeChat Pay did not answer within {deadline:g} s", retryable=True
            ) from None
        except WeChatPayError as exc:
            self._reached(exc)
            raise gateway_error(exc, self.base_url) from None

    async def probe(self) -> None:
        latest = self._reach.at
        if latest is not None and time.monotonic() - latest < PROBE_INTERVAL:
            return  # a call has told us lately
        try:
            async with asyncio.timeout(CALL_DEADLINE):
                await self._probe_http.get(self._reach.base_url + "/")  # any HTTP answer will do
        except TimeoutError:
            self._unanswered(f"no answer within {CALL_DEADLINE:g} s")
        except httpx.HTTPError as exc:
            self._unanswered(f"{type(exc).__name__}: {exc}")
        else:
            self._answered()

    async def create_order(self, store: Store, order: NewOrder) -> str:
        request = NativeOrder(
            out_trade_no=order.out_trade_no,
            description=order.description,
            amount_fen=order.amount_fen,
            notify_url=order.notify_url,
            time_expire=order.time_expire,
            attach=order.attach,
        )
        return await self._call(lambda: self.client.create_native_order(request, merchant=self.merchant(store)))

    async def query_order(self, store: Store, out_trade_no: str) -> TradeReport:
        tx = await self._call(lambda: self.client.query_order(out_trade_no, merchant=self.merchant(store)))
        return trade_status(tx)

    async def close_order(self, store: Store, out_trade_no: str) -> None:
        await self._call(lambda: self.client.close_order(out_trade_no, merchant=self.merchant(store)))

    async def charge_codepay(self, store: Store, charge: NewCodePay) -> CodePayReport:
        order = CodePayOrder(
            out_trade_no=charge.out_trade_no,
            description=charge.description,
            amount_fen=charge.amount_fen,
            auth_code=charge.auth_code,
            device_ip=charge.device_ip,
            store_out_id=charge.store_out_id,
            device_id=charge.device_id,
            attach=charge.attach,
        )
        # Every answer and failure after the request is built is an outcome; only an invalid order raises.
        merchant = self.merchant(store)
        return await self._call_codepay(lambda: self.client.charge_codepay(order, merchant=merchant), CHARGE_DEADLINE)

    async def query_codepay(self, store: Store, out_trade_no: str) -> CodePayReport:
        merchant = self.merchant(store)
        return await self._call_codepay(
            lambda: self.client.query_codepay(out_trade_no, merchant=merchant), CALL_DEADLINE
        )

    async def reverse_order(self, store: Store, out_trade_no: str) -> None:
        await self._call(lambda: self.client.reverse_order(out_trade_no, merchant=self.merchant(store)))

    async def create_refund(self, store: Store, refund: NewRefund) -> RefundReport:
        request = ClientRefundRequest(
            out_refund_no=refund.out_refund_no,
            amount_fen=refund.amount_fen,
            total_fen=refund.total_fen,
            out_trade_no=refund.out_trade_no,
            reason=refund.reason,
            notify_url=refund.notify_url,
        )
        result = await self._call(lambda: self.client.create_refund(request, merchant=self.merchant(store)))
        return _refund_status(result)

    async def query_refund(self, store: Store, out_refund_no: str) -> RefundReport:
        result = await self._call(lambda: self.client.query_refund(out_refund_no, merchant=self.merchant(store)))
        return _refund_status(result)

    async def trade_bill(self, store: Store, bill_date: date) -> Bill:
        merchant = self.merchant(store)

        async def download() -> bytes:
            ticket = await self.client.apply_trade_bill(bill_date, "ALL", merchant=merchant)
            return await self.client.download_bill(ticket)

        data = await self._call(download, BILL_DEADLINE)
        try:
            # Parsing 100,000 rows takes a second: off the event loop, which must keep taking notifications.
            return await asyncio.to_thread(parse_bill, data)
        except WeChatPayError as exc:  # a bill that passed its hash check but is not a bill
            raise GatewayError("RESPONSE_ERROR", f"{type(exc).__name__}: {exc}") from None

    async def prepare(self) -> None:
        if self.config.wechatpay.platform_certificates:
            # Not counted against the unknown-serial limit: a rotation right after start must still be fetched.
            try:
                await self._call(self.client.download_certificates)
            except GatewayError as exc:
                log.warning("platform certificates not downloaded: %s", exc.code)
        else:
            await self.probe()

    async def _refresh_certificates(self) -> bool:
        """Download platform certificates for an unknown serial, when it is this relay's turn (at most once a
        minute across every instance: a forged serial must not cause a storm)."""
        if not await self._download_turn(CERTIFICATE_REFRESH_INTERVAL):
            return False
        try:
            await self._call(self.client.download_certificates)
        except GatewayError as exc:
            log.warning("platform certificates not downloaded: %s", exc.code)
            return False
        return True

    async def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notice:
        try:
            note = self.parser.open(headers, body)  # verifies the raw bytes, then decrypts
        except UnknownSerialError as exc:
            # A rotated (or not yet downloaded) platform certificate: fetch once, then verify again.
            if not (self.config.wechatpay.platform_certificates and await self._refresh_certificates()):
                raise NotificationRejected(f"{type(exc).__name__}: {exc}") from None
            note = self._open(headers, body)
        except WeChatPayError as exc:  # bad signature, probe, stale timestamp, decryption, format
            raise NotificationRejected(f"{type(exc).__name__}: {exc}") from None
        return self._interpret(note)

    def _open(self, headers: Mapping[str, str], body: bytes) -> Notification:
        try:
            return self.parser.open(headers, body)
        except WeChatPayError as exc:
            raise NotificationRejected(f"{type(exc).__name__}: {exc}") from None

    def _interpret(self, note: Notification) -> Notice:
        try:
            resource = json.loads(note.plaintext)
            if not isinstance(resource, dict):
                raise ValueError("resource is not an object")
            if note.event_type.startswith("TRANSACTION."):
                return PaymentNotice(note.id, note.event_type, trade_status(Transaction.from_json(resource)))
            if note.event_type.startswith("REFUND."):
                refund = ClientRefundNotice.from_json(resource)
                return RefundNotice(
                    note.id,
                    note.event_type,
                    RefundReport(
                        out_refund_no=refund.out_refund_no,
                        status=refund.refund_status,
                        refund_id=refund.refund_id,
                        out_trade_no=refund.out_trade_no,
                        refund_fen=refund.refund_fen,
                        success_time=refund.success_time,
                    ),
                )
        except (ValueError, WeChatPayError) as exc:
            raise NotificationRejected(f"malformed notification resource: {exc}") from None
        return OtherNotice(note.id, note.event_type)

    async def aclose(self) -> None:
        await self._probe_http.aclose()
        await self.client.aclose()


def build_gateway(config: RelayConfig, *, download_turn: DownloadTurn) -> WeChatGateway:
    return WeChatGateway(config, download_turn=download_turn)


def _refund_status(refund: Refund) -> RefundReport:
    return RefundReport(
        out_refund_no=refund.out_refund_no,
        status=refund.status,
        refund_id=refund.refund_id,
        out_trade_no=refund.out_trade_no,
        refund_fen=refund.refund_fen,
        success_time=refund.success_time,
    )
