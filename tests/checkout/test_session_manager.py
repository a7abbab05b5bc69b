"""The session manager's write-ahead rules, with an in-process fake relay (httpx MockTransport)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from kiosk.checkout import CoreError, KioskCore, SessionChanged, State
from kiosk.checkout.catalogue import sample_catalogue
from kiosk.checkout.config import KioskConfig, StoreInfoConfig
from kiosk.checkout.events import EventBus
from kiosk.checkout.relay_client import Backoff
from tests.checkout.answers import order_answer
from tests.checkout.conftest import MovableClock, Recorder, wait_until


class FakeRelay:
    """Just enough of the relay's kiosk API; ``down`` makes every request fail to connect."""

    def __init__(self, core_box: list[KioskCore]):
        self.core_box = core_box
        self.down = False
        self.reject_create = False
        self.creates: list[str] = []
        self.closes: list[str] = []
        self.journaled_before_create: list[bool] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("relay down")
        path = request.url.path
        if path == "/v1/ping":
            return httpx.Response(200, json={"kiosk_id": "K1", "store_id": "S1"})
        if path == "/v1/orders" and request.method == "POST":
            body = json.loads(request.content)
            otn = body["out_trade_no"]
            core = self.core_box[0]
            row = core.journal.order(otn)
            with self.lock:
                self.creates.append(otn)
                self.journaled_before_create.append(
                    row is not None and any(c.kind == "create" for c in core.journal.pending_commands(otn))
                )
            if self.reject_create:
                return httpx.Response(400, json={"error": {"code": "invalid_request", "message": "bad description"}})
            return httpx.Response(200, json=order_answer(otn, code_url=f"weixin://pay/{otn}"))
        if path.endswith("/close"):
            otn = path.split("/")[3]
            with self.lock:
                self.closes.append(otn)
            if otn not in self.creates:
                return httpx.Response(404, json={"error": {"code": "not_found", "message": "no such order"}})
            return httpx.Response(200, json=order_answer(otn, "CLOSED", 2))
        if path.startswith("/v1/orders/"):
            threading.Event().wait(0.05)  # a short long-poll
            otn = path.split("/")[3]
            return httpx.Response(200, json=order_answer(otn))
        return httpx.Response(404, json={"error": {"code": "not_found", "message": path}})


