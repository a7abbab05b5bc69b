"""The WeChat Pay client's own cost per call, without the network.

One call = validate and serialise a Native order, build the httpx request, sign it (SHA256withRSA),
then verify a signed response and decode it: everything ``WeChatPayClient.create_native_order`` does
except sending. Compared with one bare RSA-2048 signature made with ``cryptography`` in the same run.
Prints one JSON object as the last line.
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import cryptography
import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kiosk.clock import CHINA_TZ
from kiosk.wechatpay import Credentials, DirectMerchant, NativeOrder, native
from kiosk.wechatpay.client import Engine, _response
from kiosk.wechatpay.signing import response_message, sign
from kiosk.wechatpay.verifying import validate

ROUNDS = 1000
WARMUP = 30


class FixedClock:
    def __init__(self) -> None:
        self.moment = datetime.now(CHINA_TZ).replace(microsecond=0)

    def now(self) -> datetime:
        return self.moment


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    merchant_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    platform_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    clock = FixedClock()
    credentials = Credentials(
        mchid="1900007291",
        private_key=merchant_key,
        cert_serial="408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB",
        apiv3_key=b"0123456789abcdefABCDEFGHIJKLMNOP",
        public_key_id="PUB_KEY_ID_0114232134912410000000000000",
        public_key=platform_key.public_key(),
    )
    merchant = DirectMerchant("1900007291", "wxd678efh567hg6787")
    engine = Engine(credentials, merchant, clock=clock)
    order = NativeOrder(
        out_trade_no="K20261129-0001",
        description="Image形象店-深圳腾大-QQ公仔",
        amount_fen=100,
        notify_url="https://relay.example.com/wechatpay/notify",
        time_expire=clock.now() + timedelta(minutes=30),
        attach="桌号 7",
    )
    body = b'{"code_url":"weixin://wxpay/bizpayurl?pr=JyC91EIz1"}'
    stamp = int(clock.now().timestamp())
    nonce = "d824f2e086d3c1df967785d13fcd22ef"
    headers = {
        "Wechatpay-Timestamp": str(stamp),
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": sign(platform_key, response_message(stamp, nonce, body)),
        "Wechatpay-Serial": credentials.public_key_id or "",
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        "Content-Type": "application/json; charset=utf-8",
        "Request-ID": "08F5B8C2B506102C18FDDFEEA30620BE821E28EDC405-0",
    }
    wire = httpx.Response(200, headers=headers, content=body)
    now = clock.now().timestamp

    def client_call() -> None:
        op = native.create_order(merchant, order, clock.now())
        engine.prepare(op)
        response = _response(wire)  # what the drivers do with every answer
        validate(response.headers, response.body, engine.verifier, now=now)
        assert op.parse(response).startswith("weixin://")

    response = _response(wire)

    message = b"POST\n/v3/pay/transactions/native\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n" + body + b"\n"

    def bare_signature() -> None:
        merchant_key.sign(message, padding.PKCS1v15(), hashes.SHA256())

    def verify_only() -> None:
        validate(response.headers, response.body, engine.verifier, now=now)

    tasks: dict[str, Callable[[], None]] = {"client": client_call, "bare_sign": bare_signature, "verify": verify_only}
    wall: dict[str, list[float]] = {name: [] for name in tasks}
    cpu: dict[str, list[float]] = {name: [] for name in tasks}
    for _ in range(WARMUP):
        for task in tasks.values():
            task()
    # Interleaved, so that frequency scaling and other processes hit every task alike. CPU time (this
    # thread only) is reported next to wall time: on a shared machine it is the steadier measure of the
    # client's own cost, while wall time also counts the moments another process had the core.
    for _ in range(ROUNDS):
        for name, task in tasks.items():
            wall_start, cpu_start = time.perf_counter_ns(), time.thread_time_ns()
            task()
            cpu[name].append((time.thread_time_ns() - cpu_start) / 1e6)
            wall[name].append((time.perf_counter_ns() - wall_start) / 1e6)

    result: dict[str, object] = {"bench": "wechatpay_client", "rounds": ROUNDS, "unit": "ms"}
    for name in tasks:
        result[f"{name}_median_ms"] = round(statistics.median(wall[name]), 4)
        result[f"{name}_p95_ms"] = round(percentile(wall[name], 0.95), 4)
        result[f"{name}_cpu_median_ms"] = round(statistics.median(cpu[name]), 4)
        result[f"{name}_cpu_p95_ms"] = round(percentile(cpu[name], 0.95), 4)
    ratio = statistics.median(wall["client"]) / statistics.median(wall["bare_sign"])
    cpu_ratio = statistics.median(cpu["client"]) / statistics.median(cpu["bare_sign"])
    result["client_over_bare_sign"] = round(ratio, 3)
    result["client_over_bare_sign_cpu"] = round(cpu_ratio, 3)
    result["client_overhead_median_ms"] = round(
        statistics.median(wall["client"]) - statistics.median(wall["bare_sign"]), 4
    )
    result["target"] = "client median < 3 ms and <= 1.5x bare RSA-2048 signature"
    result["meets_target_wall"] = statistics.median(wall["client"]) < 3.0 and ratio <= 1.5
    result["meets_target_cpu"] = statistics.median(cpu["client"]) < 3.0 and cpu_ratio <= 1.5
    result["python"] = platform.python_version()
    result["cryptography"] = cryptography.__version__
    print(json.dumps(result))


if __name__ == "__main__":
    main()
