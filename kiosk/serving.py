"""Running an ASGI app with uvicorn, in a thread (embedded) or as the main program (CLI).

The sandbox and the relay both serve this way, so that training mode and tests can embed them on
loopback and the command-line tools print the same ready line.

Every connection is held to :class:`ConnectionLimits`, because uvicorn alone waits for ever on a client
that connects and never finishes its request, and accepts connections until the process runs out of file
descriptors (then every kiosk is refused, and asyncio logs each failed accept with a traceback):

- a request head must arrive within ``header_timeout`` of connecting (or of the first byte of a keep-alive
  request), and its body within ``body_timeout`` of the head; slower clients are disconnected;
- an idle keep-alive connection is closed after ``keep_alive`` seconds (uvicorn's own timer);
- at most ``max_connections`` are open, lowered to what the open-file limit leaves after
  :data:`FD_RESERVE`. At the cap a new connection closes the connection that has waited longest for a
  request head (a slow or idle client, never a request in progress such as a long-poll); only when every
  connection is busy is the new one refused. A real client sends its request at once, so a flood of
  half-open connections cannot crowd it out;
- accept errors, refusals, disconnections and invalid requests are logged at most once per
  :data:`LOG_INTERVAL` with a count (:class:`LogThrottle`), so a flood cannot fill the disk.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, ClassVar

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("kiosk.serving")

#: File descriptors kept back from client connections: storage, calls to WeChat Pay, logs.
FD_RESERVE = 128
#: asyncio accepts up to this many connections per wake-up before any of them reaches the guard, so it
#: bounds how far the cap can be overshot; the kernel's queue of waiting connections stays deep.
ACCEPT_BATCH = 16
#: Seconds between two log lines about the same repeated event.
LOG_INTERVAL = 10.0


@dataclass(frozen=True)
class ConnectionLimits:
    max_connections: int = 4096
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    keep_alive: int = 5


class LogThrottle:
    """Logs a repeated event at most once per ``interval`` seconds, with how often it happened.

    The first occurrence is logged at once; later ones are counted and reported in one line when the
    interval is over (on the next occurrence, or by a timer on the running event loop)."""

    def __init__(
        self,
        logger: logging.Logger,
        level: int,
        what: str,
        interval: float = LOG_INTERVAL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.level = level
        self.what = what
        self.interval = interval
        self.monotonic = monotonic
        self._count = 0
        self._latest = ""
        self._next = float("-inf")
        self._flush: asyncio.TimerHandle | None = None
        self._lock = threading.Lock()  # a logging filter may note from several servers' threads

    def note(self, detail: str = "") -> None:
        with self._lock:
            self._count += 1
            self._latest = detail
            now = self.monotonic()
            if now >= self._next:
                self._emit(now)
            elif self._flush is None:
                try:
                    loop = asyncio.get_running_loop()
                except RuntimeError:
                    return  # no loop to wake us: the count goes out with the next occurrence
                self._flush = loop.call_later(self._next - now, self._flush_now)

    def _flush_now(self) -> None:
        with self._lock:
            self._flush = None
            if self._count:
                self._emit(self.monotonic())

    def _emit(self, now: float) -> None:
        latest = f" (latest: {self._latest})" if self._latest else ""
        self.logger.log(self.level, "%s: %d in the last %.0f s%s", self.what, self._count, self.interval, latest)
        self._count = 0
        self._next = now + self.interval


# -- the connection guard ------------------------------------------------------------------------------------

_HEAD, _BODY, _APP, _IDLE = "head", "body", "app", "idle"


class ConnectionGuard:
    """The open connections of one server: the cap, and which of them may make room for a new one."""

    def __init__(self, limits: ConnectionLimits, capacity: int) -> None:
        self.limits = limits
        self.capacity = capacity
        self.open = 0
        #: Connections waiting for a request head (new, slow or idle keep-alive), longest-waiting first.
        self._waiting: OrderedDict[GuardedH11Protocol, None] = OrderedDict()
        self.refused = LogThrottle(log, logging.WARNING, f"connections refused: all {capacity} busy")
        self.evicted = LogThrottle(log, logging.WARNING, f"idle connections closed to stay within {capacity}")
        self.timed_out = LogThrottle(log, logging.INFO, "slow clients disconnected")

    def admit(self, connection: GuardedH11Protocol) -> bool:
        if self.open >= self.capacity:
            if not self._waiting:
                self.refused.note()
                return False
            oldest, _ = self._waiting.popitem(last=False)
            oldest.transport.close()
            self.evicted.note()
        self.open += 1
        return True

    def release(self, connection: GuardedH11Protocol) -> None:
        self.open -= 1
        self._waiting.pop(connection, None)

    def waiting(self, connection: GuardedH11Protocol, waiting: bool) -> None:
        if waiting:
            self._waiting[connection] = None
        else:
            self._waiting.pop(connection, None)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with read deadlines and a place under its server's :class:`ConnectionGuard`.

    The phase of a connection is read from h11's state after every event: waiting for a request head
    (deadline ``header_timeout``), reading a body (``body_timeout``), the app at work (no read deadline: a
    long-poll may take its time), or idle between keep-alive requests (``keep_alive``)."""

    guard: ClassVar[ConnectionGuard]

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._phase: str | None = None
        self._deadline: asyncio.TimerHandle | None = None
        self._served = False
        self._admitted = self.guard.admit(self)
        if not self._admitted:
            transport.close()
            return
        self._enter(_HEAD)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._track()

    def on_response_complete(self) -> None:
        self._served = True
        super().on_response_complete()
        self._track()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        if self._admitted:
            self.guard.release(self)
        super().connection_lost(exc)

    def _track(self) -> None:
        if self.transport.is_closing():
            return
        state = self.conn.their_state
        if state is h11.IDLE:
            # Before the first request, or once a keep-alive request has started to arrive, a head is due.
            self._enter(_HEAD if not self._served or self.conn.trailing_data[0] else _IDLE)
        elif state is h11.SEND_BODY:
            self._enter(_BODY)
        else:
            self._enter(_APP)

    def _enter(self, phase: str) -> None:
        if phase == self._phase:
            return  # a deadline runs from the start of its phase: trickling bytes does not extend it
        self._phase = phase
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self.guard.waiting(self, phase in (_HEAD, _IDLE))
        limits = self.guard.limits
        # uvicorn has its own keep-alive timer, but drops it for good once any byte arrives (say the rest of
        # a body the app did not read): idle connections get a deadline here as well.
        timeout = {_HEAD: limits.header_timeout, _BODY: limits.body_timeout, _IDLE: limits.keep_alive}.get(phase)
        if timeout is not None:
            self._deadline = self.loop.call_later(timeout, self._expire, phase, timeout)

    def _expire(self, phase: str, timeout: float) -> None:
        self._deadline = None
        self.guard.waiting(self, False)
        if phase != _IDLE:
            self.guard.timed_out.note(f"no complete request {phase} within {timeout:g} s")
        self.transport.close()


