from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from kiosk.checkout.session import State
from kiosk.manager.summaries import DayData, MethodTotal, load_day, summarise, summarise_day
from kiosk.trade import TradeType
from tests.manager.factories import DAY, at, item, order, otn, refund


def sample():
    orders = [
        order(1, 1200, charged=at(9, 5)),
        order(2, 800, charged=at(9, 40)),
        order(3, 2500, charged=at(14, 10)),
        order(4, 600, State.CANCELLED, charged=at(15), ended_by="clerk"),
        order(5, 300, State.EXPIRED, charged=at(16), ended_by="expiry"),
        order(6, 450, State.PAID_AFTER_CANCEL, charged=at(18), ended_by="clerk"),
    ]
    items = {
        otn(1): [item(otn(1), 1, "A", 2, 200), item(otn(1), 2, "B", 1, 800)],
        otn(2): [item(otn(2), 1, "B", 1, 800)],
        otn(3): [item(otn(3), 1, "C", 5, 500)],
        otn(6): [item(otn(6), 1, "A", 9, 50)],  # paid after cancel: not a sale, not a top item
    }
    refunds = [
        refund(otn(3), 1, 500),
        refund(otn(3), 2, 300, state="PROCESSING"),
        refund(otn(2), 1, 800, state="FAILED"),
        refund(otn(1), 1, 100, requested=at(10) - timedelta(days=1)),  # another day's refund
    ]
    return orders, items, refunds


def test_counts_and_totals_by_state():
    orders, items, refunds = sample()
    s = summarise_day(DAY, orders, items, refunds, paid_after_cancel=[orders[5]])
    assert s.order_count == 6
    assert [(t.state, t.count, t.amount_fen) for t in s.by_state] == [
        (State.PAID, 3, 4500),
        (State.PAID_AFTER_CANCEL, 1, 450),
        (State.CANCELLED, 1, 600),
        (State.EXPIRED, 1, 300),
    ]
    assert (s.paid_count, s.paid_total_fen) == (4, 4950)
    assert (s.sales_count, s.sales_total_fen) == (3, 4500)
    assert s.state_total(State.FAILED).count == 0


def test_refunds_of_the_day_net_and_average_ticket():
    orders, items, refunds = sample()
    s = summarise_day(DAY, orders, items, refunds)
    assert (s.refund_count, s.refunds_total_fen, s.refunds_pending_fen) == (1, 500, 300)
    assert s.net_fen == 4950 - 500
    assert s.average_ticket_fen == 1500  # 4500 / 3
    assert summarise_day(DAY, [order(1, 100), order(2, 200)], {}, []).average_ticket_fen == 150
    assert summarise_day(DAY, [order(1, 1), order(2, 2)], {}, []).average_ticket_fen == 2  # 1.5 → half up


def test_abnormal_refunds_are_neither_done_nor_pending_but_listed_every_day():
    orders, items, refunds = sample()
    stuck_today = refund(otn(1), 2, 200, state="ABNORMAL")
    stuck_before = refund(otn(2), 2, 300, state="ABNORMAL", requested=at(11) - timedelta(days=2))
    closed = refund(otn(3), 3, 400, state="CLOSED")
    s = summarise_day(DAY, orders, items, [*refunds, stuck_today, stuck_before, closed])
    assert (s.refund_count, s.refunds_total_fen, s.refunds_pending_fen) == (1, 500, 300)  # as without them
    assert s.abnormal_refunds == (stuck_before, stuck_today)  # oldest first, whatever day
    assert summarise_day(DAY, orders, items, refunds).abnormal_refunds == ()


def test_sales_by_hour_has_24_beijing_buckets():
    orders, items, refunds = sample()
    s = summarise_day(DAY, orders, items, refunds)
    assert len(s.by_hour) == 24 and [b.hour for b in s.by_hour] == list(range(24))
    busy = {b.hour: (b.count, b.amount_fen) for b in s.by_hour if b.count}
    # Paid at charge + 1 minute; paid-after-cancel counts as money received.
    assert busy == {9: (2, 2000), 14: (1, 2500), 18: (1, 450)}


