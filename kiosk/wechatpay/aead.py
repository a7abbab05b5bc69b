"""AEAD_AES_256_GCM, used for notification resources and platform certificates."""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import DecryptionError

ALGORITHM = "AEAD_AES_256_GCM"


def decrypt(key: bytes, nonce: str, associated_data: str, ciphertext: str) -> bytes:
    """Decrypt Base64(ciphertext || tag) with the APIv3 key; any tampering raises DecryptionError."""
    try:
        raw = base64.b64decode(ciphertext, validate=True)
        return AESGCM(key).decrypt(nonce.encode(), raw, associated_data.encode() or None)
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise DecryptionError(f"AEAD decryption failed: {type(exc).__name__}") from None


def encrypt(key: bytes, nonce: str, associated_data: str, plaintext: bytes) -> str:
    """The inverse of :func:`decrypt`, as WeChat Pay (and the sandbox) encrypts."""
    raw = AESGCM(key).encrypt(nonce.encode(), plaintext, associated_data.encode() or None)
    return base64.b64encode(raw).decode("ascii")