def connection_capacity(wanted: int) -> int:
    """``wanted``, or fewer if the open-file limit cannot hold them besides :data:`FD_RESERVE`.

    The soft limit is raised toward what is needed, up to the hard limit (a shell's default soft limit of
    1,024 is far below what a server is allowed)."""
    if sys.platform == "win32":
        return wanted
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + FD_RESERVE
    if soft != resource.RLIM_INFINITY and soft < needed:
        raised = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY or soft - FD_RESERVE >= wanted:
        return wanted
    capacity = max(1, soft - FD_RESERVE)
    log.warning(
        "at most %d connections instead of %d: the open-file limit is %d (raise LimitNOFILE)", capacity, wanted, soft
    )
    return capacity


class _InvalidRequests(logging.Filter):
    """uvicorn logs every unparsable request; count them instead."""

    MESSAGE = "Invalid HTTP request received."

    def __init__(self) -> None:
        super().__init__()
        self.throttle = LogThrottle(log, logging.WARNING, "invalid HTTP requests answered 400")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != self.MESSAGE:
            return True
        self.throttle.note()
        return False


_ACCEPT_FAILED = LogThrottle(log, logging.ERROR, "accepting connections failed, retrying each second")


def _exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # asyncio reports every failed accept() with a traceback, up to the accept batch per wake-up, every second.
    if context.get("message") == "socket.accept() out of system resource":
        _ACCEPT_FAILED.note(str(context.get("exception")))
    else:
        loop.default_exception_handler(context)


# -- serving ------------------------------------------------------------------------------------------------


