"""The relay's PostgreSQL engine: a database server that several relay instances share.

Each transaction of ``transactions.py`` runs on a connection of psycopg's async pool, in READ COMMITTED, as
one database transaction; its state rules are conditional statements and row locks (``SELECT … FOR UPDATE``
of the order), so they hold with any number of writers in any number of processes. A transaction the server
aborts to keep them (a deadlock, a serialization failure, a unique key taken by a concurrent insert) runs
again from the start, a few times. A caller that gives up does not cut a transaction short: it runs to its
COMMIT or ROLLBACK in its own task (as SQLite's writer finishes a job it started), so a connection never goes
back to the pool in the middle of one.

The schema is migrated with a synchronous connection when the engine opens (a wrong URL or a database of a
newer relay fails at start-up); the pool opens on first use, on the event loop that serves the relay.

:class:`PostgresLink` is the engine's :class:`~kiosk.relay.storage.ClusterLink`: one dedicated connection
LISTENs to the order channel (fed by a trigger on every version change, on COMMIT, whoever made it) and to
the work channel; ``send_work`` NOTIFYs the latter.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import errors
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from . import transactions
from .interface import ClusterLink, Signal, StorageError
from .schema import ORDERS_CHANNEL, POSTGRES, WORK_CHANNEL, migrate, params
from .transactions import Transaction, TransactionalStorage, one

log = logging.getLogger("kiosk.relay.storage")

T = TypeVar("T")
P = ParamSpec("P")

#: How long a request waits for a pooled connection before the store counts as unavailable (below the 4 s a
#: notification may take, so WeChat Pay gets a 500 and retries rather than a timeout).
POOL_TIMEOUT = 3.5
#: A transaction the server aborted to keep the rules runs again, at most this many times in all.
ATTEMPTS = 8
_RETRY = (errors.SerializationFailure, errors.DeadlockDetected, errors.UniqueViolation)
#: A LISTEN connection that heard nothing for this long is checked with a query (a dead server or a cut
#: network would otherwise leave it waiting for ever).
LISTEN_CHECK_SECONDS = 5.0
#: NOTIFY payloads must stay under 8000 bytes.
_PAYLOAD_LIMIT = 7000


def describe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def unreachable(url: str) -> str | None:
    """Why the database cannot be reached now but may be later (no answer, refused, the server starting up or
    shutting down, out of connections), or None: it answers, or it refuses in a way waiting cannot mend (a
    wrong password, no such database), which opening the store then reports."""
    try:
        with psycopg.connect(url, connect_timeout=10):
            return None
    except psycopg.OperationalError as exc:
        state = exc.sqlstate
        if state is None or state.startswith("08") or state in _LATER:
            return reason(exc)
        return None


#: SQLSTATEs of a server that may answer later: shutting down or starting up, out of connections.
_LATER = frozenset({"57P01", "57P02", "57P03", "53300"})


async def drive(connection: psycopg.AsyncConnection[Any], transaction: Transaction[T]) -> T:
    """Run ``transaction``'s statements on ``connection`` (inside whatever transaction the caller holds)."""
    try:
        statement = next(transaction)
        while True:
            cursor = await connection.execute(
                POSTGRES.sql(statement.sql, for_update=statement.for_update), params(statement.params)
            )
            result: Any
            if statement.fetch == "count":
                result = cursor.rowcount
            elif statement.fetch == "one":
                row = await cursor.fetchone()
                result = POSTGRES.row(row) if row is not None else None
            else:
                result = [POSTGRES.row(row) for row in await cursor.fetchall()]
            statement = transaction.send(result)
    except StopIteration as done:
        value: T = done.value
        return value


