from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

from kiosk.checkout.session import State
from kiosk.manager.reconcile import (
    Action,
    BillEntry,
    Category,
    bill_from_json,
    bill_from_trade_bill,
    check_totals,
    journal_window,
    reconcile,
    sort_for_display,
)
from kiosk.wechatpay.bills import parse_trade_bill
from tests.manager.factories import DAY, PREFIX, at, day_bill, order, otn, payment, refund, refund_entry


def categories(result):
    return {(item.category, item.out_trade_no, item.out_refund_no): item for item in result.items}


def test_every_category_with_its_action():
    sold = order(1, 1200)
    mismatch = order(2, 800)
    cancelled_but_paid = order(3, 500, State.CANCELLED, ended_by="clerk")
    late = order(4, 450, State.PAID_AFTER_CANCEL, ended_by="clerk")
    late_refunded = order(5, 300, State.PAID_AFTER_CANCEL, ended_by="expiry")
    not_in_bill = order(6, 700)
    cancelled = order(7, 999, State.CANCELLED, ended_by="clerk")  # not paid anywhere: no item at all
    refunded = order(8, 2000)
    r_ok = refund(refunded.out_trade_no, 1, 500)
    r_amount = refund(refunded.out_trade_no, 2, 300)
    r_missing = refund(refunded.out_trade_no, 3, 200)
    r_late = refund(late_refunded.out_trade_no, 1, 300)
    r_failed = refund(sold.out_trade_no, 1, 100, state="FAILED")  # never expected in the bill
    stranger = otn(99)
    other_kiosk = "S1-K2-2026112800001"
    foreign_refund = refund(otn(98), 1, 50)

    bill = day_bill(
        payment(sold),
        payment(mismatch, 880),
        payment(cancelled_but_paid),
        payment(late),
        payment(late_refunded),
        payment(refunded),
        payment(stranger, 1500),
        payment(other_kiosk, 1000),
        payment(sold),  # the same order twice
        refund_entry(r_ok),
        refund_entry(r_amount, 310),
        refund_entry(r_late),
        refund_entry(foreign_refund),
    )
    orders = [sold, mismatch, cancelled_but_paid, late, late_refunded, not_in_bill, cancelled, refunded]
    refunds = [r_ok, r_amount, r_missing, r_late, r_failed]
    result = reconcile(DAY, bill, orders, refunds, prefix=PREFIX)
    found = categories(result)

    def one(category, number, refund_no=None):
        return found[(category, number, refund_no)]

    assert one(Category.MATCHED, sold.out_trade_no).action is Action.NONE
    assert one(Category.MATCHED, refunded.out_trade_no).refundable_fen == 2000 - 1000
    item = one(Category.AMOUNT_MISMATCH, mismatch.out_trade_no)
    assert (item.bill_fen, item.journal_fen, item.action) == (880, 800, Action.CHECK_WECHAT)
    item = one(Category.UNPAID_IN_JOURNAL, cancelled_but_paid.out_trade_no)
    assert (item.journal_state, item.action) == ("cancelled", Action.REQUERY)
    item = one(Category.PAID_AFTER_CANCEL, late.out_trade_no)
    assert (item.action, item.refundable_fen, item.transaction_id) == (Action.REFUND, 450, late.transaction_id)
    assert one(Category.PAID_AFTER_CANCEL, late_refunded.out_trade_no).action is Action.NONE
    item = one(Category.MISSING_IN_JOURNAL, stranger)
    assert (item.bill_fen, item.journal_fen, item.action, item.refundable_fen) == (1500, None, Action.REFUND, 1500)
    assert one(Category.OTHER_KIOSK, other_kiosk).action is Action.NONE
    assert one(Category.DUPLICATE_IN_BILL, sold.out_trade_no).action is Action.CHECK_WECHAT
    item = one(Category.MISSING_IN_BILL, not_in_bill.out_trade_no)
    assert (item.journal_fen, item.action, item.description) == (700, Action.CHECK_WECHAT, not_in_bill.description)
    assert one(Category.REFUND_MATCHED, refunded.out_trade_no, r_ok.out_refund_no).action is Action.NONE
    assert one(Category.REFUND_MATCHED, late_refunded.out_trade_no, r_late.out_refund_no)
    item = one(Category.REFUND_MISMATCH, refunded.out_trade_no, r_amount.out_refund_no)
    assert (item.bill_fen, item.journal_fen, item.action) == (310, 300, Action.REQUERY_REFUND)
    item = one(Category.REFUND_MISSING_IN_BILL, refunded.out_trade_no, r_missing.out_refund_no)
    assert (item.journal_fen, item.action) == (200, Action.REQUERY_REFUND)
    item = one(Category.REFUND_MISSING_IN_JOURNAL, otn(98), foreign_refund.out_refund_no)
    assert item.action is Action.CHECK_REFUND
    assert not any(i.out_trade_no == cancelled.out_trade_no for i in result.items)
    assert not any(i.out_refund_no == r_failed.out_refund_no for i in result.items)

    assert result.counts[Category.MATCHED] == 2 and result.counts[Category.REFUND_MATCHED] == 2
    assert len(result.items) == 15 and not result.ok
    assert {i.category for i in result.problems} == set(Category) - {
        Category.MATCHED,
        Category.OTHER_KIOSK,
        Category.REFUND_MATCHED,
    }
    # Totals: every SUCCESS row (duplicate included) vs. the journal's paid orders of the day.
    assert result.bill_paid_fen == 1200 + 880 + 500 + 450 + 300 + 2000 + 1500 + 1000 + 1200
    assert result.journal_paid_fen == 1200 + 800 + 450 + 300 + 700 + 2000
    assert result.bill_refund_fen == 500 + 310 + 300 + 50
    assert result.journal_refund_fen == 500 + 300 + 200 + 300


