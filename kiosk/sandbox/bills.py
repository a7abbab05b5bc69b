"""Trade bills: the CSV exactly as WeChat Pay writes it (BOM, CRLF, backtick-prefixed values), SHA-1 over
the uncompressed bytes, and short-lived download tokens under the sandbox's own base URL.

Decisions where the reference is uncertain: the bill for day D is available from 09:00 (Beijing) on D+1
(before that: STATEMENT_CREATING); refund rows belong to the day the refund was requested (the reverse of a
paid payment-code order is one, for the whole amount); summary numbers
use an integer count, 2-decimal amounts and a 5-decimal fee; commas and newlines in free text are
backslash-escaped; download URLs stay valid for 5 minutes of sandbox time.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from kiosk.clock import CHINA_TZ
from kiosk.money import yuan
from kiosk.trade import RefundStatus, TradeState

from .clock import to_datetime
from .errors import ApiError, invalid_request, query_param_error
from .service import Sandbox, Scope, day_bounds

TOKEN_LIFETIME = 300
AVAILABLE_FROM = time(9, 0)
FEE_RATE_BP = 60  # 0.60 %, in basis points
BILL_TYPES = ("ALL", "SUCCESS", "REFUND")

ALL_COLUMNS = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
    "应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
    "手续费,费率,订单金额,申请退款金额,费率备注"
)
SUCCESS_COLUMNS = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
    "应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注"
)
REFUND_COLUMNS = ALL_COLUMNS.replace("代金券金额,", "代金券金额,退款申请时间,退款成功时间,")
ALL_SUMMARY = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
SUCCESS_SUMMARY = "总交易单数,应结订单总金额,手续费总金额,订单总金额"


def fee_text(fen: int) -> str:
    return yuan(fen) + "000"


def fee_of(total: int) -> int:
    # Half-up rounding to the fen.
    return (total * FEE_RATE_BP + 5000) // 10000


def _text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("\r", "").replace("\n", "\\n")


def _time(ts: float | None) -> str:
    return "" if ts is None else to_datetime(ts).strftime("%Y-%m-%d %H:%M:%S")


def _line(values: list[str]) -> str:
    return ",".join("`" + v for v in values)


def _months_back(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _scope(sandbox: Sandbox, caller: str, query: dict[str, str]) -> tuple[Scope, bool]:
    """(scope, all_sub_merchants). Partner without sub_mchid covers all of the SP's sub-merchants."""
    sub_mchid = query.get("sub_mchid")
    if caller == sandbox.identity.sp_mchid:
        if sub_mchid is None:
            return Scope(True, caller, ""), True
        if sub_mchid != sandbox.identity.sub_mchid:
            raise invalid_request("sub_mchid与sp_mchid不存在受理关系")
        return Scope(True, caller, sub_mchid), False
    if sub_mchid is not None:
        raise query_param_error("直连商户不支持sub_mchid参数", "sub_mchid", sub_mchid)
    return Scope(False, caller), False


def _check_date(sandbox: Sandbox, text: str | None) -> date:
    if not text:
        raise query_param_error("缺少参数bill_date", "bill_date")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise query_param_error("bill_date格式错误，应为YYYY-MM-DD", "bill_date", text)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise query_param_error("bill_date格式错误，应为YYYY-MM-DD", "bill_date", text) from None
    now = sandbox.clock.now()
    today = now.date()
    if day >= today:
        raise invalid_request("不能申请当日或未来日期的账单")
    if day < _months_back(today, 3):
        raise invalid_request("只能下载三个月以内的账单")
    if now < datetime.combine(day + timedelta(days=1), AVAILABLE_FROM, CHINA_TZ):
        raise ApiError(400, "STATEMENT_CREATING", "账单生成中")
    return day


