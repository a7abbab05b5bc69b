"""The clerk's words for what the core says: errors in plain words (never an exception's name, a WeChat Pay
code or a term of the software's own), orders by their short number, times in Beijing time, an order's goods
on one line, how an order was paid, and why a payment code took nothing with what to ask the customer next
(and the same said to the customer, for the customer display).

The technical detail goes to the log; the clerk reads what happened and what to do. The words for the
payment server (the relay) are 收款服务器 / "payment server" everywhere on the cashier screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import QCoreApplication

from kiosk.checkout import (
    CartError,
    CheckoutError,
    CoreError,
    RelayError,
    RelayRejected,
    RelayUnavailable,
)
from kiosk.checkout.events import ORDER_REFUSED_ERROR, PRINT_ERROR, PRINTER_SETUP_ERROR, IdentityMismatch
from kiosk.checkout.session import State
from kiosk.checkout.session_manager import SessionError
from kiosk.checkout.trade_no import short_trade_no
from kiosk.clock import CHINA_TZ
from kiosk.journal import OrderItemRow
from kiosk.printing import PrinterError
from kiosk.trade import CodePayFailure, NextStep, TradeType, next_step

# At most this many goods are named in a one-line summary; the rest are counted (a plain comment: lupdate
# would give a "#:" one to the next translated string as a note for translators).
GOODS_NAMED = 2


def short(out_trade_no: str) -> str:
    """The number a clerk calls an order by (the last five characters, as on slips and receipts)."""
    return short_trade_no(out_trade_no)


def clock_time(moment: datetime, *, seconds: bool = False) -> str:
    """``14:03``, in Beijing time whatever the computer's time zone; ``14:03:27`` with ``seconds`` (lists of
    orders, where two in the same minute are common)."""
    return moment.astimezone(CHINA_TZ).strftime("%H:%M:%S" if seconds else "%H:%M")


def format_countdown(seconds: float) -> str:
    """``4:59``: the time left of a QR or of a customer's password, rounded up ("0:00" only once it is up)."""
    whole = max(int(seconds + 0.999), 0)
    return f"{whole // 60}:{whole % 60:02d}"


def state_text(state: State) -> str:
    """An order's state in the kiosk's own record: one word for each on every screen (payment, paid, orders,
    manager), so that the same order never reads two ways."""
    texts = {
        State.DRAFT: QCoreApplication.translate("Words", "Not charged"),
        State.CREATING: QCoreApplication.translate("Words", "Being created"),
        State.PENDING_CREATION: QCoreApplication.translate("Words", "Waiting for the payment server"),
        State.AWAITING_PAYMENT: QCoreApplication.translate("Words", "Awaiting payment"),
        State.PAID: QCoreApplication.translate("Words", "Paid"),
        State.PAID_AFTER_CANCEL: QCoreApplication.translate("Words", "Paid after cancel"),
        State.CANCELLED: QCoreApplication.translate("Words", "Cancelled"),
        State.EXPIRED: QCoreApplication.translate("Words", "Expired"),
        State.FAILED: QCoreApplication.translate("Words", "Failed"),
    }
    return texts[state]


def goods_line(items: Sequence[OrderItemRow], language: str) -> str:
    """``可口可乐 330ml ×2、拿铁（中杯） ×1`` — the first few goods, then how many more."""
    english = not language.startswith("zh")
    names = [f"{item.name_en if english else item.name_zh} ×{item.quantity}" for item in items[:GOODS_NAMED]]
    line = (", " if english else "、").join(names)
    more = len(items) - GOODS_NAMED
    if more > 0:
        line += QCoreApplication.translate("Words", " and {0} more").format(more)
    return line


def error_text(error: BaseException) -> str:
    """What went wrong, in the clerk's words (the exception itself is for the log)."""
    match error:
        case RelayUnavailable():
            return QCoreApplication.translate("Words", "the payment server cannot be reached")
        case RelayRejected() | RelayError():
            return QCoreApplication.translate("Words", "the payment server turned the request down")
        case SessionError():
            return QCoreApplication.translate("Words", "not possible for this order now")
        case CartError():
            return QCoreApplication.translate("Words", "the cart cannot be charged as it is")
        case PrinterError():
            return QCoreApplication.translate("Words", "the printer is not ready")
        case CheckoutError():
            return QCoreApplication.translate("Words", "the kiosk could not do it")
    return QCoreApplication.translate("Words", "something went wrong; the details are in the log")


def core_error_text(event: CoreError) -> str:
    """A background failure the core reported, for the notice bar."""
    number = short(event.out_trade_no) if event.out_trade_no else ""
    if event.kind == ORDER_REFUSED_ERROR:
        return QCoreApplication.translate(
            "Words", "The payment server refused order {0}. Charge again, or call the manager if it repeats."
        ).format(number)
    if event.kind == PRINT_ERROR:
        return QCoreApplication.translate(
            "Words", "The receipt of order {0} could not be sent to the printer; the kiosk keeps trying."
        ).format(number)
    if event.kind == PRINTER_SETUP_ERROR:
        return QCoreApplication.translate(
            "Words", "The printer could not be set up: selling goes on without printing. Call the installer."
        )
    if number:
        text = QCoreApplication.translate("Words", "Something went wrong with order {0}; the details are in the log.")
        return text.format(number)
    return QCoreApplication.translate("Words", "Something went wrong; the details are in the log.")


