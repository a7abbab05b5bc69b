"""Verifying WeChat Pay's signatures on responses and notifications.

Split as wechatpay-go does: a *verifier* checks one signature for one serial; the *validator* pulls the
``Wechatpay-*`` headers, checks the time window and rebuilds the message.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .errors import SignatureError, StaleTimestampError, UnknownSerialError, VerificationError
from .signing import SCHEME, normalize_serial, response_message

#: WeChat Pay's recommended limit for clock difference, in seconds.
TIMESTAMP_WINDOW = 300


def verify_signature(public_key: rsa.RSAPublicKey, message: bytes, signature: str) -> bool:
    """True when ``signature`` (Base64) is a valid SHA256withRSA signature of ``message``."""
    try:
        raw = base64.b64decode(signature, validate=True)
        public_key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


class Verifier(Protocol):
    def knows(self, serial: str) -> bool:
        """Whether a key is known for this serial or public key id."""
        ...

    def verify(self, serial: str, message: bytes, signature: str) -> None:
        """Raise a VerificationError unless ``signature`` is valid for ``serial``."""
        ...


class PublicKeyVerifier:
    """The WeChat Pay public key (``PUB_KEY_ID_…``), a static key from the merchant portal."""

    def __init__(self, key_id: str, public_key: rsa.RSAPublicKey) -> None:
        self.key_id = key_id
        self.public_key = public_key

    def knows(self, serial: str) -> bool:
        return serial == self.key_id

    def verify(self, serial: str, message: bytes, signature: str) -> None:
        if not self.knows(serial):
            raise UnknownSerialError(serial)
        if not verify_signature(self.public_key, message, signature):
            raise SignatureError("signature does not match the WeChat Pay public key")


class CertificateVerifier:
    """Platform certificates keyed by serial; the set can be replaced when certificates rotate."""

    def __init__(self, keys: Mapping[str, rsa.RSAPublicKey] | None = None) -> None:
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        self.replace(keys or {})

    def replace(self, keys: Mapping[str, rsa.RSAPublicKey]) -> None:
        self._keys = {normalize_serial(serial): key for serial, key in keys.items()}

    def serials(self) -> list[str]:
        return list(self._keys)

    def knows(self, serial: str) -> bool:
        return not serial.startswith("PUB_KEY_ID_") and normalize_serial(serial) in self._keys

    def verify(self, serial: str, message: bytes, signature: str) -> None:
        key = self._keys.get(normalize_serial(serial)) if self.knows(serial) else None
        if key is None:
            raise UnknownSerialError(serial)
        if not verify_signature(key, message, signature):
            raise SignatureError("signature does not match the platform certificate")


class CombinedVerifier:
    """Routes on the serial so that both forms work during a migration to the public key."""

    def __init__(self, verifiers: Iterable[Verifier]) -> None:
        self.verifiers = list(verifiers)

    def knows(self, serial: str) -> bool:
        return any(v.knows(serial) for v in self.verifiers)

    def verify(self, serial: str, message: bytes, signature: str) -> None:
        for verifier in self.verifiers:
            if verifier.knows(serial):
                verifier.verify(serial, message, signature)
                return
        raise UnknownSerialError(serial)


@dataclass(frozen=True)
class SignedHeaders:
    timestamp: int
    nonce: str
    signature: str
    serial: str

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> SignedHeaders:
        """Read the ``Wechatpay-*`` headers (case-insensitively) or raise VerificationError."""
        lower = {k.lower(): v for k, v in headers.items()}
        missing = [
            name
            for name in ("wechatpay-timestamp", "wechatpay-nonce", "wechatpay-signature", "wechatpay-serial")
            if not lower.get(name)
        ]
        if missing:
            raise VerificationError(f"missing header(s): {', '.join(missing)}")
        signature_type = lower.get("wechatpay-signature-type", SCHEME)
        if signature_type != SCHEME:
            raise VerificationError(f"unsupported signature type {signature_type!r}")
        stamp = lower["wechatpay-timestamp"].strip()
        if not stamp.isdigit():
            raise VerificationError("Wechatpay-Timestamp is not a number")
        return cls(int(stamp), lower["wechatpay-nonce"], lower["wechatpay-signature"], lower["wechatpay-serial"])


def validate(
    headers: Mapping[str, str],
    body: bytes,
    verifier: Verifier,
    *,
    now: Callable[[], float],
    window: int = TIMESTAMP_WINDOW,
) -> SignedHeaders:
    """Authenticate a response or notification from its headers and *raw* body.

    Order matters: the timestamp window is checked before the signature, and a signature probe
    (``WECHATPAY/SIGNTEST/…``) fails like any other bad signature.
    """
    signed = SignedHeaders.from_headers(headers)
    if abs(now() - signed.timestamp) >= window:
        raise StaleTimestampError(f"Wechatpay-Timestamp {signed.timestamp} is more than {window}s off")
    verifier.verify(signed.serial, response_message(signed.timestamp, signed.nonce, body), signed.signature)
    return signed
