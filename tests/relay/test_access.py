"""No existence oracle: another store's order or refund number answers exactly like an unknown one, on every
route and method of the kiosk API, with a kiosk's and with a manager's credential.

The routes are read from the app itself, so a route added later is covered. Creating is the one place where a
number the kiosk names may be taken: there, another store's number answers exactly like the kiosk's own store's
number used with other parameters (409), which tells the kiosk only that the number is taken, never by whom.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from kiosk.relay import create_app, load_config
from tests.support.relay import FAST, RelayProcess, add_kiosk, add_store, init_relay, start_relay
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


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Store, SandboxProcess]]:
    """Two stores on one relay: store-1 asks, store-2 owns a paid order with a refund."""
    root = tmp_path_factory.mktemp("access")
    sandbox = start_sandbox_process(root / "sandbox", time_scale=100)
    credentials = init_relay(sandbox.state_dir, root, settings=FAST)
    add_store(credentials.config_path, "store-2", "别人的店")
    kiosk_2, manager_2 = (
        add_kiosk(credentials.config_path, "store-2"),
        add_kiosk(credentials.config_path, "store-2", "manager"),
    )
    relay: RelayProcess = start_relay(credentials)
    asking = Store(relay.base_url, credentials.kiosk_token, credentials.manager_token)
    owning = Store(relay.base_url, kiosk_2["token"], manager_2["token"])
    yield asking, owning, sandbox
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
        app.storage.close()
    return [(path, methods) for path, methods in found if path.startswith("/v1/")]


def fill(path: str, numbers: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: numbers[match.group(1)], path)


def same(first: httpx.Response, second: httpx.Response) -> tuple[Any, ...]:
    """What a kiosk can see of an answer, for comparison."""
    headers = sorted((k, v) for k, v in first.headers.items() if k not in VOLATILE)
    other = sorted((k, v) for k, v in second.headers.items() if k not in VOLATILE)
    return (first.status_code, headers, first.content), (second.status_code, other, second.content)


def test_another_stores_numbers_answer_like_unknown_ones_on_every_route_and_method(
    stores: tuple[Store, Store, SandboxProcess], tmp_path: Path
) -> None:
    asking, owning, sandbox = stores
    theirs = owning.kiosk.post(
        "/v1/orders", json={"out_trade_no": "A" + uuid.uuid4().hex[:20], "description": "别店", "amount_fen": 800}
    ).json()
    sandbox.pay(theirs["code_url"])
    wait_until(
        lambda: (
            owning.kiosk.get(f"/v1/orders/{theirs['out_trade_no']}", params={"refresh": 1}).json()["state"] == "SUCCESS"
        )
    )
    their_refund = "AR" + uuid.uuid4().hex[:20]
    refunded = owning.manager.post(
        f"/v1/orders/{theirs['out_trade_no']}/refunds", json={"out_refund_no": their_refund, "amount_fen": 100}
    )
    assert refunded.status_code == 200, refunded.text
    known = {"out_trade_no": theirs["out_trade_no"], "out_refund_no": their_refund, "bill_date": "2026-01-01"}
    unknown = {
        "out_trade_no": "A" + uuid.uuid4().hex[:20],
        "out_refund_no": "AR" + uuid.uuid4().hex[:20],
        "bill_date": "2026-01-01",
    }
    bodies = {"POST": {"out_refund_no": "AR" + uuid.uuid4().hex[:20], "amount_fen": 100}}
    queries: list[dict[str, Any]] = [{}, {"refresh": 1}, {"since": 1, "wait": 0.2}]
    compared = 0
    for path, _ in routes(tmp_path):
        if "{out_trade_no}" not in path and "{out_refund_no}" not in path:
            continue
        for method in METHODS:
            for client in (asking.kiosk, asking.manager):
                for params in queries if method == "GET" else [{}]:
                    answers = [
                        client.request(
                            method,
                            fill(path, n),
                            params=params,
                            json=bodies.get(method),
                        )
                        for n in (known, unknown)
                    ]
                    theirs_answer, unknown_answer = same(*answers)
                    assert theirs_answer == unknown_answer, (method, path, params)
                    compared += 1
    assert compared >= 4 * 2 * (3 + 4)  # four routes, two credentials, GET three ways and four other methods
    after = owning.kiosk.get(f"/v1/orders/{theirs['out_trade_no']}").json()
    assert (after["state"], after["refunded_fen"]) == ("REFUND", 100)  # and nothing of theirs changed


def test_creating_with_another_stores_number_answers_like_reusing_ones_own(
    stores: tuple[Store, Store, SandboxProcess],
) -> None:
    asking, owning, _ = stores
    theirs = owning.kiosk.post(
        "/v1/orders", json={"out_trade_no": "A" + uuid.uuid4().hex[:20], "description": "别店", "amount_fen": 800}
    ).json()
    mine = asking.kiosk.post(
        "/v1/orders", json={"out_trade_no": "A" + uuid.uuid4().hex[:20], "description": "本店", "amount_fen": 800}
    ).json()
    # The same body both times, down to the amount and description their order has.
    reuse_theirs = asking.kiosk.post(
        "/v1/orders", json={"out_trade_no": theirs["out_trade_no"], "description": "别店", "amount_fen": 800}
    )
    reuse_mine = asking.kiosk.post(
        "/v1/orders", json={"out_trade_no": mine["out_trade_no"], "description": "别店", "amount_fen": 800}
    )
    first, second = same(reuse_theirs, reuse_mine)
    assert first == second and reuse_theirs.status_code == 409
    assert reuse_theirs.json()["error"]["code"] == "out_trade_no_used"
