"""The relay's ASGI application (Starlette): the kiosk API, the notification receiver and health.

Middleware is pure ASGI (no ``BaseHTTPMiddleware``): the long-poll path must see client disconnects and
must not be buffered. Kiosk errors are ``{"error": {"code", "message", ...}}``; the notification
receiver answers WeChat Pay's own ``{"code": "FAIL", "message"}`` format.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from datetime import date
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kiosk.clock import Clock, SystemClock, parse_rfc3339
from kiosk.serving import LogThrottle

from .body import BodyError, BodyIncomplete, BodyTooLarge, read_body, read_json
from .config import ConfigError, Kiosk, KioskReloader, RelayConfig
from .db import Database, StorageError
from .gateway import Gateway, NotificationRejected
from .hub import VersionHub
from .reconciler import Reconciler
from .service import MAX_WAIT, OUT_REFUND_NO, OUT_TRADE_NO, OrderRequest, RefundRequest, Relay, RelayError

log = logging.getLogger("kiosk.relay")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: WeChat Pay gives a notification receiver 5 seconds; answer (or fail) well within that.
NOTIFY_DEADLINE = 4.0


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status, headers=headers)


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


async def _json_object(request: Request, limit: int) -> dict[str, Any]:
    value = await read_json(request, limit)
    if not isinstance(value, dict):
        raise RelayError(400, "invalid_json", "the request body must be a JSON object")
    return value


def _field_string(
    body: dict[str, Any], name: str, *, required: bool = True, max_bytes: int | None = None
) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise RelayError(400, "invalid_request", f"{name} is required", field=name)
        return None
    if not isinstance(value, str) or (required and not value):
        raise RelayError(400, "invalid_request", f"{name} must be a non-empty string", field=name)
    if max_bytes is not None and len(value.encode("utf-8")) > max_bytes:
        raise RelayError(400, "invalid_request", f"{name} is longer than {max_bytes} bytes", field=name)
    return value


def _field_fen(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RelayError(400, "invalid_request", f"{name} must be a positive integer (fen)", field=name)
    return value


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

            gateway = build_gateway(config)
        try:
            self.database = Database(config.storage_path)
        except (StorageError, sqlite3.Error, OSError) as exc:
            raise ConfigError("storage.path", f"cannot open {config.storage_path}: {exc}") from None
        self.hub = VersionHub()
        self.relay = Relay(config, gateway, self.database, clock or SystemClock(), self.hub)
        self.limiter = RateLimiter(config.server.rate_limit_per_second, config.server.rate_limit_burst)
        self.reconciler: Reconciler | None = None
        self.started = time.monotonic()
        self.notifications = {"accepted": 0, "rejected": 0, "failed": 0}
        self._rejected = LogThrottle(log, logging.WARNING, "notifications rejected")
        routes = [
            Route("/healthz", self.healthz, methods=["GET"]),
            Route("/wechatpay/notify", self.notify, methods=["POST"]),
            Route("/v1/ping", self.ping, methods=["GET"]),
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
                BodyError: self._body_error,
                RelayError: self._relay_error,
                HTTPException: self._http_error,
                Exception: self._internal_error,
            },
        )
        self.asgi: ASGIApp = self.starlette

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
            self.database.close()

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

    async def _relay_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RelayError)
        headers = None
        if exc.status == 429 or "retry_after" in exc.extra:
            headers = {"Retry-After": str(math.ceil(float(exc.extra.get("retry_after", 1))))}
        return error_response(exc.status, exc.code, exc.message, headers, **exc.extra)

    async def _body_error(self, request: Request, exc: Exception) -> Response:
        """Bad bodies are permanent: 413 or 400, never a 5xx that a kiosk or WeChat Pay would retry."""
        assert isinstance(exc, BodyError)
        if isinstance(exc, BodyIncomplete):
            return Response(status_code=499)  # the client is gone; nothing is sent
        notification = request.url.path.startswith("/wechatpay/")
        if isinstance(exc, BodyTooLarge):
            # Close rather than read the rest of an oversized body only to discard it.
            response = (
                wechat_fail(413, "body too large")
                if notification
                else error_response(413, "payload_too_large", str(exc))
            )
            response.headers["Connection"] = "close"
            return response
        return wechat_fail(400, str(exc)) if notification else error_response(400, "invalid_json", str(exc))

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))

    async def _internal_error(self, request: Request, exc: Exception) -> Response:
        # Starlette logs the exception after this answer; the answer itself stays in our formats.
        if request.url.path.startswith("/wechatpay/"):
            return wechat_fail(500, "internal error")
        return error_response(500, "internal", "internal error; the request may be retried", retryable=True)

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
            raise RelayError(401, "unauthorized", "a valid kiosk token is required (Authorization: Bearer …)")
        wait = self.limiter.take(kiosk.id)
        if wait > 0:
            raise RelayError(429, "rate_limited", "too many requests from this kiosk", retry_after=wait)
        return kiosk

    # -- routes

    async def healthz(self, request: Request) -> Response:
        try:
            await self.database.read(lambda c: c.execute("SELECT 1").fetchone())
        except Exception:
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

    async def ping(self, request: Request) -> Response:
        """The kiosks' heartbeat: 200 only for a credential in force, 401 for a wrong or revoked one."""
        kiosk = self.authenticate(request)
        return JSONResponse({"kiosk_id": kiosk.id, "store_id": kiosk.store})

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
        body = await _json_object(request, self.config.server.max_body_bytes)
        out_trade_no = _field_string(body, "out_trade_no")
        assert out_trade_no is not None
        if not OUT_TRADE_NO.fullmatch(out_trade_no):
            raise RelayError(
                400, "invalid_request", "out_trade_no must be 6-32 of [0-9A-Za-z_-|*]", field="out_trade_no"
            )
        description = _field_string(body, "description", max_bytes=381)
        assert description is not None
        if len(description) > 127:
            raise RelayError(400, "invalid_request", "description is longer than 127 characters", field="description")
        amount = _field_fen(body, "amount_fen")
        attach = _field_string(body, "attach", required=False, max_bytes=128)
        time_expire = None
        raw_expire = body.get("time_expire")
        if raw_expire is not None:
            try:
                time_expire = parse_rfc3339(str(raw_expire))
            except ValueError:
                raise RelayError(
                    400, "invalid_request", "time_expire must be RFC 3339 with an offset", field="time_expire"
                ) from None
        items = body.get("items")
        if items is not None and not isinstance(items, list | dict):
            raise RelayError(400, "invalid_request", "items must be a JSON array or object", field="items")
        server = request.scope.get("server")
        fallback = f"http://{server[0]}:{server[1]}" if server else None
        view = await self.relay.create_order(
            kiosk,
            OrderRequest(out_trade_no, description, amount, time_expire, attach, items),
            fallback_base=fallback,
        )
        return JSONResponse(view)

    async def get_order(self, request: Request) -> Response:
        kiosk = self.authenticate(request)
        params = request.query_params
        try:
            since = int(params["since"]) if params.get("since") not in (None, "") else None
            wait = float(params.get("wait") or 0)
        except ValueError:
            raise RelayError(400, "invalid_request", "since must be an integer and wait a number of seconds") from None
        if not math.isfinite(wait) or wait < 0:
            raise RelayError(400, "invalid_request", "wait must be a number of seconds >= 0")
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
        return JSONResponse(watch.result())

    async def close_order(self, request: Request) -> Response:
        kiosk = self.authenticate(request)
        return JSONResponse(await self.relay.close_order(kiosk, request.path_params["out_trade_no"]))

    async def create_refund(self, request: Request) -> Response:
        kiosk = self.authenticate(request)
        if kiosk.role != "manager":
            raise RelayError(403, "forbidden", "refunds need a manager credential")
        body = await _json_object(request, self.config.server.max_body_bytes)
        out_refund_no = _field_string(body, "out_refund_no")
        assert out_refund_no is not None
        if not OUT_REFUND_NO.fullmatch(out_refund_no):
            raise RelayError(
                400, "invalid_request", "out_refund_no must be 1-64 of [0-9A-Za-z_-|*@]", field="out_refund_no"
            )
        amount = _field_fen(body, "amount_fen")
        reason = _field_string(body, "reason", required=False, max_bytes=80)
        view = await self.relay.create_refund(
            kiosk, request.path_params["out_trade_no"], RefundRequest(out_refund_no, amount, reason or None)
        )
        return JSONResponse(view)

    async def get_refund(self, request: Request) -> Response:
        kiosk = self.authenticate(request)
        refresh = request.query_params.get("refresh") in ("1", "true", "yes")
        return JSONResponse(await self.relay.get_refund(kiosk, request.path_params["out_refund_no"], refresh=refresh))

    async def get_bill(self, request: Request) -> Response:
        kiosk = self.authenticate(request)
        raw = request.path_params["bill_date"]
        try:
            if len(raw) != 10:
                raise ValueError(raw)
            bill_date = date.fromisoformat(raw)
        except ValueError:
            raise RelayError(400, "invalid_request", "the bill date must be YYYY-MM-DD") from None
        return JSONResponse(await self.relay.bill(kiosk, bill_date))


def create_app(config: RelayConfig, *, gateway: Gateway | None = None, clock: Clock | None = None) -> RelayApp:
    return RelayApp(config, gateway=gateway, clock=clock)
