"""Trade bills: availability by sandbox date, the exact file format of the reference (§9), SHA-1 over the
uncompressed bytes, GZIP served opaque and unsigned, NO_STATEMENT_EXIST, short-lived download URLs."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.sandbox.merchant import Merchant, new_out_trade_no, order_body, verify_signed
from tests.support.sandbox import SandboxProcess, start_sandbox_process

BEIJING = timezone(timedelta(hours=8))
ALL_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
    "应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
    "手续费,费率,订单金额,申请退款金额,费率备注"
)


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SandboxProcess, date, dict[str, Any]]]:
    """A sandbox with trades on day D (two direct orders, one refund, one partner order), clock at D 00:30."""
    sandbox = start_sandbox_process(tmp_path_factory.mktemp("bills") / "state", time_scale=100)
    info = sandbox.info
    now = datetime.fromtimestamp(sandbox.control("GET", "/sandbox/v1/clock")["timestamp"], BEIJING)
    trade_day = now.date() + timedelta(days=1)
    sandbox.advance(
        (datetime.combine(trade_day, datetime.min.time(), BEIJING) + timedelta(minutes=30) - now).total_seconds()
    )
    facts: dict[str, Any] = {}
    with Merchant(sandbox.base_url, info) as m, Merchant(sandbox.base_url, info, mchid=info["sp_mchid"]) as sp:
        a, b = new_out_trade_no(), new_out_trade_no()
        scene = {"payer_client_ip": "10.0.0.8", "device_id": "POS7"}
        sandbox.pay(
            m.post(
                "/v3/pay/transactions/native", order_body(info, a, total=1234, attach="x,y", scene_info=scene)
            ).json()["code_url"]
        )
        sandbox.pay(m.post("/v3/pay/transactions/native", order_body(info, b, total=100)).json()["code_url"])
        refund = m.post(
            "/v3/refund/domestic/refunds",
            {"out_trade_no": b, "out_refund_no": "RF" + b, "amount": {"refund": 30, "total": 100, "currency": "CNY"}},
        )
        assert refund.status_code == 200
        c = new_out_trade_no()
        sp.post("/v3/pay/partner/transactions/native", order_body(info, c, total=500, partner=True))
        sandbox.pay(sandbox.orders()[0]["code_url"])
        m.post("/v3/pay/transactions/native", order_body(info, new_out_trade_no()))  # unpaid: not in bills
    facts |= {"a": a, "b": b, "c": c, "refund_id": refund.json()["refund_id"]}
    yield sandbox, trade_day, facts
    sandbox.stop()


def _apply(m: Merchant, query: str) -> Any:
    return m.get(f"/v3/bill/tradebill?{query}")


def _at(sandbox: SandboxProcess, moment: datetime) -> None:
    now = sandbox.control("GET", "/sandbox/v1/clock")["timestamp"]
    if moment.timestamp() > now:
        sandbox.advance(moment.timestamp() - now)


def _download(m: Merchant, ticket: dict[str, Any]) -> Any:
    response = m.get(ticket["download_url"])
    assert response.status_code == 200, response.text
    assert not any(h.lower().startswith("wechatpay-") for h in response.headers)  # the file is not signed
    assert response.headers["content-type"] == "application/octet-stream"
    assert "content-encoding" not in response.headers
    return response


def test_bill_availability_and_format(day: tuple[SandboxProcess, date, dict[str, Any]]) -> None:
    sandbox, trade_day, facts = day
    info = sandbox.info
    with Merchant(sandbox.base_url, info) as m:
        today = _apply(m, f"bill_date={trade_day}")
        assert (today.status_code, today.json()["code"]) == (400, "INVALID_REQUEST")
        _at(sandbox, datetime.combine(trade_day + timedelta(days=1), datetime.min.time(), BEIJING) + timedelta(hours=8))
        early = _apply(m, f"bill_date={trade_day}")
        assert (early.status_code, early.json()["code"]) == (400, "STATEMENT_CREATING")
        _at(
            sandbox,
            datetime.combine(trade_day + timedelta(days=1), datetime.min.time(), BEIJING)
            + timedelta(hours=9, minutes=30),
        )

        applied = _apply(m, f"bill_date={trade_day}&bill_type=ALL")
        assert applied.status_code == 200, applied.text
        verify_signed(applied.headers, applied.content, info)
        ticket = applied.json()
        assert ticket["hash_type"] == "SHA1"
        assert ticket["download_url"].startswith(sandbox.base_url + "/v3/billdownload/file?token=")
        data = _download(m, ticket).content
    assert hashlib.sha1(data).hexdigest() == ticket["hash_value"]
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert lines[0] == ALL_HEADER
    assert lines[-2] == "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
    rows = [line.split(",`") for line in lines[1:-2]]
    assert all(line.startswith("`") for line in lines[1:-2])
    rows = [[v.lstrip("`") for v in row] for row in rows]
    assert [len(r) for r in rows] == [27, 27, 27]  # the attach "x,y" is escaped as x\,y and splits on ",`" only
    by_status = {(r[6], r[9]): r for r in rows}
    a = by_status[(facts["a"], "SUCCESS")]
    assert a[1:5] == [info["appid"], info["mchid"], "0", "POS7"]
    assert a[8] == "NATIVE" and a[10] == "OTHERS" and a[11] == "CNY"
    assert (a[12], a[13], a[14], a[15], a[16], a[17], a[18], a[19]) == (
        "12.34",
        "0.00",
        "0",
        "0",
        "0.00",
        "0.00",
        "",
        "",
    )
    assert a[20] == "可乐 Cola" and a[21] == "x\\,y"
    assert (a[22], a[23], a[24], a[25], a[26]) == ("0.07000", "0.60%", "12.34", "0.00", "")
    assert trade_day.isoformat() in a[0] and len(a[0]) == 19
    refund = by_status[(facts["b"], "REFUND")]
    assert (refund[12], refund[14], refund[15], refund[16]) == ("0.00", facts["refund_id"], "RF" + facts["b"], "0.30")
    assert (refund[18], refund[19], refund[22], refund[24], refund[25]) == (
        "ORIGINAL",
        "SUCCESS",
        "0.00000",
        "0.00",
        "0.30",
    )
    assert facts["c"] not in text  # the partner's orders are in the partner's bill
    summary = lines[-1].split(",")
    assert summary == ["`3", "`13.34", "`0.30", "`0.00", "`0.08000", "`13.34", "`0.30"]


def test_gzip_success_and_refund_bills(day: tuple[SandboxProcess, date, dict[str, Any]]) -> None:
    sandbox, trade_day, _ = day
    _at(sandbox, datetime.combine(trade_day + timedelta(days=1), datetime.min.time(), BEIJING) + timedelta(hours=10))
    with Merchant(sandbox.base_url, sandbox.info) as m:
        plain = _download(m, _apply(m, f"bill_date={trade_day}&bill_type=SUCCESS").json()).content
        ticket = _apply(m, f"bill_date={trade_day}&bill_type=SUCCESS&tar_type=GZIP").json()
        packed = _download(m, ticket).content
        assert packed[:2] == b"\x1f\x8b"
        assert gzip.decompress(packed) == plain
        assert hashlib.sha1(plain).hexdigest() == ticket["hash_value"]
        lines = plain[3:].decode().split("\r\n")
        assert len(lines[0].split(",")) == 20
        assert [len(line.split(",`")) for line in lines[1:3]] == [20, 20]
        assert lines[3] == "总交易单数,应结订单总金额,手续费总金额,订单总金额"
        assert lines[4] == "`2,`13.34,`0.08000,`13.34"

        refund = _download(m, _apply(m, f"bill_date={trade_day}&bill_type=REFUND").json()).content.decode("utf-8-sig")
        header, row = refund.split("\r\n")[:2]
        assert header.split(",")[14:16] == ["退款申请时间", "退款成功时间"]
        assert len(header.split(",")) == len(row.split(",")) == 29


def test_partner_bill_and_errors(day: tuple[SandboxProcess, date, dict[str, Any]]) -> None:
    sandbox, trade_day, facts = day
    info = sandbox.info
    _at(sandbox, datetime.combine(trade_day + timedelta(days=1), datetime.min.time(), BEIJING) + timedelta(hours=10))
    with Merchant(sandbox.base_url, info, mchid=info["sp_mchid"]) as sp, Merchant(sandbox.base_url, info) as m:
        ticket = _apply(sp, f"bill_date={trade_day}&sub_mchid={info['sub_mchid']}").json()
        text = _download(sp, ticket).content.decode("utf-8-sig")
        row = text.split("\r\n")[1].split(",")
        assert [v.lstrip("`") for v in row[1:4]] == [info["sp_appid"], info["sp_mchid"], info["sub_mchid"]]
        assert facts["c"] in text and facts["a"] not in text
        # Another merchant cannot use the token.
        stolen = m.get(ticket["download_url"])
        assert (stolen.status_code, stolen.json()["code"]) == (400, "INVALID_REQUEST")

        quiet = _apply(m, f"bill_date={trade_day - timedelta(days=1)}")
        assert (quiet.status_code, quiet.json()["code"]) == (400, "NO_STATEMENT_EXIST")
        old = _apply(m, f"bill_date={trade_day - timedelta(days=100)}")
        assert (old.status_code, old.json()["code"]) == (400, "INVALID_REQUEST")
        future = _apply(m, f"bill_date={trade_day + timedelta(days=5)}")
        assert (future.status_code, future.json()["code"]) == (400, "INVALID_REQUEST")
        bad = _apply(m, "bill_date=20240101")
        assert (bad.status_code, bad.json()["code"]) == (400, "PARAM_ERROR")
        bad_type = _apply(m, f"bill_date={trade_day}&bill_type=EVERYTHING")
        assert bad_type.json()["code"] == "PARAM_ERROR"

        ticket = _apply(m, f"bill_date={trade_day}").json()
        sandbox.advance(60)
        assert m.get(ticket["download_url"]).status_code == 200  # still valid after 60 s
        sandbox.advance(241)
        expired = m.get(ticket["download_url"])
        assert (expired.status_code, expired.json()["code"]) == (400, "INVALID_REQUEST")


def test_fundflow_bill(day: tuple[SandboxProcess, date, dict[str, Any]]) -> None:
    sandbox, trade_day, facts = day
    info = sandbox.info
    _at(sandbox, datetime.combine(trade_day + timedelta(days=1), datetime.min.time(), BEIJING) + timedelta(hours=10))
    with Merchant(sandbox.base_url, info) as m, Merchant(sandbox.base_url, info, mchid=info["sp_mchid"]) as sp:
        applied = m.get(f"/v3/bill/fundflowbill?bill_date={trade_day}&account_type=BASIC&tar_type=GZIP")
        assert applied.status_code == 200, applied.text
        verify_signed(applied.headers, applied.content, info)
        ticket = applied.json()
        data = gzip.decompress(_download(m, ticket).content)
        assert hashlib.sha1(data).hexdigest() == ticket["hash_value"]
        none = m.get(f"/v3/bill/fundflowbill?bill_date={trade_day}&account_type=OPERATION")
        assert (none.status_code, none.json()["code"]) == (400, "NO_STATEMENT_EXIST")
        assert sp.get(f"/v3/bill/fundflowbill?bill_date={trade_day}").json()["code"] == "NO_STATEMENT_EXIST"
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data[3:].decode().split("\r\n")
    assert lines[0].split(",")[0] == "记账时间" and len(lines[0].split(",")) == 11
    rows = [[v.lstrip("`") for v in line.split(",")] for line in lines[1:-3]]
    # Payment A (12.34, fee 0.07), payment B (1.00, fee 0.01), the refund of B (0.30).
    assert [(r[4], r[5], r[6]) for r in rows] == [
        ("交易", "收入", "12.34"), ("扣除交易手续费", "支出", "0.07"),
        ("交易", "收入", "1.00"), ("扣除交易手续费", "支出", "0.01"),
        ("退款", "支出", "0.30"),
    ]  # fmt: skip
    assert [r[7] for r in rows] == ["12.34", "12.27", "13.27", "13.26", "12.96"]
    assert rows[-1][1] == facts["refund_id"] and rows[-1][10] == "RF" + facts["b"]
    assert lines[-3] == "资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额"
    assert lines[-2] == "`5,`2,`13.34,`3,`0.38"
