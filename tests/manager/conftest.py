"""Real sandbox and relay processes for the manager's end-to-end checks, and a bill-corrupting proxy."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.checkout import KioskCore
from kiosk.checkout.config import KioskConfig, StoreInfoConfig
from kiosk.checkout.relay_client import Backoff
from tests.support.processes import start_server
from tests.support.relay import RelayCredentials, RelayProcess, init_relay, start_relay, update_config
from tests.support.sandbox import SandboxProcess, start_sandbox_process

FAST = {"server": {"rate_limit_per_second": 1000, "rate_limit_burst": 1000}}
FAST_BACKOFF = Backoff(base=0.05, cap=0.3)


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
        assert self.relay is not None
        url = self.relay.base_url
        self.relay.stop()
        self.relay = None
        return url

    def start_relay_at(self, url: str) -> None:
        port = url.rsplit(":", 1)[1]
        args = ["kiosk.relay", "serve", "--config", str(self.credentials.config_path), "--port", port]
        self.relay = RelayProcess(self.credentials, start_server([*args, "--log-level", "warning"]))

    def core(self, **options: Any) -> KioskCore:
        config = KioskConfig(
            relay_url=self.relay_url,
            relay_token=self.credentials.kiosk_token,
            manager_token=self.credentials.manager_token,
            store=StoreInfoConfig(self.credentials.store_id, "测试便利店", "测试路 1 号"),
            kiosk_id=self.credentials.kiosk_id,
            data_dir=self.root / "kiosk",
            printer={"profile": "virtual"},
        )
        options.setdefault("backoff", FAST_BACKOFF)
        options.setdefault("wait_seconds", 10)
        core = KioskCore(config, **options)
        self.cores.append(core)
        return core


def _world(root: Path, *, proxy: Callable[[str], str] | None = None) -> World:
    # time_scale=100: refunds complete in 50 ms instead of 5 s (the sandbox's business clock is unaffected).
    sandbox = start_sandbox_process(root / "sandbox", time_scale=100)
    try:
        credentials = init_relay(sandbox.state_dir, root, settings=FAST)
        if proxy is not None:
            update_config(credentials.config_path, {"wechatpay": {"base_url": proxy(sandbox.base_url)}})
        return World(root, sandbox, credentials, start_relay(credentials))
    except BaseException:
        sandbox.stop()
        raise


def _close(world: World) -> None:
    for core in world.cores:
        core.stop()
    if world.relay is not None:
        world.relay.stop()
    world.sandbox.stop()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    built = _world(tmp_path)
    try:
        yield built
    finally:
        _close(built)


class BillProxy:
    """Sits between the relay and the sandbox; with ``corrupt`` set, changes ONE byte of a bill file in transit.

    The sandbox builds ``download_url`` from the Host header, so passing the proxy's Host through keeps the
    download on the proxy. The gzip is unpacked, one byte of the CSV altered, and packed again: the file is
    well-formed, only its SHA-1 no longer matches the one WeChat Pay announced."""

    def __init__(self) -> None:
        self.upstream = ""
        self.corrupt = False
        self.corrupted: list[int] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("content-length", "connection")}
                with httpx.Client(timeout=30) as http:
                    answer = http.request(self.command, proxy.upstream + self.path, headers=headers, content=body)
                content = answer.content
                if proxy.corrupt and self.path.startswith("/v3/billdownload/file"):
                    content = proxy.alter(content)
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = _forward
            do_POST = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def alter(self, content: bytes) -> bytes:
        packed = content[:2] == b"\x1f\x8b"
        data = bytearray(gzip.decompress(content) if packed else content)
        # A digit of the first detail row's amount (after the header line): 1.00 → 2.00 and so on.
        position = data.index(b"\r\n") + 2
        position = data.index(b"`NATIVE", position)
        digit = data.index(b".", data.index(b"`CNY", position)) - 1
        data[digit] = ord("0") + (data[digit] - ord("0") + 1) % 10
        self.corrupted.append(digit)
        return gzip.compress(bytes(data), mtime=0) if packed else bytes(data)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxied_world(tmp_path: Path) -> Iterator[tuple[World, BillProxy]]:
    proxy = BillProxy()

    def route(upstream: str) -> str:
        proxy.upstream = upstream
        return proxy.url

    try:
        built = _world(tmp_path, proxy=route)
    except BaseException:
        proxy.close()
        raise
    try:
        yield built, proxy
    finally:
        _close(built)
        proxy.close()


def wait_until(condition: Callable[[], Any], timeout: float = 20.0, message: str = "condition") -> Any:
    """Poll an observable condition (no fixed sleeps in assertions)."""
    deadline = datetime.now().timestamp() + timeout
    pause = threading.Event()
    while True:
        value = condition()
        if value:
            return value
        if datetime.now().timestamp() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        pause.wait(0.05)
