"""A day's WeChat Pay trade bill, as the manager gets it through the relay (``GET /v1/bills/{YYYY-MM-DD}``).

The relay downloads the file from WeChat Pay, checks its SHA-1 against the announced hash, parses it and
answers JSON in fen, column-wise: a :class:`kiosk.wire.BillAnswer` (docs/relay.md), decoded here with the
contract's own codec. :func:`bill_from_answer` reads its columns (each checked by ``BillAnswer.column``) into a
:class:`DayBill` of :class:`BillEntry` rows, and the rows are checked against the bill's own summary row
(:func:`check_totals`). Each answer maps to one :class:`BillState`::

    200                                   READY            (rows + summary; the rows are re-checked
                                                            against the summary: a disagreement is INVALID)
    409 bill_not_available                NOT_AVAILABLE    reason: day_not_ended | generating | too_old | other
    404 no_statement                      NO_TRANSACTIONS  (NO_STATEMENT_EXIST: nothing was paid that day)
    502 bill_hash_mismatch                HASH_FAILED      (the file failed its hash check: never shown)
    connection error, 5xx, 408, 429       RELAY_DOWN       (the relay or WeChat Pay is unreachable: retry)
    401/403, other 4xx                    REJECTED
    an answer outside the contract        INVALID          (a bill or a 4xx error body that kiosk.wire refuses)

:class:`BillFetcher` makes its own request (blocking, httpx): the core's relay client folds every 5xx into one
"unavailable" error, which would hide a hash failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, NamedTuple
from urllib.parse import quote

import httpx

from kiosk.checkout.relay_client import RelayAddresses, instance_failed
from kiosk.clock import CHINA_TZ, Clock, SystemClock
from kiosk.trade import TradeState
from kiosk.wire import BillAnswer, ErrorCode, WireError, decode_bytes, error_detail


class BillEntry(NamedTuple):
    """One bill row, reduced to what reconciliation and the screen need (amounts in fen)."""

    trade_time: datetime
    transaction_id: str
    out_trade_no: str
    trade_state: str  # SUCCESS, REFUND or REVOKED
    settlement_fen: int
    order_total_fen: int
    fee_fen: int
    out_refund_no: str | None = None
    refund_id: str | None = None
    refund_fen: int = 0
    refund_status: str | None = None
    goods_name: str = ""
    #: How the customer paid, in the bill's words: NATIVE (the kiosk's QR), MICROPAY (a payment code), …
    trade_type: str | None = None

    @property
    def is_refund(self) -> bool:
        return self.trade_state == TradeState.REFUND


@dataclass(frozen=True)
class BillTotals:
    """The bill's own summary row (WeChat Pay's numbers, not recomputed)."""

    trade_count: int
    settlement_fen: int
    refund_fen: int
    fee_fen: int
    order_total_fen: int


@dataclass(frozen=True)
class DayBill:
    day: date
    entries: tuple[BillEntry, ...]
    totals: BillTotals
    #: The relay kept only this store's rows of a merchant-wide bill (the totals are the merchant's).
    filtered: bool = False

    @property
    def payments(self) -> list[BillEntry]:
        return [e for e in self.entries if not e.is_refund]

    @property
    def refunds(self) -> list[BillEntry]:
        return [e for e in self.entries if e.is_refund]


def _no_placeholder(values: Sequence[str | None]) -> list[str | None]:
    # The ALL bill writes "0" for the refund numbers of a payment row.
    return [None if value in (None, "", "0") else value for value in values]


def bill_from_answer(answer: BillAnswer) -> DayBill:
    """The relay's bill as entries, read column by column (a 100,000-row day builds its entries and nothing
    else per row); a value outside the contract is a :class:`~kiosk.wire.WireError` naming its row and column."""
    column = answer.column
    fields = {
        "trade_time": column("trade_time"),
        "transaction_id": column("transaction_id"),
        "out_trade_no": column("out_trade_no"),
        "trade_state": column("trade_state"),
        "settlement_fen": column("settlement_total_fen"),
        "order_total_fen": column("order_total_fen"),
        "fee_fen": column("fee_fen"),
        "out_refund_no": _no_placeholder(column("out_refund_no")),
        "refund_id": _no_placeholder(column("refund_id")),
        "refund_fen": [fen or 0 for fen in column("refund_fen")],
        "refund_status": column("refund_status"),
        "goods_name": [name or "" for name in column("goods_name")],
        "trade_type": column("trade_type"),
    }
    entries = tuple(map(BillEntry, *(fields[name] for name in BillEntry._fields)))
    summary = answer.summary
    totals = BillTotals(
        trade_count=summary["trade_count"],
        settlement_fen=summary["settlement_total_fen"],
        refund_fen=summary["refund_total_fen"] or 0,
        fee_fen=summary["fee_total_fen"],
        order_total_fen=summary["order_total_fen"],
    )
    return DayBill(answer.bill_date, entries, totals, filtered=bool(answer.filtered_for_store))


def check_totals(bill: DayBill) -> list[str]:
    """Disagreements between the bill's summary row and its rows (empty when consistent)."""
    if bill.filtered:
        return []  # the summary covers the whole merchant, the rows only this store
    problems = []
    if bill.totals.trade_count != len(bill.entries):
        problems.append(f"summary counts {bill.totals.trade_count} rows, the bill has {len(bill.entries)}")
    settled = sum(e.settlement_fen for e in bill.entries)
    if settled != bill.totals.settlement_fen:
        problems.append(f"settled amounts add up to {settled} fen, the summary says {bill.totals.settlement_fen}")
    refunded = sum(e.refund_fen for e in bill.entries if e.is_refund)
    if refunded != bill.totals.refund_fen:
        problems.append(f"refunds add up to {refunded} fen, the summary says {bill.totals.refund_fen}")
    return problems


