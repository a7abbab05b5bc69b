"""Printers: where rendered bytes go, and what the printer says about itself.

A :class:`Printer` prints a :class:`~kiosk.printing.documents.Document` as one job and reports a
:class:`PrinterStatus`. :func:`open_printer` builds one from a profile: a raw TCP socket for ``network``
(short timeouts), a device or plain file for ``file``, python-escpos classes (imported only when used)
for ``serial``/``usb``/``cups``/``win32``, and :class:`VirtualPrinter` for ``virtual``.
"""

from __future__ import annotations

import contextlib
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kiosk.printing.documents import Document
from kiosk.printing.errors import CoverOpen, PaperOut, PrinterError, PrinterFault, PrinterMalfunction, PrinterOffline
from kiosk.printing.escpos_render import render
from kiosk.printing.profiles import (
    CupsConnection,
    FileConnection,
    NetworkConnection,
    Profile,
    SerialConnection,
    UsbConnection,
    VirtualConnection,
    Win32Connection,
)

DLE_EOT = b"\x10\x04"


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer reported. ``known`` is False when the connection cannot read status back."""

    online: bool
    known: bool = True
    paper_out: bool = False
    paper_low: bool = False
    cover_open: bool = False
    error: bool = False
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.online and not (self.paper_out or self.cover_open or self.error)

    def describe(self) -> str:
        """A short bilingual message for the clerk or installer."""
        if not self.online:
            return f"打印机离线 printer offline{': ' + self.detail if self.detail else ''}"
        if self.cover_open:
            return "打印机盖未关 cover open"
        if self.paper_out:
            return "打印纸用完 out of paper"
        if self.error:
            return "打印机故障 printer error"
        if not self.known:
            return "已连接 (状态未知) connected, status not reported"
        if self.paper_low:
            return "打印纸将尽 paper low"
        return "正常 ready"

    def raise_if_unavailable(self) -> None:
        if not self.online:
            raise PrinterOffline(self.describe())
        if self.cover_open:
            raise CoverOpen(self.describe())
        if self.paper_out:
            raise PaperOut(self.describe())
        if self.error:
            raise PrinterMalfunction(self.describe())


def parse_dle_eot(offline_cause: int | None, paper: int | None, printer: int | None = None) -> PrinterStatus:
    """Status from DLE EOT replies: n=1 (printer), n=2 (offline cause), n=4 (paper roll sensor).

    Each reply byte has bits 1 and 4 set and bits 0 and 7 clear; anything else is not a status byte.
    """

    def valid(byte: int | None) -> bool:
        return byte is not None and byte & 0x93 == 0x12

    if not any(valid(b) for b in (offline_cause, paper, printer)):
        return PrinterStatus(online=True, known=False, detail="no DLE EOT reply")
    offline = valid(printer) and bool(printer and printer & 0x08)
    cover = valid(offline_cause) and bool(offline_cause and offline_cause & 0x04)
    error = valid(offline_cause) and bool(offline_cause and offline_cause & 0x40)
    paper_end = (valid(offline_cause) and bool(offline_cause and offline_cause & 0x20)) or (
        valid(paper) and bool(paper and paper & 0x60 == 0x60)
    )
    paper_low = valid(paper) and bool(paper and paper & 0x0C == 0x0C)
    # "Offline" with a known cause is reported as that cause.
    online = not offline or cover or paper_end
    return PrinterStatus(
        online=online, paper_out=paper_end, paper_low=paper_low, cover_open=cover, error=error and not paper_end
    )


class Printer(Protocol):
    profile: Profile

    def status(self) -> PrinterStatus:
        """Ask the printer how it is (raises nothing for an unreachable printer: ``online`` is False)."""
        ...

    def print_document(self, document: Document, *, job_name: str) -> int:
        """Print one job; returns the number of bytes the printer accepted. Raises PrinterError."""
        ...


# ---------------------------------------------------------------------------------------------- transports


class Channel(Protocol):
    def write(self, data: bytes) -> None: ...

    def read_byte(self) -> int | None:
        """One status byte, or ``None`` if nothing arrives in time or the channel cannot read."""
        ...


class Transport(Protocol):
    def open(self) -> contextlib.AbstractContextManager[Channel]: ...


class _SocketChannel:
    def __init__(self, sock: socket.socket, target: str) -> None:
        self.sock = sock
        self.target = target

    def write(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as err:
            raise PrinterOffline(f"{self.target}: {err}") from err

    def read_byte(self) -> int | None:
        try:
            data = self.sock.recv(1)
        except (TimeoutError, OSError):
            return None
        return data[0] if data else None


class NetworkTransport:
    """Raw TCP (port 9100, "JetDirect"): one connection per job, short timeouts so an offline printer
    is noticed in seconds rather than python-escpos's 60."""

    def __init__(self, host: str, port: int = 9100, timeout: float = 3.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout

    @property
    def target(self) -> str:
        return f"{self.host}:{self.port}"

    @contextlib.contextmanager
    def open(self) -> Iterator[Channel]:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as err:
            raise PrinterOffline(f"{self.target}: {err.strerror or err}") from err
        try:
            yield _SocketChannel(sock, self.target)
            # Half-close and give the printer a moment to close its side: the bytes have then left our
            # buffers. Printers that keep the connection open only cost this short wait.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
                sock.settimeout(min(self.timeout, 1.0))
                while sock.recv(256):
                    pass
        finally:
            sock.close()


class _FileChannel:
    def __init__(self, handle: Any, target: str) -> None:
        self.handle = handle
        self.target = target

    def write(self, data: bytes) -> None:
        try:
            self.handle.write(data)
            self.handle.flush()
        except OSError as err:
            raise PrinterOffline(f"{self.target}: {err.strerror or err}") from err

    def read_byte(self) -> int | None:
        return None


class FileTransport:
    """A device file (``/dev/usb/lp0``, a parallel port) or a plain file (tests, spooling)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def open(self) -> Iterator[Channel]:
        try:
            handle = self.path.open("ab")
        except FileNotFoundError as err:
            # A USB printer unplugged or switched off makes its device file disappear: transient.
            raise PrinterOffline(f"{self.path}: not present") from err
        except PermissionError as err:
            raise PrinterFault(f"{self.path}: permission denied (add the kiosk user to group 'lp')") from err
        except OSError as err:
            raise PrinterOffline(f"{self.path}: {err.strerror or err}") from err
        with handle:
            yield _FileChannel(handle, str(self.path))


class _EscposChannel:
    def __init__(self, device: Any, target: str) -> None:
        self.device = device
        self.target = target

    def write(self, data: bytes) -> None:
        try:
            self.device._raw(data)
        except Exception as err:  # python-escpos raises many kinds; all mean "did not print"
            raise PrinterOffline(f"{self.target}: {err}") from err

    def read_byte(self) -> int | None:
        try:
            data = self.device._read()
        except Exception:
            return None
        return data[0] if data else None


class EscposTransport:
    """Serial, USB, CUPS and Win32 through python-escpos's classes (their libraries load lazily)."""

    def __init__(self, kind: str, target: str, **kwargs: Any) -> None:
        self.kind = kind
        self.target = target
        self.kwargs = kwargs

    def _device(self) -> Any:
        from kiosk.printing._escpos import escpos_modules

        printer = escpos_modules()[1]
        cls = {"serial": "Serial", "usb": "Usb", "cups": "CupsPrinter", "win32": "Win32Raw"}[self.kind]
        factory = getattr(printer, cls)
        if hasattr(factory, "is_usable") and not factory.is_usable():
            extra = {"serial": "pyserial", "usb": "pyusb", "cups": "pycups", "win32": "pywin32"}[self.kind]
            raise PrinterFault(f"{self.target}: the {self.kind} connection needs the '{extra}' package")
        return factory(**self.kwargs)

    @contextlib.contextmanager
    def open(self) -> Iterator[Channel]:
        device = self._device()
        try:
            device.open(raise_not_found=True)
        except PrinterError:
            raise
        except Exception as err:
            raise PrinterOffline(f"{self.target}: {err}") from err
        try:
            yield _EscposChannel(device, self.target)
        finally:
            with contextlib.suppress(Exception):
                device.close()


def transport_for(profile: Profile) -> Transport:
    match profile.connection:
        case NetworkConnection(host=host, port=port, timeout=timeout):
            return NetworkTransport(host, port, timeout)
        case FileConnection(path=path):
            return FileTransport(Path(path))
        case SerialConnection(port=port, baudrate=baudrate, timeout=timeout):
            return EscposTransport("serial", port, devfile=port, baudrate=baudrate, timeout=timeout)
        case UsbConnection(vendor_id=vendor, product_id=product, in_ep=in_ep, out_ep=out_ep):
            return EscposTransport(
                "usb", f"usb {vendor:04x}:{product:04x}", idVendor=vendor, idProduct=product, in_ep=in_ep, out_ep=out_ep
            )
        case CupsConnection(queue=queue):
            return EscposTransport("cups", f"cups {queue}", printer_name=queue)
        case Win32Connection(printer=name):
            return EscposTransport("win32", name, printer_name=name)
    raise PrinterFault(f"{profile.source}: no transport for a {profile.connection.type} connection")


# ---------------------------------------------------------------------------------------------- printers


class EscPosPrinter:
    """A real printer: renders with the profile and sends the job over a transport."""

    def __init__(self, profile: Profile, transport: Transport | None = None) -> None:
        self.profile = profile
        self.transport = transport if transport is not None else transport_for(profile)

    def _query(self, channel: Channel) -> PrinterStatus:
        replies: dict[int, int | None] = {}
        for n in (1, 2, 4):
            channel.write(DLE_EOT + bytes((n,)))
            replies[n] = channel.read_byte()
            if replies[n] is None:
                break  # a silent printer: do not wait out the timeout three times
        return parse_dle_eot(replies.get(2), replies.get(4), replies.get(1))

    def status(self) -> PrinterStatus:
        try:
            with self.transport.open() as channel:
                if not self.profile.dle_eot:
                    return PrinterStatus(online=True, known=False)
                return self._query(channel)
        except PrinterError as err:
            return PrinterStatus(online=False, detail=str(err))

    def print_document(self, document: Document, *, job_name: str) -> int:
        data = render(document, self.profile)
        with self.transport.open() as channel:
            if self.profile.dle_eot:
                self._query(channel).raise_if_unavailable()
            channel.write(data)
        return len(data)


_SAFE_NAME = re.compile(r"[^0-9A-Za-z._-]+")


def safe_job_name(name: str) -> str:
    """A file-name-safe form of a job name (job keys may contain ':' or '/')."""
    return _SAFE_NAME.sub("_", name).strip("._") or "job"


#: What :attr:`VirtualPrinter.fault` can simulate, as the status a real printer would report.
VIRTUAL_FAULTS: dict[str, PrinterStatus] = {
    "paper_out": PrinterStatus(online=True, paper_out=True),
    "cover_open": PrinterStatus(online=True, cover_open=True),
    "offline": PrinterStatus(online=False, detail="virtual printer switched off"),
    "printer_error": PrinterStatus(online=True, error=True),
}


class VirtualPrinter:
    """Training mode and tests: each job's raw bytes go to ``<job>.bin`` and a preview to ``<job>.png``.

    Set :attr:`fault` to one of :data:`VIRTUAL_FAULTS` (``"paper_out"``, ``"cover_open"``, ``"offline"``,
    ``"printer_error"``) to make it behave like a real printer in that state until it is set back to ``None``:
    a trainee practises the clerk's side of a printer fault, tests drive the print queue through one."""

    def __init__(self, out_dir: Path, profile: Profile | None = None) -> None:
        from kiosk.printing.profiles import find_profile

        self.out_dir = Path(out_dir)
        self.profile = profile if profile is not None else find_profile("virtual")
        self._fault: str | None = None

    @property
    def fault(self) -> str | None:
        return self._fault

    @fault.setter
    def fault(self, fault: str | None) -> None:
        if fault is not None and fault not in VIRTUAL_FAULTS:
            raise ValueError(f"unknown virtual printer fault {fault!r} (known: {', '.join(VIRTUAL_FAULTS)})")
        self._fault = fault

    def status(self) -> PrinterStatus:
        fault = self._fault
        return PrinterStatus(online=True) if fault is None else VIRTUAL_FAULTS[fault]

    def print_document(self, document: Document, *, job_name: str) -> int:
        from kiosk.printing.preview import render_preview

        self.status().raise_if_unavailable()
        data = render(document, self.profile)
        name = safe_job_name(job_name)
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            # Write-then-rename so a half-written preview is never shown as the printed slip.
            for suffix, write in (
                (".png", lambda p: render_preview(document, self.profile).save(p, format="PNG")),
                (".bin", lambda p: p.write_bytes(data)),
            ):
                final = self.out_dir / f"{name}{suffix}"
                partial = final.with_name(final.name + ".part")
                write(partial)
                partial.replace(final)
        except OSError as err:
            raise PrinterFault(f"{self.out_dir}: {err.strerror or err}") from err
        return len(data)


def open_printer(profile: Profile, *, data_dir: Path | None = None) -> Printer:
    """The printer a profile describes; ``data_dir`` anchors a virtual printer's relative directory."""
    if isinstance(profile.connection, VirtualConnection):
        directory = Path(profile.connection.directory).expanduser()
        if not directory.is_absolute():
            directory = (data_dir or Path.cwd()) / directory
        return VirtualPrinter(directory, profile)
    return EscPosPrinter(profile)
