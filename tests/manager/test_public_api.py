from __future__ import annotations

import subprocess
import sys

import kiosk.manager


def test_all_is_pinned_and_every_name_resolves():
    assert sorted(kiosk.manager.__all__) == sorted(kiosk.manager._EXPORTS)
    for name in kiosk.manager.__all__:
        assert getattr(kiosk.manager, name) is not None


def test_the_pin_module_alone_stays_light_and_nothing_imports_qt():
    code = (
        "import sys, kiosk.manager.pin;"
        "heavy = [m for m in sys.modules if m.startswith(('httpx', 'kiosk.printing', 'kiosk.wechatpay'))];"
        "import kiosk.manager.summaries, kiosk.manager.reconcile, kiosk.manager.bills, kiosk.manager.export;"
        "import kiosk.manager.zreport, kiosk.manager.refunds, kiosk.manager.training, kiosk.manager.service;"
        "qt = [m for m in sys.modules if m.startswith('PySide6')];"
        "print(len([m for m in heavy if m.startswith('httpx')]), len(qt))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split() == ["0", "0"]
