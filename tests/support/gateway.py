"""A WeChat Pay for the relay's core that answers from a dict (no network), for tests of the core and the cluster.

wechat = FakeWeChat()
relay = Relay(config, wechat, storage, clock)
wechat.states[number] = TradeReport(number, "SUCCESS", ...)   # what a query will find
wechat.bills[day] = parse_bill(data)                          # what a bill download of that day gives
wechat.calls                                                  # [("create", number), ("query", number), …]
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date
from typing import Any

from kiosk.relay.gateway import (
    Bill,
    GatewayError,
    NewOrder,
    NewRefund,
    Notice,
    Reachability,
    RefundReport,
    TradeReport,
)


class FakeWeChat:
    """Records calls; answers queries from ``states`` and closes unless told the order is paid."""

    def __init__(self) -> None:
        self.states: dict[str, TradeReport] = {}
        self.calls: list[tuple[str, str]] = []
        #: Seconds each query takes (a slow WeChat Pay).
        self.query_delay = 0.0
        #: The bills a download finds, by day (any other day has none).
        self.bills: dict[date, Bill] = {}

    async def create_order(self, store: Any, order: NewOrder) -> str:
        self.calls.append(("create", order.out_trade_no))
        self.states.setdefault(order.out_trade_no, TradeReport(order.out_trade_no, "NOTPAY"))
        return f"weixin://wxpay/bizpayurl?pr={order.out_trade_no[-6:]}"

    async def query_order(self, store: Any, out_trade_no: str) -> TradeReport:
        self.calls.append(("query", out_trade_no))
        await asyncio.sleep(self.query_delay)
        return self.states[out_trade_no]

    async def close_order(self, store: Any, out_trade_no: str) -> None:
        self.calls.append(("close", out_trade_no))
        if self.states[out_trade_no].trade_state == "SUCCESS":
            raise GatewayError("ORDERPAID", "订单已支付", status=400)
        self.states[out_trade_no] = TradeReport(out_trade_no, "CLOSED")

    async def create_refund(self, store: Any, refund: NewRefund) -> RefundReport:
        raise AssertionError("not used")

    async def query_refund(self, store: Any, out_refund_no: str) -> RefundReport:
        raise AssertionError("not used")

    async def trade_bill(self, store: Any, bill_date: date) -> Bill:
        self.calls.append(("bill", bill_date.isoformat()))
        if bill_date not in self.bills:
            raise GatewayError("NO_STATEMENT_EXIST", "no bill", status=400)
        return self.bills[bill_date]

    async def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notice:
        raise AssertionError("not used")

    async def prepare(self) -> None:
        return None

    def reachability(self) -> Reachability:
        return Reachability("http://wechatpay.test")

    async def probe(self) -> None:
        return None

    async def aclose(self) -> None:
        return None
