"""Backing up a live relay with packaging/relay/backup.sh and restoring it into a fresh relay loses nothing, on
SQLite and on PostgreSQL.

The real sandbox and the real relay run as processes. Orders are created, paid (through the sandbox, and
one only through a signed notification, so its state can come from nowhere but the database), closed and
refunded; the backup is taken while the relay keeps accepting new orders; then restore.sh puts the backup
under a new configuration (a new file, or a new database), a new relay process starts on it, and every order
must read back the same through the kiosk API.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.support.postgres import PostgresServer
from tests.support.relay import (
    ENGINES,
    FAST,
    NotificationSigner,
    RelayCredentials,
    RelayProcess,
    database_for,
    init_relay,
    order_number,
    start_relay,
    update_config,
)
from tests.support.sandbox import SandboxProcess, start_sandbox_process

RELAY_DIR = Path(__file__).resolve().parents[2] / "packaging" / "relay"
#: What a kiosk sees of an order and must see unchanged after a restore.
COMPARED = ("state", "version", "amount_fen", "transaction_id", "success_time", "payer_total_fen", "refunded_fen")


def script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a packaging/relay shell script with this interpreter."""
    env = {**os.environ, "KIOSK_RELAY_PYTHON": sys.executable}
    return subprocess.run(
        ["sh", str(RELAY_DIR / name), *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def run_script(name: str, *args: str) -> dict[str, Any]:
    """Run a packaging/relay shell script that must succeed; return its last JSON line."""
    done = script(name, *args)
    assert done.returncode == 0, f"{name} failed ({done.returncode}): {done.stderr}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxProcess]:
    process = start_sandbox_process(tmp_path / "sandbox", time_scale=10)
    yield process
    process.stop()


def kiosk_client(relay: RelayProcess, token: str) -> httpx.Client:
    return httpx.Client(base_url=relay.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=40)


def create_order(client: httpx.Client, amount_fen: int) -> dict[str, Any]:
    body = {"out_trade_no": order_number("B"), "description": "豆浆 Soy milk", "amount_fen": amount_fen}
    response = client.post("/v1/orders", json=body)
    assert response.status_code == 200, response.text
    order: dict[str, Any] = response.json()
    return order


def wait_for_state(client: httpx.Client, order: dict[str, Any], state: str) -> dict[str, Any]:
    current: dict[str, Any] = order
    for _ in range(5):
        response = client.get(f"/v1/orders/{order['out_trade_no']}", params={"since": current["version"], "wait": 20})
        assert response.status_code == 200, response.text
        current = response.json()
        if current["state"] == state:
            return current
    raise AssertionError(f"{order['out_trade_no']} never reached {state}: {current}")


@pytest.mark.parametrize("engine", ENGINES)
def test_live_backup_restored_into_a_fresh_relay_keeps_every_order(
    sandbox: SandboxProcess, tmp_path: Path, engine: str, request: pytest.FixtureRequest
) -> None:
    (tmp_path / "live").mkdir()
    credentials = init_relay(
        sandbox.state_dir, tmp_path / "live", settings=FAST, storage_url=database_for(engine, request)
    )
    relay = start_relay(credentials)
    restored_relay: RelayProcess | None = None
    signer = NotificationSigner(sandbox.info)
    try:
        with kiosk_client(relay, relay.kiosk_token) as kiosk, kiosk_client(relay, relay.manager_token) as manager:
            orders = [create_order(kiosk, 100 + index) for index in range(12)]
            for order in orders[:5]:  # paid by a customer, through WeChat Pay (the sandbox)
                sandbox.pay(order["code_url"])
                wait_for_state(kiosk, order, "SUCCESS")
            for order in orders[5:7]:  # cancelled at the counter
                closed = kiosk.post(f"/v1/orders/{order['out_trade_no']}/close")
                assert closed.status_code == 200 and closed.json()["state"] == "CLOSED"
            # Paid only through a notification: WeChat Pay (the sandbox) still says NOTPAY for it.
            notified = orders[7]
            resource = signer.transaction(notified["out_trade_no"], notified["amount_fen"])
            headers, body = signer.signed(resource)
            assert httpx.post(relay.base_url + "/wechatpay/notify", headers=headers, content=body).status_code == 204
            # One refund by the manager.
            refund = {"out_refund_no": orders[0]["out_trade_no"] + "R", "amount_fen": 50, "reason": "退货"}
            refunded = manager.post(f"/v1/orders/{orders[0]['out_trade_no']}/refunds", json=refund)
            assert refunded.status_code == 200, refunded.text
            wait_for_state(kiosk, kiosk.get(f"/v1/orders/{orders[0]['out_trade_no']}").json(), "REFUND")

            before = {
                order["out_trade_no"]: kiosk.get(f"/v1/orders/{order['out_trade_no']}").json() for order in orders
            }
            refund_before = manager.get(f"/v1/refunds/{refund['out_refund_no']}").json()
            assert [before[o["out_trade_no"]]["state"] for o in orders] == (
                ["REFUND"] + ["SUCCESS"] * 4 + ["CLOSED"] * 2 + ["SUCCESS"] + ["NOTPAY"] * 4
            )
            assert before[notified["out_trade_no"]]["transaction_id"] == resource["transaction_id"]

            # The backup runs while a kiosk keeps creating orders: the relay is live and writing.
            stop = threading.Event()
            created_during: list[str] = []

            def keep_selling() -> None:
                with kiosk_client(relay, relay.kiosk_token) as busy:
                    while not stop.is_set():
                        created_during.append(create_order(busy, 999)["out_trade_no"])

            seller = threading.Thread(target=keep_selling)
            seller.start()
            try:
                backup = run_script(
                    "backup.sh", "--config", str(credentials.config_path), "--dest", str(tmp_path / "backups")
                )
            finally:
                stop.set()
                seller.join(30)
            assert created_during, "no order was written while the backup ran"

        backup_file = Path(backup["file"])
        assert backup_file.parent == tmp_path / "backups" and backup_file.stat().st_mode & 0o777 == 0o600
        assert backup["rows"]["orders"] >= len(orders) and backup["rows"]["refunds"] == 1
        fresh_dir = tmp_path / "fresh"
        (fresh_dir / "data").mkdir(parents=True)
        fresh_config = fresh_dir / "relay.toml"
        shutil.copy2(credentials.config_path, fresh_config)
        if engine == "sqlite":
            # A self-contained file: no WAL mode, so nothing is needed beside it.
            assert backup_file.suffix == ".sqlite3"
            with closing(sqlite3.connect(f"{backup_file.as_uri()}?mode=ro", uri=True)) as check:
                assert check.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            assert not Path(f"{backup_file}-wal").exists()
            update_config(fresh_config, {"storage": {"path": "data/restored.sqlite3"}})
        else:
            assert backup_file.suffix == ".dump" and backup["source"].startswith("postgresql://")
            update_config(fresh_config, {"storage": {"url": str(database_for(engine, request))}})

        # A fresh relay: new process, new configuration, the database restored from the backup.
        restored = run_script("restore.sh", str(backup_file), "--config", str(fresh_config), "--no-service")
        if engine == "sqlite":
            assert Path(restored["file"]) == fresh_dir / "data" / "restored.sqlite3"
        else:  # what the fresh database held is kept beside the backup
            assert [Path(aside).parent for aside in restored["moved_aside"]] == [tmp_path / "backups"]
        assert restored["rows"] == backup["rows"]

        relay.stop()  # the old relay is gone: whatever the fresh one answers comes from the backup
        fresh = RelayCredentials(
            config_path=fresh_config,
            store_id=credentials.store_id,
            kiosk_id=credentials.kiosk_id,
            kiosk_token=credentials.kiosk_token,
            manager_id=credentials.manager_id,
            manager_token=credentials.manager_token,
        )
        restored_relay = start_relay(fresh)
        with (
            kiosk_client(restored_relay, fresh.kiosk_token) as kiosk,
            kiosk_client(restored_relay, fresh.manager_token) as manager,
        ):
            for number, expected in before.items():
                response = kiosk.get(f"/v1/orders/{number}")
                assert response.status_code == 200, f"{number} lost in the restore: {response.text}"
                after = response.json()
                assert {key: after.get(key) for key in COMPARED} == {key: expected.get(key) for key in COMPARED}
            refund_after = manager.get(f"/v1/refunds/{refund['out_refund_no']}")
            assert refund_after.status_code == 200
            assert refund_after.json()["status"] == refund_before["status"] == "SUCCESS"
            assert refund_after.json()["amount_fen"] == 50
            # Orders written during the backup are there up to the snapshot, in a consistent state.
            in_backup = [n for n in created_during if kiosk.get(f"/v1/orders/{n}").status_code == 200]
            assert len(in_backup) == backup["rows"]["orders"] - len(orders)
            assert created_during[: len(in_backup)] == in_backup
    finally:
        relay.stop()
        if restored_relay is not None:
            restored_relay.stop()


def test_restore_refuses_a_damaged_backup_and_leaves_the_database_alone(tmp_path: Path) -> None:
    config = tmp_path / "relay.toml"
    config.write_text('[storage]\npath = "relay.sqlite3"\n', "utf-8")
    database = tmp_path / "relay.sqlite3"
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute("CREATE TABLE orders (out_trade_no TEXT PRIMARY KEY)")
        connection.execute("INSERT INTO orders VALUES ('keep-me')")
    damaged = tmp_path / "relay-damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    done = script("restore.sh", str(damaged), "--config", str(config), "--no-service")
    assert done.returncode != 0 and "relay-damaged.sqlite3" in done.stderr
    with closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as check:
        assert check.execute("SELECT out_trade_no FROM orders").fetchall() == [("keep-me",)]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["relay-damaged.sqlite3", "relay.sqlite3", "relay.toml"]


@pytest.mark.parametrize("script", ["backup.sh", "restore.sh"])
def test_a_python_without_the_kiosk_package_is_one_line_and_exit_2(script: str, tmp_path: Path) -> None:
    """Not the relay's interpreter (none at /opt/kiosk-relay, or one without the package): the script names
    KIOSK_RELAY_PYTHON in one line instead of a traceback from relay_db.py (it used to fall back to python3)."""
    bare = tmp_path / "bare-python"
    bare.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n', "utf-8")  # no site-packages: no kiosk
    bare.chmod(0o755)
    config = tmp_path / "relay.toml"
    config.write_text('[storage]\npath = "relay.sqlite3"\n', "utf-8")
    args = ["--config", str(config), *(["--dest", str(tmp_path / "backups")] if script == "backup.sh" else [])]
    args += [str(tmp_path / "relay-x.sqlite3"), "--no-service"] if script == "restore.sh" else []
    for python in (str(bare), str(tmp_path / "missing" / "python")):
        done = subprocess.run(
            ["sh", str(RELAY_DIR / script), *args],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env={**os.environ, "KIOSK_RELAY_PYTHON": python},
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.splitlines() == [
            f"{script}: {python} cannot import the kiosk package: set KIOSK_RELAY_PYTHON to the relay's Python"
            " (the one kiosk-relay runs with)"
        ]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bare-python", "relay.toml"]  # nothing made


def test_the_scripts_help_is_their_header() -> None:
    for script in ("backup.sh", "restore.sh"):
        done = subprocess.run(
            ["sh", str(RELAY_DIR / script), "--help"], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0 and done.stdout.startswith(("Online backup", "Restore the relay"))
        assert "KIOSK_RELAY_PYTHON" in done.stdout and "set -eu" not in done.stdout


def test_restore_refuses_a_damaged_dump_and_leaves_the_database_alone(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    postgres_url = postgres_server.url(postgres_server.create_database())  # empty, but for the table below
    config = tmp_path / "relay.toml"
    config.write_text(f'[storage]\nurl = "{postgres_url}"\n', "utf-8")
    with psycopg.connect(postgres_url) as connection:
        connection.execute("CREATE TABLE orders (out_trade_no TEXT PRIMARY KEY)")
        connection.execute("INSERT INTO orders VALUES ('keep-me')")
    damaged = tmp_path / "relay-damaged.dump"
    damaged.write_bytes(b"PGDMP" + b"\xff" * 4000)
    done = script("restore.sh", str(damaged), "--config", str(config), "--no-service")
    assert done.returncode != 0 and "relay-damaged.dump is not a readable PostgreSQL dump" in done.stderr
    with psycopg.connect(postgres_url) as connection:
        assert connection.execute("SELECT out_trade_no FROM orders").fetchall() == [("keep-me",)]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["relay-damaged.dump", "relay.toml"]
