"""Notifications: verify the raw bytes first, then decrypt; every failure is precise."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.wechatpay import (
    CertificateVerifier,
    CombinedVerifier,
    DecryptionError,
    NotificationParser,
    PaymentEvent,
    PublicKeyVerifier,
    RefundEvent,
    ResponseFormatError,
    SignatureError,
    StaleTimestampError,
    UnknownSerialError,
    VerificationError,
)
from kiosk.wechatpay.signing import response_message, sign

from .helpers import APIV3_KEY, PUBLIC_KEY_ID, FakeClock, encrypted_resource, rsa_key, signed_headers

VECTORS = Path(__file__).parent / "vectors"

# wechatpay-go core/notify/notify_test.go: a full signed notification (PAYSCORE event, 16-byte key).
GO_HEADERS = {
    "Content-Type": "application/json",
    "Wechatpay-Nonce": "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz",
    "Wechatpay-Timestamp": "1624523846",
    "Wechatpay-Serial": "D7CE59D1F522D701",
    "Wechatpay-Signature": (
        "tJHIiIS9eB2hAYstmAmbbD3ZE5LiIm/Ug5tuL4fC0YOFRWIHV39UFIZXC0e9Wl6lBu6sKvkqDkzpqzBsVHyXFlbYZTOQrVdG4b6LfTnK4mik"
        "v9++ixJMd3vTf2yCqvBkh98zs3Ds5zsYQakzbcwhmw4fMJs4nPLws28H0UW9FjDR//rxELLwXvV1VEA1IBLX70xptjL8hrfUjEE8kkry6yNJ"
        "THZRU8CAc7qHli2Ng1V1qb9ARbK8A3ThmFmPQvRGrapI/jS2laKKgYUmfdEdkNO6B2Cke5e8VTxY406ArAmQ90GAihDwIcb16TQMnzCMBout"
        "nwZKNiKRACrFmtxw2Q=="
    ),
}
GO_BODY = (
    '{"id":"3119dfba-e649-5eec-ab1e-3412bc4d2e17","create_time":"2021-06-24T16:37:26+08:00",'
    '"resource_type":"encrypt-resource","event_type":"PAYSCORE.USER_OPEN_SERVICE","summary":"签约成功",'
    '"resource":{"original_type":"payscore","algorithm":"AEAD_AES_256_GCM","ciphertext":"YDS3lKPaC4Y52Gf3uhft5qUBlIa8b'
    "428AWTtTauHQfQrRw+X1WpiuHIDy0vo1Vd6VEq67aVyqPdDYMkRVSDaZL3iZttevRMOoPKMifozg6XPWjIZumks/GpT48lI4NizyeaqLBokNebth"
    'ah3o1H76qSlO9NkDjp9bzmKLEYYH9TEklFUpsvPqOTOcgSLgh21YJXYR7dEBXFgRLiNIKRgO5JdXh1hccRUAlyVWxE54PXpnQ==",'
    '"associated_data":"payscore","nonce":"Kj7QIyUiYx1q"}}'
).encode()
GO_PLAINTEXT = (
    b'{"mchid":"1234567890","appid":"054aa7d7a2a54ab5898df65bd96f001c","create_time":"2020-06-30T12:12:00+08:00",'
    b'"out_contract_code":"21640bdbd08e473e828f3206a2741c6e"}'
)


def go_parser(timestamp: float) -> NotificationParser:
    certificate = x509.load_pem_x509_certificate((VECTORS / "go_notify_cert.pem").read_bytes())
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    clock = FakeClock()
    clock.current = clock.current.fromtimestamp(timestamp, clock.current.tzinfo)
    return NotificationParser(CertificateVerifier({"D7CE59D1F522D701": key}), b"testMchAPIv3Key0", clock)


def test_wechatpay_go_notification_verifies_and_decrypts() -> None:
    note = go_parser(1624523846).open(GO_HEADERS, GO_BODY)
    assert note.plaintext == GO_PLAINTEXT
    assert (note.id, note.event_type, note.summary) == (
        "3119dfba-e649-5eec-ab1e-3412bc4d2e17",
        "PAYSCORE.USER_OPEN_SERVICE",
        "签约成功",
    )
    assert note.original_type == "payscore" and note.serial == "D7CE59D1F522D701"
    assert note.create_time.isoformat() == "2021-06-24T16:37:26+08:00"


def test_wechatpay_go_notification_is_not_a_payment_or_refund_event() -> None:
    with pytest.raises(ResponseFormatError, match=r"PAYSCORE\.USER_OPEN_SERVICE"):
        go_parser(1624523846).parse(GO_HEADERS, GO_BODY)


def test_wechatpay_go_notification_is_stale_five_minutes_later() -> None:
    go_parser(1624523846 + 299).open(GO_HEADERS, GO_BODY)
    with pytest.raises(StaleTimestampError):
        go_parser(1624523846 + 300).open(GO_HEADERS, GO_BODY)
    with pytest.raises(StaleTimestampError):
        go_parser(1624523846 - 300).open(GO_HEADERS, GO_BODY)


def test_wechatpay_go_notification_headers_are_case_insensitive() -> None:
    shouty = {key.upper(): value for key, value in GO_HEADERS.items()}
    weird = {key.replace("Timestamp", "TimeStamp"): value for key, value in GO_HEADERS.items()}
    parser = go_parser(1624523846)
    assert parser.open(shouty, GO_BODY).plaintext == GO_PLAINTEXT
    assert parser.open(weird, GO_BODY).plaintext == GO_PLAINTEXT


def test_reserialised_body_fails_verification() -> None:
    reserialised = json.dumps(json.loads(GO_BODY)).encode()  # ", " separators and \\u escapes
    with pytest.raises(SignatureError):
        go_parser(1624523846).open(GO_HEADERS, reserialised)


PAID: dict[str, object] = {
    "mchid": "1900007291",
    "appid": "wxd678efh567hg6787",
    "out_trade_no": "K20261129-0001",
    "transaction_id": "4200000263201902167700134212",
    "trade_type": "NATIVE",
    "trade_state": "SUCCESS",
    "trade_state_desc": "支付成功",
    "bank_type": "OTHERS",
    "attach": "桌号 7",
    "success_time": "2026-11-29T10:00:00+08:00",
    "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
    "amount": {"total": 100, "payer_total": 100, "currency": "CNY", "payer_currency": "CNY"},
}
REFUNDED: dict[str, object] = {
    "mchid": "1900007291",
    "out_trade_no": "K20261129-0001",
    "transaction_id": "4200000263201902167700134212",
    "out_refund_no": "R-1",
    "refund_id": "50000000382019052709732678859",
    "refund_status": "SUCCESS",
    "success_time": "2026-11-29T10:10:00+08:00",
    "user_received_account": "支付用户零钱",
    "amount": {"total": 100, "refund": 40, "payer_total": 100, "payer_refund": 40},
}


def notification(event_type: str, resource: dict[str, object], associated_data: str) -> bytes:
    plaintext = json.dumps(resource, ensure_ascii=False).encode()
    return json.dumps(
        {
            "id": "EV-2018022511223320873",
            "create_time": "2026-11-29T10:00:01+08:00",
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功",
            "resource": encrypted_resource(plaintext, associated_data),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def parser(clock: FakeClock) -> NotificationParser:
    verifier = CombinedVerifier([PublicKeyVerifier(PUBLIC_KEY_ID, rsa_key("platform").public_key())])
    return NotificationParser(verifier, APIV3_KEY, clock)


def test_payment_notification_becomes_a_payment_event() -> None:
    clock = FakeClock()
    body = notification("TRANSACTION.SUCCESS", PAID, "transaction")
    event = parser(clock).parse(signed_headers(body, clock=clock), body)
    assert isinstance(event, PaymentEvent)
    assert event.id == "EV-2018022511223320873" and event.event_type == "TRANSACTION.SUCCESS"
    transaction = event.transaction
    assert transaction.out_trade_no == "K20261129-0001" and transaction.paid
    assert transaction.total_fen == 100 and transaction.payer_openid == "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
    assert transaction.attach == "桌号 7" and transaction.raw == PAID


def test_refund_notification_becomes_a_refund_event() -> None:
    clock = FakeClock()
    body = notification("REFUND.SUCCESS", REFUNDED, "refund")
    event = parser(clock).parse(signed_headers(body, clock=clock), body)
    assert isinstance(event, RefundEvent)
    assert event.refund.out_refund_no == "R-1" and event.refund.refund_fen == 40
    assert event.refund.refund_status == "SUCCESS" and event.refund.user_received_account == "支付用户零钱"


def test_signature_probe_is_rejected() -> None:
    clock = FakeClock()
    body = notification("TRANSACTION.SUCCESS", PAID, "transaction")
    probe = "WECHATPAY/SIGNTEST/" + base64.b64encode(b"x" * 240).decode()
    with pytest.raises(SignatureError):
        parser(clock).parse(signed_headers(body, clock=clock, signature=probe), body)


def test_unknown_serial_and_missing_headers_are_rejected() -> None:
    clock = FakeClock()
    body = notification("TRANSACTION.SUCCESS", PAID, "transaction")
    with pytest.raises(UnknownSerialError):
        parser(clock).parse(signed_headers(body, clock=clock, serial="PUB_KEY_ID_0000000000000000000000000001"), body)
    headers = signed_headers(body, clock=clock)
    del headers["Wechatpay-Signature"]
    with pytest.raises(VerificationError, match="wechatpay-signature"):
        parser(clock).parse(headers, body)


def test_wrong_apiv3_key_or_associated_data_fails_decryption_after_verification() -> None:
    clock = FakeClock()
    body = notification("TRANSACTION.SUCCESS", PAID, "transaction")
    data = json.loads(body)
    data["resource"]["associated_data"] = "refund"
    tampered_aad = json.dumps(data, ensure_ascii=False).encode()
    with pytest.raises(DecryptionError):
        parser(clock).parse(signed_headers(tampered_aad, clock=clock), tampered_aad)
    wrong_key = NotificationParser(parser(clock)._verifier, b"Z" * 32, clock)
    with pytest.raises(DecryptionError):
        wrong_key.parse(signed_headers(body, clock=clock), body)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"resource_type": "plain-resource"}, "resource_type"),
        ({"algorithm": "AEAD_SM4_GCM"}, "algorithm"),
    ],
)
def test_unknown_resource_type_or_algorithm_is_rejected_loudly(change: dict[str, str], message: str) -> None:
    clock = FakeClock()
    data = json.loads(notification("TRANSACTION.SUCCESS", PAID, "transaction"))
    if "algorithm" in change:
        data["resource"].update(change)
    else:
        data.update(change)
    body = json.dumps(data).encode()
    with pytest.raises(ResponseFormatError, match=message):
        parser(clock).parse(signed_headers(body, clock=clock), body)


def test_signed_with_another_key_fails() -> None:
    clock = FakeClock()
    body = notification("TRANSACTION.SUCCESS", PAID, "transaction")
    timestamp = int(clock.now().timestamp())
    forged = sign(rsa_key("merchant"), response_message(timestamp, "d824f2e086d3c1df967785d13fcd22ef", body))
    with pytest.raises(SignatureError):
        parser(clock).parse(signed_headers(body, clock=clock, signature=forged), body)
