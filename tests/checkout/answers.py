"""The relay's answers for fake relays, built with the contract's own encoder (kiosk.wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kiosk.clock import CHINA_TZ
from kiosk.trade import RefundStatus, TradeState, TradeType
from kiosk.wire import OrderView, RefundView, encode

AT = datetime(2026, 11, 29, 12, 0, tzinfo=CHINA_TZ)


def order_answer(out_trade_no: str, state: str = TradeState.NOTPAY, version: int = 1, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "store_id": "store-1",
        "trade_type": TradeType.NATIVE,
        "amount_fen": 350,
        "description": "可乐",
        "expires_at": datetime(2026, 11, 29, 12, 5, tzinfo=CHINA_TZ),
        "refunded_fen": 0,
        "created_at": AT,
        "updated_at": AT,
        **fields,
    }
    return encode(OrderView(out_trade_no=out_trade_no, state=TradeState(state), version=version, **values))


def refund_answer(out_refund_no: str, status: str = RefundStatus.PROCESSING, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "out_trade_no": out_refund_no.rsplit("R", 1)[0],
        "store_id": "store-1",
        "amount_fen": 100,
        "total_fen": 350,
        "version": 1,
        "created_at": AT,
        "updated_at": AT,
        **fields,
    }
    return encode(RefundView(out_refund_no=out_refund_no, status=RefundStatus(status), **values))
