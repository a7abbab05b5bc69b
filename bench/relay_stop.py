"""Stopping benchmark: how long a relay takes to stop while a kiosk holds a long-poll on it.

Two figures, each over ``--rounds`` runs:

- ``kiosk_stop_s``: ``KioskCore.stop()`` of a training kiosk (sandbox and relay embedded) with a sale open and
  its long-poll held: what a clerk waits for after closing the window;
- ``relay_sigterm_s``: from SIGTERM to exit of a ``kiosk-relay serve`` process holding a kiosk's long-poll
  (a systemd restart), with the sandbox as a separate process.

Usage: .venv/bin/python bench/relay_stop.py [--rounds 5]
The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from kiosk.checkout import KioskCore, State
from tests.support.relay import init_relay, order_number, start_relay
from tests.support.sandbox import start_sandbox_process


def log(message: str) -> None:
    sys.stderr.write(f"[stop bench] {message}\n")
    sys.stderr.flush()


def held_long_polls(base_url: str) -> int:
    return int(httpx.get(base_url + "/healthz", timeout=10).json()["long_polls"])


def wait_held(base_url: str) -> None:
    deadline = time.monotonic() + 20
    while held_long_polls(base_url) < 1:
        if time.monotonic() > deadline:
            raise RuntimeError("no long-poll was held")
        time.sleep(0.05)


def kiosk_stop(root: Path) -> float:
    core = KioskCore.training_mode(root)
    try:
        core.start()
        cart = core.new_cart()
        cart.add_code("DRK-001")
        session = core.charge(cart)
        core.wait_for(session.out_trade_no, lambda s: s.state is State.AWAITING_PAYMENT, 20)
        wait_held(core.config.relay_urls[0])
    except BaseException:
        core.stop()
        raise
    started = time.perf_counter()
    core.stop()
    return time.perf_counter() - started


def relay_sigterm(root: Path, sandbox_dir: Path) -> float:
    root.mkdir(parents=True)
    relay = start_relay(init_relay(sandbox_dir, root))
    number = order_number("S")
    headers = relay.kiosk_headers()
    with httpx.Client(base_url=relay.base_url, headers=headers, timeout=60) as kiosk:
        created = kiosk.post("/v1/orders", json={"out_trade_no": number, "description": "豆浆", "amount_fen": 300})
        created.raise_for_status()
        version = created.json()["version"]
        poll = threading.Thread(target=lambda: kiosk.get(f"/v1/orders/{number}", params={"since": version, "wait": 30}))
        poll.start()
        wait_held(relay.base_url)
        process = relay.server.process
        started = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        elapsed = time.perf_counter() - started
        poll.join(30)
    relay.stop()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="kiosk-stop-bench-"))
    stops = [kiosk_stop(root / f"training-{n}") for n in range(args.rounds)]
    log(f"KioskCore.stop(): {[round(s, 3) for s in stops]}")
    sandbox = start_sandbox_process(root / "sandbox")
    try:
        terms = [relay_sigterm(root / f"relay-{n}", sandbox.state_dir) for n in range(args.rounds)]
    finally:
        sandbox.stop()
    log(f"kiosk-relay serve SIGTERM: {[round(s, 3) for s in terms]}")
    result = {
        "bench": "relay_stop",
        "rounds": args.rounds,
        "kiosk_stop_s": {"median": round(sorted(stops)[len(stops) // 2], 3), "max": round(max(stops), 3)},
        "relay_sigterm_s": {"median": round(sorted(terms)[len(terms) // 2], 3), "max": round(max(terms), 3)},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
