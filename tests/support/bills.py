"""The relay's bill answer for a real bill file, built by the relay's own code, for the kiosk side's readers.

answer = relay_bill_answer()                      # the client library's test bill (bill.ALL.csv)
body = json.loads(kiosk.wire.encode_bytes(answer))   # as it travels
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kiosk.relay.bills import answer_bytes
from kiosk.relay.wechat import parse_bill
from kiosk.wire import BillAnswer, decode_bytes

#: The client library's test bill (an ALL bill with payments and refunds) and the day it is of.
BILL_FILE = Path(__file__).parents[1] / "wechatpay" / "vectors" / "bill.ALL.csv"
BILL_DAY = date(2019, 2, 19)


def relay_bill_answer(data: bytes | None = None, day: date = BILL_DAY) -> BillAnswer:
    """What the relay answers for the bill file ``data`` (by default :data:`BILL_FILE`), decoded."""
    bill = parse_bill(BILL_FILE.read_bytes() if data is None else data)
    return decode_bytes(BillAnswer, answer_bytes(bill, day, "store-1", cached=False))
