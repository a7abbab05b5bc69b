"""Typed reads from decoded JSON: a wrong type is a ResponseFormatError, never a silent zero."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from kiosk.clock import parse_rfc3339

from .errors import ResponseFormatError


def decode_object(body: bytes, what: str = "response") -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise ResponseFormatError(f"{what} body is not JSON") from None
    if not isinstance(value, dict):
        raise ResponseFormatError(f"{what} body is not a JSON object")
    return value


def obj(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ResponseFormatError(f"{key} is not an object")
    return value


def req_str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ResponseFormatError(f"{key} is missing or not a string")
    return value


def opt_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ResponseFormatError(f"{key} is not a string")
    return value


def req_int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ResponseFormatError(f"{key} is missing or not an integer")
    return value


def opt_int(data: dict[str, Any], key: str) -> int | None:
    if data.get(key) is None:
        return None
    return req_int(data, key)


def opt_time(data: dict[str, Any], key: str) -> datetime | None:
    value = opt_str(data, key)
    if not value:
        return None
    try:
        return parse_rfc3339(value)
    except ValueError:
        raise ResponseFormatError(f"{key} is not an RFC 3339 time") from None


def req_time(data: dict[str, Any], key: str) -> datetime:
    value = opt_time(data, key)
    if value is None:
        raise ResponseFormatError(f"{key} is missing")
    return value
