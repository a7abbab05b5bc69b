"""Payment codes at the kiosk (付款码): what a scanned code is, why one is refused, and the two methods' names.

The clerk's scanner types a customer's code into the same field as product barcodes; ``SaleView.submit_code``
asks :func:`scanned_payment_code` before any catalogue lookup. A WeChat Pay code charges the cart at once
(``KioskCore.charge_code``); an Alipay or UnionPay code is refused with the shop's words (``[payment]
other_wallet_message``, :class:`OtherWallet`); anything else is a product code.

The code is a secret for the minute it lives: the kiosk keeps it in memory until the relay has it, and journals,
logs and shows only :attr:`ScannedCode.masked` (all but the last four digits hidden).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from kiosk.checkout.errors import CheckoutError
from kiosk.trade import TradeType
from kiosk.wechatpay.paycode import PaymentCodeKind, classify_payment_code, mask_payment_code, normalize_payment_code

#: What an Alipay or UnionPay code gets when ``[payment] other_wallet_message`` is not set.
DEFAULT_OTHER_WALLET_MESSAGE = "本店仅支持微信支付"
#: The kiosk's own limit for a payment-code order. The relay settles one within about 45 s (30 s for the customer's
#: password, then the reverse); past this the kiosk asks the relay, and ends (and so reverses) one still open.
CODEPAY_WINDOW = timedelta(seconds=60)

#: The payment method as paper and spreadsheets name it (Chinese first, like the receipts).
METHOD_LABELS: dict[str, str] = {
    TradeType.NATIVE: "微信扫码 WeChat QR",
    TradeType.MICROPAY: "微信付款码 Quick Pay",  # WeChat Pay's own English name for 付款码支付
}


class PaymentCodeRefused(CheckoutError):
    """A scanned payment code the kiosk does not charge."""


class OtherWallet(PaymentCodeRefused):
    """An Alipay or UnionPay code: the message is the shop's (``[payment] other_wallet_message``), or the default
    (``configured`` False: the UI shows it in the kiosk's language)."""

    def __init__(self, kind: PaymentCodeKind, message: str | None = None):
        super().__init__(message or DEFAULT_OTHER_WALLET_MESSAGE)
        self.kind = kind
        self.configured = message is not None


class PaymentInFlight(PaymentCodeRefused):
    """A payment for this kiosk's order is under way: a second code would charge the customer twice."""


@dataclass(frozen=True)
class ScannedCode:
    """A scanned payment code, normalized (the scanner's CR/LF and the grouping spaces removed)."""

    kind: PaymentCodeKind
    code: str = field(repr=False)

    @property
    def masked(self) -> str:
        return mask_payment_code(self.code)

    @property
    def is_wechat(self) -> bool:
        return self.kind is PaymentCodeKind.WECHAT


def scanned_payment_code(text: str) -> ScannedCode | None:
    """The customer's payment code in ``text``, or None when it is no payment code (a product's barcode)."""
    code = normalize_payment_code(text)
    kind = classify_payment_code(code)
    return None if kind is PaymentCodeKind.OTHER else ScannedCode(kind, code)


def method_label(method: str) -> str:
    return METHOD_LABELS.get(method, method)


@dataclass(frozen=True)
class TrainingScenario:
    """One of the sandbox's customers (a scenario of its payment-code generator), for training mode."""

    name: str
    zh: str
    en: str

    def label(self, language: str) -> str:
        return self.zh if language == "zh_CN" else self.en
