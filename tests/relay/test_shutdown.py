"""Stopping the relay (kiosk/relay/app.py ``stopping``, kiosk/serving.py): held long-polls answer at once with the
order as it stands, requests in progress still finish, and nothing waits for the graceful timeout to cut a
long-poll off. On a real relay process (SIGTERM) and on the relay embedded as training mode runs it, on both
storage engines."""

from __future__ import annotations

import asyncio
import signal
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import h11
import httpx
import pytest

from kiosk.relay import load_config
from tests.support.relay import (
    ENGINES,
    FAST,
    NotificationSigner,
    RelayCredentials,
    RelayProcess,
    database_for,
    embedded_relay,
    init_relay,
    order_number,
    query_storage,
    start_relay,
)
from tests.support.sandbox import SandboxProcess
from tests.support.systemd import received
from tests.support.waiting import wait_until

#: What uvicorn logs when its graceful timeout cuts requests off: a stop that had to wait for it.
CUT_OFF = "timeout graceful shutdown exceeded"


@pytest.fixture(params=ENGINES)
def credentials(request: pytest.FixtureRequest, sandbox: SandboxProcess, tmp_path: Path) -> RelayCredentials:
    return init_relay(sandbox.state_dir, tmp_path, settings=FAST, storage_url=database_for(request.param, request))


@pytest.fixture
def relay(credentials: RelayCredentials, tmp_path: Path) -> Iterator[tuple[RelayProcess, Path]]:
    """``kiosk-relay serve`` with its log in a file."""
    log_path = tmp_path / "relay.log"
    with open(log_path, "w", encoding="utf-8") as log:
        process = start_relay(credentials, stderr=log)
    yield process, log_path
    process.stop()


def long_polls(base_url: str) -> int:
    return int(httpx.get(base_url + "/healthz", timeout=10).json()["long_polls"])


def create(kiosk: httpx.Client, description: str = "豆浆") -> dict[str, Any]:
    body = {"out_trade_no": order_number("S"), "description": description, "amount_fen": 300}
    created = kiosk.post("/v1/orders", json=body)
    assert created.status_code == 200, created.text
    order: dict[str, Any] = created.json()
    return order


