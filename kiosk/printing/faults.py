"""Printer faults in the clerk's words: what is wrong and what to do, as data for the UI's banner.

The print queue records a :class:`FaultKind` with every job the printer held up (``PrintJob.fault``);
:func:`advice_for` gives the words, in Chinese and English, for the banner that offers Retry and
"skip this receipt". The kind is the stable key (UI code, tests, logs); the words are for people.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kiosk.printing.errors import (
    CoverOpen,
    PaperOut,
    PrinterError,
    PrinterFault,
    PrinterMalfunction,
    PrinterOffline,
)


class FaultKind(StrEnum):
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    #: Switched off, cable out, unreachable on the network, USB device gone.
    OFFLINE = "offline"
    #: The printer reports an error of its own (cutter jam, print head too hot).
    PRINTER_ERROR = "printer_error"
    #: Permanent: wrong device path, no permission, driver library missing; retrying does not help.
    SETUP = "setup"
    #: This document cannot be printed at all (the printer is fine; later jobs go on).
    JOB_FAILED = "job_failed"


@dataclass(frozen=True)
class FaultAdvice:
    """What the clerk sees: ``title`` names the fault, ``action`` says what to do (both languages)."""

    kind: FaultKind
    title_zh: str
    title_en: str
    action_zh: str
    action_en: str

    def title(self, language: str) -> str:
        return self.title_zh if language.startswith("zh") else self.title_en

    def action(self, language: str) -> str:
        return self.action_zh if language.startswith("zh") else self.action_en


_ADVICE = {
    FaultKind.PAPER_OUT: FaultAdvice(
        FaultKind.PAPER_OUT,
        "缺纸",
        "Out of paper",
        "请装入新纸卷并合上纸仓盖，然后点“重试”。",
        "Load a new paper roll, close the cover, then tap Retry.",
    ),
    FaultKind.COVER_OPEN: FaultAdvice(
        FaultKind.COVER_OPEN,
        "纸仓盖打开",
        "Printer cover open",
        "请合上打印机纸仓盖，然后点“重试”。",
        "Close the printer cover, then tap Retry.",
    ),
    FaultKind.OFFLINE: FaultAdvice(
        FaultKind.OFFLINE,
        "打印机未连接",
        "Printer not connected",
        "请检查打印机电源是否打开、连接线（网线或 USB）是否插好，然后点“重试”。",
        "Check that the printer is switched on and its cable (network or USB) is plugged in, then tap Retry.",
    ),
    FaultKind.PRINTER_ERROR: FaultAdvice(
        FaultKind.PRINTER_ERROR,
        "打印机故障",
        "Printer error",
        "请关闭打印机电源，清除卡纸或等待打印头冷却，再开机后点“重试”。",
        "Switch the printer off, clear any paper jam or let the print head cool, switch it on and tap Retry.",
    ),
    FaultKind.SETUP: FaultAdvice(
        FaultKind.SETUP,
        "打印机设置有误",
        "Printer set-up problem",
        "请联系安装人员检查打印机设置；可先点“跳过此单”继续收款。",
        "Ask the installer to check the printer settings; tap Skip this receipt to keep selling.",
    ),
    FaultKind.JOB_FAILED: FaultAdvice(
        FaultKind.JOB_FAILED,
        "此单无法打印",
        "This receipt cannot be printed",
        "请点“跳过此单”，并告知技术支持。",
        "Tap Skip this receipt and tell support.",
    ),
}


def advice_for(kind: FaultKind | str) -> FaultAdvice:
    return _ADVICE[FaultKind(kind)]


def fault_of(error: BaseException) -> FaultKind:
    """The kind of fault an exception from a printer means (anything that is not a printer error: the job)."""
    match error:
        case PaperOut():
            return FaultKind.PAPER_OUT
        case CoverOpen():
            return FaultKind.COVER_OPEN
        case PrinterMalfunction():
            return FaultKind.PRINTER_ERROR
        case PrinterOffline():
            return FaultKind.OFFLINE
        case PrinterFault():
            return FaultKind.SETUP
        case PrinterError():
            return FaultKind.OFFLINE
    return FaultKind.JOB_FAILED