class PostgresStorage(TransactionalStorage):
    """The relay's PostgreSQL database (a :class:`~kiosk.relay.storage.RelayStorage`), shared by any number of
    relay instances."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.description = describe(url)
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection:
                migrate(connection, POSTGRES)
        except psycopg.Error as exc:
            raise StorageError(f"cannot open {self.description}: {reason(exc)}") from None
        self._pool = AsyncConnectionPool(
            url,
            min_size=min(2, pool_size),
            max_size=pool_size,
            open=False,
            timeout=POOL_TIMEOUT,
            kwargs={"autocommit": True, "row_factory": dict_row},
            name="kiosk-relay",
        )
        self._opening: asyncio.Future[None] | None = None
        self._closed = False
        #: The transactions under way (waiting for a connection, running, or retried), with when each started.
        self._running: dict[asyncio.Task[Any], float] = {}
        self.cluster: ClusterLink | None = PostgresLink(self)

    # -- running transactions

    async def _write(self, transaction: Callable[P, Transaction[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._run(lambda: transaction(*args, **kwargs), write=True)

    async def _read(self, transaction: Callable[P, Transaction[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._run(lambda: transaction(*args, **kwargs), write=False)

    async def _run(self, make: Callable[[], Transaction[T]], *, write: bool) -> T:
        if self._closed:
            raise StorageError("storage is closed")
        if self._opening is None:  # on first use, on the event loop that serves the relay
            self._opening = asyncio.ensure_future(self._pool.open(wait=False))  # connections come up meanwhile
        await asyncio.shield(self._opening)  # a caller who gives up meanwhile must not cancel it for everyone
        task = asyncio.ensure_future(self._attempts(make, write))
        self._running[task] = time.monotonic()
        task.add_done_callback(self._finished)
        # Shielded: the caller may stop waiting, the transaction still ends with its COMMIT or ROLLBACK.
        return await asyncio.shield(task)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._running.pop(task, None)
        if not task.cancelled():
            task.exception()  # retrieved: a caller who gave up is not told, and nothing is logged twice

    async def _attempts(self, make: Callable[[], Transaction[T]], write: bool) -> T:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with self._pool.connection() as connection:
                    if not write:
                        return await drive(connection, make())
                    async with connection.transaction():
                        return await drive(connection, make())
            except _RETRY as exc:
                if attempt == ATTEMPTS:
                    raise StorageError(f"could not store after {ATTEMPTS} attempts: {reason(exc)}") from None
                await asyncio.sleep(random.uniform(0, 0.005 * attempt))
            except PoolTimeout:
                raise StorageError(f"no connection to {self.description} within {POOL_TIMEOUT} s") from None
            except errors.DiskFull as exc:
                raise StorageError(f"no room to write: the database server's disk is full ({reason(exc)})") from None
            except psycopg.Error as exc:
                raise StorageError(f"could not store: {reason(exc)}") from None
        raise AssertionError("unreachable")

    # -- life cycle

    async def probe(self) -> None:
        """The probe row committed through the pool, as every write is. The room left is the server's: its disk
        cannot be seen from here, but a write it has no room for fails with its own error (above)."""
        await self._write(transactions.probe)

    def stalled(self, after: float) -> str | None:
        """A transaction under way for over ``after`` seconds: the server (or a row lock, or the network) holds it."""
        oldest = min(self._running.values(), default=None)
        if oldest is not None and time.monotonic() - oldest > after:
            return f"a transaction has been running for {time.monotonic() - oldest:.0f} s"
        return None

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await asyncio.gather(*self._running, return_exceptions=True)
        if self._opening is not None:
            await self._pool.close()


class PostgresLink:
    """LISTEN/NOTIFY between the instances on one database (a :class:`~kiosk.relay.storage.ClusterLink`)."""

    def __init__(self, storage: PostgresStorage) -> None:
        self._storage = storage

    async def signals(self) -> AsyncIterator[Signal]:
        delay = 0.5
        while not self._storage._closed:
            try:
                connection = await psycopg.AsyncConnection.connect(
                    self._storage.url, autocommit=True, connect_timeout=10
                )
            except psycopg.Error as exc:
                log.warning("cannot listen on %s: %s; again in %.0f s", self._storage.description, reason(exc), delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            try:
                async with connection:
                    await connection.execute(f"LISTEN {ORDERS_CHANNEL}")
                    await connection.execute(f"LISTEN {WORK_CHANNEL}")
                    delay = 0.5
                    yield Signal("resync")  # whatever was sent while nobody listened is unknown
                    while True:
                        async for note in connection.notifies(timeout=LISTEN_CHECK_SECONDS):
                            for signal in _signals(note.channel, note.payload):
                                yield signal
                        await connection.execute("SELECT 1")  # quiet for a while: is the server still there?
            except psycopg.Error as exc:
                log.warning("lost the listening connection to %s: %s", self._storage.description, reason(exc))

    async def send_work(self, keys: Sequence[str]) -> None:
        """All of ``keys`` in one transaction (its payloads delivered together, on its COMMIT)."""
        payloads = _payloads(keys)
        if payloads:
            await self._storage._write(_notify, WORK_CHANNEL, payloads)


def _notify(channel: str, payloads: Sequence[str]) -> Transaction[None]:
    for payload in payloads:
        yield one("SELECT pg_notify(?, ?) AS sent", channel, payload)


def _payloads(keys: Sequence[str]) -> list[str]:
    """Keys one a line, in payloads under PostgreSQL's limit."""
    payloads: list[str] = []
    current: list[str] = []
    size = 0
    for key in keys:
        if current and size + len(key.encode()) + 1 > _PAYLOAD_LIMIT:
            payloads.append("\n".join(current))
            current, size = [], 0
        current.append(key)
        size += len(key.encode()) + 1
    if current:
        payloads.append("\n".join(current))
    return payloads


def _signals(channel: str, payload: str) -> list[Signal]:
    if channel == ORDERS_CHANNEL:
        key, _, version = payload.rpartition(" ")
        with contextlib.suppress(ValueError):
            return [Signal("order", key, int(version))]
        return []
    if channel == WORK_CHANNEL:
        return [Signal("work", key) for key in payload.split("\n") if key]
    return []