class HeldRequest:
    """A request whose head and all but the last byte of its body are sent: the relay is at work on it (reading
    its body) until :meth:`finish` sends that byte and reads the answer."""

    def __init__(self, relay: RelayProcess, path: str, headers: dict[str, str], body: bytes) -> None:
        parts = urlsplit(relay.base_url)
        assert parts.hostname is not None and parts.port is not None
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=20)
        self.conn = h11.Connection(h11.CLIENT)
        fields = [("Host", "relay"), ("Content-Length", str(len(body))), *headers.items()]
        self.sock.sendall(self.conn.send(h11.Request(method="POST", target=path, headers=fields)) or b"")
        self.sock.sendall(self.conn.send(h11.Data(data=body[:-1])) or b"")
        self.last = body[-1:]

    def finish(self) -> tuple[int, bytes]:
        self.sock.sendall(self.conn.send(h11.Data(data=self.last)) or b"")
        self.sock.sendall(self.conn.send(h11.EndOfMessage()) or b"")
        status, content = 0, b""
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                self.conn.receive_data(self.sock.recv(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                content += bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self.sock.close()
                return status, content


def test_sigterm_answers_a_held_long_poll_with_the_order_as_it_stands_and_finishes_requests_in_progress(
    relay: tuple[RelayProcess, Path], sandbox: SandboxProcess
) -> None:
    process, log_path = relay
    signer = NotificationSigner(sandbox.info)
    with httpx.Client(base_url=process.base_url, headers=process.kiosk_headers(), timeout=60) as kiosk:
        waited = create(kiosk)
        paid = create(kiosk, "油条")
        with ThreadPoolExecutor(1) as pool:
            poll = pool.submit(
                kiosk.get, f"/v1/orders/{waited['out_trade_no']}", params={"since": waited["version"], "wait": 30}
            )
            wait_until(lambda: long_polls(process.base_url) == 1, message="the long-poll is held")
            # A create and a notification under way when the relay is told to stop.
            number = order_number("F")
            creating = HeldRequest(
                process,
                "/v1/orders",
                {**process.kiosk_headers(), "Content-Type": "application/json"},
                httpx.Request(
                    "POST", "/", json={"out_trade_no": number, "description": "包子", "amount_fen": 200}
                ).read(),
            )
            headers, body = signer.signed(signer.transaction(paid["out_trade_no"], 300))
            notifying = HeldRequest(process, "/wechatpay/notify", headers, body)
            # Answered only after the relay has read what was sent before it: both requests have reached the app.
            assert httpx.get(process.base_url + "/healthz", timeout=10).status_code == 200
            process.server.process.send_signal(signal.SIGTERM)
            answer = poll.result(timeout=30)  # the graceful timeout would have cut it off with no answer at all

        # The answer a wait that ran out brings: the order as it stands, same version. The kiosk polls again.
        assert answer.status_code == 200, answer.text
        assert {key: answer.json()[key] for key in ("out_trade_no", "state", "version", "code_url")} == {
            key: waited[key] for key in ("out_trade_no", "state", "version", "code_url")
        }
        created_status, created_body = creating.finish()
        notified_status, _ = notifying.finish()
    assert created_status == 200, created_body
    assert httpx.Response(200, content=created_body).json()["out_trade_no"] == number
    assert notified_status == 204
    # uvicorn raises the signal again once it has stopped in order, so the process ends as killed by it.
    assert process.server.process.wait(30) == -signal.SIGTERM
    assert CUT_OFF not in log_path.read_text("utf-8")
    storage = load_config(process.config_path).storage.where
    rows = query_storage(
        storage, "SELECT out_trade_no, state FROM orders WHERE out_trade_no IN (?, ?)", (number, paid["out_trade_no"])
    )
    assert sorted(rows) == sorted([(number, "NOTPAY"), (paid["out_trade_no"], "SUCCESS")])


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_relay_tells_systemd_it_is_stopping_as_it_starts_to_stop(
    credentials: RelayCredentials, tmp_path: Path, stop: signal.Signals
) -> None:
    """``STOPPING=1`` goes when the server starts to stop: after it, uvicorn raises SIGTERM again, which ends the
    process before anything could be sent on the way out (it never went, on SIGTERM)."""
    notify_socket = tmp_path / "notify"
    messages: list[str] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(str(notify_socket))
        relay = start_relay(credentials, env={"NOTIFY_SOCKET": str(notify_socket)})
        try:
            wait_until(lambda: "READY=1" in received(systemd, messages), 10, "READY")
            relay.server.process.send_signal(stop)
            code = relay.server.process.wait(30)
            received(systemd, messages)
        finally:
            relay.kill()
    assert code == -stop  # stopped as the signal asks, as ever
    assert messages.count("READY=1") == 1 and messages.count("STOPPING=1") == 1 and messages[-1] == "STOPPING=1"


def test_long_polls_arriving_while_the_relay_stops_answer_at_once(credentials: RelayCredentials) -> None:
    with embedded_relay(credentials.config_path) as relay:
        headers = {"Authorization": f"Bearer {credentials.kiosk_token}"}
        with httpx.Client(base_url=relay.base_url, headers=headers, timeout=10) as kiosk:
            order = create(kiosk)
            asyncio.run_coroutine_threadsafe(stopping(relay.app), relay.loop).result(10)
            # Well within the client's 10 s, though the relay may hold a long-poll for 30.
            answer = kiosk.get(f"/v1/orders/{order['out_trade_no']}", params={"since": order["version"], "wait": 30})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["state"], answer.json()["version"]) == (order["state"], order["version"])


async def stopping(app: Any) -> None:
    app.stopping()  # as the server calls it when it starts to stop; here without stopping it
