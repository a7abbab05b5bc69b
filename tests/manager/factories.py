"""Small builders for journal-shaped test data (sessions, items, refunds, bill entries) and a real journal of them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from kiosk.checkout.session import PaymentSession, State
from kiosk.checkout.session_manager import session_columns
from kiosk.clock import CHINA_TZ
from kiosk.journal import Journal, OrderItemRow, RefundRow, timestamp
from kiosk.manager.bills import BillEntry, BillTotals, DayBill
from kiosk.wire import BILL_COLUMNS

DAY = date(2026, 11, 28)
PREFIX = "S1-K1-"


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA_TZ)


def otn(sequence: int, day: date = DAY) -> str:
    return f"{PREFIX}{day:%Y%m%d}{sequence:05d}"


def order(
    sequence: int,
    amount_fen: int,
    state: State = State.PAID,
    *,
    charged: datetime | None = None,
    paid: datetime | None = None,
    day: date = DAY,
    ended_by: str | None = None,
    description: str = "农夫山泉 550ml 等2件",
) -> PaymentSession:
    charged = charged or at(10, day=day)
    is_paid = state in (State.PAID, State.PAID_AFTER_CANCEL)
    return PaymentSession(
        out_trade_no=otn(sequence, day),
        amount_fen=amount_fen,
        description=description,
        charged_at=charged,
        expires_at=charged + timedelta(minutes=5),
        state=state,
        trade_state="SUCCESS" if is_paid else "CLOSED",
        version=3,
        code_url="weixin://wxpay/bizpayurl?pr=x",
        transaction_id=f"4200{sequence:024d}" if is_paid else None,
        success_time=(paid or charged + timedelta(minutes=1)) if is_paid else None,
        payer_total_fen=amount_fen if is_paid else None,
        settled=True,
        ended_by=ended_by,
    )


def item(out_trade_no: str, line_no: int, sku: str, quantity: int, unit_fen: int, name: str = "") -> OrderItemRow:
    return OrderItemRow(
        out_trade_no=out_trade_no,
        line_no=line_no,
        sku=sku,
        barcode=None,
        name_zh=name or f"商品{sku}",
        name_en=f"Item {sku}",
        category="drinks",
        quantity=quantity,
        unit_price_fen=unit_fen,
        total_fen=quantity * unit_fen,
    )


def refund(
    out_trade_no: str, n: int, amount_fen: int, state: str = "SUCCESS", requested: datetime | None = None
) -> RefundRow:
    when = requested or at(15)
    return RefundRow(
        out_refund_no=f"{out_trade_no}R{n}",
        out_trade_no=out_trade_no,
        amount_fen=amount_fen,
        reason="顾客退货",
        requested_at=timestamp(when),
        state=state,
        refund_id=f"5030{n:020d}" if state == "SUCCESS" else None,
        success_time=timestamp(when + timedelta(seconds=5)) if state == "SUCCESS" else None,
        last_error=None,
        updated_at=timestamp(when),
    )


def payment(
    session_or_otn: PaymentSession | str, amount_fen: int | None = None, when: datetime | None = None
) -> BillEntry:
    if isinstance(session_or_otn, PaymentSession):
        number, amount = session_or_otn.out_trade_no, session_or_otn.amount_fen
        when = when or session_or_otn.success_time
        tx = session_or_otn.transaction_id or "4200x"
    else:
        number, amount, tx = session_or_otn, 0, "4200" + session_or_otn[-6:]
    amount = amount_fen if amount_fen is not None else amount
    fee = (amount * 60 + 5000) // 10000
    return BillEntry(when or at(12), tx, number, "SUCCESS", amount, amount, fee, goods_name="商品")


def refund_entry(row: RefundRow, amount_fen: int | None = None, status: str = "SUCCESS") -> BillEntry:
    amount = row.amount_fen if amount_fen is None else amount_fen
    return BillEntry(
        at(12), "4200r", row.out_trade_no, "REFUND", 0, 0, 0, row.out_refund_no, "5030r", amount, status, "商品"
    )


def day_bill(*entries: BillEntry, day: date = DAY) -> DayBill:
    settled = sum(e.settlement_fen for e in entries)
    refunds = sum(e.refund_fen for e in entries if e.is_refund)
    totals = BillTotals(len(entries), settled, refunds, sum(e.fee_fen for e in entries), settled)
    return DayBill(day, tuple(entries), totals)


def journal_of(path: Path, orders: Iterable[PaymentSession], refunds: Iterable[RefundRow] = ()) -> Journal:
    """A real journal file holding these orders and refunds, as the core would have written them."""
    journal = Journal.open(path)
    write(journal, orders, refunds)
    return journal


def write(
    journal: Journal,
    orders: Iterable[PaymentSession],
    refunds: Iterable[RefundRow] = (),
    items: Mapping[str, Sequence[OrderItemRow]] | None = None,
) -> None:
    """Write the orders (with their ``items``) and refunds into ``journal`` as the core would have."""
    for sequence, session in enumerate(orders, start=1):
        lines = (items or {}).get(session.out_trade_no, ())
        journal.insert_order(
            {
                "out_trade_no": session.out_trade_no,
                "business_day": session.charged_at.astimezone(CHINA_TZ).date().isoformat(),
                "sequence": sequence,
                "store_id": "S1",
                "kiosk_id": "K1",
                "amount_fen": session.amount_fen,
                "description": session.description,
                "charged_at": timestamp(session.charged_at),
                "expires_at": timestamp(session.expires_at),
                **session_columns(session),
            },
            [
                {
                    "sku": line.sku,
                    "barcode": line.barcode,
                    "name_zh": line.name_zh,
                    "name_en": line.name_en,
                    "category": line.category,
                    "quantity": line.quantity,
                    "unit_price_fen": line.unit_price_fen,
                    "total_fen": line.total_fen,
                }
                for line in lines
            ],
        )
    for row in refunds:
        journal.insert_refund(row.out_refund_no, row.out_trade_no, row.amount_fen, row.reason)
        journal.update_refund(
            row.out_refund_no,
            {
                "requested_at": row.requested_at,
                "state": row.state,
                "refund_id": row.refund_id,
                "success_time": row.success_time,
                "last_error": row.last_error,
            },
        )


#: A payment row of the relay's bill answer: every column of the contract (``kiosk.wire.BILL_COLUMNS``) by name.
BILL_ROW: dict[str, Any] = {
    "trade_time": "2026-11-28T10:01:00+08:00",
    "appid": "wx0000000000000001",
    "mchid": "1900000001",
    "sub_mchid": None,
    "device_id": None,
    "transaction_id": "4200000001",
    "out_trade_no": "S1-K1-2026112800001",
    "openid": "oUser",
    "trade_type": "NATIVE",
    "trade_state": "SUCCESS",
    "bank_type": "OTHERS",
    "currency": "CNY",
    "settlement_total_fen": 1200,
    "coupon_fen": 0,
    "refund_id": "0",
    "out_refund_no": "0",
    "refund_fen": 0,
    "recharge_coupon_refund_fen": 0,
    "refund_type": None,
    "refund_status": None,
    "goods_name": "水",
    "attach": None,
    "fee": "0.07000",
    "fee_fen": 7,
    "rate": "0.60%",
    "order_total_fen": 1200,
    "refund_requested_fen": 0,
    "rate_note": None,
    "refund_apply_time": None,
    "refund_success_time": None,
}
assert tuple(BILL_ROW) == BILL_COLUMNS


def relay_bill(day: date, *changes: Mapping[str, Any], cached: bool = False) -> dict[str, Any]:
    """The relay's bill answer for ``day`` (a ``kiosk.wire.BillAnswer`` as JSON): a :data:`BILL_ROW` per mapping of
    changed columns (one unchanged row if none), each paid at 10:01 that day, and the summary that adds them up."""
    rows = [{**BILL_ROW, "trade_time": f"{day}T10:01:00+08:00", **change} for change in changes or ({},)]
    refunds = [row for row in rows if row["trade_state"] == "REFUND"]
    return {
        "bill_date": day.isoformat(),
        "store_id": "store-1",
        "cached": cached,
        "bill_type": "ALL",
        "columns": list(BILL_COLUMNS),
        "rows": [list(row.values()) for row in rows],
        "summary": {
            "trade_count": len(rows),
            "settlement_total_fen": sum(row["settlement_total_fen"] for row in rows),
            "refund_total_fen": sum(row["refund_fen"] for row in refunds),
            "recharge_coupon_refund_total_fen": 0,
            "fee_total": str(sum(Decimal(row["fee"]) for row in rows)),
            "fee_total_fen": sum(row["fee_fen"] for row in rows),
            "order_total_fen": sum(row["order_total_fen"] for row in rows),
            "refund_requested_total_fen": sum(row["refund_requested_fen"] for row in refunds),
        },
    }
