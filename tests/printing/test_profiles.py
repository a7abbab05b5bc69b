from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kiosk.printing.errors import ProfileError
from kiosk.printing.profiles import (
    FileConnection,
    NetworkConnection,
    available_profiles,
    find_profile,
    load_printer_settings,
    load_profile,
    profile_dirs,
)

REPO_PROFILES = Path(__file__).resolve().parents[2] / "printer_profiles"
GOOD = (REPO_PROFILES / "generic-80mm.toml").read_text(encoding="utf-8")


def test_shipped_profiles_load() -> None:
    names = available_profiles()
    for required in ("generic-58mm", "generic-80mm", "epson-tm-t20", "epson-tm-t88", "virtual"):
        assert required in names
    p58, p80 = find_profile("generic-58mm"), find_profile("generic-80mm")
    assert (p58.paper.columns, p58.paper.dots) == (32, 384)
    assert (p80.paper.columns, p80.paper.dots) == (48, 576)
    assert p80.text.mode == "chinese" and p80.text.encoding == "gbk"
    assert p80.qr.mode == "native" and p58.qr.mode == "image"
    assert find_profile("virtual").connection.type == "virtual"


@pytest.mark.parametrize(
    ("edit", "key", "message"),
    [
        (
            lambda t: t.replace('escpos_profile = "TM-T20II"', 'escpos_profile = "XP-80"'),
            "escpos_profile",
            "capability",
        ),
        (lambda t: t.replace("dots = 576", 'dots = "576"'), "paper.dots", "expected int"),
        (lambda t: t.replace("columns = 48\n", ""), "paper.columns", "missing"),
        (lambda t: t.replace('mode = "native"', 'mode = "svg"'), "qr.mode", "not one of"),
        (lambda t: t.replace("module = 7", "module = 40"), "qr.module", "outside"),
        (lambda t: t.replace('type = "network"', 'type = "bluetooth"'), "connection.type", "not one of"),
        (lambda t: t.replace("port = 9100", "port = 99999"), "connection.port", "TCP port"),
        (lambda t: t.replace("timeout = 3.0", "timeout = 3.0\nbaud = 9600"), "connection.baud", "unknown key"),
        (lambda t: t.replace("pin = 2", "pin = 3"), "drawer.pin", "2, 5"),
        (lambda t: t.replace('encoding = "gbk"', 'encoding = "utf-8"'), "text.encoding", "not one of"),
        (lambda t: t + "\nspeed = 3\n", "drawer.speed", "unknown key"),
        (lambda t: t.replace("[paper]", "[papers]"), "paper", "missing"),
    ],
)
def test_bad_profile_names_file_and_key(tmp_path: Path, edit: object, key: str, message: str) -> None:
    path = tmp_path / "shop-printer.toml"
    path.write_text(edit(GOOD), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert caught.value.source == str(path)
    assert caught.value.key == key
    assert str(path) in str(caught.value) and key in str(caught.value)
    assert message in str(caught.value)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[paper\nwidth_mm = 58", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"broken\.toml: not valid TOML"):
        find_profile(str(path))


def test_unknown_name_lists_the_available_profiles() -> None:
    with pytest.raises(ProfileError, match="generic-58mm"):
        find_profile("xprinter-9000")


def test_resolver_finds_profiles_in_a_frozen_bundle_and_by_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "bundle" / "printer_profiles"
    bundle.mkdir(parents=True)
    (bundle / "shop-only.toml").write_text(GOOD, encoding="utf-8")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "bundle"), raising=False)
    assert profile_dirs()[0] == bundle
    assert find_profile("shop-only").source == bundle / "shop-only.toml"

    custom = tmp_path / "custom"
    custom.mkdir()
    (custom / "generic-80mm.toml").write_text(GOOD.replace("columns = 48", "columns = 42"), encoding="utf-8")
    monkeypatch.setenv("KIOSK_PRINTER_PROFILES", str(custom))
    assert find_profile("generic-80mm").paper.columns == 42


def test_printer_settings_override_the_connection() -> None:
    profile = load_printer_settings({"profile": "generic-80mm", "host": "127.0.0.1", "port": 9101})
    assert profile.connection == NetworkConnection(host="127.0.0.1", port=9101, timeout=3.0)
    assert profile.paper.columns == 48

    as_file = load_printer_settings({"profile": "generic-80mm", "type": "file", "path": "/dev/usb/lp1"})
    assert as_file.connection == FileConnection(path="/dev/usb/lp1")

    unchanged = load_printer_settings({"profile": "generic-58mm"})
    assert unchanged == find_profile("generic-58mm")


def test_printer_settings_errors_name_the_key() -> None:
    with pytest.raises(ProfileError) as caught:
        load_printer_settings({"profile": "generic-80mm", "port": "9100"}, source="kiosk.toml")
    assert caught.value.source == "kiosk.toml" and caught.value.key == "printer.port"

    with pytest.raises(ProfileError) as missing:
        load_printer_settings({"host": "127.0.0.1"}, source="kiosk.toml")
    assert missing.value.key == "printer.profile"

    with pytest.raises(ProfileError) as unknown:
        load_printer_settings({"profile": "no-such-printer"}, source="kiosk.toml")
    assert unknown.value.key == "printer.profile" and "no printer profile" in str(unknown.value)

    with pytest.raises(ProfileError) as bad_key:
        load_printer_settings({"profile": "generic-80mm", "hostname": "x"}, source="kiosk.toml")
    assert bad_key.value.key == "printer.hostname"
