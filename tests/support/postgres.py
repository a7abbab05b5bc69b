"""A throwaway PostgreSQL server for tests and benchmarks, reachable only on a Unix socket in a temporary directory.

    with running_postgres() as server:        # initdb + postgres, about a second; stopped and deleted on exit
        name = server.create_database()       # a fresh database (or a copy: create_database(template=name))
        name = server.create_relay_database() # one holding the relay's schema (a copy of a migrated template)
        psycopg.connect(server.url(name))     # postgresql://kiosk@/kiosk_1?host=/tmp/kiosk-pg-…&port=5432

or, in tests (re-exported by tests/conftest.py): ``postgres_server`` (one server per worker's session),
``postgres_url`` (a fresh database with the relay's schema per test, dropped afterwards) and ``postgres_binaries``
(to start servers).

The binaries come from PATH or Debian's /usr/lib/postgresql/<version>/bin. When they are missing the fixtures
fail, saying what to install, so that no run passes without PostgreSQL.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

from tests.support.processes import stop_process

DEBIAN_ROOT = Path("/usr/lib/postgresql")
SUPERUSER = "kiosk"
PORT = 5432  # names the socket file only; nothing listens on TCP

# Durability stays as in production: fsync and synchronous_commit keep their default "on", so a commit the relay
# acknowledged is on disk and a benchmark's "stored per second" is what a real server does (with
# synchronous_commit off, killing the server's own processes would lose the last acknowledged commits, whose WAL
# is still in shared memory). Speed comes from one server per session, initdb --no-sync (the cluster is
# throwaway) and databases copied from a template instead of new clusters.
SETTINGS = {
    "listen_addresses": "",
    "port": str(PORT),  # explicit, so a PGPORT in the environment cannot move the socket
    "fsync": "on",
    "synchronous_commit": "on",
}


class PostgresUnavailable(Exception):
    """No PostgreSQL server binaries (or no setpriv) on this machine."""


class PostgresError(Exception):
    """initdb or the server failed to start; the message carries their output."""


@dataclass(frozen=True)
class Binaries:
    bindir: Path
    setpriv: str


def find_binaries(search_path: str | None = None, debian_root: Path = DEBIAN_ROOT) -> Binaries:
    """The PostgreSQL bin directory: initdb on ``search_path`` (PATH) first, else Debian's newest version."""
    setpriv = shutil.which("setpriv", path=search_path)
    if setpriv is None:
        raise PostgresUnavailable("setpriv (util-linux) is not on PATH")
    on_path = shutil.which("initdb", path=search_path)
    # initdb on PATH may be a symlink (Debian keeps the real ones per version); postgres sits beside the target.
    candidates = [Path(on_path).resolve().parent] if on_path else []
    candidates += sorted(
        (initdb.parent for initdb in debian_root.glob("*/bin/initdb")),
        key=lambda bindir: [int(part) for part in bindir.parent.name.split(".") if part.isdigit()],
        reverse=True,
    )
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "postgres").is_file():
            return Binaries(bindir, setpriv)
    raise PostgresUnavailable(f"no PostgreSQL server binaries (initdb, postgres) on PATH or in {debian_root}/*/bin")


def _server_account() -> pwd.struct_passwd | None:
    """Whom the server runs as: ourselves, or, when we are root (initdb and postgres refuse root), the account
    Debian's package creates, else ``nobody``."""
    if os.geteuid() != 0:
        return None
    with contextlib.suppress(KeyError):
        return pwd.getpwnam("postgres")
    return pwd.getpwnam("nobody")


