"""A network receipt printer on 127.0.0.1 for tests: accepts raw TCP jobs and answers DLE EOT."""

from __future__ import annotations

import socket
import threading


class FakeNetworkPrinter:
    """Bound to an ephemeral port. Until :meth:`power_on` it does not listen, so connecting is refused
    exactly like a switched-off printer; the port stays ours throughout."""

    def __init__(self, *, listening: bool = True) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.jobs: list[bytes] = []
        self.status_requests: list[int] = []
        #: Replies to DLE EOT n; ``None`` makes the printer stay silent (no status support).
        self.status_replies: dict[int, int] | None = {1: 0x12, 2: 0x12, 4: 0x12}
        self.job_received = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        if listening:
            self.power_on()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def power_on(self) -> None:
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def paper_out(self) -> None:
        self.status_replies = {1: 0x1A, 2: 0x32, 4: 0x72}

    def cover_open(self) -> None:
        self.status_replies = {1: 0x1A, 2: 0x16, 4: 0x12}

    def ready(self) -> None:
        self.status_replies = {1: 0x12, 2: 0x12, 4: 0x12}

    def _serve(self) -> None:
        while not self._closed:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5.0)
                self._handle(conn)

    def _handle(self, conn: socket.socket) -> None:
        data = bytearray()
        in_job = False
        while True:
            try:
                chunk = conn.recv(65536)
            except OSError:
                return
            if not chunk:
                break
            data += chunk
            # Status requests come first, one at a time, each waiting for its reply.
            while not in_job and data[:2] == b"\x10\x04" and len(data) >= 3:
                n = data[2]
                self.status_requests.append(n)
                del data[:3]
                if self.status_replies is not None and n in self.status_replies:
                    conn.sendall(bytes((self.status_replies[n],)))
            if data and data[:2] != b"\x10\x04"[: len(data[:2])]:
                in_job = True
        if data:
            self.jobs.append(bytes(data))
            self.job_received.set()

    def close(self) -> None:
        self._closed = True
        self.sock.close()
        if self._thread:
            self._thread.join(2)