def test_a_clean_day_is_ok():
    a, b = order(1, 100), order(2, 250)
    r = refund(b.out_trade_no, 1, 250)
    result = reconcile(DAY, day_bill(payment(a), payment(b), refund_entry(r)), [a, b], [r], prefix=PREFIX)
    assert result.ok and result.problems == []
    assert [i.category for i in result.items] == [Category.MATCHED, Category.MATCHED, Category.REFUND_MATCHED]


def test_without_prefix_every_unknown_payment_is_missing_from_the_journal():
    result = reconcile(DAY, day_bill(payment("S1-K2-2026112800001", 100)), [], [])
    assert [i.category for i in result.items] == [Category.MISSING_IN_JOURNAL]


def test_orders_paid_across_midnight_belong_to_the_day_they_were_paid():
    window = journal_window(DAY)
    assert window == (DAY - timedelta(days=1), DAY + timedelta(days=1))
    # Charged yesterday 23:58, paid today 00:01: in today's bill, and matched.
    crossing = order(9, 500, charged=at(23, 58, DAY - timedelta(days=1)), paid=at(0, 1), day=DAY - timedelta(days=1))
    # Charged today 23:59, paid tomorrow: expected in tomorrow's bill, so not "missing" today.
    tomorrow = order(10, 600, charged=at(23, 59), paid=at(0, 0, DAY + timedelta(days=1)))
    result = reconcile(DAY, day_bill(payment(crossing)), [crossing, tomorrow], [])
    assert [(i.category, i.out_trade_no) for i in result.items] == [(Category.MATCHED, crossing.out_trade_no)]


def test_revoked_rows_are_not_payments():
    sold = order(1, 300)
    revoked = BillEntry(at(11), "4200", sold.out_trade_no, "REVOKED", 0, 300, 0)
    result = reconcile(DAY, day_bill(revoked), [sold], [])
    assert [(i.category, i.out_trade_no) for i in result.items] == [(Category.MISSING_IN_BILL, sold.out_trade_no)]
    assert result.bill_paid_fen == 0


