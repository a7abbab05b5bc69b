from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.checkout.config import DEFAULT_TIMEOUT_SECONDS, KioskConfigError, load_config
from kiosk.checkout.sound import SoundSettings

GOOD = """
[relay]
url = "https://relay.linli-shop.cn/"
token = "kiosk-secret-token"

[store]
id = "S1"
name = "邻里便利"
address = "上海市徐汇区漕溪北路 1 号"

[kiosk]
id = "K1"
data_dir = "data"

[printer]
profile = "generic-80mm"
host = "192.168.1.50"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_config_and_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.relay_urls == ("https://relay.linli-shop.cn",)
    assert config.store.name == "邻里便利" and config.store.phone is None
    assert config.data_dir == tmp_path / "data"
    assert config.journal_path == tmp_path / "data" / "journal.sqlite3"
    assert config.printer == {"profile": "generic-80mm", "host": "192.168.1.50"}
    assert config.payment_timeout_seconds == DEFAULT_TIMEOUT_SECONDS == 300
    assert (config.auto_print_slip, config.language, config.training) == (False, "zh_CN", False)
    assert config.other_wallet_message is None  # the default, 本店仅支持微信支付, in the kiosk's language
    assert config.manager_token is None
    assert (config.receipt, config.prints_receipts) == ("always", True)


def test_the_relay_may_be_several_instances_to_fail_over_between(tmp_path: Path) -> None:
    urls = 'urls = ["https://relay-a.example.cn/", "https://relay-b.example.cn"]'
    config = load_config(write(tmp_path, GOOD.replace('url = "https://relay.linli-shop.cn/"', urls)))
    assert config.relay_urls == ("https://relay-a.example.cn", "https://relay-b.example.cn")


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
other_wallet_message = "  本店只收微信，请出示微信付款码  "

[ui]
language = "en"

[sound]
enabled = false
volume = 30

[manager]
pin_sha256 = "03ac674216f3e15c761ee1a5e255f067953623c8b388b4459e13f978d7c846f4"
"""
    )
    config = load_config(write(tmp_path, text))
    assert (config.payment_timeout_seconds, config.auto_print_slip, config.language) == (120, True, "en")
    assert config.sound == SoundSettings(enabled=False, volume=30)
    assert config.other_wallet_message == "本店只收微信，请出示微信付款码"
    assert config.manager == {"pin_sha256": "03ac674216f3e15c761ee1a5e255f067953623c8b388b4459e13f978d7c846f4"}


@pytest.mark.parametrize("mode, prints", [("always", True), ("ask", False), ("never", False)])
def test_when_receipts_print(tmp_path: Path, mode: str, prints: bool) -> None:
    config = load_config(write(tmp_path, GOOD + f'receipt = "{mode}"\n'))
    assert (config.receipt, config.prints_receipts) == (mode, prints)
    # The printer's own settings (profile, connection) do not carry it.
    assert config.printer == {"profile": "generic-80mm", "host": "192.168.1.50"}


