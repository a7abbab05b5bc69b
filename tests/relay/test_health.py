"""``GET /healthz`` tells the truth (storage, configuration, event loop, WeChat Pay), and a relay whose storage
cannot write gives up: 503 at once, then exit 3 so that the service manager restarts it, under systemd's
watchdog as well. Nothing acknowledged is lost on the way."""

from __future__ import annotations

import asyncio
import resource
import socket
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest

from kiosk.relay import load_config
from kiosk.relay.app import RelayApp
from kiosk.relay.cli import EXIT_STORAGE
from kiosk.relay.config import read_document, write_document
from kiosk.wire import Health, HealthAnswer, decode
from tests.support.postgres import Binaries, running_postgres
from tests.support.relay import (
    FAST,
    NotificationSigner,
    RelayCredentials,
    embedded_relay,
    init_relay,
    order_number,
    start_relay,
    update_config,
)
from tests.support.sandbox import SandboxProcess, offline_state_dir
from tests.support.systemd import received
from tests.support.waiting import wait_until

#: Seconds between probe writes in the tests that wait for the storage check to change (the relay's: 2 s).
PROBING = 0.1


def health(base_url: str) -> tuple[int, HealthAnswer]:
    response = httpx.get(base_url + "/healthz", timeout=10)
    return response.status_code, decode(HealthAnswer, response.json())  # the contract's shape, strictly


@pytest.fixture
def credentials(sandbox: SandboxProcess, tmp_path: Path) -> RelayCredentials:
    return init_relay(sandbox.state_dir, tmp_path, settings=FAST)


def create(base_url: str, token: str, amount_fen: int = 100) -> httpx.Response:
    body = {"out_trade_no": order_number("H"), "description": "健康", "amount_fen": amount_fen}
    return httpx.post(base_url + "/v1/orders", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=20)


def test_a_healthy_relay_answers_ok_with_every_check_and_nothing_of_a_store(credentials: RelayCredentials) -> None:
    with embedded_relay(credentials.config_path) as relay:
        base_url = relay.base_url
        assert create(base_url, credentials.kiosk_token).status_code == 200  # WeChat Pay answers
        status, answer = health(base_url)
        text = httpx.get(base_url + "/healthz", timeout=10).text
    assert status == 200 and answer.status is Health.OK
    checks = answer.checks
    assert {c.status for c in (checks.storage, checks.configuration, checks.event_loop, checks.wechatpay)} == {
        Health.OK
    }
    assert checks.storage.detail.startswith("a probe write committed in")
    assert checks.wechatpay.url == read_document(credentials.config_path)["wechatpay"]["base_url"]
    config = read_document(credentials.config_path)
    secrets = [config["wechatpay"]["apiv3_key"], credentials.kiosk_token, credentials.store_id, credentials.kiosk_id]
    secrets += [kiosk["token_sha256"] for kiosk in config["kiosks"]]
    assert not [s for s in secrets if s in text]


def test_a_database_that_cannot_grow_is_unhealthy_until_it_can_and_then_stores(
    credentials: RelayCredentials, sandbox: SandboxProcess
) -> None:
    signer = NotificationSigner(sandbox.info)
    with embedded_relay(credentials.config_path, probe_interval=PROBING) as relay:
        base_url = relay.base_url
        order = create(base_url, credentials.kiosk_token).json()
        limit_pages(relay.app, full=True)  # SQLite's max_page_count: as full as a full disk
        status, answer = wait_until(lambda: unhealthy(base_url), 10, "a 503")
        assert answer.checks.storage.detail.startswith("no room to write")
        limit_pages(relay.app, full=False)  # room again
        status_after, answer_after = wait_until(lambda: healthy(base_url), 10, "a 200")
        headers, body = signer.signed(signer.transaction(order["out_trade_no"], order["amount_fen"]))
        notified = httpx.post(base_url + "/wechatpay/notify", headers=headers, content=body, timeout=10)
        again = create(base_url, credentials.kiosk_token)
        paid = httpx.get(
            f"{base_url}/v1/orders/{order['out_trade_no']}",
            headers={"Authorization": f"Bearer {credentials.kiosk_token}"},
        ).json()
    assert status == 503 and answer.status is Health.UNHEALTHY
    assert status_after == 200 and answer_after.checks.storage.status is Health.OK
    assert notified.status_code == 204 and paid["state"] == "SUCCESS" and again.status_code == 200


def limit_pages(app: RelayApp, *, full: bool) -> None:
    def set_limit(connection: sqlite3.Connection) -> None:
        pages = connection.execute("PRAGMA page_count").fetchone()[0] if full else 1_073_741_823
        connection.execute(f"PRAGMA max_page_count = {pages}")

    asyncio.run(app.storage.writer.write(set_limit))  # type: ignore[attr-defined]  # the SQLite engine's writer