def test_top_items_by_quantity_and_amount_from_sales_only():
    orders, items, refunds = sample()
    s = summarise_day(DAY, orders, items, refunds)
    assert [(t.sku, t.quantity, t.amount_fen) for t in s.top_by_quantity] == [
        ("C", 5, 2500),
        ("B", 2, 1600),
        ("A", 2, 400),
    ]  # ties: amount
    assert [t.sku for t in s.top_by_amount] == ["C", "B", "A"]
    assert summarise_day(DAY, orders, items, refunds, top=1).top_by_quantity[0].sku == "C"


def test_paid_after_cancel_needs_attention_until_refunded():
    late = order(6, 450, State.PAID_AFTER_CANCEL, ended_by="clerk")
    older = order(1, 900, State.PAID_AFTER_CANCEL, day=DAY - timedelta(days=3), ended_by="expiry")
    s = summarise_day(DAY, [late], {}, [refund(older.out_trade_no, 1, 900)], paid_after_cancel=[late, older])
    assert [(c.out_trade_no, c.refundable_fen, c.resolved) for c in s.attention] == [
        (late.out_trade_no, 450, False),
        (older.out_trade_no, 0, True),
    ]
    assert [c.out_trade_no for c in s.open_attention] == [late.out_trade_no]
    partial = summarise_day(
        DAY, [], {}, [refund(late.out_trade_no, 1, 200, state="PROCESSING")], paid_after_cancel=[late]
    )
    assert partial.attention[0].refundable_fen == 250


def test_empty_day():
    s = summarise_day(DAY, [], {}, [])
    assert (s.order_count, s.paid_total_fen, s.net_fen, s.average_ticket_fen) == (0, 0, 0, 0)
    assert s.by_state == () and s.top_by_quantity == () and sum(b.count for b in s.by_hour) == 0


class FakeSource:
    training = True

    def __init__(self):
        self.orders, self.items, self.refund_rows = sample()

    def today(self):
        return DAY

    def orders_between(self, first, last):
        assert first == last == DAY
        return list(self.orders)

    def order_items(self, out_trade_no):
        return list(self.items.get(out_trade_no, []))

    def refunds(self, out_trade_no=None):
        return list(self.refund_rows)

    def paid_after_cancel(self):
        return [o for o in self.orders if o.state is State.PAID_AFTER_CANCEL]

    def unresolved_orders(self):
        return [o for o in self.orders if o.unresolved]


def test_load_day_reads_the_journal_source():
    data = load_day(FakeSource(), DAY)
    assert isinstance(data, DayData) and data.training
    assert len(data.orders) == 6 and len(data.items[otn(1)]) == 2 and data.items[otn(4)] == ()
    s = summarise(data)
    assert s.training and s.paid_total_fen == 4950 and len(s.attention) == 1


def test_what_was_paid_is_split_by_payment_method_and_unsettled_codes_are_listed():
    orders, items, refunds = sample()
    by_code = replace(orders[1], method=TradeType.MICROPAY, payment_code="**************9406")
    stuck = replace(
        order(7, 990, State.FAILED, charged=at(19)), method=TradeType.MICROPAY, unresolved=True, settled=False
    )
    orders = [orders[0], by_code, *orders[2:], stuck]
    s = summarise_day(DAY, orders, items, refunds, paid_after_cancel=[orders[5]], unresolved=[stuck])
    assert s.by_method == (
        MethodTotal(TradeType.NATIVE, 3, 1200 + 2500 + 450),  # paid after cancel counts: the money arrived
        MethodTotal(TradeType.MICROPAY, 1, 800),
    )
    assert sum(m.amount_fen for m in s.by_method) == s.paid_total_fen
    [unsettled] = s.unresolved
    assert (unsettled.out_trade_no, unsettled.amount_fen, unsettled.state) == (otn(7), 990, State.FAILED)
    assert summarise_day(DAY, [], {}, []).by_method == () and summarise_day(DAY, [], {}, []).unresolved == ()
