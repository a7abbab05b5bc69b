"""The relay's ASGI application (Starlette): the kiosk API, the notification receiver and health.

The HTTP mapping lives here and only here: requests are decoded with the contract (``kiosk.wire``), the
core's answers are encoded with it, and a :class:`~kiosk.relay.service.RequestRefused` becomes the status
code of its error code (:data:`STATUS`) and the error body ``{"error": {"code", "message", ...}}``. The
notification receiver answers WeChat Pay's own ``{"code": "FAIL", "message"}`` format. Middleware is pure
ASGI (no ``BaseHTTPMiddleware``): the long-poll path must see client disconnects and must not be buffered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from datetime import date
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from kiosk.clock import Clock, SystemClock
from kiosk.serving import LogThrottle
from kiosk.wire import (
    CodePayCreate,
    ErrorAnswer,
    ErrorCode,
    ErrorDetail,
    Health,
    HealthAnswer,
    NotificationCounts,
    OrderCreate,
    PingAnswer,
    RefundCreate,
    RelayInstance,
    WireError,
    decode,
    encode,
)

from .body import BodyError, BodyIncomplete, BodyTooLarge, read_body, read_json
from .cluster import CERTIFICATE_DOWNLOADS, Cluster, take_turn
from .codepay import CodePayFlows
from .config import ConfigError, Kiosk, KioskReloader, RelayConfig
from .gateway import Gateway, NotificationRejected
from .health import HealthMonitor, overall
from .hub import VersionHub
from .reconciler import Reconciler
from .service import MAX_WAIT, Relay, RequestRefused
from .storage import StorageError, open_storage

log = logging.getLogger("kiosk.relay")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

M = TypeVar("M")

#: WeChat Pay gives a notification receiver 5 seconds; answer (or fail) well within that.
NOTIFY_DEADLINE = 4.0

#: The HTTP status of each error code (docs/relay.md, "Error format").
STATUS: dict[ErrorCode, int] = {
    ErrorCode.INVALID_JSON: 400,
    ErrorCode.INVALID_REQUEST: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.NO_STATEMENT: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.OUT_TRADE_NO_USED: 409,
    ErrorCode.OUT_REFUND_NO_USED: 409,
    ErrorCode.ORDER_NOT_PAID: 409,
    ErrorCode.REFUND_EXCEEDS_AMOUNT: 409,
    ErrorCode.REFUND_REJECTED: 409,
    ErrorCode.BILL_NOT_AVAILABLE: 409,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.INTERNAL: 500,
    ErrorCode.WECHATPAY_ERROR: 502,
    ErrorCode.BILL_HASH_MISMATCH: 502,
    ErrorCode.WECHATPAY_UNAVAILABLE: 503,
    ErrorCode.NOT_READY: 503,
}


def error_response(
    status: int, code: ErrorCode, message: str, headers: dict[str, str] | None = None, **details: Any
) -> JSONResponse:
    body = ErrorAnswer(error=ErrorDetail(code=code, message=message, **details))
    return JSONResponse(encode(body), status, headers=headers)


def answer(message: Any) -> JSONResponse:
    """A successful answer: the contract's message, encoded."""
    return JSONResponse(encode(message))


def wechat_fail(status: int, message: str) -> JSONResponse:
    return JSONResponse({"code": "FAIL", "message": message}, status)


