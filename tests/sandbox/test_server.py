"""Start-up, identity, sandbox.json, embedding, settings, certificates and the page for people."""

from __future__ import annotations

import base64
import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.sandbox import load_info, start_sandbox
from tests.sandbox.merchant import Merchant, new_out_trade_no, order_body, verify_signed
from tests.support.processes import start_server
from tests.support.sandbox import SandboxProcess, prepare_state_dir

KEYS = {
    "base_url", "mchid", "appid", "sp_mchid", "sp_appid", "sub_mchid", "merchant_private_key", "merchant_cert",
    "merchant_cert_serial", "apiv3_key", "platform_public_key", "platform_public_key_id", "platform_private_key",
    "platform_cert", "platform_cert_serial",
}  # fmt: skip


def test_first_start_generates_an_identity_and_later_starts_reuse_it(tmp_path: Path) -> None:
    state = tmp_path / "fresh"
    args = ["kiosk.sandbox", "--host", "127.0.0.1", "--port", "0", "--state-dir", str(state), "--time-scale", "10"]
    first = start_server(args)
    try:
        assert set(first.ready) >= {"base_url", "state_dir", "sandbox_json"}
        stored = json.loads((state / "sandbox.json").read_text())
        assert set(stored) == KEYS
        assert stored["base_url"] == first.base_url
        for key in ("merchant_private_key", "platform_private_key"):
            assert not Path(stored[key]).is_absolute()
            assert stat.S_IMODE(os.stat(state / stored[key]).st_mode) == 0o600
        assert re.fullmatch(r"[0-9A-F]{40}", stored["merchant_cert_serial"])
        assert re.fullmatch(r"[0-9A-F]{40}", stored["platform_cert_serial"])
        assert re.fullmatch(r"PUB_KEY_ID_\d+", stored["platform_public_key_id"])
        assert re.fullmatch(r"[0-9A-Za-z]{32}", stored["apiv3_key"])
        assert all(re.fullmatch(r"\d{10}", stored[k]) for k in ("mchid", "sp_mchid", "sub_mchid"))
        assert all(re.fullmatch(r"wx[0-9a-f]{16}", stored[k]) for k in ("appid", "sp_appid"))
        merchant_cert = x509.load_pem_x509_certificate((state / stored["merchant_cert"]).read_bytes())
        assert f"{merchant_cert.serial_number:040X}" == stored["merchant_cert_serial"]
        platform_cert = x509.load_pem_x509_certificate((state / stored["platform_cert"]).read_bytes())
        assert "Tenpay.com sign" in platform_cert.subject.rfc4514_string()
        info = load_info(state)
        with Merchant(first.base_url, info) as m:
            otn = new_out_trade_no()
            assert m.post("/v3/pay/transactions/native", order_body(info, otn)).status_code == 200
    finally:
        first.stop()
        if first.process.stdout:
            first.process.stdout.close()
    # The second start runs embedded (same code path for the identity, and faster than a new process).
    second = start_sandbox(state)
    try:
        again = json.loads((state / "sandbox.json").read_text())
        assert {k: v for k, v in again.items() if k != "base_url"} == {
            k: v for k, v in stored.items() if k != "base_url"
        }
        assert again["base_url"] == second.base_url
        with Merchant(second.base_url, load_info(state)) as m:  # state survived the restart
            assert m.get(f"/v3/pay/transactions/out-trade-no/{otn}?mchid={info['mchid']}").status_code == 200
    finally:
        second.stop()


def test_start_sandbox_embeds_on_a_thread(tmp_path: Path) -> None:
    state = prepare_state_dir(tmp_path / "embedded")
    handle = start_sandbox(state, time_scale=50)
    try:
        assert handle.info["base_url"] == handle.base_url
        assert Path(handle.info["merchant_private_key"]).is_absolute()
        assert load_info(state)["base_url"] == handle.base_url
        with Merchant(handle.base_url, handle.info) as m:
            response = m.post("/v3/pay/transactions/native", order_body(handle.info, new_out_trade_no()))
            assert response.status_code == 200
            verify_signed(response.headers, response.content, handle.info)
    finally:
        handle.stop()


@pytest.fixture
def module_sandbox(shared_sandbox: SandboxProcess) -> Iterator[SandboxProcess]:
    """The session sandbox; settings changed by a test are restored afterwards."""
    yield shared_sandbox
    shared_sandbox.settings(certificates_available=True, public_key_mode=False, expired_order_state="NOTPAY")


