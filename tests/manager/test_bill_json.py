"""The manager's column-wise bill conversions (``kiosk.manager.reconcile``) agree with its row-by-row ones,
for the parsed file, the relay's columnar answer and the rows-as-objects answer of older relays, errors
included (the fast paths hand anything wrong to the row-by-row code, which names the problem)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kiosk.manager.reconcile import (
    BillDataError,
    _entries_from_arrays,
    _entries_from_json,
    bill_from_json,
    bill_from_trade_bill,
    entry_from_json,
    entry_from_row,
)
from kiosk.relay.wechat import _record, bill_answer
from kiosk.wechatpay import parse_trade_bill

FIXTURE = (Path(__file__).parents[1] / "wechatpay" / "vectors" / "bill.ALL.csv").read_bytes()


def relay_rows(data: bytes) -> list[dict[str, object]]:
    """The rows of ``data`` as objects, as relays before the columnar answer sent them."""
    return [_record(row) for row in parse_trade_bill(data).rows]


def test_manager_bill_from_trade_bill_equals_entry_by_entry() -> None:
    parsed = parse_trade_bill(FIXTURE)
    day = parsed.rows[0].trade_time.date()
    entries = bill_from_trade_bill(day, parsed).entries
    assert entries == tuple(entry_from_row(r) for r in parsed.rows)
    assert all(type(e).__name__ == "BillEntry" for e in entries) and entries[0].is_refund


def test_manager_bill_from_json_equals_entry_by_entry() -> None:
    rows = relay_rows(FIXTURE)
    fast = _entries_from_json(rows)
    assert fast is not None and fast == tuple(entry_from_json(r) for r in rows)
    assert _entries_from_json([]) == ()
    rows[3]["fee_fen"], rows[4]["goods_name"], rows[5]["refund_id"], rows[6]["refund_fen"] = None, None, "", None
    assert _entries_from_json(rows) == tuple(entry_from_json(r) for r in rows)


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("transaction_id", 42, "is not text"),
        ("settlement_total_fen", "12", "is not an integer"),
        ("settlement_total_fen", True, "is not an integer"),
        ("refund_fen", 1.5, "is not an integer"),
        ("goods_name", 7, "is not text"),
        ("trade_time", "2019-02-19 05:01:46", "has no UTC offset"),
        ("trade_time", "yesterday", "malformed"),
        ("trade_time", None, "malformed"),
        ("out_trade_no", ..., "malformed"),
    ],
)
def test_manager_bill_from_json_errors_are_the_reference_errors(key: str, value: object, problem: str) -> None:
    rows = relay_rows(FIXTURE)
    if value is ...:
        del rows[7][key]
    else:
        rows[7][key] = value
    assert _entries_from_json(rows) is None
    with pytest.raises(BillDataError, match=problem):
        bill_from_json(date(2019, 2, 19), {"rows": rows, "summary": {}})
    assert _entries_from_json([*relay_rows(FIXTURE)[:2], ["not", "a", "row"]]) is None


def _columnar(rows: list[dict[str, object]]) -> tuple[list[str], list[list[object]]]:
    """The relay's answer form: each row an array of the values named by ``columns``."""
    columns = list(rows[0])
    return columns, [[row.get(name) for name in columns] for row in rows]


def test_the_relays_answer_is_the_columnar_form_of_its_rows() -> None:
    answer = bill_answer(parse_trade_bill(FIXTURE))
    assert (answer.columns, answer.rows) == _columnar(relay_rows(FIXTURE))


def test_manager_bill_from_columnar_json_equals_entry_by_entry() -> None:
    rows = relay_rows(FIXTURE)
    rows[3]["fee_fen"], rows[4]["goods_name"], rows[5]["refund_id"], rows[6]["refund_fen"] = None, None, "", None
    columns, arrays = _columnar(rows)
    fast = _entries_from_arrays(columns, arrays)
    assert fast is not None and fast == tuple(entry_from_json(r) for r in rows)
    assert _entries_from_arrays(columns, []) == ()
    day = date(2019, 2, 19)
    summary = {"trade_count": 0, "settlement_total_fen": 0, "order_total_fen": 0}
    assert bill_from_json(day, {"columns": columns, "rows": arrays, "summary": summary}).entries == fast
    # Optional columns may be left out altogether.
    short = [name for name in columns if name not in ("goods_name", "refund_fen", "fee_fen")]
    kept = [[row[name] for name in short] for row in rows]
    assert _entries_from_arrays(short, kept) == tuple(entry_from_json({k: r[k] for k in short}) for r in rows)


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("transaction_id", 42, "is not text"),
        ("settlement_total_fen", "12", "is not an integer"),
        ("refund_fen", 1.5, "is not an integer"),
        ("trade_time", "2019-02-19 05:01:46", "has no UTC offset"),
        ("out_trade_no", ..., "malformed"),
        ("columns", "x", "not a list of names"),
        ("width", None, "is not an array of"),
    ],
)
def test_manager_bill_from_columnar_json_errors_are_the_reference_errors(key: str, value: object, problem: str) -> None:
    columns, arrays = _columnar(relay_rows(FIXTURE))
    body: dict[str, object] = {"columns": columns, "rows": arrays, "summary": {}}
    if key == "columns":
        body["columns"] = value
    elif key == "width":
        arrays[7] = arrays[7][:-1]
    elif value is ...:
        at = columns.index(key)
        body["columns"] = columns[:at] + columns[at + 1 :]
        body["rows"] = [row[:at] + row[at + 1 :] for row in arrays]
    else:
        arrays[7][columns.index(key)] = value
    if isinstance(body["columns"], list):
        assert _entries_from_arrays(body["columns"], body["rows"]) is None  # type: ignore[arg-type]
    with pytest.raises(BillDataError, match=problem):
        bill_from_json(date(2019, 2, 19), body)
