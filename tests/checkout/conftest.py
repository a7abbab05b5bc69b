"""Real relay and sandbox processes for the kiosk core's integration tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.checkout.events import CoreEvent
from tests.support.clock import MovableClock
from tests.support.waiting import wait_until
from tests.support.world import World, start_world, stop_world

__all__ = ["MovableClock", "Recorder", "World", "wait_until"]


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    # time_scale=100: refunds complete in 50 ms instead of 5 s (the sandbox's business clock is unaffected).
    world = start_world(tmp_path_factory.mktemp("checkout-world"), time_scale=100)
    yield world
    stop_world(world)


@pytest.fixture
def world(shared_world: World, tmp_path: Path) -> Iterator[World]:
    """The module's sandbox and relay, with this test's own kiosk data directories."""
    shared_world.root = tmp_path
    url = shared_world.relay_url
    yield shared_world
    shared_world.stop_cores()
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
