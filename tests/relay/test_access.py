"""No existence oracle: another store's order or refund number answers exactly like an unknown one, on every
route and method of the kiosk API, with a kiosk's and with a manager's credential.

The routes are read from the app itself, so a route added later is covered. Each store's numbers are its own
(``kiosk.wire.store_prefix``): a number that does not begin with the caller's store's prefix names nothing the
caller may see (404 on a path) and nothing it may create (400 naming the field, before anything is looked up).
So creating with another store's number, an order, a payment code or a refund, answers exactly like creating
with a number of that other store's form that nobody used.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from starlette.routing import Route

from kiosk.relay import create_app, load_config
from tests.support.relay import (
    ENGINES,
    FAST,
    RelayProcess,
    add_kiosk,
    add_store,
    database_for,
    init_relay,
    order_number,
    query_storage,
    refused_field,
    start_relay,
)
from tests.support.sandbox import SandboxProcess, offline_state_dir, start_sandbox_process
from tests.support.waiting import wait_until

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
#: Headers that differ between any two answers.
VOLATILE = {"date", "server"}


class Store:
    def __init__(self, base_url: str, kiosk_token: str, manager_token: str) -> None:
        self.kiosk = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {kiosk_token}"}, timeout=20)
        self.manager = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {manager_token}"}, timeout=20)

    def close(self) -> None:
        self.kiosk.close()
        self.manager.close()


class Parties(NamedTuple):
    asking: Store  # store-1
    owning: Store  # store-2
    sandbox: SandboxProcess
    storage: Path | str  # the relay's, to see that nothing was stored


@pytest.fixture(scope="module", params=ENGINES)
def stores(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parties]:
    """Two stores on one relay (on each engine): store-1 asks, store-2 owns a paid order with a refund."""
    root = tmp_path_factory.mktemp("access")
    sandbox = start_sandbox_process(root / "sandbox", time_scale=100)
    url = database_for(request.param, request)
    credentials = init_relay(sandbox.state_dir, root, settings=FAST, storage_url=url)
    add_store(credentials.config_path, "store-2", "别人的店")
    kiosk_2, manager_2 = (
        add_kiosk(credentials.config_path, "store-2"),
        add_kiosk(credentials.config_path, "store-2", "manager"),
    )
    relay: RelayProcess = start_relay(credentials)
    asking = Store(relay.base_url, credentials.kiosk_token, credentials.manager_token)
    owning = Store(relay.base_url, kiosk_2["token"], manager_2["token"])
    yield Parties(asking, owning, sandbox, load_config(credentials.config_path).storage.where)
    asking.close()
    owning.close()
    relay.stop()
    sandbox.stop()


def routes(tmp_path: Path) -> list[tuple[str, set[str]]]:
    """Every route of the kiosk API (``/v1/…``) as the app defines it, with the methods it takes."""
    app = create_app(load_config(init_relay(offline_state_dir(tmp_path / "sandbox"), tmp_path).config_path))
    try:
        found = [(r.path, set(r.methods or ())) for r in app.starlette.routes if isinstance(r, Route)]
    finally:
        asyncio.run(app.storage.aclose())
    return [(path, methods) for path, methods in found if path.startswith("/v1/")]


def fill(path: str, numbers: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: numbers[match.group(1)], path)


def same(first: httpx.Response, second: httpx.Response) -> tuple[Any, ...]:
    """What a kiosk can see of an answer, for comparison."""
    headers = sorted((k, v) for k, v in first.headers.items() if k not in VOLATILE)
    other = sorted((k, v) for k, v in second.headers.items() if k not in VOLATILE)
    return (first.status_code, headers, first.content), (second.status_code, other, second.content)


def test_another_stores_numbers_answer_like_unknown_ones_on_every_route_and_method(
    stores: Parties, tmp_path: Path
) -> None:
    asking, owning, sandbox, _ = stores
    theirs = paid_order(owning, sandbox, "store-2")
    their_refund = order_number("AR", "store-2")
    refunded = owning.manager.post(
        f"/v1/orders/{theirs['out_trade_no']}/refunds", json={"out_refund_no": their_refund, "amount_fen": 100}
    )
    assert refunded.status_code == 200, refunded.text
    known = {"out_trade_no": theirs["out_trade_no"], "out_refund_no": their_refund, "bill_date": "2026-01-01"}
    unknowns = [  # never used: numbers of the same form (store-2's), and of the asking store's own
        {
            "out_trade_no": order_number("A", store),
            "out_refund_no": order_number("AR", store),
            "bill_date": "2026-01-01",
        }
        for store in ("store-2", "store-1")
    ]
    bodies = {"POST": {"out_refund_no": order_number("AR"), "amount_fen": 100}}
    queries: list[dict[str, Any]] = [{}, {"refresh": 1}, {"since": 1, "wait": 0.2}]
    compared = 0
    for path, _ in routes(tmp_path):
        if "{out_trade_no}" not in path and "{out_refund_no}" not in path:
            continue
        for method in METHODS:
            for client in (asking.kiosk, asking.manager):
                for params in queries if method == "GET" else [{}]:
                    theirs_answer, *unknown_answers = (
                        client.request(method, fill(path, n), params=params, json=bodies.get(method))
                        for n in (known, *unknowns)
                    )
                    for unknown_answer in unknown_answers:
                        seen_theirs, seen_unknown = same(theirs_answer, unknown_answer)
                        assert seen_theirs == seen_unknown, (method, path, params)
                    compared += 1
    assert compared >= 4 * 2 * (3 + 4)  # four routes, two credentials, GET three ways and four other methods
    after = owning.kiosk.get(f"/v1/orders/{theirs['out_trade_no']}").json()
    assert (after["state"], after["refunded_fen"]) == ("REFUND", 100)  # and nothing of theirs changed


def test_creating_with_another_stores_number_answers_like_a_number_of_its_form_nobody_used(stores: Parties) -> None:
    """Orders, payment codes and refunds alike: 400 naming the number, byte for byte the same either way, and
    nothing charged, created or refunded."""
    asking, owning, sandbox, storage = stores
    theirs = paid_order(owning, sandbox, "store-2")
    their_refund = order_number("AR", "store-2")
    assert owning.manager.post(
        f"/v1/orders/{theirs['out_trade_no']}/refunds", json={"out_refund_no": their_refund, "amount_fen": 100}
    ).is_success
    mine = paid_order(asking, sandbox, "store-1")
    code = sandbox.payment_code("success")
    unused_number, unused_refund = order_number("A", "store-2"), order_number("AR", "store-2")
    attempts = [  # (client, path, body with the number in its field)
        (asking.kiosk, "/v1/orders", lambda n: {"out_trade_no": n, "description": "别店", "amount_fen": 800}),
        (
            asking.kiosk,
            "/v1/codepay",
            lambda n: {"out_trade_no": n, "description": "别店", "amount_fen": 800, "auth_code": code},
        ),
    ]
    for client, path, body in attempts:
        for credential in (client, asking.manager):
            answers = [credential.post(path, json=body(n)) for n in (theirs["out_trade_no"], unused_number)]
            first, second = same(*answers)
            assert first == second, path
            assert refused_field(answers[0]) == "out_trade_no"
    refunds = f"/v1/orders/{mine['out_trade_no']}/refunds"  # a refund of one's own order, under their number
    answers = [
        asking.manager.post(refunds, json={"out_refund_no": n, "amount_fen": 1}) for n in (their_refund, unused_refund)
    ]
    first, second = same(*answers)
    assert first == second and refused_field(answers[0]) == "out_refund_no"
    # Nothing happened: the code was never charged, nothing was stored, their order and refund are as they were.
    codes = sandbox.control("GET", "/sandbox/v1/payment-codes")["codes"]
    assert [issued["state"] for issued in codes if issued["auth_code"] == code] == ["unused"]
    orders = query_storage(
        storage,
        "SELECT store_id, amount_fen FROM orders WHERE out_trade_no IN (?, ?)",
        (theirs["out_trade_no"], unused_number),
    )
    refunds = query_storage(
        storage, "SELECT out_trade_no FROM refunds WHERE out_refund_no IN (?, ?)", (their_refund, unused_refund)
    )
    assert orders == [("store-2", 800)] and refunds == [(theirs["out_trade_no"],)]


def test_numbers_of_ones_own_store_are_created_as_ever(stores: Parties) -> None:
    asking, _, sandbox, _ = stores
    created = asking.kiosk.post(
        "/v1/orders", json={"out_trade_no": order_number("A"), "description": "本店", "amount_fen": 800}
    )
    charged = asking.kiosk.post(
        "/v1/codepay",
        json={
            "out_trade_no": order_number("C"),
            "description": "本店",
            "amount_fen": 800,
            "auth_code": sandbox.payment_code("success"),
        },
    )
    assert created.status_code == 200 and created.json()["code_url"].startswith("weixin://")
    assert charged.status_code == 200 and charged.json()["state"] == "SUCCESS"


def paid_order(store: Store, sandbox: SandboxProcess, store_id: str) -> dict[str, Any]:
    """A Native order of ``store_id``'s, paid."""
    order = store.kiosk.post(
        "/v1/orders", json={"out_trade_no": order_number("A", store_id), "description": "订单", "amount_fen": 800}
    ).json()
    sandbox.pay(order["code_url"])
    wait_until(
        lambda: (
            store.kiosk.get(f"/v1/orders/{order['out_trade_no']}", params={"refresh": 1}).json()["state"] == "SUCCESS"
        )
    )
    return dict(order)
