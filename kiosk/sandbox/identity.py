"""The sandbox's test identities: merchant and platform key pairs, certificates, ids and the APIv3 key.

Generated once per state directory (RSA key generation is the slow part) and reused on later starts.
``sandbox.json`` holds exactly the keys named in the issue; paths in it are relative to the state directory.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from kiosk.clock import CHINA_TZ

INFO_FILE = "sandbox.json"
KEYS_DIR = "keys"
#: Private key of the platform certificate. Not part of sandbox.json (the issue fixes its keys), but kept
#: next to the others so that a restarted sandbox signs with the same certificate.
PLATFORM_CERT_KEY = f"{KEYS_DIR}/platform_cert_key.pem"
#: The certificate a rotation replaced: still listed by /v3/certificates, no longer used to sign.
PREVIOUS_PLATFORM_CERT = f"{KEYS_DIR}/platform_cert_previous.pem"
CA_NAME = {"C": "CN", "O": "Tenpay.com", "OU": "Tenpay.com CA Center", "CN": "Tenpay.com Root CA"}
PLATFORM_CERT_NAME = {
    "C": "CN",
    "L": "Shenzhen",
    "O": "Tenpay.com",
    "OU": "Tenpay.com CA Center",
    "CN": "Tenpay.com sign",
}

PATH_KEYS = ("merchant_private_key", "merchant_cert", "platform_public_key", "platform_private_key", "platform_cert")


@dataclass(frozen=True)
class PlatformCert:
    serial: str
    pem: str
    not_before: datetime
    not_after: datetime

    @classmethod
    def from_pem(cls, pem: str) -> PlatformCert:
        certificate = x509.load_pem_x509_certificate(pem.encode("ascii"))
        return cls(
            serial=f"{certificate.serial_number:040X}",
            pem=pem,
            not_before=certificate.not_valid_before_utc.astimezone(CHINA_TZ),
            not_after=certificate.not_valid_after_utc.astimezone(CHINA_TZ),
        )


class PlatformCerts:
    """WeChat Pay's platform certificates: the one it signs with and, after a rotation, the one it replaced
    (still listed by ``/v3/certificates`` during the changeover). Rotation swaps them while the sandbox runs,
    so everything that signs reads :attr:`current` (with its key) each time."""

    def __init__(self, current: PlatformCert, signer: rsa.RSAPrivateKey, previous: PlatformCert | None) -> None:
        self._lock = threading.Lock()
        self._state = (current, signer, previous)

    @property
    def current(self) -> tuple[PlatformCert, rsa.RSAPrivateKey]:
        current, signer, _ = self._state
        return current, signer

    def listed(self) -> list[PlatformCert]:
        """What ``/v3/certificates`` lists: the current certificate first."""
        current, _, previous = self._state
        return [current] if previous is None else [current, previous]

    def rotate(self, state_dir: Path) -> PlatformCert:
        """Issue a new platform certificate (new key, new serial) and sign with it from now on; the old one
        stays listed. ``sandbox.json``'s ``platform_cert`` and ``platform_cert_serial`` follow."""
        with self._lock:
            old, _, _ = self._state
            key, ca_key = _new_key(), _new_key()
            certificate = _certificate(_name(**PLATFORM_CERT_NAME), key, _name(**CA_NAME), ca_key, _serial())
            new = PlatformCert.from_pem(certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"))
            info = read_info(state_dir)
            _write(state_dir / PREVIOUS_PLATFORM_CERT, old.pem.encode("ascii"), private=False)
            _write(state_dir / info["platform_cert"], new.pem.encode("ascii"), private=False)
            _write(state_dir / PLATFORM_CERT_KEY, _private_pem(key), private=True)
            write_info(state_dir, {**info, "platform_cert_serial": new.serial})
            self._state = (new, key, old)
            return new


@dataclass(frozen=True)
class Identity:
    """Everything the running sandbox needs to authenticate merchants and sign as WeChat Pay."""

    mchid: str
    appid: str
    sp_mchid: str
    sp_appid: str
    sub_mchid: str
    merchant_public_key: rsa.RSAPublicKey
    merchant_cert_serial: str
    apiv3_key: bytes
    platform_public_key_id: str
    public_key_signer: rsa.RSAPrivateKey
    platform_certs: PlatformCerts

    def __repr__(self) -> str:  # keys stay out of logs and tracebacks
        return f"Identity(mchid={self.mchid!r}, sp_mchid={self.sp_mchid!r}, sub_mchid={self.sub_mchid!r})"


def _digits(n: int, first: str = "") -> str:
    return first + "".join(secrets.choice(string.digits) for _ in range(n - len(first)))


def _appid() -> str:
    return "wx" + secrets.token_hex(8)


def _serial() -> int:
    # 160-bit positive serial whose hex form is exactly 40 characters (no leading zero nibble).
    return secrets.randbelow(2**159 - 2**156) + 2**156


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(**parts: str) -> x509.Name:
    oids = {"C": NameOID.COUNTRY_NAME, "L": NameOID.LOCALITY_NAME, "O": NameOID.ORGANIZATION_NAME}
    oids |= {"OU": NameOID.ORGANIZATIONAL_UNIT_NAME, "CN": NameOID.COMMON_NAME}
    return x509.Name([x509.NameAttribute(oids[k], v) for k, v in parts.items()])


def _certificate(
    subject: x509.Name, key: rsa.RSAPrivateKey, ca_name: x509.Name, ca_key: rsa.RSAPrivateKey, serial: int
) -> x509.Certificate:
    start = datetime.now(CHINA_TZ).replace(microsecond=0) - timedelta(days=1)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=5 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )


