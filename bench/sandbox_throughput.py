"""Sandbox throughput: Native orders created per second, and notification deliveries per second.

Runs the sandbox as a real process (``python -m kiosk.sandbox``), signs requests as the merchant, and counts
notifications arriving at a receiver on 127.0.0.1. Prints progress, then one JSON object as the last line.

    .venv/bin/python bench/sandbox_throughput.py [--orders 400] [--notifications 200] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.sandbox import load_info
from kiosk.serving import serve_in_thread
from kiosk.wechatpay.signing import Signer


def start_sandbox(state_dir: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.sandbox", "--host", "127.0.0.1", "--port", "0", "--state-dir", str(state_dir)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    ready = json.loads(process.stdout.readline())
    return process, str(ready["base_url"])


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.last = 0.0
        self.lock = threading.Lock()

    async def endpoint(self, request: Request) -> Response:
        await request.body()
        with self.lock:
            self.count += 1
            self.last = time.perf_counter()
        return Response(status_code=204)


async def run(
    args: argparse.Namespace, base_url: str, info: dict[str, Any], notify_url: str, counter: Counter
) -> dict[str, Any]:
    key = serialization.load_pem_private_key(Path(info["merchant_private_key"]).read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signer = Signer(info["mchid"], info["merchant_cert_serial"], key)
    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def create(url_for_notify: str) -> str:
            body = json.dumps(
                {
                    "appid": info["appid"],
                    "mchid": info["mchid"],
                    "description": "bench",
                    "out_trade_no": "B" + secrets.token_hex(12),
                    "notify_url": url_for_notify,
                    "amount": {"total": 1},
                },
                separators=(",", ":"),
            ).encode()
            path = "/v3/pay/transactions/native"
            auth = signer.authorization(
                "POST", path, body, timestamp=int(time.time()), nonce=secrets.token_hex(16).upper()
            )
            headers = {"Authorization": auth.header(), "User-Agent": "bench", "Content-Type": "application/json"}
            response = await client.post(path, content=body, headers=headers)
            response.raise_for_status()
            return str(response.json()["code_url"])

        async def batch(n: int, url_for_notify: str) -> list[str]:
            semaphore = asyncio.Semaphore(args.concurrency)

            async def one() -> str:
                async with semaphore:
                    return await create(url_for_notify)

            return await asyncio.gather(*(one() for _ in range(n)))

        await batch(20, "http://127.0.0.1:9/n")  # warm-up: connections, caches
        start = time.perf_counter()
        await batch(args.orders, "http://127.0.0.1:9/n")
        order_seconds = time.perf_counter() - start
        print(f"orders: {args.orders} in {order_seconds:.2f}s", file=sys.stderr)

        codes = await batch(args.notifications, notify_url)
        semaphore = asyncio.Semaphore(args.concurrency)

        async def pay(code_url: str) -> None:
            async with semaphore:
                (await client.post("/sandbox/v1/payments", json={"code_url": code_url})).raise_for_status()

        start = time.perf_counter()
        await asyncio.gather(*(pay(c) for c in codes))
        deadline = time.monotonic() + 60
        while counter.count < args.notifications and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        notify_seconds = counter.last - start
        print(f"notifications: {counter.count} in {notify_seconds:.2f}s", file=sys.stderr)
    return {
        "bench": "sandbox_throughput",
        "orders": args.orders,
        "orders_per_second": round(args.orders / order_seconds, 1),
        "notifications": counter.count,
        "notification_deliveries_per_second": round(counter.count / notify_seconds, 1),
        "concurrency": args.concurrency,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--notifications", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        process, base_url = start_sandbox(Path(tmp) / "state")
        counter = Counter()
        receiver = serve_in_thread(Starlette(routes=[Route("/notify", counter.endpoint, methods=["POST"])]))
        try:
            result = run(args, base_url, load_info(Path(tmp) / "state"), receiver.base_url + "/notify", counter)
            summary = asyncio.run(result)
            sys.stderr.flush()
            print(json.dumps(summary), flush=True)
        finally:
            receiver.stop()
            process.terminate()
            process.wait(10)


if __name__ == "__main__":
    main()
