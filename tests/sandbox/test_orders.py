"""Native orders, queries and close in both modes, with WeChat Pay's validation and idempotency rules."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.sandbox.merchant import Merchant, new_out_trade_no, order_body, verify_signed
from tests.support.sandbox import SandboxProcess

NATIVE = "/v3/pay/transactions/native"
PARTNER_NATIVE = "/v3/pay/partner/transactions/native"
CODE_URL = re.compile(r"weixin://wxpay/bizpayurl\?pr=[0-9A-Za-z]{7,9}")
RFC3339_BEIJING = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00")


def _query(m: Merchant, info: dict[str, Any], otn: str) -> Any:
    response = m.get(f"/v3/pay/transactions/out-trade-no/{otn}?mchid={info['mchid']}")
    assert response.status_code == 200, response.text
    verify_signed(response.headers, response.content, info)
    return response.json()


def _with(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Set (or delete, for value None) a JSON pointer-ish path like 'amount/total'."""
    target = body
    *parents, last = path.split("/")
    for part in parents:
        target = target[part]
    if value is None:
        del target[last]
    else:
        target[last] = value
    return body


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("description", None, "/description"),
        ("amount/total", "100", "/amount/total"),
        ("amount/total", 1.0, "/amount/total"),
        ("amount/total", True, "/amount/total"),
        ("amount/total", 0, "/amount/total"),
        ("out_trade_no", "abc12", "/out_trade_no"),
        ("out_trade_no", "bad#chars1", "/out_trade_no"),
        ("out_trade_no", "x" * 33, "/out_trade_no"),
        ("description", "商" * 43, "/description"),  # 129 bytes
        ("attach", "附" * 43, "/attach"),
        ("notify_url", "http://example.com/notify", "/notify_url"),
        ("notify_url", "https://example.com/notify?x=1", "/notify_url"),
        ("notify_url", "ftp://example.com/notify", "/notify_url"),
        ("time_expire", "2030-01-01T10:00:00", "/time_expire"),
        ("time_expire", "2030/01/01 10:00:00+08:00", "/time_expire"),
        ("amount/currency", "USD", "/amount/currency"),
        ("scene_info", {"device_id": "POS1"}, "/scene_info/payer_client_ip"),
    ],
)
def test_malformed_fields_are_param_error_with_detail(
    shared_sandbox: SandboxProcess, merchant: Merchant, path: str, value: Any, field: str
) -> None:
    body = _with(order_body(shared_sandbox.info, new_out_trade_no()), path, value)
    response = merchant.post(NATIVE, body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["code"] == "PARAM_ERROR"
    assert error["detail"]["field"] == field
    assert error["detail"]["location"] == "body"


def test_accepted_edge_values(shared_sandbox: SandboxProcess, merchant: Merchant) -> None:
    info = shared_sandbox.info
    body = order_body(
        info,
        "ab-_|*" + new_out_trade_no()[:26],
        description="商" * 42,  # 126 bytes
        attach="a" * 128,
        notify_url="http://127.0.0.1:8080/wechatpay/notify",
        time_expire="2099-01-01T00:00:00Z",
    )
    body["time_expire"] = None
    del body["time_expire"]
    body["scene_info"] = {"payer_client_ip": "::1", "device_id": "POS-01", "store_info": {"id": "S1"}}
    response = merchant.post(NATIVE, body)
    assert response.status_code == 200, response.text
    assert CODE_URL.fullmatch(response.json()["code_url"])


def test_appid_must_belong_to_the_merchant(shared_sandbox: SandboxProcess, merchant: Merchant) -> None:
    body = order_body(shared_sandbox.info, new_out_trade_no(), appid="wx0000000000000000")
    response = merchant.post(NATIVE, body)
    assert response.status_code == 400
    assert response.json()["code"] == "APPID_MCHID_NOT_MATCH"


def test_reposting_the_same_order_returns_a_code_url_for_the_same_order(
    shared_sandbox: SandboxProcess, merchant: Merchant
) -> None:
    info = shared_sandbox.info
    otn = new_out_trade_no()
    first = merchant.post(NATIVE, order_body(info, otn, total=100))
    # Same content, different key order and spacing: still the same order.
    import json

    again = merchant.post(
        NATIVE, body=json.dumps(dict(reversed(list(order_body(info, otn, total=100).items())))).encode()
    )
    assert first.status_code == again.status_code == 200
    codes = [first.json()["code_url"], again.json()["code_url"]]
    assert all(CODE_URL.fullmatch(c) for c in codes)
    assert len([o for o in shared_sandbox.orders() if o["out_trade_no"] == otn]) == 1

    changed = merchant.post(NATIVE, order_body(info, otn, total=101))
    assert changed.status_code == 403
    assert changed.json()["code"] == "OUT_TRADE_NO_USED"

    shared_sandbox.pay(codes[1])
    with pytest.raises(Exception, match="400"):
        shared_sandbox.pay(codes[0])  # the other code_url belongs to the same, now paid, order
    paid = merchant.post(NATIVE, order_body(info, otn, total=100))
    assert paid.status_code == 400
    assert paid.json()["code"] == "ORDERPAID"


def test_unpaid_query_then_paid_query_fields(shared_sandbox: SandboxProcess, merchant: Merchant) -> None:
    info = shared_sandbox.info
    otn = new_out_trade_no()
    code_url = merchant.post(NATIVE, order_body(info, otn, total=888, attach="table=7")).json()["code_url"]
    unpaid = _query(merchant, info, otn)
    assert unpaid["trade_state"] == "NOTPAY"
    assert unpaid["trade_state_desc"] == "订单未支付"
    assert "transaction_id" not in unpaid and "payer" not in unpaid and "success_time" not in unpaid
    assert unpaid["amount"]["total"] == 888
    assert (unpaid["appid"], unpaid["mchid"]) == (info["appid"], info["mchid"])

    shared_sandbox.pay(code_url)
    paid = _query(merchant, info, otn)
    assert paid["trade_state"] == "SUCCESS"
    assert paid["trade_state_desc"] == "支付成功"
    assert re.fullmatch(r"42000\d{23}", paid["transaction_id"])
    assert paid["trade_type"] == "NATIVE"
    assert paid["bank_type"] == "OTHERS"
    assert paid["attach"] == "table=7"
    assert RFC3339_BEIJING.fullmatch(paid["success_time"])
    assert re.fullmatch(r"o[0-9A-Za-z_-]{27}", paid["payer"]["openid"])
    assert paid["amount"] == {"total": 888, "payer_total": 888, "currency": "CNY", "payer_currency": "CNY"}

    by_id = merchant.get(f"/v3/pay/transactions/id/{paid['transaction_id']}?mchid={info['mchid']}")
    assert by_id.status_code == 200
    assert by_id.json() == paid


def test_query_errors(shared_sandbox: SandboxProcess, merchant: Merchant) -> None:
    info = shared_sandbox.info
    missing = merchant.get(f"/v3/pay/transactions/out-trade-no/NOPE123456?mchid={info['mchid']}")
    assert (missing.status_code, missing.json()["code"]) == (404, "ORDER_NOT_EXIST")
    by_id = merchant.get(f"/v3/pay/transactions/id/4200000000000000000000000000?mchid={info['mchid']}")
    assert (by_id.status_code, by_id.json()["code"]) == (404, "ORDER_NOT_EXIST")
    no_param = merchant.get("/v3/pay/transactions/out-trade-no/NOPE123456")
    assert (no_param.status_code, no_param.json()["code"]) == (400, "PARAM_ERROR")
    other = merchant.get(f"/v3/pay/transactions/out-trade-no/NOPE123456?mchid={info['sp_mchid']}")
    assert (other.status_code, other.json()["code"]) == (400, "PARAM_ERROR")


def test_close_rules(shared_sandbox: SandboxProcess, merchant: Merchant) -> None:
    info = shared_sandbox.info
    otn = new_out_trade_no()
    code_url = merchant.post(NATIVE, order_body(info, otn)).json()["code_url"]
    closed = merchant.post(f"/v3/pay/transactions/out-trade-no/{otn}/close", {"mchid": info["mchid"]})
    assert closed.status_code == 204
    assert closed.content == b""
    verify_signed(closed.headers, b"", info)  # a 204 is signed over an empty body
    assert _query(merchant, info, otn)["trade_state"] == "CLOSED"
    again = merchant.post(f"/v3/pay/transactions/out-trade-no/{otn}/close", {"mchid": info["mchid"]})
    assert again.status_code == 204
    repost = merchant.post(NATIVE, order_body(info, otn))
    assert (repost.status_code, repost.json()["code"]) == (400, "ORDER_CLOSED")
    with pytest.raises(Exception, match="400"):
        shared_sandbox.pay(code_url)

    unknown = merchant.post("/v3/pay/transactions/out-trade-no/NOPE123456/close", {"mchid": info["mchid"]})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "ORDER_NOT_EXIST")
    mismatch = merchant.post(f"/v3/pay/transactions/out-trade-no/{otn}/close", {"mchid": info["sp_mchid"]})
    assert (mismatch.status_code, mismatch.json()["code"]) == (400, "PARAM_ERROR")


