from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from kiosk.printing.documents import REPRINT_MARK, Document, Text
from kiosk.printing.errors import PrinterOffline
from kiosk.printing.printers import PrinterStatus, open_printer
from kiosk.printing.profiles import NetworkConnection, Profile, find_profile
from kiosk.printing.queue import PrintJob, PrintQueue
from tests.printing.conftest import FixedClock
from tests.printing.escpos_decoder import decode
from tests.printing.fake_printer import FakeNetworkPrinter
from tests.printing.test_render import _slip


def _profile(port: int) -> Profile:
    return find_profile("generic-80mm").with_connection(NetworkConnection("127.0.0.1", port, timeout=2.0))


class Recorder:
    """A listener that lets a test wait for a job to reach a state."""

    def __init__(self) -> None:
        self.seen: list[PrintJob] = []
        self._changed = threading.Condition()

    def __call__(self, job: PrintJob) -> None:
        with self._changed:
            self.seen.append(job)
            self._changed.notify_all()

    def wait_for(self, predicate: object, timeout: float = 10.0) -> PrintJob:
        with self._changed:
            found: list[PrintJob] = []

            def check() -> bool:
                found[:] = [job for job in self.seen if predicate(job)]  # type: ignore[operator]
                return bool(found)

            assert self._changed.wait_for(check, timeout), self.seen
            return found[0]


class ListPrinter:
    """In-memory printer that can be switched off."""

    def __init__(self) -> None:
        self.profile = find_profile("virtual")
        self.printed: list[tuple[str, Document]] = []
        self.online = True

    def status(self) -> PrinterStatus:
        return PrinterStatus(online=self.online)

    def print_document(self, document: Document, *, job_name: str) -> int:
        if not self.online:
            raise PrinterOffline("switched off")
        self.printed.append((job_name, document))
        return 1


def _texts(document: Document) -> list[str]:
    return [block.text for block in document.blocks if isinstance(block, Text)]


def test_submit_is_idempotent_and_prints_exactly_once(tmp_path: Path) -> None:
    printer = ListPrinter()
    queue = PrintQueue(tmp_path / "kiosk.db", printer, clock=FixedClock())
    first = queue.submit("slip:K1", _slip())
    again = queue.submit("slip:K1", _slip())
    assert again.id == first.id and len(queue.pending()) == 1
    assert queue.run_once() is not None and queue.run_once() is None
    assert queue.submit("slip:K1", _slip()).state == "printed"  # a late duplicate is not printed again
    assert queue.run_once() is None
    assert len(printer.printed) == 1
    job = queue.get(first.id)
    assert job.state == "printed" and job.bytes_sent == 1 and job.printed_at is not None and job.attempts == 1


def test_explicit_reprint_prints_again_with_the_reprint_mark(tmp_path: Path) -> None:
    printer = ListPrinter()
    queue = PrintQueue(tmp_path / "kiosk.db", printer, clock=FixedClock())
    original = queue.submit("slip:K1", _slip())
    queue.run_once()
    copy = queue.submit("slip:K1", _slip(), reprint=True)
    assert copy.id != original.id and copy.reprint and copy.document.is_reprint
    queue.run_once()
    assert [doc.is_reprint for _, doc in printer.printed] == [False, True]
    assert queue.submit("slip:K1", _slip()).id == original.id


def test_offline_printer_keeps_the_job_queued_until_it_comes_back(
    dead_printer: FakeNetworkPrinter, tmp_path: Path
) -> None:
    gate = threading.Event()
    delays: list[float] = []

    def sleep(seconds: float) -> None:
        delays.append(seconds)
        gate.wait(10)

    printer = open_printer(_profile(dead_printer.port))
    queue = PrintQueue(tmp_path / "kiosk.db", printer, clock=FixedClock(), backoff=lambda n: 2.0**n, sleep=sleep)
    recorder = Recorder()
    queue.add_listener(recorder)
    queue.start()
    try:
        job = queue.submit("slip:K1", _slip())
        failed = recorder.wait_for(lambda j: j.state == "pending" and j.last_error)
        assert "refused" in (failed.last_error or "")
        assert queue.get(job.id).state == "pending" and dead_printer.jobs == []
        dead_printer.power_on()
        gate.set()
        done = recorder.wait_for(lambda j: j.state == "printed")
        assert done.id == job.id and done.attempts >= 2
        assert delays[0] == 2.0  # backoff(1): the first retry waits the injected back-off
        assert dead_printer.job_received.wait(5)
    finally:
        queue.stop()
    assert len(dead_printer.jobs) == 1
    assert [qr.data.decode() for qr in decode(dead_printer.jobs[0]).qr_printed] == [_slip().qr_payloads[0]]


def test_out_of_paper_is_retried_without_sending_the_job(fake_printer: FakeNetworkPrinter, tmp_path: Path) -> None:
    fake_printer.paper_out()
    queue = PrintQueue(tmp_path / "kiosk.db", open_printer(_profile(fake_printer.port)), clock=FixedClock())
    queue.submit("slip:K1", _slip())
    job = queue.run_once()
    assert job is not None and job.state == "pending" and "out of paper" in (job.last_error or "")
    fake_printer.ready()
    job = queue.run_once()
    assert job is not None and job.state == "printed"
    assert fake_printer.job_received.wait(5) and len(fake_printer.jobs) == 1


