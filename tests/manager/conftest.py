"""Real journals of test data, real sandbox and relay processes for the manager's end-to-end checks, and a
bill-corrupting proxy."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.checkout import KioskCore
from kiosk.checkout.config import KioskConfig, StoreInfoConfig
from kiosk.checkout.session import PaymentSession
from kiosk.clock import CHINA_TZ
from kiosk.journal import Journal, RefundRow
from tests.manager.factories import DAY, journal_of
from tests.support import waiting
from tests.support.world import World, start_world, stop_world

__all__ = ["BillProxy", "FixedClock", "World", "make_offline_core", "wait_until"]

JournalOf = Callable[..., Journal]


@pytest.fixture
def journal_with(tmp_path: Path) -> Iterator[JournalOf]:
    """``journal_with(orders, refunds=())``: a real journal file holding them (closed after the test)."""
    opened: list[Journal] = []

    def build(orders: Iterable[PaymentSession], refunds: Iterable[RefundRow] = ()) -> Journal:
        journal = journal_of(tmp_path / f"journal-{len(opened)}.sqlite3", orders, refunds)
        opened.append(journal)
        return journal

    yield build
    for journal in opened:
        journal.close()


def _world(root: Path, *, proxy: Callable[[str], str] | None = None) -> World:
    # time_scale=100: refunds complete in 50 ms instead of 5 s (the sandbox's business clock is unaffected).
    return start_world(root, time_scale=100, proxy=proxy)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    built = _world(tmp_path)
    try:
        yield built
    finally:
        stop_world(built)


class FixedClock:
    """The kiosk's clock, standing still at 18:00 on the factories' day (Beijing)."""

    def __init__(self) -> None:
        self.moment = datetime(DAY.year, DAY.month, DAY.day, 18, 0, tzinfo=CHINA_TZ)

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def offline_core(tmp_path: Path) -> Iterator[KioskCore]:
    """A real kiosk core, never started: journal and virtual printer on disk, no relay (a closed port)."""
    core = make_offline_core(tmp_path / "kiosk")
    yield core
    core.stop()


def make_offline_core(data_dir: Path, **config: Any) -> KioskCore:
    values: dict[str, Any] = {
        "relay_urls": ("http://127.0.0.1:9",),
        "relay_token": "kiosk-token",
        "store": StoreInfoConfig("S1", "测试便利店", "测试路 1 号"),
        "kiosk_id": "K1",
        "data_dir": data_dir,
        "printer": {"profile": "virtual"},
        **config,
    }
    return KioskCore(KioskConfig(**values), clock=FixedClock())


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
        stop_world(built)
        proxy.close()


def wait_until(condition: Callable[[], Any], timeout: float = 20.0, message: str = "condition") -> Any:
    """Poll an observable condition (no fixed sleeps in assertions); the manager's checks allow a little longer."""
    return waiting.wait_until(condition, timeout, message, interval=0.05)
