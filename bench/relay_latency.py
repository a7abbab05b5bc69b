"""Relay benchmark: detection latency, notification throughput, concurrent long-polls, on each storage engine.

Runs the real sandbox and the real relay as processes on 127.0.0.1 and prints progress on stderr and one
JSON object as the last line of stdout. ``sqlite`` is one relay on its SQLite file; ``postgresql`` is two
relay instances on one PostgreSQL database (a real server started for the run, fsync on), where every long-poll
is held by one instance and its order's notification goes to the other, so each answer crosses instances
(the database's NOTIFY wakes the long-poll):

  (a) detection latency: a signed notification is POSTed to the relay while the kiosk long-polls the
      order; latency = long-poll answer time - notification send time; p50/p95 over 200 orders
      (target p95 < 50 ms). Also the end-to-end path through the sandbox (customer pays -> sandbox
      notifies -> long-poll answers) over 50 orders, for context.
  (b) notifications verified, decrypted and stored per second, 50 in flight (split between the
      instances) (target >= 500/s).
  (c) long-polls held at once (1,000 by one SQLite relay; 5,000 across the two instances); detection latency
      p50/p95 over 100 of them (target p95 < 100 ms).
  (d) notifications acknowledged while 60 bill requests for a 100,000-row day are in flight (five bursts:
      the first loads the day from storage, the others from memory; with two instances the requests and the
      notifications alternate between them, so each loads the day from the shared database), p95 of each
      acknowledgement (target < 100 ms). The day is put in the relay's storage before it starts, built by the
      relay's own code (the sandbox has no such day); building it (parse + every answer encoded, on a worker
      thread as the relay does) is timed here too, with the worst stall it causes to an event loop beside it.

Usage: .venv/bin/python bench/relay_latency.py [--engine sqlite|postgresql|both] [--orders 200]
       [--polls 1000] [--cluster-polls 5000] [--notifications 3000] [--bill-rows 100000] [--bill-requests 60]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._stats import percentiles
from bench.reconcile import build_bill
from kiosk.clock import CHINA_TZ
from kiosk.relay import bills, load_config
from kiosk.relay.storage import open_storage
from kiosk.relay.wechat import parse_bill
from tests.support.postgres import running_postgres
from tests.support.relay import (
    NotificationSigner,
    RelayCredentials,
    RelayProcess,
    init_relay,
    order_number,
    start_relay,
)
from tests.support.sandbox import SandboxProcess, start_sandbox_process

#: Bill bursts: the first finds the day in storage, the others in memory.
BURSTS = 5
UNLIMITED = {
    "server": {
        "rate_limit_per_second": 1_000_000,
        "rate_limit_burst": 1_000_000,
        "bill_rate_limit_per_minute": 1_000_000,
        "bill_rate_limit_burst": 1_000_000,
    }
}


def log(message: str) -> None:
    sys.stderr.write(f"[relay bench] {message}\n")
    sys.stderr.flush()


class RawHTTP:
    """A minimal keep-alive HTTP/1.1 connection: the load generator must cost far less CPU than the relay
    it measures (httpx spends several ms of CPU per request, on the same two cores)."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> tuple[int, bytes]:
        if self.writer is None:
            # A deep buffer: a bill answer (megabytes) is read in a few steps, not 64 KiB at a time.
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=1 << 22)
        assert self.reader is not None
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        payload = await self.reader.readexactly(length) if length else b""
        return status, payload

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
            self.writer = None


