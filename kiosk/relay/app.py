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
import dataclasses
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from datetime import date
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kiosk.clock import Clock, SystemClock
from kiosk.wire import ErrorAnswer, ErrorCode, ErrorDetail, OrderCreate, RefundCreate, WireError, decode_bytes, encode

from .config import ConfigError, Kiosk, RelayConfig, load_config
from .gateway import Gateway, NotificationRejected
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


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes, by Content-Length up front or while streaming."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = self.limit + 1
                if declared > self.limit:
                    await self._refuse(scope, receive, send)
                    return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except BodyTooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("path", "").startswith("/wechatpay/"):
            response: Response = wechat_fail(413, "body too large")
        else:
            limit = f"request bodies are limited to {self.limit} bytes"
            response = error_response(413, ErrorCode.PAYLOAD_TOO_LARGE, limit)
        await response(scope, receive, send)


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


async def _request_body(request: Request, kind: type[M]) -> M:
    """The body as the contract's ``kind`` request; a body that breaks the contract is 400 naming the field."""
    try:
        return decode_bytes(kind, await request.body())
    except WireError as exc:
        if exc.field is None:
            code = ErrorCode.INVALID_JSON
            message = (
                "the request body must be a JSON object"
                if exc.message != "the body is not JSON"
                else ("the request body is not JSON")
            )
            raise RequestRefused(code, message) from None
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
        self._config_checked = time.monotonic()
        try:
            self._config_stamp: int | None = config.path.stat().st_mtime_ns
        except OSError:
            self._config_stamp = None
        if gateway is None:
            from .wechat import build_gateway

            gateway = build_gateway(config)
        try:
            self.storage = open_storage(config.storage_path)
        except (StorageError, OSError) as exc:
            raise ConfigError("storage.path", f"cannot open {config.storage_path}: {exc}") from None
        self.hub = VersionHub()
        self.relay = Relay(config, gateway, self.storage, clock or SystemClock(), self.hub)
        self.limiter = RateLimiter(config.server.rate_limit_per_second, config.server.rate_limit_burst)
        self.reconciler: Reconciler | None = None
        self.started = time.monotonic()
        self.notifications = {"accepted": 0, "rejected": 0, "failed": 0}
        routes = [
            Route("/healthz", self.healthz, methods=["GET"]),
            Route("/wechatpay/notify", self.notify, methods=["POST"]),
            Route("/v1/orders", self.create_order, methods=["POST"]),
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
                RequestRefused: self._refused,
                HTTPException: self._http_error,
                Exception: self._internal_error,
            },
        )
        self.asgi: ASGIApp = BodyLimit(self.starlette, config.server.max_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.asgi(scope, receive, send)

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        reconciler = Reconciler(self.relay, queries_per_second=self.config.orders.queries_per_second)
        self.reconciler = reconciler
        self.relay.on_open_order = reconciler.watch_order
        self.relay.on_pending_refund = reconciler.watch_refund
        self.hub.on_interest = reconciler.kiosk_waiting
        task = asyncio.create_task(self._supervise(reconciler), name="relay-reconciler")
        preparing = asyncio.create_task(self.relay.gateway.prepare(), name="relay-gateway-prepare")
        try:
            yield
        finally:
            preparing.cancel()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await reconciler.stop()
            await self.relay.gateway.aclose()
            self.storage.close()

    async def _supervise(self, reconciler: Reconciler) -> None:
        """Keep the reconciler alive: without it, lost notifications would never be found."""
        while True:
            try:
                await reconciler.run()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reconciler failed; restarting in 5 s")
                await asyncio.sleep(5)

    # -- errors

    async def _refused(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestRefused)
        headers = None
        retry_after = exc.details.get("retry_after")
        if retry_after is not None:
            headers = {"Retry-After": str(math.ceil(float(retry_after)))}
        return error_response(STATUS[exc.code], exc.code, exc.message, headers, **exc.details)

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
        """Pick up ``[[kiosks]]`` edits (add-kiosk, a removed credential) without a restart.

        Checked at most once a second, on requests; other changes (stores, keys, server) need a restart
        and are only logged. A file that does not validate is ignored until it does.
        """
        now = time.monotonic()
        if now - self._config_checked < 1.0:
            return
        self._config_checked = now
        try:
            stamp = self.config.path.stat().st_mtime_ns
        except OSError:
            return
        if stamp == self._config_stamp:
            return
        self._config_stamp = stamp
        try:
            fresh = load_config(self.config.path)
        except ConfigError as exc:
            log.warning("configuration change ignored: %s", exc)
            return
        current = self.config
        if (fresh.wechatpay, fresh.stores, fresh.server, fresh.orders, fresh.storage_path) != (
            current.wechatpay,
            current.stores,
            current.server,
            current.orders,
            current.storage_path,
        ):
            log.warning("configuration changed beyond [[kiosks]]; restart the relay to apply it")
        kiosks = tuple(kiosk for kiosk in fresh.kiosks if kiosk.store in current.stores)
        if kiosks != current.kiosks:
            self.config = dataclasses.replace(current, kiosks=kiosks)
            self.relay.config = self.config
            log.info("kiosk credentials reloaded: %d", len(kiosks))

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
        try:
            await self.storage.check()
        except StorageError:
            return JSONResponse({"status": "unhealthy", "storage": "unavailable"}, 503)
        return JSONResponse(
            {
                "status": "ok",
                "mode": self.config.wechatpay.mode,
                "uptime_seconds": round(time.monotonic() - self.started, 1),
                "long_polls": self.hub.total_waiters(),
                "notifications": self.notifications,
            }
        )

    async def notify(self, request: Request) -> Response:
        body = await request.body()  # raw bytes: verified before anything parses them
        try:
            notice = await self.relay.gateway.parse_notification(dict(request.headers), body)
        except NotificationRejected as exc:
            self.notifications["rejected"] += 1
            log.warning("notification rejected: %s", exc.reason)
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
        order = await _request_body(request, OrderCreate)
        server = request.scope.get("server")
        fallback = f"http://{server[0]}:{server[1]}" if server else None
        return answer(await self.relay.create_order(kiosk, order, fallback_base=fallback))

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
        refund = await _request_body(request, RefundCreate)
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
        return answer(await self.relay.bill(kiosk, bill_date))


def create_app(config: RelayConfig, *, gateway: Gateway | None = None, clock: Clock | None = None) -> RelayApp:
    return RelayApp(config, gateway=gateway, clock=clock)