def render_trade_bill(sandbox: Sandbox, scope: Scope, all_subs: bool, day: date, bill_type: str) -> bytes | None:
    """The bill file, or None when the day has no rows of this type."""
    start, end = day_bounds(day.isoformat())
    owner_sql = "owner LIKE ?" if all_subs else "owner = ?"
    owner = f"{scope.mchid}:%" if all_subs else scope.owner
    orders = sandbox.store.all(
        f"SELECT * FROM orders WHERE {owner_sql} AND success_time >= ? AND success_time < ? ORDER BY success_time, id",
        owner,
        start,
        end,
    )
    refunds = sandbox.store.all(
        f"""SELECT r.*, o.appid, o.mchid, o.sp_appid, o.sp_mchid, o.sub_mchid, o.mode, o.device_id, o.transaction_id,
            o.out_trade_no, o.openid, o.bank_type, o.description, o.attach, o.success_time AS paid_time, o.trade_type
            FROM refunds r JOIN orders o ON o.id = r.order_id
            WHERE r.{owner_sql} AND r.create_time >= ? AND r.create_time < ? ORDER BY r.create_time, r.id""",
        owner,
        start,
        end,
    )

    def ids(row: Any) -> list[str]:
        if row["mode"] == "partner":
            return [row["sp_appid"], row["sp_mchid"], row["sub_mchid"]]
        return [row["appid"], row["mchid"], "0"]

    lines: list[str] = []
    settled = fees = order_total = refund_total = 0
    if bill_type in ("ALL", "SUCCESS"):
        for o in orders:
            fee = fee_of(o["total"])
            settled += o["total"]
            fees += fee
            order_total += o["total"]
            head = [_time(o["success_time"]), *ids(o), o["device_id"], o["transaction_id"], o["out_trade_no"]]
            head += [o["openid"], o["trade_type"], TradeState.SUCCESS, o["bank_type"], "CNY", yuan(o["total"]), "0.00"]
            text = [_text(o["description"]), _text(o["attach"])]
            if bill_type == "ALL":
                refund_part = ["0", "0", "0.00", "0.00", "", ""]
                tail = [fee_text(fee), "0.60%", yuan(o["total"]), "0.00", ""]
                lines.append(_line(head + refund_part + text + tail))
            else:
                lines.append(_line([*head, *text, fee_text(fee), "0.60%", yuan(o["total"]), ""]))
    if bill_type in ("ALL", "REFUND"):
        for r in refunds:
            refund_total += r["amount"]
            head = [_time(r["paid_time"]), *ids(r), r["device_id"], r["transaction_id"], r["out_trade_no"]]
            head += [r["openid"], r["trade_type"], TradeState.REFUND, r["bank_type"], "CNY", "0.00", "0.00"]
            if bill_type == "REFUND":
                head += [_time(r["create_time"]), _time(r["success_time"])]
            refund_part = [r["refund_id"], r["out_refund_no"], yuan(r["amount"]), "0.00", "ORIGINAL", r["status"]]
            tail = [_text(r["description"]), _text(r["attach"]), fee_text(0), "0.60%", "0.00", yuan(r["amount"]), ""]
            lines.append(_line(head + refund_part + tail))
    if not lines:
        return None
    if bill_type == "SUCCESS":
        header, summary_header = SUCCESS_COLUMNS, SUCCESS_SUMMARY
        summary = [str(len(lines)), yuan(settled), fee_text(fees), yuan(order_total)]
    else:
        header, summary_header = (ALL_COLUMNS if bill_type == "ALL" else REFUND_COLUMNS), ALL_SUMMARY
        summary = [str(len(lines)), yuan(settled), yuan(refund_total), "0.00", fee_text(fees), yuan(order_total)]
        summary.append(yuan(refund_total))
    document = "\r\n".join([header, *lines, summary_header, _line(summary)]) + "\r\n"
    return b"\xef\xbb\xbf" + document.encode("utf-8")


def apply_trade_bill(sandbox: Sandbox, caller: str, query: dict[str, str], base_url: str) -> dict[str, Any]:
    bill_type = query.get("bill_type", "ALL")
    if bill_type not in BILL_TYPES:
        raise query_param_error("bill_type取值错误，沙箱支持ALL、SUCCESS、REFUND", "bill_type", bill_type)
    tar_type = query.get("tar_type")
    if tar_type not in (None, "GZIP"):
        raise query_param_error("tar_type取值错误，仅支持GZIP", "tar_type", tar_type)
    scope, all_subs = _scope(sandbox, caller, query)
    day = _check_date(sandbox, query.get("bill_date"))
    content = render_trade_bill(sandbox, scope, all_subs, day, bill_type)
    if content is None:
        raise ApiError(400, "NO_STATEMENT_EXIST", "请求的账单文件不存在")
    return _ticket(sandbox, caller, content, tar_type, base_url)


def _ticket(sandbox: Sandbox, caller: str, content: bytes, tar_type: str | None, base_url: str) -> dict[str, Any]:
    token = secrets.token_urlsafe(24)
    stored = gzip.compress(content, mtime=0) if tar_type == "GZIP" else content
    sandbox.store.execute(
        "INSERT INTO bill_tokens (token, caller, content, gzip, expires) VALUES (?,?,?,?,?)",
        token,
        caller,
        stored,
        1 if tar_type == "GZIP" else 0,
        sandbox.clock.timestamp() + TOKEN_LIFETIME,
    )
    return {
        "hash_type": "SHA1",
        "hash_value": hashlib.sha1(content).hexdigest(),
        "download_url": f"{base_url}/v3/billdownload/file?token={token}",
    }


