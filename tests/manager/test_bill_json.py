"""The manager reads the relay's bill answer (a ``kiosk.wire.BillAnswer`` that the real relay code builds from a
real bill file, through JSON as on the wire) into BillEntry rows, and names the row and column of anything wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kiosk.manager.bills import BillEntry, DayBill, bill_from_answer, check_totals
from kiosk.wechatpay import parse_trade_bill
from kiosk.wire import BillAnswer, WireError, decode, encode_bytes
from tests.support.bills import BILL_DAY, BILL_FILE, relay_bill_answer


def relay_body() -> dict[str, Any]:
    """What the relay sends for the test bill, through JSON as on the wire."""
    loaded: dict[str, Any] = json.loads(encode_bytes(relay_bill_answer()))
    return loaded


def read(body: dict[str, Any]) -> DayBill:
    return bill_from_answer(decode(BillAnswer, body))


def test_every_row_of_the_relays_answer_becomes_its_entry() -> None:
    parsed = parse_trade_bill(BILL_FILE.read_bytes())
    bill = read(relay_body())
    assert bill.day == BILL_DAY and len(bill.entries) == len(parsed.rows) and check_totals(bill) == []
    for entry, row in zip(bill.entries, parsed.rows, strict=True):
        assert type(entry) is BillEntry
        assert (entry.trade_time, entry.transaction_id, entry.out_trade_no, entry.trade_state) == (
            row.trade_time,
            row.transaction_id,
            row.out_trade_no,
            row.trade_state,
        )
        assert (entry.settlement_fen, entry.order_total_fen, entry.fee_fen) == (
            row.settlement_total_fen,
            row.order_total_fen,
            row.fee_fen,
        )
        assert entry.refund_fen == (row.refund_fen or 0) and entry.refund_status == row.refund_status
        assert entry.goods_name == (row.goods_name or "") and entry.trade_type == row.trade_type
        # The ALL bill's "0" placeholders of a payment row's refund numbers are no refund at all.
        assert entry.out_refund_no == (None if row.out_refund_no in (None, "0") else row.out_refund_no)
        assert entry.refund_id == (None if row.refund_id in (None, "0") else row.refund_id)
        assert entry.is_refund == (row.trade_state == "REFUND")
    assert bill.totals.trade_count == parsed.summary.trade_count
    assert bill.totals.settlement_fen == parsed.summary.settlement_total_fen
    assert bill.totals.fee_fen == parsed.summary.fee_total_fen


def test_values_the_bill_type_lacks_are_null_and_read_as_nothing() -> None:
    body = relay_body()
    columns: list[str] = body["columns"]
    for name, value in (("goods_name", None), ("refund_fen", None), ("refund_status", None), ("refund_id", "")):
        body["rows"][0][columns.index(name)] = value
    entry = read(body).entries[0]
    assert (entry.goods_name, entry.refund_fen, entry.refund_status, entry.refund_id) == ("", 0, None, None)
    assert read({**body, "rows": []}).entries == ()


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("transaction_id", 42, "rows: row 8: transaction_id 42 is not text"),
        ("settlement_total_fen", "12", "rows: row 8: settlement_total_fen '12' is not an integer"),
        ("settlement_total_fen", True, "rows: row 8: settlement_total_fen True is not an integer"),
        ("fee_fen", None, "rows: row 8: fee_fen None is not an integer"),  # fee_fen is never null
        ("refund_fen", 1.5, "rows: row 8: refund_fen 1.5 is not an integer"),
        ("goods_name", 7, "rows: row 8: goods_name 7 is not text"),
        ("trade_time", "2019-02-19 05:01:46", "rows: row 8: trade_time '2019-02-19 05:01:46' is not an RFC 3339"),
        ("trade_time", "yesterday", "rows: row 8: trade_time 'yesterday' is not an RFC 3339"),
        ("trade_time", None, "rows: row 8: trade_time None is not an RFC 3339"),
    ],
)
def test_a_bad_value_is_named_by_row_and_column(column: str, value: object, problem: str) -> None:
    body = relay_body()
    body["rows"][7][body["columns"].index(column)] = value
    with pytest.raises(WireError) as raised:
        read(body)
    assert str(raised.value).startswith(problem) and raised.value.field == "rows"
