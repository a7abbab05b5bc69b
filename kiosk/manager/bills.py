"""A day's WeChat Pay trade bill, as the manager gets it through the relay (``GET /v1/bills/{YYYY-MM-DD}``).

The relay downloads the file from WeChat Pay, checks its SHA-1 against the announced hash, parses it and
answers JSON in fen, column-wise: ``columns`` names the values of each array in ``rows`` (docs/relay.md).
:func:`bill_from_json` reads that answer into a :class:`DayBill` of :class:`BillEntry` rows, and the rows are
checked against the bill's own summary row (:func:`check_totals`). Each answer maps to one :class:`BillState`::

    200                                   READY            (rows + summary; the rows are re-checked
                                                            against the summary: a disagreement is INVALID)
    409 bill_not_available                NOT_AVAILABLE    reason: day_not_ended | generating | too_old | other
    404 no_statement                      NO_TRANSACTIONS  (NO_STATEMENT_EXIST: nothing was paid that day)
    502 bill_hash_mismatch                HASH_FAILED      (the file failed its hash check: never shown)
    connection error, 5xx, 429            RELAY_DOWN       (the relay or WeChat Pay is unreachable: retry)
    401/403, other 4xx, unreadable JSON   REJECTED / INVALID

:class:`BillFetcher` makes its own request (blocking, httpx): the core's relay client folds every 5xx into one
"unavailable" error, which would hide a hash failure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, NamedTuple
from urllib.parse import quote

import httpx

from kiosk.clock import CHINA_TZ, Clock, SystemClock
from kiosk.trade import TradeState


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


class BillDataError(ValueError):
    """The relay's bill JSON lacks a column or a field, or has a value of the wrong type."""


class _Columns:
    """The relay's rows read one named column at a time, every value of the column checked for its type."""

    def __init__(self, names: Sequence[str], rows: Sequence[Sequence[Any]]):
        self._at = {name: index for index, name in enumerate(names)}
        self._rows = rows

    def values(self, name: str, kind: type, *, required: bool = True) -> list[Any]:
        at = self._at.get(name)
        if at is None:
            if required:
                raise BillDataError(f"the bill has no {name!r} column")
            return [None] * len(self._rows)
        values = [row[at] for row in self._rows]
        allowed = {kind} if required else {kind, type(None)}
        if not set(map(type, values)) <= allowed:  # type(), not isinstance: True is not an amount
            number, value = next((n, v) for n, v in enumerate(values, start=1) if type(v) not in allowed)
            what = "text" if kind is str else "an integer"
            raise BillDataError(f"bill row {number}: {name} {value!r} is not {what}")
        return values


