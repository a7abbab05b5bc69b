"""The official vectors (reference §11.1) reproduced through the client itself, not just the primitives."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

from kiosk.clock import CHINA_TZ
from kiosk.wechatpay import (
    APIError,
    Credentials,
    DirectMerchant,
    NativeOrder,
    SignatureError,
    StaleTimestampError,
    SyncWeChatPayClient,
)
from kiosk.wechatpay.client import Engine
from kiosk.wechatpay.core import Operation

from .helpers import APIV3_KEY, FakeClock
from .test_crypto_vectors import VECTOR_A_BODY, VECTOR_A_SIGNATURE, VECTOR_B_SIGNATURE, VECTOR_D_SIGNATURE

VECTORS = Path(__file__).parent / "vectors"
DOC_KEY = load_pem_private_key((VECTORS / "doc_merchant_key.pem").read_bytes(), None)
DOC_VERIFY_KEY = load_pem_public_key((VECTORS / "doc_verify_public_key.pem").read_bytes())
assert isinstance(DOC_KEY, rsa.RSAPrivateKey) and isinstance(DOC_VERIFY_KEY, rsa.RSAPublicKey)
KEY_ID = "PUB_KEY_ID_0114232134912410000000000000"
NONCE = "593BEC0C930BF1AFEB40B4A08C8FB242"
MERCHANT = DirectMerchant("1900007291", "wxd678efh567hg6787")
CREDENTIALS = Credentials(
    mchid="1900007291",
    private_key=DOC_KEY,
    cert_serial="408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB",
    apiv3_key=APIV3_KEY,
    public_key_id=KEY_ID,
    public_key=DOC_VERIFY_KEY,
)


def clock_at(timestamp: int) -> FakeClock:
    return FakeClock(datetime.fromtimestamp(timestamp, CHINA_TZ))


def test_vector_a_through_the_engine() -> None:
    engine = Engine(CREDENTIALS, MERCHANT, clock=clock_at(1554208460), nonce=lambda: NONCE)
    request = engine.prepare(Operation("jsapi", "POST", "/v3/pay/transactions/jsapi", lambda r: r, body=VECTOR_A_BODY))
    assert request.read() == VECTOR_A_BODY
    assert request.headers["Authorization"] == (
        f'WECHATPAY2-SHA256-RSA2048 mchid="1900007291",nonce_str="{NONCE}",signature="{VECTOR_A_SIGNATURE}",'
        'timestamp="1554208460",serial_no="408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB"'
    )


VECTOR_D_HEADERS = {
    "Wechatpay-Timestamp": "1722850421",
    "Wechatpay-Nonce": "d824f2e086d3c1df967785d13fcd22ef",
    "Wechatpay-Signature": VECTOR_D_SIGNATURE,
    "Wechatpay-Serial": KEY_ID,
    "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
}
VECTOR_D_BODY = b'{"code_url":"weixin://wxpay/bizpayurl?pr=JyC91EIz1"}'


def vector_d_transport(sent: list[httpx.Request], body: bytes = VECTOR_D_BODY) -> httpx.MockTransport:
    """Answers every request with the official response-verification example (Vector D)."""

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, headers=VECTOR_D_HEADERS, content=body)

    return httpx.MockTransport(answer)


def test_vector_d_response_is_accepted_by_the_client() -> None:
    sent: list[httpx.Request] = []
    clock = clock_at(1722850421)
    order = NativeOrder(
        "1217752501201407033233368018", "Image形象店-深圳腾大-QQ公仔", 100, "https://www.weixin.qq.com/wxpay/pay.php"
    )
    with SyncWeChatPayClient(CREDENTIALS, MERCHANT, transport=vector_d_transport(sent), clock=clock) as client:
        assert client.create_native_order(order) == "weixin://wxpay/bizpayurl?pr=JyC91EIz1"
    assert len(sent) == 1


def test_vector_d_response_outside_the_window_or_tampered_is_refused() -> None:
    order = NativeOrder("1217752501201407033233368018", "QQ公仔", 100, "https://www.weixin.qq.com/wxpay/pay.php")
    later = clock_at(1722850421 + 300)
    client = SyncWeChatPayClient(CREDENTIALS, MERCHANT, transport=vector_d_transport([]), clock=later)
    with client, pytest.raises(StaleTimestampError):
        client.create_native_order(order)

    tampered = vector_d_transport([], VECTOR_D_BODY.replace(b"JyC91", b"JyC92"))
    client = SyncWeChatPayClient(CREDENTIALS, MERCHANT, transport=tampered, clock=clock_at(1722850421))
    with client, pytest.raises(SignatureError):
        client.create_native_order(order)


def test_vector_b_through_the_client_query_refund() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(
            404, headers={"Request-ID": "R"}, json={"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"}
        )

    client = SyncWeChatPayClient(
        CREDENTIALS, MERCHANT, transport=httpx.MockTransport(answer), clock=clock_at(1554208460), nonce=lambda: NONCE
    )
    with client, pytest.raises(APIError) as caught:
        client.query_refund("123123123123")
    assert caught.value.code == "RESOURCE_NOT_EXISTS"
    (request,) = sent
    assert request.url.raw_path == b"/v3/refund/domestic/refunds/123123123123"
    assert f'signature="{VECTOR_B_SIGNATURE}"' in request.headers["Authorization"]
