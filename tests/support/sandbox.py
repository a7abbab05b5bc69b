"""Start the WeChat Pay sandbox as a real process for tests of any package.

    from tests.support.sandbox import sandbox_factory  # re-export in your conftest.py

    def test_something(sandbox_factory):
        sandbox = sandbox_factory(time_scale=100)
        sandbox.base_url, sandbox.info["mchid"], sandbox.info["merchant_private_key"]  # absolute paths
        sandbox.pay(code_url)                  # the customer pays (or result="PAYERROR")
        sandbox.payment_code("password_then_success")  # a customer's code for payment-code payment
        sandbox.advance(86400)                 # move the sandbox clock
        sandbox.notifications()["attempts"]    # every delivery attempt
        sandbox.delivery_attempts(out_trade_no)  # one order's attempts, waiting for the first to be recorded

Identity generation (RSA keys) happens once per test session; each sandbox gets a copy of that
prepared state directory, so all sandboxes in a session share ids and keys but not state.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.sandbox import load_info
from tests.support.processes import ServerProcess, start_server
from tests.support.waiting import wait_until

_template: Path | None = None
_template_lock = threading.Lock()


def prepare_state_dir(target: Path) -> Path:
    """Copy the session's generated identity into ``target`` (created) and return it."""
    global _template
    with _template_lock:
        if _template is None:
            from kiosk.sandbox.identity import create_identity

            root = Path(tempfile.mkdtemp(prefix="kiosk-sandbox-identity-"))
            atexit.register(shutil.rmtree, root, True)
            create_identity(root / "state")
            _template = root / "state"
    shutil.copytree(_template, target, dirs_exist_ok=True)  # copy2 keeps the 0600 modes
    return target


def offline_state_dir(target: Path) -> Path:
    """A sandbox state directory (identity only, no process) whose base_url nothing listens on: enough for a
    relay whose test never reaches WeChat Pay."""
    state = prepare_state_dir(target)
    info_path = state / "sandbox.json"
    info = json.loads(info_path.read_text("utf-8"))
    info["base_url"] = "http://127.0.0.1:9"
    info_path.write_text(json.dumps(info), "utf-8")
    return state


@dataclass
class SandboxProcess:
    """A sandbox running as ``python -m kiosk.sandbox`` with helpers for its control API."""

    server: ServerProcess
    state_dir: Path
    info: dict[str, Any]
    _http: httpx.Client | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def stop(self) -> None:
        self._close_client()  # first: an open keep-alive connection would slow the graceful shutdown
        self.server.stop()
        self._close_pipe()

    def kill(self) -> None:
        self._close_client()
        self.server.kill()
        self._close_pipe()

    def _close_client(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def _close_pipe(self) -> None:
        # The drain thread sees EOF once the process is gone; close our end so no ResourceWarning fires.
        stdout = self.server.process.stdout
        if stdout is not None:
            with contextlib.suppress(Exception):
                stdout.close()

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the control API; raises httpx.HTTPStatusError on an error answer."""
        if self._http is None:
            self._http = httpx.Client(timeout=10)
        response = self._http.request(method, self.base_url + path, json=body)
        response.raise_for_status()
        return response.json()

    def pay(self, code_url: str, result: str = "SUCCESS", **extra: Any) -> dict[str, Any]:
        """The customer scans ``code_url``; returns the order as a query would show it."""
        result_body: dict[str, Any] = self.control(
            "POST", "/sandbox/v1/payments", {"code_url": code_url, "result": result, **extra}
        )
        return result_body

    def payment_code(self, scenario: str = "success", **extra: Any) -> str:
        """The customer shows a fresh payment code that behaves as ``scenario`` when charged (docs/sandbox.md)."""
        issued: dict[str, Any] = self.control("POST", "/sandbox/v1/payment-codes", {"scenario": scenario, **extra})
        code: str = issued["auth_code"]
        return code

    def advance(self, seconds: float) -> dict[str, Any]:
        now: dict[str, Any] = self.control("POST", "/sandbox/v1/clock", {"advance_seconds": seconds})
        return now

    def fault(self, kind: str, path_prefix: str = "/v3/", count: int = 1, **extra: Any) -> None:
        self.control("POST", "/sandbox/v1/faults", {"kind": kind, "path_prefix": path_prefix, "count": count, **extra})

    def notification_fault(self, kind: str, count: int = 1, url_prefix: str = "") -> None:
        """``url_prefix`` limits the fault to notifications sent to matching URLs (default: any)."""
        body = {"target": "notifications", "kind": kind, "count": count, "url_prefix": url_prefix}
        self.control("POST", "/sandbox/v1/faults", body)

    def settings(self, **changes: Any) -> dict[str, Any]:
        current: dict[str, Any] = self.control("POST", "/sandbox/v1/settings", changes)
        return current

    def notifications(self) -> dict[str, Any]:
        listing: dict[str, Any] = self.control("GET", "/sandbox/v1/notifications")
        return listing

    def delivery_attempts(self, out_trade_no: str, *, at_least: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The delivery attempts for one order, once at least ``at_least`` are recorded (fails after ``timeout``).

        The sandbox records an attempt when the receiver's answer arrives, which is after the receiver has
        stored the notification and woken its long-polls: a test that has just seen a payment must wait."""

        def recorded() -> list[dict[str, Any]] | None:
            attempts = [a for a in self.notifications()["attempts"] if a["out_trade_no"] == out_trade_no]
            return attempts if len(attempts) >= at_least else None

        found: list[dict[str, Any]] = wait_until(recorded, timeout, f"{at_least} delivery attempts of {out_trade_no}")
        return found

    def orders(self) -> list[dict[str, Any]]:
        orders: list[dict[str, Any]] = self.control("GET", "/sandbox/v1/orders")["orders"]
        return orders


def start_sandbox_process(state_dir: Path, *, time_scale: float = 1.0, prepare: bool = True) -> SandboxProcess:
    """Start a sandbox process on 127.0.0.1 with a free port; ``prepare`` copies the cached identity first."""
    if prepare and not (state_dir / "sandbox.json").exists():
        prepare_state_dir(state_dir)
    args = ["kiosk.sandbox", "--host", "127.0.0.1", "--port", "0", "--state-dir", str(state_dir)]
    if time_scale != 1.0:
        args += ["--time-scale", repr(time_scale)]
    server = start_server(args)
    return SandboxProcess(server, state_dir, load_info(state_dir))


@pytest.fixture
def sandbox_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., SandboxProcess]]:
    """A factory fixture: ``sandbox_factory(time_scale=…)`` starts a fresh sandbox; all stop at teardown."""
    started: list[SandboxProcess] = []

    def start(time_scale: float = 1.0, state_dir: Path | None = None) -> SandboxProcess:
        directory = state_dir or tmp_path_factory.mktemp("sandbox") / "state"
        process = start_sandbox_process(directory, time_scale=time_scale)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()
