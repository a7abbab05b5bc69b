"""Real relay and sandbox processes for the kiosk core's integration tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.checkout import KioskCore
from kiosk.checkout.config import KioskConfig, StoreInfoConfig
from kiosk.checkout.events import CoreEvent
from kiosk.checkout.relay_client import Backoff
from kiosk.clock import CHINA_TZ
from tests.support.processes import start_server
from tests.support.relay import RelayCredentials, RelayProcess, init_relay, start_relay
from tests.support.sandbox import SandboxProcess, start_sandbox_process

FAST = {"server": {"rate_limit_per_second": 1000, "rate_limit_burst": 1000}}
#: Quick retries so that "relay back" is noticed within a fraction of a second.
FAST_BACKOFF = Backoff(base=0.05, cap=0.3)


class MovableClock:
    """The kiosk's clock, which a test can move forward (the relay and sandbox keep their own)."""

    def __init__(self) -> None:
        self.offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(CHINA_TZ) + self.offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.offset += timedelta(seconds=seconds)


@dataclass
class World:
    root: Path
    sandbox: SandboxProcess
    credentials: RelayCredentials
    relay: RelayProcess | None
    cores: list[KioskCore] = field(default_factory=list)

    @property
    def relay_url(self) -> str:
        assert self.relay is not None
        return self.relay.base_url

    def stop_relay(self) -> str:
        """Stop the relay and return its address, so that it can come back on the same port."""
        assert self.relay is not None
        url = self.relay.base_url
        self.relay.stop()
        self.relay = None
        return url

    def start_relay_at(self, url: str) -> None:
        port = url.rsplit(":", 1)[1]
        server = start_server(
            [
                "kiosk.relay",
                "serve",
                "--config",
                str(self.credentials.config_path),
                "--port",
                port,
                "--log-level",
                "warning",
            ]
        )
        self.relay = RelayProcess(self.credentials, server)

    def config(self, name: str = "kiosk", relay_url: str | None = None, **changes: Any) -> KioskConfig:
        values: dict[str, Any] = {
            "relay_url": relay_url or self.relay_url,
            "relay_token": self.credentials.kiosk_token,
            "manager_token": self.credentials.manager_token,
            "store": StoreInfoConfig(self.credentials.store_id, "测试便利店", "测试路 1 号"),
            "kiosk_id": self.credentials.kiosk_id,
            "data_dir": self.root / name,
            "printer": {"profile": "virtual"},
        }
        values.update(changes)
        return KioskConfig(**values)

    def core(self, config: KioskConfig | None = None, **options: Any) -> KioskCore:
        options.setdefault("backoff", FAST_BACKOFF)
        options.setdefault("wait_seconds", 10)
        core = KioskCore(config or self.config(), **options)
        self.cores.append(core)
        return core


def start_world(root: Path) -> World:
    sandbox = start_sandbox_process(root / "sandbox")
    try:
        credentials = init_relay(sandbox.state_dir, root, settings=FAST)
        return World(root, sandbox, credentials, start_relay(credentials))
    except BaseException:
        sandbox.stop()
        raise


def stop_world(world: World) -> None:
    for core in world.cores:
        core.stop()
    world.cores.clear()
    if world.relay is not None:
        world.relay.stop()
    world.sandbox.stop()


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    world = start_world(tmp_path_factory.mktemp("checkout-world"))
    yield world
    stop_world(world)


@pytest.fixture
def world(shared_world: World, tmp_path: Path) -> Iterator[World]:
    """The module's sandbox and relay, with this test's own kiosk data directories."""
    shared_world.root = tmp_path
    url = shared_world.relay_url
    yield shared_world
    for core in shared_world.cores:
        core.stop()
    shared_world.cores.clear()
    if shared_world.relay is None:  # a test that stopped the relay failed before bringing it back
        shared_world.start_relay_at(url)


@pytest.fixture
def private_world(tmp_path: Path) -> Iterator[World]:
    """A sandbox and relay of its own (for tests that inject faults)."""
    world = start_world(tmp_path)
    yield world
    stop_world(world)


class Recorder:
    """Collects core events (they arrive on worker threads)."""

    def __init__(self) -> None:
        self.events: list[CoreEvent] = []
        self._lock = threading.Lock()

    def __call__(self, event: CoreEvent) -> None:
        with self._lock:
            self.events.append(event)

    def of(self, kind: type[Any]) -> list[Any]:
        with self._lock:
            return [event for event in self.events if isinstance(event, kind)]


def wait_until(condition: Callable[[], Any], timeout: float = 15.0, message: str = "condition") -> Any:
    """Poll an observable condition (no fixed sleeps in assertions)."""
    done = threading.Event()
    deadline = datetime.now().timestamp() + timeout
    while True:
        value = condition()
        if value:
            return value
        if datetime.now().timestamp() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        done.wait(0.02)
