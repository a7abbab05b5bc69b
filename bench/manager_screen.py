"""Manager screen benchmark: what the GUI thread spends showing a big day, offscreen at 1024×768.

The screen runs every blocking call on a worker; what remains on the GUI thread is putting rows into the
tables (the columns take the width of their text, the rows of the bill and the reconciliation are one line
high so that nothing is measured per row) and re-rendering every word after a language switch. Timed: the
screen opening over a training kiosk until Today is shown, a bill of N rows (default 100,000) shown, a
reconciliation of N items shown, and a language switch with both full. Each is one freeze of the screen, so
the target is under 2 s at 100,000 rows (a busy shop's day is a few thousand).

Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/manager_screen.py [--rows 100000]
The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication

from kiosk.clock import CHINA_TZ
from kiosk.manager.bills import BillEntry, BillResult, BillState, BillTotals, DayBill
from kiosk.manager.reconcile import Action, ReconCategory, Reconciliation, ReconItem
from kiosk.manager.service import ManagerService


def bill_of(rows: int) -> DayBill:
    start = datetime(2026, 11, 28, 8, tzinfo=CHINA_TZ)
    entries = tuple(
        BillEntry(
            start + timedelta(seconds=n // 4),
            f"4200{n:024d}",
            f"S1-K1-20261128A7K{n % 100000:05d}",
            "REFUND" if n % 50 == 0 else "SUCCESS",
            100 + n,
            100 + n,
            (100 + n) * 6 // 1000,
            refund_fen=100 if n % 50 == 0 else 0,
            refund_status="SUCCESS" if n % 50 == 0 else None,
        )
        for n in range(rows)
    )
    total = sum(e.settlement_fen for e in entries)
    totals = BillTotals(rows, total, sum(e.refund_fen for e in entries), sum(e.fee_fen for e in entries), total)
    return DayBill(start.date(), entries, totals)


def reconciliation_of(bill: DayBill) -> Reconciliation:
    categories = list(ReconCategory)
    items = tuple(
        ReconItem(categories[n % len(categories)], Action.NONE, e.out_trade_no, bill_fen=e.order_total_fen)
        for n, e in enumerate(bill.entries)
    )
    return Reconciliation(bill.day, items, bill.totals.settlement_fen, 0, bill.totals.refund_fen, 0)


def timed(act: object, until: object) -> float:
    started = time.perf_counter()
    act()  # type: ignore[operator]
    while not until():  # type: ignore[operator]
        QApplication.processEvents()
    QApplication.processEvents()  # the layout and the first paint of what changed
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000)
    options = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    from kiosk.ui import create_main_window
    from kiosk.ui.fit import settle
    from kiosk.ui.manager_view import ManagerView

    with tempfile.TemporaryDirectory(prefix="kiosk-bench-manager-") as scratch:
        window = create_main_window(data_dir=Path(scratch) / "training", language="zh_CN", customer_display=False)
        window.show()
        window.resize(1024, 768)
        settle()
        assert window.core is not None
        core = window.core
        views: list[ManagerView] = []
        opened = timed(
            lambda: views.append(
                ManagerView(
                    ManagerService(core),
                    window,
                    language=lambda: window.language,
                    switch_language=window.toggle_language,
                )
            ),
            lambda: views and views[0].summary is not None,
        )
        view = views[0]
        view.show()
        bill = bill_of(options.rows)
        result = BillResult(BillState.READY, bill.day, bill=bill)
        view.tabs.setCurrentWidget(view.bill_tab)
        settle()
        bill_shown = timed(lambda: view.show_bill(result), lambda: view.bill_model.rowCount() == options.rows)
        while view.ops.in_flight:  # the screen's own reconciliation of the bill (an empty journal): let it finish
            QApplication.processEvents()
        view.tabs.setCurrentWidget(view.reconcile_tab)
        settle()
        reconciliation = reconciliation_of(bill)
        reconciled = timed(
            lambda: view.show_reconciliation(reconciliation, result),
            lambda: view.reconcile_model.rowCount() == options.rows,
        )
        switched = timed(window.toggle_language, lambda: view.tabs.tabText(0) == "Today")
        view.close()
        window.allow_close()
        window.close()
    del app
    print(
        json.dumps(
            {
                "bench": "manager_screen",
                "rows": options.rows,
                "open_to_today_s": round(opened, 3),
                "bill_shown_s": round(bill_shown, 3),
                "reconciliation_shown_s": round(reconciled, 3),
                "language_switch_s": round(switched, 3),
                "target_s": 2.0,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
