"""Orders WeChat Pay would refuse are refused before anything is stored (400 naming the field, the number still
free); an order WeChat Pay itself refuses is kept as rejected, answered with its reason, and never sent or
queried again; the kiosk ends such a sale with the reason instead of retrying it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.checkout import KioskCore, State
from kiosk.checkout.config import KioskConfig, StoreInfoConfig
from kiosk.clock import CHINA_TZ, rfc3339
from tests.support.relay import (
    ENGINES,
    FAST,
    RelayProcess,
    add_kiosk,
    add_store,
    database_for,
    init_relay,
    order_number,
    refused_field,
    start_relay,
)
from tests.support.sandbox import SandboxProcess
from tests.support.world import FAST_BACKOFF

#: A sub-merchant the sandbox's service provider has no relation with: WeChat Pay answers 400 INVALID_REQUEST.
UNBOUND_SUB_MCHID = "1900009999"


@pytest.fixture(scope="module", params=ENGINES)
def relay(
    request: pytest.FixtureRequest, sandbox: SandboxProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RelayProcess, str]]:
    """A partner-mode relay (on each engine) whose store-2 is a sub-merchant WeChat Pay does not know; and
    store-2's kiosk token."""
    credentials = init_relay(
        sandbox.state_dir,
        tmp_path_factory.mktemp("orders-relay"),
        mode="partner",
        settings=FAST,
        storage_url=database_for(request.param, request),
    )
    add_store(credentials.config_path, "store-2", "没签约的店", sub_mchid=UNBOUND_SUB_MCHID)
    stranger = add_kiosk(credentials.config_path, "store-2")
    process = start_relay(credentials)
    yield process, stranger["token"]
    process.stop()


def number(store_id: str = "store-1") -> str:
    return order_number("V", store_id)


def post(relay: RelayProcess, body: dict[str, Any], token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token or relay.kiosk_token}"}
    return httpx.post(relay.base_url + "/v1/orders", json=body, headers=headers, timeout=20)


def get(relay: RelayProcess, out_trade_no: str, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token or relay.kiosk_token}"}
    return httpx.get(f"{relay.base_url}/v1/orders/{out_trade_no}", headers=headers, timeout=20)


def ahead(seconds: float) -> str:
    return rfc3339(datetime.now(CHINA_TZ).replace(microsecond=0) + timedelta(seconds=seconds))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"description": "拿" * 127}, "description"),  # 127 characters, 381 bytes: WeChat Pay takes 127 bytes
        ({"amount_fen": 2**31}, "amount_fen"),
        ({"time_expire": "9999-12-31T23:59:59+08:00"}, "time_expire"),
        ({"time_expire": ahead(-60)}, "time_expire"),  # past
        ({"time_expire": ahead(10)}, "time_expire"),  # under the relay's 30 s lead
        ({"time_expire": ahead(4 * 3600)}, "time_expire"),  # beyond orders.max_expire_seconds (3 h)
        ({"items": [{"sku": "A", "quantity": 2, "unit_price_fen": 300}]}, "items"),  # 600, not 500
    ],
    ids=["description bytes", "amount", "year 9999", "past", "too soon", "too far", "items"],
)
def test_what_wechat_pay_would_refuse_is_refused_first_and_the_number_stays_free(
    relay: tuple[RelayProcess, str], change: dict[str, Any], field: str
) -> None:
    process, _ = relay
    good = {"out_trade_no": number(), "description": "拿铁", "amount_fen": 500}
    refused = post(process, {**good, **change})
    missing = get(process, good["out_trade_no"])
    corrected = post(process, {**good, "time_expire": ahead(300)})
    assert refused_field(refused) == field, refused.text
    assert missing.status_code == 404  # nothing stored
    assert corrected.status_code == 200 and corrected.json()["code_url"].startswith("weixin://")


