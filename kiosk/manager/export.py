"""CSV exports for spreadsheets: UTF-8 *with BOM* (Excel and WPS in China then open it as UTF-8), CRLF,
bilingual headers, amounts in yuan with two decimals, and identifiers kept as text (:func:`identifier`).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from kiosk.checkout.codepay import method_label
from kiosk.checkout.session import PaymentSession
from kiosk.clock import CHINA_TZ
from kiosk.journal import OrderItemRow, RefundRow
from kiosk.manager.reconcile import Reconciliation, sort_for_display
from kiosk.manager.summaries import refunded_by_order
from kiosk.money import yuan

BOM = "\ufeff"

ORDER_HEADERS = (
    "订单号 Order no.",
    "下单时间 Charged at",
    "状态 State",
    "金额(元) Amount (CNY)",
    "实付(元) Paid by customer (CNY)",
    "已退款(元) Refunded (CNY)",
    "微信支付单号 Transaction id",
    "支付时间 Paid at",
    "商品 Items",
    "结束原因 Ended by",
    "培训 Training",
    "支付方式 Method",
)

RECONCILIATION_HEADERS = (
    "类别 Category",
    "建议操作 Action",
    "订单号 Order no.",
    "退款单号 Refund no.",
    "微信支付单号 Transaction id",
    "账单金额(元) Bill amount (CNY)",
    "日记账金额(元) Journal amount (CNY)",
    "账单状态 Bill state",
    "日记账状态 Journal state",
    "时间 Time",
    "说明 Description",
    "支付方式 Method",
)


#: WeChat Pay's own bill files start every value with it; Excel and WPS both show such a cell as written.
TEXT_MARK = "`"


def identifier(value: str | None) -> str:
    """An order, refund or transaction number as a cell that stays text in Excel and WPS.

    Both would read a cell of digits as a number: a 28-digit transaction id becomes 4.2E+27 and loses every
    digit after the 15th. A leading backtick, as in WeChat Pay's own bills, makes it no number at all, so both
    keep it as written; it is visible, which is what an accountant used to those bills expects (a leading tab
    would hide in the cell and be copied along into a search, and ``="…"`` turns every id into a formula)."""
    return f"{TEXT_MARK}{value}" if value else ""


def _time(moment: datetime | None) -> str:
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S") if moment is not None else ""


def _money(fen: int | None) -> str:
    return yuan(fen) if fen is not None else ""


def _encode(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (BOM + buffer.getvalue()).encode("utf-8")


def orders_csv(
    orders: Sequence[PaymentSession],
    items: Mapping[str, Sequence[OrderItemRow]],
    refunds: Iterable[RefundRow] = (),
) -> bytes:
    """The day's orders, one row each, oldest first."""
    refunded = refunded_by_order(refunds)
    rows = []
    for order in orders:
        lines = items.get(order.out_trade_no, ())
        rows.append(
            (
                identifier(order.out_trade_no),
                _time(order.charged_at),
                order.state.value,
                yuan(order.amount_fen),
                _money(order.payer_total_fen),
                yuan(refunded.get(order.out_trade_no, 0)),
                identifier(order.transaction_id),
                _time(order.success_time),
                "; ".join(f"{line.name_zh} x{line.quantity}" for line in lines) or order.description,
                order.ended_by or "",
                "是 yes" if order.training else "",
                method_label(order.method),
            )
        )
    return _encode(ORDER_HEADERS, rows)


def reconciliation_csv(reconciliation: Reconciliation, labels: Mapping[str, str] | None = None) -> bytes:
    """Every reconciliation item, problems first. ``labels`` may replace category/action codes with text."""
    names = labels or {}
    rows = [
        (
            names.get(item.category.value, item.category.value),
            names.get(item.action.value, item.action.value),
            identifier(item.out_trade_no),
            identifier(item.out_refund_no),
            identifier(item.transaction_id),
            _money(item.bill_fen),
            _money(item.journal_fen),
            item.bill_state or "",
            item.journal_state or "",
            _time(item.time),
            item.description,
            method_label(item.trade_type) if item.trade_type else "",
        )
        for item in sort_for_display(reconciliation.items)
    ]
    return _encode(RECONCILIATION_HEADERS, rows)


def write_file(path: Path | str, data: bytes) -> Path:
    """Write atomically (a half-written export on a USB stick is worse than none)."""
    target = Path(path)
    temporary = target.with_name(target.name + ".part")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    return target


def default_name(kind: str, day: object) -> str:
    return f"kiosk-{kind}-{day}.csv"