def test_certificates_and_response_signing_modes(module_sandbox: SandboxProcess) -> None:
    sandbox = module_sandbox
    info = sandbox.info
    with Merchant(sandbox.base_url, info) as m:
        response = m.get("/v3/certificates")
        assert verify_signed(response.headers, response.content, info) == "cert"
        assert response.headers["wechatpay-serial"] == info["platform_cert_serial"]
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["wechatpay-nonce"])
        (entry,) = response.json()["data"]
        assert entry["serial_no"] == info["platform_cert_serial"]
        sealed = entry["encrypt_certificate"]
        assert (sealed["algorithm"], sealed["associated_data"], len(sealed["nonce"])) == (
            "AEAD_AES_256_GCM", "certificate", 12,
        )  # fmt: skip
        pem = AESGCM(info["apiv3_key"].encode()).decrypt(
            sealed["nonce"].encode(), base64.b64decode(sealed["ciphertext"]), b"certificate"
        )
        assert pem == Path(info["platform_cert"]).read_bytes()
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00", entry["expire_time"])

    with Merchant(sandbox.base_url, info, wechatpay_serial=info["platform_public_key_id"]) as m:
        response = m.get("/v3/certificates")
        assert response.headers["wechatpay-serial"] == info["platform_public_key_id"]
        assert verify_signed(response.headers, response.content, info) == "public_key"

    assert sandbox.settings(certificates_available=False)["certificates_available"] is False
    with Merchant(sandbox.base_url, info) as m:
        gone = m.get("/v3/certificates")
        assert (gone.status_code, gone.json()["code"]) == (404, "RESOURCE_NOT_EXISTS")
        # A public-key-only merchant gets public-key signatures even without asking.
        order = m.post("/v3/pay/transactions/native", order_body(info, new_out_trade_no()))
        assert verify_signed(order.headers, order.content, info) == "public_key"
    with httpx.Client() as client:
        bad = client.post(sandbox.base_url + "/sandbox/v1/settings", json={"expired_order_state": "GONE"})
        assert bad.status_code == 400
    assert sandbox.settings(certificates_available=True)["certificates_available"] is True


def test_order_expiry_and_code_url_lifetime(module_sandbox: SandboxProcess) -> None:
    sandbox = module_sandbox
    info = sandbox.info
    with Merchant(sandbox.base_url, info) as m:
        otn = new_out_trade_no()
        body = order_body(info, otn)
        code_url = m.post("/v3/pay/transactions/native", body).json()["code_url"]
        sandbox.advance(2 * 3600 + 1)
        with httpx.Client() as client:
            stale = client.post(sandbox.base_url + "/sandbox/v1/payments", json={"code_url": code_url})
        assert (stale.status_code, stale.json()["code"]) == (400, "CODE_URL_EXPIRED")
        fresh = m.post("/v3/pay/transactions/native", body).json()["code_url"]
        assert fresh != code_url
        assert sandbox.pay(fresh)["trade_state"] == "SUCCESS"

        now = sandbox.control("GET", "/sandbox/v1/clock")["now"]
        from datetime import datetime, timedelta

        deadline = (datetime.fromisoformat(now) + timedelta(minutes=10)).isoformat()
        expiring = new_out_trade_no()
        code_url = m.post("/v3/pay/transactions/native", order_body(info, expiring, time_expire=deadline)).json()[
            "code_url"
        ]
        sandbox.advance(601)
        with httpx.Client() as client:
            late = client.post(sandbox.base_url + "/sandbox/v1/payments", json={"code_url": code_url})
        assert (late.status_code, late.json()["code"]) == (400, "ORDER_EXPIRED")
        query = f"/v3/pay/transactions/out-trade-no/{expiring}?mchid={info['mchid']}"
        assert m.get(query).json()["trade_state"] == "NOTPAY"  # default: shown unpaid until closed
        sandbox.settings(expired_order_state="CLOSED")
        assert m.get(query).json()["trade_state"] == "CLOSED"
        sandbox.settings(expired_order_state="NOTPAY")
        too_far = (datetime.fromisoformat(now) + timedelta(days=8)).isoformat()
        far = m.post("/v3/pay/transactions/native", order_body(info, new_out_trade_no(), time_expire=too_far))
        assert (far.status_code, far.json()["detail"]["field"]) == (400, "/time_expire")


