from __future__ import annotations

from datetime import datetime

import pytest

from kiosk.printing.documents import (
    AMOUNT_WIDTH,
    QR,
    REPRINT_MARK,
    TRAINING_MARK,
    Columns,
    Document,
    Line,
    Mark,
    Metrics,
    layout,
    paid_receipt,
    payment_slip,
    refund_slip,
)
from kiosk.printing.text import display_width
from tests.printing.conftest import CODE_URL, ITEMS, NOW, STORE, TOTAL


def _slip(**marks: bool) -> Document:
    return payment_slip(STORE, "K20261129000123", ITEMS, TOTAL, CODE_URL, NOW, **marks)


def _all_documents() -> list[Document]:
    return [
        _slip(),
        _slip(training=True, reprint=True),
        paid_receipt(STORE, "K20261129000123", ITEMS, TOTAL, "4200001234202611290123456789", NOW, 5000),
        refund_slip(STORE, "K20261129000123", "R20261129000001", 650, "顾客退货 customer return", NOW),
    ]


@pytest.mark.parametrize("columns", [32, 48])
def test_no_line_exceeds_the_paper(columns: int) -> None:
    metrics = Metrics(columns)
    for document in _all_documents():
        for line in layout(document, metrics):
            if isinstance(line, Line):
                assert display_width(line.text) * line.width <= columns, line


@pytest.mark.parametrize("columns", [32, 48])
def test_item_columns_line_up(columns: int) -> None:
    lines = [line.text for line in layout(_slip(), Metrics(columns)) if isinstance(line, Line)]
    rows = [text for text in lines if text.endswith(("￥4.00", "￥12.50", "￥6.50", "￥30.00"))]
    assert len(rows) == 4
    for row in rows:
        # Amounts end on the last column; quantities end where the amount column starts.
        assert display_width(row) == columns
        amount_start = columns - AMOUNT_WIDTH
        prefix = row.encode("gbk")[:amount_start].decode("gbk")
        assert prefix.rstrip()[-1].isdigit()
        assert display_width(prefix) == amount_start
    header = next(text for text in lines if text.startswith("商品"))
    assert display_width(header) == columns and header.endswith("金额")


def test_long_names_wrap_under_the_name_column() -> None:
    lines = [line.text for line in layout(_slip(), Metrics(32)) if isinstance(line, Line)]
    start = lines.index(next(t for t in lines if t.startswith("康师傅")))
    assert lines[start].startswith("康师傅红烧牛肉面")
    assert lines[start + 1].startswith("  （超大桶装）")  # continuation lines are indented
    assert all(display_width(lines[i]) <= 32 - 5 - AMOUNT_WIDTH for i in (start + 1, start + 2))


def test_payment_slip_content() -> None:
    document = _slip()
    assert document.qr_payloads == [CODE_URL]
    texts = [line.text for line in layout(document, Metrics(48)) if isinstance(line, Line)]
    assert "请使用微信扫一扫支付" in texts
    assert "请在 2026-11-29 17:30:00 前支付" in texts
    assert any(t.startswith("合计 Total") and t.endswith("￥53.00") for t in texts)
    assert TRAINING_MARK not in texts and REPRINT_MARK not in texts


def test_marks() -> None:
    texts = [line.text for line in layout(_slip(training=True, reprint=True), Metrics(32)) if isinstance(line, Line)]
    assert texts[0] == TRAINING_MARK and texts[1] == REPRINT_MARK
    assert texts.count(TRAINING_MARK) == 2  # top and bottom: a training slip cannot be torn into a real one
    assert _slip().marked_reprint().is_reprint and not _slip().is_reprint
    assert _slip().marked_reprint().marked_reprint().blocks.count(Mark("reprint")) == 1


def test_paid_receipt_and_refund_slip_content() -> None:
    receipt = paid_receipt(STORE, "K1", ITEMS, TOTAL, "4200001234202611290123456789", NOW, 5000, reprint=True)
    texts = [line.text for line in layout(receipt, Metrics(32)) if isinstance(line, Line)]
    assert REPRINT_MARK in texts
    assert "4200001234202611290123456789" in " ".join(texts)
    assert any(t.startswith("实付 Paid") and t.endswith("￥50.00") for t in texts)
    refund = refund_slip(STORE, "K1", "R1", 650, "退货", NOW)
    refund_texts = [line.text for line in layout(refund, Metrics(48)) if isinstance(line, Line)]
    assert any(t.startswith("退款金额") and t.endswith("￥6.50") for t in refund_texts)


def test_json_round_trip_keeps_every_block() -> None:
    for document in _all_documents():
        assert Document.from_json(document.to_json()) == document
    odd = Document("z_report", (Columns(("a", "b"), (None, 4), ("left", "right")), QR("x")))
    assert Document.from_json(odd.to_json()) == odd


def test_times_must_be_aware_and_money_int() -> None:
    with pytest.raises(ValueError, match="naive"):
        payment_slip(STORE, "K1", ITEMS, TOTAL, CODE_URL, datetime(2026, 1, 1))
    with pytest.raises(TypeError):
        payment_slip(STORE, "K1", ITEMS, 53.0, CODE_URL, NOW)  # type: ignore[arg-type]