def _private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(path: Path, data: bytes, *, private: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Create with the final mode so a private key is never readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600 if private else 0o644)


def create_identity(state_dir: Path) -> dict[str, Any]:
    """Generate a fresh identity into ``state_dir`` and write ``sandbox.json`` (base_url left empty)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    ca_key = _new_key()
    ca_name = _name(**CA_NAME)
    mchid, sp_mchid, sub_mchid = _digits(10, "19"), _digits(10, "16"), _digits(10, "17")

    merchant_key, platform_key, public_key_pair = _new_key(), _new_key(), _new_key()
    merchant_serial, platform_serial = _serial(), _serial()
    merchant_cert = _certificate(
        _name(C="CN", L="Shenzhen", O="微信商户系统", OU="Kiosk Sandbox Merchant", CN=mchid),
        merchant_key,
        ca_name,
        ca_key,
        merchant_serial,
    )
    platform_cert = _certificate(
        _name(**PLATFORM_CERT_NAME),
        platform_key,
        ca_name,
        ca_key,
        platform_serial,
    )
    pem = serialization.Encoding.PEM
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    files = {
        "merchant_private_key": (f"{KEYS_DIR}/apiclient_key.pem", _private_pem(merchant_key), True),
        "merchant_cert": (f"{KEYS_DIR}/apiclient_cert.pem", merchant_cert.public_bytes(pem), False),
        "platform_public_key": (f"{KEYS_DIR}/pub_key.pem", public_key_pair.public_key().public_bytes(pem, spki), False),
        "platform_private_key": (f"{KEYS_DIR}/pub_key_private.pem", _private_pem(public_key_pair), True),
        "platform_cert": (f"{KEYS_DIR}/platform_cert.pem", platform_cert.public_bytes(pem), False),
    }
    for relative, data, private in files.values():
        _write(state_dir / relative, data, private=private)
    _write(state_dir / PLATFORM_CERT_KEY, _private_pem(platform_key), private=True)

    alphabet = string.ascii_letters + string.digits
    info: dict[str, Any] = {
        "base_url": "",
        "mchid": mchid,
        "appid": _appid(),
        "sp_mchid": sp_mchid,
        "sp_appid": _appid(),
        "sub_mchid": sub_mchid,
        **{key: relative for key, (relative, _, _) in files.items()},
        "merchant_cert_serial": f"{merchant_serial:040X}",
        "apiv3_key": "".join(secrets.choice(alphabet) for _ in range(32)),
        "platform_public_key_id": "PUB_KEY_ID_" + _digits(28, "01"),
        "platform_cert_serial": f"{platform_serial:040X}",
    }
    write_info(state_dir, info)
    return info


def write_info(state_dir: Path, info: dict[str, Any]) -> None:
    # sandbox.json holds the APIv3 key, so it is private too; written atomically.
    tmp = state_dir / (INFO_FILE + ".tmp")
    _write(tmp, (json.dumps(info, ensure_ascii=False, indent=2) + "\n").encode(), private=True)
    tmp.replace(state_dir / INFO_FILE)


def read_info(state_dir: Path) -> dict[str, Any]:
    """``sandbox.json`` as stored (relative paths)."""
    data: dict[str, Any] = json.loads((state_dir / INFO_FILE).read_text(encoding="utf-8"))
    return data


def load_info(state_dir: Path) -> dict[str, Any]:
    """``sandbox.json`` with its key and certificate paths made absolute."""
    state_dir = Path(state_dir).resolve()
    info = read_info(state_dir)
    for key in PATH_KEYS:
        info[key] = str(state_dir / info[key])
    return info


def ensure_identity(state_dir: Path) -> dict[str, Any]:
    """Reuse the identity in ``state_dir`` or create one on first start."""
    if (state_dir / INFO_FILE).exists():
        return read_info(state_dir)
    return create_identity(state_dir)


def _load_private(path: Path) -> rsa.RSAPrivateKey:
    # These are keys the sandbox generated itself; skipping the (slow) RSA consistency check halves start-up.
    key = serialization.load_pem_private_key(path.read_bytes(), password=None, unsafe_skip_rsa_key_validation=True)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path.name} is not an RSA private key")
    return key


def load_identity(state_dir: Path) -> Identity:
    info = load_info(state_dir)
    merchant_cert = x509.load_pem_x509_certificate(Path(info["merchant_cert"]).read_bytes())
    merchant_public = merchant_cert.public_key()
    if not isinstance(merchant_public, rsa.RSAPublicKey):
        raise ValueError("merchant certificate does not hold an RSA key")
    state_dir = Path(state_dir)
    previous = state_dir / PREVIOUS_PLATFORM_CERT
    platform_certs = PlatformCerts(
        PlatformCert.from_pem(Path(info["platform_cert"]).read_text(encoding="ascii")),
        _load_private(state_dir / PLATFORM_CERT_KEY),
        PlatformCert.from_pem(previous.read_text(encoding="ascii")) if previous.exists() else None,
    )
    return Identity(
        mchid=info["mchid"],
        appid=info["appid"],
        sp_mchid=info["sp_mchid"],
        sp_appid=info["sp_appid"],
        sub_mchid=info["sub_mchid"],
        merchant_public_key=merchant_public,
        merchant_cert_serial=info["merchant_cert_serial"],
        apiv3_key=info["apiv3_key"].encode("ascii"),
        platform_public_key_id=info["platform_public_key_id"],
        public_key_signer=_load_private(Path(info["platform_private_key"])),
        platform_certs=platform_certs,
    )
