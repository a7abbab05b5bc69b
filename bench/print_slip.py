"""Bytes sent and estimated transfer time for one payment slip at 9600 baud, native vs image QR.

9600 baud, 8N1: 10 bits on the wire per byte, so 960 bytes/s. The last line is one JSON object.
"""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import datetime

from kiosk.clock import CHINA_TZ
from kiosk.printing.documents import ReceiptItem, StoreInfo, payment_slip
from kiosk.printing.escpos_render import render
from kiosk.printing.profiles import find_profile

BAUD = 9600
BYTES_PER_SECOND = BAUD / 10  # 8 data bits + start + stop

STORE = StoreInfo("老王便利店", "北京市朝阳区建国路88号", "010-12345678")
ITEMS = [
    ReceiptItem("农夫山泉矿泉水 550ml", 2, 200, 400),
    ReceiptItem("康师傅红烧牛肉面", 1, 650, 650),
    ReceiptItem("可口可乐 330ml", 3, 300, 900),
]
CODE_URL = "weixin://wxpay/bizpayurl?pr=NwY5Mz9"


def main() -> None:
    slip = payment_slip(STORE, "K20261129000123", ITEMS, 1950, CODE_URL, datetime(2026, 11, 29, 18, 0, tzinfo=CHINA_TZ))
    results: dict[str, dict[str, float | int]] = {}
    for profile_name in ("generic-58mm", "generic-80mm"):
        base = find_profile(profile_name)
        for mode in ("native", "image"):
            profile = dataclasses.replace(base, qr=dataclasses.replace(base.qr, mode=mode))
            started = time.perf_counter()
            data = render(slip, profile)
            render_ms = (time.perf_counter() - started) * 1000
            key = f"{profile_name}/{mode}"
            results[key] = {
                "bytes": len(data),
                "seconds_at_9600": round(len(data) / BYTES_PER_SECOND, 2),
                "render_ms": round(render_ms, 1),
                "qr_module": profile.qr.module,
            }
            print(f"{key:22} {len(data):6d} bytes  {len(data) / BYTES_PER_SECOND:6.2f} s at 9600 baud")
    summary = {
        "bench": "print_slip",
        "baud": BAUD,
        "bytes_per_second": BYTES_PER_SECOND,
        "code_url": CODE_URL,
        "results": results,
        "native_bytes_58mm": results["generic-58mm/native"]["bytes"],
        "image_bytes_58mm": results["generic-58mm/image"]["bytes"],
        "image_over_native_58mm": round(
            int(results["generic-58mm/image"]["bytes"]) / int(results["generic-58mm/native"]["bytes"]), 1
        ),
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
