"""Printer faults seen from the kiosk core, against the real relay and sandbox and the virtual printer:
the fault in the clerk's words, Retry and Skip, and a QR slip never printed once its order is paid."""

from __future__ import annotations

import pytest

from kiosk.checkout import KioskCore, PaymentSession, SessionError, State
from kiosk.checkout.events import PrinterFaultChanged, PrintJobChanged
from kiosk.checkout.session_manager import receipt_job_key, slip_job_key
from kiosk.printing import FaultKind, VirtualPrinter
from tests.checkout.conftest import Recorder, World, wait_until
from tests.checkout.test_integration import awaiting, printed, recording, sell
from tests.printing.escpos_decoder import decode


def virtual_printer(core: KioskCore) -> VirtualPrinter:
    printer = core.print_queue.printer
    assert isinstance(printer, VirtualPrinter)
    return printer


def printed_texts(core: KioskCore) -> list[list[str]]:
    return [decode(path.read_bytes()).texts for path in sorted(virtual_printer(core).out_dir.glob("*.bin"))]


def job(core: KioskCore, key: str) -> object:
    return next(j for j in core.print_queue.jobs() if j.job_key == key)


def selling_with(world: World, fault: str) -> tuple[KioskCore, Recorder, PaymentSession]:
    """A started core whose printer has ``fault``, and an order showing its QR."""
    core = world.core()
    recorder = recording(core)
    virtual_printer(core).fault = fault
    session = awaiting(core, sell(core))
    assert session.code_url
    return core, recorder, session


def test_a_paid_orders_slip_is_dropped_after_the_paper_comes_back(world: World) -> None:
    core, recorder, session = selling_with(world, "paper_out")
    assert session.code_url
    slip_key = core.print_slip(session.out_trade_no)

    # The clerk sees why, in plain words, with the job Retry and Skip act on.
    fault = wait_until(lambda: [e for e in recorder.of(PrinterFaultChanged) if e.fault], message="fault shown")[0]
    assert fault.fault.kind is FaultKind.PAPER_OUT and fault.fault.title("zh_CN") == "缺纸"
    assert fault.job.job_key == slip_key and fault.job.out_trade_no == session.out_trade_no
    assert core.printer_fault().fault == fault.fault

    world.sandbox.pay(session.code_url)  # the customer pays from the screen meanwhile
    core.wait_for(session.out_trade_no, lambda s: s.state is State.PAID, 15)
    receipt_key = receipt_job_key(session.out_trade_no)
    wait_until(lambda: any(j.job_key == receipt_key for j in core.print_queue.jobs()), message="receipt queued")

    virtual_printer(core).fault = None
    core.retry_printing()  # paper loaded
    wait_until(lambda: printed(core, receipt_key), message="receipt printed")

    assert job(core, slip_key).state == "dropped"  # type: ignore[attr-defined]
    [texts] = printed_texts(core)  # only the receipt came out: no QR for a paid order
    assert "收据 RECEIPT" in texts and "付款单 PAYMENT SLIP" not in texts
    assert f"单号 No. {session.out_trade_no[-5:]}" in texts
    [dropped] = [e for e in core.order_events(session.out_trade_no) if e.kind == "print_dropped"]
    assert dropped.data["job_key"] == slip_key and "no longer open" in dropped.data["reason"]
    wait_until(lambda: recorder.of(PrinterFaultChanged)[-1].fault is None, message="fault cleared")
    assert core.printer_fault().fault is None

    def outcomes() -> list[tuple[str, str]]:  # the queue publishes a job's change after storing it
        return [(e.job_key, e.state) for e in recorder.of(PrintJobChanged) if e.state in ("dropped", "printed")]

    wait_until(lambda: len(outcomes()) == 2, message="both outcomes published")
    assert outcomes() == [(slip_key, "dropped"), (receipt_key, "printed")]


def test_the_clerk_skips_a_receipt_the_printer_cannot_print(world: World) -> None:
    core, recorder, session = selling_with(world, "cover_open")
    assert session.code_url
    world.sandbox.pay(session.code_url)
    held = wait_until(
        lambda: [e for e in recorder.of(PrinterFaultChanged) if e.fault and e.job.document == "paid_receipt"],
        message="receipt held",
    )[0]
    assert held.fault.kind is FaultKind.COVER_OPEN and held.fault.title("zh_CN") == "纸仓盖打开"

    skipped = core.skip_print_job(held.job.job_id)
    assert skipped.state == "skipped" and skipped.out_trade_no == session.out_trade_no
    [event] = [e for e in core.order_events(session.out_trade_no) if e.kind == "print_skipped"]
    assert event.data["job_key"] == receipt_job_key(session.out_trade_no)
    assert recorder.of(PrinterFaultChanged)[-1].fault is None

    virtual_printer(core).fault = None  # the next sale prints normally
    second = awaiting(core, sell(core))
    assert second.code_url
    world.sandbox.pay(second.code_url)
    wait_until(lambda: printed(core, receipt_job_key(second.out_trade_no)), message="next receipt printed")
    assert [texts[texts.index("收据 RECEIPT") + 1] for texts in printed_texts(core)] == [
        f"单号 No. {second.out_trade_no[-5:]}"
    ]
    assert slip_job_key(session.out_trade_no) not in {j.job_key for j in core.print_queue.jobs()}


def test_training_simulates_a_printer_fault_for_practice(world: World) -> None:
    core = world.core(world.config(training=True))
    recorder = recording(core)
    core.simulate_printer_fault("paper_out")
    session = awaiting(core, sell(core))
    assert session.code_url
    world.sandbox.pay(session.code_url)
    held = wait_until(lambda: [e for e in recorder.of(PrinterFaultChanged) if e.fault], message="receipt held")[0]
    assert held.fault.kind is FaultKind.PAPER_OUT and held.job.document == "paid_receipt"
    core.simulate_printer_fault(None)  # the trainee loads paper
    wait_until(lambda: printed(core, receipt_job_key(session.out_trade_no)), message="receipt printed")
    # The queue stores the printed job first and tells of the cleared fault after it.
    wait_until(lambda: recorder.of(PrinterFaultChanged)[-1].fault is None, message="the fault cleared")


def test_printer_faults_are_simulated_only_in_training(world: World) -> None:
    core = world.core()
    with pytest.raises(SessionError):
        core.simulate_printer_fault("paper_out")
    assert virtual_printer(core).fault is None
