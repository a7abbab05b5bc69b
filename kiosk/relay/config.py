"""The relay's TOML configuration: loading with validation, and the edits the CLI makes.

Every problem is reported as ``ConfigError(key, problem)`` where ``key`` is the dotted TOML key
(``wechatpay.apiv3_key``, ``kiosks[2].store``), so a bad file fails at start-up with a message a merchant
can act on. Relative paths are relative to the configuration file. Kiosk tokens are kept only as SHA-256
hashes; the token itself is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.files import private_temp
from kiosk.trade import CODEPAY_DEADLINE
from kiosk.wire import store_prefix

log = logging.getLogger("kiosk.relay")

#: ``notify_url = "auto"``: derive it from the address the relay is bound to (loopback, sandbox, embedded).
AUTO = "auto"
ROLES = ("kiosk", "manager")
_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class ConfigError(Exception):
    """A configuration problem, naming the key at fault."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class WeChatPaySettings:
    mode: str
    base_url: str
    mchid: str
    appid: str
    sp_mchid: str
    sp_appid: str
    merchant_private_key: Path
    merchant_cert_serial: str
    apiv3_key: str = field(repr=False)
    platform_public_key: Path
    platform_public_key_id: str
    notify_url: str
    #: Also trust platform certificates from /v3/certificates (notifications migrate between the two).
    platform_certificates: bool = True

    @property
    def partner(self) -> bool:
        return self.mode == "partner"

    @property
    def signing_mchid(self) -> str:
        return self.sp_mchid if self.partner else self.mchid


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    rate_limit_per_second: float = 20.0
    rate_limit_burst: int = 60
    #: Bills are big: each credential has a bucket of its own for them, besides the one above.
    bill_rate_limit_per_minute: float = 10.0
    bill_rate_limit_burst: int = 10
    max_body_bytes: int = 64 * 1024
    #: Open connections at most (fewer if the open-file limit is lower); long-polls count.
    max_connections: int = 4096
    #: A request head must arrive within this time of connecting; its body within the second of the head.
    header_timeout_seconds: float = 10.0
    body_timeout_seconds: float = 10.0
    #: An idle keep-alive connection is closed after this time.
    keep_alive_seconds: int = 5


@dataclass(frozen=True)
class OrderSettings:
    #: Lifetime of an order whose request carries no ``time_expire``.
    default_expire_seconds: int = 600
    #: The latest ``time_expire`` a kiosk may ask for, from now (a QR code on a screen lives minutes).
    max_expire_seconds: int = 3 * 3600
    #: Ceiling on the relay's own queries to WeChat Pay (all orders together).
    queries_per_second: float = 20.0


@dataclass(frozen=True)
class StorageSettings:
    """Where the relay stores: an SQLite file (``path``, one relay process) or a PostgreSQL database (``url``,
    any number of relay instances)."""

    path: Path | None = None
    url: str | None = field(default=None, repr=False)  # may carry a password
    #: PostgreSQL only: connections per instance, and how long the work lease lasts unless renewed.
    pool_size: int = 10
    lease_seconds: float = 15.0
    #: Storage that has not written for this long is given up on: the relay exits non-zero (the service
    #: manager starts it again).
    exit_after_seconds: float = 10.0

    @property
    def where(self) -> Path | str:
        """What :func:`kiosk.relay.storage.open_storage` opens."""
        if self.url is not None:
            return self.url
        assert self.path is not None
        return self.path

    @property
    def key(self) -> str:
        """The configuration key that names the store, for messages."""
        return "storage.url" if self.url is not None else "storage.path"


@dataclass(frozen=True)
class CodePaySettings:
    """The payment-code timeline (WeChat Pay's: query every 5 s, give up after 30 s, reverse no sooner than 15 s
    after the charge; WeChat Pay itself reverses at 45 s). Configurable: the reference leaves parts of it open."""

    #: Between two queries while the customer confirms (password).
    poll_seconds: float = 5.0
    #: Still not paid this long after the charge: reverse.
    deadline_seconds: float = CODEPAY_DEADLINE.total_seconds()
    #: A reverse is never sent sooner after the charge (a cancelling clerk waits for it).
    reverse_after_seconds: float = 15.0
    #: Failed reverses after which the order is flagged unresolved for the manager (retries go on).
    unresolved_after: int = 3


