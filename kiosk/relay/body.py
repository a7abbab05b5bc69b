"""Request bodies, read and parsed strictly: the one place where the relay turns a body into bytes or JSON.

A body that is wrong now will be wrong on every retry, and a kiosk retries a 5xx for ever, so everything
here fails with a :class:`BodyError` that the ASGI layer answers with a 4xx: over the size cap (413, whether
announced by Content-Length or found while reading a chunked body), not UTF-8, a lone surrogate, nesting
deeper than :data:`MAX_DEPTH`, an integer outside 64 bits, a number that is not finite, a key given twice
(400). The values that come out are plain JSON values; what they must contain is the caller's business.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.requests import ClientDisconnect, Request

#: Deepest nesting of arrays and objects accepted; the kiosk API needs 3.
MAX_DEPTH = 32
#: Integers must fit 64 bits (signed): SQLite, WeChat Pay and the kiosk's journal store nothing larger.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


class BodyError(Exception):
    """A request body the relay will not take; ``str(exc)`` is safe to show the client."""


class BodyTooLarge(BodyError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request bodies are limited to {limit} bytes")
        self.limit = limit


class MalformedBody(BodyError):
    """Not the JSON the relay accepts."""


class BodyIncomplete(BodyError):
    """The client went away before its body ended: there is nobody left to answer."""

    def __init__(self) -> None:
        super().__init__("the client disconnected before the body ended")


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, at most ``limit`` bytes (the notification receiver verifies these bytes as they are)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)  # refuse before reading a byte of it
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(limit)
            chunks.append(chunk)
    except ClientDisconnect:
        raise BodyIncomplete from None
    return b"".join(chunks)


async def read_json(request: Request, limit: int) -> Any:
    """The body as a JSON value, read with :func:`read_body` and checked by :func:`parse_json`."""
    return parse_json(await read_body(request, limit))


def parse_json(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")  # strict: no other encoding is guessed, and encoded surrogates are invalid
    except UnicodeDecodeError:
        raise MalformedBody("the request body is not UTF-8") from None
    try:
        value = json.loads(text, object_pairs_hook=_object, parse_constant=_constant)
    except RecursionError:
        raise MalformedBody(f"the request body is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError, a duplicate key, NaN/Infinity, an integer of 4,300+ digits
        raise MalformedBody(f"the request body is not valid JSON ({_reason(exc)})") from None
    _check(value)
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        # Parsers disagree on which copy wins; refusing is the only answer every reader agrees with.
        raise ValueError("a key appears twice in one object")
    return value


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _reason(exc: ValueError) -> str:
    return exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)


def _check(value: Any) -> None:
    """Depth, text and numbers of a parsed value, iteratively (a deep value must not exhaust the stack)."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise MalformedBody(f"the request body is nested deeper than {MAX_DEPTH} levels")
            if isinstance(item, dict):
                for key, child in item.items():
                    _text(key)
                    pending.append((child, depth + 1))
            else:
                pending.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            _text(item)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not INT_MIN <= item <= INT_MAX:
                raise MalformedBody("the request body has an integer outside 64 bits")
        elif not math.isfinite(item):  # 1e999 parses as infinity
            raise MalformedBody("the request body has a number out of range")


def _text(text: str) -> None:
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # "\ud800": a lone surrogate, which no UTF-8 text can hold
            raise MalformedBody("the request body has a lone surrogate (\\ud800-\\udfff)") from None
