"""Payment-code payment: the scanned-code classifier, request bytes, the mapping of every answer and failure to
an outcome, and the payment code kept out of reprs, errors and logs (no server; the sandbox tests run it for real).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

import httpx
import pytest

from kiosk.wechatpay import (
    APIError,
    CodePayOrder,
    CodePayOutcome,
    CodePayResult,
    PaymentCodeKind,
    ResponseMismatchError,
    RetryPolicy,
    SyncWeChatPayClient,
    ValidationError,
    WeChatPayClient,
    classify_payment_code,
    codepay,
    mask_payment_code,
    normalize_payment_code,
)

from .helpers import DIRECT, MCHID, PARTNER, CountingNonce, FakeClock, credentials, signed_headers
from .test_client_requests import assert_signed_as_sent

CODE = "134567890123456789"
OTN = "K20261129-0042"
DIRECT_IDS = {"appid": "wxd678efh567hg6787", "mchid": MCHID}
PARTNER_IDS = {"sp_appid": "wx8888888888888888", "sp_mchid": MCHID, "sub_mchid": "1900000109"}

Reply = Callable[[httpx.Request], httpx.Response]


def order(**changes: object) -> CodePayOrder:
    fields: dict[str, object] = {
        "out_trade_no": OTN,
        "description": "Kiosk 奶茶 x1",
        "amount_fen": 1200,
        "auth_code": CODE,
        "device_ip": "192.0.2.10",
        "store_out_id": "S001",
    }
    fields.update(changes)
    return CodePayOrder(**fields)  # type: ignore[arg-type]


def answer(clock: FakeClock, status: int, body: bytes | dict[str, object], *, signed: bool = True) -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    headers = signed_headers(raw, clock=clock) if signed else {"Request-ID": "REQ-9"}
    return httpx.Response(status, headers=headers, content=raw)


def paid_body(ids: dict[str, str] = DIRECT_IDS, *, total: int = 1200, out_trade_no: str = OTN) -> dict[str, object]:
    return {
        **ids,
        "out_trade_no": out_trade_no,
        "transaction_id": "4200000263202611297700134212",
        "trade_type": "MICROPAY",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "bank_type": "CCB_DEBIT",
        "success_time": "2026-11-29T10:00:03+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"},
    }


def error(status: int, code: str, message: str = "…") -> Callable[[FakeClock], httpx.Response]:
    return lambda clock: answer(clock, status, {"code": code, "message": message}, signed=False)


class Wire:
    """A MockTransport that records requests and answers with ``reply``."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.reply(request)


def client(wire: Wire, clock: FakeClock, **kwargs: object) -> SyncWeChatPayClient:
    return SyncWeChatPayClient(
        credentials(),
        kwargs.pop("merchant", DIRECT),  # type: ignore[arg-type]
        transport=httpx.MockTransport(wire),
        clock=clock,
        nonce=CountingNonce(),
        retry=RetryPolicy(max_attempts=3, base_delay=0.0, jitter=0.0),
        sleep=lambda seconds: None,
        **kwargs,  # type: ignore[arg-type]
    )


def charge_with(reply: Callable[[FakeClock], httpx.Response], **kwargs: object) -> tuple[CodePayResult, Wire]:
    clock = FakeClock()
    wire = Wire(lambda request: reply(clock))
    with client(wire, clock, **kwargs) as c:
        return c.charge_codepay(order()), wire


# -- the scanned-code classifier ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("134567890123456789", PaymentCodeKind.WECHAT),
        ("100000000000000000", PaymentCodeKind.WECHAT),
        ("159999999999999999", PaymentCodeKind.WECHAT),
        ("13 0061 0988 2800 9406\r\n", PaymentCodeKind.WECHAT),  # grouped digits, scanner CR/LF
        ("160000000000000000", PaymentCodeKind.OTHER),  # 16 is no WeChat prefix
        ("09" + "1" * 16, PaymentCodeKind.OTHER),
        ("13456789012345678", PaymentCodeKind.OTHER),  # 17 digits
        ("1345678901234567890", PaymentCodeKind.OTHER),  # 19 digits
        ("2" + "5" * 15, PaymentCodeKind.ALIPAY),  # 16 digits starting 25
        ("28" + "0" * 16, PaymentCodeKind.ALIPAY),  # 18 digits: Alipay, not WeChat
        ("30" + "1" * 22, PaymentCodeKind.ALIPAY),  # 24 digits
        ("30" + "1" * 23, PaymentCodeKind.OTHER),  # 25 digits
        ("24" + "1" * 16, PaymentCodeKind.OTHER),
        ("31" + "1" * 16, PaymentCodeKind.OTHER),
        ("fp" + "a1B2c3D4e5" * 3 + "xyz", PaymentCodeKind.ALIPAY),  # face-pay token, 35 characters
        ("62" + "1" * 17, PaymentCodeKind.UNIONPAY),  # 19 digits
        ("62" + "1" * 16, PaymentCodeKind.OTHER),
        ("6901234567892", PaymentCodeKind.OTHER),  # an EAN-13 product barcode
        ("13456789012345678a", PaymentCodeKind.OTHER),
        ("１34567890123456789", PaymentCodeKind.OTHER),  # a full-width digit is not a digit here
        ("", PaymentCodeKind.OTHER),
    ],
)
def test_classify_payment_code(text: str, kind: PaymentCodeKind) -> None:
    assert classify_payment_code(text) is kind


