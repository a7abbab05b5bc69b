"""Printer faults through the print queue: the virtual printer's faults, the fault words, in-order recovery,
payment slips of closed orders dropped, the clerk's skip."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from kiosk.printing.documents import Document, Text
from kiosk.printing.errors import CoverOpen, PaperOut, PrinterFault, PrinterMalfunction, PrinterOffline, RenderError
from kiosk.printing.faults import FaultKind, advice_for, fault_of
from kiosk.printing.printers import VIRTUAL_FAULTS, VirtualPrinter, open_printer
from kiosk.printing.queue import PrintQueue
from tests.printing.conftest import FixedClock
from tests.printing.escpos_decoder import decode
from tests.printing.fake_printer import FakeNetworkPrinter
from tests.printing.test_queue import Recorder, _profile
from tests.printing.test_render import _slip


def note(text: str) -> Document:
    return Document("note", (Text(text),))


def printed_texts(printer: VirtualPrinter) -> list[str]:
    """What came out of the virtual printer, job by job (its .bin files, named by job id, decoded)."""
    jobs = sorted(printer.out_dir.glob("*.bin"))
    return [" ".join(decode(path.read_bytes()).texts) for path in jobs]


@pytest.fixture
def virtual(tmp_path: Path) -> VirtualPrinter:
    return VirtualPrinter(tmp_path / "virtual-printer")


@pytest.mark.parametrize(
    ("fault", "kind", "title"),
    [
        ("paper_out", FaultKind.PAPER_OUT, "缺纸"),
        ("cover_open", FaultKind.COVER_OPEN, "纸仓盖打开"),
        ("offline", FaultKind.OFFLINE, "打印机未连接"),
        ("printer_error", FaultKind.PRINTER_ERROR, "打印机故障"),
    ],
)
def test_each_virtual_fault_holds_the_job_with_its_kind_and_words(
    virtual: VirtualPrinter, tmp_path: Path, fault: str, kind: FaultKind, title: str
) -> None:
    queue = PrintQueue(tmp_path / "kiosk.db", virtual, clock=FixedClock())
    virtual.fault = fault
    assert not virtual.status().ready
    job = queue.submit("receipt:1", note("one"))
    held = queue.run_once()
    assert held is not None and (held.id, held.state, held.fault) == (job.id, "pending", kind)
    assert queue.stalled() == held and list(virtual.out_dir.glob("*.bin")) == []
    advice = advice_for(held.fault)  # type: ignore[arg-type]
    assert advice.title("zh_CN") == title and "Retry" in advice.action("en") and "重试" in advice.action("zh_CN")
    virtual.fault = None
    done = queue.run_once()
    assert done is not None and (done.state, done.fault) == ("printed", None)
    assert queue.stalled() is None and printed_texts(virtual) == ["one"]


def test_virtual_printer_refuses_an_unknown_fault(virtual: VirtualPrinter) -> None:
    with pytest.raises(ValueError, match="unknown virtual printer fault"):
        virtual.fault = "on_fire"
    assert set(VIRTUAL_FAULTS) == {"paper_out", "cover_open", "offline", "printer_error"}


def test_every_fault_kind_has_words_in_both_languages() -> None:
    for kind in FaultKind:
        advice = advice_for(kind)
        assert advice.kind is kind and advice.title_zh and advice.title_en and advice.action_zh and advice.action_en
        assert advice.title("en") == advice.title_en and advice.title("zh_CN") == advice.title_zh
    assert [fault_of(e) for e in (PaperOut("x"), CoverOpen("x"), PrinterOffline("x"))] == [
        FaultKind.PAPER_OUT,
        FaultKind.COVER_OPEN,
        FaultKind.OFFLINE,
    ]
    assert fault_of(PrinterMalfunction("x")) is FaultKind.PRINTER_ERROR
    assert fault_of(PrinterFault("x")) is FaultKind.SETUP
    assert fault_of(RenderError("x")) is FaultKind.JOB_FAILED


@pytest.mark.parametrize(
    ("setup", "kind"),
    [
        (FakeNetworkPrinter.paper_out, FaultKind.PAPER_OUT),
        (FakeNetworkPrinter.cover_open, FaultKind.COVER_OPEN),
        (lambda printer: setattr(printer, "status_replies", {1: 0x12, 2: 0x52, 4: 0x12}), FaultKind.PRINTER_ERROR),
    ],
)
def test_a_network_printer_reports_its_fault_kind(
    fake_printer: FakeNetworkPrinter, tmp_path: Path, setup: object, kind: FaultKind
) -> None:
    setup(fake_printer)  # type: ignore[operator]
    queue = PrintQueue(tmp_path / "kiosk.db", open_printer(_profile(fake_printer.port)), clock=FixedClock())
    queue.submit("slip:K1", _slip())
    job = queue.run_once()
    assert job is not None and (job.state, job.fault) == ("pending", kind)


def test_a_switched_off_network_printer_is_not_connected(dead_printer: FakeNetworkPrinter, tmp_path: Path) -> None:
    queue = PrintQueue(tmp_path / "kiosk.db", open_printer(_profile(dead_printer.port)), clock=FixedClock())
    queue.submit("slip:K1", _slip())
    job = queue.run_once()
    assert job is not None and job.fault is FaultKind.OFFLINE
    assert advice_for(FaultKind.OFFLINE).title("zh_CN") == "打印机未连接"


def test_after_recovery_jobs_print_in_order_and_a_closed_orders_slip_is_dropped(
    virtual: VirtualPrinter, tmp_path: Path
) -> None:
    open_orders = {"A", "C"}
    db = tmp_path / "kiosk.db"
    queue = PrintQueue(db, virtual, clock=FixedClock(), order_open=open_orders.__contains__)
    virtual.fault = "paper_out"
    slip_a = queue.submit("A:payment_slip", note("slip A"), out_trade_no="A", while_open=True)
    queue.submit("A:paid_receipt", note("receipt A"), out_trade_no="A")
    queue.submit("C:payment_slip", note("slip C"), out_trade_no="C", while_open=True)
    queue.submit("z", note("report"))
    held = queue.run_once()
    assert held is not None and held.id == slip_a.id and held.fault is FaultKind.PAPER_OUT
    assert queue.run_once().id == slip_a.id  # type: ignore[union-attr]  # the head waits: nothing jumps ahead
    queue.close()

    open_orders.discard("A")  # the customer paid A from the screen while the printer had no paper
    virtual.fault = None  # paper loaded, and the kiosk restarted meanwhile
    queue = PrintQueue(db, virtual, clock=FixedClock(), order_open=open_orders.__contains__)
    recorder = Recorder()
    queue.add_listener(recorder)
    queue.start()
    try:
        recorder.wait_for(lambda j: j.job_key == "z" and j.state == "printed")
    finally:
        queue.stop()
    assert printed_texts(virtual) == ["receipt A", "slip C", "report"]
    dropped = queue.get(slip_a.id)
    assert dropped.state == "dropped" and "no longer open" in (dropped.last_error or "")
    states = [(j.job_key, j.state) for j in recorder.seen if j.state in ("dropped", "printed")]
    assert states == [
        ("A:payment_slip", "dropped"),
        ("A:paid_receipt", "printed"),
        ("C:payment_slip", "printed"),
        ("z", "printed"),
    ]
    with closing(sqlite3.connect(db)) as check:  # journaled, not just reported
        assert check.execute("SELECT state FROM print_jobs WHERE id = ?", (slip_a.id,)).fetchone() == ("dropped",)


def test_a_slip_waits_when_the_order_state_cannot_be_read(virtual: VirtualPrinter, tmp_path: Path) -> None:
    def unreadable(out_trade_no: str) -> bool:
        raise OSError("database is locked")

    queue = PrintQueue(tmp_path / "kiosk.db", virtual, clock=FixedClock(), order_open=unreadable)
    queue.submit("A:payment_slip", note("slip A"), out_trade_no="A", while_open=True)
    job = queue.run_once()
    assert job is not None and job.state == "pending" and "order state unknown" in (job.last_error or "")
    assert printed_texts(virtual) == []
    with pytest.raises(ValueError, match="out_trade_no"):
        queue.submit("x", note("x"), while_open=True)


def test_the_clerk_skips_the_waiting_receipt_and_the_rest_prints(virtual: VirtualPrinter, tmp_path: Path) -> None:
    queue = PrintQueue(tmp_path / "kiosk.db", virtual, clock=FixedClock())
    virtual.fault = "cover_open"
    first = queue.submit("A:paid_receipt", note("receipt A"), out_trade_no="A")
    queue.submit("B:paid_receipt", note("receipt B"), out_trade_no="B")
    assert queue.run_once().id == first.id  # type: ignore[union-attr]
    assert queue.stalled() is not None and queue.stalled().id == first.id  # type: ignore[union-attr]
    skipped = queue.skip(first.id)
    assert skipped.state == "skipped" and queue.stalled() is None
    virtual.fault = None
    assert queue.run_once().job_key == "B:paid_receipt"  # type: ignore[union-attr]
    assert printed_texts(virtual) == ["receipt B"]
    assert queue.skip(first.id).state == "skipped"  # idempotent
    printed = queue.jobs("printed")[0]
    assert queue.skip(printed.id).state == "printed"  # a printed job stays printed


def test_a_queue_table_from_before_faults_is_upgraded_in_place(virtual: VirtualPrinter, tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    with closing(sqlite3.connect(db)) as old, old:
        old.executescript(
            """
            CREATE TABLE print_jobs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                job_key TEXT NOT NULL,
                reprint INTEGER NOT NULL DEFAULT 0 CHECK (reprint IN (0, 1)),
                state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'printed', 'failed')),
                document TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                bytes_sent INTEGER,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                printed_at TEXT
            );
            CREATE UNIQUE INDEX print_jobs_original_key ON print_jobs (job_key) WHERE reprint = 0;
            CREATE INDEX print_jobs_state ON print_jobs (state, id);
            """
        )
        old.execute(
            "INSERT INTO print_jobs (job_key, state, document, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            ("old", "pending", note("old job").to_json(), "2026-11-29T17:00:00+08:00", "2026-11-29T17:00:00+08:00"),
        )
    queue = PrintQueue(db, virtual, clock=FixedClock())
    [kept] = queue.pending()
    assert (kept.job_key, kept.out_trade_no, kept.while_open, kept.fault) == ("old", None, False, None)
    assert queue.skip(kept.id).state == "skipped"  # a state the old table could not hold
    assert queue.submit("old", note("again")).id == kept.id  # the unique key survived the rebuild
    queue.close()
    with closing(sqlite3.connect(db)) as check:
        names = {row[0] for row in check.execute("SELECT name FROM sqlite_master")}
        assert "print_jobs_first" not in names and {"print_jobs_original_key", "print_jobs_state"} <= names
