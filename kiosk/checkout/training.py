"""Training mode: no configuration, nothing to set up. The sandbox and an embedded relay run on loopback
in this process, under the user's data directory (``…/kiosk/training``), with the sample catalogue and
the virtual printer; everything is marked "training". Orders left open by the previous run resume.

Layout of the training directory::

    sandbox/                 the sandbox's state (keys, orders, bills)
    relay/relay.toml         the relay's configuration (+ relay.sqlite3)
    relay/kiosk.json         this kiosk's relay credentials (owner-only; new on every start; training only)
    kiosk/journal.sqlite3    the kiosk's journal and print jobs
    kiosk/virtual-printer/   printed slips and receipts (.bin and .png)
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.checkout.config import KioskConfig, StoreInfoConfig, default_data_dir

log = logging.getLogger(__name__)

TRAINING_STORE_NAME = "培训门店（训练模式）"
TRAINING_STORE_ADDRESS = "训练模式 · Training mode — 不收取真实款项 / no real money"


@dataclass
class TrainingEnvironment:
    """A running sandbox and relay for one training kiosk; :meth:`stop` ends both."""

    root: Path
    config: KioskConfig
    sandbox_url: str
    relay_url: str
    _stops: list[Any] = field(default_factory=list, repr=False)

    def stop(self) -> None:
        while self._stops:
            handle = self._stops.pop()
            try:
                handle.stop()
            except Exception:
                log.exception("stopping %r failed", handle)


def default_training_dir() -> Path:
    return default_data_dir() / "training"


def start_training(data_dir: Path | None = None, *, time_scale: float = 1.0) -> TrainingEnvironment:
    """Start (or resume) the training world in ``data_dir`` (default: the user's data dir + ``training``)."""
    from kiosk.relay import init_config, start_embedded
    from kiosk.sandbox import start_sandbox

    root = Path(data_dir) if data_dir is not None else default_training_dir()
    sandbox_dir = root / "sandbox"
    relay_dir = root / "relay"
    relay_config = relay_dir / "relay.toml"
    credentials_path = relay_dir / "kiosk.json"
    sandbox_dir.mkdir(parents=True, exist_ok=True)
    relay_dir.mkdir(parents=True, exist_ok=True)

    stops: list[Any] = []
    sandbox = start_sandbox(sandbox_dir, time_scale=time_scale)
    stops.append(sandbox)
    try:
        # Written afresh on every start from the sandbox's current identity and address (its state may have
        # been reset); the relay's database and the kiosk's journal carry on, so do the store and kiosk ids.
        credentials = init_config(sandbox_dir, 0, relay_config)
        _write_private(credentials_path, credentials)
        relay = start_embedded(relay_config)
        stops.append(relay)
    except BaseException:
        for handle in reversed(stops):
            handle.stop()
        raise

    config = KioskConfig(
        relay_urls=(relay.base_url,),
        relay_token=str(credentials["token"]),
        manager_token=str(credentials["manager_token"]),
        store=StoreInfoConfig(
            id=str(credentials["store_id"]), name=TRAINING_STORE_NAME, address=TRAINING_STORE_ADDRESS
        ),
        kiosk_id=str(credentials["kiosk_id"]),
        data_dir=root / "kiosk",
        printer={"profile": "virtual"},
        training=True,
    )
    return TrainingEnvironment(root, config, sandbox.base_url, relay.base_url, stops)


def _write_private(path: Path, data: dict[str, Any]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