def test_normalize_and_mask() -> None:
    assert normalize_payment_code(" 13 0061 0988 2800 9406\r\n") == "130061098828009406"
    assert mask_payment_code("130061098828009406") == "**************9406"
    assert mask_payment_code("1234") == "****" and mask_payment_code("") == ""


# -- the order and its secret -----------------------------------------------------------------------------


def test_repr_and_operation_never_show_the_code() -> None:
    o = order()
    assert CODE not in repr(o) and CODE not in str(o)
    assert "auth_code='**************6789'" in repr(o) and "out_trade_no='K20261129-0042'" in repr(o)
    op = codepay.charge(DIRECT, o)
    assert op.body is not None and CODE.encode() in op.body  # it is sent …
    assert CODE not in repr(op)  # … but not shown


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"auth_code": "284567890123456789"}, "auth_code"),  # Alipay
        ({"auth_code": "13456789012345678"}, "auth_code"),
        ({"auth_code": "1345 6789 0123 4567 89"}, "auth_code"),  # not normalized
        ({"device_ip": "till-1"}, "device_ip"),
        ({"store_out_id": None}, "store_out_id"),
        ({"store_out_id": None, "store_id": "S-1"}, "store_id"),  # a venue id is digits
        ({"amount_fen": 0}, "amount_fen"),
        ({"out_trade_no": "short"}, "out_trade_no"),
        ({"description": "奶" * 43}, "description"),  # 129 UTF-8 bytes
        ({"attach": "x" * 129}, "attach"),
    ],
)
def test_invalid_orders_are_refused_before_anything_is_sent(changes: dict[str, object], field: str) -> None:
    clock = FakeClock()
    wire = Wire(lambda request: answer(clock, 200, paid_body()))
    with client(wire, clock) as c, pytest.raises(ValidationError) as caught:
        c.charge_codepay(order(**changes))
    assert caught.value.field == field
    assert "3456789" not in str(caught.value)
    assert wire.requests == []


# -- request bytes --------------------------------------------------------------------------------------


def test_direct_charge_bytes_signature_and_timeout() -> None:
    result, wire = charge_with(lambda clock: answer(clock, 200, paid_body()))
    (request,) = wire.requests
    assert (request.method, request.url.raw_path) == ("POST", b"/v3/pay/transactions/codepay")
    assert (
        request.content
        == (
            '{"appid":"wxd678efh567hg6787","mchid":"1900007291","description":"Kiosk 奶茶 x1",'
            '"out_trade_no":"K20261129-0042","payer":{"auth_code":"134567890123456789"},'
            '"amount":{"total":1200,"currency":"CNY"},'
            '"scene_info":{"device_ip":"192.0.2.10","store_info":{"out_id":"S001"}}}'
        ).encode()
    )
    assert request.headers["Content-Type"] == "application/json" and request.headers["Accept"] == "application/json"
    assert_signed_as_sent(request)
    # The charge waits at least 15 s whatever the client's (shorter) timeout.
    assert request.extensions["timeout"] == httpx.Timeout(codepay.CHARGE_TIMEOUT).as_dict()
    assert result.outcome is CodePayOutcome.PAID and result.trade_state == "SUCCESS"
    assert result.transaction is not None and result.transaction.trade_type == "MICROPAY"
    assert result.transaction.transaction_id == "4200000263202611297700134212" and result.error is None


def test_a_longer_client_timeout_is_kept() -> None:
    _, wire = charge_with(lambda clock: answer(clock, 200, paid_body()), timeout=30.0)
    assert wire.requests[0].extensions["timeout"] == httpx.Timeout(30.0).as_dict()


