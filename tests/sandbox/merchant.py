"""A deliberately independent APIv3 merchant for the sandbox tests.

Written from the protocol reference with ``cryptography`` only: it shares no code with the sandbox or
``kiosk.wechatpay``, so a mistake in those signing helpers cannot hide itself by agreeing with itself.
"""

from __future__ import annotations

import base64
import functools
import json
import secrets
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


@functools.cache
def _tls() -> ssl.SSLContext:
    # One CA bundle load for the whole session: building it per client costs ~0.2 s.
    return ssl.create_default_context()


def load_private_key(path: str | Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def load_public_key(path: str | Path) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(Path(path).read_bytes())
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def cert_public_key(pem: bytes) -> rsa.RSAPublicKey:
    key = x509.load_pem_x509_certificate(pem).public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def rsa_sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verifies(key: rsa.RSAPublicKey, message: bytes, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature), message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def aead_decrypt(key: str, nonce: str, aad: str, ciphertext: str) -> bytes:
    return AESGCM(key.encode()).decrypt(nonce.encode(), base64.b64decode(ciphertext), aad.encode())


def compact(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class Merchant:
    """Signs requests as ``mchid`` with the sandbox merchant key (overridable to test rejections)."""

    base_url: str
    info: dict[str, Any]
    mchid: str = ""
    key: rsa.RSAPrivateKey | None = None
    serial: str = ""
    wechatpay_serial: str | None = None
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10, verify=_tls()))

    def __post_init__(self) -> None:
        self.mchid = self.mchid or self.info["mchid"]
        self.key = self.key or load_private_key(self.info["merchant_private_key"])
        self.serial = self.serial or self.info["merchant_cert_serial"]

    def __enter__(self) -> Merchant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def authorization(self, method: str, url: str, body: bytes, *, timestamp: int | None = None) -> str:
        assert self.key is not None
        ts = int(time.time()) if timestamp is None else timestamp
        nonce = secrets.token_hex(16).upper()
        message = f"{method}\n{url}\n{ts}\n{nonce}\n".encode() + body + b"\n"
        signature = rsa_sign(self.key, message)
        # The Go SDK's key order, not the one the sandbox's own helper writes.
        return (
            f'WECHATPAY2-SHA256-RSA2048 mchid="{self.mchid}",nonce_str="{nonce}",timestamp="{ts}",'
            f'serial_no="{self.serial}",signature="{signature}"'
        )

    def request(
        self,
        method: str,
        url: str,
        payload: Any = None,
        *,
        body: bytes | None = None,
        timestamp: int | None = None,
        sign_url: str | None = None,
        sign_body: bytes | None = None,
        user_agent: str | None = "kiosk-tests/1.0",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """``url`` is path?query exactly as it goes on the wire (or an absolute URL under the sandbox)."""
        if body is None:
            body = b"" if payload is None else compact(payload)
        path = url.removeprefix(self.base_url)
        all_headers = {
            "Accept": "application/json",
            "Authorization": self.authorization(
                method, sign_url or path, body if sign_body is None else sign_body, timestamp=timestamp
            ),
        }
        if body:
            all_headers["Content-Type"] = "application/json"
        if user_agent is not None:
            all_headers["User-Agent"] = user_agent
        if self.wechatpay_serial:
            all_headers["Wechatpay-Serial"] = self.wechatpay_serial
        all_headers.update(headers or {})
        request = self.client.build_request(method, self.base_url + path, content=body, headers=all_headers)
        if user_agent is None:
            del request.headers["User-Agent"]
        return self.client.send(request)

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, payload: Any = None, **kw: Any) -> httpx.Response:
        return self.request("POST", url, payload, **kw)


def verify_signed(response_or_headers: Any, body: bytes, info: dict[str, Any], *, window: int = 300) -> str:
    """Verify Wechatpay-* headers over ``body`` independently; returns which key verified ("public_key"/"cert")."""
    headers = {k.lower(): v for k, v in dict(response_or_headers).items()}
    assert headers["wechatpay-signature-type"] == "WECHATPAY2-SHA256-RSA2048"
    ts, nonce, serial = headers["wechatpay-timestamp"], headers["wechatpay-nonce"], headers["wechatpay-serial"]
    assert abs(int(time.time()) - int(ts)) < window
    message = f"{ts}\n{nonce}\n".encode() + body + b"\n"
    if serial == info["platform_public_key_id"]:
        key, which = load_public_key(info["platform_public_key"]), "public_key"
    else:
        assert serial.lstrip("0").upper() == info["platform_cert_serial"].lstrip("0").upper(), serial
        key, which = cert_public_key(Path(info["platform_cert"]).read_bytes()), "cert"
    assert rsa_verifies(key, message, headers["wechatpay-signature"]), "response signature does not verify"
    return which


def order_body(info: dict[str, Any], out_trade_no: str, *, total: int = 1, partner: bool = False, **extra: Any) -> Any:
    ids: dict[str, Any]
    if partner:
        ids = {"sp_appid": info["sp_appid"], "sp_mchid": info["sp_mchid"], "sub_mchid": info["sub_mchid"]}
    else:
        ids = {"appid": info["appid"], "mchid": info["mchid"]}
    return {
        **ids,
        "description": "可乐 Cola",
        "out_trade_no": out_trade_no,
        # Loopback discard port: refused at once, and tests never post to the internet.
        "notify_url": "http://127.0.0.1:9/notify",
        "amount": {"total": total, "currency": "CNY"},
        **extra,
    }


def new_out_trade_no() -> str:
    return "T" + secrets.token_hex(10)
