"""Adapter from journal facts to kiosk.printing documents, and the print queue built from ``[printer]``."""

from __future__ import annotations

from functools import partial
from typing import Any

from kiosk.checkout.codepay import method_label
from kiosk.checkout.config import KioskConfig
from kiosk.checkout.print_monitor import order_is_open
from kiosk.checkout.session import PaymentSession
from kiosk.checkout.trade_no import short_trade_no
from kiosk.journal import Journal, OrderItemRow, RefundRow, parse_timestamp
from kiosk.printing import (
    Document,
    PrintQueue,
    ReceiptItem,
    StoreInfo,
    load_printer_settings,
    open_printer,
    paid_receipt,
    payment_slip,
    refund_slip,
)

#: Training mode prints to the virtual printer (raw bytes + PNG previews under the data directory).
TRAINING_PRINTER = {"profile": "virtual"}


def _items(items: list[OrderItemRow]) -> list[ReceiptItem]:
    return [ReceiptItem(item.name_zh, item.quantity, item.unit_price_fen, item.total_fen) for item in items]


class PrintingDocuments:
    """Builds slips and receipts; the print queue adds the reprint mark itself (``submit(reprint=True)``)."""

    def __init__(self, store: StoreInfo, *, kiosk_id: str, training: bool):
        self.store = store
        self.kiosk_id = kiosk_id
        self.training = training

    def payment_slip(self, session: PaymentSession, items: list[OrderItemRow], *, reprint: bool) -> Document:
        assert session.code_url is not None
        return payment_slip(
            self.store,
            session.out_trade_no,
            _items(items),
            session.amount_fen,
            session.code_url,
            session.expires_at,
            short_no=short_trade_no(session.out_trade_no),
            kiosk=self.kiosk_id,
            training=self.training,
        )

    def paid_receipt(self, session: PaymentSession, items: list[OrderItemRow], *, reprint: bool) -> Document:
        return paid_receipt(
            self.store,
            session.out_trade_no,
            _items(items),
            session.amount_fen,
            session.transaction_id or "-",
            session.success_time or session.charged_at,
            session.payer_total_fen,
            short_no=short_trade_no(session.out_trade_no),
            kiosk=self.kiosk_id,
            training=self.training,
            method=method_label(session.method),
        )

    def refund_slip(self, refund: RefundRow, session: PaymentSession, items: list[OrderItemRow]) -> Document:
        at = parse_timestamp(refund.success_time) or parse_timestamp(refund.updated_at)
        assert at is not None
        return refund_slip(
            self.store,
            refund.out_trade_no,
            refund.out_refund_no,
            refund.amount_fen,
            refund.reason,
            at,
            order_total_fen=session.amount_fen,
            order_items=_items(items),
            short_no=short_trade_no(refund.out_trade_no),
            kiosk=self.kiosk_id,
            training=self.training,
        )


def build_print_queue(config: KioskConfig, journal: Journal) -> tuple[Any, PrintingDocuments | None]:
    """The print queue in the journal's SQLite file, or ``(None, None)`` when no printer is configured.

    The profile is the one :func:`~kiosk.checkout.config.load_config` loaded; a configuration made in code
    has only the ``[printer]`` table, loaded here. The queue asks the journal, at print time, whether a payment
    slip's order is still open."""
    profile = config.printer_profile
    if profile is None:
        table = config.printer or (TRAINING_PRINTER if config.training else None)
        if not table:
            return None, None
        profile = load_printer_settings(table, source=config.source or "kiosk.toml")
    printer = open_printer(profile, data_dir=config.data_dir)
    store = StoreInfo(config.store.name, config.store.address, config.store.phone)
    queue = PrintQueue(journal.path, printer, order_open=partial(order_is_open, journal))
    return queue, PrintingDocuments(store, kiosk_id=config.kiosk_id, training=config.training)