def test_jobs_print_in_order_and_worker_resumes_after_restart(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    printer = ListPrinter()
    printer.online = False
    queue = PrintQueue(db, printer, clock=FixedClock())
    for key in ("a", "b", "c"):
        queue.submit(key, Document("t", (Text(key),)))
    assert queue.run_once() is not None  # fails: printer off
    queue.close()

    printer.online = True
    restarted = PrintQueue(db, printer, clock=FixedClock())
    recorder = Recorder()
    restarted.add_listener(recorder)
    assert [job.job_key for job in restarted.pending()] == ["a", "b", "c"]
    restarted.start()
    try:
        recorder.wait_for(lambda j: j.job_key == "c" and j.state == "printed")
    finally:
        restarted.stop()
    assert [_texts(doc) for _, doc in printer.printed] == [["a"], ["b"], ["c"]]
    assert restarted.pending() == []
    restarted.close()


def test_job_interrupted_mid_print_is_printed_again_as_a_reprint(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    queue = PrintQueue(db, ListPrinter(), clock=FixedClock())
    job = queue.submit("slip:K1", _slip())
    queue._update(job.id, state="sending")  # the process died while the bytes were going out
    queue.close()
    printer = ListPrinter()
    restarted = PrintQueue(db, printer, clock=FixedClock())
    recovered = restarted.get(job.id)
    assert (
        recovered.state == "pending" and recovered.document.is_reprint and "interrupted" in (recovered.last_error or "")
    )
    restarted.run_once()
    assert len(printer.printed) == 1 and printer.printed[0][1].is_reprint


def test_unrenderable_job_fails_visibly_and_does_not_block(tmp_path: Path) -> None:
    printer = ListPrinter()

    def print_document(document: Document, *, job_name: str) -> int:
        if document.kind == "broken":
            raise ValueError("bad block")
        printer.printed.append((job_name, document))
        return 1

    printer.print_document = print_document  # type: ignore[method-assign]
    queue = PrintQueue(tmp_path / "kiosk.db", printer, clock=FixedClock())
    recorder = Recorder()
    queue.add_listener(recorder)
    broken = queue.submit("x", Document("broken"))
    queue.submit("y", Document("t", (Text("y"),)))
    assert queue.run_once().state == "failed"  # type: ignore[union-attr]
    assert queue.run_once().state == "printed"  # type: ignore[union-attr]
    assert recorder.wait_for(lambda j: j.state == "failed").last_error == "ValueError: bad block"
    assert queue.retry(broken.id).state == "pending"


def test_table_lives_beside_other_tables_in_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    with closing(sqlite3.connect(db)) as other, other:
        other.execute("CREATE TABLE orders (id TEXT PRIMARY KEY)")
        other.execute("INSERT INTO orders VALUES ('K1')")
    queue = PrintQueue(db, ListPrinter(), clock=FixedClock())
    queue.submit("a", Document("t"))
    queue.close()
    queue = PrintQueue(db, ListPrinter(), clock=FixedClock())  # reopening is fine (IF NOT EXISTS)
    assert queue._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL: durable across power cuts
    queue.close()
    with closing(sqlite3.connect(db)) as check:
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert check.execute("SELECT id FROM orders").fetchall() == [("K1",)]
        assert check.execute("SELECT job_key, state FROM print_jobs").fetchall() == [("a", "pending")]


def test_reprint_bytes_carry_the_mark(tmp_path: Path) -> None:
    from kiosk.printing.escpos_render import render

    profile = find_profile("generic-80mm")
    text = decode(render(_slip().marked_reprint(), profile)).texts
    assert text[0] == REPRINT_MARK


def test_listener_errors_do_not_stop_the_queue(tmp_path: Path) -> None:
    queue = PrintQueue(tmp_path / "kiosk.db", ListPrinter(), clock=FixedClock())

    def broken_listener(job: PrintJob) -> None:
        raise RuntimeError("ui went away")

    queue.add_listener(broken_listener)
    queue.submit("a", Document("t"))
    assert queue.run_once().state == "printed"  # type: ignore[union-attr]


def test_empty_job_key_is_rejected(tmp_path: Path) -> None:
    queue = PrintQueue(tmp_path / "kiosk.db", ListPrinter(), clock=FixedClock())
    with pytest.raises(ValueError):
        queue.submit("", Document("t"))


def test_damaged_journal_entry_is_failed_not_fatal(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    printer = ListPrinter()
    queue = PrintQueue(db, printer, clock=FixedClock())
    bad = queue.submit("bad", Document("t"))
    queue.submit("good", Document("t", (Text("ok"),)))
    with queue._lock:
        queue._db.execute("UPDATE print_jobs SET document = '{not json' WHERE id = ?", (bad.id,))
    assert queue.run_once().state == "failed"  # type: ignore[union-attr]
    assert queue.run_once().state == "printed"  # type: ignore[union-attr]
    assert [_texts(doc) for _, doc in printer.printed] == [["ok"]]
