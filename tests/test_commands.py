"""Every command answers every mistake with one line naming it and exit code 2, never a traceback.

Each command (``kiosk``, ``kiosk printer-test``, ``kiosk set-pin``, ``kiosk-relay *``, ``kiosk-sandbox``)
runs as a real process with each fault that applies to it: bad input, a missing file, a configuration
mistake, a busy port, a second instance on the same state (a real first instance, not a fake lock). And
``--help`` works for every command and sub-command, with ``kiosk --help`` listing the set-up commands.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.relay import RelayCredentials, init_relay, start_relay, update_config
from tests.support.sandbox import SandboxProcess, prepare_state_dir, start_sandbox_process
from tests.support.waiting import wait_until

RUN_TIMEOUT = 60
MODULES = {"kiosk": "kiosk", "kiosk-relay": "kiosk.relay", "kiosk-sandbox": "kiosk.sandbox"}


def command(program: str, *args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``program args`` as the user types it (``python -m`` for the console script), offscreen, no terminal."""
    return subprocess.run(
        [sys.executable, "-m", MODULES[program], *args],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        cwd=cwd,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(cwd)},
        check=False,
    )


def assert_one_line(done: subprocess.CompletedProcess[str], prog: str, *naming: str) -> None:
    """Exit 2 and one line on stderr, ``prog: …`` (or ``prog sub-command: …`` from argparse)."""
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert done.returncode == 2, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.split(": ")[0].split(" ")[0] == prog.split(" ")[0] or not prog, done.stderr
    for word in naming:
        assert word in done.stderr, f"{word!r} not named in {done.stderr!r}"


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxProcess]:
    process = start_sandbox_process(tmp_path / "sandbox")
    yield process
    process.stop()


@pytest.fixture
def relay_config(sandbox: SandboxProcess, tmp_path: Path) -> RelayCredentials:
    (tmp_path / "relay").mkdir()
    return init_relay(sandbox.state_dir, tmp_path / "relay")


@pytest.fixture
def busy_port() -> Iterator[int]:
    listener = socket.create_server(("127.0.0.1", 0))
    yield listener.getsockname()[1]
    listener.close()


# -- kiosk -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, naming",
    [
        (["--lang", "fr"], ["--lang", "fr"]),
        (["--no-such-option"], ["--no-such-option"]),
        (["--config", "kiosk.toml", "--exit-after-sale"], ["--exit-after-sale"]),
        (["--config", "missing.toml"], ["missing.toml", "not found"]),
    ],
    ids=["bad-choice", "unknown-option", "bad-combination", "missing-config"],
)
def test_kiosk_bad_input_and_missing_file(tmp_path: Path, args: list[str], naming: list[str]) -> None:
    assert_one_line(command("kiosk", *args, cwd=tmp_path), "kiosk", *naming)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="DISPLAY and WAYLAND_DISPLAY are Linux's")
def test_kiosk_without_a_screen_says_so(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--exit-after-start", "--data-dir", str(tmp_path / "training")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env=env | {"HOME": str(tmp_path)},
        check=False,
    )
    # Qt itself would abort with exit 134, asking for libxcb-cursor0.
    assert_one_line(done, "kiosk", "no screen", "QT_QPA_PLATFORM=offscreen")


@pytest.mark.parametrize(
    "table, key",
    [
        ('[printer]\nprofile = "generic-80mm"\nport = "9100"\n', "[printer] port"),
        ("[sound]\nvolume = 150\n", "[sound] volume"),
        ('[relay]\nurls = ["http://127.0.0.1:9", "127.0.0.1:10"]\n', "[relay] urls"),
    ],
    ids=["printer", "sound", "relay-urls"],
)
def test_kiosk_configuration_mistake_in_any_table_stops_it(tmp_path: Path, table: str, key: str) -> None:
    config = tmp_path / "kiosk.toml"
    relay = '[relay]\nurl = "http://127.0.0.1:9"\n' if not table.startswith("[relay]") else table
    config.write_text(
        relay + 'token = "t"\n[store]\nid = "S1"\nname = "店"\naddress = "路"\n'
        '[kiosk]\nid = "K1"\ndata_dir = "data"\n' + (table if relay != table else ""),
        "utf-8",
    )
    assert_one_line(command("kiosk", "--config", str(config), cwd=tmp_path), "kiosk", key, "kiosk.toml")
    assert not (tmp_path / "data").exists(), "stopped before anything was created"


def test_kiosk_second_instance_on_the_same_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "training"
    first = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--data-dir", str(data)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)},
    )
    try:
        lock = data / "kiosk.lock"
        wait_until(lambda: lock.is_file() and lock.read_text().strip() == str(first.pid), 60, "the first kiosk")
        second = command("kiosk", "--data-dir", str(data), "--exit-after-start", cwd=tmp_path)
        assert_one_line(second, "kiosk", "already running", str(data), f"pid {first.pid}")
        assert first.poll() is None, "the first kiosk is left alone"
    finally:
        first.terminate()
        first.wait(30)


