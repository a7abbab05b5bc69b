"""The shipped relay example configuration loads with the relay's own validation, agrees with nginx, and
cannot be served until every stand-in value in it is replaced."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.relay.cli import refuse_placeholders
from kiosk.relay.config import ConfigError, hash_token, load_config
from kiosk.serving import FD_RESERVE
from tests.support.relay import update_config

RELAY_DIR = Path(__file__).resolve().parents[2] / "packaging" / "relay"
#: The longest long-poll a kiosk may ask for (issue 4: ``wait`` at most 30 seconds).
MAX_LONG_POLL_SECONDS = 30


def install_example(tmp_path: Path, wechatpay: dict[str, Any] | None = None) -> Path:
    """The example as an operator would install it: /etc/kiosk-relay/relay.toml with keys/ beside it, and
    ``wechatpay`` filled in. /var/lib/kiosk-relay does not exist here: the storage moves to a state/ that does."""
    etc = tmp_path / "etc"
    (etc / "keys").mkdir(parents=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (etc / "keys" / "apiclient_key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    platform = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    (etc / "keys" / "pub_key.pem").write_bytes(
        platform.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    config = etc / "relay.toml"
    shutil.copy(RELAY_DIR / "relay.example.toml", config)
    (tmp_path / "state").mkdir()
    storage = {"path": str(tmp_path / "state" / "relay.sqlite3")}
    update_config(config, {"storage": storage, "wechatpay": wechatpay or {}})
    return config


def nginx_conf() -> str:
    return (RELAY_DIR / "nginx-kiosk-relay.conf").read_text("utf-8")


def test_example_config_loads_and_is_set_up_behind_https(tmp_path: Path) -> None:
    config = load_config(install_example(tmp_path))
    assert config.wechatpay.base_url == "https://api.mch.weixin.qq.com"
    notify = urlsplit(config.wechatpay.notify_url)
    assert notify.scheme == "https" and notify.path == "/wechatpay/notify" and not notify.query
    assert config.wechatpay.merchant_private_key == tmp_path / "etc" / "keys" / "apiclient_key.pem"
    assert config.server.host == "127.0.0.1", "behind nginx the relay listens on loopback only"
    assert config.stores and not config.kiosks, "kiosks come from kiosk-relay add-kiosk, with real tokens"


def test_example_storage_lives_in_the_service_state_directory() -> None:
    text = (RELAY_DIR / "relay.example.toml").read_text("utf-8")
    assert re.search(r'^path = "/var/lib/kiosk-relay/relay\.sqlite3"$', text, re.M)
    unit = (RELAY_DIR / "kiosk-relay.service").read_text("utf-8")
    assert re.search(r"^StateDirectory=kiosk-relay$", unit, re.M)
    assert "--config /etc/kiosk-relay/relay.toml" in unit


def test_nginx_proxies_to_the_relay_port_with_long_poll_and_body_limits(tmp_path: Path) -> None:
    config = load_config(install_example(tmp_path))
    conf = nginx_conf()
    upstream = re.search(r"upstream kiosk_relay \{\s*server ([\d.]+):(\d+);", conf)
    assert upstream is not None
    assert (upstream.group(1), int(upstream.group(2))) == (config.server.host, config.server.port)
    api = re.search(r"location /v1/ \{(.*?)\}", conf, re.S)
    assert api is not None
    read_timeout = re.search(r"proxy_read_timeout (\d+)s;", api.group(1))
    assert read_timeout is not None and int(read_timeout.group(1)) >= MAX_LONG_POLL_SECONDS + 5
    body_cap = re.search(r"client_max_body_size (\d+)k;", conf)
    assert body_cap is not None and int(body_cap.group(1)) * 1024 <= config.server.max_body_bytes
    assert re.search(r"listen 443 ssl", conf) and "return 301 https://" in conf
    # nginx drops its idle upstream connections before the relay does, so it never sends on a closing one.
    keepalive = re.search(r"upstream kiosk_relay \{[^}]*keepalive_timeout (\d+)s;", conf)
    assert keepalive is not None and int(keepalive.group(1)) < config.server.keep_alive_seconds


def test_the_service_may_open_every_connection_the_example_allows(tmp_path: Path) -> None:
    config = load_config(install_example(tmp_path))
    unit = (RELAY_DIR / "kiosk-relay.service").read_text("utf-8")
    limit = re.search(r"^LimitNOFILE=(\d+)$", unit, re.M)
    assert limit is not None and int(limit.group(1)) >= config.server.max_connections + FD_RESERVE


#: What an operator puts in for each value the example marks REPLACE.
REAL_VALUES: dict[str, Any] = {
    "mchid": "1612345678",
    "appid": "wx5c2a8e1f3b7d9046",
    "merchant_cert_serial": "5F1C72E2A8931B72A2E13AF8DEE92471EB397115",
    "apiv3_key": "a3f1c9e07b2d4f6a8c0e1b3d5f7a9c2e",
    "platform_public_key_id": "PUB_KEY_ID_0116123456782025112900000000001",
    "notify_url": "https://pay.linli-shop.cn/wechatpay/notify",
}


def placeholders() -> dict[str, str]:
    """The [wechatpay] values the example marks ``# REPLACE``."""
    text = (RELAY_DIR / "relay.example.toml").read_text("utf-8")
    marked = dict(re.findall(r'^(\w+) = "([^"]*)".*# REPLACE', text, re.M))
    notify = re.search(r'^# REPLACE.*\n(?:#.*\n)*(\w+) = "([^"]*)"', text, re.M)
    assert notify is not None
    marked[notify.group(1)] = notify.group(2)
    return marked


def test_every_stand_in_of_the_example_is_marked_and_has_a_real_counterpart() -> None:
    assert set(placeholders()) == set(REAL_VALUES)


@pytest.mark.parametrize("left", sorted(REAL_VALUES))
def test_serve_refuses_each_stand_in_left_in_place(tmp_path: Path, left: str) -> None:
    filled = {key: value for key, value in REAL_VALUES.items() if key != left}
    config = load_config(install_example(tmp_path, filled))
    with pytest.raises(ConfigError) as refused:
        refuse_placeholders(config)
    assert refused.value.key == f"wechatpay.{left}"
    assert placeholders()[left] not in str(refused.value)  # the key is named, the value (a secret?) is not


def test_serve_accepts_the_example_once_filled_in_but_not_a_zero_token_hash(tmp_path: Path) -> None:
    config_path = install_example(tmp_path, REAL_VALUES)
    refuse_placeholders(load_config(config_path))
    with config_path.open("a", encoding="utf-8") as handle:
        handle.write(f'\n[[kiosks]]\nid = "k1"\nstore = "S1"\ntoken_sha256 = "{hash_token("a real token")}"\n')
        handle.write(f'\n[[kiosks]]\nid = "k2"\nstore = "S1"\ntoken_sha256 = "{"0" * 64}"\n')
    with pytest.raises(ConfigError, match=r"^kiosks\[1\]\.token_sha256: "):
        refuse_placeholders(load_config(config_path))


def test_kiosk_relay_serve_of_the_example_as_shipped_stops_with_one_line(tmp_path: Path) -> None:
    config_path = install_example(tmp_path, {})
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.relay", "serve", "--config", str(config_path), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("kiosk-relay: wechatpay.mchid: still the example") and done.stderr.count("\n") == 1
    assert not (tmp_path / "state" / "relay.sqlite3").exists(), "refused before anything was created"
