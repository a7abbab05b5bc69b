"""RSA-OAEP (SHA-1) for sensitive fields: round trip, size limit, tampering."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from kiosk.wechatpay import DecryptionError, ValidationError
from kiosk.wechatpay.sensitive import MAX_PLAINTEXT, decrypt_field, encrypt_field

from .helpers import PUBLIC_KEY_ID, rsa_key


def test_round_trip_names_the_key_used() -> None:
    ciphertext, serial = encrypt_field(rsa_key("platform").public_key(), PUBLIC_KEY_ID, "张三")
    assert serial == PUBLIC_KEY_ID and len(base64.b64decode(ciphertext)) == 256
    assert decrypt_field(rsa_key("platform"), ciphertext) == "张三"


def test_uses_oaep_with_sha1_as_the_sdks_do() -> None:
    ciphertext, _ = encrypt_field(rsa_key("platform").public_key(), PUBLIC_KEY_ID, "110101199003077777")
    oaep_sha1 = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    assert rsa_key("platform").decrypt(base64.b64decode(ciphertext), oaep_sha1) == b"110101199003077777"


def test_limits_and_failures() -> None:
    encrypt_field(rsa_key("platform").public_key(), PUBLIC_KEY_ID, "a" * MAX_PLAINTEXT)
    with pytest.raises(ValidationError):
        encrypt_field(rsa_key("platform").public_key(), PUBLIC_KEY_ID, "a" * (MAX_PLAINTEXT + 1))
    ciphertext, _ = encrypt_field(rsa_key("platform").public_key(), PUBLIC_KEY_ID, "张三")
    with pytest.raises(DecryptionError):
        decrypt_field(rsa_key("merchant"), ciphertext)
    with pytest.raises(DecryptionError):
        decrypt_field(rsa_key("platform"), "not base64!")