# -- kiosk printer-test and kiosk set-pin --------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, naming",
    [
        (["--network", "printer-without-port"], ["--network", "HOST:PORT"]),
        (["--profile", "generic-80mm", "--network", "10.0.0.9:9100", "--file", "x"], ["--file", "--network"]),
        (["--profile", "no-such-printer"], ["no-such-printer"]),
        (["--profile", "missing/printer.toml"], ["missing/printer.toml", "no such profile file"]),
        (["--profile", "generic-58mm", "--file", "missing/lp0"], ["missing/lp0", "does not exist"]),
    ],
    ids=["bad-address", "two-targets", "unknown-profile", "missing-profile-file", "missing-directory"],
)
def test_printer_test_mistakes(tmp_path: Path, args: list[str], naming: list[str]) -> None:
    if "--profile" not in args:
        args = ["--profile", "generic-80mm", *args]
    assert_one_line(command("kiosk", "printer-test", *args, cwd=tmp_path), "kiosk printer-test", *naming)


@pytest.mark.parametrize(
    "stdin, naming",
    [
        (None, ["no terminal"]),
        ("2468\n1357\n", ["differ"]),
        ("12\n12\n", ["4 to 12 digits"]),
        ("2468\n", ["no terminal"]),
    ],
    ids=["no-terminal", "two-different-pins", "too-short", "only-one-pin"],
)
def test_set_pin_mistakes(tmp_path: Path, stdin: str | None, naming: list[str]) -> None:
    done = command("kiosk", "set-pin", cwd=tmp_path, stdin=stdin)
    assert "pin_sha256" not in done.stdout
    assert_one_line(done, "kiosk set-pin", *naming)


# -- kiosk-relay ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, naming",
    [
        (["serve"], ["--config"]),
        (["serve", "--config", "relay.toml", "--port", "x"], ["--port", "'x'"]),
        (["add-kiosk", "--config", "relay.toml", "--store", "S1", "--role", "boss"], ["--role", "boss"]),
        (["rotate"], ["rotate"]),
        (["serve", "--config", "missing.toml"], ["missing.toml"]),
        (["add-store", "--config", "missing.toml", "--id", "S2", "--name", "店"], ["missing.toml"]),
        (["init", "--sandbox", "missing", "--port", "0", "--out", "relay.toml"], ["missing", "sandbox.json"]),
        (["remove-kiosk", "--config", "relay.toml"], ["--id"]),
        (["remove-kiosk", "--config", "missing.toml", "--id", "kiosk-1"], ["missing.toml", "cannot read"]),
        (["rotate-token", "--id", "kiosk-1"], ["--config"]),
        (["rotate-token", "--config", "missing.toml", "--id", "kiosk-1"], ["missing.toml", "cannot read"]),
        (["add-kiosk", "--config", "not-utf8.toml", "--store", "S1"], ["not-utf8.toml", "not valid TOML"]),
    ],
    ids=[
        "no-config",
        "bad-port",
        "bad-role",
        "unknown-command",
        "serve-missing",
        "add-missing",
        "init-missing",
        "remove-without-id",
        "remove-missing",
        "rotate-without-config",
        "rotate-missing",
        "not-utf8",
    ],
)
def test_relay_bad_input_and_missing_files(tmp_path: Path, args: list[str], naming: list[str]) -> None:
    (tmp_path / "not-utf8.toml").write_bytes(b"\xff\xfe[stores]")
    done = command("kiosk-relay", *args, cwd=tmp_path)
    assert_one_line(done, "kiosk-relay", *naming)


@pytest.mark.parametrize("sub", ["remove-kiosk", "rotate-token"])
def test_relay_unknown_credential_changes_nothing(relay_config: RelayCredentials, tmp_path: Path, sub: str) -> None:
    before = relay_config.config_path.read_bytes()
    done = command("kiosk-relay", sub, "--config", str(relay_config.config_path), "--id", "kiosk-9", cwd=tmp_path)
    assert_one_line(done, "kiosk-relay", "--id", "kiosk-9")
    assert done.stdout == "" and relay_config.config_path.read_bytes() == before


@pytest.mark.parametrize("sub", ["remove-kiosk", "rotate-token"])
def test_relay_credential_change_refused_while_the_file_is_invalid(
    relay_config: RelayCredentials, tmp_path: Path, sub: str
) -> None:
    update_config(relay_config.config_path, {"server": {"port": "8080"}})
    before = relay_config.config_path.read_bytes()
    done = command(
        "kiosk-relay", sub, "--config", str(relay_config.config_path), "--id", relay_config.kiosk_id, cwd=tmp_path
    )
    assert_one_line(done, "kiosk-relay", "server.port")
    assert relay_config.config_path.read_bytes() == before


