"""The clients: one sans-IO engine (sign, verify, retry, certificates) driven by httpx, async or sync.

The engine turns an :class:`~kiosk.wechatpay.core.Operation` into a *flow*: a generator that yields the
requests to send (and the pauses between retries) and receives the responses. The async and sync clients
are thin drivers around the same flows, so both behave identically and httpx errors are mapped to our
hierarchy at exactly one place per driver.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import platform
import secrets
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import TypeAlias, TypeVar
from urllib.parse import urlsplit

import httpx

from kiosk.clock import Clock, SystemClock

from . import bills, certificates, codepay, native, refunds
from .bills import BillTicket, FundFlowBill, TradeBill
from .certificates import PlatformCertificate
from .codepay import CodePayOrder, CodePayResult
from .core import Operation, Response, api_error
from .credentials import Credentials, Merchant
from .errors import (
    ConfigurationError,
    ConnectError,
    TimeoutError,
    TransportError,
    UnknownSerialError,
    ValidationError,
    WeChatPayError,
)
from .native import NativeOrder, Transaction
from .notifications import NotificationParser
from .refunds import Refund, RefundRequest
from .retry import RetryPolicy
from .verifying import CertificateVerifier, CombinedVerifier, PublicKeyVerifier, SignedHeaders, Verifier, validate

__version__ = "0.1.0"
DEFAULT_BASE_URL = "https://api.mch.weixin.qq.com"
DEFAULT_USER_AGENT = f"kiosk-wechatpay/{__version__} (httpx/{httpx.__version__}; Python/{platform.python_version()})"
#: How often platform certificates are downloaded again (the docs ask for at least every 12 hours).
CERTIFICATE_REFRESH = timedelta(hours=12)
#: After a failed refresh, while a public key or older certificates still verify, wait this long.
CERTIFICATE_RETRY = timedelta(minutes=10)
#: An unknown serial triggers at most one certificate download per this interval (no storm from forgeries).
UNKNOWN_SERIAL_REFRESH = timedelta(seconds=60)
#: Hosts that may serve bill files besides the configured base URL.
WECHATPAY_HOSTS = frozenset(
    {"api.mch.weixin.qq.com", "api2.mch.weixin.qq.com", "api.wechatpay.cn", "api2.wechatpay.cn"}
)

log = logging.getLogger("kiosk.wechatpay")
T = TypeVar("T")


@dataclass(frozen=True)
class Pause:
    """A flow step: wait this long before the next attempt."""

    seconds: float


Step: TypeAlias = httpx.Request | Pause
Flow: TypeAlias = Generator[Step, Response, T]


def _default_nonce() -> str:
    return secrets.token_hex(16).upper()


class Engine:
    """Everything the clients share; no I/O. Holds the signer, the verifiers and the certificate cache."""

    def __init__(
        self,
        credentials: Credentials,
        merchant: Merchant,
        *,
        base_url: str = DEFAULT_BASE_URL,
        clock: Clock | None = None,
        nonce: Callable[[], str] | None = None,
        retry: RetryPolicy | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout: float = 10.0,
    ) -> None:
        if not isinstance(credentials, Credentials):
            raise ConfigurationError("credentials", "must be a Credentials")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ConfigurationError("base_url", f"{base_url!r} is not an http(s) base URL")
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")
        self.clock: Clock = clock or SystemClock()
        self.nonce = nonce or _default_nonce
        self.retry = retry or RetryPolicy()
        self.user_agent = user_agent
        self.timeout = timeout
        try:
            self._user_agent = user_agent.encode("ascii")
        except UnicodeEncodeError:
            raise ConfigurationError("user_agent", "must be ASCII") from None
        if not user_agent.strip():
            raise ConfigurationError("user_agent", "WeChat Pay refuses requests without a User-Agent")
        self.merchant = self.check_merchant(merchant, setting=True)
        self._signer = credentials.signer()
        self.certificate_verifier = CertificateVerifier()
        self.platform_certificates: list[PlatformCertificate] = []
        self._next_refresh: datetime | None = None
        self._last_unknown_refresh: datetime | None = None
        verifiers: list[Verifier] = []
        if credentials.public_key is not None and credentials.public_key_id is not None:
            verifiers.append(PublicKeyVerifier(credentials.public_key_id, credentials.public_key))
        if credentials.platform_certificates:
            verifiers.append(self.certificate_verifier)
        self.verifier = CombinedVerifier(verifiers)
        self.notifications = NotificationParser(self.verifier, credentials.apiv3_key, self.clock)

    # -- identity -------------------------------------------------------------------------------------

    def check_merchant(self, merchant: Merchant | None, *, setting: bool = False) -> Merchant:
        if merchant is None:
            return self.merchant
        if merchant.signing_mchid != self.credentials.mchid:
            problem = f"signs as {merchant.signing_mchid}, but the credentials belong to {self.credentials.mchid}"
            if setting:
                raise ConfigurationError("merchant", problem)
            raise ValidationError("merchant", problem)
        return merchant

    # -- requests -------------------------------------------------------------------------------------

    def request_serial(self) -> str | None:
        """``Wechatpay-Serial``: the public key id, else the newest platform certificate (the server signs
        its answer with the key we name)."""
        if self.credentials.public_key_id is not None:
            return self.credentials.public_key_id
        newest = certificates.newest(self.platform_certificates, self.clock.now())
        return newest.serial_no if newest is not None else None

    def check_download_url(self, url: str) -> None:
        """Bill links are followed with a signed request, so only to WeChat Pay (or the configured base)."""
        target, base = urlsplit(url), urlsplit(self.base_url)
        same_origin = (target.scheme, target.netloc) == (base.scheme, base.netloc)
        if not same_origin and not (target.scheme == "https" and target.hostname in WECHATPAY_HOSTS):
            raise ValidationError("download_url", f"{url!r} is not a WeChat Pay address")

    def prepare(self, op: Operation[T]) -> httpx.Request:
        """Build the request, then sign exactly the path, query and body bytes that go on the wire."""
        # Only API paths are cached: bill links are one-off and carry a token.
        url = _api_url(self.base_url + op.target()) if op.url is None else _url(op.url)
        # raw_path is what httpx writes in the request line: sign that, not our idea of it.
        canonical = url.raw_path.decode("ascii")
        authorization = self._signer.authorization(
            op.method, canonical, op.body or b"", timestamp=int(self.clock.now().timestamp()), nonce=self.nonce()
        )
        # Pre-encoded headers and an explicit stream: httpx then skips its own (slow) header and body
        # preparation, which otherwise costs as much as a third of the RSA signature.
        body = op.body or b""
        headers = [
            (b"Host", url.netloc),
            (b"User-Agent", self._user_agent),
            (b"Accept", op.accept.encode("ascii")),
            (b"Authorization", authorization.header().encode("ascii")),
        ]
        if op.body is not None:
            headers.append((b"Content-Type", b"application/json"))
        if op.body is not None or op.method in ("POST", "PUT", "PATCH"):
            headers.append((b"Content-Length", str(len(body)).encode("ascii")))
        serial = self.request_serial()
        if serial is not None:
            headers.append((b"Wechatpay-Serial", serial.encode("ascii")))
        request = httpx.Request(op.method, url, headers=headers, stream=httpx.ByteStream(body))
        if op.min_timeout is not None and op.min_timeout > self.timeout:
            # Without this extension the driver applies the client's own timeout.
            request.extensions["timeout"] = httpx.Timeout(op.min_timeout).as_dict()
        return request

    # -- flows ----------------------------------------------------------------------------------------

    def run(self, op: Operation[T]) -> Flow[T]:
        """Send with retries, verify a success (204 included) and only then parse it."""
        yield from self._refresh_if_due()
        response = yield from self._exchange(op)
        unsigned_allowed = response.status in op.signature_optional and response.header("Wechatpay-Signature") is None
        if op.signed_response and not unsigned_allowed:
            yield from self._verify(response)
        return op.parse(response)

    def _exchange(self, op: Operation[T]) -> Flow[Response]:
        attempt = 1
        while True:
            try:
                response = yield self.prepare(op)
                if not 200 <= response.status < 300:
                    raise api_error(response)
                return response
            except WeChatPayError as exc:
                if not self.retry.should_retry(exc, attempt, idempotent=op.idempotent):
                    raise
                delay = self.retry.delay(attempt)
                log.info("%s attempt %d failed (%s); retrying in %.2fs", op.name, attempt, type(exc).__name__, delay)
                attempt += 1
                yield Pause(delay)

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def _verify(self, response: Response) -> Flow[None]:
        try:
            validate(response.headers, response.body, self.verifier, now=self._now)
        except UnknownSerialError:
            now = self.clock.now()
            last = self._last_unknown_refresh
            recent = last is not None and now - last < UNKNOWN_SERIAL_REFRESH
            if not self.credentials.platform_certificates or recent:
                raise
            # A new platform certificate may have been issued: download once, then give up.
            self._last_unknown_refresh = now
            yield from self.refresh_certificates()
            validate(response.headers, response.body, self.verifier, now=self._now)

    def _refresh_if_due(self) -> Flow[None]:
        if not self.credentials.platform_certificates:
            return
        now = self.clock.now()
        if self._next_refresh is not None and now < self._next_refresh:
            return
        usable = self.credentials.public_key is not None or bool(self.platform_certificates)
        if usable:
            # Concurrent calls keep verifying with what is installed instead of refreshing too.
            self._next_refresh = now + CERTIFICATE_RETRY
        try:
            yield from self.refresh_certificates()
        except WeChatPayError as exc:
            if not usable:
                raise
            # The public key or the installed certificates still verify; try again later.
            log.warning("platform certificate refresh failed: %s", exc)
            self._next_refresh = now + CERTIFICATE_RETRY

    def refresh_certificates(self) -> Flow[list[PlatformCertificate]]:
        """Download, decrypt, check and install the platform certificates."""
        op = certificates.download(self.credentials.apiv3_key)
        response = yield from self._exchange(op)
        _, fresh = op.parse(response)
        signed = SignedHeaders.from_headers(response.headers)
        # Self-check: a serial we already trust verifies as usual; otherwise (first download, rotation)
        # one of the certificates just decrypted must have signed this very response.
        verifier: Verifier = self.verifier if self.verifier.knows(signed.serial) else certificates.verifier_for(fresh)
        validate(response.headers, response.body, verifier, now=self._now)
        self.platform_certificates = fresh
        self.certificate_verifier.replace({c.serial_no: c.public_key for c in fresh})
        self._next_refresh = self.clock.now() + CERTIFICATE_REFRESH
        log.info("installed %d platform certificate(s)", len(fresh))
        return fresh

    def charge_codepay(self, merchant: Merchant, order: CodePayOrder) -> Flow[CodePayResult]:
        """Every answer or failure becomes an outcome; only an invalid order (nothing sent) raises, and so does a
        certificate download that leaves nothing to verify with (nothing sent either)."""
        op = codepay.charge(merchant, order)
        yield from self._refresh_if_due()
        try:
            return (yield from self.run(op))
        except ValidationError:
            raise
        except WeChatPayError as exc:
            return codepay.charge_failed(order, exc)

    def query_codepay(self, merchant: Merchant, out_trade_no: str) -> Flow[CodePayResult]:
        op = codepay.query(merchant, out_trade_no)
        try:
            return (yield from self.run(op))
        except ValidationError:
            raise
        except WeChatPayError as exc:
            return codepay.query_failed(out_trade_no, exc)

    def trade_bill(self, merchant: Merchant, bill_date: date, bill_type: str) -> Flow[TradeBill]:
        ticket = yield from self.run(bills.apply_trade_bill(merchant, bill_date, bill_type, "GZIP"))
        data = yield from self.run(self.download_bill(ticket))
        return bills.parse_trade_bill(data)

    def fundflow_bill(self, bill_date: date, account_type: str) -> Flow[FundFlowBill]:
        ticket = yield from self.run(bills.apply_fundflow_bill(bill_date, account_type, "GZIP"))
        data = yield from self.run(self.download_bill(ticket))
        return bills.parse_fundflow_bill(data)

    def download_bill(self, ticket: BillTicket) -> Operation[bytes]:
        self.check_download_url(ticket.download_url)
        return bills.download(ticket)


def _url(text: str) -> httpx.URL:
    try:
        return httpx.URL(text)
    except (httpx.InvalidURL, ValueError) as exc:
        raise ValidationError("url", f"cannot build a request for {text!r}: {exc}") from None


#: httpx parses URLs in pure Python and API paths repeat (order creation, bills), so keep parsed forms.
_api_url = functools.lru_cache(maxsize=256)(_url)


def _response(answer: httpx.Response) -> Response:
    # Lower-cased plain dict: verification reads several headers, httpx.Headers decodes on every access.
    headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in answer.headers.raw}
    return Response(answer.status_code, headers, answer.content)


def _map_httpx_error(exc: Exception) -> TransportError:
    """The one boundary where httpx exceptions become ours."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return ConnectError(f"cannot connect: {exc}")
    if isinstance(exc, httpx.TimeoutException):
        return TimeoutError(f"no answer in time: {type(exc).__name__}")
    return TransportError(f"{type(exc).__name__}: {exc}")


