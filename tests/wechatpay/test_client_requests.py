"""Request formation, checked byte by byte through the injectable transport (no server involved).

The transport here only records what the client puts on the wire and answers with a correctly signed
reply; end-to-end behaviour is exercised against the real sandbox in test_against_sandbox.py.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest

from kiosk.wechatpay import (
    APIError,
    ConnectError,
    GoodsDetail,
    NativeOrder,
    RefundRequest,
    RetryPolicy,
    SyncWeChatPayClient,
    TimeoutError,
    ValidationError,
    WeChatPayClient,
)
from kiosk.wechatpay.signing import parse_authorization, request_message
from kiosk.wechatpay.verifying import verify_signature

from .helpers import (
    DIRECT,
    MCHID,
    PARTNER,
    PUBLIC_KEY_ID,
    CountingNonce,
    FakeClock,
    credentials,
    rsa_key,
    signed_headers,
)
from .test_bills import FUND_FLOW

CODE_URL = b'{"code_url":"weixin://wxpay/bizpayurl?pr=JyC91EIz1"}'


class Recorder:
    """Records every request and answers with ``reply(request) -> (status, body)``, signed when 2xx."""

    def __init__(self, clock: FakeClock, reply: Callable[[httpx.Request], tuple[int, bytes]]) -> None:
        self.clock = clock
        self.reply = reply
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, body = self.reply(request)
        headers = signed_headers(body, clock=self.clock) if 200 <= status < 300 else {"Request-ID": "REQ-1"}
        return httpx.Response(status, headers=headers, content=body)


def sync_client(recorder: Recorder, **kwargs: object) -> SyncWeChatPayClient:
    return SyncWeChatPayClient(
        credentials(),
        kwargs.pop("merchant", DIRECT),  # type: ignore[arg-type]
        base_url="https://api.mch.weixin.qq.com",
        transport=httpx.MockTransport(recorder),
        clock=recorder.clock,
        nonce=CountingNonce(),
        sleep=lambda seconds: None,
        **kwargs,  # type: ignore[arg-type]
    )


def order(**changes: object) -> NativeOrder:
    fields: dict[str, object] = {
        "out_trade_no": "K20261129-0001",
        "description": "Image形象店-深圳腾大-QQ公仔",
        "amount_fen": 100,
        "notify_url": "https://relay.example.com/wechatpay/notify",
    }
    fields.update(changes)
    return NativeOrder(**fields)  # type: ignore[arg-type]


def assert_signed_as_sent(request: httpx.Request) -> None:
    """The Authorization header signs exactly the method, raw path+query and body bytes on the wire."""
    auth = parse_authorization(request.headers["Authorization"])
    assert auth.mchid == MCHID
    message = request_message(
        request.method, request.url.raw_path.decode("ascii"), auth.timestamp, auth.nonce_str, request.content
    )
    assert verify_signature(rsa_key("merchant").public_key(), message, auth.signature)


def test_native_order_direct_body_headers_and_signature() -> None:
    clock = FakeClock()
    recorder = Recorder(clock, lambda request: (200, CODE_URL))
    with sync_client(recorder) as client:
        expire = clock.now() + timedelta(minutes=30)
        code_url = client.create_native_order(order(time_expire=expire, attach="桌号 7"))
    assert code_url == "weixin://wxpay/bizpayurl?pr=JyC91EIz1"
    (request,) = recorder.requests
    assert request.method == "POST"
    assert request.url.raw_path == b"/v3/pay/transactions/native"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"].startswith("kiosk-wechatpay/")
    assert request.headers["Wechatpay-Serial"] == PUBLIC_KEY_ID
    assert request.headers["Host"] == "api.mch.weixin.qq.com"
    assert request.headers["Content-Length"] == str(len(request.content))
    assert json.loads(request.content) == {
        "appid": "wxd678efh567hg6787",
        "mchid": MCHID,
        "description": "Image形象店-深圳腾大-QQ公仔",
        "out_trade_no": "K20261129-0001",
        "time_expire": "2026-11-29T10:30:00+08:00",
        "attach": "桌号 7",
        "notify_url": "https://relay.example.com/wechatpay/notify",
        "amount": {"total": 100, "currency": "CNY"},
    }
    # Compact UTF-8, no \\u escapes: the same bytes are signed and sent.
    assert "形象店".encode() in request.content and b", " not in request.content
    assert_signed_as_sent(request)
    header = request.headers["Authorization"]
    assert header.startswith('WECHATPAY2-SHA256-RSA2048 mchid="1900007291",nonce_str="NONCE')
    assert f'timestamp="{int(clock.now().timestamp())}"' in header
    assert 'serial_no="408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB"' in header


def test_native_order_partner_body_with_scene_and_goods() -> None:
    clock = FakeClock()
    recorder = Recorder(clock, lambda request: (200, CODE_URL))
    with sync_client(recorder, merchant=PARTNER) as client:
        client.create_native_order(
            order(
                goods_detail=[GoodsDetail("SKU-1", 2, 50, goods_name="茶")],
                payer_client_ip="192.0.2.10",
                device_id="KIOSK-01",
                store_id="S-1",
            )
        )
    (request,) = recorder.requests
    assert request.url.raw_path == b"/v3/pay/partner/transactions/native"
    body = json.loads(request.content)
    assert (body["sp_appid"], body["sp_mchid"], body["sub_mchid"]) == ("wx8888888888888888", MCHID, "1900000109")
    assert "appid" not in body and "mchid" not in body and "sub_appid" not in body
    assert body["detail"] == {
        "goods_detail": [{"merchant_goods_id": "SKU-1", "goods_name": "茶", "quantity": 2, "unit_price": 50}]
    }
    assert body["scene_info"] == {"payer_client_ip": "192.0.2.10", "device_id": "KIOSK-01", "store_info": {"id": "S-1"}}
    assert_signed_as_sent(request)


def paid(out_trade_no: str, merchant: dict[str, str]) -> bytes:
    return json.dumps(
        {
            **merchant,
            "out_trade_no": out_trade_no,
            "transaction_id": "4200000263201902167700134212",
            "trade_type": "NATIVE",
            "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功",
            "bank_type": "OTHERS",
            "attach": "",
            "success_time": "2026-11-29T10:01:02+08:00",
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {"total": 100, "payer_total": 90, "currency": "CNY", "payer_currency": "CNY"},
        },
        ensure_ascii=False,
    ).encode()


def test_query_percent_encodes_pipe_and_star_and_signs_the_encoded_path() -> None:
    clock = FakeClock()
    recorder = Recorder(clock, lambda request: (200, paid("AB|CD*EF", {"appid": "wxd678efh567hg6787", "mchid": MCHID})))
    with sync_client(recorder) as client:
        transaction = client.query_order("AB|CD*EF")
    (request,) = recorder.requests
    assert request.url.raw_path == b"/v3/pay/transactions/out-trade-no/AB%7CCD%2AEF?mchid=1900007291"
    assert "Content-Type" not in request.headers and request.content == b""
    assert "Content-Length" not in request.headers and request.headers["Host"] == "api.mch.weixin.qq.com"
    assert_signed_as_sent(request)
    assert transaction.paid and transaction.total_fen == 100 and transaction.payer_total_fen == 90
    assert transaction.transaction_id == "4200000263201902167700134212"
    assert transaction.success_time is not None and transaction.success_time.utcoffset() == timedelta(hours=8)


def test_partner_query_close_and_refund_paths() -> None:
    clock = FakeClock()
    partner_ids = {"sp_appid": "wx8888888888888888", "sp_mchid": MCHID, "sub_mchid": "1900000109"}
    refund = {
        "refund_id": "50000000382019052709732678859",
        "out_refund_no": "R-1",
        "transaction_id": "4200000263201902167700134212",
        "out_trade_no": "K20261129-0001",
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "create_time": "2026-11-29T10:05:00+08:00",
        "status": "PROCESSING",
        "amount": {"total": 100, "refund": 40, "payer_total": 100, "payer_refund": 40, "currency": "CNY"},
    }

    def reply(request: httpx.Request) -> tuple[int, bytes]:
        path = request.url.path
        if path.endswith("/close"):
            return 204, b""
        if path.startswith("/v3/refund"):
            return 200, json.dumps(refund).encode()
        if "/id/" in path:
            return 200, paid("K20261129-0001", partner_ids)
        return 200, paid("K20261129-0001", partner_ids)

    recorder = Recorder(clock, reply)
    with sync_client(recorder, merchant=PARTNER) as client:
        client.query_order("K20261129-0001")
        client.query_order_by_transaction_id("4200000263201902167700134212")
        client.close_order("K20261129-0001")
        created = client.create_refund(RefundRequest("R-1", 40, 100, out_trade_no="K20261129-0001", reason="少找零"))
        queried = client.query_refund("R-1")
    wire = [(r.method, r.url.raw_path.decode(), r.content) for r in recorder.requests]
    assert wire == [
        (
            "GET",
            "/v3/pay/partner/transactions/out-trade-no/K20261129-0001?sp_mchid=1900007291&sub_mchid=1900000109",
            b"",
        ),
        (
            "GET",
            "/v3/pay/partner/transactions/id/4200000263201902167700134212?sp_mchid=1900007291&sub_mchid=1900000109",
            b"",
        ),
        (
            "POST",
            "/v3/pay/partner/transactions/out-trade-no/K20261129-0001/close",
            b'{"sp_mchid":"1900007291","sub_mchid":"1900000109"}',
        ),
        (
            "POST",
            "/v3/refund/domestic/refunds",
            '{"sub_mchid":"1900000109","out_trade_no":"K20261129-0001","out_refund_no":"R-1","reason":"少找零",'
            '"amount":{"refund":40,"total":100,"currency":"CNY"}}'.encode(),
        ),
        ("GET", "/v3/refund/domestic/refunds/R-1?sub_mchid=1900000109", b""),
    ]
    for request in recorder.requests:
        assert_signed_as_sent(request)
    assert created == queried and created.refund_fen == 40 and created.status == "PROCESSING"


def test_direct_close_body_and_bill_query() -> None:
    clock = FakeClock()
    ticket = b'{"hash_type":"SHA1","hash_value":"da39a3ee5e6b4b0d3255bfef95601890afd80709","download_url":"https://api.mch.weixin.qq.com/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO"}'

    def reply(request: httpx.Request) -> tuple[int, bytes]:
        return (204, b"") if request.url.path.endswith("/close") else (200, ticket)

    recorder = Recorder(clock, reply)
    with sync_client(recorder) as client:
        client.close_order("K20261129-0001")
        applied = client.apply_trade_bill(clock.now().date() - timedelta(days=1))
    close, bill = recorder.requests
    assert close.content == b'{"mchid":"1900007291"}'
    assert bill.url.raw_path == b"/v3/bill/tradebill?bill_date=2026-11-28&bill_type=ALL&tar_type=GZIP"
    assert applied.download_url.endswith("token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO")


def test_invalid_order_is_rejected_before_anything_is_sent() -> None:
    clock = FakeClock()
    recorder = Recorder(clock, lambda request: (200, CODE_URL))
    with sync_client(recorder) as client:
        with pytest.raises(ValidationError) as caught:
            client.create_native_order(order(out_trade_no="short"))
        assert caught.value.field == "out_trade_no"
        with pytest.raises(ValidationError) as caught:
            client.create_native_order(order(time_expire=clock.now() - timedelta(seconds=1)))
        assert caught.value.field == "time_expire"
    assert recorder.requests == []


def test_retries_send_identical_body_with_fresh_signatures() -> None:
    clock = FakeClock()
    answers = iter([(500, '{"code":"SYSTEM_ERROR","message":"系统错误"}'.encode()), (200, CODE_URL)])
    recorder = Recorder(clock, lambda request: next(answers))
    delays: list[float] = []
    client = SyncWeChatPayClient(
        credentials(),
        DIRECT,
        transport=httpx.MockTransport(recorder),
        clock=clock,
        nonce=CountingNonce(),
        retry=RetryPolicy(max_attempts=3, base_delay=0.5, jitter=0.0),
        sleep=delays.append,
    )
    assert client.create_native_order(order()).startswith("weixin://")
    first, second = recorder.requests
    assert first.content == second.content
    assert first.headers["Authorization"] != second.headers["Authorization"]  # new nonce per attempt
    assert delays == [0.5]


def test_api_error_carries_status_code_message_and_request_id_without_retrying_4xx() -> None:
    clock = FakeClock()
    body = '{"code":"ORDER_NOT_EXIST","message":"订单不存在"}'.encode()
    recorder = Recorder(clock, lambda request: (404, body))
    with sync_client(recorder) as client, pytest.raises(APIError) as caught:
        client.query_order("K20261129-0001")
    error = caught.value
    assert (error.status, error.code, error.message) == (404, "ORDER_NOT_EXIST", "订单不存在")
    assert error.request_id == "REQ-1"
    assert not error.retryable and str(error).startswith("[REQ-1] ")
    assert len(recorder.requests) == 1


def test_async_client_maps_httpx_errors_and_retries_only_within_the_policy() -> None:
    attempts: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        raise httpx.ConnectError("connection refused", request=request)

    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    async def sleepless(seconds: float) -> None:
        return None

    async def scenario() -> None:
        async with WeChatPayClient(
            credentials(),
            DIRECT,
            transport=httpx.MockTransport(refuse),
            clock=FakeClock(),
            retry=RetryPolicy(max_attempts=2, jitter=0.0),
            sleep=sleepless,
        ) as client:
            with pytest.raises(ConnectError):
                await client.query_order("K20261129-0001")
        async with WeChatPayClient(
            credentials(), DIRECT, transport=httpx.MockTransport(stall), clock=FakeClock(), sleep=sleepless
        ) as client:
            with pytest.raises(TimeoutError) as caught:
                await client.close_order("K20261129-0001")
            assert caught.value.retryable

    asyncio.run(scenario())
    assert len(attempts) == 2


def test_merchant_override_must_share_the_signing_merchant() -> None:
    clock = FakeClock()
    recorder = Recorder(clock, lambda request: (200, CODE_URL))
    other_sub = PARTNER.__class__(sp_mchid=MCHID, sp_appid="wx8888888888888888", sub_mchid="1900000110")
    foreign = PARTNER.__class__(sp_mchid="1900000001", sp_appid="wx8888888888888888", sub_mchid="1900000110")
    with sync_client(recorder, merchant=PARTNER) as client:
        client.create_native_order(order(), merchant=other_sub)
        with pytest.raises(ValidationError):
            client.create_native_order(order(), merchant=foreign)
    (request,) = recorder.requests
    assert json.loads(request.content)["sub_mchid"] == "1900000110"


def test_fund_flow_bill_apply_then_signed_download() -> None:
    clock = FakeClock()
    ticket = {
        "hash_type": "SHA1",
        "hash_value": hashlib.sha1(FUND_FLOW).hexdigest(),
        "download_url": "https://api.mch.weixin.qq.com/v3/billdownload/file?token=fund",
    }

    def reply(request: httpx.Request) -> tuple[int, bytes]:
        if request.url.path == "/v3/bill/fundflowbill":
            return 200, json.dumps(ticket).encode()
        return 200, gzip.compress(FUND_FLOW)

    recorder = Recorder(clock, reply)
    with sync_client(recorder) as client:
        bill = client.fundflow_bill(clock.now().date() - timedelta(days=1), "OPERATION")
    apply, download = recorder.requests
    assert apply.url.raw_path == b"/v3/bill/fundflowbill?bill_date=2026-11-28&account_type=OPERATION&tar_type=GZIP"
    assert download.url.raw_path == b"/v3/billdownload/file?token=fund" and download.headers["Accept"] == "*/*"
    assert_signed_as_sent(apply)
    assert_signed_as_sent(download)
    assert bill.summary.count == 2 and bill.rows[0].amount_fen == 1234
