"""A real little notification receiver for the tests: a Starlette app on 127.0.0.1 that records raw requests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.serving import serve_in_thread


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """Answers with ``statuses`` in turn (then ``default``); ``decide`` may override per request."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    default: int = 200
    decide: Callable[[dict[str, str], bytes], int] | None = None
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self._lock:
            if self.decide is not None:
                status = self.decide(headers, body)
            else:
                status = self.statuses.pop(0) if self.statuses else self.default
            self.received.append(Received(headers, body, status))
        if status in (200, 204):
            return Response(status_code=status)
        return Response('{"code":"FAIL","message":"失败"}'.encode(), status, media_type="application/json")

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.01)
        raise AssertionError(f"expected {count} notifications, got {len(self.received)}")


@contextmanager
def running_receiver(**options: object) -> Iterator[Receiver]:
    receiver = Receiver(**options)  # type: ignore[arg-type]
    app = Starlette(routes=[Route("/notify", receiver.endpoint, methods=["POST"])])
    handle = serve_in_thread(app, "127.0.0.1", 0)
    receiver.url = handle.base_url + "/notify"
    try:
        yield receiver
    finally:
        handle.stop()
