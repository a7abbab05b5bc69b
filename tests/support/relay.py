"""Start the real relay (``python -m kiosk.relay``) against a sandbox state directory, for tests.

    creds = init_relay(sandbox_state_dir, tmp_path)          # `kiosk-relay init --port 0` (in-process)
    relay = start_relay(creds)                               # runs `kiosk-relay serve`
    relay.base_url, relay.kiosk_token, relay.manager_token   # then relay.stop() / relay.kill()
    relay = relay.restart()                                  # same configuration and database

or, as a fixture (re-export it in a conftest.py): ``relay = relay_factory(sandbox.state_dir)``.
``start_relay(creds, clock=path)`` runs the same relay on a clock the test moves (``tests.support.relay_driver``,
a :class:`tests.support.clock.SharedClock` over ``path``).

``notify_url`` is ``"auto"`` (port 0), so the sandbox notifies whatever port the relay is bound to. A relay
stores in an SQLite file beside its configuration, or, with ``storage_url``, in a PostgreSQL database (e.g. a
fresh one from :func:`database_for`, on the session's server): fixtures parametrized by :data:`ENGINES` run
the same test on both.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import sqlite3
import subprocess
import sys
import time
import tomllib
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import psycopg
import pytest
import tomli_w
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from kiosk.relay import RelayApp, create_app, load_config
from kiosk.relay.config import init_config
from kiosk.relay.server import serve_in_thread
from kiosk.wechatpay import aead
from kiosk.wechatpay.signing import response_message, sign
from kiosk.wire import store_prefix
from tests.support.processes import ServerProcess, start_server

#: Relay settings (``init_relay(..., settings=FAST)``) that keep its rate limiter out of the way of a test's bursts.
FAST = {"server": {"rate_limit_per_second": 1000, "rate_limit_burst": 1000}}

#: The storage engines a relay's tests run on (fixture params).
ENGINES = ("sqlite", "postgresql")


def database_for(engine: str, request: pytest.FixtureRequest) -> str | None:
    """The ``storage_url`` of a relay on ``engine``: None for SQLite (the file ``init`` names), else a fresh
    database with the relay's schema on the session's PostgreSQL server (started on first use; the database goes
    with the server)."""
    if engine == "sqlite":
        return None
    server = request.getfixturevalue("postgres_server")
    return str(server.url(server.create_relay_database()))


def query_storage(where: Path | str, sql: str, values: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (with ``?`` parameters) run directly on a relay's store, as an operator would: an SQLite
    file (``RelayConfig.storage.where`` is its path) or a PostgreSQL database (its URL)."""
    if isinstance(where, Path):
        with contextlib.closing(sqlite3.connect(where)) as connection, connection:
            return connection.execute(sql, tuple(values)).fetchall()
    with psycopg.connect(where) as connection:
        cursor = connection.execute(sql.replace("?", "%s"), tuple(values))  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description is not None else []


def refused_field(response: httpx.Response) -> str | None:
    """The field a 400 ``invalid_request`` answer of the relay names; None for any other answer."""
    if response.status_code != 400:
        return None
    error = response.json()["error"]
    return str(error["field"]) if error["code"] == "invalid_request" else None


def order_number(mark: str = "T", store_id: str = "store-1") -> str:
    """A fresh order (or refund) number of ``store_id``'s: the relay takes new numbers of the caller's own store
    only (``kiosk.wire.store_prefix``). ``mark`` tells a test's numbers apart in a log."""
    return store_prefix(store_id) + mark + uuid.uuid4().hex[:16]


