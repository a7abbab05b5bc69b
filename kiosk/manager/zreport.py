"""The daily Z-report (日结) as a kiosk.printing Document, printed once per day unless reprinted explicitly."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from kiosk.checkout.codepay import method_label
from kiosk.checkout.session import State
from kiosk.clock import CHINA_TZ
from kiosk.manager.summaries import DaySummary
from kiosk.money import format_yuan
from kiosk.printing.documents import Columns, Cut, Document, Feed, Field, Mark, Rule, StoreInfo, Text

KIND = "z_report"

#: Printed state names (the receipt printer speaks Chinese first, like the other slips).
STATE_LABELS = {
    State.PAID: "已付款 Paid",
    State.PAID_AFTER_CANCEL: "取消后付款 Paid after cancel",
    State.AWAITING_PAYMENT: "待付款 Awaiting",
    State.CREATING: "创建中 Creating",
    State.PENDING_CREATION: "待创建 Pending",
    State.DRAFT: "草稿 Draft",
    State.CANCELLED: "已取消 Cancelled",
    State.EXPIRED: "已过期 Expired",
    State.FAILED: "失败 Failed",
}


class PrintSink(Protocol):
    def submit(self, job_key: str, document: Document, *, reprint: bool = False) -> Any: ...


def job_key(day: date, kiosk_id: str = "") -> str:
    """One Z-report per kiosk and day: the print queue prints a key once (a reprint is explicit)."""
    return f"z_report:{kiosk_id}:{day.isoformat()}" if kiosk_id else f"z_report:{day.isoformat()}"


def _hour_lines(summary: DaySummary) -> list[Columns]:
    """Only the hours with sales, as ``HH  count  amount`` (a 24-line table wastes paper)."""
    return [
        Columns(
            (f"{b.hour:02d}:00", str(b.count), format_yuan(b.amount_fen)), (7, None, 12), ("left", "right", "right")
        )
        for b in summary.by_hour
        if b.count
    ]


def z_report(
    summary: DaySummary,
    store: StoreInfo,
    *,
    printed_at: datetime,
    kiosk_id: str = "",
    top: int = 5,
) -> Document:
    blocks: list[Any] = []
    if summary.training:
        blocks.append(Mark("training"))
    blocks += [
        Text(store.name, "center", bold=True, width=2, height=2),
        Text(store.address, "center"),
        Rule("="),
        Text("日结报表 Z-REPORT", "center", bold=True),
        Field("营业日 Day", summary.day.isoformat()),
    ]
    if kiosk_id:
        blocks.append(Field("收银机 Kiosk", kiosk_id))
    blocks += [
        Field("打印时间 Printed", printed_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")),
        Rule(),
        Field("订单数 Orders", str(summary.order_count)),
    ]
    for total in summary.by_state:
        label = STATE_LABELS.get(total.state, total.state.value)
        blocks.append(
            Columns((label, str(total.count), format_yuan(total.amount_fen)), (None, 5, 12), ("left", "right", "right"))
        )
    blocks += [
        Rule(),
        Field("收款 Paid", f"{summary.paid_count}  {format_yuan(summary.paid_total_fen)}"),
        *(
            Columns(
                (f"  {method_label(m.method)}", str(m.count), format_yuan(m.amount_fen)),
                (None, 5, 12),
                ("left", "right", "right"),
            )
            for m in summary.by_method
        ),
        Field("销售 Sales", f"{summary.sales_count}  {format_yuan(summary.sales_total_fen)}"),
        Field("退款 Refunds", f"{summary.refund_count}  {format_yuan(-summary.refunds_total_fen)}"),
    ]
    if summary.refunds_pending_fen:
        blocks.append(Field("退款处理中 Refunds pending", format_yuan(summary.refunds_pending_fen)))
    blocks += [
        Field("净收入 Net", format_yuan(summary.net_fen), bold=True),
        Field("客单价 Avg. ticket", format_yuan(summary.average_ticket_fen)),
    ]
    hours = _hour_lines(summary)
    if hours:
        blocks += [Rule(), Text("分时销售 Sales by hour", bold=True), *hours]
    if summary.top_by_quantity:
        blocks += [Rule(), Text("畅销商品 Top items", bold=True)]
        for item in summary.top_by_quantity[:top]:
            blocks.append(
                Columns(
                    (item.name_zh, str(item.quantity), format_yuan(item.amount_fen)),
                    (None, 5, 12),
                    ("left", "right", "right"),
                )
            )
    open_cases = summary.open_attention
    if open_cases:
        blocks += [Rule(), Text(f"待处理: 取消后付款 {len(open_cases)} 笔 / paid after cancel", bold=True)]
        for case in open_cases:
            blocks.append(Field(case.out_trade_no, format_yuan(case.refundable_fen)))
    if summary.unresolved:
        count = len(summary.unresolved)
        blocks += [Rule(), Text(f"待处理: 付款码未了结 {count} 笔 / unsettled codes", bold=True)]
        for unsettled in summary.unresolved:
            blocks.append(Field(unsettled.out_trade_no, format_yuan(unsettled.amount_fen)))
        blocks.append(Text("系统仍在撤销，请在商户平台核查 Being reversed: check in the merchant platform"))
    if summary.abnormal_refunds:
        count = len(summary.abnormal_refunds)
        blocks += [Rule(), Text(f"待处理: 退款异常 {count} 笔 / abnormal refunds", bold=True)]
        for refund in summary.abnormal_refunds:
            blocks.append(Field(refund.out_refund_no, format_yuan(refund.amount_fen)))
        blocks.append(Text("请在商户平台-交易中心处理 Handle in the merchant platform"))
    blocks += [Rule("="), Text("签名 Signature:"), Feed(2)]
    if summary.training:
        blocks.append(Mark("training"))
    blocks.append(Cut())
    return Document(KIND, tuple(blocks))


def print_z_report(
    queue: PrintSink,
    summary: DaySummary,
    store: StoreInfo,
    *,
    printed_at: datetime,
    kiosk_id: str = "",
    reprint: bool = False,
) -> str:
    """Submit the day's Z-report; without ``reprint`` a second call returns the first job. Returns the key."""
    key = job_key(summary.day, kiosk_id)
    queue.submit(key, z_report(summary, store, printed_at=printed_at, kiosk_id=kiosk_id), reprint=reprint)
    return key
