from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from kiosk.checkout.events import RefundChanged
from kiosk.clock import CHINA_TZ
from kiosk.manager.refunds import RefundSlipPrinter, refund_slip_key, refundable_fen
from kiosk.manager.training import sandbox_url, seconds_to_next_release
from tests.manager.factories import otn, refund


class Queue:
    def __init__(self):
        self.keys: dict[str, object] = {}
        self.submitted: list[str] = []

    def submit(self, key, document, *, reprint=False):
        self.submitted.append(key)
        return self.keys.setdefault(key, document)

    def jobs(self, limit=200):
        return [SimpleNamespace(job_key=key) for key in self.keys]


class Clock:
    def now(self):
        return datetime(2026, 11, 28, 18, 0, tzinfo=CHINA_TZ)


class Core:
    training = True

    def __init__(self, rows):
        self.rows = rows
        self.print_queue = Queue()
        self.config = SimpleNamespace(store=SimpleNamespace(name="店", address="路", phone=None))
        self.subscribers = []
        self.clock = Clock()

    def subscribe(self, callback):
        self.subscribers.append(callback)
        return lambda: self.subscribers.remove(callback)

    def refunds(self, out_trade_no=None):
        return [r for r in self.rows if out_trade_no in (None, r.out_trade_no)]


def test_refundable_ignores_failed_refunds():
    rows = [refund(otn(1), 1, 300), refund(otn(1), 2, 200, "PROCESSING"), refund(otn(1), 3, 500, "FAILED")]
    assert refundable_fen(1000, rows) == 500
    assert refundable_fen(400, rows) == 0


def test_refundable_counts_abnormal_refunds_as_taken_and_closed_ones_as_given_back():
    # ABNORMAL: the money left the merchant and waits in WeChat Pay; refunding it again would pay twice.
    rows = [refund(otn(1), 1, 300, "ABNORMAL"), refund(otn(1), 2, 200, "CLOSED")]
    assert refundable_fen(1000, rows) == 700


def test_slip_printed_on_success_event_and_by_sweep_once():
    done, pending = refund(otn(1), 1, 300), refund(otn(2), 1, 100, "PROCESSING")
    core = Core([done, pending])
    printer = RefundSlipPrinter(core)
    printer.attach()
    assert len(core.subscribers) == 1
    core.subscribers[0](RefundChanged(pending.out_refund_no, pending.out_trade_no, "PROCESSING", 100))
    assert core.print_queue.submitted == []
    core.subscribers[0](RefundChanged(done.out_refund_no, done.out_trade_no, "SUCCESS", 300))
    key = refund_slip_key(done.out_refund_no)
    assert core.print_queue.submitted == [key] and key == f"{otn(1)}R1:refund_slip"
    document = core.print_queue.keys[key]
    assert document.kind == "refund_slip" and any(getattr(b, "kind", "") == "training" for b in document.blocks)
    assert printer.sweep() == []  # already in the queue: not submitted again
    assert core.print_queue.submitted == [key]
    printer.detach()
    assert core.subscribers == []


def test_sweep_prints_recent_successful_refunds_missed_while_closed():
    recent = refund(otn(1), 1, 300)  # requested 2026-11-28 15:00, the fake clock says 18:00
    old = refund(otn(2), 1, 100, requested=datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ))
    core = Core([recent, old, refund(otn(3), 1, 50, "PROCESSING")])
    assert RefundSlipPrinter(core).sweep() == [refund_slip_key(recent.out_refund_no)]


def test_the_core_prints_the_slip_when_it_can():
    done = refund(otn(1), 1, 300)
    core = Core([done])
    asked: list[str] = []
    core.print_refund_slip = lambda out_refund_no: asked.append(out_refund_no) or f"{out_refund_no}:refund_slip"
    assert RefundSlipPrinter(core).submit(done) == refund_slip_key(done.out_refund_no)
    assert asked == [done.out_refund_no] and core.print_queue.submitted == []


def test_printer_failure_is_reported_not_raised():
    core = Core([refund(otn(1), 1, 300)])

    def broken(*args, **kwargs):
        raise OSError("paper out")

    core.print_queue.submit = broken
    core.print_queue.jobs = lambda limit=200: []
    errors: list[str] = []
    assert RefundSlipPrinter(core, on_error=errors.append).sweep() == []
    assert errors and "paper out" in errors[0]


def test_next_release_is_ten_o_clock_tomorrow_beijing():
    now = datetime(2026, 11, 28, 1, 45, tzinfo=CHINA_TZ)
    assert seconds_to_next_release(now) == timedelta(hours=32, minutes=15).total_seconds()
    late = datetime(2026, 11, 28, 23, 0, tzinfo=CHINA_TZ)
    assert seconds_to_next_release(late) == timedelta(hours=11).total_seconds()


def test_sandbox_url_only_in_training():
    assert sandbox_url(SimpleNamespace(training=True, _sandbox_url="http://127.0.0.1:1")) == "http://127.0.0.1:1"
    assert sandbox_url(SimpleNamespace(training=True, sandbox_url="http://a", _sandbox_url="http://b")) == "http://a"
    assert sandbox_url(SimpleNamespace(training=False, _sandbox_url="http://b")) is None


def test_advance_core_to_next_release_goes_through_the_core():
    from kiosk.manager.training import advance_core_to_next_release

    class TrainingCore:
        def __init__(self):
            self.moves: list[float] = []
            self.now = datetime(2026, 11, 28, 1, 45, tzinfo=CHINA_TZ)

        def advance_training_clock(self, seconds):
            self.moves.append(seconds)
            self.now += timedelta(seconds=seconds)
            return {"now": self.now.isoformat()}

    core = TrainingCore()
    moved = advance_core_to_next_release(core)
    assert core.moves == [0, 32 * 3600 + 15 * 60]
    assert moved == datetime(2026, 11, 29, 10, 0, tzinfo=CHINA_TZ)