def run_cli(args: Sequence[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``python -m kiosk.relay ARGS`` and return the finished process (stdout, stderr, returncode)."""
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.relay", *args], capture_output=True, text=True, timeout=60, check=False
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"kiosk-relay {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return done


@dataclass(frozen=True)
class RelayCredentials:
    """What ``kiosk-relay init`` wrote and printed."""

    config_path: Path
    store_id: str
    kiosk_id: str
    kiosk_token: str = field(repr=False)
    manager_id: str
    manager_token: str = field(repr=False)


def init_relay(
    sandbox_dir: Path,
    work_dir: Path,
    *,
    name: str = "relay.toml",
    mode: str = "direct",
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    via_cli: bool = False,
    storage_url: str | None = None,
) -> RelayCredentials:
    """``kiosk-relay init --sandbox DIR --port 0`` (in-process by default: the CLI runs the same function and
    costs a second of start-up; ``via_cli=True`` runs the real command). ``settings`` merges extra keys into
    tables afterwards, e.g. ``{"server": {"rate_limit_per_second": 1000}}``; ``storage_url`` puts the relay's
    storage in that PostgreSQL database instead of its SQLite file."""
    config_path = Path(work_dir) / name
    if via_cli:
        args = ["init", "--sandbox", str(sandbox_dir), "--port", "0", "--out", str(config_path), "--mode", mode]
        printed = json.loads(run_cli(args).stdout.strip().splitlines()[-1])
    else:
        printed = init_config(Path(sandbox_dir), 0, config_path, mode=mode)
    if storage_url is not None:
        document = tomllib.loads(config_path.read_text("utf-8"))
        document["storage"] = {"url": storage_url}
        config_path.write_text(tomli_w.dumps(document), "utf-8")
    if settings:
        update_config(config_path, settings)
    return RelayCredentials(
        config_path=config_path,
        store_id=printed["store_id"],
        kiosk_id=printed["kiosk_id"],
        kiosk_token=printed["token"],
        manager_id=printed["manager_id"],
        manager_token=printed["manager_token"],
    )


def update_config(config_path: Path, settings: Mapping[str, Mapping[str, Any]]) -> None:
    document = tomllib.loads(config_path.read_text("utf-8"))
    for table, values in settings.items():
        document.setdefault(table, {}).update(values)
    config_path.write_text(tomli_w.dumps(document), "utf-8")


def add_store(config_path: Path, store_id: str, name: str, sub_mchid: str | None = None) -> dict[str, Any]:
    args = ["add-store", "--config", str(config_path), "--id", store_id, "--name", name]
    if sub_mchid:
        args += ["--sub-mchid", sub_mchid]
    result: dict[str, Any] = json.loads(run_cli(args).stdout.strip().splitlines()[-1])
    return result


def add_kiosk(config_path: Path, store_id: str, role: str = "kiosk") -> dict[str, Any]:
    """``kiosk-relay add-kiosk``; returns ``{kiosk_id, store_id, role, token}``."""
    done = run_cli(["add-kiosk", "--config", str(config_path), "--store", store_id, "--role", role])
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@dataclass
class RelayProcess:
    credentials: RelayCredentials
    server: ServerProcess
    #: The SharedClock file of a relay on a moved clock (None: the real one).
    clock: Path | None = None

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def kiosk_token(self) -> str:
        return self.credentials.kiosk_token

    @property
    def manager_token(self) -> str:
        return self.credentials.manager_token

    @property
    def config_path(self) -> Path:
        return self.credentials.config_path

    def kiosk_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.kiosk_token}"}

    def manager_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.manager_token}"}

    def stop(self) -> None:
        self.server.stop()
        self._close_pipe()

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as in a power cut."""
        self.server.kill()
        self._close_pipe()

    def _close_pipe(self) -> None:
        # ServerProcess leaves its stdout pipe open; closing it here avoids a ResourceWarning (an error
        # under the project's filterwarnings) once the process object is collected.
        stdout = self.server.process.stdout
        if stdout is not None:
            with contextlib.suppress(Exception):
                stdout.close()

    def restart(self) -> RelayProcess:
        """Start a fresh process on the same configuration (and SQLite file); the port may change."""
        self.server.stop()
        return start_relay(self.credentials, clock=self.clock)


def start_relay(
    credentials: RelayCredentials,
    *,
    timeout: float = 30.0,
    preexec: Callable[[], None] | None = None,
    stderr: IO[str] | None = None,
    clock: Path | None = None,
    port: int | str = 0,
    log_level: str = "warning",
    env: dict[str, str] | None = None,
) -> RelayProcess:
    """``kiosk-relay serve`` on ``port`` (0: any); ``preexec``, ``stderr`` and ``env`` as in :func:`start_server`;
    with ``clock`` the same relay on a moved clock (``tests.support.relay_driver``)."""
    config = str(credentials.config_path)
    if clock is None:
        args = ["kiosk.relay", "serve", "--config", config, "--port", str(port)]
    else:
        args = ["tests.support.relay_driver", "--config", config, "--clock", str(clock), "--port", str(port)]
    args += ["--log-level", log_level]
    server = start_server(args, timeout=timeout, preexec=preexec, stderr=stderr, env=env)
    return RelayProcess(credentials, server, clock)


@dataclass(frozen=True)
class EmbeddedRelay:
    app: RelayApp
    base_url: str
    #: The event loop the relay runs on (its server thread's).
    loop: asyncio.AbstractEventLoop


@contextlib.contextmanager
def embedded_relay(config_path: Path, *, probe_interval: float | None = None) -> Iterator[EmbeddedRelay]:
    """The relay served on a thread of this process, as training mode runs it, for tests that reach into it
    (its storage, its event loop) while talking to it over real HTTP. ``probe_interval``: seconds between the
    health check's probe writes, for a test that waits for the check to change (2 s otherwise)."""
    app = create_app(load_config(config_path))
    if probe_interval is not None:
        app.health.probe_interval = probe_interval
    handle = serve_in_thread(app)
    app.relay.base_url = handle.base_url
    try:
        yield EmbeddedRelay(app, handle.base_url, handle.server.servers[0].get_loop())
    finally:
        handle.stop()


class NotificationSigner:
    """Builds notifications exactly as WeChat Pay (the sandbox) would, signed with the sandbox's platform key.

    ``info`` is the sandbox's ``load_info`` dict (absolute paths). Tests use it to forge, tamper with and
    replay notifications; the bench uses it to measure the receiver.
    """

    def __init__(self, info: Mapping[str, Any]) -> None:
        key = load_pem_private_key(Path(info["platform_private_key"]).read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError("the sandbox's platform key is not an RSA key")
        self.private_key = key
        self.serial = str(info["platform_public_key_id"])
        self.apiv3_key = str(info["apiv3_key"]).encode("ascii")
        self.mchid = str(info["mchid"])
        self.appid = str(info["appid"])

    def transaction(self, out_trade_no: str, amount_fen: int, **overrides: Any) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "mchid": self.mchid,
            "appid": self.appid,
            "out_trade_no": out_trade_no,
            "transaction_id": "42000" + "".join(secrets.choice("0123456789") for _ in range(23)),
            "trade_type": "NATIVE",
            "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功",
            "bank_type": "OTHERS",
            "attach": "",
            "success_time": "2026-01-01T12:00:00+08:00",
            "payer": {"openid": "oTestOpenid0000000000000000"},
            "amount": {"total": amount_fen, "payer_total": amount_fen, "currency": "CNY", "payer_currency": "CNY"},
        }
        resource.update(overrides)
        return resource

    def body(
        self,
        resource: Mapping[str, Any],
        *,
        notification_id: str | None = None,
        event_type: str = "TRANSACTION.SUCCESS",
        associated_data: str = "transaction",
        apiv3_key: bytes | None = None,
    ) -> bytes:
        nonce = secrets.token_hex(6)
        plaintext = json.dumps(resource, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        envelope = {
            "id": notification_id or str(uuid.uuid4()),
            "create_time": "2026-01-01T12:00:00+08:00",
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功",
            "resource": {
                "original_type": associated_data,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": aead.encrypt(apiv3_key or self.apiv3_key, nonce, associated_data, plaintext),
                "associated_data": associated_data,
                "nonce": nonce,
            },
        }
        return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def headers(
        self,
        body: bytes,
        *,
        timestamp: int | None = None,
        serial: str | None = None,
        private_key: Any = None,
        signature: str | None = None,
    ) -> dict[str, str]:
        stamp = int(time.time()) if timestamp is None else timestamp
        nonce = secrets.token_hex(16)
        if signature is None:
            signature = sign(private_key or self.private_key, response_message(stamp, nonce, body))
        return {
            "Content-Type": "application/json",
            "Wechatpay-Timestamp": str(stamp),
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": signature,
            "Wechatpay-Serial": serial or self.serial,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        }

    def signed(self, resource: Mapping[str, Any], **body_options: Any) -> tuple[dict[str, str], bytes]:
        body = self.body(resource, **body_options)
        return self.headers(body), body


@pytest.fixture
def relay_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., RelayProcess]]:
    """``relay_factory(sandbox_state_dir, mode="direct", settings=None, storage_url=None)`` starts a relay process
    for that sandbox (a fresh configuration and database each time); all of them stop at teardown. Re-export it
    in your conftest.py as the sandbox's ``sandbox_factory`` is."""
    started: list[RelayProcess] = []

    def start(
        sandbox_dir: Path,
        mode: str = "direct",
        settings: Mapping[str, Mapping[str, Any]] | None = None,
        storage_url: str | None = None,
    ) -> RelayProcess:
        directory = tmp_path_factory.mktemp("relay")
        credentials = init_relay(sandbox_dir, directory, mode=mode, settings=settings, storage_url=storage_url)
        relay = start_relay(credentials)
        started.append(relay)
        return relay

    yield start
    for relay in started:
        relay.stop()
