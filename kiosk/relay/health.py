"""What ``GET /healthz`` tells, found out in the background so that answering it stays cheap.

Four checks (``kiosk.wire.HealthChecks``):

- **storage**: a probe write (:meth:`RelayStorage.probe`) every :data:`PROBE_INTERVAL` must commit within
  :data:`PROBE_DEADLINE`, and the store must have room to grow; besides, the engine must not be stalled (its
  writer stopped, one write running past the deadline). Failing is **unhealthy** (503). Failing without a
  break for ``exit_after`` seconds is fatal: the relay exits non-zero so that the service manager restarts it.
  Nothing is lost: a notification is acknowledged only once committed, so one that was not is sent again.
- **configuration**: the file on disk is the one in force. A file that does not validate, or a change that
  waits for a restart, is **degraded**: the relay still stores and answers (and refuses credentials the file
  no longer holds), so taking it out of service would lose more than it saves.
- **event_loop**: the worst lag of the loop over the last minute; half a second or more is **degraded**. A loop
  that is stuck answers nothing at all, and systemd's watchdog (:mod:`.watchdog`) restarts it.
- **wechatpay**: whether WeChat Pay answered the latest call at the configured base URL (with a cheap probe
  when there was no call for a while). Unreachable is **degraded**, naming the URL: the relay still takes
  notifications and kiosks' requests, and catches up by its queries once WeChat Pay answers.

No detail names a secret, a token, a store or an order; a configuration problem is named by its key only.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import time
from collections.abc import Callable

from kiosk.wire import Health, HealthCheck, HealthChecks

from .config import KioskReloader
from .gateway import Gateway
from .storage import RelayStorage, StorageError
from .watchdog import Systemd

log = logging.getLogger("kiosk.relay.health")

#: Seconds between two probe writes.
PROBE_INTERVAL = 2.0
#: A probe write must commit within this many seconds (and no write may run longer).
PROBE_DEADLINE = 5.0
#: The loop's lag is sampled this often and kept this long; this much lag is degraded.
LAG_INTERVAL = 0.25
LAG_WINDOW = 60.0
LAG_DEGRADED = 0.5
#: Seconds between two looks at WeChat Pay (the gateway probes only when no call has told it lately).
WECHATPAY_INTERVAL = 10.0


class HealthMonitor:
    """Runs the checks (:meth:`run`, a task of the app's lifespan) and reports them (:meth:`checks`)."""

    def __init__(
        self,
        storage: RelayStorage,
        gateway: Gateway,
        reloader: KioskReloader,
        *,
        exit_after: float,
        on_fatal: Callable[[str], None],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.storage = storage
        self.gateway = gateway
        self.reloader = reloader
        self.exit_after = exit_after
        self.on_fatal = on_fatal
        self.monotonic = monotonic
        #: Seconds between two probe writes (tests that wait for the check to change shorten it).
        self.probe_interval = PROBE_INTERVAL
        #: Set by ``kiosk-relay serve`` under systemd: status, the watchdog's pings and ``STOPPING=1``.
        self.systemd: Systemd | None = None
        self._storage_problem: str | None = None
        self._failing_since: float | None = None
        self._probe_ms: float | None = None
        self._lags: collections.deque[tuple[float, float]] = collections.deque()
        self._fatal = False
        self._status = ""

    # -- running

    async def run(self) -> None:
        tasks = [
            asyncio.create_task(self._probe_loop(), name="relay-health-storage"),
            asyncio.create_task(self._lag_loop(), name="relay-health-loop"),
            asyncio.create_task(self._wechatpay_loop(), name="relay-health-wechatpay"),
        ]
        if self.systemd is not None and self.systemd.watchdog is not None:
            tasks.append(asyncio.create_task(self._watchdog_loop(self.systemd.watchdog), name="relay-watchdog"))
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def probe(self) -> None:
        """One probe write, its outcome recorded (the lifespan runs one before the relay takes requests)."""
        started = self.monotonic()
        try:
            await asyncio.wait_for(self.storage.probe(), PROBE_DEADLINE)
        except TimeoutError:
            self._storage_failed(f"a probe write did not commit within {PROBE_DEADLINE:g} s")
        except StorageError as exc:
            self._storage_failed(str(exc))
        else:
            self._probe_ms = (self.monotonic() - started) * 1000
            if self._storage_problem is not None:
                log.warning("storage writes again (after: %s)", self._storage_problem)
            self._storage_problem = self._failing_since = None
        self._publish()

    def _storage_failed(self, problem: str) -> None:
        now = self.monotonic()
        if self._storage_problem != problem:
            log.error("storage cannot write: %s", problem)
        self._storage_problem = problem
        if self._failing_since is None:
            self._failing_since = now
        if now - self._failing_since >= self.exit_after and not self._fatal:
            self._fatal = True
            self.on_fatal(f"storage has not written for {now - self._failing_since:.0f} s: {problem}")

    async def _probe_loop(self) -> None:
        while True:
            await asyncio.sleep(self.probe_interval)
            await self.probe()

    async def _lag_loop(self) -> None:
        while True:
            before = self.monotonic()
            await asyncio.sleep(LAG_INTERVAL)
            now = self.monotonic()
            self._lags.append((now, max(0.0, now - before - LAG_INTERVAL)))
            while self._lags and self._lags[0][0] < now - LAG_WINDOW:
                self._lags.popleft()

    async def _wechatpay_loop(self) -> None:
        while True:
            await asyncio.sleep(WECHATPAY_INTERVAL)
            await self.gateway.probe()

    async def _watchdog_loop(self, interval: float) -> None:
        """Ping systemd's watchdog while storage writes (and the loop runs): a relay that cannot store is
        restarted by systemd even if it could not exit by itself."""
        assert self.systemd is not None
        while True:
            if self._storage_problem is None and self.storage.stalled(PROBE_DEADLINE) is None:
                self.systemd.notify("WATCHDOG=1")
            await asyncio.sleep(interval / 3)

    def _publish(self) -> None:
        """Tell systemd the status line (``systemctl status`` shows it) when it changes."""
        if self.systemd is None:
            return
        checks = self.checks()
        problems = [f"{name}: {check.detail}" for name, check in _named(checks) if check.status is not Health.OK]
        status = "; ".join(problems) or "ok"
        if status != self._status:
            self._status = status
            self.systemd.notify(f"STATUS={status}")

    # -- reporting

    def checks(self) -> HealthChecks:
        return HealthChecks(
            storage=self._storage(),
            configuration=self._configuration(),
            event_loop=self._event_loop(),
            wechatpay=self._wechatpay(),
        )

    def _storage(self) -> HealthCheck:
        stalled = self.storage.stalled(PROBE_DEADLINE)
        problem = stalled or self._storage_problem
        if problem is not None:
            return HealthCheck(status=Health.UNHEALTHY, detail=problem)
        if self._probe_ms is None:
            return HealthCheck(status=Health.UNHEALTHY, detail="no probe write has committed yet")
        return HealthCheck(status=Health.OK, detail=f"a probe write committed in {self._probe_ms:.1f} ms")

    def _configuration(self) -> HealthCheck:
        reloader = self.reloader
        if reloader.failure is not None:
            detail = (
                f"the file on disk does not validate ({reloader.failure_key}; see the log): "
                "credentials it no longer holds are refused"
            )
            return HealthCheck(status=Health.DEGRADED, detail=detail)
        if reloader.restart_needed:
            detail = "the file changed beyond [[kiosks]]: restart the relay to apply it"
            return HealthCheck(status=Health.DEGRADED, detail=detail)
        return HealthCheck(status=Health.OK, detail="the file on disk is in force")

    def _event_loop(self) -> HealthCheck:
        worst = max((lag for _, lag in self._lags), default=0.0)
        status = Health.DEGRADED if worst >= LAG_DEGRADED else Health.OK
        return HealthCheck(status=status, detail=f"worst lag {worst * 1000:.0f} ms in the last {LAG_WINDOW:.0f} s")

    def _wechatpay(self) -> HealthCheck:
        reach = self.gateway.reachability()
        if reach.problem is not None:
            ago = f" {self.monotonic() - reach.at:.0f} s ago" if reach.at is not None else ""
            return HealthCheck(status=Health.DEGRADED, detail=f"{reach.problem}{ago}", url=reach.base_url)
        detail = "answered the latest call" if reach.at is not None else "not called yet"
        return HealthCheck(status=Health.OK, detail=detail, url=reach.base_url)


def overall(checks: HealthChecks) -> Health:
    """Unhealthy if any check is, else degraded if any is, else ok."""
    statuses = {check.status for _, check in _named(checks)}
    for status in (Health.UNHEALTHY, Health.DEGRADED):
        if status in statuses:
            return status
    return Health.OK


def _named(checks: HealthChecks) -> list[tuple[str, HealthCheck]]:
    return [(field.name, getattr(checks, field.name)) for field in dataclasses.fields(checks)]


__all__ = ["HealthMonitor", "overall"]
