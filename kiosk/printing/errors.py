"""Exceptions of ``kiosk.printing``.

::

    PrintingError
    ├── ProfileError            a printer profile or the [printer] settings are invalid
    ├── RenderError             a document cannot be turned into printer bytes
    └── PrinterError            talking to the printer failed
        ├── PrinterUnavailable  transient: retried by the print queue
        │   ├── PrinterOffline  unreachable, powered off, cable out, timed out
        │   ├── PaperOut        the roll is empty (DLE EOT)
        │   ├── CoverOpen       the cover is open (DLE EOT)
        │   └── PrinterMalfunction  the printer reports an error: cutter jam, overheating (DLE EOT)
        └── PrinterFault        permanent: bad device path, missing driver; needs the installer
"""

from __future__ import annotations

from pathlib import Path


class PrintingError(Exception):
    """Base class of every error raised by ``kiosk.printing``."""


class ProfileError(PrintingError):
    """A profile file (or the kiosk's ``[printer]`` table) is invalid; names the source and the key."""

    def __init__(self, source: Path | str, key: str | None, message: str) -> None:
        self.source = str(source)
        self.key = key
        self.message = message
        where = f"{self.source}: {key}" if key else self.source
        super().__init__(f"{where}: {message}")


class RenderError(PrintingError):
    """A document cannot be rendered for this printer (for instance an image wider than the paper)."""


class PrinterError(PrintingError):
    """Talking to the printer failed."""


class PrinterUnavailable(PrinterError):
    """The printer cannot print right now; trying again later may succeed."""


class PrinterOffline(PrinterUnavailable):
    """The printer is unreachable, powered off or not answering."""


class PaperOut(PrinterUnavailable):
    """The printer reports that its paper roll is empty."""


class CoverOpen(PrinterUnavailable):
    """The printer reports that its cover is open."""


class PrinterMalfunction(PrinterUnavailable):
    """The printer reports an error of its own (cutter jammed, print head too hot); it may clear by itself."""


class PrinterFault(PrinterError):
    """A permanent problem (bad device, missing driver library) that retrying will not fix."""
