"""Request signing: the message, the SHA256withRSA signature and the Authorization header."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SCHEME = "WECHATPAY2-SHA256-RSA2048"


def request_message(method: str, canonical_url: str, timestamp: int, nonce: str, body: bytes) -> bytes:
    """The five-line message a merchant signs: method, path?query, timestamp, nonce, body."""
    head = f"{method.upper()}\n{canonical_url}\n{timestamp}\n{nonce}\n".encode()
    return head + body + b"\n"


def response_message(timestamp: int | str, nonce: str, body: bytes) -> bytes:
    """The three-line message WeChat Pay signs for responses and notifications."""
    return f"{timestamp}\n{nonce}\n".encode() + body + b"\n"


def sign(private_key: rsa.RSAPrivateKey, message: bytes) -> str:
    """SHA256withRSA (PKCS#1 v1.5), standard Base64 with padding."""
    raw = private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True)
class Authorization:
    mchid: str
    serial_no: str
    timestamp: int
    nonce_str: str
    signature: str

    def header(self) -> str:
        return (
            f'{SCHEME} mchid="{self.mchid}",nonce_str="{self.nonce_str}",'
            f'signature="{self.signature}",timestamp="{self.timestamp}",serial_no="{self.serial_no}"'
        )


class AuthorizationFormatError(ValueError):
    """The Authorization header cannot be parsed."""


_PAIR = re.compile(r'\s*([a-z_]+)="([^"]*)"\s*')
_KEYS = frozenset({"mchid", "nonce_str", "signature", "timestamp", "serial_no"})


def parse_authorization(header: str) -> Authorization:
    """Parse an Authorization header; the key order is free, as the SDKs differ."""
    scheme, _, params = header.partition(" ")
    if scheme != SCHEME:
        raise AuthorizationFormatError("wrong authorization scheme")
    values: dict[str, str] = {}
    for part in params.split(","):
        match = _PAIR.fullmatch(part)
        if match is None or match.group(1) in values:
            raise AuthorizationFormatError("malformed authorization parameters")
        values[match.group(1)] = match.group(2)
    if set(values) != _KEYS:
        raise AuthorizationFormatError("authorization parameters missing or unknown")
    if not values["timestamp"].isdigit():
        raise AuthorizationFormatError("timestamp is not a number")
    return Authorization(
        mchid=values["mchid"],
        serial_no=values["serial_no"],
        timestamp=int(values["timestamp"]),
        nonce_str=values["nonce_str"],
        signature=values["signature"],
    )


@dataclass(frozen=True)
class Signer:
    """Signs requests as one merchant (the service provider in partner mode)."""

    mchid: str
    serial_no: str
    private_key: rsa.RSAPrivateKey

    def authorization(
        self, method: str, canonical_url: str, body: bytes, *, timestamp: int, nonce: str
    ) -> Authorization:
        message = request_message(method, canonical_url, timestamp, nonce, body)
        return Authorization(self.mchid, self.serial_no, timestamp, nonce, sign(self.private_key, message))


def normalize_serial(serial: str) -> str:
    """Serials compare case-insensitively and without leading zeros (Java drops them)."""
    return serial.strip().upper().lstrip("0") or "0"
