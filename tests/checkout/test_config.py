from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.checkout.config import DEFAULT_TIMEOUT_SECONDS, KioskConfigError, load_config

GOOD = """
[relay]
url = "https://relay.example.cn/"
token = "kiosk-secret-token"

[store]
id = "S1"
name = "邻里便利"
address = "上海市徐汇区漕溪北路 1 号"

[kiosk]
id = "K1"
data_dir = "data"

[printer]
profile = "xprinter-58"
port = "/dev/ttyUSB0"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_config_and_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.relay_urls == ("https://relay.example.cn",)
    assert config.store.name == "邻里便利" and config.store.phone is None
    assert config.data_dir == tmp_path / "data"
    assert config.journal_path == tmp_path / "data" / "journal.sqlite3"
    assert config.printer == {"profile": "xprinter-58", "port": "/dev/ttyUSB0"}
    assert config.payment_timeout_seconds == DEFAULT_TIMEOUT_SECONDS == 300
    assert (config.auto_print_slip, config.language, config.training) == (False, "zh_CN", False)
    assert config.manager_token is None


def test_the_relay_may_be_several_instances_to_fail_over_between(tmp_path: Path) -> None:
    urls = 'urls = ["https://relay-a.example.cn/", "https://relay-b.example.cn"]'
    config = load_config(write(tmp_path, GOOD.replace('url = "https://relay.example.cn/"', urls)))
    assert config.relay_urls == ("https://relay-a.example.cn", "https://relay-b.example.cn")


def test_a_mistake_in_the_relays_urls_stops_the_kiosk_with_one_line(tmp_path: Path) -> None:
    urls = 'urls = ["https://relay-a.example.cn", "relay-b.example.cn"]'
    path = write(tmp_path, GOOD.replace('url = "https://relay.example.cn/"', urls))
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"kiosk: {path}: [relay] urls: must start with http:// or https://, not 'relay-b.example.cn'"
    ]


def test_tokens_stay_out_of_repr(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            GOOD.replace('token = "kiosk-secret-token"', 'token = "kiosk-secret-token"\nmanager_token = "mgr-secret"'),
        )
    )
    assert config.manager_token == "mgr-secret"
    assert "secret" not in repr(config)


def test_full_config(tmp_path: Path) -> None:
    text = (
        GOOD
        + """
[payment]
timeout_seconds = 120
auto_print_slip = true

[ui]
language = "en"

[manager]
pin_sha256 = "abc"
"""
    )
    config = load_config(write(tmp_path, text))
    assert (config.payment_timeout_seconds, config.auto_print_slip, config.language) == (120, True, "en")
    assert config.manager == {"pin_sha256": "abc"}


@pytest.mark.parametrize(
    "old, new, key",
    [
        ('url = "https://relay.example.cn/"', 'url = "relay.example.cn"', "[relay] url"),
        ('url = "https://relay.example.cn/"\n', "", "[relay] url"),
        ('token = "kiosk-secret-token"', "token = 5", "[relay] token"),
        ('name = "邻里便利"', 'name = ""', "[store] name"),
        ('id = "K1"', "", "[kiosk] id"),
        ("[printer]", "[payment]\ntimeout_seconds = 10\n[printer]", "[payment] timeout_seconds"),
        ("[printer]", "[payment]\ntimeout_seconds = '300'\n[printer]", "[payment] timeout_seconds"),
        ("[printer]", "[payment]\nauto_print_slip = 'yes'\n[printer]", "[payment] auto_print_slip"),
        ("[printer]", "[ui]\nlanguage = 'fr'\n[printer]", "[ui] language"),
        ("[printer]", "[shop]\nx = 1\n[printer]", "[shop]"),
        ("[printer]", "printer = 3\n[printer]", "[kiosk] printer"),
        ("[printer]", "[payment]\ntimeout_second = 30\n[printer]", "[payment] timeout_second"),
        ('url = "https://relay.example.cn/"', 'url = "https://relay.example.cn/', "file"),
        ('url = "https://relay.example.cn/"', 'url = "https://a.cn"\nurls = ["https://b.cn"]', "[relay] urls"),
        ('url = "https://relay.example.cn/"', "urls = []", "[relay] urls"),
        ('url = "https://relay.example.cn/"', 'urls = "https://a.cn"', "[relay] urls"),
        ('url = "https://relay.example.cn/"', 'urls = ["https://a.cn", 5]', "[relay] urls"),
        ('url = "https://relay.example.cn/"', 'urls = ["https://a.cn", "b.cn"]', "[relay] urls"),
        ('url = "https://relay.example.cn/"', 'urls = ["https://a.cn", "https://a.cn/"]', "[relay] urls"),
        ('url = "https://relay.example.cn/"', f"urls = {[f'https://r{n}.cn' for n in range(9)]}", "[relay] urls"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    assert old in GOOD
    with pytest.raises(KioskConfigError) as caught:
        load_config(write(tmp_path, GOOD.replace(old, new, 1)))
    assert caught.value.key == key
    assert key in str(caught.value) and "kiosk.toml" in str(caught.value)
    assert "kiosk-secret-token" not in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KioskConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
