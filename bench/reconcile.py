"""Bench: reconcile a 100,000-row trade bill against a 100,000-order journal (a real SQLite file).
Target: the manager screen's path under 2 s. Prints one JSON object as its last line.

    .venv/bin/python bench/reconcile.py [--rows 100000] [--keep DIR]

What is timed:

* ``screen_path`` (the target): the relay's JSON answer, as the manager screen receives it →
  ``BillFetcher.interpret`` (decode with ``kiosk.wire``, read and check the columns, check the rows against the
  summary) → ``reconcile``
  (the bill into a TEMP table of a journal snapshot, joined with the orders and refunds in SQL);
* ``relay``: what the relay does once per day before that (its answer is cached): ``parse_trade_bill`` over
  the file's bytes, ``bill_answer`` and the encoding of the answer (``kiosk.relay.bills.answer_bytes``);
  ``file_to_reconciliation`` adds the two up.

The data has every category: ~1 % of payments missing from the journal, amount mismatches, cancelled orders
paid in WeChat Pay, journal payments missing from the bill, and refunds.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.clock import CHINA_TZ
from kiosk.journal import Journal
from kiosk.manager.bills import BillFetcher
from kiosk.manager.reconcile import reconcile
from kiosk.relay.bills import answer_bytes
from kiosk.relay.gateway import Bill
from kiosk.relay.wechat import bill_answer
from kiosk.trade import TradeType
from kiosk.wechatpay.bills import parse_trade_bill

DAY = date(2026, 11, 28)
PREFIX = "S1-K1-"
ALL_COLUMNS = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
    "应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
    "手续费,费率,订单金额,申请退款金额,费率备注"
)
ALL_SUMMARY = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def otn(i: int) -> str:
    return f"{PREFIX}{DAY:%Y%m%d}{i:05d}" if i < 100_000 else f"{PREFIX}{DAY:%Y%m%d}X{i}"


def amount(i: int) -> int:
    return 100 + (i * 37) % 9900


def moment(i: int, rows: int) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, tzinfo=CHINA_TZ) + timedelta(seconds=i * 86000 // rows)


def build_bill(rows: int) -> bytes:
    """``rows`` payment rows (1 % unknown to the journal, 0.5 % with another amount) + 1 % refunds."""
    lines = [ALL_COLUMNS]
    settled = fees = refunds = 0
    payments = rows - rows // 100
    for i in range(payments):
        number = otn(i) if i % 100 != 7 else otn(200_000 + i)  # missing from the journal
        total = amount(i) + (1 if i % 200 == 3 else 0)  # amount mismatch
        fee = (total * 60 + 5000) // 10000
        settled, fees = settled + total, fees + fee
        when = moment(i, rows).strftime("%Y-%m-%d %H:%M:%S")
        values = [
            when,
            "wx8888888888888888",
            "1900000109",
            "0",
            "",
            f"42000{i:023d}",
            number,
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        ]
        values += ["NATIVE", "SUCCESS", "OTHERS", "CNY", yuan(total), "0.00", "0", "0", "0.00", "0.00", "", ""]
        values += ["农夫山泉 550ml 等2件", "", f"{yuan(fee)}000", "0.60%", yuan(total), "0.00", ""]
        lines.append(",".join("`" + v for v in values))
    for k in range(rows // 100):
        i = k * 50
        refund = amount(i) // 2
        refunds += refund
        when = moment(i, rows).strftime("%Y-%m-%d %H:%M:%S")
        values = [
            when,
            "wx8888888888888888",
            "1900000109",
            "0",
            "",
            f"42000{i:023d}",
            otn(i),
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        ]
        values += ["NATIVE", "REFUND", "OTHERS", "CNY", "0.00", "0.00", f"50300{k:024d}", f"{otn(i)}R1", yuan(refund)]
        values += [
            "0.00",
            "ORIGINAL",
            "SUCCESS",
            "农夫山泉 550ml 等2件",
            "",
            "0.00000",
            "0.60%",
            "0.00",
            yuan(refund),
            "",
        ]
        lines.append(",".join("`" + v for v in values))
    lines.append(ALL_SUMMARY)
    summary = [str(rows), yuan(settled), yuan(refunds), "0.00", f"{yuan(fees)}000", yuan(settled), yuan(refunds)]
    lines.append(",".join("`" + v for v in summary))
    return b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8")


def build_journal(path: Path, orders: int) -> None:
    """A real journal file (the kiosk's schema) with ``orders`` orders of DAY and 1 % refunds."""
    journal = Journal.open(path)
    journal.close()
    db = sqlite3.connect(path)
    now = datetime(DAY.year, DAY.month, DAY.day, 23, tzinfo=CHINA_TZ).isoformat(timespec="microseconds")

    def stamp(moment: datetime) -> str:
        return moment.isoformat(timespec="microseconds")

    def order_row(i: int) -> tuple[object, ...]:
        charged = moment(i, orders) - timedelta(seconds=30)
        state = "cancelled" if i % 100 == 11 else "paid"  # cancelled here, paid in WeChat Pay
        paid = state == "paid" or i % 100 == 11
        success = moment(i, orders).isoformat(timespec="microseconds") if state == "paid" else None
        return (
            otn(i), DAY.isoformat(), i + 1, "S1", "K1", amount(i), "农夫山泉 550ml 等2件",
            stamp(charged), stamp(charged + timedelta(minutes=5)),
            state, "SUCCESS" if paid else "CLOSED", 3, "weixin://wxpay/bizpayurl?pr=bench",
            f"42000{i:023d}" if state == "paid" else None, success, amount(i) if state == "paid" else None,
            1, "clerk" if state != "paid" else None, None, 0, 0, now, TradeType.NATIVE.value,
        )  # fmt: skip

    with db:
        db.executemany(
            "INSERT INTO orders (out_trade_no, business_day, sequence, store_id, kiosk_id, amount_fen, description,"
            " charged_at, expires_at, state, trade_state, version, code_url, transaction_id, success_time,"
            " payer_total_fen, settled, ended_by, last_error, auto_print_slip, training, updated_at, method)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (order_row(i) for i in range(orders)),
        )
        db.executemany(
            "INSERT INTO refunds (out_refund_no, out_trade_no, amount_fen, reason, requested_at, state, refund_id,"
            " success_time, last_error, updated_at) VALUES (?, ?, ?, '退货', ?, 'SUCCESS', ?, ?, NULL, ?)",
            (
                (f"{otn(k * 50)}R1", otn(k * 50), amount(k * 50) // 2, now, f"50300{k:024d}", now, now)
                for k in range(orders // 100)
            ),
        )
    db.close()


def relay_json(data: bytes) -> bytes:
    """What the relay answers for this bill (rows as arrays under ``columns``), before compression."""
    return encode_answer(bill_answer(parse_trade_bill(data)))


def encode_answer(bill: Bill) -> bytes:
    """The relay's answer as it encodes it (``kiosk.relay.bills.answer_bytes``, before compression)."""
    return answer_bytes(bill, DAY, "store-1", cached=False)


REPEAT = 3


def timed(fn, *args):  # type: ignore[no-untyped-def]
    """Best of ``REPEAT`` runs: this 2-core machine is shared, the minimum is the least disturbed figure."""
    best = float("inf")
    value = None
    for _ in range(REPEAT):
        value = None
        gc.collect()
        start = time.perf_counter()
        value = fn(*args)
        best = min(best, time.perf_counter() - start)
    return value, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="keep the bill and journal files in this directory")
    args = parser.parse_args()
    directory = args.keep or Path(tempfile.mkdtemp(prefix="kiosk-bench-reconcile-"))
    directory.mkdir(parents=True, exist_ok=True)
    journal_path = directory / "journal.sqlite3"
    journal_path.unlink(missing_ok=True)

    setup = time.perf_counter()
    data = build_bill(args.rows)
    (directory / f"bill.{DAY}.ALL.csv").write_bytes(data)
    build_journal(journal_path, args.rows)
    answer = relay_json(data)
    setup = time.perf_counter() - setup

    # The relay, once per day: file bytes → TradeBill → its answer → JSON.
    parsed, t_parse = timed(parse_trade_bill, data)
    relay_answer, t_answer = timed(bill_answer, parsed)
    _, t_encode = timed(encode_answer, relay_answer)
    relay_total = t_parse + t_answer + t_encode
    rows = len(parsed)
    del parsed, relay_answer  # the relay's, not the kiosk's: another process holds them

    # The manager screen: relay JSON → DayBill → reconciliation against the journal.
    fetcher = BillFetcher("http://relay.invalid", "bench")  # only its pure answer mapping is used
    bill, t_json = timed(lambda: fetcher.interpret(DAY, 200, answer).bill)
    journal = Journal.open(journal_path)
    try:
        result, t_reconcile = timed(lambda: reconcile(journal, bill, prefix=PREFIX))
    finally:
        journal.close()
    screen_total = t_json + t_reconcile

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    report = {
        "bench": "reconcile",
        "rows": rows,
        "journal_orders": args.rows,
        "bill_bytes": len(data),
        "bill_sha1": hashlib.sha1(data).hexdigest(),
        "categories": {str(k): v for k, v in sorted(result.counts.items())},
        "screen_path_seconds": {
            "relay_json_to_day_bill": round(t_json, 3),
            "reconcile": round(t_reconcile, 3),
            "total": round(screen_total, 3),
        },
        "relay_seconds": {  # once per day: the relay caches its answer
            "parse_trade_bill": round(t_parse, 3),
            "bill_answer": round(t_answer, 3),
            "json_encode": round(t_encode, 3),
            "total": round(relay_total, 3),
        },
        "file_to_reconciliation_seconds": round(relay_total + screen_total, 3),
        "repeat": f"best of {REPEAT}",
        "target_seconds": 2.0,
        "screen_path_meets_target": screen_total < 2.0,
        "setup_seconds": round(setup, 1),
        "load_average_1min": round(load, 2) if load is not None else None,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
