"""Trade bill parsing: the real wechatpay-php fixture as a known answer, other layouts, malformed files."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.clock import CHINA_TZ
from kiosk.wechatpay import (
    BillFormatError,
    BillTicket,
    FundFlowSummary,
    HashMismatchError,
    parse_fundflow_bill,
    parse_trade_bill,
)
from kiosk.wechatpay.bills import check_file

# wechatpay-php tests/fixtures/bill.ALL.csv (byte-identical in wechatpay-axios-plugin).
FIXTURE = (Path(__file__).parent / "vectors" / "bill.ALL.csv").read_bytes()


def test_fixture_is_the_published_file() -> None:
    assert hashlib.sha1(FIXTURE).hexdigest() == "9bb6cd819be348f17a9cbcedddc8eb62fefbd790"
    assert len(FIXTURE) == 14686 and FIXTURE.startswith(b"\xef\xbb\xbf") and FIXTURE.endswith(b"\r\n")


def test_fixture_parses_to_the_known_answer() -> None:
    bill = parse_trade_bill(FIXTURE)
    assert bill.bill_type == "ALL" and len(bill.rows) == 45
    summary = bill.summary
    assert (summary.trade_count, summary.settlement_total_fen, summary.refund_total_fen) == (45, 47, 14)
    assert (summary.recharge_coupon_refund_total_fen, summary.order_total_fen, summary.refund_requested_total_fen) == (
        0,
        47,
        14,
    )
    assert summary.fee_total == Decimal("0.08") and summary.fee_total_fen == 8
    # The summary agrees with the rows it summarises.
    assert sum(r.settlement_total_fen for r in bill.rows) == 47
    assert sum(r.refund_fen or 0 for r in bill.rows) == 14
    assert sum(r.fee for r in bill.rows) == Decimal("0.08")
    assert sum(r.order_total_fen for r in bill.rows) == 47
    assert sum(r.trade_state == "REFUND" for r in bill.rows) == 14
    assert sum(r.trade_type == "NATIVE" for r in bill.rows) == 8


def test_fixture_rows_in_detail() -> None:
    refund, _, native = parse_trade_bill(FIXTURE).rows[:3]
    assert refund.trade_time == datetime(2019, 2, 19, 5, 1, 46, tzinfo=CHINA_TZ)
    assert (refund.appid, refund.mchid, refund.sub_mchid, refund.device_id) == (
        "wxab8acd895ab1638a",
        "1921000401",
        "0",
        "harryma007",
    )
    assert refund.transaction_id == "4200000263201902167700134212"
    assert refund.out_trade_no == "autotest_20190216081946_82335"
    assert (refund.trade_type, refund.trade_state, refund.bank_type, refund.currency) == (
        "JSAPI",
        "REFUND",
        "OTHERS",
        "CNY",
    )
    assert (refund.refund_id, refund.out_refund_no) == (
        "50000709672019011908420787722",
        "REF4200000263201902167700963919",
    )
    assert (refund.settlement_total_fen, refund.refund_fen, refund.refund_requested_fen, refund.order_total_fen) == (
        0,
        1,
        1,
        0,
    )
    assert (refund.refund_type, refund.refund_status, refund.attach, refund.rate) == (
        "ORIGINAL",
        "SUCCESS",
        None,
        "39.00%",
    )
    assert refund.goods_name == "系统拨测-cheeryin-test_micropay_succ"
    assert native.trade_type == "NATIVE" and native.device_id is None and native.openid == "wxab8acb865bb1637e"
    assert (native.settlement_total_fen, native.order_total_fen, native.refund_fen) == (3, 3, 0)
    assert native.fee == Decimal("0.01000") and native.fee_fen == 1
    assert native.refund_type is None and native.refund_status is None


def test_lf_only_and_no_bom_still_parse() -> None:
    plain = FIXTURE.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    assert parse_trade_bill(plain) == parse_trade_bill(FIXTURE)


SUCCESS_BILL = (
    "\ufeff交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
    "应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注\r\n"
    "`2026-11-28 10:00:00,`wx8888888888888888,`1900007291,`1900000109,`KIOSK-01,`4200001863202305068344507881,"
    "`K20261128-0001,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`SUCCESS,`OTHERS,`CNY,`12.34,`0.00,`奶茶,`桌号7,"
    "`0.07404,`0.60%,`12.34,`\r\n"
    "总交易单数,应结订单总金额,手续费总金额,订单总金额\r\n"
    "`1,`12.34,`0.07404,`12.34\r\n"
).encode()


def test_success_bill_and_integer_count_summary_style() -> None:
    bill = parse_trade_bill(SUCCESS_BILL)
    assert bill.bill_type == "SUCCESS"
    (row,) = bill.rows
    assert row.sub_mchid == "1900000109" and row.attach == "桌号7" and row.settlement_total_fen == 1234
    assert row.refund_id is None and row.refund_fen is None and row.refund_requested_fen is None
    assert row.fee == Decimal("0.07404") and row.fee_fen == 7  # half-up: 7.404 fen → 7
    assert bill.summary.trade_count == 1 and bill.summary.refund_total_fen is None
    assert bill.summary.fee_total_fen == 7 and bill.summary.order_total_fen == 1234


def test_a_comma_inside_free_text_stays_in_its_value() -> None:
    bill = parse_trade_bill(SUCCESS_BILL.replace("`奶茶,".encode(), "`奶茶,大杯,".encode()))
    assert bill.rows[0].goods_name == "奶茶,大杯" and bill.rows[0].attach == "桌号7"


def test_refund_bill_has_the_two_refund_times() -> None:
    header = (
        "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
        "应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
        "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
    )
    row = (
        "`2026-11-28 10:00:00,`wxd678efh567hg6787,`1900007291,`0,`,`4200001863202305068344507881,`K20261128-0001,"
        "`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`2026-11-28 11:00:00,"
        "`2026-11-28 11:00:05,`50000000382019052709732678859,`R-1,`0.50,`0.00,`ORIGINAL,`SUCCESS,`奶茶,`,`-0.00300,"
        "`0.60%,`0.00,`0.50,`"
    )
    summary = (
        "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n"
        "`1,`0.00,`0.50,`0.00,`-0.00300,`0.00,`0.50"
    )
    bill = parse_trade_bill(f"{header}\r\n{row}\r\n{summary}\r\n".encode())
    assert bill.bill_type == "REFUND"
    (refund,) = bill.rows
    assert refund.refund_apply_time == datetime(2026, 11, 28, 11, 0, tzinfo=CHINA_TZ)
    assert refund.refund_success_time == datetime(2026, 11, 28, 11, 0, 5, tzinfo=CHINA_TZ)
    assert refund.refund_fen == 50 and refund.fee == Decimal("-0.00300") and refund.fee_fen == 0
    assert bill.summary.refund_total_fen == 50


def lines() -> list[bytes]:
    return FIXTURE.split(b"\r\n")


def rebuild(parts: list[bytes]) -> bytes:
    return b"\r\n".join(parts)


@pytest.mark.parametrize(
    ("mutate", "line", "problem"),
    [
        (lambda p: p.__setitem__(5, p[5].replace(b",`", b",", 1)), 6, "backtick"),
        (lambda p: p.__setitem__(7, p[7] + b",`extra"), 8, "expected 27 values"),
        (lambda p: p.__setitem__(3, p[3].replace(b"`0.03", b"`0.0x", 1)), 4, "not an amount"),
        (lambda p: p.__setitem__(3, p[3].replace(b"`0.03", b"`0.035", 1)), 4, "fractions of a fen"),
        (lambda p: p.__setitem__(2, p[2].replace(b"`2019-02-19 05:01:46", b"`19/02/2019", 1)), 3, "time"),
        (lambda p: p.__setitem__(0, p[0].replace("商户订单号".encode(), b"order")), 1, "header"),
        (lambda p: p.__setitem__(47, b"`44.0,`0.47,`0.14,`0.0,`0.08,`0.47,`0.14"), 48, "summary counts 44"),
        (lambda p: p.__setitem__(47, b"`45.5,`0.47,`0.14,`0.0,`0.08,`0.47,`0.14"), 48, "not a count"),
        (lambda p: p.__setitem__(46, b"whatever"), 47, "summary header"),
        (lambda p: p.insert(48, b"`trailing"), 49, "after the summary"),
    ],
)
def test_malformed_files_name_the_line(mutate: object, line: int, problem: str) -> None:
    parts = lines()
    mutate(parts)  # type: ignore[operator]
    with pytest.raises(BillFormatError) as caught:
        parse_trade_bill(rebuild(parts))
    assert caught.value.line == line, caught.value
    assert problem in str(caught.value)


def test_truncated_and_undecodable_files() -> None:
    with pytest.raises(BillFormatError, match="summary header is missing"):
        parse_trade_bill(rebuild(lines()[:10]))
    with pytest.raises(BillFormatError, match="summary row is missing"):
        parse_trade_bill(rebuild(lines()[:47]))
    with pytest.raises(BillFormatError, match="empty"):
        parse_trade_bill(b"\xef\xbb\xbf\r\n")
    broken = bytearray(FIXTURE)
    at = FIXTURE.index(b"harryma007")
    broken[at] = 0xFF
    with pytest.raises(BillFormatError) as caught:
        parse_trade_bill(bytes(broken))
    assert caught.value.line == 2


@settings(max_examples=60, deadline=None)
@given(fen=st.integers(min_value=0, max_value=10**12))
def test_yuan_strings_become_exact_fen(fen: int) -> None:
    yuan = f"{fen // 100}.{fen % 100:02d}"
    bill = SUCCESS_BILL.replace(b"`12.34", f"`{yuan}".encode())
    parsed = parse_trade_bill(bill)
    assert parsed.rows[0].settlement_total_fen == fen and parsed.summary.order_total_fen == fen


def test_hash_is_checked_over_the_decompressed_file() -> None:
    import gzip

    ticket = BillTicket("SHA1", "9BB6CD819BE348F17A9CBCEDDDC8EB62FEFBD790", "https://api.mch.weixin.qq.com/x")
    assert check_file(ticket, gzip.compress(FIXTURE)) == FIXTURE
    assert check_file(ticket, FIXTURE) == FIXTURE
    with pytest.raises(HashMismatchError):
        check_file(ticket, gzip.compress(FIXTURE[:-2]))
    with pytest.raises(HashMismatchError):
        check_file(ticket, b"\x1f\x8b" + b"not gzip at all")


FUND_FLOW = (
    "\ufeff记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),"
    "资金变更提交申请人,备注,业务凭证号\r\n"
    "`2026-11-28 10:00:05,`4200001863202305068344507881,`4200001863202305068344507881,`交易,`交易,`收入,"
    "`12.34,`1012.34,`system,`,`K20261128-0001\r\n"
    "`2026-11-28 11:00:00,`50000000382019052709732678859,`50000000382019052709732678859,`退款,`退款,`支出,"
    "`0.50,`1011.84,`1900007291API,`少找零,`R-1\r\n"
    "资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额\r\n"
    "`2.0,`1,`12.34,`1,`0.50\r\n"
).encode()


def test_fund_flow_bill() -> None:
    bill = parse_fundflow_bill(FUND_FLOW)
    income, expense = bill.rows
    assert income.booking_time == datetime(2026, 11, 28, 10, 0, 5, tzinfo=CHINA_TZ)
    assert (income.direction, income.amount_fen, income.balance_fen, income.note) == ("收入", 1234, 101234, None)
    assert (expense.direction, expense.amount_fen, expense.note, expense.voucher_no) == ("支出", 50, "少找零", "R-1")
    assert bill.summary == FundFlowSummary(count=2, income_count=1, income_fen=1234, expense_count=1, expense_fen=50)


def test_fund_flow_bill_errors_name_the_line() -> None:
    with pytest.raises(BillFormatError) as caught:
        parse_fundflow_bill(FUND_FLOW.replace(b"`12.34,`1012.34", b"`12.345,`1012.34"))
    assert caught.value.line == 2
    with pytest.raises(BillFormatError) as caught:
        parse_fundflow_bill(FUND_FLOW.replace(b"`2.0,", b"`3,"))
    assert caught.value.line == 5
    with pytest.raises(BillFormatError) as caught:
        parse_fundflow_bill(FIXTURE)
    assert caught.value.line == 1