_HTTPX_ERRORS = (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError)


class WeChatPayClient:
    """Async WeChat Pay APIv3 client over one shared ``httpx.AsyncClient`` connection pool.

    Every operation accepts ``merchant=`` to act for another sub-merchant of the same service provider.
    """

    def __init__(
        self,
        credentials: Credentials,
        merchant: Merchant,
        *,
        base_url: str = DEFAULT_BASE_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        nonce: Callable[[], str] | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        user_agent: str = DEFAULT_USER_AGENT,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self._engine = Engine(
            credentials,
            merchant,
            base_url=base_url,
            clock=clock,
            nonce=nonce,
            retry=retry,
            user_agent=user_agent,
            timeout=timeout,
        )
        self._sleep = sleep or asyncio.sleep
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False)

    def __repr__(self) -> str:
        return f"WeChatPayClient(base_url={self._engine.base_url!r}, merchant={self._engine.merchant!r})"

    async def __aenter__(self) -> WeChatPayClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def merchant(self) -> Merchant:
        return self._engine.merchant

    @property
    def verifier(self) -> CombinedVerifier:
        return self._engine.verifier

    @property
    def notifications(self) -> NotificationParser:
        return self._engine.notifications

    @property
    def platform_certificates(self) -> list[PlatformCertificate]:
        return list(self._engine.platform_certificates)

    async def _drive(self, flow: Flow[T]) -> T:
        reply: Response | None = None
        error: TransportError | None = None
        while True:
            try:
                step = flow.throw(error) if error is not None else flow.send(reply)  # type: ignore[arg-type]
            except StopIteration as stop:
                result: T = stop.value
                return result
            reply, error = None, None
            if isinstance(step, Pause):
                await self._sleep(step.seconds)
                continue
            try:
                answer = await self._http.send(step)
                reply = _response(answer)
            except _HTTPX_ERRORS as exc:
                error = _map_httpx_error(exc)

    async def _run(self, op: Operation[T]) -> T:
        return await self._drive(self._engine.run(op))

    async def create_native_order(self, order: NativeOrder, *, merchant: Merchant | None = None) -> str:
        """Create (or re-create, same out_trade_no and body) a Native order; returns the code_url."""
        m = self._engine.check_merchant(merchant)
        return await self._run(native.create_order(m, order, self._engine.clock.now()))

    async def query_order(self, out_trade_no: str, *, merchant: Merchant | None = None) -> Transaction:
        return await self._run(native.query_order(self._engine.check_merchant(merchant), out_trade_no))

    async def query_order_by_transaction_id(
        self, transaction_id: str, *, merchant: Merchant | None = None
    ) -> Transaction:
        m = self._engine.check_merchant(merchant)
        return await self._run(native.query_order_by_transaction_id(m, transaction_id))

    async def close_order(self, out_trade_no: str, *, merchant: Merchant | None = None) -> None:
        await self._run(native.close_order(self._engine.check_merchant(merchant), out_trade_no))

    async def charge_codepay(self, order: CodePayOrder, *, merchant: Merchant | None = None) -> CodePayResult:
        """Charge a scanned payment code once (never retried); every answer is an outcome, see CodePayResult."""
        return await self._drive(self._engine.charge_codepay(self._engine.check_merchant(merchant), order))

    async def query_codepay(self, out_trade_no: str, *, merchant: Merchant | None = None) -> CodePayResult:
        """Query a code-pay order; a failed query is an UNKNOWN outcome, not an exception."""
        return await self._drive(self._engine.query_codepay(self._engine.check_merchant(merchant), out_trade_no))

    async def reverse_order(self, out_trade_no: str, *, merchant: Merchant | None = None) -> None:
        """Reverse (撤销) a code-pay order: an unpaid one is closed, a paid one refunded. Re-entrant."""
        await self._run(codepay.reverse(self._engine.check_merchant(merchant), out_trade_no))

    async def create_refund(self, request: RefundRequest, *, merchant: Merchant | None = None) -> Refund:
        return await self._run(refunds.create_refund(self._engine.check_merchant(merchant), request))

    async def query_refund(self, out_refund_no: str, *, merchant: Merchant | None = None) -> Refund:
        return await self._run(refunds.query_refund(self._engine.check_merchant(merchant), out_refund_no))

    async def apply_trade_bill(
        self,
        bill_date: date,
        bill_type: str = "ALL",
        tar_type: str | None = "GZIP",
        *,
        merchant: Merchant | None = None,
    ) -> BillTicket:
        m = self._engine.check_merchant(merchant)
        return await self._run(bills.apply_trade_bill(m, bill_date, bill_type, tar_type))

    async def apply_fundflow_bill(
        self, bill_date: date, account_type: str = "BASIC", tar_type: str | None = "GZIP"
    ) -> BillTicket:
        return await self._run(bills.apply_fundflow_bill(bill_date, account_type, tar_type))

    async def download_bill(self, ticket: BillTicket) -> bytes:
        """Signed GET of the file; unsigned answer, so it is checked against the ticket's SHA1 instead."""
        return await self._run(self._engine.download_bill(ticket))

    async def trade_bill(
        self, bill_date: date, bill_type: str = "ALL", *, merchant: Merchant | None = None
    ) -> TradeBill:
        m = self._engine.check_merchant(merchant)
        return await self._drive(self._engine.trade_bill(m, bill_date, bill_type))

    async def fundflow_bill(self, bill_date: date, account_type: str = "BASIC") -> FundFlowBill:
        """Apply for, download and parse the signing merchant's fund-flow bill."""
        return await self._drive(self._engine.fundflow_bill(bill_date, account_type))

    async def download_certificates(self) -> list[PlatformCertificate]:
        """Download, self-check and install the platform certificates (also used by the refresh)."""
        return await self._drive(self._engine.refresh_certificates())


