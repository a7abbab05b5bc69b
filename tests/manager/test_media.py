"""Where exports can go: USB drives where the system mounts them, then the kiosk's own folder."""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.manager.media import Place, PlaceKind, export_places, removable_drives


def test_usb_drives_are_the_writable_mount_points_under_the_mount_roots(tmp_path: Path) -> None:
    media, run_media = tmp_path / "media", tmp_path / "run" / "media"
    stick = media / "clerk" / "KINGSTON"  # udisks2: /media/<user>/<label>
    usb0 = media / "usb0"  # usbmount: /media/usb0
    other = run_media / "clerk" / "金士顿 U盘"  # udisks2 on some systems: /run/media/<user>/<label>
    plain = media / "clerk" / "not-mounted"
    locked = media / "clerk" / "READONLY"
    for folder in (stick, usb0, other, plain, locked):
        folder.mkdir(parents=True)
    mounted = {stick, usb0, other, locked}
    locked.chmod(0o500)
    try:
        found = removable_drives((media, run_media, tmp_path / "absent"), is_mount=lambda path: path in mounted)
    finally:
        locked.chmod(0o700)
    writable_locked = os.access(locked, os.W_OK)  # root writes anywhere
    expected = [Place(PlaceKind.USB, stick), Place(PlaceKind.USB, usb0), Place(PlaceKind.USB, other)]
    if writable_locked:
        expected.append(Place(PlaceKind.USB, locked))
    assert sorted(found, key=str) == sorted(expected, key=str)
    assert [place.label for place in found][:1] == ["KINGSTON"]  # sorted by name, case-insensitive


def test_the_kiosks_folder_comes_last_and_has_no_label(tmp_path: Path) -> None:
    places = export_places(tmp_path / "data", (tmp_path / "nothing-mounted",))
    assert places == [Place(PlaceKind.KIOSK, tmp_path / "data" / "exports")] and places[0].label == ""
