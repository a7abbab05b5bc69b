"""Where the manager's CSV files go on a counter with no keyboard: a USB stick, or the kiosk's own folder.

A file dialog needs a keyboard to name a file and a mouse to find a folder; the manager screen instead offers
the places a file can usefully go, each one tap: every USB drive the system has mounted, then the kiosk's
``exports`` folder (for whoever maintains the machine). Removable drives are found where Linux desktops and
automounters put them: ``/media/<user>/<label>`` and ``/run/media/<user>/<label>`` (udisks2), ``/media/<label>``
(usbmount) — only mount points, and only writable ones.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

#: Where removable drives are mounted, one or two levels down.
MOUNT_ROOTS = (Path("/media"), Path("/run/media"))
EXPORTS_FOLDER = "exports"


class PlaceKind(StrEnum):
    USB = "usb"  # a removable drive
    KIOSK = "kiosk"  # the kiosk's own exports folder


@dataclass(frozen=True)
class Place:
    kind: PlaceKind
    path: Path

    @property
    def label(self) -> str:
        """The drive's name (its mount point's last part); empty for the kiosk's folder."""
        return self.path.name if self.kind is PlaceKind.USB else ""


def removable_drives(
    roots: Iterable[Path] = MOUNT_ROOTS, *, is_mount: Callable[[Path], bool] = os.path.ismount
) -> list[Place]:
    """Writable mount points one or two levels under ``roots``, by name."""
    found: dict[Path, Place] = {}
    for root in roots:
        for candidate in (*_children(root), *(grand for child in _children(root) for grand in _children(child))):
            if is_mount(candidate) and os.access(candidate, os.W_OK):
                found.setdefault(candidate, Place(PlaceKind.USB, candidate))
    return sorted(found.values(), key=lambda place: (place.label.casefold(), str(place.path)))


def _children(folder: Path) -> list[Path]:
    try:
        return sorted(child for child in folder.iterdir() if child.is_dir())
    except OSError:  # absent or unreadable: nothing mounted there
        return []


def export_places(
    data_dir: Path, roots: Iterable[Path] = MOUNT_ROOTS, *, is_mount: Callable[[Path], bool] = os.path.ismount
) -> list[Place]:
    """USB drives first (where a manager wants the file), then the kiosk's ``exports`` folder."""
    return [*removable_drives(roots, is_mount=is_mount), Place(PlaceKind.KIOSK, data_dir / EXPORTS_FOLDER)]
