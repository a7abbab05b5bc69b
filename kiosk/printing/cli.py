"""``kiosk printer-test``: the first thing an installer runs at a shop.

Prints a test page (store header, Chinese and English, a column layout, a QR code, a cut) through a
profile, optionally over another connection, and reports the printer's status. ``--file`` replaces a plain
file's contents unless ``--append`` is given (a device such as ``/dev/usb/lp0`` is simply written to).
Exit codes: 0 printed, 2 bad profile or arguments (one line on stderr), 3 printer not ready (offline, no
paper, cover open), 4 other printer error.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

import platformdirs

from kiosk.clock import CHINA_TZ
from kiosk.commandline import EXIT_USAGE as EXIT_USAGE  # exit codes 0, 2, 3, 4 all importable from here
from kiosk.commandline import ArgumentParser, fail
from kiosk.money import format_yuan
from kiosk.printing.documents import QR, Columns, Cut, Document, Feed, Field, Rule, Text
from kiosk.printing.errors import PrinterError, PrinterUnavailable, ProfileError
from kiosk.printing.printers import open_printer
from kiosk.printing.profiles import Profile, apply_connection_overrides, find_profile

PROG = "kiosk printer-test"
EXIT_OK = 0
EXIT_NOT_READY = 3
EXIT_PRINTER_ERROR = 4

DEFAULT_QR = "weixin://wxpay/bizpayurl?pr=TEST0000"


def test_page(profile: Profile, qr_text: str, now: datetime) -> Document:
    cols = profile.paper.columns
    blocks = (
        Text("打印测试 PRINTER TEST", "center", bold=True, width=2, height=2),
        Text(profile.description, "center"),
        Text(f"{profile.name} · {cols} 列/columns · {profile.paper.dots} dots", "center"),
        Rule("="),
        Text("中文：欢迎光临！￥（全角）标点，。：；"),
        Text("English: The quick brown fox jumps over the lazy dog 0123456789"),
        Text("粗体 Bold", bold=True),
        Text("倍高 Tall", height=2),
        Rule(),
        Columns(("商品 Item", "数量", "金额"), (None, 5, 11), ("left", "right", "right")),
        Columns(("矿泉水 Water", "2", format_yuan(400)), (None, 5, 11), ("left", "right", "right")),
        Columns(
            ("红烧牛肉面（桶装）Instant noodles", "1", format_yuan(650)), (None, 5, 11), ("left", "right", "right")
        ),
        Rule(),
        Field("合计 Total", format_yuan(1050), bold=True),
        Text("|" + ("1234567890" * 10)[: cols - 2] + "|"),
        Feed(1),
        Text(f"QR ({profile.qr.mode}, module {profile.qr.module}, EC {profile.qr.ec}):", "center"),
        QR(qr_text),
        Text(qr_text, "center"),
        Text(now.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S"), "center"),
        Cut(),
    )
    return Document("test_page", blocks)


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog=PROG, description="Print a test page through a printer profile (docs/printing.md).")
    parser.add_argument("--profile", required=True, help="profile name (generic-80mm) or path to a .toml file")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--network", metavar="HOST:PORT", help="print over TCP instead of the profile's connection")
    where.add_argument("--file", metavar="PATH", help="write to a device or file instead (e.g. /dev/usb/lp0)")
    parser.add_argument("--append", action="store_true", help="with --file: add to the file instead of replacing it")
    parser.add_argument("--qr", metavar="TEXT", default=DEFAULT_QR, help="text to encode in the QR code")
    parser.add_argument("--data-dir", metavar="DIR", type=Path, help="where a virtual printer writes its files")
    parser.add_argument("--status-only", action="store_true", help="report the status without printing")
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    if args.network:
        host, sep, port = args.network.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ProfileError("--network", None, f"expected HOST:PORT, got {args.network!r}")
        return {"type": "network", "host": host.strip("[]"), "port": int(port)}
    if args.file:
        if not Path(args.file).expanduser().parent.is_dir():
            raise ProfileError("--file", None, f"the directory of {args.file} does not exist")
        return {"type": "file", "path": args.file}
    return {}


def _empty_if_plain_file(path: Path) -> None:
    """A test page written to a file replaces what was there; a device file (a printer) is left as it is."""
    if path.is_file():
        path.write_bytes(b"")


def printer_test_main(argv: list[str], *, out: TextIO | None = None) -> int:
    stream = out or sys.stdout
    parser = _parser()
    args = parser.parse_args(argv)
    if args.append and not args.file:
        parser.error("--append goes with --file")
    try:
        profile = apply_connection_overrides(
            find_profile(args.profile), _overrides(args), source="command line", prefix=""
        )
    except ProfileError as err:
        return fail(PROG, err)
    data_dir = args.data_dir or Path(platformdirs.user_data_dir("kiosk", appauthor=False))
    printer = open_printer(profile, data_dir=data_dir)
    print(f"profile: {profile.name} ({profile.description}) from {profile.source}", file=stream)
    print(f"connection: {profile.connection}", file=stream)
    status = printer.status()
    print(f"status: {status.describe()}", file=stream)
    if not status.ready:
        print("error: the printer is not ready; nothing was printed", file=stream)
        return EXIT_NOT_READY
    if args.status_only:
        return EXIT_OK
    if args.file and not args.append:
        _empty_if_plain_file(Path(args.file).expanduser())
    try:
        sent = printer.print_document(test_page(profile, args.qr, datetime.now(CHINA_TZ)), job_name="printer-test")
    except PrinterUnavailable as err:
        print(f"error: {err}", file=stream)
        return EXIT_NOT_READY
    except PrinterError as err:
        print(f"error: {err}", file=stream)
        return EXIT_PRINTER_ERROR
    print(f"printed: test page, {sent} bytes", file=stream)
    if hasattr(printer, "out_dir"):
        print(f"preview: {printer.out_dir / 'printer-test.png'}", file=stream)
    print("check: Chinese text is readable, the columns line up, the QR scans, the paper was cut", file=stream)
    return EXIT_OK
