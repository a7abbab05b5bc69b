"""Every field rule rejects before sending, with the field named."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kiosk.wechatpay import GoodsDetail, NativeOrder, RefundRequest, ValidationError

from .helpers import DIRECT, START

GOOD = {
    "out_trade_no": "K20261129-0001",
    "description": "奶茶 x2",
    "amount_fen": 1,
    "notify_url": "https://relay.example.com/notify",
}


def check(field: str, **changes: object) -> None:
    with pytest.raises(ValidationError) as caught:
        NativeOrder(**{**GOOD, **changes}).to_json(DIRECT, START)  # type: ignore[arg-type]
    assert caught.value.field == field, caught.value


def accept(**changes: object) -> None:
    NativeOrder(**{**GOOD, **changes}).to_json(DIRECT, START)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["12345", "1" * 33, "K2026 0001", "订单号123456", "K2026#0001", "", None])
def test_out_trade_no_rejected(value: object) -> None:
    check("out_trade_no", out_trade_no=value)


@pytest.mark.parametrize("value", ["123456", "A" * 32, "a_b-c|d*e"])
def test_out_trade_no_accepted(value: str) -> None:
    accept(out_trade_no=value)


def test_description_is_1_to_127_utf8_bytes() -> None:
    accept(description="a" * 127)
    accept(description="茶" * 42)  # 126 bytes
    check("description", description="a" * 128)
    check("description", description="茶" * 43)  # 129 bytes: the sandbox (and maybe WeChat Pay) refuses it
    check("description", description="")


def test_attach_limit_is_in_utf8_bytes() -> None:
    accept(attach="a" * 128)
    accept(attach="茶" * 42)  # 126 bytes
    check("attach", attach="茶" * 43)  # 129 bytes, only 43 characters


@pytest.mark.parametrize("value", [0, -1, True, 1.0, "100"])
def test_amount_must_be_a_positive_int_of_fen(value: object) -> None:
    check("amount_fen", amount_fen=value)


@pytest.mark.parametrize(
    "url",
    [
        "http://relay.example.com/notify",
        "https://relay.example.com/notify?order=1",
        "https://relay.example.com/notify#x",
        "/notify",
        "ftp://relay.example.com/notify",
        "https://user:pw@relay.example.com/notify",
        "https://relay.example.com/no tify",
        "https://relay.example.com/" + "x" * 250,
        "http://127.0.0.2/notify",
    ],
)
def test_notify_url_rejected(url: str) -> None:
    check("notify_url", notify_url=url)


@pytest.mark.parametrize(
    "url",
    [
        "https://relay.example.com:8443/wechatpay/notify",
        "http://127.0.0.1:8080/n",
        "http://localhost/n",
        "http://[::1]:9/n",
    ],
)
def test_notify_url_accepted(url: str) -> None:
    accept(notify_url=url)


def test_time_expire_must_be_aware_and_in_the_future() -> None:
    accept(time_expire=START + timedelta(seconds=1))
    check("time_expire", time_expire=START)
    check("time_expire", time_expire=datetime(2030, 1, 1, 12, 0))


def test_optional_scene_fields() -> None:
    check("payer_client_ip", payer_client_ip="999.1.1.1")
    check("payer_client_ip", device_id="KIOSK-01")
    check("goods_tag", goods_tag="x" * 33)
    check("goods_detail[0].quantity", goods_detail=[GoodsDetail("SKU", 0, 100)])
    accept(payer_client_ip="2001:db8::1", device_id="KIOSK-01", goods_detail=[GoodsDetail("SKU", 1, 0)])


def refund(**changes: object) -> None:
    fields: dict[str, object] = {
        "out_refund_no": "R-1",
        "amount_fen": 10,
        "total_fen": 100,
        "out_trade_no": "K20261129-0001",
    }
    fields.update(changes)
    RefundRequest(**fields).to_json(DIRECT)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("out_refund_no", {"out_refund_no": ""}),
        ("out_refund_no", {"out_refund_no": "R" * 65}),
        ("out_refund_no", {"out_refund_no": "R#1"}),
        ("amount_fen", {"amount_fen": 101}),
        ("amount_fen", {"amount_fen": 0}),
        ("total_fen", {"total_fen": False}),
        ("reason", {"reason": "因" * 81}),
        ("out_trade_no", {"out_trade_no": None}),
        ("notify_url", {"notify_url": "http://relay.example.com/refunds"}),
    ],
)
def test_refund_rules(field: str, changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError) as caught:
        refund(**changes)
    assert caught.value.field == field


def test_refund_accepts_the_edges() -> None:
    refund(out_refund_no="R@1|2*3_4-5" + "x" * 53, amount_fen=100, reason="因" * 80)
    refund(out_trade_no=None, transaction_id="4200000263201902167700134212")
