"""The manager screen's words for the kiosk's codes: order states, WeChat Pay's trade and refund states,
reconciliation categories and actions, the bill's answers, how an order was paid, what still needs the manager
and why an action failed. One home, so that no
screen, dialog or message of the manager ever shows a raw code (``SUCCESS``, ``NOTPAY``, ``REFUND``…), an
exception's name or an internal term; each call reads the current language (a live switch re-renders).

"Journal" is the kiosk's own record (本机记录) and the relay is "the payment server" (收款服务器), as everywhere on
the cashier's screen. Orders by their short number, times of day, how an order was paid and why a payment code
took nothing are the cashier's words (:mod:`kiosk.ui.words`), so that clerk and manager say them alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QCoreApplication

from kiosk.checkout.session import PaymentSession, State
from kiosk.clock import CHINA_TZ
from kiosk.journal import OrderItemRow, RefundRow
from kiosk.manager.bills import BillEntry, BillResult, BillState, NotAvailableReason
from kiosk.manager.reconcile import Action, ReconCategory, ReconItem
from kiosk.manager.service import Problem
from kiosk.manager.summaries import AttentionCase, DaySummary, UnresolvedCase
from kiosk.money import format_yuan
from kiosk.trade import RefundStatus, TradeState, TradeType
from kiosk.ui.words import code_failure_text, method_text, short, state_text


def date_time(moment: datetime | None) -> str:
    """``2026-12-05 14:03``, Beijing time."""
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def paid_by(method: str | None, payment_code: str | None = None) -> str:
    """How the customer paid (the kiosk's QR or the customer's payment code, by its last four digits: the rest
    was never kept)."""
    if not method:
        return ""
    if not payment_code:
        return method_text(method)
    return QCoreApplication.translate("ManagerWords", "{0} ending {1}").format(method_text(method), payment_code[-4:])


def state_name(state: State | str | None) -> str:
    """An order's state in the kiosk's own record."""
    if not state:
        return ""
    try:
        return state_text(State(state))
    except ValueError:  # a state this version does not know
        return _unknown()


def trade_state_name(code: str | None) -> str:
    """A WeChat Pay trade state (a bill row's: SUCCESS, REFUND, REVOKED, …)."""
    names: dict[str, str] = {
        TradeState.NOTPAY: QCoreApplication.translate("ManagerWords", "Not paid"),
        TradeState.USERPAYING: QCoreApplication.translate("ManagerWords", "Customer paying"),
        TradeState.PAYERROR: QCoreApplication.translate("ManagerWords", "Payment failed"),
        TradeState.SUCCESS: QCoreApplication.translate("ManagerWords", "Paid"),
        TradeState.REFUND: QCoreApplication.translate("ManagerWords", "Refund"),
        TradeState.CLOSED: QCoreApplication.translate("ManagerWords", "Closed"),
        TradeState.REVOKED: QCoreApplication.translate("ManagerWords", "Revoked"),
    }
    return names.get(code, _unknown()) if code else ""


def refund_status_name(code: str | None) -> str:
    """A refund's state (the kiosk's record or the bill's)."""
    names: dict[str, str] = {
        RefundStatus.REQUESTED: QCoreApplication.translate("ManagerWords", "Requested"),
        RefundStatus.PENDING: QCoreApplication.translate("ManagerWords", "Sent to WeChat Pay"),
        RefundStatus.PROCESSING: QCoreApplication.translate("ManagerWords", "Being refunded"),
        RefundStatus.SUCCESS: QCoreApplication.translate("ManagerWords", "Refunded"),
        RefundStatus.ABNORMAL: QCoreApplication.translate(
            "ManagerWords", "Refund stuck: handle it in the WeChat Pay merchant platform"
        ),
        RefundStatus.CLOSED: QCoreApplication.translate("ManagerWords", "Refund closed: nothing was paid back"),
        RefundStatus.FAILED: QCoreApplication.translate("ManagerWords", "Refund refused: nothing was paid back"),
    }
    return names.get(code, _unknown()) if code else ""


def category_name(category: ReconCategory) -> str:
    names = {
        ReconCategory.MATCHED: QCoreApplication.translate("ManagerWords", "Matches"),
        ReconCategory.MISSING_IN_JOURNAL: QCoreApplication.translate(
            "ManagerWords", "Paid in WeChat Pay, no sale on this kiosk"
        ),
        ReconCategory.UNPAID_IN_JOURNAL: QCoreApplication.translate(
            "ManagerWords", "Paid in WeChat Pay, unpaid on this kiosk"
        ),
        ReconCategory.PAID_AFTER_CANCEL: QCoreApplication.translate(
            "ManagerWords", "Paid after the sale was cancelled"
        ),
        ReconCategory.AMOUNT_MISMATCH: QCoreApplication.translate("ManagerWords", "Amounts differ"),
        ReconCategory.MISSING_IN_BILL: QCoreApplication.translate(
            "ManagerWords", "Paid on this kiosk, not in the bill"
        ),
        ReconCategory.DUPLICATE_IN_BILL: QCoreApplication.translate("ManagerWords", "Paid twice in the bill"),
        ReconCategory.OTHER_KIOSK: QCoreApplication.translate("ManagerWords", "Another cash register's sale"),
        ReconCategory.REFUND_MATCHED: QCoreApplication.translate("ManagerWords", "Refund matches"),
        ReconCategory.REFUND_MISMATCH: QCoreApplication.translate("ManagerWords", "Refund differs"),
        ReconCategory.REFUND_MISSING_IN_JOURNAL: QCoreApplication.translate(
            "ManagerWords", "Refund not made on this kiosk"
        ),
        ReconCategory.REFUND_MISSING_IN_BILL: QCoreApplication.translate("ManagerWords", "Refund not in the bill"),
        ReconCategory.REVERSED: QCoreApplication.translate("ManagerWords", "Payment code paid and given back"),
    }
    return names[category]


def action_name(action: Action) -> str:
    names = {
        Action.NONE: QCoreApplication.translate("ManagerWords", "Nothing to do"),
        Action.REFUND: QCoreApplication.translate(
            "ManagerWords", "Refund it in the WeChat Pay merchant platform: this kiosk has no sale for it"
        ),
        Action.REQUERY: QCoreApplication.translate("ManagerWords", "Select it and tap Re-query order"),
        Action.CHECK_WECHAT: QCoreApplication.translate(
            "ManagerWords", "Look the order up in the WeChat Pay merchant platform"
        ),
        Action.REQUERY_REFUND: QCoreApplication.translate(
            "ManagerWords", "Select it and tap Re-query order to check the refund"
        ),
        Action.CHECK_REFUND: QCoreApplication.translate(
            "ManagerWords", "Look the refund up in the WeChat Pay merchant platform"
        ),
    }
    return names[action]


def problem_text(problem: Problem) -> str:
    """Why an action failed, and what to do about it."""
    texts = {
        Problem.SERVER_UNREACHABLE: QCoreApplication.translate(
            "ManagerWords", "The payment server cannot be reached. Check the network and try again."
        ),
        Problem.NOT_AUTHORIZED: QCoreApplication.translate(
            "ManagerWords",
            "The payment server does not accept this kiosk. Ask whoever installed it to check its settings.",
        ),
        Problem.NO_REFUND_PERMISSION: QCoreApplication.translate(
            "ManagerWords",
            "Refunds are not set up on this kiosk. Ask whoever installed it to add the refund permission, "
            "or refund in the WeChat Pay merchant platform.",
        ),
        Problem.SERVER_REFUSED: QCoreApplication.translate(
            "ManagerWords", "WeChat Pay did not accept the request. Check the order in the merchant platform."
        ),
        Problem.NOT_ALLOWED: QCoreApplication.translate(
            "ManagerWords", "The order has changed meanwhile and no longer allows this. Refresh and look again."
        ),
        Problem.PRINTER: QCoreApplication.translate("ManagerWords", "The printer did not take it. Check the printer."),
        Problem.FILE_NOT_WRITTEN: QCoreApplication.translate(
            "ManagerWords", "The file could not be saved there. Check that the USB drive is plugged in and not full."
        ),
        Problem.UNEXPECTED: QCoreApplication.translate(
            "ManagerWords", "Something went wrong in the kiosk. Try again; the details are in the kiosk's log."
        ),
    }
    return texts[problem]


def bill_message(result: BillResult) -> str:
    """What the bill tab says about a fetch."""
    day = result.day.isoformat()
    if result.state is BillState.READY and result.bill is not None:
        return QCoreApplication.translate("ManagerWords", "WeChat Pay bill for {0}: {1} rows, checked.").format(
            day, len(result.bill.entries)
        )
    if result.state is BillState.NOT_AVAILABLE:
        if result.reason is NotAvailableReason.DAY_NOT_ENDED:
            return QCoreApplication.translate(
                "ManagerWords", "The bill for {0} is not available yet: the day has not ended."
            ).format(day)
        if result.reason is NotAvailableReason.GENERATING:
            return QCoreApplication.translate(
                "ManagerWords",
                "WeChat Pay is still preparing the bill for {0}; it is published the next morning (from {1}).",
            ).format(day, date_time(result.available_from))
        if result.reason is NotAvailableReason.TOO_OLD:
            return QCoreApplication.translate("ManagerWords", "WeChat Pay keeps bills for three months only.")
        return QCoreApplication.translate(
            "ManagerWords", "WeChat Pay has no bill for {0} yet. Try again later."
        ).format(day)
    if result.state is BillState.NO_TRANSACTIONS:
        return QCoreApplication.translate("ManagerWords", "No WeChat Pay payments on {0}: there is no bill.").format(
            day
        )
    if result.state is BillState.HASH_FAILED:
        return QCoreApplication.translate(
            "ManagerWords",
            "The bill for {0} arrived damaged and was not used. Try again later; if it happens again, call support.",
        ).format(day)
    if result.state is BillState.RELAY_DOWN:
        return QCoreApplication.translate(
            "ManagerWords", "The payment server or WeChat Pay cannot be reached. Check the network and try again."
        )
    if result.state is BillState.INVALID:
        return QCoreApplication.translate(
            "ManagerWords",
            "The bill for {0} did not add up and is not shown. Try again later; if it happens again, call support.",
        ).format(day)
    return QCoreApplication.translate(
        "ManagerWords",
        "The payment server refused to fetch the bill. Ask whoever installed the kiosk to check its settings.",
    )


def unresolved_advice() -> str:
    """What to do about a payment-code order the payment server cannot settle (its reverse keeps failing)."""
    return QCoreApplication.translate(
        "ManagerWords",
        "The customer may have paid; the payment server keeps cancelling it. Check it in the WeChat Pay merchant "
        "platform, then tap Re-query order.",
    )


def paid_note(summary: DaySummary) -> str:
    """The line under what was received (Today's card, the Z-report's): how many payments, and when both ways
    were used, what came each way."""
    lines = [QCoreApplication.translate("ManagerWords", "Orders: {0}").format(summary.paid_count)]
    if len(summary.by_method) > 1:
        lines += [
            QCoreApplication.translate("ManagerWords", "{0}: {1} · {2}").format(
                method_text(m.method), m.count, format_yuan(m.amount_fen)
            )
            for m in summary.by_method
        ]
    return "\n".join(lines)


def open_matters(summary: DaySummary) -> list[str]:
    """What still needs the manager on a day (Today's notes, the Z-report dialog): payment codes the
    payment server cannot settle, payments after cancel to refund, refunds in progress, refunds stuck in WeChat Pay."""
    matters = []
    if summary.unresolved:
        matters.append(
            QCoreApplication.translate(
                "ManagerWords",
                "Payment codes not settled: {0} (see Orders for what to do).",
            ).format(len(summary.unresolved))
        )
    if summary.open_attention:
        matters.append(
            QCoreApplication.translate("ManagerWords", "Payments after cancel to refund: {0} (see Orders).").format(
                len(summary.open_attention)
            )
        )
    if summary.refunds_pending_fen:
        matters.append(
            QCoreApplication.translate("ManagerWords", "Refunds of {0} are in progress.").format(
                format_yuan(summary.refunds_pending_fen)
            )
        )
    if summary.abnormal_refunds:
        matters.append(
            QCoreApplication.translate(
                "ManagerWords", "Refunds stuck: {0}. Handle them in the WeChat Pay merchant platform."
            ).format(len(summary.abnormal_refunds))
        )
    return matters


# ---- the details of a selected row: every number in full, every state in words -------------------------


def describe(
    row: Any,
    *,
    items: Mapping[str, Sequence[OrderItemRow]] | None = None,
    refunds: Iterable[RefundRow] = (),
    language: str = "zh_CN",
) -> str:
    """The details panel's text for a row of the manager's tables (an order, a payment code not settled, a
    payment after cancel, a bill row or a reconciliation item): the short number first, then the full one and
    everything else."""
    if isinstance(row, PaymentSession):
        return _order(row, (items or {}).get(row.out_trade_no, ()), _refunds_of(row.out_trade_no, refunds), language)
    if isinstance(row, UnresolvedCase):
        return _unresolved(row, (items or {}).get(row.out_trade_no, ()), language)
    if isinstance(row, AttentionCase):
        return _attention(row, _refunds_of(row.out_trade_no, refunds))
    if isinstance(row, BillEntry):
        return _bill_entry(row)
    if isinstance(row, ReconItem):
        return _recon_item(row)
    return ""


def item_name(name_zh: str, name_en: str, language: str) -> str:
    return name_zh if language == "zh_CN" or not name_en else name_en


def _refunds_of(out_trade_no: str, refunds: Iterable[RefundRow]) -> list[str]:
    return [
        QCoreApplication.translate("ManagerWords", "Refund {0}: {1} · {2} · {3}").format(
            format_yuan(r.amount_fen), refund_status_name(r.state), r.reason, r.out_refund_no
        )
        for r in refunds
        if r.out_trade_no == out_trade_no
    ]


def _head(out_trade_no: str) -> list[str]:
    return [
        QCoreApplication.translate("ManagerWords", "Order {0}").format(short(out_trade_no)),
        QCoreApplication.translate("ManagerWords", "Full number: {0}").format(out_trade_no),
    ]


def _wechat_number(transaction_id: str | None) -> list[str]:
    if not transaction_id:
        return []
    return [QCoreApplication.translate("ManagerWords", "WeChat Pay number: {0}").format(transaction_id)]


def _paid_by_line(method: str | None, payment_code: str | None = None) -> list[str]:
    if not method:
        return []
    return [QCoreApplication.translate("ManagerWords", "Paid by: {0}").format(paid_by(method, payment_code))]


def _item_lines(items: Sequence[OrderItemRow], language: str) -> list[str]:
    return [
        f"· {item_name(line.name_zh, line.name_en, language)} × {line.quantity}  {format_yuan(line.total_fen)}"
        for line in items
    ]


def _order(order: PaymentSession, items: Sequence[OrderItemRow], refunds: list[str], language: str) -> str:
    lines = [
        *_head(order.out_trade_no),
        f"{state_name(order.state)} · {format_yuan(order.amount_fen)}",
        *_paid_by_line(order.method, order.payment_code),
        QCoreApplication.translate("ManagerWords", "Charged: {0}").format(date_time(order.charged_at)),
    ]
    if order.success_time is not None:
        lines.append(QCoreApplication.translate("ManagerWords", "Paid: {0}").format(date_time(order.success_time)))
    if order.failure and not order.is_paid:
        lines.append(
            QCoreApplication.translate("ManagerWords", "Nothing taken: {0}").format(code_failure_text(order.failure))
        )
    if order.unresolved:
        lines.append(QCoreApplication.translate("ManagerWords", "Not settled. {0}").format(unresolved_advice()))
    lines += _wechat_number(order.transaction_id)
    return "\n".join([*lines, *_item_lines(items, language), *refunds])


def _unresolved(case: UnresolvedCase, items: Sequence[OrderItemRow], language: str) -> str:
    lines = [
        *_head(case.out_trade_no),
        f"{state_name(case.state)} · {format_yuan(case.amount_fen)}",
        *_paid_by_line(TradeType.MICROPAY, case.payment_code),
        QCoreApplication.translate("ManagerWords", "Charged: {0}").format(date_time(case.charged_at)),
        QCoreApplication.translate("ManagerWords", "What to do: {0}").format(unresolved_advice()),
    ]
    return "\n".join([*lines, *_item_lines(items, language)])


def _attention(case: AttentionCase, refunds: list[str]) -> str:
    lines = [
        *_head(case.out_trade_no),
        QCoreApplication.translate("ManagerWords", "Paid after the sale was cancelled: {0}").format(
            format_yuan(case.amount_fen)
        ),
        QCoreApplication.translate("ManagerWords", "Charged: {0}").format(date_time(case.charged_at)),
        QCoreApplication.translate("ManagerWords", "Paid: {0}").format(date_time(case.success_time)),
        QCoreApplication.translate("ManagerWords", "Still to refund: {0}").format(format_yuan(case.refundable_fen)),
        *_wechat_number(case.transaction_id),
    ]
    if case.description:
        lines.append(case.description)
    return "\n".join([*lines, *refunds])


def _bill_entry(entry: BillEntry) -> str:
    lines = [
        *_head(entry.out_trade_no),
        f"{trade_state_name(entry.trade_state)} · {date_time(entry.trade_time)}",
        *_paid_by_line(entry.trade_type),
        *_wechat_number(entry.transaction_id),
    ]
    if entry.is_refund:
        lines.append(
            QCoreApplication.translate("ManagerWords", "Refund {0}: {1} · {2}").format(
                format_yuan(entry.refund_fen), refund_status_name(entry.refund_status), entry.out_refund_no or ""
            )
        )
    else:
        lines.append(
            QCoreApplication.translate("ManagerWords", "Amount: {0}").format(format_yuan(entry.order_total_fen))
        )
    lines.append(QCoreApplication.translate("ManagerWords", "Fee: {0}").format(format_yuan(entry.fee_fen)))
    if entry.goods_name:
        lines.append(entry.goods_name)
    return "\n".join(lines)


def _recon_item(item: ReconItem) -> str:
    refund = item.out_refund_no is not None
    bill_state = refund_status_name(item.bill_state) if refund else trade_state_name(item.bill_state)
    kiosk_state = refund_status_name(item.journal_state) if refund else state_name(item.journal_state)
    nothing = QCoreApplication.translate("ManagerWords", "no record")
    lines = [category_name(item.category)]
    if item.category is ReconCategory.REVERSED:
        lines.append(
            QCoreApplication.translate(
                "ManagerWords",
                "The customer's payment went through just as the sale was called off, and WeChat Pay gave all "
                "of it back.",
            )
        )
    lines += [
        QCoreApplication.translate("ManagerWords", "What to do: {0}").format(action_name(item.action)),
        *_head(item.out_trade_no),
        *_paid_by_line(item.trade_type),
    ]
    if refund:
        lines.append(QCoreApplication.translate("ManagerWords", "Refund number: {0}").format(item.out_refund_no))
    lines += _wechat_number(item.transaction_id)
    bill = " ".join(part for part in (_money(item.bill_fen), bill_state) if part) or nothing
    kiosk = " ".join(part for part in (_money(item.journal_fen), kiosk_state) if part) or nothing
    lines.append(QCoreApplication.translate("ManagerWords", "WeChat Pay: {0}").format(bill))
    lines.append(QCoreApplication.translate("ManagerWords", "This kiosk: {0}").format(kiosk))
    if item.time is not None:
        lines.append(QCoreApplication.translate("ManagerWords", "Time: {0}").format(date_time(item.time)))
    if item.description:
        lines.append(item.description)
    return "\n".join(lines)


def _money(fen: int | None) -> str:
    return format_yuan(fen) if fen is not None else ""


def _unknown() -> str:
    return QCoreApplication.translate("ManagerWords", "Unknown")
