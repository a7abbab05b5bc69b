"""Trade and fund-flow bills: apply for a ticket, download the file (trusted only through its hash), parse.

The trade bill is UTF-8 with a BOM and CRLF lines: a header of column names, detail rows whose every value
is prefixed with a backtick, a summary header and one summary row. Amounts are yuan strings and become
int fen; the fee has five decimals, so it is kept exactly as ``Decimal`` yuan *and* as fen rounded half-up.

Speed (a 100,000-row day is parsed in well under a second): the detail rows are converted column by column
(each column's *distinct* values once: amounts, fees and times repeat), amounts of the canonical ``d.dd`` form
and fees of the ``d.ddddd`` form take an integer fast path, canonical times a ``fromisoformat`` fast path;
anything else goes through the reference ``Decimal``/``strptime`` converters, which define the semantics.
When anything in the detail rows is wrong the file is parsed again row by row by the reference code, so a
``BillFormatError`` names the same line and problem as it always did. The result keeps its columns and
builds its ``BillRow`` objects only when ``rows`` is first used (the relay reads the columns only).
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import hmac
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import repeat
from operator import attrgetter
from typing import Any

from kiosk.clock import CHINA_TZ

from . import validation as v
from ._fields import req_str
from .core import Operation, Response
from .credentials import Merchant, PartnerMerchant
from .errors import BillFormatError, HashMismatchError, ResponseFormatError

TRADE_BILL_PATH = "/v3/bill/tradebill"
FUNDFLOW_BILL_PATH = "/v3/bill/fundflowbill"
TRADE_BILL_TYPES = ("ALL", "SUCCESS", "REFUND")
FUND_ACCOUNT_TYPES = ("BASIC", "OPERATION", "FEES")
_BOM = "\ufeff"
_BOM_BYTES = _BOM.encode()
_FEN = Decimal("0.01")


@dataclass(frozen=True)
class BillTicket:
    """Where and how to fetch a bill file; ``hash_value`` is the SHA1 of the *decompressed* file."""

    hash_type: str
    hash_value: str
    download_url: str


@dataclass(frozen=True, slots=True)
class BillRow:
    """One detail row. Columns the bill type does not have are ``None`` (e.g. refunds in a SUCCESS bill)."""

    trade_time: datetime
    appid: str
    mchid: str
    sub_mchid: str | None
    device_id: str | None
    transaction_id: str
    out_trade_no: str
    openid: str | None
    trade_type: str
    trade_state: str
    bank_type: str | None
    currency: str
    settlement_total_fen: int
    coupon_fen: int | None
    refund_id: str | None
    out_refund_no: str | None
    refund_fen: int | None
    recharge_coupon_refund_fen: int | None
    refund_type: str | None
    refund_status: str | None
    goods_name: str | None
    attach: str | None
    fee: Decimal
    fee_fen: int
    rate: str | None
    order_total_fen: int
    refund_requested_fen: int | None
    rate_note: str | None
    refund_apply_time: datetime | None = None
    refund_success_time: datetime | None = None


@dataclass(frozen=True)
class BillSummary:
    trade_count: int
    settlement_total_fen: int
    refund_total_fen: int | None
    recharge_coupon_refund_total_fen: int | None
    fee_total: Decimal
    fee_total_fen: int
    order_total_fen: int
    refund_requested_total_fen: int | None


class TradeBill:
    """A parsed trade bill: its type, detail rows and summary (immutable).

    The fast parser works column by column, so a bill it parsed keeps its columns and builds ``rows`` only on
    first use; :meth:`column` reads one field of every row without them (the manager's reconciliation of a
    100,000-row day never needs the row objects)."""

    __slots__ = ("_columns", "_rows", "bill_type", "summary")
    bill_type: str
    summary: BillSummary
    _rows: list[BillRow] | None  # None until first asked for, when built from columns
    _columns: dict[str, list[Any]] | None  # None when built from rows

    def __init__(self, bill_type: str, rows: list[BillRow], summary: BillSummary) -> None:
        object.__setattr__(self, "bill_type", bill_type)
        object.__setattr__(self, "summary", summary)
        object.__setattr__(self, "_rows", rows)
        object.__setattr__(self, "_columns", None)

    @classmethod
    def from_columns(cls, bill_type: str, columns: dict[str, list[Any]], summary: BillSummary) -> TradeBill:
        """A bill from one list per ``BillRow`` field, all of the same length (rows built on first use)."""
        if set(columns) != set(_ROW_FIELDS) or len(set(map(len, columns.values()))) > 1:
            raise ValueError("columns must hold every BillRow field, each with one value per row")
        bill = cls(bill_type, [], summary)
        object.__setattr__(bill, "_rows", None)
        object.__setattr__(bill, "_columns", columns)
        return bill

    @property
    def rows(self) -> list[BillRow]:
        rows = self._rows
        if rows is None:
            columns = self._columns
            assert columns is not None
            rows = [BillRow(*values) for values in zip(*(columns[name] for name in _ROW_FIELDS), strict=True)]
            object.__setattr__(self, "_rows", rows)
        return rows

    def column(self, name: str) -> list[Any]:
        """The ``name`` field (a ``BillRow`` field name) of every row, in row order (a new list)."""
        if name not in _ROW_FIELD_SET:
            raise KeyError(name)
        if self._columns is not None:
            return list(self._columns[name])
        return list(map(attrgetter(name), self.rows))

    def __len__(self) -> int:
        if self._columns is not None:
            return len(self._columns["out_trade_no"])
        return len(self.rows)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"TradeBill is immutable (cannot set {name})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TradeBill):
            return NotImplemented
        return (self.bill_type, self.summary, self.rows) == (other.bill_type, other.summary, other.rows)

    __hash__ = None  # type: ignore[assignment]  # rows are a list, as in the dataclass this replaces

    def __reduce__(self) -> tuple[type[TradeBill], tuple[str, list[BillRow], BillSummary]]:
        return TradeBill, (self.bill_type, self.rows, self.summary)  # pickle and copy (slots, no __setattr__)

    def __repr__(self) -> str:
        return f"TradeBill(bill_type={self.bill_type!r}, rows=<{len(self)} rows>, summary={self.summary!r})"


# Column name → BillRow field, in the order of the ALL bill (REFUND adds the two refund times).
_COLUMNS = {
    "交易时间": "trade_time",
    "公众账号ID": "appid",
    "商户号": "mchid",
    "特约商户号": "sub_mchid",
    "设备号": "device_id",
    "微信订单号": "transaction_id",
    "商户订单号": "out_trade_no",
    "用户标识": "openid",
    "交易类型": "trade_type",
    "交易状态": "trade_state",
    "付款银行": "bank_type",
    "货币种类": "currency",
    "应结订单金额": "settlement_total_fen",
    "代金券金额": "coupon_fen",
    "退款申请时间": "refund_apply_time",
    "退款成功时间": "refund_success_time",
    "微信退款单号": "refund_id",
    "商户退款单号": "out_refund_no",
    "退款金额": "refund_fen",
    "充值券退款金额": "recharge_coupon_refund_fen",
    "退款类型": "refund_type",
    "退款状态": "refund_status",
    "商品名称": "goods_name",
    "商户数据包": "attach",
    "手续费": "fee",
    "费率": "rate",
    "订单金额": "order_total_fen",
    "申请退款金额": "refund_requested_fen",
    "费率备注": "rate_note",
}
_REQUIRED = (
    *("交易时间", "公众账号ID", "商户号", "微信订单号", "商户订单号", "交易类型", "交易状态", "货币种类"),
    *("应结订单金额", "手续费", "订单金额"),
)
_SUMMARY_COLUMNS = {
    "总交易单数": "trade_count",
    "应结订单总金额": "settlement_total_fen",
    "退款总金额": "refund_total_fen",
    "充值券退款总金额": "recharge_coupon_refund_total_fen",
    "手续费总金额": "fee_total",
    "订单总金额": "order_total_fen",
    "申请退款总金额": "refund_requested_total_fen",
}
_SUMMARY_REQUIRED = ("总交易单数", "应结订单总金额", "手续费总金额", "订单总金额")
_OPTIONAL_TEXT = (
    *("sub_mchid", "device_id", "openid", "bank_type", "refund_id", "out_refund_no"),
    *("refund_type", "refund_status", "goods_name", "attach", "rate", "rate_note"),
)
_TIMES = frozenset({"trade_time", "refund_apply_time", "refund_success_time"})


def _yuan(text: str, line: int, column: str) -> Decimal:
    try:
        value = Decimal(text) if text else Decimal(0)
    except InvalidOperation:
        raise BillFormatError(line, f"{column} {text!r} is not an amount") from None
    if not value.is_finite():
        raise BillFormatError(line, f"{column} {text!r} is not an amount")
    return value


def _fen(text: str, line: int, column: str) -> int:
    value = _yuan(text, line, column) * 100
    if value != value.to_integral_value():
        raise BillFormatError(line, f"{column} {text!r} has fractions of a fen")
    return int(value)


def _fee_fen(fee: Decimal) -> int:
    return int((fee / _FEN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _time(text: str, line: int, column: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA_TZ)
    except ValueError:
        raise BillFormatError(line, f"{column} {text!r} is not a yyyy-MM-dd HH:mm:ss time") from None


def _values(raw: str, line: int, width: int) -> list[str]:
    # Every value starts with a backtick, so ",`" is the separator; a bare comma inside free text (which
    # WeChat Pay may or may not escape) then stays part of its value.
    cells = raw[1:].split(",`") if raw.startswith("`") else []
    if len(cells) != width:
        plain = raw.split(",")
        if len(plain) == width and any(not cell.startswith("`") for cell in plain):
            bad = next(cell for cell in plain if not cell.startswith("`"))
            raise BillFormatError(line, f"value {bad!r} lacks the backtick prefix")
        raise BillFormatError(line, f"expected {width} values, found {max(len(cells), len(plain))}")
    return cells


def _bill_type(columns: Sequence[str]) -> str:
    if "退款申请时间" in columns:
        return "REFUND"
    if "微信退款单号" in columns:
        return "ALL"
    return "SUCCESS"


def _row(columns: Sequence[str], values: Sequence[str], line: int) -> BillRow:
    fields: dict[str, object] = {name: None for name in _COLUMNS.values()}
    for column, value in zip(columns, values, strict=True):
        name = _COLUMNS.get(column)
        if name is None:
            continue  # a column added after this parser was written
        if name in _TIMES:
            fields[name] = _time(value, line, column)
        elif name == "fee":
            fields["fee"] = _yuan(value, line, column)
        elif name.endswith("_fen"):
            fields[name] = _fen(value, line, column)
        else:
            fields[name] = value
    if fields["trade_time"] is None:
        raise BillFormatError(line, "交易时间 is empty")
    fee = fields["fee"]
    assert isinstance(fee, Decimal)
    fields["fee_fen"] = _fee_fen(fee)
    for name in _OPTIONAL_TEXT:
        if fields[name] == "":
            fields[name] = None
    return BillRow(**fields)  # type: ignore[arg-type]


def _summary(columns: Sequence[str], values: Sequence[str], line: int) -> BillSummary:
    fields: dict[str, object] = {name: None for name in _SUMMARY_COLUMNS.values()}
    for column, value in zip(columns, values, strict=True):
        name = _SUMMARY_COLUMNS.get(column)
        if name is None:
            continue
        if name == "trade_count":
            fields[name] = _count(value, line, column)
        elif name == "fee_total":
            fields[name] = _yuan(value, line, column)
        else:
            fields[name] = _fen(value, line, column)
    fee = fields["fee_total"]
    assert isinstance(fee, Decimal)
    fields["fee_total_fen"] = _fee_fen(fee)
    return BillSummary(**fields)  # type: ignore[arg-type]


def _lines(data: bytes) -> list[str]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BillFormatError(line, "not UTF-8") from None
    lines = text.removeprefix(_BOM).replace("\r\n", "\n").split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise BillFormatError(0, "empty file")
    return lines


def _count(text: str, line: int, column: str) -> int:
    # Samples disagree on the style: "45.0" and "4" both occur.
    count = _yuan(text, line, column)
    if count != count.to_integral_value() or count < 0:
        raise BillFormatError(line, f"{column} {text!r} is not a count")
    return int(count)


# ---- the fast path ------------------------------------------------------------------------------------
# Every fast converter below either returns exactly what the reference converter (``_fen``, ``_yuan`` +
# ``_fee_fen``, ``_time``) returns for the same text, or hands the text to it.

_FAST_LENGTH = 20  # far below Decimal's 28 digits of context precision: no rounding happens in the reference
_TIME_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_parse_iso = datetime.fromisoformat
_combine = datetime.combine


def _is_digits(text: str) -> bool:
    # str.isdigit() is also true for "²" and other non-ASCII digits, which int() and Decimal treat differently.
    return bool(text) and text.isascii() and text.isdigit()


def _amount_fen(text: str, column: str) -> int:
    """``_fen`` for one value: ``[-]d*.dd`` (how WeChat Pay writes amounts) as integer arithmetic."""
    if len(text) <= _FAST_LENGTH and text[-3:-2] == ".":
        digits = text[:-3] + text[-2:]
        if _is_digits(digits[1:] if digits[0] == "-" else digits):
            return int(digits)
    return _fen(text, 0, column)


def _fee(text: str, column: str) -> tuple[Decimal, int]:
    """``(_yuan, _fee_fen)`` for one fee value; ``[-]d*.ddddd`` rounds half-up (away from zero) in integers."""
    fee = _yuan(text, 0, column)
    if len(text) <= _FAST_LENGTH and text[-6:-5] == ".":
        digits = text[:-6] + text[-5:]
        negative = digits[0] == "-"
        if _is_digits(digits[1:] if negative else digits):
            milli_fen = int(digits[1:] if negative else digits)  # 1e-5 yuan = 1/1000 fen
            fen = (milli_fen + 500) // 1000
            return fee, -fen if negative else fen
    return fee, _fee_fen(fee)


def _trade_time(text: str, column: str) -> datetime | None:
    """``_time`` for one value: ``yyyy-MM-dd HH:mm:ss`` in ASCII digits through ``fromisoformat``."""
    if len(text) == 19 and _TIME_TEXT.fullmatch(text):
        try:
            naive = _parse_iso(text)
            return _combine(naive, naive.time(), CHINA_TZ)  # = .replace(tzinfo=...), at a fifth of its cost
        except ValueError:
            pass  # e.g. 2026-02-30: the reference raises the error
    return _time(text, 0, column)


_ROW_FIELDS = tuple(f.name for f in dataclasses.fields(BillRow))
_ROW_FIELD_SET = frozenset(_ROW_FIELDS)
_FIELD_COLUMN = {name: column for column, name in _COLUMNS.items()}
_OPTIONAL_TEXT_SET = frozenset(_OPTIONAL_TEXT)
_DETAIL_END = re.compile(b"\n(?!`)")  # the newline that ends the last detail row (or the header)


def _table(values: Iterable[str], convert: Callable[[str, str], Any], column: str) -> dict[str, Any]:
    """Each distinct value converted once (amounts, fees and times repeat a lot in a day's bill)."""
    return {text: convert(text, column) for text in set(values)}


_TIMES_TEXT = re.compile(rf"(?:{_TIME_TEXT.pattern}\n)*")


def _time_table(values: Iterable[str], column: str) -> dict[str, datetime | None]:
    """``_table(values, _trade_time, column)`` in C-level passes when every distinct value has the canonical
    form (a day's times are mostly distinct): one regex over all of them, then ``fromisoformat``."""
    distinct = list(set(values))
    step = 10_000  # times per regex pass: one pass over a whole day would hold the interpreter for long
    if all(_TIMES_TEXT.fullmatch("\n".join(distinct[at : at + step]) + "\n") for at in range(0, len(distinct), step)):
        try:
            naive = list(map(_parse_iso, distinct))
        except ValueError:
            pass  # e.g. 2026-02-30: the reference raises the error
        else:
            aware = map(_combine, naive, map(datetime.time, naive), repeat(CHINA_TZ))
            return dict(zip(distinct, aware, strict=True))
    return _table(distinct, _trade_time, column)


#: The fast path handles a big file a slice of about this many bytes at a time: each C-level step (a replace, a
#: decode, a split) then holds the interpreter a few milliseconds at most, and a thread parsing a 100,000-row
#: bill never stops the other threads (the relay's event loop) for long.
_SLICE = 1 << 20


def _slices(data: bytes, start: int, stop: int, *, before: bool) -> list[bytes]:
    """``data[start:stop]`` in pieces of about :data:`_SLICE` bytes, each cut at a LF: just after it, or (with
    ``before``) just before it, so that the LF starts the next piece."""
    pieces = []
    while start < stop:
        cut = data.find(b"\n", min(start + _SLICE, stop), stop)
        end = stop if cut < 0 else cut + (0 if before else 1)
        pieces.append(data[start:end])
        start = end
    return pieces


def _detail_end(raw: bytes, start: int) -> int | None:
    """Where the LF that ends the detail rows is (``_DETAIL_END``), searched a slice at a time. A LF at a
    slice's last byte is looked at again from the next slice, whose text shows what follows it."""
    while start < len(raw):
        stop = min(start + _SLICE, len(raw))
        found = _DETAIL_END.search(raw, start, min(stop + 1, len(raw)))
        if found is not None and (found.start() < stop or stop == len(raw)):
            return found.start()
        start = stop
    return None


def _cells(pieces: list[str], rows: int, width: int) -> list[str] | None:
    """All values of the ``rows`` detail rows, row after row, split exactly as :func:`_values` splits each line;
    None unless every row has ``width`` values. ``pieces`` are the rows' lines (each starting with a backtick)
    joined by LF, with each LF and the backtick after it already turned into ``,`\n``, cut just before such a
    separator: splitting each piece then yields every value, and the first value of each row after the first
    keeps a leading LF. Values cannot contain an LF, so when there are ``rows - 1`` LFs and each starts value
    ``k * width``, every row has ``width`` values.
    """
    cells = pieces[0][1:].split(",`")
    for piece in pieces[1:]:
        cells += piece.split(",`")[1:]  # the piece starts with the separator: nothing before it
    if len(cells) != rows * width or sum(piece.count("\n") for piece in pieces) != rows - 1:
        return None
    starts = cells[width::width]
    if not all(map(str.startswith, starts, repeat("\n"))):
        return None
    cells[width::width] = [cell[1:] for cell in starts]
    return cells


def _fast_columns(columns: Sequence[str], cells: list[str]) -> dict[str, list[Any]] | None:
    """The detail rows' values by ``BillRow`` field, converted column by column; None when a value is wrong
    (the reference then raises)."""
    width = len(columns)
    count = len(cells) // width
    by_name = {column: cells[at::width] for at, column in enumerate(columns)}
    fields: list[list[Any]] = []
    try:
        for name in _ROW_FIELDS:
            if name == "fee_fen":
                continue  # converted together with the fee
            column = _FIELD_COLUMN[name]
            values = by_name.get(column)
            if values is None:
                fields.append([None] * count)
            elif name in _TIMES:
                if name == "trade_time" and "" in values:
                    return None
                fields.append(list(map(_time_table(values, column).__getitem__, values)))
            elif name == "fee":
                table = _table(values, _fee, column)
                fields.append(list(map({text: fee for text, (fee, _) in table.items()}.__getitem__, values)))
                fields.append(list(map({text: fen for text, (_, fen) in table.items()}.__getitem__, values)))
            elif name.endswith("_fen"):
                fields.append(list(map(_table(values, _amount_fen, column).__getitem__, values)))
            elif name in _OPTIONAL_TEXT_SET and "" in values:
                fields.append([value or None for value in values])
            else:
                fields.append(values)
    except BillFormatError:
        return None
    return dict(zip(_ROW_FIELDS, fields, strict=True))


def _fast_trade_bill(data: bytes) -> TradeBill | None:
    """The whole bill without the per-row reference code; None (never an error) when anything is off.

    The line surgery is done on the UTF-8 bytes (half the size of the decoded text): CR, LF and the backtick
    are ASCII and never part of a multi-byte sequence, so cutting there and decoding the pieces is the same as
    decoding the file and cutting the text, as the reference does."""
    data = data.removeprefix(_BOM_BYTES)
    # Each piece ends just after a LF, so no CR LF is cut in two.
    raw = b"".join(piece.replace(b"\r\n", b"\n") for piece in _slices(data, 0, len(data), before=False))
    header_end = raw.find(b"\n")
    end = _detail_end(raw, header_end) if header_end >= 0 else None
    if end is None:
        return None
    try:
        columns = raw[:header_end].decode("utf-8").split(",")
        # Each piece of the rows starts with a LF and the backtick after it (but the first): no separator is cut.
        pieces = _slices(raw, header_end + 1, end, before=True)
        count = sum(piece.count(b"\n") for piece in pieces) + 1 if pieces else 0
        detail = [piece.replace(b"\n`", b",`\n").decode("utf-8") for piece in pieces]
        rest = raw[end + 1 :].decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return None
    if any(c not in columns for c in _REQUIRED) or len(set(columns)) != len(columns):
        return None
    cells = _cells(detail, count, len(columns)) if count else []
    fields = _fast_columns(columns, cells) if cells is not None else None
    while rest and rest[-1] == "":
        rest.pop()
    if fields is None or len(rest) != 2:
        return None
    summary_columns = rest[0].split(",")
    if any(c not in summary_columns for c in _SUMMARY_REQUIRED):
        return None
    try:
        summary = _summary(summary_columns, _values(rest[1], 0, len(summary_columns)), 0)
    except BillFormatError:
        return None
    if summary.trade_count != count:
        return None
    return TradeBill.from_columns(_bill_type(columns), fields, summary)


def parse_trade_bill(data: bytes) -> TradeBill:
    """Parse a (decompressed) trade bill of type ALL, SUCCESS or REFUND; BillFormatError names the line."""
    bill = _fast_trade_bill(data)
    return bill if bill is not None else _parse_trade_bill(data)


def _parse_trade_bill(data: bytes) -> TradeBill:
    """The reference parser, row by row: it defines the result, and it raises the error for a bad file."""
    lines = _lines(data)
    columns = lines[0].split(",")
    missing = [c for c in _REQUIRED if c not in columns]
    if missing or len(set(columns)) != len(columns):
        raise BillFormatError(1, f"not a trade bill header (missing {', '.join(missing) or 'unique names'})")
    rows: list[BillRow] = []
    index = 1
    while index < len(lines) and lines[index].startswith("`"):
        rows.append(_row(columns, _values(lines[index], index + 1, len(columns)), index + 1))
        index += 1
    if index >= len(lines):
        raise BillFormatError(index + 1, "the summary header is missing")
    summary_columns = lines[index].split(",")
    missing = [c for c in _SUMMARY_REQUIRED if c not in summary_columns]
    if missing:
        raise BillFormatError(index + 1, "expected a detail row or the summary header")
    if index + 1 >= len(lines):
        raise BillFormatError(index + 2, "the summary row is missing")
    summary = _summary(summary_columns, _values(lines[index + 1], index + 2, len(summary_columns)), index + 2)
    if index + 2 < len(lines):
        raise BillFormatError(index + 3, "unexpected content after the summary row")
    if summary.trade_count != len(rows):
        raise BillFormatError(index + 2, f"summary counts {summary.trade_count} trades, the file has {len(rows)}")
    return TradeBill(_bill_type(columns), rows, summary)


@dataclass(frozen=True)
class FundFlowRow:
    """One row of a fund-flow bill (资金账单); amounts in fen as written, ``direction`` is 收入 or 支出."""

    booking_time: datetime
    transaction_id: str
    flow_id: str
    business_name: str
    business_type: str
    direction: str
    amount_fen: int
    balance_fen: int
    applicant: str | None
    note: str | None
    voucher_no: str | None


@dataclass(frozen=True)
class FundFlowSummary:
    count: int
    income_count: int
    income_fen: int
    expense_count: int
    expense_fen: int


@dataclass(frozen=True)
class FundFlowBill:
    rows: list[FundFlowRow]
    summary: FundFlowSummary


_FUND_COLUMNS = (
    *("记账时间", "微信支付业务单号", "资金流水单号", "业务名称", "业务类型", "收支类型", "收支金额(元)"),
    *("账户结余(元)", "资金变更提交申请人", "备注", "业务凭证号"),
)
_FUND_SUMMARY = ("资金流水总笔数", "收入笔数", "收入金额", "支出笔数", "支出金额")


def parse_fundflow_bill(data: bytes) -> FundFlowBill:
    """Parse a (decompressed) fund-flow bill; same layout rules as the trade bill."""
    lines = _lines(data)
    columns = lines[0].split(",")
    if tuple(columns) != _FUND_COLUMNS:
        raise BillFormatError(1, "not a fund-flow bill header")
    rows: list[FundFlowRow] = []
    index = 1
    while index < len(lines) and lines[index].startswith("`"):
        number = index + 1
        v = _values(lines[index], number, len(columns))
        booked = _time(v[0], number, columns[0])
        if booked is None:
            raise BillFormatError(number, "记账时间 is empty")
        rows.append(
            FundFlowRow(
                booking_time=booked,
                transaction_id=v[1],
                flow_id=v[2],
                business_name=v[3],
                business_type=v[4],
                direction=v[5],
                amount_fen=_fen(v[6], number, columns[6]),
                balance_fen=_fen(v[7], number, columns[7]),
                applicant=v[8] or None,
                note=v[9] or None,
                voucher_no=v[10] or None,
            )
        )
        index += 1
    if index >= len(lines) or tuple(lines[index].split(",")) != _FUND_SUMMARY:
        raise BillFormatError(index + 1, "expected a detail row or the summary header")
    if index + 1 >= len(lines):
        raise BillFormatError(index + 2, "the summary row is missing")
    number = index + 2
    v = _values(lines[index + 1], number, len(_FUND_SUMMARY))
    summary = FundFlowSummary(
        count=_count(v[0], number, _FUND_SUMMARY[0]),
        income_count=_count(v[1], number, _FUND_SUMMARY[1]),
        income_fen=_fen(v[2], number, _FUND_SUMMARY[2]),
        expense_count=_count(v[3], number, _FUND_SUMMARY[3]),
        expense_fen=_fen(v[4], number, _FUND_SUMMARY[4]),
    )
    if index + 2 < len(lines):
        raise BillFormatError(index + 3, "unexpected content after the summary row")
    if summary.count != len(rows):
        raise BillFormatError(number, f"summary counts {summary.count} entries, the file has {len(rows)}")
    return FundFlowBill(rows, summary)


def _ticket(response: Response) -> BillTicket:
    data = response.json()
    ticket = BillTicket(req_str(data, "hash_type"), req_str(data, "hash_value"), req_str(data, "download_url"))
    if ticket.hash_type.upper() != "SHA1":
        raise ResponseFormatError(f"unsupported bill hash_type {ticket.hash_type!r}")
    return ticket


def apply_trade_bill(
    merchant: Merchant, bill_date: date, bill_type: str = "ALL", tar_type: str | None = "GZIP"
) -> Operation[BillTicket]:
    """``GET /v3/bill/tradebill``; in partner mode the bill of the one sub-merchant."""
    v.bill_date(bill_date)
    query = [("bill_date", bill_date.isoformat())]
    if isinstance(merchant, PartnerMerchant):
        query.append(("sub_mchid", merchant.sub_mchid))
    query.append(("bill_type", v.choice(bill_type, "bill_type", TRADE_BILL_TYPES)))
    if tar_type is not None:
        query.append(("tar_type", v.choice(tar_type, "tar_type", ("GZIP",))))
    return Operation("apply_trade_bill", "GET", TRADE_BILL_PATH, _ticket, query=tuple(query))


def apply_fundflow_bill(
    bill_date: date, account_type: str = "BASIC", tar_type: str | None = "GZIP"
) -> Operation[BillTicket]:
    """``GET /v3/bill/fundflowbill`` for the signing merchant's own account."""
    v.bill_date(bill_date)
    query = [
        ("bill_date", bill_date.isoformat()),
        ("account_type", v.choice(account_type, "account_type", FUND_ACCOUNT_TYPES)),
    ]
    if tar_type is not None:
        query.append(("tar_type", v.choice(tar_type, "tar_type", ("GZIP",))))
    return Operation("apply_fundflow_bill", "GET", FUNDFLOW_BILL_PATH, _ticket, query=tuple(query))


def check_file(ticket: BillTicket, body: bytes) -> bytes:
    """Gunzip when compressed, then compare SHA1 over the *decompressed* bytes with the ticket's hash."""
    data = body
    if body[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(body)
        except (OSError, EOFError, zlib.error):
            raise HashMismatchError("bill file is corrupt gzip") from None
    digest = hashlib.sha1(data).hexdigest()
    if not hmac.compare_digest(digest, ticket.hash_value.lower()):
        raise HashMismatchError(f"bill SHA1 {digest} does not match the announced {ticket.hash_value}")
    return data


def download(ticket: BillTicket) -> Operation[bytes]:
    """A signed GET to ``download_url``; the file is not signed, so it is trusted only through the hash."""
    check: Callable[[Response], bytes] = lambda response: check_file(ticket, response.body)  # noqa: E731
    return Operation(
        "download_bill",
        "GET",
        "",
        check,
        url=ticket.download_url,
        signed_response=False,
        accept="*/*",
    )
