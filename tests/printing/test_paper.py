"""Paper fixes read back from the real ESC/POS bytes: line breaks, indents, short numbers, kiosk, clerk."""

from __future__ import annotations

import pytest

from kiosk.checkout.trade_no import short_trade_no
from kiosk.checkout.training import TRAINING_STORE_ADDRESS, TRAINING_STORE_NAME
from kiosk.printing.documents import (
    AMOUNT_WIDTH,
    NAME_INDENT,
    QTY_WIDTH,
    Document,
    StoreInfo,
    paid_receipt,
    payment_slip,
    refund_slip,
)
from kiosk.printing.escpos_render import render
from kiosk.printing.profiles import find_profile
from kiosk.printing.text import display_width, wrap
from tests.printing.conftest import CODE_URL, ITEMS, NOW, STORE, TOTAL
from tests.printing.escpos_decoder import PrintedLine, decode

OTN = "S1-K1-20261129A7K00042"
TRAINING_STORE = StoreInfo(TRAINING_STORE_NAME, TRAINING_STORE_ADDRESS)
PAPERS = ["generic-58mm", "generic-80mm", "epson-tm-t20", "virtual"]  # Chinese-mode printers: text comes back
CLOSING = "）)]}」』】》，。、：；！？,.;:!?"
OPENING = "（([{「『【《"


def printed(document: Document, profile: str = "generic-58mm") -> list[PrintedLine]:
    return decode(render(document, find_profile(profile))).lines


def texts(document: Document, profile: str = "generic-58mm") -> list[str]:
    return [line.text for line in printed(document, profile)]


def receipt(store: StoreInfo = STORE, **options: object) -> Document:
    return paid_receipt(
        store, OTN, ITEMS, TOTAL, "4200001234202611290123456789", NOW, short_no="00042", kiosk="K1", **options
    )  # type: ignore[arg-type]


def test_short_number_is_the_last_five_characters() -> None:
    assert short_trade_no(OTN) == "00042"
    assert short_trade_no("abc") == "abc"
    with pytest.raises(ValueError):
        short_trade_no("")


@pytest.mark.parametrize("profile", PAPERS)
def test_double_size_store_name_breaks_before_the_bracket(profile: str) -> None:
    lines = printed(receipt(TRAINING_STORE), profile)
    name_lines = [line.text for line in lines if line.width == 2 and not line.text.startswith("单号")]
    assert "".join(name_lines) == TRAINING_STORE_NAME
    # 20 columns at double width: one line on 80 mm paper (24), broken before the bracket on 58 mm (16),
    # never 「培训门店（训练模 / 式）」.
    if find_profile(profile).paper.columns // 2 >= display_width(TRAINING_STORE_NAME):
        assert name_lines == [TRAINING_STORE_NAME]
    else:
        assert name_lines == ["培训门店", "（训练模式）"]


def test_wrap_keeps_brackets_and_punctuation_with_their_words() -> None:
    assert wrap("培训门店（训练模式）", 16) == ["培训门店", "（训练模式）"]
    assert wrap("待处理: 取消后付款 1 笔 / paid after cancel (refund)", 20) == [
        "待处理: 取消后付款 1",
        "笔 / paid after",
        "cancel (refund)",
    ]
    # A group too long for any line is broken where it must be, still never before a closing bracket.
    lines = wrap("A（很长很长很长很长很长很长的说明）", 16)
    assert all(display_width(line) <= 16 for line in lines)
    assert not any(line[0] in CLOSING for line in lines) and not any(line[-1] in OPENING for line in lines)
    assert wrap("你好，世界。再见！", 6) == ["你好，", "世界。", "再见！"]
    assert wrap("Supercalifragilistic", 8) == ["Supercal", "ifragili", "stic"]
    assert wrap("康师傅红烧牛肉面（超大桶装）加量不加价", 16, indent=2) == [
        "康师傅红烧牛肉面",
        "  （超大桶装）加",
        "  量不加价",
    ]


