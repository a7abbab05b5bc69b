"""``kiosk-relay``: init / add-store / add-kiosk / remove-kiosk / rotate-token / serve / migrate.

Each command prints exactly one JSON line on success. Every mistake (bad arguments, a configuration
problem, a placeholder left from the example configuration, a busy port, a second relay on the same
storage) goes to stderr as one line, ``kiosk-relay: <key>: <problem>``, with exit code 2. ``serve`` exits
with 3 when it gives up because its storage cannot write (docs/relay.md, "Health"). Secrets are never
printed, except the one-time token that ``init``, ``add-kiosk`` and ``rotate-token`` must hand over.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from kiosk.commandline import ArgumentParser, fail
from kiosk.serving import ListenError

if TYPE_CHECKING:
    from .watchdog import Systemd

from .config import (
    AUTO,
    ROLES,
    ConfigError,
    RelayConfig,
    add_kiosk,
    add_store,
    init_config,
    load_config,
    remove_kiosk,
    require_postgres_url,
    rotate_token,
)

log = logging.getLogger("kiosk.relay")

PROG = "kiosk-relay"
#: The stand-ins of the shipped example configuration (packaging/relay/relay.example.toml, docs/relay.md). A
#: relay started with one would speak for no real merchant, or for the wrong one; serve refuses them all
#: (tests/packaging/test_relay_example.py checks each value of the example is refused).
PLACEHOLDERS = frozenset(
    {
        "1900000001",  # mchid
        "1900000109",  # sub_mchid
        "wx0000000000000001",  # appid
        "0000000000000000000000000000000000000001",  # merchant_cert_serial
        "REPLACE-WITH-32-CHAR-APIv3-KEY!!",  # apiv3_key
        "PUB_KEY_ID_0000000000000000000000000000000001",  # platform_public_key_id
        "https://relay.example.cn/wechatpay/notify",  # notify_url
        "0" * 64,  # token_sha256
    }
)
#: ``serve`` gave up: storage could not write (docs/relay.md, "Health"); the service manager restarts it.
EXIT_STORAGE = 3
#: After giving up, the orderly shutdown gets this long; then the process ends regardless (a stuck write).
GIVE_UP_GRACE = 15.0
#: While ``serve`` waits for its database: how often the log says so, and how much longer systemd should wait for
#: the start each time (a connection attempt takes up to 10 s).
WAITING_SAID_EVERY = 60.0
DATABASE_WAIT_USEC = 30_000_000


def _print(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog=PROG, description="WeChat Pay relay for Kiosk (docs/relay.md)")
    commands = parser.add_subparsers(dest="command", required=True)

    init = commands.add_parser("init", help="write a configuration for a sandbox state directory")
    init.add_argument("--sandbox", required=True, type=Path, help="sandbox state directory (with sandbox.json)")
    init.add_argument("--port", required=True, type=int, help="relay port (0: choose at start, notify_url auto)")
    init.add_argument("--out", required=True, type=Path, help="configuration file to write")
    init.add_argument("--mode", choices=("direct", "partner"), default="direct")

    store = commands.add_parser("add-store", help="add a store")
    store.add_argument("--config", required=True, type=Path)
    store.add_argument("--id", required=True)
    store.add_argument("--name", required=True)
    store.add_argument("--sub-mchid")

    kiosk = commands.add_parser("add-kiosk", help="add a kiosk (or manager) credential; prints its token once")
    kiosk.add_argument("--config", required=True, type=Path)
    kiosk.add_argument("--store", required=True)
    kiosk.add_argument("--role", choices=ROLES, default="kiosk")
    kiosk.add_argument("--id", help="kiosk id (default: <role>-<n>)")

    remove = commands.add_parser("remove-kiosk", help="remove a kiosk (or manager) credential")
    remove.add_argument("--config", required=True, type=Path)
    remove.add_argument("--id", required=True)

    rotate = commands.add_parser("rotate-token", help="give a credential a new token; prints it once")
    rotate.add_argument("--config", required=True, type=Path)
    rotate.add_argument("--id", required=True)

    serve = commands.add_parser("serve", help="run the relay")
    serve.add_argument("--config", required=True, type=Path)
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))

    move = commands.add_parser("migrate", help="copy a relay's SQLite file into a PostgreSQL database")
    move.add_argument("--from", dest="source", required=True, type=Path, help="the relay's SQLite file (relay stopped)")
    move.add_argument("--to", dest="target", required=True, help="postgresql://… (an empty database)")
    move.add_argument("--replace", action="store_true", help="empty a target that already holds relay data first")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "init":
            if args.out.exists():
                raise ConfigError("--out", f"{args.out} exists; refusing to overwrite it")
            _print(init_config(args.sandbox, args.port, args.out, mode=args.mode))
        elif args.command == "add-store":
            _print(add_store(args.config, args.id, args.name, args.sub_mchid))
        elif args.command == "add-kiosk":
            _print(add_kiosk(args.config, args.store, args.role, args.id))
        elif args.command == "remove-kiosk":
            _print(remove_kiosk(args.config, args.id))
        elif args.command == "rotate-token":
            _print(rotate_token(args.config, args.id))
        elif args.command == "serve":
            return _serve(args)
        elif args.command == "migrate":
            _print(_migrate(args.source, args.target, replace=args.replace))
    except ConfigError as exc:
        return fail(PROG, exc)
    return 0


def _migrate(source: Path, target: str, *, replace: bool) -> dict[str, Any]:
    from .storage import NO_DRIVER, StorageError

    require_postgres_url(target, "--to")
    try:
        from .storage.move import move
    except ImportError:
        raise ConfigError("--to", NO_DRIVER) from None

    try:
        return move(source.resolve(), target, replace=replace)
    except StorageError as exc:
        raise ConfigError("migrate", str(exc)) from None


def configure_logging(level: str) -> None:
    """The relay's log on stderr at ``level`` (``debug``, ``info``, ``warning`` or ``error``)."""
    logging.basicConfig(
        level=getattr(logging, level.upper()),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if level != "debug":
        # httpx logs every request at INFO: each call to WeChat Pay and the idle probe's 404 twice a minute,
        # thousands of lines a day that look like errors. The relay logs the failures that matter itself.
        logging.getLogger("httpx").setLevel(logging.WARNING)


def _serve(args: argparse.Namespace) -> int:
    from .app import create_app
    from .server import serve_forever
    from .watchdog import Systemd

    configure_logging(args.log_level)
    config = load_config(args.config)
    refuse_placeholders(config)
    host = args.host or config.server.host
    port = config.server.port if args.port is None else args.port
    systemd = Systemd.from_environment()
    if config.storage.url is not None:
        _wait_for_database(config.storage.url, systemd)
    app = create_app(config)
    app.health.systemd = systemd
    # The server stops in order once the relay gives up; a write stuck in the kernel must not hold the exit.
    app.on_fatal = lambda reason: _exit_later(GIVE_UP_GRACE, EXIT_STORAGE)

    def ready(base_url: str) -> dict[str, Any]:
        app.relay.base_url = base_url
        _warn_about_notify_url(config.wechatpay.notify_url, base_url)
        if systemd is not None:
            systemd.notify("READY=1")
        return {"base_url": base_url}

    try:
        serve_forever(app, host, port, ready=ready)  # STOPPING=1 goes as it starts to stop (RelayApp.stopping)
    except ListenError as exc:
        raise ConfigError(_listen_key(args, exc), str(exc)) from None
    return EXIT_STORAGE if app.fatal is not None else 0


def _wait_for_database(url: str, systemd: Systemd | None) -> None:
    """Wait for a PostgreSQL database that cannot be reached yet (a server restarting or failing over), so that
    instances the database took down with it (exit 3) come back with it rather than use up the service
    manager's restarts. Said in the log once a minute and in systemd's status, whose start timeout is extended
    meanwhile; a database that refuses outright is left to opening the store (exit 2)."""
    try:
        from .storage.postgres import describe, unreachable
    except ImportError:
        return  # opening the store names the missing driver
    said_at: float | None = None
    while (problem := unreachable(url)) is not None:
        now = time.monotonic()
        if said_at is None or now - said_at >= WAITING_SAID_EVERY:
            log.warning("waiting for the database %s: %s", describe(url), problem)
            said_at = now
        if systemd is not None:
            systemd.notify(f"STATUS=waiting for the database: {problem}\nEXTEND_TIMEOUT_USEC={DATABASE_WAIT_USEC}")
        time.sleep(1.0)
    if said_at is not None:
        log.warning("the database %s answers", describe(url))


def _exit_later(seconds: float, code: int) -> None:
    timer = threading.Timer(seconds, os._exit, (code,))
    timer.daemon = True
    timer.start()


def _listen_key(args: argparse.Namespace, exc: ListenError) -> str:
    """The setting to blame: the port when it is taken, else the host (not an address of this machine)."""
    if exc.errno == errno.EADDRINUSE:
        return "--port" if args.port is not None else "server.port"
    return "--host" if args.host is not None else "server.host"


def refuse_placeholders(config: RelayConfig) -> None:
    """``ConfigError`` naming the first setting still holding a value of the example configuration."""
    wechatpay = config.wechatpay
    settings: dict[str, str | None] = {
        f"wechatpay.{name}": getattr(wechatpay, name)
        for name in ("mchid", "appid", "sp_mchid", "sp_appid", "merchant_cert_serial", "apiv3_key")
    }
    settings["wechatpay.platform_public_key_id"] = wechatpay.platform_public_key_id
    settings["wechatpay.notify_url"] = wechatpay.notify_url
    settings.update({f"stores[{i}].sub_mchid": store.sub_mchid for i, store in enumerate(config.stores.values())})
    settings.update({f"kiosks[{i}].token_sha256": kiosk.token_sha256 for i, kiosk in enumerate(config.kiosks)})
    for key, value in settings.items():
        if value in PLACEHOLDERS:
            # Never echo the value: for apiv3_key it is (meant to be) a secret.
            raise ConfigError(key, "still the example configuration's placeholder; put in the real value")


def _warn_about_notify_url(notify_url: str, base_url: str) -> None:
    """A loopback notify_url for another port (``serve --port`` overriding ``init --port``) gets nothing."""
    if notify_url == AUTO:
        return
    target, bound = urlsplit(notify_url), urlsplit(base_url)
    if target.hostname in ("127.0.0.1", "localhost", "::1") and target.port != bound.port:
        log.warning("notify_url %s points at port %s but the relay listens on %s", notify_url, target.port, bound.port)
