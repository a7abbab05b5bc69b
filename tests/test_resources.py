"""kiosk.resources: resources/ is the package kiosk._resources, found through importlib.resources.

The installed wheel is exercised by tests/packaging/test_wheel.py and the frozen bundle by
tests/packaging/test_bundle.py; here the checkout (through the editable install) is.
"""

from __future__ import annotations

from importlib import resources as importlib_resources
from pathlib import Path

import pytest

from kiosk.resources import CJK_FONT, CJK_FONT_ENV, ResourceNotFound, cjk_font_file, resource_path

ROOT = Path(__file__).resolve().parent.parent


def test_resources_are_the_installed_package_on_disk() -> None:
    root = importlib_resources.files("kiosk._resources")
    assert isinstance(root, Path) and root == ROOT / "resources"
    assert resource_path("catalogue.toml") == ROOT / "resources" / "catalogue.toml"
    assert resource_path("i18n").is_dir()
    assert resource_path("i18n/kiosk_zh_CN.ts").is_file()


def test_missing_resources_and_escapes_are_refused() -> None:
    with pytest.raises(ResourceNotFound, match=r"nope\.toml"):
        resource_path("nope.toml")
    for escape in ("../pyproject.toml", "/etc/passwd", ""):
        with pytest.raises(ValueError):
            resource_path(escape)


def test_the_cjk_font_is_shipped_unless_the_shop_names_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CJK_FONT_ENV, raising=False)
    assert cjk_font_file() == resource_path(CJK_FONT)
    own = tmp_path / "shop.ttc"
    own.write_bytes(b"a font of the shop's choice")
    monkeypatch.setenv(CJK_FONT_ENV, str(own))
    assert cjk_font_file() == own
    monkeypatch.setenv(CJK_FONT_ENV, str(tmp_path / "gone.ttc"))  # a stale setting falls back to the shipped one
    assert cjk_font_file() == resource_path(CJK_FONT)
