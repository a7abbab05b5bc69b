"""Receipt printing: printer profiles, receipt layout, ESC/POS rendering, the print queue.

No Qt here. The UI reads queue state through :meth:`PrintQueue.add_listener` (called on the worker thread).
python-escpos is imported lazily, through :mod:`kiosk.printing._escpos`.
"""

from kiosk.printing.documents import (
    Document,
    ReceiptItem,
    StoreInfo,
    paid_receipt,
    payment_slip,
    refund_slip,
)
from kiosk.printing.errors import (
    CoverOpen,
    PaperOut,
    PrinterError,
    PrinterFault,
    PrinterMalfunction,
    PrinterOffline,
    PrinterUnavailable,
    PrintingError,
    ProfileError,
    RenderError,
)
from kiosk.printing.escpos_render import render
from kiosk.printing.faults import FaultAdvice, FaultKind, advice_for, fault_of
from kiosk.printing.fonts import cjk_font_path
from kiosk.printing.printers import EscPosPrinter, Printer, PrinterStatus, VirtualPrinter, open_printer
from kiosk.printing.profiles import Profile, find_profile, load_printer_settings
from kiosk.printing.queue import PrintJob, PrintQueue

__all__ = [
    "CoverOpen",
    "Document",
    "EscPosPrinter",
    "FaultAdvice",
    "FaultKind",
    "PaperOut",
    "PrintJob",
    "PrintQueue",
    "Printer",
    "PrinterError",
    "PrinterFault",
    "PrinterMalfunction",
    "PrinterOffline",
    "PrinterStatus",
    "PrinterUnavailable",
    "PrintingError",
    "Profile",
    "ProfileError",
    "ReceiptItem",
    "RenderError",
    "StoreInfo",
    "VirtualPrinter",
    "advice_for",
    "cjk_font_path",
    "fault_of",
    "find_profile",
    "load_printer_settings",
    "open_printer",
    "paid_receipt",
    "payment_slip",
    "refund_slip",
    "render",
]