class Pool:
    """Idle RawHTTP connections to one server, reused across requests."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.idle: list[RawHTTP] = []

    async def request(
        self, method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> tuple[int, bytes]:
        reused = bool(self.idle)
        connection = self.idle.pop() if reused else RawHTTP(self.host, self.port)
        try:
            result = await connection.request(method, target, headers, body)
        except (asyncio.IncompleteReadError, ConnectionError):
            await connection.close()
            if not reused:
                raise
            # uvicorn closes keep-alive connections idle for 5 s: retry once on a fresh one.
            connection = RawHTTP(self.host, self.port)
            result = await connection.request(method, target, headers, body)
        except BaseException:
            await connection.close()
            raise
        self.idle.append(connection)
        return result

    async def close(self) -> None:
        for connection in self.idle:
            await connection.close()
        self.idle.clear()


class Bench:
    """One relay, or several instances of one relay (orders are created on the first; with several, each
    long-poll is held by one instance and its notification sent to the next)."""

    def __init__(self, sandbox: SandboxProcess, relays: list[RelayProcess]) -> None:
        self.sandbox = sandbox
        self.signer = NotificationSigner(sandbox.info)
        self.auth = {**relays[0].kiosk_headers(), "Content-Type": "application/json"}
        self.pools = [Pool(relay.base_url) for relay in relays]
        self.control = httpx.AsyncClient(base_url=sandbox.base_url, timeout=30)

    def other(self, at: int) -> int:
        return (at + 1) % len(self.pools)

    async def close(self) -> None:
        for pool in self.pools:
            await pool.close()
        await self.control.aclose()

    async def create(self, amount_fen: int = 100) -> dict[str, Any]:
        body = {"out_trade_no": order_number("B"), "description": "bench", "amount_fen": amount_fen}
        status, payload = await self.pools[0].request("POST", "/v1/orders", self.auth, json.dumps(body).encode())
        if status != 200:
            raise RuntimeError(f"create: {status} {payload[:200]!r}")
        order: dict[str, Any] = json.loads(payload)
        return order

    async def create_many(self, count: int, concurrency: int = 16) -> list[dict[str, Any]]:
        slots = asyncio.Semaphore(concurrency)

        async def one() -> dict[str, Any]:
            async with slots:
                return await self.create()

        return list(await asyncio.gather(*(one() for _ in range(count))))

    async def poll(self, order: dict[str, Any], wait: float = 25, at: int = 0) -> tuple[dict[str, Any], float]:
        target = f"/v1/orders/{order['out_trade_no']}?since={order['version']}&wait={wait}"
        status, payload = await self.pools[at].request("GET", target, self.auth)
        answered = time.perf_counter()
        if status != 200:
            raise RuntimeError(f"long-poll: {status} {payload[:200]!r}")
        body: dict[str, Any] = json.loads(payload)
        return body, answered

    async def notify(self, headers: dict[str, str], body: bytes, at: int = 0) -> int:
        status, _ = await self.pools[at].request("POST", "/wechatpay/notify", headers, body)
        return status

    async def bill_burst(
        self, managers: ProcessPoolExecutor, day: date, requests: int, orders: list[dict[str, Any]]
    ) -> tuple[list[float], int, float]:
        """(d) ``requests`` bill requests at once, each on its own connection, from another process (sixty
        managers' screens are elsewhere; in this process they would slow down the measuring loop itself), and
        notifications sent two at a time meanwhile (one to each instance, when there are two): the
        acknowledgement times of those sent while the bills were in flight."""
        headers = {**self.auth, "Accept-Encoding": "gzip"}  # what httpx, the manager's client, sends
        addresses = [(pool.host, pool.port) for pool in self.pools]
        target = f"/v1/bills/{day.isoformat()}"
        loop = asyncio.get_running_loop()
        burst = loop.run_in_executor(managers, fetch_bills, addresses, target, headers, requests)
        prepared = iter(
            self.signer.signed(self.signer.transaction(orders[i % len(orders)]["out_trade_no"], 100))
            for i in range(10**9)
        )
        sent_at: list[tuple[float, float]] = []

        async def notifier(at: int) -> None:
            while not burst.done():
                headers, body = next(prepared)
                sent = time.monotonic()
                if await self.notify(headers, body, at=at) != 204:
                    raise RuntimeError("notification not acknowledged during the bill burst")
                sent_at.append((sent, time.monotonic() - sent))
                await asyncio.sleep(0.005)

        _, _, (size, started, ended) = await asyncio.gather(notifier(0), notifier(self.other(0)), burst)
        latencies = [latency for sent, latency in sent_at if started <= sent <= ended]
        return latencies, size, ended - started

    async def waiting(self) -> int:
        held = 0
        for pool in self.pools:
            _, payload = await pool.request("GET", "/healthz")
            held += int(json.loads(payload)["long_polls"])
        return held

    async def until_waiting(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while await self.waiting() < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"fewer than {count} long-polls held after {timeout}s")
            await asyncio.sleep(0.005)

    async def detection(self, orders: list[dict[str, Any]]) -> list[float]:
        """(a) One order at a time: long-poll held, then the notification; time to the answer."""
        latencies: list[float] = []
        for index, order in enumerate(orders):
            at = index % len(self.pools)
            headers, body = self.signer.signed(self.signer.transaction(order["out_trade_no"], order["amount_fen"]))
            polling = asyncio.create_task(self.poll(order, at=at))
            await self.until_waiting(1)
            sent = time.perf_counter()
            status = await self.notify(headers, body, at=self.other(at))
            answer, answered = await polling
            if status != 204 or answer["state"] != "SUCCESS":
                raise RuntimeError(f"notification {status}, state {answer['state']}")
            latencies.append(answered - sent)
        return latencies

    async def through_sandbox(self, count: int) -> list[float]:
        """The whole path: the customer pays at the sandbox, which notifies the relay."""
        latencies: list[float] = []
        for order in await self.create_many(count):  # created on the first: the sandbox notifies that one
            polling = asyncio.create_task(self.poll(order, at=self.other(0)))
            await self.until_waiting(1)
            paid = time.perf_counter()
            response = await self.control.post(
                "/sandbox/v1/payments", json={"code_url": order["code_url"], "result": "SUCCESS"}
            )
            response.raise_for_status()
            answer, answered = await polling
            if answer["state"] != "SUCCESS":
                raise RuntimeError(f"state {answer['state']}")
            latencies.append(answered - paid)
        return latencies

    async def throughput(self, orders: list[dict[str, Any]], count: int, in_flight: int = 50) -> float:
        """(b) Distinct notification ids for known orders: each is verified, decrypted and stored (the first
        for an unpaid order also applies SUCCESS; the rest are recorded and found stale)."""
        prepared = [
            self.signer.signed(self.signer.transaction(orders[i % len(orders)]["out_trade_no"], 100))
            for i in range(count)
        ]
        slots = asyncio.Semaphore(in_flight)
        failures = 0

        async def one(headers: dict[str, str], body: bytes, at: int) -> None:
            nonlocal failures
            async with slots:
                if await self.notify(headers, body, at=at) != 204:
                    failures += 1

        started = time.perf_counter()
        await asyncio.gather(*(one(h, b, i % len(self.pools)) for i, (h, b) in enumerate(prepared)))
        elapsed = time.perf_counter() - started
        if failures:
            raise RuntimeError(f"{failures} notifications not acknowledged")
        return count / elapsed

    async def many_polls(self, count: int, sample: int) -> tuple[list[float], list[dict[str, Any]]]:
        """(c) ``count`` long-polls held at once; notify ``sample`` of them one by one."""
        orders = await self.create_many(count)
        where = {o["out_trade_no"]: index % len(self.pools) for index, o in enumerate(orders)}
        polls = {
            o["out_trade_no"]: asyncio.create_task(self.poll(o, wait=30, at=where[o["out_trade_no"]])) for o in orders
        }
        await self.until_waiting(count, timeout=60)
        log(f"{count} long-polls held")
        latencies: list[float] = []
        for order in orders[:sample]:
            headers, body = self.signer.signed(self.signer.transaction(order["out_trade_no"], order["amount_fen"]))
            sent = time.perf_counter()
            status = await self.notify(headers, body, at=self.other(where[order["out_trade_no"]]))
            answer, answered = await polls[order["out_trade_no"]]
            if status != 204 or answer["state"] != "SUCCESS":
                raise RuntimeError(f"notification {status}, state {answer['state']}")
            latencies.append(answered - sent)
        held_at_end = await self.waiting()
        log(f"{held_at_end} long-polls still held after the sample")
        for task in polls.values():
            task.cancel()
        await asyncio.gather(*polls.values(), return_exceptions=True)
        return latencies, orders


async def run(args: argparse.Namespace, bench: Bench, polls: int, build: dict[str, Any]) -> dict[str, Any]:
    log(f"creating {args.orders} orders")
    orders = await bench.create_many(args.orders)
    log("(a) detection latency")
    detection = percentiles(await bench.detection(orders))
    sandbox_path = percentiles(await bench.through_sandbox(args.sandbox_orders))
    log(f"(c) {polls} concurrent long-polls")
    latencies, open_orders = await bench.many_polls(polls, args.sample)
    many = percentiles(latencies)
    # (b) over (c)'s orders: most are still unpaid, so the first notification for each applies a transition.
    log(f"(b) {args.notifications} notifications")
    rate = await bench.throughput(open_orders, args.notifications)
    log(f"(d) {args.bill_requests} bill requests for a {args.bill_rows}-row day, {BURSTS} times, with notifications")
    during: list[float] = []
    bursts = []
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as managers:
        await asyncio.get_running_loop().run_in_executor(managers, time.monotonic)  # started before measuring
        for _ in range(BURSTS):
            latencies, size, seconds = await bench.bill_burst(managers, bill_day(), args.bill_requests, open_orders)
            during += latencies
            bursts.append(round(seconds, 2))
    in_burst = percentiles(during)
    return {
        "instances": len(bench.pools),
        "detection": detection,
        "sandbox_pay_to_answer": sandbox_path,
        "notifications_per_second": round(rate, 1),
        "concurrent_long_polls": {"held": polls, **many},
        "bill_burst": {
            "rows": args.bill_rows,
            "requests": args.bill_requests,
            "answer_bytes_gzip": size,
            "burst_seconds": bursts,
            "notifications_during": in_burst,
            "build": build,
        },
        "met": {
            "detection": detection.get("p95_ms", 1e9) < 50,
            "throughput": rate >= 500,
            "concurrent": many.get("p95_ms", 1e9) < 100,
            "bills": in_burst.get("p95_ms", 1e9) < 100,
        },
    }


def fetch_bills(
    addresses: list[tuple[str, int]], target: str, headers: dict[str, str], count: int
) -> tuple[int, float, float]:
    """``count`` GETs of ``target`` at once, each on its own connection, spread over ``addresses`` (in a process
    of its own): the size of an answer, and when (``time.monotonic``, the same clock in every process) the first
    was sent and the last answer was in."""

    async def burst() -> tuple[int, float, float]:
        sizes: list[int] = []

        async def one(host: str, port: int) -> None:
            connection = RawHTTP(host, port)
            try:
                status, payload = await connection.request("GET", target, headers)
            finally:
                await connection.close()
            if status != 200:
                raise RuntimeError(f"bill: {status} {payload[:200]!r}")
            sizes.append(len(payload))

        started = time.monotonic()
        await asyncio.gather(*(one(*addresses[n % len(addresses)]) for n in range(count)))
        return sizes[0], started, time.monotonic()

    return asyncio.run(burst())


def bill_day() -> date:
    """A past day the relay serves bills for (it refuses today and the future)."""
    return datetime.now(CHINA_TZ).date() - timedelta(days=1)


def seed_bill(credentials: RelayCredentials, rows: int) -> dict[str, Any]:
    """Put a ``rows``-row day into the relay's storage as the relay would after downloading it, timing the build
    (parse and encode, on a worker thread) and the worst stall it causes to an event loop running beside it."""
    data = build_bill(rows)
    day = bill_day()

    async def build() -> tuple[float, list[float]]:
        lags: list[float] = []
        building = True

        async def ticker() -> None:
            while building:
                before = time.perf_counter()
                await asyncio.sleep(0.001)
                lags.append(time.perf_counter() - before - 0.001)

        watch = asyncio.create_task(ticker())
        started = time.perf_counter()
        bill = await asyncio.to_thread(parse_bill, data)
        built = await asyncio.to_thread(bills.build, bill, day, credentials.store_id, None, [credentials.store_id])
        seconds = time.perf_counter() - started
        building = False
        await watch
        storage = open_storage(load_config(credentials.config_path).storage.where)
        try:
            await storage.cache_bills(day, "ALL", built.kept, at=datetime.now(CHINA_TZ))
        finally:
            await storage.aclose()
        return seconds, lags

    seconds, lags = asyncio.run(build())
    return {"file_bytes": len(data), "seconds": round(seconds, 2), "loop_stall_max_ms": round(max(lags) * 1000, 1)}


def measure(args: argparse.Namespace, root: Path, engine: str) -> dict[str, Any]:
    """Start the sandbox and the relay (one on SQLite, or two on one PostgreSQL database) and measure them."""
    with contextlib.ExitStack() as stack:
        sandbox = start_sandbox_process(root / engine / "sandbox")
        stack.callback(sandbox.stop)
        if engine == "sqlite":
            credentials = init_relay(sandbox.state_dir, root / engine, settings=UNLIMITED)
            count, polls = 1, args.polls
        else:
            server = stack.enter_context(running_postgres())
            url = server.url(server.create_database())
            credentials = init_relay(sandbox.state_dir, root / engine, settings=UNLIMITED, storage_url=url)
            count, polls = 2, args.cluster_polls
        log(f"building a {args.bill_rows}-row day for the relay's storage")
        build = seed_bill(credentials, args.bill_rows)
        relays: list[RelayProcess] = []
        for _ in range(count):  # the same relay.toml, the same database
            relay = start_relay(credentials)
            stack.callback(relay.stop)
            relays.append(relay)
        bench = Bench(sandbox, relays)

        async def go() -> dict[str, Any]:
            try:
                return await run(args, bench, polls, build)
            finally:
                await bench.close()

        log(f"{engine}: {count} relay instance(s)")
        return asyncio.run(go())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--sandbox-orders", type=int, default=50)
    parser.add_argument("--notifications", type=int, default=3000)
    parser.add_argument("--polls", type=int, default=1000, help="long-polls held by the SQLite relay")
    parser.add_argument("--cluster-polls", type=int, default=5000, help="long-polls held across two instances")
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--bill-rows", type=int, default=100_000)
    parser.add_argument("--bill-requests", type=int, default=60)
    args = parser.parse_args()
    # Every held long-poll is a socket here too.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    result: dict[str, Any] = {
        "bench": "relay_latency",
        "targets": {
            "detection_p95_ms": 50,
            "notifications_per_second": 500,
            "concurrent_p95_ms": 100,
            "notification_during_bills_p95_ms": 100,
        },
    }
    with tempfile.TemporaryDirectory(prefix="relay-bench-") as temp:
        for engine in engines:
            result[engine] = measure(args, Path(temp), engine)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