def unhealthy(base_url: str) -> tuple[int, HealthAnswer] | None:
    status, answer = health(base_url)
    return (status, answer) if status == 503 else None


def healthy(base_url: str) -> tuple[int, HealthAnswer] | None:
    status, answer = health(base_url)
    return (status, answer) if status == 200 else None


def test_a_configuration_that_no_longer_validates_is_degraded_naming_only_the_key(
    credentials: RelayCredentials,
) -> None:
    with embedded_relay(credentials.config_path) as relay:
        base_url = relay.base_url
        document = read_document(credentials.config_path)
        document["server"]["prot"] = 8080  # a typo
        write_document(credentials.config_path, document)
        status, answer = wait_until(
            lambda: (h := health(base_url))[1].checks.configuration.status is Health.DEGRADED and h, 10, "degraded"
        )
        del document["server"]["prot"]
        document["orders"] = {"queries_per_second": 5.0}  # valid, but only a restart applies it
        write_document(credentials.config_path, document)
        _, restart = wait_until(
            lambda: "restart" in (h := health(base_url))[1].checks.configuration.detail and h, 10, "restart needed"
        )
    assert status == 200 and answer.status is Health.DEGRADED
    assert "server.prot" in answer.checks.configuration.detail and "8080" not in answer.checks.configuration.detail
    assert restart.status is Health.DEGRADED


def test_a_stalled_event_loop_shows_as_degraded(credentials: RelayCredentials) -> None:
    with embedded_relay(credentials.config_path) as relay:
        base_url = relay.base_url
        relay.loop.call_soon_threadsafe(time.sleep, 0.8)  # a bill decoded on the loop, say
        status, answer = wait_until(
            lambda: (h := health(base_url))[1].checks.event_loop.status is Health.DEGRADED and h, 10, "degraded"
        )
    assert status == 200 and answer.status is Health.DEGRADED
    assert answer.checks.event_loop.detail.startswith("worst lag")


def test_wechat_pay_unreachable_is_degraded_naming_its_url(tmp_path: Path) -> None:
    """A sandbox that moved to another port (issue 17): the relay does not keep saying ok."""
    credentials = init_relay(offline_state_dir(tmp_path / "sandbox"), tmp_path)  # base_url: nothing listens
    with embedded_relay(credentials.config_path) as relay:
        base_url = relay.base_url
        failed = create(base_url, credentials.kiosk_token)
        status, answer = health(base_url)
    assert failed.status_code == 503 and failed.json()["error"]["code"] == "wechatpay_unavailable"
    assert status == 200 and answer.status is Health.DEGRADED
    assert answer.checks.wechatpay.status is Health.DEGRADED
    assert answer.checks.wechatpay.url == "http://127.0.0.1:9"
    assert answer.checks.storage.status is Health.OK


def test_a_payment_code_charge_that_gets_no_answer_shows_as_degraded(sandbox: SandboxProcess, tmp_path: Path) -> None:
    """The client answers a failed charge as an outcome, not an exception: the check must see it all the same."""
    credentials = init_relay(sandbox.state_dir, tmp_path, settings=FAST)
    update_config(credentials.config_path, {"codepay": {"poll_seconds": 40, "deadline_seconds": 40}})  # no query
    headers = {"Authorization": f"Bearer {credentials.kiosk_token}"}
    with embedded_relay(credentials.config_path) as relay:
        assert create(relay.base_url, credentials.kiosk_token).status_code == 200
        assert health(relay.base_url)[1].checks.wechatpay.status is Health.OK
        sandbox.fault("system_error", "/v3/pay/transactions/codepay", count=1)
        body = {
            "out_trade_no": order_number("H"),
            "description": "健康",
            "amount_fen": 100,
            "auth_code": sandbox.payment_code("success"),
        }
        charged = httpx.post(relay.base_url + "/v1/codepay", json=body, headers=headers, timeout=20)
        status, answer = health(relay.base_url)
    assert charged.status_code == 200 and charged.json()["state"] == "NOTPAY"  # unknown: the flow will ask
    assert status == 200 and answer.status is Health.DEGRADED
    check = answer.checks.wechatpay
    assert (check.status, check.url) == (Health.DEGRADED, sandbox.base_url) and "500 SYSTEM_ERROR" in check.detail


# -- giving up: a relay process whose disk is full ---------------------------------------------------------

#: The relay's files may not grow past this (RLIMIT_FSIZE): its write-ahead log fills up after a few orders.
FILE_SIZE_LIMIT = 256 * 1024