@pytest.mark.parametrize(
    "old, new, key",
    [
        ('url = "https://relay.linli-shop.cn/"', 'url = "relay.linli-shop.cn"', "[relay] url"),
        ('url = "https://relay.linli-shop.cn/"\n', "", "[relay] url"),
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
        ('url = "https://relay.linli-shop.cn/"', 'url = "https://relay.linli-shop.cn/', "file"),
        # [printer]: checked as the print queue will read it, so a mistake stops the kiosk at once
        ('profile = "generic-80mm"', 'profile = "xprinter-58"', "[printer] profile"),
        ('host = "192.168.1.50"', 'port = "9100"', "[printer] port"),
        ('host = "192.168.1.50"', 'hostname = "192.168.1.50"', "[printer] hostname"),
        ('profile = "generic-80mm"\n', "", "[printer] profile"),
        ('profile = "generic-80mm"', 'profile = "printers/mine.toml"', "[printer] profile"),
        # [sound]
        ("[printer]", "[sound]\nvolume = 150\n[printer]", "[sound] volume"),
        ("[printer]", "[sound]\nvolume = '80'\n[printer]", "[sound] volume"),
        ("[printer]", "[sound]\nenabled = 'yes'\n[printer]", "[sound] enabled"),
        ("[printer]", "[sound]\nloudness = 80\n[printer]", "[sound] loudness"),
        ("[relay]", "sound = 80\n[relay]", "[sound]"),
        # [manager]
        ("[printer]", "[manager]\npin_sha256 = 'abc'\n[printer]", "[manager] pin_sha256"),
        ("[printer]", "[manager]\npin = '1234'\n[printer]", "[manager] pin"),
        # [kiosk] catalogue
        ('data_dir = "data"', 'catalogue = "no-such-catalogue.toml"', "[kiosk] catalogue"),
        # stand-ins of the example kiosk.toml
        ('url = "https://relay.linli-shop.cn/"', 'url = "https://relay.example.cn"', "[relay] url"),
        ('token = "kiosk-secret-token"', 'token = "…"', "[relay] token"),
        ('address = "上海市徐汇区漕溪北路 1 号"', 'address = "上海市徐汇区…"', "[store] address"),
        # [relay] urls: relay instances to fail over between
        ('url = "https://relay.linli-shop.cn/"', 'url = "https://a.cn"\nurls = ["https://b.cn"]', "[relay] urls"),
        ('url = "https://relay.linli-shop.cn/"', "urls = []", "[relay] urls"),
        ('url = "https://relay.linli-shop.cn/"', 'urls = "https://a.cn"', "[relay] urls"),
        ('url = "https://relay.linli-shop.cn/"', 'urls = ["https://a.cn", 5]', "[relay] urls"),
        ('url = "https://relay.linli-shop.cn/"', 'urls = ["https://a.cn", "b.cn"]', "[relay] urls"),
        ('url = "https://relay.linli-shop.cn/"', 'urls = ["https://a.cn", "https://a.cn/"]', "[relay] urls"),
        ('url = "https://relay.linli-shop.cn/"', f"urls = {[f'https://r{n}.cn' for n in range(9)]}", "[relay] urls"),
        ('url = "https://relay.linli-shop.cn/"', 'urls = ["https://a.cn", "https://relay.example.cn"]', "[relay] urls"),
        ("[printer]", "[payment]\nother_wallet_message = ''\n[printer]", "[payment] other_wallet_message"),
        ("[printer]", "[payment]\nother_wallet_message = 5\n[printer]", "[payment] other_wallet_message"),
        ("[printer]", f"[payment]\nother_wallet_message = '{'长' * 41}'\n[printer]", "[payment] other_wallet_message"),
        ('host = "192.168.1.50"', 'host = "192.168.1.50"\nreceipt = "sometimes"', "[printer] receipt"),
        ('host = "192.168.1.50"', 'host = "192.168.1.50"\nreceipt = true', "[printer] receipt"),
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


def test_printer_profile_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "printers").mkdir()
    shipped = Path(__file__).resolve().parents[2] / "printer_profiles" / "generic-80mm.toml"
    (tmp_path / "printers" / "mine.toml").write_text(shipped.read_text("utf-8"), "utf-8")
    config = load_config(write(tmp_path, GOOD.replace('profile = "generic-80mm"', 'profile = "printers/mine.toml"')))
    assert config.printer["profile"] == str(tmp_path / "printers" / "mine.toml")
    # Loaded with the file, connection override applied: what the print queue uses, without reading it again.
    assert config.printer_profile is not None
    assert config.printer_profile.source == tmp_path / "printers" / "mine.toml"
    assert config.printer_profile.connection.host == "192.168.1.50"  # type: ignore[union-attr]


def test_a_malformed_catalogue_is_a_configuration_mistake(tmp_path: Path) -> None:
    (tmp_path / "shop.toml").write_text("[[items]\n", "utf-8")
    with pytest.raises(KioskConfigError) as caught:
        load_config(write(tmp_path, GOOD.replace('data_dir = "data"', 'catalogue = "shop.toml"')))
    assert caught.value.key == "[kiosk] catalogue" and "shop.toml" in str(caught.value)


EXAMPLE = Path(__file__).resolve().parents[2] / "packaging" / "kiosk.example.toml"
#: What an installer puts in for each stand-in of the example: ``(table, key) -> line``.
FILLED_IN = {
    ("relay", "url"): 'url = "https://relay.linli-shop.cn"',
    ("relay", "token"): 'token = "Zq3w-kiosk-token"',
    ("relay", "manager_token"): 'manager_token = "Yp8v-manager-token"',
    ("store", "address"): 'address = "上海市徐汇区漕溪北路 1 号"',
    ("store", "phone"): 'phone = "021-6400 0000"',
    ("manager", "pin_sha256"): 'pin_sha256 = "03ac674216f3e15c761ee1a5e255f067953623c8b388b4459e13f978d7c846f4"',
}


def fill_in(text: str, keep: tuple[str, str] | None = None) -> str:
    """The example with every stand-in but ``keep`` replaced by its real line."""
    for (table, key), line in FILLED_IN.items():
        if (table, key) != keep:
            text, count = re.subn(rf"^{key} = .*$", line, text, flags=re.M)
            assert count == 1, key
    return text


def test_the_example_loads_once_every_stand_in_is_filled_in(tmp_path: Path) -> None:
    text = fill_in(EXAMPLE.read_text("utf-8"))
    settings = "\n".join(line.split("#")[0] for line in text.splitlines())
    assert "…" not in settings and "example.cn" not in settings
    config = load_config(write(tmp_path, text))
    assert config.printer == {"profile": "generic-80mm", "host": "192.168.1.50"}  # receipt is the kiosk's
    assert (config.receipt, config.prints_receipts) == ("always", True)
    assert config.sound == SoundSettings(enabled=True, volume=80)


@pytest.mark.parametrize("stand_in", sorted(FILLED_IN))
def test_each_stand_in_of_the_example_is_refused_naming_its_key(tmp_path: Path, stand_in: tuple[str, str]) -> None:
    with pytest.raises(KioskConfigError) as caught:
        load_config(write(tmp_path, fill_in(EXAMPLE.read_text("utf-8"), keep=stand_in)))
    assert caught.value.key == "[{}] {}".format(*stand_in)