@dataclass(frozen=True)
class Store:
    id: str
    name: str
    sub_mchid: str | None = None


@dataclass(frozen=True)
class Kiosk:
    id: str
    store: str
    role: str
    token_sha256: str = field(repr=False)


@dataclass(frozen=True)
class RelayConfig:
    path: Path
    wechatpay: WeChatPaySettings
    server: ServerSettings
    storage: StorageSettings
    orders: OrderSettings
    codepay: CodePaySettings
    stores: dict[str, Store]
    kiosks: tuple[Kiosk, ...]

    def authenticate(self, token: str) -> Kiosk | None:
        """The kiosk holding ``token``; every hash is compared in constant time."""
        digest = hash_token(token)
        found: Kiosk | None = None
        for kiosk in self.kiosks:
            if hmac.compare_digest(kiosk.token_sha256, digest):
                found = kiosk
        return found


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh kiosk token and the hash that goes into the file."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


# -- loading -------------------------------------------------------------------------------------------

_WECHATPAY_KEYS = (
    "mode",
    "base_url",
    "mchid",
    "appid",
    "sp_mchid",
    "sp_appid",
    "merchant_private_key",
    "merchant_cert_serial",
    "apiv3_key",
    "platform_public_key",
    "platform_public_key_id",
    "notify_url",
    "platform_certificates",
)
_SERVER_KEYS = (
    "host",
    "port",
    "rate_limit_per_second",
    "rate_limit_burst",
    "bill_rate_limit_per_minute",
    "bill_rate_limit_burst",
    "max_body_bytes",
    "max_connections",
    "header_timeout_seconds",
    "body_timeout_seconds",
    "keep_alive_seconds",
)
_TOP_KEYS = ("wechatpay", "server", "storage", "orders", "codepay", "stores", "kiosks")


def load_config(path: Path | str) -> RelayConfig:
    """Read and validate ``path``; raises ConfigError naming the first bad key."""
    path = Path(path).resolve()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError("config", f"cannot read {path}: {exc.strerror}") from None
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError("config", f"{path} is not valid TOML: {exc}") from None
    return parse_config(document, path)


