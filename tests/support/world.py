"""A real sandbox and relay (as processes) with kiosk cores over them, for end-to-end tests of any package.

    world = start_world(tmp_path)                    # sandbox + `kiosk-relay init` + `kiosk-relay serve`
    core = world.core()                              # a KioskCore on the relay (quick retries), stopped with the world
    core = world.core(world.config("second", relay_url=url), clock=clock)
    world.config_file(path)                          # the same kiosk as a kiosk.toml (a process or a window)
    url = world.stop_relay(); world.start_relay_at(url)   # the relay goes away and comes back on the same port
    stop_world(world)

``start_world(root, time_scale=100)`` runs the sandbox faster (refunds complete in 50 ms instead of 5 s);
``proxy`` puts something between the relay and the sandbox (given the sandbox's address, returns the one the
relay should use). ``start_world(root, moved_clock=True)`` gives the relay and every core a clock the test moves
with ``world.advance(seconds)``, together with the sandbox's (the payment-code timeline: the customer's
password, the relay's polls, its deadline and reverse). The fixtures themselves (scope, sharing) are up to each
package's conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from kiosk.checkout import KioskCore
from kiosk.checkout.config import KioskConfig, StoreInfoConfig
from kiosk.checkout.relay_client import Backoff
from tests.support.clock import SharedClock
from tests.support.relay import FAST, RelayCredentials, RelayProcess, init_relay, start_relay, update_config
from tests.support.sandbox import SandboxProcess, start_sandbox_process

#: Quick retries so that "relay back" is noticed within a fraction of a second.
FAST_BACKOFF = Backoff(base=0.05, cap=0.3)


@dataclass
class World:
    root: Path
    sandbox: SandboxProcess
    credentials: RelayCredentials
    relay: RelayProcess | None
    cores: list[KioskCore] = field(default_factory=list)
    #: The relay's and the cores' clock when the world was started with ``moved_clock=True``.
    clock: SharedClock | None = None

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
        self.relay = start_relay(self.credentials, clock=self.clock.path if self.clock else None, port=port)

    def kill_relay(self) -> str:
        """SIGKILL the relay (no clean shutdown) and return its address, so that it can come back on it."""
        assert self.relay is not None
        url = self.relay.base_url
        self.relay.kill()
        self.relay = None
        return url

    def advance(self, seconds: float) -> None:
        """Move the sandbox's clock and the shared one of the relay and the cores (``moved_clock=True``)."""
        assert self.clock is not None, "start_world(..., moved_clock=True)"
        self.sandbox.advance(seconds)
        self.clock.advance(seconds)

    def config(self, name: str = "kiosk", relay_url: str | None = None, **changes: Any) -> KioskConfig:
        values: dict[str, Any] = {
            "relay_urls": (relay_url or self.relay_url,),
            "relay_token": self.credentials.kiosk_token,
            "manager_token": self.credentials.manager_token,
            "store": StoreInfoConfig(self.credentials.store_id, "测试便利店", "测试路 1 号"),
            "kiosk_id": self.credentials.kiosk_id,
            "data_dir": self.root / name,
            "printer": {"profile": "virtual"},
        }
        values.update(changes)
        return KioskConfig(**values)

    def config_file(self, path: Path, **tables: dict[str, Any]) -> Path:
        """This world's kiosk as a ``kiosk.toml`` at ``path`` (data in ``kiosk`` beside it); ``tables`` add or
        replace tables (``manager={"pin_sha256": …}``)."""
        document: dict[str, Any] = {
            "relay": {"url": self.relay_url, "token": self.credentials.kiosk_token},
            "store": {"id": self.credentials.store_id, "name": "测试便利店", "address": "测试路 1 号"},
            "kiosk": {"id": self.credentials.kiosk_id, "data_dir": str(path.parent / "kiosk")},
            "printer": {"profile": "virtual"},
            **tables,
        }
        path.write_text(tomli_w.dumps(document), encoding="utf-8")
        return path

    def core(self, config: KioskConfig | None = None, **options: Any) -> KioskCore:
        options.setdefault("backoff", FAST_BACKOFF)
        options.setdefault("wait_seconds", 10)
        if self.clock is not None:
            options.setdefault("clock", self.clock)
        core = KioskCore(config or self.config(), **options)
        self.cores.append(core)
        return core

    def stop_cores(self) -> None:
        for core in self.cores:
            core.stop()
        self.cores.clear()


def start_world(
    root: Path, *, time_scale: float = 1.0, proxy: Callable[[str], str] | None = None, moved_clock: bool = False
) -> World:
    sandbox = start_sandbox_process(root / "sandbox", time_scale=time_scale)
    try:
        credentials = init_relay(sandbox.state_dir, root, settings=FAST)
        if proxy is not None:
            update_config(credentials.config_path, {"wechatpay": {"base_url": proxy(sandbox.base_url)}})
        clock = SharedClock(root / "clock") if moved_clock else None
        relay = start_relay(credentials, clock=clock.path if clock else None)
        return World(root, sandbox, credentials, relay, clock=clock)
    except BaseException:
        sandbox.stop()
        raise


def stop_world(world: World) -> None:
    world.stop_cores()
    if world.relay is not None:
        world.relay.stop()
    world.sandbox.stop()