def test_refund_status_disagreement_is_a_mismatch():
    sold = order(1, 300)
    pending = refund(sold.out_trade_no, 1, 300, state="PROCESSING")
    result = reconcile(DAY, day_bill(payment(sold), refund_entry(pending, status="SUCCESS")), [sold], [pending])
    [item] = result.of(Category.REFUND_MISMATCH)
    assert (item.journal_state, item.bill_state, item.action) == ("PROCESSING", "SUCCESS", Action.REQUERY_REFUND)


def test_display_order_puts_problems_first():
    sold, gone = order(1, 100), order(2, 200)
    result = reconcile(DAY, day_bill(payment(sold), payment(otn(50), 900)), [sold, gone], [])
    shown = sort_for_display(result.items)
    assert [i.category for i in shown] == [Category.MISSING_IN_JOURNAL, Category.MISSING_IN_BILL, Category.MATCHED]


SAMPLE_BILL = (
    "\ufeff交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
    "应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
    "手续费,费率,订单金额,申请退款金额,费率备注\r\n"
    "`2026-11-28 10:01:00,`wx1,`1900000109,`0,`,`4200000001,`S1-K1-2026112800001,`o1,`NATIVE,`SUCCESS,`OTHERS,`CNY,"
    "`12.00,`0.00,`0,`0,`0.00,`0.00,`,`,`水,`,`0.07000,`0.60%,`12.00,`0.00,`\r\n"
    "`2026-11-28 10:01:00,`wx1,`1900000109,`0,`,`4200000001,`S1-K1-2026112800001,`o1,`NATIVE,`REFUND,`OTHERS,`CNY,"
    "`0.00,`0.00,`5030001,`S1-K1-2026112800001R1,`2.00,`0.00,`ORIGINAL,`SUCCESS,`水,`,`0.00000,`0.60%,`0.00,`2.00,`\r\n"
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n"
    "`2,`12.00,`2.00,`0.00,`0.07000,`12.00,`2.00\r\n"
).encode()


def test_bill_from_the_wechatpay_parser_and_from_relay_json_agree():
    parsed = parse_trade_bill(SAMPLE_BILL)
    from_file = bill_from_trade_bill(DAY, parsed)
    pay, ref = from_file.entries
    assert (pay.out_trade_no, pay.order_total_fen, pay.fee_fen, pay.out_refund_no) == (otn(1), 1200, 7, None)
    assert (ref.is_refund, ref.out_refund_no, ref.refund_fen, ref.refund_status) == (
        True,
        otn(1) + "R1",
        200,
        "SUCCESS",
    )
    assert from_file.totals.settlement_fen == 1200 and check_totals(from_file) == []

    # The relay's JSON: datetimes as RFC 3339 text, Decimals as text (kiosk.relay.wechat._jsonable).
    def jsonable(value):
        return value.isoformat() if hasattr(value, "isoformat") else str(value) if isinstance(value, Decimal) else value

    rows = [{k: jsonable(v) for k, v in dataclasses.asdict(row).items()} for row in parsed.rows]
    summary = {k: jsonable(v) for k, v in dataclasses.asdict(parsed.summary).items()}
    from_json = bill_from_json(DAY, {"rows": rows, "summary": summary, "cached": False})
    assert from_json.entries == from_file.entries and from_json.totals == from_file.totals


def test_check_totals_reports_disagreements():
    sold = order(1, 300)
    bill = day_bill(payment(sold))
    broken = type(bill)(bill.day, bill.entries, type(bill.totals)(2, 999, 0, 0, 999))
    problems = check_totals(broken)
    assert len(problems) == 2 and "counts 2 rows" in problems[0] and "999" in problems[1]
    filtered = type(bill)(bill.day, bill.entries, broken.totals, filtered=True)
    assert check_totals(filtered) == []
