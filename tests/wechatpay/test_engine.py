"""The sans-IO engine driven by hand: verification before parsing, certificates, bills, replays."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import TypeVar

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding

from kiosk.clock import rfc3339
from kiosk.wechatpay import (
    BillTicket,
    DirectMerchant,
    HashMismatchError,
    ResponseMismatchError,
    SignatureError,
    StaleTimestampError,
    UnknownSerialError,
    ValidationError,
    VerificationError,
    aead,
    native,
)
from kiosk.wechatpay import bills as bill_ops
from kiosk.wechatpay.client import Engine, Flow, Pause
from kiosk.wechatpay.core import Response

from .helpers import DIRECT, FakeClock, certificate, credentials, rsa_key, signed_headers

T = TypeVar("T")
Server = Callable[[httpx.Request], Response]


def drive(flow: Flow[T], server: Server) -> T:
    """The smallest possible driver: no network, no sleeping."""
    reply: Response | None = None
    while True:
        try:
            step = flow.send(reply)  # type: ignore[arg-type]
        except StopIteration as stop:
            result: T = stop.value
            return result
        reply = None if isinstance(step, Pause) else server(step)


def signed(clock: FakeClock, body: bytes, status: int = 200, **kwargs: object) -> Response:
    return Response(status, signed_headers(body, clock=clock, **kwargs), body)  # type: ignore[arg-type]


def engine(clock: FakeClock, **kwargs: bool) -> Engine:
    return Engine(credentials(**kwargs), DIRECT, clock=clock)


def test_close_204_is_verified_like_any_success() -> None:
    clock = FakeClock()
    e = engine(clock)
    assert drive(e.run(native.close_order(DIRECT, "K20261129-0001")), lambda r: signed(clock, b"", 204)) is None
    with pytest.raises(VerificationError):
        drive(e.run(native.close_order(DIRECT, "K20261129-0001")), lambda r: Response(204, {}, b""))
    forged = signed(clock, b"", 204)
    forged = Response(204, {**forged.headers, "Wechatpay-Nonce": "another"}, b"")
    with pytest.raises(SignatureError):
        drive(e.run(native.close_order(DIRECT, "K20261129-0001")), lambda r: forged)


def test_stale_and_probe_responses_are_errors_not_results() -> None:
    clock = FakeClock()
    e = engine(clock)
    body = b'{"code_url":"weixin://wxpay/bizpayurl?pr=JyC91EIz1"}'
    old = signed(clock, body)
    clock.advance(300)
    op = native.query_order(DIRECT, "K20261129-0001")
    with pytest.raises(StaleTimestampError):
        drive(e.run(op), lambda r: old)
    probe = signed(clock, body, signature="WECHATPAY/SIGNTEST/" + "A" * 340)
    with pytest.raises(SignatureError):
        drive(e.run(op), lambda r: probe)


def test_a_genuine_response_for_another_order_is_a_replay() -> None:
    clock = FakeClock()
    body = json.dumps(
        {"mchid": "1900007291", "out_trade_no": "OTHER-ORDER", "trade_state": "NOTPAY", "amount": {"total": 1}}
    ).encode()
    with pytest.raises(ResponseMismatchError):
        drive(engine(clock).run(native.query_order(DIRECT, "K20261129-0001")), lambda r: signed(clock, body))
    other_merchant = json.dumps(
        {"mchid": "1900000001", "out_trade_no": "K20261129-0001", "trade_state": "NOTPAY", "amount": {"total": 1}}
    ).encode()
    with pytest.raises(ResponseMismatchError):
        drive(engine(clock).run(native.query_order(DIRECT, "K20261129-0001")), lambda r: signed(clock, other_merchant))


def certificate_listing(clock: FakeClock, *keys: tuple[rsa.RSAPrivateKey, int]) -> bytes:
    data = []
    for key, serial in keys:
        cert = certificate(key, serial, start=clock.now())
        pem = cert.public_bytes(Encoding.PEM)
        data.append(
            {
                "serial_no": format(serial, "X"),
                "effective_time": rfc3339(clock.now() - timedelta(days=1)),
                "expire_time": rfc3339(clock.now() + timedelta(days=1800)),
                "encrypt_certificate": {
                    "algorithm": "AEAD_AES_256_GCM",
                    "nonce": "14b16c03dc1b",
                    "associated_data": "certificate",
                    "ciphertext": aead.encrypt(b"0123456789abcdefABCDEFGHIJKLMNOP", "14b16c03dc1b", "certificate", pem),
                },
            }
        )
    return json.dumps({"data": data}).encode()


OLD_SERIAL, NEW_SERIAL = 0x5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC, 0x440024045C4A427599D09BB4E3DE0279F2E813FD


class CertificateServer:
    """Answers /v3/certificates with the current listing (signed by ``signer``) and queries after that."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.listing = [(rsa_key("cert-old"), OLD_SERIAL)]
        self.signer = (rsa_key("cert-old"), OLD_SERIAL)
        self.paths: list[str] = []
        self.serial_headers: list[str | None] = []

    def __call__(self, request: httpx.Request) -> Response:
        self.paths.append(request.url.path)
        self.serial_headers.append(request.headers.get("Wechatpay-Serial"))
        key, serial = self.signer
        if request.url.path == "/v3/certificates":
            body = certificate_listing(self.clock, *self.listing)
        else:
            body = json.dumps(
                {
                    "mchid": "1900007291",
                    "out_trade_no": "K20261129-0001",
                    "trade_state": "NOTPAY",
                    "amount": {"total": 1},
                }
            ).encode()
        return signed(self.clock, body, key=key, serial=format(serial, "X"))


