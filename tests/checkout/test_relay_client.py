"""The relay client's HTTP contract and error mapping, against an in-process fake relay (httpx MockTransport)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from kiosk.checkout.events import ConnectionChanged, IdentityMismatch, KioskIdentity
from kiosk.checkout.relay_client import (
    Backoff,
    RelayAnswerInvalid,
    RelayClient,
    RelayNotFound,
    RelayRejected,
    RelayUnavailable,
)
from kiosk.clock import CHINA_TZ
from tests.checkout.answers import order_answer, refund_answer

TOKEN = "kiosk-token-secret"


class FakeRelay:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.answer: httpx.Response | Exception = httpx.Response(200, json={})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.fixture
def fake() -> FakeRelay:
    return FakeRelay()


Seen = list[tuple[bool, str | None, bool]]


def recorder(seen: Seen) -> Callable[[ConnectionChanged], None]:
    return lambda event: seen.append((event.online, event.error, event.authorized))


@pytest.fixture
def seen() -> Seen:
    return []


@pytest.fixture
def client(fake: FakeRelay, seen: Seen) -> RelayClient:
    return RelayClient(
        "http://relay.test/",
        TOKEN,
        manager_token="manager-secret",
        transport=httpx.MockTransport(fake),
        on_connectivity=recorder(seen),
    )


def test_create_sends_the_contract_fields(client: RelayClient, fake: FakeRelay) -> None:
    fake.answer = httpx.Response(200, json=order_answer("S-K-1", code_url="weixin://x"))
    created = client.create_order("S-K-1", "可乐", 350, datetime(2026, 11, 29, 12, 5, 0, 123, tzinfo=CHINA_TZ))
    assert (created.code_url, created.state, created.version) == ("weixin://x", "NOTPAY", 1)
    assert created.expires_at == datetime(2026, 11, 29, 12, 5, tzinfo=CHINA_TZ)
    request = fake.requests[0]
    assert (request.method, request.url.path) == ("POST", "/v1/orders")
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.content) == {
        "out_trade_no": "S-K-1",
        "description": "可乐",
        "amount_fen": 350,
        "time_expire": "2026-11-29T12:05:00+08:00",
    }


def test_long_poll_and_requery_parameters(client: RelayClient, fake: FakeRelay) -> None:
    paid_at = datetime(2026, 11, 29, 12, 1, tzinfo=CHINA_TZ)
    answer = order_answer("S-K-1", "SUCCESS", 3, transaction_id="42", success_time=paid_at, payer_total_fen=350)
    fake.answer = httpx.Response(200, json=answer)
    status = client.get_order("S-K-1", since=2, wait=20)
    assert (status.state, status.version, status.transaction_id, status.payer_total_fen) == ("SUCCESS", 3, "42", 350)
    assert dict(fake.requests[0].url.params) == {"since": "2", "wait": "20"}
    client.get_order("S-K-1", refresh=True)
    assert dict(fake.requests[1].url.params) == {"refresh": "1"}
    client.get_order("S-K-1", since=0, wait=99)
    assert fake.requests[2].url.params["wait"] == "30"  # capped at the relay's maximum


def test_close_and_refunds_use_the_right_credentials(client: RelayClient, fake: FakeRelay) -> None:
    fake.answer = httpx.Response(200, json=order_answer("S-K-1", "CLOSED", 2))
    assert client.close_order("S-K-1").state == "CLOSED"
    assert fake.requests[0].url.path == "/v1/orders/S-K-1/close"
    fake.answer = httpx.Response(200, json=refund_answer("S-K-1R1"))
    refund = client.create_refund("S-K-1", "S-K-1R1", 100, "退货")
    assert (refund.status, refund.amount_fen) == ("PROCESSING", 100)
    assert fake.requests[1].headers["Authorization"] == "Bearer manager-secret"
    assert json.loads(fake.requests[1].content) == {"out_refund_no": "S-K-1R1", "amount_fen": 100, "reason": "退货"}
    client.get_refund("S-K-1R1", refresh=True)
    assert (fake.requests[2].url.path, dict(fake.requests[2].url.params)) == ("/v1/refunds/S-K-1R1", {"refresh": "1"})


def test_refunds_need_a_manager_credential(fake: FakeRelay) -> None:
    client = RelayClient("http://relay.test", TOKEN, transport=httpx.MockTransport(fake))
    with pytest.raises(RelayRejected) as caught:
        client.create_refund("S-K-1", "S-K-1R1", 100, "x")
    assert caught.value.status == 403 and fake.requests == []


@pytest.mark.parametrize(
    "response, kind, online",
    [
        (httpx.Response(404, json={"error": {"code": "not_found", "message": "no such order"}}), RelayNotFound, True),
        (httpx.Response(409, json={"error": {"code": "out_trade_no_used", "message": "x"}}), RelayRejected, True),
        (
            httpx.Response(503, json={"error": {"code": "wechatpay_unavailable", "message": "x"}}),
            RelayUnavailable,
            True,
        ),
        (
            httpx.Response(502, json={"error": {"code": "wechatpay_error", "message": "x", "retryable": False}}),
            RelayRejected,
            True,
        ),
        (httpx.Response(502, text="bad gateway"), RelayUnavailable, False),
        (httpx.Response(404, text="<h1>Not Found</h1>"), RelayAnswerInvalid, True),  # a proxy: not "no such order"
        (httpx.Response(409, json={"error": {"code": "new_code", "message": "x"}}), RelayAnswerInvalid, True),
        (httpx.Response(429, json={"error": {"code": "rate_limited", "message": "slow down"}}), RelayUnavailable, True),
        (httpx.ConnectError("refused"), RelayUnavailable, False),
        (httpx.ReadTimeout("slow"), RelayUnavailable, False),
    ],
)
def test_errors_are_mapped(
    client: RelayClient,
    fake: FakeRelay,
    seen: Seen,
    response: httpx.Response | Exception,
    kind: type[Exception],
    online: bool,
) -> None:
    fake.answer = response
    with pytest.raises(kind) as caught:
        client.get_order("S-K-1")
    assert type(caught.value) is kind
    assert seen[-1][0] is online and client.online is online
    assert TOKEN not in str(caught.value) and TOKEN not in repr(client)
    if isinstance(caught.value, RelayRejected):
        assert caught.value.code in {"not_found", "out_trade_no_used", "wechatpay_error"}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"state": None}, "state is required"),  # never read as NOTPAY
        ({"version": None}, "version is required"),
        ({"state": "ACCEPT"}, "state 'ACCEPT' is not a known TradeState"),
        ({"version": "3"}, "version must be an integer"),
        ({"success_time": "yesterday"}, "success_time must be RFC 3339"),
        ({"surprise": 1}, "surprise is not a field of OrderView"),
        ({"out_trade_no": "S-K-2"}, "the relay answered S-K-2"),
    ],
)
def test_an_answer_outside_the_contract_is_an_error_never_a_default(
    client: RelayClient, fake: FakeRelay, change: dict[str, object], named: str
) -> None:
    answer = {**order_answer("S-K-1", "SUCCESS", 3), **change}
    fake.answer = httpx.Response(200, json={k: v for k, v in answer.items() if v is not None})
    with pytest.raises(RelayAnswerInvalid, match=named):
        client.get_order("S-K-1")


def test_a_refund_without_its_status_is_an_error(client: RelayClient, fake: FakeRelay) -> None:
    answer = refund_answer("S-K-1R1")
    del answer["status"]
    fake.answer = httpx.Response(200, json=answer)
    with pytest.raises(RelayAnswerInvalid, match="status is required"):  # never read as PROCESSING
        client.get_refund("S-K-1R1")


def test_connectivity_is_reported_on_change_only(client: RelayClient, fake: FakeRelay, seen: Seen) -> None:
    fake.answer = httpx.Response(200, json={"kiosk_id": "K1", "store_id": "S1"})
    assert client.online is None and client.authorized is None
    assert client.ping() and client.ping()
    fake.answer = httpx.ConnectError("down")
    assert not client.ping() and not client.ping()
    fake.answer = httpx.Response(200, json={"kiosk_id": "K1", "store_id": "S1"})
    assert client.ping()
    assert [online for online, _, _ in seen] == [True, False, True]
    assert all(authorized for _, _, authorized in seen)


def test_the_heartbeat_carries_the_token_and_a_refused_one_is_not_authorized(
    client: RelayClient, fake: FakeRelay, seen: Seen
) -> None:
    fake.answer = httpx.Response(200, json={"kiosk_id": "K1", "store_id": "S1"})
    assert client.ping()
    request = fake.requests[-1]
    assert (request.method, request.url.path, request.headers["Authorization"]) == (
        "GET",
        "/v1/ping",
        f"Bearer {TOKEN}",
    )
    fake.answer = httpx.Response(401, json={"error": {"code": "unauthorized", "message": "a valid kiosk token…"}})
    assert not client.ping() and not client.ping()
    assert (client.online, client.authorized) == (True, False)  # reachable, but refusing this kiosk
    fake.answer = httpx.ConnectError("down")
    assert not client.ping()
    fake.answer = httpx.Response(200, json={"kiosk_id": "K1", "store_id": "S1"})
    assert client.ping()
    assert seen == [
        (True, None, True),
        (True, "the relay refused this kiosk's token", False),
        (False, "relay unreachable (ConnectError)", False),
        (True, None, True),
    ]


@pytest.mark.parametrize(
    "answer",
    [{"kiosk_id": "K1"}, {"kiosk_id": "K1", "store_id": 7}, {"status": "ok"}, ["K1", "S1"]],
)
def test_a_ping_answer_outside_the_contract_is_no_heartbeat(
    client: RelayClient, fake: FakeRelay, answer: object
) -> None:
    fake.answer = httpx.Response(200, json=answer)
    assert not client.ping()


def test_a_refused_manager_token_says_nothing_about_the_kiosks(
    client: RelayClient, fake: FakeRelay, seen: Seen
) -> None:
    fake.answer = httpx.Response(200, json={"kiosk_id": "K1", "store_id": "S1"})
    assert client.ping()
    fake.answer = httpx.Response(401, json={"error": {"code": "unauthorized", "message": "no"}})
    with pytest.raises(RelayRejected):
        client.get_refund("R1")
    assert client.authorized is True and seen == [(True, None, True)]


THIS_KIOSK = KioskIdentity("S1", "K1")


def identified_client(fake: FakeRelay, events: list[ConnectionChanged]) -> RelayClient:
    """A client told which kiosk it is (as KioskCore tells it, from kiosk.toml)."""
    return RelayClient(
        "http://relay.test",
        TOKEN,
        identity=THIS_KIOSK,
        transport=httpx.MockTransport(fake),
        on_connectivity=events.append,
    )


def test_a_heartbeat_naming_another_kiosk_is_a_mismatch_until_one_names_this_kiosk_again(
    fake: FakeRelay, caplog: pytest.LogCaptureFixture
) -> None:
    events: list[ConnectionChanged] = []
    client = identified_client(fake, events)
    fake.answer = httpx.Response(200, json={"kiosk_id": "K3", "store_id": "S2"})
    with caplog.at_level("WARNING", logger="kiosk.checkout.relay_client"):
        assert not client.ping() and not client.ping()  # reachable and taking the token, but as another kiosk
        mismatch = IdentityMismatch(THIS_KIOSK, KioskIdentity("S2", "K3"))
        assert (client.online, client.authorized, client.mismatch) == (True, True, mismatch)
        fake.answer = httpx.ConnectError("down")
        assert not client.ping()
        assert client.mismatch == mismatch  # sticky: an unreachable relay says nothing about it
        fake.answer = httpx.Response(200, json={"kiosk_id": "K1", "store_id": "S1"})  # relay.toml fixed
        assert client.ping() and client.mismatch is None
    text = "this kiosk is configured as S1/K1, the relay knows its token as S2/K3"
    assert events == [
        ConnectionChanged(True, text, True, mismatch),  # the first answer already says so: never "connected"
        ConnectionChanged(False, "relay unreachable (ConnectError)", True, mismatch),
        ConnectionChanged(True, None, True, None),
    ]
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert warnings == [
        f"{text}: charging is off until kiosk.toml and the relay's relay.toml agree",
        "the relay knows this kiosk's token as S1/K1, as configured: charging is on",
    ]  # once per change, and never the token
    assert TOKEN not in caplog.text


def test_while_mismatched_no_order_is_sent_and_another_stores_404_says_nothing(fake: FakeRelay) -> None:
    client = identified_client(fake, [])
    fake.answer = httpx.Response(200, json={"kiosk_id": "K1", "store_id": "S2"})  # the store renamed on the relay
    assert not client.ping()
    sent = len(fake.requests)
    with pytest.raises(RelayUnavailable, match="waits until this kiosk's identity matches"):
        client.create_order("S1-K1-1", "可乐", 350, datetime(2026, 11, 29, 12, 5, tzinfo=CHINA_TZ))
    with pytest.raises(RelayUnavailable, match="waits"):
        client.charge_code("S1-K1-2", "可乐", 350, "134567890123456789")
    assert len(fake.requests) == sent  # held: retried like an outage, never sent under the wrong name
    # The relay looks only among S2's orders: its 404 is no "no such order" for S1's.
    fake.answer = httpx.Response(404, json={"error": {"code": "not_found", "message": "no such order"}})
    with pytest.raises(RelayUnavailable, match="another store's orders"):
        client.get_order("S1-K1-1")
    with pytest.raises(RelayUnavailable, match="another store's orders"):
        client.close_order("S1-K1-1")
    # The same store under another kiosk's name: the relay still answers for the store's orders.
    fake.answer = httpx.Response(200, json={"kiosk_id": "K9", "store_id": "S1"})
    assert not client.ping()
    fake.answer = httpx.Response(200, json=order_answer("S1-K1-1", "SUCCESS", 3))
    assert client.get_order("S1-K1-1").state == "SUCCESS"
    fake.answer = httpx.Response(404, json={"error": {"code": "not_found", "message": "no such order"}})
    with pytest.raises(RelayNotFound):
        client.get_order("S1-K1-1")


@pytest.mark.parametrize(("answered_as", "sent"), [("K1", True), ("K2", False)])
def test_the_first_order_goes_out_only_once_a_heartbeat_named_this_kiosk(answered_as: str, sent: bool) -> None:
    asked: list[str] = []

    def relay(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        if request.url.path == "/v1/ping":
            return httpx.Response(200, json={"kiosk_id": answered_as, "store_id": "S1"})
        return httpx.Response(200, json=order_answer("S1-K1-1", code_url="weixin://x"))

    client = RelayClient("http://relay.test", TOKEN, identity=THIS_KIOSK, transport=httpx.MockTransport(relay))
    expires = datetime(2026, 11, 29, 12, 5, tzinfo=CHINA_TZ)
    if sent:
        assert client.create_order("S1-K1-1", "可乐", 350, expires).code_url == "weixin://x"
        client.create_order("S1-K1-1", "可乐", 350, expires)
        assert asked == ["/v1/ping", "/v1/orders", "/v1/orders"]  # asked once, before the first
    else:
        with pytest.raises(RelayUnavailable, match="waits until"):
            client.create_order("S1-K1-1", "可乐", 350, expires)
        assert asked == ["/v1/ping"]


def test_backoff_grows_with_jitter_and_a_cap() -> None:
    top = Backoff(base=0.5, cap=8.0, random=lambda: 1.0)
    assert [top.delay(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    bottom = Backoff(base=0.5, cap=8.0, random=lambda: 0.0)
    assert bottom.delay(5) == 0.125  # never a tight loop
    half = Backoff(base=0.5, cap=8.0, random=lambda: 0.5)
    assert half.delay(3) == 2.0
    assert top.delay(10_000) == 8.0


class Instances:
    """Relay instances by host: each answers with its own queue of answers (a response or an exception)."""

    def __init__(self, **answers: list[httpx.Response | Exception]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host.removesuffix(".test")
        self.asked.append(host)
        answer = self.answers[host].pop(0) if len(self.answers[host]) > 1 else self.answers[host][0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def failover_client(instances: Instances, seen: Seen) -> RelayClient:
    return RelayClient(
        ["http://a.test", "http://b.test"],
        TOKEN,
        transport=httpx.MockTransport(instances),
        on_connectivity=recorder(seen),
    )


def test_a_request_the_first_instance_cannot_answer_goes_to_the_next_at_once_and_stays_there(seen: Seen) -> None:
    paid = httpx.Response(200, json=order_answer("S-K-1", "SUCCESS", 2))
    instances = Instances(a=[httpx.RemoteProtocolError("the instance died mid-poll")], b=[paid])
    client = failover_client(instances, seen)
    status = client.get_order("S-K-1", since=1, wait=20)  # a long-poll broken by a dying instance
    assert (status.state, status.version) == ("SUCCESS", 2)
    client.get_order("S-K-1")
    assert instances.asked == ["a", "b", "b"]  # resumed on b with the same since; b first from then on
    assert seen == [(True, None, True)]  # the kiosk stayed online throughout
    assert "a.test" in repr(client) and "b.test" in repr(client)


@pytest.mark.parametrize(
    "bare", [httpx.Response(502, text="bad gateway"), httpx.Response(503), httpx.ConnectError("x")]
)
def test_a_proxys_bare_5xx_or_a_refused_connection_moves_on_to_the_next_instance(
    seen: Seen, bare: httpx.Response | Exception
) -> None:
    instances = Instances(a=[bare], b=[httpx.Response(200, json=order_answer("S-K-1"))])
    assert failover_client(instances, seen).get_order("S-K-1").state == "NOTPAY"
    assert instances.asked == ["a", "b"]


def test_the_relays_own_5xx_is_the_same_on_every_instance_and_is_not_retried_elsewhere(seen: Seen) -> None:
    unavailable = httpx.Response(503, json={"error": {"code": "wechatpay_unavailable", "message": "x"}})
    instances = Instances(a=[unavailable], b=[httpx.Response(200, json=order_answer("S-K-1"))])
    with pytest.raises(RelayUnavailable, match="wechatpay_unavailable"):
        failover_client(instances, seen).get_order("S-K-1")
    assert instances.asked == ["a"]


def test_when_no_instance_answers_the_kiosk_is_offline(seen: Seen) -> None:
    instances = Instances(a=[httpx.ConnectError("x")], b=[httpx.ReadTimeout("y")])
    client = failover_client(instances, seen)
    with pytest.raises(RelayUnavailable, match="ReadTimeout"):
        client.create_order("S-K-1", "可乐", 350, datetime(2026, 11, 29, 12, 5, tzinfo=CHINA_TZ))
    assert instances.asked == ["a", "b"] and client.online is False


class DoorTransport(httpx.HTTPTransport):
    """A real transport that holds each request at the door, after the client let it start and before it
    has a connection: the moment a watcher's long-poll may be in when the kiosk stops."""

    def __init__(self) -> None:
        super().__init__()
        self.at_door = threading.Event()
        self.let_in = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.at_door.set()
        assert self.let_in.wait(10)
        return super().handle_request(request)

    def open_connections(self) -> int:
        return sum(not connection.is_closed() for connection in self._pool.connections)


class PingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the relay

    def do_GET(self) -> None:
        body = json.dumps({"kiosk_id": "kiosk-1", "store_id": "store-1"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_request_under_way_when_the_client_closes_leaves_no_connection_open() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), PingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    transport = DoorTransport()
    client = RelayClient(f"http://127.0.0.1:{server.server_address[1]}", TOKEN, transport=transport)
    answered: list[bool] = []
    heartbeat = threading.Thread(target=lambda: answered.append(client.ping()))
    try:
        heartbeat.start()
        assert transport.at_door.wait(10)
        client.close()  # the kiosk stops while the heartbeat is on its way
        transport.let_in.set()
        heartbeat.join(10)
        assert answered == [True]  # it went through, on a connection opened after the pool was closed
        assert transport.open_connections() == 0  # and that connection was closed with it
        assert client.ping() is False  # later requests are refused as unavailable, never sent
    finally:
        transport.let_in.set()
        server.shutdown()
        server.server_close()


class ConnectTransport(httpx.HTTPTransport):
    """A real transport that runs ``on_connected`` with the new connection's stream once its TCP connect
    is done and before the pool has put it to use: the instant a stop can come at while a request connects."""

    def __init__(self, on_connected: Callable[[Any], None]) -> None:
        super().__init__()
        self.on_connected = on_connected

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        def trace(event: str, info: dict[str, Any]) -> None:
            if event == "connection.connect_tcp.complete":
                self.on_connected(info["return_value"])

        request.extensions["trace"] = trace
        return super().handle_request(request)


def test_a_connection_still_connecting_when_the_client_closes_is_closed_after_its_answer() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), PingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    streams: list[Any] = []

    def stop_now(stream: Any) -> None:
        streams.append(stream)
        client.close()  # the pool lets go of a connection that has no socket yet, as far as it knows

    client = RelayClient(f"http://127.0.0.1:{server.server_address[1]}", TOKEN, transport=ConnectTransport(stop_now))
    try:
        assert client.ping() is True  # the answer still arrives
        [stream] = streams
        assert stream.get_extra_info("socket").fileno() == -1  # and its socket is closed, not left to the GC
    finally:
        server.shutdown()
        server.server_close()
