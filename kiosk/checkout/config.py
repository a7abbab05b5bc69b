"""The kiosk configuration file (``kiosk.toml``; the example is ``packaging/kiosk.example.toml``).

Every mistake stops the kiosk before any window opens, with one message naming the file and the key, e.g.
``kiosk.toml: [payment] timeout_seconds: 10 is outside 60..7200 seconds``: a malformed file, an unknown
table or key, a wrong type or value, a ``[printer]`` table that does not resolve to a printer, a
``[kiosk] catalogue`` that does not load, a ``[manager] pin_sha256`` in neither accepted form, and any
stand-in left from the example (a value with "…", the relay ``relay.example.cn``). Tables:

* ``[relay]`` url (one address: the relay, or a load balancer in front of its instances) or urls (relay
  instances the kiosk fails over between), token, manager_token (optional; refunds need it). Tokens are never
  logged.
* ``[store]`` id (as registered at the relay), name, address, phone (optional): printed on receipts.
* ``[kiosk]`` id (as registered at the relay), data_dir and catalogue (optional; relative to this file).
* ``[printer]`` profile and connection keys (:func:`kiosk.printing.load_printer_settings`), and receipt:
  ``always`` (printed when the payment lands; the default), ``ask`` (the paid screen asks) or ``never`` (only
  when the clerk taps Print receipt).
* ``[payment]`` timeout_seconds (the QR countdown and WeChat Pay's time_expire), auto_print_slip,
  other_wallet_message (what an Alipay or UnionPay payment code gets; default 本店仅支持微信支付).
* ``[ui]`` language (zh_CN or en).
* ``[sound]`` enabled, volume (0–100): the chime and "微信收款 … 元" for every payment, the error tones.
* ``[manager]`` pin_sha256 (see :mod:`kiosk.manager.pin`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import platformdirs

from kiosk.checkout.errors import CheckoutError
from kiosk.checkout.sound import SoundSettings

if TYPE_CHECKING:
    from kiosk.checkout.catalogue import Catalogue
    from kiosk.printing import Profile

LANGUAGES = ("zh_CN", "en")
DEFAULT_TIMEOUT_SECONDS = 300
MIN_TIMEOUT_SECONDS = 60  # WeChat Pay wants time_expire at least a minute out
MAX_TIMEOUT_SECONDS = 2 * 60 * 60
#: The clerk reads it aloud or shows it: one short sentence.
MAX_MESSAGE_CHARS = 40
_KNOWN_TABLES = {"relay", "store", "kiosk", "printer", "payment", "ui", "manager", "sound"}
#: The example kiosk.toml marks what to fill in with "…" and points at this relay; a kiosk started with either
#: would sell for nobody (tests/checkout/test_config.py checks every stand-in of the example is refused).
PLACEHOLDER_MARK = "…"
PLACEHOLDER_RELAY_HOST = "relay.example.cn"
#: The two forms kiosk.manager.pin accepts: ``pbkdf2_sha256$iterations$salt$hash`` or a bare SHA-256 in hex.
_PIN_HASH = re.compile(r"pbkdf2_sha256\$[1-9][0-9]*\$(?:[0-9a-fA-F]{2})+\$(?:[0-9a-fA-F]{2})+|[0-9a-fA-F]{64}")
#: ``[printer] receipt``: when a paid order's receipt prints (the first is the default).
RECEIPT_MODES = ("always", "ask", "never")


class KioskConfigError(CheckoutError):
    """The configuration is unusable; the message names the file and the key."""

    def __init__(self, key: str, message: str, *, path: Path | None = None):
        prefix = f"{path}: " if path else ""
        super().__init__(f"{prefix}{key}: {message}")
        self.key = key
        self.path = path


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("kiosk", appauthor=False))


@dataclass(frozen=True)
class StoreInfoConfig:
    id: str
    name: str
    address: str
    phone: str | None = None


@dataclass(frozen=True)
class KioskConfig:
    #: The relay's base URL, or one per relay instance (the kiosk fails over between them).
    relay_urls: tuple[str, ...]
    relay_token: str = field(repr=False)
    store: StoreInfoConfig
    kiosk_id: str
    data_dir: Path
    manager_token: str | None = field(default=None, repr=False)
    printer: dict[str, Any] = field(default_factory=dict)
    #: ``[printer]``'s profile with its connection keys, loaded (so checked) with the file, once; None for a
    #: configuration made in code (training, tests): the print queue loads ``printer`` then.
    printer_profile: Profile | None = field(default=None, repr=False, compare=False)
    payment_timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS
    auto_print_slip: bool = False
    #: ``[payment] other_wallet_message``: None means the default, shown in the kiosk's language.
    other_wallet_message: str | None = None
    language: str = "zh_CN"
    manager: dict[str, Any] = field(default_factory=dict)
    #: ``[kiosk] catalogue``, loaded (so checked) with the file, once; None: the sample catalogue.
    catalogue: Catalogue | None = field(default=None, repr=False, compare=False)
    training: bool = False
    source: Path | None = None
    sound: SoundSettings = field(default_factory=SoundSettings)
    #: One of :data:`RECEIPT_MODES`.
    receipt: str = RECEIPT_MODES[0]

    @property
    def prints_receipts(self) -> bool:
        """Whether a receipt prints by itself when a payment lands (else only when the clerk asks)."""
        return self.receipt == "always"

    @property
    def journal_path(self) -> Path:
        return self.data_dir / "journal.sqlite3"


class _Table:
    def __init__(self, name: str, raw: Any, path: Path | None):
        self.name = name
        self.path = path
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise KioskConfigError(f"[{name}]", "must be a table", path=path)
        self.raw: dict[str, Any] = raw

    def key(self, key: str) -> str:
        return f"[{self.name}] {key}"

    def error(self, key: str, message: str) -> KioskConfigError:
        return KioskConfigError(self.key(key), message, path=self.path)

    def text(self, key: str, default: str | None = None, *, required: bool = True) -> str | None:
        value = self.raw.get(key)
        if value is None:
            if default is not None or not required:
                return default
            raise self.error(key, "missing")
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, not {type(value).__name__}")
        value = value.strip()
        if not value:
            if not required:
                return default
            raise self.error(key, "must not be empty")
        return value

    def required(self, key: str) -> str:
        value = self.text(key)
        assert value is not None
        return value


def load_config(path: Path | str) -> KioskConfig:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise KioskConfigError("file", "not found", path=path) from exc
    except tomllib.TOMLDecodeError as exc:
        raise KioskConfigError("file", f"not valid TOML ({exc})", path=path) from exc
    return parse_config(data, path=path)


def parse_config(data: dict[str, Any], *, path: Path | None = None, training: bool = False) -> KioskConfig:
    unknown = sorted(set(data) - _KNOWN_TABLES)
    if unknown:
        raise KioskConfigError(
            f"[{unknown[0]}]", f"unknown table (known: {', '.join(sorted(_KNOWN_TABLES))})", path=path
        )
    _refuse_placeholders(data, path)
    relay = _Table("relay", data.get("relay"), path)
    store = _Table("store", data.get("store"), path)
    kiosk = _Table("kiosk", data.get("kiosk"), path)
    payment = _Table("payment", data.get("payment"), path)
    ui = _Table("ui", data.get("ui"), path)
    printer = _Table("printer", data.get("printer"), path)
    manager = _Table("manager", data.get("manager"), path)
    sound = _Table("sound", data.get("sound"), path)

    for table, known in (
        (relay, {"url", "urls", "token", "manager_token"}),
        (store, {"id", "name", "address", "phone"}),
        (kiosk, {"id", "data_dir", "catalogue"}),
        (payment, {"timeout_seconds", "auto_print_slip", "other_wallet_message"}),
        (ui, {"language"}),
        (sound, {"enabled", "volume"}),
        (manager, {"pin_sha256"}),
    ):
        for key in table.raw:
            if key not in known:
                raise table.error(key, f"unknown key (known: {', '.join(sorted(known))})")

    relay_urls = _relay_urls(relay)
    base = path.parent if path else Path.cwd()

    data_dir_text = kiosk.text("data_dir", required=False)
    data_dir = (base / Path(data_dir_text).expanduser()) if data_dir_text else default_data_dir()
    catalogue_text = kiosk.text("catalogue", required=False)
    catalogue = _load_catalogue(kiosk, base / Path(catalogue_text).expanduser()) if catalogue_text else None
    printer_settings, printer_profile = _printer_settings(printer, base)
    pin_hash = manager.text("pin_sha256", required=False)
    if pin_hash is not None and not _PIN_HASH.fullmatch(pin_hash):
        raise manager.error("pin_sha256", "expected pbkdf2_sha256$… (from kiosk set-pin) or 64 hex digits of SHA-256")

    timeout = payment.raw.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)
    if isinstance(timeout, bool) or not isinstance(timeout, int):
        raise payment.error("timeout_seconds", f"must be an integer number of seconds, not {timeout!r}")
    if not MIN_TIMEOUT_SECONDS <= timeout <= MAX_TIMEOUT_SECONDS:
        raise payment.error(
            "timeout_seconds", f"{timeout} is outside {MIN_TIMEOUT_SECONDS}..{MAX_TIMEOUT_SECONDS} seconds"
        )
    auto_print = payment.raw.get("auto_print_slip", False)
    if not isinstance(auto_print, bool):
        raise payment.error("auto_print_slip", f"must be true or false, not {auto_print!r}")
    other_wallet = payment.raw.get("other_wallet_message")
    if other_wallet is not None:
        if not isinstance(other_wallet, str) or not other_wallet.strip():
            raise payment.error("other_wallet_message", f"must be a non-empty string, not {other_wallet!r}")
        other_wallet = other_wallet.strip()
        if len(other_wallet) > MAX_MESSAGE_CHARS or "\n" in other_wallet:
            raise payment.error("other_wallet_message", f"must be one line of at most {MAX_MESSAGE_CHARS} characters")
    try:
        sound_settings = SoundSettings(**sound.raw)
    except ValueError as exc:  # "volume must be …": the message starts with the key
        key, _, message = str(exc).partition(" ")
        raise sound.error(key, message) from exc
    receipt = printer.raw.get("receipt", RECEIPT_MODES[0])
    if receipt not in RECEIPT_MODES:
        raise printer.error("receipt", f"must be one of {', '.join(RECEIPT_MODES)}, not {receipt!r}")
    language = ui.text("language", "zh_CN") or "zh_CN"
    if language not in LANGUAGES:
        raise ui.error("language", f"must be one of {', '.join(LANGUAGES)}, not {language!r}")

    return KioskConfig(
        relay_urls=relay_urls,
        relay_token=relay.required("token"),
        manager_token=relay.text("manager_token", required=False),
        store=StoreInfoConfig(
            id=store.required("id"),
            name=store.required("name"),
            address=store.required("address"),
            phone=store.text("phone", required=False),
        ),
        kiosk_id=kiosk.required("id"),
        data_dir=data_dir,
        printer=printer_settings,
        printer_profile=printer_profile,
        payment_timeout_seconds=timeout,
        auto_print_slip=auto_print,
        other_wallet_message=other_wallet,
        language=language,
        manager=dict(manager.raw),
        catalogue=catalogue,
        training=training,
        source=path,
        sound=sound_settings,
        receipt=receipt,
    )


#: A kiosk lists a few relay instances at most (more is a load balancer's job).
MAX_RELAY_URLS = 8


def _relay_urls(relay: _Table) -> tuple[str, ...]:
    """``url`` (one relay, or a load balancer in front of several) or ``urls`` (instances to fail over between)."""
    if "url" in relay.raw and "urls" in relay.raw:
        raise relay.error("urls", "set url (one address) or urls (several), not both")
    if "urls" not in relay.raw:
        return (_relay_url(relay, "url", relay.required("url")),)
    listed = relay.raw["urls"]
    if not isinstance(listed, list) or not listed or not all(isinstance(url, str) for url in listed):
        raise relay.error("urls", 'must be a list of one or more addresses, e.g. ["https://relay-a.example.cn"]')
    if len(listed) > MAX_RELAY_URLS:
        raise relay.error("urls", f"lists {len(listed)} addresses; at most {MAX_RELAY_URLS}")
    urls = tuple(_relay_url(relay, "urls", url.strip()) for url in listed)
    if len(set(urls)) != len(urls):
        raise relay.error("urls", "lists the same address twice")
    return urls


def _relay_url(relay: _Table, key: str, url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise relay.error(key, f"must start with http:// or https://, not {url!r}")
    if urlsplit(url).hostname == PLACEHOLDER_RELAY_HOST or PLACEHOLDER_MARK in url:
        raise relay.error(key, "still the example's relay; put in your relay's address")
    return url.rstrip("/")


def _refuse_placeholders(data: Mapping[str, Any], path: Path | None) -> None:
    for table, values in data.items():
        for key, value in values.items() if isinstance(values, dict) else ():
            if isinstance(value, str) and PLACEHOLDER_MARK in value:
                raise KioskConfigError(
                    f"[{table}] {key}", "still the example's stand-in (…); put in the real value", path=path
                )


def _load_catalogue(kiosk: _Table, catalogue: Path) -> Catalogue:
    """A catalogue that does not load is a configuration mistake like any other: found now, not at the till."""
    from kiosk.checkout.catalogue import CatalogueError, load_catalogue

    try:
        return load_catalogue(catalogue)
    except CatalogueError as exc:
        raise kiosk.error("catalogue", str(exc)) from None


def _printer_settings(printer: _Table, base: Path) -> tuple[dict[str, Any], Profile | None]:
    """``[printer]`` and the profile it selects, loaded as the print queue uses it (None without a printer); a
    profile given as a path is relative to this file."""
    from kiosk.printing import ProfileError, load_printer_settings

    settings = {key: value for key, value in printer.raw.items() if key != "receipt"}  # the kiosk's, not the queue's
    profile = settings.get("profile")
    if isinstance(profile, str) and (profile.endswith(".toml") or "/" in profile or "\\" in profile):
        settings["profile"] = str(base / Path(profile).expanduser())
    if not settings:
        return settings, None
    source = printer.path or "kiosk.toml"
    try:
        return settings, load_printer_settings(settings, source=source)
    except ProfileError as exc:
        if exc.source == str(source) and exc.key and exc.key.startswith("printer."):
            raise printer.error(exc.key.removeprefix("printer."), exc.message) from None
        raise printer.error("profile", str(exc)) from None  # the profile file itself is faulty
