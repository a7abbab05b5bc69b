"""Embedded use (training mode, a shop without a server) and the storage-failure path, in-process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from kiosk.relay import create_app, init_config, load_config, start_embedded
from kiosk.relay.server import serve_in_thread
from tests.support.relay import NotificationSigner
from tests.support.sandbox import SandboxProcess


def test_embedded_relay_finds_payments_by_its_own_queries(
    sandbox_factory: Callable[..., SandboxProcess], tmp_path: Path
) -> None:
    sandbox = sandbox_factory()
    printed = init_config(sandbox.state_dir, 0, tmp_path / "relay.toml")
    handle = start_embedded(tmp_path / "relay.toml")
    sandbox.notification_fault("drop", count=100)  # as if WeChat Pay could not reach the shop
    try:
        with httpx.Client(
            base_url=handle.base_url, headers={"Authorization": f"Bearer {printed['token']}"}, timeout=30
        ) as kiosk:
            order = kiosk.post(
                "/v1/orders", json={"out_trade_no": "E2026000001", "description": "训练", "amount_fen": 1}
            ).json()
            box: dict[str, Any] = {}
            poll = threading.Thread(
                target=lambda: box.update(
                    answer=kiosk.get("/v1/orders/E2026000001", params={"since": order["version"], "wait": 25})
                )
            )
            poll.start()
            sandbox.pay(order["code_url"])
            poll.join(30)
        attempts = sandbox.notifications()["attempts"]
    finally:
        handle.stop()
    assert box["answer"].json()["state"] == "SUCCESS"
    assert attempts and all(a["url"] == handle.base_url + "/wechatpay/notify" for a in attempts)
    assert not any(a["status"] in (200, 204) for a in attempts)


def test_a_notification_that_cannot_be_stored_gets_a_5xx_and_is_accepted_when_retried(
    sandbox_factory: Callable[..., SandboxProcess], tmp_path: Path
) -> None:
    sandbox = sandbox_factory()
    printed = init_config(sandbox.state_dir, 0, tmp_path / "relay.toml")
    app = create_app(load_config(tmp_path / "relay.toml"))
    handle = serve_in_thread(app)
    app.relay.base_url = handle.base_url
    signer = NotificationSigner(sandbox.info)
    try:
        with httpx.Client(
            base_url=handle.base_url, headers={"Authorization": f"Bearer {printed['token']}"}, timeout=30
        ) as kiosk:
            order = kiosk.post(
                "/v1/orders", json={"out_trade_no": "E2026000002", "description": "磁盘", "amount_fen": 300}
            ).json()
            headers, body = signer.signed(signer.transaction("E2026000002", 300))
            app.database.fail_writes = OSError("disk full")
            failed = httpx.post(handle.base_url + "/wechatpay/notify", headers=headers, content=body)
            unchanged = kiosk.get("/v1/orders/E2026000002").json()
            app.database.fail_writes = None
            retried = httpx.post(handle.base_url + "/wechatpay/notify", headers=signer.headers(body), content=body)
            paid = kiosk.get("/v1/orders/E2026000002").json()
    finally:
        handle.stop()
    assert failed.status_code == 500 and failed.json()["code"] == "FAIL"
    assert (unchanged["state"], unchanged["version"]) == ("NOTPAY", order["version"])
    assert retried.status_code == 204
    assert paid["state"] == "SUCCESS"
