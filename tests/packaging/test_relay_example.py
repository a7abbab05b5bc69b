"""The shipped relay example configuration loads with the relay's own validation and agrees with nginx."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.relay.config import load_config
from kiosk.serving import FD_RESERVE
from tests.support.relay import update_config

RELAY_DIR = Path(__file__).resolve().parents[2] / "packaging" / "relay"
#: The longest long-poll a kiosk may ask for (issue 4: ``wait`` at most 30 seconds).
MAX_LONG_POLL_SECONDS = 30


def install_example(etc: Path) -> Path:
    """The example as an operator would install it: /etc/kiosk-relay/relay.toml with keys/ beside it."""
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
    return config


def nginx_conf() -> str:
    return (RELAY_DIR / "nginx-kiosk-relay.conf").read_text("utf-8")


def test_example_config_loads_and_is_set_up_behind_https(tmp_path: Path) -> None:
    config_path = install_example(tmp_path / "etc")
    # /var/lib/kiosk-relay does not exist here; everything else is validated as shipped.
    (tmp_path / "state").mkdir()
    update_config(config_path, {"storage": {"path": str(tmp_path / "state" / "relay.sqlite3")}})
    config = load_config(config_path)
    assert config.wechatpay.base_url == "https://api.mch.weixin.qq.com"
    notify = urlsplit(config.wechatpay.notify_url)
    assert notify.scheme == "https" and notify.path == "/wechatpay/notify" and not notify.query
    assert config.wechatpay.merchant_private_key == tmp_path / "etc" / "keys" / "apiclient_key.pem"
    assert config.server.host == "127.0.0.1", "behind nginx the relay listens on loopback only"
    assert config.stores and config.kiosks


def test_example_storage_lives_in_the_service_state_directory() -> None:
    text = (RELAY_DIR / "relay.example.toml").read_text("utf-8")
    assert re.search(r'^path = "/var/lib/kiosk-relay/relay\.sqlite3"$', text, re.M)
    unit = (RELAY_DIR / "kiosk-relay.service").read_text("utf-8")
    assert re.search(r"^StateDirectory=kiosk-relay$", unit, re.M)
    assert "--config /etc/kiosk-relay/relay.toml" in unit


def test_nginx_proxies_to_the_relay_port_with_long_poll_and_body_limits(tmp_path: Path) -> None:
    config_path = install_example(tmp_path / "etc")
    (tmp_path / "state").mkdir()
    update_config(config_path, {"storage": {"path": str(tmp_path / "state" / "relay.sqlite3")}})
    config = load_config(config_path)
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
    config_path = install_example(tmp_path / "etc")
    (tmp_path / "state").mkdir()
    update_config(config_path, {"storage": {"path": str(tmp_path / "state" / "relay.sqlite3")}})
    config = load_config(config_path)
    unit = (RELAY_DIR / "kiosk-relay.service").read_text("utf-8")
    limit = re.search(r"^LimitNOFILE=(\d+)$", unit, re.M)
    assert limit is not None and int(limit.group(1)) >= config.server.max_connections + FD_RESERVE