def test_platform_certificates_download_self_check_refresh_and_rotation() -> None:
    clock = FakeClock()
    e = engine(clock, public_key=False, platform_certificates=True)
    server = CertificateServer(clock)
    query = native.query_order(DIRECT, "K20261129-0001")
    assert drive(e.run(query), server).trade_state == "NOTPAY"
    assert server.paths == ["/v3/certificates", "/v3/pay/transactions/out-trade-no/K20261129-0001"]
    assert server.serial_headers == [None, format(OLD_SERIAL, "X")]  # names the certificate it trusts
    assert [c.serial_no for c in e.platform_certificates] == [format(OLD_SERIAL, "X")]

    # Rotation: a response signed by a certificate we do not know yet triggers one refresh.
    server.listing = [(rsa_key("cert-old"), OLD_SERIAL), (rsa_key("cert-new"), NEW_SERIAL)]
    server.signer = (rsa_key("cert-new"), NEW_SERIAL)
    server.paths.clear()
    drive(e.run(query), server)
    assert server.paths == [query.path, "/v3/certificates"]
    assert e.verifier.knows(format(NEW_SERIAL, "X"))

    # Periodic refresh after 12 hours.
    server.paths.clear()
    clock.advance(12 * 3600)
    drive(e.run(query), server)
    assert server.paths == ["/v3/certificates", query.path]


def test_a_failed_periodic_refresh_keeps_the_installed_certificates() -> None:
    clock = FakeClock()
    e = engine(clock, public_key=False, platform_certificates=True)
    server = CertificateServer(clock)
    query = native.query_order(DIRECT, "K20261129-0001")
    drive(e.run(query), server)
    clock.advance(12 * 3600)

    def failing(request: httpx.Request) -> Response:
        if request.url.path == "/v3/certificates":
            server.paths.append(request.url.path)
            return Response(500, {}, b'{"code":"SYSTEM_ERROR","message":"busy"}')
        return server(request)

    server.paths.clear()
    assert drive(e.run(query), failing).trade_state == "NOTPAY"
    assert server.paths.count("/v3/certificates") == 3  # the retry policy's attempts, then carry on
    server.paths.clear()
    clock.advance(9 * 60)
    drive(e.run(query), failing)
    assert server.paths == [query.path]
    clock.advance(60)
    drive(e.run(query), server)
    assert server.paths[1:] == ["/v3/certificates", query.path]


