"""The relay's bill answer for a real bill file, built by the relay's own code, for the kiosk side's readers.

answer = relay_bill_answer()                      # the client library's test bill (bill.ALL.csv)
body = json.loads(kiosk.wire.encode_bytes(answer))   # as it travels
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kiosk.relay.service import bill_view
from kiosk.relay.wechat import bill_answer
from kiosk.wechatpay.bills import parse_trade_bill
from kiosk.wire import BillAnswer

#: The client library's test bill (an ALL bill with payments and refunds) and the day it is of.
BILL_FILE = Path(__file__).parents[1] / "wechatpay" / "vectors" / "bill.ALL.csv"
BILL_DAY = date(2019, 2, 19)


def relay_bill_answer(data: bytes | None = None, day: date = BILL_DAY) -> BillAnswer:
    """What the relay answers for the bill file ``data`` (by default :data:`BILL_FILE`), before JSON."""
    bill = bill_answer(parse_trade_bill(BILL_FILE.read_bytes() if data is None else data))
    return bill_view(bill, day, "store-1", cached=False)
