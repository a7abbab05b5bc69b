"""Reconciliation against real journal files: every category, the day's boundaries, refunds, totals."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from kiosk.checkout.session import State
from kiosk.manager.bills import BillEntry
from kiosk.manager.reconcile import Action, ReconCategory, reconcile, sort_for_display
from kiosk.trade import TradeType
from tests.manager.conftest import JournalOf
from tests.manager.factories import DAY, PREFIX, at, day_bill, order, otn, payment, refund, refund_entry


def categories(result):
    return {(item.category, item.out_trade_no, item.out_refund_no): item for item in result.items}


def test_every_category_with_its_action(journal_with: JournalOf) -> None:
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
    journal = journal_with(orders, [r_ok, r_amount, r_missing, r_late, r_failed])
    result = reconcile(journal, bill, prefix=PREFIX)
    found = categories(result)

    def one(category, number, refund_no=None):
        return found[(category, number, refund_no)]

    assert one(ReconCategory.MATCHED, sold.out_trade_no).action is Action.NONE
    assert one(ReconCategory.MATCHED, refunded.out_trade_no).refundable_fen == 2000 - 1000
    item = one(ReconCategory.AMOUNT_MISMATCH, mismatch.out_trade_no)
    assert (item.bill_fen, item.journal_fen, item.action) == (880, 800, Action.CHECK_WECHAT)
    item = one(ReconCategory.UNPAID_IN_JOURNAL, cancelled_but_paid.out_trade_no)
    assert (item.journal_state, item.action) == ("cancelled", Action.REQUERY)
    item = one(ReconCategory.PAID_AFTER_CANCEL, late.out_trade_no)
    assert (item.action, item.refundable_fen, item.transaction_id) == (Action.REFUND, 450, late.transaction_id)
    assert one(ReconCategory.PAID_AFTER_CANCEL, late_refunded.out_trade_no).action is Action.NONE
    item = one(ReconCategory.MISSING_IN_JOURNAL, stranger)
    assert (item.bill_fen, item.journal_fen, item.action, item.refundable_fen) == (1500, None, Action.REFUND, 1500)
    assert item.description == "商品"  # the bill's goods name: the journal has nothing to say
    assert one(ReconCategory.OTHER_KIOSK, other_kiosk).action is Action.NONE
    assert one(ReconCategory.DUPLICATE_IN_BILL, sold.out_trade_no).action is Action.CHECK_WECHAT
    item = one(ReconCategory.MISSING_IN_BILL, not_in_bill.out_trade_no)
    assert (item.journal_fen, item.action, item.description) == (700, Action.CHECK_WECHAT, not_in_bill.description)
    assert (item.transaction_id, item.time, item.journal_state) == (
        not_in_bill.transaction_id,
        not_in_bill.success_time,
        "paid",
    )
    assert one(ReconCategory.REFUND_MATCHED, refunded.out_trade_no, r_ok.out_refund_no).action is Action.NONE
    assert one(ReconCategory.REFUND_MATCHED, late_refunded.out_trade_no, r_late.out_refund_no)
    item = one(ReconCategory.REFUND_MISMATCH, refunded.out_trade_no, r_amount.out_refund_no)
    assert (item.bill_fen, item.journal_fen, item.action) == (310, 300, Action.REQUERY_REFUND)
    item = one(ReconCategory.REFUND_MISSING_IN_BILL, refunded.out_trade_no, r_missing.out_refund_no)
    assert (item.journal_fen, item.action, item.transaction_id) == (200, Action.REQUERY_REFUND, refunded.transaction_id)
    item = one(ReconCategory.REFUND_MISSING_IN_JOURNAL, otn(98), foreign_refund.out_refund_no)
    assert item.action is Action.CHECK_REFUND
    assert not any(i.out_trade_no == cancelled.out_trade_no for i in result.items)
    assert not any(i.out_refund_no == r_failed.out_refund_no for i in result.items)

    assert result.counts[ReconCategory.MATCHED] == 2 and result.counts[ReconCategory.REFUND_MATCHED] == 2
    assert len(result.items) == 15 and not result.ok
    assert {i.category for i in result.problems} == set(ReconCategory) - {
        ReconCategory.MATCHED,
        ReconCategory.OTHER_KIOSK,
        ReconCategory.REFUND_MATCHED,
        ReconCategory.REVERSED,  # nothing to do: below
    }
    # Totals: every SUCCESS row (duplicate included) vs. the journal's paid orders of the day.
    assert result.bill_paid_fen == 1200 + 880 + 500 + 450 + 300 + 2000 + 1500 + 1000 + 1200
    assert result.journal_paid_fen == 1200 + 800 + 450 + 300 + 700 + 2000
    assert result.bill_refund_fen == 500 + 310 + 300 + 50
    assert result.journal_refund_fen == 500 + 300 + 200 + 300
    # Bill rows in bill order, then what only the journal has.
    assert [i.category for i in result.items][-2:] == [
        ReconCategory.MISSING_IN_BILL,
        ReconCategory.REFUND_MISSING_IN_BILL,
    ]


def test_a_clean_day_is_ok(journal_with: JournalOf) -> None:
    a, b = order(1, 100), order(2, 250)
    r = refund(b.out_trade_no, 1, 250)
    result = reconcile(journal_with([a, b], [r]), day_bill(payment(a), payment(b), refund_entry(r)), prefix=PREFIX)
    assert result.ok and result.problems == []
    assert [i.category for i in result.items] == [
        ReconCategory.MATCHED,
        ReconCategory.MATCHED,
        ReconCategory.REFUND_MATCHED,
    ]


def test_without_prefix_every_unknown_payment_is_missing_from_the_journal(journal_with: JournalOf) -> None:
    result = reconcile(journal_with([]), day_bill(payment("S1-K2-2026112800001", 100)))
    assert [i.category for i in result.items] == [ReconCategory.MISSING_IN_JOURNAL]


def test_orders_paid_across_midnight_belong_to_the_day_they_were_paid(journal_with: JournalOf) -> None:
    # Charged yesterday 23:58, paid today 00:01: in today's bill, and matched.
    crossing = order(9, 500, charged=at(23, 58, DAY - timedelta(days=1)), paid=at(0, 1), day=DAY - timedelta(days=1))
    # Charged today 23:59, paid tomorrow: expected in tomorrow's bill, so not "missing" today.
    tomorrow = order(10, 600, charged=at(23, 59), paid=at(0, 0, DAY + timedelta(days=1)))
    # Paid at 00:00:00 sharp today and at 23:59:59 today: both today's.
    first = order(11, 700, charged=at(23, 55, DAY - timedelta(days=1)), paid=at(0, 0), day=DAY - timedelta(days=1))
    last = order(12, 800, charged=at(23, 50), paid=at(23, 59) + timedelta(seconds=59))
    result = reconcile(journal_with([crossing, tomorrow, first, last]), day_bill(payment(crossing)))
    assert [(i.category, i.out_trade_no) for i in result.items] == [
        (ReconCategory.MATCHED, crossing.out_trade_no),
        (ReconCategory.MISSING_IN_BILL, first.out_trade_no),
        (ReconCategory.MISSING_IN_BILL, last.out_trade_no),
    ]
    assert result.journal_paid_fen == 500 + 700 + 800


def test_a_bill_row_finds_its_order_wherever_it_is_in_the_journal(journal_with: JournalOf) -> None:
    old_day = DAY - timedelta(days=5)
    old = order(1, 300, charged=at(9, 0, old_day), day=old_day)
    late_refund = refund(old.out_trade_no, 1, 300)  # requested on DAY for a sale five days ago
    bill = day_bill(payment(old, when=at(9, 0)), refund_entry(late_refund))
    found = categories(reconcile(journal_with([old], [late_refund]), bill, prefix=PREFIX))
    assert found[(ReconCategory.MATCHED, old.out_trade_no, None)].refundable_fen == 0
    assert (ReconCategory.REFUND_MATCHED, old.out_trade_no, late_refund.out_refund_no) in found


def test_revoked_rows_are_not_payments(journal_with: JournalOf) -> None:
    sold = order(1, 300)
    revoked = BillEntry(at(11), "4200", sold.out_trade_no, "REVOKED", 0, 300, 0)
    result = reconcile(journal_with([sold]), day_bill(revoked))
    assert [(i.category, i.out_trade_no) for i in result.items] == [(ReconCategory.MISSING_IN_BILL, sold.out_trade_no)]
    assert result.bill_paid_fen == 0


def test_refund_status_disagreement_is_a_mismatch(journal_with: JournalOf) -> None:
    sold = order(1, 300)
    pending = refund(sold.out_trade_no, 1, 300, state="PROCESSING")
    bill = day_bill(payment(sold), refund_entry(pending, status="SUCCESS"))
    [item] = reconcile(journal_with([sold], [pending]), bill).of(ReconCategory.REFUND_MISMATCH)
    assert (item.journal_state, item.bill_state, item.action) == ("PROCESSING", "SUCCESS", Action.REQUERY_REFUND)


def test_closed_and_failed_refunds_give_the_amount_back(journal_with: JournalOf) -> None:
    sold = order(1, 1000)
    refunds = [refund(sold.out_trade_no, 1, 300), refund(sold.out_trade_no, 2, 500, state="CLOSED")]
    refunds.append(refund(sold.out_trade_no, 3, 100, state="ABNORMAL"))  # the money left: still taken
    result = reconcile(journal_with([sold], refunds), day_bill(payment(sold), refund_entry(refunds[0])))
    assert result.of(ReconCategory.MATCHED)[0].refundable_fen == 1000 - 300 - 100
    assert [i.out_refund_no for i in result.of(ReconCategory.REFUND_MISSING_IN_BILL)] == [refunds[2].out_refund_no]
    assert result.journal_refund_fen == 300 + 100


def test_every_payment_method_is_reconciled_alike_and_keeps_its_bill_type(journal_with: JournalOf) -> None:
    scanned, code = order(1, 300), order(2, 450)
    rows = (payment(scanned)._replace(trade_type="NATIVE"), payment(code)._replace(trade_type="MICROPAY"))
    result = reconcile(journal_with([scanned, code]), day_bill(*rows), prefix=PREFIX)
    assert [(i.category, i.trade_type) for i in result.items] == [
        (ReconCategory.MATCHED, "NATIVE"),
        (ReconCategory.MATCHED, "MICROPAY"),
    ]


def test_a_payment_code_payment_given_back_by_the_reverse_needs_nothing(journal_with: JournalOf) -> None:
    # The customer's password went through just before the relay reversed the order: paid, then refunded in full
    # by the reverse (a refund the kiosk never asked for), and REVOKED in the journal.
    reversed_ = replace(
        order(1, 990, State.CANCELLED, ended_by="clerk"),
        method=TradeType.MICROPAY,
        trade_state="REVOKED",
        failure="cancelled",
        transaction_id="4200rev",
    )
    paid_row = payment(reversed_, when=at(12))._replace(trade_type="MICROPAY")
    given_back = BillEntry(
        at(12), "4200rev", reversed_.out_trade_no, "REFUND", 0, 0, 0, reversed_.out_trade_no, "503", 990, "SUCCESS"
    )._replace(trade_type="MICROPAY")
    result = reconcile(journal_with([reversed_]), day_bill(paid_row, given_back), prefix=PREFIX)
    assert [(i.category, i.action, i.trade_type) for i in result.items] == [
        (ReconCategory.REVERSED, Action.NONE, "MICROPAY"),
        (ReconCategory.REVERSED, Action.NONE, "MICROPAY"),
    ]
    assert result.ok


def test_what_only_the_journal_has_says_how_it_was_paid(journal_with: JournalOf) -> None:
    by_code = replace(order(1, 300), method=TradeType.MICROPAY)
    [item] = reconcile(journal_with([by_code]), day_bill(), prefix=PREFIX).items
    assert (item.category, item.trade_type) == (ReconCategory.MISSING_IN_BILL, "MICROPAY")


def test_display_order_puts_problems_first(journal_with: JournalOf) -> None:
    sold, gone = order(1, 100), order(2, 200)
    result = reconcile(journal_with([sold, gone]), day_bill(payment(sold), payment(otn(50), 900)), prefix=PREFIX)
    shown = sort_for_display(result.items)
    assert [i.category for i in shown] == [
        ReconCategory.MISSING_IN_JOURNAL,
        ReconCategory.MISSING_IN_BILL,
        ReconCategory.MATCHED,
    ]


def test_the_journal_is_read_not_written(journal_with: JournalOf) -> None:
    sold = order(1, 100)
    journal = journal_with([sold])
    before = journal.path.read_bytes()
    reconcile(journal, day_bill(payment(sold)))
    reconcile(journal, day_bill(payment(sold)))  # the bill's TEMP table lives and dies with its snapshot
    assert journal.path.read_bytes() == before and journal.count_orders() == 1


def test_check_totals_reports_disagreements() -> None:
    from kiosk.manager.bills import check_totals

    sold = order(1, 300)
    bill = day_bill(payment(sold))
    broken = type(bill)(bill.day, bill.entries, type(bill.totals)(2, 999, 0, 0, 999))
    problems = check_totals(broken)
    assert len(problems) == 2 and "counts 2 rows" in problems[0] and "999" in problems[1]
    filtered = type(bill)(bill.day, bill.entries, broken.totals, filtered=True)
    assert check_totals(filtered) == []
