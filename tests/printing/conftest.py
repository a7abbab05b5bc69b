from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from kiosk.clock import CHINA_TZ
from kiosk.printing.documents import ReceiptItem, StoreInfo
from tests.printing.fake_printer import FakeNetworkPrinter

CODE_URL = "weixin://wxpay/bizpayurl?pr=NwY5Mz9"
NOW = datetime(2026, 11, 29, 17, 30, tzinfo=CHINA_TZ)

STORE = StoreInfo("老王便利店", "北京市朝阳区建国路88号", "010-12345678")
ITEMS = [
    ReceiptItem("农夫山泉矿泉水 550ml", 2, 200, 400),
    ReceiptItem("Very long English product name that has to wrap", 1, 1250, 1250),
    ReceiptItem("康师傅红烧牛肉面（超大桶装）加量不加价", 1, 650, 650),
    ReceiptItem("Café 咖啡 𠀀 ¥", 3, 1000, 3000),
]
TOTAL = 5300


class FixedClock:
    def __init__(self, now: datetime = NOW) -> None:
        self.moment = now

    def now(self) -> datetime:
        self.moment += timedelta(seconds=1)
        return self.moment


@pytest.fixture
def fake_printer() -> Iterator[FakeNetworkPrinter]:
    printer = FakeNetworkPrinter()
    yield printer
    printer.close()


@pytest.fixture
def dead_printer() -> Iterator[FakeNetworkPrinter]:
    """Bound but not listening: connections are refused until ``power_on()``."""
    printer = FakeNetworkPrinter(listening=False)
    yield printer
    printer.close()
