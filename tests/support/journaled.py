"""Paid orders written straight into a kiosk journal, as the core would have journaled them (one item each):
for tests and benchmarks of what the core reads back (the repeat-charge check, the last receipt), on a core of
store S1's kiosk K1 that is never started, at a standing time."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from kiosk.checkout import KioskConfig, KioskCore, State
from kiosk.checkout.catalogue import Item
from kiosk.checkout.config import StoreInfoConfig
from kiosk.journal import Journal, timestamp
from kiosk.trade import TradeType


class StandingClock:
    """Time stands at ``moment`` until a test sets another."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def journal_core(data_dir: Path, clock: StandingClock) -> KioskCore:
    """Store S1's kiosk K1 (the orders :func:`journal_order` writes), never started: the journal is all it reads.
    The caller stops it."""
    config = KioskConfig(
        ("http://127.0.0.1:9",), "t", StoreInfoConfig("S1", "店", "路"), kiosk_id="K1", data_dir=data_dir
    )
    return KioskCore(config, clock=clock)


def journal_order(
    journal: Journal,
    item: Item,
    number: int,
    charged: datetime,
    paid: datetime | None,
    state: State = State.PAID,
) -> str:
    """One ``item`` (quantity 1) charged at ``charged``, paid at ``paid`` (None: no success time); its number."""
    otn = f"S1-K1-{charged:%Y%m%d}B{number:07d}"
    order = {
        "out_trade_no": otn,
        "business_day": charged.date().isoformat(),
        "sequence": number,
        "store_id": "S1",
        "kiosk_id": "K1",
        "method": TradeType.NATIVE,
        "amount_fen": item.price_fen,
        "description": item.name_zh,
        "charged_at": timestamp(charged),
        "expires_at": timestamp(charged + timedelta(minutes=5)),
        "state": state,
        "success_time": timestamp(paid) if paid else None,
    }
    line = {
        "sku": item.sku,
        "barcode": item.barcode,
        "name_zh": item.name_zh,
        "name_en": item.name_en,
        "category": item.category,
        "quantity": 1,
        "unit_price_fen": item.price_fen,
        "total_fen": item.price_fen,
    }
    journal.insert_order(order, [line])
    return otn
