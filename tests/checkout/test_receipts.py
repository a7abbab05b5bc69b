"""Journal facts to paper: the core's documents carry the short number, the kiosk and, on a refund slip, the
original order (read back from the rendered ESC/POS bytes)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from kiosk.checkout.receipts import PrintingDocuments
from kiosk.checkout.session import PaymentSession, State
from kiosk.clock import CHINA_TZ
from kiosk.journal import OrderItemRow, RefundRow
from kiosk.printing import StoreInfo, find_profile, render
from kiosk.trade import TradeType
from tests.printing.escpos_decoder import decode

OTN = "S1-K1-20261129A7K00042"
NOW = datetime(2026, 11, 29, 17, 30, tzinfo=CHINA_TZ)
DOCUMENTS = PrintingDocuments(StoreInfo("邻里便利", "上海市徐汇区漕溪北路 1 号"), kiosk_id="K1", training=False)
ITEMS = [
    OrderItemRow(OTN, 1, "DRK-001", None, "农夫山泉 550ml", "Water", "drinks", 2, 200, 400),
    OrderItemRow(OTN, 2, "CAF-002", None, "拿铁咖啡（大杯）燕麦奶", "Latte", "coffee", 1, 1800, 1800),
]


def lines(document: object) -> list[str]:
    return decode(render(document, find_profile("generic-58mm"))).texts  # type: ignore[arg-type]


def texts(document: object) -> list[str]:
    return [line.strip() for line in lines(document)]


def paid() -> PaymentSession:
    return PaymentSession(
        OTN,
        2200,
        "农夫山泉 550ml 等3件",
        NOW,
        NOW + timedelta(minutes=5),
        State.PAID,
        transaction_id="4200001234202611290123456789",
        success_time=NOW,
        code_url="weixin://wxpay/bizpayurl?pr=abc",
    )


def test_receipt_and_slip_show_short_number_kiosk_and_item_count() -> None:
    receipt = texts(DOCUMENTS.paid_receipt(paid(), ITEMS, reprint=False))
    slip = texts(DOCUMENTS.payment_slip(paid(), ITEMS, reprint=False))
    for printed in (receipt, slip):
        assert "单号 No. 00042" in printed
        assert any(t.startswith("收银机 Kiosk") and t.endswith("K1") for t in printed)
        assert any(t.startswith("件数 Items") and t.endswith("3") for t in printed)
    # The long name continues indented, the bracket group kept whole; the unit price line stays indented too.
    raw = lines(DOCUMENTS.paid_receipt(paid(), ITEMS, reprint=False))
    start = next(i for i, t in enumerate(raw) if t.startswith("拿铁咖啡"))
    assert raw[start].startswith("拿铁咖啡（大杯）") and raw[start + 1] == "  燕麦奶"
    assert "  @ ￥2.00" in raw


def test_the_receipt_says_how_the_customer_paid() -> None:
    by_qr = " ".join(texts(DOCUMENTS.paid_receipt(paid(), ITEMS, reprint=False)))
    by_code = replace(paid(), method=TradeType.MICROPAY, payment_code="**************9406", code_url=None)
    printed = " ".join(texts(DOCUMENTS.paid_receipt(by_code, ITEMS, reprint=False)))
    assert "微信扫码" in by_qr and "付款码" not in by_qr
    assert "微信付款码" in printed and "Quick Pay" in printed and "9406" not in printed


def test_refund_slip_shows_the_original_order() -> None:
    refund = RefundRow(f"{OTN}R1", OTN, 400, "顾客退货", "", "SUCCESS", "5030", NOW.isoformat(), None, "")
    printed = texts(DOCUMENTS.refund_slip(refund, paid(), ITEMS))
    assert "单号 No. 00042" in printed and "原订单 Original order" in printed
    assert any(t.startswith("原订单金额") and t.endswith("￥22.00") for t in printed)
    assert any(t.startswith("农夫山泉 550ml") and t.endswith("￥4.00") for t in printed)
    assert any(t.startswith("退款金额 Amount") and t.endswith("￥4.00") for t in printed)
