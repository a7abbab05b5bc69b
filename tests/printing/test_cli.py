from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from kiosk.printing.cli import EXIT_NOT_READY, EXIT_OK, EXIT_USAGE, printer_test_main
from tests.printing.escpos_decoder import decode
from tests.printing.fake_printer import FakeNetworkPrinter


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = printer_test_main(list(argv), out=out)
    return code, out.getvalue()


def test_test_page_over_the_network(fake_printer: FakeNetworkPrinter) -> None:
    code, output = _run("--profile", "generic-80mm", "--network", fake_printer.address, "--qr", "hello 你好")
    assert code == EXIT_OK, output
    assert "status: 正常 ready" in output and "printed: test page" in output
    assert fake_printer.job_received.wait(5)
    page = decode(fake_printer.jobs[0])
    assert [qr.data.decode() for qr in page.qr_printed] == ["hello 你好"]
    assert "打印测试 PRINTER TEST" in page.texts and any(t.startswith("中文：欢迎光临") for t in page.texts)
    assert page.cuts == ["partial"]
    ruler = next(t for t in page.texts if t.startswith("|"))
    assert len(ruler) == 48 and ruler.endswith("|")


def test_test_page_to_a_file_in_image_qr_mode(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    code, output = _run("--profile", "generic-58mm", "--file", str(target), "--qr", "SCAN-ME-123")
    assert code == EXIT_OK, output
    assert "status not reported" in output
    page = decode(target.read_bytes())
    assert [r.text for raster in page.images for r in zxingcpp.read_barcodes(raster.image)] == ["SCAN-ME-123"]


def test_unreachable_printer_fails_clearly(dead_printer: FakeNetworkPrinter) -> None:
    code, output = _run("--profile", "generic-80mm", "--network", dead_printer.address)
    assert code == EXIT_NOT_READY
    assert "printer offline" in output and dead_printer.address in output and "nothing was printed" in output


def test_out_of_paper_fails_clearly(fake_printer: FakeNetworkPrinter) -> None:
    fake_printer.paper_out()
    code, output = _run("--profile", "generic-80mm", "--network", fake_printer.address)
    assert code == EXIT_NOT_READY and "out of paper" in output
    assert fake_printer.jobs == []


def test_bad_profile_and_bad_address(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('description = "x"\n', encoding="utf-8")
    for argv, problem in (
        (["--profile", "no-such-printer"], "no printer profile"),
        (["--profile", "generic-80mm", "--network", "printer-without-port"], "HOST:PORT"),
        (["--profile", str(bad)], f"{bad}: escpos_profile: missing"),
        (["--profile", "generic-58mm", "--file", str(tmp_path / "no-dir" / "lp0")], "does not exist"),
    ):
        code, output = _run(*argv)
        error = capsys.readouterr().err
        assert code == EXIT_USAGE and output == ""
        assert error.startswith("kiosk printer-test: ") and problem in error and error.count("\n") == 1


def test_a_file_is_replaced_unless_appending(tmp_path: Path) -> None:
    target = tmp_path / "page.bin"
    target.write_bytes(b"an older page")
    assert _run("--profile", "generic-58mm", "--file", str(target))[0] == EXIT_OK
    once = target.read_bytes()
    assert not once.startswith(b"an older page") and "打印测试".encode("gbk") in once
    assert _run("--profile", "generic-58mm", "--file", str(target))[0] == EXIT_OK
    assert len(target.read_bytes()) == len(once)  # replaced, not added to
    assert _run("--profile", "generic-58mm", "--file", str(target), "--append")[0] == EXIT_OK
    assert len(target.read_bytes()) == 2 * len(once)


def test_virtual_profile_writes_a_preview(tmp_path: Path) -> None:
    code, output = _run("--profile", "virtual", "--data-dir", str(tmp_path), "--qr", "virtual-qr")
    assert code == EXIT_OK, output
    png = tmp_path / "virtual-printer" / "printer-test.png"
    assert f"preview: {png}" in output
    with Image.open(png) as image:
        assert [r.text for r in zxingcpp.read_barcodes(image)] == ["virtual-qr"]


def test_kiosk_command_dispatches_printer_test(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "printer-test", "--profile", "virtual", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "printed: test page" in result.stdout
    assert (tmp_path / "virtual-printer" / "printer-test.bin").is_file()


def test_status_only_prints_nothing(fake_printer: FakeNetworkPrinter) -> None:
    code, output = _run("--profile", "generic-80mm", "--network", fake_printer.address, "--status-only")
    assert code == EXIT_OK and "status: 正常 ready" in output and "printed" not in output
    assert fake_printer.status_requests == [1, 2, 4] and fake_printer.jobs == []
