"""Configuration: init writes a working file, tokens are stored as hashes, every error names its key."""

from __future__ import annotations

import copy
import json
import stat
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from kiosk.relay.config import ConfigError, add_kiosk, add_store, hash_token, init_config, load_config, parse_config
from tests.support.relay import run_cli


def test_init_writes_a_loadable_config_with_hashed_tokens_only(sandbox_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "relay.toml"
    printed = init_config(sandbox_dir, 8123, out)
    text = out.read_text("utf-8")
    assert printed["store_id"] == "store-1" and printed["kiosk_id"] == "kiosk-1"
    assert printed["token"] not in text and printed["manager_token"] not in text
    assert hash_token(printed["token"]) in text
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    config = load_config(out)
    assert config.wechatpay.notify_url == "http://127.0.0.1:8123/wechatpay/notify"
    assert config.server.port == 8123
    assert config.storage_path == tmp_path / "relay.sqlite3"
    kiosk = config.authenticate(printed["token"])
    manager = config.authenticate(printed["manager_token"])
    assert kiosk is not None and (kiosk.id, kiosk.role, kiosk.store) == ("kiosk-1", "kiosk", "store-1")
    assert manager is not None and manager.role == "manager"
    assert config.authenticate(printed["token"] + "x") is None
    assert config.wechatpay.apiv3_key not in repr(config)


def test_port_zero_means_notify_url_auto(sandbox_dir: Path, tmp_path: Path) -> None:
    init_config(sandbox_dir, 0, tmp_path / "relay.toml")
    assert load_config(tmp_path / "relay.toml").wechatpay.notify_url == "auto"


def test_partner_mode_init_gives_the_store_a_sub_mchid(sandbox_dir: Path, tmp_path: Path) -> None:
    init_config(sandbox_dir, 0, tmp_path / "relay.toml", mode="partner")
    config = load_config(tmp_path / "relay.toml")
    info = json.loads((sandbox_dir / "sandbox.json").read_text("utf-8"))
    assert config.wechatpay.partner and config.wechatpay.signing_mchid == info["sp_mchid"]
    assert config.stores["store-1"].sub_mchid == info["sub_mchid"]


def test_add_store_and_add_kiosk_extend_the_file(sandbox_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "relay.toml"
    init_config(sandbox_dir, 0, out)
    add_store(out, "store-2", "Second shop")
    added = add_kiosk(out, "store-2")
    manager = add_kiosk(out, "store-2", role="manager")
    config = load_config(out)
    assert set(config.stores) == {"store-1", "store-2"}
    assert added["kiosk_id"] == "kiosk-2"
    found = config.authenticate(added["token"])
    assert found is not None and found.store == "store-2" and found.role == "kiosk"
    assert manager["kiosk_id"] == "manager-2"
    with pytest.raises(ConfigError) as error:
        add_kiosk(out, "store-9")
    assert error.value.key == "kiosks[4].store"


def test_adding_keeps_the_owners_comments_and_layout(sandbox_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "relay.toml"
    init_config(sandbox_dir, 0, out)
    text = out.read_text("utf-8")
    annotated = "# 邻里便利 relay: edit with care\n" + text.replace(
        "[server]", "# public behind nginx, see docs/deploy.md\n[server]"
    )
    out.write_text(annotated, "utf-8")
    add_store(out, "store-2", "第二家店")
    add_kiosk(out, "store-2")
    now = out.read_text("utf-8")
    assert now.startswith(annotated.rstrip("\n"))  # untouched, the entries appended after it
    assert now.count("[[stores]]") == 2 and now.count("[[kiosks]]") == 3
    assert set(load_config(out).stores) == {"store-1", "store-2"}
    assert out.stat().st_mode & 0o777 == 0o600

    # An array written inline cannot take a [[kiosks]] table after it: the file is written out anew.
    document = tomllib.loads(now)
    inline = "stores = " + _inline(document["stores"]) + "\n" + now.split("[[stores]]")[0]  # top-level key first
    inline += "".join("\n[[kiosks]]\n" + tomli_w.dumps(k) for k in document["kiosks"])
    out.write_text(inline, "utf-8")
    add_store(out, "store-3", "第三家店")
    assert set(load_config(out).stores) == {"store-1", "store-2", "store-3"}


def _inline(tables: list[dict[str, Any]]) -> str:
    return "[" + ", ".join("{" + ", ".join(f"{k} = {json.dumps(v)}" for k, v in t.items()) + "}" for t in tables) + "]"


def _mutations() -> list[tuple[str, Any, str]]:
    def set_key(table: str, key: str, value: Any) -> Any:
        def apply(doc: dict[str, Any]) -> None:
            doc[table][key] = value

        return apply

    def drop_key(table: str, key: str) -> Any:
        def apply(doc: dict[str, Any]) -> None:
            del doc[table][key]

        return apply

    def kiosk(key: str, value: Any) -> Any:
        def apply(doc: dict[str, Any]) -> None:
            doc["kiosks"][1][key] = value

        return apply

    return [
        ("mode", set_key("wechatpay", "mode", "indirect"), "wechatpay.mode"),
        ("base_url", set_key("wechatpay", "base_url", "ftp://x"), "wechatpay.base_url"),
        ("mchid", drop_key("wechatpay", "mchid"), "wechatpay.mchid"),
        ("apiv3_key", set_key("wechatpay", "apiv3_key", "short"), "wechatpay.apiv3_key"),
        ("private_key", set_key("wechatpay", "merchant_private_key", "missing.pem"), "wechatpay.merchant_private_key"),
        ("public_key", set_key("wechatpay", "platform_public_key", "relay.toml"), "wechatpay.platform_public_key"),
        ("serial", set_key("wechatpay", "merchant_cert_serial", "not hex!"), "wechatpay.merchant_cert_serial"),
        ("notify_url", set_key("wechatpay", "notify_url", "https://x/notify?a=1"), "wechatpay.notify_url"),
        ("typo", set_key("wechatpay", "mchd", "1"), "wechatpay.mchd"),
        ("port", set_key("server", "port", 70000), "server.port"),
        ("connections", set_key("server", "max_connections", 0), "server.max_connections"),
        ("header timeout", set_key("server", "header_timeout_seconds", 0), "server.header_timeout_seconds"),
        ("body timeout", set_key("server", "body_timeout_seconds", "10"), "server.body_timeout_seconds"),
        ("keep-alive", set_key("server", "keep_alive_seconds", 3600), "server.keep_alive_seconds"),
        ("storage", drop_key("storage", "path"), "storage.path"),
        ("role", kiosk("role", "owner"), "kiosks[1].role"),
        ("store ref", kiosk("store", "nowhere"), "kiosks[1].store"),
        ("token hash", kiosk("token_sha256", "plaintext-token"), "kiosks[1].token_sha256"),
        ("partner", set_key("wechatpay", "mode", "partner"), "wechatpay.sp_mchid"),
    ]


@pytest.mark.parametrize(("name", "mutate", "key"), _mutations(), ids=[m[0] for m in _mutations()])
def test_each_bad_setting_is_reported_by_its_key(
    sandbox_dir: Path, tmp_path: Path, name: str, mutate: Any, key: str
) -> None:
    out = tmp_path / "relay.toml"
    init_config(sandbox_dir, 0, out)
    document = copy.deepcopy(tomllib.loads(out.read_text("utf-8")))
    mutate(document)
    with pytest.raises(ConfigError) as error:
        parse_config(document, out)
    assert error.value.key == key
    assert str(error.value).startswith(key + ":")


def test_the_apiv3_key_never_appears_in_an_error(sandbox_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "relay.toml"
    init_config(sandbox_dir, 0, out)
    document = tomllib.loads(out.read_text("utf-8"))
    secret = document["wechatpay"]["apiv3_key"]
    document["wechatpay"]["apiv3_key"] = secret + "x"
    with pytest.raises(ConfigError) as error:
        parse_config(document, out)
    assert secret not in str(error.value)


def test_serve_with_a_bad_config_exits_2_naming_the_key(sandbox_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "relay.toml"
    init_config(sandbox_dir, 0, out)
    out.write_text(out.read_text("utf-8").replace('mode = "direct"', 'mode = "sideways"'), "utf-8")
    done = run_cli(["serve", "--config", str(out), "--port", "0"], check=False)
    assert done.returncode == 2
    assert "wechatpay.mode" in done.stderr
    assert done.stdout == ""


def test_cli_init_and_add_kiosk_print_one_json_line_each(sandbox_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "relay.toml"
    init = run_cli(["init", "--sandbox", str(sandbox_dir), "--port", "8200", "--out", str(out)])
    printed = json.loads(init.stdout)
    assert {"store_id", "kiosk_id", "token", "manager_id", "manager_token"} <= set(printed)
    assert len(init.stdout.strip().splitlines()) == 1
    added = json.loads(run_cli(["add-kiosk", "--config", str(out), "--store", "store-1", "--role", "manager"]).stdout)
    assert added["role"] == "manager" and added["kiosk_id"] == "manager-2"
    again = run_cli(["init", "--sandbox", str(sandbox_dir), "--port", "8200", "--out", str(out)], check=False)
    assert again.returncode == 2 and "--out" in again.stderr
    missing = run_cli(["add-kiosk", "--config", str(tmp_path / "nope.toml"), "--store", "s"], check=False)
    assert missing.returncode == 2 and "config:" in missing.stderr