def _aware_time(text: str, number: int) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BillDataError(f"bill row {number}: trade_time {text!r} is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise BillDataError(f"bill row {number}: trade_time {text!r} has no UTC offset")
    return moment


def _no_placeholder(values: list[str | None]) -> list[str | None]:
    # The ALL bill writes "0" for the refund numbers of a payment row.
    return [None if value in (None, "", "0") else value for value in values]


def _summary_int(summary: Mapping[str, Any], key: str, default: int | None = None) -> int:
    value = summary.get(key, default)
    if value is None and default is not None:
        return default
    if type(value) is not int:
        raise BillDataError(f"bill summary {key!r} is not an integer: {value!r}")
    return value


def bill_from_json(day: date, body: Mapping[str, Any]) -> DayBill:
    """The relay's bill answer: ``rows`` as arrays of the values named by ``columns``, and ``summary``.

    A missing column or a value of the wrong type is a :class:`BillDataError` naming the row and column."""
    names, rows, summary = body.get("columns"), body.get("rows"), body.get("summary")
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise BillDataError("the bill's columns are not a list of names")
    if len(set(names)) != len(names):
        raise BillDataError("the bill names a column twice")
    if not isinstance(rows, list) or not isinstance(summary, dict):
        raise BillDataError("the bill has no rows list or no summary")
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, list) or len(row) != len(names):
            raise BillDataError(f"bill row {number} is not an array of {len(names)} values")
    read = _Columns(names, rows)
    fields = {
        "trade_time": [_aware_time(text, n) for n, text in enumerate(read.values("trade_time", str), start=1)],
        "transaction_id": read.values("transaction_id", str),
        "out_trade_no": read.values("out_trade_no", str),
        "trade_state": read.values("trade_state", str),
        "settlement_fen": read.values("settlement_total_fen", int),
        "order_total_fen": read.values("order_total_fen", int),
        "fee_fen": [fen or 0 for fen in read.values("fee_fen", int, required=False)],
        "out_refund_no": _no_placeholder(read.values("out_refund_no", str, required=False)),
        "refund_id": _no_placeholder(read.values("refund_id", str, required=False)),
        "refund_fen": [fen or 0 for fen in read.values("refund_fen", int, required=False)],
        "refund_status": read.values("refund_status", str, required=False),
        "goods_name": [name or "" for name in read.values("goods_name", str, required=False)],
        "trade_type": read.values("trade_type", str, required=False),
    }
    entries = tuple(map(BillEntry, *(fields[name] for name in BillEntry._fields)))
    totals = BillTotals(
        trade_count=_summary_int(summary, "trade_count"),
        settlement_fen=_summary_int(summary, "settlement_total_fen"),
        refund_fen=_summary_int(summary, "refund_total_fen", 0),
        fee_fen=_summary_int(summary, "fee_total_fen", 0),
        order_total_fen=_summary_int(summary, "order_total_fen"),
    )
    return DayBill(day, entries, totals, filtered=bool(body.get("filtered_for_store")))


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
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ):
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._clock = clock or SystemClock()
        self._transport = transport
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"BillFetcher({self.base_url!r})"

    def fetch(self, day: date) -> BillResult:
        try:
            with httpx.Client(transport=self._transport, timeout=self._timeout) as http:
                response = http.get(
                    f"{self.base_url}/v1/bills/{quote(day.isoformat(), safe='')}",
                    headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"},
                )
        except httpx.HTTPError as exc:
            return BillResult(BillState.RELAY_DOWN, day, detail=f"relay unreachable ({type(exc).__name__})")
        return self.interpret(day, response.status_code, response.content, response.headers.get("retry-after"))

    def interpret(self, day: date, status: int, content: bytes, retry_after: str | None = None) -> BillResult:
        """Map one relay answer to a result (pure; separate from the I/O for tests)."""
        try:
            body: Any = json.loads(content) if content else {}
        except ValueError:
            body = None
        if status == 200:
            if not isinstance(body, dict):
                return BillResult(BillState.INVALID, day, detail="the relay answered a bill that is not JSON")
            try:
                bill = bill_from_json(day, body)
            except BillDataError as exc:
                return BillResult(BillState.INVALID, day, detail=str(exc))
            problems = check_totals(bill)
            if problems:
                return BillResult(BillState.INVALID, day, detail="; ".join(problems))
            return BillResult(BillState.READY, day, bill, cached=bool(body.get("cached")))
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {}
        code = str(error.get("code") or "")
        message = str(error.get("message") or "")
        detail = f"{status} {code}: {message}".strip()
        if status == 409 and code == "bill_not_available":
            seconds = _seconds(error.get("retry_after") or retry_after)
            return BillResult(
                BillState.NOT_AVAILABLE,
                day,
                reason=self._reason(day, seconds, message),
                detail=detail,
                retry_after_seconds=seconds,
                available_from=release_time(day),
            )
        if status == 404 and code == "no_statement":
            return BillResult(BillState.NO_TRANSACTIONS, day, detail=detail)
        if code == "bill_hash_mismatch":
            return BillResult(BillState.HASH_FAILED, day, detail=detail)
        if status >= 500 or status in (408, 429):
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
