"""The kiosk's client for the relay's kiosk API (issue 4), synchronous httpx, used from worker threads.

Exceptions (every httpx error is mapped here, none leaks)::

    RelayError                 base (a CheckoutError, like every error of the kiosk core)
    ├── RelayUnavailable       connection failed, timed out, 5xx, 408 or 429: retry with back-off
    │   └── RelayAnswerInvalid the answer breaks the contract (kiosk.wire): a field missing, unknown or wrong
    └── RelayRejected          the relay answered 4xx for good (carries status, code, message)
        └── RelayNotFound      404: no such order/refund for this kiosk's store

Requests are encoded and answers decoded with :mod:`kiosk.wire`, strictly: an answer the contract does not
allow is an error here, never filled in with a default. Tokens are sent as ``Authorization: Bearer …`` and
appear in no message or ``repr``.

The relay may be several instances on one database (docs/deploy.md): the client then has several base URLs
(:class:`RelayAddresses`) and sends each request to the one that answered last; if that one cannot be reached
or answers a bare 5xx (a dying instance, a proxy with nothing behind it), the same request goes to the next at
once. Every request of the kiosk API may be repeated safely (orders and refunds are named by the kiosk, a
close is a close), and a long-poll carries its ``since``: resumed on another instance, it answers as soon as
the order moves past what the kiosk has seen, so nothing is lost.

The heartbeat's answer names the store and kiosk the relay knows the token as; a client told which kiosk it is
(``identity``, from kiosk.toml) compares them and reports a difference (``IdentityMismatch``) with its
connectivity until a heartbeat answers as configured again. Meanwhile, and until a first heartbeat has answered,
it sends no new order (a create is held as if the relay were away: the order would be made under another
kiosk's name, or refused for its number), and
while the relay takes the token as another *store's*, its 404 about this kiosk's numbers says nothing (it looks
only among that store's) and is retried like an outage rather than read as "no such order".
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from kiosk.checkout.errors import CheckoutError
from kiosk.checkout.events import ConnectionChanged, IdentityMismatch, KioskIdentity
from kiosk.wire import (
    CodePayCreate,
    OrderCreate,
    OrderView,
    PingAnswer,
    RefundCreate,
    RefundView,
    WireError,
    decode,
    encode,
    error_detail,
)

M = TypeVar("M")

log = logging.getLogger(__name__)

#: The relay holds a long-poll at most this long (issue 4); we ask for a little less.
MAX_WAIT_SECONDS = 30
DEFAULT_WAIT_SECONDS = 20


class RelayError(CheckoutError):
    """Base of every relay client error."""


class RelayUnavailable(RelayError):
    """The relay could not be reached or is temporarily failing; the same request may be retried."""


class RelayAnswerInvalid(RelayUnavailable):
    """The relay's answer does not follow the contract (e.g. a relay of another version): retried like an outage,
    and the message names what is wrong."""


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


class RelayAddresses:
    """The relay's base URLs (one, or one per instance), the one that answered last first. Thread-safe."""

    def __init__(self, urls: str | Sequence[str]) -> None:
        listed = [urls] if isinstance(urls, str) else list(urls)
        if not listed:
            raise ValueError("the relay needs at least one URL")
        self.urls = tuple(url.rstrip("/") for url in listed)
        self._first = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RelayAddresses({self.urls!r})"

    def in_turn(self) -> list[str]:
        """Every URL, starting with the one that answered last."""
        with self._lock:
            first = self._first
        return [*self.urls[first:], *self.urls[:first]]

    def answered(self, url: str) -> None:
        with self._lock:
            self._first = self.urls.index(url)


def instance_failed(status: int, content: bytes) -> bool:
    """A 5xx without the relay's error body: no relay instance answered it (a dying one, or a proxy in front
    of none), so another instance may. A relay's own 5xx (WeChat Pay unreachable, say) would be the same on
    every instance."""
    return status >= 500 and error_detail(content) is None


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


