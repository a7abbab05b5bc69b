"""Configuration: init writes a working file, tokens are stored as hashes, every error names its key."""

from __future__ import annotations

import copy
import json
import logging
import stat
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from kiosk.relay.config import (
    ConfigError,
    KioskReloader,
    RelayConfig,
    add_kiosk,
    add_store,
    hash_token,
    init_config,
    load_config,
    parse_config,
    remove_kiosk,
    rotate_token,
)
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
    assert config.storage.path == tmp_path / "relay.sqlite3" and config.storage.url is None
    kiosk = config.authenticate(printed["token"])
    manager = config.authenticate(printed["manager_token"])
    assert kiosk is not None and (kiosk.id, kiosk.role, kiosk.store) == ("kiosk-1", "kiosk", "store-1")
    assert manager is not None and manager.role == "manager"
    assert config.authenticate(printed["token"] + "x") is None
    assert config.wechatpay.apiv3_key not in repr(config)


def test_storage_can_be_a_postgresql_url_kept_out_of_reprs(sandbox_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "relay.toml"
    init_config(sandbox_dir, 0, out)
    document = tomllib.loads(out.read_text("utf-8"))
    document["storage"] = {"url": "postgresql://relay:pa55word@db.internal/relay", "lease_seconds": 5}
    config = parse_config(document, out)
    assert (config.storage.url, config.storage.path, config.storage.lease_seconds) == (
        "postgresql://relay:pa55word@db.internal/relay",
        None,
        5.0,
    )
    assert config.storage.pool_size == 10 and config.storage.key == "storage.url"
    assert "pa55word" not in repr(config)


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


def test_a_store_whose_order_numbers_would_begin_like_anothers_is_refused(sandbox_dir: Path, tmp_path: Path) -> None:
    """Each store's numbers must be its own (kiosk.wire.store_prefix): store_1 would number like store-1."""
    out = tmp_path / "relay.toml"
    init_config(sandbox_dir, 0, out)
    before = out.read_text("utf-8")
    with pytest.raises(ConfigError) as error:
        add_store(out, "store_1", "同名的店")
    assert error.value.key == "stores[1].id" and "store1-" in error.value.problem and "store-1" in error.value.problem
    assert out.read_text("utf-8") == before  # nothing written
    add_store(out, "store-11", "第十一家店")  # store11- differs
    assert set(load_config(out).stores) == {"store-1", "store-11"}


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

    def replace_table(table: str, value: dict[str, Any]) -> Any:
        def apply(doc: dict[str, Any]) -> None:
            doc[table] = value

        return apply

    def table(name: str, **values: Any) -> Any:
        """Set keys of an optional table ([orders], [codepay]), adding it if the file has none."""

        def apply(doc: dict[str, Any]) -> None:
            doc.setdefault(name, {}).update(values)

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
        ("path and url", set_key("storage", "url", "postgresql://relay@db/relay"), "storage.url"),
        ("url scheme", replace_table("storage", {"url": "mysql://relay@db/relay"}), "storage.url"),
        ("pool for a file", set_key("storage", "pool_size", 20), "storage.pool_size"),
        ("lease for a file", set_key("storage", "lease_seconds", 20), "storage.lease_seconds"),
        ("lease", replace_table("storage", {"url": "postgresql://d/r", "lease_seconds": 1}), "storage.lease_seconds"),
        ("pool", replace_table("storage", {"url": "postgresql://db/r", "pool_size": 1}), "storage.pool_size"),
        (
            "exit after for a url",
            replace_table("storage", {"url": "postgresql://d/r", "exit_after_seconds": -1}),
            "storage.exit_after_seconds",
        ),
        ("exit after", set_key("storage", "exit_after_seconds", 0), "storage.exit_after_seconds"),
        ("bill rate", set_key("server", "bill_rate_limit_per_minute", -1), "server.bill_rate_limit_per_minute"),
        ("bill burst", set_key("server", "bill_rate_limit_burst", 0), "server.bill_rate_limit_burst"),
        ("max expire", table("orders", max_expire_seconds=30), "orders.max_expire_seconds"),
        # The default lifetime cannot be longer than the longest the relay accepts.
        (
            "expire order",
            table("orders", max_expire_seconds=600, default_expire_seconds=900),
            "orders.default_expire_seconds",
        ),
        ("role", kiosk("role", "owner"), "kiosks[1].role"),
        ("store ref", kiosk("store", "nowhere"), "kiosks[1].store"),
        ("token hash", kiosk("token_sha256", "plaintext-token"), "kiosks[1].token_sha256"),
        ("partner", set_key("wechatpay", "mode", "partner"), "wechatpay.sp_mchid"),
        ("codepay poll", table("codepay", poll_seconds=0), "codepay.poll_seconds"),
        ("codepay deadline", table("codepay", deadline_seconds=45), "codepay.deadline_seconds"),
        ("codepay poll beyond deadline", table("codepay", poll_seconds=40), "codepay.poll_seconds"),
        ("codepay reverse", table("codepay", reverse_after_seconds="15"), "codepay.reverse_after_seconds"),
        ("codepay unresolved", table("codepay", unresolved_after=0), "codepay.unresolved_after"),
        ("codepay typo", table("codepay", deadline=30), "codepay.deadline"),
    ]