def test_partner_charge_bytes_with_every_optional_field() -> None:
    clock = FakeClock()
    wire = Wire(lambda request: answer(clock, 200, paid_body(PARTNER_IDS)))
    full = order(store_id="4401000001", device_id="TILL-01", attach="桌号 7", goods_tag="WXG")
    with client(wire, clock, merchant=PARTNER) as c:
        result = c.charge_codepay(full)
    (request,) = wire.requests
    assert request.url.raw_path == b"/v3/pay/partner/transactions/codepay"
    assert json.loads(request.content) == {
        "sp_appid": "wx8888888888888888",
        "sp_mchid": MCHID,
        "sub_mchid": "1900000109",
        "description": "Kiosk 奶茶 x1",
        "out_trade_no": OTN,
        "attach": "桌号 7",
        "goods_tag": "WXG",
        "payer": {"auth_code": CODE},
        "amount": {"total": 1200, "currency": "CNY"},
        "scene_info": {
            "device_id": "TILL-01",
            "device_ip": "192.0.2.10",
            "store_info": {"id": "4401000001", "out_id": "S001"},
        },
    }
    assert b"notify_url" not in request.content and b"time_expire" not in request.content
    assert_signed_as_sent(request)
    assert result.outcome is CodePayOutcome.PAID and result.transaction is not None
    assert result.transaction.sub_mchid == "1900000109"


def test_reverse_bytes_in_both_modes_and_retry_until_it_answers() -> None:
    clock = FakeClock()
    answers = iter(
        [
            error(500, "SYSTEM_ERROR")(clock),
            answer(clock, 200, {**DIRECT_IDS, "out_trade_no": "KC|0042*"}),
            answer(clock, 200, {**PARTNER_IDS, "out_trade_no": OTN}),
        ]
    )
    wire = Wire(lambda request: next(answers))
    with client(wire, clock) as c:
        assert c.reverse_order("KC|0042*") is None
        assert c.reverse_order(OTN, merchant=PARTNER) is None
    first, again, partner = wire.requests
    assert first.url.raw_path == again.url.raw_path == b"/v3/pay/transactions/out-trade-no/KC%7C0042%2A/reverse"
    assert first.content == again.content == b'{"appid":"wxd678efh567hg6787","mchid":"1900007291"}'
    assert partner.url.raw_path == b"/v3/pay/partner/transactions/out-trade-no/K20261129-0042/reverse"
    assert partner.content == b'{"sp_appid":"wx8888888888888888","sp_mchid":"1900007291","sub_mchid":"1900000109"}'
    for request in wire.requests:
        assert_signed_as_sent(request)


def test_reverse_answer_for_another_order_is_a_replay() -> None:
    clock = FakeClock()
    wire = Wire(lambda request: answer(clock, 200, {**DIRECT_IDS, "out_trade_no": "K-OTHER-1"}))
    with client(wire, clock) as c, pytest.raises(ResponseMismatchError):
        c.reverse_order(OTN)
    wire = Wire(lambda request: error(400, "INVALID_REQUEST", "订单已超过撤销期限")(clock))
    with client(wire, clock) as c, pytest.raises(APIError) as caught:
        c.reverse_order(OTN)
    assert caught.value.code == "INVALID_REQUEST" and len(wire.requests) == 1


# -- every answer of a charge is an outcome -------------------------------------------------------------

