"""The sandbox's ASGI application: APIv3 endpoints, the control API and the page for people.

Every APIv3 request goes through :func:`_apiv3`: faults, User-Agent, Authorization, then the handler;
successful answers (2xx) are signed as WeChat Pay signs them, errors are not. Before a handler runs, code-pay
orders whose password wait is over are settled, so every answer sees the sandbox clock's present.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.clock import rfc3339
from kiosk.trade import TradeState
from kiosk.wechatpay.aead import ALGORITHM, encrypt
from kiosk.wechatpay.signing import SCHEME, response_message, sign

from . import bills, page
from .auth import authenticate, canonical_url, check_user_agent
from .clock import SandboxClock, wall_timestamp
from .codepay import SCENARIOS, CodePay
from .errors import ApiError, query_param_error
from .identity import ensure_identity, load_identity
from .notify import NOTIFICATION_FAULTS, Notifier, compact
from .service import Sandbox
from .settings import Settings
from .store import Store
from .validation import parse_json_body

API_FAULTS = ("http_500", "system_error", "frequency_limited", "latency", "drop_connection", "bad_signature")
_RAW_SEND = "kiosk.sandbox.raw_send"


@dataclass
class Fault:
    path_prefix: str
    count: int
    kind: str
    latency_ms: int = 0


@dataclass
class Reply:
    status: int = 200
    payload: dict[str, Any] | None = None
    raw: bytes | None = None
    content_type: str = "application/json; charset=utf-8"
    signed: bool = True


@dataclass
class Call:
    request: Request
    caller: str
    body: bytes
    query: dict[str, str] = field(default_factory=dict)

    def param(self, name: str) -> str:
        value: str = self.request.path_params[name]
        return value

    def json(self) -> dict[str, Any]:
        return parse_json_body(self.body)


Handler = Callable[[Call], Reply]


class _Dropped(Exception):
    """The fault injector closed the connection; nothing more is sent."""


def _request_id() -> str:
    return secrets.token_hex(22).upper() + "-0"


def _error(error: ApiError) -> Response:
    return Response(compact(error.body()), error.status, media_type="application/json; charset=utf-8")


class RequestIdMiddleware:
    """Pure ASGI: a Request-ID on every response, and the server's own ``send`` kept for dropping connections."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[_RAW_SEND] = send

        async def with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"request-id" for k, _ in headers):
                    headers.append((b"request-id", _request_id().encode()))
                headers.append((b"server", b"nginx"))
                message = {**message, "headers": headers}
            await send(message)

        with contextlib.suppress(_Dropped):
            await self.app(scope, receive, with_id)


