"""Several relay instances on one database: wake-ups across instances, the work lease, shared turns.

A relay on SQLite is one process: its hub sees every change and its reconciler runs all the time, and none of
this is needed. Relays on PostgreSQL may be many, behind a load balancer, any of
which may die; through the storage's :class:`~kiosk.relay.storage.ClusterLink` they:

- **wake each other's long-polls.** Every change of an order's version is signalled on COMMIT (a trigger in
  the database); each instance reloads the orders its own kiosks wait on and publishes them to its hub. Its
  hub keeps only orders someone waits on (any other could change elsewhere unseen), and reloads an order once
  a waiter has registered, so a change signalled just before is not missed either. When the link comes back
  after a break, every waited order is reloaded.
- **run the reconciler and the payment-code flows once.** Whoever holds the ``work`` lease (a row renewed
  every third of ``lease_seconds``) runs active queries, expiry closes, refund follow-ups and the payment-code
  flows; if it dies, another instance claims the lease once it expires and carries on from storage. Instances
  that do not hold it send what the holder must hear of (a new open order, a pending refund, a kiosk waiting,
  a flow after its charge) over the link; the holder also reloads the open work from storage every
  :data:`RESCAN_SECONDS`, so nothing sent while it changed hands is lost for long.
- **share turns**, e.g. the platform-certificate download limit (:func:`take_turn`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Callable, Coroutine
from typing import Any

from kiosk.clock import Clock

from .codepay import CodePayFlows
from .reconciler import Reconciler
from .service import Relay
from .storage import ClusterLink, RelayStorage, Signal, StorageError

log = logging.getLogger("kiosk.relay.cluster")

#: The lease of whoever runs the reconciler.
WORK_LEASE = "work"
#: The turn to download platform certificates for an unknown serial.
CERTIFICATE_DOWNLOADS = "platform-certificates"
#: The holder looks for open work in storage this often (what was signalled while nobody held the lease).
RESCAN_SECONDS = 30.0
#: Work for the holder is gathered this long before one transaction sends it.
SEND_DELAY = 0.02

Work = Callable[[], Coroutine[Any, Any, None]]


def instance_name() -> str:
    """How this process shows in the lease table: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()}/{os.getpid()}/{secrets.token_hex(3)}"


async def take_turn(storage: RelayStorage, name: str, seconds: float, clock: Clock) -> bool:
    """A limit every instance on ``storage`` shares: True at most once per ``seconds`` across all of them (a
    lease nobody renews)."""
    try:
        return await storage.claim_lease(name, secrets.token_hex(8), at=clock.now(), seconds=seconds)
    except StorageError as exc:
        log.warning("no turn for %s: %s", name, exc)
        return False


class Cluster:
    """One instance's part in a cluster of relays on one database."""

    def __init__(
        self,
        relay: Relay,
        reconciler: Reconciler,
        flows: CodePayFlows,
        link: ClusterLink,
        *,
        lease_seconds: float,
        name: str | None = None,
    ) -> None:
        self.relay = relay
        self.reconciler = reconciler
        self.flows = flows
        self.link = link
        self.lease_seconds = lease_seconds
        self.name = name or instance_name()
        #: Whether this instance holds the work lease (and runs the reconciler) right now.
        self.holding = False
        self._work: asyncio.Task[None] | None = None
        self._outbox: set[str] = set()
        self._send = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        hub = relay.hub
        hub.capacity = 0
        hub.refresh = relay.reload
        relay.on_open_order = lambda number: self._route("o:" + number)
        relay.on_kiosk_waiting = lambda number: self._route("w:" + number)
        relay.on_pending_refund = lambda number: self._route("r:" + number)
        flows.elsewhere = lambda number: self._route("c:" + number)

    async def run(self, work: Work) -> None:
        """Listen, send, and hold the lease (running ``work()`` while it is held) until cancelled."""
        parts = [self._listen(), self._sender(), self._lease(work)]
        tasks = [asyncio.create_task(part) for part in parts]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, *self._tasks, return_exceptions=True)
            await self._stop_work()
            with contextlib.suppress(StorageError, TimeoutError):
                # Another instance may claim it at once rather than wait for it to expire.
                await asyncio.wait_for(self.relay.storage.release_lease(WORK_LEASE, self.name), 2)

    # -- the work lease

    async def _lease(self, work: Work) -> None:
        loop = asyncio.get_running_loop()
        interval = self.lease_seconds / 3
        rescanned = loop.time()
        while True:
            started = loop.time()
            try:
                held = await asyncio.wait_for(
                    self.relay.storage.claim_lease(
                        WORK_LEASE, self.name, at=self.relay.now(), seconds=self.lease_seconds
                    ),
                    interval,
                )
            except (StorageError, TimeoutError) as exc:
                # Not renewed in time: stop before the lease can expire and another instance takes over.
                log.warning("work lease not renewed: %s", exc or type(exc).__name__)
                held = False
            if held and not self.holding:
                log.info("%s holds the work lease: running active queries", self.name)
                self.holding = True
                self._work = asyncio.create_task(work(), name="relay-reconciler")
                rescanned = loop.time()
            elif not held and self.holding:
                log.warning("%s lost the work lease: active queries stop here", self.name)
                await self._stop_work()
            elif held and loop.time() - rescanned >= RESCAN_SECONDS:
                rescanned = loop.time()
                self._spawn(self._rescan())
            await asyncio.sleep(max(0.0, interval - (loop.time() - started)))

    async def _stop_work(self) -> None:
        self.holding = False
        task, self._work = self._work, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await self.reconciler.stop()
            await self.flows.stop()

    async def _rescan(self) -> None:
        await self.reconciler.load()
        await self.flows.resume()

    # -- work for the holder

    def _route(self, key: str) -> None:
        if self.holding:
            self._dispatch(key)
        else:
            self._outbox.add(key)
            self._send.set()

    def _dispatch(self, key: str) -> None:
        kind, _, number = key.partition(":")
        if kind == "o":
            self.reconciler.watch_order(number)
        elif kind == "r":
            self.reconciler.watch_refund(number)
        elif kind == "w":
            self.reconciler.kiosk_waiting(number)
        elif kind == "c":
            self.flows.take_over(number)

    async def _sender(self) -> None:
        while True:
            await self._send.wait()
            await asyncio.sleep(SEND_DELAY)  # a burst of long-polls becomes one send
            self._send.clear()
            keys, self._outbox = sorted(self._outbox), set()
            try:
                await self.link.send_work(keys)
            except StorageError as exc:
                log.warning("could not tell the work lease's holder about %d item(s): %s", len(keys), exc)

    # -- signals from every instance

    async def _listen(self) -> None:
        async for signal in self.link.signals():
            self._heard(signal)

    def _heard(self, signal: Signal) -> None:
        hub = self.relay.hub
        if signal.kind == "order":
            if hub.waiters(signal.key) == 0:
                return
            known = hub.get(signal.key)
            if known is None or int(known["version"]) < signal.version:
                self._spawn(self.relay.reload(signal.key))
        elif signal.kind == "work":
            if self.holding:
                self._dispatch(signal.key)
        else:  # resync: signals may have been missed while the link was down
            for key in hub.waited():
                self._spawn(self.relay.reload(key))
            if self.holding:
                self._spawn(self._rescan())

    def _spawn(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("cluster signal not handled: %s", task.exception())