ERROR_CLASSES = [
    # (answer, outcome, needs_fix): the reference's classes UNKNOWN, FINAL and FIX
    (error(500, "SYSTEM_ERROR", "系统繁忙,请稍后重试"), CodePayOutcome.UNKNOWN, False),
    (error(500, "BANK_ERROR", "银行系统异常"), CodePayOutcome.UNKNOWN, False),
    (lambda clock: httpx.Response(502, content=b"<html>502 Bad Gateway</html>"), CodePayOutcome.UNKNOWN, False),
    (lambda clock: httpx.Response(503, content=b""), CodePayOutcome.UNKNOWN, False),
    (error(429, "FREQUENCY_LIMITED", "频率超限"), CodePayOutcome.UNKNOWN, False),
    (error(403, "OUT_TRADE_NO_USED", "商户订单号重复"), CodePayOutcome.UNKNOWN, False),
    (error(404, "ORDER_NOT_EXIST", "订单不存在"), CodePayOutcome.UNKNOWN, False),
    (error(403, "NOT_ENOUGH", "余额不足"), CodePayOutcome.FAILED, False),
    (error(403, "TRADE_ERROR", "每个二维码仅限使用一次，请刷新再试"), CodePayOutcome.FAILED, False),
    (error(403, "TRADE_ERROR", "付款码已过期，请刷新再试"), CodePayOutcome.FAILED, False),
    (error(403, "ACCOUNT_ERROR", "用户账号异常"), CodePayOutcome.FAILED, False),
    (error(403, "RULE_LIMIT", "交易金额超限"), CodePayOutcome.FAILED, False),
    (error(400, "ORDER_CLOSED", "订单已撤销"), CodePayOutcome.FAILED, False),
    (error(403, "NO_AUTH", "商户号该产品权限未开通"), CodePayOutcome.FAILED, True),
    (error(400, "PARAM_ERROR", "请求中含有未在API文档中定义的参数"), CodePayOutcome.FAILED, True),
    (error(400, "INVALID_REQUEST", "HTTP请求不符合微信支付APIv3接口规则"), CodePayOutcome.FAILED, True),
    (error(400, "APPID_MCHID_NOT_MATCH", "appid和mchid不匹配"), CodePayOutcome.FAILED, True),
    (error(400, "MCH_NOT_EXISTS", "商户号不存在"), CodePayOutcome.FAILED, True),
    (error(401, "SIGN_ERROR", "错误的签名，验签失败"), CodePayOutcome.FAILED, True),
]


@pytest.mark.parametrize(("reply", "outcome", "fix"), ERROR_CLASSES)
def test_every_error_class_maps_to_its_outcome_and_is_sent_once(
    reply: Callable[[FakeClock], httpx.Response], outcome: CodePayOutcome, fix: bool
) -> None:
    result, wire = charge_with(reply)
    assert len(wire.requests) == 1  # a charge is never repeated automatically
    assert result.outcome is outcome and result.needs_fix is fix
    assert result.out_trade_no == OTN and result.transaction is None and result.trade_state is None
    assert isinstance(result.error, APIError)
    assert result.code == result.error.code and result.message == result.error.message


def test_business_failure_keeps_code_and_message_for_the_clerk() -> None:
    result, _ = charge_with(error(403, "NOT_ENOUGH", "余额不足"))
    assert (result.outcome, result.code, result.message) == (CodePayOutcome.FAILED, "NOT_ENOUGH", "余额不足")
    assert not result.order_not_found


@pytest.mark.parametrize(
    ("failure", "outcome"),
    [
        (httpx.ConnectError("refused"), CodePayOutcome.FAILED),  # nothing reached WeChat Pay
        (httpx.ConnectTimeout("no route"), CodePayOutcome.FAILED),
        (httpx.ReadTimeout("no answer"), CodePayOutcome.UNKNOWN),  # it may have been charged
        (httpx.RemoteProtocolError("connection dropped"), CodePayOutcome.UNKNOWN),
    ],
)
def test_transport_failures(failure: httpx.HTTPError, outcome: CodePayOutcome) -> None:
    def fail(clock: FakeClock) -> httpx.Response:
        raise failure

    result, wire = charge_with(fail)
    assert len(wire.requests) == 1 and result.outcome is outcome and result.code is None


@pytest.mark.parametrize("signed", [True, False])
def test_202_userpaying_signed_or_not_is_paying(signed: bool) -> None:
    result, _ = charge_with(lambda clock: answer(clock, 202, {"trade_state": "USERPAYING"}, signed=signed))
    assert (result.outcome, result.trade_state, result.transaction) == (CodePayOutcome.PAYING, "USERPAYING", None)


def test_answers_that_cannot_be_trusted_are_unknown() -> None:
    forged = {"Wechatpay-Signature": "bm90IGEgc2lnbmF0dXJl"}

    def forged_202(clock: FakeClock) -> httpx.Response:
        raw = b'{"trade_state":"USERPAYING"}'
        return httpx.Response(202, headers={**signed_headers(raw, clock=clock), **forged}, content=raw)

    cases: list[Callable[[FakeClock], httpx.Response]] = [
        lambda clock: answer(clock, 200, paid_body(), signed=False),  # an unsigned "paid" is never paid
        forged_202,
        lambda clock: answer(clock, 200, paid_body(total=1)),  # another amount
        lambda clock: answer(clock, 200, paid_body(out_trade_no="K-OTHER-1")),  # another order: a replay
        lambda clock: answer(clock, 200, paid_body({"appid": "wxd678efh567hg6787", "mchid": "1900000001"})),
        lambda clock: answer(clock, 200, {**paid_body(), "trade_state": "PAYERROR"}),  # 200 but not paid
        lambda clock: answer(clock, 200, b"not json"),
        lambda clock: answer(clock, 202, {"trade_state": "ACCEPT"}),
    ]
    for case in cases:
        result, _ = charge_with(case)
        assert result.outcome is CodePayOutcome.UNKNOWN, case
        assert result.transaction is None


