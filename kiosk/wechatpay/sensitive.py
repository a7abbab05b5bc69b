"""RSA-OAEP for sensitive fields (names, ID numbers): encrypted to WeChat Pay, decrypted from it.

Not needed by Native payment itself, which carries no encrypted fields. OAEP uses SHA-1 with MGF1-SHA1,
the default of every official SDK; a request carrying such a field must name the key it used in
``Wechatpay-Serial`` (:func:`encrypt_field` returns it alongside the ciphertext).
"""

from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .errors import DecryptionError, ValidationError

#: The largest plaintext RSA-2048 OAEP-SHA1 can take: 256 − 2·20 − 2 bytes.
MAX_PLAINTEXT = 214


def _oaep() -> padding.OAEP:
    return padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)


def encrypt_field(public_key: rsa.RSAPublicKey, serial: str, plaintext: str) -> tuple[str, str]:
    """(Base64 ciphertext, the serial to send in ``Wechatpay-Serial``)."""
    data = plaintext.encode("utf-8")
    if len(data) > MAX_PLAINTEXT:
        raise ValidationError("plaintext", f"at most {MAX_PLAINTEXT} bytes can be encrypted, got {len(data)}")
    return base64.b64encode(public_key.encrypt(data, _oaep())).decode("ascii"), serial


def decrypt_field(private_key: rsa.RSAPrivateKey, ciphertext: str) -> str:
    """Decrypt a field WeChat Pay encrypted with the merchant's certificate key."""
    try:
        return private_key.decrypt(base64.b64decode(ciphertext, validate=True), _oaep()).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DecryptionError("RSA-OAEP decryption failed") from None
