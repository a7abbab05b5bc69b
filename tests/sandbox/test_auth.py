"""The sandbox rejects what WeChat Pay rejects, with the same status, code and order of checks."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.sandbox.merchant import Merchant, new_out_trade_no, order_body, verify_signed
from tests.support.sandbox import SandboxProcess

NATIVE = "/v3/pay/transactions/native"


def _assert_unsigned_error(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["request-id"]  # type: ignore[attr-defined]
    assert not any(h.lower().startswith("wechatpay-") for h in response.headers)  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body


def test_request_signed_with_the_merchant_key_passes_in_any_header_order(
    shared_sandbox: SandboxProcess, merchant: Merchant
) -> None:
    info = shared_sandbox.info
    otn = new_out_trade_no()
    body = order_body(info, otn)
    response = merchant.post(NATIVE, body)
    assert response.status_code == 200
    verify_signed(response.headers, response.content, info)

    # The documentation's own order, with a serial that drops leading zeros and uses lower case.
    header = merchant.authorization("GET", f"/v3/pay/transactions/out-trade-no/{otn}?mchid={info['mchid']}", b"")
    parts = dict(p.split("=", 1) for p in header.split(" ", 1)[1].split(","))
    parts["serial_no"] = '"' + info["merchant_cert_serial"].lower().lstrip("0") + '"'
    reordered = ",".join(f"{k}={parts[k]}" for k in ("mchid", "nonce_str", "signature", "timestamp", "serial_no"))
    response = merchant.client.get(
        f"{shared_sandbox.base_url}/v3/pay/transactions/out-trade-no/{otn}?mchid={info['mchid']}",
        headers={"Authorization": "WECHATPAY2-SHA256-RSA2048 " + reordered, "User-Agent": "t", "Accept": "*/*"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["out_trade_no"] == otn


def test_a_request_signed_with_another_key_is_401_sign_error_with_diagnostics(shared_sandbox: SandboxProcess) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with Merchant(shared_sandbox.base_url, shared_sandbox.info, key=other) as forger:
        response = forger.post(NATIVE, order_body(shared_sandbox.info, new_out_trade_no()))
    body = _assert_unsigned_error(response, 401, "SIGN_ERROR")
    assert body["message"] == "错误的签名，验签失败"
    detail = body["detail"]
    assert isinstance(detail, dict)
    assert detail["sign_information"]["url"] == NATIVE
    assert detail["sign_information"]["method"] == "POST"


@pytest.mark.parametrize("skew", [-330, 330])
def test_a_stale_timestamp_is_rejected_before_the_signature(shared_sandbox: SandboxProcess, skew: int) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with Merchant(shared_sandbox.base_url, shared_sandbox.info, key=other) as forger:
        response = forger.post(
            NATIVE, order_body(shared_sandbox.info, new_out_trade_no()), timestamp=int(time.time()) + skew
        )
    body = _assert_unsigned_error(response, 401, "SIGN_ERROR")
    assert body["message"] == "HTTP头Authorization中的timestamp与发起请求的时间不得超过5分钟"


def test_a_timestamp_inside_the_window_passes(shared_sandbox: SandboxProcess, merchant: Merchant) -> None:
    response = merchant.post(
        NATIVE, order_body(shared_sandbox.info, new_out_trade_no()), timestamp=int(time.time()) - 280
    )
    assert response.status_code == 200, response.text


def test_a_signed_body_that_differs_from_the_sent_one_fails(shared_sandbox: SandboxProcess, merchant: Merchant) -> None:
    body = order_body(shared_sandbox.info, new_out_trade_no())
    import json

    sent = json.dumps(body).encode()  # spaces after separators: bytes differ from the compact signed form
    response = merchant.post(NATIVE, body=sent, sign_body=json.dumps(body, separators=(",", ":")).encode())
    _assert_unsigned_error(response, 401, "SIGN_ERROR")
    # Python's default json.dumps is fine when it is what was signed.
    assert merchant.post(NATIVE, body=sent).status_code == 200


def test_unknown_mchid_is_mch_not_exists(shared_sandbox: SandboxProcess) -> None:
    with Merchant(shared_sandbox.base_url, shared_sandbox.info, mchid="1900000000") as stranger:
        _assert_unsigned_error(
            stranger.post(NATIVE, order_body(shared_sandbox.info, new_out_trade_no())), 400, "MCH_NOT_EXISTS"
        )
        refund = {
            "out_trade_no": "x123456",
            "out_refund_no": "r1",
            "amount": {"refund": 1, "total": 1, "currency": "CNY"},
        }
        _assert_unsigned_error(stranger.post("/v3/refund/domestic/refunds", refund), 404, "MCH_NOT_EXISTS")


def test_header_mchid_must_equal_body_mchid(shared_sandbox: SandboxProcess) -> None:
    info = shared_sandbox.info
    with Merchant(shared_sandbox.base_url, info, mchid=info["sp_mchid"]) as sp:
        body = _assert_unsigned_error(sp.post(NATIVE, order_body(info, new_out_trade_no())), 400, "PARAM_ERROR")
    assert "mchid" in str(body["message"])


def test_wrong_certificate_serial_is_rejected(shared_sandbox: SandboxProcess) -> None:
    with Merchant(shared_sandbox.base_url, shared_sandbox.info, serial="5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC") as m:
        body = _assert_unsigned_error(
            m.post(NATIVE, order_body(shared_sandbox.info, new_out_trade_no())), 401, "SIGN_ERROR"
        )
    assert body["message"] == "商户证书序列号有误。请使用签名私钥匹配的证书序列号"


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (
            'WECHATPAY2-SHA256-RSA4096 mchid="1",nonce_str="a",signature="b",timestamp="1",serial_no="c"',
            "认证类型不正确",
        ),
        ('WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="a"', "值格式错误"),
        ("WECHATPAY2-SHA256-RSA2048 garbage", "值格式错误"),
    ],
)
def test_malformed_authorization(
    shared_sandbox: SandboxProcess, merchant: Merchant, authorization: str, message: str
) -> None:
    response = merchant.get("/v3/certificates", headers={"Authorization": authorization})
    body = _assert_unsigned_error(response, 401, "SIGN_ERROR")
    assert message in str(body["message"])


def test_missing_user_agent_is_invalid_request_before_the_signature(shared_sandbox: SandboxProcess) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with Merchant(shared_sandbox.base_url, shared_sandbox.info, key=other) as forger:
        response = forger.get("/v3/certificates", user_agent=None)
    body = _assert_unsigned_error(response, 400, "INVALID_REQUEST")
    assert "User-Agent" in str(body["message"])


def test_signature_covers_the_percent_encoded_path(shared_sandbox: SandboxProcess, merchant: Merchant) -> None:
    info = shared_sandbox.info
    otn = "PIPE|" + new_out_trade_no()[:20]
    assert merchant.post(NATIVE, order_body(info, otn)).status_code == 200
    encoded = f"/v3/pay/transactions/out-trade-no/{otn.replace('|', '%7C')}?mchid={info['mchid']}"
    assert merchant.get(encoded).status_code == 200
    decoded = f"/v3/pay/transactions/out-trade-no/{otn}?mchid={info['mchid']}"
    _assert_unsigned_error(merchant.get(encoded, sign_url=decoded), 401, "SIGN_ERROR")


def test_an_unknown_public_key_id_in_wechatpay_serial_is_rejected(shared_sandbox: SandboxProcess) -> None:
    with Merchant(
        shared_sandbox.base_url, shared_sandbox.info, wechatpay_serial="PUB_KEY_ID_0000000000000000000000000001"
    ) as m:
        _assert_unsigned_error(m.get("/v3/certificates"), 400, "INVALID_REQUEST")


def test_sub_merchant_cannot_sign_for_itself(shared_sandbox: SandboxProcess) -> None:
    with Merchant(shared_sandbox.base_url, shared_sandbox.info, mchid=shared_sandbox.info["sub_mchid"]) as m:
        _assert_unsigned_error(m.get("/v3/certificates"), 401, "SIGN_ERROR")


def test_go_sdk_style_body_with_trailing_newline_is_signed_as_sent(
    shared_sandbox: SandboxProcess, merchant: Merchant
) -> None:
    import json

    body = (json.dumps(order_body(shared_sandbox.info, new_out_trade_no()), separators=(",", ":")) + "\n").encode()
    assert merchant.post(NATIVE, body=body).status_code == 200
    # Signing the body without the newline that is then sent fails, as with WeChat Pay.
    _assert_unsigned_error(merchant.post(NATIVE, body=body, sign_body=body.rstrip(b"\n")), 401, "SIGN_ERROR")
