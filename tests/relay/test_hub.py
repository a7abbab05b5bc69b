"""The long-poll hub: answers at once when newer, wakes on publish, returns the same version on timeout or close."""

from __future__ import annotations

import asyncio

from kiosk.relay.hub import VersionHub


def snap(version: int, state: str = "NOTPAY") -> dict[str, object]:
    return {"out_trade_no": "A1", "version": version, "state": state}


def test_newer_version_answers_without_waiting() -> None:
    async def scenario() -> dict[str, object] | None:
        hub = VersionHub()
        hub.publish("A1", snap(3))
        return await hub.wait_newer("A1", since=2, timeout=30)

    assert asyncio.run(scenario()) == snap(3)


def test_publish_wakes_every_waiter_with_the_new_snapshot() -> None:
    async def scenario() -> list[dict[str, object] | None]:
        hub = VersionHub()
        hub.publish("A1", snap(1))
        waiters = [asyncio.create_task(hub.wait_newer("A1", since=1, timeout=30)) for _ in range(20)]
        while hub.waiters("A1") < 20:
            await asyncio.sleep(0)
        hub.publish("A1", snap(2, "SUCCESS"))
        return await asyncio.gather(*waiters)

    assert asyncio.run(scenario()) == [snap(2, "SUCCESS")] * 20


def test_timeout_returns_the_current_unchanged_snapshot() -> None:
    async def scenario() -> tuple[dict[str, object] | None, int]:
        hub = VersionHub()
        hub.publish("A1", snap(1))
        result = await hub.wait_newer("A1", since=1, timeout=0.01)
        return result, hub.waiters("A1")

    assert asyncio.run(scenario()) == (snap(1), 0)


def test_same_version_publish_does_not_answer_a_waiter() -> None:
    async def scenario() -> dict[str, object] | None:
        hub = VersionHub()
        hub.publish("A1", snap(1))
        waiter = asyncio.create_task(hub.wait_newer("A1", since=1, timeout=0.05))
        await asyncio.sleep(0)
        hub.publish("A1", {**snap(1), "code_url": "weixin://wxpay/bizpayurl?pr=x"})  # same version
        return await waiter

    assert asyncio.run(scenario()) == {**snap(1), "code_url": "weixin://wxpay/bizpayurl?pr=x"}


def test_older_snapshots_never_replace_newer_ones() -> None:
    hub = VersionHub()
    hub.publish("A1", snap(5, "SUCCESS"))
    assert not hub.publish("A1", snap(4, "NOTPAY"))
    assert hub.prime("A1", snap(3)) == snap(5, "SUCCESS")
    assert hub.get("A1") == snap(5, "SUCCESS")


def test_eviction_keeps_snapshots_that_someone_waits_on() -> None:
    async def scenario() -> tuple[bool, int]:
        hub = VersionHub(capacity=2)
        hub.publish("A1", snap(1))
        waiter = asyncio.create_task(hub.wait_newer("A1", since=1, timeout=30))
        while hub.waiters("A1") < 1:
            await asyncio.sleep(0)
        for key in ("B", "C", "D"):
            hub.publish(key, {"out_trade_no": key, "version": 1})
        kept = hub.get("A1") is not None
        hub.publish("A1", snap(2))
        result = await waiter
        assert result is not None
        return kept, int(str(result["version"]))

    assert asyncio.run(scenario()) == (True, 2)


def test_a_hundred_thousand_final_orders_polled_once_leave_memory_flat() -> None:
    """Each poll waits on a final order (``since`` = its version) until its wait runs out. Afterwards the hub
    holds nothing for it beyond its bounded snapshot cache: no event, no waiter count. ``hub.held()`` counts
    every order any of its structures holds."""
    capacity = 2_000
    batch = 1_000

    async def poll(hub: VersionHub, start: int) -> None:
        keys = [f"K{n:07d}" for n in range(start, start + batch)]
        for key in keys:
            hub.prime(key, {"out_trade_no": key, "version": 2, "state": "SUCCESS"})
        await asyncio.gather(*(hub.wait_newer(key, since=2, timeout=0.001) for key in keys))

    async def scenario() -> list[int]:
        hub = VersionHub(capacity=capacity)
        held = []
        for start in range(0, 100_000, batch):
            await poll(hub, start)
            held.append(hub.held())
        assert hub.total_waiters() == 0
        return held

    held = asyncio.run(scenario())
    assert held[:2] == [1_000, 2_000] and set(held[2:]) == {capacity}


def test_close_answers_every_waiter_and_later_ones_at_once_with_the_current_snapshot() -> None:
    async def scenario() -> tuple[list[dict[str, object] | None], dict[str, object] | None, int]:
        hub = VersionHub()
        hub.publish("A1", snap(1))
        waiters = [asyncio.create_task(hub.wait_newer("A1", since=1, timeout=30)) for _ in range(5)]
        while hub.waiters("A1") < 5:
            await asyncio.sleep(0)
        hub.close()
        woken = await asyncio.wait_for(asyncio.gather(*waiters), 5)
        later = await asyncio.wait_for(hub.wait_newer("A1", since=1, timeout=30), 5)
        return woken, later, hub.total_waiters()

    assert asyncio.run(scenario()) == ([snap(1)] * 5, snap(1), 0)