def parse_config(document: Mapping[str, Any], path: Path) -> RelayConfig:
    base = path.parent
    _unknown(document, _TOP_KEYS, "")
    wechatpay = _table(document, "wechatpay", required=True)
    _unknown(wechatpay, _WECHATPAY_KEYS, "wechatpay.")
    mode = _string(wechatpay, "wechatpay.mode", "mode")
    if mode not in ("direct", "partner"):
        raise ConfigError("wechatpay.mode", f'must be "direct" or "partner", not {mode!r}')
    partner = mode == "partner"
    base_url = _url(_string(wechatpay, "wechatpay.base_url", "base_url"), "wechatpay.base_url")
    mchid = _string(wechatpay, "wechatpay.mchid", "mchid", required=not partner)
    appid = _string(wechatpay, "wechatpay.appid", "appid", required=not partner)
    sp_mchid = _string(wechatpay, "wechatpay.sp_mchid", "sp_mchid", required=partner)
    sp_appid = _string(wechatpay, "wechatpay.sp_appid", "sp_appid", required=partner)
    private_key = _path(wechatpay, "wechatpay.merchant_private_key", "merchant_private_key", base)
    _check_private_key(private_key, "wechatpay.merchant_private_key")
    serial = _string(wechatpay, "wechatpay.merchant_cert_serial", "merchant_cert_serial")
    if not re.fullmatch(r"[0-9A-Fa-f]{1,40}", serial):
        raise ConfigError("wechatpay.merchant_cert_serial", "must be the certificate serial in hex")
    apiv3_key = _string(wechatpay, "wechatpay.apiv3_key", "apiv3_key")
    if len(apiv3_key.encode("utf-8")) != 32:
        # Never echo the key itself.
        raise ConfigError("wechatpay.apiv3_key", "must be the 32-character APIv3 key")
    public_key = _path(wechatpay, "wechatpay.platform_public_key", "platform_public_key", base)
    _check_public_key(public_key, "wechatpay.platform_public_key")
    public_key_id = _string(wechatpay, "wechatpay.platform_public_key_id", "platform_public_key_id")
    notify_url = _string(wechatpay, "wechatpay.notify_url", "notify_url")
    if notify_url != AUTO:
        _url(notify_url, "wechatpay.notify_url")
        if urlsplit(notify_url).query:
            raise ConfigError("wechatpay.notify_url", "must not carry a query string (WeChat Pay rejects it)")
    settings = WeChatPaySettings(
        mode=mode,
        base_url=base_url.rstrip("/"),
        mchid=mchid,
        appid=appid,
        sp_mchid=sp_mchid,
        sp_appid=sp_appid,
        merchant_private_key=private_key,
        merchant_cert_serial=serial,
        apiv3_key=apiv3_key,
        platform_public_key=public_key,
        platform_public_key_id=public_key_id,
        notify_url=notify_url,
        platform_certificates=_bool(wechatpay, "wechatpay.platform_certificates", "platform_certificates", True),
    )

    server_table = _table(document, "server")
    _unknown(server_table, _SERVER_KEYS, "server.")
    defaults = ServerSettings()
    server = ServerSettings(
        host=_string(server_table, "server.host", "host", default=defaults.host),
        port=_int(server_table, "server.port", "port", defaults.port, 0, 65535),
        rate_limit_per_second=_number(
            server_table, "server.rate_limit_per_second", "rate_limit_per_second", defaults.rate_limit_per_second
        ),
        rate_limit_burst=_int(
            server_table, "server.rate_limit_burst", "rate_limit_burst", defaults.rate_limit_burst, 1
        ),
        bill_rate_limit_per_minute=_number(
            server_table,
            "server.bill_rate_limit_per_minute",
            "bill_rate_limit_per_minute",
            defaults.bill_rate_limit_per_minute,
        ),
        bill_rate_limit_burst=_int(
            server_table, "server.bill_rate_limit_burst", "bill_rate_limit_burst", defaults.bill_rate_limit_burst, 1
        ),
        max_body_bytes=_int(server_table, "server.max_body_bytes", "max_body_bytes", defaults.max_body_bytes, 1024),
        max_connections=_int(server_table, "server.max_connections", "max_connections", defaults.max_connections, 16),
        header_timeout_seconds=_number(
            server_table, "server.header_timeout_seconds", "header_timeout_seconds", defaults.header_timeout_seconds
        ),
        body_timeout_seconds=_number(
            server_table, "server.body_timeout_seconds", "body_timeout_seconds", defaults.body_timeout_seconds
        ),
        keep_alive_seconds=_int(
            server_table, "server.keep_alive_seconds", "keep_alive_seconds", defaults.keep_alive_seconds, 1, 300
        ),
    )

    storage = _storage(_table(document, "storage", required=True), base)

    orders_table = _table(document, "orders")
    _unknown(orders_table, ("default_expire_seconds", "max_expire_seconds", "queries_per_second"), "orders.")
    order_defaults = OrderSettings()
    max_expire = _int(
        orders_table,
        "orders.max_expire_seconds",
        "max_expire_seconds",
        order_defaults.max_expire_seconds,
        60,
        7 * 24 * 3600,
    )
    orders = OrderSettings(
        default_expire_seconds=_int(
            orders_table,
            "orders.default_expire_seconds",
            "default_expire_seconds",
            min(order_defaults.default_expire_seconds, max_expire),
            60,
            max_expire,
        ),
        max_expire_seconds=max_expire,
        queries_per_second=_number(
            orders_table, "orders.queries_per_second", "queries_per_second", order_defaults.queries_per_second
        ),
    )
    codepay = _codepay_settings(_table(document, "codepay"))

    stores: dict[str, Store] = {}
    for index, entry in enumerate(_array(document, "stores")):
        key = f"stores[{index}]"
        _unknown(entry, ("id", "name", "sub_mchid"), key + ".")
        store_id = _identifier(entry, key)
        if store_id in stores:
            raise ConfigError(f"{key}.id", f"duplicate store id {store_id!r}")
        prefix = store_prefix(store_id)
        alike = [other for other in stores if store_prefix(other) == prefix]
        if alike:  # each store's numbers must be its own (kiosk.wire.store_prefix)
            problem = f"its order numbers would begin {prefix!r} as store {alike[0]!r}'s do"
            raise ConfigError(f"{key}.id", f"{problem}: store ids must differ in their letters or digits")
        sub_mchid = _string(entry, f"{key}.sub_mchid", "sub_mchid", required=partner) or None
        stores[store_id] = Store(store_id, _string(entry, f"{key}.name", "name", default=store_id), sub_mchid)
    if not stores:
        raise ConfigError("stores", "at least one [[stores]] entry is needed")

    kiosks: list[Kiosk] = []
    seen: set[str] = set()
    for index, entry in enumerate(_array(document, "kiosks")):
        key = f"kiosks[{index}]"
        _unknown(entry, ("id", "store", "role", "token_sha256"), key + ".")
        kiosk_id = _identifier(entry, key)
        if kiosk_id in seen:
            raise ConfigError(f"{key}.id", f"duplicate kiosk id {kiosk_id!r}")
        seen.add(kiosk_id)
        store_id = _string(entry, f"{key}.store", "store")
        if store_id not in stores:
            raise ConfigError(f"{key}.store", f"no store with id {store_id!r}")
        role = _string(entry, f"{key}.role", "role", default="kiosk")
        if role not in ROLES:
            raise ConfigError(f"{key}.role", f'must be "kiosk" or "manager", not {role!r}')
        digest = _string(entry, f"{key}.token_sha256", "token_sha256")
        if not _HEX64.fullmatch(digest):
            raise ConfigError(f"{key}.token_sha256", "must be 64 lower-case hex characters (a SHA-256 hash)")
        kiosks.append(Kiosk(kiosk_id, store_id, role, digest))

    return RelayConfig(path, settings, server, storage, orders, codepay, stores, tuple(kiosks))