FUND_COLUMNS = (
    "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),"
    "资金变更提交申请人,备注,业务凭证号"
)
FUND_SUMMARY = "资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额"
ACCOUNT_TYPES = ("BASIC", "OPERATION", "FEES")


def _flow_id(key: str) -> str:
    # Stable per event, so the same day's bill is byte-identical on every request.
    return "1" + str(int(hashlib.sha1(key.encode()).hexdigest(), 16))[:27]


def render_fundflow_bill(sandbox: Sandbox, caller: str, day: date, account_type: str) -> bytes | None:
    """The basic account of a direct merchant: payments in, fees and refunds out, with a running balance.

    The service provider's own account receives nothing in Native partner mode, and the sandbox keeps no
    OPERATION or FEES movements, so those bills do not exist.
    """
    if account_type != "BASIC" or caller != sandbox.identity.mchid:
        return None
    start, end = day_bounds(day.isoformat())
    # (sort key, values without amounts, signed fen); a payment's fee follows it, refunds after payments.
    events: list[tuple[tuple[float, int, int, int], list[str], int]] = []
    for o in sandbox.store.all(
        "SELECT * FROM orders WHERE owner = ? AND success_time IS NOT NULL AND success_time < ? ORDER BY id",
        caller,
        end,
    ):
        t = o["success_time"]
        tid, otn = o["transaction_id"], o["out_trade_no"]
        events.append(((t, 0, o["id"], 0), [tid, _flow_id("pay" + tid), "交易", "交易", "收入", otn], o["total"]))
        fee = fee_of(o["total"])
        if fee:
            values = [tid, _flow_id("fee" + tid), "交易", "扣除交易手续费", "支出", otn]
            events.append(((t, 0, o["id"], 1), values, -fee))
    for r in sandbox.store.all(
        """SELECT r.*, o.transaction_id FROM refunds r JOIN orders o ON o.id = r.order_id
           WHERE r.owner = ? AND r.status = ? AND r.success_time < ?""",
        caller,
        RefundStatus.SUCCESS,
        end,
    ):
        values = [r["refund_id"], _flow_id("refund" + r["refund_id"]), "退款", "退款", "支出", r["out_refund_no"]]
        events.append(((r["success_time"], 1, r["id"], 0), values, -r["amount"]))
    events.sort(key=lambda e: e[0])
    balance = 0
    lines: list[str] = []
    income = expense = income_fen = expense_fen = 0
    for (t, *_), values, fen in events:
        balance += fen
        if t < start:
            continue
        business_id, flow_id, name, kind, direction, voucher = values
        if fen >= 0:
            income, income_fen = income + 1, income_fen + fen
        else:
            expense, expense_fen = expense + 1, expense_fen - fen
        row = [_time(t), business_id, flow_id, name, kind, direction, yuan(abs(fen)), yuan(balance), "system", ""]
        lines.append(_line([*row, voucher]))
    if not lines:
        return None
    summary = [str(len(lines)), str(income), yuan(income_fen), str(expense), yuan(expense_fen)]
    document = "\r\n".join([FUND_COLUMNS, *lines, FUND_SUMMARY, _line(summary)]) + "\r\n"
    return b"\xef\xbb\xbf" + document.encode("utf-8")


def apply_fundflow_bill(sandbox: Sandbox, caller: str, query: dict[str, str], base_url: str) -> dict[str, Any]:
    account_type = query.get("account_type", "BASIC")
    if account_type not in ACCOUNT_TYPES:
        raise query_param_error("account_type取值错误", "account_type", account_type)
    tar_type = query.get("tar_type")
    if tar_type not in (None, "GZIP"):
        raise query_param_error("tar_type取值错误，仅支持GZIP", "tar_type", tar_type)
    day = _check_date(sandbox, query.get("bill_date"))
    content = render_fundflow_bill(sandbox, caller, day, account_type)
    if content is None:
        raise ApiError(400, "NO_STATEMENT_EXIST", "请求的账单文件不存在")
    return _ticket(sandbox, caller, content, tar_type, base_url)


def download(sandbox: Sandbox, caller: str, token: str) -> bytes:
    row = sandbox.store.one("SELECT * FROM bill_tokens WHERE token = ?", token)
    if row is None or row["caller"] != caller or sandbox.clock.timestamp() >= row["expires"]:
        raise invalid_request("账单下载链接无效或已过期")
    content: bytes = row["content"]
    return content
