from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from kiosk.printing.errors import CoverOpen, PaperOut, PrinterOffline
from kiosk.printing.escpos_render import render
from kiosk.printing.printers import EscPosPrinter, PrinterStatus, VirtualPrinter, open_printer, parse_dle_eot
from kiosk.printing.profiles import FileConnection, NetworkConnection, Profile, find_profile
from tests.printing.conftest import CODE_URL
from tests.printing.escpos_decoder import decode
from tests.printing.fake_printer import FakeNetworkPrinter
from tests.printing.test_render import _slip


def _network(port: int, name: str = "generic-80mm") -> Profile:
    return find_profile(name).with_connection(NetworkConnection("127.0.0.1", port, timeout=2.0))


def test_prints_over_tcp_end_to_end(fake_printer: FakeNetworkPrinter) -> None:
    profile = _network(fake_printer.port)
    printer = open_printer(profile)
    sent = printer.print_document(_slip(), job_name="slip-1")
    assert fake_printer.job_received.wait(5)
    assert fake_printer.status_requests == [1, 2, 4]  # profile has DLE EOT: asked before printing
    assert fake_printer.jobs == [render(_slip(), profile)]
    assert sent == len(fake_printer.jobs[0])
    assert [qr.data.decode() for qr in decode(fake_printer.jobs[0]).qr_printed] == [CODE_URL]


def test_status_over_tcp(fake_printer: FakeNetworkPrinter) -> None:
    printer = open_printer(_network(fake_printer.port))
    assert printer.status() == PrinterStatus(online=True)
    fake_printer.paper_out()
    status = printer.status()
    assert status.paper_out and not status.ready and "paper" in status.describe()
    fake_printer.cover_open()
    assert printer.status().cover_open


@pytest.mark.parametrize(("state", "error"), [("paper_out", PaperOut), ("cover_open", CoverOpen)])
def test_job_is_refused_before_sending_when_printer_reports_a_problem(
    fake_printer: FakeNetworkPrinter, state: str, error: type[Exception]
) -> None:
    getattr(fake_printer, state)()
    with pytest.raises(error):
        open_printer(_network(fake_printer.port)).print_document(_slip(), job_name="j")
    assert fake_printer.jobs == []


def test_printer_without_status_support_still_prints(fake_printer: FakeNetworkPrinter) -> None:
    fake_printer.status_replies = None  # silent on DLE EOT
    profile = dataclasses.replace(
        _network(fake_printer.port), connection=NetworkConnection("127.0.0.1", fake_printer.port, 0.2)
    )
    printer = open_printer(profile)
    assert printer.status().known is False
    printer.print_document(_slip(), job_name="j")
    assert fake_printer.job_received.wait(5)
    assert fake_printer.status_requests == [1, 1]  # status(), then the job: each gave up after one silent request
    assert fake_printer.jobs == [render(_slip(), profile)]


def test_closed_port_is_offline(dead_printer: FakeNetworkPrinter) -> None:
    printer = open_printer(_network(dead_printer.port))
    status = printer.status()
    assert not status.online and "127.0.0.1" in status.detail
    with pytest.raises(PrinterOffline, match="refused"):
        printer.print_document(_slip(), job_name="j")


def test_prints_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    profile = find_profile("generic-58mm").with_connection(FileConnection(str(target)))
    printer = EscPosPrinter(profile)
    assert printer.status() == PrinterStatus(online=True, known=False)
    printer.print_document(_slip(), job_name="a")
    printer.print_document(_slip(), job_name="b")
    assert target.read_bytes() == render(_slip(), profile) * 2


def test_missing_device_file_is_offline(tmp_path: Path) -> None:
    profile = find_profile("generic-58mm").with_connection(FileConnection(str(tmp_path / "nope" / "lp0")))
    with pytest.raises(PrinterOffline, match="not present"):
        EscPosPrinter(profile).print_document(_slip(), job_name="a")


def test_virtual_printer_writes_bytes_and_a_png_whose_qr_scans(tmp_path: Path) -> None:
    printer = VirtualPrinter(tmp_path / "virtual")
    sent = printer.print_document(_slip(), job_name="000001-K2026/1")
    files = sorted(p.name for p in (tmp_path / "virtual").iterdir())
    assert files == ["000001-K2026_1.bin", "000001-K2026_1.png"]
    data = (tmp_path / "virtual" / "000001-K2026_1.bin").read_bytes()
    assert len(data) == sent and data == render(_slip(), printer.profile)
    assert [qr.data.decode() for qr in decode(data).qr_printed] == [CODE_URL]
    with Image.open(tmp_path / "virtual" / "000001-K2026_1.png") as png:
        assert png.width == printer.profile.paper.dots
        assert [r.text for r in zxingcpp.read_barcodes(png)] == [CODE_URL]
        # Chinese glyphs were drawn (the preview is not blank text boxes): plenty of ink above the QR.
        assert png.convert("L").crop((0, 0, png.width, 200)).getextrema()[0] == 0


def test_open_printer_anchors_virtual_directory_in_the_data_dir(tmp_path: Path) -> None:
    printer = open_printer(find_profile("virtual"), data_dir=tmp_path)
    assert isinstance(printer, VirtualPrinter) and printer.out_dir == tmp_path / "virtual-printer"


def test_parse_dle_eot() -> None:
    assert parse_dle_eot(0x12, 0x12, 0x12) == PrinterStatus(online=True)
    assert parse_dle_eot(0x32, 0x72, 0x1A).paper_out
    assert parse_dle_eot(0x12, 0x1E, 0x12).paper_low
    assert parse_dle_eot(0x16, 0x12, 0x1A).cover_open
    assert not parse_dle_eot(0x12, 0x12, 0x1A).online
    assert parse_dle_eot(None, None, None).known is False
    assert parse_dle_eot(0xFF, None, None).known is False  # not a status byte


def test_serial_and_usb_need_their_driver_package(monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.printing._escpos import escpos_modules
    from kiosk.printing.errors import PrinterFault
    from kiosk.printing.profiles import SerialConnection, UsbConnection

    escpos_printer = escpos_modules()[1]
    monkeypatch.setattr(escpos_printer.Serial, "is_usable", staticmethod(lambda: False))
    monkeypatch.setattr(escpos_printer.Usb, "is_usable", staticmethod(lambda: False))
    serial = EscPosPrinter(find_profile("generic-58mm").with_connection(SerialConnection("/dev/ttyUSB7")))
    status = serial.status()
    assert not status.online and "pyserial" in status.detail
    with pytest.raises(PrinterFault, match="pyserial"):
        serial.print_document(_slip(), job_name="j")
    usb = EscPosPrinter(find_profile("epson-tm-t20").with_connection(UsbConnection(0x04B8, 0x0E15)))
    with pytest.raises(PrinterFault, match=r"usb 04b8:0e15.*pyusb"):
        usb.print_document(_slip(), job_name="j")
