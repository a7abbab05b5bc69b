"""Who we are to WeChat Pay: the merchant identity and the key material, validated at start-up."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TypeAlias

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

from .errors import ConfigurationError
from .signing import Signer, normalize_serial

APIV3_KEY_BYTES = 32
RSA_KEY_BITS = 2048
_PUBLIC_KEY_ID = re.compile(r"PUB_KEY_ID_[0-9A-Za-z]+")
_SERIAL = re.compile(r"[0-9A-Fa-f]{1,64}")
_MCHID = re.compile(r"[0-9A-Za-z_\-]{1,32}")
_APPID = re.compile(r"[0-9A-Za-z_\-]{1,32}")


@dataclass(frozen=True)
class DirectMerchant:
    """A merchant that takes payments for itself (直连商户)."""

    mchid: str
    appid: str

    def __post_init__(self) -> None:
        _check_id("mchid", self.mchid, _MCHID)
        _check_id("appid", self.appid, _APPID)

    @property
    def signing_mchid(self) -> str:
        return self.mchid


@dataclass(frozen=True)
class PartnerMerchant:
    """A service provider acting for one sub-merchant (服务商模式)."""

    sp_mchid: str
    sp_appid: str
    sub_mchid: str
    sub_appid: str | None = None

    def __post_init__(self) -> None:
        _check_id("sp_mchid", self.sp_mchid, _MCHID)
        _check_id("sp_appid", self.sp_appid, _APPID)
        _check_id("sub_mchid", self.sub_mchid, _MCHID)
        if self.sub_appid is not None:
            _check_id("sub_appid", self.sub_appid, _APPID)

    @property
    def signing_mchid(self) -> str:
        return self.sp_mchid


Merchant: TypeAlias = DirectMerchant | PartnerMerchant


def _check_id(name: str, value: object, pattern: re.Pattern[str]) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ConfigurationError(name, f"{value!r} is not a valid WeChat Pay identifier")


@dataclass(frozen=True, repr=False)
class Credentials:
    """The signing merchant's key material and the WeChat Pay verification material.

    ``mchid`` is the merchant that signs requests: the service provider (sp_mchid) in partner mode.
    Verification uses the WeChat Pay public key (``public_key_id`` + ``public_key``), platform
    certificates downloaded from ``/v3/certificates`` (``platform_certificates=True``), or both during a
    migration. Secrets never appear in ``repr``.
    """

    mchid: str
    private_key: rsa.RSAPrivateKey = field(compare=False)
    cert_serial: str
    apiv3_key: bytes = field(compare=False)
    public_key_id: str | None = None
    public_key: rsa.RSAPublicKey | None = field(default=None, compare=False)
    platform_certificates: bool = False

    def __post_init__(self) -> None:
        _check_id("mchid", self.mchid, _MCHID)
        if not isinstance(self.private_key, rsa.RSAPrivateKey) or self.private_key.key_size != RSA_KEY_BITS:
            raise ConfigurationError("private_key", "must be an RSA-2048 private key")
        if not _SERIAL.fullmatch(self.cert_serial):
            raise ConfigurationError("cert_serial", "must be the hexadecimal serial of the merchant API certificate")
        object.__setattr__(self, "cert_serial", self.cert_serial.upper())
        if not isinstance(self.apiv3_key, bytes) or len(self.apiv3_key) != APIV3_KEY_BYTES:
            raise ConfigurationError("apiv3_key", f"must be exactly {APIV3_KEY_BYTES} bytes")
        if (self.public_key_id is None) != (self.public_key is None):
            raise ConfigurationError("public_key_id", "the WeChat Pay public key and its id go together")
        if self.public_key_id is not None and not _PUBLIC_KEY_ID.fullmatch(self.public_key_id):
            raise ConfigurationError("public_key_id", "must look like PUB_KEY_ID_…")
        if self.public_key is not None and (
            not isinstance(self.public_key, rsa.RSAPublicKey) or self.public_key.key_size != RSA_KEY_BITS
        ):
            raise ConfigurationError("public_key", "must be an RSA-2048 public key")
        if self.public_key is None and not self.platform_certificates:
            raise ConfigurationError(
                "public_key_path",
                "no way to verify WeChat Pay: configure the WeChat Pay public key or platform certificates",
            )

    def __repr__(self) -> str:
        return (
            f"Credentials(mchid={self.mchid!r}, cert_serial={self.cert_serial!r}, "
            f"public_key_id={self.public_key_id!r}, platform_certificates={self.platform_certificates!r})"
        )

    def signer(self) -> Signer:
        return Signer(self.mchid, self.cert_serial, self.private_key)

    @classmethod
    def load(
        cls,
        *,
        mchid: str,
        private_key_path: str | os.PathLike[str],
        cert_serial: str,
        apiv3_key: str,
        public_key_path: str | os.PathLike[str] | None = None,
        public_key_id: str | None = None,
        platform_certificates: bool = False,
        cert_path: str | os.PathLike[str] | None = None,
    ) -> Credentials:
        """Read and check everything now, so that a bad file fails at start-up and never mid-sale."""
        private_key = _load_private_key(private_key_path)
        if not isinstance(apiv3_key, str) or not apiv3_key.isascii():
            raise ConfigurationError("apiv3_key", "must be the 32-character ASCII APIv3 key")
        key_bytes = apiv3_key.encode("ascii")
        if len(key_bytes) != APIV3_KEY_BYTES:
            raise ConfigurationError("apiv3_key", f"must be exactly {APIV3_KEY_BYTES} bytes, got {len(key_bytes)}")
        public_key = None
        if public_key_path is not None:
            if public_key_id is None:
                raise ConfigurationError("public_key_id", "required with public_key_path")
            public_key = _load_public_key(public_key_path)
        elif public_key_id is not None:
            raise ConfigurationError("public_key_path", "required with public_key_id")
        if cert_path is not None:
            _check_merchant_certificate(cert_path, cert_serial, private_key)
        return cls(
            mchid=mchid,
            private_key=private_key,
            cert_serial=cert_serial,
            apiv3_key=key_bytes,
            public_key_id=public_key_id,
            public_key=public_key,
            platform_certificates=platform_certificates,
        )


def _read(setting: str, path: str | os.PathLike[str]) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise ConfigurationError(setting, f"cannot read {os.fspath(path)!r}: {exc.strerror}") from None


def _load_private_key(path: str | os.PathLike[str]) -> rsa.RSAPrivateKey:
    data = _read("private_key_path", path)
    try:
        key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise ConfigurationError(
            "private_key_path", f"{os.fspath(path)!r} is not an unencrypted PEM private key (apiclient_key.pem)"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size != RSA_KEY_BITS:
        raise ConfigurationError("private_key_path", f"{os.fspath(path)!r} is not an RSA-2048 private key")
    return key


def _load_public_key(path: str | os.PathLike[str]) -> rsa.RSAPublicKey:
    data = _read("public_key_path", path)
    try:
        key = load_pem_public_key(data)
    except (ValueError, TypeError):
        raise ConfigurationError(
            "public_key_path", f"{os.fspath(path)!r} is not a PEM public key (pub_key.pem)"
        ) from None
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size != RSA_KEY_BITS:
        raise ConfigurationError("public_key_path", f"{os.fspath(path)!r} is not an RSA-2048 public key")
    return key


def _check_merchant_certificate(path: str | os.PathLike[str], cert_serial: str, private_key: rsa.RSAPrivateKey) -> None:
    data = _read("cert_path", path)
    try:
        certificate = x509.load_pem_x509_certificate(data)
    except ValueError:
        raise ConfigurationError("cert_path", f"{os.fspath(path)!r} is not a PEM certificate") from None
    actual = format(certificate.serial_number, "X")
    if not _SERIAL.fullmatch(cert_serial) or normalize_serial(actual) != normalize_serial(cert_serial):
        raise ConfigurationError("cert_serial", f"does not match the serial {actual} of {os.fspath(path)!r}")
    public = certificate.public_key()
    if not isinstance(public, rsa.RSAPublicKey) or public.public_numbers() != private_key.public_key().public_numbers():
        raise ConfigurationError("private_key_path", f"the private key does not belong to {os.fspath(path)!r}")