def test_relay_configuration_mistake(relay_config: RelayCredentials, tmp_path: Path) -> None:
    update_config(relay_config.config_path, {"server": {"port": "8080"}})
    done = command("kiosk-relay", "serve", "--config", str(relay_config.config_path), cwd=tmp_path)
    assert_one_line(done, "kiosk-relay", "server.port", "integer")


def test_relay_busy_port(relay_config: RelayCredentials, tmp_path: Path, busy_port: int) -> None:
    config = str(relay_config.config_path)
    done = command("kiosk-relay", "serve", "--config", config, "--port", str(busy_port), cwd=tmp_path)
    assert_one_line(done, "kiosk-relay", "--port", f"127.0.0.1:{busy_port}", "in use")
    update_config(relay_config.config_path, {"server": {"port": busy_port}})
    done = command("kiosk-relay", "serve", "--config", config, cwd=tmp_path)
    assert_one_line(done, "kiosk-relay", "server.port", f"127.0.0.1:{busy_port}", "in use")


def test_relay_second_instance_on_the_same_storage(relay_config: RelayCredentials, tmp_path: Path) -> None:
    first = start_relay(relay_config)
    try:
        done = command("kiosk-relay", "serve", "--config", str(relay_config.config_path), "--port", "0", cwd=tmp_path)
        assert_one_line(done, "kiosk-relay", "storage.path", "another relay is already running", "pid")
    finally:
        first.stop()


# -- kiosk-sandbox -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, naming",
    [
        (["--state-dir", "s", "--time-scale", "0"], ["--time-scale"]),
        (["--state-dir", "s", "--port", "70000"], ["--port"]),
        (["--port", "0"], ["--state-dir"]),
        (["--state-dir", "a-file/state"], ["a-file"]),
    ],
    ids=["bad-time-scale", "bad-port", "no-state-dir", "state-dir-under-a-file"],
)
def test_sandbox_bad_input_and_unusable_state(tmp_path: Path, args: list[str], naming: list[str]) -> None:
    (tmp_path / "a-file").write_text("not a directory", "utf-8")
    assert_one_line(command("kiosk-sandbox", *args, cwd=tmp_path), "kiosk-sandbox", *naming)


def test_sandbox_damaged_state(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "sandbox.json").write_text("{not json", "utf-8")
    done = command("kiosk-sandbox", "--state-dir", "state", cwd=tmp_path)
    assert_one_line(done, "kiosk-sandbox", "state directory", str(tmp_path / "state"))


def test_sandbox_busy_port(tmp_path: Path, busy_port: int) -> None:
    prepare_state_dir(tmp_path / "state")
    done = command("kiosk-sandbox", "--state-dir", "state", "--port", str(busy_port), cwd=tmp_path)
    assert_one_line(done, "kiosk-sandbox", f"127.0.0.1:{busy_port}", "in use")


def test_sandbox_second_instance_on_the_same_state_directory(sandbox: SandboxProcess, tmp_path: Path) -> None:
    done = command("kiosk-sandbox", "--state-dir", str(sandbox.state_dir), cwd=tmp_path)
    assert_one_line(done, "kiosk-sandbox", "already running", str(sandbox.state_dir))
    assert sandbox.orders() == [], "the running sandbox is left alone"


# -- --help --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "program, args, listing",
    [
        ("kiosk", [], ["kiosk printer-test", "kiosk set-pin", "--config", "--kiosk"]),
        ("kiosk", ["printer-test"], ["--profile", "--file", "--append"]),
        ("kiosk", ["set-pin"], ["standard input"]),
        ("kiosk-relay", [], ["init", "add-store", "add-kiosk", "remove-kiosk", "rotate-token", "serve"]),
        ("kiosk-relay", ["init"], ["--sandbox", "--out"]),
        ("kiosk-relay", ["add-store"], ["--sub-mchid"]),
        ("kiosk-relay", ["add-kiosk"], ["--role"]),
        ("kiosk-relay", ["remove-kiosk"], ["--config", "--id"]),
        ("kiosk-relay", ["rotate-token"], ["--config", "--id"]),
        ("kiosk-relay", ["serve"], ["--log-level"]),
        ("kiosk-sandbox", [], ["--state-dir", "--time-scale"]),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else value,
)
def test_help_works_everywhere(tmp_path: Path, program: str, args: list[str], listing: list[str]) -> None:
    done = command(program, *args, "--help", cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.startswith(f"usage: {' '.join([program, *args])}")
    for word in listing:
        assert word in done.stdout