def mismatch_text(mismatch: IdentityMismatch) -> str:
    """Charging is off because kiosk.toml and the payment server name this kiosk differently: both names, and
    who can fix it (the banner and the notice of a refused Charge say the same)."""
    return QCoreApplication.translate(
        "Words",
        "Charging is off: this kiosk is set up as {0}, the payment server knows it as {1}. "
        "Ask the installer to make the kiosk's and the payment server's settings agree.",
    ).format(mismatch.configured, mismatch.relay)


# ---- the payment code (付款码) ----------------------------------------------------------------------


def code_failure_text(failure: str | None) -> str:
    """Why nothing was taken, in plain words for the clerk (and the customer standing there)."""
    texts = {
        CodePayFailure.INSUFFICIENT_FUNDS: QCoreApplication.translate(
            "Words", "Not enough money on the customer's card"
        ),
        CodePayFailure.PAYMENT_FAILED: QCoreApplication.translate("Words", "The customer's bank declined the payment"),
        CodePayFailure.CODE_REJECTED: QCoreApplication.translate(
            "Words", "The payment code is invalid, expired or already used"
        ),
        CodePayFailure.NOT_CONFIRMED: QCoreApplication.translate(
            "Words", "The customer did not confirm the payment in time"
        ),
        CodePayFailure.CANCELLED: QCoreApplication.translate("Words", "The payment was cancelled"),
        CodePayFailure.UNAVAILABLE: QCoreApplication.translate(
            "Words", "Payment by payment code is not available for this shop now"
        ),
        CodePayFailure.NOT_SENT: QCoreApplication.translate(
            "Words", "The payment code never reached WeChat Pay: nothing was charged"
        ),
    }
    found = texts.get(CodePayFailure(failure)) if failure in texts else None
    return found or code_failed_text()


def code_failed_text() -> str:
    """That a payment code took nothing, whatever the reason (the customer display's headline)."""
    return QCoreApplication.translate("Words", "The payment did not go through")


def code_next_step_text(failure: str | None) -> str:
    """What the clerk asks the customer to do next (换一张卡 / 重新出示付款码 / 改用扫码支付)."""
    texts = {
        NextStep.SWITCH_CARD: QCoreApplication.translate("Words", "Ask the customer to switch to another card"),
        NextStep.NEW_CODE: QCoreApplication.translate("Words", "Ask the customer to show the payment code again"),
        NextStep.SCAN_QR: QCoreApplication.translate(
            "Words", "Ask the customer to pay by scanning the QR code instead"
        ),
    }
    return texts[next_step(failure) or NextStep.NEW_CODE]


def customer_failure_text(failure: str | None) -> str:
    """Why nothing was taken, said to the customer on the customer display ("" for a reason the customer has
    no part in: the clerk's cancel is never shown to the customer as a failure)."""
    texts = {
        CodePayFailure.INSUFFICIENT_FUNDS: QCoreApplication.translate("Words", "Not enough money on your card"),
        CodePayFailure.PAYMENT_FAILED: QCoreApplication.translate("Words", "Your bank declined the payment"),
        CodePayFailure.CODE_REJECTED: QCoreApplication.translate(
            "Words", "Your payment code is invalid, expired or already used"
        ),
        CodePayFailure.NOT_CONFIRMED: QCoreApplication.translate("Words", "The payment was not confirmed in time"),
        CodePayFailure.UNAVAILABLE: QCoreApplication.translate(
            "Words", "This shop cannot take payment codes right now"
        ),
        CodePayFailure.NOT_SENT: QCoreApplication.translate("Words", "Nothing was charged"),
    }
    return texts[CodePayFailure(failure)] if failure in texts else ""


def customer_next_step_text(failure: str | None) -> str:
    """What the customer does next, said to the customer (the clerk reads :func:`code_next_step_text`)."""
    texts = {
        NextStep.SWITCH_CARD: QCoreApplication.translate(
            "Words", "Please switch to another card and show your payment code again"
        ),
        NextStep.NEW_CODE: QCoreApplication.translate("Words", "Please show your payment code again"),
        NextStep.SCAN_QR: QCoreApplication.translate("Words", "Please pay by scanning the QR code instead"),
    }
    return texts[next_step(failure) or NextStep.NEW_CODE]


def method_text(method: str) -> str:
    """How the customer paid, in a word for tables."""
    if method == TradeType.MICROPAY:
        return QCoreApplication.translate("Words", "Payment code")
    return QCoreApplication.translate("Words", "QR code")