def require_postgres_url(url: str, key: str) -> None:
    """``ConfigError`` for ``key`` unless ``url`` names a PostgreSQL database (the value is never echoed: it may
    hold the database password)."""
    if urlsplit(url).scheme not in ("postgresql", "postgres"):
        raise ConfigError(key, "must be a postgresql:// URL")


_STORAGE_KEYS = ("path", "url", "pool_size", "lease_seconds", "exit_after_seconds")


def _storage(table: Mapping[str, Any], base: Path) -> StorageSettings:
    _unknown(table, _STORAGE_KEYS, "storage.")
    if "path" in table and "url" in table:
        raise ConfigError("storage.url", "set path (an SQLite file) or url (a PostgreSQL database), not both")
    defaults = StorageSettings()
    exit_after = _number(table, "storage.exit_after_seconds", "exit_after_seconds", defaults.exit_after_seconds)
    if "url" not in table:
        for name in ("pool_size", "lease_seconds"):
            if name in table:
                raise ConfigError(f"storage.{name}", "applies only to a PostgreSQL url")
        path = base / _string(table, "storage.path", "path")
        if not path.parent.is_dir():
            raise ConfigError("storage.path", f"directory {path.parent} does not exist")
        return StorageSettings(path=path, exit_after_seconds=exit_after)
    url = _string(table, "storage.url", "url")
    require_postgres_url(url, "storage.url")
    lease = _number(table, "storage.lease_seconds", "lease_seconds", defaults.lease_seconds)
    if not 2 <= lease <= 600:
        raise ConfigError("storage.lease_seconds", "must be between 2 and 600 seconds")
    return StorageSettings(
        url=url,
        pool_size=_int(table, "storage.pool_size", "pool_size", defaults.pool_size, 2, 200),
        lease_seconds=lease,
        exit_after_seconds=exit_after,
    )


def _codepay_settings(table: Mapping[str, Any]) -> CodePaySettings:
    _unknown(table, ("poll_seconds", "deadline_seconds", "reverse_after_seconds", "unresolved_after"), "codepay.")
    defaults = CodePaySettings()
    settings = CodePaySettings(
        poll_seconds=_number(table, "codepay.poll_seconds", "poll_seconds", defaults.poll_seconds),
        deadline_seconds=_number(table, "codepay.deadline_seconds", "deadline_seconds", defaults.deadline_seconds),
        reverse_after_seconds=_number(
            table, "codepay.reverse_after_seconds", "reverse_after_seconds", defaults.reverse_after_seconds
        ),
        unresolved_after=_int(table, "codepay.unresolved_after", "unresolved_after", defaults.unresolved_after, 1),
    )
    if settings.deadline_seconds >= 45:
        raise ConfigError("codepay.deadline_seconds", "must be below 45: WeChat Pay reverses the order itself then")
    if settings.poll_seconds > settings.deadline_seconds:
        raise ConfigError("codepay.poll_seconds", "must not exceed codepay.deadline_seconds")
    return settings


