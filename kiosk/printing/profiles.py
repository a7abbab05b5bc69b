"""Printer profiles: one TOML file per printer model, loaded into frozen dataclasses.

Profiles live in ``printer_profiles/`` and are found through :func:`profile_dirs`, which works in a
checkout, in an installed package and in a PyInstaller bundle.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import re
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from kiosk.printing.errors import ProfileError
from kiosk.printing.text import DOUBLE_BYTE_ENCODINGS

#: Overrides the search path (one directory) for installers testing a profile of their own.
PROFILES_ENV = "KIOSK_PRINTER_PROFILES"
#: In a wheel, ``printer_profiles/`` is installed as this package (pyproject ``package-dir``).
_PACKAGED = "kiosk._printer_profiles"

TextModeName = Literal["chinese", "codepage", "image"]
QrModeName = Literal["native", "image"]
CutMode = Literal["full", "partial", "none"]
ImageImpl = Literal["bitImageRaster", "graphics", "bitImageColumn"]


@dataclass(frozen=True)
class UsbConnection:
    vendor_id: int
    product_id: int
    in_ep: int = 0x82
    out_ep: int = 0x01
    type: Literal["usb"] = "usb"


@dataclass(frozen=True)
class SerialConnection:
    port: str
    baudrate: int = 9600
    timeout: float = 3.0
    type: Literal["serial"] = "serial"


@dataclass(frozen=True)
class NetworkConnection:
    host: str
    port: int = 9100
    timeout: float = 3.0
    type: Literal["network"] = "network"


@dataclass(frozen=True)
class FileConnection:
    path: str
    type: Literal["file"] = "file"


@dataclass(frozen=True)
class CupsConnection:
    queue: str
    type: Literal["cups"] = "cups"


@dataclass(frozen=True)
class Win32Connection:
    printer: str
    type: Literal["win32"] = "win32"


@dataclass(frozen=True)
class VirtualConnection:
    """Training mode: files under ``directory`` (relative to the data directory when not absolute)."""

    directory: str = "virtual-printer"
    type: Literal["virtual"] = "virtual"


Connection = (
    UsbConnection
    | SerialConnection
    | NetworkConnection
    | FileConnection
    | CupsConnection
    | Win32Connection
    | VirtualConnection
)

_CONNECTION_TYPES: dict[str, type[Any]] = {
    "usb": UsbConnection,
    "serial": SerialConnection,
    "network": NetworkConnection,
    "file": FileConnection,
    "cups": CupsConnection,
    "win32": Win32Connection,
    "virtual": VirtualConnection,
}


@dataclass(frozen=True)
class Paper:
    width_mm: int
    dots: int
    columns: int

    @property
    def dots_per_column(self) -> int:
        return self.dots // self.columns


@dataclass(frozen=True)
class TextSettings:
    """``chinese``: FS & double-byte mode with ``encoding`` (gbk, gb2312 or big5).
    ``codepage``: single-byte ``encoding`` selected with ESC t ``codepage``.
    ``image``: every line printed as a raster image."""

    mode: TextModeName
    encoding: str
    codepage: int = 0
    #: What to do with a line the printer's character set cannot print: mark the characters, or print it as an image.
    fallback: Literal["replace", "image"] = "replace"

    @property
    def double_byte(self) -> bool:
        return not (self.mode == "codepage" and self.fallback == "replace")

    @property
    def width_encoding(self) -> str:
        """Encoding whose byte length is the printed width of a line (see ``kiosk.printing.text``)."""
        return self.encoding if self.mode == "chinese" else "gbk"


@dataclass(frozen=True)
class QrSettings:
    mode: QrModeName
    module: int = 6
    ec: Literal["L", "M", "Q", "H"] = "M"


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    source: Path
    escpos_profile: str
    connection: Connection
    paper: Paper
    text: TextSettings
    qr: QrSettings
    cut: CutMode = "partial"
    #: Lines fed before a cut so the last printed line clears the cutter.
    cut_feed: int = 4
    drawer_pin: Literal[2, 5] | None = None
    #: The printer answers DLE EOT real-time status requests (paper, cover, offline).
    dle_eot: bool = False
    image_impl: ImageImpl = "bitImageRaster"

    def with_connection(self, connection: Connection) -> Profile:
        return dataclasses.replace(self, connection=connection)


# ---------------------------------------------------------------------------------------------- resolver


def _checkout_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "printer_profiles"


def profile_dirs() -> list[Path]:
    """Directories searched for ``<name>.toml``, first match wins.

    Order: ``$KIOSK_PRINTER_PROFILES``; the PyInstaller bundle (``sys._MEIPASS/printer_profiles``);
    the source checkout (and editable install); the installed wheel, where pyproject maps
    ``printer_profiles/`` to the package ``kiosk._printer_profiles``.
    """
    candidates: list[Path] = []
    if os.environ.get(PROFILES_ENV):
        candidates.append(Path(os.environ[PROFILES_ENV]))
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "printer_profiles")
    candidates.append(_checkout_dir())
    # find_spec copes with the mapped folder being a namespace package (no __init__.py).
    spec = importlib.util.find_spec(_PACKAGED)
    if spec is not None and spec.submodule_search_locations:
        candidates.extend(Path(location) for location in spec.submodule_search_locations)
    seen: set[Path] = set()
    found: list[Path] = []
    for candidate in candidates:
        if candidate.is_dir() and candidate.resolve() not in seen:
            seen.add(candidate.resolve())
            found.append(candidate)
    return found


def available_profiles() -> list[str]:
    names = {path.stem for directory in profile_dirs() for path in directory.glob("*.toml")}
    return sorted(names)


_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def find_profile(name_or_path: str | Path) -> Profile:
    """Load a profile by name (``generic-58mm``) or by path to a ``.toml`` file."""
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith(".toml") or "/" in text or "\\" in text:
        path = Path(text).expanduser()
        if not path.is_file():
            raise ProfileError(path, None, "no such profile file")
        return load_profile(path)
    if not _NAME.match(text):
        raise ProfileError(text, None, "not a profile name (lower-case letters, digits, '-', '.')")
    for directory in profile_dirs():
        path = directory / f"{text}.toml"
        if path.is_file():
            return load_profile(path)
    known = ", ".join(available_profiles()) or "none found"
    raise ProfileError(text, None, f"no printer profile of that name (available: {known})")


# ---------------------------------------------------------------------------------------------- loading

T = TypeVar("T")
_REQUIRED: Any = object()


class _Reader:
    """Takes typed values out of one TOML table, naming ``source`` and the dotted key on every error."""

    def __init__(self, source: Path | str, table: Mapping[str, Any], prefix: str) -> None:
        self.source = source
        self.table = dict(table)
        self.prefix = prefix
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def error(self, name: str | None, message: str) -> ProfileError:
        return ProfileError(self.source, self.key(name) if name else self.prefix or None, message)

    def get(self, name: str, kind: type[T], default: Any = _REQUIRED) -> T:
        self.used.add(name)
        if name not in self.table:
            if default is _REQUIRED:
                raise self.error(name, "missing")
            return default  # type: ignore[no-any-return]
        value = self.table[name]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(name, f"expected {kind.__name__}, got {value!r}")
        return value

    def choice(self, name: str, options: tuple[str, ...], default: Any = _REQUIRED) -> str:
        value = self.get(name, str, default)
        if value not in options:
            raise self.error(name, f"{value!r} is not one of {', '.join(options)}")
        return value

    def int_range(self, name: str, low: int, high: int, default: Any = _REQUIRED) -> int:
        value = self.get(name, int, default)
        if not low <= value <= high:
            raise self.error(name, f"{value} is outside {low}..{high}")
        return value

    def table_of(self, name: str, required: bool = True) -> _Reader:
        self.used.add(name)
        value = self.table.get(name)
        if value is None:
            if required:
                raise self.error(name, "missing table")
            value = {}
        if not isinstance(value, dict):
            raise self.error(name, f"expected a table, got {value!r}")
        return _Reader(self.source, value, self.key(name))

    def finish(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise self.error(unknown[0], "unknown key")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise ProfileError(path, None, f"not valid TOML: {err}") from err
    except OSError as err:
        raise ProfileError(path, None, f"cannot read: {err.strerror or err}") from err


def load_profile(path: Path) -> Profile:
    """Load and validate one profile file; every problem is a :class:`ProfileError` naming file and key."""
    return _build(path, _read_toml(path), path.stem)


def parse_connection(source: Path | str, table: Mapping[str, Any], prefix: str = "connection") -> Connection:
    reader = _Reader(source, table, prefix)
    kind = reader.choice("type", tuple(_CONNECTION_TYPES))
    cls = _CONNECTION_TYPES[kind]
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        if field.name == "type":
            continue
        default = field.default if field.default is not dataclasses.MISSING else _REQUIRED
        field_type = {"int": int, "float": float, "str": str}[str(field.type)]
        values[field.name] = reader.get(field.name, field_type, default)
    reader.finish()
    connection: Connection = cls(**values)
    _check_connection(reader, connection)
    return connection


def _check_connection(reader: _Reader, connection: Connection) -> None:
    match connection:
        case NetworkConnection(host=host, port=port, timeout=timeout):
            if not host:
                raise reader.error("host", "empty")
            if not 1 <= port <= 65535:
                raise reader.error("port", f"{port} is not a TCP port")
            if not 0 < timeout <= 60:
                raise reader.error("timeout", "must be between 0 and 60 seconds")
        case UsbConnection(vendor_id=vendor, product_id=product):
            for key, value in (("vendor_id", vendor), ("product_id", product)):
                if not 0 <= value <= 0xFFFF:
                    raise reader.error(key, f"{value} is not a 16-bit USB id")
        case SerialConnection(baudrate=baudrate):
            if baudrate not in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200):
                raise reader.error("baudrate", f"{baudrate} is not a standard baud rate")
        case FileConnection(path=path) if not path:
            raise reader.error("path", "empty")


def _build(source: Path, raw: Mapping[str, Any], name: str) -> Profile:
    from kiosk.printing._escpos import escpos_profile_names

    top = _Reader(source, raw, "")
    description = top.get("description", str)
    escpos_profile = top.get("escpos_profile", str)
    if escpos_profile not in escpos_profile_names():
        raise top.error("escpos_profile", f"{escpos_profile!r} is not a python-escpos capability profile")
    dle_eot = top.get("dle_eot", bool, False)

    connection = parse_connection(source, top.table_of("connection").table)

    paper_r = top.table_of("paper")
    paper = Paper(
        width_mm=paper_r.int_range("width_mm", 40, 120),
        dots=paper_r.int_range("dots", 128, 1024),
        columns=paper_r.int_range("columns", 16, 96),
    )
    paper_r.finish()
    if paper.dots // paper.columns < 8:
        raise paper_r.error("columns", f"{paper.columns} columns do not fit in {paper.dots} dots")

    text_r = top.table_of("text")
    mode = text_r.choice("mode", ("chinese", "codepage", "image"))
    if mode == "codepage":
        encoding = text_r.get("encoding", str, "cp437")
        try:
            if len("A".encode(encoding)) != 1:
                raise LookupError
        except LookupError:
            raise text_r.error("encoding", f"{encoding!r} is not a single-byte code page") from None
    else:
        encoding = text_r.choice("encoding", DOUBLE_BYTE_ENCODINGS, "gbk")
    text = TextSettings(
        mode=mode,  # type: ignore[arg-type]
        encoding=encoding,
        codepage=text_r.int_range("codepage", 0, 255, 0),
        fallback=text_r.choice("fallback", ("replace", "image"), "replace"),  # type: ignore[arg-type]
    )
    text_r.finish()

    qr_r = top.table_of("qr")
    qr = QrSettings(
        mode=qr_r.choice("mode", ("native", "image")),  # type: ignore[arg-type]
        module=qr_r.int_range("module", 3, 16, 6),
        ec=qr_r.choice("ec", ("L", "M", "Q", "H"), "M"),  # type: ignore[arg-type]
    )
    qr_r.finish()

    cut_r = top.table_of("cut", required=False)
    cut = cut_r.choice("mode", ("full", "partial", "none"), "partial")
    cut_feed = cut_r.int_range("feed", 0, 10, 4)
    cut_r.finish()

    drawer_r = top.table_of("drawer", required=False)
    pin = drawer_r.get("pin", int, 0)
    if pin not in (0, 2, 5):
        raise drawer_r.error("pin", f"{pin} is not 2, 5 or 0 (no drawer)")
    drawer_r.finish()

    image_r = top.table_of("image", required=False)
    impl = image_r.choice("impl", ("bitImageRaster", "graphics", "bitImageColumn"), "bitImageRaster")
    image_r.finish()
    top.finish()

    return Profile(
        name=name,
        description=description,
        source=source,
        escpos_profile=escpos_profile,
        connection=connection,
        paper=paper,
        text=text,
        qr=qr,
        cut=cut,  # type: ignore[arg-type]
        cut_feed=cut_feed,
        drawer_pin=pin or None,  # type: ignore[arg-type]
        dle_eot=dle_eot,
        image_impl=impl,  # type: ignore[arg-type]
    )


# ---------------------------------------------------------------------------------------------- settings

_SETTINGS_SOURCE = "kiosk configuration"


def apply_connection_overrides(
    profile: Profile, overrides: Mapping[str, Any], *, source: Path | str = _SETTINGS_SOURCE, prefix: str = "printer"
) -> Profile:
    """Merge connection keys over the profile's connection.

    Without ``type`` the keys refine the profile's own connection (``host = "10.0.0.9"``); with a different
    ``type`` they describe a whole new connection.
    """
    if not overrides:
        return profile
    current = dataclasses.asdict(profile.connection)
    if "type" in overrides and overrides["type"] != current["type"]:
        merged = dict(overrides)
    else:
        merged = {**current, **overrides}
    return profile.with_connection(parse_connection(source, merged, prefix=prefix))


def load_printer_settings(
    table: Mapping[str, Any],
    *,
    source: Path | str = _SETTINGS_SOURCE,
    find: Callable[[str], Profile] = find_profile,
) -> Profile:
    """The kiosk configuration's ``[printer]`` table → the selected profile with connection overrides applied.

    ``profile = "generic-80mm"`` (a name or a path) is required; every other key is a connection key
    (``type``, ``host``, ``port``, ``path``, ...). Errors name ``source`` and the key.
    """
    reader = _Reader(source, table, "printer")
    name = reader.get("profile", str)
    overrides = {key: value for key, value in table.items() if key != "profile"}
    try:
        profile = find(name)
    except ProfileError as err:
        if err.source == name:
            raise reader.error("profile", err.message) from err
        raise
    return apply_connection_overrides(profile, overrides, source=source)
