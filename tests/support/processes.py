"""Start the project's servers as real processes and read their one-line JSON ready message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    ready: dict[str, Any]
    drain: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return str(self.ready["base_url"])

    def stop(self) -> None:
        stop_process(self.process)
        self._close_pipe()

    def kill(self) -> None:
        """Simulate a power cut: SIGKILL, no clean-up."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        self._close_pipe()

    def _close_pipe(self) -> None:
        # The drain thread sees EOF once the child is gone; join it so the pipe is not closed under its read.
        if self.drain is not None:
            self.drain.join(5)
        if self.process.stdout is not None:
            self.process.stdout.close()


def stop_process(process: subprocess.Popen[Any], how: signal.Signals = signal.SIGTERM, timeout: float = 10) -> None:
    """Ask a child to stop with ``how``; SIGKILL it if it has not exited within ``timeout`` seconds."""
    if process.poll() is None:
        process.send_signal(how)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def start_server(
    args: Sequence[str],
    *,
    timeout: float = 30.0,
    env: dict[str, str] | None = None,
    preexec: Callable[[], None] | None = None,
    stderr: IO[str] | None = None,
) -> ServerProcess:
    """Run ``python -m <args>`` and wait for the first JSON line on stdout.

    ``preexec`` runs in the child before the server starts (a umask, a lower file limit); ``stderr`` takes
    the server's log (default: this process's stderr)."""
    process = subprocess.Popen(
        [sys.executable, "-m", *args],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env={**os.environ, **(env or {})},
        preexec_fn=preexec,
    )
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline() if process.stdout else ""))
    reader.start()
    reader.join(timeout)
    if not line or not line[0].strip():
        process.kill()
        process.wait(5)
        raise RuntimeError(f"{' '.join(args)} did not report ready within {timeout}s")
    # Keep draining stdout so the child never blocks on a full pipe.
    drain = threading.Thread(target=lambda: process.stdout and process.stdout.read(), daemon=True)
    drain.start()
    return ServerProcess(process, json.loads(line[0]), drain)
