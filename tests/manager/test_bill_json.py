"""The manager reads the relay's columnar bill answer (``kiosk.relay.wechat.bill_answer``, built by the real
relay code from a real bill file) into BillEntry rows, and names the row and column of anything wrong."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kiosk.manager.bills import BillDataError, BillEntry, bill_from_json, check_totals
from kiosk.relay.wechat import bill_answer
from kiosk.wechatpay import parse_trade_bill

FIXTURE = (Path(__file__).parents[1] / "wechatpay" / "vectors" / "bill.ALL.csv").read_bytes()
DAY = date(2019, 2, 19)


def relay_body(data: bytes = FIXTURE) -> dict[str, Any]:
    """What the relay sends for ``data``, through JSON as on the wire."""
    answer = bill_answer(parse_trade_bill(data))
    body = {"columns": answer.columns, "rows": answer.rows, "summary": answer.summary, **answer.extra}
    loaded: dict[str, Any] = json.loads(json.dumps(body, ensure_ascii=False))
    return loaded


def test_every_row_of_the_relays_answer_becomes_its_entry() -> None:
    parsed = parse_trade_bill(FIXTURE)
    bill = bill_from_json(DAY, relay_body())
    assert len(bill.entries) == len(parsed.rows) and check_totals(bill) == []
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


def test_optional_columns_may_be_left_out_or_empty() -> None:
    body = relay_body()
    names: list[str] = body["columns"]
    keep = [at for at, name in enumerate(names) if name not in ("goods_name", "refund_fen", "fee_fen", "trade_type")]
    body["columns"] = [names[at] for at in keep]
    body["rows"] = [[row[at] for at in keep] for row in body["rows"]]
    body["rows"][0][body["columns"].index("refund_id")] = ""
    bill = bill_from_json(DAY, body)
    entry = bill.entries[0]
    assert (entry.goods_name, entry.refund_fen, entry.fee_fen, entry.trade_type, entry.refund_id) == (
        "",
        0,
        0,
        None,
        None,
    )
    assert bill_from_json(DAY, {"columns": names, "rows": [], "summary": body["summary"]}).entries == ()


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("transaction_id", 42, "bill row 8: transaction_id 42 is not text"),
        ("settlement_total_fen", "12", "bill row 8: settlement_total_fen '12' is not an integer"),
        ("settlement_total_fen", True, "bill row 8: settlement_total_fen True is not an integer"),
        ("refund_fen", 1.5, "bill row 8: refund_fen 1.5 is not an integer"),
        ("goods_name", 7, "bill row 8: goods_name 7 is not text"),
        ("trade_time", "2019-02-19 05:01:46", "bill row 8: trade_time '2019-02-19 05:01:46' has no UTC offset"),
        ("trade_time", "yesterday", "bill row 8: trade_time 'yesterday' is not an RFC 3339 time"),
        ("trade_time", None, "bill row 8: trade_time None is not text"),
        ("out_trade_no", ..., "the bill has no 'out_trade_no' column"),
    ],
)
def test_a_bad_value_is_named_by_row_and_column(column: str, value: object, problem: str) -> None:
    body = relay_body()
    names: list[str] = body["columns"]
    at = names.index(column)
    if value is ...:
        body["columns"] = names[:at] + names[at + 1 :]
        body["rows"] = [row[:at] + row[at + 1 :] for row in body["rows"]]
    else:
        body["rows"][7][at] = value
    with pytest.raises(BillDataError) as raised:
        bill_from_json(DAY, body)
    assert str(raised.value) == problem


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"columns": "trade_time"}, "columns are not a list of names"),
        ({"columns": None}, "columns are not a list of names"),  # rows as objects: never sent by any relay
        ({"rows": {}}, "no rows list"),
        ({"summary": None}, "no summary"),
    ],
)
def test_an_answer_of_the_wrong_shape_is_refused(change: dict[str, Any], problem: str) -> None:
    with pytest.raises(BillDataError, match=problem):
        bill_from_json(DAY, {**relay_body(), **change})


def test_rows_must_be_arrays_as_wide_as_the_columns() -> None:
    body = relay_body()
    body["rows"][3] = body["rows"][3][:-1]
    with pytest.raises(BillDataError, match="bill row 4 is not an array of"):
        bill_from_json(DAY, body)
    body = relay_body()
    body["columns"] = [*body["columns"][:-1], body["columns"][0]]
    with pytest.raises(BillDataError, match="names a column twice"):
        bill_from_json(DAY, body)
