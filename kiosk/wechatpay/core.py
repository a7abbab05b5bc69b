"""Sans-IO building blocks: an operation describes one request and how to read its answer.

Product modules (native, refunds, bills, certificates) only build :class:`Operation` values; the clients
sign, send, verify and retry them. Nothing here does I/O, so every operation is testable byte by byte.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from ._fields import decode_object
from .credentials import DirectMerchant, Merchant, PartnerMerchant
from .errors import APIError, ResponseMismatchError

T = TypeVar("T")


@dataclass(frozen=True)
class Response:
    """What came back: status, headers (looked up case-insensitively) and the raw body bytes."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None

    @property
    def request_id(self) -> str | None:
        return self.header("Request-ID")

    def json(self) -> dict[str, Any]:
        return decode_object(self.body)


@dataclass(frozen=True)
class Operation(Generic[T]):
    """One API call: what to send, whether it may be repeated, and how to read a verified answer.

    ``path`` is already percent-encoded; ``body`` is serialised once so that the bytes signed are the
    bytes sent, on every attempt (it may carry a secret, so it stays out of the ``repr``). ``url`` replaces
    base URL + path for absolute links (bill downloads). ``signature_optional`` lists 2xx statuses whose
    answer is accepted unverified when it carries no signature at all (the parse must take nothing final from
    it); ``min_timeout`` lengthens the client's timeout for a call known to be slow.
    """

    name: str
    method: str
    path: str
    parse: Callable[[Response], T] = field(repr=False)
    query: tuple[tuple[str, str], ...] = ()
    body: bytes | None = field(default=None, repr=False)
    idempotent: bool = True
    signed_response: bool = True
    url: str | None = None
    accept: str = "application/json"
    signature_optional: frozenset[int] = frozenset()
    min_timeout: float | None = None

    def target(self) -> str:
        """Path and query as they go on the wire (the canonical URL before httpx normalisation)."""
        if not self.query:
            return self.path
        return self.path + "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in self.query)


def encode_json(payload: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON, produced once per operation; these exact bytes are signed and sent."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def path_segment(value: str) -> str:
    """Percent-encode one path segment; ``|`` and ``*`` (legal in out_trade_no) become %7C and %2A."""
    return quote(value, safe="")


def api_error(response: Response) -> APIError:
    """An error response (never signed): reported, never taken as an order state."""
    code = f"HTTP_{response.status}"
    message = ""
    detail: Any = None
    try:
        data = json.loads(response.body) if response.body else None
    except (UnicodeDecodeError, ValueError):
        data = None
    if isinstance(data, dict):
        code = str(data.get("code") or code)
        message = str(data.get("message") or "")
        detail = data.get("detail")
    elif response.body:
        message = response.body[:200].decode("utf-8", "replace")
    return APIError(response.status, code, message, detail, response.request_id)


def merchant_query(merchant: Merchant) -> tuple[tuple[str, str], ...]:
    """Identity query parameters of order queries."""
    if isinstance(merchant, PartnerMerchant):
        return (("sp_mchid", merchant.sp_mchid), ("sub_mchid", merchant.sub_mchid))
    return (("mchid", merchant.mchid),)


def merchant_body(merchant: Merchant, *, with_appid: bool) -> dict[str, str]:
    """Identity fields of request bodies (order creation includes the appids, close does not)."""
    if isinstance(merchant, PartnerMerchant):
        body = {"sp_mchid": merchant.sp_mchid, "sub_mchid": merchant.sub_mchid}
        if with_appid:
            body = {"sp_appid": merchant.sp_appid, **body}
            if merchant.sub_appid is not None:
                body["sub_appid"] = merchant.sub_appid
        return body
    body = {"mchid": merchant.mchid}
    if with_appid:
        body = {"appid": merchant.appid, **body}
    return body


def check_identity(data: Mapping[str, Any], merchant: Merchant) -> None:
    """Refuse a genuine response that names another merchant than the one asked about."""
    expected: dict[str, str]
    if isinstance(merchant, DirectMerchant):
        expected = {"mchid": merchant.mchid}
    else:
        expected = {"sp_mchid": merchant.sp_mchid, "sub_mchid": merchant.sub_mchid}
    for key, value in expected.items():
        actual = data.get(key)
        if actual is not None and actual != value:
            raise ResponseMismatchError(f"response is for {key} {actual!r}, expected {value!r}")


def check_equal(data: Mapping[str, Any], key: str, expected: str) -> None:
    actual = data.get(key)
    if actual != expected:
        raise ResponseMismatchError(f"response is for {key} {actual!r}, expected {expected!r}")
