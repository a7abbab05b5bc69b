"""Fetch a day's trade bill through the relay (``GET /v1/bills/{YYYY-MM-DD}``) and say clearly what happened.

The relay downloads the file from WeChat Pay, checks its SHA-1 against the announced hash, parses it and
answers JSON (amounts in fen). Its refusals map to one :class:`BillState` each::

    200                                   READY            (rows + summary; the rows are re-checked
                                                            against the summary: a disagreement is INVALID)
    409 bill_not_available                NOT_AVAILABLE    reason: day_not_ended | generating | too_old | other
    404 no_statement                      NO_TRANSACTIONS  (NO_STATEMENT_EXIST: nothing was paid that day)
    502 bill_hash_mismatch                HASH_FAILED      (the file failed its hash check: never shown)
    connection error, 5xx, 429            RELAY_DOWN       (the relay or WeChat Pay is unreachable: retry)
    401/403, other 4xx, unreadable JSON   REJECTED / INVALID

Blocking (httpx, sync): call from a worker thread. The relay client of the core (``RelayClient.bill``) folds
5xx answers into one "unavailable" error, which would hide a hash failure; hence the own request here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import quote

import httpx

from kiosk.bulk import gc_paused
from kiosk.clock import CHINA_TZ, Clock, SystemClock
from kiosk.manager.reconcile import BillDataError, DayBill, bill_from_json, check_totals

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
            with gc_paused():  # a 100,000-row bill is ~80 MB of JSON
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


def fetcher_for(core: Any, *, transport: httpx.BaseTransport | None = None) -> BillFetcher:
    """A fetcher over the kiosk's relay URL and kiosk token (``KioskCore.config``)."""
    return BillFetcher(core.config.relay_url, core.config.relay_token, clock=core.clock, transport=transport)
