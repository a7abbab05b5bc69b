"""Trade and fund-flow bills: apply for a ticket, download the file (trusted only through its hash), parse.

The trade bill is UTF-8 with a BOM and CRLF lines: a header of column names, detail rows whose every value
is prefixed with a backtick, a summary header and one summary row. Amounts are yuan strings and become
int fen; the fee has five decimals, so it is kept exactly as ``Decimal`` yuan *and* as fen rounded half-up.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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
_FEN = Decimal("0.01")


@dataclass(frozen=True)
class BillTicket:
    """Where and how to fetch a bill file; ``hash_value`` is the SHA1 of the *decompressed* file."""

    hash_type: str
    hash_value: str
    download_url: str


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class TradeBill:
    bill_type: str
    rows: list[BillRow]
    summary: BillSummary


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


def parse_trade_bill(data: bytes) -> TradeBill:
    """Parse a (decompressed) trade bill of type ALL, SUCCESS or REFUND; BillFormatError names the line."""
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
