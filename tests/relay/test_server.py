"""Slow and many clients (kiosk/serving.py through kiosk/relay/server.py), against a real relay process.

The relay runs with a low open-file limit (400, so at most 272 connections), which makes a flood of a
thousand half-open connections cheap to reproduce: before the connection guard, ~1,100 of them stopped every
kiosk request and notification and wrote ~150 MB of log.
"""

from __future__ import annotations

import contextlib
import resource
import select
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from kiosk.serving import FD_RESERVE
from tests.support.relay import (
    FAST,
    NotificationSigner,
    RelayProcess,
    init_relay,
    order_number,
    start_relay,
    update_config,
)
from tests.support.sandbox import SandboxProcess

FILE_LIMIT = 400
CAPACITY = FILE_LIMIT - FD_RESERVE
HALF_OPEN = 1_000
HEADER_TIMEOUT = 3.0


def low_file_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FILE_LIMIT, FILE_LIMIT))


@pytest.fixture
def relay(sandbox: SandboxProcess, tmp_path: Path) -> Iterator[tuple[RelayProcess, Path]]:
    """A relay with a 400-descriptor limit and 3 s header/body deadlines; its log goes to a file."""
    credentials = init_relay(sandbox.state_dir, tmp_path, settings=FAST)
    update_config(
        credentials.config_path,
        {"server": {"header_timeout_seconds": HEADER_TIMEOUT, "body_timeout_seconds": HEADER_TIMEOUT}},
    )
    log_path = tmp_path / "relay.log"
    with open(log_path, "w", encoding="utf-8") as log:
        process = start_relay(credentials, preexec=low_file_limit, stderr=log)
    yield process, log_path
    process.stop()


def address(relay: RelayProcess) -> tuple[str, int]:
    parts = urlsplit(relay.base_url)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


@contextlib.contextmanager
def half_open(relay: RelayProcess, count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections that never finish a request: half send nothing, half the start of a head."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 256:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 256), hard))
    held: list[socket.socket] = []
    try:
        for n in range(count):
            sock = socket.create_connection(address(relay), timeout=10)
            if n % 2:
                sock.sendall(b"POST /v1/orders HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n")
            held.append(sock)
        yield held
    finally:
        for sock in held:
            sock.close()


def closed_by_relay(sockets: list[socket.socket]) -> int:
    """How many of ``sockets`` the relay has closed (readable with nothing left to read)."""
    closed = 0
    for start in range(0, len(sockets), 500):
        chunk = sockets[start : start + 500]
        readable, _, _ = select.select(chunk, [], [], 0)
        for sock in readable:
            try:
                closed += sock.recv(1, socket.MSG_PEEK) == b""
            except ConnectionError:
                closed += 1
    return closed


def wait_closed(sockets: list[socket.socket], expected: int, within: float) -> int:
    deadline = time.monotonic() + within
    while (closed := closed_by_relay(sockets)) < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return closed


def pay_one_order(relay: RelayProcess, signer: NotificationSigner) -> dict[str, object]:
    """A whole sale as a kiosk and WeChat Pay see it, each request on a fresh connection."""
    number = order_number("E")
    with httpx.Client(base_url=relay.base_url, headers=relay.kiosk_headers(), timeout=20) as kiosk:
        created = kiosk.post("/v1/orders", json={"out_trade_no": number, "description": "豆浆", "amount_fen": 300})
        assert created.status_code == 200, created.text
    headers, body = signer.signed(signer.transaction(number, 300))
    notified = httpx.post(relay.base_url + "/wechatpay/notify", headers=headers, content=body, timeout=20)
    assert notified.status_code == 204, notified.text
    with httpx.Client(base_url=relay.base_url, headers=relay.kiosk_headers(), timeout=20) as kiosk:
        answer = kiosk.get(f"/v1/orders/{number}")
    assert answer.status_code == 200, answer.text
    order: dict[str, object] = answer.json()
    return order


def log_lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines()


def test_a_thousand_half_open_connections_do_not_stop_kiosks_or_notifications(
    relay: tuple[RelayProcess, Path], sandbox: SandboxProcess
) -> None:
    process, log_path = relay
    signer = NotificationSigner(sandbox.info)
    with half_open(process, HALF_OPEN) as held:
        # The relay holds as many as its cap allows and closes the longest-waiting ones for newcomers.
        assert wait_closed(held, HALF_OPEN - CAPACITY, within=20) >= HALF_OPEN - CAPACITY
        assert closed_by_relay(held) < HALF_OPEN, "the relay should still hold the newest half-open connections"
        order = pay_one_order(process, signer)
        assert order["state"] == "SUCCESS"
        # Every one of them is gone once the header deadline has passed.
        assert wait_closed(held, HALF_OPEN, within=HEADER_TIMEOUT + 10) == HALF_OPEN
    lines = log_lines(log_path)
    assert len(lines) < 20, lines  # one line per kind of event and interval, with a count
    assert any("idle connections closed to stay within 272" in line for line in lines), lines
    assert any("slow clients disconnected" in line for line in lines) is False  # INFO, below --log-level warning
    assert not any("Traceback" in line or "accepting connections failed" in line for line in lines), lines


def test_slow_heads_and_bodies_are_cut_off_at_their_deadlines(relay: tuple[RelayProcess, Path]) -> None:
    process, _ = relay
    trickler = socket.create_connection(address(process), timeout=10)
    slow_body = socket.create_connection(address(process), timeout=10)
    started = time.monotonic()
    slow_body.sendall(b"POST /wechatpay/notify HTTP/1.1\r\nHost: relay\r\nContent-Length: 1000\r\n\r\n" + b"{" * 10)
    try:
        # One byte of head a second keeps the connection busy but never resets its deadline.
        for byte in b"GET /healthz HTTP/1.1\r\nHost: relay\r\n":
            if closed_by_relay([trickler]):
                break
            trickler.sendall(bytes([byte]))
            time.sleep(0.5)
        assert wait_closed([trickler, slow_body], 2, within=HEADER_TIMEOUT + 10) == 2
        assert time.monotonic() - started < len(b"GET /healthz HTTP/1.1\r\nHost: relay\r\n") * 0.5
    finally:
        trickler.close()
        slow_body.close()
    with httpx.Client(base_url=process.base_url, timeout=10) as client:
        assert client.get("/healthz").status_code == 200


def test_forged_notifications_are_counted_in_the_log_not_written_one_by_one(
    relay: tuple[RelayProcess, Path], sandbox: SandboxProcess
) -> None:
    process, log_path = relay
    signer = NotificationSigner(sandbox.info)
    headers, body = signer.signed(signer.transaction("E" + uuid.uuid4().hex[:20], 100))
    forged = {**headers, "Wechatpay-Signature": headers["Wechatpay-Signature"][::-1]}
    with httpx.Client(base_url=process.base_url, timeout=10) as client:
        for _ in range(200):
            assert client.post("/wechatpay/notify", headers=forged, content=body).status_code == 401
    lines = [line for line in log_lines(log_path) if "notifications rejected" in line]
    assert 1 <= len(lines) <= 2, lines
    assert "1 in the last" in lines[0]
