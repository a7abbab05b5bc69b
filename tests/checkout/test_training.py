"""Training mode: sandbox and relay embedded on loopback, sample catalogue, virtual printer, marked training."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from kiosk.checkout import KioskCore, SessionError, State
from kiosk.checkout.session_manager import receipt_job_key, slip_job_key
from kiosk.printing import Document
from tests.checkout.conftest import wait_until


def test_a_training_sale_end_to_end(tmp_path: Path) -> None:
    core = KioskCore.training_mode(tmp_path)
    try:
        assert core.training and core.config.training
        assert core.config.data_dir == tmp_path / "kiosk"
        assert len(core.catalogue) >= 30
        core.start()
        cart = core.new_cart()
        cart.add_code("6921168509256")
        session = core.charge(cart)
        shown = core.wait_for(session.out_trade_no, lambda s: s.state is State.AWAITING_PAYMENT, 15)
        assert shown.training

        assert core.print_slip(session.out_trade_no) == slip_job_key(session.out_trade_no)
        core.print_slip(session.out_trade_no)  # the clerk presses it again: a marked reprint
        slips = [job for job in core.print_queue.jobs() if job.job_key == slip_job_key(session.out_trade_no)]
        assert sorted(job.reprint for job in slips) == [False, True]
        assert all(shown.code_url in job.document.qr_payloads for job in slips)

        core.simulate_payment(session.out_trade_no)
        paid = core.wait_for(session.out_trade_no, lambda s: s.is_paid, 20)
        assert paid.state is State.PAID
        key = receipt_job_key(session.out_trade_no)
        wait_until(
            lambda: [j for j in core.print_queue.jobs() if j.job_key == key and j.state == "printed"],
            message="training receipt printed",
        )
        receipt: Document = next(j.document for j in core.print_queue.jobs() if j.job_key == key)
        assert any(getattr(block, "kind", None) == "training" for block in receipt.blocks)
        assert list((tmp_path / "kiosk" / "virtual-printer").glob("*paid_receipt*.png"))
    finally:
        core.stop()


def test_training_resumes_an_open_payment_after_a_restart(tmp_path: Path) -> None:
    first = KioskCore.training_mode(tmp_path)
    first.start()
    cart = first.new_cart()
    cart.add_code("DRK-001")
    session = first.charge(cart)
    first.wait_for(session.out_trade_no, lambda s: s.code_url is not None, 15)
    first.stop()

    second = KioskCore.training_mode(tmp_path)  # new ports, new credentials, same journal and relay database
    try:
        assert second.start() == [session.out_trade_no]
        second.simulate_payment(session.out_trade_no)
        assert second.wait_for(session.out_trade_no, lambda s: s.is_paid, 20).state is State.PAID
    finally:
        second.stop()
    assert (tmp_path / "relay" / "kiosk.json").stat().st_mode & 0o077 == 0


def test_closing_with_a_payment_open_answers_its_long_poll_rather_than_waiting_for_the_relay_to_cut_it_off(
    tmp_path: Path,
) -> None:
    core = KioskCore.training_mode(tmp_path)
    # uvicorn (re)configures its loggers as each server starts: listen to it once both have.
    cut_off: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = lambda record: cut_off.append(record)  # type: ignore[method-assign]
    uvicorn_log = logging.getLogger("uvicorn.error")
    uvicorn_log.addHandler(handler)
    try:
        core.start()
        cart = core.new_cart()
        cart.add_code("DRK-001")
        session = core.charge(cart)
        core.wait_for(session.out_trade_no, lambda s: s.state is State.AWAITING_PAYMENT, 15)
        healthz = core.config.relay_urls[0] + "/healthz"
        wait_until(lambda: httpx.get(healthz, timeout=10).json()["long_polls"] == 1, message="the long-poll is held")
    finally:
        try:
            core.stop()
        finally:
            uvicorn_log.removeHandler(handler)
    # Before, the relay's graceful timeout had to cancel the long-poll (2 s on a window the clerk had closed).
    assert [r.getMessage() for r in cut_off if "graceful shutdown" in r.getMessage()] == []


def test_simulated_payments_only_in_training(tmp_path: Path) -> None:
    from kiosk.checkout.config import KioskConfig, StoreInfoConfig

    core = KioskCore(
        KioskConfig(
            relay_urls=("http://127.0.0.1:9",),
            relay_token="t",
            store=StoreInfoConfig("S", "n", "a"),
            kiosk_id="K",
            data_dir=tmp_path,
        )
    )
    try:
        with pytest.raises(SessionError, match="training"):
            core.simulate_payment("S-K-1")
        with pytest.raises(SessionError, match="training"):
            core.advance_training_clock(86400)
    finally:
        core.stop()
