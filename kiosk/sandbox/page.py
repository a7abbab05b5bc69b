"""``GET /sandbox/``: a page for people rehearsing with the sandbox (Chinese and English labels).

Plain HTML forms that post to the control API, so it works in any browser during a demo. The customer's phone
shows a payment code as WeChat does (barcode, QR code and digits), so a clerk in training mode can scan it from
the screen with the till's scanner.
"""

from __future__ import annotations

import base64
import io
from html import escape
from typing import Any

import barcode
import qrcode
from barcode.writer import ImageWriter

from kiosk.money import format_yuan
from kiosk.trade import PAYABLE, TradeState

from .codepay import SCENARIOS


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


def _png(image: Any) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _barcode(code: str) -> str:
    # Code 128, as WeChat draws it above the QR code; digits are printed by the page, not in the image.
    buffer = io.BytesIO()
    options = {"write_text": False, "module_height": 14.0, "module_width": 0.3, "quiet_zone": 4.0}
    barcode.get("code128", code, writer=ImageWriter()).write(buffer, options=options)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def grouped(code: str) -> str:
    """``13 0061 0988 2800 9406``: the digits as the phone prints them under the barcode."""
    return " ".join([code[:2], *(code[i : i + 4] for i in range(2, len(code), 4))])


def _phone(codes: list[dict[str, Any]]) -> str:
    options = "".join(
        f'<option value="{escape(s.name)}">{escape(s.zh)} {escape(s.en)}</option>' for s in SCENARIOS.values()
    )
    form = (
        '<form method="post" action="/sandbox/v1/payment-codes">'
        f'<select name="scenario">{options}</select> '
        '<button type="submit">出示付款码 Show payment code</button></form>'
    )
    # The phone shows the code it showed last, until it is used or expires.
    live = codes[0] if codes and codes[0]["state"] == "unused" else None
    if live is None:
        screen = "<p>没有可用的付款码 No payment code on screen</p>"
    else:
        code = live["auth_code"]
        scenario = SCENARIOS[live["scenario"]]
        screen = (
            f'<p class="scenario">{escape(scenario.zh)} · {escape(scenario.en)}</p>'
            f'<img class="barcode" alt="barcode" src="{_barcode(code)}">'
            f'<p class="digits">{escape(grouped(code))}</p>'
            f'<img class="qr" alt="QR code" src="{_png(qrcode.make(code, box_size=6, border=2))}">'
            f"<p><small>有效期至 Valid until {escape(live['expires_at'])}</small></p>"
        )
    rows = "".join(
        f"<tr><td>{escape(grouped(c['auth_code']))}</td><td>{escape(c['scenario'])}</td>"
        f"<td>{escape(c['state'])}</td><td>{escape(c['out_trade_no'] or '')}</td></tr>"
        for c in codes
    )
    return (
        '<section class="phone"><h2>顾客手机 · 付款码 Customer\'s phone · payment code</h2>'
        f'{form}<div class="screen">{screen}</div></section>'
        "<table><tr><th>付款码 Code</th><th>场景 Scenario</th><th>状态 State</th><th>商户订单号 Order no.</th></tr>"
        f"{rows}</table>"
    )


def render(orders: list[dict[str, Any]], now: str, codes: list[dict[str, Any]]) -> str:
    rows = []
    for order in orders:
        merchant = order.get("mchid") or f"{order.get('sp_mchid')} / {order.get('sub_mchid')}"
        rows.append(
            "<tr>"
            f"<td>{escape(order['create_time'])}</td>"
            f"<td>{escape(str(merchant))}</td>"
            f"<td>{escape(order['out_trade_no'])}</td>"
            f"<td>{escape(order['description'])}</td>"
            f"<td>{format_yuan(order['amount']['total'], sign='¥')}</td>"
            f"<td>{escape(order['trade_state'])}<br><small>{escape(order['trade_state_desc'])}</small></td>"
            f"<td>{_actions(order)}</td>"
            "</tr>"
        )
    body = "\n".join(rows) or '<tr><td colspan="7">暂无订单 No orders yet</td></tr>'
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>微信支付沙箱 WeChat Pay sandbox</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px}}
.phone{{float:right;width:360px;margin:0 0 1em 1em;padding:12px;border:8px solid #222;border-radius:24px}}
.screen{{text-align:center;background:#fff;padding:8px}} .barcode{{width:100%;image-rendering:pixelated}}
.digits{{font:20px monospace;letter-spacing:1px}}</style></head>
<body><h1>微信支付沙箱 WeChat Pay sandbox</h1>
<p>沙箱时间 Sandbox time: {escape(now)} · <a href="/sandbox/">刷新 Refresh</a></p>
{_phone(codes)}
<table><tr><th>下单时间 Created</th><th>商户号 Merchant</th><th>商户订单号 Order no.</th>
<th>商品 Description</th><th>金额 Amount</th><th>状态 State</th><th>顾客 Customer</th></tr>
{body}
</table></body></html>"""


def message(code: str, text: str) -> str:
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(code)}</title></head>
<body><p>{escape(code)}: {escape(text)}</p><p><a href="/sandbox/">返回 Back</a></p></body></html>"""