def test_userpaying_and_payerror_then_success(shared_sandbox: SandboxProcess, merchant: Merchant) -> None:
    info = shared_sandbox.info
    otn = new_out_trade_no()
    code_url = merchant.post(NATIVE, order_body(info, otn)).json()["code_url"]
    assert shared_sandbox.pay(code_url, "USERPAYING")["trade_state"] == "USERPAYING"
    assert _query(merchant, info, otn)["trade_state"] == "USERPAYING"
    assert shared_sandbox.pay(code_url, "PAYERROR")["trade_state"] == "PAYERROR"
    assert "transaction_id" not in _query(merchant, info, otn)
    assert shared_sandbox.pay(code_url, "SUCCESS")["trade_state"] == "SUCCESS"


def test_partner_mode_order_query_close(shared_sandbox: SandboxProcess, partner: Merchant, merchant: Merchant) -> None:
    info = shared_sandbox.info
    otn = new_out_trade_no()
    created = partner.post(PARTNER_NATIVE, order_body(info, otn, partner=True, total=42))
    assert created.status_code == 200, created.text
    verify_signed(created.headers, created.content, info)
    ids = f"sp_mchid={info['sp_mchid']}&sub_mchid={info['sub_mchid']}"
    paid = shared_sandbox.pay(created.json()["code_url"])
    query = partner.get(f"/v3/pay/partner/transactions/out-trade-no/{otn}?{ids}")
    assert query.status_code == 200
    view = query.json()
    assert (view["sp_mchid"], view["sub_mchid"], view["sp_appid"]) == (
        info["sp_mchid"],
        info["sub_mchid"],
        info["sp_appid"],
    )
    assert "mchid" not in view and "appid" not in view
    assert view["payer"]["sp_openid"] == paid["payer"]["sp_openid"]
    by_id = partner.get(f"/v3/pay/partner/transactions/id/{view['transaction_id']}?{ids}")
    assert by_id.json()["out_trade_no"] == otn

    # The direct merchant's namespace does not see the sub-merchant's orders.
    assert merchant.get(f"/v3/pay/transactions/out-trade-no/{otn}?mchid={info['mchid']}").status_code == 404
    missing_sub = partner.get(f"/v3/pay/partner/transactions/out-trade-no/{otn}?sp_mchid={info['sp_mchid']}")
    assert (missing_sub.status_code, missing_sub.json()["code"]) == (400, "PARAM_ERROR")

    otn2 = new_out_trade_no()
    partner.post(PARTNER_NATIVE, order_body(info, otn2, partner=True))
    close_body = {"sp_mchid": info["sp_mchid"], "sub_mchid": info["sub_mchid"]}
    assert partner.post(f"/v3/pay/partner/transactions/out-trade-no/{otn2}/close", close_body).status_code == 204
    paid_close = partner.post(f"/v3/pay/partner/transactions/out-trade-no/{otn}/close", close_body)
    assert (paid_close.status_code, paid_close.json()["code"]) == (400, "ORDERPAID")


def test_partner_mode_checks(shared_sandbox: SandboxProcess, partner: Merchant, merchant: Merchant) -> None:
    info = shared_sandbox.info
    wrong_sub = partner.post(PARTNER_NATIVE, order_body(info, new_out_trade_no(), partner=True, sub_mchid="1700000000"))
    assert (wrong_sub.status_code, wrong_sub.json()["code"]) == (400, "INVALID_REQUEST")
    wrong_app = partner.post(PARTNER_NATIVE, order_body(info, new_out_trade_no(), partner=True, sp_appid=info["appid"]))
    assert (wrong_app.status_code, wrong_app.json()["code"]) == (400, "APPID_MCHID_NOT_MATCH")
    missing = order_body(info, new_out_trade_no(), partner=True)
    del missing["sub_mchid"]
    no_sub = partner.post(PARTNER_NATIVE, missing)
    assert (no_sub.status_code, no_sub.json()["detail"]["field"]) == (400, "/sub_mchid")
    # A direct merchant has no service-provider product.
    body = order_body(info, new_out_trade_no(), partner=True, sp_mchid=info["mchid"])
    direct = merchant.post(PARTNER_NATIVE, body)
    assert (direct.status_code, direct.json()["code"]) == (403, "NO_AUTH")
