"""Credentials are checked at start-up; every error names the file or setting at fault."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from kiosk.wechatpay import ConfigurationError, Credentials, DirectMerchant, PartnerMerchant

from .helpers import APIV3_KEY, MERCHANT_SERIAL, PUBLIC_KEY_ID, certificate, private_pem, public_pem, rsa_key

SERIAL = int(MERCHANT_SERIAL, 16)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "key": tmp_path / "apiclient_key.pem",
        "cert": tmp_path / "apiclient_cert.pem",
        "pub": tmp_path / "pub_key.pem",
    }
    paths["key"].write_bytes(private_pem(rsa_key("merchant")))
    paths["cert"].write_bytes(certificate(rsa_key("merchant"), SERIAL).public_bytes(Encoding.PEM))
    paths["pub"].write_bytes(public_pem(rsa_key("platform")))
    return paths


def load(files: dict[str, Path], **changes: object) -> Credentials:
    arguments: dict[str, object] = {
        "mchid": "1900007291",
        "private_key_path": files["key"],
        "cert_serial": MERCHANT_SERIAL,
        "apiv3_key": APIV3_KEY.decode(),
        "public_key_path": files["pub"],
        "public_key_id": PUBLIC_KEY_ID,
        "cert_path": files["cert"],
    }
    arguments.update(changes)
    return Credentials.load(**arguments)  # type: ignore[arg-type]


def test_load_good_material_and_keep_secrets_out_of_repr(files: dict[str, Path]) -> None:
    creds = load(files)
    assert creds.mchid == "1900007291" and creds.apiv3_key == APIV3_KEY and creds.public_key_id == PUBLIC_KEY_ID
    text = repr(creds)
    assert APIV3_KEY.decode() not in text and "PRIVATE" not in text and "RSAPrivateKey" not in text
    assert creds.signer().serial_no == MERCHANT_SERIAL
    # Serials compare case-insensitively and without leading zeros (Java prints them that way).
    load(files, cert_serial="00" + MERCHANT_SERIAL.lower())


def test_platform_certificates_only(files: dict[str, Path]) -> None:
    creds = load(files, public_key_path=None, public_key_id=None, platform_certificates=True)
    assert creds.public_key is None and creds.platform_certificates


def expect(files: dict[str, Path], setting: str, **changes: object) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as caught:
        load(files, **changes)
    assert caught.value.setting == setting, caught.value
    return caught.value


def test_missing_and_malformed_private_key(files: dict[str, Path], tmp_path: Path) -> None:
    error = expect(files, "private_key_path", private_key_path=tmp_path / "nope.pem")
    assert "nope.pem" in str(error)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n")
    assert "garbage.pem" in str(expect(files, "private_key_path", private_key_path=garbage))
    expect(files, "private_key_path", private_key_path=files["pub"])  # a public key is not a private key


def test_wrong_key_types_and_sizes(files: dict[str, Path], tmp_path: Path) -> None:
    small = tmp_path / "small.pem"
    small.write_bytes(private_pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)))
    expect(files, "private_key_path", private_key_path=small)
    ecdsa = tmp_path / "ec.pem"
    ecdsa.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    expect(files, "private_key_path", private_key_path=ecdsa)
    expect(files, "public_key_path", public_key_path=files["key"])


def test_apiv3_key_must_be_32_bytes(files: dict[str, Path]) -> None:
    assert "got 16" in str(expect(files, "apiv3_key", apiv3_key="testMchAPIv3Key0"))
    expect(files, "apiv3_key", apiv3_key="密" * 32)


def test_public_key_id_shape_and_pairing(files: dict[str, Path]) -> None:
    expect(files, "public_key_id", public_key_id="0114232134912410000000000000")
    expect(files, "public_key_id", public_key_id=None)
    expect(files, "public_key_path", public_key_path=None)


def test_some_verification_form_is_required(files: dict[str, Path]) -> None:
    error = expect(files, "public_key_path", public_key_path=None, public_key_id=None)
    assert "platform certificates" in error.problem


def test_certificate_must_match_serial_and_private_key(files: dict[str, Path], tmp_path: Path) -> None:
    assert MERCHANT_SERIAL in str(expect(files, "cert_serial", cert_serial="5F1C72E2A8931B72A2E13AF8DEE92471EB397115"))
    foreign = tmp_path / "foreign_cert.pem"
    foreign.write_bytes(certificate(rsa_key("platform"), SERIAL).public_bytes(Encoding.PEM))
    assert "foreign_cert.pem" in str(expect(files, "private_key_path", cert_path=foreign))
    expect(files, "cert_path", cert_path=files["key"])


def test_merchant_identities_are_checked() -> None:
    assert PartnerMerchant("1900007291", "wx8888888888888888", "1900000109").sub_appid is None
    with pytest.raises(ConfigurationError) as caught:
        DirectMerchant(mchid="", appid="wxd678efh567hg6787")
    assert caught.value.setting == "mchid"
    with pytest.raises(ConfigurationError):
        PartnerMerchant("1900007291", "wx8888888888888888", "19000 00109")