def test_unknown_serial_after_one_refresh_is_an_error() -> None:
    clock = FakeClock()
    e = engine(clock, public_key=False, platform_certificates=True)
    server = CertificateServer(clock)
    drive(e.run(native.query_order(DIRECT, "K20261129-0001")), server)
    rogue = rsa_key("rogue")

    def answer(request: httpx.Request) -> Response:
        response = server(request)
        if request.url.path == "/v3/certificates":
            return response
        return signed(clock, response.body, key=rogue, serial="ABCDEF")

    server.paths.clear()
    with pytest.raises(UnknownSerialError):
        drive(e.run(native.query_order(DIRECT, "K20261129-0001")), answer)
    assert server.paths.count("/v3/certificates") == 1
    # Forged serials cannot cause a download storm: at most one per minute.
    server.paths.clear()
    clock.advance(59)
    with pytest.raises(UnknownSerialError):
        drive(e.run(native.query_order(DIRECT, "K20261129-0001")), answer)
    assert "/v3/certificates" not in server.paths
    clock.advance(1)
    with pytest.raises(UnknownSerialError):
        drive(e.run(native.query_order(DIRECT, "K20261129-0001")), answer)
    assert server.paths.count("/v3/certificates") == 1


def test_first_certificate_download_must_verify_itself() -> None:
    clock = FakeClock()
    e = engine(clock, public_key=False, platform_certificates=True)
    server = CertificateServer(clock)
    server.signer = (rsa_key("rogue"), OLD_SERIAL)  # claims the listed serial, signed with another key
    with pytest.raises(SignatureError):
        drive(e.refresh_certificates(), server)
    assert e.platform_certificates == []


def test_public_key_mode_keeps_working_when_certificates_are_unavailable() -> None:
    clock = FakeClock()
    e = engine(clock, public_key=True, platform_certificates=True)
    body = json.dumps(
        {"mchid": "1900007291", "out_trade_no": "K20261129-0001", "trade_state": "NOTPAY", "amount": {"total": 1}}
    ).encode()

    def server(request: httpx.Request) -> Response:
        if request.url.path == "/v3/certificates":
            return Response(404, {}, '{"code":"RESOURCE_NOT_EXISTS","message":"无可用的平台证书"}'.encode())
        return signed(clock, body)

    assert drive(e.run(native.query_order(DIRECT, "K20261129-0001")), server).trade_state == "NOTPAY"


def ticket_for(data: bytes, url: str = "https://api.mch.weixin.qq.com/v3/billdownload/file?token=abc") -> BillTicket:
    return BillTicket("SHA1", hashlib.sha1(data).hexdigest(), url)


def test_bill_download_is_unsigned_gunzipped_and_hash_checked() -> None:
    clock = FakeClock()
    e = engine(clock)
    csv = "交易时间,公众账号ID\r\n".encode()
    seen: list[httpx.Request] = []

    def server(request: httpx.Request) -> Response:
        seen.append(request)
        return Response(200, {"Content-Type": "application/octet-stream"}, gzip.compress(csv))

    assert drive(e.run(e.download_bill(ticket_for(csv))), server) == csv
    assert seen[0].url.raw_path == b"/v3/billdownload/file?token=abc" and "Authorization" in seen[0].headers
    with pytest.raises(HashMismatchError):
        drive(e.run(e.download_bill(ticket_for(csv + b"x"))), server)
    plain = Response(200, {}, csv)
    assert drive(e.run(e.download_bill(ticket_for(csv))), lambda r: plain) == csv


def test_bill_links_to_foreign_hosts_are_not_followed() -> None:
    e = engine(FakeClock())
    with pytest.raises(ValidationError):
        e.download_bill(ticket_for(b"", "https://evil.example.com/v3/billdownload/file?token=abc"))
    with pytest.raises(ValidationError):
        e.download_bill(ticket_for(b"", "http://api.mch.weixin.qq.com/v3/billdownload/file?token=abc"))
    e.download_bill(ticket_for(b"", "https://api2.mch.weixin.qq.com/v3/billdownload/file?token=abc"))


def test_bill_apply_partner_query_carries_sub_mchid() -> None:
    from .helpers import PARTNER

    op = bill_ops.apply_trade_bill(PARTNER, date(2026, 11, 28), "SUCCESS", None)
    assert op.target() == "/v3/bill/tradebill?bill_date=2026-11-28&sub_mchid=1900000109&bill_type=SUCCESS"
    fund = bill_ops.apply_fundflow_bill(date(2026, 11, 28))
    assert fund.target() == "/v3/bill/fundflowbill?bill_date=2026-11-28&account_type=BASIC&tar_type=GZIP"
    with pytest.raises(ValidationError):
        bill_ops.apply_trade_bill(DirectMerchant("1900007291", "wxd678efh567hg6787"), date(2026, 11, 28), "EVERYTHING")
