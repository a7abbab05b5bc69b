"""What every Kiosk command (``kiosk``, ``kiosk-relay``, ``kiosk-sandbox``) shares at the command line.

* A mistake the user can fix (bad arguments, a missing file, a busy port, a second instance) is reported as
  **one line**, ``<command>: <problem>``, on stderr with **exit code 2**, never as a traceback:
  :class:`CommandError` and :func:`fail`, and :class:`ArgumentParser`, whose errors are one line too.
* One process per state directory: :class:`InstanceLock`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import IO, NoReturn

EXIT_USAGE = 2


class CommandError(Exception):
    """A problem the user can fix; the message names it (and, where there is one, the file or setting)."""


def fail(prog: str, problem: object) -> int:
    """Report ``problem`` as one line on stderr; returns :data:`EXIT_USAGE` for ``return fail(...)``."""
    sys.stderr.write(f"{prog}: {problem}\n")
    sys.stderr.flush()
    return EXIT_USAGE


class ArgumentParser(argparse.ArgumentParser):
    """argparse whose errors are one line, ``prog: problem (see prog --help)``, with exit code 2.

    Sub-command parsers made with ``add_subparsers`` are of the same class."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


class InstanceLock:
    """An exclusive lock on ``path`` (``<state dir>/<name>.lock``), held until :meth:`release` or exit.

    The operating system drops the lock when the process ends, however it ends (``kill -9``, power cut), so
    there is never a stale lock to clean up; the file itself stays, holding the last holder's pid for the
    message a second instance gets. ``flock`` rather than POSIX record locks: those vanish when any other
    descriptor of the file in the same process is closed.
    """

    #: Windows locks a byte range and keeps others from reading it: lock a byte past the pid instead.
    _WINDOWS_LOCK_OFFSET = 1 << 20

    def __init__(self, path: Path, what: str) -> None:
        self.path = path
        self.what = what
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`CommandError` naming the directory and the running instance's pid."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path, "a+", encoding="ascii")  # noqa: SIM115 - held for the process's life
        except OSError as exc:
            raise CommandError(f"cannot use {self.path.parent}: {exc.strerror or exc}") from None
        try:
            _lock(handle)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise CommandError(
                f"{self.what} is already running on {self.path.parent} (pid {holder}); stop it first"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the descriptor releases the lock
            self._handle = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _lock(handle: IO[str]) -> None:
    """Lock without waiting; ``OSError`` if another process holds it."""
    if sys.platform == "win32":
        import msvcrt

        handle.seek(InstanceLock._WINDOWS_LOCK_OFFSET)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