def _drop(request: Request) -> None:
    """Close the TCP connection without an answer (uvicorn's cycle holds the transport)."""
    cycle = getattr(request.scope.get(_RAW_SEND), "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise RuntimeError("cannot drop the connection with this server")
    transport.abort()
    cycle.disconnected = True  # type: ignore[union-attr]
    raise _Dropped


class SandboxServer:
    """All the state of one running sandbox (one state directory)."""

    def __init__(self, state_dir: Path, time_scale: float = 1.0) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.state_dir = Path(state_dir).resolve()
        ensure_identity(self.state_dir)
        self.identity = load_identity(self.state_dir)
        self.store = Store(self.state_dir / "sandbox.db")
        self.clock = SandboxClock(float(self.store.get_setting("clock_offset", 0.0)))
        self.settings = Settings.load(self.store)
        self.time_scale = time_scale
        self.notifier = Notifier(self.identity, self.store, self.clock, self.settings, time_scale)
        self.sandbox = Sandbox(
            self.identity, self.store, self.clock, self.settings, time_scale, self.notifier.enqueue, self.notifier.wake
        )
        self.codepay = CodePay(self.sandbox)
        self.notifier.before_tick = self.sandbox.settle_refunds
        self.notifier.next_due = self.sandbox.next_refund_due
        self.faults: list[Fault] = []

    # -- faults ---------------------------------------------------------------------------------------

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.count > 0 and path.startswith(fault.path_prefix):
                fault.count -= 1
                return fault
        return None

    # -- signing --------------------------------------------------------------------------------------

    def _sign(self, request: Request, response: Response, body: bytes, *, corrupt: bool) -> None:
        wanted = request.headers.get("wechatpay-serial", "")
        if wanted == self.identity.platform_public_key_id or not self.settings.certificates_available:
            key, serial = self.identity.public_key_signer, self.identity.platform_public_key_id
        else:
            certificate, key = self.identity.platform_certs.current  # one read: a rotation swaps both
            serial = certificate.serial
        timestamp, nonce = wall_timestamp(), secrets.token_hex(16)
        message = response_message(timestamp, nonce, body)
        if corrupt:
            message += b"tampered"  # a well-formed signature over other bytes
        response.headers["Wechatpay-Nonce"] = nonce
        response.headers["Wechatpay-Signature"] = sign(key, message)
        response.headers["Wechatpay-Timestamp"] = str(timestamp)
        response.headers["Wechatpay-Serial"] = serial
        response.headers["Wechatpay-Signature-Type"] = SCHEME

    def apiv3(self, handler: Handler, *, mch_not_exists_status: int = 400) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            fault = self._take_fault(request.url.path)
            if fault is not None:
                if fault.kind == "latency":
                    await asyncio.sleep(fault.latency_ms / 1000)
                elif fault.kind == "http_500":
                    return HTMLResponse("<html><body><h1>500 Internal Server Error</h1></body></html>", 500)
                elif fault.kind == "system_error":
                    return _error(ApiError(500, "SYSTEM_ERROR", "系统错误"))
                elif fault.kind == "frequency_limited":
                    return _error(ApiError(429, "FREQUENCY_LIMITED", "频率超限"))
            raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
            url = canonical_url(raw_path, request.scope.get("query_string", b""))
            body = await request.body()
            try:
                check_user_agent(request.headers)
                caller = authenticate(
                    self.identity,
                    method=request.method,
                    url=url,
                    headers=request.headers,
                    body=body,
                    now=wall_timestamp(),
                    mch_not_exists_status=mch_not_exists_status,
                )
                wanted = request.headers.get("wechatpay-serial", "")
                if wanted.startswith("PUB_KEY_ID_") and wanted != self.identity.platform_public_key_id:
                    raise ApiError(400, "INVALID_REQUEST", "Wechatpay-Serial中的微信支付公钥ID错误")
                self.codepay.settle()
                reply = handler(Call(request, caller, body, dict(request.query_params)))
            except ApiError as error:
                response = _error(error)
            else:
                if reply.raw is not None:
                    content = reply.raw
                elif reply.payload is not None:
                    content = compact(reply.payload)
                else:
                    content = b""
                media_type = reply.content_type if content else None
                response = Response(content or None, reply.status, media_type=media_type)
                if reply.signed:
                    corrupt = fault is not None and fault.kind == "bad_signature"
                    self._sign(request, response, content, corrupt=corrupt)
            if fault is not None and fault.kind == "drop_connection":
                _drop(request)  # processed, but the answer is lost: the client must retry idempotently
            return response

        return endpoint

    # -- APIv3 handlers -------------------------------------------------------------------------------

    def certificates(self, call: Call) -> Reply:
        if not self.settings.certificates_available:
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥")
        key = self.identity.apiv3_key
        entries = []
        for certificate in self.identity.platform_certs.listed():
            nonce = secrets.token_hex(6)
            entries.append(
                {
                    "serial_no": certificate.serial,
                    "effective_time": rfc3339(certificate.not_before),
                    "expire_time": rfc3339(certificate.not_after),
                    "encrypt_certificate": {
                        "algorithm": ALGORITHM,
                        "nonce": nonce,
                        "associated_data": "certificate",
                        "ciphertext": encrypt(key, nonce, "certificate", certificate.pem.encode()),
                    },
                }
            )
        return Reply(payload={"data": entries})

    def native(self, partner: bool) -> Handler:
        return lambda call: Reply(payload=self.sandbox.create_native(call.caller, partner, call.json()))

    def _query_scope(self, call: Call, partner: bool) -> Any:
        if partner:
            for name in ("sp_mchid", "sub_mchid"):
                if not call.query.get(name):
                    raise query_param_error(f"缺少参数{name}", name)
            return self.sandbox.partner_scope(
                call.caller, call.query["sp_mchid"], call.query["sub_mchid"], location="query"
            )
        if not call.query.get("mchid"):
            raise query_param_error("缺少参数mchid", "mchid")
        return self.sandbox.direct_scope(call.caller, call.query["mchid"], location="query")

    def query_by_out_trade_no(self, partner: bool) -> Handler:
        def handler(call: Call) -> Reply:
            scope = self._query_scope(call, partner)
            order = self.sandbox.find_order(scope, out_trade_no=call.param("out_trade_no"))
            return Reply(payload=self.sandbox.order_view(order))

        return handler

    def query_by_id(self, partner: bool) -> Handler:
        def handler(call: Call) -> Reply:
            scope = self._query_scope(call, partner)
            order = self.sandbox.find_order(scope, transaction_id=call.param("transaction_id"))
            return Reply(payload=self.sandbox.order_view(order))

        return handler

    def close_order(self, partner: bool) -> Handler:
        def handler(call: Call) -> Reply:
            self.sandbox.close(call.caller, partner, call.param("out_trade_no"), call.json())
            return Reply(status=204)

        return handler

    def codepay_charge(self, partner: bool) -> Handler:
        def handler(call: Call) -> Reply:
            status, payload = self.codepay.charge(call.caller, partner, call.json())
            return Reply(status=status, payload=payload)

        return handler

    def codepay_reverse(self, partner: bool) -> Handler:
        return lambda call: Reply(
            payload=self.codepay.reverse(call.caller, partner, call.param("out_trade_no"), call.json())
        )

    def create_refund(self, call: Call) -> Reply:
        return Reply(payload=self.sandbox.create_refund(call.caller, call.json()))

    def query_refund(self, call: Call) -> Reply:
        return Reply(
            payload=self.sandbox.query_refund(call.caller, call.param("out_refund_no"), call.query.get("sub_mchid"))
        )

    def trade_bill(self, call: Call) -> Reply:
        self.sandbox.settle_refunds()
        base = str(call.request.base_url).rstrip("/")
        return Reply(payload=bills.apply_trade_bill(self.sandbox, call.caller, call.query, base))

    def fundflow_bill(self, call: Call) -> Reply:
        self.sandbox.settle_refunds()
        base = str(call.request.base_url).rstrip("/")
        return Reply(payload=bills.apply_fundflow_bill(self.sandbox, call.caller, call.query, base))

    def bill_download(self, call: Call) -> Reply:
        content = bills.download(self.sandbox, call.caller, call.query.get("token", ""))
        # Not signed, and not labelled gzip: clients must hash the decompressed bytes themselves.
        return Reply(raw=content, content_type="application/octet-stream", signed=False)

    # -- control API ----------------------------------------------------------------------------------

    async def control_payments(self, request: Request) -> Response:
        def pay(data: dict[str, Any]) -> Any:
            for name in ("openid", "bank_type"):
                if not isinstance(data.get(name, ""), str) or len(data.get(name) or "") > 128:
                    raise ApiError(400, "PARAM_ERROR", f"{name} must be a string")
            return self.sandbox.pay(
                str(data.get("code_url", "")),
                str(data.get("result", TradeState.SUCCESS)),
                openid=data.get("openid") or None,
                bank_type=data.get("bank_type") or None,
            )

        return await _page_action(request, pay)

    async def control_payment_codes(self, request: Request) -> Response:
        """``POST``: the customer opens 收付款 and shows a fresh code for a scenario; ``GET``: scenarios and codes."""
        if request.method == "GET":
            self.codepay.settle()
            scenarios = [{"name": s.name, "zh": s.zh, "en": s.en} for s in SCENARIOS.values()]
            return _json_response({"scenarios": scenarios, "codes": self.codepay.list_codes()})
        return await _page_action(request, self.codepay.issue_code)

    async def control_clock(self, request: Request) -> Response:
        if request.method == "POST":
            data = await _json(request)
            seconds = data.get("advance_seconds")
            if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
                return _error(ApiError(400, "PARAM_ERROR", "advance_seconds must be a non-negative number"))
            self.clock.advance(float(seconds))
            self.store.set_setting("clock_offset", self.clock.offset)
            self.notifier.wake()
        now = self.clock.now()
        return _json_response({"now": rfc3339(now), "timestamp": now.timestamp(), "offset_seconds": self.clock.offset})

    async def control_faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
            self.notifier.faults.clear()
        elif request.method == "POST":
            data = await _json(request)
            count = data.get("count", 1)
            kind = data.get("kind")
            if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                return _error(ApiError(400, "PARAM_ERROR", "count must be a positive integer"))
            if data.get("target") == "notifications":
                url_prefix = data.get("url_prefix", "")
                if kind not in NOTIFICATION_FAULTS:
                    return _error(ApiError(400, "PARAM_ERROR", f"kind must be one of {', '.join(NOTIFICATION_FAULTS)}"))
                if not isinstance(url_prefix, str):
                    return _error(ApiError(400, "PARAM_ERROR", "url_prefix must be a string"))
                self.notifier.add_fault(str(kind), count, url_prefix)
            else:
                prefix = data.get("path_prefix")
                latency = data.get("latency_ms", 0)
                if kind not in API_FAULTS:
                    return _error(ApiError(400, "PARAM_ERROR", f"kind must be one of {', '.join(API_FAULTS)}"))
                if not isinstance(prefix, str) or not prefix.startswith("/"):
                    return _error(ApiError(400, "PARAM_ERROR", "path_prefix must be a path starting with /"))
                if not isinstance(latency, int) or isinstance(latency, bool) or latency < 0:
                    return _error(ApiError(400, "PARAM_ERROR", "latency_ms must be a non-negative integer"))
                self.faults.append(Fault(prefix, count, str(kind), latency))
        return _json_response(
            {
                "api": [vars(f) for f in self.faults if f.count > 0],
                "notifications": [vars(f) for f in self.notifier.faults if f.count > 0],
            }
        )

    async def control_notifications(self, request: Request) -> Response:
        return _json_response(
            {
                "attempts": self.notifier.attempts(request.query_params.get("out_trade_no")),
                "notifications": self.notifier.notifications(),
            }
        )

    async def control_orders(self, request: Request) -> Response:
        self.codepay.settle()
        return _json_response({"orders": self.sandbox.list_orders()})

    async def control_refunds(self, request: Request) -> Response:
        """The merchant handles an ABNORMAL refund in the merchant platform (交易中心): it becomes SUCCESS."""
        data = await _json(request)
        try:
            view = self.sandbox.handle_abnormal_refund(data.get("out_refund_no"))
        except ApiError as exc:
            return _error(exc)
        return _json_response(view)

    async def control_certificates(self, request: Request) -> Response:
        """``{"rotate": true}``: WeChat Pay issues a new platform certificate and signs with it from now on."""
        if (await _json(request)).get("rotate") is not True:
            return _error(ApiError(400, "PARAM_ERROR", 'send {"rotate": true}'))
        new = await asyncio.to_thread(self.identity.platform_certs.rotate, self.state_dir)
        listed = self.identity.platform_certs.listed()
        return _json_response({"platform_cert_serial": new.serial, "listed": [c.serial for c in listed]})

    async def control_settings(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                self.settings.update(await _json(request), self.store)
            except ValueError as exc:
                return _error(ApiError(400, "PARAM_ERROR", str(exc)))
        return _json_response(self.settings.as_dict())

    async def html_page(self, request: Request) -> Response:
        self.codepay.settle()
        codes = self.codepay.list_codes(limit=10)
        return HTMLResponse(page.render(self.sandbox.list_orders(), rfc3339(self.clock.now()), codes))

    # -- the app --------------------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        a = self.apiv3
        pay = "/v3/pay/transactions"
        partner = "/v3/pay/partner/transactions"
        return [
            Route("/v3/certificates", a(self.certificates), methods=["GET"]),
            Route(f"{pay}/native", a(self.native(False)), methods=["POST"]),
            Route(f"{partner}/native", a(self.native(True)), methods=["POST"]),
            Route(f"{pay}/out-trade-no/{{out_trade_no}}", a(self.query_by_out_trade_no(False)), methods=["GET"]),
            Route(f"{partner}/out-trade-no/{{out_trade_no}}", a(self.query_by_out_trade_no(True)), methods=["GET"]),
            Route(f"{pay}/id/{{transaction_id}}", a(self.query_by_id(False)), methods=["GET"]),
            Route(f"{partner}/id/{{transaction_id}}", a(self.query_by_id(True)), methods=["GET"]),
            Route(f"{pay}/out-trade-no/{{out_trade_no}}/close", a(self.close_order(False)), methods=["POST"]),
            Route(f"{pay}/codepay", a(self.codepay_charge(False)), methods=["POST"]),
            Route(f"{partner}/codepay", a(self.codepay_charge(True)), methods=["POST"]),
            Route(f"{pay}/out-trade-no/{{out_trade_no}}/reverse", a(self.codepay_reverse(False)), methods=["POST"]),
            Route(f"{partner}/out-trade-no/{{out_trade_no}}/reverse", a(self.codepay_reverse(True)), methods=["POST"]),
            Route(f"{partner}/out-trade-no/{{out_trade_no}}/close", a(self.close_order(True)), methods=["POST"]),
            Route("/v3/refund/domestic/refunds", a(self.create_refund, mch_not_exists_status=404), methods=["POST"]),
            Route(
                "/v3/refund/domestic/refunds/{out_refund_no}",
                a(self.query_refund, mch_not_exists_status=404),
                methods=["GET"],
            ),
            Route("/v3/bill/tradebill", a(self.trade_bill), methods=["GET"]),
            Route("/v3/bill/fundflowbill", a(self.fundflow_bill), methods=["GET"]),
            Route("/v3/billdownload/file", a(self.bill_download), methods=["GET"]),
            Route("/sandbox/v1/payments", self.control_payments, methods=["POST"]),
            Route("/sandbox/v1/payment-codes", self.control_payment_codes, methods=["GET", "POST"]),
            Route("/sandbox/v1/clock", self.control_clock, methods=["GET", "POST"]),
            Route("/sandbox/v1/faults", self.control_faults, methods=["GET", "POST", "DELETE"]),
            Route("/sandbox/v1/notifications", self.control_notifications, methods=["GET"]),
            Route("/sandbox/v1/orders", self.control_orders, methods=["GET"]),
            Route("/sandbox/v1/settings", self.control_settings, methods=["GET", "POST"]),
            Route("/sandbox/v1/refunds", self.control_refunds, methods=["POST"]),
            Route("/sandbox/v1/certificates", self.control_certificates, methods=["POST"]),
            Route("/sandbox/", self.html_page, methods=["GET"]),
        ]

    def asgi(self) -> ASGIApp:
        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            await self.notifier.start()
            try:
                yield
            finally:
                await self.notifier.stop()

        return RequestIdMiddleware(Starlette(routes=self.routes(), lifespan=lifespan))

    def shutdown(self) -> None:
        self.store.close()


async def _page_action(request: Request, act: Callable[[dict[str, Any]], Any]) -> Response:
    """A control call the page's forms post to as well: JSON in and out, or a form answered 303 back to the page."""
    form = "application/x-www-form-urlencoded" in request.headers.get("content-type", "")
    if form:  # parsed by hand: Starlette's form parser needs python-multipart, which we do not ship
        data: dict[str, Any] = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8")).items()}
    else:
        data = await _json(request)
    try:
        view = act(data)
    except ApiError as error:
        if form:
            return HTMLResponse(page.message(error.code, error.message), error.status)
        return _error(error)
    if form:
        return RedirectResponse("/sandbox/", 303)
    return _json_response(view)


async def _json(request: Request) -> dict[str, Any]:
    try:
        value = json.loads(await request.body() or b"{}")
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {}


def _json_response(value: Any, status: int = 200) -> Response:
    return Response(compact(value), status, media_type="application/json; charset=utf-8")


def create_app(state_dir: Path, time_scale: float = 1.0) -> tuple[SandboxServer, ASGIApp]:
    server = SandboxServer(state_dir, time_scale)
    return server, server.asgi()
