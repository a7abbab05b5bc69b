"""kiosk.serving: read deadlines, the connection cap and log lines that count instead of flooding.

A real uvicorn server on 127.0.0.1 (in this process) with a tiny Starlette app and small limits."""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from kiosk.serving import ConnectionLimits, LogThrottle, ServerHandle, _exception_handler, serve_in_thread

LIMITS = ConnectionLimits(max_connections=4, header_timeout=1.0, body_timeout=1.0, keep_alive=1)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def messages(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [record.getMessage() for record in caplog.records if text in record.getMessage()]


def test_a_repeated_event_is_one_line_per_interval_with_its_count(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    throttle = LogThrottle(logging.getLogger("test"), logging.WARNING, "things happened", interval=10, monotonic=clock)
    with caplog.at_level(logging.WARNING):
        for n in range(1000):
            throttle.note(f"thing {n}")
        clock.now += 10
        throttle.note("thing 1000")
    assert messages(caplog, "things happened") == [
        "things happened: 1 in the last 10 s (latest: thing 0)",
        "things happened: 1000 in the last 10 s (latest: thing 1000)",
    ]


def test_the_count_is_written_when_the_interval_ends_even_if_nothing_follows(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        throttle = LogThrottle(logging.getLogger("test"), logging.WARNING, "burst", interval=0.05)
        for _ in range(5):
            throttle.note()
        deadline = time.monotonic() + 5
        while len(messages(caplog, "burst")) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    with caplog.at_level(logging.WARNING):
        asyncio.run(scenario())
    assert messages(caplog, "burst") == ["burst: 1 in the last 0 s", "burst: 4 in the last 0 s"]


def test_failed_accepts_are_counted_not_logged_with_a_traceback_each(caplog: pytest.LogCaptureFixture) -> None:
    loop = asyncio.new_event_loop()
    try:
        with caplog.at_level(logging.WARNING):
            for _ in range(500):
                context = {
                    "message": "socket.accept() out of system resource",
                    "exception": OSError(errno.EMFILE, "Too many open files"),
                }
                _exception_handler(loop, context)
            _exception_handler(loop, {"message": "something else"})
    finally:
        loop.close()
    accepts = messages(caplog, "accepting connections failed")
    assert len(accepts) <= 1 and all("Too many open files" in line for line in accepts)
    assert not any(record.exc_info for record in caplog.records if "accepting" in record.getMessage())
    assert messages(caplog, "something else")  # anything else still goes to asyncio's own handler


# -- a real server ---------------------------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[tuple[ServerHandle, threading.Event]]:
    release = threading.Event()

    async def hold(request: Request) -> PlainTextResponse:
        await asyncio.to_thread(release.wait, 30)
        return PlainTextResponse("held")

    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")

    app = Starlette(routes=[Route("/hold", hold), Route("/hello", hello, methods=["GET", "POST"])])
    handle = serve_in_thread(app, limits=LIMITS)
    yield handle, release
    release.set()
    handle.stop()


def connect(handle: ServerHandle) -> socket.socket:
    parts = urlsplit(handle.base_url)
    assert parts.hostname and parts.port
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def closed(sock: socket.socket, within: float = 10.0) -> bool:
    """Whether the server closes ``sock`` within ``within`` seconds (reading and dropping any answer)."""
    sock.settimeout(within)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionError:
        pass
    return True


def ask(sock: socket.socket, request: bytes) -> bytes:
    sock.sendall(request)
    sock.settimeout(10)
    return sock.recv(65536)


def test_heads_bodies_and_idle_keep_alive_each_have_a_deadline(server: tuple[ServerHandle, threading.Event]) -> None:
    handle, _ = server
    silent, partial_head, partial_body, idle = (connect(handle) for _ in range(4))
    partial_head.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n")
    partial_body.sendall(b"POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
    assert ask(idle, b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 200")
    for sock in (silent, partial_head, partial_body, idle):
        assert closed(sock)
        sock.close()


def test_at_the_cap_the_longest_waiting_connection_makes_room(server: tuple[ServerHandle, threading.Event]) -> None:
    handle, _ = server
    waiting = [connect(handle) for _ in range(LIMITS.max_connections)]
    time.sleep(0.2)  # let the server take them in order
    newcomer = connect(handle)
    assert ask(newcomer, b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 200")
    assert closed(waiting[0], within=0.9), "the oldest idle connection should have made room"
    for sock in (*waiting, newcomer):
        sock.close()


def test_when_every_connection_is_busy_a_new_one_is_refused(server: tuple[ServerHandle, threading.Event]) -> None:
    handle, release = server
    busy = [connect(handle) for _ in range(LIMITS.max_connections)]
    for sock in busy:
        sock.sendall(b"GET /hold HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.3)  # the requests are in the app now: no read deadline applies
    refused = connect(handle)
    assert closed(refused, within=5)
    release.set()
    for sock in busy:
        assert ask(sock, b"").startswith(b"HTTP/1.1 200")
        sock.close()
    refused.close()


def test_invalid_requests_are_counted(
    server: tuple[ServerHandle, threading.Event], caplog: pytest.LogCaptureFixture
) -> None:
    handle, _ = server
    seen: list[str] = []
    uvicorn_log = logging.getLogger("uvicorn.error")
    recorder = logging.Handler()
    recorder.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    uvicorn_log.addHandler(recorder)
    try:
        with caplog.at_level(logging.WARNING, logger="kiosk.serving"):
            for _ in range(30):
                sock = connect(handle)
                assert ask(sock, b"NOT HTTP AT ALL\r\n\r\n").startswith(b"HTTP/1.1 400")
                sock.close()
    finally:
        uvicorn_log.removeHandler(recorder)
    assert "Invalid HTTP request received." not in seen
    # One line per interval for the whole process: at most one here (none if another test just wrote it).
    assert len(messages(caplog, "invalid HTTP requests answered 400")) <= 1