def test_an_order_wechat_pay_refuses_is_kept_closed_with_its_reason_and_never_sent_again(
    relay: tuple[RelayProcess, str], sandbox: SandboxProcess
) -> None:
    process, token = relay
    body = {"out_trade_no": number("store-2"), "description": "拿铁", "amount_fen": 500}
    first = post(process, body, token)
    again = post(process, body, token)
    stored = get(process, body["out_trade_no"], token)
    refreshed = httpx.get(
        f"{process.base_url}/v1/orders/{body['out_trade_no']}",
        params={"refresh": 1},
        headers={"Authorization": f"Bearer {token}"},
        timeout=20,
    )
    assert first.status_code == 502, first.text
    error = first.json()["error"]
    assert (error["code"], error["wechatpay_code"], error["retryable"]) == ("wechatpay_error", "INVALID_REQUEST", False)
    assert "sub_mchid" in error["message"]  # WeChat Pay's own reason
    assert again.status_code == 502 and again.json()["error"] == error  # the same answer, nothing sent twice
    view = stored.json()
    assert view["state"] == "CLOSED" and view["trade_state_desc"] == error["message"] and "code_url" not in view
    assert refreshed.json()["version"] == view["version"]  # a closed order is not asked about
    assert not [o for o in sandbox.orders() if o["out_trade_no"] == body["out_trade_no"]]


def test_in_partner_mode_each_store_places_its_own_numbers_with_its_own_sub_merchant(
    relay: tuple[RelayProcess, str], sandbox: SandboxProcess
) -> None:
    """Several sub-merchants, one relay: each store's kiosk creates under its own numbers (kiosk.wire.store_prefix)
    and WeChat Pay hears of them from that store's sub-merchant; another store's number is refused first."""
    process, token = relay
    mine = post(process, {"out_trade_no": number(), "description": "拿铁", "amount_fen": 500})
    assert mine.status_code == 200, mine.text
    paid = sandbox.pay(mine.json()["code_url"])
    placed = next(o for o in sandbox.orders() if o["out_trade_no"] == mine.json()["out_trade_no"])
    assert (placed["sp_mchid"], placed["sub_mchid"]) == (sandbox.info["sp_mchid"], sandbox.info["sub_mchid"])
    assert paid["trade_state"] == "SUCCESS"

    theirs = {"out_trade_no": number("store-2"), "description": "拿铁", "amount_fen": 500}
    crossed = post(process, theirs)  # store-1's kiosk with store-2's number
    assert refused_field(crossed) == "out_trade_no"
    placed_by_them = post(process, theirs, token)  # store-2's own kiosk: sent, as store-2's sub-merchant
    assert placed_by_them.status_code == 502 and "sub_mchid" in placed_by_them.json()["error"]["message"]
    crossed_back = post(process, {**theirs, "out_trade_no": number()}, token)
    assert refused_field(crossed_back) == "out_trade_no"


def test_the_kiosk_ends_a_refused_sale_with_the_reason_instead_of_retrying(
    relay: tuple[RelayProcess, str], tmp_path: Path
) -> None:
    process, token = relay
    config = KioskConfig(
        relay_urls=(process.base_url,),
        relay_token=token,
        store=StoreInfoConfig("store-2", "没签约的店", "测试路 2 号"),
        kiosk_id="kiosk-2",
        data_dir=tmp_path / "kiosk",
        printer={"profile": "virtual"},
    )
    core = KioskCore(config, backoff=FAST_BACKOFF, wait_seconds=5)
    core.start()
    try:
        cart = core.new_cart()
        cart.add_code("CAF-002")
        session = core.charge(cart)
        failed = core.wait_for(session.out_trade_no, lambda s: s.state is State.FAILED, 20)
        pending = core.journal.pending_commands(session.out_trade_no)
    finally:
        core.stop()
    assert failed.settled and failed.ended_by == "rejected"
    assert failed.last_error is not None and "sub_mchid" in failed.last_error  # shown to the clerk
    assert pending == []  # nothing left to retry