@pytest.mark.parametrize("columns", range(8, 49))
def test_wrap_never_strands_a_closing_bracket_or_exceeds_the_width(columns: int) -> None:
    samples = (TRAINING_STORE_NAME, TRAINING_STORE_ADDRESS, ITEMS[2].name, "取消后付款(已退) Paid after cancel (late)")
    for text in samples:
        for indent in (0, 2):
            lines = wrap(text, columns, indent=indent)
            assert all(display_width(line) <= columns for line in lines), lines
            assert not any(line.strip() and line.strip()[0] in CLOSING for line in lines), lines
            assert "".join(line.strip() for line in lines).replace(" ", "") == text.replace(" ", "")


@pytest.mark.parametrize("profile", ["generic-58mm", "generic-80mm"])
def test_long_item_names_continue_indented_under_the_name(profile: str) -> None:
    columns = find_profile(profile).paper.columns
    name_width = columns - QTY_WIDTH - AMOUNT_WIDTH
    lines = texts(receipt(), profile)
    first = next(i for i, text in enumerate(lines) if text.startswith("Very long"))
    assert lines[first].endswith("￥12.50")
    follow = lines[first + 1 : lines.index(next(t for t in lines[first:] if t.startswith("康师傅")))]
    assert follow, "the long English name wraps on this paper"
    for text in follow:
        assert text.startswith(" " * NAME_INDENT) and not text.startswith(" " * (NAME_INDENT + 1)), text
        assert display_width(text) <= name_width
    words = " ".join(t.strip() for t in [lines[first][:name_width], *follow]).split()
    assert " ".join(words) == "Very long English product name that has to wrap"


def test_receipt_shows_short_number_large_item_count_and_kiosk() -> None:
    lines = printed(receipt(clerk="王芳"))
    big = [line for line in lines if line.text == "单号 No. 00042"]
    assert len(big) == 1 and (big[0].width, big[0].height, big[0].bold) == (2, 2, True)
    text = [line.text for line in lines]
    assert "订单号 Order" in text and any(t.strip() == OTN for t in text)  # too long for one 58 mm line
    assert any(t.startswith("收银机 Kiosk") and t.endswith("K1") for t in text)
    assert any(t.startswith("收银员 Clerk") and t.endswith("王芳") for t in text)
    count = next(t for t in text if t.startswith("件数 Items"))
    assert count.split()[-1] == str(sum(item.quantity for item in ITEMS)) == "7"
    assert not any(t.startswith("收银员") for t in texts(receipt()))  # clerk unknown: no empty line for it


def test_payment_slip_shows_the_short_number_large() -> None:
    slip = payment_slip(STORE, OTN, ITEMS, TOTAL, CODE_URL, NOW, short_no="00042", kiosk="K1")
    lines = printed(slip)
    assert any(line.text == "单号 No. 00042" and line.width == 2 for line in lines)
    assert any(line.text.startswith("件数 Items") for line in lines)


def test_refund_slip_shows_the_original_order() -> None:
    slip = refund_slip(
        STORE,
        OTN,
        f"{OTN}R1",
        650,
        "顾客退货",
        NOW,
        order_total_fen=TOTAL,
        order_items=ITEMS,
        short_no="00042",
        kiosk="K1",
    )
    text = texts(slip, "generic-80mm")
    assert "单号 No. 00042" in text
    assert "原订单 Original order" in text
    assert any(t.startswith("原订单金额 Order total") and t.endswith("￥53.00") for t in text)
    assert any(t.startswith("农夫山泉矿泉水 550ml") and t.endswith("￥4.00") for t in text)
    order_total = next(i for i, t in enumerate(text) if t.startswith("原订单金额"))
    assert order_total < next(i for i, t in enumerate(text) if t.startswith("退款金额"))
    assert any(t.startswith("退款金额 Amount") and t.endswith("￥6.50") for t in text)


def test_z_report_lines_break_cleanly() -> None:
    from kiosk.manager.zreport import z_report
    from tests.manager.factories import at
    from tests.manager.test_zreport import summary

    document = z_report(summary(training=True), TRAINING_STORE, printed_at=at(22), kiosk_id="K1")
    for profile in ("generic-58mm", "generic-80mm"):
        text = texts(document, profile)
        assert not any(t.strip() and t.strip()[0] in CLOSING for t in text), text
        assert "（训练模式）" in text or "培训门店（训练模式）" in text