def _unknown(table: Mapping[str, Any], known: tuple[str, ...], prefix: str) -> None:
    for key in table:
        if key not in known:
            raise ConfigError(f"{prefix}{key}", "unknown key")


def _table(document: Mapping[str, Any], name: str, *, required: bool = False) -> Mapping[str, Any]:
    value = document.get(name)
    if value is None:
        if required:
            raise ConfigError(name, f"missing [{name}] table")
        return {}
    if not isinstance(value, dict):
        raise ConfigError(name, "must be a table")
    return value


def _array(document: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    value = document.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ConfigError(name, f"must be an array of tables ([[{name}]])")
    return value


def _string(table: Mapping[str, Any], key: str, name: str, *, required: bool = True, default: str = "") -> str:
    value = table.get(name)
    if value is None or value == "":
        if required and not default:
            raise ConfigError(key, "missing")
        return default
    if not isinstance(value, str):
        raise ConfigError(key, "must be a string")
    return value.strip()


def _int(table: Mapping[str, Any], key: str, name: str, default: int, low: int = 0, high: int | None = None) -> int:
    value = table.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(key, "must be an integer")
    if value < low or (high is not None and value > high):
        raise ConfigError(key, f"must be between {low} and {high}" if high is not None else f"must be at least {low}")
    return value


def _bool(table: Mapping[str, Any], key: str, name: str, default: bool) -> bool:
    value = table.get(name, default)
    if not isinstance(value, bool):
        raise ConfigError(key, "must be true or false")
    return value


def _number(table: Mapping[str, Any], key: str, name: str, default: float) -> float:
    value = table.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(key, "must be a positive number")
    return float(value)


def _identifier(entry: Mapping[str, Any], key: str) -> str:
    value = _string(entry, f"{key}.id", "id")
    if not _ID.fullmatch(value):
        raise ConfigError(f"{key}.id", "must be 1-64 characters of letters, digits, '.', '_' or '-'")
    return value


def _url(value: str, key: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(key, f"must be an http(s) URL, not {value!r}")
    return value


def _path(table: Mapping[str, Any], key: str, name: str, base: Path) -> Path:
    path = base / _string(table, key, name)
    if not path.is_file():
        raise ConfigError(key, f"file {path} does not exist")
    return path


def _check_private_key(path: Path, key: str) -> None:
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError, OSError):
        raise ConfigError(key, f"{path} is not a PEM private key without password") from None
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ConfigError(key, f"{path} is not an RSA private key")


def _check_public_key(path: Path, key: str) -> None:
    try:
        loaded = serialization.load_pem_public_key(path.read_bytes())
    except (ValueError, TypeError, OSError):
        raise ConfigError(key, f"{path} is not a PEM public key") from None
    if not isinstance(loaded, rsa.RSAPublicKey):
        raise ConfigError(key, f"{path} is not an RSA public key")


# -- reloading (a running relay) ---------------------------------------------------------------------------


class KioskReloader:
    """Keeps one running relay's kiosk credentials in step with its configuration file.

    :meth:`check` looks at the file at most once per ``interval`` seconds (the relay calls it before every
    authentication). A valid file replaces the credentials in force; changes beyond ``[[kiosks]]`` are
    logged and wait for a restart (:attr:`restart_needed`).

    A file that does not validate fails closed, because a credential is usually removed in a hurry (a lost
    tablet, a leaked manager token) and a typo elsewhere in the file must not keep it alive: a credential
    stays in force only while an entry with the same id, store, role and hash is still in the file; if the
    file cannot even be read as TOML, none does. Nothing is added from an invalid file. The failure is
    logged as an ERROR and kept in :attr:`failure` until the file is valid again, and the file is re-read
    every interval meanwhile.
    """

    def __init__(
        self, config: RelayConfig, *, interval: float = 1.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config
        #: Why the file on disk is not in force (None when it is), for the log.
        self.failure: str | None = None
        #: The key at fault, for the health check (which shows no value of the file: those may name a store).
        self.failure_key: str | None = None
        #: The file changes more than ``[[kiosks]]``; a restart applies it.
        self.restart_needed = False
        self._interval = interval
        self._monotonic = monotonic
        self._valid = config.kiosks  # the credentials of the last valid file
        self._stamp = _stamp(config.path)
        self._checked = monotonic()

    def check(self) -> RelayConfig | None:
        """The configuration to use from now on if its credentials changed, else None."""
        now = self._monotonic()
        if now - self._checked < self._interval:
            return None
        self._checked = now
        stamp = _stamp(self.config.path)
        if stamp == self._stamp and self.failure is None:
            return None
        self._stamp = stamp
        try:
            fresh = load_config(self.config.path)
        except ConfigError as exc:
            return self._failed(exc)
        if self.failure is not None:
            log.info("configuration valid again; kiosk credentials reloaded from it")
            self.failure = self.failure_key = None
        current = self.config
        self.restart_needed = replace(fresh, kiosks=current.kiosks) != current
        if self.restart_needed:
            log.warning("configuration changed beyond [[kiosks]]; restart the relay to apply it")
        self._valid = tuple(kiosk for kiosk in fresh.kiosks if kiosk.store in current.stores)
        return self._use(self._valid)

    def _failed(self, exc: ConfigError) -> RelayConfig | None:
        kept = tuple(kiosk for kiosk in self._valid if _listed(kiosk, self.config.path))
        if self.failure != str(exc):
            log.error(
                "configuration reload failed: %s; %d of %d kiosk credentials refused until the file is valid",
                exc,
                len(self._valid) - len(kept),
                len(self._valid),
            )
        self.failure, self.failure_key = str(exc), exc.key
        return self._use(kept)

    def _use(self, kiosks: tuple[Kiosk, ...]) -> RelayConfig | None:
        if kiosks == self.config.kiosks:
            return None
        self.config = replace(self.config, kiosks=kiosks)
        log.info("kiosk credentials in force: %d", len(kiosks))
        return self.config


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """Changes whenever the file does, including an atomic replace within one clock tick."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_ino, status.st_size, status.st_mtime_ns


def _listed(kiosk: Kiosk, path: Path) -> bool:
    """Whether ``kiosk`` is still in the raw file, unchanged, whatever else in the file is wrong."""
    try:
        entries = tomllib.loads(path.read_text("utf-8")).get("kiosks")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    if not isinstance(entries, list):
        return False

    def text(entry: dict[str, Any], name: str, default: str = "") -> str:
        value = entry.get(name, default)
        return value.strip() if isinstance(value, str) else ""

    return any(
        isinstance(entry, dict)
        and (text(entry, "id"), text(entry, "store"), text(entry, "role", "kiosk"), text(entry, "token_sha256"))
        == (kiosk.id, kiosk.store, kiosk.role, kiosk.token_sha256)
        for entry in entries
    )


# -- editing (the CLI's init / add-store / add-kiosk) ----------------------------------------------------


def read_document(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError("config", f"cannot read {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError("config", f"{path} is not valid TOML: {exc}") from None


def write_document(path: Path, document: Mapping[str, Any]) -> None:
    """Write atomically and owner-only: the file holds the APIv3 key."""
    _write_private(path, _render(document).encode("utf-8"))


def _render(document: Mapping[str, Any]) -> str:
    """TOML with every array of flat tables (``stores``, ``kiosks``) as ``[[name]]`` sections, which tomli_w
    writes inline when they are short: later entries can then be appended to the file (:func:`_append_entry`)."""
    arrays = {
        name: value
        for name, value in document.items()
        if isinstance(value, list)
        and value
        and all(isinstance(e, dict) and not any(isinstance(v, dict | list) for v in e.values()) for e in value)
    }
    text = tomli_w.dumps({name: value for name, value in document.items() if name not in arrays})
    for name, entries in arrays.items():
        text += "".join(f"\n[[{name}]]\n" + tomli_w.dumps(entry) for entry in entries)
    return text if tomllib.loads(text) == dict(document) else tomli_w.dumps(dict(document))


def _append_entry(path: Path, array: str, entry: Mapping[str, Any], document: Mapping[str, Any]) -> None:
    """Add ``entry`` to the array of tables ``array`` by appending ``[[array]]`` to the file as it is, so the
    owner's comments and layout stay; ``document`` is the whole configuration the file must then hold."""
    text = path.read_text("utf-8")
    _write_edited(path, text.rstrip("\n") + f"\n\n[[{array}]]\n" + tomli_w.dumps(dict(entry)), document)


def _write_edited(path: Path, edited: str | None, document: Mapping[str, Any]) -> None:
    """Write ``edited`` (the file's own text with one change) if it holds exactly ``document``. A file where
    an edit in place cannot work (e.g. an array written inline) is written out anew instead."""
    try:
        fits = edited is not None and tomllib.loads(edited) == document
    except tomllib.TOMLDecodeError:
        fits = False
    if fits:
        assert edited is not None
        _write_private(path, edited.encode("utf-8"))
    else:
        write_document(path, document)


def _section(text: str, array: str, index: int) -> tuple[int, int] | None:
    """Where the ``index``-th ``[[array]]`` section is in ``text``: from its header to the end of its last
    key line (comments after it belong to what follows). None if the file has no such section."""
    header = re.compile(rf"[ \t]*\[\[[ \t]*{re.escape(array)}[ \t]*\]\][ \t]*(#.*)?")
    seen = -1
    start: int | None = None
    end = offset = 0
    for line in text.splitlines(keepends=True):
        content = line.strip()
        if start is None:
            if header.fullmatch(line.rstrip("\r\n")):
                seen += 1
                if seen == index:
                    start, end = offset, offset + len(line)
        elif content.startswith("["):
            break
        elif content and not content.startswith("#"):
            end = offset + len(line)
        offset += len(line)
    return None if start is None else (start, end)


def _kiosk_index(document: Mapping[str, Any], kiosk_id: str) -> int:
    for index, entry in enumerate(document.get("kiosks", [])):
        if isinstance(entry, dict) and entry.get("id") == kiosk_id:
            return index
    raise ConfigError("--id", f"no kiosk with id {kiosk_id!r}")


def _write_private(path: Path, data: bytes) -> None:
    path = path.resolve()
    try:
        temp = private_temp(path.parent, path.name + ".")
    except OSError as exc:
        raise ConfigError("config", f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ConfigError("config", f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def init_config(sandbox_dir: Path, port: int, out: Path, *, mode: str = "direct") -> dict[str, Any]:
    """Write a working configuration for a sandbox state directory; returns the one-time credentials.

    ``port`` 0 writes ``notify_url = "auto"`` (derived from the bound address), so tests and embedded use
    can let the system choose a free port.
    """
    sandbox_dir = Path(sandbox_dir).resolve()
    try:
        info = json.loads((sandbox_dir / "sandbox.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError("sandbox", f"cannot read {sandbox_dir / 'sandbox.json'}: {exc}") from None

    def path_of(name: str) -> str:
        value = info.get(name)
        if not isinstance(value, str) or not value:
            raise ConfigError(f"sandbox.{name}", "missing in sandbox.json")
        return str((sandbox_dir / value).resolve())

    def value_of(name: str) -> str:
        value = info.get(name)
        if not isinstance(value, str | int) or value == "":
            raise ConfigError(f"sandbox.{name}", "missing in sandbox.json")
        return str(value)

    apiv3_key = value_of("apiv3_key")
    if len(apiv3_key) != 32 and (sandbox_dir / apiv3_key).is_file():
        apiv3_key = (sandbox_dir / apiv3_key).read_text("utf-8").strip()
    out = Path(out).resolve()
    if not out.parent.is_dir():
        raise ConfigError("--out", f"directory {out.parent} does not exist")
    notify_url = f"http://127.0.0.1:{port}/wechatpay/notify" if port else AUTO
    wechatpay: dict[str, Any] = {
        "mode": mode,
        "base_url": value_of("base_url"),
        "mchid": value_of("mchid"),
        "appid": value_of("appid"),
        "merchant_private_key": path_of("merchant_private_key"),
        "merchant_cert_serial": value_of("merchant_cert_serial"),
        "apiv3_key": apiv3_key,
        "platform_public_key": path_of("platform_public_key"),
        "platform_public_key_id": value_of("platform_public_key_id"),
        "notify_url": notify_url,
    }
    store: dict[str, Any] = {"id": "store-1", "name": "Sandbox store"}
    if mode == "partner":
        wechatpay["sp_mchid"] = value_of("sp_mchid")
        wechatpay["sp_appid"] = value_of("sp_appid")
        store["sub_mchid"] = value_of("sub_mchid")
    kiosk_token, kiosk_hash = new_token()
    manager_token, manager_hash = new_token()
    document = {
        "wechatpay": wechatpay,
        "server": {"host": "127.0.0.1", "port": port},
        "storage": {"path": f"{out.stem}.sqlite3"},
        "stores": [store],
        "kiosks": [
            {"id": "kiosk-1", "store": "store-1", "role": "kiosk", "token_sha256": kiosk_hash},
            {"id": "manager-1", "store": "store-1", "role": "manager", "token_sha256": manager_hash},
        ],
    }
    parse_config(document, out)  # refuse to write a configuration that would not start
    write_document(out, document)
    return {
        "config": str(out),
        "store_id": "store-1",
        "kiosk_id": "kiosk-1",
        "token": kiosk_token,
        "manager_id": "manager-1",
        "manager_token": manager_token,
    }


def add_store(config_path: Path, store_id: str, name: str, sub_mchid: str | None = None) -> dict[str, Any]:
    config_path = Path(config_path).resolve()
    document = read_document(config_path)
    stores = document.setdefault("stores", [])
    if any(entry.get("id") == store_id for entry in stores):
        raise ConfigError("stores.id", f"a store with id {store_id!r} already exists")
    entry: dict[str, Any] = {"id": store_id, "name": name}
    if sub_mchid:
        entry["sub_mchid"] = sub_mchid
    stores.append(entry)
    parse_config(document, config_path)
    _append_entry(config_path, "stores", entry, document)
    return {"store_id": store_id, "name": name, **({"sub_mchid": sub_mchid} if sub_mchid else {})}


def add_kiosk(config_path: Path, store_id: str, role: str = "kiosk", kiosk_id: str | None = None) -> dict[str, Any]:
    config_path = Path(config_path).resolve()
    document = read_document(config_path)
    kiosks = document.setdefault("kiosks", [])
    taken = {entry.get("id") for entry in kiosks}
    if kiosk_id is None:
        number = 1
        while f"{role}-{number}" in taken:
            number += 1
        kiosk_id = f"{role}-{number}"
    elif kiosk_id in taken:
        raise ConfigError("kiosks.id", f"a kiosk with id {kiosk_id!r} already exists")
    token, digest = new_token()
    entry = {"id": kiosk_id, "store": store_id, "role": role, "token_sha256": digest}
    kiosks.append(entry)
    parse_config(document, config_path)
    _append_entry(config_path, "kiosks", entry, document)
    return {"kiosk_id": kiosk_id, "store_id": store_id, "role": role, "token": token}


def remove_kiosk(config_path: Path, kiosk_id: str) -> dict[str, Any]:
    """Take a credential out of the file; a running relay refuses its token within seconds."""
    config_path = Path(config_path).resolve()
    document = read_document(config_path)  # first: a missing or unreadable file is a ConfigError
    text = config_path.read_text("utf-8")
    index = _kiosk_index(document, kiosk_id)
    entry = document["kiosks"].pop(index)
    parse_config(document, config_path)
    span = _section(text, "kiosks", index)
    edited = None
    if span is not None:
        before, after = text[: span[0]], text[span[1] :]
        if before.endswith("\n\n") and (not after or after.startswith("\n")):
            before = before[:-1]  # one blank line between the neighbours, as before
        edited = before + after
    _write_edited(config_path, edited, document)
    return {"kiosk_id": kiosk_id, "store_id": entry.get("store"), "role": entry.get("role", "kiosk"), "removed": True}


def rotate_token(config_path: Path, kiosk_id: str) -> dict[str, Any]:
    """Give a credential a new token (printed once; only its hash is stored). The old one stops working
    within seconds, so the kiosk must get the new one at once."""
    config_path = Path(config_path).resolve()
    document = read_document(config_path)  # first: a missing or unreadable file is a ConfigError
    text = config_path.read_text("utf-8")
    index = _kiosk_index(document, kiosk_id)
    entry = document["kiosks"][index]
    old = entry.get("token_sha256")
    token, digest = new_token()
    entry["token_sha256"] = digest
    parse_config(document, config_path)
    span = _section(text, "kiosks", index)
    edited = None
    if span is not None and isinstance(old, str) and old:
        section = text[span[0] : span[1]]
        if section.count(old) == 1:
            edited = text[: span[0]] + section.replace(old, digest) + text[span[1] :]
    _write_edited(config_path, edited, document)
    return {"kiosk_id": kiosk_id, "store_id": entry.get("store"), "role": entry.get("role", "kiosk"), "token": token}
