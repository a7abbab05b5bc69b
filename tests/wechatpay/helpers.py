"""Test identities and fakes for the WeChat Pay tests: keys, certificates, clocks, nonces, signed answers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from cryptography.x509.oid import NameOID

from kiosk.clock import CHINA_TZ
from kiosk.wechatpay import Credentials, DirectMerchant, PartnerMerchant, aead
from kiosk.wechatpay.signing import response_message, sign

START = datetime(2026, 11, 29, 10, 0, 0, tzinfo=CHINA_TZ)
APIV3_KEY = b"0123456789abcdefABCDEFGHIJKLMNOP"
PUBLIC_KEY_ID = "PUB_KEY_ID_0114232134912410000000000000"
MCHID = "1900007291"
DIRECT = DirectMerchant(mchid=MCHID, appid="wxd678efh567hg6787")
PARTNER = PartnerMerchant(sp_mchid=MCHID, sp_appid="wx8888888888888888", sub_mchid="1900000109")


@dataclass
class FakeClock:
    """A clock tests move by hand."""

    current: datetime = START

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@dataclass
class CountingNonce:
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def __call__(self) -> str:
        return f"NONCE{next(self.counter):027d}"


@cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """One 2048-bit key per name per test session (generation is the slow part)."""
    del name
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def certificate(key: rsa.RSAPrivateKey, serial: int, *, days: int = 3650, start: datetime = START) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com sign")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(start - timedelta(days=1))
        .not_valid_after(start + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


MERCHANT_SERIAL = "408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB"


def credentials(*, public_key: bool = True, platform_certificates: bool = False) -> Credentials:
    return Credentials(
        mchid=MCHID,
        private_key=rsa_key("merchant"),
        cert_serial=MERCHANT_SERIAL,
        apiv3_key=APIV3_KEY,
        public_key_id=PUBLIC_KEY_ID if public_key else None,
        public_key=rsa_key("platform").public_key() if public_key else None,
        platform_certificates=platform_certificates,
    )


def signed_headers(
    body: bytes,
    *,
    clock: FakeClock,
    key: rsa.RSAPrivateKey | None = None,
    serial: str = PUBLIC_KEY_ID,
    nonce: str = "d824f2e086d3c1df967785d13fcd22ef",
    signature: str | None = None,
) -> dict[str, str]:
    """The headers WeChat Pay puts on a signed answer or notification."""
    timestamp = int(clock.now().timestamp())
    if signature is None:
        signature = sign(key or rsa_key("platform"), response_message(timestamp, nonce, body))
    return {
        "Wechatpay-Timestamp": str(timestamp),
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": signature,
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        "Request-ID": "08F5B8C2B506102C18FDDFEEA30620BE821E28EDC405-0",
    }


def encrypted_resource(plaintext: bytes, associated_data: str, *, key: bytes = APIV3_KEY) -> dict[str, str]:
    nonce = "fdasflkja484"
    return {
        "original_type": associated_data,
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": aead.encrypt(key, nonce, associated_data, plaintext),
        "associated_data": associated_data,
        "nonce": nonce,
    }