def answered_503(base_url: str) -> httpx.Response | None:
    try:
        response = httpx.get(base_url + "/healthz", timeout=5)
    except httpx.HTTPError:
        return None
    return response if response.status_code == 503 else None


def small_disk() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


def test_a_relay_whose_disk_is_full_says_so_exits_3_and_restarts_having_lost_nothing(
    credentials: RelayCredentials, sandbox: SandboxProcess, tmp_path: Path
) -> None:
    update_config(credentials.config_path, {"storage": {"exit_after_seconds": 2}})
    notify_socket = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(str(notify_socket))
        env = {"NOTIFY_SOCKET": str(notify_socket), "WATCHDOG_USEC": "600000"}
        relay = start_relay(credentials, preexec=small_disk, env=env)
        messages: list[str] = []
        wait_until(lambda: received(systemd, messages) >= {"READY=1", "WATCHDOG=1"}, 10, "READY and a ping")
        stored: list[str] = []
        refused = None
        for _ in range(300):
            received(systemd, messages)  # read as systemd does: a full queue drops what the relay sends
            response = create(relay.base_url, credentials.kiosk_token)
            if response.status_code != 200:
                refused = response
                break
            stored.append(response.json()["out_trade_no"])
        # The refused transaction's frames stay in the write-ahead log, and a probe (one page) fits where they
        # were until they are used up, a page every PROBE_INTERVAL: a real full disk fails the probe's look at the
        # disk's free space at once, a file size limit only once the log has no room left.
        said = wait_until(lambda: received(systemd, messages) and answered_503(relay.base_url), 30, "a 503")
        code = relay.server.process.wait(20)
        received(systemd, messages)
    relay.kill()
    assert refused is not None and refused.status_code >= 500  # the kiosk retries it; nothing acknowledged
    assert said.json()["checks"]["storage"]["status"] == "unhealthy"
    assert code == EXIT_STORAGE
    assert any(m.startswith("STATUS=storage:") for m in messages) and messages[-1] == "STOPPING=1"
    # No ping once storage failed: systemd's watchdog would restart a relay that could not exit by itself.
    assert "WATCHDOG=1" not in messages[[m.startswith("STATUS=storage:") for m in messages].index(True) :]
    # Restarted with room: every order it acknowledged is there, and it stores again.
    restarted = start_relay(credentials)
    try:
        kiosk = httpx.Client(base_url=restarted.base_url, headers=restarted.kiosk_headers(), timeout=20)
        found = [kiosk.get(f"/v1/orders/{number}").status_code for number in stored]
        signer = NotificationSigner(sandbox.info)
        order = create(restarted.base_url, credentials.kiosk_token).json()
        headers, body = signer.signed(signer.transaction(order["out_trade_no"], order["amount_fen"]))
        notified = httpx.post(restarted.base_url + "/wechatpay/notify", headers=headers, content=body, timeout=10)
        paid = kiosk.get(f"/v1/orders/{order['out_trade_no']}").json()
        kiosk.close()
    finally:
        restarted.stop()
    assert stored and found == [200] * len(stored)
    assert notified.status_code == 204 and paid["state"] == "SUCCESS"


def test_an_idle_relay_asks_wechat_pay_whether_it_answers(sandbox: SandboxProcess, tmp_path: Path) -> None:
    """With no call for a while, a cheap request tells whether the base URL answers (a sandbox that moved)."""
    from kiosk.relay.wechat import WeChatGateway

    async def no_download(interval: float) -> bool:
        return False  # not this test's business

    async def probe(config_path: Path) -> tuple[str, str | None]:
        gateway = WeChatGateway(load_config(config_path), download_turn=no_download)
        try:
            await gateway.probe()
            reach = gateway.reachability()
            return reach.base_url, reach.problem
        finally:
            await gateway.aclose()

    live = init_relay(sandbox.state_dir, tmp_path)
    moved = init_relay(offline_state_dir(tmp_path / "moved"), tmp_path / "moved")  # the state dir made here
    assert asyncio.run(probe(live.config_path)) == (sandbox.base_url, None)
    url, problem = asyncio.run(probe(moved.config_path))
    assert url == "http://127.0.0.1:9" and problem is not None and "ConnectError" in problem


# -- on PostgreSQL ------------------------------------------------------------------------------------------