def test_orders_live_at_most_a_few_hours_unless_configured(sandbox_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "relay.toml"
    init_config(sandbox_dir, 0, out)
    assert load_config(out).orders.max_expire_seconds == 3 * 3600
    document = tomllib.loads(out.read_text("utf-8"))
    document["orders"] = {"max_expire_seconds": 300}
    short = parse_config(document, out).orders
    assert (short.max_expire_seconds, short.default_expire_seconds) == (300, 300)  # the default fits within it


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


# -- removing and rotating credentials ---------------------------------------------------------------------


def annotated_config(sandbox_dir: Path, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """init's file with an owner's comments, a second kiosk and a comment on each entry."""
    out = tmp_path / "relay.toml"
    printed = init_config(sandbox_dir, 0, out)
    printed["kiosk-2"] = add_kiosk(out, "store-1")["token"]
    text = out.read_text("utf-8").replace("[[kiosks]]", "# the till by the door\n[[kiosks]]", 1)
    out.write_text("# 邻里便利 relay: edit with care\n" + text + "# end of file\n", "utf-8")
    return out, printed


def test_remove_kiosk_takes_out_only_its_section(sandbox_dir: Path, tmp_path: Path) -> None:
    out, printed = annotated_config(sandbox_dir, tmp_path)
    before = out.read_text("utf-8")
    assert remove_kiosk(out, "manager-1") == {
        "kiosk_id": "manager-1",
        "store_id": "store-1",
        "role": "manager",
        "removed": True,
    }
    after = out.read_text("utf-8")
    config = load_config(out)
    assert [kiosk.id for kiosk in config.kiosks] == ["kiosk-1", "kiosk-2"]
    assert config.authenticate(printed["manager_token"]) is None
    assert config.authenticate(printed["token"]) is not None
    section = (
        '[[kiosks]]\nid = "manager-1"\nstore = "store-1"\nrole = "manager"\n'
        f'token_sha256 = "{hash_token(printed["manager_token"])}"\n\n'
    )
    assert section in before and after == before.replace(section, "")
    for comment in ("# 邻里便利 relay: edit with care", "# the till by the door", "# end of file"):
        assert comment in after
    assert "\n\n\n" not in after and stat.S_IMODE(out.stat().st_mode) == 0o600


def test_rotate_token_changes_one_hash_and_prints_the_new_token_once(sandbox_dir: Path, tmp_path: Path) -> None:
    out, printed = annotated_config(sandbox_dir, tmp_path)
    before = out.read_text("utf-8").splitlines()
    rotated = rotate_token(out, "kiosk-1")
    after = out.read_text("utf-8").splitlines()
    assert {key: rotated[key] for key in ("kiosk_id", "store_id", "role")} == {
        "kiosk_id": "kiosk-1",
        "store_id": "store-1",
        "role": "kiosk",
    }
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert changed == [
        (f'token_sha256 = "{hash_token(printed["token"])}"', f'token_sha256 = "{hash_token(rotated["token"])}"')
    ]
    assert rotated["token"] not in "\n".join(after)
    config = load_config(out)
    assert config.authenticate(printed["token"]) is None
    found = config.authenticate(rotated["token"])
    assert found is not None and found.id == "kiosk-1"


def test_remove_and_rotate_check_the_whole_new_file_first(sandbox_dir: Path, tmp_path: Path) -> None:
    out, _ = annotated_config(sandbox_dir, tmp_path)
    with pytest.raises(ConfigError) as unknown:
        remove_kiosk(out, "kiosk-9")
    assert unknown.value.key == "--id"
    broken = out.read_text("utf-8").replace("[server]", "[server]\nmax_connections = 0")
    out.write_text(broken, "utf-8")
    for command in (remove_kiosk, rotate_token):
        with pytest.raises(ConfigError) as invalid:
            command(out, "kiosk-1")
        assert invalid.value.key == "server.max_connections"
        assert out.read_text("utf-8") == broken


def test_cli_remove_kiosk_and_rotate_token_print_one_json_line(sandbox_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "relay.toml"
    init_config(sandbox_dir, 0, out)
    rotated = run_cli(["rotate-token", "--config", str(out), "--id", "kiosk-1"]).stdout.strip().splitlines()
    assert len(rotated) == 1 and load_config(out).authenticate(json.loads(rotated[0])["token"]) is not None
    removed = run_cli(["remove-kiosk", "--config", str(out), "--id", "kiosk-1"]).stdout.strip().splitlines()
    assert len(removed) == 1 and json.loads(removed[0])["removed"] is True
    again = run_cli(["remove-kiosk", "--config", str(out), "--id", "kiosk-1"], check=False)
    assert again.returncode == 2 and "--id: no kiosk with id 'kiosk-1'" in again.stderr


# -- reloading a running relay's credentials -------------------------------------------------------------


class Ticks:
    """A monotonic clock that moves a second on every call, so each check looks at the file."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def ids(config: RelayConfig | None) -> list[str]:
    assert config is not None
    return [kiosk.id for kiosk in config.kiosks]


def test_a_valid_edit_applies_and_needs_no_restart(sandbox_dir: Path, tmp_path: Path) -> None:
    out, _ = annotated_config(sandbox_dir, tmp_path)
    reloader = KioskReloader(load_config(out), monotonic=Ticks())
    assert reloader.check() is None  # nothing changed
    remove_kiosk(out, "kiosk-2")
    assert ids(reloader.check()) == ["kiosk-1", "manager-1"]
    assert reloader.failure is None and reloader.restart_needed is False


def test_an_invalid_file_refuses_the_credentials_it_no_longer_lists(
    sandbox_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out, printed = annotated_config(sandbox_dir, tmp_path)
    reloader = KioskReloader(load_config(out), monotonic=Ticks())
    valid = out.read_text("utf-8")
    manager_hash = hash_token(printed["manager_token"])
    kiosk_hash = hash_token(printed["token"])

    # The manager's entry is deleted and a typo made elsewhere: the typo must not keep the manager alive.
    remove_kiosk(out, "manager-1")
    without_manager = out.read_text("utf-8")
    assert manager_hash not in without_manager
    with caplog.at_level(logging.INFO, logger="kiosk.relay"):
        out.write_text(without_manager.replace("[server]", "[server]\nprot = 1"), "utf-8")
        assert ids(reloader.check()) == ["kiosk-1", "kiosk-2"]
        assert reloader.check() is None  # re-read every second while invalid; logged once
    assert reloader.failure == "server.prot: unknown key"
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "configuration reload failed: server.prot: unknown key; 1 of 3 kiosk credentials refused until the file "
        "is valid"
    ]

    # An entry whose hash changed in the invalid file is refused too; nothing new is taken from it.
    changed = without_manager.replace(kiosk_hash, "0" * 64).replace("[server]", "[server]\nprot = 1")
    out.write_text(changed + f'\n[[kiosks]]\nid = "new"\nstore = "store-1"\ntoken_sha256 = "{"1" * 64}"\n', "utf-8")
    assert ids(reloader.check()) == ["kiosk-2"]

    # Not even TOML: no credential can be told apart, so none is in force.
    out.write_text(valid.replace("[server]", "[server"), "utf-8")
    assert ids(reloader.check()) == []
    assert reloader.failure is not None and "not valid TOML" in reloader.failure

    # Valid again: everything the file lists, the failure cleared.
    out.write_text(valid, "utf-8")
    assert ids(reloader.check()) == ["kiosk-1", "manager-1", "kiosk-2"]
    assert reloader.failure is None


def test_a_change_beyond_the_kiosks_waits_for_a_restart(sandbox_dir: Path, tmp_path: Path) -> None:
    out, _ = annotated_config(sandbox_dir, tmp_path)
    reloader = KioskReloader(load_config(out), monotonic=Ticks())
    out.write_text(out.read_text("utf-8").replace("[server]", "[server]\nmax_connections = 100"), "utf-8")
    assert reloader.check() is None and reloader.restart_needed is True
    assert reloader.config.server.max_connections == 4096
