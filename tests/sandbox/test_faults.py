"""API fault injection: each kind does what it says, for the given path prefix and count only."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.sandbox.merchant import Merchant, new_out_trade_no, order_body, verify_signed
from tests.support.sandbox import SandboxProcess

NATIVE = "/v3/pay/transactions/native"


@pytest.fixture
def m(sandbox: SandboxProcess) -> Iterator[Merchant]:
    with Merchant(sandbox.base_url, sandbox.info) as client:
        yield client
    sandbox.control("DELETE", "/sandbox/v1/faults")


def test_error_faults_hit_count_requests_under_the_prefix(sandbox: SandboxProcess, m: Merchant) -> None:
    sandbox.fault("system_error", path_prefix="/v3/pay/", count=2)
    assert m.get("/v3/certificates").status_code == 200  # other prefix untouched
    for _ in range(2):
        response = m.post(NATIVE, order_body(sandbox.info, new_out_trade_no()))
        assert (response.status_code, response.json()["code"]) == (500, "SYSTEM_ERROR")
        assert "wechatpay-signature" not in response.headers
        assert response.headers["request-id"]
    assert m.post(NATIVE, order_body(sandbox.info, new_out_trade_no())).status_code == 200

    sandbox.fault("frequency_limited", path_prefix="/v3/certificates")
    limited = m.get("/v3/certificates")
    assert (limited.status_code, limited.json()["code"]) == (429, "FREQUENCY_LIMITED")

    sandbox.fault("http_500", path_prefix="/v3/certificates")
    broken = m.get("/v3/certificates")
    assert broken.status_code == 500
    assert "json" not in broken.headers["content-type"]
    assert m.get("/v3/certificates").status_code == 200


def test_latency_fault(sandbox: SandboxProcess, m: Merchant) -> None:
    sandbox.fault("latency", path_prefix="/v3/certificates", latency_ms=400)
    start = time.monotonic()
    assert m.get("/v3/certificates").status_code == 200
    assert time.monotonic() - start >= 0.4


def test_dropped_connection_after_processing(sandbox: SandboxProcess, m: Merchant) -> None:
    otn = new_out_trade_no()
    body = order_body(sandbox.info, otn)
    sandbox.fault("drop_connection", path_prefix=NATIVE)
    with pytest.raises(httpx.TransportError):
        m.post(NATIVE, body)
    # The order was created before the answer was lost; the retry with the same content is idempotent.
    retry = m.post(NATIVE, body)
    assert retry.status_code == 200
    assert [o["out_trade_no"] for o in sandbox.orders()].count(otn) == 1


def test_bad_signature_fault(sandbox: SandboxProcess, m: Merchant) -> None:
    sandbox.fault("bad_signature", path_prefix="/v3/certificates")
    forged = m.get("/v3/certificates")
    assert forged.status_code == 200
    with pytest.raises(AssertionError, match="does not verify"):
        verify_signed(forged.headers, forged.content, sandbox.info)
    genuine = m.get("/v3/certificates")
    verify_signed(genuine.headers, genuine.content, sandbox.info)


def test_fault_requests_are_validated(sandbox: SandboxProcess) -> None:
    for body in (
        {"kind": "meteor", "path_prefix": "/v3/"},
        {"kind": "latency", "path_prefix": "v3"},
        {"kind": "http_500", "path_prefix": "/v3/", "count": 0},
        {"target": "notifications", "kind": "http_500"},
    ):
        with pytest.raises(httpx.HTTPStatusError):
            sandbox.control("POST", "/sandbox/v1/faults", body)
    listed = sandbox.control("GET", "/sandbox/v1/faults")
    assert listed == {"api": [], "notifications": []}
