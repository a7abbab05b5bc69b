"""ManagerService over a real (offline) KioskCore: the day's report, refund offers, refund slips, the Z-report,
the CSV files and the reconciliation, as the manager screen gets them."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import httpx

from kiosk.checkout import KioskCore
from kiosk.checkout.events import RefundChanged, SoundCue
from kiosk.checkout.relay_client import RelayRejected, RelayUnavailable
from kiosk.checkout.session import State
from kiosk.checkout.session_manager import SessionError
from kiosk.checkout.sound import SoundSettings
from kiosk.manager.media import Place, PlaceKind
from kiosk.manager.reconcile import ReconCategory
from kiosk.manager.refunds import refund_slip_key
from kiosk.manager.service import ManagerService, Problem, RefundRefusal, ZReportOutcome, problem_of
from kiosk.manager.zreport import job_key
from kiosk.printing.errors import PrinterUnavailable
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
    assert (offer.refundable_fen, offer.refusal, offer.amount_fen) == (600, None, 1000)
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
    assert service.z_report_printed(DAY) is None
    assert service.print_z_report(DAY) is ZReportOutcome.PRINTED
    printed = service.z_report_printed(DAY)  # when, in Beijing time (the screen offers a marked copy from then on)
    assert printed is not None and printed.utcoffset() == timedelta(hours=8)
    assert service.print_z_report(DAY) is ZReportOutcome.ALREADY_PRINTED
    assert service.print_z_report(DAY, reprint=True) is ZReportOutcome.REPRINTED
    jobs = [job for job in offline_core.print_queue.jobs() if job.job_key == key]
    assert sorted(job.reprint for job in jobs) == [False, True] and jobs[0].document.kind == "z_report"
    assert service.z_report_printed(DAY) == printed  # the first copy's time, not the reprint's


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
    written = service.export_reconciliation(result, tmp_path / "r.csv", labels={"matched": "已对平"})
    table = list(csv.reader(io.StringIO(written.read_text("utf-8-sig"))))
    assert [row[0] for row in table[1:]] == ["missing_in_journal", "已对平", "other_kiosk"]  # problems first
    orders = list(csv.reader(io.StringIO(service.export_orders(DAY, tmp_path / "o.csv").read_text("utf-8-sig"))))
    assert len(orders) == 2 and orders[1][0].endswith(sold.out_trade_no)


def test_the_pin_guard_keeps_its_lock_out_in_the_journal(offline_core: KioskCore) -> None:
    from kiosk.manager.pin import SETTING_KEY, hash_pin, pin_guard

    core = make_offline_core(offline_core.config.data_dir.parent / "pinned", manager={"pin_sha256": hash_pin("2468")})
    try:
        guard = pin_guard(core)
        assert guard.check("1357").tries_left == 4 and guard.check("2468").ok
        assert core.journal.setting(SETTING_KEY) is not None
    finally:
        core.stop()


def test_sound_settings_through_the_service_are_kept(offline_core: KioskCore) -> None:
    service = ManagerService(offline_core)
    assert service.sound == SoundSettings(True, 80)  # kiosk.toml's default
    heard: list[SoundCue] = []
    offline_core.bus.subscribe(lambda event: heard.append(event) if isinstance(event, SoundCue) else None)
    assert service.set_sound(volume=35) == SoundSettings(True, 35)
    service.play_sound_sample()
    assert [(cue.reason, cue.volume) for cue in heard] == [("sample", 35)]
    assert service.set_sound(enabled=False).enabled is False
    service.play_sound_sample()
    assert len(heard) == 1
    assert offline_core.journal.setting("sound_volume") == "35" and service.sound == SoundSettings(False, 35)


def test_failures_are_sorted_into_kinds_the_screen_words_plainly() -> None:
    assert problem_of(RelayUnavailable("connection refused")) is Problem.SERVER_UNREACHABLE
    assert problem_of(httpx.ConnectError("refused")) is Problem.SERVER_UNREACHABLE
    assert problem_of(TimeoutError()) is Problem.SERVER_UNREACHABLE  # an OSError, but not a file's
    assert problem_of(RelayRejected(401, "unauthorized", "bad token")) is Problem.NOT_AUTHORIZED
    assert problem_of(RelayRejected(403, "NO_MANAGER_CREDENTIAL", "")) is Problem.NO_REFUND_PERMISSION
    assert problem_of(RelayRejected(409, "refund_exceeds", "too much")) is Problem.SERVER_REFUSED
    assert problem_of(SessionError("S1-K1-1 is cancelled")) is Problem.NOT_ALLOWED
    assert problem_of(PrinterUnavailable("no paper")) is Problem.PRINTER
    assert problem_of(PermissionError(13, "read-only")) is Problem.FILE_NOT_WRITTEN
    assert problem_of(KeyError("oops")) is Problem.UNEXPECTED


def test_refunds_need_the_manager_credential(offline_core: KioskCore, tmp_path: Path) -> None:
    assert not ManagerService(offline_core).refunds_enabled
    core = make_offline_core(tmp_path / "with-token", manager_token="manager-token")
    try:
        assert ManagerService(core).refunds_enabled
    finally:
        core.stop()


def test_exports_go_to_the_kiosks_folder_when_no_usb_drive_is_mounted(offline_core: KioskCore) -> None:
    service = ManagerService(offline_core)
    places = service.export_places()
    assert places[-1] == Place(PlaceKind.KIOSK, offline_core.config.data_dir / "exports")
    written = service.export_orders(DAY, places[-1].path / "orders.csv")  # the folder is made on first use
    assert written.read_bytes().startswith(b"\xef\xbb\xbf")