class RelayClient:
    """Thread-safe (one httpx connection pool); reports changes of reachability, of whether the relay takes this
    kiosk's token and of whether it takes it as the kiosk ``identity`` names through ``on_connectivity``."""

    def __init__(
        self,
        urls: str | Sequence[str],
        token: str,
        *,
        manager_token: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 5.0,
        identity: KioskIdentity | None = None,
        on_connectivity: Callable[[ConnectionChanged], None] | None = None,
    ):
        self.addresses = RelayAddresses(urls)
        self.identity = identity
        self._token = token
        self._manager_token = manager_token
        self._timeout = timeout
        self._on_connectivity = on_connectivity
        self._online: bool | None = None
        self._authorized: bool | None = None
        self._mismatch: IdentityMismatch | None = None
        self._identified = False  # a heartbeat's answer has been compared with ``identity``
        self._lock = threading.Lock()
        self._closed = False
        self._transport = transport or httpx.HTTPTransport(
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=16)
        )
        self._http = httpx.Client(
            transport=self._transport, timeout=httpx.Timeout(timeout), headers={"User-Agent": "kiosk-checkout/0.1"}
        )

    def __repr__(self) -> str:
        return f"RelayClient({self.addresses.urls!r})"

    def close(self) -> None:
        """Close every connection. Requests still under way (a long-poll) end as :class:`RelayUnavailable`;
        later ones are refused the same way."""
        self._closed = True
        self._http.close()

    @property
    def online(self) -> bool | None:
        """True/False once known; None before the first request."""
        return self._online

    @property
    def authorized(self) -> bool | None:
        """False while the relay refuses this kiosk's token (401: wrong or revoked); None before it answered."""
        return self._authorized

    @property
    def mismatch(self) -> IdentityMismatch | None:
        """Set while the heartbeat's answer names another store or kiosk than ``identity``; None otherwise."""
        return self._mismatch

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
    ) -> OrderView:
        request = OrderCreate(
            out_trade_no=out_trade_no,
            description=description,
            amount_fen=amount_fen,
            time_expire=time_expire,
            attach=attach,
            items=items or None,
        )
        self._hold_while_mismatched(out_trade_no)
        return self._order(self._request("POST", "/v1/orders", json=encode(request)), out_trade_no)

    def charge_code(
        self,
        out_trade_no: str,
        description: str,
        amount_fen: int,
        auth_code: str,
        *,
        items: list[dict[str, Any]] | None = None,
    ) -> OrderView:
        """``POST /v1/codepay``: the relay charges the customer's payment code; the answer is the order after the
        charge's first answer (paid at once, USERPAYING, or failed), or as it stands when that takes longer. The
        same request again never charges twice."""
        request = CodePayCreate(
            out_trade_no=out_trade_no,
            description=description,
            amount_fen=amount_fen,
            auth_code=auth_code,
            items=items or None,
        )
        self._hold_while_mismatched(out_trade_no)
        return self._order(self._request("POST", "/v1/codepay", json=encode(request)), out_trade_no)

    def get_order(
        self, out_trade_no: str, *, since: int | None = None, wait: float = 0, refresh: bool = False
    ) -> OrderView:
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
        return self._order(data, out_trade_no)

    def close_order(self, out_trade_no: str) -> OrderView:
        data = self._request("POST", f"/v1/orders/{quote(out_trade_no, safe='')}/close")
        return self._order(data, out_trade_no)

    def create_refund(self, out_trade_no: str, out_refund_no: str, amount_fen: int, reason: str) -> RefundView:
        request = RefundCreate(out_refund_no=out_refund_no, amount_fen=amount_fen, reason=reason)
        path = f"/v1/orders/{quote(out_trade_no, safe='')}/refunds"
        return self._refund(self._request("POST", path, json=encode(request), manager=True), out_refund_no)

    def get_refund(self, out_refund_no: str, *, refresh: bool = False) -> RefundView:
        data = self._request(
            "GET",
            f"/v1/refunds/{quote(out_refund_no, safe='')}",
            params={"refresh": 1} if refresh else None,
            manager=True,
        )
        return self._refund(data, out_refund_no)

    def ping(self) -> bool:
        """The heartbeat (``GET /v1/ping``): whether the relay is reachable, takes this kiosk's token and answers
        a :class:`~kiosk.wire.PingAnswer` of the contract naming the kiosk ``identity`` names (if given)."""
        try:
            self._request("GET", "/v1/ping", identify=True)
        except RelayError:
            return False
        return self._mismatch is None

    def _hold_while_mismatched(self, out_trade_no: str) -> None:
        """A new order goes out only once a heartbeat has named this kiosk as configured (the first one asked here
        when none has answered yet: a kiosk started while the relay was away charges before it answers)."""
        if self.identity is None:
            return
        if not self._identified:
            self._request("GET", "/v1/ping", identify=True)  # its failure is the order's: unreachable, refused …
        mismatch = self._mismatch
        if mismatch is not None:
            raise RelayUnavailable(f"order {out_trade_no} waits until this kiosk's identity matches: {mismatch}")

    # ---- plumbing --------------------------------------------------------------------------

    @classmethod
    def _order(cls, data: Any, out_trade_no: str) -> OrderView:
        return cls._about(cls._decode(OrderView, data), "out_trade_no", out_trade_no)

    @classmethod
    def _refund(cls, data: Any, out_refund_no: str) -> RefundView:
        return cls._about(cls._decode(RefundView, data), "out_refund_no", out_refund_no)

    @staticmethod
    def _about(view: M, field: str, asked: str) -> M:
        """``view`` if it answers what was asked: an answer about another order or refund breaks the contract."""
        answered = getattr(view, field)
        if answered != asked:
            raise RelayAnswerInvalid(f"asked about {field} {asked}, the relay answered {answered}")
        return view

    @staticmethod
    def _decode(kind: type[M], data: Any) -> M:
        try:
            return decode(kind, data)
        except WireError as exc:
            raise RelayAnswerInvalid(f"the relay answered a {kind.__name__} outside the contract: {exc}") from None

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
        manager: bool = False,
        identify: bool = False,
    ) -> Any:
        """The answer's JSON value; an error answer is raised as the matching :class:`RelayError`. ``identify``:
        the answer is a :class:`~kiosk.wire.PingAnswer`, compared with ``identity``."""
        token = self._manager_token if manager else self._token
        if manager and not token:
            raise RelayRejected(403, "NO_MANAGER_CREDENTIAL", "this kiosk has no [relay] manager_token")
        headers = {"Authorization": f"Bearer {token}"}
        response: httpx.Response | None = None
        try:
            response = self._send(method, path, json=json, params=params, headers=headers, timeout=timeout)
        finally:
            if self._closed:
                # close() ran while this request was under way. A connection it opened after that joined a
                # pool already closed; one it was still connecting had already left the pool. Either would
                # stay open until garbage collection.
                self._transport.close()
                stream = response.extensions.get("network_stream") if response is not None else None
                if stream is not None:
                    stream.close()
        status = response.status_code
        # The relay's answer tells whether it took the kiosk's token, unless it is a 5xx (maybe a proxy's)
        # or the request carried the manager's token.
        authorized = None if manager or status >= 500 else status != 401
        if status < 400:
            answered_as: PingAnswer | None = None
            try:
                data = response.json()
                if identify:
                    answered_as = self._decode(PingAnswer, data)
            except ValueError:
                raise RelayAnswerInvalid(f"relay answered {status} with a body that is not JSON") from None
            finally:
                self._connectivity(True, None, authorized, answered_as=answered_as)
            return data
        error = error_detail(response.content)
        retryable = status >= 500 or status in (408, 429)
        if status == 502 and error is not None and error.retryable is False:
            retryable = False  # WeChat Pay refused the request itself: retrying cannot help
        if retryable:
            text = f"relay answered {status}" + (f" {error.code}" if error is not None else "")
            # A relay that answers with its own error body is reachable (WeChat Pay may not be); a bare 5xx
            # comes from something in between (a proxy) or a relay that is down.
            self._connectivity(status < 500 or error is not None, text, authorized)
            raise RelayUnavailable(text)
        self._connectivity(
            True, None if authorized is not False else "the relay refused this kiosk's token", authorized
        )
        if error is None:
            # Not the relay's error format (a proxy's 404 page, say): never read as "no such order".
            raise RelayAnswerInvalid(f"relay answered {status} without an error body of the contract")
        mismatch = self._mismatch
        if status == 404 and mismatch is not None and not mismatch.same_store:
            # The relay looked among another store's orders: whether this kiosk's exists is still unknown.
            raise RelayUnavailable(f"relay answered 404 about another store's orders ({mismatch})")
        kind = RelayNotFound if status == 404 else RelayRejected
        raise kind(status, error.code, error.message)

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any,
        params: dict[str, Any] | None,
        headers: dict[str, str],
        timeout: float | None,
    ) -> httpx.Response:
        """The first answer of an instance that could answer, trying them in turn; else RelayUnavailable."""
        if self._closed:
            raise RelayUnavailable("the relay client is closed")
        response: httpx.Response | None = None
        failure = "relay unreachable"
        for base in self.addresses.in_turn():  # the next instance at once when one cannot answer
            try:
                response = self._http.request(
                    method,
                    base + path,
                    json=json,
                    params=params,
                    headers=headers,
                    timeout=httpx.Timeout(timeout or self._timeout),
                )
            except httpx.HTTPError as exc:
                failure = f"relay unreachable ({type(exc).__name__})"
                response = None
                continue
            except RuntimeError:  # httpx's "the client has been closed": close() came first after all
                if not self._closed:
                    raise
                raise RelayUnavailable("the relay client is closed") from None
            if instance_failed(response.status_code, response.content):
                continue
            self.addresses.answered(base)
            break
        if response is None:
            self._connectivity(False, failure)
            raise RelayUnavailable(failure)
        return response

    def _connectivity(
        self,
        online: bool,
        error: str | None,
        authorized: bool | None = None,
        *,
        answered_as: PingAnswer | None = None,
    ) -> None:
        """Record what the last request showed; ``authorized`` None: it did not tell (keep what is known);
        ``answered_as``: the heartbeat's answer (any other request keeps the known mismatch)."""
        with self._lock:
            if authorized is None:
                authorized = self._authorized
            mismatch = self._mismatch if answered_as is None else self._mismatch_of(answered_as)
            self._identified = self._identified or answered_as is not None
            before = self._mismatch
            changed = (self._online, self._authorized, self._mismatch) != (online, authorized, mismatch)
            self._online, self._authorized, self._mismatch = online, authorized, mismatch
        if mismatch != before:
            if mismatch is not None:
                log.warning("%s: charging is off until kiosk.toml and the relay's relay.toml agree", mismatch)
            else:
                log.warning("the relay knows this kiosk's token as %s, as configured: charging is on", self.identity)
        if changed and self._on_connectivity is not None:
            if error is None and mismatch is not None:
                error = str(mismatch)
            self._on_connectivity(ConnectionChanged(online, error, authorized is not False, mismatch))

    def _mismatch_of(self, answer: PingAnswer) -> IdentityMismatch | None:
        if self.identity is None:
            return None
        relay = KioskIdentity(answer.store_id, answer.kiosk_id)
        return None if relay == self.identity else IdentityMismatch(self.identity, relay)
