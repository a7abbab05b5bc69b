"""A kiosk whose kiosk.toml names another store or kiosk than the relay knows its token as, against the real relay
and sandbox on 127.0.0.1: refused like a wrong token until the two agree, nothing charged meanwhile, and the
orders it already has still followed."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from kiosk.checkout import ConnectionChanged, KioskCore, State
from kiosk.checkout.config import StoreInfoConfig
from kiosk.checkout.counter import ChargingOff, Link
from kiosk.checkout.events import IdentityMismatch, KioskIdentity
from kiosk.checkout.trade_no import trade_no_prefix
from tests.checkout.conftest import World, wait_until
from tests.checkout.test_integration import awaiting, recording, sell
from tests.support.relay import add_kiosk

SANDBOX_CODE = "134567890123456789"


def spare_kiosk(world: World) -> dict[str, str]:
    """A credential of its own in the module's relay (the other tests use kiosk-1's), once the relay has it."""
    spare = add_kiosk(world.credentials.config_path, world.credentials.store_id)
    headers = {"Authorization": f"Bearer {spare['token']}"}
    ping = f"{world.relay_url}/v1/ping"
    wait_until(lambda: httpx.get(ping, headers=headers, timeout=10).status_code == 200, message="relay reloaded")
    return spare


def rename_kiosk(world: World, old: str, new: str) -> None:
    """The operator corrects the kiosk's id in relay.toml (the relay takes ``[[kiosks]]`` changes without restart)."""
    path = world.credentials.config_path
    text = path.read_text("utf-8")
    assert text.count(f'id = "{old}"') == 1
    path.write_text(text.replace(f'id = "{old}"', f'id = "{new}"'), "utf-8")


def sent_under(world: World, prefix: str) -> list[str]:
    """The orders WeChat Pay (the sandbox) got with numbers of ``prefix``: what the relay passed on."""
    numbers = (str(order["out_trade_no"]) for order in world.sandbox.orders())
    return [number for number in numbers if number.startswith(prefix)]


def refuses_charging(core: KioskCore, mismatch: IdentityMismatch) -> None:
    """Charge and a payment code are refused, naming the mismatch, before anything is journaled."""
    orders = core.journal.count_orders()
    with pytest.raises(ChargingOff) as refused:
        sell(core)
    assert refused.value.link.mismatch == mismatch
    assert str(refused.value) == f"charging is off: {mismatch}"
    cart = core.new_cart()
    cart.add_code("CAF-002")
    with pytest.raises(ChargingOff):
        core.charge_code(cart, SANDBOX_CODE)
    assert core.journal.count_orders() == orders


def test_a_kiosk_id_the_relay_does_not_know_the_token_as_refuses_charging_until_relay_toml_agrees(
    world: World,
) -> None:
    spare = spare_kiosk(world)
    store = world.credentials.store_id
    core = world.core(world.config(relay_token=spare["token"], kiosk_id="till-9"), heartbeat_seconds=0.2)
    recorder = recording(core)
    wait_until(lambda: recorder.of(ConnectionChanged), message="the first heartbeat")
    mismatch = IdentityMismatch(KioskIdentity(store, "till-9"), KioskIdentity(store, spare["kiosk_id"]))
    # The first answer already says so: the kiosk never shows itself connected meanwhile.
    assert recorder.of(ConnectionChanged)[0] == ConnectionChanged(True, str(mismatch), True, mismatch)
    assert (core.online, core.authorized, core.mismatch) == (True, True, mismatch)
    assert (core.relay_link().link, core.relay_link().charge_allowed) == (Link.REFUSED, False)
    refuses_charging(core, mismatch)
    assert core.journal.count_orders() == 0
    prefix = trade_no_prefix(store, "till-9")
    assert sent_under(world, prefix) == []  # the relay never saw an order of it

    rename_kiosk(world, spare["kiosk_id"], "till-9")  # the operator fixes relay.toml
    wait_until(lambda: core.mismatch is None, timeout=15, message="the mismatch clears by itself")
    assert recorder.of(ConnectionChanged)[-1] == ConnectionChanged(True, None, True, None)
    shown = awaiting(core, sell(core))
    assert shown.out_trade_no.startswith(prefix) and sent_under(world, prefix) == [shown.out_trade_no]


def test_an_order_journaled_before_the_mismatch_was_known_waits_and_goes_out_once_it_clears(world: World) -> None:
    spare = spare_kiosk(world)
    store = world.credentials.store_id
    url = world.stop_relay()
    core = world.core(world.config(relay_url=url, relay_token=spare["token"], kiosk_id="till-8"), heartbeat_seconds=0.2)
    recording(core)
    pending = sell(core)  # nobody has answered yet: the order is journaled and waits for the relay
    core.wait_for(pending.out_trade_no, lambda s: s.state is State.PENDING_CREATION)
    world.start_relay_at(url)
    wait_until(lambda: core.mismatch is not None, timeout=15, message="the mismatch")

    def held() -> bool:
        [create] = [c for c in core.journal.commands(pending.out_trade_no) if c.kind == "create"]
        return "waits until this kiosk's identity matches" in (create.last_error or "")

    wait_until(held, message="the create held")
    # Sent now, the relay would make it under another kiosk's name (the same store): it waits instead.
    assert core.session(pending.out_trade_no).state is State.PENDING_CREATION
    assert sent_under(world, trade_no_prefix(store, "till-8")) == []

    rename_kiosk(world, spare["kiosk_id"], "till-8")
    shown = awaiting(core, pending, timeout=30)
    assert shown.code_url and sent_under(world, trade_no_prefix(store, "till-8")) == [pending.out_trade_no]


def test_a_store_renamed_on_one_side_still_follows_its_orders_and_a_fixed_kiosk_toml_clears_it(
    world: World, tmp_path: Path
) -> None:
    data = tmp_path / "shop"
    right = world.config(data_dir=data)
    before = world.core(right)
    recording(before)
    open_order = awaiting(before, sell(before))  # the customer has the QR when the kiosk restarts
    before.stop()
    assert open_order.code_url is not None
    world.sandbox.pay(open_order.code_url)

    renamed = StoreInfoConfig("shop-renamed", "测试便利店", "测试路 1 号")
    core = world.core(world.config(data_dir=data, store=renamed), heartbeat_seconds=0.2)
    assert core.start() == [open_order.out_trade_no]  # recovery resumes it
    wait_until(lambda: core.mismatch is not None, message="the mismatch")
    mismatch = IdentityMismatch(
        KioskIdentity("shop-renamed", world.credentials.kiosk_id),
        KioskIdentity(world.credentials.store_id, world.credentials.kiosk_id),
    )
    assert core.mismatch == mismatch
    # The relay still answers for the order (its number is of the token's store): the payment arrives.
    paid = core.wait_for(open_order.out_trade_no, lambda s: s.is_paid, 30)
    assert paid.state is State.PAID
    refuses_charging(core, mismatch)
    assert core.journal.count_orders() == 1
    core.stop()

    fixed = world.core(right, heartbeat_seconds=0.2)  # kiosk.toml corrected, the kiosk restarted
    fixed_events = recording(fixed)
    wait_until(lambda: fixed_events.of(ConnectionChanged), message="the first heartbeat")
    assert fixed.mismatch is None and fixed.relay_link().charge_allowed
    assert awaiting(fixed, sell(fixed)).code_url
