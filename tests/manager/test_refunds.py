from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kiosk.checkout import KioskCore
from kiosk.clock import CHINA_TZ
from kiosk.journal import RefundRow
from kiosk.manager.refunds import REFUND_REASONS, RefundSlipPrinter, refund_reason
from kiosk.manager.training import seconds_to_next_release
from tests.manager.factories import at, order, refund, write


def test_a_printer_failure_is_reported_not_raised(offline_core: KioskCore) -> None:
    sold = order(1, 1000)
    write(offline_core.journal, [sold], [refund(sold.out_trade_no, 1, 300, requested=at(17))])
    offline_core.print_queue.close()  # the printer's queue is gone: the slip cannot be submitted
    errors: list[RefundRow] = []
    assert RefundSlipPrinter(offline_core, on_error=errors.append).submit(offline_core.refunds()[0]) is None
    assert [row.out_trade_no for row in errors] == [sold.out_trade_no]


def test_next_release_is_ten_o_clock_tomorrow_beijing():
    now = datetime(2026, 11, 28, 1, 45, tzinfo=CHINA_TZ)
    assert seconds_to_next_release(now) == timedelta(hours=32, minutes=15).total_seconds()
    late = datetime(2026, 11, 28, 23, 0, tzinfo=CHINA_TZ)
    assert seconds_to_next_release(late) == timedelta(hours=11).total_seconds()


def test_only_training_mode_has_a_sandbox_clock(offline_core: KioskCore) -> None:
    assert offline_core.sandbox_url is None


def test_advance_core_to_next_release_goes_through_the_core():
    from kiosk.manager.training import advance_core_to_next_release

    class TrainingCore:
        def __init__(self):
            self.moves: list[float] = []
            self.now = datetime(2026, 11, 28, 1, 45, tzinfo=CHINA_TZ)

        def advance_training_clock(self, seconds):
            self.moves.append(seconds)
            self.now += timedelta(seconds=seconds)
            return {"now": self.now.isoformat()}

    core = TrainingCore()
    moved = advance_core_to_next_release(core)
    assert core.moves == [0, 32 * 3600 + 15 * 60]
    assert moved == datetime(2026, 11, 29, 10, 0, tzinfo=CHINA_TZ)


def test_the_reason_the_payer_reads_is_chinese_and_fits_wechat_pays_limit() -> None:
    assert refund_reason("returned") == "顾客退货"
    assert refund_reason("faulty", "  瓶盖  漏水 ") == "商品损坏或有质量问题：瓶盖 漏水"  # one line, single spaces
    assert refund_reason("other", "顾客改主意了") == "顾客改主意了"  # "其他：…" says nothing the words do not
    assert refund_reason("other") == "其他" and refund_reason(None, "多收了") == "多收了"
    assert refund_reason(None) == "" and refund_reason(None, "   ") == ""
    assert len(refund_reason("paid_twice", "很" * 200)) == 80
    assert all(not text.isascii() for text in REFUND_REASONS.values())
    with pytest.raises(ValueError, match="no common refund reason"):
        refund_reason("because")
