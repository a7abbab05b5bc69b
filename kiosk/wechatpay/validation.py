"""Field rules checked before anything is sent; a broken rule is a ValidationError naming the field."""

from __future__ import annotations

import functools
import ipaddress
import re
from datetime import date, datetime
from urllib.parse import urlsplit

from .errors import ValidationError

OUT_TRADE_NO = re.compile(r"[0-9A-Za-z_\-|*]{6,32}")
OUT_REFUND_NO = re.compile(r"[0-9A-Za-z_\-|*@]{1,64}")
TRANSACTION_ID = re.compile(r"[0-9A-Za-z]{1,32}")
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_WHITESPACE = re.compile(r"\s")


def out_trade_no(value: object, field: str = "out_trade_no") -> str:
    if not isinstance(value, str) or not OUT_TRADE_NO.fullmatch(value):
        raise ValidationError(field, "must be 6–32 characters of 0-9 A-Z a-z _ - | *")
    return value


def out_refund_no(value: object, field: str = "out_refund_no") -> str:
    if not isinstance(value, str) or not OUT_REFUND_NO.fullmatch(value):
        raise ValidationError(field, "must be 1–64 characters of 0-9 A-Z a-z _ - | * @")
    return value


def transaction_id(value: object, field: str = "transaction_id") -> str:
    if not isinstance(value, str) or not TRANSACTION_ID.fullmatch(value):
        raise ValidationError(field, "must be 1–32 letters or digits")
    return value


def text(value: object, field: str, *, max_chars: int, min_chars: int = 1) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, "must be a string")
    if not min_chars <= len(value) <= max_chars:
        raise ValidationError(field, f"must be {min_chars}–{max_chars} characters, got {len(value)}")
    return value


def max_bytes(value: object, field: str, limit: int) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, "must be a string")
    size = len(value.encode("utf-8"))
    if size > limit:
        # WeChat Pay counts this limit in UTF-8 bytes: one Chinese character is three.
        raise ValidationError(field, f"must be at most {limit} bytes in UTF-8, got {size}")
    return value


def amount(value: object, field: str, *, minimum: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(field, "must be an int number of fen")
    if value < minimum:
        raise ValidationError(field, f"must be at least {minimum} fen")
    return value


def notify_url(value: object, field: str = "notify_url") -> str:
    """Absolute https URL without query; http only for loopback (the sandbox and an embedded relay)."""
    if not isinstance(value, str):
        raise ValidationError(field, "must be an absolute URL")
    problem = _notify_url_problem(value)
    if problem is not None:
        raise ValidationError(field, problem)
    return value


@functools.lru_cache(maxsize=64)
def _notify_url_problem(value: str) -> str | None:
    # Cached: a relay sends the same notify_url with every order.
    if not value or len(value) > 255 or _WHITESPACE.search(value):
        return "must be an absolute URL of at most 255 characters without spaces"
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError for a malformed port
    except ValueError:
        return "is not a valid URL"
    host = parts.hostname or ""
    if not host:
        return "must be an absolute URL with a host"
    if parts.scheme == "http":
        if host not in _LOOPBACK_HOSTS:
            return "must use https (http is allowed only for 127.0.0.1, localhost and ::1)"
    elif parts.scheme != "https":
        return "must use https"
    if parts.query or parts.fragment or "?" in value or "#" in value:
        return "must not carry a query string or fragment"
    if parts.username is not None or parts.password is not None:
        return "must not carry credentials"
    if port == 0:
        return "has an invalid port"
    return None


def future_time(value: object, field: str, now: datetime) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(field, "must be a timezone-aware datetime")
    if value <= now:
        raise ValidationError(field, "must be in the future")
    return value


def optional_text(value: object, field: str, *, max_chars: int) -> str | None:
    if value is None:
        return None
    return text(value, field, max_chars=max_chars)


def ip_address(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, "must be a string")
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValidationError(field, "must be an IPv4 or IPv6 address") from None
    return value


def bill_date(value: object, field: str = "bill_date") -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError(field, "must be a datetime.date")
    return value


def choice(value: object, field: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValidationError(field, f"must be one of {', '.join(allowed)}")
    assert isinstance(value, str)
    return value