class RateLimiter:
    """A token bucket per kiosk: ``rate`` requests per second, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: int, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.monotonic = monotonic
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        """0 when allowed, else the seconds to wait."""
        now = self.monotonic()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate


async def _request_body(request: Request, kind: type[M], limit: int) -> M:
    """The body as the contract's ``kind`` request: :mod:`.body` reads and parses it (413, or 400 for JSON it
    will not take), :mod:`kiosk.wire` decodes the value (400 ``invalid_request`` naming the field)."""
    value = await read_json(request, limit)
    try:
        return decode(kind, value)
    except WireError as exc:
        if exc.field is None:  # not a JSON object at all
            raise RequestRefused(ErrorCode.INVALID_JSON, "the request body must be a JSON object") from None
        raise RequestRefused(ErrorCode.INVALID_REQUEST, exc.message, field=exc.field) from None


async def _wait_for_disconnect(request: Request) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


class RelayApp:
    """Owns the relay's parts and their lifecycle; ``asgi`` is the Starlette application."""

    def __init__(
        self,
        config: RelayConfig,
        *,
        gateway: Gateway | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.config = config
        #: This instance's view of the file's credentials; ``reloader.failure`` is for the health check.
        self.reloader = KioskReloader(config)
        if gateway is None:
            from .wechat import build_gateway

            gateway = build_gateway(config, download_turn=self._certificate_turn)
        where = config.storage
        try:
            self.storage = open_storage(where.where, pool_size=where.pool_size)
        except (StorageError, OSError) as exc:
            raise ConfigError(where.key, str(exc)) from None
        self.hub = VersionHub()
        self.relay = Relay(config, gateway, self.storage, clock or SystemClock(), self.hub)
        self.codepay = CodePayFlows(self.relay, config.codepay)
        self.relay.codepay = self.codepay
        self.limiter = RateLimiter(config.server.rate_limit_per_second, config.server.rate_limit_burst)
        server = config.server
        self.bill_limiter = RateLimiter(server.bill_rate_limit_per_minute / 60, server.bill_rate_limit_burst)
        self.bill_senders = asyncio.Semaphore(BILL_SENDERS)
        self.reconciler: Reconciler | None = None
        #: This instance's part among several relays on one database (None on SQLite).
        self.cluster: Cluster | None = None
        self.started = time.monotonic()
        self.notifications = {"accepted": 0, "rejected": 0, "failed": 0}
        #: Why the relay gave up (storage that cannot write); ``kiosk-relay serve`` then exits non-zero.
        self.fatal: str | None = None
        self._given_up = asyncio.Event()
        #: Called once with the reason when the relay gives up (the CLI makes sure the process ends).
        self.on_fatal: Callable[[str], None] = lambda reason: None
        self.health = HealthMonitor(
            self.storage,
            gateway,
            self.reloader,
            exit_after=config.storage.exit_after_seconds,
            on_fatal=self._give_up,
        )
        self._rejected = LogThrottle(log, logging.WARNING, "notifications rejected")
        routes = [
            Route("/healthz", self.healthz, methods=["GET"]),
            Route("/wechatpay/notify", self.notify, methods=["POST"]),
            Route("/v1/ping", self.ping, methods=["GET"]),
            Route("/v1/orders", self.create_order, methods=["POST"]),
            Route("/v1/codepay", self.charge_code, methods=["POST"]),
            Route("/v1/orders/{out_trade_no}", self.get_order, methods=["GET"]),
            Route("/v1/orders/{out_trade_no}/close", self.close_order, methods=["POST"]),
            Route("/v1/orders/{out_trade_no}/refunds", self.create_refund, methods=["POST"]),
            Route("/v1/refunds/{out_refund_no}", self.get_refund, methods=["GET"]),
            Route("/v1/bills/{bill_date}", self.get_bill, methods=["GET"]),
        ]
        self.starlette = Starlette(
            routes=routes,
            lifespan=self.lifespan,
            exception_handlers={
                BodyError: self._body_error,
                RequestRefused: self._refused,
                HTTPException: self._http_error,
                Exception: self._internal_error,
            },
        )
        self.asgi: ASGIApp = self.starlette

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.asgi(scope, receive, send)

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        reconciler = Reconciler(self.relay)
        self.reconciler = reconciler
        await self.health.probe()  # the first check of storage, before any request is taken
        link = self.storage.cluster
        if link is None:  # the only process on its store: the reconciler and the flows run here, always
            self.relay.on_open_order = reconciler.watch_order
            self.relay.on_pending_refund = reconciler.watch_refund
            self.relay.on_kiosk_waiting = reconciler.kiosk_waiting
            task = asyncio.create_task(self._work(reconciler), name="relay-work")
        else:  # one of several instances: see cluster.py
            lease = self.config.storage.lease_seconds
            self.cluster = Cluster(self.relay, reconciler, self.codepay, link, lease_seconds=lease)
            task = asyncio.create_task(self.cluster.run(lambda: self._work(reconciler)), name="relay-cluster")
        preparing = asyncio.create_task(self.relay.gateway.prepare(), name="relay-gateway-prepare")
        monitoring = asyncio.create_task(self.health.run(), name="relay-health")
        try:
            yield
        finally:
            preparing.cancel()
            monitoring.cancel()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await reconciler.stop()
            await self.codepay.stop()
            await asyncio.gather(preparing, monitoring, return_exceptions=True)
            await self.relay.gateway.aclose()
            await self.storage.aclose()

    def stopping(self) -> None:
        """The server has started to stop: every held long-poll answers now, new ones at once, with the order as
        it stands (what they would answer at the end of their wait), so that no kiosk holds the stop up until
        the graceful timeout cuts it off; the kiosk polls again, another instance or this one once restarted.
        Other requests in progress finish as usual. Under systemd ``STOPPING=1`` goes now: on SIGTERM uvicorn
        raises the signal again once it has stopped, which ends the process before code after the server runs."""
        if self.health.systemd is not None:
            self.health.systemd.notify("STOPPING=1")
        self.hub.close()

    async def _certificate_turn(self, seconds: float) -> bool:
        """Whether this instance may download platform certificates now (once per ``seconds`` across instances)."""
        return await take_turn(self.storage, CERTIFICATE_DOWNLOADS, seconds, self.relay.clock)

    async def _work(self, reconciler: Reconciler) -> None:
        """What runs on one instance at a time: the active queries and the payment-code flows (both resume from
        storage when they start)."""
        await asyncio.gather(
            self._supervise(reconciler.run, "reconciler"), self._supervise(self.codepay.run, "payment-code flows")
        )

    def _give_up(self, reason: str) -> None:
        self.fatal = reason
        log.critical("giving up: %s; exiting so that the service manager restarts the relay", reason)
        self._given_up.set()
        self.on_fatal(reason)

    async def given_up(self) -> None:
        """Returns once the relay has given up (:attr:`fatal`): the server then stops."""
        await self._given_up.wait()

    async def _supervise(self, run: Callable[[], Awaitable[None]], name: str) -> None:
        """Keep a background loop alive: without the reconciler lost notifications would never be found, without
        the payment-code flows no code-pay order would be settled."""
        while True:
            try:
                await run()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s failed; restarting in 5 s", name)
                await asyncio.sleep(5)

    # -- errors

    async def _refused(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestRefused)
        headers = None
        retry_after = exc.details.get("retry_after")
        if retry_after is not None:
            headers = {"Retry-After": str(math.ceil(float(retry_after)))}
        return error_response(STATUS[exc.code], exc.code, exc.message, headers, **exc.details)

    async def _body_error(self, request: Request, exc: Exception) -> Response:
        """Bad bodies are permanent: 413 or 400, never a 5xx that a kiosk or WeChat Pay would retry."""
        assert isinstance(exc, BodyError)
        if isinstance(exc, BodyIncomplete):
            return Response(status_code=499)  # the client is gone; nothing is sent
        too_large = isinstance(exc, BodyTooLarge)
        code = ErrorCode.PAYLOAD_TOO_LARGE if too_large else ErrorCode.INVALID_JSON
        if request.url.path.startswith("/wechatpay/"):
            response = wechat_fail(STATUS[code], "body too large" if too_large else str(exc))
        else:
            response = error_response(STATUS[code], code, str(exc))
        if too_large:
            response.headers["Connection"] = "close"  # rather than read the rest of it only to discard it
        return response

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        codes = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED}
        code = codes.get(exc.status_code, ErrorCode.HTTP_ERROR)
        return error_response(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))

    async def _internal_error(self, request: Request, exc: Exception) -> Response:
        # Starlette logs the exception after this answer; the answer itself stays in our formats.
        if request.url.path.startswith("/wechatpay/"):
            return wechat_fail(500, "internal error")
        message = "internal error; the request may be retried"
        return error_response(STATUS[ErrorCode.INTERNAL], ErrorCode.INTERNAL, message, retryable=True)

    # -- auth

    def reload_kiosks(self) -> None:
        """Pick up ``[[kiosks]]`` edits (add-kiosk, remove-kiosk, rotate-token) without a restart."""
        fresh = self.reloader.check()
        if fresh is not None:
            self.config = fresh
            self.relay.config = fresh

    def authenticate(self, request: Request) -> Kiosk:
        self.reload_kiosks()
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        kiosk = self.config.authenticate(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if kiosk is None:
            raise RequestRefused(ErrorCode.UNAUTHORIZED, "a valid kiosk token is required (Authorization: Bearer …)")
        wait = self.limiter.take(kiosk.id)
        if wait > 0:
            raise RequestRefused(ErrorCode.RATE_LIMITED, "too many requests from this kiosk", retry_after=wait)
        return kiosk

    # -- routes

    async def healthz(self, request: Request) -> Response:
        """No token, no secret, nothing of any store: what was found in the background (``.health``)."""
        self.reload_kiosks()  # at most once a second: a file that no longer validates shows here too
        checks = self.health.checks()
        status = overall(checks)
        cluster = self.cluster
        body = HealthAnswer(
            status=status,
            mode=self.config.wechatpay.mode,
            uptime_seconds=round(time.monotonic() - self.started, 1),
            long_polls=self.hub.total_waiters(),
            notifications=NotificationCounts(**self.notifications),
            checks=checks,
            instance=RelayInstance(name=cluster.name, work_lease=cluster.holding) if cluster is not None else None,
        )
        return JSONResponse(encode(body), 503 if status is Health.UNHEALTHY else 200)

    async def ping(self, request: Request) -> Response:
        """The kiosks' heartbeat: 200 only for a credential in force, 401 for a wrong or revoked one."""
        kiosk = self.authenticate(request)
        return answer(PingAnswer(kiosk_id=kiosk.id, store_id=kiosk.store))

    async def notify(self, request: Request) -> Response:
        # Raw bytes, verified before anything parses them; the same cap and timeouts as every body.
        body = await read_body(request, self.config.server.max_body_bytes)
        try:
            notice = await self.relay.gateway.parse_notification(dict(request.headers), body)
        except NotificationRejected as exc:
            self.notifications["rejected"] += 1
            self._rejected.note(exc.reason)  # anyone can send these: counted, not logged one by one
            return wechat_fail(401, "verification failed")
        try:
            outcome = await asyncio.wait_for(self.relay.handle_notification(notice), NOTIFY_DEADLINE)
        except (StorageError, TimeoutError) as exc:
            self.notifications["failed"] += 1
            log.error("notification %s not stored: %s", notice.id, type(exc).__name__)
            return wechat_fail(500, "could not store the notification")
        self.notifications["accepted"] += 1
        log.info("notification %s (%s): %s", notice.id, notice.event_type, outcome)
        return Response(status_code=204)

    async def create_order(self, request: Request) -> Response:
        kiosk = self.authenticate(request)
        order = await _request_body(request, OrderCreate, self.config.server.max_body_bytes)
        server = request.scope.get("server")
        fallback = f"http://{server[0]}:{server[1]}" if server else None
        return answer(await self.relay.create_order(kiosk, order, fallback_base=fallback))

    async def charge_code(self, request: Request) -> Response:
        kiosk = self.authenticate(request)
        order = await _request_body(request, CodePayCreate, self.config.server.max_body_bytes)
        client = request.client
        return answer(await self.codepay.charge(kiosk, order, host=client.host if client is not None else None))

    async def get_order(self, request: Request) -> Response:
        kiosk = self.authenticate(request)
        params = request.query_params
        try:
            since = int(params["since"]) if params.get("since") not in (None, "") else None
            wait = float(params.get("wait") or 0)
        except ValueError:
            raise RequestRefused(
                ErrorCode.INVALID_REQUEST, "since must be an integer and wait a number of seconds"
            ) from None
        if not math.isfinite(wait) or wait < 0:
            raise RequestRefused(ErrorCode.INVALID_REQUEST, "wait must be a number of seconds >= 0")
        refresh = params.get("refresh") in ("1", "true", "yes")
        watch = asyncio.create_task(
            self.relay.watch_order(
                kiosk, request.path_params["out_trade_no"], since=since, wait=min(wait, MAX_WAIT), refresh=refresh
            )
        )
        gone = asyncio.create_task(_wait_for_disconnect(request))
        try:
            await asyncio.wait({watch, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
            if not watch.done():
                watch.cancel()  # the kiosk hung up (or we are shutting down): stop holding its long-poll
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(watch, gone, return_exceptions=True)
        if watch.cancelled():
            return Response(status_code=499)
        return JSONResponse(watch.result())  # already the contract's encoded OrderView

    async def close_order(self, request: Request) -> Response:
        kiosk = self.authenticate(request)
        return answer(await self.relay.close_order(kiosk, request.path_params["out_trade_no"]))

    async def create_refund(self, request: Request) -> Response:
        kiosk = self.authenticate(request)
        self.relay.require_manager(kiosk)  # before reading the body: a kiosk learns nothing more
        refund = await _request_body(request, RefundCreate, self.config.server.max_body_bytes)
        return answer(await self.relay.create_refund(kiosk, request.path_params["out_trade_no"], refund))

    async def get_refund(self, request: Request) -> Response:
        kiosk = self.authenticate(request)
        refresh = request.query_params.get("refresh") in ("1", "true", "yes")
        return answer(await self.relay.get_refund(kiosk, request.path_params["out_refund_no"], refresh=refresh))

    async def get_bill(self, request: Request) -> Response:
        kiosk = self.authenticate(request)
        raw = request.path_params["bill_date"]
        try:
            if len(raw) != 10:
                raise ValueError(raw)
            bill_date = date.fromisoformat(raw)
        except ValueError:
            raise RequestRefused(ErrorCode.INVALID_REQUEST, "the bill date must be YYYY-MM-DD") from None
        wait = self.bill_limiter.take(kiosk.id)  # bills are big: a bucket of their own
        if wait > 0:
            raise RequestRefused(ErrorCode.RATE_LIMITED, "too many bill requests from this kiosk", retry_after=wait)
        compressed = accepts_gzip(request.headers.get("accept-encoding", ""))
        body = await self.relay.bill(kiosk, bill_date, compressed=compressed)
        headers = {"Content-Length": str(len(body)), "Vary": "Accept-Encoding"}
        if compressed:
            headers["Content-Encoding"] = "gzip"
        return BillResponse(body, self.bill_senders, headers)


#: Bytes handed to the server per send: a slow reader holds back only its own answer, and one turn of the event
#: loop never copies more than this per bill being sent.
SEND_SLICE = 64 * 1024
#: Bills sent at once; the others wait their turn. Sixty sent together kept notifications waiting for turns of
#: the event loop that each copied sixty slices.
BILL_SENDERS = 4


class BillResponse(StreamingResponse):
    """A bill answer's bytes (kept encoded: no copy per request), sent a slice at a time in a sender's turn."""

    def __init__(self, body: bytes, senders: asyncio.Semaphore, headers: dict[str, str]) -> None:
        super().__init__(_slices(body), headers=headers, media_type="application/json")
        self.senders = senders

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with self.senders:
            await super().__call__(scope, receive, send)


async def _slices(body: bytes) -> AsyncIterator[memoryview]:
    view = memoryview(body)
    for start in range(0, len(body), SEND_SLICE):
        yield view[start : start + SEND_SLICE]


def accepts_gzip(header: str) -> bool:
    """Whether an ``Accept-Encoding`` header takes gzip (RFC 9110: ``gzip``, or ``*``, with a q above 0)."""
    for item in header.split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip", "*"):
            q = params.strip().lower()
            return not q.startswith("q=") or _quality(q[2:]) > 0
    return False


def _quality(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def create_app(config: RelayConfig, *, gateway: Gateway | None = None, clock: Clock | None = None) -> RelayApp:
    return RelayApp(config, gateway=gateway, clock=clock)
