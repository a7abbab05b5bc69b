"""Platform certificates (``GET /v3/certificates``), decrypted with the APIv3 key."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from . import aead
from ._fields import obj, req_str, req_time
from .core import Operation, Response
from .errors import ResponseFormatError
from .signing import normalize_serial
from .verifying import CertificateVerifier

CERTIFICATES_PATH = "/v3/certificates"


@dataclass(frozen=True)
class PlatformCertificate:
    serial_no: str
    effective_time: datetime
    expire_time: datetime
    certificate: x509.Certificate

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        key = self.certificate.public_key()
        assert isinstance(key, rsa.RSAPublicKey)  # checked when the certificate was decoded
        return key


def decode_certificates(response: Response, apiv3_key: bytes) -> list[PlatformCertificate]:
    """Decrypt every certificate; the serial in the listing must be the certificate's own."""
    data = response.json().get("data")
    if not isinstance(data, list):
        raise ResponseFormatError("certificates response has no data list")
    result: list[PlatformCertificate] = []
    for item in data:
        if not isinstance(item, dict):
            raise ResponseFormatError("certificate entry is not an object")
        encrypted = obj(item, "encrypt_certificate")
        algorithm = req_str(encrypted, "algorithm")
        if algorithm != aead.ALGORITHM:
            raise ResponseFormatError(f"unsupported certificate encryption {algorithm!r}")
        pem = aead.decrypt(
            apiv3_key,
            req_str(encrypted, "nonce"),
            str(encrypted.get("associated_data") or ""),
            req_str(encrypted, "ciphertext"),
        )
        try:
            certificate = x509.load_pem_x509_certificate(pem)
        except ValueError:
            raise ResponseFormatError("decrypted platform certificate is not a PEM certificate") from None
        if not isinstance(certificate.public_key(), rsa.RSAPublicKey):
            raise ResponseFormatError("platform certificate does not hold an RSA key")
        serial = req_str(item, "serial_no")
        if normalize_serial(serial) != normalize_serial(format(certificate.serial_number, "X")):
            raise ResponseFormatError(f"certificate listed as {serial} has another serial")
        result.append(
            PlatformCertificate(
                serial_no=serial.upper(),
                effective_time=req_time(item, "effective_time"),
                expire_time=req_time(item, "expire_time"),
                certificate=certificate,
            )
        )
    return result


def verifier_for(certificates: Iterable[PlatformCertificate]) -> CertificateVerifier:
    return CertificateVerifier({c.serial_no: c.public_key for c in certificates})


def newest(certificates: Iterable[PlatformCertificate], now: datetime) -> PlatformCertificate | None:
    """The certificate to name in ``Wechatpay-Serial``: the newest one already in force."""
    usable = [c for c in certificates if c.effective_time <= now < c.expire_time]
    return max(usable, key=lambda c: c.effective_time, default=None)


def download(apiv3_key: bytes) -> Operation[tuple[Response, list[PlatformCertificate]]]:
    """The operation alone. Its signature is checked by the caller *after* decryption, because the first
    download can only be self-checked: one of the certificates inside must verify the response. The AEAD
    tag already proves the content came from someone holding the APIv3 key."""
    return Operation(
        "download_certificates",
        "GET",
        CERTIFICATES_PATH,
        lambda response: (response, decode_certificates(response, apiv3_key)),
        signed_response=False,
    )
