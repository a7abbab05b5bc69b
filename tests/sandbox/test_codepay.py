"""Payment-code payment in the sandbox, spoken to by the independent test merchant: issued codes, the sixteen
behaviours of the protocol reference in both modes, reverse, close refused, strict fields, no notifications."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image

from tests.sandbox.merchant import Merchant, new_out_trade_no, verify_signed
from tests.sandbox.test_bills import BEIJING, _apply, _at, _download
from tests.support.sandbox import SandboxProcess

WECHAT_CODE = re.compile(r"1[0-4]\d{16}")
TRANSACTION_ID = re.compile(r"42\d{26}")
RFC3339_BEIJING = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00")


@dataclass
class Till:
    """Charges, queries, reverses and closes payment-code orders as one merchant, direct or partner."""

    sandbox: SandboxProcess
    merchant: Merchant
    partner: bool

    @property
    def info(self) -> dict[str, Any]:
        return self.sandbox.info

    @property
    def prefix(self) -> str:
        return "/v3/pay/partner/transactions" if self.partner else "/v3/pay/transactions"

    def ids(self) -> dict[str, str]:
        if self.partner:
            return {
                "sp_appid": self.info["sp_appid"],
                "sp_mchid": self.info["sp_mchid"],
                "sub_mchid": self.info["sub_mchid"],
            }
        return {"appid": self.info["appid"], "mchid": self.info["mchid"]}

    def body(self, code: str, out_trade_no: str, total: int = 100, **extra: Any) -> dict[str, Any]:
        return {
            **self.ids(),
            "description": "可乐 Cola",
            "out_trade_no": out_trade_no,
            "payer": {"auth_code": code},
            "amount": {"total": total, "currency": "CNY"},
            "scene_info": {"device_id": "POS7", "device_ip": "10.0.0.8", "store_info": {"out_id": "S001"}},
            **extra,
        }

    def charge(self, code: str, out_trade_no: str, total: int = 100, **extra: Any) -> httpx.Response:
        return self.merchant.post(f"{self.prefix}/codepay", self.body(code, out_trade_no, total, **extra))

    def query(self, out_trade_no: str) -> httpx.Response:
        if self.partner:
            q = f"sp_mchid={self.info['sp_mchid']}&sub_mchid={self.info['sub_mchid']}"
        else:
            q = f"mchid={self.info['mchid']}"
        return self.merchant.get(f"{self.prefix}/out-trade-no/{out_trade_no}?{q}")

    def state(self, out_trade_no: str) -> dict[str, Any]:
        response = self.query(out_trade_no)
        assert response.status_code == 200, response.text
        verify_signed(response.headers, response.content, self.info)
        view: dict[str, Any] = response.json()
        return view

    def reverse(self, out_trade_no: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.merchant.post(f"{self.prefix}/out-trade-no/{out_trade_no}/reverse", body or self.ids())

    def close(self, out_trade_no: str) -> httpx.Response:
        ids = {k: v for k, v in self.ids().items() if not k.endswith("appid")}
        return self.merchant.post(f"{self.prefix}/out-trade-no/{out_trade_no}/close", ids)


@pytest.fixture(params=["direct", "partner"])
def till(request: pytest.FixtureRequest, sandbox: SandboxProcess, merchant: Merchant, partner: Merchant) -> Till:
    return Till(sandbox, partner if request.param == "partner" else merchant, request.param == "partner")


@pytest.fixture
def direct(sandbox: SandboxProcess, merchant: Merchant) -> Till:
    return Till(sandbox, merchant, False)


@contextmanager
def settings(sandbox: SandboxProcess, **changes: Any) -> Iterator[None]:
    before = sandbox.control("GET", "/sandbox/v1/settings")
    sandbox.settings(**changes)
    try:
        yield
    finally:
        sandbox.settings(**{name: before[name] for name in changes})


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    assert "Wechatpay-Signature" not in response.headers  # errors are never signed
    body = response.json()
    return response.status_code, body["code"], body["message"]


# -- the customer's codes -------------------------------------------------------------------------------


def test_codes_are_fresh_wechat_codes_with_a_lifetime(sandbox: SandboxProcess) -> None:
    issued = [sandbox.control("POST", "/sandbox/v1/payment-codes", {"scenario": "success"}) for _ in range(3)]
    codes = [c["auth_code"] for c in issued]
    assert all(WECHAT_CODE.fullmatch(code) for code in codes) and len(set(codes)) == 3
    first = issued[0]
    assert first["state"] == "unused" and first["scenario"] == "success" and first["out_trade_no"] is None
    assert RFC3339_BEIJING.fullmatch(first["issued_at"]) and RFC3339_BEIJING.fullmatch(first["expires_at"])
    listing = sandbox.control("GET", "/sandbox/v1/payment-codes")
    names = [s["name"] for s in listing["scenarios"]]
    assert names[:2] == ["success", "password_then_success"] and "rate_limited" in names
    assert all(s["zh"] and s["en"] for s in listing["scenarios"])
    assert [c["auth_code"] for c in listing["codes"][:3]] == codes[::-1]  # newest first
    for bad in ({"scenario": "lucky"}, {"password_seconds": -1}, {"password_seconds": True}, {"openid": 5}):
        with pytest.raises(httpx.HTTPStatusError) as caught:
            sandbox.control("POST", "/sandbox/v1/payment-codes", bad)
        assert caught.value.response.status_code == 400


# -- 1. instant success ---------------------------------------------------------------------------------


def test_instant_success_is_a_signed_200_with_the_full_order(till: Till) -> None:
    otn = new_out_trade_no()
    code = till.sandbox.payment_code("success", bank_type="CCB_DEBIT")
    response = till.charge(code, otn, 250)
    assert response.status_code == 200, response.text
    verify_signed(response.headers, response.content, till.info)
    paid = response.json()
    assert (paid["trade_state"], paid["trade_type"], paid["bank_type"]) == ("SUCCESS", "MICROPAY", "CCB_DEBIT")
    assert TRANSACTION_ID.fullmatch(paid["transaction_id"]) and RFC3339_BEIJING.fullmatch(paid["success_time"])
    assert paid["amount"] == {"total": 250, "payer_total": 250, "currency": "CNY", "payer_currency": "CNY"}
    assert paid["out_trade_no"] == otn
    if till.partner:
        assert (paid["sp_mchid"], paid["sub_mchid"]) == (till.info["sp_mchid"], till.info["sub_mchid"])
        assert paid["payer"]["sp_openid"].startswith("o")
    else:
        assert (paid["mchid"], paid["appid"]) == (till.info["mchid"], till.info["appid"])
        assert paid["payer"]["openid"].startswith("o")
    assert till.state(otn) == paid  # the query answers the same
    used = [c for c in till.sandbox.control("GET", "/sandbox/v1/payment-codes")["codes"] if c["auth_code"] == code]
    assert used[0]["state"] == "used" and used[0]["out_trade_no"] == otn


# -- 2–4. the password ----------------------------------------------------------------------------------


def test_password_then_success(till: Till) -> None:
    otn = new_out_trade_no()
    response = till.charge(till.sandbox.payment_code("password_then_success"), otn)
    assert response.status_code == 202 and response.json() == {"trade_state": "USERPAYING"}
    verify_signed(response.headers, response.content, till.info)  # the sandbox signs every 2xx
    waiting = till.state(otn)
    assert waiting["trade_state"] == "USERPAYING" and "transaction_id" not in waiting
    till.sandbox.advance(7)
    assert till.state(otn)["trade_state"] == "USERPAYING"
    till.sandbox.advance(2)
    paid = till.state(otn)
    assert paid["trade_state"] == "SUCCESS" and paid["trade_type"] == "MICROPAY"
    assert TRANSACTION_ID.fullmatch(paid["transaction_id"])


def test_a_large_amount_always_asks_for_the_password(direct: Till) -> None:
    otn = new_out_trade_no()
    response = direct.charge(direct.sandbox.payment_code("success", password_seconds=3), otn, total=100_001)
    assert response.status_code == 202
    direct.sandbox.advance(3)
    assert direct.state(otn)["trade_state"] == "SUCCESS"


def test_password_then_failure_then_reverse(till: Till) -> None:
    otn = new_out_trade_no()
    assert till.charge(till.sandbox.payment_code("password_then_failure"), otn).status_code == 202
    till.sandbox.advance(8)
    failed = till.state(otn)
    assert failed["trade_state"] == "PAYERROR" and "transaction_id" not in failed
    response = till.reverse(otn)
    assert response.status_code == 200
    verify_signed(response.headers, response.content, till.info)
    assert response.json() == {**till.ids(), "out_trade_no": otn}
    assert till.state(otn)["trade_state"] == "REVOKED"


def test_password_never_entered_is_reversed_by_wechat_pay_at_45_s(direct: Till) -> None:
    otn = new_out_trade_no()
    assert direct.charge(direct.sandbox.payment_code("password_never"), otn).status_code == 202
    direct.sandbox.advance(44)
    assert direct.state(otn)["trade_state"] == "USERPAYING"
    direct.sandbox.advance(1)
    assert direct.state(otn)["trade_state"] == "REVOKED"
    assert direct.reverse(otn).status_code == 200  # reversing it too is harmless


def test_password_never_entered_can_end_payerror(direct: Till) -> None:
    otn = new_out_trade_no()
    with settings(direct.sandbox, codepay_unpaid_outcome="PAYERROR"):
        assert direct.charge(direct.sandbox.payment_code("password_never"), otn).status_code == 202
    direct.sandbox.advance(45)
    assert direct.state(otn)["trade_state"] == "PAYERROR"


# -- 5–6. refusals --------------------------------------------------------------------------------------


def test_insufficient_funds(till: Till) -> None:
    otn = new_out_trade_no()
    assert error_of(till.charge(till.sandbox.payment_code("insufficient_funds"), otn)) == (
        403,
        "NOT_ENOUGH",
        "余额不足",
    )
    assert till.state(otn)["trade_state"] == "PAYERROR"
    assert till.reverse(otn).status_code == 200 and till.state(otn)["trade_state"] == "REVOKED"


def test_a_refused_charge_can_leave_no_order(direct: Till) -> None:
    otn = new_out_trade_no()
    with settings(direct.sandbox, codepay_failure_recorded=False):
        assert error_of(direct.charge(direct.sandbox.payment_code("insufficient_funds"), otn))[1] == "NOT_ENOUGH"
    assert error_of(direct.query(otn))[:2] == (404, "ORDER_NOT_EXIST")


@pytest.mark.parametrize("code", ["284567890123456789", "13456789012345678", "1345678901234567890", "16" + "0" * 16])
def test_a_code_that_is_no_wechat_code_is_a_param_error_that_does_not_echo_it(direct: Till, code: str) -> None:
    response = direct.charge(code, new_out_trade_no())
    status, kind, message = error_of(response)
    assert (status, kind) == (400, "PARAM_ERROR") and "18位数字" in message
    assert response.json()["detail"]["field"] == "/payer/auth_code" and code not in response.text


def test_expired_invalid_unknown_and_reused_codes(till: Till) -> None:
    sandbox = till.sandbox
    old = sandbox.payment_code("success")
    sandbox.advance(60)  # the lifetime
    assert error_of(till.charge(old, new_out_trade_no()))[:2] == (403, "TRADE_ERROR")
    status, kind, message = error_of(till.charge(sandbox.payment_code("expired_code"), new_out_trade_no()))
    assert (status, kind) == (403, "TRADE_ERROR") and "过期" in message
    status, kind, message = error_of(till.charge(sandbox.payment_code("invalid_code"), new_out_trade_no()))
    assert (status, kind) == (403, "TRADE_ERROR") and "无效" in message
    never_issued = "134567890123456789"
    assert error_of(till.charge(never_issued, new_out_trade_no()))[1] == "TRADE_ERROR"
    code = sandbox.payment_code("success")
    assert till.charge(code, new_out_trade_no()).status_code == 200
    assert error_of(till.charge(code, new_out_trade_no())) == (403, "TRADE_ERROR", "每个二维码仅限使用一次，请刷新再试")


def test_the_code_error_status_and_code_are_settings(direct: Till) -> None:
    with settings(direct.sandbox, codepay_code_error_status=400, codepay_code_error_code="AUTH_CODE_INVALID"):
        response = direct.charge(direct.sandbox.payment_code("invalid_code"), new_out_trade_no())
    assert error_of(response)[:2] == (400, "AUTH_CODE_INVALID")
    for bad in ({"codepay_code_error_status": 500}, {"codepay_unpaid_outcome": "CLOSED"}, {"payment_code_lifetime": 0}):
        with pytest.raises(httpx.HTTPStatusError):
            direct.sandbox.settings(**bad)


# -- 7–8. server errors ---------------------------------------------------------------------------------


def test_system_error_after_recording_the_payment(till: Till) -> None:
    otn = new_out_trade_no()
    assert error_of(till.charge(till.sandbox.payment_code("system_error_paid"), otn))[:2] == (500, "SYSTEM_ERROR")
    assert till.state(otn)["trade_state"] == "SUCCESS"


def test_system_error_before_recording_anything(till: Till) -> None:
    otn = new_out_trade_no()
    code = till.sandbox.payment_code("system_error_unrecorded")
    assert error_of(till.charge(code, otn))[:2] == (500, "SYSTEM_ERROR")
    assert error_of(till.query(otn))[:2] == (404, "ORDER_NOT_EXIST")
    retry = till.charge(code, otn)  # same order, same (still unused) code
    assert retry.status_code == 200 and retry.json()["trade_state"] == "SUCCESS"


def test_a_dropped_connection_after_recording(direct: Till) -> None:
    otn = new_out_trade_no()
    direct.sandbox.fault("drop_connection", "/v3/pay/transactions/codepay")
    with pytest.raises(httpx.TransportError):
        direct.charge(direct.sandbox.payment_code("success"), otn)
    assert direct.state(otn)["trade_state"] == "SUCCESS"


def test_bank_error_then_paid(till: Till) -> None:
    otn = new_out_trade_no()
    assert error_of(till.charge(till.sandbox.payment_code("bank_error"), otn))[:2] == (500, "BANK_ERROR")
    assert till.state(otn)["trade_state"] == "USERPAYING"
    till.sandbox.advance(8)
    assert till.state(otn)["trade_state"] == "SUCCESS"


# -- 9–11. reverse --------------------------------------------------------------------------------------


def test_reverse_of_a_paying_order_is_never_paid_later(till: Till) -> None:
    otn = new_out_trade_no()
    assert till.charge(till.sandbox.payment_code("password_then_success"), otn).status_code == 202
    assert till.reverse(otn).status_code == 200
    till.sandbox.advance(30)  # the password would have been entered by now
    revoked = till.state(otn)
    assert revoked["trade_state"] == "REVOKED" and revoked["trade_state_desc"] == "已撤销"
    assert "transaction_id" not in revoked


def test_reverse_of_a_paid_order_refunds_it_in_full(till: Till) -> None:
    otn = new_out_trade_no()
    assert till.charge(till.sandbox.payment_code("success"), otn, 300).status_code == 200
    assert till.reverse(otn).status_code == 200
    revoked = till.state(otn)
    assert revoked["trade_state"] == "REVOKED" and TRANSACTION_ID.fullmatch(revoked["transaction_id"])
    refund = {"out_trade_no": otn, "out_refund_no": "R" + otn, "amount": {"refund": 1, "total": 300, "currency": "CNY"}}
    if till.partner:
        refund["sub_mchid"] = till.info["sub_mchid"]
    assert error_of(till.merchant.post("/v3/refund/domestic/refunds", refund)) == (
        400,
        "INVALID_REQUEST",
        "订单已撤销，不能发起退款",
    )
    (row,) = [o for o in till.sandbox.orders() if o["out_trade_no"] == otn]
    assert row["refunded"] == 300


def test_reverse_retries_and_idempotence(till: Till) -> None:
    otn = new_out_trade_no()
    assert till.charge(till.sandbox.payment_code("password_never"), otn).status_code == 202
    till.sandbox.fault("system_error", f"{till.prefix}/out-trade-no/{otn}/reverse")
    assert error_of(till.reverse(otn))[:2] == (500, "SYSTEM_ERROR")
    assert till.state(otn)["trade_state"] == "USERPAYING"  # the failed reverse did nothing
    assert till.reverse(otn).status_code == 200
    again = till.reverse(otn)
    assert again.status_code == 200 and again.json()["out_trade_no"] == otn
    assert till.state(otn)["trade_state"] == "REVOKED"


def test_reverse_of_an_unknown_order(direct: Till) -> None:
    otn = new_out_trade_no()
    assert direct.reverse(otn).status_code == 200
    with settings(direct.sandbox, codepay_reverse_unknown_ok=False):
        assert error_of(direct.reverse(otn))[:2] == (404, "ORDER_NOT_EXIST")


def test_reverse_after_seven_days_is_refused(direct: Till) -> None:
    otn = new_out_trade_no()
    assert direct.charge(direct.sandbox.payment_code("success"), otn).status_code == 200
    direct.sandbox.advance(7 * 24 * 3600 + 1)
    status, kind, message = error_of(direct.reverse(otn))
    assert (status, kind) == (400, "INVALID_REQUEST") and "7天" in message
    assert direct.state(otn)["trade_state"] == "SUCCESS"


def test_reverse_checks_its_body(till: Till) -> None:
    otn = new_out_trade_no()
    wrong = {**till.ids(), "sub_mchid": "1700000000"} if till.partner else {**till.ids(), "appid": "wx0000000000000000"}
    assert error_of(till.reverse(otn, wrong))[0] == 400
    assert error_of(till.reverse(otn, {**till.ids(), "recall": "Y"}))[:2] == (400, "PARAM_ERROR")  # no v3 field
    if till.partner:  # sp_appid is optional in partner mode
        minimal = {"sp_mchid": till.info["sp_mchid"], "sub_mchid": till.info["sub_mchid"]}
        assert till.reverse(otn, minimal).json() == {**minimal, "out_trade_no": otn}


# -- 12–13. order numbers and close ---------------------------------------------------------------------


def test_duplicate_out_trade_no(till: Till) -> None:
    sandbox, otn = till.sandbox, new_out_trade_no()
    code = sandbox.payment_code("success")
    first = till.charge(code, otn)
    assert first.status_code == 200
    replay = till.charge(code, otn)  # the same request again: the order as it stands
    assert replay.status_code == 200 and replay.json() == first.json()
    assert error_of(till.charge(sandbox.payment_code("success"), otn))[:2] == (403, "OUT_TRADE_NO_USED")
    assert error_of(till.charge(code, otn, total=101))[:2] == (403, "OUT_TRADE_NO_USED")
    assert till.reverse(otn).status_code == 200
    assert error_of(till.charge(sandbox.payment_code("success"), otn))[:2] == (400, "ORDER_CLOSED")

    paying, paying_code = new_out_trade_no(), sandbox.payment_code("password_then_success")
    assert till.charge(paying_code, paying).status_code == 202
    assert till.charge(paying_code, paying).status_code == 202
    refused, refused_code = new_out_trade_no(), sandbox.payment_code("insufficient_funds")
    assert error_of(till.charge(refused_code, refused))[1] == "NOT_ENOUGH"
    assert error_of(till.charge(refused_code, refused))[1] == "NOT_ENOUGH"


def test_a_native_order_number_cannot_be_charged_by_code(direct: Till) -> None:
    otn = new_out_trade_no()
    native = {**direct.ids(), "description": "x", "out_trade_no": otn, "notify_url": "http://127.0.0.1:9/n"}
    assert direct.merchant.post("/v3/pay/transactions/native", {**native, "amount": {"total": 1}}).status_code == 200
    assert error_of(direct.charge(direct.sandbox.payment_code("success"), otn))[:2] == (403, "OUT_TRADE_NO_USED")
    status, kind, _ = error_of(direct.reverse(otn))
    assert (status, kind) == (400, "INVALID_REQUEST")


def test_close_is_refused_for_code_pay_orders(till: Till) -> None:
    otn = new_out_trade_no()
    assert till.charge(till.sandbox.payment_code("password_never"), otn).status_code == 202
    assert error_of(till.close(otn)) == (400, "INVALID_REQUEST", "当前交易不允许进行普通关单（只能撤销）")
    assert till.state(otn)["trade_state"] == "USERPAYING"


# -- 14–15. fields --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"notify_url": "https://example.com/notify"}, "/notify_url"),
        ({"time_expire": "2030-01-01T10:00:00+08:00"}, "/time_expire"),
        ({"payer": {"auth_code": "PLACEHOLDER", "openid": "oX"}}, "/payer/openid"),
        (
            {"scene_info": {"device_ip": "10.0.0.8", "store_info": {"out_id": "S1", "name": "店"}}},
            "/scene_info/store_info/name",
        ),
    ],
)
def test_undeclared_fields_are_refused(direct: Till, extra: dict[str, Any], field: str) -> None:
    code = direct.sandbox.payment_code("success")
    if "payer" in extra:
        extra = {"payer": {**extra["payer"], "auth_code": code}}
    response = direct.charge(code, new_out_trade_no(), **extra)
    status, kind, message = error_of(response)
    assert (status, kind, message) == (400, "PARAM_ERROR", "请求中含有未在API文档中定义的参数")
    assert response.json()["detail"]["field"] == field


def test_undeclared_fields_can_be_ignored(direct: Till) -> None:
    with settings(direct.sandbox, codepay_strict_fields=False):
        response = direct.charge(
            direct.sandbox.payment_code("success"), new_out_trade_no(), notify_url="https://x.cn/n"
        )
    assert response.status_code == 200


def test_both_goods_id_spellings_are_accepted(direct: Till) -> None:
    goods = [
        {"merchant_goods_id": "SKU1", "wxpay_goods_id": "1001", "quantity": 1, "unit_price": 50},
        {"merchant_goods_id": "SKU2", "wechatpay_goods_id": "1002", "quantity": 1, "unit_price": 50},
    ]
    response = direct.charge(direct.sandbox.payment_code("success"), new_out_trade_no(), detail={"goods_detail": goods})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("scene", "field"),
    [
        ({"device_ip": "10.0.0.8"}, "/scene_info/store_info"),
        ({"device_ip": "10.0.0.8", "store_info": {}}, "/scene_info/store_info"),
        ({"device_ip": "10.0.0.8", "store_info": {"id": "", "out_id": ""}}, "/scene_info/store_info"),
        ({"device_ip": "not-an-ip", "store_info": {"out_id": "S1"}}, "/scene_info/device_ip"),
        (None, "/scene_info"),
    ],
)
def test_scene_info_and_store_are_required(direct: Till, scene: dict[str, Any] | None, field: str) -> None:
    body = direct.body(direct.sandbox.payment_code("success"), new_out_trade_no())
    if scene is None:
        del body["scene_info"]
    else:
        body["scene_info"] = scene
    response = direct.merchant.post("/v3/pay/transactions/codepay", body)
    assert error_of(response)[:2] == (400, "PARAM_ERROR")
    assert response.json()["detail"]["field"] == field


def test_partner_requires_sub_mchid_and_its_merchant(
    sandbox: SandboxProcess, merchant: Merchant, partner: Merchant
) -> None:
    sp = Till(sandbox, partner, True)
    body = sp.body(sandbox.payment_code("success"), new_out_trade_no())
    del body["sub_mchid"]
    response = partner.post("/v3/pay/partner/transactions/codepay", body)
    assert error_of(response)[:2] == (400, "PARAM_ERROR") and response.json()["detail"]["field"] == "/sub_mchid"
    direct_body = Till(sandbox, merchant, False).body(sandbox.payment_code("success"), new_out_trade_no())
    assert error_of(partner.post("/v3/pay/transactions/codepay", direct_body))[0] == 400  # header ≠ body mchid


# -- 16. rate limit, and never a notification -----------------------------------------------------------


def test_rate_limited_once_then_the_same_charge_goes_through(till: Till) -> None:
    otn, code = new_out_trade_no(), till.sandbox.payment_code("rate_limited")
    assert error_of(till.charge(code, otn))[:2] == (429, "FREQUENCY_LIMITED")
    assert error_of(till.query(otn))[:2] == (404, "ORDER_NOT_EXIST")
    assert till.charge(code, otn).status_code == 200
    till.sandbox.fault("frequency_limited", f"{till.prefix}/codepay")  # the generic switch works as well
    assert error_of(till.charge(till.sandbox.payment_code("success"), new_out_trade_no()))[0] == 429


def test_no_notification_is_ever_sent_for_code_pay(direct: Till) -> None:
    paid, reversed_ = new_out_trade_no(), new_out_trade_no()
    assert direct.charge(direct.sandbox.payment_code("success"), paid).status_code == 200
    assert direct.charge(direct.sandbox.payment_code("password_then_success"), reversed_).status_code == 202
    direct.sandbox.advance(10)
    assert direct.state(reversed_)["trade_state"] == "SUCCESS"
    assert direct.reverse(reversed_).status_code == 200
    listing = direct.sandbox.notifications()
    mentioned = {a["out_trade_no"] for a in listing["attempts"]} | {
        n.get("out_trade_no") for n in listing["notifications"]
    }
    assert paid not in mentioned and reversed_ not in mentioned


# -- bills and the page ---------------------------------------------------------------------------------


def test_trade_bill_lists_micropay_orders_and_the_refund_of_a_reversed_payment(
    sandbox_factory: Callable[..., SandboxProcess],
) -> None:
    sandbox = sandbox_factory(time_scale=100)
    now = datetime.fromtimestamp(sandbox.control("GET", "/sandbox/v1/clock")["timestamp"], BEIJING)
    trade_day = now.date() + timedelta(days=1)
    _at(sandbox, datetime.combine(trade_day, datetime.min.time(), BEIJING) + timedelta(minutes=30))
    kept, reversed_paid, reversed_unpaid, refused = (new_out_trade_no() for _ in range(4))
    with Merchant(sandbox.base_url, sandbox.info) as m:
        till = Till(sandbox, m, False)
        assert till.charge(sandbox.payment_code("success"), kept, 1234).status_code == 200
        assert till.charge(sandbox.payment_code("success"), reversed_paid, 500).status_code == 200
        assert till.reverse(reversed_paid).status_code == 200
        assert till.charge(sandbox.payment_code("password_never"), reversed_unpaid).status_code == 202
        assert till.reverse(reversed_unpaid).status_code == 200
        assert till.charge(sandbox.payment_code("insufficient_funds"), refused).status_code == 403
        _at(
            sandbox, datetime.combine(trade_day + timedelta(days=1), datetime.min.time(), BEIJING) + timedelta(hours=10)
        )
        applied = _apply(m, f"bill_date={trade_day}&bill_type=ALL")
        assert applied.status_code == 200, applied.text
        text = _download(m, applied.json()).content[3:].decode("utf-8")
    lines = text.split("\r\n")[1:-3]
    rows = {(r[6], r[9]): r for r in ([v.lstrip("`") for v in line.split(",`")] for line in lines)}
    assert set(rows) == {(kept, "SUCCESS"), (reversed_paid, "SUCCESS"), (reversed_paid, "REFUND")}
    assert {r[8] for r in rows.values()} == {"MICROPAY"}
    assert rows[(kept, "SUCCESS")][12] == "12.34" and rows[(reversed_paid, "SUCCESS")][12] == "5.00"
    refund = rows[(reversed_paid, "REFUND")]
    # 商户退款单号 is the order number; the whole amount, at once, back the original way.
    assert (refund[15], refund[16], refund[18], refund[19], refund[25]) == (
        reversed_paid,
        "5.00",
        "ORIGINAL",
        "SUCCESS",
        "5.00",
    )
    assert text.split("\r\n")[-2].split(",")[:3] == ["`3", "`17.34", "`5.00"]


def _images(html: str) -> dict[str, str]:
    """The decoded content of every inline PNG on the page, by its class."""
    found = {}
    for kind, data in re.findall(r'<img class="(\w+)" alt="[^"]*" src="data:image/png;base64,([^"]+)"', html):
        (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(data))))
        found[kind] = decoded.text
    return found


def test_the_page_shows_the_customers_phone_with_a_scannable_code(sandbox: SandboxProcess) -> None:
    with httpx.Client(base_url=sandbox.base_url, timeout=10) as web:
        shown = web.post(
            "/sandbox/v1/payment-codes",
            content=b"scenario=password_then_success",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert shown.status_code == 303 and shown.headers["location"] == "/sandbox/"
        code = sandbox.control("GET", "/sandbox/v1/payment-codes")["codes"][0]["auth_code"]
        page = web.get("/sandbox/").text
        # The clerk's scanner reads the code from the screen, as barcode or QR code.
        assert _images(page) == {"barcode": code, "qr": code}
        assert " ".join([code[:2], code[2:6], code[6:10], code[10:14], code[14:]]) in page
        assert "输入密码后支付成功" in page and 'value="insufficient_funds"' in page
        with Merchant(sandbox.base_url, sandbox.info) as m:
            assert Till(sandbox, m, False).charge(code, new_out_trade_no()).status_code == 202
        assert _images(web.get("/sandbox/").text) == {}  # a used code leaves the phone's screen
        refused = web.post(
            "/sandbox/v1/payment-codes",
            content=b"scenario=lucky",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert refused.status_code == 400 and "PARAM_ERROR" in refused.text
