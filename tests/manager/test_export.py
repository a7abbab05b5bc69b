from __future__ import annotations

import csv
import io

from kiosk.checkout.session import State
from kiosk.manager.export import BOM, default_name, orders_csv, reconciliation_csv, write_file
from kiosk.manager.reconcile import reconcile
from tests.manager.conftest import JournalOf
from tests.manager.factories import DAY, PREFIX, at, day_bill, item, order, otn, payment, refund


def rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: spreadsheet programs in China need it
    text = data.decode("utf-8")
    assert text[0] == BOM and "\r\n" in text
    return list(csv.reader(io.StringIO(text[1:])))


def test_orders_csv_has_bom_chinese_headers_and_yuan():
    paid = order(1, 1250, charged=at(9, 5))
    cancelled = order(2, 300, State.CANCELLED, ended_by="clerk")
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
    assert first["订单号 Order no."] == otn(1)
    assert first["下单时间 Charged at"] == "2026-11-28 09:05:00"
    assert first["金额(元) Amount (CNY)"] == "12.50" and first["已退款(元) Refunded (CNY)"] == "2.50"
    assert first["商品 Items"] == "农夫山泉 x2; 咖啡 x1" and first["状态 State"] == "paid"
    second = dict(zip(table[0], table[2], strict=True))
    assert second["实付(元) Paid by customer (CNY)"] == "" and second["结束原因 Ended by"] == "clerk"
    assert second["商品 Items"] == cancelled.description
    assert len(table) == 3


def test_reconciliation_csv_lists_problems_first_with_labels(journal_with: JournalOf):
    sold = order(1, 100)
    result = reconcile(journal_with([sold]), day_bill(payment(sold), payment(otn(9), 1999)), prefix=PREFIX)
    table = rows(reconciliation_csv(result, {"missing_in_journal": "微信有付款、日记账无订单", "refund": "退款"}))
    assert table[0][:3] == ["类别 Category", "建议操作 Action", "订单号 Order no."]
    assert table[1][:3] == ["微信有付款、日记账无订单", "退款", otn(9)]
    assert table[1][5:7] == ["19.99", ""]
    assert table[2][:3] == ["matched", "none", otn(1)] and table[2][5:7] == ["1.00", "1.00"]


def test_write_file_is_atomic_and_named_by_day(tmp_path):
    target = tmp_path / default_name("orders", DAY)
    assert target.name == "kiosk-orders-2026-11-28.csv"
    write_file(target, b"\xef\xbb\xbfa\r\n")
    assert target.read_bytes() == b"\xef\xbb\xbfa\r\n" and not list(tmp_path.glob("*.part"))
