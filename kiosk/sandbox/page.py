"""``GET /sandbox/``: a page for people rehearsing with the sandbox (Chinese and English labels).

Plain HTML forms that post to the control API, so it works in any browser during a demo.
"""

from __future__ import annotations

from html import escape
from typing import Any

from kiosk.trade import PAYABLE, TradeState


def _yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


def _actions(order: dict[str, Any]) -> str:
    if order["trade_state"] not in PAYABLE or "code_url" not in order:
        return ""
    code_url = escape(order["code_url"])
    buttons = []
    for result, label in ((TradeState.SUCCESS, "支付 Pay"), (TradeState.PAYERROR, "失败 Fail")):
        buttons.append(
            f'<form method="post" action="/sandbox/v1/payments" style="display:inline">'
            f'<input type="hidden" name="code_url" value="{code_url}">'
            f'<input type="hidden" name="result" value="{result}">'
            f'<button type="submit">{label}</button></form>'
        )
    return " ".join(buttons)


def render(orders: list[dict[str, Any]], now: str) -> str:
    rows = []
    for order in orders:
        merchant = order.get("mchid") or f"{order.get('sp_mchid')} / {order.get('sub_mchid')}"
        rows.append(
            "<tr>"
            f"<td>{escape(order['create_time'])}</td>"
            f"<td>{escape(str(merchant))}</td>"
            f"<td>{escape(order['out_trade_no'])}</td>"
            f"<td>{escape(order['description'])}</td>"
            f"<td>{_yuan(order['amount']['total'])}</td>"
            f"<td>{escape(order['trade_state'])}<br><small>{escape(order['trade_state_desc'])}</small></td>"
            f"<td>{_actions(order)}</td>"
            "</tr>"
        )
    body = "\n".join(rows) or '<tr><td colspan="7">暂无订单 No orders yet</td></tr>'
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>微信支付沙箱 WeChat Pay sandbox</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px}}</style></head>
<body><h1>微信支付沙箱 WeChat Pay sandbox</h1>
<p>沙箱时间 Sandbox time: {escape(now)} · <a href="/sandbox/">刷新 Refresh</a></p>
<table><tr><th>下单时间 Created</th><th>商户号 Merchant</th><th>商户订单号 Order no.</th>
<th>商品 Description</th><th>金额 Amount</th><th>状态 State</th><th>顾客 Customer</th></tr>
{body}
</table></body></html>"""


def message(code: str, text: str) -> str:
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(code)}</title></head>
<body><p>{escape(code)}: {escape(text)}</p><p><a href="/sandbox/">返回 Back</a></p></body></html>"""
