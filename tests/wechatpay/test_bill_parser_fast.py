"""The trade bill's fast path: every fast converter and the column-wise parse agree with the reference code.

``kiosk.wechatpay.bills`` keeps the row-by-row reference parser (``_parse_trade_bill``) and the reference
converters (``_fen``, ``_yuan`` + ``_fee_fen``, ``_time``); these tests hold the fast path to them, value by
value and file by file, including the errors (which the fast path leaves to the reference)."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.clock import CHINA_TZ
from kiosk.wechatpay import BillFormatError, BillRow, parse_trade_bill
from kiosk.wechatpay import bills as b

FIXTURE = (Path(__file__).parent / "vectors" / "bill.ALL.csv").read_bytes()


def outcome(fn: object, *args: object) -> object:
    try:
        return ("ok", fn(*args))  # type: ignore[operator]
    except BillFormatError as exc:
        return ("error", str(exc).replace("line 0: ", ""))
    except ArithmeticError as exc:  # e.g. a fee too large for Decimal's context: the reference's own error
        return ("error", type(exc).__name__)


def reference_fen(text: str) -> object:
    return outcome(b._fen, text, 0, "订单金额")


def fast_fen(text: str) -> object:
    return outcome(b._amount_fen, text, "订单金额")


AMOUNTS = [
    *("0", "1", ".5", ".50", "-.50", "0.00", "-0.00", "1.00", "12.34", "-12.34", "007.50", "45.0", "0.5"),
    *("99999999999999999.99", "-9999999999999999.99", "123456789012345678901234567.89", "1e2", "1E-2"),
    *(" 1.00", "1.00 ", "+1.00", "1_0.00", "\u0661.\u0660\u0660", "\u00b2.00", "１.００", "0.035", "0.001"),
    *("Infinity", "-inf", "NaN", "sNaN", "", "-", ".", "..50", "--1.00", "1.0x", "1,00", "¥1.00", "1.00.00"),
]


@pytest.mark.parametrize("text", AMOUNTS)
def test_amounts_convert_as_the_reference(text: str) -> None:
    assert fast_fen(text) == reference_fen(text)


@settings(max_examples=300, deadline=None)
@given(fen=st.integers(min_value=-(10**22), max_value=10**22), style=st.sampled_from(["%d.%02d", "%d.%02d0", "%d"]))
def test_generated_amounts_convert_as_the_reference(fen: int, style: str) -> None:
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    text = sign + (style % (whole, cents) if style != "%d" else str(whole))
    assert fast_fen(text) == reference_fen(text)


def reference_fee(text: str) -> object:
    def convert() -> object:
        fee = b._yuan(text, 0, "手续费")
        return fee, b._fee_fen(fee)

    return outcome(convert)


FEES = [
    *("0.00500", "-0.00500", "0.00499", "-0.00499", "0.00501", "-0.00300", "0.07404", "1.23450", "0.01000"),
    *("0.00000", "-0.00000", "0.0", "0", "", "0.005", "0.00050", "123456789012345.00500", "9" * 30 + ".00500"),
    *("1e-5", "+0.00500", "\u0660.\u0660\u0660\u0665\u0660\u0660", "0.0050x", "NaN", "-", ".00500", "-.01500"),
]


@pytest.mark.parametrize("text", FEES)
def test_fees_convert_as_the_reference(text: str) -> None:
    fast, reference = outcome(b._fee, text, "手续费"), reference_fee(text)
    assert fast == reference
    if fast[0] == "ok":  # type: ignore[index]
        assert str(fast[1][0]) == str(reference[1][0])  # type: ignore[index]  # the same Decimal, exponent too


@settings(max_examples=300, deadline=None)
@given(milli=st.integers(min_value=-(10**15), max_value=10**15))
def test_generated_fees_round_half_up_as_the_reference(milli: int) -> None:
    sign = "-" if milli < 0 else ""
    whole, fraction = divmod(abs(milli), 100_000)
    text = f"{sign}{whole}.{fraction:05d}"
    assert outcome(b._fee, text, "手续费") == reference_fee(text)


TIMES = [
    *(
        "2026-11-28 10:00:00",
        "2026-11-28 00:00:00",
        "2026-11-28 23:59:59",
        "2024-02-29 12:00:00",
        "0001-01-01 00:00:00",
    ),
    *(
        "2026-02-29 10:00:00",
        "2026-11-28 24:00:00",
        "2026-11-28 23:59:60",
        "2026-11-28 23:60:00",
        "0000-01-01 00:00:00",
    ),
    *("2026-13-01 10:00:00", "2026-00-10 10:00:00", "2026-1-5 1:2:3", "2026-11-28 1:02:03", "2026-W48-1 10:00:00"),
    *("２０２６-11-28 10:00:00", "2026-11-28T10:00:00", "2026-11-28 10:00:00+08:00", "2026-11-28 10:00", "2026-11-28"),
    *("", " 2026-11-28 10:00:00", "2026-11-28 10:00:00 ", "2026-11-28 10:00:00.5", "20261128 100000", "19/02/2019"),
]


@pytest.mark.parametrize("text", TIMES)
def test_times_convert_as_the_reference(text: str) -> None:
    fast, reference = outcome(b._trade_time, text, "交易时间"), outcome(b._time, text, 0, "交易时间")
    assert fast == reference
    if fast[0] == "ok" and fast[1] is not None:  # type: ignore[index]
        assert fast[1].tzinfo is CHINA_TZ and fast[1].fold == 0  # type: ignore[index]


@settings(max_examples=300, deadline=None)
@given(digits=st.lists(st.sampled_from("0123456789"), min_size=14, max_size=14))
def test_generated_times_convert_as_the_reference(digits: list[str]) -> None:
    d = "".join(digits)
    text = f"{d[:4]}-{d[4:6]}-{d[6:8]} {d[8:10]}:{d[10:12]}:{d[12:14]}"
    assert outcome(b._trade_time, text, "交易时间") == outcome(b._time, text, 0, "交易时间")


# ---- whole files ----------------------------------------------------------------------------------------

HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
    "应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
    "手续费,费率,订单金额,申请退款金额,费率备注"
)
SUMMARY = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"


def row(when: str = "2026-11-28 10:00:00", total: str = "12.34", fee: str = "0.07404", goods: str = "奶茶") -> str:
    values = [when, "wx8888888888888888", "1900000109", "0", "", "4200001863202305068344507881", "K-1", "o1"]
    values += ["NATIVE", "SUCCESS", "OTHERS", "CNY", total, "0.00", "0", "0", "0.00", "0.00", "", "", goods, ""]
    values += [fee, "0.60%", total, "0.00", ""]
    return ",".join("`" + v for v in values)


def bill(rows: list[str], count: str | None = None, eol: str = "\r\n") -> bytes:
    summary = f"`{count if count is not None else len(rows)},`0.00,`0.00,`0.00,`0.00,`0.00,`0.00"
    return ("\ufeff" + eol.join([HEADER, *rows, SUMMARY, summary]) + eol).encode()


def both(data: bytes) -> tuple[object, object]:
    return outcome(b._fast_trade_bill, data), outcome(b._parse_trade_bill, data)


def test_the_fixture_takes_the_fast_path_and_equals_the_reference() -> None:
    fast = b._fast_trade_bill(FIXTURE)
    assert fast is not None and fast == b._parse_trade_bill(FIXTURE)
    plain = FIXTURE.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    assert b._fast_trade_bill(plain) == fast


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [row()],
        [row(total="-12.34"), row(total="0"), row(total="1"), row(total=".5"), row(total="45.0")],
        [row(total="99999999999999999.99"), row(total="123456789012345678901234567.89")],
        [row(fee="-0.00500"), row(fee="0.00500"), row(fee="0.005"), row(fee="")],
        [row(goods="奶茶,大杯"), row(goods="a`,b`"), row(goods="trailing,"), row(goods=",,"), row(goods="")],
        [row(when="2026-1-5 1:2:3"), row(when="2024-02-29 23:59:59")],
        [row(goods="\r"), row(goods="\x85\u2028\x0c")],
    ],
)
def test_valid_files_parse_as_the_reference(rows: list[str]) -> None:
    for eol in ("\r\n", "\n"):
        data = bill(rows, eol=eol)
        fast, reference = both(data)
        assert fast == reference and fast[0] == "ok"  # type: ignore[index]
        assert parse_trade_bill(data) == reference[1]  # type: ignore[index]


@pytest.mark.parametrize(
    ("rows", "line", "problem"),
    [
        ([row(), row(total="12.3x")], 3, "not an amount"),
        ([row(total="-0.035"), row(total="1.0x")], 2, "fractions of a fen"),
        ([row(fee="NaN")], 2, "not an amount"),
        ([row(), row(when="2026-02-30 10:00:00")], 3, "time"),
        ([row(when="")], 2, "交易时间 is empty"),
        # one row a value short and the next one a value long: the same number of values in all
        ([row(), row().removesuffix(",`"), row() + ",`x"], 3, "expected 27 values, found 26"),
        ([row() + ",`x", row().removesuffix(",`")], 2, "expected 27 values, found 28"),
        ([row(), row().replace(",`NATIVE", ",NATIVE")], 3, "lacks the backtick"),
        ([row(), row(goods="a,`b")], 3, "expected 27 values, found 28"),
    ],
)
def test_malformed_rows_name_the_line_as_the_reference(rows: list[str], line: int, problem: str) -> None:
    data = bill(rows)
    assert b._fast_trade_bill(data) is None
    with pytest.raises(BillFormatError) as caught:
        parse_trade_bill(data)
    assert caught.value.line == line and problem in str(caught.value), caught.value


@pytest.mark.parametrize(
    "data",
    [
        bill([row()], count="2"),
        bill([row()]) + b"`trailing\r\n",
        bill([row()]).replace(b"\r\n\xe6\x80\xbb", b"\r\n\r\n\xe6\x80\xbb"),  # an empty line before the summary
        bill([row()]).replace("奶茶".encode(), b"\xff\xfe"),
        bill([row()]).replace(SUMMARY.encode() + b"\r\n", b""),
        bill([row()]).split(b"\r\n`1,")[0],
        HEADER.encode(),
        b"",
    ],
)
def test_malformed_files_fail_as_the_reference(data: bytes) -> None:
    fast, reference = both(data)
    assert fast == ("ok", None) and reference[0] == "error"  # type: ignore[index]
    assert outcome(parse_trade_bill, data) == reference


AMOUNT_TEXT = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12).map(
        lambda f: f"{'-' if f < 0 else ''}{abs(f) // 100}.{abs(f) % 100:02d}"
    ),
    st.sampled_from(["0", "1", ".5", "45.0", "0.035", "1e2", "x", ""]),
)


@settings(max_examples=60, deadline=None)
@given(
    totals=st.lists(AMOUNT_TEXT, min_size=0, max_size=6),
    fees=st.lists(st.integers(min_value=-(10**8), max_value=10**8), min_size=6, max_size=6),
    goods=st.lists(st.text(alphabet=",`ab奶\r\x85", max_size=5), min_size=6, max_size=6),
    count_offset=st.sampled_from([0, 0, 0, 1]),
)
def test_generated_files_parse_as_the_reference(
    totals: list[str], fees: list[int], goods: list[str], count_offset: int
) -> None:
    rows = [
        row(total=t, fee=f"{'-' if f < 0 else ''}{abs(f) // 100000}.{abs(f) % 100000:05d}", goods=g)
        for t, f, g in zip(totals, fees, goods, strict=False)
    ]
    data = bill(rows, count=str(len(rows) + count_offset))
    fast, reference = both(data)
    if fast[0] == "ok" and fast[1] is not None:  # type: ignore[index]
        assert fast == reference
    else:
        assert fast == ("ok", None)
    assert outcome(parse_trade_bill, data) == reference


# ---- the rows themselves ----------------------------------------------------------------------------------


def test_rows_built_from_the_columns_are_ordinary_frozen_bill_rows() -> None:
    fast = parse_trade_bill(FIXTURE).rows[0]
    normal = BillRow(**{f.name: getattr(fast, f.name) for f in dataclasses.fields(BillRow)})
    assert type(fast) is BillRow and fast == normal and hash(fast) == hash(normal) and repr(fast) == repr(normal)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.out_trade_no = "changed"  # type: ignore[misc]
    assert dataclasses.asdict(fast) == dataclasses.asdict(normal)
    assert dataclasses.replace(fast, mchid="x").mchid == "x"
    assert pickle.loads(pickle.dumps(fast)) == fast
    assert not hasattr(fast, "__dict__")


def test_a_fast_bill_reads_columns_without_building_rows_and_rows_on_demand() -> None:
    fast = parse_trade_bill(FIXTURE)
    reference = b._parse_trade_bill(FIXTURE)
    assert fast._rows is None  # nothing built yet
    for field in dataclasses.fields(BillRow):
        assert (
            fast.column(field.name) == reference.column(field.name) == [getattr(r, field.name) for r in reference.rows]
        )
    assert fast._rows is None and len(fast) == len(reference) == 45
    assert fast.rows == reference.rows and fast.rows is fast.rows  # built once
    assert fast == reference and fast.summary == reference.summary and fast.bill_type == reference.bill_type
    column = fast.column("out_trade_no")
    column.clear()  # a copy: the bill is not changed through it
    assert len(fast.column("out_trade_no")) == 45
    with pytest.raises(KeyError):
        fast.column("no_such_field")
    with pytest.raises(AttributeError):
        fast.bill_type = "REFUND"  # type: ignore[misc]
    with pytest.raises(ValueError, match="every BillRow field"):
        b.TradeBill.from_columns("ALL", {"out_trade_no": []}, fast.summary)
    assert "45 rows" in repr(fast)
    assert pickle.loads(pickle.dumps(fast)) == fast == copy.deepcopy(fast)


@pytest.mark.parametrize("size", [1, 5, 200])
def test_a_slice_at_a_time_the_fast_path_parses_and_refuses_the_same(
    monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """Big files are handled a slice of ``_SLICE`` bytes at a time (no long step for the other threads); the
    slices change nothing, whatever their size."""
    files = [FIXTURE, bill([]), bill([row(goods="奶茶,大杯"), row(goods="a`,b`"), row(when="2026-1-5 1:2:3")])]
    files += [bill([row(), row().replace(",`NATIVE", ",NATIVE")]), bill([row() + ",`x", row().removesuffix(",`")])]
    files += [bill([row(goods="\r"), row()], eol="\n"), bill([row(), row()], count="3")]
    whole = [outcome(b._fast_trade_bill, data) for data in files]
    monkeypatch.setattr(b, "_SLICE", size)
    assert [outcome(b._fast_trade_bill, data) for data in files] == whole
    assert whole[0][0] == "ok" and whole[0][1] is not None  # type: ignore[index]
