"""ManagerService over a real (offline) KioskCore: the day's report, refund offers, refund slips, the Z-report,
the CSV files and the reconciliation, as the manager screen gets them."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

from kiosk.checkout import KioskCore
from kiosk.checkout.events import RefundChanged
from kiosk.checkout.session import State
from kiosk.manager.reconcile import ReconCategory
from kiosk.manager.refunds import refund_slip_key
from kiosk.manager.service import ManagerService, RefundRefusal, ZReportOutcome, pin_guard
from kiosk.manager.zreport import job_key
from tests.manager.conftest import make_offline_core
from tests.manager.factories import DAY, at, day_bill, item, order, otn, payment, refund, write


def test_the_days_report_comes_from_the_journal(offline_core: KioskCore) -> None:
    sold, cancelled = order(1, 1200, charged=at(9)), order(2, 300, State.CANCELLED, ended_by="clerk")
    write(offline_core.journal, [sold, cancelled], items={sold.out_trade_no: [item(sold.out_trade_no, 1, "A", 2, 600)]})
    service = ManagerService(offline_core)
    assert service.today() == DAY and service.default_bill_day() == DAY - timedelta(days=1)
    assert service.store_name == "测试便利店"
    assert not service.training and service.has_printer and not service.can_advance_training_clock
    report = service.day_report()
    assert [o.out_trade_no for o in report.data.orders] == [sold.out_trade_no, cancelled.out_trade_no]
    assert (report.summary.order_count, report.summary.paid_total_fen) == (2, 1200)
    assert [(t.sku, t.quantity) for t in report.summary.top_by_quantity] == [("A", 2)]


def test_a_refund_is_offered_for_what_is_left_or_refused_with_the_reason(offline_core: KioskCore) -> None:
    sold, unpaid, done = order(1, 1000), order(2, 300, State.EXPIRED, ended_by="expiry"), order(3, 500)
    refunds = [refund(sold.out_trade_no, 1, 400), refund(sold.out_trade_no, 2, 100, "FAILED")]
    write(offline_core.journal, [sold, unpaid, done], [*refunds, refund(done.out_trade_no, 1, 500)])
    service = ManagerService(offline_core)
    offer = service.refund_offer(sold.out_trade_no)
    assert (offer.refundable_fen, offer.refusal) == (600, None)
    assert service.refund_offer(unpaid.out_trade_no).refusal is RefundRefusal.NOT_PAID
    assert service.refund_offer(done.out_trade_no).refusal is RefundRefusal.FULLY_REFUNDED
    assert service.refund_offer(otn(99)).refusal is RefundRefusal.NOT_IN_JOURNAL


def test_refund_slips_print_once_from_the_event_and_the_sweep(offline_core: KioskCore) -> None:
    sold = order(1, 1000)
    done, missed = (
        refund(sold.out_trade_no, 1, 300, requested=at(17)),
        refund(sold.out_trade_no, 2, 200, requested=at(16)),
    )
    pending = refund(sold.out_trade_no, 3, 100, "PROCESSING", requested=at(17))
    old = refund(sold.out_trade_no, 4, 50, requested=at(9).replace(day=20))  # a week ago: its slip is history
    write(offline_core.journal, [sold], [done, missed, pending, old])
    service = ManagerService(offline_core)
    service.open()
    offline_core.bus.publish(RefundChanged(pending.out_refund_no, sold.out_trade_no, "PROCESSING", 100))
    offline_core.bus.publish(RefundChanged(done.out_refund_no, sold.out_trade_no, "SUCCESS", 300))
    queue = offline_core.print_queue
    assert [job.job_key for job in queue.jobs()] == [refund_slip_key(done.out_refund_no)]
    assert queue.jobs()[0].document.kind == "refund_slip"
    assert service.print_missed_refund_slips() == [refund_slip_key(missed.out_refund_no)]
    assert service.print_missed_refund_slips() == []  # already in the queue: never twice
    service.close()
    offline_core.bus.publish(RefundChanged(done.out_refund_no, sold.out_trade_no, "SUCCESS", 300))
    assert len(queue.jobs()) == 2


def test_the_z_report_prints_once_then_only_as_a_reprint(offline_core: KioskCore) -> None:
    write(offline_core.journal, [order(1, 1200)])
    service = ManagerService(offline_core)
    key = job_key(DAY, "K1")
    assert service.print_z_report(DAY) is ZReportOutcome.PRINTED
    assert service.print_z_report(DAY) is ZReportOutcome.ALREADY_PRINTED
    assert service.print_z_report(DAY, reprint=True) is ZReportOutcome.REPRINTED
    jobs = [job for job in offline_core.print_queue.jobs() if job.job_key == key]
    assert sorted(job.reprint for job in jobs) == [False, True] and jobs[0].document.kind == "z_report"


def test_without_a_printer_nothing_is_printed(tmp_path: Path) -> None:
    core = make_offline_core(tmp_path / "kiosk", printer={})
    try:
        service = ManagerService(core)
        assert not service.has_printer and service.print_z_report(DAY) is ZReportOutcome.NO_PRINTER
        assert service.print_missed_refund_slips() == []
    finally:
        core.stop()


def test_reconciliation_and_csv_files(offline_core: KioskCore, tmp_path: Path) -> None:
    sold = order(1, 1200)
    write(offline_core.journal, [sold])
    service = ManagerService(offline_core)
    bill = day_bill(payment(sold), payment("S1-K2-2026112800001", 500), payment(otn(7), 900))
    result = service.reconcile(bill)  # this kiosk's prefix comes from its configuration
    assert [i.category for i in result.items] == [
        ReconCategory.MATCHED,
        ReconCategory.OTHER_KIOSK,
        ReconCategory.MISSING_IN_JOURNAL,
    ]
    written = service.export_reconciliation(result, tmp_path / "r.csv", {"matched": "已对平"})
    table = list(csv.reader(io.StringIO(written.read_text("utf-8-sig"))))
    assert [row[0] for row in table[1:]] == ["missing_in_journal", "已对平", "other_kiosk"]  # problems first
    orders = list(csv.reader(io.StringIO(service.export_orders(DAY, tmp_path / "o.csv").read_text("utf-8-sig"))))
    assert len(orders) == 2 and orders[1][0].endswith(sold.out_trade_no)


def test_the_pin_guard_keeps_its_lock_out_in_the_journal(offline_core: KioskCore) -> None:
    from kiosk.manager.pin import SETTING_KEY, hash_pin

    core = make_offline_core(offline_core.config.data_dir.parent / "pinned", manager={"pin_sha256": hash_pin("2468")})
    try:
        guard = pin_guard(core)
        assert guard.check("1357").tries_left == 4 and guard.check("2468").ok
        assert core.journal.setting(SETTING_KEY) is not None
    finally:
        core.stop()