def test_an_error_quoting_the_code_is_masked_and_nothing_logs_it(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    result, _ = charge_with(error(403, "TRADE_ERROR", f"付款码{CODE}已使用"))
    assert result.message == "付款码**************6789已使用"
    assert CODE not in str(result.error) and CODE not in repr(result)
    charge_with(lambda clock: answer(clock, 200, paid_body()))
    charge_with(error(500, "SYSTEM_ERROR"))
    assert caplog.records and CODE not in caplog.text


# -- queries as outcomes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "outcome"),
    [
        ("SUCCESS", CodePayOutcome.PAID),
        ("REFUND", CodePayOutcome.PAID),
        ("USERPAYING", CodePayOutcome.PAYING),
        ("NOTPAY", CodePayOutcome.PAYING),
        ("ACCEPT", CodePayOutcome.PAYING),
        ("PAYERROR", CodePayOutcome.FAILED),
        ("REVOKED", CodePayOutcome.FAILED),
        ("CLOSED", CodePayOutcome.FAILED),
        ("SOMETHING_NEW", CodePayOutcome.UNKNOWN),
    ],
)
def test_query_maps_trade_state(state: str, outcome: CodePayOutcome) -> None:
    clock = FakeClock()
    body = (
        paid_body(PARTNER_IDS)
        if state in ("SUCCESS", "REFUND")
        else {
            **PARTNER_IDS,
            "out_trade_no": OTN,
            "trade_state": state,
            "trade_state_desc": "…",
            "amount": {"total": 1200, "currency": "CNY"},
        }
    )
    if state == "REFUND":
        body["trade_state"] = "REFUND"
    wire = Wire(lambda request: answer(clock, 200, body))
    with client(wire, clock, merchant=PARTNER) as c:
        result = c.query_codepay(OTN)
    (request,) = wire.requests
    assert request.url.raw_path == (
        b"/v3/pay/partner/transactions/out-trade-no/K20261129-0042?sp_mchid=1900007291&sub_mchid=1900000109"
    )
    assert (result.outcome, result.trade_state) == (outcome, state)
    assert result.transaction is not None and result.transaction.trade_state == state


def test_a_failed_query_is_unknown_and_says_when_the_order_was_not_found() -> None:
    clock = FakeClock()
    replies = iter([error(404, "ORDER_NOT_EXIST", "订单不存在")(clock)] + [error(500, "SYSTEM_ERROR")(clock)] * 3)
    wire = Wire(lambda request: next(replies))
    with client(wire, clock) as c:
        missing = c.query_codepay(OTN)
        busy = c.query_codepay(OTN)
    assert missing.outcome is CodePayOutcome.UNKNOWN and missing.order_not_found and not missing.needs_fix
    assert busy.outcome is CodePayOutcome.UNKNOWN and not busy.order_not_found
    assert len(wire.requests) == 4  # queries are retried within the policy (1 + 3)


def test_async_client_charges_queries_and_reverses() -> None:
    clock = FakeClock()
    replies = iter(
        [
            answer(clock, 202, {"trade_state": "USERPAYING"}, signed=False),
            answer(clock, 200, paid_body()),
            answer(clock, 200, {**DIRECT_IDS, "out_trade_no": OTN}),
        ]
    )
    wire = Wire(lambda request: next(replies))

    async def scenario() -> list[CodePayResult]:
        async def sleepless(seconds: float) -> None:
            return None

        async with WeChatPayClient(
            credentials(), DIRECT, transport=httpx.MockTransport(wire), clock=clock, sleep=sleepless
        ) as c:
            results = [await c.charge_codepay(order()), await c.query_codepay(OTN)]
            await c.reverse_order(OTN)
            return results

    charged, queried = asyncio.run(scenario())
    assert charged.outcome is CodePayOutcome.PAYING and queried.outcome is CodePayOutcome.PAID
    assert [r.url.path.rsplit("/", 1)[-1] for r in wire.requests] == ["codepay", OTN, "reverse"]


def test_the_classifier_module_stands_alone() -> None:
    """The kiosk side may use kiosk.wechatpay.paycode without pulling in the rest of the client."""
    import ast
    from pathlib import Path

    import kiosk.wechatpay.paycode as paycode

    tree = ast.parse(Path(paycode.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "." for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"__future__", "enum", "re"}
