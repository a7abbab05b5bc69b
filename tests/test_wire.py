"""The kiosk–relay contract (kiosk.wire): the codec's strictness, and every kind of answer of the REAL relay
decoded by the kiosk's client (kiosk.checkout.relay_client), which raises on anything outside the contract."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, get_type_hints

import httpx
import pytest

from kiosk.checkout.relay_client import RelayAnswerInvalid, RelayClient, RelayNotFound, RelayRejected, RelayUnavailable
from kiosk.clock import CHINA_TZ, parse_rfc3339
from kiosk.manager.bills import BillFetcher, BillState
from kiosk.trade import CodePayFailure, RefundStatus, TradeState, TradeType
from kiosk.wechatpay.bills import BillRow, BillSummary, parse_trade_bill
from kiosk.wire import (
    BILL_COLUMN_TYPES,
    BILL_COLUMNS,
    BILL_SUMMARY_KEYS,
    BILL_SUMMARY_TYPES,
    STORE_TAG_CHARS,
    BillAnswer,
    CodePayCreate,
    ErrorAnswer,
    ErrorCode,
    ErrorDetail,
    OrderCreate,
    OrderView,
    PingAnswer,
    RefundCreate,
    RefundView,
    WireError,
    decode,
    decode_bytes,
    encode,
    encode_bytes,
    number_tag,
    store_prefix,
)
from tests.support.bills import BILL_FILE, relay_bill_answer
from tests.support.relay import RelayProcess, init_relay, start_relay
from tests.support.sandbox import SandboxProcess, start_sandbox_process
from tests.support.waiting import wait_until

AT = datetime(2026, 3, 1, 12, 0, tzinfo=CHINA_TZ)
VIEW = OrderView(
    out_trade_no="S1-K1-000001",
    store_id="store-1",
    trade_type=TradeType.NATIVE,
    state=TradeState.SUCCESS,
    version=2,
    amount_fen=1200,
    description="拿铁",
    expires_at=AT + timedelta(minutes=10),
    refunded_fen=0,
    created_at=AT,
    updated_at=AT,
    transaction_id="4200000001",
    success_time=AT + timedelta(minutes=1),
    items=[{"sku": "CAF-002", "quantity": 1}],
)

# ---- the codec ------------------------------------------------------------------------------------------


def test_messages_round_trip_and_leave_out_unknown_optional_fields() -> None:
    data = encode(VIEW)
    assert data["state"] == "SUCCESS" and data["expires_at"] == "2026-03-01T12:10:00+08:00"
    assert "code_url" not in data and "payer_total_fen" not in data  # "keys marked ? appear only when known"
    assert decode(OrderView, data) == VIEW
    refund = RefundView(
        out_refund_no="S1-K1-000001R1",
        out_trade_no=VIEW.out_trade_no,
        store_id="store-1",
        amount_fen=500,
        total_fen=1200,
        status=RefundStatus.PENDING,
        version=1,
        created_at=AT,
        updated_at=AT,
    )
    error = ErrorAnswer(error=ErrorDetail(code=ErrorCode.REFUND_REJECTED, message="no", refund=refund))
    assert decode(ErrorAnswer, encode(error)) == error
    assert encode(error)["error"]["refund"]["status"] == "PENDING"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"state": None}, "state is required"),
        ({"state": "ACCEPT"}, "state 'ACCEPT' is not a known TradeState"),
        ({"version": True}, "version must be an integer"),
        ({"amount_fen": 0}, "amount_fen must be an integer of fen from 1 to 2147483647"),
        ({"expires_at": "2026-03-01T12:10:00"}, "expires_at must be RFC 3339 with an offset"),
        ({"items": "lots"}, "items must be a JSON array or object"),
        ({"color": "blue"}, "color is not a field of OrderView"),
        ({"trade_type": None}, "trade_type is required"),
        ({"trade_type": "JSAPI"}, "trade_type 'JSAPI' is not a known TradeType"),
        ({"failure": "bad_luck"}, "failure 'bad_luck' is not a known CodePayFailure"),
        ({"unresolved": "yes"}, "unresolved must be true or false"),
    ],
)
def test_decoding_refuses_what_the_contract_does_not_allow(change: dict[str, Any], message: str) -> None:
    data = {**encode(VIEW), **change}
    with pytest.raises(WireError) as caught:
        decode(OrderView, {name: value for name, value in data.items() if value is not None})
    assert str(caught.value) == message and caught.value.field == next(iter(change))


def test_requests_carry_the_field_rules_of_docs_relay_md() -> None:
    good = {"out_trade_no": "S1-K1-000001", "description": "拿" * 42 + "a", "amount_fen": 2**31 - 1}
    assert decode(OrderCreate, good).description == "拿" * 42 + "a"  # 127 bytes: what WeChat Pay takes
    lines = [{"sku": "A", "quantity": 2, "unit_price_fen": 300}, {"sku": "B", "total_fen": 400}]
    assert decode(OrderCreate, {**good, "amount_fen": 1000, "items": lines}).items == lines
    notes = {**good, "items": [{"sku": "A", "quantity": 2}]}  # lines without money are notes: not checked
    assert decode(OrderCreate, notes).items == [{"sku": "A", "quantity": 2}]
    fen = "amount_fen must be an integer of fen from 1 to 2147483647"
    refused = [
        ({**good, "out_trade_no": "short"}, "out_trade_no must be 6-32 of [0-9A-Za-z_-|*]"),
        ({**good, "description": "拿" * 43}, "description must be 1 to 127 bytes of UTF-8"),  # 43 characters
        ({**good, "description": "拿" * 127}, "description must be 1 to 127 bytes of UTF-8"),  # 381 bytes
        ({**good, "description": ""}, "description must be 1 to 127 bytes of UTF-8"),
        ({**good, "amount_fen": 2**31}, fen),
        ({**good, "amount_fen": 0}, fen),
        ({**good, "attach": "x" * 129}, "attach is longer than 128 bytes"),
        ({**good, "time_expire": "tomorrow"}, "time_expire must be RFC 3339 with an offset"),
        ({**good, "amount_fen": 999, "items": lines}, "items: the lines come to 1000 fen, not amount_fen 999"),
        (
            {**good, "amount_fen": 600, "items": [{"quantity": 2, "unit_price_fen": 300}, {"sku": "B"}]},
            "items: line 2 states no amount while others do",
        ),
        (
            {**good, "amount_fen": 500, "items": [{"quantity": 2, "unit_price_fen": 300, "total_fen": 500}]},
            "items: line 1: total_fen 500 is not quantity x unit_price_fen (600)",
        ),
        (
            {**good, "amount_fen": 500, "items": [{"quantity": 0, "total_fen": 500}]},
            "items: line 1: quantity must be an integer from 1 to 2147483647",
        ),
        (
            {**good, "amount_fen": 500, "items": [{"unit_price_fen": 500}]},
            "items: line 1 states neither total_fen nor quantity and unit_price_fen",
        ),
    ]
    for data, message in refused:
        with pytest.raises(WireError) as caught:
            decode(OrderCreate, data)
        assert str(caught.value) == message
        assert caught.value.field == message.split(" ", 1)[0].rstrip(":")  # the field is named
    with pytest.raises(WireError, match="reason is longer than 80 bytes"):
        decode(RefundCreate, {"out_refund_no": "R1", "amount_fen": 5, "reason": "退" * 27})
    with pytest.raises(WireError, match="the body is not JSON"):
        decode_bytes(OrderCreate, b"{")


def test_a_payment_code_request_carries_a_wechat_code_that_no_repr_or_error_shows() -> None:
    code = "134567890123459406"
    good = {"out_trade_no": "S1-K1-000002", "description": "奶茶 x1", "amount_fen": 1200, "auth_code": code}
    request = decode(CodePayCreate, good)
    assert request.auth_code == code and code not in repr(request) and encode(request)["auth_code"] == code
    for wrong in ("284567890123459406", "13456789012345940", "134567890123 459406", "6212345678901234567"):
        with pytest.raises(WireError) as caught:
            decode(CodePayCreate, {**good, "auth_code": wrong})  # Alipay, short, spaced, UnionPay
        assert str(caught.value) == "auth_code must be a WeChat Pay payment code (18 digits starting 10-15)"
        assert wrong not in str(caught.value)
    failed = dataclasses.replace(VIEW, trade_type=TradeType.MICROPAY, failure=CodePayFailure.INSUFFICIENT_FUNDS)
    assert encode(failed)["failure"] == "insufficient_funds" and "unresolved" not in encode(failed)
    assert decode(OrderView, encode(failed)) == failed


def test_the_bill_answer_is_checked_column_by_column_not_row_by_row() -> None:
    summary = {**dict.fromkeys(BILL_SUMMARY_KEYS, 0), "fee_total": "0.00000", "refund_total_fen": None}
    row = [None] * len(BILL_COLUMNS)
    data = {
        "bill_date": "2026-03-01",
        "store_id": "store-1",
        "cached": True,
        "bill_type": "ALL",
        "columns": list(BILL_COLUMNS),
        "rows": [row, row],
        "summary": summary,
    }
    bill = decode(BillAnswer, data)  # the rows' values are checked as their columns are read
    assert bill.bill_date == date(2026, 3, 1) and bill.rows[1] is row and bill.filtered_for_store is None
    assert bill.column("refund_fen") == [None, None]  # a column the bill type may lack
    with pytest.raises(WireError, match="rows: row 1: out_trade_no None is not text"):
        bill.column("out_trade_no")
    with pytest.raises(KeyError):
        bill.column("surprise")
    with pytest.raises(WireError, match="columns must be the bill columns"):
        decode(BillAnswer, {**data, "columns": list(BILL_COLUMNS)[:-1]})
    with pytest.raises(WireError, match="row 2 is not an array of 30 values"):
        decode(BillAnswer, {**data, "rows": [row, row[:-1]]})
    refused = [
        {**summary, "extra": 1},
        {**summary, "trade_count": None},
        {**summary, "trade_count": True},
        {**summary, "fee_total": 0},
        {**summary, "fee_total": "NaN"},
    ]
    for wrong in refused:
        with pytest.raises(WireError, match="summary must have the bill summary's keys, each value of its type"):
            decode(BillAnswer, {**data, "summary": wrong})


def test_the_bill_contract_matches_the_client_librarys_bill() -> None:
    assert tuple(f.name for f in dataclasses.fields(BillRow)) == BILL_COLUMNS
    assert {f.name for f in dataclasses.fields(BillSummary)} == BILL_SUMMARY_KEYS
    for contract, library in ((BILL_COLUMN_TYPES, BillRow), (BILL_SUMMARY_TYPES, BillSummary)):
        hints = get_type_hints(library)
        assert {name: (kind | None if nullable else kind) for name, (kind, nullable) in contract.items()} == {
            name: hints[name] for name in contract
        }


def test_every_bill_column_reads_back_as_the_client_library_parsed_it() -> None:
    # The relay's own answer of a real bill file, through JSON: what the kiosk reads is what the relay parsed.
    parsed = parse_trade_bill(BILL_FILE.read_bytes())
    answer = relay_bill_answer()
    decoded = decode_bytes(BillAnswer, encode_bytes(answer))
    for name in BILL_COLUMNS:
        assert decoded.column(name) == parsed.column(name), name
    assert decoded.summary == answer.summary


# ---- the real relay through the kiosk's decoder -----------------------------------------------------------


@dataclasses.dataclass
class Parties:
    sandbox: SandboxProcess
    relay: RelayProcess
    kiosk: RelayClient
    manager: RelayClient


@pytest.fixture(scope="module")
def parties(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parties]:
    root = tmp_path_factory.mktemp("contract")
    sandbox = start_sandbox_process(root / "sandbox", time_scale=100)
    relay = start_relay(init_relay(sandbox.state_dir, root))  # default rate limits: rate_limited is reachable
    kiosk = RelayClient(relay.base_url, relay.kiosk_token, timeout=30)
    manager = RelayClient(relay.base_url, relay.kiosk_token, manager_token=relay.manager_token, timeout=30)
    yield Parties(sandbox, relay, kiosk, manager)
    kiosk.close()
    manager.close()
    relay.stop()
    sandbox.stop()


def rejected(call: Any, kind: type[RelayRejected] = RelayRejected) -> RelayRejected:
    """The kiosk's decoder read the relay's error body (an undecodable one raises RelayAnswerInvalid)."""
    with pytest.raises(kind) as caught:
        call()
    return caught.value


def raw_error(response: httpx.Response) -> ErrorDetail:
    return decode(ErrorAnswer, response.json()).error


def expire() -> datetime:
    return datetime.now(CHINA_TZ) + timedelta(minutes=10)


def test_every_order_and_refund_answer_decodes(parties: Parties, tmp_path: Path) -> None:
    kiosk, manager = parties.kiosk, parties.manager
    created = kiosk.create_order(
        "store1-CONTRACT0001", "合同", 1500, expire(), attach="a", items=[{"sku": "X", "n": 1}]
    )
    assert created.state is TradeState.NOTPAY and created.code_url and created.items == [{"sku": "X", "n": 1}]
    assert created.trade_type is TradeType.NATIVE
    assert kiosk.get_order("store1-CONTRACT0001", since=created.version, wait=0.2) == created  # long-poll, no change
    parties.sandbox.pay(created.code_url)
    paid = wait_until(
        lambda: (view := kiosk.get_order("store1-CONTRACT0001", refresh=True)).state is TradeState.SUCCESS and view,
        message="paid",
    )
    assert paid.transaction_id and paid.success_time and paid.payer_total_fen == 1500

    refund = manager.create_refund("store1-CONTRACT0001", "store1-CONTRACT0001R1", 500, "退货")
    assert refund.status in (RefundStatus.PROCESSING, RefundStatus.SUCCESS) and refund.refund_id
    done = wait_until(
        lambda: (
            (view := manager.get_refund("store1-CONTRACT0001R1", refresh=True)).status is RefundStatus.SUCCESS and view
        ),
        message="refund done",
    )
    assert done.success_time is not None and done.reason == "退货"
    assert kiosk.get_order("store1-CONTRACT0001").state is TradeState.REFUND

    other = kiosk.create_order("store1-CONTRACT0002", "合同", 800, expire())
    closed = kiosk.close_order(other.out_trade_no)
    assert closed.state is TradeState.CLOSED and closed.version > other.version

    # Payment code: paid at once, and refused with the reason the kiosk shows (both through the same decoder).
    code_paid = kiosk.charge_code("store1-CONTRACT0005", "合同", 900, parties.sandbox.payment_code("success"))
    assert (code_paid.trade_type, code_paid.state) == (TradeType.MICROPAY, TradeState.SUCCESS)
    refused = kiosk.charge_code("store1-CONTRACT0006", "合同", 900, parties.sandbox.payment_code("insufficient_funds"))
    assert refused.failure is CodePayFailure.INSUFFICIENT_FUNDS
    assert rejected(lambda: kiosk.charge_code("store1-CONTRACT0001", "合同", 1500, "134567890123456789")).code == (
        "out_trade_no_used"
    )

    # Errors, each read by the kiosk's decoder (the code is decoded from the relay's error body).
    assert rejected(lambda: kiosk.create_order("bad", "合同", 100, expire())).code == ErrorCode.INVALID_REQUEST
    assert (
        rejected(lambda: kiosk.create_order("store1-CONTRACT0001", "改了", 1500, expire())).code == "out_trade_no_used"
    )
    assert rejected(lambda: kiosk.get_order("CONTRACT9999"), RelayNotFound).code == ErrorCode.NOT_FOUND
    assert (
        rejected(lambda: manager.create_refund("store1-CONTRACT0002", "store1-C2R1", 100, "x")).code == "order_not_paid"
    )
    assert (
        rejected(lambda: manager.create_refund("store1-CONTRACT0001", "store1-C1R2", 1001, "x")).code
        == "refund_exceeds_amount"
    )
    assert (
        rejected(lambda: manager.create_refund("store1-CONTRACT0001", "store1-CONTRACT0001R1", 1, "x")).code
        == "out_refund_no_used"
    )
    as_manager = RelayClient(parties.relay.base_url, "wrong", manager_token=parties.relay.kiosk_token)
    try:
        assert rejected(lambda: as_manager.get_order("store1-CONTRACT0001")).code == ErrorCode.UNAUTHORIZED
        assert rejected(lambda: as_manager.get_refund("store1-CONTRACT0001R1")).code == ErrorCode.FORBIDDEN
    finally:
        as_manager.close()

    # WeChat Pay failing: the relay's 502/503 bodies decode too (the code is in the retryable error's message).
    parties.sandbox.fault("system_error", "/v3/pay/transactions/native", count=2)
    with pytest.raises(RelayUnavailable, match="relay answered 502 wechatpay_error") as failing:
        kiosk.create_order("store1-CONTRACT0003", "合同", 100, expire())
    assert not isinstance(failing.value, RelayAnswerInvalid)
    parties.sandbox.fault("drop_connection", "/v3/pay/transactions/native", count=2)
    with pytest.raises(RelayUnavailable, match="relay answered 503 wechatpay_unavailable"):
        kiosk.create_order("store1-CONTRACT0004", "合同", 100, expire())

    # What the kiosk's client never sends, decoded with the same codec.
    url = parties.relay.base_url
    headers = parties.relay.kiosk_headers()
    assert raw_error(httpx.post(f"{url}/v1/orders", content=b"{", headers=headers)).code == ErrorCode.INVALID_JSON
    assert raw_error(httpx.delete(f"{url}/v1/orders", headers=headers)).code == ErrorCode.METHOD_NOT_ALLOWED
    big = httpx.post(f"{url}/v1/orders", content=b"x" * 70_000, headers=headers)
    assert (big.status_code, raw_error(big).code) == (413, ErrorCode.PAYLOAD_TOO_LARGE)


def test_the_heartbeat_answer_decodes(parties: Parties) -> None:
    url, credentials = parties.relay.base_url, parties.relay.credentials
    assert parties.kiosk.ping() and parties.kiosk.authorized is True
    answer = httpx.get(f"{url}/v1/ping", headers=parties.relay.kiosk_headers(), timeout=10)
    ping = decode(PingAnswer, answer.json())
    assert (ping.kiosk_id, ping.store_id) == (credentials.kiosk_id, credentials.store_id)
    refused = httpx.get(f"{url}/v1/ping", headers={"Authorization": "Bearer wrong"}, timeout=10)
    assert (refused.status_code, raw_error(refused).code) == (401, ErrorCode.UNAUTHORIZED)
    stranger = RelayClient(url, "wrong", timeout=30)
    try:
        assert not stranger.ping() and (stranger.online, stranger.authorized) == (True, False)
    finally:
        stranger.close()


def test_bill_answers_and_refusals_decode(parties: Parties) -> None:
    kiosk, manager = parties.kiosk, parties.manager
    order = kiosk.create_order("store1-CONTRACT0101", "账单", 1288, expire())
    assert order.code_url
    day = parse_rfc3339(parties.sandbox.pay(order.code_url)["success_time"]).date()
    parties.sandbox.advance(36 * 3600)  # the sandbox's business day moves on; the bill is generated

    def get_bill(day: str) -> httpx.Response:
        url = f"{parties.relay.base_url}/v1/bills/{day}"
        return httpx.get(url, headers=parties.relay.kiosk_headers(), timeout=30)

    bill = decode(BillAnswer, get_bill(day.isoformat()).json())
    assert (bill.bill_date, bill.cached, bill.bill_type, tuple(bill.columns)) == (day, False, "ALL", BILL_COLUMNS)
    assert "store1-CONTRACT0101" in bill.column("out_trade_no") and bill.summary["trade_count"] == len(bill.rows)

    # The kiosk side's reader of bills: the manager's, which decodes with the same codec.
    fetcher = BillFetcher(parties.relay.base_url, parties.relay.kiosk_token)
    ready = fetcher.fetch(day)
    assert ready.ok and ready.cached and ready.bill is not None
    assert [e.order_total_fen for e in ready.bill.entries if e.out_trade_no == "store1-CONTRACT0101"] == [1288]
    assert fetcher.fetch(day - timedelta(days=1)).state is BillState.NO_TRANSACTIONS
    assert raw_error(get_bill((day - timedelta(days=1)).isoformat())).code == ErrorCode.NO_STATEMENT
    future = date.today() + timedelta(days=2)
    assert fetcher.fetch(future).state is BillState.NOT_AVAILABLE
    assert raw_error(get_bill(future.isoformat())).code == ErrorCode.BILL_NOT_AVAILABLE
    assert raw_error(get_bill("2026-13-40")).code == ErrorCode.INVALID_REQUEST

    # WeChat Pay refuses a refund for good (past its one-year window): 409 refund_rejected carries the refund.
    parties.sandbox.advance(366 * 24 * 3600)
    refused = rejected(lambda: manager.create_refund("store1-CONTRACT0101", "store1-CONTRACT0101R1", 100, "太晚"))
    assert refused.code == ErrorCode.REFUND_REJECTED
    assert manager.get_refund("store1-CONTRACT0101R1").status is RefundStatus.FAILED

    # Last, as it spends this kiosk's token bucket: 429 rate_limited.
    with pytest.raises(RelayUnavailable, match="relay answered 429 rate_limited"):
        for _ in range(200):
            kiosk.get_order("store1-CONTRACT0101")


def test_a_stores_prefix_is_its_letters_and_digits_or_a_hash_and_no_prefix_begins_another() -> None:
    assert store_prefix("store-1") == "store1-" and store_prefix("S1") == "S1-"
    long, symbols = store_prefix("shanghai-xuhui-001"), store_prefix("--")
    assert len(long) == len(symbols) == STORE_TAG_CHARS + 1 and long != symbols  # hashed to fit
    assert number_tag("kiosk-01", 4) == number_tag("kiosk-01", 4) != number_tag("kiosk-02", 4)
    prefixes = [store_prefix(s) for s in ("S1", "S12", "S1-2", "1S", "shanghai-xuhui-001", "shanghai-xuhui-002")]
    assert not [a for a in prefixes for b in prefixes if a != b and b.startswith(a)]