#: WeChat Pay generates day D's bill from about 09:00 on D+1 and asks merchants to fetch after 10:00.
RELEASE_TIME = time(10, 0)
KEEP_DAYS = 92  # about three months


class BillState(StrEnum):
    READY = "ready"
    NOT_AVAILABLE = "not_available"
    NO_TRANSACTIONS = "no_transactions"
    HASH_FAILED = "hash_failed"
    RELAY_DOWN = "relay_down"
    REJECTED = "rejected"
    INVALID = "invalid"


class NotAvailableReason(StrEnum):
    DAY_NOT_ENDED = "day_not_ended"
    GENERATING = "generating"  # before the morning release
    TOO_OLD = "too_old"
    OTHER = "other"


@dataclass(frozen=True)
class BillResult:
    state: BillState
    day: date
    bill: DayBill | None = None
    reason: NotAvailableReason | None = None
    #: The relay's (or WeChat Pay's) own words, for the log and the details line; not translated.
    detail: str = ""
    retry_after_seconds: int | None = None
    #: When the bill should be there (NOT_AVAILABLE): day + 1 at 10:00 Beijing.
    available_from: datetime | None = None
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.state is BillState.READY and self.bill is not None


def release_time(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), RELEASE_TIME, CHINA_TZ)


class BillFetcher:
    """Asks the relay for a day's bill; with several relay instances, the next one when one cannot answer."""

    def __init__(
        self,
        urls: str | Sequence[str],
        token: str,
        *,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ):
        self.addresses = RelayAddresses(urls)
        self._token = token
        self._clock = clock or SystemClock()
        self._transport = transport
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"BillFetcher({self.addresses.urls!r})"

    def fetch(self, day: date) -> BillResult:
        response: httpx.Response | None = None
        failure = "relay unreachable"
        with httpx.Client(transport=self._transport, timeout=self._timeout) as http:
            for base in self.addresses.in_turn():
                try:
                    response = http.get(
                        f"{base}/v1/bills/{quote(day.isoformat(), safe='')}",
                        headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"},
                    )
                except httpx.HTTPError as exc:
                    failure, response = f"relay unreachable ({type(exc).__name__})", None
                    continue
                if not instance_failed(response.status_code, response.content):
                    self.addresses.answered(base)
                    break
        if response is None:
            return BillResult(BillState.RELAY_DOWN, day, detail=failure)
        return self.interpret(day, response.status_code, response.content, response.headers.get("retry-after"))

    def interpret(self, day: date, status: int, content: bytes, retry_after: str | None = None) -> BillResult:
        """Map one relay answer to a result (pure; separate from the I/O for tests)."""
        if status == 200:
            try:
                answer = decode_bytes(BillAnswer, content)
                bill = bill_from_answer(answer)
            except WireError as exc:
                return BillResult(BillState.INVALID, day, detail=f"the relay's bill breaks the contract: {exc}")
            if bill.day != day:
                return BillResult(BillState.INVALID, day, detail=f"asked for {day}, the relay answered {bill.day}")
            problems = check_totals(bill)
            if problems:
                return BillResult(BillState.INVALID, day, detail="; ".join(problems))
            return BillResult(BillState.READY, day, bill, cached=answer.cached)
        unavailable = status >= 500 or status in (408, 429)
        error = error_detail(content)
        if error is None and not unavailable:
            # Not the relay's error format (a proxy's 404 page, say): never read as "no transactions".
            return BillResult(BillState.INVALID, day, detail=f"{status} without an error body of the contract")
        if error is not None:
            detail = f"{status} {error.code}: {error.message}"
            if status == 409 and error.code == ErrorCode.BILL_NOT_AVAILABLE:
                seconds = _seconds(error.retry_after if error.retry_after is not None else retry_after)
                return BillResult(
                    BillState.NOT_AVAILABLE,
                    day,
                    reason=self._reason(day, seconds, error.message),
                    detail=detail,
                    retry_after_seconds=seconds,
                    available_from=release_time(day),
                )
            if status == 404 and error.code == ErrorCode.NO_STATEMENT:
                return BillResult(BillState.NO_TRANSACTIONS, day, detail=detail)
            if error.code == ErrorCode.BILL_HASH_MISMATCH:
                return BillResult(BillState.HASH_FAILED, day, detail=detail)
        else:
            detail = f"{status} (not the relay's answer)"  # a proxy's page, or a relay that is down
        if unavailable:
            return BillResult(BillState.RELAY_DOWN, day, detail=detail, retry_after_seconds=_seconds(retry_after))
        return BillResult(BillState.REJECTED, day, detail=detail)

    def _reason(self, day: date, retry_after: int | None, message: str) -> NotAvailableReason:
        today = self._clock.now().astimezone(CHINA_TZ).date()
        if day >= today or "当日" in message or "past days" in message:
            return NotAvailableReason.DAY_NOT_ENDED
        if retry_after is not None or "生成中" in message or "generating" in message:
            return NotAvailableReason.GENERATING
        if day < today - timedelta(days=KEEP_DAYS) or "三个月" in message or "3 months" in message:
            return NotAvailableReason.TOO_OLD
        return NotAvailableReason.OTHER


def _seconds(value: Any) -> int | None:
    try:
        return max(int(float(value)), 0) if value is not None else None
    except (TypeError, ValueError):
        return None
