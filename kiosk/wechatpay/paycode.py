"""Scanned payment codes, by their shape alone: which wallet a code belongs to, and how to show it safely.

Pure and free of the rest of the library, so the kiosk side can refuse another wallet's code before anything is
sent, and mask codes in its journal and logs.
"""

from __future__ import annotations

import enum
import re

_WECHAT = re.compile(r"1[0-5][0-9]{16}")
_ALIPAY = re.compile(r"(2[5-9]|30)[0-9]{14,22}|fp[0-9A-Za-z]{33}")
_UNIONPAY = re.compile(r"62[0-9]{17}")
_WHITESPACE = re.compile(r"\s+")


class PaymentCodeKind(enum.StrEnum):
    """What a scanned code is, by its shape alone."""

    WECHAT = "wechat"  # 18 digits, starting 10–15
    ALIPAY = "alipay"  # 16–24 digits starting 25–30, or a face-pay token "fp…" (35 characters)
    UNIONPAY = "unionpay"  # 19 digits starting 62 (云闪付)
    OTHER = "other"  # anything else: a product barcode, a typo, a foreign wallet


def normalize_payment_code(text: str) -> str:
    """The code as sent: whitespace removed (scanners append CR/LF; the digits under a barcode are grouped)."""
    return _WHITESPACE.sub("", text)


def classify_payment_code(text: str) -> PaymentCodeKind:
    """Classify a scanned text (normalized first); pure, so the kiosk can refuse other wallets before anything
    is sent."""
    code = normalize_payment_code(text)
    if _WECHAT.fullmatch(code):
        return PaymentCodeKind.WECHAT
    if _ALIPAY.fullmatch(code):
        return PaymentCodeKind.ALIPAY
    if _UNIONPAY.fullmatch(code):
        return PaymentCodeKind.UNIONPAY
    return PaymentCodeKind.OTHER


def mask_payment_code(code: str) -> str:
    """All but the last four characters as ``*``: safe for logs, journals and receipts."""
    visible = code[-4:] if len(code) > 4 else ""
    return "*" * (len(code) - len(visible)) + visible