class ListenError(OSError):
    """The address cannot be listened on (in use, not an address of this machine, not allowed)."""

    def __str__(self) -> str:
        return str(self.strerror)  # "cannot listen on HOST:PORT: why", without the "[Errno N]" prefix


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind before serving so that port 0 resolves to a real port we can report; :class:`ListenError` if not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # An explicit IPPROTO_TCP makes asyncio set TCP_NODELAY on accepted connections; without it every
    # response waits for a delayed ACK (~40 ms on loopback).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted sockets on Linux
    try:
        sock.bind((host, port))
    except (OSError, OverflowError) as exc:  # OverflowError: a port outside 0-65535
        sock.close()
        shown = f"[{host}]" if ":" in host else host
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ListenError(getattr(exc, "errno", None), f"cannot listen on {shown}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


def base_url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


@dataclass
class ServerHandle:
    """A server running in a background thread of this process."""

    base_url: str
    server: uvicorn.Server
    thread: threading.Thread
    on_stop: list[Callable[[], None]] = field(default_factory=list)

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
        for callback in self.on_stop:
            callback()


class _Server(uvicorn.Server):
    """uvicorn's server, telling the app the moment it starts to stop (``on_shutdown``).

    uvicorn runs the app's lifespan shutdown only once every connection has closed or the graceful timeout
    has cut it off, too late for a request the app holds open (a long-poll) to be answered in time."""

    def __init__(self, config: uvicorn.Config, on_shutdown: Callable[[], None] | None) -> None:
        super().__init__(config)
        self.on_shutdown = on_shutdown

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.on_shutdown is not None:
            # Held requests wake now but answer only once uvicorn's shutdown first yields: by then it has closed
            # the listening sockets and marked every busy connection to close after its answer, so the client
            # asks again elsewhere (or finds the server gone) rather than here.
            self.on_shutdown()
        await super().shutdown(sockets)


def _server(
    app: Any, limits: ConnectionLimits, on_shutdown: Callable[[], None] | None, **options: Any
) -> uvicorn.Server:
    guard = ConnectionGuard(limits, connection_capacity(limits.max_connections))
    protocol = type("ServerH11Protocol", (GuardedH11Protocol,), {"guard": guard})
    config = uvicorn.Config(
        app,
        http=protocol,
        ws="none",  # neither server speaks WebSocket; an upgrade would also leave the guard
        log_level=options.pop("log_level", "warning"),
        access_log=False,
        lifespan=options.pop("lifespan", "on"),
        timeout_graceful_shutdown=options.pop("timeout_graceful_shutdown", 2),
        timeout_keep_alive=limits.keep_alive,
        backlog=ACCEPT_BATCH,
        **options,
    )
    uvicorn_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _InvalidRequests) for f in uvicorn_log.filters):
        uvicorn_log.addFilter(_InvalidRequests())
    return _Server(config, on_shutdown)


async def _serve(
    server: uvicorn.Server,
    sock: socket.socket,
    backlog: int,
    on_ready: Callable[[], None],
    until: Callable[[], Coroutine[Any, Any, object]] | None = None,
) -> None:
    asyncio.get_running_loop().set_exception_handler(_exception_handler)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    stopper: asyncio.Task[object] | None = None
    if until is not None:

        def stop(task: asyncio.Task[object]) -> None:
            if not task.cancelled():
                server.should_exit = True

        stopper = asyncio.create_task(until())
        stopper.add_done_callback(stop)
    while not server.started and not serving.done():
        await asyncio.sleep(0.01)
    if server.started:
        sock.listen(backlog)  # uvicorn listened with ACCEPT_BATCH; the kernel may queue many more
        on_ready()
    try:
        await serving
    finally:
        if stopper is not None:
            stopper.cancel()


def serve_in_thread(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    limits: ConnectionLimits = ConnectionLimits(),
    backlog: int = 2048,
    on_shutdown: Callable[[], None] | None = None,
    **options: Any,
) -> ServerHandle:
    """Start ``app`` on a background thread and return once it accepts connections. ``on_shutdown`` is called
    on the server's event loop when it starts to stop (before the requests in progress have finished)."""
    sock = bind_socket(host, port)
    server = _server(app, limits, on_shutdown, **options)
    ready = threading.Event()
    thread = threading.Thread(
        target=asyncio.run, args=(_serve(server, sock, backlog, ready.set),), name="uvicorn", daemon=True
    )
    thread.start()
    while not ready.wait(0.01):
        if not thread.is_alive():
            raise RuntimeError("server thread exited before it started")
    return ServerHandle(base_url_of(sock), server, thread)


def serve_forever(
    app: Any,
    host: str,
    port: int,
    ready: Callable[[str], dict[str, Any]],
    *,
    limits: ConnectionLimits = ConnectionLimits(),
    backlog: int = 2048,
    until: Callable[[], Coroutine[Any, Any, object]] | None = None,
    on_shutdown: Callable[[], None] | None = None,
    **options: Any,
) -> None:
    """Serve ``app`` in the foreground; print one JSON line (``ready(base_url)``) once listening. The server
    stops like on SIGTERM once ``until()`` returns (when given); ``on_shutdown`` as in :func:`serve_in_thread`."""
    sock = bind_socket(host, port)
    base_url = base_url_of(sock)
    server = _server(app, limits, on_shutdown, **options)

    def announce() -> None:
        sys.stdout.write(json.dumps(ready(base_url), ensure_ascii=False) + "\n")
        sys.stdout.flush()

    asyncio.run(_serve(server, sock, backlog, announce, until))
