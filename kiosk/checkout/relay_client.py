"""The kiosk's client for the relay's kiosk API (issue 4), synchronous httpx, used from worker threads.

Exceptions (every httpx error is mapped here, none leaks)::

    RelayError                 base (a CheckoutError, like every error of the kiosk core)
    ├── RelayUnavailable       connection failed, timed out, 5xx, 408 or 429: retry with back-off
    └── RelayRejected          the relay answered 4xx for good (carries status, code, message)
        └── RelayNotFound      404: no such order/refund for this kiosk's store

Tokens are sent as ``Authorization: Bearer …`` and appear in no message or ``repr``.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from kiosk import trade
from kiosk.checkout.errors import CheckoutError
from kiosk.clock import parse_rfc3339, rfc3339

#: The relay holds a long-poll at most this long (issue 4); we ask for a little less.
MAX_WAIT_SECONDS = 30
DEFAULT_WAIT_SECONDS = 20


class RelayError(CheckoutError):
    """Base of every relay client error."""


class RelayUnavailable(RelayError):
    """The relay could not be reached or is temporarily failing; the same request may be retried."""


class RelayRejected(RelayError):
    """The relay refused the request (4xx)."""

    def __init__(self, status: int, code: str | None, message: str):
        super().__init__(
            f"relay answered {status}" + (f" {code}" if code else "") + (f": {message}" if message else "")
        )
        self.status = status
        self.code = code
        self.message = message


class RelayNotFound(RelayRejected):
    """404: the relay has no such order (or it belongs to another store)."""


@dataclass(frozen=True)
class OrderCreated:
    out_trade_no: str
    code_url: str
    expires_at: datetime | None
    state: str
    version: int


@dataclass(frozen=True)
class OrderStatus:
    out_trade_no: str
    state: str
    version: int
    transaction_id: str | None = None
    success_time: datetime | None = None
    payer_total_fen: int | None = None


@dataclass(frozen=True)
class RefundStatus:
    out_refund_no: str
    state: str
    refund_id: str | None = None
    success_time: datetime | None = None
    amount_fen: int | None = None


@dataclass(frozen=True)
class Backoff:
    """Capped exponential back-off with full jitter; ``random`` is the seam for tests."""

    base: float = 0.25
    cap: float = 10.0
    random: Callable[[], float] = random.random

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (0 = the first retry)."""
        ceiling = min(self.cap, self.base * 2.0 ** min(attempt, 30))
        # Never zero: a tight loop against a dead relay helps nobody.
        return max(ceiling * float(self.random()), self.base / 4)


