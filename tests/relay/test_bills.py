"""Bills: downloaded, hash-checked and parsed by the client, served as JSON in fen, cached, per store."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from kiosk.clock import parse_rfc3339
from kiosk.relay.config import add_kiosk, add_store
from kiosk.relay.wechat import _record, bill_answer
from kiosk.wechatpay import parse_trade_bill
from kiosk.wire import encode_bill, encode_bytes
from tests.support.bills import relay_bill_answer
from tests.support.relay import ENGINES, database_for, init_relay, start_relay
from tests.support.sandbox import SandboxProcess

#: Five bill requests, then one a minute.
BILL_LIMIT = {"server": {"bill_rate_limit_burst": 5, "bill_rate_limit_per_minute": 1}}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_past_days_bill_is_served_as_json_per_store_and_cached(
    sandbox_factory: Callable[..., SandboxProcess], tmp_path: Path, engine: str, request: pytest.FixtureRequest
) -> None:
    sandbox = sandbox_factory(time_scale=10)
    credentials = init_relay(
        sandbox.state_dir, tmp_path, settings=BILL_LIMIT, storage_url=database_for(engine, request)
    )
    add_store(credentials.config_path, "store-2", "Other shop")
    other = add_kiosk(credentials.config_path, "store-2")
    relay = start_relay(credentials)
    try:
        with (
            httpx.Client(base_url=relay.base_url, headers=relay.kiosk_headers(), timeout=30) as kiosk,
            httpx.Client(
                base_url=relay.base_url, headers={"Authorization": f"Bearer {other['token']}"}, timeout=30
            ) as other_kiosk,
        ):
            order = kiosk.post(
                "/v1/orders", json={"out_trade_no": "store1-BILL00000001", "description": "账单", "amount_fen": 1288}
            ).json()
            theirs = other_kiosk.post(
                "/v1/orders",
                json={"out_trade_no": "store2-BILL00000002", "description": "别店", "amount_fen": 99},
            ).json()
            paid = sandbox.pay(order["code_url"])
            sandbox.pay(theirs["code_url"])
            day = parse_rfc3339(paid["success_time"]).date()
            sandbox.advance(36 * 3600)  # the sandbox's business day moves on; the bill is generated
            first = kiosk.get(f"/v1/bills/{day.isoformat()}")
            second = kiosk.get(f"/v1/bills/{day.isoformat()}")
            other_bill = other_kiosk.get(f"/v1/bills/{day.isoformat()}")
            empty_day = kiosk.get(f"/v1/bills/{(day - timedelta(days=1)).isoformat()}")
            future = kiosk.get(f"/v1/bills/{(date.today() + timedelta(days=2)).isoformat()}")
            malformed = kiosk.get("/v1/bills/2026-13-40")
            plain = kiosk.get(f"/v1/bills/{day.isoformat()}", headers={"Accept-Encoding": "identity"})
            limited = kiosk.get(f"/v1/bills/{day.isoformat()}")  # the sixth with a day: over the kiosk's burst
            other_still = other_kiosk.get(f"/v1/bills/{day.isoformat()}")  # a bucket per credential
        relay = relay.restart()  # the answers were kept in storage as bytes: a new process serves them as they are
        with httpx.Client(base_url=relay.base_url, headers=relay.kiosk_headers(), timeout=30) as kiosk:
            restarted = kiosk.get(f"/v1/bills/{day.isoformat()}")
    finally:
        relay.stop()
    # Sent as kept: gzip for every client that takes it (httpx does), decompressed for one that does not.
    assert first.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert plain.json() == second.json() and int(plain.headers["content-length"]) == len(plain.content)
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1 and other_still.status_code == 200
    assert first.status_code == 200, first.text
    bill = first.json()
    assert bill["cached"] is False and second.json()["cached"] is True
    assert second.json()["rows"] == bill["rows"] and second.json()["columns"] == bill["columns"]
    assert restarted.content == second.content and restarted.headers["content-encoding"] == "gzip"
    # Columnar: each row is an array of the values named by "columns" (BillRow's fields).
    assert bill["columns"][:2] == ["trade_time", "appid"] and all(len(r) == len(bill["columns"]) for r in bill["rows"])
    rows = [dict(zip(bill["columns"], values, strict=True)) for values in bill["rows"]]
    assert [row["out_trade_no"] for row in rows] == ["store1-BILL00000001"]
    row = rows[0]
    assert row["order_total_fen"] == 1288 and row["transaction_id"] == paid["transaction_id"]
    assert bill["summary"]["trade_count"] >= 1
    assert other_bill.status_code == 200 and other_bill.json()["cached"] is True
    theirs_rows = other_bill.json()["rows"]
    at = other_bill.json()["columns"].index("out_trade_no")
    assert [values[at] for values in theirs_rows] == ["store2-BILL00000002"]
    assert empty_day.status_code == 404 and empty_day.json()["error"]["code"] == "no_statement"
    assert future.status_code == 409 and future.json()["error"]["code"] == "bill_not_available"
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "invalid_request"


def test_the_answer_holds_the_values_of_every_row_column_by_column() -> None:
    fixture = Path(__file__).parents[1] / "wechatpay" / "vectors" / "bill.ALL.csv"
    bill = parse_trade_bill(fixture.read_bytes())
    answer = bill_answer(bill)
    assert answer.columns == [f.name for f in dataclasses.fields(type(bill.rows[0]))]
    # What relays sent row by row (times in RFC 3339, the fee as its decimal text), as arrays.
    rows = [dict(zip(answer.columns, row, strict=True)) for row in zip(*answer.values, strict=True)]
    assert rows == [_record(r) for r in bill.rows] and answer.row_count == len(bill.rows)
    assert answer.summary == _record(bill.summary) and answer.extra == {"bill_type": "ALL"}
    json.dumps(answer.values)  # plain JSON values only


def test_the_answer_is_encoded_a_slice_of_rows_at_a_time_into_the_same_bytes() -> None:
    answer = relay_bill_answer()
    rows = answer.rows * 1500  # more than one slice
    full = dataclasses.replace(answer, rows=rows)
    columns = [list(column) for column in zip(*rows, strict=True)]
    assert encode_bill(dataclasses.replace(answer, rows=[]), columns) == encode_bytes(full)
    empty = dataclasses.replace(answer, rows=[])
    assert encode_bill(empty, [[] for _ in answer.columns]) == encode_bytes(empty)
