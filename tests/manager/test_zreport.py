from __future__ import annotations

from dataclasses import replace

from kiosk.checkout.session import State
from kiosk.manager.summaries import summarise_day
from kiosk.manager.zreport import job_key, print_z_report, z_report
from kiosk.printing.documents import Document, Mark, Metrics, StoreInfo, layout
from kiosk.trade import TradeType
from tests.manager.factories import DAY, at, item, order, otn, refund

STORE = StoreInfo("邻里便利", "上海市徐汇区漕溪北路 1 号")


def summary(training=False):
    orders = [
        order(1, 1200, charged=at(9, 5)),
        order(2, 2500, charged=at(14, 10)),
        order(3, 600, State.CANCELLED, ended_by="clerk"),
        order(4, 450, State.PAID_AFTER_CANCEL, charged=at(18), ended_by="clerk"),
    ]
    items = {otn(1): [item(otn(1), 1, "A", 2, 600, "农夫山泉")], otn(2): [item(otn(2), 1, "C", 5, 500, "咖啡")]}
    return summarise_day(DAY, orders, items, [refund(otn(2), 1, 500)], paid_after_cancel=[orders[3]], training=training)


def printed(document: Document) -> str:
    return "\n".join(getattr(line, "text", "") for line in layout(document, Metrics(48)))


def test_z_report_content():
    document = z_report(summary(), STORE, printed_at=at(22, 30), kiosk_id="K1")
    assert document.kind == "z_report"
    text = printed(document)
    for expected in (
        "日结报表 Z-REPORT",
        "2026-11-28",
        "K1",
        "2026-11-28 22:30:00",
        "已付款 Paid",
        "已取消 Cancelled",
        "取消后付款 Paid after cancel",
        "￥41.50",  # paid: 1200 + 2500 + 450
        "-￥5.00",  # refunds
        "￥36.50",  # net
        "￥18.50",  # average ticket: 3700 / 2
        "09:00",
        "14:00",
        "18:00",
        "咖啡",
        otn(4),
    ):
        assert expected in text, expected
    assert "10:00" not in text  # hours without sales are left out
    assert not any(isinstance(block, Mark) for block in document)


def test_z_report_lists_abnormal_refunds_to_handle():
    orders = [order(1, 1200, charged=at(9, 5))]
    stuck = refund(otn(1), 1, 500, state="ABNORMAL")
    text = printed(z_report(summarise_day(DAY, orders, {}, [stuck]), STORE, printed_at=at(22), kiosk_id="K1"))
    assert "待处理: 退款异常 1 笔 / abnormal refunds" in text
    assert stuck.out_refund_no in text and "￥5.00" in text
    assert "商户平台" in text
    assert "退款异常" not in printed(z_report(summary(), STORE, printed_at=at(22), kiosk_id="K1"))


def test_training_z_report_is_marked():
    document = z_report(summary(training=True), STORE, printed_at=at(22, 30))
    marks = [block for block in document if isinstance(block, Mark)]
    assert [m.kind for m in marks] == ["training", "training"]
    assert "培训模式" in printed(document)


class FakeQueue:
    def __init__(self):
        self.jobs: list[tuple[str, Document, bool]] = []

    def submit(self, key, document, *, reprint=False):
        self.jobs.append((key, document, reprint))
        return len(self.jobs)


def test_print_uses_one_job_key_per_day_and_reprint_is_explicit():
    queue = FakeQueue()
    key = print_z_report(queue, summary(), STORE, printed_at=at(22), kiosk_id="K1")
    assert key == job_key(DAY, "K1") == "z_report:K1:2026-11-28"
    print_z_report(queue, summary(), STORE, printed_at=at(22, 5), kiosk_id="K1", reprint=True)
    assert [(k, r) for k, _, r in queue.jobs] == [(key, False), (key, True)]
    assert job_key(DAY) == "z_report:2026-11-28"


def test_z_report_splits_the_takings_by_method_and_lists_unsettled_payment_codes():
    orders = [
        order(1, 1200, charged=at(9, 5)),
        replace(order(2, 2500, charged=at(14, 10)), method=TradeType.MICROPAY),
        replace(order(3, 990, State.FAILED, charged=at(15)), method=TradeType.MICROPAY, unresolved=True),
    ]
    text = printed(z_report(summarise_day(DAY, orders, {}, [], unresolved=[orders[2]]), STORE, printed_at=at(22)))
    assert "微信扫码 WeChat QR" in text and "微信付款码 Quick Pay" in text
    assert "待处理: 付款码未了结 1 笔 / unsettled codes" in text and otn(3) in text
    assert "付款码未了结" not in printed(z_report(summary(), STORE, printed_at=at(22)))
