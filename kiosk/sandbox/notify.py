"""Delivering notifications to merchants: encrypted resource, signed headers, the documented retry schedule.

A background task wakes when something is queued, when the sandbox clock moves, or when the next
retry falls due. Retry delays are measured on the sandbox clock and divided by ``--time-scale``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import secrets
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from kiosk.clock import rfc3339
from kiosk.wechatpay.aead import ALGORITHM, encrypt
from kiosk.wechatpay.signing import SCHEME, response_message, sign

from .clock import SandboxClock, to_datetime, wall_timestamp
from .identity import Identity
from .settings import Settings
from .store import Store

log = logging.getLogger("kiosk.sandbox.notify")

#: Waits after the first delivery and each retry (seconds). Decision: 1 delivery + 15 retries = 16 sends.
RETRY_SCHEDULE = (15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600)
DELIVERY_TIMEOUT = 5.0
#: How long (sandbox seconds, not scaled) an out-of-order notification waits for a later one to overtake it.
HOLD_SECONDS = 5.0
PROBE_PREFIX = "WECHATPAY/SIGNTEST/"
NOTIFICATION_FAULTS = ("drop", "duplicate", "out_of_order", "sign_probe")
_ALNUM = string.ascii_letters + string.digits


@dataclass
class NotificationFault:
    kind: str
    count: int
    url_prefix: str = ""  # only notifications to URLs starting with this (default: all)


def compact(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


class Notifier:
    def __init__(
        self, identity: Identity, store: Store, clock: SandboxClock, settings: Settings, time_scale: float
    ) -> None:
        self.identity = identity
        self.store = store
        self.clock = clock
        self.settings = settings
        self.time_scale = time_scale
        self.faults: list[NotificationFault] = []
        self.before_tick: Callable[[], None] = lambda: None
        self.next_due: Callable[[], float | None] = lambda: None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None
        self._runner: asyncio.Task[None] | None = None

    # -- queueing -------------------------------------------------------------------------------------

    def enqueue(
        self,
        *,
        event_type: str,
        summary: str,
        resource_type: str,
        plaintext: dict[str, Any],
        url: str,
        out_trade_no: str,
        out_refund_no: str | None = None,
    ) -> str:
        """Store a notification for delivery now; the body is fixed here and re-sent unchanged on retries."""
        nonce = "".join(secrets.choice(_ALNUM) for _ in range(12))
        notification_id = str(uuid.uuid4())
        now = self.clock.timestamp()
        body = compact(
            {
                "id": notification_id,
                "create_time": rfc3339(to_datetime(now)),
                "resource_type": "encrypt-resource",
                "event_type": event_type,
                "summary": summary,
                "resource": {
                    "original_type": resource_type,
                    "algorithm": ALGORITHM,
                    "ciphertext": encrypt(self.identity.apiv3_key, nonce, resource_type, compact(plaintext)),
                    "associated_data": resource_type,
                    "nonce": nonce,
                },
            }
        )
        held = self._take_fault("out_of_order", url)
        self.store.execute(
            """INSERT INTO notifications (id, event_type, out_trade_no, out_refund_no, url, body, next_time, state,
               created, held) VALUES (?,?,?,?,?,?,?,?,?,?)""",
            notification_id,
            event_type,
            out_trade_no,
            out_refund_no,
            url,
            body,
            now + (HOLD_SECONDS if held else 0.0),
            "pending",
            now,
            1 if held else 0,
        )
        self.wake()
        return notification_id

    def add_fault(self, kind: str, count: int, url_prefix: str = "") -> None:
        self.faults.append(NotificationFault(kind, count, url_prefix))

    def _take_fault(self, kind: str, url: str) -> bool:
        for fault in self.faults:
            if fault.kind == kind and fault.count > 0 and url.startswith(fault.url_prefix):
                fault.count -= 1
                return True
        return False

    # -- the loop -------------------------------------------------------------------------------------

    def wake(self) -> None:
        """Thread-safe: ask the loop to look for due work now (new item, clock moved)."""
        if self._loop is not None and self._event is not None:
            with contextlib.suppress(RuntimeError):  # loop already closed
                self._loop.call_soon_threadsafe(self._event.set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()
        self._client = httpx.AsyncClient(timeout=DELIVERY_TIMEOUT, follow_redirects=False)
        # Deliveries interrupted by a stop are due again.
        self.store.execute("UPDATE notifications SET state = 'pending' WHERE state = 'delivering'")
        self._runner = asyncio.create_task(self._run(), name="sandbox-notifier")

    async def stop(self) -> None:
        tasks = [t for t in (self._runner, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=2)  # never let a stuck delivery hold up shutdown
        if self._client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._client.aclose(), timeout=2)
        self._loop = None

    async def _run(self) -> None:
        assert self._event is not None
        while True:
            self._event.clear()
            try:
                self.before_tick()
                self._dispatch_due()
            except Exception:  # keep delivering whatever one bad row does
                log.exception("notification dispatch failed")
            wait = self._seconds_to_next()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), timeout=wait)

    def _seconds_to_next(self) -> float:
        row = self.store.one("SELECT MIN(next_time) AS t FROM notifications WHERE state = 'pending'")
        candidates = [t for t in (row["t"] if row else None, self.next_due()) if t is not None]
        if not candidates:
            return 1.0
        return min(1.0, max(0.0, min(candidates) - self.clock.timestamp()))

    def _dispatch_due(self) -> None:
        now = self.clock.timestamp()
        due = self.store.all(
            "SELECT * FROM notifications WHERE state = 'pending' AND next_time <= ? ORDER BY next_time, seq", now
        )
        for row in due:
            self.store.execute("UPDATE notifications SET state = 'delivering' WHERE seq = ?", row["seq"])
            task = asyncio.create_task(self._deliver(row["id"]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    # -- one delivery ---------------------------------------------------------------------------------

    def _headers(self, body: bytes, *, probe: bool = False) -> dict[str, str]:
        timestamp = wall_timestamp()
        nonce = "".join(secrets.choice(_ALNUM) for _ in range(32))
        if self.settings.notifications_use_public_key:
            key, serial = self.identity.public_key_signer, self.identity.platform_public_key_id
        else:
            certificate, key = self.identity.platform_certs.current  # one read: a rotation swaps both
            serial = certificate.serial
        if probe:
            signature = PROBE_PREFIX + base64.b64encode(secrets.token_bytes(48)).decode()
        else:
            signature = sign(key, response_message(timestamp, nonce, body))
        return {
            "Accept": "*/*",
            "Cache-Control": "no-cache",
            "Content-Type": "application/json",
            "Pragma": "no-cache",
            "User-Agent": "Mozilla/4.0",
            "Request-Id": secrets.token_hex(22).upper() + "-0",
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": serial,
            "Wechatpay-Signature": signature,
            "Wechatpay-Signature-Type": SCHEME,
            "Wechatpay-Timestamp": str(timestamp),
        }

    async def _post(self, url: str, body: bytes, *, probe: bool = False) -> tuple[int | None, str | None]:
        assert self._client is not None
        try:
            response = await self._client.post(url, content=body, headers=self._headers(body, probe=probe))
        except httpx.TimeoutException:
            return None, "timeout"
        except httpx.HTTPError as exc:
            return None, type(exc).__name__
        return response.status_code, None

    def _record(self, row: Any, attempt: int, start: float, status: int | None, error: str | None, kind: str) -> None:
        self.store.execute(
            "INSERT INTO attempts (notification_id, attempt, time, status, error, kind) VALUES (?,?,?,?,?,?)",
            row["id"],
            attempt,
            start,
            status,
            error,
            kind,
        )

    async def _deliver(self, notification_id: str) -> None:
        row = self.store.one("SELECT * FROM notifications WHERE id = ?", notification_id)
        if row is None:
            return
        attempt = row["attempts"] + 1
        body: bytes = row["body"]
        start = self.clock.timestamp()
        status: int | None
        error: str | None
        if self._take_fault("drop", row["url"]):
            # Lost on the way: the merchant sees nothing, WeChat Pay sees no answer and retries.
            status, error, kind = None, "dropped by fault injection", "dropped"
        else:
            if self._take_fault("sign_probe", row["url"]):
                # A probe does not count as a delivery; the real one follows at once, whatever the answer.
                probe_status, probe_error = await self._post(row["url"], body, probe=True)
                self._record(row, attempt, start, probe_status, probe_error, "probe")
            status, error = await self._post(row["url"], body)
            kind = "normal"
        self._record(row, attempt, start, status, error, kind)
        delivered = status in (200, 204)
        if delivered and self._take_fault("duplicate", row["url"]):
            dup_status, dup_error = await self._post(row["url"], body)
            self._record(row, attempt, self.clock.timestamp(), dup_status, dup_error, "duplicate")
        end = self.clock.timestamp()
        if delivered:
            state, next_time = "delivered", None
        elif attempt <= len(RETRY_SCHEDULE):
            state, next_time = "pending", end + RETRY_SCHEDULE[attempt - 1] / self.time_scale
        else:
            state, next_time = "failed", None
        self.store.execute(
            "UPDATE notifications SET attempts = ?, state = ?, next_time = ?, held = 0 WHERE id = ?",
            attempt,
            state,
            next_time,
            notification_id,
        )
        if not row["held"]:
            # A later notification went out: release any held back to arrive after it.
            self.store.execute(
                "UPDATE notifications SET held = 0, next_time = ? WHERE held = 1 AND state = 'pending' AND seq < ?",
                end,
                row["seq"],
            )
        self.wake()

    # -- reporting ------------------------------------------------------------------------------------

    def attempts(self, out_trade_no: str | None = None) -> list[dict[str, Any]]:
        sql = """SELECT a.*, n.event_type, n.out_trade_no, n.out_refund_no, n.url FROM attempts a
                 JOIN notifications n ON n.id = a.notification_id"""
        args: tuple[Any, ...] = ()
        if out_trade_no is not None:
            sql += " WHERE n.out_trade_no = ?"
            args = (out_trade_no,)
        rows = self.store.all(sql + " ORDER BY a.seq", *args)
        return [
            {
                "id": r["notification_id"],
                "out_trade_no": r["out_trade_no"],
                "out_refund_no": r["out_refund_no"],
                "event_type": r["event_type"],
                "url": r["url"],
                "attempt": r["attempt"],
                "kind": r["kind"],
                "status": r["status"],
                "error": r["error"],
                "time": rfc3339(to_datetime(r["time"])),
                "timestamp": r["time"],
            }
            for r in rows
        ]

    def notifications(self) -> list[dict[str, Any]]:
        rows = self.store.all("SELECT * FROM notifications ORDER BY seq")
        return [
            {
                "id": r["id"],
                "event_type": r["event_type"],
                "out_trade_no": r["out_trade_no"],
                "out_refund_no": r["out_refund_no"],
                "url": r["url"],
                "state": r["state"],
                "attempts": r["attempts"],
                "next_time": None if r["next_time"] is None or r["state"] != "pending" else r["next_time"],
            }
            for r in rows
        ]
