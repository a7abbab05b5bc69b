from __future__ import annotations

from tests.sandbox.merchant import Merchant, new_out_trade_no, order_body, verify_signed
from tests.support.sandbox import SandboxProcess


def test_native_order_pay_query_close(shared_sandbox: SandboxProcess, merchant: Merchant) -> None:
    info = shared_sandbox.info
    otn = new_out_trade_no()
    created = merchant.post("/v3/pay/transactions/native", order_body(info, otn, total=250))
    assert created.status_code == 200, created.text
    verify_signed(created.headers, created.content, info)
    code_url = created.json()["code_url"]
    assert code_url.startswith("weixin://wxpay/bizpayurl?pr=")

    query = merchant.get(f"/v3/pay/transactions/out-trade-no/{otn}?mchid={info['mchid']}")
    assert query.status_code == 200
    assert query.json()["trade_state"] == "NOTPAY"

    paid = shared_sandbox.pay(code_url)
    assert paid["trade_state"] == "SUCCESS"
    by_id = merchant.get(f"/v3/pay/transactions/id/{paid['transaction_id']}?mchid={info['mchid']}")
    assert by_id.status_code == 200
    assert by_id.json()["amount"]["payer_total"] == 250

    close = merchant.post(f"/v3/pay/transactions/out-trade-no/{otn}/close", {"mchid": info["mchid"]})
    assert close.status_code == 400
    assert close.json()["code"] == "ORDERPAID"