def _time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return parse_rfc3339(value)
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class RelayClient:
    """Thread-safe (one httpx connection pool); reports reachability changes through ``on_connectivity``."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        manager_token: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 5.0,
        on_connectivity: Callable[[bool, str | None], None] | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._manager_token = manager_token
        self._timeout = timeout
        self._on_connectivity = on_connectivity
        self._online: bool | None = None
        self._lock = threading.Lock()
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
            headers={"User-Agent": "kiosk-checkout/0.1"},
        )

    def __repr__(self) -> str:
        return f"RelayClient({self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    @property
    def online(self) -> bool | None:
        """True/False once known; None before the first request."""
        return self._online

    @property
    def has_manager_credential(self) -> bool:
        return bool(self._manager_token)

    # ---- API -------------------------------------------------------------------------------

    def create_order(
        self,
        out_trade_no: str,
        description: str,
        amount_fen: int,
        time_expire: datetime,
        *,
        attach: str | None = None,
        items: list[dict[str, Any]] | None = None,
    ) -> OrderCreated:
        body: dict[str, Any] = {
            "out_trade_no": out_trade_no,
            "description": description,
            "amount_fen": amount_fen,
            "time_expire": rfc3339(time_expire),
        }
        if attach is not None:
            body["attach"] = attach
        if items:
            body["items"] = items
        data = self._request("POST", "/v1/orders", json=body)
        try:
            return OrderCreated(
                out_trade_no=str(data["out_trade_no"]),
                code_url=str(data["code_url"]),
                expires_at=_time(data.get("expires_at")),
                state=str(data.get("state") or trade.TradeState.NOTPAY),
                version=int(data.get("version") or 0),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RelayUnavailable(f"relay answered an unexpected create body ({exc!r})") from exc

    def get_order(
        self, out_trade_no: str, *, since: int | None = None, wait: float = 0, refresh: bool = False
    ) -> OrderStatus:
        """The order's state; with ``since``/``wait`` a long-poll that answers once the version moves past ``since``."""
        params: dict[str, Any] = {}
        if since is not None:
            params["since"] = since
        wait = max(0.0, min(float(wait), MAX_WAIT_SECONDS))
        if wait:
            params["wait"] = int(wait) if wait == int(wait) else round(wait, 3)
        if refresh:
            params["refresh"] = 1
        data = self._request(
            "GET", f"/v1/orders/{quote(out_trade_no, safe='')}", params=params, timeout=self._timeout + wait
        )
        return self._status(data, out_trade_no)

    def close_order(self, out_trade_no: str) -> OrderStatus:
        data = self._request("POST", f"/v1/orders/{quote(out_trade_no, safe='')}/close")
        return self._status(data, out_trade_no)

    def create_refund(self, out_trade_no: str, out_refund_no: str, amount_fen: int, reason: str) -> RefundStatus:
        data = self._request(
            "POST",
            f"/v1/orders/{quote(out_trade_no, safe='')}/refunds",
            json={"out_refund_no": out_refund_no, "amount_fen": amount_fen, "reason": reason},
            manager=True,
        )
        return self._refund(data, out_refund_no)

    def get_refund(self, out_refund_no: str, *, refresh: bool = False) -> RefundStatus:
        data = self._request(
            "GET",
            f"/v1/refunds/{quote(out_refund_no, safe='')}",
            params={"refresh": 1} if refresh else None,
            manager=True,
        )
        return self._refund(data, out_refund_no)

    def bill(self, day: str) -> dict[str, Any]:
        """The relay's bill answer as is: ``columns`` and ``rows`` (arrays), ``summary`` (docs/relay.md)."""
        return self._request("GET", f"/v1/bills/{quote(day, safe='')}", timeout=max(self._timeout, 30.0))

    def health(self) -> bool:
        try:
            self._request("GET", "/healthz", authenticate=False)
        except RelayError:
            return False
        return True

    # ---- plumbing --------------------------------------------------------------------------

    @staticmethod
    def _status(data: dict[str, Any], out_trade_no: str) -> OrderStatus:
        state = data.get("state") or data.get("trade_state")
        if not isinstance(state, str):
            raise RelayUnavailable("relay answered an order without a state")
        return OrderStatus(
            out_trade_no=str(data.get("out_trade_no") or out_trade_no),
            state=state,
            version=int(data.get("version") or 0),
            transaction_id=data.get("transaction_id") or None,
            success_time=_time(data.get("success_time")),
            payer_total_fen=_int(data.get("payer_total_fen")),
        )

    @staticmethod
    def _refund(data: dict[str, Any], out_refund_no: str) -> RefundStatus:
        state = data.get("status") or data.get("state") or trade.RefundStatus.PROCESSING
        return RefundStatus(
            out_refund_no=str(data.get("out_refund_no") or out_refund_no),
            state=str(state),
            refund_id=data.get("refund_id") or None,
            success_time=_time(data.get("success_time")),
            amount_fen=_int(data.get("amount_fen") or data.get("refund_fen")),
        )

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
        manager: bool = False,
        authenticate: bool = True,
    ) -> dict[str, Any]:
        headers = {}
        if authenticate:
            token = self._manager_token if manager else self._token
            if manager and not token:
                raise RelayRejected(403, "NO_MANAGER_CREDENTIAL", "this kiosk has no [relay] manager_token")
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self._http.request(
                method,
                path,
                json=json,
                params=params,
                headers=headers,
                timeout=httpx.Timeout(timeout or self._timeout),
            )
        except httpx.HTTPError as exc:
            message = f"relay unreachable ({type(exc).__name__})"
            self._connectivity(False, message)
            raise RelayUnavailable(message) from exc
        try:
            data = response.json() if response.content else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {"value": data}
        # The relay answers errors as {"error": {"code", "message", "retryable"?}}.
        nested = data.get("error")
        error: dict[str, Any] = nested if isinstance(nested, dict) else data
        code = error.get("code") if isinstance(error.get("code"), str) else None
        message = str(error.get("message") or error.get("detail") or "")
        status = response.status_code
        retryable = status >= 500 or status in (408, 429)
        if status == 502 and error.get("retryable") is False:
            retryable = False  # WeChat Pay refused the request itself: retrying cannot help
        if retryable:
            text = f"relay answered {status}" + (f" {code}" if code else "")
            # A relay that answers with its own error body is reachable (WeChat Pay may not be).
            self._connectivity(status < 500 or code is not None, text)
            raise RelayUnavailable(text)
        self._connectivity(True, None)
        if status >= 400:
            kind = RelayNotFound if status == 404 else RelayRejected
            raise kind(status, code, message)
        return data

    def _connectivity(self, online: bool, error: str | None) -> None:
        with self._lock:
            changed = self._online is not online
            self._online = online
        if changed and self._on_connectivity is not None:
            self._on_connectivity(online, error)
