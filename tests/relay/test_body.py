"""Permanent bad input is a 4xx, never a retryable 5xx: kiosk/relay/body.py, and the relay answering with it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kiosk.relay.body import MAX_DEPTH, MalformedBody, parse_json
from tests.support.relay import RelayProcess, init_relay, start_relay
from tests.support.sandbox import offline_state_dir

ORDER = {"out_trade_no": "store1-T0000000001", "description": "拿铁", "amount_fen": 1}

# -- the parser ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"description": "\xff\xfe"}', "not UTF-8"),
        (b'{"description": "\xed\xa0\x80"}', "not UTF-8"),  # a surrogate encoded as UTF-8 bytes
        (b'{"description": "\\ud800"}', "lone surrogate"),
        (b'{"\\udfff": 1}', "lone surrogate"),
        (b"[" * 20_000 + b"]" * 20_000, "nested deeper"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "nested deeper"),
        (b'{"amount_fen": 9223372036854775808}', "outside 64 bits"),
        (b'{"amount_fen": -9223372036854775809}', "outside 64 bits"),
        (b'{"amount_fen": ' + b"9" * 5_000 + b"}", "not valid JSON"),
        (b'{"amount_fen": 1e999}', "out of range"),
        (b'{"amount_fen": NaN}', "not valid JSON"),
        (b'{"amount_fen": 1, "amount_fen": 100}', "twice"),
        (b'{"out_trade_no": "T1"', "not valid JSON"),
        (b"\xef\xbb\xbf{}", "not valid JSON"),  # a byte-order mark
        (json.dumps(ORDER).encode("utf-16"), "not UTF-8"),
        (b"", "not valid JSON"),
    ],
)
def test_bad_json_is_refused_with_the_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(MalformedBody, match=reason):
        parse_json(raw)


@pytest.mark.parametrize(
    "value",
    [
        {"description": "拿铁 😀", "amount_fen": 2**63 - 1, "items": [{"qty": -(2**63)}]},
        [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],  # exactly MAX_DEPTH
        {"price": 1.5, "none": None, "yes": True},
    ],
)
def test_good_json_comes_back_as_is(value: Any) -> None:
    assert parse_json(json.dumps(value).encode("utf-8")) == value
    assert parse_json(json.dumps(value, ensure_ascii=False).encode("utf-8")) == value


def test_an_escaped_surrogate_pair_is_one_character() -> None:
    assert parse_json(b'{"d": "\\ud83d\\ude00"}') == {"d": "😀"}


# -- the relay answering -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayProcess]:
    root = tmp_path_factory.mktemp("relay-body")
    # No sandbox process: every body here is refused before anything reaches WeChat Pay.
    process = start_relay(init_relay(offline_state_dir(root / "sandbox"), root))
    yield process
    process.stop()


def post(relay: RelayProcess, path: str, content: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(
        relay.base_url + path,
        content=content,
        headers={"Content-Type": "application/json", **relay.kiosk_headers(), **(headers or {})},
        timeout=10,
    )


@pytest.mark.parametrize(
    "raw",
    [
        b'{"out_trade_no": "T0000000001", "description": "\\ud800", "amount_fen": 1}',
        b'{"out_trade_no": "T0000000001", "description": "\xff", "amount_fen": 1}',
        b'{"out_trade_no": "T0000000001", "items": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
        b'{"out_trade_no": "T0000000001", "description": "x", "amount_fen": 9223372036854775808}',
        b'{"out_trade_no": "T0000000001", "description": "x", "amount_fen": 1, "amount_fen": 5}',
    ],
    ids=["lone-surrogate", "invalid-utf8", "nested-20000", "int-2**63", "duplicate-key"],
)
def test_permanently_bad_bodies_get_400_not_a_retryable_500(relay: RelayProcess, raw: bytes) -> None:
    response = post(relay, "/v1/orders", raw)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_json"
    assert "retryable" not in response.json()["error"]


def chunks(total: int, size: int = 4096) -> Iterator[bytes]:
    yield b'{"description": "'
    for _ in range(total // size):
        yield b"x" * size
    yield b'"}'


def test_a_chunked_body_over_the_cap_gets_413_for_kiosks_and_notifications(relay: RelayProcess) -> None:
    kiosk = post(relay, "/v1/orders", chunks(200_000))
    assert kiosk.status_code == 413 and kiosk.json()["error"]["code"] == "payload_too_large"
    assert kiosk.headers["connection"] == "close"
    notification = post(relay, "/wechatpay/notify", chunks(200_000))
    assert notification.status_code == 413 and notification.json()["code"] == "FAIL"


def test_a_chunked_body_under_the_cap_is_read(relay: RelayProcess) -> None:
    # Valid JSON, so the relay gets as far as the fields: the body itself was read and parsed.
    response = post(relay, "/v1/orders", chunks(20_000))
    assert response.status_code == 400 and response.json()["error"]["field"] == "out_trade_no"