class SyncWeChatPayClient:
    """The same client for scripts and tests, over ``httpx.Client``."""

    def __init__(
        self,
        credentials: Credentials,
        merchant: Merchant,
        *,
        base_url: str = DEFAULT_BASE_URL,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        nonce: Callable[[], str] | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        user_agent: str = DEFAULT_USER_AGENT,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._engine = Engine(
            credentials,
            merchant,
            base_url=base_url,
            clock=clock,
            nonce=nonce,
            retry=retry,
            user_agent=user_agent,
            timeout=timeout,
        )
        self._sleep = sleep or time.sleep
        self._http = httpx.Client(transport=transport, timeout=timeout, follow_redirects=False)

    def __repr__(self) -> str:
        return f"SyncWeChatPayClient(base_url={self._engine.base_url!r}, merchant={self._engine.merchant!r})"

    def __enter__(self) -> SyncWeChatPayClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def merchant(self) -> Merchant:
        return self._engine.merchant

    @property
    def verifier(self) -> CombinedVerifier:
        return self._engine.verifier

    @property
    def notifications(self) -> NotificationParser:
        return self._engine.notifications

    @property
    def platform_certificates(self) -> list[PlatformCertificate]:
        return list(self._engine.platform_certificates)

    def _drive(self, flow: Flow[T]) -> T:
        reply: Response | None = None
        error: TransportError | None = None
        while True:
            try:
                step = flow.throw(error) if error is not None else flow.send(reply)  # type: ignore[arg-type]
            except StopIteration as stop:
                result: T = stop.value
                return result
            reply, error = None, None
            if isinstance(step, Pause):
                self._sleep(step.seconds)
                continue
            try:
                answer = self._http.send(step)
                reply = _response(answer)
            except _HTTPX_ERRORS as exc:
                error = _map_httpx_error(exc)

    def _run(self, op: Operation[T]) -> T:
        return self._drive(self._engine.run(op))

    def create_native_order(self, order: NativeOrder, *, merchant: Merchant | None = None) -> str:
        m = self._engine.check_merchant(merchant)
        return self._run(native.create_order(m, order, self._engine.clock.now()))

    def query_order(self, out_trade_no: str, *, merchant: Merchant | None = None) -> Transaction:
        return self._run(native.query_order(self._engine.check_merchant(merchant), out_trade_no))

    def query_order_by_transaction_id(self, transaction_id: str, *, merchant: Merchant | None = None) -> Transaction:
        m = self._engine.check_merchant(merchant)
        return self._run(native.query_order_by_transaction_id(m, transaction_id))

    def close_order(self, out_trade_no: str, *, merchant: Merchant | None = None) -> None:
        self._run(native.close_order(self._engine.check_merchant(merchant), out_trade_no))

    def charge_codepay(self, order: CodePayOrder, *, merchant: Merchant | None = None) -> CodePayResult:
        return self._drive(self._engine.charge_codepay(self._engine.check_merchant(merchant), order))

    def query_codepay(self, out_trade_no: str, *, merchant: Merchant | None = None) -> CodePayResult:
        return self._drive(self._engine.query_codepay(self._engine.check_merchant(merchant), out_trade_no))

    def reverse_order(self, out_trade_no: str, *, merchant: Merchant | None = None) -> None:
        self._run(codepay.reverse(self._engine.check_merchant(merchant), out_trade_no))

    def create_refund(self, request: RefundRequest, *, merchant: Merchant | None = None) -> Refund:
        return self._run(refunds.create_refund(self._engine.check_merchant(merchant), request))

    def query_refund(self, out_refund_no: str, *, merchant: Merchant | None = None) -> Refund:
        return self._run(refunds.query_refund(self._engine.check_merchant(merchant), out_refund_no))

    def apply_trade_bill(
        self,
        bill_date: date,
        bill_type: str = "ALL",
        tar_type: str | None = "GZIP",
        *,
        merchant: Merchant | None = None,
    ) -> BillTicket:
        m = self._engine.check_merchant(merchant)
        return self._run(bills.apply_trade_bill(m, bill_date, bill_type, tar_type))

    def apply_fundflow_bill(
        self, bill_date: date, account_type: str = "BASIC", tar_type: str | None = "GZIP"
    ) -> BillTicket:
        return self._run(bills.apply_fundflow_bill(bill_date, account_type, tar_type))

    def download_bill(self, ticket: BillTicket) -> bytes:
        return self._run(self._engine.download_bill(ticket))

    def trade_bill(self, bill_date: date, bill_type: str = "ALL", *, merchant: Merchant | None = None) -> TradeBill:
        m = self._engine.check_merchant(merchant)
        return self._drive(self._engine.trade_bill(m, bill_date, bill_type))

    def fundflow_bill(self, bill_date: date, account_type: str = "BASIC") -> FundFlowBill:
        return self._drive(self._engine.fundflow_bill(bill_date, account_type))

    def download_certificates(self) -> list[PlatformCertificate]:
        return self._drive(self._engine.refresh_certificates())