def test_page_for_people_lists_orders_and_pays(module_sandbox: SandboxProcess) -> None:
    sandbox = module_sandbox
    info = sandbox.info
    otn = new_out_trade_no()
    with Merchant(sandbox.base_url, info) as m:
        code_url = m.post("/v3/pay/transactions/native", order_body(info, otn, total=1999)).json()["code_url"]
    with httpx.Client(base_url=sandbox.base_url) as browser:
        page = browser.get("/sandbox/")
        assert page.status_code == 200
        assert page.headers["request-id"]
        assert "text/html" in page.headers["content-type"]
        assert otn in page.text and "¥19.99" in page.text
        assert "支付 Pay" in page.text and "失败 Fail" in page.text
        pressed = browser.post("/sandbox/v1/payments", data={"code_url": code_url, "result": "SUCCESS"})
        assert pressed.status_code == 303
        assert pressed.headers["location"] == "/sandbox/"
        after = browser.get("/sandbox/").text
    assert "支付成功" in after
    assert [o["trade_state"] for o in sandbox.orders() if o["out_trade_no"] == otn] == ["SUCCESS"]


def test_pending_notifications_survive_a_restart(tmp_path: Path) -> None:
    from tests.sandbox.receiver import running_receiver

    state = prepare_state_dir(tmp_path / "restart")
    with running_receiver(default=503) as receiver:
        first = start_sandbox(state)
        try:
            with Merchant(first.base_url, first.info) as m:
                otn = new_out_trade_no()
                code_url = m.post("/v3/pay/transactions/native", order_body(first.info, otn, notify_url=receiver.url))
                httpx.post(first.base_url + "/sandbox/v1/payments", json={"code_url": code_url.json()["code_url"]})
            receiver.wait_for(1)
        finally:
            first.stop()
        receiver.default = 200
        second = start_sandbox(state)
        try:
            httpx.post(second.base_url + "/sandbox/v1/clock", json={"advance_seconds": 16})
            received = receiver.wait_for(2)
            assert [r.status for r in received] == [503, 200]
            assert received[0].body == received[1].body
        finally:
            second.stop()


def _listed_serials(m: Merchant, info: dict[str, object]) -> list[str]:
    response = m.get("/v3/certificates")
    assert response.status_code == 200
    verify_signed(response.headers, response.content, info)
    serials = []
    for entry in response.json()["data"]:
        sealed = entry["encrypt_certificate"]
        pem = AESGCM(str(info["apiv3_key"]).encode()).decrypt(
            sealed["nonce"].encode(), base64.b64decode(sealed["ciphertext"]), b"certificate"
        )
        assert f"{x509.load_pem_x509_certificate(pem).serial_number:040X}" == entry["serial_no"]
        serials.append(entry["serial_no"])
    return serials


def test_platform_certificate_rotation_signs_with_the_new_one_and_lists_both(sandbox_factory) -> None:  # type: ignore[no-untyped-def]
    sandbox = sandbox_factory()
    old = dict(sandbox.info)
    with httpx.Client() as client:
        refused = client.post(sandbox.base_url + "/sandbox/v1/certificates", json={})
        assert refused.status_code == 400
        rotated = client.post(sandbox.base_url + "/sandbox/v1/certificates", json={"rotate": True}).json()
    new = load_info(sandbox.state_dir)  # sandbox.json follows the rotation
    assert new["platform_cert_serial"] == rotated["platform_cert_serial"] != old["platform_cert_serial"]
    assert rotated["listed"] == [new["platform_cert_serial"], old["platform_cert_serial"]]
    assert stat.S_IMODE(os.stat(sandbox.state_dir / "keys" / "platform_cert_key.pem").st_mode) == 0o600
    with Merchant(sandbox.base_url, new) as m:
        assert _listed_serials(m, new) == rotated["listed"]
        order = m.post("/v3/pay/transactions/native", order_body(new, new_out_trade_no()))
        assert order.headers["wechatpay-serial"] == new["platform_cert_serial"]
        assert verify_signed(order.headers, order.content, new) == "cert"  # with the new certificate's key

    sandbox.stop()  # a restart keeps the new certificate and still lists the old one
    again = sandbox_factory(state_dir=sandbox.state_dir)
    with Merchant(again.base_url, new) as m:
        assert _listed_serials(m, new) == rotated["listed"]
