"""Property tests: sign/verify and AEAD round-trip, and no single-byte tampering goes unnoticed."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.wechatpay import (
    CombinedVerifier,
    DecryptionError,
    NotificationParser,
    PublicKeyVerifier,
    SignatureError,
    VerificationError,
    aead,
)
from kiosk.wechatpay.signing import request_message, response_message, sign
from kiosk.wechatpay.verifying import validate, verify_signature

from .helpers import APIV3_KEY, PUBLIC_KEY_ID, FakeClock, encrypted_resource, rsa_key, signed_headers

FAST = settings(max_examples=40, deadline=None)
VERIFIER = CombinedVerifier([PublicKeyVerifier(PUBLIC_KEY_ID, rsa_key("platform").public_key())])


@FAST
@given(
    method=st.sampled_from(["GET", "POST"]),
    path=st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=60),
    timestamp=st.integers(min_value=0, max_value=2**34),
    nonce=st.text(alphabet="0123456789ABCDEF", min_size=32, max_size=32),
    body=st.binary(max_size=300),
)
def test_request_signature_round_trip(method: str, path: str, timestamp: int, nonce: str, body: bytes) -> None:
    key = rsa_key("merchant")
    message = request_message(method, "/" + path, timestamp, nonce, body)
    signature = sign(key, message)
    assert len(signature) == 344
    assert verify_signature(key.public_key(), message, signature)
    assert not verify_signature(key.public_key(), message + b"x", signature)


@FAST
@given(body=st.binary(min_size=1, max_size=200), data=st.data())
def test_any_flipped_byte_of_a_signed_response_fails(body: bytes, data: st.DataObject) -> None:
    clock = FakeClock()
    headers = signed_headers(body, clock=clock)
    validate(headers, body, VERIFIER, now=lambda: clock.now().timestamp())
    index = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    flip = data.draw(st.integers(min_value=1, max_value=255))
    tampered = body[:index] + bytes([body[index] ^ flip]) + body[index + 1 :]
    with pytest.raises(SignatureError):
        validate(headers, tampered, VERIFIER, now=lambda: clock.now().timestamp())


@FAST
@given(data=st.data())
def test_any_tampered_header_of_a_signed_response_fails(data: st.DataObject) -> None:
    clock = FakeClock()
    body = b'{"code_url":"weixin://wxpay/bizpayurl?pr=JyC91EIz1"}'
    headers = signed_headers(body, clock=clock)
    name = data.draw(st.sampled_from(["Wechatpay-Nonce", "Wechatpay-Timestamp", "Wechatpay-Signature"]))
    original = headers[name]
    index = data.draw(st.integers(min_value=0, max_value=len(original) - 1))
    replacement = data.draw(st.sampled_from("0123456789abcdefABCDEF+/"))
    headers[name] = original[:index] + replacement + original[index + 1 :]
    if headers[name] == original:
        return
    with pytest.raises(VerificationError):
        validate(headers, body, VERIFIER, now=lambda: clock.now().timestamp())


NOTIFICATION = json.dumps(
    {
        "id": "EV-2018022511223320873",
        "create_time": "2026-11-29T10:00:01+08:00",
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": encrypted_resource(b'{"out_trade_no":"K1"}', "transaction"),
    },
    ensure_ascii=False,
    separators=(",", ":"),
).encode()


@FAST
@given(index=st.integers(min_value=0, max_value=len(NOTIFICATION) - 1), flip=st.integers(min_value=1, max_value=255))
def test_any_flipped_byte_of_a_signed_notification_fails(index: int, flip: int) -> None:
    clock = FakeClock()
    headers = signed_headers(NOTIFICATION, clock=clock)
    parser = NotificationParser(VERIFIER, APIV3_KEY, clock)
    assert parser.open(headers, NOTIFICATION).plaintext == b'{"out_trade_no":"K1"}'
    tampered = bytearray(NOTIFICATION)
    tampered[index] ^= flip
    with pytest.raises(SignatureError):
        parser.open(headers, bytes(tampered))


@FAST
@given(
    key=st.binary(min_size=32, max_size=32),
    nonce=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=12, max_size=12),
    associated_data=st.text(max_size=40),
    plaintext=st.binary(max_size=300),
)
def test_aead_round_trip(key: bytes, nonce: str, associated_data: str, plaintext: bytes) -> None:
    ciphertext = aead.encrypt(key, nonce, associated_data, plaintext)
    assert aead.decrypt(key, nonce, associated_data, ciphertext) == plaintext


@FAST
@given(plaintext=st.binary(max_size=100), data=st.data())
def test_aead_detects_any_tampered_ciphertext_byte(plaintext: bytes, data: st.DataObject) -> None:
    import base64

    raw = bytearray(base64.b64decode(aead.encrypt(APIV3_KEY, "fdasflkja484", "transaction", plaintext)))
    index = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    raw[index] ^= data.draw(st.integers(min_value=1, max_value=255))
    with pytest.raises(DecryptionError):
        aead.decrypt(APIV3_KEY, "fdasflkja484", "transaction", base64.b64encode(bytes(raw)).decode())


def test_response_message_of_an_empty_204_body() -> None:
    assert response_message(1554208460, "abc", b"") == b"1554208460\nabc\n\n"