@dataclass
class PostgresServer:
    """A running server; ``url(name)`` connects to a database on it."""

    directory: Path  # the socket, the data directory and the log
    command: list[str | Path]  # how the server was started (again by ``stopped``)
    process: subprocess.Popen[bytes]
    _numbers: Iterator[int] = field(default_factory=itertools.count)
    _relay_template: str | None = None

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@/{dbname}?host={quote(str(self.directory))}&port={PORT}"

    def create_database(self, template: str | None = None) -> str:
        """Create a new, uniquely named database (empty, or a copy of ``template``) and return its name."""
        name = f"kiosk_{next(self._numbers)}"
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        self._admin(query)
        return name

    def create_relay_database(self) -> str:
        """A new database holding the relay's schema as the relay migrates it, and its name: a copy of a template
        migrated on first use (copying is cheaper than migrating, and the relay finds nothing left to do)."""
        if self._relay_template is None:
            from kiosk.relay.storage.schema import POSTGRES, migrate

            template = self.create_database()
            with psycopg.connect(self.url(template), autocommit=True) as connection:
                migrate(connection, POSTGRES)
            self._relay_template = template
        return self.create_database(template=self._relay_template)

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting whoever is still connected to it."""
        self._admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def _admin(self, query: sql.Composed) -> None:
        # CREATE/DROP DATABASE cannot run in a transaction block.
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(query)

    def _log_tail(self, lines: int = 20) -> str:
        text = (self.directory / "server.log").read_text("utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise PostgresError(f"postgres exited with {self.process.returncode}:\n{self._log_tail()}")
            try:
                with psycopg.connect(self.url(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                # No socket yet, or "the database system is starting up".
                if time.monotonic() > deadline:
                    raise PostgresError(f"postgres not ready after {timeout}s:\n{self._log_tail()}") from None
                time.sleep(0.02)

    def _start(self, timeout: float = 30.0) -> None:
        with open(self.directory / "server.log", "ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=self.directory, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_ready(timeout)

    def _stop(self) -> None:
        # Immediate shutdown: as in a crash (the next start recovers from the WAL), and at the end there is
        # nothing to checkpoint: the data is deleted next.
        stop_process(self.process, signal.SIGQUIT, timeout=15)

    @contextlib.contextmanager
    def stopped(self) -> Iterator[None]:
        """The server gone (stopped at once, as if it crashed) for the block, then running again on its data."""
        self._stop()
        try:
            yield
        finally:
            self._start()


@contextlib.contextmanager
def running_postgres(binaries: Binaries | None = None, *, timeout: float = 30.0) -> Iterator[PostgresServer]:
    """initdb into a new temporary directory, run postgres on a Unix socket there, and on exit (also on error)
    stop it and delete the directory. Raises PostgresUnavailable without binaries, PostgresError if it fails."""
    binaries = binaries or find_binaries()
    account = _server_account()
    directory = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
    # The server is our child, not a pg_ctl daemon: setpriv switches the account (when we are root) and asks the
    # kernel to stop the server (SIGQUIT) when we die, so a killed test run leaves no server behind. (The kernel
    # watches the thread that started it: use the context manager within one thread.)
    wrapper = [binaries.setpriv, "--pdeathsig", "QUIT"]
    if account is not None:
        os.chown(directory, account.pw_uid, account.pw_gid)
        wrapper += ["--reuid", str(account.pw_uid), "--regid", str(account.pw_gid), "--clear-groups"]
    wrapper.append("--")
    try:
        initdb = subprocess.run(
            [*wrapper, binaries.bindir / "initdb", "-D", directory / "data", "-U", SUPERUSER, "--auth=trust",
             "--encoding=UTF8", "--locale=C", "--no-sync"],
            cwd=directory, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        if initdb.returncode != 0:
            raise PostgresError(f"initdb failed ({initdb.returncode}):\n{initdb.stderr or initdb.stdout}")
        options = [f"-c{name}={value}" for name, value in {**SETTINGS, "unix_socket_directories": directory}.items()]
        command: list[str | Path] = [*wrapper, binaries.bindir / "postgres", "-D", directory / "data", *options]
        with open(directory / "server.log", "wb") as log:
            process = subprocess.Popen(
                command, cwd=directory, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        server = PostgresServer(directory, command, process)
        try:
            server._wait_ready(timeout)
            yield server
        finally:
            server._stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def postgres_missing(reason: str) -> NoReturn:
    pytest.fail(
        f"PostgreSQL tests need the server binaries (Debian: apt-get install postgresql; .ci/run does): {reason}",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def postgres_binaries() -> Binaries:
    try:
        return find_binaries()
    except PostgresUnavailable as missing:
        postgres_missing(str(missing))


@pytest.fixture(scope="session")
def postgres_server(postgres_binaries: Binaries) -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole test session."""
    with running_postgres(postgres_binaries) as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh database with the relay's schema (and no data) for one test, dropped after it."""
    name = postgres_server.create_relay_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)
