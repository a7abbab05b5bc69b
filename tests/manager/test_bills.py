from __future__ import annotations

import httpx
import pytest

from kiosk.manager.bills import BillFetcher, BillState, NotAvailableReason, release_time
from kiosk.wire import BILL_COLUMNS
from tests.manager.factories import BILL_ROW, DAY, at, relay_bill

ANSWER = relay_bill(DAY)
SUMMARY = ANSWER["summary"]


class Clock:
    def now(self):
        return at(11, 0, DAY.replace(day=29))


def fetcher(status: int, body: object, headers: dict[str, str] | None = None, seen: list | None = None) -> BillFetcher:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, json=body, headers=headers)

    return BillFetcher("http://relay.test/", "kiosk-token", clock=Clock(), transport=httpx.MockTransport(handler))


def error(status, code, message, **extra):
    return status, {"error": {"code": code, "message": message, **extra}}


def test_ready_bill_is_parsed_and_the_request_authenticated():
    seen: list[httpx.Request] = []
    result = fetcher(200, relay_bill(DAY, cached=True), seen=seen).fetch(DAY)
    assert result.ok and result.state is BillState.READY and result.cached
    assert result.bill is not None and result.bill.entries[0].order_total_fen == 1200
    assert result.bill.entries[0].out_refund_no is None  # the bill's "0" placeholder
    assert result.bill.totals.fee_fen == 7
    assert str(seen[0].url) == "http://relay.test/v1/bills/2026-11-28"
    assert seen[0].headers["authorization"] == "Bearer kiosk-token"


@pytest.mark.parametrize(
    ("status", "body", "headers", "state", "reason"),
    [
        (
            *error(409, "bill_not_available", "WeChat Pay is still generating this bill", retry_after=1800),
            {"Retry-After": "1800"},
            BillState.NOT_AVAILABLE,
            NotAvailableReason.GENERATING,
        ),
        (
            *error(409, "bill_not_available", "不能申请当日或未来日期的账单", wechatpay_code="INVALID_REQUEST"),
            None,
            BillState.NOT_AVAILABLE,
            NotAvailableReason.DAY_NOT_ENDED,
        ),
        (
            *error(409, "bill_not_available", "WeChat Pay keeps bills for 3 months only"),
            None,
            BillState.NOT_AVAILABLE,
            NotAvailableReason.TOO_OLD,
        ),
        (
            *error(404, "no_statement", "WeChat Pay has no bill for this day (no trades)"),
            None,
            BillState.NO_TRANSACTIONS,
            None,
        ),
        (
            *error(502, "bill_hash_mismatch", "the downloaded bill failed its hash check"),
            None,
            BillState.HASH_FAILED,
            None,
        ),
        (
            *error(503, "wechatpay_unavailable", "WeChat Pay could not be reached; retry", retryable=True),
            None,
            BillState.RELAY_DOWN,
            None,
        ),
        (*error(429, "rate_limited", "too many requests"), {"Retry-After": "2"}, BillState.RELAY_DOWN, None),
        (*error(401, "unauthorized", "a valid kiosk token is required"), None, BillState.REJECTED, None),
    ],
)
def test_relay_answers_map_to_clear_states(status, body, headers, state, reason):
    result = fetcher(status, body, headers).fetch(DAY)
    assert (result.state, result.reason) == (state, reason)
    assert result.bill is None and not result.ok
    assert body["error"]["code"] in result.detail
    if state is BillState.NOT_AVAILABLE:
        assert result.available_from == release_time(DAY) == at(10, 0, DAY.replace(day=29))


def test_generating_keeps_the_retry_hint():
    status, body = error(409, "bill_not_available", "WeChat Pay is still generating this bill", retry_after=1800)
    assert fetcher(status, body).fetch(DAY).retry_after_seconds == 1800


def test_today_is_not_ended_whatever_the_message():
    status, body = error(409, "bill_not_available", "bills exist only for past days")
    assert fetcher(status, body).fetch(DAY.replace(day=29)).reason is NotAvailableReason.DAY_NOT_ENDED


def test_relay_unreachable():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    result = BillFetcher("http://relay.test", "t", transport=httpx.MockTransport(refuse)).fetch(DAY)
    assert result.state is BillState.RELAY_DOWN and "ConnectError" in result.detail


def test_a_relay_instance_that_cannot_answer_is_passed_over_for_the_next():
    asked: list[str] = []

    def instances(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.host)
        if request.url.host == "relay-a.test":
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.host == "relay-b.test":
            return httpx.Response(502, content=b"<h1>Bad Gateway</h1>")  # a proxy with nothing behind it
        return httpx.Response(200, json=ANSWER)

    urls = ["http://relay-a.test", "http://relay-b.test", "http://relay-c.test"]
    fetcher = BillFetcher(urls, "t", clock=Clock(), transport=httpx.MockTransport(instances))
    assert fetcher.fetch(DAY).state is BillState.READY and fetcher.fetch(DAY).state is BillState.READY
    assert asked == ["relay-a.test", "relay-b.test", "relay-c.test", "relay-c.test"]  # then c first


def test_a_bill_whose_rows_disagree_with_its_summary_is_invalid_not_shown():
    body = {**ANSWER, "summary": {**SUMMARY, "settlement_total_fen": 9999}}
    result = fetcher(200, body).fetch(DAY)
    assert result.state is BillState.INVALID and result.bill is None and "9999" in result.detail


@pytest.mark.parametrize(
    "body",
    [
        {"rows": "x", "summary": {}},
        {**ANSWER, "rows": [BILL_ROW]},  # rows as objects: no relay sends that
        {**ANSWER, "rows": [list({**BILL_ROW, "order_total_fen": "12.00"}.values())]},
        {**ANSWER, "rows": [list(BILL_ROW.values())[:-1]]},
        {**ANSWER, "columns": list(BILL_COLUMNS)[:-1]},
        {**ANSWER, "columns": "trade_time"},
        {**ANSWER, "summary": {**SUMMARY, "fee_total": 0.07}},
        {**ANSWER, "surprise": 1},
        {key: value for key, value in ANSWER.items() if key != "store_id"},
        ["not", "an", "object"],
    ],
)
def test_malformed_bills_are_invalid(body):
    result = fetcher(200, body).fetch(DAY)
    assert result.state is BillState.INVALID and "breaks the contract" in result.detail


def test_the_bill_of_another_day_is_invalid():
    result = fetcher(200, {**ANSWER, "bill_date": "2026-11-27"}).fetch(DAY)
    assert result.state is BillState.INVALID and "2026-11-27" in result.detail


@pytest.mark.parametrize(
    ("status", "state"),
    [(404, BillState.INVALID), (409, BillState.INVALID), (502, BillState.RELAY_DOWN), (429, BillState.RELAY_DOWN)],
)
def test_an_error_without_the_relays_error_body_is_never_read_as_an_answer(status, state):
    # A proxy's page: a 404 is not "no transactions", a 409 not "not available yet".
    transport = httpx.MockTransport(lambda request: httpx.Response(status, content=b"<h1>Not Found</h1>"))
    assert BillFetcher("http://r", "t", transport=transport).fetch(DAY).state is state


def test_non_json_answer_is_invalid():
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"<html>"))
    assert BillFetcher("http://r", "t", transport=transport).fetch(DAY).state is BillState.INVALID