class IdleCounter:
    """The workers' interruptible sleep, counted: a test can wait for "the commander went round N times"."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, event: threading.Event, seconds: float) -> bool:
        with self._lock:
            self.calls += 1
        return event.wait(min(seconds, 0.05))


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[KioskCore, FakeRelay, MovableClock, Recorder, IdleCounter]]:
    box: list[KioskCore] = []
    relay = FakeRelay(box)
    clock = MovableClock()
    config = KioskConfig(
        relay_urls=("http://relay.test",),
        relay_token="token",
        store=StoreInfoConfig("S1", "店", "路"),
        kiosk_id="K1",
        data_dir=tmp_path,
    )
    idle = IdleCounter()
    core = KioskCore(
        config,
        clock=clock,
        transport=httpx.MockTransport(relay),
        backoff=Backoff(0.02, 0.1),
        wait_seconds=1,
        sleep=idle,
    )
    box.append(core)
    recorder = Recorder()
    core.subscribe(recorder)
    core.start()
    yield core, relay, clock, recorder, idle
    core.stop()


def charge(core: KioskCore) -> str:
    cart = core.new_cart()
    cart.add_code("DRK-001")
    return core.charge(cart).out_trade_no


def test_the_order_is_journaled_before_the_relay_is_called(setup: tuple) -> None:  # type: ignore[type-arg]
    core, relay, _, _, _ = setup
    otn = charge(core)
    core.wait_for(otn, lambda s: s.state is State.AWAITING_PAYMENT, 5)
    assert relay.creates == [otn] and relay.journaled_before_create == [True]


def test_every_retry_uses_the_same_out_trade_no(setup: tuple) -> None:  # type: ignore[type-arg]
    core, relay, _, recorder, _ = setup
    relay.down = True
    otn = charge(core)
    core.wait_for(otn, lambda s: s.state is State.PENDING_CREATION, 5)
    wait_until(lambda: core.journal.pending_commands(otn)[0].attempts >= 3, message="three failed attempts")
    relay.down = False
    core.wait_for(otn, lambda s: s.state is State.AWAITING_PAYMENT, 5)
    assert set(relay.creates) == {otn}
    assert core.journal.count_orders() == 1
    assert [e.session.state for e in recorder.of(SessionChanged)][:3] == [
        State.CREATING,
        State.PENDING_CREATION,
        State.AWAITING_PAYMENT,
    ]


def test_a_rejected_order_fails_visibly(setup: tuple) -> None:  # type: ignore[type-arg]
    core, relay, _, recorder, _ = setup
    relay.reject_create = True
    otn = charge(core)
    failed = core.wait_for(otn, lambda s: s.state is State.FAILED, 5)
    assert failed.settled and failed.last_error and "bad description" in failed.last_error
    assert any(e.out_trade_no == otn for e in recorder.of(CoreError))
    assert core.journal.pending_commands() == []


def test_no_create_too_close_to_expiry_it_expires_instead(setup: tuple) -> None:  # type: ignore[type-arg]
    core, relay, clock, _, idle = setup
    relay.down = True
    otn = charge(core)
    core.wait_for(otn, lambda s: s.state is State.PENDING_CREATION, 5)
    clock.advance(300 - 20)  # 20 s left: the relay would refuse such a time_expire
    turns = idle.calls
    wait_until(lambda: idle.calls >= turns + 3, message="an attempt in flight to finish")
    attempts = core.journal.pending_commands(otn)[0].attempts
    relay.down = False
    turns = idle.calls
    wait_until(lambda: idle.calls >= turns + 5, message="the commander idling five times")
    assert relay.creates == [] and core.journal.pending_commands(otn)[0].attempts == attempts
    clock.advance(21)
    expired = core.wait_for(otn, lambda s: s.settled, 5)
    assert (expired.state, expired.ended_by) == (State.EXPIRED, "expiry")
    assert relay.closes == [otn] and relay.creates == []  # closed anyway (404: it never existed)


def test_countdown_matches_time_expire(setup: tuple) -> None:  # type: ignore[type-arg]
    core, _, clock, _, _ = setup
    otn = charge(core)
    session = core.wait_for(otn, lambda s: s.state is State.AWAITING_PAYMENT, 5)
    # time_expire is whole seconds (RFC 3339), so the window is 300 s cut down to the second.
    assert timedelta(seconds=299) < session.expires_at - session.charged_at <= timedelta(seconds=300)

    def bracketed_countdown() -> tuple[float, float, float]:
        # Real time runs under the movable clock: bracket the reading instead of guessing how slow CI is.
        before = clock.now()
        left = core.seconds_left(session)
        after = clock.now()
        return (session.expires_at - after).total_seconds(), left, (session.expires_at - before).total_seconds()

    low, left, high = bracketed_countdown()
    assert low <= left <= high <= 300
    clock.advance(100)
    low, left_later, high = bracketed_countdown()
    assert low <= left_later <= high <= 200
    assert 100 <= left - left_later < 110  # the 100 s moved, plus however long the lines between took


def test_a_failing_subscriber_does_not_stop_the_others() -> None:
    bus = EventBus()
    seen: list[object] = []

    def broken(event: object) -> None:
        raise RuntimeError("UI bug")

    bus.subscribe(broken)
    unsubscribe = bus.subscribe(seen.append)
    bus.publish(CoreError("x"))
    unsubscribe()
    bus.publish(CoreError("y"))
    assert seen == [CoreError("x")]


def test_an_unsubscribe_returns_only_once_a_delivery_on_another_thread_has_ended() -> None:
    """The window destroys what its callback touches right after unsubscribing: no call may still be running."""
    bus = EventBus()
    inside, release = threading.Event(), threading.Event()
    calls: list[object] = []

    def slow(event: object) -> None:
        calls.append(event)
        inside.set()
        assert release.wait(10)

    unsubscribe = bus.subscribe(slow)
    publisher = threading.Thread(target=bus.publish, args=(CoreError("x"),))
    publisher.start()
    assert inside.wait(10)
    leaving = threading.Thread(target=unsubscribe)
    leaving.start()
    leaving.join(0.3)
    assert leaving.is_alive()  # still waiting for the delivery under way
    release.set()
    leaving.join(10)
    publisher.join(10)
    assert not leaving.is_alive()
    bus.publish(CoreError("y"))
    assert calls == [CoreError("x")]


def test_an_unsubscribe_waits_for_a_delivery_that_still_holds_it_in_its_queue() -> None:
    """Another thread's delivery has not reached this subscriber yet: it must be done with it (and skip it)
    before unsubscribe returns, so that the last reference is never dropped on a core thread."""
    bus = EventBus()
    inside, release = threading.Event(), threading.Event()
    later: list[object] = []

    def first(event: object) -> None:
        inside.set()
        assert release.wait(10)

    bus.subscribe(first)
    unsubscribe_later = bus.subscribe(later.append)
    publisher = threading.Thread(target=bus.publish, args=(CoreError("x"),))
    publisher.start()
    assert inside.wait(10)
    leaving = threading.Thread(target=unsubscribe_later)
    leaving.start()
    leaving.join(0.3)
    assert leaving.is_alive()  # the delivery under way still holds `later.append` in its queue
    release.set()
    leaving.join(10)
    publisher.join(10)
    assert not leaving.is_alive() and later == []  # skipped: it had unsubscribed


def test_a_subscriber_may_unsubscribe_itself_while_it_is_called() -> None:
    bus = EventBus()
    calls: list[object] = []

    def once(event: object) -> None:
        calls.append(event)
        unsubscribe()  # on its own delivery's thread: returns at once

    unsubscribe = bus.subscribe(once)
    bus.publish(CoreError("x"))
    bus.publish(CoreError("y"))
    assert calls == [CoreError("x")]


def test_the_core_imports_no_qt() -> None:
    code = (
        "import sys, kiosk.checkout, kiosk.checkout.app, kiosk.checkout.training, kiosk.journal;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'shiboken6')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    root = Path(__file__).resolve().parents[2] / "kiosk"
    sources = [*(root / "checkout").rglob("*.py"), *(root / "journal").rglob("*.py")]
    assert sources and not [p for p in sources if "PySide6" in p.read_text(encoding="utf-8")]


def test_the_sample_catalogue_is_what_a_fresh_core_sells(setup: tuple) -> None:  # type: ignore[type-arg]
    core, _, _, _, _ = setup
    assert [item.sku for item in core.catalogue] == [item.sku for item in sample_catalogue()]


def test_a_bad_printer_setting_is_reported_and_the_kiosk_still_sells(tmp_path: Path) -> None:
    config = KioskConfig(
        relay_urls=("http://127.0.0.1:9",),
        relay_token="t",
        store=StoreInfoConfig("S", "n", "a"),
        kiosk_id="K",
        data_dir=tmp_path,
        printer={"profile": "no-such-printer"},
    )
    core = KioskCore(config)
    recorder = Recorder()
    core.subscribe(recorder)
    try:
        core.start()
        assert core.print_queue is None
        assert core.printer_error and "printer.profile" in core.printer_error
        assert [e.message for e in recorder.of(CoreError)] == [core.printer_error]
        cart = core.new_cart()
        cart.add_code("DRK-001")
        assert core.charge(cart).state is State.CREATING
    finally:
        core.stop()


def test_public_names() -> None:
    import kiosk.checkout as checkout

    assert sorted(checkout.__all__) == sorted(
        [
            "Cart", "CartChange", "CartError", "CartLine", "CartSnapshot", "Catalogue", "CatalogueError",
            "Category", "CheckoutError", "ConnectionChanged", "CoreError", "CoreEvent", "Item", "KioskConfig",
            "KioskConfigError", "KioskCore", "PaidAfterCancel", "PaymentSession", "PrintSubmitted", "RefundChanged",
            "RelayError", "RelayRejected", "RelayUnavailable", "SessionChanged", "SessionError", "State", "UnknownCode",
            "load_catalogue", "load_config", "sample_catalogue",
        ]
    )  # fmt: skip
    assert all(hasattr(checkout, name) for name in checkout.__all__)


def test_every_error_of_the_core_is_a_checkout_error() -> None:
    import kiosk.checkout as checkout
    from kiosk.checkout.relay_client import RelayNotFound

    exceptions = [v for v in vars(checkout).values() if isinstance(v, type) and issubclass(v, Exception)]
    assert {e.__name__ for e in exceptions} == {
        "CartError", "CatalogueError", "CheckoutError", "KioskConfigError", "RelayError", "RelayRejected",
        "RelayUnavailable", "SessionError", "UnknownCode",
    }  # fmt: skip
    assert all(issubclass(error, checkout.CheckoutError) for error in [*exceptions, RelayNotFound])
