"""The long-poll hub: the newest version of every watched order, and a wake-up for its waiters.

Modelled on Consul's blocking queries: each order carries a version that grows on every change; a
waiter asks for "newer than N" and is woken by the next publish, or answers with the current (same)
version when its bounded wait runs out, or when the hub closes (the relay is stopping). All methods run on
the event loop thread.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

Snapshot = dict[str, Any]


class VersionHub:
    """In-memory version index keyed by out_trade_no: a bounded LRU of snapshots, plus a wake-up event and a
    waiter count per order only while someone waits on it, so memory stays flat however many orders are
    polled. With ``capacity`` 0 it holds only what is being waited on (several relay instances: a snapshot
    nobody waits on could be changed by another instance unseen)."""

    def __init__(self, capacity: int = 20_000) -> None:
        self.capacity = capacity
        self._snapshots: OrderedDict[str, Snapshot] = OrderedDict()
        self._events: dict[str, asyncio.Event] = {}
        self._waiting: dict[str, int] = {}
        self._closed = False
        #: Awaited with the key once a waiter is registered, when others may change the store too (several
        #: relay instances): it reloads the order and publishes it, so a change made elsewhere just before the
        #: waiter registered is not missed; later ones arrive as publishes. None when this process is the only
        #: writer (its publishes are every change).
        self.refresh: Callable[[str], Awaitable[None]] | None = None

    def get(self, key: str) -> Snapshot | None:
        snapshot = self._snapshots.get(key)
        if snapshot is not None:
            self._snapshots.move_to_end(key)
        return snapshot

    def publish(self, key: str, snapshot: Snapshot) -> bool:
        """Store ``snapshot`` if it is newer than the known one and wake every waiter on ``key``."""
        known = self._snapshots.get(key)
        if known is not None and int(known["version"]) > int(snapshot["version"]):
            return False
        self._snapshots[key] = snapshot
        self._snapshots.move_to_end(key)
        self._trim(key)
        event = self._events.pop(key, None)
        if event is not None:
            event.set()
        return True

    def prime(self, key: str, snapshot: Snapshot) -> Snapshot:
        """Remember a snapshot loaded from storage unless a newer one was published meanwhile."""
        known = self._snapshots.get(key)
        if known is not None and int(known["version"]) >= int(snapshot["version"]):
            return known
        self._snapshots[key] = snapshot
        self._trim(key)
        return snapshot

    def held(self) -> int:
        """How many orders the hub holds anything for (at most ``capacity`` plus those being waited on)."""
        return len(self._snapshots.keys() | self._events.keys() | self._waiting.keys())

    def waiters(self, key: str) -> int:
        return self._waiting.get(key, 0)

    def waited(self) -> list[str]:
        """The keys someone waits on now."""
        return list(self._waiting)

    def total_waiters(self) -> int:
        return sum(self._waiting.values())

    def close(self) -> None:
        """End every wait now and every later one at once, each with the snapshot as it stands: the server is
        stopping, and a held long-poll would keep its connection open until the server gave up on it."""
        self._closed = True
        for event in self._events.values():
            event.set()
        self._events.clear()

    async def wait_newer(self, key: str, since: int, timeout: float) -> Snapshot | None:
        """The snapshot once its version exceeds ``since``, or the current one after ``timeout`` seconds (at once
        once the hub is closed)."""
        if self._closed:
            return self._snapshots.get(key)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, timeout)
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            if self.refresh is not None:
                await self.refresh(key)
            while True:
                snapshot = self._snapshots.get(key)
                if snapshot is not None and int(snapshot["version"]) > since:
                    return snapshot
                remaining = deadline - loop.time()
                if remaining <= 0 or self._closed:
                    return snapshot
                event = self._events.setdefault(key, asyncio.Event())
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except TimeoutError:
                    return self._snapshots.get(key)
        finally:
            left = self._waiting[key] - 1
            if left:
                self._waiting[key] = left
            else:
                # The last waiter is gone: its event would otherwise stay until the order changes again,
                # which for a final order is never.
                del self._waiting[key]
                self._events.pop(key, None)
                self._trim(key)

    def _trim(self, key: str) -> None:
        if self.capacity == 0:  # only what someone waits on
            if key not in self._waiting:
                self._snapshots.pop(key, None)
            return
        self._evict()

    def _evict(self) -> None:
        # Only snapshots nobody waits on go; the store can reload them.
        while len(self._snapshots) > self.capacity:
            for key in self._snapshots:
                if key not in self._waiting:
                    del self._snapshots[key]
                    break
            else:
                return