def test_a_database_server_refusing_writes_for_a_full_disk_is_unhealthy_until_it_takes_them(
    sandbox: SandboxProcess, tmp_path: Path, postgres_url: str
) -> None:
    """The server's disk cannot be seen from the relay; a write it refuses for want of room (SQLSTATE 53100,
    raised here by a trigger on the probe's row as the server raises it) can."""
    credentials = init_relay(sandbox.state_dir, tmp_path, settings=FAST, storage_url=postgres_url)
    signer = NotificationSigner(sandbox.info)
    with embedded_relay(credentials.config_path, probe_interval=PROBING) as relay:
        base_url = relay.base_url
        order = create(base_url, credentials.kiosk_token).json()
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(DISK_FULL)
            status, answer = wait_until(lambda: unhealthy(base_url), 10, "a 503")
            connection.execute("DROP TRIGGER probe_disk_full ON probe")
        _, answer_after = wait_until(lambda: healthy(base_url), 10, "a 200")
        headers, body = signer.signed(signer.transaction(order["out_trade_no"], order["amount_fen"]))
        notified = httpx.post(base_url + "/wechatpay/notify", headers=headers, content=body, timeout=10)
        stored = httpx.get(f"{base_url}/v1/orders/{order['out_trade_no']}", headers=auth(credentials)).json()
    assert status == 503 and answer.checks.storage.status is Health.UNHEALTHY
    assert answer.checks.storage.detail.startswith("no room to write: the database server's disk is full")
    assert answer.instance is not None and answer.instance.work_lease  # the only instance: it holds the lease
    assert answer_after.checks.storage.status is Health.OK
    assert notified.status_code == 204 and stored["state"] == "SUCCESS"


DISK_FULL = """
CREATE FUNCTION probe_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'could not extend file "base/1/2": No space left on device' USING ERRCODE = 'disk_full';
END $$;
CREATE TRIGGER probe_disk_full BEFORE INSERT OR UPDATE ON probe FOR EACH ROW EXECUTE FUNCTION probe_disk_full();
"""


def auth(credentials: RelayCredentials) -> dict[str, str]:
    return {"Authorization": f"Bearer {credentials.kiosk_token}"}


def test_a_relay_whose_database_is_gone_exits_3_and_comes_back_with_it_having_lost_nothing(
    sandbox: SandboxProcess, tmp_path: Path, postgres_binaries: Binaries
) -> None:
    """The database server stops (as in a crash) for longer than exit_after_seconds: 503, exit 3, and systemd's
    watchdog gets no ping meanwhile; started again while the server is still gone, ``serve`` waits for the
    database (saying so in systemd's status, extending its start timeout) and serves once it is back, with every
    order it acknowledged. Its own server: the session's is shared by every other test."""
    with running_postgres(postgres_binaries) as server:
        url = server.url(server.create_database())
        credentials = init_relay(sandbox.state_dir, tmp_path, settings=FAST, storage_url=url)
        update_config(credentials.config_path, {"storage": {"exit_after_seconds": 2}})
        starting = ThreadPoolExecutor(1)
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
            systemd.bind(str(tmp_path / "notify"))
            env = {"NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": "600000"}
            relay = start_relay(credentials, env=env)
            first: list[str] = []
            try:
                wait_until(lambda: received(systemd, first) >= {"READY=1", "WATCHDOG=1"}, 10, "READY and a ping")
                stored = [create(relay.base_url, credentials.kiosk_token).json()["out_trade_no"] for _ in range(3)]
                with server.stopped():
                    said = wait_until(lambda: received(systemd, first) and answered_503(relay.base_url), 15, "a 503")
                    code = relay.server.process.wait(30)
                    received(systemd, first)
                    again = starting.submit(start_relay, credentials, timeout=60, env=env)
                    second: list[str] = []
                    waiting = wait_until(
                        lambda: [
                            m for m in received(systemd, second) if m.startswith("STATUS=waiting for the database")
                        ],
                        30,
                        "the restarted relay to say it waits",
                    )
                    waited = not again.done()  # it waits for the database rather than exit
                restarted = again.result()
                wait_until(lambda: "READY=1" in received(systemd, second), 10, "READY once the database is back")
            finally:
                starting.shutdown()
                relay.kill()
        try:
            kiosk = httpx.Client(base_url=restarted.base_url, headers=auth(credentials), timeout=20)
            found = [kiosk.get(f"/v1/orders/{number}").status_code for number in stored]
            created = create(restarted.base_url, credentials.kiosk_token)
            kiosk.close()
        finally:
            restarted.stop()
    assert said.json()["checks"]["storage"]["status"] == "unhealthy"
    assert code == EXIT_STORAGE and first[-1] == "STOPPING=1"
    failed = [m.startswith("STATUS=storage:") for m in first].index(True)
    assert "WATCHDOG=1" not in first[failed:]  # no ping once storage failed
    assert waited and "\nEXTEND_TIMEOUT_USEC=" in waiting[0]
    assert found == [200] * 3 and created.status_code == 200
