"""Credentials fail closed on a running relay: remove-kiosk and rotate-token take effect within seconds, and
an edit that leaves relay.toml invalid never keeps a removed token alive."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.relay import RelayProcess, add_kiosk, init_relay, run_cli, start_relay
from tests.support.sandbox import offline_state_dir

#: How long a change may take to apply: the relay looks at the file at most once a second.
WITHIN = 10.0


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[tuple[RelayProcess, Path]]:
    credentials = init_relay(offline_state_dir(tmp_path / "sandbox"), tmp_path)
    log_path = tmp_path / "relay.log"
    with open(log_path, "w", encoding="utf-8") as log:
        process = start_relay(credentials, stderr=log)
    yield process, log_path
    process.stop()


def status(relay: RelayProcess, token: str) -> int:
    """The heartbeat's answer: 200 for a token in force, 401 for a wrong or revoked one."""
    return httpx.get(relay.base_url + "/v1/ping", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code


def test_ping_answers_who_the_token_belongs_to(relay: tuple[RelayProcess, Path]) -> None:
    process, _ = relay
    answer = httpx.get(process.base_url + "/v1/ping", headers=process.kiosk_headers(), timeout=10)
    assert answer.status_code == 200 and answer.json() == {"kiosk_id": "kiosk-1", "store_id": "store-1"}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {process.kiosk_token}"}):
        refused = httpx.get(process.base_url + "/v1/ping", headers=headers, timeout=10)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"


def settles_to(relay: RelayProcess, token: str, expected: int) -> bool:
    deadline = time.monotonic() + WITHIN
    while status(relay, token) != expected:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_removed_and_rotated_tokens_stop_working_within_seconds(relay: tuple[RelayProcess, Path]) -> None:
    process, _ = relay
    spare = add_kiosk(process.config_path, "store-1")
    assert settles_to(process, spare["token"], 200)

    run_cli(["remove-kiosk", "--config", str(process.config_path), "--id", spare["kiosk_id"]])
    assert settles_to(process, spare["token"], 401)

    done = run_cli(["rotate-token", "--config", str(process.config_path), "--id", "kiosk-1"])
    fresh = json.loads(done.stdout)["token"]
    assert settles_to(process, process.kiosk_token, 401)
    assert status(process, fresh) == 200
    assert status(process, process.manager_token) == 200  # the others are untouched


def test_an_invalid_file_keeps_no_removed_token_alive(relay: tuple[RelayProcess, Path]) -> None:
    process, log_path = relay
    valid = process.config_path.read_text("utf-8")
    # The operator deletes the manager's entry by hand and mistypes a key elsewhere in the same edit.
    without_manager = valid.partition('[[kiosks]]\nid = "manager-1"')[0]  # init writes it last
    assert '"manager-1"' not in without_manager and '"kiosk-1"' in without_manager
    process.config_path.write_text(without_manager.replace("[server]", "[server]\nprot = 8080"), "utf-8")
    assert settles_to(process, process.manager_token, 401)
    assert status(process, process.kiosk_token) == 200  # still listed as it was: it keeps working

    # A file that is not even TOML: nothing can be told apart, every credential is refused.
    process.config_path.write_text(valid.replace("[server]", "[server"), "utf-8")
    assert settles_to(process, process.kiosk_token, 401)

    process.config_path.write_text(valid, "utf-8")
    assert settles_to(process, process.kiosk_token, 200) and settles_to(process, process.manager_token, 200)
    errors = [line for line in log_path.read_text("utf-8").splitlines() if " ERROR " in line]
    assert len(errors) == 2 and all("configuration reload failed" in line for line in errors), errors
    assert "server.prot: unknown key; 1 of 2 kiosk credentials refused" in errors[0]
