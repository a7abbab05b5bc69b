"""The wheel ships every package and the data folders (resources/, printer_profiles/)."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setuptools_table() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_kiosk_package_is_listed() -> None:
    on_disk = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "kiosk").rglob("__init__.py")}
    listed = set(_setuptools_table()["packages"])  # type: ignore[arg-type]
    assert on_disk <= listed, f"add to [tool.setuptools] packages: {sorted(on_disk - listed)}"


def test_data_folders_are_mapped_into_the_wheel() -> None:
    table = _setuptools_table()
    assert table["package-dir"] == {  # type: ignore[index]
        "kiosk._resources": "resources",
        "kiosk._printer_profiles": "printer_profiles",
    }
    data = table["package-data"]
    assert data["kiosk._resources.i18n"] == ["*.ts"]  # type: ignore[index]
    assert data["kiosk._resources.sounds"] == ["*.wav"]  # type: ignore[index]
    assert data["kiosk._resources.fonts"] == ["*.otf", "*.txt"]  # type: ignore[index]
    # A regular package, so that importlib.resources.files() gives a plain directory everywhere.
    assert (ROOT / "resources" / "__init__.py").is_file()
    assert (ROOT / "resources" / "catalogue.toml").is_file()
    assert list((ROOT / "printer_profiles").glob("*.toml"))


def test_every_resource_file_ships() -> None:
    """Each file under resources/ is in a listed package and matched by that package's package-data."""
    table = _setuptools_table()
    listed = set(table["packages"])  # type: ignore[arg-type]
    data: dict[str, list[str]] = table["package-data"]  # type: ignore[assignment]
    resources = ROOT / "resources"
    unshipped = []
    for file in resources.rglob("*"):
        # .qm: compiled from the .ts at run time (kiosk/ui/i18n.py) or by packaging/kiosk.spec, never shipped as is.
        if not file.is_file() or "__pycache__" in file.parts or file.suffix in (".py", ".qm"):
            continue
        package = ".".join(("kiosk._resources", *file.parent.relative_to(resources).parts))
        if package not in listed or not any(fnmatch(file.name, glob) for glob in data.get(package, [])):
            unshipped.append(str(file.relative_to(ROOT)))
    assert not unshipped, f"add to [tool.setuptools] packages / package-data: {sorted(unshipped)}"
