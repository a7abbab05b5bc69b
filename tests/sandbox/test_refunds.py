"""Refund rules: unpaid, over-refund, idempotent out_refund_no, PROCESSING then SUCCESS, partner sub_mchid."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.sandbox.merchant import Merchant, new_out_trade_no, order_body, verify_signed
from tests.support.sandbox import SandboxProcess

REFUNDS = "/v3/refund/domestic/refunds"


@pytest.fixture
def m(sandbox: SandboxProcess) -> Iterator[Merchant]:
    with Merchant(sandbox.base_url, sandbox.info) as client:
        yield client


def _paid_order(sandbox: SandboxProcess, m: Merchant, total: int = 1000, partner: bool = False) -> str:
    otn = new_out_trade_no()
    path = "/v3/pay/partner/transactions/native" if partner else "/v3/pay/transactions/native"
    sandbox.pay(m.post(path, order_body(sandbox.info, otn, total=total, partner=partner)).json()["code_url"])
    return otn


def _refund(otn: str, refund: int, total: int = 1000, **extra: Any) -> dict[str, Any]:
    return {
        "out_trade_no": otn,
        "out_refund_no": "R" + otn + str(refund),
        "amount": {"refund": refund, "total": total, "currency": "CNY"},
        **extra,
    }


def _until(check: Any, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def test_refund_starts_processing_then_succeeds_and_the_order_shows_refund(
    sandbox: SandboxProcess, m: Merchant
) -> None:
    info = sandbox.info
    otn = _paid_order(sandbox, m)
    created = m.post(REFUNDS, _refund(otn, 300, reason="顾客退货"))
    assert created.status_code == 200, created.text
    verify_signed(created.headers, created.content, info)
    refund = created.json()
    assert refund["status"] == "PROCESSING"
    assert "success_time" not in refund
    assert re.fullmatch(r"50\d{27}", refund["refund_id"])
    assert refund["amount"]["refund"] == 300 and refund["amount"]["total"] == 1000
    assert refund["channel"] == "ORIGINAL"

    sandbox.advance(5)  # refunds stay PROCESSING for 5 sandbox seconds (divided by --time-scale)

    def succeeded() -> Any:
        body = m.get(f"{REFUNDS}/{refund['out_refund_no']}").json()
        return body if body["status"] == "SUCCESS" else None

    done = _until(succeeded)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00", done["success_time"])
    assert done["refund_id"] == refund["refund_id"]
    query = m.get(f"/v3/pay/transactions/out-trade-no/{otn}?mchid={info['mchid']}").json()
    assert query["trade_state"] == "REFUND"


def test_same_out_refund_no_refunds_once(sandbox: SandboxProcess, m: Merchant) -> None:
    otn = _paid_order(sandbox, m)
    first = m.post(REFUNDS, _refund(otn, 400)).json()
    again = m.post(REFUNDS, _refund(otn, 400))
    assert again.status_code == 200
    assert again.json()["refund_id"] == first["refund_id"]
    changed = m.post(REFUNDS, _refund(otn, 400) | {"amount": {"refund": 401, "total": 1000, "currency": "CNY"}})
    assert (changed.status_code, changed.json()["code"]) == (400, "INVALID_REQUEST")
    order = next(o for o in sandbox.orders() if o["out_trade_no"] == otn)
    assert order["refunded"] == 400


def test_refund_rules(sandbox: SandboxProcess, m: Merchant) -> None:
    info = sandbox.info
    unpaid = new_out_trade_no()
    m.post("/v3/pay/transactions/native", order_body(info, unpaid, total=1000))
    response = m.post(REFUNDS, _refund(unpaid, 1))
    assert (response.status_code, response.json()["code"]) == (400, "INVALID_REQUEST")

    otn = _paid_order(sandbox, m)
    over = m.post(REFUNDS, _refund(otn, 1001))
    assert (over.status_code, over.json()["code"]) == (400, "INVALID_REQUEST")
    wrong_total = m.post(REFUNDS, _refund(otn, 10, total=999))
    assert (wrong_total.status_code, wrong_total.json()["code"]) == (400, "INVALID_REQUEST")
    assert m.post(REFUNDS, _refund(otn, 600)).status_code == 200
    too_soon = m.post(REFUNDS, _refund(otn, 100))
    assert (too_soon.status_code, too_soon.json()["code"]) == (429, "FREQUENCY_LIMITED")
    sandbox.advance(61)
    over_rest = m.post(REFUNDS, _refund(otn, 401))
    assert (over_rest.status_code, over_rest.json()["code"]) == (400, "INVALID_REQUEST")
    assert m.post(REFUNDS, _refund(otn, 400)).status_code == 200
    sandbox.advance(61)
    full = m.post(REFUNDS, _refund(otn, 1))
    assert (full.status_code, full.json()["code"]) == (400, "INVALID_REQUEST")

    missing = m.post(REFUNDS, _refund("NOPE123456", 1))
    assert (missing.status_code, missing.json()["code"]) == (404, "RESOURCE_NOT_EXISTS")
    neither = _refund(otn, 1)
    del neither["out_trade_no"]
    assert m.post(REFUNDS, neither).json()["code"] == "PARAM_ERROR"
    no_currency = _refund(otn, 1)
    del no_currency["amount"]["currency"]
    assert m.post(REFUNDS, no_currency).json()["detail"]["field"] == "/amount/currency"
    query = m.get(f"{REFUNDS}/NOPE-REFUND")
    assert (query.status_code, query.json()["code"]) == (404, "RESOURCE_NOT_EXISTS")
    direct_sub = m.post(REFUNDS, _refund(otn, 1, sub_mchid=info["sub_mchid"]))
    assert direct_sub.json()["code"] == "PARAM_ERROR"


def test_refund_by_transaction_id(sandbox: SandboxProcess, m: Merchant) -> None:
    otn = _paid_order(sandbox, m, total=50)
    transaction_id = m.get(f"/v3/pay/transactions/out-trade-no/{otn}?mchid={sandbox.info['mchid']}").json()[
        "transaction_id"
    ]
    body = _refund(otn, 50, total=50)
    del body["out_trade_no"]
    body["transaction_id"] = transaction_id
    response = m.post(REFUNDS, body)
    assert response.status_code == 200, response.text
    assert response.json()["out_trade_no"] == otn


def test_partner_refund_needs_the_sub_mchid(sandbox: SandboxProcess) -> None:
    info = sandbox.info
    with Merchant(sandbox.base_url, info, mchid=info["sp_mchid"]) as sp:
        otn = _paid_order(sandbox, sp, total=100, partner=True)
        without = sp.post(REFUNDS, _refund(otn, 10, total=100))
        assert (without.status_code, without.json()["detail"]["field"]) == (400, "/sub_mchid")
        created = sp.post(REFUNDS, _refund(otn, 10, total=100, sub_mchid=info["sub_mchid"]))
        assert created.status_code == 200, created.text
        out_refund_no = created.json()["out_refund_no"]
        assert sp.get(f"{REFUNDS}/{out_refund_no}?sub_mchid={info['sub_mchid']}").status_code == 200
        assert sp.get(f"{REFUNDS}/{out_refund_no}").json()["code"] == "PARAM_ERROR"
