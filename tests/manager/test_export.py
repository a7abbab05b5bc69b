from __future__ import annotations

import csv
import dataclasses
import io
from decimal import Decimal, InvalidOperation

from kiosk.checkout.session import State
from kiosk.manager.export import BOM, default_name, orders_csv, reconciliation_csv, write_file
from kiosk.manager.reconcile import reconcile
from kiosk.trade import TradeType
from tests.manager.conftest import JournalOf
from tests.manager.factories import DAY, PREFIX, at, day_bill, item, order, otn, payment, refund, refund_entry


def spreadsheet_value(cell: str) -> object:
    """What Excel and WPS make of a CSV cell: a number when it reads as one (15 significant digits, as they
    keep), else the text as written."""
    try:
        number = Decimal(cell.replace(",", ""))
    except InvalidOperation:
        return cell
    return float(f"{number:.15g}") if number.is_finite() else cell


def rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: spreadsheet programs in China need it
    text = data.decode("utf-8")
    assert text[0] == BOM and "\r\n" in text
    return list(csv.reader(io.StringIO(text[1:])))


def test_orders_csv_has_bom_chinese_headers_and_yuan():
    paid = order(1, 1250, charged=at(9, 5))
    cancelled = dataclasses.replace(order(2, 300, State.CANCELLED, ended_by="clerk"), method=TradeType.MICROPAY)
    data = orders_csv(
        [paid, cancelled],
        {
            paid.out_trade_no: [
                item(paid.out_trade_no, 1, "A", 2, 125, "农夫山泉"),
                item(paid.out_trade_no, 2, "B", 1, 1000, "咖啡"),
            ]
        },
        [refund(paid.out_trade_no, 1, 250), refund(paid.out_trade_no, 2, 99, state="FAILED")],
    )
    table = rows(data)
    assert table[0][0] == "订单号 Order no." and table[0][3] == "金额(元) Amount (CNY)"
    first = dict(zip(table[0], table[1], strict=True))
    assert first["订单号 Order no."] == f"`{otn(1)}"
    assert first["微信支付单号 Transaction id"] == f"`{paid.transaction_id}"
    assert first["下单时间 Charged at"] == "2026-11-28 09:05:00"
    assert first["金额(元) Amount (CNY)"] == "12.50" and first["已退款(元) Refunded (CNY)"] == "2.50"
    assert first["商品 Items"] == "农夫山泉 x2; 咖啡 x1" and first["状态 State"] == "paid"
    assert first["支付方式 Method"] == "微信扫码 WeChat QR"
    second = dict(zip(table[0], table[2], strict=True))
    assert second["实付(元) Paid by customer (CNY)"] == "" and second["结束原因 Ended by"] == "clerk"
    assert second["商品 Items"] == cancelled.description and second["支付方式 Method"] == "微信付款码 Quick Pay"
    assert len(table) == 3


def test_reconciliation_csv_lists_problems_first_with_labels(journal_with: JournalOf):
    sold = order(1, 100)
    result = reconcile(journal_with([sold]), day_bill(payment(sold), payment(otn(9), 1999)), prefix=PREFIX)
    table = rows(reconciliation_csv(result, {"missing_in_journal": "微信有付款、日记账无订单", "refund": "退款"}))
    assert table[0][:3] == ["类别 Category", "建议操作 Action", "订单号 Order no."]
    assert table[1][:3] == ["微信有付款、日记账无订单", "退款", f"`{otn(9)}"]
    assert table[1][5:7] == ["19.99", ""]
    assert table[2][:3] == ["matched", "none", f"`{otn(1)}"] and table[2][5:7] == ["1.00", "1.00"]


def test_write_file_is_atomic_and_named_by_day(tmp_path):
    target = tmp_path / default_name("orders", DAY)
    assert target.name == "kiosk-orders-2026-11-28.csv"
    write_file(target, b"\xef\xbb\xbfa\r\n")
    assert target.read_bytes() == b"\xef\xbb\xbfa\r\n" and not list(tmp_path.glob("*.part"))


def test_numbers_stay_text_and_amounts_stay_numbers_in_a_spreadsheet(journal_with: JournalOf):
    """Order and transaction numbers all of digits (a 28-digit transaction id; an order number a store could
    configure as digits only) read back as written; amounts read back as numbers."""
    digits_only = dataclasses.replace(order(1, 1250), out_trade_no="2026112800001234567890")
    transaction_id = digits_only.transaction_id
    assert transaction_id is not None and len(transaction_id) == 28 and transaction_id.isdigit()
    unmarked = spreadsheet_value(transaction_id)
    assert isinstance(unmarked, float) and f"{unmarked:.0f}" != transaction_id  # what plain digits would become
    r = refund(digits_only.out_trade_no, 1, 250)
    r = dataclasses.replace(r, out_refund_no="20261128000012345678901")

    table = rows(orders_csv([digits_only], {}, [r]))
    cells = dict(zip(table[0], table[1], strict=True))
    for header, written in (
        ("订单号 Order no.", digits_only.out_trade_no),
        ("微信支付单号 Transaction id", transaction_id),
    ):
        shown = spreadsheet_value(cells[header])
        assert isinstance(shown, str) and shown.removeprefix("`") == written
    assert spreadsheet_value(cells["金额(元) Amount (CNY)"]) == 12.5

    bill = day_bill(payment(digits_only), refund_entry(r))
    result = reconcile(journal_with([digits_only], [r]), bill)
    table = rows(reconciliation_csv(result))
    header = table[0]
    for line in table[1:]:
        cells = dict(zip(header, line, strict=True))
        for name in ("订单号 Order no.", "退款单号 Refund no.", "微信支付单号 Transaction id"):
            assert isinstance(spreadsheet_value(cells[name]), str)
        assert cells["订单号 Order no."] == f"`{digits_only.out_trade_no}"
        assert isinstance(spreadsheet_value(cells["账单金额(元) Bill amount (CNY)"]), float)
    refund_line = dict(zip(header, table[-1], strict=True))
    assert refund_line["退款单号 Refund no."] == f"`{r.out_refund_no}"
    payment_line = dict(zip(header, table[1], strict=True))
    assert (
        payment_line["微信支付单号 Transaction id"] == f"`{transaction_id}"
        and payment_line["退款单号 Refund no."] == ""
    )
